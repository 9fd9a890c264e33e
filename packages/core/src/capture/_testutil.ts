/**
 * Test helpers (no node: imports): byte builders for pcap/pcapng files in either byte order,
 * event normalisation for comparisons, a seeded PRNG and chunked async sources.
 */
import type { CaptureEvent } from './types.ts';

export class ByteBuilder {
  private readonly out: number[] = [];
  constructor(readonly le: boolean) {}
  u8(v: number): this { this.out.push(v & 0xff); return this; }
  u16(v: number): this {
    if (this.le) this.out.push(v & 0xff, (v >>> 8) & 0xff);
    else this.out.push((v >>> 8) & 0xff, v & 0xff);
    return this;
  }
  u32(v: number): this {
    const b = [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
    if (this.le) b.reverse();
    this.out.push(...b);
    return this;
  }
  /** 64-bit value as (hi, lo) 32-bit halves, in the builder's byte order. */
  u64(hi: number, lo: number): this {
    return this.le ? this.u32(lo).u32(hi) : this.u32(hi).u32(lo);
  }
  bytes(b: ArrayLike<number>): this { for (let i = 0; i < b.length; i++) this.out.push(b[i]); return this; }
  pad4(): this { while (this.out.length % 4) this.out.push(0); return this; }
  get length(): number { return this.out.length; }
  build(): Uint8Array { return Uint8Array.from(this.out); }
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

export interface PcapRecord { s: number; frac: number; data: Uint8Array; orig?: number }

/** A pcap file; `magic` overrides (e.g. 0xa1b23c4d for ns). Lengths swapped for version < 2.3. */
export function pcapFile(o: { le: boolean; magic?: number; network?: number; snaplen?: number; major?: number; minor?: number; records: PcapRecord[]; extraHdr?: number }): Uint8Array {
  const b = new ByteBuilder(o.le);
  const major = o.major ?? 2;
  const minor = o.minor ?? 4;
  b.u32(o.magic ?? 0xa1b2c3d4).u16(major).u16(minor).u32(0).u32(0).u32(o.snaplen ?? 65535).u32(o.network ?? 1);
  for (const r of o.records) {
    b.u32(r.s).u32(r.frac);
    if (major === 2 && minor < 3) b.u32(r.orig ?? r.data.length).u32(r.data.length);
    else b.u32(r.data.length).u32(r.orig ?? r.data.length);
    for (let i = 0; i < (o.extraHdr ?? 0); i++) b.u8(0);
    b.bytes(r.data);
  }
  return b.build();
}

export type Opt = [code: number, value: Uint8Array];

export function optStr(code: number, s: string): Opt {
  return [code, new TextEncoder().encode(s)];
}

function options(b: ByteBuilder, opts: readonly Opt[]): void {
  if (opts.length === 0) return;
  for (const [code, v] of opts) b.u16(code).u16(v.length).bytes(v).pad4();
  b.u16(0).u16(0);
}

/** A pcapng block with the given type and body (body is padded to 4). */
export function ngBlock(le: boolean, type: number, body: (b: ByteBuilder) => void): Uint8Array {
  const inner = new ByteBuilder(le);
  body(inner);
  inner.pad4();
  const len = 12 + inner.length;
  return new ByteBuilder(le).u32(type).u32(len).bytes(inner.build()).u32(len).build();
}

export function shb(le: boolean, opts: readonly Opt[] = []): Uint8Array {
  return ngBlock(le, 0x0a0d0d0a, (b) => { b.u32(0x1a2b3c4d).u16(1).u16(0).u32(0xffffffff).u32(0xffffffff); options(b, opts); });
}
export function idb(le: boolean, linktype: number, snaplen: number, opts: readonly Opt[] = []): Uint8Array {
  return ngBlock(le, 1, (b) => { b.u16(linktype).u16(0).u32(snaplen); options(b, opts); });
}
export function epb(le: boolean, ifId: number, hi: number, lo: number, data: Uint8Array, orig = data.length, opts: readonly Opt[] = []): Uint8Array {
  return ngBlock(le, 6, (b) => { b.u32(ifId).u32(hi).u32(lo).u32(data.length).u32(orig).bytes(data).pad4(); options(b, opts); });
}
export function opb(le: boolean, ifId: number, hi: number, lo: number, data: Uint8Array, orig = data.length, opts: readonly Opt[] = []): Uint8Array {
  return ngBlock(le, 2, (b) => { b.u16(ifId).u16(0).u32(hi).u32(lo).u32(data.length).u32(orig).bytes(data).pad4(); options(b, opts); });
}
export function spb(le: boolean, orig: number, data: Uint8Array): Uint8Array {
  return ngBlock(le, 3, (b) => { b.u32(orig).bytes(data).pad4(); });
}
export function dsb(le: boolean, type: number, data: Uint8Array): Uint8Array {
  return ngBlock(le, 10, (b) => { b.u32(type).u32(data.length).bytes(data).pad4(); });
}
export function rawBlock(le: boolean, type: number, body: Uint8Array): Uint8Array {
  return ngBlock(le, type, (b) => { b.bytes(body); });
}

/** Bytes as a short comparable digest: length plus two 32-bit hashes (FNV-1a, and a multiplicative one). */
export function digest(b: Uint8Array): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x12345678;
  for (let i = 0; i < b.length; i++) {
    h1 = Math.imul(h1 ^ b[i], 16777619);
    h2 = Math.imul(h2 + b[i] + i, 0x9e3779b1) ^ (h2 >>> 15);
  }
  return `${b.length}:${(h1 >>> 0).toString(16)}:${(h2 >>> 0).toString(16)}`;
}

/** A plain, comparable form of an event (bytes as digests). */
export function plain(ev: CaptureEvent): unknown {
  if (ev.kind === 'frame') {
    const f = ev.frame;
    return {
      kind: 'frame', data: digest(f.data), origLen: f.origLen, s: f.ts.s, ns: f.ts.ns,
      linktype: f.linktype, ifaceId: f.ifaceId, fileOffset: f.fileOffset, comments: f.comments,
    };
  }
  if (ev.kind === 'secrets') return { kind: 'secrets', type: ev.secrets.type, data: digest(ev.secrets.data) };
  return { kind: 'interface', id: ev.id, iface: { ...ev.iface } };
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
export function hex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX[b[i]];
  return s;
}

/** Split `bytes` into chunks of `size` (views) as an async iterable. */
export async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, Math.min(bytes.length, i + size));
}

/** mulberry32: small seeded PRNG, returns [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function epoch(ts: { s: number; ns: number }): string {
  return `${ts.s}.${String(ts.ns).padStart(9, '0')}`;
}
