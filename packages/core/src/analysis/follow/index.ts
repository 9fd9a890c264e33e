/**
 * "Follow stream" (tshark -q -z follow,tcp|tls,ascii|hex|raw|yaml,N): collects the payload of one
 * TCP conversation per direction, in order, and renders it in tshark 4.0's text formats.
 * Browser-safe: no node: imports.
 */
import type { AbsTime } from '../../fields/types.ts';
import type { Packet, TreeNode } from '../../packet.ts';
import type { Registry } from '../../fields/registry.ts';

export type FollowMode = 'tcp' | 'tls' | 'http';
export type FollowFormat = 'ascii' | 'hex' | 'raw' | 'yaml';

export interface FollowChunk {
  /** 0 = from node 0, 1 = from node 1. */
  readonly node: 0 | 1;
  readonly frame: number;
  readonly ts: AbsTime;
  readonly data: Uint8Array;
}

export interface FollowNode {
  readonly addr: string;
  readonly port: number;
}

export interface FollowResult {
  readonly mode: FollowMode;
  readonly stream: number;
  readonly nodes: [FollowNode | undefined, FollowNode | undefined];
  readonly chunks: readonly FollowChunk[];
}

interface Pending {
  offset: number;
  data: Uint8Array;
  frame: number;
  ts: AbsTime;
}

/**
 * Collects one stream's chunks. TCP: call `tcpSegment` for every payload-carrying segment of the
 * stream (any order; retransmitted bytes are kept once, out-of-order segments wait for the gap to
 * fill). TLS: call `record` with each decrypted application-data record.
 */
export class FollowCollector {
  readonly nodes: [FollowNode | undefined, FollowNode | undefined] = [undefined, undefined];
  readonly chunks: FollowChunk[] = [];
  /** Node of each TCP direction (dir 0 = first sender); tls: from the first decrypted record. */
  private readonly next: [number | undefined, number | undefined] = [undefined, undefined];
  private readonly pending: [Pending[], Pending[]] = [[], []];
  private dirOfNode0: 0 | 1 | undefined;

  constructor(readonly mode: FollowMode, readonly stream: number) {}

  /** Declares the endpoint of a TCP direction as seen in a packet; the first one seen becomes node 0. */
  endpoint(dir: 0 | 1, src: FollowNode, dst: FollowNode): void {
    if (this.dirOfNode0 !== undefined) return;
    this.dirOfNode0 = dir;
    this.nodes[0] = src;
    // tshark 4.0's TLS follow never fills in the server node (it prints "Node 1: :0")
    if (this.mode !== 'tls') this.nodes[1] = dst;
  }

  private nodeOf(dir: 0 | 1): 0 | 1 {
    return dir === (this.dirOfNode0 ?? 0) ? 0 : 1;
  }

  /** A TCP segment's payload; `offset` = stream offset of its first byte in its direction. */
  tcpSegment(dir: 0 | 1, offset: number, data: Uint8Array, frame: number, ts: AbsTime): void {
    if (data.length === 0) return;
    const next = this.next[dir];
    if (next === undefined) {
      this.next[dir] = offset;
      return this.tcpSegment(dir, offset, data, frame, ts);
    }
    const end = offset + data.length;
    if (end <= next) return; // retransmission of bytes already delivered
    if (offset > next) {
      this.pending[dir].push({ offset, data, frame, ts });
      return;
    }
    const fresh = data.subarray(next - offset);
    this.chunks.push({ node: this.nodeOf(dir), frame, ts, data: fresh });
    this.next[dir] = end;
    // out-of-order segments that now fit
    const q = this.pending[dir];
    for (let progress = true; progress && q.length > 0;) {
      progress = false;
      for (let i = 0; i < q.length; i++) {
        const s = q[i]!;
        if (s.offset <= this.next[dir]!) {
          q.splice(i, 1);
          this.tcpSegment(dir, s.offset, s.data, s.frame, s.ts);
          progress = true;
          break;
        }
      }
    }
  }

  /** A decrypted TLS record's plaintext (application data only is kept). */
  record(dir: 0 | 1, data: Uint8Array, frame: number, ts: AbsTime): void {
    if (data.length === 0) return;
    this.chunks.push({ node: this.nodeOf(dir), frame, ts, data });
  }

  result(): FollowResult {
    return { mode: this.mode, stream: this.stream, nodes: this.nodes, chunks: this.chunks };
  }
}

const SEP = '===================================================================\n';

function nodeText(n: FollowNode | undefined): string {
  if (!n) return ':0';
  return n.addr.includes(':') ? `[${n.addr}]:${n.port}` : `${n.addr}:${n.port}`;
}

/** tshark keeps printable ASCII, LF and CR; everything else becomes "." */
function isPrintOrSpace(c: number): boolean {
  return (c >= 0x20 && c < 0x7f) || c === 0x0a || c === 0x0d;
}

