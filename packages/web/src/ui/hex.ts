/**
 * The packet bytes pane: offset, 16 hex bytes, ASCII; one tab per data source (the frame,
 * reassembled TCP, decrypted TLS, decompressed bodies …) as in Wireshark. The bytes of the
 * selected tree node are highlighted; clicking a byte selects the tree node that covers it.
 */
import type { UiSource } from '../protocol.ts';
import { fill, h } from './dom.ts';

/** Sources larger than this are shown truncated (the DOM would get too big). */
const MAX_SHOWN = 256 * 1024;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const ASC = Array.from({ length: 256 }, (_, i) => (i >= 0x20 && i < 0x7f ? String.fromCharCode(i) : '.'));
const esc = (c: string) => (c === '<' ? '&lt;' : c === '&' ? '&amp;' : c === '>' ? '&gt;' : c);

export class HexPane {
  readonly el: HTMLElement;
  private readonly tabs: HTMLElement;
  private readonly body: HTMLElement;
  private sources: UiSource[] = [];
  private current = 0;
  private hl: { src: number; offset: number; length: number } | undefined;
  onByte: (src: number, offset: number) => void = () => {};

  constructor() {
    this.tabs = h('div', { class: 'hex-tabs', role: 'tablist' });
    this.body = h('pre', { class: 'hex-body', id: 'hex' });
    this.el = h('div', { class: 'hex-pane' }, this.body, this.tabs);
    this.body.addEventListener('click', (ev) => {
      const o = (ev.target as HTMLElement).dataset.o;
      if (o !== undefined) this.onByte(this.current, Number(o));
    });
  }

  show(sources: UiSource[]): void {
    this.sources = sources;
    this.hl = undefined;
    this.current = 0;
    this.renderTabs();
    this.render();
  }

  sourceName(i: number): string {
    return this.sources[i]?.name ?? `source ${i}`;
  }

  clear(): void {
    this.sources = [];
    fill(this.tabs);
    fill(this.body);
  }

  /** Highlights a node's bytes, switching to its source's tab. */
  highlight(sel: { src: number; offset: number; length: number } | undefined): void {
    this.hl = sel && sel.length > 0 ? sel : undefined;
    if (this.hl && this.hl.src !== this.current && this.hl.src < this.sources.length) {
      this.current = this.hl.src;
      this.renderTabs();
    }
    this.render();
    this.body.querySelector('.hl')?.scrollIntoView({ block: 'nearest' });
  }

  private renderTabs(): void {
    fill(this.tabs, ...(this.sources.length > 1 ? this.sources.map((s, i) => h('button', {
      class: i === this.current ? 'tab active' : 'tab', role: 'tab', 'aria-selected': String(i === this.current),
      onclick: () => {
        this.current = i;
        this.renderTabs();
        this.render();
      },
    }, `${i === 0 ? 'Frame' : s.name} (${s.data.length} bytes)`)) : []));
  }

  private render(): void {
    const src = this.sources[this.current];
    if (!src) {
      fill(this.body);
      return;
    }
    const d = src.data;
    const n = Math.min(d.length, MAX_SHOWN);
    const hl = this.hl && this.hl.src === this.current ? this.hl : undefined;
    const a = hl ? hl.offset : -1;
    const b = hl ? hl.offset + hl.length : -1;
    const lines: string[] = [];
    for (let o = 0; o < n; o += 16) {
      let hex = '';
      let asc = '';
      const m = Math.min(16, n - o);
      for (let j = 0; j < 16; j++) {
        const k = o + j;
        if (j === 8) hex += ' ';
        if (j >= m) {
          hex += '   ';
          continue;
        }
        const v = d[k]!;
        const on = k >= a && k < b;
        hex += `<span data-o="${k}"${on ? ' class="hl"' : ''}>${HEX[v]}</span> `;
        asc += `<span data-o="${k}"${on ? ' class="hl a"' : ''}>${esc(ASC[v]!)}</span>`;
      }
      lines.push(`<span class="off">${o.toString(16).padStart(4, '0')}</span>  ${hex}  ${asc}`);
    }
    if (n < d.length) lines.push(`… ${d.length - n} more bytes not shown`);
    this.body.innerHTML = lines.join('\n');
  }
}
