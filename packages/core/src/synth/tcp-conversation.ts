/**
 * Rebuilds realistic Ethernet/IPv4/TCP frames from a recorded TCP conversation: the application
 * bytes each side wrote (as seen by a relay), with their times. Browser-safe (no node: imports).
 *
 * What the frames look like (Linux-like):
 * - handshake SYN (MSS 1460, SACK_PERM, TS, NOP, WS 7), SYN-ACK, ACK;
 * - data in segments of at most MSS − 12 = 1448 bytes (the TS option takes 12), so frames are at
 *   most 1514 bytes (MTU 1500); PSH on the last segment of each chunk;
 * - the receiver ACKs every second full segment, and at the end of a chunk unless it answers with
 *   its own data (or FIN) soon (piggy-backed ACK, within `delayedAckNs`);
 * - FIN/ACK teardown in the order the sides closed, last ACK; optional RST instead;
 * - valid IPv4 and TCP checksums, increasing IP IDs per side, DF set, TTL 64;
 * - frame times: the chunk times, segments spaced by their transmission time at 1 Gbit/s, ACKs a
 *   few µs after what they acknowledge; times never go backwards.
 */
import type { AbsTime } from '../fields/types.ts';

/** One application-level chunk: bytes one side wrote (dir 0 = client → server). */
export interface TcpChunk {
  t: AbsTime;
  dir: 0 | 1;
  bytes: Uint8Array;
}

export interface TcpEndpoint {
  /** Dotted IPv4 address. */
  ip: string;
  port: number;
  /** "aa:bb:cc:dd:ee:ff"; default a locally administered address. */
  mac?: string;
}

export interface TcpConversation {
  client: TcpEndpoint;
  server: TcpEndpoint;
  /** Chunks in time order (they are sorted stably by time if not). */
  chunks: readonly TcpChunk[];
  /** Time of the SYN (default: 100 µs before the first chunk). */
  start?: AbsTime;
  /** When each side half-closed (sent FIN): index 0 = client, 1 = server. Missing: the side never closed. */
  fin?: readonly [AbsTime | undefined, AbsTime | undefined];
  /** A side that aborted the connection (RST) instead of a FIN, and when. */
  rst?: { dir: 0 | 1; t: AbsTime };
}

export interface SynthOptions {
  /** MSS announced in the SYNs (default 1460). */
  mss?: number;
  /** Window scale shift announced (default 7). */
  windowScale?: number;
  /** Seed for ISNs, TS clocks and IP IDs (default: derived from the addresses, ports and start time). */
  seed?: number;
  /** A data receiver's ACK is piggy-backed on its own next data if that comes within this delay (default 40 ms). */
  delayedAckNs?: number;
  /** Comment on the first frame (the SYN). */
  comment?: string;
}

export interface SynthFrame {
  ts: AbsTime;
  /** Ethernet frame (no FCS). */
  data: Uint8Array;
  comment?: string;
}

const TCP_FIN = 0x01;
const TCP_SYN = 0x02;
const TCP_RST = 0x04;
const TCP_PSH = 0x08;
const TCP_ACK = 0x10;

const NS = 1_000_000_000;

function toNs(t: AbsTime): bigint {
  return BigInt(t.s) * 1_000_000_000n + BigInt(t.ns);
}

function fromNs(n: bigint): AbsTime {
  return { s: Number(n / 1_000_000_000n), ns: Number(n % 1_000_000_000n) };
}

export function parseIPv4(s: string): Uint8Array {
  const parts = s.split('.');
  const out = new Uint8Array(4);
  if (parts.length !== 4) throw new Error(`bad IPv4 address "${s}"`);
  for (let i = 0; i < 4; i++) {
    const v = Number(parts[i]);
    if (!/^\d{1,3}$/.test(parts[i]) || v > 255) throw new Error(`bad IPv4 address "${s}"`);
    out[i] = v;
  }
  return out;
}

export function parseMac(s: string): Uint8Array {
  const parts = s.split(/[:-]/);
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) throw new Error(`bad MAC address "${s}"`);
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}

