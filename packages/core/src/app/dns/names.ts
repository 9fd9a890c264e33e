/**
 * DNS domain names (RFC 1035 section 4.1.4) with message compression, written for hostile
 * input: pointer loops and over-long names are reported in the name text like Wireshark
 * does ("<Name contains a pointer that loops>"), reads past the buffer throw DnsTruncated.
 */

export class DnsTruncated extends Error {
  constructor() {
    super('DNS name runs past the end of the packet');
  }
}

export interface DnsName {
  /** Printable name: "<Root>", labels joined by ".", control bytes as \ooo. */
  readonly text: string;
  /** Bytes the name takes at its own position (up to and including the first pointer). */
  readonly used: number;
  /** Wireshark's "Name Length": the unescaped length, or the text length for special names. */
  readonly len: number;
  /** Wireshark's "Label Count". */
  readonly labels: number;
}

const MAX_NAME = 255;
const decoder = new TextDecoder('utf-8');

function labelText(b: Uint8Array): string {
  let plain = true;
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c < 0x20 || c >= 0x7f) {
      plain = false;
      break;
    }
  }
  if (plain) return String.fromCharCode(...b);
  // UTF-8 text is kept (invalid sequences become U+FFFD); control characters print as \ooo
  const s = decoder.decode(b);
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    out += c < 0x20 || c === 0x7f ? '\\' + c.toString(8).padStart(3, '0') : ch;
  }
  return out;
}

/**
 * Reads the name at `off`. `base` is where the DNS message starts (pointers are relative
 * to it) and `end` where it ends.
 */
export function readName(data: Uint8Array, base: number, off: number, end: number): DnsName {
  const parts: string[] = [];
  let rawLen = 0;
  let used = -1;
  let o = off;
  const visited = new Set<number>();
  let special: string | undefined;
  for (;;) {
    if (o >= end) throw new DnsTruncated();
    const l = data[o]!;
    const kind = l & 0xc0;
    if (kind === 0xc0) {
      if (o + 2 > end) throw new DnsTruncated();
      const target = base + (((l & 0x3f) << 8) | data[o + 1]!);
      if (used < 0) used = o + 2 - off;
      if (target >= end) throw new DnsTruncated();
      if (visited.has(target)) {
        special = '<Name contains a pointer that loops>';
        break;
      }
      visited.add(target);
      o = target;
      continue;
    }
    if (kind !== 0) {
      special = '<Unknown extended label>';
      if (used < 0) used = o + 1 - off;
      break;
    }
    if (l === 0) {
      if (used < 0) used = o + 1 - off;
      break;
    }
    if (o + 1 + l > end) throw new DnsTruncated();
    if (special === undefined) {
      rawLen += (parts.length > 0 ? 1 : 0) + l;
      if (rawLen >= MAX_NAME) special = '<Name too long>';
      else parts.push(labelText(data.subarray(o + 1, o + 1 + l)));
    }
    o += 1 + l;
  }
  if (special !== undefined) {
    // the wire bytes are still consumed up to the terminator we could find
    return { text: special, used: used < 0 ? o - off : used, len: special.length, labels: 1 };
  }
  if (parts.length === 0) return { text: '<Root>', used, len: 6, labels: 1 };
  const text = parts.join('.');
  let labels = 1;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 46) labels++;
  return { text, used, len: rawLen, labels };
}
