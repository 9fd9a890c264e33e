/**
 * The SEED block cipher (128-bit block, 128-bit key), written from RFC 4269. The S-boxes S1
 * and S2 are the RFC's Appendix A tables; the four SS lookup tables are built from them by
 * the G function's masks at load time. Used by both backends for the TLS SEED_CBC suites
 * (RFC 4162; OpenSSL 3 keeps SEED in the legacy provider). Not constant-time.
 */

const hex = (rows: string[]) => Uint8Array.from(rows.join('').match(/../g)!.map((h) => parseInt(h, 16)));

const S1 = hex([
  'a985d6d3541dac255d43181e51fcca632844209de0e2c817a58f037bbb13d2ee',
  '708c3fa832ddf674ec950b575c5bbd01241c739810ccf2d92ce772839bd186c9',
  '6050a3eb0db69e4fb75ac678a612afd561c3b441527d8d081f9900190453f7e1',
  'fd762f27b08b0eaba26e934d697c090abfeff3c58714fe64de2e4b1a06216b66',
  '02f5928a0cb37ed07a4796e52680addfa13037ae36152238f4a7454c81e98497',
  '35cbce3c7111c78975fbdaf8945982c4ff493967c0cfd7b80f8e4223916cdba4',
  '34f148c26f3d2d40be3ebcc1aaba4e553bdc687f9cd84a5677a0ed46b52b65fa',
  'e3b9b19f5ef9e6b231ea6d5fe4f0cd88163a58d462290733e81b0579906a2a9a',
]);
const S2 = hex([
  '38e82da6cfdeb3b8af6055c7446f6b5bc36233b529a0e2a7d39111061cbc364b',
  'ef886ca817c416f4c245e1d63f3d8e98284ef63ea5f90ddfd82b667a272ff172',
  '42d441c07367ac8bf7ad801fca2caa34d20beee95d9418f857ae08c513cd86b9',
  'ff7dc131f58a6ab1d120d7022204687107db9d9961bee659dd5190dc9aa3abd0',
  '810f471ae3ec8dbf967b5ca2a163234dc89e9c3a0c2eba6e9f5af292f34978cc',
  '15fb70757f351003646dc674d5b4ea097619fe4012e0bd05fa01f02a5ea95643',
  '8514899bb0e5487997fc1e82218c1b5f7754b21d254f0046ed5852eb7edac9fd',
  '3095653cb6e4bb7c0e5039263284699337e724a4cb530a87d94c838fce3b4ab7',
]);

/** G's masks m0..m3 (RFC 4269 §2.2). */
const M = [0xfc, 0xf3, 0xcf, 0x3f];

/** SS[k][x]: G's output when input byte k (0 = least significant) is x and the others are 0. */
const SS: Uint32Array[] = [0, 1, 2, 3].map((k) => {
  const s = k % 2 === 0 ? S1 : S2;
  const t = new Uint32Array(256);
  for (let x = 0; x < 256; x++) {
    let w = 0;
    for (let j = 0; j < 4; j++) w |= (s[x]! & M[(j + k) % 4]!) << (8 * j);
    t[x] = w >>> 0;
  }
  return t;
});
const [SS0, SS1, SS2, SS3] = SS as [Uint32Array, Uint32Array, Uint32Array, Uint32Array];

function g(x: number): number {
  return (SS0[x & 0xff]! ^ SS1[(x >>> 8) & 0xff]! ^ SS2[(x >>> 16) & 0xff]! ^ SS3[x >>> 24]!) >>> 0;
}

export class Seed {
  /** 16 rounds × (Ki,0, Ki,1). */
  private readonly rk = new Uint32Array(32);

  constructor(key: Uint8Array) {
    if (key.length !== 16) throw new Error(`SEED: key must be 16 bytes, not ${key.length}`);
    const dv = new DataView(key.buffer, key.byteOffset, 16);
    let a = dv.getUint32(0), b = dv.getUint32(4), c = dv.getUint32(8), d = dv.getUint32(12);
    let kc = 0x9e3779b9;
    for (let i = 0; i < 16; i++) {
      this.rk[2 * i] = g((a + c - kc) >>> 0);
      this.rk[2 * i + 1] = g((b - d + kc) >>> 0);
      if (i % 2 === 0) {
        // A||B >>> 8
        const t = a;
        a = ((a >>> 8) | (b << 24)) >>> 0;
        b = ((b >>> 8) | (t << 24)) >>> 0;
      } else {
        // C||D <<< 8
        const t = c;
        c = ((c << 8) | (d >>> 24)) >>> 0;
        d = ((d << 8) | (t >>> 24)) >>> 0;
      }
      kc = ((kc << 1) | (kc >>> 31)) >>> 0;
    }
  }

