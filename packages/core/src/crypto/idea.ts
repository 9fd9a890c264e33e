/**
 * The IDEA block cipher (Lai–Massey; 64-bit block, 128-bit key, 8 rounds plus an output
 * transformation, 52 16-bit subkeys), written from the algorithm's published description.
 * Multiplication is modulo 2^16+1 with 0 standing for 2^16; decryption uses the
 * multiplicative / additive inverses of the encryption subkeys in reverse order. Used by both
 * backends for TLS_RSA_WITH_IDEA_CBC_SHA (OpenSSL 3 keeps IDEA in the legacy provider).
 */
import { cbcDecryptWith, cbcEncryptWith } from './seed.ts';

/** a ⊙ b mod 65537, with 0 meaning 65536. */
function mul(a: number, b: number): number {
  const x = a === 0 ? 0x10000 : a;
  const y = b === 0 ? 0x10000 : b;
  // x*y < 2^33: exact in a double
  return ((x * y) % 0x10001) & 0xffff;
}

/** Multiplicative inverse mod 65537 (0 ↔ 65536 is its own inverse). */
function mulInv(a: number): number {
  if (a <= 1) return a;
  // extended Euclid
  let t0 = 0, t1 = 1, r0 = 0x10001, r1 = a;
  while (r1 !== 0) {
    const q = Math.floor(r0 / r1);
    [r0, r1] = [r1, r0 - q * r1];
    [t0, t1] = [t1, t0 - q * t1];
  }
  return ((t0 % 0x10001) + 0x10001) % 0x10001 & 0xffff;
}

const neg = (a: number) => (0x10000 - a) & 0xffff;

export class Idea {
  private readonly ek = new Uint16Array(52);
  private readonly dk = new Uint16Array(52);

  constructor(key: Uint8Array) {
    if (key.length !== 16) throw new Error(`IDEA: key must be 16 bytes, not ${key.length}`);
    // Subkeys: the key's eight 16-bit words, then the 128-bit key rotated left by 25 bits, …
    let k = 0n;
    for (const b of key) k = (k << 8n) | BigInt(b);
    const mask = (1n << 128n) - 1n;
    for (let i = 0; i < 52; i++) {
      if (i > 0 && i % 8 === 0) k = ((k << 25n) | (k >> 103n)) & mask;
      this.ek[i] = Number((k >> BigInt(112 - 16 * (i % 8))) & 0xffffn);
    }
    const e = this.ek, d = this.dk;
    for (let r = 0; r <= 8; r++) {
      // decryption round r uses encryption round 8-r's keys (round 8 = output transformation)
      const s = 6 * (8 - r);
      const mid = r > 0 && r < 8;
      d[6 * r] = mulInv(e[s]!);
      d[6 * r + 1] = neg(e[s + (mid ? 2 : 1)]!);
      d[6 * r + 2] = neg(e[s + (mid ? 1 : 2)]!);
      d[6 * r + 3] = mulInv(e[s + 3]!);
      if (r < 8) {
        d[6 * r + 4] = e[s - 2]!;
        d[6 * r + 5] = e[s - 1]!;
      }
    }
  }

  private crypt(z: Uint16Array, inp: Uint8Array, ip: number, out: Uint8Array, op: number): void {
    let x1 = (inp[ip]! << 8) | inp[ip + 1]!;
    let x2 = (inp[ip + 2]! << 8) | inp[ip + 3]!;
    let x3 = (inp[ip + 4]! << 8) | inp[ip + 5]!;
    let x4 = (inp[ip + 6]! << 8) | inp[ip + 7]!;
    for (let r = 0; r < 8; r++) {
      const k = 6 * r;
      const a = mul(x1, z[k]!);
      const b = (x2 + z[k + 1]!) & 0xffff;
      const c = (x3 + z[k + 2]!) & 0xffff;
      const d = mul(x4, z[k + 3]!);
      const e = mul(a ^ c, z[k + 4]!);
      const f = mul(((b ^ d) + e) & 0xffff, z[k + 5]!);
      const g = (e + f) & 0xffff;
      // the outputs of the middle two branches are swapped
      x1 = a ^ f;
      x2 = c ^ f;
      x3 = b ^ g;
      x4 = d ^ g;
    }
    // output transformation (undoes the last swap)
    const y1 = mul(x1, z[48]!);
    const y2 = (x3 + z[49]!) & 0xffff;
    const y3 = (x2 + z[50]!) & 0xffff;
    const y4 = mul(x4, z[51]!);
    out[op] = y1 >>> 8; out[op + 1] = y1;
    out[op + 2] = y2 >>> 8; out[op + 3] = y2;
    out[op + 4] = y3 >>> 8; out[op + 5] = y3;
    out[op + 6] = y4 >>> 8; out[op + 7] = y4;
  }

  encryptBlock(block: Uint8Array): Uint8Array {
    const out = new Uint8Array(8);
    this.crypt(this.ek, block, 0, out, 0);
    return out;
  }

  decryptBlock(block: Uint8Array): Uint8Array {
    const out = new Uint8Array(8);
    this.crypt(this.dk, block, 0, out, 0);
    return out;
  }

  cbcDecrypt(iv: Uint8Array, data: Uint8Array): Uint8Array {
    return cbcDecryptWith(8, iv, data, (i, ip, o, op) => this.crypt(this.dk, i, ip, o, op));
  }

  cbcEncrypt(iv: Uint8Array, data: Uint8Array): Uint8Array {
    return cbcEncryptWith(8, iv, data, (i, ip, o, op) => this.crypt(this.ek, i, ip, o, op));
  }
}
