import { u16, u32 } from '../../bytes/read.ts';
import type { Dissector, TransportDissector } from '../../dissect.ts';
import type { Registry } from '../../fields/registry.ts';
import type { NetInfo } from '../../net/types.ts';
import { GENERATED, HIDDEN, type Packet } from '../../packet.ts';
import { ReassemblyBudget, StreamReassembler } from '../../stream/reassembly.ts';
import {
  A_ACK_LOST_PACKET, A_ANY_RETRANSMISSION, A_DUPLICATE_ACK, A_FAST_RETRANSMISSION, A_KEEP_ALIVE, A_KEEP_ALIVE_ACK,
  A_LOST_PACKET, A_OUT_OF_ORDER, A_RETRANSMISSION, A_REUSED_PORTS, A_SPURIOUS_RETRANSMISSION, A_WINDOW_FULL,
  A_WINDOW_UPDATE, A_ZERO_WINDOW, A_ZERO_WINDOW_PROBE, A_ZERO_WINDOW_PROBE_ACK, Flow, TH_ACK, TH_FIN, TH_RST, TH_SYN,
  TH_URG, analyzeSegment, newAnalysis, pow2, resetAnalysis, type SegAnalysis,
} from './analysis.ts';
import { registerTcpFields, type TcpFields } from './fields.ts';
import { dissectOptions, optionsInfo, type TcpOptInfo } from './options.ts';

export interface TcpOptions {
  /** Preferences by Wireshark name (unused by TCP itself for now). */
  prefs?: ReadonlyMap<string, string>;
  /** Decode-as rules ("tcp.port==8443,tls"), kept for the upper layers. */
  decodeAs?: readonly string[];
  /** Dissector for payload nobody claimed (Wireshark's "data"). */
  data?: Dissector;
  /** Per-stream-direction reassembly cap in bytes (default 8 MiB). */
  maxStreamBytes?: number;
  /** Reassembly cap for the whole session in bytes (default 256 MiB). */
  maxSessionBytes?: number;
}

/** Conversation completeness bits (tcp.completeness). */
const C_SYN = 1, C_SYNACK = 2, C_ACK = 4, C_DATA = 8, C_FIN = 16, C_RST = 32;

/** One TCP conversation (tcp.stream). */
export class TcpConversation {
  readonly index: number;
  /** Key of the endpoint that was seen sending first (see endpointKey): direction 0. */
  readonly firstSrc: string | number;
  readonly flows: [Flow, Flow] = [new Flow(), new Flow()];
  completeness = 0;
  /** Frame time (ns since the session's first TCP frame) of the first and previous frame. */
  firstT: number;
  prevT: number;
  /** Most recent pure SYN time (ns, -1 none) and the iRTT (ns, 0 unknown). */
  synT = -1;
  firstRtt = 0;
  /** Reassemblers per direction, created on demand by the upper layers. */
  readonly reasm: [StreamReassembler | undefined, StreamReassembler | undefined] = [undefined, undefined];
  /** Free slot for the upper layer's per-stream state (TLS session, HTTP parser …). */
  app: unknown = undefined;
  /** Directions (bit 1 << dir) that sent a FIN or RST; 4 once the close handler was told. */
  finBits = 0;
  constructor(index: number, firstSrc: string | number, t: number) {
    this.index = index;
    this.firstSrc = firstSrc;
    this.firstT = t;
    this.prevT = t;
  }
}

/** What the upper layers get with each segment's payload. */
export interface TcpSegment {
  readonly stream: number;
  /** 0 = from the endpoint seen first in the conversation, 1 = the other one. */
  readonly dir: 0 | 1;
  readonly srcport: number;
  readonly dstport: number;
  /** Relative sequence number of the first payload byte (tcp.seq). */
  readonly seq: number;
  /** tcp.nxtseq. */
  readonly nxtseq: number;
  /** Relative ack (tcp.ack; raw value when the ACK flag is clear). */
  readonly ack: number;
  readonly len: number;
  readonly flags: number;
  /** tcp.analysis.* flag bits of this segment (A_* in analysis.ts). */
  readonly analysis: number;
  /** Any kind of retransmission (plain, fast or spurious). */
  readonly retransmission: boolean;
  /** Stream offset of the first payload byte (tcp.seq unwrapped past 2^32). */
  readonly offset: number;
  readonly conv: TcpConversation;
  /**
   * The reassembler of this direction, created on first use: it starts at this
   * segment, which has already been added to it when this returns.
   */
  reassembler(): StreamReassembler;
}

/** Told that a direction ended with a data-less FIN (`seg.len` is 0). */
export type TcpEndHandler = (p: Packet, seg: TcpSegment) => void;

/**
 * Told once that a conversation is over: each side sent a FIN or RST and no bytes went missing,
 * so only retransmissions and ACKs can follow. Upper layers may drop their buffers and decoders.
 */
export type TcpCloseHandler = (conv: TcpConversation) => void;

/** Receives a segment's payload; returns bytes consumed (0 = not mine → "data"). */
export type TcpPayloadHandler = (p: Packet, data: Uint8Array, offset: number, end: number, seg: TcpSegment) => number;

