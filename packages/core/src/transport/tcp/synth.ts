/**
 * Test helper: builds synthetic Ethernet/IPv4/TCP frames and pcap files so the TCP
 * dissector can be unit-tested (and the same bytes fed to tshark as an oracle).
 * Browser-safe (no node: imports); tests write the bytes to disk themselves.
 */

export interface SynthSeg {
  /** Seconds since the start of the capture (float). */
  t: number;
  /** 0 = client → server, 1 = server → client. */
  dir: 0 | 1;
  seq: number;
  ack?: number;
  /** Flag letters: S A F R P U E C. */
  flags: string;
  win?: number;
  len?: number;
  payload?: Uint8Array;
  /** Raw option bytes (padded to 4 by the builder). */
  opts?: number[];
  cport?: number;
  sport?: number;
  caddr?: number[];
  saddr?: number[];
}

const FLAG_BITS: Record<string, number> = { F: 1, S: 2, R: 4, P: 8, A: 16, U: 32, E: 64, C: 128 };

export const OPT = {
  mss: (v: number) => [2, 4, v >> 8, v & 255],
  ws: (s: number) => [3, 3, s],
  sackPerm: () => [4, 2],
  ts: (v: number, e: number) => [8, 10, ...be32(v), ...be32(e)],
  nop: () => [1],
  sack: (...edges: number[]) => [5, 2 + 4 * edges.length, ...edges.flatMap(be32)],
};

function be32(v: number): number[] {
  return [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
}

/** The TCP header+payload bytes of one segment. */
export function tcpBytes(s: SynthSeg): Uint8Array {
  const opts = s.opts ?? [];
  const optLen = (opts.length + 3) & ~3;
  const hl = 20 + optLen;
  const payload = s.payload ?? new Uint8Array(s.len ?? 0).fill(0x61);
  const b = new Uint8Array(hl + payload.length);
  const cport = s.cport ?? 40000;
  const sport = s.sport ?? 443;
  const [src, dst] = s.dir === 0 ? [cport, sport] : [sport, cport];
  b[0] = src >> 8; b[1] = src & 255; b[2] = dst >> 8; b[3] = dst & 255;
  b.set(be32(s.seq >>> 0), 4);
  b.set(be32((s.ack ?? 0) >>> 0), 8);
  let fl = 0;
  for (const c of s.flags) fl |= FLAG_BITS[c] ?? 0;
  b[12] = (hl / 4) << 4;
  b[13] = fl;
  const win = s.win ?? 65535;
  b[14] = win >> 8; b[15] = win & 255;
  b.set(opts, 20);
  b.set(payload, hl);
  return b;
}

/** A full Ethernet/IPv4 frame for a segment. */
export function frameBytes(s: SynthSeg): Uint8Array {
  const tcp = tcpBytes(s);
  const ca = s.caddr ?? [10, 0, 0, 1];
  const sa = s.saddr ?? [10, 0, 0, 2];
  const [src, dst] = s.dir === 0 ? [ca, sa] : [sa, ca];
  const ip = new Uint8Array(20);
  const tot = 20 + tcp.length;
  ip[0] = 0x45; ip[2] = tot >> 8; ip[3] = tot & 255; ip[8] = 64; ip[9] = 6;
  ip.set(src, 12); ip.set(dst, 16);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (ip[i]! << 8) | ip[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const ck = ~sum & 0xffff;
  ip[10] = ck >> 8; ip[11] = ck & 255;
  const f = new Uint8Array(14 + tot);
  f.set([0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6, 8, 0], 0);
  f.set(ip, 14);
  f.set(tcp, 34);
  return f;
}

/** A classic pcap (µs, Ethernet) file of the given segments. */
export function pcapBytes(segs: readonly SynthSeg[]): Uint8Array {
  const frames = segs.map(frameBytes);
  const total = 24 + frames.reduce((a, f) => a + 16 + f.length, 0);
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 0xa1b2c3d4, true);
  dv.setUint16(4, 2, true); dv.setUint16(6, 4, true);
  dv.setUint32(16, 65535, true); dv.setUint32(20, 1, true);
  let o = 24;
  const base = 1_700_000_000;
  segs.forEach((s, i) => {
    const f = frames[i]!;
    const us = Math.round(s.t * 1e6);
    dv.setUint32(o, base + Math.floor(us / 1e6), true);
    dv.setUint32(o + 4, us % 1e6, true);
    dv.setUint32(o + 8, f.length, true);
    dv.setUint32(o + 12, f.length, true);
    out.set(f, o + 16);
    o += 16 + f.length;
  });
  return out;
}
