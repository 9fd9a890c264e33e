/**
 * pcapng writer (little-endian). Each method returns the bytes of one block; write them in order:
 *
 *   const w = new PcapngWriter();
 *   out.write(w.sectionHeader());
 *   out.write(w.addInterface({ linktype: 1 }));          // interface 0
 *   out.write(w.secrets(keylogText));                      // optional DSB, before the packets it decrypts
 *   for (const f of frames) out.write(w.packet(f));        // EPBs
 */
import { TlsLensError } from '../errors.ts';
import type { AbsTime } from '../fields/types.ts';

/** Secrets type of a TLS key log (NSS format) in a Decryption Secrets Block: "TLSK". */
export const SECRETS_TYPE_TLS_KEYLOG = 0x544c534b;

export interface PcapngInterfaceOptions {
  /** LINKTYPE_* value (1 = Ethernet). */
  linktype: number;
  /** Default 262144. */
  snaplen?: number;
  /** Write nanosecond timestamps (if_tsresol = 9); default microseconds. */
  nanosecond?: boolean;
  /** if_name option. */
  name?: string;
}

export interface PcapngPacket {
  /** Interface id as returned by `addInterface` order (default 0). */
  ifaceId?: number;
  ts: AbsTime;
  data: Uint8Array;
  /** Length on the wire (default data.length). */
  origLen?: number;
  /** opt_comment option(s). A `CaptureFrame` can be passed as is. */
  comment?: string;
  comments?: readonly string[];
}

export interface PcapngWriterOptions {
  /** shb_userappl option of the Section Header Block (default "tlslens"). */
  userAppl?: string;
}

const enc = new TextEncoder();

function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** Size of an options list (without end-of-options when empty). */
function optionsSize(opts: readonly Uint8Array[]): number {
  if (opts.length === 0) return 0;
  let n = 4; // opt_endofopt
  for (const o of opts) n += 4 + pad4(o.length);
  return n;
}

/** Write `opts` as (code, value) pairs at `p`, closed by opt_endofopt; returns the new offset. */
function writeOptions(dv: DataView, u8: Uint8Array, p: number, codes: readonly number[], opts: readonly Uint8Array[]): number {
  if (opts.length === 0) return p;
  for (let i = 0; i < opts.length; i++) {
    dv.setUint16(p, codes[i], true);
    dv.setUint16(p + 2, opts[i].length, true);
    u8.set(opts[i], p + 4);
    p += 4 + pad4(opts[i].length);
  }
  dv.setUint32(p, 0, true);
  return p + 4;
}

function optBytes(s: string): Uint8Array {
  const b = enc.encode(s);
  if (b.length > 0xffff) throw new TlsLensError('USAGE', `pcapng option too long (${b.length} bytes, max 65535)`);
  return b;
}

function newBlock(type: number, len: number): { u8: Uint8Array; dv: DataView } {
  const u8 = new Uint8Array(len);
  const dv = new DataView(u8.buffer);
  dv.setUint32(0, type, true);
  dv.setUint32(4, len, true);
  dv.setUint32(len - 4, len, true);
  return { u8, dv };
}

export class PcapngWriter {
  private readonly userAppl: string;
  /** Time units per second of each interface of the current section. */
  private readonly units: bigint[] = [];

  constructor(opts: PcapngWriterOptions = {}) {
    this.userAppl = opts.userAppl ?? 'tlslens';
  }

  /** Number of interfaces defined so far in the current section. */
  get interfaceCount(): number {
    return this.units.length;
  }

  /** Section Header Block (starts a new section: interfaces must be added again). */
  sectionHeader(): Uint8Array {
    this.units.length = 0;
    const opts = this.userAppl ? [optBytes(this.userAppl)] : [];
    const len = 28 + optionsSize(opts);
    const { u8, dv } = newBlock(0x0a0d0d0a, len);
    dv.setUint32(8, 0x1a2b3c4d, true);
    dv.setUint16(12, 1, true);
    dv.setUint16(14, 0, true);
    dv.setInt32(16, -1, true); // section length unknown (-1, 64 bits)
    dv.setInt32(20, -1, true);
    writeOptions(dv, u8, 24, [4], opts);
    return u8;
  }

  /** Interface Description Block; the interface gets the next id (0, 1, …). */
  addInterface(o: PcapngInterfaceOptions): Uint8Array {
    const codes: number[] = [];
    const opts: Uint8Array[] = [];
    if (o.name !== undefined) { codes.push(2); opts.push(optBytes(o.name)); }
    if (o.nanosecond) { codes.push(9); opts.push(Uint8Array.of(9)); }
    const len = 20 + optionsSize(opts);
    const { u8, dv } = newBlock(1, len);
    dv.setUint16(8, o.linktype, true);
    dv.setUint32(12, o.snaplen ?? 262144, true);
    writeOptions(dv, u8, 16, codes, opts);
    this.units.push(o.nanosecond ? 1_000_000_000n : 1_000_000n);
    return u8;
  }

  /** Enhanced Packet Block. */
  packet(pkt: PcapngPacket): Uint8Array {
    const ifaceId = pkt.ifaceId ?? 0;
    const units = this.units[ifaceId];
    if (units === undefined) {
      throw new TlsLensError('USAGE', `pcapng writer: interface ${ifaceId} is not defined (${this.units.length} defined)`);
    }
    const { s, ns } = pkt.ts;
    if (!Number.isInteger(s) || s < 0 || !Number.isInteger(ns) || ns < 0 || ns >= 1e9) {
      throw new TlsLensError('USAGE', `pcapng writer: bad timestamp ${s}.${ns}`);
    }
    const t = BigInt(s) * units + (units === 1_000_000_000n ? BigInt(ns) : BigInt(Math.floor(ns / 1000)));
    const opts: Uint8Array[] = [];
    if (pkt.comment !== undefined) opts.push(optBytes(pkt.comment));
    if (pkt.comments !== undefined) for (const c of pkt.comments) opts.push(optBytes(c));
    const cap = pkt.data.length;
    const len = 32 + pad4(cap) + optionsSize(opts);
    const { u8, dv } = newBlock(6, len);
    dv.setUint32(8, ifaceId, true);
    dv.setUint32(12, Number(t >> 32n), true);
    dv.setUint32(16, Number(t & 0xffffffffn), true);
    dv.setUint32(20, cap, true);
    dv.setUint32(24, pkt.origLen ?? cap, true);
    u8.set(pkt.data, 28);
    writeOptions(dv, u8, 28 + pad4(cap), opts.map(() => 1), opts);
    return u8;
  }

  /** Decryption Secrets Block (default type: TLS key log). Data is padded to 4 bytes. */
  secrets(data: string | Uint8Array, type: number = SECRETS_TYPE_TLS_KEYLOG): Uint8Array {
    const bytes = typeof data === 'string' ? enc.encode(data) : data;
    const len = 20 + pad4(bytes.length);
    const { u8, dv } = newBlock(0x0000000a, len);
    dv.setUint32(8, type, true);
    dv.setUint32(12, bytes.length, true);
    u8.set(bytes, 16);
    return u8;
  }
}
