/**
 * The Camellia block cipher (128-bit block; 128-, 192- and 256-bit keys), written from RFC 3713.
 * 64-bit quantities are kept as (high, low) pairs of 32-bit words. The F function's S-boxes
 * and P permutation are folded at load time into eight 64-bit tables (one per input byte), so a
 * round is 16 table lookups. Used by the pure backend for the TLS CAMELLIA_*_CBC suites
 * (RFC 5932); the Node backend uses node:crypto. Not constant-time.
 */
import { cbcDecryptWith, cbcEncryptWith } from './seed.ts';

/** SBOX1 (RFC 3713 §2.4.1, given there in decimal; here in hex, 32 bytes a line); SBOX2..4 derive from it. */
const SBOX1 = Uint8Array.from([
  '70822cecb327c0e5e4855735ea0cae41 23ef6b934519a521ed0e4f4e1d6592bd',
  '86b8af8f7ceb1fce3e30dc5f5ec50b1a a6e139cad5475d3dd9015ad651566c4d',
  '8b0d9a66fbccb02d74122b20f0b18499 df4ccbc2347e76056db7a931d11704d7',
  '14583a61de1b111c320f9c165318f222 fe44cfb2c3b57a912408e8a860fc6950',
  'aad0a07da1896297545b1e95e0ff64d2 10c40048a3f775db8a03e6da093fdd94',
  '875c8302cd4a90337367f6f39d7fbfe2 529bd826c837c63b81966f4b13be632e',
  'e979a78c9f6ebc8e29f5f9b62ffdb459 7898066ae74671bad425ab4288a28dfa',
  '7207b955f8eeac0a36492a683c38f1a4 4028d37bbbc943c115e3adf477c7809e',
].join('').replace(/\s/g, '').match(/../g)!.map((b) => parseInt(b, 16)));

const rotl8 = (x: number, n: number) => ((x << n) | (x >>> (8 - n))) & 0xff;

/** The S-box applied to each byte t1..t8 of F's input (RFC 3713 §2.4.1, function F). */
const SBOX_OF_BYTE: ((x: number) => number)[] = [
  (x) => SBOX1[x]!,
  (x) => rotl8(SBOX1[x]!, 1), // SBOX2
  (x) => rotl8(SBOX1[x]!, 7), // SBOX3
  (x) => SBOX1[rotl8(x, 1)]!, // SBOX4
];
const S_FOR = [0, 1, 2, 3, 1, 2, 3, 0];

/** P: output byte y(j+1) is the XOR of the listed input bytes t(i+1). */
const P_ROWS = [
  [0, 2, 3, 5, 6, 7],
  [0, 1, 3, 4, 6, 7],
  [0, 1, 2, 4, 5, 7],
  [1, 2, 3, 4, 5, 6],
  [0, 1, 5, 6, 7],
  [1, 2, 4, 6, 7],
  [2, 3, 4, 5, 7],
  [0, 3, 4, 5, 6],
];

/** TH[i][x], TL[i][x]: F's output halves when byte i (0 = most significant) of x ^ k is x, the rest 0. */
const TH: Int32Array[] = [];
const TL: Int32Array[] = [];
for (let i = 0; i < 8; i++) {
  const th = new Int32Array(256), tl = new Int32Array(256);
  for (let x = 0; x < 256; x++) {
    const s = SBOX_OF_BYTE[S_FOR[i]!]!(x);
    let h = 0, l = 0;
    for (let j = 0; j < 8; j++) {
      if (!P_ROWS[j]!.includes(i)) continue;
      if (j < 4) h |= s << (24 - 8 * j);
      else l |= s << (56 - 8 * j);
    }
    th[x] = h;
    tl[x] = l;
  }
  TH.push(th);
  TL.push(tl);
}
type I32x8 = [Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array];
const [H0, H1, H2, H3, H4, H5, H6, H7] = TH as I32x8;
const [L0, L1, L2, L3, L4, L5, L6, L7] = TL as I32x8;

/** F's low half, left by the last f() call (avoids allocating a pair per round). */
let fLow = 0;

/** F(x, k) with x ^ k = (a, b): returns the high half, sets fLow. Key schedule only; crypt() inlines it. */
function f(a: number, b: number): number {
  fLow = (L0[a >>> 24]! ^ L1[(a >>> 16) & 0xff]! ^ L2[(a >>> 8) & 0xff]! ^ L3[a & 0xff]!
    ^ L4[b >>> 24]! ^ L5[(b >>> 16) & 0xff]! ^ L6[(b >>> 8) & 0xff]! ^ L7[b & 0xff]!) >>> 0;
  return (H0[a >>> 24]! ^ H1[(a >>> 16) & 0xff]! ^ H2[(a >>> 8) & 0xff]! ^ H3[a & 0xff]!
    ^ H4[b >>> 24]! ^ H5[(b >>> 16) & 0xff]! ^ H6[(b >>> 8) & 0xff]! ^ H7[b & 0xff]!) >>> 0;
}