export interface Tcp {
  dissect: TransportDissector;
  fields: TcpFields;
  setPayloadHandler(h: TcpPayloadHandler | undefined): void;
  /** Called for a FIN that carries no data: the sender's direction has ended. */
  setEndHandler(h: TcpEndHandler | undefined): void;
  /** Called after the frame that completes a conversation's close (see TcpCloseHandler). */
  setCloseHandler(h: TcpCloseHandler | undefined): void;
  setDataDissector(d: Dissector | undefined): void;
  /** Conversations so far (index = tcp.stream). */
  readonly conversations: readonly TcpConversation[];
  /** Declares every hole still open as a gap (end of capture). */
  flush(): void;
  /**
   * Uses up a tcp.stream index without a conversation of its own, as Wireshark does when a
   * proxy protocol (SOCKS) sets up a conversation for the proxied endpoints.
   */
  reserveStreamIndex(): number;
  readonly budget: ReassemblyBudget;
  /**
   * Makes this dissector one of `count` shards of a parallel read: every shard sees every
   * frame and numbers every conversation (tcp.stream stays global), but only the
   * conversations with `tcp.stream % count === index` get analysed and their payload
   * dissected; a packet's owner is in `p.shard`. `crossShard` is called when a conversation
   * needs state that another shard keeps (a SOCKS proxy's stream index).
   */
  setShard(count: number, index: number, crossShard: (what: string) => void): void;
  /**
   * The shard owning the IPv4 conversation of a segment (addresses as numbers), or -1 while a
   * segment of it could still change which conversation is which (unknown, or a direction
   * without its base sequence number yet).
   */
  shardOwner4(src: number, sport: number, dst: number, dport: number): number;
  /** The same for IPv6 (16-byte addresses). */
  shardOwner6(src: Uint8Array, sport: number, dst: Uint8Array, dport: number): number;
}

/** The key of a non-IPv4 conversation from its two endpoint keys (either order). */
const pairKey = (a: string, b: string): string => (a < b ? `${a}|${b}` : `${b}|${a}`);

const FLAG_NAMES = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR', 'AE'];
const FLAG_LETTERS = 'RRRACEUAPRSF';
const TWO32 = 4294967296;

/** Info column prefixes in the order Wireshark prepends them (the last one ends up first). */
const PREFIXES: ReadonlyArray<readonly [number, string]> = [
  [A_RETRANSMISSION, '[TCP Retransmission] '],
  [A_FAST_RETRANSMISSION, '[TCP Fast Retransmission] '],
  [A_SPURIOUS_RETRANSMISSION, '[TCP Spurious Retransmission] '],
  [A_OUT_OF_ORDER, '[TCP Out-Of-Order] '],
  [A_LOST_PACKET, '[TCP Previous segment not captured] '],
  [A_ACK_LOST_PACKET, '[TCP ACKed unseen segment] '],
  [A_WINDOW_UPDATE, '[TCP Window Update] '],
  [A_WINDOW_FULL, '[TCP Window Full] '],
  [A_KEEP_ALIVE, '[TCP Keep-Alive] '],
  [A_KEEP_ALIVE_ACK, '[TCP Keep-Alive ACK] '],
  [A_DUPLICATE_ACK, ''],
  [A_ZERO_WINDOW_PROBE, '[TCP ZeroWindowProbe] '],
  [A_ZERO_WINDOW, '[TCP ZeroWindow] '],
  [A_ZERO_WINDOW_PROBE_ACK, '[TCP ZeroWindowProbeAck] '],
];

/** Expert field, severity and message per analysis flag. */
function expertOf(f: TcpFields): ReadonlyArray<readonly [number, number, 'note' | 'warn' | 'chat', string]> {
  return [
    [A_RETRANSMISSION, f['analysis.retransmission'], 'note', 'This frame is a (suspected) retransmission'],
    [A_FAST_RETRANSMISSION, f['analysis.fast_retransmission'], 'note', 'This frame is a (suspected) fast retransmission'],
    [A_SPURIOUS_RETRANSMISSION, f['analysis.spurious_retransmission'], 'note', 'This frame is a (suspected) spurious retransmission'],
    [A_OUT_OF_ORDER, f['analysis.out_of_order'], 'warn', 'This frame is a (suspected) out-of-order segment'],
    [A_LOST_PACKET, f['analysis.lost_segment'], 'warn', 'Previous segment(s) not captured (common at capture start)'],
    [A_ACK_LOST_PACKET, f['analysis.ack_lost_segment'], 'warn', "ACKed segment that wasn't captured (common at capture start)"],
    [A_WINDOW_UPDATE, f['analysis.window_update'], 'chat', 'TCP window update'],
    [A_WINDOW_FULL, f['analysis.window_full'], 'warn', 'TCP window specified by the receiver is now completely full'],
    [A_KEEP_ALIVE, f['analysis.keep_alive'], 'note', 'TCP keep-alive segment'],
    [A_KEEP_ALIVE_ACK, f['analysis.keep_alive_ack'], 'note', 'ACK to a TCP keep-alive segment'],
    [A_ZERO_WINDOW_PROBE, f['analysis.zero_window_probe'], 'note', 'TCP Zero Window Probe'],
    [A_ZERO_WINDOW, f['analysis.zero_window'], 'warn', 'TCP Zero Window segment'],
    [A_ZERO_WINDOW_PROBE_ACK, f['analysis.zero_window_probe_ack'], 'note', 'ACK to a TCP Zero Window Probe'],
  ];
}

function completenessText(c: number): string {
  const hs = C_SYN | C_SYNACK | C_ACK;
  if ((c & hs) === hs && (c & (C_FIN | C_RST)) !== 0) return `Complete, ${c & C_DATA ? 'WITH_DATA' : 'NO_DATA'} (${c})`;
  switch (c) {
    case C_SYN: return `Incomplete, SYN_SENT (${c})`;
    case C_SYN | C_SYNACK: return `Incomplete, CONNECTION_REQUEST (${c})`;
    case C_SYN | C_SYNACK | C_ACK: return `Incomplete, ESTABLISHED (${c})`;
    case C_SYN | C_SYNACK | C_ACK | C_DATA: return `Incomplete, DATA (${c})`;
    default: return `Incomplete (${c})`;
  }
}