  /** One block in place (out may equal inp); decrypt runs the round keys backwards. */
  private crypt(inp: Uint8Array, ip: number, out: Uint8Array, op: number, decrypt: boolean): void {
    const get = (o: number) => ((inp[ip + o]! << 24) | (inp[ip + o + 1]! << 16) | (inp[ip + o + 2]! << 8) | inp[ip + o + 3]!) >>> 0;
    let l0 = get(0), l1 = get(4), r0 = get(8), r1 = get(12);
    for (let i = 0; i < 16; i++) {
      const r = decrypt ? 15 - i : i;
      // F(R, Ki) (RFC 4269 §2.1)
      const a = (r0 ^ this.rk[2 * r]!) >>> 0;
      const b = (r1 ^ this.rk[2 * r + 1]!) >>> 0;
      const t1 = g((a ^ b) >>> 0);
      const t2 = g((t1 + a) >>> 0);
      const t3 = g((t2 + t1) >>> 0);
      const f0 = (t3 + t2) >>> 0;
      const n0 = (l0 ^ f0) >>> 0, n1 = (l1 ^ t3) >>> 0;
      l0 = r0; l1 = r1; r0 = n0; r1 = n1;
    }
    // no swap after the last round
    const put = (o: number, v: number) => {
      out[op + o] = v >>> 24; out[op + o + 1] = v >>> 16; out[op + o + 2] = v >>> 8; out[op + o + 3] = v;
    };
    put(0, r0); put(4, r1); put(8, l0); put(12, l1);
  }

  encryptBlock(block: Uint8Array): Uint8Array {
    const out = new Uint8Array(16);
    this.crypt(block, 0, out, 0, false);
    return out;
  }

  decryptBlock(block: Uint8Array): Uint8Array {
    const out = new Uint8Array(16);
    this.crypt(block, 0, out, 0, true);
    return out;
  }

  cbcDecrypt(iv: Uint8Array, data: Uint8Array): Uint8Array {
    return cbcDecryptWith(16, iv, data, (i, ip, o, op) => this.crypt(i, ip, o, op, true));
  }

  cbcEncrypt(iv: Uint8Array, data: Uint8Array): Uint8Array {
    return cbcEncryptWith(16, iv, data, (i, ip, o, op) => this.crypt(i, ip, o, op, false));
  }
}

type BlockFn = (inp: Uint8Array, ip: number, out: Uint8Array, op: number) => void;

/** Raw CBC decryption with a block function (no padding handling). */
export function cbcDecryptWith(bs: number, iv: Uint8Array, data: Uint8Array, dec: BlockFn): Uint8Array {
  if (iv.length !== bs) throw new Error(`CBC: IV must be ${bs} bytes`);
  if (data.length % bs !== 0) throw new Error(`CBC: data length ${data.length} is not a multiple of ${bs}`);
  const out = new Uint8Array(data.length);
  for (let o = 0; o < data.length; o += bs) {
    dec(data, o, out, o);
    for (let j = 0; j < bs; j++) out[o + j]! ^= o === 0 ? iv[j]! : data[o - bs + j]!;
  }
  return out;
}

/** Raw CBC encryption with a block function (no padding handling). */
export function cbcEncryptWith(bs: number, iv: Uint8Array, data: Uint8Array, enc: BlockFn): Uint8Array {
  if (iv.length !== bs) throw new Error(`CBC: IV must be ${bs} bytes`);
  if (data.length % bs !== 0) throw new Error(`CBC: data length ${data.length} is not a multiple of ${bs}`);
  const out = new Uint8Array(data.length);
  const x = new Uint8Array(bs);
  for (let o = 0; o < data.length; o += bs) {
    for (let j = 0; j < bs; j++) x[j] = data[o + j]! ^ (o === 0 ? iv[j]! : out[o - bs + j]!);
    enc(x, 0, out, o);
  }
  return out;
}