/** Sigma1..Sigma6 (RFC 3713 §2.2) as (high, low) words. */
const SIGMA = [
  0xa09e667f, 0x3bcc908b, 0xb67ae858, 0x4caa73b2, 0xc6ef372f, 0xe94f82be,
  0x54ff53a5, 0xf1d36f1c, 0x10e527fa, 0xde682d1d, 0xb05688c2, 0xb3e6c1fd,
];

type U128 = [number, number, number, number];

/** 128-bit left rotation by n bits (big-endian words). */
function rotl128(w: U128, n: number): U128 {
  const q = n >>> 5, r = n & 31;
  const out: U128 = [0, 0, 0, 0];
  for (let i = 0; i < 4; i++) {
    const a = w[(i + q) & 3]!, b = w[(i + q + 1) & 3]!;
    out[i] = r === 0 ? a : ((a << r) | (b >>> (32 - r))) >>> 0;
  }
  return out;
}

/** Two Feistel steps of the key schedule on (D1, D2) = w with Sigma s and s+1; returns D1 || D2. */
function twoRounds(w: U128, s: number): U128 {
  let [a, b, c, d] = w;
  let h = f((a ^ SIGMA[2 * s]!) >>> 0, (b ^ SIGMA[2 * s + 1]!) >>> 0);
  c = (c ^ h) >>> 0; d = (d ^ fLow) >>> 0;
  h = f((c ^ SIGMA[2 * s + 2]!) >>> 0, (d ^ SIGMA[2 * s + 3]!) >>> 0);
  a = (a ^ h) >>> 0; b = (b ^ fLow) >>> 0;
  return [a, b, c, d];
}

const xor128 = (x: U128, y: U128): U128 => [(x[0] ^ y[0]) >>> 0, (x[1] ^ y[1]) >>> 0, (x[2] ^ y[2]) >>> 0, (x[3] ^ y[3]) >>> 0];

/**
 * Subkeys in the order encryption uses them, as [source, rotation, half] (RFC 3713 §2.2):
 * kw1 kw2, then groups of six round keys separated by (ke, ke) pairs, then kw3 kw4.
 * Sources: 0 KL, 1 KR, 2 KA, 3 KB; half 0 = left 64 bits, 1 = right.
 */
const pairs = (...p: [number, number][]) => p.flatMap(([s, r]) => [[s, r, 0], [s, r, 1]] as [number, number, number][]);
const SCHEDULE_128: [number, number, number][] = [
  ...pairs([0, 0], [2, 0], [0, 15], [2, 15]), // kw1 kw2, k1..k6
  ...pairs([2, 30]), // ke1 ke2
  ...pairs([0, 45]), [2, 45, 0], [0, 60, 1], ...pairs([2, 60]), // k7..k12
  ...pairs([0, 77]), // ke3 ke4
  ...pairs([0, 94], [2, 94], [0, 111]), // k13..k18
  ...pairs([2, 111]), // kw3 kw4
];
const SCHEDULE_256: [number, number, number][] = [
  ...pairs([0, 0], [3, 0], [1, 15], [2, 15]), // kw1 kw2, k1..k6
  ...pairs([1, 30]), // ke1 ke2
  ...pairs([3, 30], [0, 45], [2, 45]), // k7..k12
  ...pairs([0, 60]), // ke3 ke4
  ...pairs([1, 60], [3, 60], [0, 77]), // k13..k18
  ...pairs([2, 77]), // ke5 ke6
  ...pairs([1, 94], [2, 94], [0, 111]), // k19..k24
  ...pairs([3, 111]), // kw3 kw4
];

export class Camellia {
  /** Encryption subkeys, (high, low) per 64-bit subkey, in order of use (int32: the hot loop stays in small integers). */
  private readonly ek: Int32Array;
  /** Decryption subkeys: the same, reversed, with kw1/kw2 and kw3/kw4 kept in pair order. */
  private readonly dk: Int32Array;
  /** 3 groups of six rounds for 128-bit keys, 4 for longer ones. */
  private readonly groups: number;

  constructor(key: Uint8Array) {
    if (key.length !== 16 && key.length !== 24 && key.length !== 32) throw new Error(`Camellia: key must be 16, 24 or 32 bytes, not ${key.length}`);
    const word = (o: number) => ((key[o]! << 24) | (key[o + 1]! << 16) | (key[o + 2]! << 8) | key[o + 3]!) >>> 0;
    const kl: U128 = [word(0), word(4), word(8), word(12)];
    let kr: U128 = [0, 0, 0, 0];
    if (key.length === 24) kr = [word(16), word(20), ~word(16) >>> 0, ~word(20) >>> 0];
    else if (key.length === 32) kr = [word(16), word(20), word(24), word(28)];
    let ka = twoRounds(xor128(kl, kr), 0);
    ka = twoRounds(xor128(ka, kl), 2);
    const kb = twoRounds(xor128(ka, kr), 4);
    const src = [kl, kr, ka, kb];
    const sched = key.length === 16 ? SCHEDULE_128 : SCHEDULE_256;
    this.groups = key.length === 16 ? 3 : 4;
    const n = sched.length;
    this.ek = new Int32Array(2 * n);
    sched.forEach(([s, r, half], i) => {
      const v = rotl128(src[s]!, r);
      this.ek[2 * i] = v[2 * half]!;
      this.ek[2 * i + 1] = v[2 * half + 1]!;
    });
    this.dk = new Int32Array(2 * n);
    for (let i = 0; i < n; i++) {
      // reversed order, except that kw pairs at both ends keep their internal order
      const j = i < 2 ? n - 2 + i : i >= n - 2 ? i - (n - 2) : n - 1 - i;
      this.dk[2 * i] = this.ek[2 * j]!;
      this.dk[2 * i + 1] = this.ek[2 * j + 1]!;
    }
  }

