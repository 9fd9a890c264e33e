/** "HTTP": one row per request/response (core's analysis/http-log), HTTP/1.x and HTTP/2, decrypted when keys allow. */
import type { UiHttpTransaction } from '../protocol.ts';
import { fill, fmtBytes, h } from '../ui/dom.ts';

export class HttpView {
  readonly el = h('div', { class: 'view http', id: 'http-view' });
  private readonly table = h('div', { class: 'http-table' });
  private readonly detail = h('div', { class: 'http-detail' });
  onFrame: (num: number) => void = () => {};

  constructor() {
    fill(this.el, this.table, this.detail);
  }

  loading(text: string): void {
    fill(this.table, h('div', { class: 'placeholder' }, text));
    fill(this.detail);
  }

  show(txs: readonly UiHttpTransaction[]): void {
    fill(this.detail);
    if (txs.length === 0) {
      fill(this.table, h('div', { class: 'placeholder' }, 'No HTTP requests found. HTTPS traffic shows up here once it is decrypted (add the key log).'));
      return;
    }
    const head = h('tr', {}, ...['Stream', 'Frame', 'Method', 'URL', 'Status', 'Content type', 'Response', 'Time'].map((t) => h('th', {}, t)));
    const rows = txs.map((t) => {
      const tr = h('tr', { class: t.status !== null && t.status >= 400 ? 'err' : '' },
        h('td', { class: 'num' }, `${t.stream}${t.h2stream !== null ? `/${t.h2stream}` : ''}`),
        h('td', { class: 'num' }, String(t.requestFrame)),
        h('td', {}, h('b', {}, t.method || '–')),
        h('td', { class: 'url' }, t.url),
        h('td', {}, t.status === null ? '–' : `${t.status} ${t.statusText}`),
        h('td', {}, t.contentType.split(';')[0] || '–'),
        h('td', { class: 'num' }, fmtBytes(t.responseBodySize)),
        h('td', { class: 'num' }, t.totalMs === null ? '–' : `${t.totalMs.toFixed(1)} ms`));
      tr.addEventListener('click', () => {
        this.table.querySelector('tr.selected')?.classList.remove('selected');
        tr.classList.add('selected');
        this.showDetail(t);
      });
      return tr;
    });
    fill(this.table, h('table', { class: 'grid' }, h('thead', {}, head), h('tbody', {}, ...rows)));
  }

  private showDetail(t: UiHttpTransaction): void {
    const headers = (list: readonly { name: string; value: string }[]) =>
      h('table', { class: 'headers' }, ...list.map((x) => h('tr', {}, h('th', {}, x.name), h('td', {}, x.value))));
    const frameLink = (n: number | null, text: string) => (n === null ? null : h('button', { onclick: () => this.onFrame(n) }, `${text} (frame ${n})`));
    fill(this.detail,
      h('div', { class: 'http-msg' },
        h('h3', {}, 'Request ', frameLink(t.requestFrame, 'show packet')),
        h('div', { class: 'line' }, `${t.method} ${t.url} ${t.version}`),
        headers(t.requestHeaders),
        t.requestBodySize ? h('pre', { class: 'body' }, t.requestBodyPreview) : null),
      h('div', { class: 'http-msg' },
        h('h3', {}, 'Response ', frameLink(t.responseFrame, 'show packet')),
        t.status === null ? h('div', { class: 'dim' }, 'No response seen.') : h('div', { class: 'line' }, `${t.status} ${t.statusText}`),
        headers(t.responseHeaders),
        t.responseBodySize ? h('pre', { class: 'body' }, t.responseBodyPreview) : null));
  }
}
