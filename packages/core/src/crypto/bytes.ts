/** Small byte helpers for the crypto code (browser-safe). */

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

/** ASCII codes of the two hex digits of each byte value, high digit in the upper 8 bits. */
const HEX2 = Uint16Array.from({ length: 256 }, (_, i) => {
  const h = i.toString(16).padStart(2, '0');
  return (h.charCodeAt(0) << 8) | h.charCodeAt(1);
});
const HEX_CHUNK = 4096;
const hexCodes = new Uint16Array(2 * HEX_CHUNK);

/**
 * Lower-case hex. Builds a flat string (not a rope of 2-character pieces): cheaper to hash
 * as a Map key and much smaller when kept.
 */
export function toHex(b: Uint8Array): string {
  let s = '';
  for (let o = 0; o < b.length; o += HEX_CHUNK) {
    const n = Math.min(HEX_CHUNK, b.length - o);
    for (let i = 0; i < n; i++) {
      const v = HEX2[b[o + i]!]!;
      hexCodes[2 * i] = v >> 8;
      hexCodes[2 * i + 1] = v & 0xff;
    }
    const part = String.fromCharCode.apply(null, hexCodes.subarray(0, 2 * n) as unknown as number[]);
    s = o === 0 ? part : s + part;
  }
  return s;
}

/** Hex (whitespace and ':' ignored) to bytes; throws on odd length or a non-hex digit. */
export function fromHex(h: string): Uint8Array {
  const s = h.replace(/[\s:]/g, '');
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) throw new Error('invalid hex');
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(i * 2, 2), 16);
  return out;
}

const encoder = new TextEncoder();
export const utf8 = (s: string): Uint8Array => encoder.encode(s);

/** 8-byte big-endian sequence number. */
export function seqBytes(seq: bigint): Uint8Array {
  const out = new Uint8Array(8);
  writeSeq(out, 0, seq);
  return out;
}

/** Writes the 8-byte big-endian sequence number at out[o, o + 8). */
export function writeSeq(out: Uint8Array, o: number, seq: bigint): void {
  // two 32-bit halves: one BigInt split instead of eight BigInt shifts
  const hi = Number((seq >> 32n) & 0xffffffffn);
  const lo = Number(seq & 0xffffffffn);
  out[o] = hi >>> 24;
  out[o + 1] = (hi >>> 16) & 0xff;
  out[o + 2] = (hi >>> 8) & 0xff;
  out[o + 3] = hi & 0xff;
  out[o + 4] = lo >>> 24;
  out[o + 5] = (lo >>> 16) & 0xff;
  out[o + 6] = (lo >>> 8) & 0xff;
  out[o + 7] = lo & 0xff;
}

export function xorInto(dst: Uint8Array, src: Uint8Array, dstOffset = 0): void {
  for (let i = 0; i < src.length; i++) dst[dstOffset + i]! ^= src[i]!;
}