function flagsText(fl: number): string {
  let s = '';
  for (let i = 0; i < 9; i++) {
    if (fl & (1 << i)) s += (s ? ', ' : '') + FLAG_NAMES[i];
  }
  if (fl & 0xe00) s += (s ? ', ' : '') + 'Reserved';
  return s;
}

function flagsStr(fl: number): string {
  let s = '';
  for (let i = 0; i < 12; i++) s += fl & (1 << (11 - i)) ? FLAG_LETTERS[i] : '·';
  return s;
}

/** Unwraps a 32-bit relative seq to the stream offset closest to `near`. */
function unwrap(rel: number, near: number): number {
  let v = rel + Math.floor(near / TWO32) * TWO32;
  if (v - near > TWO32 / 2) v -= TWO32;
  else if (near - v > TWO32 / 2) v += TWO32;
  return v;
}

class Segment implements TcpSegment {
  stream = 0;
  dir: 0 | 1 = 0;
  srcport = 0;
  dstport = 0;
  seq = 0;
  nxtseq = 0;
  ack = 0;
  len = 0;
  flags = 0;
  analysis = 0;
  retransmission = false;
  offset = 0;
  conv!: TcpConversation;
  payload: Uint8Array = new Uint8Array(0);
  frame = 0;
  reasmOpts!: { maxStreamBytes: number; budget: ReassemblyBudget };
  reassembler(): StreamReassembler {
    let r = this.conv.reasm[this.dir];
    if (!r) {
      r = new StreamReassembler(this.offset, this.reasmOpts);
      this.conv.reasm[this.dir] = r;
      if (this.payload.length) r.add(this.offset, this.payload, this.frame);
    }
    return r;
  }
}

