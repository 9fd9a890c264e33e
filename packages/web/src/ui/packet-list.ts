/**
 * The packet list: No., Time, Source, Destination, Protocol, Length, Info (the columns of
 * `tlslens read`). Virtualized: only the rows in view exist in the DOM, so 100k+ rows scroll
 * smoothly. Rows come from the worker in chunks; a display filter narrows them to its matches.
 */
import type { RowChunk } from '../protocol.ts';
import { h } from './dom.ts';

const ROW_H = 22;
const OVERSCAN = 8;

/** Every frame's columns, as they arrive. */
export class PacketStore {
  time: string[] = [];
  src: string[] = [];
  dst: string[] = [];
  proto: string[] = [];
  info: string[] = [];
  len: number[] = [];
  stream: number[] = [];

  get count(): number {
    return this.time.length;
  }

  add(c: RowChunk): void {
    for (let i = 0; i < c.time.length; i++) {
      this.time.push(c.time[i]!);
      this.src.push(c.src[i]!);
      this.dst.push(c.dst[i]!);
      this.proto.push(c.proto[i]!);
      this.info.push(c.info[i]!);
      this.len.push(c.len[i]!);
      this.stream.push(c.stream[i]!);
    }
  }
}

/** Wireshark-like row colours by protocol, with a class for rows Wireshark paints as errors. */
function rowClass(proto: string, info: string): string {
  if (/\[(TCP (Retransmission|Out-Of-Order|Dup ACK|Previous segment not captured|ZeroWindow))|Malformed/.test(info)) return 'r-bad';
  if (/RST/.test(info) && proto === 'TCP') return 'r-rst';
  const p = proto.toUpperCase();
  if (p.startsWith('HTTP')) return 'r-http';
  if (p.startsWith('TLS') || p.startsWith('SSL')) return 'r-tls';
  if (p === 'DNS' || p === 'MDNS' || p === 'LLMNR') return 'r-dns';
  if (p === 'UDP' || p === 'QUIC') return 'r-udp';
  if (p === 'ARP') return 'r-arp';
  if (p.startsWith('ICMP')) return 'r-icmp';
  if (p === 'TCP') return /\[(SYN|FIN)/.test(info) || /\bSYN\b|\bFIN\b/.test(info) ? 'r-syn' : 'r-tcp';
  return '';
}

export class PacketList {
  readonly el: HTMLElement;
  private readonly viewport: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly layer: HTMLElement;
  private readonly pool: HTMLElement[] = [];
  /** Frame numbers shown (a filter's matches), or undefined for all. */
  private view: Uint32Array | undefined;
  private selected = 0;
  private scheduled = false;
  onSelect: (num: number) => void = () => {};

  constructor(private store: PacketStore) {
    const head = h('div', { class: 'pl-row pl-head' },
      ...['No.', 'Time', 'Source', 'Destination', 'Protocol', 'Length', 'Info'].map((t) => h('span', {}, t)));
    this.spacer = h('div', { class: 'pl-spacer' });
    this.layer = h('div', { class: 'pl-layer' });
    this.viewport = h('div', { class: 'pl-viewport', tabindex: '0', role: 'grid', 'aria-label': 'Packet list' }, this.spacer, this.layer);
    this.el = h('div', { class: 'packet-list', id: 'packet-list' }, head, this.viewport);
    this.viewport.addEventListener('scroll', () => this.schedule());
    new ResizeObserver(() => this.schedule()).observe(this.viewport);
    this.layer.addEventListener('click', (ev) => {
      const row = (ev.target as HTMLElement).closest<HTMLElement>('.pl-row');
      if (row?.dataset.num) this.select(Number(row.dataset.num));
    });
    this.viewport.addEventListener('keydown', (ev) => this.key(ev));
  }

  /** Rows displayed (all frames, or the filter's matches). */
  get rows(): number {
    return this.view ? this.view.length : this.store.count;
  }

  get selectedFrame(): number {
    return this.selected;
  }

  private frameAt(i: number): number {
    return this.view ? this.view[i]! : i + 1;
  }

  private indexOf(num: number): number {
    if (!this.view) return num - 1;
    // binary search: matches are in frame order
    let lo = 0;
    let hi = this.view.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.view[mid]!;
      if (v === num) return mid;
      if (v < num) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  setView(view: Uint32Array | undefined): void {
    this.view = view;
    this.el.dataset.rows = String(this.rows);
    const i = this.selected ? this.indexOf(this.selected) : -1;
    if (i >= 0) this.scrollTo(i);
    else this.viewport.scrollTop = 0;
    this.schedule();
  }

  /** New rows arrived (or the store was reset). */
  refresh(): void {
    this.el.dataset.rows = String(this.rows);
    this.schedule();
  }

  /** Starts over with another capture's rows. */
  reset(store: PacketStore): void {
    this.store = store;
    this.view = undefined;
    this.selected = 0;
    this.viewport.scrollTop = 0;
    for (const r of this.pool) delete r.dataset.num;
    this.refresh();
  }

  select(num: number, scroll = false): void {
    if (num < 1 || num > this.store.count) return;
    this.selected = num;
    if (scroll) {
      const i = this.indexOf(num);
      if (i >= 0) this.scrollTo(i);
    }
    this.schedule();
    this.onSelect(num);
  }

  private scrollTo(i: number): void {
    const top = i * ROW_H;
    const vh = this.viewport.clientHeight - ROW_H;
    if (top < this.viewport.scrollTop) this.viewport.scrollTop = top;
    else if (top > this.viewport.scrollTop + vh) this.viewport.scrollTop = top - vh;
  }

  private key(ev: KeyboardEvent): void {
    const n = this.rows;
    if (n === 0) return;
    let i = this.selected ? this.indexOf(this.selected) : -1;
    const page = Math.max(1, Math.floor(this.viewport.clientHeight / ROW_H) - 1);
    switch (ev.key) {
      case 'ArrowDown': i = Math.min(n - 1, i + 1); break;
      case 'ArrowUp': i = Math.max(0, i - 1); break;
      case 'PageDown': i = Math.min(n - 1, i + page); break;
      case 'PageUp': i = Math.max(0, i - page); break;
      case 'Home': i = 0; break;
      case 'End': i = n - 1; break;
      default: return;
    }
    ev.preventDefault();
    this.select(this.frameAt(i), true);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.render();
    });
  }

  private render(): void {
    const n = this.rows;
    this.spacer.style.height = `${n * ROW_H}px`;
    const first = Math.max(0, Math.floor(this.viewport.scrollTop / ROW_H) - OVERSCAN);
    const last = Math.min(n, Math.ceil((this.viewport.scrollTop + this.viewport.clientHeight) / ROW_H) + OVERSCAN);
    const need = Math.max(0, last - first);
    while (this.pool.length < need) {
      const row = h('div', { class: 'pl-row', role: 'row' }, ...Array.from({ length: 7 }, () => h('span', {})));
      this.pool.push(row);
      this.layer.appendChild(row);
    }
    const s = this.store;
    for (let k = 0; k < this.pool.length; k++) {
      const row = this.pool[k]!;
      if (k >= need) {
        row.style.display = 'none';
        continue;
      }
      const i = first + k;
      const num = this.frameAt(i);
      const x = num - 1;
      row.style.display = '';
      row.style.transform = `translateY(${i * ROW_H}px)`;
      if (row.dataset.num !== String(num)) {
        row.dataset.num = String(num);
        const c = row.children;
        c[0]!.textContent = String(num);
        c[1]!.textContent = s.time[x] ?? '';
        c[2]!.textContent = s.src[x] ?? '';
        c[3]!.textContent = s.dst[x] ?? '';
        c[4]!.textContent = s.proto[x] ?? '';
        c[5]!.textContent = String(s.len[x] ?? '');
        c[6]!.textContent = s.info[x] ?? '';
        (c[6] as HTMLElement).title = s.info[x] ?? '';
        row.className = `pl-row ${rowClass(s.proto[x] ?? '', s.info[x] ?? '')}`;
      }
      row.classList.toggle('selected', num === this.selected);
      row.setAttribute('aria-selected', String(num === this.selected));
    }
  }
}