/** One's-complement sum of 16-bit big-endian words (not folded). */
function sum16(b: Uint8Array, start: number, end: number, acc = 0): number {
  let i = start;
  for (; i + 1 < end; i += 2) acc += (b[i] << 8) | b[i + 1];
  if (i < end) acc += b[i] << 8;
  return acc;
}

function fold(acc: number): number {
  while (acc > 0xffff) acc = (acc & 0xffff) + Math.floor(acc / 0x10000);
  return ~acc & 0xffff;
}

/** Internet checksum of b[start, end). */
export function internetChecksum(b: Uint8Array, start = 0, end = b.length): number {
  return fold(sum16(b, start, end));
}

/** Small deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

function hashSeed(parts: readonly (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    const s = String(p);
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ 0x2c, 0x01000193);
  }
  return h >>> 0;
}

interface Side {
  ip: Uint8Array;
  mac: Uint8Array;
  port: number;
  isn: number;
  /** Next sequence number to send (relative to nothing: absolute, mod 2^32). */
  nxt: number;
  /** Highest sequence number of the peer acknowledged by this side (what this side last sent as ACK). */
  acked: number;
  /** Peer bytes (seq space) received but not yet acknowledged: count of full segments since last ACK. */
  unackedSegs: number;
  ipId: number;
  tsBase: number;
  /** Last TSval received from the peer (echoed in TSecr). */
  tsRecent: number;
  /** Window value sent after the handshake (scaled). */
  win: number;
  finSent: boolean;
}

type Event =
  | { kind: 'data'; dir: 0 | 1; t: bigint; bytes: Uint8Array }
  | { kind: 'fin'; dir: 0 | 1; t: bigint }
  | { kind: 'rst'; dir: 0 | 1; t: bigint };