export function createTcp(reg: Registry, opts: TcpOptions = {}): Tcp {
  const f = registerTcpFields(reg);
  const experts = expertOf(f);
  const flagIds = FLAG_IDS(f);
  const optIds = [
    f.options, f.option_kind, f.option_len, f['options.nop'], f['options.eol'], f['options.mss'], f['options.mss_val'],
    f['options.wscale'], f['options.wscale.shift'], f['options.wscale.multiplier'], f['options.sack_perm'], f['options.sack'],
    f['options.sack_le'], f['options.sack_re'], f['options.sack.count'], f['options.timestamp'], f['options.timestamp.tsval'],
    f['options.timestamp.tsecr'], f['options.tfo'], f['options.tfo.request'], f['options.tfo.cookie'], f['options.md5'],
    f['options.md5.digest'], f['options.unknown'], f['options.unknown.payload'], f['option.len.invalid'],
  ];
  const analysisIds = [
    f.analysis, f['analysis.flags'], f['analysis.acks_frame'], f['analysis.ack_rtt'], f['analysis.initial_rtt'],
    f['analysis.bytes_in_flight'], f['analysis.push_bytes_sent'], f['analysis.duplicate_ack'], f['analysis.duplicate_ack_num'],
    f['analysis.duplicate_ack_frame'], f['analysis.rto'], f['analysis.rto_frame'], f['analysis.reused_ports'],
    ...experts.map((e) => e[1]),
  ];
  const convs = new Map<string, TcpConversation>();
  const convs4 = new Map<number, Map<number, TcpConversation>>();
  const list: TcpConversation[] = [];
  let lastLo = -1;
  let lastHi = -1;
  let lastConv: TcpConversation | undefined;
  const ownerOf = (c: TcpConversation | undefined): number =>
    !c || !c.flows[0].baseSet || !c.flows[1].baseSet ? -1 : c.index % shardCount;
  const budget = new ReassemblyBudget(opts.maxSessionBytes ?? 256 * 1024 * 1024);
  const reasmOpts = { maxStreamBytes: opts.maxStreamBytes ?? 8 * 1024 * 1024, budget };
  let handler: TcpPayloadHandler | undefined;
  let endHandler: TcpEndHandler | undefined;
  let closeHandler: TcpCloseHandler | undefined;
  let dataDissector = opts.data;
  let shardCount = 1;
  let shardIndex = 0;
  let crossShard: ((what: string) => void) | undefined;
  let t0s = -1;
  const ta: SegAnalysis = newAnalysis();
  const optInfo: TcpOptInfo = { wsShift: -1, info: '' };
  const seg = new Segment();
  seg.reasmOpts = reasmOpts;

  const dissect: TransportDissector = (p: Packet, data: Uint8Array, off: number, end: number, net: NetInfo): number => {
    p.colProtocol = 'TCP';
    if (end > data.length) end = data.length;
    if (end - off < 20) {
      if (end - off >= 8 && (net as { inError?: boolean }).inError) {
        // a truncated header quoted in an ICMP error: ports and seq only, no conversation
        p.protocols.push('tcp');
        const sp = u16(data, off);
        const dp = u16(data, off + 2);
        p.open(f.proto, data.subarray(off, end), off, end - off, 0, () => `Transmission Control Protocol, Src Port: ${sp}, Dst Port: ${dp}`);
        p.add(f.srcport, sp, off, 2);
        p.add(f.dstport, dp, off + 2, 2);
        if (p.wants(f.port)) {
          p.add(f.port, sp, off, 2, HIDDEN);
          p.add(f.port, dp, off + 2, 2, HIDDEN);
        }
        p.add(f.seq, u32(data, off + 4), off + 4, 4);
        p.close();
        return end - off;
      }
      return 0;
    }
    const sp = u16(data, off);
    const dp = u16(data, off + 2);
    const seqRaw = u32(data, off + 4);
    const ackRaw = u32(data, off + 8);
    const hl = (data[off + 12]! >> 4) * 4;
    const flags = ((data[off + 12]! & 0x0f) << 8) | data[off + 13]!;
    const win = u16(data, off + 14);
    const cksum = u16(data, off + 16);
    const urp = u16(data, off + 18);
    p.protocols.push('tcp');
    if (hl < 20 || off + hl > end) {
      // bogus header length: Wireshark shows the fixed fields and stops
      p.open(f.proto, data.subarray(off, end), off, end - off, 0, tcpLabel(sp, dp, -1, 0, 0, 0));
      p.add(f.srcport, sp, off, 2);
      p.add(f.dstport, dp, off + 2, 2);
      p.add(f.bogus_header_length, null, off + 12, 1);
      p.close();
      if (p.wantCols) p.colInfo = `${sp} → ${dp} [Bogus TCP header length (${hl}, must be at least 20)]`;
      return end - off;
    }
    const seglen = end - off - hl;

    // time in ns relative to the first TCP frame (keeps doubles exact)
    if (t0s < 0) t0s = p.ts.s;
    const t = (p.ts.s - t0s) * 1e9 + p.ts.ns;

    // conversation lookup; a SYN whose ISN differs from the conversation's starts a new one
    // (tshark 4.0 ignores FIN/RST here: a same-ISN SYN after a reset is a retransmission)
    // IPv4 endpoints are numbers (address·65536 + port, exact in a double) looked up in a
    // two-level map: no strings per packet. IPv6 endpoints use compact string keys.
    let a: string | number;
    let key = '';
    let lo = 0;
    let hi = 0;
    let c: TcpConversation | undefined;
    const n4 = net.src4 !== undefined && net.dst4 !== undefined;
    if (n4 || net.src.length === 4) {
      let s4n: number;
      let d4n: number;
      if (n4) {
        s4n = net.src4!;
        d4n = net.dst4!;
      } else {
        const s4 = net.src;
        const d4 = net.dst;
        s4n = ((s4[0]! << 24) >>> 0) + ((s4[1]! << 16) | (s4[2]! << 8) | s4[3]!);
        d4n = ((d4[0]! << 24) >>> 0) + ((d4[1]! << 16) | (d4[2]! << 8) | d4[3]!);
      }
      a = s4n * 65536 + sp;
      const b4 = d4n * 65536 + dp;
      lo = a < b4 ? a : b4;
      hi = a < b4 ? b4 : a;
      // segments of one conversation often come in runs: the last one found is tried first
      if (lo === lastLo && hi === lastHi) c = lastConv;
      else {
        c = convs4.get(lo)?.get(hi);
        lastLo = lo;
        lastHi = hi;
        lastConv = c;
      }
    } else {
      a = endpointKey(net.src, sp);
      const b = endpointKey(net.dst, dp);
      key = pairKey(a, b);
      c = convs.get(key);
    }
    let reused = false;
    if (c && (flags & (TH_SYN | TH_ACK)) === TH_SYN) {
      const fw = c.flows[c.firstSrc === a ? 0 : 1];
      if (fw.baseSet && seqRaw !== fw.baseSeq) {
        c = undefined;
        reused = true;
      } else if (fw.baseSet) {
        // a SYN retransmission: like Wireshark, restore the flow's next seq (a RST or FIN
        // may have moved it) so later segments are not all flagged
        fw.nextseq = (seqRaw + 1) >>> 0;
      }
    }
    const isNew = !c;
    if (!c) {
      c = new TcpConversation(list.length, a, t);
      list.push(c);
      if (typeof a === 'number') {
        let m = convs4.get(lo);
        if (!m) convs4.set(lo, (m = new Map()));
        m.set(hi, c);
        lastLo = lo;
        lastHi = hi;
        lastConv = c;
      } else convs.set(key, c);
    }
    const dir: 0 | 1 = c.firstSrc === a ? 0 : 1;
    if ((net as { inError?: boolean }).inError) {
      if (shardCount > 1 && p.shard < 0) p.shard = c.index % shardCount;
      return dissectInError(p, f, data, off, end, c, dir, t);
    }
    const fwd = c.flows[dir];
    const rev = c.flows[dir ^ 1]!;

    // a SYN-ACK with another ISN: tshark 4.0 flags port reuse and rebases this direction,
    // keeping the stream (and its analysis state)
    if ((flags & (TH_SYN | TH_ACK)) === (TH_SYN | TH_ACK) && fwd.baseSet && seqRaw !== fwd.baseSeq) {
      fwd.baseSeq = seqRaw;
      reused = true;
    }
    // base sequence numbers
    if (!fwd.baseSet) {
      fwd.baseSeq = flags & TH_SYN ? seqRaw : (seqRaw - 1) >>> 0;
      fwd.baseSet = true;
    }
    if (!rev.baseSet && flags & TH_ACK) {
      rev.baseSeq = (ackRaw - 1) >>> 0;
      rev.baseSet = true;
    }
    if (shardCount > 1) {
      // a parallel read: the conversation is numbered (above) by every shard, analysed by one
      const owner = c.index % shardCount;
      if (p.shard < 0) p.shard = owner;
      if (owner !== shardIndex) return end - off;
    }
    if ((flags & (TH_SYN | TH_ACK)) === TH_SYN) c.synT = t;
    if ((flags & (TH_SYN | TH_ACK)) === TH_ACK && c.synT >= 0 && c.firstRtt === 0) c.firstRtt = t - c.synT;

    const seq = (seqRaw - fwd.baseSeq) >>> 0;
    const ack = flags & TH_ACK ? (ackRaw - rev.baseSeq) >>> 0 : ackRaw;
    const nxtseq = (seq + seglen + (flags & (TH_SYN | TH_FIN) ? 1 : 0)) >>> 0;
    const compBefore = c.completeness;

    // options first (window scaling comes from the SYN's options)
    const hasOpts = hl > 20;
    // (the Info column's option texts are made on demand: see tcpInfo)
    const wantOpts = hasOpts && (p.tree || p.wantsAny(optIds));
    // SACK blocks of this segment lower the other direction's bytes in flight
    rev.sackBytes = hasOpts ? scanOpts(data, off + 20, off + hl) : 0;
    if ((flags & TH_SYN) !== 0) {
      const wsShift = hasOpts ? optWs : -1;
      if (wsShift >= 0) fwd.winScale = wsShift;
      // SYNs without the option mean no scaling on either side
      if (fwd.winScale === -1) {
        fwd.winScale = -2;
        rev.winScale = -2;
      } else if (flags & TH_ACK && rev.winScale === -2) {
        fwd.winScale = -2;
      }
    }
    let winCalc = win;
    if (!(flags & TH_SYN) && fwd.winScale >= 0) winCalc = win * pow2(fwd.winScale);

    // sequence analysis
    resetAnalysis(ta);
    analyzeSegment(ta, fwd, rev, p.num, t, c.firstRtt, seqRaw, ackRaw, seglen, flags, win);
    if (reused) {
      ta.flags |= A_REUSED_PORTS;
      ta.present = true;
    }
    fwd.seen = true;

    // conversation completeness (Wireshark shows the value before this frame)
    if ((flags & (TH_SYN | TH_ACK)) === TH_SYN) c.completeness |= C_SYN;
    else if ((flags & (TH_SYN | TH_ACK)) === (TH_SYN | TH_ACK)) {
      if (!isNew) c.completeness |= C_SYNACK;
    } else if (!isNew) {
      if (flags & TH_ACK && seglen === 0) c.completeness |= C_ACK;
      if (seglen > 0) c.completeness |= C_DATA;
      if (flags & TH_FIN) c.completeness |= C_FIN;
      if (flags & TH_RST) c.completeness |= C_RST;
    }

    // ---- fields ----
    const tree = p.tree;
    if (tree || p.wants(f.proto)) {
      p.open(f.proto, data.subarray(off, end), off, end - off, 0, tcpLabel(sp, dp, seq, flags, ack, seglen));
    } else {
      p.open(f.proto, null, off, end - off);
    }
    p.add(f.srcport, sp, off, 2);
    p.add(f.dstport, dp, off + 2, 2);
    if (p.wants(f.port)) {
      p.add(f.port, sp, off, 2, HIDDEN);
      p.add(f.port, dp, off + 2, 2, HIDDEN);
    }
    p.add(f.stream, c.index, off, 0, GENERATED);
    if (p.wants(f.completeness)) p.add(f.completeness, compBefore, off, 0, GENERATED, tree ? `Conversation completeness: ${completenessText(compBefore)}` : undefined);
    p.add(f.len, seglen, off, 0, GENERATED);
    p.add(f.seq, seq, off + 4, 4, 0, tree ? `Sequence Number: ${seq}    (relative sequence number)` : undefined);
    p.add(f.seq_raw, seqRaw, off + 4, 4);
    p.add(f.nxtseq, nxtseq, off, 0, GENERATED, tree ? `Next Sequence Number: ${nxtseq}    (relative sequence number)` : undefined);
    p.add(f.ack, ack, off + 8, 4, 0, tree && flags & TH_ACK ? `Acknowledgment Number: ${ack}    (relative ack number)` : undefined);
    p.add(f.ack_raw, ackRaw, off + 8, 4);
    p.add(f.hdr_len, hl, off + 12, 1, 0, tree ? `${((hl / 4) >> 3) & 1}${((hl / 4) >> 2) & 1}${((hl / 4) >> 1) & 1}${(hl / 4) & 1} .... = Header Length: ${hl} bytes (${hl / 4})` : undefined);
    p.open(f.flags, flags, off + 12, 2, 0, tree ? `Flags: 0x${flags.toString(16).padStart(3, '0')} (${flagsText(flags)})` : undefined);
    if (tree || p.wantsAny(flagIds)) addFlagBits(p, f, flags, off);
    p.close();
    if (flags & TH_SYN) {
      if (flags & TH_ACK) p.expert('chat', 'Sequence', `Connection establish acknowledge (SYN+ACK): server port ${sp}`);
      else p.expert('chat', 'Sequence', `Connection establish request (SYN): server port ${dp}`);
    }
    if (flags & TH_RST) p.expert('warn', 'Sequence', 'Connection reset (RST)');
    if (flags & TH_FIN) p.expert('chat', 'Sequence', 'Connection finish (FIN)');
    p.add(f.window_size_value, win, off + 14, 2);
    p.add(f.window_size, winCalc, off + 14, 2, GENERATED);
    if (!(flags & TH_SYN)) {
      const sf = fwd.winScale >= 0 ? pow2(fwd.winScale) : fwd.winScale;
      p.add(f.window_size_scalefactor, sf, off + 14, 2, GENERATED, tree && sf < 0 ? `Window size scaling factor: ${sf} (${sf === -1 ? 'unknown' : 'no window scaling used'})` : undefined);
    }
    p.add(f.checksum, cksum, off + 16, 2, 0, tree ? `Checksum: 0x${cksum.toString(16).padStart(4, '0')} [unverified]` : undefined);
    p.add(f['checksum.status'], 2, off + 16, 2, GENERATED);
    p.add(f.urgent_pointer, urp, off + 18, 2);
    if (wantOpts) {
      dissectOptions(p, f, data, off + 20, off + hl, rev.baseSeq, optInfo);
    }
    // timestamps
    if (tree || p.wants(f.time_relative) || p.wants(f.time_delta)) {
      p.add(f.time_relative, t - c.firstT, off, 0, GENERATED);
      p.add(f.time_delta, t - c.prevT, off, 0, GENERATED);
    }
    c.prevT = t;

    // SEQ/ACK analysis
    if (ta.present && (tree || p.wantsAny(analysisIds))) addAnalysis(p, f, experts, ta, c.firstRtt, off);
    else if (ta.present) addExperts(p, experts, ta);

    // payload
    const payOff = off + hl;
    const retrans = (ta.flags & A_ANY_RETRANSMISSION) !== 0;
    if (seglen > 0 && p.wants(f.payload)) p.add(f.payload, data.subarray(payOff, end), payOff, seglen, 0, `TCP payload (${seglen} byte${seglen === 1 ? '' : 's'})`);
    p.close();

    // Info column, as text only when read (most packets of a filtered read are not printed)
    if (p.wantCols) {
      const opts = !hasOpts ? '' : wantOpts ? optInfo.info : undefined;
      tcpInfo(p, sp, dp, flags, seq, ack, winCalc, urp, seglen, opts, data, off + 20, off + hl, rev.baseSeq, ta.flags, ta.dupackFrame, ta.dupackNum);
    }

    // remember lost bytes per direction (ours, or ours that the peer ACKed unseen)
    if (ta.flags & A_LOST_PACKET) fwd.lost = true;
    if (ta.flags & A_ACK_LOST_PACKET) rev.lost = true;
    // upper layers: the payload, or the end of a direction (a FIN without data)
    const finOnly = seglen === 0 && (flags & TH_FIN) !== 0 && !retrans && endHandler !== undefined;
    if (seglen > 0 || finOnly) {
      seg.stream = c.index;
      seg.dir = dir;
      seg.srcport = sp;
      seg.dstport = dp;
      seg.seq = seq;
      seg.nxtseq = nxtseq;
      seg.ack = ack;
      seg.len = seglen;
      seg.flags = flags;
      seg.analysis = ta.flags;
      seg.retransmission = retrans;
      seg.conv = c;
      seg.frame = p.num;
      const r = c.reasm[dir];
      seg.offset = unwrap(seq, r ? r.next : seq);
      seg.payload = data.subarray(payOff, end);
      if (finOnly) {
        // only a complete direction ends cleanly: after lost bytes (tshark: "previous segment
        // not captured") the message before the FIN stays incomplete, as in tshark
        const complete = !fwd.lost && (!r || (!r.hasHole && r.next >= seg.offset));
        if (complete) endHandler!(p, seg);
      } else {
        if (r) {
          const res = r.add(seg.offset, seg.payload, p.num);
          if (res.dropped > 0) p.expert('warn', 'Reassemble', `TCP reassembly buffer full: ${res.dropped} bytes dropped`);
        }
        let used = 0;
        if (handler) used = handler(p, data, payOff, end, seg);
        if (used === 0 && dataDissector) dataDissector(p, data, payOff, end);
      }
    }
    // the peer ACKed past a hole in the reverse stream: those bytes were lost from the capture
    if (flags & TH_ACK) {
      const rr = c.reasm[dir ^ 1];
      if (rr && rr.hasHole) rr.declareLost(unwrap(ack, rr.next));
    }
    if (flags & (TH_FIN | TH_RST) && !retrans && c.finBits < 4) {
      c.finBits |= 1 << dir;
      // both sides closed (each by its FIN or RST: the peer of a RST may still have data in
      // flight, so its side stays open until it closes too) and nothing missing: the
      // conversation's upper-layer state can go
      if (c.finBits === 3 && closeHandler && !fwd.lost && !rev.lost && !c.reasm[0]?.hasHole && !c.reasm[1]?.hasHole) {
        c.finBits = 7;
        closeHandler(c);
      }
    }
    return end - off;
  };

  return {
    dissect,
    fields: f,
    conversations: list,
    budget,
    setPayloadHandler(h) {
      handler = h;
    },
    setEndHandler(h) {
      endHandler = h;
    },
    setCloseHandler(h) {
      closeHandler = h;
    },
    setDataDissector(d) {
      dataDissector = d;
    },
    shardOwner4(src, sport, dst, dport) {
      const a = src * 65536 + sport;
      const b = dst * 65536 + dport;
      return ownerOf(a < b ? convs4.get(a)?.get(b) : convs4.get(b)?.get(a));
    },
    shardOwner6(src, sport, dst, dport) {
      const a = endpointKey(src, sport);
      const b = endpointKey(dst, dport);
      return ownerOf(convs.get(pairKey(a, b)));
    },
    setShard(count, index, onCross) {
      shardCount = count;
      shardIndex = index;
      crossShard = onCross;
    },
    reserveStreamIndex() {
      // the proxy's conversation is dissected by one shard only: the others would not count it
      if (shardCount > 1) crossShard?.('a SOCKS proxy conversation');
      const placeholder = new TcpConversation(list.length, '', 0);
      list.push(placeholder);
      return placeholder.index;
    },
    flush() {
      for (const c of list) for (const r of c.reasm) if (r?.hasHole) r.declareLost(Infinity);
    },
  };
}

