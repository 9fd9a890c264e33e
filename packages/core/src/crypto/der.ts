/** Minimal DER reader for private-key structures (PKCS#1, PKCS#8, PBES2). */

export interface Der {
  tag: number;
  /** Contents. */
  value: Uint8Array;
  /** Whole TLV. */
  raw: Uint8Array;
}

export function readDer(b: Uint8Array, o = 0): Der & { end: number } {
  if (o + 2 > b.length) throw new Error('DER: truncated');
  const tag = b[o]!;
  let len = b[o + 1]!;
  let p = o + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || p + n > b.length) throw new Error('DER: bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[p + i]!;
    p += n;
  }
  if (p + len > b.length) throw new Error('DER: truncated value');
  return { tag, value: b.subarray(p, p + len), raw: b.subarray(o, p + len), end: p + len };
}

/** The children of a constructed element. */
export function derChildren(d: Der): Der[] {
  const out: Der[] = [];
  for (let o = 0; o < d.value.length; ) {
    const c = readDer(d.value, o);
    out.push(c);
    o = c.end;
  }
  return out;
}

export function derSeq(b: Uint8Array): Der[] {
  const d = readDer(b);
  if (d.tag !== 0x30) throw new Error('DER: expected SEQUENCE');
  return derChildren(d);
}

/** INTEGER contents as an unsigned big-endian integer (leading zero removed). */
export function derUint(d: Der): Uint8Array {
  if (d.tag !== 0x02) throw new Error('DER: expected INTEGER');
  let v = d.value;
  while (v.length > 1 && v[0] === 0) v = v.subarray(1);
  return v;
}

export function derOid(d: Der): string {
  if (d.tag !== 0x06) throw new Error('DER: expected OID');
  const v = d.value;
  const parts: number[] = [];
  let acc = 0;
  for (let i = 0; i < v.length; i++) {
    acc = acc * 128 + (v[i]! & 0x7f);
    if (!(v[i]! & 0x80)) {
      if (parts.length === 0) parts.push(acc < 80 ? Math.floor(acc / 40) : 2, acc < 80 ? acc % 40 : acc - 80);
      else parts.push(acc);
      acc = 0;
    }
  }
  return parts.join('.');
}

export function derSmallInt(d: Der): number {
  const v = derUint(d);
  let n = 0;
  for (const x of v) n = n * 256 + x;
  return n;
}

function lenBytes(n: number): number[] {
  if (n < 0x80) return [n];
  const out: number[] = [];
  while (n > 0) {
    out.unshift(n & 0xff);
    n = Math.floor(n / 256);
  }
  return [0x80 | out.length, ...out];
}

/** Encode a TLV (used to rebuild a PKCS#1 key for node:crypto). */
export function derEncode(tag: number, value: Uint8Array): Uint8Array {
  const l = lenBytes(value.length);
  const out = new Uint8Array(1 + l.length + value.length);
  out[0] = tag;
  out.set(l, 1);
  out.set(value, 1 + l.length);
  return out;
}

export function derUintEncode(v: Uint8Array): Uint8Array {
  let s = v;
  while (s.length > 1 && s[0] === 0) s = s.subarray(1);
  if (s.length === 0) s = new Uint8Array(1);
  if (s[0]! & 0x80) {
    const t = new Uint8Array(s.length + 1);
    t.set(s, 1);
    s = t;
  }
  return derEncode(0x02, s);
}
