/**
 * "Follow stream" (core's analysis/follow): one TCP conversation's payload in order, the
 * client's in red and the server's in blue as in Wireshark; raw TCP, decrypted TLS
 * application data, or HTTP messages.
 */
import type { FollowMode, UiFollow } from '../protocol.ts';
import { fill, fmtBytes, h } from '../ui/dom.ts';

const MAX_CHARS = 2_000_000;

function ascii(d: Uint8Array): string {
  let s = '';
  for (const b of d) s += b === 0x0a || b === 0x09 || (b >= 0x20 && b < 0x7f) ? String.fromCharCode(b) : b === 0x0d ? '' : '.';
  return s;
}

function hexdump(d: Uint8Array): string {
  const lines: string[] = [];
  for (let o = 0; o < d.length; o += 16) {
    const part = d.subarray(o, o + 16);
    const hex = Array.from(part, (b) => b.toString(16).padStart(2, '0')).join(' ');
    lines.push(`${o.toString(16).padStart(8, '0')}  ${hex.padEnd(48)} ${ascii(part).replace(/[\n\t]/g, '.')}`);
  }
  return lines.join('\n') + '\n';
}

export class FollowView {
  readonly el = h('div', { class: 'view follow', id: 'follow-view' });
  private readonly stream = h('input', { type: 'number', min: '0', value: '0', id: 'follow-stream', 'aria-label': 'TCP stream' });
  private readonly mode = h('select', { id: 'follow-mode', 'aria-label': 'What to follow' },
    h('option', { value: 'tcp' }, 'TCP payload'), h('option', { value: 'tls' }, 'TLS (decrypted)'), h('option', { value: 'http' }, 'HTTP'));
  private readonly format = h('select', { 'aria-label': 'Show as' }, h('option', { value: 'ascii' }, 'ASCII'), h('option', { value: 'hex' }, 'Hex dump'));
  private readonly out = h('div', { class: 'follow-out' });
  private last: UiFollow | undefined;
  onFollow: (stream: number, mode: FollowMode) => void = () => {};

  constructor() {
    const go = h('button', { class: 'primary', onclick: () => this.onFollow(Number(this.stream.value) || 0, this.mode.value as FollowMode) }, 'Follow');
    this.format.addEventListener('change', () => this.last && this.show(this.last));
    fill(this.el, h('div', { class: 'toolbar' }, h('label', {}, 'Stream ', this.stream), h('label', {}, 'Follow ', this.mode), h('label', {}, 'Show as ', this.format), go), this.out);
    fill(this.out, h('div', { class: 'placeholder' }, 'Pick a TCP stream (or select a packet and press "Follow" in the Packets tab).'));
  }

  set(stream: number, mode: FollowMode): void {
    this.stream.value = String(stream);
    this.mode.value = mode;
  }

  loading(text: string): void {
    fill(this.out, h('div', { class: 'placeholder' }, text));
  }

  show(f: UiFollow): void {
    this.last = f;
    const hex = this.format.value === 'hex';
    const bytes = [0, 0];
    const pieces: HTMLElement[] = [];
    let chars = 0;
    for (const c of f.chunks) {
      bytes[c.node]! += c.data.length;
      if (chars > MAX_CHARS) continue;
      const text = hex ? hexdump(c.data) : ascii(c.data);
      chars += text.length;
      pieces.push(h('span', { class: c.node === 0 ? 'c0' : 'c1', title: `frame ${c.frame}, ${c.data.length} bytes` }, text));
    }
    const what = f.mode === 'tcp' ? 'TCP payload' : f.mode === 'tls' ? 'decrypted TLS application data' : 'HTTP messages';
    const summary = h('div', { class: 'follow-summary' },
      h('span', { class: 'c0 key' }, `${f.nodes[0]} → ${fmtBytes(bytes[0]!)}`), ' ',
      h('span', { class: 'c1 key' }, `${f.nodes[1]} → ${fmtBytes(bytes[1]!)}`), ' ',
      h('span', { class: 'dim' }, `tcp.stream eq ${f.stream}: ${what}, ${f.chunks.length} chunk${f.chunks.length === 1 ? '' : 's'}`));
    if (f.chunks.length === 0) {
      const hint = f.mode === 'tls' ? ' Nothing was decrypted on this stream: load its key log, or follow the TCP payload.' : '';
      fill(this.out, summary, h('div', { class: 'placeholder' }, `No data.${hint}`));
      return;
    }
    fill(this.out, summary, h('pre', { class: 'follow-text' }, ...pieces), chars > MAX_CHARS ? h('div', { class: 'dim' }, 'Output truncated.') : null);
  }
}