/**
 * The TCP tree label (seq -1: a bogus header, "Len: 0"). A function of its own so that the
 * dissector's locals are not captured (V8 would give every call a context for them).
 */
function tcpLabel(sp: number, dp: number, seq: number, flags: number, ack: number, seglen: number): () => string {
  if (seq < 0) return () => `Transmission Control Protocol, Src Port: ${sp}, Dst Port: ${dp}, Len: 0`;
  return () => `Transmission Control Protocol, Src Port: ${sp}, Dst Port: ${dp}, Seq: ${seq}${flags & TH_ACK ? `, Ack: ${ack}` : ''}, Len: ${seglen}`;
}

/** Sets the Info column of a segment, built on first read; `opts` undefined = from the option bytes data[optOff, optEnd). */
function tcpInfo(
  p: Packet, sp: number, dp: number, flags: number, seq: number, ack: number, win: number, urp: number, seglen: number,
  opts: string | undefined, data: Uint8Array, optOff: number, optEnd: number, sackBase: number, aflags: number, dupFrame: number, dupNum: number,
): void {
  p.setInfoLazy(() => {
    let info = `${sp} → ${dp} [${flagsText(flags)}] Seq=${seq}`;
    if (flags & TH_ACK) info += ` Ack=${ack}`;
    info += ` Win=${win}`;
    if (flags & TH_URG) info += ` Urg=${urp}`;
    info += ` Len=${seglen}`;
    info += opts ?? optionsInfo(data, optOff, optEnd, sackBase);
    if (aflags) {
      if (aflags & A_REUSED_PORTS) info = '[TCP Port numbers reused] ' + info;
      for (const [bit, text] of PREFIXES) {
        if (aflags & bit) info = (bit === A_DUPLICATE_ACK ? `[TCP Dup ACK ${dupFrame}#${dupNum}] ` : text) + info;
      }
    }
    return info;
  });
}

