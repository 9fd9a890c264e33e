/** QUIC variable-length integers (RFC 9000 §16): 1, 2, 4 or 8 bytes, length in the two top bits. */

export interface Varint {
  /** The value: a number when it fits in 2^53, a bigint otherwise. */
  readonly value: number;
  readonly big?: bigint;
  /** Encoded length in bytes. */
  readonly len: number;
}

/** Reads the varint at b[o]; undefined when it runs past `end`. */
export function readVarint(b: Uint8Array, o: number, end: number): Varint | undefined {
  if (o >= end) return undefined;
  const first = b[o]!;
  const len = 1 << (first >> 6);
  if (o + len > end) return undefined;
  let v = first & 0x3f;
  if (len <= 4) {
    for (let i = 1; i < len; i++) v = v * 256 + b[o + i]!;
    return { value: v, len };
  }
  let big = BigInt(v);
  for (let i = 1; i < 8; i++) big = (big << 8n) | BigInt(b[o + i]!);
  return big <= BigInt(Number.MAX_SAFE_INTEGER) ? { value: Number(big), len } : { value: Number(big), big, len };
}

/** The value of a varint as a field value (bigint beyond 2^53). */
export function varintValue(v: Varint): number | bigint {
  return v.big ?? v.value;
}
