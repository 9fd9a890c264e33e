/**
 * A small DER reader that keeps absolute offsets (for hex highlighting). It never reads
 * past `end`, rejects indefinite lengths and lengths over 4 bytes, and allocates nothing
 * proportional to claimed lengths: hostile input gives a `DerError`, never an exception
 * escaping a dissector or a hang.
 */

export class DerError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
    this.name = 'DerError';
  }
}

/** One TLV: `tag` is the identifier octet (class | constructed | number for numbers < 31). */
export interface Tlv {
  readonly tag: number;
  /** 0 universal, 1 application, 2 context, 3 private. */
  readonly cls: number;
  readonly constructed: boolean;
  /** Tag number (multi-byte numbers decoded). */
  readonly num: number;
  /** Offset of the identifier octet. */
  readonly start: number;
  /** Offset of the value. */
  readonly vstart: number;
  /** Value length. */
  readonly len: number;
  /** Offset after the value. */
  readonly end: number;
}

export const TAG = {
  BOOLEAN: 0x01, INTEGER: 0x02, BIT_STRING: 0x03, OCTET_STRING: 0x04, NULL: 0x05, OID: 0x06,
  UTF8String: 0x0c, SEQUENCE: 0x30, SET: 0x31, PrintableString: 0x13, T61String: 0x14, IA5String: 0x16,
  UTCTime: 0x17, GeneralizedTime: 0x18, VisibleString: 0x1a, UniversalString: 0x1c, BMPString: 0x1e,
} as const;

/** Reads the TLV at `off`, which must end at or before `end`. */
export function readTlv(b: Uint8Array, off: number, end: number): Tlv {
  if (off >= end) throw new DerError('unexpected end of data', off);
  const start = off;
  const tag = b[off++]!;
  let num = tag & 0x1f;
  if (num === 0x1f) {
    num = 0;
    for (let i = 0; ; i++) {
      if (off >= end || i >= 4) throw new DerError('bad tag number', start);
      const x = b[off++]!;
      num = num * 128 + (x & 0x7f);
      if (!(x & 0x80)) break;
    }
  }
  if (off >= end) throw new DerError('missing length', start);
  let len = b[off++]!;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0) throw new DerError('indefinite length not allowed in DER', start);
    if (n > 4) throw new DerError('length too long', start);
    if (off + n > end) throw new DerError('length octets past the end', start);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[off++]!;
  }
  if (off + len > end) throw new DerError(`length ${len} past the end of the data`, start);
  return { tag, cls: tag >> 6, constructed: (tag & 0x20) !== 0, num, start, vstart: off, len, end: off + len };
}

/** Reads a TLV and checks its identifier octet. */
export function expect(b: Uint8Array, off: number, end: number, tag: number, what: string): Tlv {
  const t = readTlv(b, off, end);
  if (t.tag !== tag) throw new DerError(`${what}: expected tag 0x${tag.toString(16)}, got 0x${t.tag.toString(16)}`, off);
  return t;
}

/** The children of a constructed TLV. */
export function children(b: Uint8Array, t: Tlv, max = 100000): Tlv[] {
  const out: Tlv[] = [];
  let o = t.vstart;
  while (o < t.end) {
    const c = readTlv(b, o, t.end);
    out.push(c);
    o = c.end;
    if (out.length > max) throw new DerError('too many elements', o);
  }
  return out;
}

export function oidText(b: Uint8Array, t: Tlv): string {
  if (t.len === 0 || t.len > 128) throw new DerError('bad OBJECT IDENTIFIER length', t.start);
  const parts: string[] = [];
  let v = 0;
  let first = true;
  for (let i = t.vstart; i < t.end; i++) {
    const x = b[i]!;
    v = v * 128 + (x & 0x7f);
    if (v > Number.MAX_SAFE_INTEGER / 256) throw new DerError('OID arc too large', t.start);
    if (!(x & 0x80)) {
      if (first) {
        const a = v < 40 ? 0 : v < 80 ? 1 : 2;
        parts.push(String(a), String(v - a * 40));
        first = false;
      } else parts.push(String(v));
      v = 0;
    } else if (i === t.end - 1) throw new DerError('truncated OID', t.start);
  }
  return parts.join('.');
}

/** A signed INTEGER as a number when it fits in 53 bits, else a bigint. */
export function intValue(b: Uint8Array, t: Tlv): number | bigint {
  if (t.len === 0) throw new DerError('empty INTEGER', t.start);
  let v = 0n;
  for (let i = t.vstart; i < t.end; i++) v = (v << 8n) | BigInt(b[i]!);
  if (b[t.vstart]! & 0x80) v -= 1n << BigInt(8 * t.len);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** A small INTEGER as a number (throws beyond 6 bytes). */
export function smallInt(b: Uint8Array, t: Tlv): number {
  if (t.len > 6) throw new DerError('INTEGER too large', t.start);
  return Number(intValue(b, t));
}

const latin1 = (b: Uint8Array, s: number, e: number): string => {
  let r = '';
  for (let i = s; i < e; i++) r += String.fromCharCode(b[i]!);
  return r;
};

let utf8: TextDecoder | undefined;
export function utf8Text(b: Uint8Array, s: number, e: number): string {
  utf8 ??= new TextDecoder('utf-8', { fatal: false });
  return utf8.decode(b.subarray(s, e));
}

/** Text of a string TLV (UTF8, Printable, IA5, Visible, Teletex as Latin-1, BMP, Universal). */
export function stringValue(b: Uint8Array, t: Tlv): string {
  switch (t.tag & 0x1f) {
    case 0x0c: return utf8Text(b, t.vstart, t.end);
    case 0x1e: {
      let r = '';
      for (let i = t.vstart; i + 1 < t.end; i += 2) r += String.fromCharCode((b[i]! << 8) | b[i + 1]!);
      return r;
    }
    case 0x1c: {
      let r = '';
      for (let i = t.vstart; i + 3 < t.end; i += 4) {
        const cp = ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
        r += cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd';
      }
      return r;
    }
    default: return latin1(b, t.vstart, t.end);
  }
}

/** Parses UTCTime / GeneralizedTime into epoch milliseconds (NaN when malformed). */
export function timeValue(b: Uint8Array, t: Tlv): number {
  const s = latin1(b, t.vstart, t.end);
  const m = t.tag === TAG.UTCTime
    ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(?:\.(\d+))?(Z|[+-]\d{4})?$/.exec(s)
    : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})?(\d{2})?(?:[.,](\d+))?(Z|[+-]\d{4})?$/.exec(s);
  if (!m) return NaN;
  let y = Number(m[1]);
  if (t.tag === TAG.UTCTime) y += y < 50 ? 2000 : 1900;
  const frac = m[7] ? Number('0.' + m[7]) * 1000 : 0;
  let ms = Date.UTC(y, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5] ?? 0), Number(m[6] ?? 0)) + frac;
  if (m[8] && m[8] !== 'Z') {
    const sign = m[8][0] === '-' ? -1 : 1;
    ms -= sign * (Number(m[8].slice(1, 3)) * 60 + Number(m[8].slice(3, 5))) * 60000;
  }
  return ms;
}