/**
 * A TCP header quoted inside an ICMP error: Wireshark shows raw seq/ack, the stream and
 * the header fields, and runs no sequence analysis.
 */
function dissectInError(p: Packet, f: TcpFields, data: Uint8Array, off: number, end: number, c: TcpConversation, dir: 0 | 1, t: number): number {
  const sp = u16(data, off);
  const dp = u16(data, off + 2);
  const seqRaw = u32(data, off + 4);
  const ackRaw = u32(data, off + 8);
  const hl = (data[off + 12]! >> 4) * 4;
  const flags = ((data[off + 12]! & 0x0f) << 8) | data[off + 13]!;
  const win = u16(data, off + 14);
  const fwd = c.flows[dir];
  p.open(f.proto, data.subarray(off, end), off, end - off, 0, () => `Transmission Control Protocol, Src Port: ${sp}, Dst Port: ${dp}, Seq: ${seqRaw}${flags & TH_ACK ? `, Ack: ${ackRaw}` : ''}`);
  p.add(f.srcport, sp, off, 2);
  p.add(f.dstport, dp, off + 2, 2);
  if (p.wants(f.port)) {
    p.add(f.port, sp, off, 2, HIDDEN);
    p.add(f.port, dp, off + 2, 2, HIDDEN);
  }
  p.add(f.seq, seqRaw, off + 4, 4);
  p.add(f.stream, c.index, off, 0, GENERATED);
  if (p.wants(f.completeness)) p.add(f.completeness, c.completeness, off, 0, GENERATED);
  p.add(f.ack, ackRaw, off + 8, 4);
  p.add(f.ack_raw, ackRaw, off + 8, 4);
  p.add(f.hdr_len, hl, off + 12, 1);
  p.open(f.flags, flags, off + 12, 2, 0);
  if (p.tree || p.wantsAny(FLAG_IDS(f))) addFlagBits(p, f, flags, off);
  p.close();
  p.add(f.window_size_value, win, off + 14, 2);
  p.add(f.window_size, win, off + 14, 2, GENERATED);
  p.add(f.window_size_scalefactor, fwd.winScale >= 0 ? pow2(fwd.winScale) : fwd.winScale, off + 14, 2, GENERATED);
  if (end - off >= 18) p.add(f.checksum, u16(data, off + 16), off + 16, 2);
  if (end - off >= 20) p.add(f.urgent_pointer, u16(data, off + 18), off + 18, 2);
  p.add(f.time_relative, t - c.firstT, off, 0, GENERATED);
  p.add(f.time_delta, t - c.prevT, off, 0, GENERATED);
  c.prevT = t;
  if (hl >= 20 && off + hl < end && p.wants(f.payload)) p.add(f.payload, data.subarray(off + hl, end), off + hl, end - off - hl);
  p.close();
  return end - off;
}

