/**
 * Record-level parser for pcap and pcapng, shared by the streaming reader (`readCapture`)
 * and the whole-buffer reader (`readCaptureSync`).
 *
 * The parser never copies: it is handed a contiguous byte range holding one complete record
 * and returns at most one event whose frame `data` is a view into that range.
 *
 * Protocol between a driver and the parser:
 *   1. `need(b, p, avail, off)` → total length of the record starting at b[p] when it can be
 *      told from the `avail` bytes present, else `-k` (at least k bytes are needed to tell).
 *      Throws a TlsLensError for a corrupt or unknown header. Does not change state.
 *   2. Once `avail >= need`, `record(b, p, len, off)` parses the record and updates state.
 *   3. At EOF with a partial record, `truncated(b, p, avail, off)` builds the error to throw.
 * `off` is the absolute offset of b[p] in the (decompressed) input, for error messages.
 */
import { TlsLensError } from '../errors.ts';
import type { AbsTime } from '../fields/types.ts';
import type { CaptureEvent, CaptureFormat, CaptureFrame } from './types.ts';

/** Default cap on one record/block (bytes). A longer claimed length is a corrupt-file error. */
export const DEFAULT_MAX_BLOCK_LENGTH = 256 * 1024 * 1024;

export interface ParserOptions {
  /** Largest record/block accepted, in bytes (default 256 MiB). */
  maxBlockLength?: number;
}

// Magic numbers as read big-endian from the first 4 bytes.
const PCAP_US_BE = 0xa1b2c3d4;
const PCAP_US_LE = 0xd4c3b2a1;
const PCAP_NS_BE = 0xa1b23c4d;
const PCAP_NS_LE = 0x4d3cb2a1;
const PCAP_MOD_BE = 0xa1b2cd34; // Alexey Kuznetsov's patched libpcap: 24-byte record headers
const PCAP_MOD_LE = 0x34cdb2a1;
const NG_SHB = 0x0a0d0d0a;
const NG_BOM = 0x1a2b3c4d;

const BT_IDB = 0x00000001;
const BT_OPB = 0x00000002;
const BT_SPB = 0x00000003;
const BT_EPB = 0x00000006;
const BT_DSB = 0x0000000a;

const ST_START = 0;
const ST_PCAP = 1;
const ST_PCAPNG = 2;

const TWO32 = 4294967296;

const KNOWN_MAGICS = [PCAP_US_BE, PCAP_US_LE, PCAP_NS_BE, PCAP_NS_LE, PCAP_MOD_BE, PCAP_MOD_LE, NG_SHB];

