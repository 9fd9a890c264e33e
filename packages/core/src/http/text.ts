/**
 * Text conversions that reproduce what tshark 4.0 prints for HTTP's ASCII strings.
 *
 * - Field values (`-T fields`): bytes ≥ 0x80 become U+FFFD, a NUL ends the string, and
 *   \b \t \f \n \r are printed as backslash escapes; other control bytes pass unchanged.
 *   tlslens keeps string values in this printed form (the output layer prints strings as
 *   they are), so `fieldString` is the one place to change should that move.
 * - Columns (Info): like Wireshark's format_text, \a \b \t \n \v \f \r as escapes, other
 *   control bytes (and NUL, 0x7f) as three-digit octal escapes, bytes ≥ 0x80 as U+FFFD.
 */

const FIELD_ESC: Record<number, string> = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' };
const COL_ESC: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r' };

/** Bytes [s, e) as tshark prints an FT_STRING field with ASCII encoding. */
export function fieldString(b: Uint8Array, s = 0, e = b.length): string {
  let out = '';
  let plainFrom = s;
  for (let i = s; i < e; i++) {
    const c = b[i]!;
    if (c >= 0x20 && c < 0x80) continue;
    if (i > plainFrom) out += latin1(b, plainFrom, i);
    plainFrom = i + 1;
    if (c === 0) return out;
    if (c >= 0x80) out += '\ufffd';
    else out += FIELD_ESC[c] ?? String.fromCharCode(c);
  }
  if (e > plainFrom) out += latin1(b, plainFrom, e);
  return out;
}

/** A JS string (code units < 0x100, e.g. from `latin1`) converted like `fieldString`. */
export function fieldStringOf(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) return out;
    if (c >= 0x20 && c < 0x80) out += s[i];
    else if (c >= 0x80) out += '\ufffd';
    else out += FIELD_ESC[c] ?? s[i];
  }
  return out;
}

/** Bytes [s, e) as Wireshark shows ASCII text in a column. */
export function columnString(b: Uint8Array, s = 0, e = b.length): string {
  let out = '';
  let plainFrom = s;
  for (let i = s; i < e; i++) {
    const c = b[i]!;
    if (c >= 0x20 && c < 0x7f) continue;
    if (i > plainFrom) out += latin1(b, plainFrom, i);
    plainFrom = i + 1;
    if (c >= 0x80) out += '\ufffd';
    else out += COL_ESC[c] ?? '\\' + c.toString(8).padStart(3, '0');
  }
  if (e > plainFrom) out += latin1(b, plainFrom, e);
  return out;
}

/** Bytes as a JS string, one code unit per byte (for parsing). */
export function latin1(b: Uint8Array, s = 0, e = b.length): string {
  if (e - s < 4096) return String.fromCharCode.apply(null, b.subarray(s, e) as unknown as number[]);
  let out = '';
  for (let i = s; i < e; i += 4096) out += String.fromCharCode.apply(null, b.subarray(i, Math.min(e, i + 4096)) as unknown as number[]);
  return out;
}

/** ASCII-lowercase of a byte range compared to a lowercase ASCII string. */
export function startsWithCI(b: Uint8Array, s: number, e: number, lower: string): boolean {
  if (e - s < lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    let c = b[s + i]!;
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}