/** The tcp.flags.* bits of a header at `off` (inside the tcp.flags subtree). */
function addFlagBits(p: Packet, f: TcpFields, flags: number, off: number): void {
  p.add(f['flags.res'], (flags & 0xe00) !== 0, off + 12, 1);
  p.add(f['flags.ae'], (flags & 0x100) !== 0, off + 12, 1);
  p.add(f['flags.cwr'], (flags & 0x80) !== 0, off + 13, 1);
  p.add(f['flags.ece'], (flags & 0x40) !== 0, off + 13, 1);
  p.add(f['flags.urg'], (flags & 0x20) !== 0, off + 13, 1);
  p.add(f['flags.ack'], (flags & 0x10) !== 0, off + 13, 1);
  p.add(f['flags.push'], (flags & 0x8) !== 0, off + 13, 1);
  p.add(f['flags.reset'], (flags & 0x4) !== 0, off + 13, 1);
  p.add(f['flags.syn'], (flags & 0x2) !== 0, off + 13, 1);
  p.add(f['flags.fin'], (flags & 0x1) !== 0, off + 13, 1);
  if (p.tree || p.wants(f['flags.str'])) p.add(f['flags.str'], flagsStr(flags), off + 12, 2, GENERATED);
}

let flagIdsCache: WeakMap<TcpFields, number[]> | undefined;
function FLAG_IDS(f: TcpFields): number[] {
  flagIdsCache ??= new WeakMap();
  let ids = flagIdsCache.get(f);
  if (!ids) {
    ids = [f['flags.res'], f['flags.ae'], f['flags.cwr'], f['flags.ece'], f['flags.urg'], f['flags.ack'], f['flags.push'], f['flags.reset'], f['flags.syn'], f['flags.fin'], f['flags.str']];
    flagIdsCache.set(f, ids);
  }
  return ids;
}