  /** One block (out may equal inp). */
  private crypt(inp: Uint8Array, ip: number, out: Uint8Array, op: number, k: Int32Array): void {
    const get = (o: number) => (inp[ip + o]! << 24) | (inp[ip + o + 1]! << 16) | (inp[ip + o + 2]! << 8) | inp[ip + o + 3]!;
    // D1 = (a, b), D2 = (c, d), prewhitened with kw1, kw2
    let a = get(0) ^ k[0]!, b = get(4) ^ k[1]!, c = get(8) ^ k[2]!, d = get(12) ^ k[3]!;
    let p = 4;
    for (let g = 0; g < this.groups; g++) {
      if (g > 0) {
        // FL on D1 with the first ke, FL^-1 on D2 with the second
        const k1 = k[p]!, k2 = k[p + 1]!, k3 = k[p + 2]!, k4 = k[p + 3]!;
        const t = a & k1;
        b ^= (t << 1) | (t >>> 31);
        a ^= b | k2;
        c ^= d | k4;
        const u = c & k3;
        d ^= (u << 1) | (u >>> 31);
        p += 4;
      }
      for (let r = 0; r < 3; r++) {
        // D2 ^= F(D1, k); D1 ^= F(D2, k') — f() inlined (this is the hot loop)
        let x = a ^ k[p]!, y = b ^ k[p + 1]!;
        c ^= H0[x >>> 24]! ^ H1[(x >>> 16) & 0xff]! ^ H2[(x >>> 8) & 0xff]! ^ H3[x & 0xff]!
          ^ H4[y >>> 24]! ^ H5[(y >>> 16) & 0xff]! ^ H6[(y >>> 8) & 0xff]! ^ H7[y & 0xff]!;
        d ^= L0[x >>> 24]! ^ L1[(x >>> 16) & 0xff]! ^ L2[(x >>> 8) & 0xff]! ^ L3[x & 0xff]!
          ^ L4[y >>> 24]! ^ L5[(y >>> 16) & 0xff]! ^ L6[(y >>> 8) & 0xff]! ^ L7[y & 0xff]!;
        x = c ^ k[p + 2]!; y = d ^ k[p + 3]!;
        a ^= H0[x >>> 24]! ^ H1[(x >>> 16) & 0xff]! ^ H2[(x >>> 8) & 0xff]! ^ H3[x & 0xff]!
          ^ H4[y >>> 24]! ^ H5[(y >>> 16) & 0xff]! ^ H6[(y >>> 8) & 0xff]! ^ H7[y & 0xff]!;
        b ^= L0[x >>> 24]! ^ L1[(x >>> 16) & 0xff]! ^ L2[(x >>> 8) & 0xff]! ^ L3[x & 0xff]!
          ^ L4[y >>> 24]! ^ L5[(y >>> 16) & 0xff]! ^ L6[(y >>> 8) & 0xff]! ^ L7[y & 0xff]!;
        p += 4;
      }
    }
    // C = (D2 ^ kw3) || (D1 ^ kw4)
    const put = (o: number, v: number) => {
      out[op + o] = v >>> 24; out[op + o + 1] = v >>> 16; out[op + o + 2] = v >>> 8; out[op + o + 3] = v;
    };
    put(0, c ^ k[p]!); put(4, d ^ k[p + 1]!); put(8, a ^ k[p + 2]!); put(12, b ^ k[p + 3]!);
  }

  encryptBlock(block: Uint8Array): Uint8Array {
    if (block.length !== 16) throw new Error(`Camellia: block must be 16 bytes, not ${block.length}`);
    const out = new Uint8Array(16);
    this.crypt(block, 0, out, 0, this.ek);
    return out;
  }

  decryptBlock(block: Uint8Array): Uint8Array {
    if (block.length !== 16) throw new Error(`Camellia: block must be 16 bytes, not ${block.length}`);
    const out = new Uint8Array(16);
    this.crypt(block, 0, out, 0, this.dk);
    return out;
  }

  cbcDecrypt(iv: Uint8Array, data: Uint8Array): Uint8Array {
    return cbcDecryptWith(16, iv, data, (i, ip, o, op) => this.crypt(i, ip, o, op, this.dk));
  }

  cbcEncrypt(iv: Uint8Array, data: Uint8Array): Uint8Array {
    return cbcEncryptWith(16, iv, data, (i, ip, o, op) => this.crypt(i, ip, o, op, this.ek));
  }
}

/** Exposed for the test: SBOX1 must be a permutation of 0..255. */
export const CAMELLIA_SBOX1 = SBOX1;