/** @internal */
export function u32be(b: Uint8Array, p: number): number {
  return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
}
/** @internal */
export function u32le(b: Uint8Array, p: number): number {
  return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
}
function u32(b: Uint8Array, p: number, le: boolean): number {
  return le
    ? (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0
    : ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
}
function u16(b: Uint8Array, p: number, le: boolean): number {
  return le ? b[p] | (b[p + 1] << 8) : (b[p] << 8) | b[p + 1];
}

function hex32(v: number): string {
  return '0x' + v.toString(16).padStart(8, '0');
}

const BLOCK_NAMES: Record<number, string> = {
  0x0a0d0d0a: 'Section Header Block',
  1: 'Interface Description Block',
  2: 'Packet Block',
  3: 'Simple Packet Block',
  4: 'Name Resolution Block',
  5: 'Interface Statistics Block',
  6: 'Enhanced Packet Block',
  9: 'systemd Journal Export Block',
  10: 'Decryption Secrets Block',
  0x00000bad: 'Custom Block',
  0x40000bad: 'Custom Block',
};
function blockName(type: number): string {
  return `${BLOCK_NAMES[type] ?? 'block'} (type ${hex32(type)})`;
}

function corrupt(off: number, msg: string): TlsLensError {
  return new TlsLensError('CAPTURE_CORRUPT', msg, { offset: off });
}

/** Is `b[p..p+n)` (n < 4) a prefix of a known magic, big-endian? */
function magicPrefixOk(b: Uint8Array, p: number, n: number): boolean {
  outer: for (const m of KNOWN_MAGICS) {
    for (let i = 0; i < n; i++) if (b[p + i] !== ((m >>> (24 - 8 * i)) & 0xff)) continue outer;
    return true;
  }
  return n >= 2 && b[p] === 0x1f && b[p + 1] === 0x8b;
}

function unknownMagic(b: Uint8Array, p: number, avail: number): TlsLensError {
  const n = Math.min(avail, 4);
  let h = '';
  for (let i = 0; i < n; i++) h += b[p + i].toString(16).padStart(2, '0');
  if (n >= 2 && b[p] === 0x1f && b[p + 1] === 0x8b) {
    return new TlsLensError('CAPTURE_UNKNOWN_FORMAT', 'not a capture file: gzip data inside gzip data at offset 0', { offset: 0 });
  }
  return new TlsLensError('CAPTURE_UNKNOWN_FORMAT', `not a capture file: unknown magic 0x${h} at offset 0 (expected pcap or pcapng)`, { offset: 0 });
}

/** Per-interface timestamp conversion state (pcapng). */
interface NgIface {
  readonly linktype: number;
  readonly snaplen: number;
  /** Time units per second. */
  readonly units: number;
  /** For 10^-n with n ≤ 9: nanoseconds per unit; else 0. */
  readonly mul: number;
  /** Units as a bigint (slow path). */
  readonly bigUnits: bigint;
  /** if_tsoffset, seconds. */
  readonly tsoffset: number;
  readonly globalId: number;
}

const utf8 = new TextDecoder('utf-8');

/**
 * Convert a pcapng timestamp (hi:lo in units of 1/units s) to AbsTime exactly (nanoseconds
 * truncated, as Wireshark does).
 * @internal exported for tests
 */
export function ngTimestamp(hi: number, lo: number, units: number, mul: number, bigUnits: bigint, offset: number): AbsTime {
  if (hi < 0x100000 && (mul > 0 || units <= 9_000_000)) {
    // t < 2^52: plain double arithmetic is exact
    const t = hi * TWO32 + lo;
    let s = Math.floor(t / units);
    let r = t - s * units;
    if (r < 0) { s--; r += units; } else if (r >= units) { s++; r -= units; }
    return { s: s + offset, ns: mul > 0 ? r * mul : Math.floor((r * 1e9) / units) };
  }
  if (mul > 0 && units >= 8192) {
    // long division in 16-bit limbs: every partial dividend < units * 2^16 < 2^46
    let cur = hi >>> 16;
    let q = Math.floor(cur / units);
    let r = cur - q * units;
    cur = r * 65536 + (hi & 0xffff);
    let d = Math.floor(cur / units); r = cur - d * units;
    if (r < 0) { d--; r += units; } else if (r >= units) { d++; r -= units; }
    q = q * 65536 + d;
    cur = r * 65536 + (lo >>> 16);
    d = Math.floor(cur / units); r = cur - d * units;
    if (r < 0) { d--; r += units; } else if (r >= units) { d++; r -= units; }
    q = q * 65536 + d;
    cur = r * 65536 + (lo & 0xffff);
    d = Math.floor(cur / units); r = cur - d * units;
    if (r < 0) { d--; r += units; } else if (r >= units) { d++; r -= units; }
    q = q * 65536 + d;
    return { s: q + offset, ns: r * mul };
  }
  const t = (BigInt(hi) << 32n) | BigInt(lo);
  return { s: Number(t / bigUnits) + offset, ns: Number(((t % bigUnits) * 1_000_000_000n) / bigUnits) };
}

/** Read the 64-bit signed integer at b[p] as a number (rounded if beyond 2^53). */
function i64(b: Uint8Array, p: number, le: boolean): number {
  const hi = le ? u32le(b, p + 4) : u32be(b, p);
  const lo = le ? u32le(b, p) : u32be(b, p + 4);
  return (hi | 0) * TWO32 + lo;
}

export class CaptureParser {
  /** Format of the input, known after the first record. */
  format: CaptureFormat | undefined;
  private readonly maxBlock: number;
  private state = ST_START;
  private le = true;
  // pcap
  private hdrLen = 16;
  private capOff = 8;
  private origOff = 12;
  private nsec = false;
  private linktype = 0;
  // pcapng
  private ifaces: NgIface[] = [];
  private totalIfaces = 0;

  constructor(opts: ParserOptions = {}) {
    this.maxBlock = opts.maxBlockLength ?? DEFAULT_MAX_BLOCK_LENGTH;
  }

  need(b: Uint8Array, p: number, avail: number, off: number): number {
    if (this.state === ST_PCAP) {
      const h = this.hdrLen;
      if (avail < h) return -h;
      const cap = u32(b, p + this.capOff, this.le);
      if (cap > this.maxBlock - h) {
        throw corrupt(off, `corrupt packet record at offset ${off}: captured length ${cap} exceeds the limit of ${this.maxBlock - h} bytes`);
      }
      return h + cap;
    }
    if (this.state === ST_PCAPNG) return this.needNg(b, p, avail, off);
    // ST_START
    if (avail < 4) return -4; // judged once 4 bytes are in (or at EOF), whatever the chunking
    const m = u32be(b, p);
    switch (m) {
      case PCAP_US_BE: case PCAP_US_LE: case PCAP_NS_BE: case PCAP_NS_LE: case PCAP_MOD_BE: case PCAP_MOD_LE:
        return 24;
      case NG_SHB:
        return this.needNg(b, p, avail, off);
      default:
        throw unknownMagic(b, p, avail);
    }
  }

  private needNg(b: Uint8Array, p: number, avail: number, off: number): number {
    if (avail < 8) {
      return avail >= 4 && u32be(b, p) === NG_SHB ? -12 : -8;
    }
    const type = u32(b, p, this.le);
    let len: number;
    if (type === NG_SHB) {
      if (avail < 12) return -12;
      const bom = u32be(b, p + 8);
      let le: boolean;
      if (bom === NG_BOM) le = false;
      else if (bom === 0x4d3c2b1a) le = true;
      else throw corrupt(off, `corrupt pcapng Section Header Block at offset ${off}: bad byte-order magic ${hex32(bom)}`);
      len = u32(b, p + 4, le);
      if (len < 28) throw corrupt(off, `corrupt pcapng Section Header Block at offset ${off}: block length ${len} is less than 28`);
    } else {
      len = u32(b, p + 4, this.le);
      if (len < 12) throw corrupt(off, `corrupt pcapng ${blockName(type)} at offset ${off}: block length ${len} is less than 12`);
    }
    if ((len & 3) !== 0) throw corrupt(off, `corrupt pcapng ${blockName(type)} at offset ${off}: block length ${len} is not a multiple of 4`);
    if (len > this.maxBlock) throw corrupt(off, `corrupt pcapng ${blockName(type)} at offset ${off}: block length ${len} exceeds the limit of ${this.maxBlock} bytes`);
    return len;
  }

  record(b: Uint8Array, p: number, len: number, off: number): CaptureEvent | undefined {
    if (this.state === ST_PCAP) {
      const le = this.le;
      const sec = u32(b, p, le);
      const frac = u32(b, p + 4, le);
      const h = this.hdrLen;
      let ts: AbsTime;
      if (this.nsec) ts = frac < 1e9 ? { s: sec, ns: frac } : { s: sec + Math.floor(frac / 1e9), ns: frac % 1e9 };
      else ts = frac < 1e6 ? { s: sec, ns: frac * 1000 } : { s: sec + Math.floor(frac / 1e6), ns: (frac % 1e6) * 1000 };
      const frame: CaptureFrame = {
        data: b.subarray(p + h, p + len),
        origLen: u32(b, p + this.origOff, le),
        ts,
        linktype: this.linktype,
        ifaceId: 0,
        fileOffset: off,
        comments: undefined,
      };
      return { kind: 'frame', frame };
    }
    if (this.state === ST_START && u32be(b, p) !== NG_SHB) return this.pcapHeader(b, p, off);
    return this.recordNg(b, p, len, off);
  }

  private pcapHeader(b: Uint8Array, p: number, off: number): CaptureEvent {
    const m = u32be(b, p);
    this.le = m === PCAP_US_LE || m === PCAP_NS_LE || m === PCAP_MOD_LE;
    this.nsec = m === PCAP_NS_BE || m === PCAP_NS_LE;
    if (m === PCAP_MOD_BE || m === PCAP_MOD_LE) this.hdrLen = 24;
    const major = u16(b, p + 4, this.le);
    const minor = u16(b, p + 6, this.le);
    if (major < 2) {
      throw new TlsLensError('CAPTURE_UNSUPPORTED', `unsupported pcap version ${major}.${minor} at offset ${off}`, { offset: off });
    }
    if (major === 2 && minor < 3) {
      // pre-2.3 libpcap wrote the two lengths the other way round
      this.capOff = 12;
      this.origOff = 8;
    }
    const snaplen = u32(b, p + 16, this.le);
    const network = u32(b, p + 20, this.le);
    this.linktype = network & 0xffff;
    this.state = ST_PCAP;
    this.format = this.nsec ? 'pcap-nsec' : 'pcap';
    const iface: { linktype: number; snaplen: number; tsresol: number; fcsLen?: number } = {
      linktype: this.linktype,
      snaplen,
      tsresol: this.nsec ? 9 : 6,
    };
    // LT_FCS_LENGTH_PRESENT / LT_FCS_LENGTH (libpcap): length in 16-bit units in the top 4 bits
    if (network & 0x04000000) iface.fcsLen = (network >>> 28) * 2;
    return { kind: 'interface', iface, id: 0 };
  }

  private recordNg(b: Uint8Array, p: number, len: number, off: number): CaptureEvent | undefined {
    let le = this.le;
    const type = u32(b, p, le);
    if (type === NG_SHB) le = u32be(b, p + 8) !== NG_BOM;
    const trail = u32(b, p + len - 4, le);
    if (trail !== len) {
      throw corrupt(off, `corrupt pcapng ${blockName(type)} at offset ${off}: trailing block length ${trail} does not match leading length ${len}`);
    }
    const end = p + len - 4;
    switch (type) {
      case NG_SHB: {
        const major = u16(b, p + 12, le);
        const minor = u16(b, p + 14, le);
        if (major !== 1) {
          throw new TlsLensError('CAPTURE_UNSUPPORTED', `unsupported pcapng version ${major}.${minor} in Section Header Block at offset ${off}`, { offset: off });
        }
        this.le = le;
        this.state = ST_PCAPNG;
        this.format = 'pcapng';
        this.ifaces = [];
        return undefined;
      }
      case BT_IDB: {
        if (len < 20) throw corrupt(off, `corrupt pcapng ${blockName(type)} at offset ${off}: block length ${len} is less than 20`);
        const linktype = u16(b, p + 8, le);
        const snaplen = u32(b, p + 12, le);
        let name: string | undefined;
        let resol = 6;
        let tsoffset = 0;
        let fcsLen: number | undefined;
        let q = p + 16;
        while (q + 4 <= end) {
          const code = u16(b, q, le);
          const olen = u16(b, q + 2, le);
          const v = q + 4;
          if (code === 0 || v + olen > end) break;
          if (code === 2) name = utf8.decode(b.subarray(v, v + olen));
          else if (code === 9 && olen >= 1) resol = b[v];
          else if (code === 14 && olen >= 8) tsoffset = i64(b, v, le);
          else if (code === 13 && olen >= 1) fcsLen = b[v];
          q = v + ((olen + 3) & ~3);
        }
        let units: number;
        let bigUnits: bigint;
        let mul = 0;
        let tsresol: number;
        if (resol & 0x80) {
          const n = resol & 0x7f;
          bigUnits = 1n << BigInt(n);
          units = Number(bigUnits);
          tsresol = -n;
        } else {
          bigUnits = 10n ** BigInt(resol);
          units = Number(bigUnits);
          if (resol <= 9) mul = 10 ** (9 - resol);
          tsresol = resol;
        }
        const id = this.totalIfaces++;
        this.ifaces.push({ linktype, snaplen, units, mul, bigUnits, tsoffset, globalId: id });
        const iface: { linktype: number; snaplen: number; tsresol: number; name?: string; fcsLen?: number; tsoffset?: number } = { linktype, snaplen, tsresol };
        if (name !== undefined) iface.name = name;
        if (fcsLen !== undefined) iface.fcsLen = fcsLen;
        if (tsoffset !== 0) iface.tsoffset = tsoffset;
        return { kind: 'interface', iface, id };
      }
      case BT_EPB:
      case BT_OPB: {
        if (len < 32) throw corrupt(off, `corrupt pcapng ${blockName(type)} at offset ${off}: block length ${len} is less than 32`);
        const ifId = type === BT_EPB ? u32(b, p + 8, le) : u16(b, p + 8, le);
        const ifc = this.ifaces[ifId];
        if (ifc === undefined) {
          throw corrupt(off, `corrupt pcapng ${blockName(type)} at offset ${off}: interface ${ifId} is not defined (section has ${this.ifaces.length})`);
        }
        const cap = u32(b, p + 20, le);
        const dataStart = p + 28;
        if (cap > end - dataStart) {
          throw corrupt(off, `corrupt pcapng ${blockName(type)} at offset ${off}: captured length ${cap} exceeds the block (room for ${end - dataStart} bytes)`);
        }
        const frame: CaptureFrame = {
          data: b.subarray(dataStart, dataStart + cap),
          origLen: u32(b, p + 24, le),
          ts: ngTimestamp(u32(b, p + 12, le), u32(b, p + 16, le), ifc.units, ifc.mul, ifc.bigUnits, ifc.tsoffset),
          linktype: ifc.linktype,
          ifaceId: ifc.globalId,
          fileOffset: off,
          comments: this.comments(b, dataStart + ((cap + 3) & ~3), end, le),
        };
        return { kind: 'frame', frame };
      }
      case BT_SPB: {
        const ifc = this.ifaces[0];
        if (ifc === undefined) throw corrupt(off, `corrupt pcapng ${blockName(type)} at offset ${off}: no interface defined in this section`);
        const orig = u32(b, p + 8, le);
        let cap = Math.min(orig, end - (p + 12));
        if (ifc.snaplen !== 0 && cap > ifc.snaplen) cap = ifc.snaplen;
        const frame: CaptureFrame = {
          data: b.subarray(p + 12, p + 12 + cap),
          origLen: orig,
          ts: { s: 0, ns: 0 },
          linktype: ifc.linktype,
          ifaceId: ifc.globalId,
          fileOffset: off,
          comments: undefined,
        };
        return { kind: 'frame', frame };
      }
      case BT_DSB: {
        if (len < 20) throw corrupt(off, `corrupt pcapng ${blockName(type)} at offset ${off}: block length ${len} is less than 20`);
        const stype = u32(b, p + 8, le);
        const slen = u32(b, p + 12, le);
        if (slen > end - (p + 16)) {
          throw corrupt(off, `corrupt pcapng ${blockName(type)} at offset ${off}: secrets length ${slen} exceeds the block (room for ${end - (p + 16)} bytes)`);
        }
        return { kind: 'secrets', secrets: { type: stype, data: b.subarray(p + 16, p + 16 + slen) } };
      }
      default:
        // NRB, ISB, custom blocks (0x00000BAD / 0x40000BAD), systemd journal and unknown blocks
        return undefined;
    }
  }

  /** opt_comment (code 1) values of a packet block's options, or undefined. Malformed options end the list. */
  private comments(b: Uint8Array, q: number, end: number, le: boolean): string[] | undefined {
    let out: string[] | undefined;
    while (q + 4 <= end) {
      const code = u16(b, q, le);
      const olen = u16(b, q + 2, le);
      const v = q + 4;
      if (code === 0 || v + olen > end) break;
      if (code === 1) (out ??= []).push(utf8.decode(b.subarray(v, v + olen)));
      q = v + ((olen + 3) & ~3);
    }
    return out;
  }

  /** The error for a partial record of `avail` bytes at EOF. */
  truncated(b: Uint8Array, p: number, avail: number, off: number): TlsLensError {
    if (this.state === ST_START && avail < 4 && !magicPrefixOk(b, p, avail)) throw unknownMagic(b, p, avail);
    const n = this.need(b, p, avail, off); // may itself throw a more precise error
    let msg: string;
    if (this.state === ST_START) {
      msg = `truncated capture file header at offset ${off}: need ${n < 0 ? -n : n} bytes, only ${avail} remain`;
    } else if (this.state === ST_PCAP) {
      msg = n < 0
        ? `truncated packet record header at offset ${off}: need ${-n} bytes, only ${avail} remain`
        : `truncated packet record at offset ${off}: header says ${n - this.hdrLen} bytes, only ${avail - this.hdrLen} remain`;
    } else {
      msg = n < 0
        ? `truncated pcapng block header at offset ${off}: need ${-n} bytes, only ${avail} remain`
        : `truncated pcapng ${blockName(u32(b, p, this.le))} at offset ${off}: block length says ${n} bytes, only ${avail} remain`;
    }
    return new TlsLensError('CAPTURE_TRUNCATED', msg, { offset: off });
  }
}