const HEX = '0123456789abcdef';

function hexDump(prefix: string, offset: number, d: Uint8Array, out: string[]): void {
  for (let i = 0; i < d.length; i += 16) {
    const n = Math.min(16, d.length - i);
    let hex = '';
    let asc = '';
    for (let j = 0; j < 16; j++) {
      if (j < n) {
        const v = d[i + j]!;
        hex += HEX[v >> 4]! + HEX[v & 15]! + ' ';
        asc += v >= 0x20 && v < 0x7f ? String.fromCharCode(v) : '.';
      } else hex += '   ';
      if (j === 7) {
        hex += ' ';
        if (j < n - 1) asc += ' ';
      }
    }
    let line = `${prefix}${(offset + i).toString(16).toUpperCase().padStart(8, '0')}  ${hex} ${asc}`;
    if (line.endsWith(' ')) line = line.slice(0, -1); // as tshark (even when the byte is a space)
    out.push(line + '\n');
  }
}

function base64(d: Uint8Array): string {
  let s = '';
  for (let i = 0; i < d.length; i += 0x8000) s += String.fromCharCode(...d.subarray(i, i + 0x8000));
  return btoa(s);
}

/** tshark prints the time as a double with %.9f */
function epoch(t: AbsTime): string {
  return (t.s + t.ns / 1e9).toFixed(9);
}

/** tshark 4.0's "-q -z follow,MODE,FORMAT,N" text. */
export function renderFollow(r: FollowResult, format: FollowFormat): string {
  const out: string[] = [];
  if (format === 'yaml') {
    out.push('peers:\n');
    r.nodes.forEach((n, i) => out.push(`  - peer: ${i}\n    host: ${n?.addr ?? ''}\n    port: ${n?.port ?? 0}\n`));
    out.push('packets:\n');
    for (const c of r.chunks) {
      out.push(`  - packet: ${c.frame}\n    peer: ${c.node}\n    timestamp: ${epoch(c.ts)}\n    data: !!binary |\n`);
      const b = base64(c.data);
      for (let i = 0; i < b.length; i += 76) out.push(`      ${b.slice(i, i + 76)}\n`);
    }
    return out.join('');
  }
  out.push('\n', SEP, `Follow: ${r.mode},${format}\n`, `Filter: tcp.stream eq ${r.stream}\n`);
  out.push(`Node 0: ${nodeText(r.nodes[0])}\n`, `Node 1: ${nodeText(r.nodes[1])}\n`);
  const pos = [0, 0];
  for (const c of r.chunks) {
    const prefix = c.node === 1 ? '\t' : '';
    if (format === 'ascii') {
      let s = '';
      for (const v of c.data) s += isPrintOrSpace(v) ? String.fromCharCode(v) : '.';
      out.push(`${prefix}${c.data.length}\n${s}\n`);
    } else if (format === 'hex') {
      hexDump(prefix, pos[c.node]!, c.data, out);
    } else {
      let s = '';
      for (const v of c.data) s += HEX[v >> 4]! + HEX[v & 15]!;
      out.push(`${prefix}${s}\n`);
    }
    pos[c.node] = pos[c.node]! + c.data.length;
  }
  out.push(SEP);
  return out.join('');
}

/**
 * "follow,http": the HTTP messages of one packet as tshark's http follow tap sees them, the
 * header block and then the body (http.file_data) as separate chunks. Needs tree mode.
 */
export function httpFollowChunks(p: Packet, reg: Registry): Uint8Array[] {
  const httpId = reg.find('http')?.id ?? -1;
  const fdId = reg.find('http.file_data')?.id ?? -1;
  const out: Uint8Array[] = [];
  const findFd = (n: TreeNode): TreeNode | undefined => {
    for (const c of n.children ?? []) {
      if (c.id === fdId) return c;
      const r = findFd(c);
      if (r) return r;
    }
    return undefined;
  };
  const visit = (n: TreeNode): void => {
    if (n.id === httpId && n.value instanceof Uint8Array) {
      const msg = n.value;
      const fd = findFd(n);
      if (!fd || fd.length === 0) out.push(msg);
      else if (fd.src === n.src) {
        out.push(msg.subarray(0, fd.offset), msg.subarray(fd.offset, fd.offset + fd.length));
      } else {
        let he = msg.length;
        for (let i = 0; i + 3 < msg.length; i++) {
          if (msg[i] === 13 && msg[i + 1] === 10 && msg[i + 2] === 13 && msg[i + 3] === 10) {
            he = i + 4;
            break;
          }
        }
        out.push(msg.subarray(0, he));
        const body = p.sources[fd.src]?.data.subarray(fd.offset, fd.offset + fd.length);
        if (body) out.push(body);
      }
      return;
    }
    for (const c of n.children ?? []) visit(c);
  };
  for (const r of p.roots) visit(r);
  return out.filter((b) => b.length > 0).map((b) => b.slice());
}
