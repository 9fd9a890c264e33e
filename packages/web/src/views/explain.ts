/**
 * "Explain": one TLS connection narrated step by step (core's analysis/explain): the TCP
 * handshake, each handshake message with its values and what they mean, the certificate
 * checks, the keys, Finished, application data and findings. Frame numbers jump to the packet.
 */
import type { UiConnection, UiExplanation } from '../protocol.ts';
import { fill, h } from '../ui/dom.ts';

export class ExplainView {
  readonly el = h('div', { class: 'view explain', id: 'explain-view' });
  private readonly conn = h('select', { id: 'explain-stream', 'aria-label': 'TLS connection' });
  private readonly lang = h('select', { id: 'explain-lang', 'aria-label': 'Language' }, h('option', { value: 'en' }, 'English'), h('option', { value: 'zh' }, '中文'));
  private readonly out = h('div', { class: 'explain-out' });
  onExplain: (stream: number, lang: 'en' | 'zh') => void = () => {};
  onFrame: (num: number) => void = () => {};

  constructor() {
    const go = () => this.conn.value !== '' && this.onExplain(Number(this.conn.value), this.lang.value as 'en' | 'zh');
    this.conn.addEventListener('change', go);
    this.lang.addEventListener('change', go);
    fill(this.el, h('div', { class: 'toolbar' }, h('label', {}, 'Connection ', this.conn), h('label', {}, 'Language ', this.lang),
      h('button', { class: 'primary', onclick: go }, 'Explain')), this.out);
    this.setConnections([]);
  }

  setConnections(conns: readonly UiConnection[]): void {
    fill(this.conn, ...conns.map((c) => h('option', { value: String(c.stream) }, `#${c.stream} ${c.sni || c.server} · ${c.version || '?'}`)));
    fill(this.out, h('div', { class: 'placeholder' }, conns.length
      ? 'Pick a TLS connection: every step of its handshake is explained with the values seen in the capture — what the client offered, what the server chose, how the certificate was checked, where the keys come from and whether decryption worked.'
      : 'No TLS connection to explain: open a capture with TLS traffic.'));
  }

  select(stream: number): void {
    this.conn.value = String(stream);
  }

  get language(): 'en' | 'zh' {
    return this.lang.value as 'en' | 'zh';
  }

  loading(text: string): void {
    fill(this.out, h('div', { class: 'placeholder' }, text));
  }

  show(ex: UiExplanation | undefined, stream: number): void {
    if (!ex) {
      fill(this.out, h('div', { class: 'placeholder' }, `tcp.stream ${stream} carries no TLS handshake.`));
      return;
    }
    const frameLinks = (frames: readonly number[]) => frames.slice(0, 12).flatMap((f, i) => [i ? ', ' : '', h('a', { href: '#', class: 'frame', onclick: (ev: Event) => { ev.preventDefault(); this.onFrame(f); } }, String(f))])
      .concat(frames.length > 12 ? [` … (${frames.length})`] : []);
    fill(this.out,
      h('h2', {}, ex.heading),
      ...ex.steps.map((s, i) => h('section', { class: `step s-${s.id}`, 'data-step': s.id },
        h('h3', {}, `${i + 1}. ${s.title}`, s.frames.length ? h('span', { class: 'frames' }, s.frames.length === 1 ? 'frame ' : 'frames ', ...frameLinks(s.frames)) : null),
        ...s.text.map((line) => {
          const indent = /^ */.exec(line)![0].length;
          const t = line.trim();
          const cls = t.startsWith('✓') ? 'ok' : t.startsWith('✗') ? 'bad' : t.startsWith('!') || t.startsWith('⚠') ? 'warn' : '';
          return h('div', { class: `ln ${cls}`, style: `padding-left:${indent * 0.6}em` }, t);
        }))));
  }
}