/** Builds the frames of one TCP connection. */
export function synthesizeTcp(conv: TcpConversation, opts: SynthOptions = {}): SynthFrame[] {
  const mss = opts.mss ?? 1460;
  const wscale = opts.windowScale ?? 7;
  const delayedAck = BigInt(opts.delayedAckNs ?? 40_000_000);
  const segMax = mss - 12; // TCP timestamps on every segment after the SYNs

  const chunks = [...conv.chunks].filter((c) => c.bytes.length > 0);
  chunks.sort((a, b) => (toNs(a.t) < toNs(b.t) ? -1 : toNs(a.t) > toNs(b.t) ? 1 : 0));
  const firstT = chunks.length > 0 ? toNs(chunks[0].t) : conv.start ? toNs(conv.start) : 0n;
  const start = conv.start ? toNs(conv.start) : firstT - 100_000n > 0n ? firstT - 100_000n : 0n;

  const seed = opts.seed ?? hashSeed([conv.client.ip, conv.client.port, conv.server.ip, conv.server.port, start.toString()]);
  const rnd = prng(seed);
  const mkSide = (e: TcpEndpoint, defMac: string, win: number): Side => {
    const isn = rnd();
    return {
      ip: parseIPv4(e.ip),
      mac: parseMac(e.mac ?? defMac),
      port: e.port,
      isn,
      nxt: isn,
      acked: 0,
      unackedSegs: 0,
      ipId: rnd() & 0xffff,
      tsBase: rnd(),
      tsRecent: 0,
      win,
      finSent: false,
    };
  };
  // Windows as Linux announces after the handshake: ~64 KiB in units of 2^wscale.
  const side: [Side, Side] = [
    mkSide(conv.client, '02:00:5e:10:00:01', Math.max(1, Math.floor(64256 / 2 ** wscale))),
    mkSide(conv.server, '02:00:5e:10:00:02', Math.max(1, Math.floor(65152 / 2 ** wscale))),
  ];

  const frames: SynthFrame[] = [];
  let clock = start;
  /** Time of the frame to emit: not before `t`, and after the previous frame. */
  const at = (t: bigint): bigint => {
    clock = t > clock ? t : clock;
    return clock;
  };
  const tsVal = (s: Side, t: bigint): number => (s.tsBase + Number((t - start) / 1_000_000n)) >>> 0;

  const emit = (dir: 0 | 1, t: bigint, flags: number, payload: Uint8Array, tcpOpts: Uint8Array, comment?: string): void => {
    const s = side[dir];
    const p = side[1 - dir];
    const seq = s.nxt;
    const ack = flags & TCP_ACK ? p.nxt : 0;
    const tcpHl = 20 + tcpOpts.length;
    const ipLen = 20 + tcpHl + payload.length;
    const f = new Uint8Array(14 + ipLen);
    const dv = new DataView(f.buffer);
    // Ethernet
    f.set(p.mac, 0);
    f.set(s.mac, 6);
    dv.setUint16(12, 0x0800);
    // IPv4
    const ip = 14;
    f[ip] = 0x45;
    dv.setUint16(ip + 2, ipLen);
    dv.setUint16(ip + 4, s.ipId);
    s.ipId = (s.ipId + 1) & 0xffff;
    dv.setUint16(ip + 6, 0x4000); // DF
    f[ip + 8] = 64;
    f[ip + 9] = 6;
    f.set(s.ip, ip + 12);
    f.set(p.ip, ip + 16);
    dv.setUint16(ip + 10, internetChecksum(f, ip, ip + 20));
    // TCP
    const tcp = ip + 20;
    dv.setUint16(tcp, s.port);
    dv.setUint16(tcp + 2, p.port);
    dv.setUint32(tcp + 4, seq >>> 0);
    dv.setUint32(tcp + 8, ack >>> 0);
    f[tcp + 12] = (tcpHl / 4) << 4;
    f[tcp + 13] = flags;
    const win = flags & TCP_SYN ? (dir === 0 ? 64240 : 65160) : flags & TCP_RST ? 0 : s.win;
    dv.setUint16(tcp + 14, win);
    f.set(tcpOpts, tcp + 20);
    f.set(payload, tcp + tcpHl);
    const tcpLen = tcpHl + payload.length;
    let acc = sum16(s.ip, 0, 4) + sum16(p.ip, 0, 4) + 6 + tcpLen;
    acc = sum16(f, tcp, tcp + tcpLen, acc);
    dv.setUint16(tcp + 16, fold(acc));

    let consumed = payload.length;
    if (flags & (TCP_SYN | TCP_FIN)) consumed++;
    s.nxt = (s.nxt + consumed) >>> 0;
    if (flags & TCP_ACK) {
      s.acked = ack;
      s.unackedSegs = 0;
    }
    if (tcpOpts.length >= 10) {
      // the peer now echoes this TSval
      const o = tcpOpts.length === 12 ? 4 : 8; // NOP NOP TS … or MSS SACK_PERM TS …
      p.tsRecent = new DataView(tcpOpts.buffer, tcpOpts.byteOffset).getUint32(o);
    }
    const frame: SynthFrame = { ts: fromNs(t), data: f };
    if (comment !== undefined) frame.comment = comment;
    frames.push(frame);
  };

  const tsOpt = (s: Side, t: bigint): Uint8Array => {
    const o = new Uint8Array(12);
    const dv = new DataView(o.buffer);
    o[0] = 1;
    o[1] = 1;
    o[2] = 8;
    o[3] = 10;
    dv.setUint32(4, tsVal(s, t));
    dv.setUint32(8, s.tsRecent);
    return o;
  };
  const synOpt = (s: Side, t: bigint): Uint8Array => {
    // MSS, SACK_PERM, TS, NOP, WS: 4 + 2 + 10 + 1 + 3 = 20
    const o = new Uint8Array(20);
    const dv = new DataView(o.buffer);
    o[0] = 2;
    o[1] = 4;
    dv.setUint16(2, mss);
    o[4] = 4;
    o[5] = 2;
    o[6] = 8;
    o[7] = 10;
    dv.setUint32(8, tsVal(s, t));
    dv.setUint32(12, s.tsRecent);
    o[16] = 1;
    o[17] = 3;
    o[18] = 3;
    o[19] = wscale;
    return o;
  };

  const empty = new Uint8Array(0);
  /** Small delays, in ns. */
  const ACK_DELAY = 8_000n;
  const HANDSHAKE_RTT = 25_000n;
  const txTime = (frameLen: number): bigint => BigInt((frameLen + 24) * 8); // 1 Gbit/s incl. preamble, IFG, FCS

  // Handshake
  let t = start;
  emit(0, at(t), TCP_SYN, empty, synOpt(side[0], t), opts.comment);
  t = at(t + HANDSHAKE_RTT);
  emit(1, t, TCP_SYN | TCP_ACK, empty, synOpt(side[1], t));
  t = at(t + HANDSHAKE_RTT);
  emit(0, t, TCP_ACK, empty, tsOpt(side[0], t));

  // Events in time order; at equal times data before FIN, FIN before RST.
  const events: Event[] = chunks.map((c) => ({ kind: 'data' as const, dir: c.dir, t: toNs(c.t), bytes: c.bytes }));
  const finTimes = conv.fin ?? [undefined, undefined];
  for (const d of [0, 1] as const) {
    const ft = finTimes[d];
    if (ft && !(conv.rst && conv.rst.dir === d)) events.push({ kind: 'fin', dir: d, t: toNs(ft) });
  }
  if (conv.rst) events.push({ kind: 'rst', dir: conv.rst.dir, t: toNs(conv.rst.t) });
  const rank = { data: 0, fin: 1, rst: 2 } as const;
  events.sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : rank[a.kind] - rank[b.kind]));

  /** Does `dir` send something carrying an ACK (data, FIN) soon after `t`? */
  const answersSoon = (dir: 0 | 1, i: number, t0: bigint): boolean => {
    const next = events[i + 1];
    return next !== undefined && next.dir === dir && next.kind !== 'rst' && next.t - t0 <= delayedAck;
  };
  const pureAck = (dir: 0 | 1): void => {
    const s = side[dir];
    if (s.acked === side[1 - dir].nxt) return; // nothing new: avoid duplicate ACKs
    const tt = at(clock + ACK_DELAY);
    emit(dir, tt, TCP_ACK, empty, tsOpt(s, tt));
  };

  for (let i = 0; i < events.length; i++) {
    const ev = events[i];
    const s = side[ev.dir];
    const rcv = (1 - ev.dir) as 0 | 1;
    if (ev.kind === 'data') {
      if (s.finSent) throw new Error('synthesizeTcp: data after FIN from the same side');
      let tt = at(ev.t);
      for (let off = 0; off < ev.bytes.length; off += segMax) {
        const seg = ev.bytes.subarray(off, Math.min(ev.bytes.length, off + segMax));
        const last = off + segMax >= ev.bytes.length;
        emit(ev.dir, tt, TCP_ACK | (last ? TCP_PSH : 0), seg, tsOpt(s, tt));
        side[rcv].unackedSegs++;
        const sent = tt;
        tt = at(tt + txTime(14 + 20 + 32 + seg.length));
        if (!last && side[rcv].unackedSegs >= 2) {
          // quick ACK of every second full segment
          clock = sent;
          pureAck(rcv);
          tt = at(tt);
        }
      }
      if (!answersSoon(rcv, i, clock)) pureAck(rcv);
    } else if (ev.kind === 'fin') {
      const tt = at(ev.t);
      emit(ev.dir, tt, TCP_FIN | TCP_ACK, empty, tsOpt(s, tt));
      s.finSent = true;
      if (!answersSoon(rcv, i, clock)) pureAck(rcv);
    } else {
      const tt = at(ev.t);
      emit(ev.dir, tt, TCP_RST | TCP_ACK, empty, new Uint8Array(0));
      break;
    }
  }
  return frames;
}

/** Nanoseconds between two times (b − a). */
export function absTimeDiffNs(a: AbsTime, b: AbsTime): number {
  return (b.s - a.s) * NS + (b.ns - a.ns);
}
