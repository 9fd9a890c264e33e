import { TlsLensError } from '../errors.ts';

/**
 * Tokens of the display filter language (Wireshark 4.x syntax). Words ("unparsed" tokens)
 * cover field names, numbers, addresses and byte strings; their meaning is decided later,
 * from the field they are compared with.
 */
export type TokKind =
  | 'word'    // tcp.port, 80, 10.0.0.0/8, 16:03:01, fe80::/10 ...
  | 'string'  // "..." or r"..."; value = decoded bytes
  | 'char'    // 'a'
  | 'range'   // [ ... ] slice body (text is the inside)
  | 'op'      // == != === !== ~= > < >= <= & ~ && || ! ^^
  | 'lparen' | 'rparen' | 'lbrace' | 'rbrace' | 'comma' | 'dotdot'
  | 'eof';

export interface Token {
  readonly kind: TokKind;
  /** Source text of the token (for 'range': the text between the brackets). */
  readonly text: string;
  readonly col: number;
  readonly len: number;
  /** For 'string': the decoded bytes; for 'char': the byte value in bytes[0]. */
  readonly bytes?: Uint8Array;
  /** For 'string': true when the literal was raw (r"..."). */
  readonly raw?: boolean;
}

const WORD_CHAR = /[A-Za-z0-9_.:\-/+%@$]/;
const OPS = ['===', '!==', '==', '!=', '~=', '>=', '<=', '&&', '||', '^^', '>', '<', '!', '&', '~'];

const utf8 = new TextEncoder();

function syntax(msg: string, col: number, len: number): TlsLensError {
  return new TlsLensError('FILTER_SYNTAX', msg, { column: col, length: Math.max(1, len) });
}

function pushUtf8(out: number[], cp: number): void {
  for (const b of utf8.encode(String.fromCodePoint(cp))) out.push(b);
}

/** Decodes one escape sequence starting at s[i] === '\\'; returns the index after it. */
function escape(s: string, i: number, out: number[], quote: string): number {
  const c = s[i + 1];
  if (c === undefined) throw syntax('The final quote was missing from a quoted string.', i, 1);
  const simple: Record<string, number> = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, '\\': 92, '"': 34, "'": 39, '?': 63 };
  if (c in simple) { out.push(simple[c]!); return i + 2; }
  if (c === 'x') {
    const m = /^[0-9a-fA-F]{1,2}/.exec(s.slice(i + 2));
    if (!m) throw syntax(`\\x is not a valid character escape sequence`, i, 2);
    out.push(parseInt(m[0], 16));
    return i + 2 + m[0].length;
  }
  if (c >= '0' && c <= '7') {
    const m = /^[0-7]{1,3}/.exec(s.slice(i + 1))!;
    const v = parseInt(m[0], 8);
    if (v > 255) throw syntax(`\\${m[0]} is not a valid character escape sequence`, i, 1 + m[0].length);
    out.push(v);
    return i + 1 + m[0].length;
  }
  if (c === 'u' || c === 'U') {
    const n = c === 'u' ? 4 : 8;
    const hex = s.slice(i + 2, i + 2 + n);
    const cp = /^[0-9a-fA-F]+$/.test(hex) && hex.length === n ? parseInt(hex, 16) : -1;
    // Like C's universal character names: no code points below U+00A0 except $ @ `, no surrogates.
    if (cp < 0 || cp > 0x10ffff || (cp < 0xa0 && cp !== 0x24 && cp !== 0x40 && cp !== 0x60) || (cp >= 0xd800 && cp <= 0xdfff)) {
      throw syntax(`\\${c}${hex} is not a valid universal character name`, i, 2 + hex.length);
    }
    pushUtf8(out, cp);
    return i + 2 + n;
  }
  void quote;
  throw syntax(`\\${c} is not a valid character escape sequence`, i, 2);
}

function readQuoted(s: string, start: number, quote: string, raw: boolean): { end: number; bytes: Uint8Array } {
  const out: number[] = [];
  let i = start;
  while (i < s.length) {
    const ch = s[i]!;
    if (ch === quote) return { end: i + 1, bytes: Uint8Array.from(out) };
    if (ch === '\\') {
      if (raw) {
        // raw strings keep the backslash; an escaped quote does not end the string
        out.push(92);
        if (s[i + 1] === quote || s[i + 1] === '\\') { out.push(s.charCodeAt(i + 1)); i += 2; continue; }
        i++;
        continue;
      }
      i = escape(s, i, out, quote);
      continue;
    }
    pushUtf8(out, s.codePointAt(i)!);
    i += s.codePointAt(i)! > 0xffff ? 2 : 1;
  }
  throw syntax(quote === '"' ? 'The final quote was missing from a quoted string.' : 'The final quote was missing from a character constant.', s.length, 1);
}

export function tokenize(s: string): Token[] {
  const toks: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const ch = s[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') { i++; continue; }
    const start = i;
    if (ch === '"' || ((ch === 'r' || ch === 'R') && s[i + 1] === '"')) {
      const raw = ch !== '"';
      const { end, bytes } = readQuoted(s, i + (raw ? 2 : 1), '"', raw);
      toks.push({ kind: 'string', text: s.slice(start, end), col: start, len: end - start, bytes, raw });
      i = end;
      continue;
    }
    if (ch === "'") {
      const { end, bytes } = readQuoted(s, i + 1, "'", false);
      if (bytes.length !== 1) throw syntax(`${s.slice(start, end)} is not a valid character constant`, start, end - start);
      toks.push({ kind: 'char', text: s.slice(start, end), col: start, len: end - start, bytes });
      i = end;
      continue;
    }
    if (ch === '[') {
      const close = s.indexOf(']', i);
      if (close < 0) throw syntax('Unexpected end of filter expression.', -1, 0);
      toks.push({ kind: 'range', text: s.slice(i + 1, close), col: i + 1, len: close - i - 1 });
      i = close + 1;
      continue;
    }
    const single: Record<string, TokKind> = { '(': 'lparen', ')': 'rparen', '{': 'lbrace', '}': 'rbrace', ',': 'comma' };
    if (single[ch]) {
      toks.push({ kind: single[ch]!, text: ch, col: i, len: 1 });
      i++;
      continue;
    }
    if (ch === '.' && s[i + 1] === '.') {
      toks.push({ kind: 'dotdot', text: '..', col: i, len: 2 });
      i += 2;
      continue;
    }
    if (WORD_CHAR.test(ch)) {
      let j = i + 1;
      while (j < s.length && WORD_CHAR.test(s[j]!)) j++;
      toks.push({ kind: 'word', text: s.slice(i, j), col: i, len: j - i });
      i = j;
      continue;
    }
    const op = OPS.find((o) => s.startsWith(o, i));
    if (op) {
      toks.push({ kind: 'op', text: op, col: i, len: op.length });
      i += op.length;
      continue;
    }
    throw syntax(`"${ch}" was unexpected in this context.`, i, 1);
  }
  toks.push({ kind: 'eof', text: '', col: s.length, len: 0 });
  return toks;
}
