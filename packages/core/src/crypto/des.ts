/**
 * DES and triple-DES (EDE) block ciphers, written from FIPS 46-3 (tables transcribed from
 * the standard). Used by the pure backend for 3DES_EDE_CBC / DES_CBC suites and by both
 * backends for single DES (OpenSSL 3 moved it to the legacy provider). Not constant-time;
 * it only ever decrypts captured traffic.
 */

const IP = [
  58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4, 62, 54, 46, 38, 30, 22, 14, 6, 64, 56, 48, 40, 32, 24, 16, 8,
  57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3, 61, 53, 45, 37, 29, 21, 13, 5, 63, 55, 47, 39, 31, 23, 15, 7,
];
const P = [16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10, 2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22, 11, 4, 25];
const PC1 = [
  57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18, 10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36,
  63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22, 14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4,
];
const PC2 = [
  14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, 23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2,
  41, 52, 31, 37, 47, 55, 30, 40, 51, 45, 33, 48, 44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
];
const SHIFTS = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1];
const S = [
  [14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7, 0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3, 8,
    4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0, 15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6, 13],
  [15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10, 3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11, 5,
    0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15, 13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5, 14, 9],
  [10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8, 13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15, 1,
    13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7, 1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2, 12],
  [7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15, 13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14, 9,
    10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4, 3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2, 14],
  [2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9, 14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8, 6,
    4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14, 11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4, 5, 3],
  [12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11, 10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3, 8,
    9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6, 4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8, 13],
  [4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1, 13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8, 6,
    1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2, 6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3, 12],
  [13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7, 1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9, 2,
    7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8, 2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6, 11],
];

/** SP[i][x]: S-box i on the 6-bit input x, placed in its nibble and passed through P. */
const SP: Uint32Array[] = S.map((box, i) => {
  const t = new Uint32Array(64);
  for (let x = 0; x < 64; x++) {
    const row = ((x >> 4) & 2) | (x & 1);
    const col = (x >> 1) & 15;
    const s = box[row * 16 + col]! << (28 - 4 * i);
    let out = 0;
    for (let j = 0; j < 32; j++) if ((s >>> (32 - P[j]!)) & 1) out |= 1 << (31 - j);
    t[x] = out >>> 0;
  }
  return t;
});

// IP and its inverse as bit-index tables (0-based from the MSB of the 64-bit block).
const IPI = IP.map((v) => v - 1);
const FPI = new Array<number>(64);
for (let i = 0; i < 64; i++) FPI[IPI[i]!] = i;

function permute64(hi: number, lo: number, table: readonly number[]): [number, number] {
  let oh = 0;
  let ol = 0;
  for (let i = 0; i < 32; i++) {
    const b = table[i]!;
    if ((b < 32 ? hi >>> (31 - b) : lo >>> (63 - b)) & 1) oh |= 1 << (31 - i);
  }
  for (let i = 0; i < 32; i++) {
    const b = table[32 + i]!;
    if ((b < 32 ? hi >>> (31 - b) : lo >>> (63 - b)) & 1) ol |= 1 << (31 - i);
  }
  return [oh >>> 0, ol >>> 0];
}

/** 16 round keys, each as 8 six-bit chunks. */
function keySchedule(key: Uint8Array): Uint8Array[] {
  const bit = (n: number) => (key[(n - 1) >> 3]! >> (7 - ((n - 1) & 7))) & 1; // 1-based
  const cd = PC1.map(bit);
  let c = cd.slice(0, 28);
  let d = cd.slice(28);
  const out: Uint8Array[] = [];
  for (let r = 0; r < 16; r++) {
    const s = SHIFTS[r]!;
    c = c.slice(s).concat(c.slice(0, s));
    d = d.slice(s).concat(d.slice(0, s));
    const all = c.concat(d);
    const k = new Uint8Array(8);
    for (let i = 0; i < 48; i++) if (all[PC2[i]! - 1]) k[(i / 6) | 0]! |= 1 << (5 - (i % 6));
    out.push(k);
  }
  return out;
}