let optWs = -1;
/**
 * Scans the options without dissecting them: sets `optWs` to the window scale shift
 * (-1 when absent) and returns the bytes covered by SACK blocks.
 */
function scanOpts(data: Uint8Array, o: number, end: number): number {
  optWs = -1;
  let sack = 0;
  while (o < end) {
    const k = data[o]!;
    if (k === 0 || k === 1) { o++; continue; }
    if (o + 1 >= end) break;
    const len = data[o + 1]!;
    if (len < 2 || o + len > end) break;
    if (k === 3 && len === 3) optWs = Math.min(data[o + 2]!, 14);
    else if (k === 5) {
      for (let i = o + 2; i + 8 <= o + len; i += 8) sack = (sack + u32(data, i + 4) - u32(data, i)) >>> 0;
    }
    o += len;
  }
  return sack;
}

function addExperts(p: Packet, experts: ReturnType<typeof expertOf>, ta: SegAnalysis): void {
  if (ta.flags === 0) return;
  for (const [bit, , sev, msg] of experts) {
    if (!(ta.flags & bit)) continue;
    p.expert(sev, 'Sequence', msg);
    if (bit === A_FAST_RETRANSMISSION || bit === A_SPURIOUS_RETRANSMISSION) p.expert('note', 'Sequence', 'This frame is a (suspected) retransmission');
  }
  if (ta.flags & A_DUPLICATE_ACK) p.expert('note', 'Sequence', `Duplicate ACK (#${ta.dupackNum})`);
  if (ta.flags & A_REUSED_PORTS) p.expert('note', 'Sequence', 'A new tcp session is started with the same ports as an earlier session in this trace');
}

function addAnalysis(p: Packet, f: TcpFields, experts: ReturnType<typeof expertOf>, ta: SegAnalysis, firstRtt: number, off: number): void {
  p.open(f.analysis, null, off, 0, GENERATED, 'SEQ/ACK analysis');
  if (ta.frameAcked) {
    p.add(f['analysis.acks_frame'], ta.frameAcked, off, 0, GENERATED);
    p.add(f['analysis.ack_rtt'], ta.ackRtt, off, 0, GENERATED);
  }
  if (firstRtt) p.add(f['analysis.initial_rtt'], firstRtt, off, 0, GENERATED);
  if (ta.bytesInFlight) p.add(f['analysis.bytes_in_flight'], ta.bytesInFlight, off, 0, GENERATED);
  if (ta.pushBytesSent) p.add(f['analysis.push_bytes_sent'], ta.pushBytesSent, off, 0, GENERATED);
  if (ta.flags) {
    p.open(f['analysis.flags'], null, off, 0, GENERATED, 'TCP Analysis Flags');
    if (ta.flags & A_REUSED_PORTS) p.add(f['analysis.reused_ports'], null, off, 0, GENERATED, 'A new tcp session is started with the same ports as an earlier session in this trace');
    for (const [bit, id, sev, msg] of experts) {
      if (!(ta.flags & bit)) continue;
      p.add(id, null, off, 0, GENERATED, msg);
      p.expert(sev, 'Sequence', msg);
      if (bit === A_FAST_RETRANSMISSION || bit === A_SPURIOUS_RETRANSMISSION) {
        // Wireshark also flags these as plain retransmissions (without the RTO)
        p.add(f['analysis.retransmission'], null, off, 0, GENERATED, 'This frame is a (suspected) retransmission');
        p.expert('note', 'Sequence', 'This frame is a (suspected) retransmission');
      }
      if (bit === A_RETRANSMISSION) {
        p.add(f['analysis.rto'], ta.rto, off, 0, GENERATED);
        p.add(f['analysis.rto_frame'], ta.rtoFrame, off, 0, GENERATED);
      }
    }
    if (ta.flags & A_DUPLICATE_ACK) {
      p.add(f['analysis.duplicate_ack'], null, off, 0, GENERATED, 'This is a TCP duplicate ack');
    }
    p.close();
  }
  if (ta.flags & A_DUPLICATE_ACK) {
    p.add(f['analysis.duplicate_ack_num'], ta.dupackNum, off, 0, GENERATED);
    p.open(f['analysis.duplicate_ack_frame'], ta.dupackFrame, off, 0, GENERATED);
    // the expert item has the same abbreviation: tshark prints the field twice ("1,1")
    p.add(f['analysis.duplicate_ack'], null, off, 0, GENERATED, `Expert Info (Note/Sequence): Duplicate ACK (#${ta.dupackNum})`);
    p.expert('note', 'Sequence', `Duplicate ACK (#${ta.dupackNum})`);
    p.close();
  }
  p.close();
}

/**
 * A compact key for an address and port: one UTF-16 unit per two address bytes plus the
 * port. Much cheaper per packet than the printable "10.0.0.1/443", and just as unique.
 */
export function endpointKey(addr: Uint8Array, port: number): string {
  if (addr.length === 4) return String.fromCharCode((addr[0]! << 8) | addr[1]!, (addr[2]! << 8) | addr[3]!, port);
  let k = '';
  for (let i = 0; i + 1 < addr.length; i += 2) k += String.fromCharCode((addr[i]! << 8) | addr[i + 1]!);
  return k + String.fromCharCode(port);
}
