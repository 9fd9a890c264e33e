/**
 * The RC2 block cipher (64-bit block, variable key, "effective key bits"), written from
 * RFC 2268. Used by both backends for the export suites *_EXPORT_WITH_RC2_CBC_40_* (OpenSSL 3
 * keeps RC2 in the legacy provider). Not constant-time.
 */
import { cbcDecryptWith, cbcEncryptWith } from './seed.ts';

/** PITABLE (RFC 2268 §2): a permutation of 0..255 derived from the digits of pi. */
const PITABLE = Uint8Array.from(
  [
    'd9 78 f9 c4 19 dd b5 ed 28 e9 fd 79 4a a0 d8 9d', 'c6 7e 37 83 2b 76 53 8e 62 4c 64 88 44 8b fb a2',
    '17 9a 59 f5 87 b3 4f 13 61 45 6d 8d 09 81 7d 32', 'bd 8f 40 eb 86 b7 7b 0b f0 95 21 22 5c 6b 4e 82',
    '54 d6 65 93 ce 60 b2 1c 73 56 c0 14 a7 8c f1 dc', '12 75 ca 1f 3b be e4 d1 42 3d d4 30 a3 3c b6 26',
    '6f bf 0e da 46 69 07 57 27 f2 1d 9b bc 94 43 03', 'f8 11 c7 f6 90 ef 3e e7 06 c3 d5 2f c8 66 1e d7',
    '08 e8 ea de 80 52 ee f7 84 aa 72 ac 35 4d 6a 2a', '96 1a d2 71 5a 15 49 74 4b 9f d0 5e 04 18 a4 ec',
    'c2 e0 41 6e 0f 51 cb cc 24 91 af 50 a1 f4 70 39', '99 7c 3a 85 23 b8 b4 7a fc 02 36 5b 25 55 97 31',
    '2d 5d fa 98 e3 8a 92 ae 05 df 29 10 67 6c ba c9', 'd3 00 e6 cf e1 9e a8 2c 63 16 01 3f 58 e2 89 a9',
    '0d 38 34 1b ab 33 ff b0 bb 48 0c 5f b9 b1 cd 2e', 'c5 f3 db 47 e5 a5 9c 77 0a a6 20 68 fe 7f c1 ad',
  ].join(' ').split(' ').map((h) => parseInt(h, 16)),
);

/** Rotation amounts s[0..3] of the mixing rounds. */
const S = [1, 2, 3, 5];

export class Rc2 {
  /** The 64 16-bit expanded key words K[0..63]. */
  private readonly k = new Uint16Array(64);

  /** @param effectiveBits RFC 2268's T1 (1..1024); defaults to the key's length in bits. */
  constructor(key: Uint8Array, effectiveBits = key.length * 8) {
    const t = key.length;
    if (t < 1 || t > 128) throw new Error(`RC2: key must be 1..128 bytes, not ${t}`);
    if (effectiveBits < 1 || effectiveBits > 1024) throw new Error(`RC2: effective key bits ${effectiveBits} out of range`);
    const l = new Uint8Array(128);
    l.set(key);
    for (let i = t; i < 128; i++) l[i] = PITABLE[(l[i - 1]! + l[i - t]!) & 0xff]!;
    const t8 = Math.ceil(effectiveBits / 8);
    const tm = 0xff >> (8 * t8 - effectiveBits);
    l[128 - t8] = PITABLE[l[128 - t8]! & tm]!;
    for (let i = 127 - t8; i >= 0; i--) l[i] = PITABLE[l[i + 1]! ^ l[i + t8]!]!;
    for (let i = 0; i < 64; i++) this.k[i] = l[2 * i]! | (l[2 * i + 1]! << 8);
  }

  private enc(inp: Uint8Array, ip: number, out: Uint8Array, op: number): void {
    const k = this.k;
    const r = [0, 1, 2, 3].map((i) => inp[ip + 2 * i]! | (inp[ip + 2 * i + 1]! << 8));
    let j = 0;
    const mix = () => {
      for (let i = 0; i < 4; i++) {
        const v = (r[i]! + k[j++]! + (r[(i + 3) % 4]! & r[(i + 2) % 4]!) + (~r[(i + 3) % 4]! & r[(i + 1) % 4]!)) & 0xffff;
        r[i] = ((v << S[i]!) | (v >>> (16 - S[i]!))) & 0xffff;
      }
    };
    const mash = () => {
      for (let i = 0; i < 4; i++) r[i] = (r[i]! + k[r[(i + 3) % 4]! & 63]!) & 0xffff;
    };
    for (let n = 0; n < 5; n++) mix();
    mash();
    for (let n = 0; n < 6; n++) mix();
    mash();
    for (let n = 0; n < 5; n++) mix();
    for (let i = 0; i < 4; i++) { out[op + 2 * i] = r[i]!; out[op + 2 * i + 1] = r[i]! >>> 8; }
  }

  private dec(inp: Uint8Array, ip: number, out: Uint8Array, op: number): void {
    const k = this.k;
    const r = [0, 1, 2, 3].map((i) => inp[ip + 2 * i]! | (inp[ip + 2 * i + 1]! << 8));
    let j = 63;
    const rmix = () => {
      for (let i = 3; i >= 0; i--) {
        const v = r[i]!;
        const u = ((v >>> S[i]!) | (v << (16 - S[i]!))) & 0xffff;
        r[i] = (u - k[j--]! - (r[(i + 3) % 4]! & r[(i + 2) % 4]!) - (~r[(i + 3) % 4]! & r[(i + 1) % 4]!)) & 0xffff;
      }
    };
    const rmash = () => {
      for (let i = 3; i >= 0; i--) r[i] = (r[i]! - k[r[(i + 3) % 4]! & 63]!) & 0xffff;
    };
    for (let n = 0; n < 5; n++) rmix();
    rmash();
    for (let n = 0; n < 6; n++) rmix();
    rmash();
    for (let n = 0; n < 5; n++) rmix();
    for (let i = 0; i < 4; i++) { out[op + 2 * i] = r[i]!; out[op + 2 * i + 1] = r[i]! >>> 8; }
  }

  encryptBlock(block: Uint8Array): Uint8Array {
    const out = new Uint8Array(8);
    this.enc(block, 0, out, 0);
    return out;
  }

  decryptBlock(block: Uint8Array): Uint8Array {
    const out = new Uint8Array(8);
    this.dec(block, 0, out, 0);
    return out;
  }

  cbcDecrypt(iv: Uint8Array, data: Uint8Array): Uint8Array {
    return cbcDecryptWith(8, iv, data, (i, ip, o, op) => this.dec(i, ip, o, op));
  }

  cbcEncrypt(iv: Uint8Array, data: Uint8Array): Uint8Array {
    return cbcEncryptWith(8, iv, data, (i, ip, o, op) => this.enc(i, ip, o, op));
  }
}

export { PITABLE as RC2_PITABLE };
