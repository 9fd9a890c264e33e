import type { AbsTime, FieldValue, RegisteredField } from './types.ts';

const HEX = '0123456789abcdef';
const HEX_PAIRS: string[] = Array.from({ length: 256 }, (_, i) => HEX[i >> 4]! + HEX[i & 15]!);

/** Bytes as lowercase hex with an optional separator ("16:03:01"). */
export function hexBytes(b: Uint8Array, sep = ''): string {
  let s = '';
  for (let i = 0; i < b.length; i++) {
    if (i > 0 && sep) s += sep;
    s += HEX_PAIRS[b[i]!]!;
  }
  return s;
}

export function ipv4Text(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** IPv6 text per RFC 5952: lowercase, longest run (≥ 2) of zero groups as "::", IPv4-mapped tail kept in hex like Wireshark. */
export function ipv6Text(b: Uint8Array): string {
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i]! << 8) | b[i + 1]!);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible addresses print with a dotted tail.
  if (bestStart === 0 && ((bestLen === 5 && g[5] === 0xffff) || (bestLen === 6 && (g[6]! > 0 || g[7]! > 1)))) {
    const tail = `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
    return bestLen === 5 ? `::ffff:${tail}` : `::${tail}`;
  }
  const part = (from: number, to: number) => g.slice(from, to).map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return part(0, 8);
  return `${part(0, bestStart)}::${part(bestStart + bestLen, 8)}`;
}

export function etherText(b: Uint8Array): string {
  return hexBytes(b, ':');
}

function pad(n: number, w: number): string {
  let s = String(n);
  while (s.length < w) s = '0' + s;
  return s;
}

/** Relative time (nanoseconds) as tshark prints it: seconds with 9 decimals. */
export function relTimeText(ns: number): string {
  const neg = ns < 0;
  const a = Math.abs(Math.round(ns));
  const s = Math.floor(a / 1e9);
  return `${neg ? '-' : ''}${s}.${pad(a - s * 1e9, 9)}`;
}

export function epochText(t: AbsTime): string {
  if (t.s < 0 && t.ns > 0) {
    // -1.5 s is stored as s = -2, ns = 5e8
    return `-${-(t.s + 1)}.${pad(1e9 - t.ns, 9)}`;
  }
  return `${t.s}.${pad(t.ns, 9)}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Absolute time as tshark prints FT_ABSOLUTE_TIME in local time ("Oct 15, 2014 01:51:36.106156000 UTC"). */
export function absTimeText(t: AbsTime, utc = false): string {
  const d = new Date(t.s * 1000);
  if (utc) {
    return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')}, ${d.getUTCFullYear()} ${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${pad(t.ns, 9)} UTC`;
  }
  const zone = timeZoneName(d);
  return `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')}, ${d.getFullYear()} ${pad(d.getHours(), 2)}:${pad(d.getMinutes(), 2)}:${pad(d.getSeconds(), 2)}.${pad(t.ns, 9)} ${zone}`;
}

let zoneFmt: Intl.DateTimeFormat | undefined;
function timeZoneName(d: Date): string {
  if (d.getTimezoneOffset() === 0 && (Intl.DateTimeFormat().resolvedOptions().timeZone === 'UTC' || Intl.DateTimeFormat().resolvedOptions().timeZone === 'Etc/UTC')) return 'UTC';
  zoneFmt ??= new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' });
  const part = zoneFmt.formatToParts(d).find((x) => x.type === 'timeZoneName');
  return part ? part.value : 'UTC';
}

function hexWidth(f: RegisteredField): number {
  switch (f.type) {
    case 'uint8': case 'int8': return 2;
    case 'uint16': case 'int16': return 4;
    case 'uint24': return 6;
    case 'uint32': case 'int32': return 8;
    case 'uint64': case 'int64': return 16;
    default: return 0;
  }
}

function intText(f: RegisteredField, v: number | bigint): string {
  const base = f.base ?? 'dec';
  if (base === 'hex' || base === 'hex_dec') {
    const w = hexWidth(f);
    let h = (typeof v === 'bigint' ? v : BigInt(Math.trunc(v)) & 0xffffffffffffffffn).toString(16);
    if (typeof v === 'number' && v >= 0) h = v.toString(16);
    while (h.length < w) h = '0' + h;
    return '0x' + h;
  }
  if (base === 'oct') return '0' + v.toString(8);
  return String(v);
}

/**
 * Formats one value the way tshark's `-T fields` prints it. Value names are not applied
 * (tshark prints the number), booleans print as 1/0, bytes as plain hex.
 */
export function fieldText(f: RegisteredField, v: FieldValue): string {
  switch (f.type) {
    case 'none':
      // tshark 4.0 prints "1" for a present FT_NONE field (tcp.analysis.retransmission)
      return '1';
    case 'protocol':
      return f.abbrev;
    case 'bool':
      return v ? '1' : '0';
    case 'uint8': case 'uint16': case 'uint24': case 'uint32': case 'uint64':
    case 'int8': case 'int16': case 'int32': case 'int64':
      return intText(f, v as number | bigint);
    case 'framenum':
      return String(v);
    case 'float': case 'double':
      return doubleText(v as number);
    case 'reltime':
      // frame.time_epoch is a relative time in Wireshark 4.0 whose value is an absolute timestamp
      return typeof v === 'object' ? epochText(v as AbsTime) : relTimeText(v as number);
    case 'abstime':
      return f.timeFormat === 'epoch' ? epochText(v as AbsTime) : absTimeText(v as AbsTime, f.timeFormat === 'utc');
    case 'string':
      return escapeControls(v as string);
    case 'bytes':
      return hexBytes(v as Uint8Array);
    case 'ether':
      return etherText(v as Uint8Array);
    case 'ipv4':
      return ipv4Text(v as number);
    case 'ipv6':
      return ipv6Text(v as Uint8Array);
    case 'oid':
      return v as string;
  }
}

const CONTROL = /[\b\t\n\f\r]/;
const ESCAPES: Record<string, string> = { '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r' };

/** tshark 4.0 prints these control characters of string fields as C escapes (and nothing else). */
export function escapeControls(s: string): string {
  return CONTROL.test(s) ? s.replace(/[\b\t\n\f\r]/g, (c) => ESCAPES[c]!) : s;
}

/** %g-like formatting used by Wireshark for doubles (up to 15 significant digits). */
export function doubleText(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const s = v.toPrecision(15);
  if (s.includes('e')) {
    const [m, e] = s.split('e');
    const mt = m!.includes('.') ? m!.replace(/0+$/, '').replace(/\.$/, '') : m!;
    const ex = Number(e);
    return `${mt}e${ex < 0 ? '-' : '+'}${String(Math.abs(ex)).padStart(2, '0')}`;
  }
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** A field's value as shown in the detail tree ("Name: value-name (raw)"). */
export function displayValue(f: RegisteredField, v: FieldValue): string {
  switch (f.type) {
    case 'bool':
      // Wireshark's defaults: bit flags read "Set"/"Not set", plain booleans "True"/"False"
      return v ? (f.tfs?.[0] ?? (f.mask ? 'Set' : 'True')) : (f.tfs?.[1] ?? (f.mask ? 'Not set' : 'False'));
    case 'uint8': case 'uint16': case 'uint24': case 'uint32': case 'uint64':
    case 'int8': case 'int16': case 'int32': case 'int64': {
      const n = v as number;
      const name = f.vals?.get(Number(n));
      const raw = f.base === 'hex' || f.base === 'hex_dec' ? intText(f, n) : String(n);
      const both = f.base === 'hex_dec' ? `${raw} (${n})` : f.base === 'dec_hex' ? `${n} (${intText({ ...f, base: 'hex' }, n)})` : raw;
      if (name !== undefined) return `${name} (${both})`;
      return f.unit ? `${both} ${f.unit}` : both;
    }
    case 'reltime':
      return `${typeof v === 'object' ? epochText(v as AbsTime) : relTimeText(v as number)} seconds`;
    case 'bytes':
      return (v as Uint8Array).length === 0 ? '<MISSING>' : hexBytes(v as Uint8Array);
    case 'none':
    case 'protocol':
      return '';
    default:
      return fieldText(f, v);
  }
}

/** The default tree label for a field occurrence. */
export function defaultLabel(f: RegisteredField, v: FieldValue): string {
  if (f.type === 'none' || f.type === 'protocol') return f.name;
  return `${f.name}: ${displayValue(f, v)}`;
}
