/** Literal parsing helpers for the display filter compiler (pure functions, no registry). */
import type { AbsTime } from '../fields/types.ts';

/** Parses a C-style integer (decimal, 0x hex, 0 octal, 0b binary) with an optional sign. */
export function parseInteger(text: string): bigint | undefined {
  const m = /^([-+]?)(0[xX][0-9a-fA-F]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
  if (!m) return undefined;
  const body = m[2]!;
  let v: bigint;
  if (/^0[xX]/.test(body)) v = BigInt(body);
  else if (/^0[bB]/.test(body)) v = BigInt('0b' + body.slice(2));
  else if (body.length > 1 && body[0] === '0') v = BigInt('0o' + body.slice(1));
  else v = BigInt(body);
  return m[1] === '-' ? -v : v;
}

/** A floating point number, C-style (also accepts hexadecimal integers). */
export function parseFloatText(text: string): number | undefined {
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return Number(text);
  const i = parseInteger(text);
  return i === undefined ? undefined : Number(i);
}

/** IPv4 address with optional "/bits"; undefined when not an address. Throws a string message for bad prefix. */
export function parseIPv4(text: string): { addr: number; bits: number } | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d+))?$/.exec(text);
  if (!m) return undefined;
  const parts = [m[1], m[2], m[3], m[4]].map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  const bits = m[5] === undefined ? 32 : Number(m[5]);
  if (bits > 32) throw `Netmask bits in a CIDR IPv4 address should be <= 32, not ${bits}`;
  return { addr: ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0, bits };
}

/** IPv6 address (RFC 4291 text forms, optional embedded IPv4 tail) with optional "/bits". */
export function parseIPv6(text: string): { bytes: Uint8Array; bits: number } | undefined {
  let addr = text;
  let bits = 128;
  const slash = text.indexOf('/');
  if (slash >= 0) {
    const b = text.slice(slash + 1);
    if (!/^\d+$/.test(b)) return undefined;
    bits = Number(b);
    if (bits > 128) throw `Prefix in a IPv6 address should be <= 128, not ${bits}`;
    addr = text.slice(0, slash);
  }
  if (!addr.includes(':')) return undefined;
  const groups: number[] = [];
  const parseSide = (s: string, allowV4Tail: boolean): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    const parts = s.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (i === parts.length - 1 && allowV4Tail && p.includes('.')) {
        const v4 = parseIPv4(p);
        if (!v4 || v4.bits !== 32) return undefined;
        out.push(v4.addr >>> 16, v4.addr & 0xffff);
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
      out.push(parseInt(p, 16));
    }
    return out;
  };
  const dbl = addr.indexOf('::');
  if (dbl >= 0) {
    if (addr.indexOf('::', dbl + 1) >= 0) return undefined;
    const head = parseSide(addr.slice(0, dbl), false);
    const tail = parseSide(addr.slice(dbl + 2), true);
    if (!head || !tail || head.length + tail.length > 7) return undefined;
    groups.push(...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail);
  } else {
    const all = parseSide(addr, true);
    if (!all || all.length !== 8) return undefined;
    groups.push(...all);
  }
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => { bytes[2 * i] = g >> 8; bytes[2 * i + 1] = g & 255; });
  return { bytes, bits };
}

/**
 * A byte string as Wireshark accepts it unquoted: "16:03:01", "16.03.01", "16-03-01", "160301",
 * a single byte "16" or "0x16". Undefined when the text is not one.
 */
export function parseByteString(text: string): Uint8Array | undefined {
  if (/^0[xX][0-9a-fA-F]{1,2}$/.test(text)) return Uint8Array.of(parseInt(text.slice(2), 16));
  if (/^[0-9a-fA-F]{1,2}$/.test(text)) return Uint8Array.of(parseInt(text, 16));
  if (/^[0-9a-fA-F]{2}([:.-][0-9a-fA-F]{2})+$/.test(text)) {
    const sep = text[2]!;
    const parts = text.split(sep);
    if (parts.some((p) => p.length !== 2)) return undefined;
    return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
  }
  if (/^([0-9a-fA-F]{2})+$/.test(text)) {
    const out = new Uint8Array(text.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
    return out;
  }
  return undefined;
}

/** A MAC address: 6 bytes written with ':' '-' '.' separators (also "xxxx.xxxx.xxxx" and 12 hex digits). */
export function parseEther(text: string): Uint8Array | undefined {
  const dotted = /^([0-9a-fA-F]{4})\.([0-9a-fA-F]{4})\.([0-9a-fA-F]{4})$/.exec(text);
  if (dotted) return parseByteString(dotted[1]! + dotted[2]! + dotted[3]!);
  const b = /^0[xX]/.test(text) ? undefined : parseByteString(text);
  return b && b.length === 6 ? b : undefined;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

function fracNs(frac: string | undefined): number {
  if (!frac) return 0;
  return Number((frac + '000000000').slice(0, 9));
}

/**
 * An absolute time literal, in local time unless it carries "UTC", "Z" or an offset:
 * "Nov 12, 1999 08:55:44.123", "2011-07-04 12:34:56", "2011-07-04T12:34:56.5Z", "2011-07-04".
 */
export function parseAbsTime(text: string): AbsTime | undefined {
  const t = text.trim();
  let y: number, mo: number, d: number, h = 0, mi = 0, s = 0, frac: string | undefined;
  let zone: string | undefined;
  let m = /^([A-Za-z]{3})\s+(\d{1,2}),\s*(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:\s+(UTC|GMT|Z))?$/.exec(t);
  if (m) {
    mo = MONTHS.indexOf(m[1]!.toLowerCase());
    if (mo < 0) return undefined;
    d = Number(m[2]); y = Number(m[3]); h = Number(m[4]); mi = Number(m[5]); s = Number(m[6] ?? 0); frac = m[7];
    zone = m[8] ? 'Z' : undefined;
  } else {
    m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|UTC|[+-]\d{2}:?\d{2})?$/.exec(t);
    if (!m) return undefined;
    y = Number(m[1]); mo = Number(m[2]) - 1; d = Number(m[3]);
    h = Number(m[4] ?? 0); mi = Number(m[5] ?? 0); s = Number(m[6] ?? 0); frac = m[7]; zone = m[8];
  }
  if (mo > 11 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  let ms: number;
  if (zone === undefined) {
    ms = new Date(y, mo, d, h, mi, s).getTime();
  } else {
    ms = Date.UTC(y, mo, d, h, mi, s);
    if (zone !== 'Z' && zone !== 'UTC') {
      const zm = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
      const off = (Number(zm[2]) * 60 + Number(zm[3])) * 60000;
      ms -= zm[1] === '+' ? off : -off;
    }
  }
  if (!Number.isFinite(ms)) return undefined;
  return { s: Math.floor(ms / 1000), ns: fracNs(frac) };
}