function f(r: number, k: Uint8Array): number {
  const x = ((r >>> 1) | (r << 31)) >>> 0; // bits 32,1,2,…,31
  let out = SP[0]![((x >>> 26) & 0x3f) ^ k[0]!]!;
  out ^= SP[1]![((x >>> 22) & 0x3f) ^ k[1]!]!;
  out ^= SP[2]![((x >>> 18) & 0x3f) ^ k[2]!]!;
  out ^= SP[3]![((x >>> 14) & 0x3f) ^ k[3]!]!;
  out ^= SP[4]![((x >>> 10) & 0x3f) ^ k[4]!]!;
  out ^= SP[5]![((x >>> 6) & 0x3f) ^ k[5]!]!;
  out ^= SP[6]![((x >>> 2) & 0x3f) ^ k[6]!]!;
  out ^= SP[7]![(((x & 0xf) << 2) | (x >>> 30)) ^ k[7]!]!;
  return out >>> 0;
}

function crypt(hi: number, lo: number, keys: readonly Uint8Array[], decrypt: boolean): [number, number] {
  let [l, r] = permute64(hi, lo, IPI);
  for (let i = 0; i < 16; i++) {
    const k = keys[decrypt ? 15 - i : i]!;
    const t = r;
    r = (l ^ f(r, k)) >>> 0;
    l = t;
  }
  return permute64(r, l, FPI);
}

/** A DES (8-byte key) or 3DES-EDE (24-byte key; 16-byte = K1,K2,K1) block cipher. */
export class Des {
  private readonly ks: Uint8Array[][];
  constructor(key: Uint8Array) {
    if (key.length === 8) this.ks = [keySchedule(key)];
    else if (key.length === 16 || key.length === 24) {
      const k3 = key.length === 24 ? key.subarray(16, 24) : key.subarray(0, 8);
      this.ks = [keySchedule(key.subarray(0, 8)), keySchedule(key.subarray(8, 16)), keySchedule(k3)];
    } else throw new Error(`DES key must be 8, 16 or 24 bytes, not ${key.length}`);
  }

  private block(hi: number, lo: number, decrypt: boolean): [number, number] {
    const ks = this.ks;
    if (ks.length === 1) return crypt(hi, lo, ks[0]!, decrypt);
    if (!decrypt) {
      [hi, lo] = crypt(hi, lo, ks[0]!, false);
      [hi, lo] = crypt(hi, lo, ks[1]!, true);
      return crypt(hi, lo, ks[2]!, false);
    }
    [hi, lo] = crypt(hi, lo, ks[2]!, true);
    [hi, lo] = crypt(hi, lo, ks[1]!, false);
    return crypt(hi, lo, ks[0]!, true);
  }

  encryptBlock(b: Uint8Array, o = 0, out: Uint8Array = b, oo = o): void {
    const [h, l] = this.block(rd(b, o), rd(b, o + 4), false);
    wr(out, oo, h);
    wr(out, oo + 4, l);
  }

  decryptBlock(b: Uint8Array, o = 0, out: Uint8Array = b, oo = o): void {
    const [h, l] = this.block(rd(b, o), rd(b, o + 4), true);
    wr(out, oo, h);
    wr(out, oo + 4, l);
  }

  cbcDecrypt(iv: Uint8Array, data: Uint8Array): Uint8Array {
    if (data.length % 8 !== 0) throw new Error('DES-CBC data is not a multiple of 8 bytes');
    const out = new Uint8Array(data.length);
    let prev = iv;
    for (let o = 0; o < data.length; o += 8) {
      this.decryptBlock(data, o, out, o);
      for (let i = 0; i < 8; i++) out[o + i]! ^= prev[i]!;
      prev = data.subarray(o, o + 8);
    }
    return out;
  }

  cbcEncrypt(iv: Uint8Array, data: Uint8Array): Uint8Array {
    if (data.length % 8 !== 0) throw new Error('DES-CBC data is not a multiple of 8 bytes');
    const out = new Uint8Array(data.length);
    let prev = iv;
    for (let o = 0; o < data.length; o += 8) {
      for (let i = 0; i < 8; i++) out[o + i] = data[o + i]! ^ prev[i]!;
      this.encryptBlock(out, o);
      prev = out.subarray(o, o + 8);
    }
    return out;
  }
}

function rd(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}
function wr(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}
