/**
 * RSA private keys for RSA key exchange: PEM/DER, PKCS#1 and PKCS#8, encrypted PKCS#8
 * (PBES2 with PBKDF2 and AES-CBC/3DES-CBC) and legacy OpenSSL-encrypted PEM ("Proc-Type:
 * 4,ENCRYPTED"); RSAES-PKCS1-v1_5 unpadding of the ClientKeyExchange; a BigInt RSA for the
 * pure backend.
 */
import { concatBytes, fromHex, equalBytes, toHex } from './bytes.ts';
import { derChildren, derEncode, derOid, derSeq, derSmallInt, derUint, derUintEncode, readDer, type Der } from './der.ts';
import type { BlockAlg, HashAlg, RsaDecryptResult, RsaPrivateKey, TlsCrypto } from './types.ts';

export type RsaKeyResult = { ok: true; key: RsaPrivateKey } | { ok: false; reason: 'bad_format' | 'needs_password' | 'bad_password' | 'unsupported'; detail: string };

const OID_RSA = '1.2.840.113549.1.1.1';
const OID_PBES2 = '1.2.840.113549.1.5.13';
const OID_PBKDF2 = '1.2.840.113549.1.5.12';
const PRF_OIDS: Record<string, HashAlg> = {
  '1.2.840.113549.2.7': 'sha1', '1.2.840.113549.2.9': 'sha256', '1.2.840.113549.2.10': 'sha384', '1.2.840.113549.2.11': 'sha512',
};
const ENC_OIDS: Record<string, { alg: BlockAlg; keyLen: number }> = {
  '2.16.840.1.101.3.4.1.2': { alg: 'aes-128', keyLen: 16 },
  '2.16.840.1.101.3.4.1.42': { alg: 'aes-256', keyLen: 32 },
  '1.2.840.113549.3.7': { alg: '3des', keyLen: 24 },
  '1.3.14.3.2.7': { alg: 'des', keyLen: 8 },
};
const PEM_ENC: Record<string, { alg: BlockAlg; keyLen: number }> = {
  'AES-128-CBC': { alg: 'aes-128', keyLen: 16 }, 'AES-256-CBC': { alg: 'aes-256', keyLen: 32 },
  'DES-EDE3-CBC': { alg: '3des', keyLen: 24 }, 'DES-CBC': { alg: 'des', keyLen: 8 },
};

function base64Decode(s: string): Uint8Array {
  const clean = s.replace(/[^A-Za-z0-9+/]/g, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (const ch of clean) {
    acc = (acc << 6) | A.indexOf(ch);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, o);
}

/** Build the key object from a PKCS#1 RSAPrivateKey. */
export function rsaKeyFromPkcs1(der: Uint8Array): RsaPrivateKey {
  const f = derSeq(der);
  if (f.length < 9) throw new Error('RSAPrivateKey: too few fields');
  const [n, e, d, p, q, dp, dq, qi] = f.slice(1, 9).map(derUint) as Uint8Array[];
  return { n: n!, e: e!, d: d!, p, q, dp, dq, qi, size: n!.length, pkcs1Der: der.slice() };
}

/** Build a key from its components (tests; computes nothing, so CRT parts are optional). */
export function rsaKeyFromComponents(c: { n: Uint8Array; e: Uint8Array; d: Uint8Array; p?: Uint8Array; q?: Uint8Array; dp?: Uint8Array; dq?: Uint8Array; qi?: Uint8Array }): RsaPrivateKey {
  const z = new Uint8Array(1);
  const body = concatBytes(derUintEncode(z), ...[c.n, c.e, c.d, c.p ?? z, c.q ?? z, c.dp ?? z, c.dq ?? z, c.qi ?? z].map(derUintEncode));
  return rsaKeyFromPkcs1(derEncode(0x30, body));
}

function pkcs7Unpad(b: Uint8Array, block: number): Uint8Array | null {
  if (b.length === 0 || b.length % block !== 0) return null;
  const n = b[b.length - 1]!;
  if (n === 0 || n > block) return null;
  for (let i = b.length - n; i < b.length; i++) if (b[i] !== n) return null;
  return b.subarray(0, b.length - n);
}

export function pbkdf2(crypto: TlsCrypto, alg: HashAlg, password: Uint8Array, salt: Uint8Array, iterations: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let block = 1, o = 0; o < len; block++) {
    let u = crypto.hmac(alg, password, [salt, Uint8Array.of(block >>> 24, (block >>> 16) & 0xff, (block >>> 8) & 0xff, block & 0xff)]);
    const t = u.slice();
    for (let i = 1; i < iterations; i++) {
      u = crypto.hmac(alg, password, u);
      for (let j = 0; j < t.length; j++) t[j]! ^= u[j]!;
    }
    out.set(t.subarray(0, Math.min(t.length, len - o)), o);
    o += t.length;
  }
  return out;
}

function blockLen(alg: BlockAlg): number {
  return alg === '3des' || alg === 'des' ? 8 : 16;
}

function pkcs8ToKey(der: Uint8Array): RsaPrivateKey {
  const f = derSeq(der);
  const algId = derChildren(f[1]!);
  const oid = derOid(algId[0]!);
  if (oid !== OID_RSA) throw new Error(`not an RSA key (algorithm ${oid})`);
  if (f[2]!.tag !== 0x04) throw new Error('PKCS#8: expected OCTET STRING');
  return rsaKeyFromPkcs1(f[2]!.value);
}

function decryptPkcs8(crypto: TlsCrypto, der: Uint8Array, password: string): RsaKeyResult {
  const f = derSeq(der);
  const alg = derChildren(f[0]!);
  const oid = derOid(alg[0]!);
  if (oid !== OID_PBES2) return { ok: false, reason: 'unsupported', detail: `encrypted key scheme ${oid} (only PBES2 is supported)` };
  const [kdf, enc] = derChildren(alg[1]!) as [Der, Der];
  const kdfF = derChildren(kdf);
  if (derOid(kdfF[0]!) !== OID_PBKDF2) return { ok: false, reason: 'unsupported', detail: `key derivation ${derOid(kdfF[0]!)}` };
  const kp = derChildren(kdfF[1]!);
  const salt = kp[0]!.value;
  const iter = derSmallInt(kp[1]!);
  let prf: HashAlg = 'sha1';
  for (const x of kp.slice(2)) {
    if (x.tag === 0x30) {
      const p = PRF_OIDS[derOid(derChildren(x)[0]!)];
      if (!p) return { ok: false, reason: 'unsupported', detail: 'PBKDF2 PRF' };
      prf = p;
    }
  }
  const encF = derChildren(enc);
  const ei = ENC_OIDS[derOid(encF[0]!)];
  if (!ei) return { ok: false, reason: 'unsupported', detail: `cipher ${derOid(encF[0]!)}` };
  if (!crypto.supportsBlock(ei.alg)) return { ok: false, reason: 'unsupported', detail: `cipher ${ei.alg} not available` };
  const iv = encF[1]!.value;
  const key = pbkdf2(crypto, prf, new TextEncoder().encode(password), salt, iter, ei.keyLen);
  const plain = pkcs7Unpad(crypto.cbcDecrypt(ei.alg, key, iv, f[1]!.value), blockLen(ei.alg));
  if (!plain) return { ok: false, reason: 'bad_password', detail: 'wrong password (bad padding after decryption)' };
  try {
    return { ok: true, key: pkcs8ToKey(plain) };
  } catch {
    return { ok: false, reason: 'bad_password', detail: 'wrong password (decrypted data is not a key)' };
  }
}

/** OpenSSL's EVP_BytesToKey with MD5 and one iteration (legacy encrypted PEM). */
function bytesToKey(crypto: TlsCrypto, password: Uint8Array, salt: Uint8Array, len: number): Uint8Array {
  let d: Uint8Array = new Uint8Array(0);
  let out: Uint8Array = new Uint8Array(0);
  while (out.length < len) {
    d = crypto.hash('md5', [d, password, salt]);
    out = concatBytes(out, d);
  }
  return out.subarray(0, len);
}

/**
 * Load an RSA private key: PEM text (RSA PRIVATE KEY, PRIVATE KEY, ENCRYPTED PRIVATE KEY;
 * the first key block in the text) or DER bytes (PKCS#1 or PKCS#8).
 */
export function loadRsaPrivateKey(crypto: TlsCrypto, data: string | Uint8Array, password?: string): RsaKeyResult {
  try {
    let text: string | undefined;
    if (typeof data === 'string') text = data;
    else if (data.length > 0 && data[0] !== 0x30) text = new TextDecoder().decode(data);
    if (text === undefined) {
      // DER: PKCS#1 (first field INTEGER 0, then INTEGER n) or PKCS#8 (INTEGER 0, then SEQUENCE).
      const f = derSeq(data as Uint8Array);
      if (f[1]?.tag === 0x30 && f[0]?.tag === 0x02) return { ok: true, key: pkcs8ToKey(data as Uint8Array) };
      if (f[1]?.tag === 0x02) return { ok: true, key: rsaKeyFromPkcs1(data as Uint8Array) };
      if (f[0]?.tag === 0x30 && f[1]?.tag === 0x04) {
        if (password === undefined) return { ok: false, reason: 'needs_password', detail: 'the key is encrypted; give a password' };
        return decryptPkcs8(crypto, data as Uint8Array, password);
      }
      return { ok: false, reason: 'bad_format', detail: 'DER is not a PKCS#1 or PKCS#8 key' };
    }
    const m = /-----BEGIN ((?:RSA |ENCRYPTED )?PRIVATE KEY)-----([\s\S]*?)-----END \1-----/.exec(text);
    if (!m) return { ok: false, reason: 'bad_format', detail: 'no "BEGIN [RSA|ENCRYPTED] PRIVATE KEY" block' };
    const kind = m[1]!;
    let body = m[2]!;
    let headers: Record<string, string> = {};
    if (/^\s*Proc-Type:/m.test(body)) {
      const [h, rest] = body.split(/\r?\n\r?\n/, 2) as [string, string | undefined];
      for (const line of h.split(/\r?\n/)) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).trim()] = line.slice(i + 1).trim();
      }
      body = rest ?? '';
    }
    const der = base64Decode(body);
    if (kind === 'ENCRYPTED PRIVATE KEY') {
      if (password === undefined) return { ok: false, reason: 'needs_password', detail: 'the key is encrypted; give a password' };
      return decryptPkcs8(crypto, der, password);
    }
    if (headers['Proc-Type']?.includes('ENCRYPTED')) {
      if (password === undefined) return { ok: false, reason: 'needs_password', detail: 'the key is encrypted; give a password' };
      const [cipher, ivHex] = (headers['DEK-Info'] ?? '').split(',');
      const ei = PEM_ENC[(cipher ?? '').trim().toUpperCase()];
      if (!ei || !ivHex) return { ok: false, reason: 'unsupported', detail: `PEM encryption ${cipher}` };
      const iv = fromHex(ivHex);
      const key = bytesToKey(crypto, new TextEncoder().encode(password), iv.subarray(0, 8), ei.keyLen);
      const plain = pkcs7Unpad(crypto.cbcDecrypt(ei.alg, key, iv, der), blockLen(ei.alg));
      if (!plain) return { ok: false, reason: 'bad_password', detail: 'wrong password (bad padding after decryption)' };
      try {
        return { ok: true, key: rsaKeyFromPkcs1(plain) };
      } catch {
        return { ok: false, reason: 'bad_password', detail: 'wrong password (decrypted data is not a key)' };
      }
    }
    return { ok: true, key: kind === 'RSA PRIVATE KEY' ? rsaKeyFromPkcs1(der) : pkcs8ToKey(der) };
  } catch (e) {
    return { ok: false, reason: 'bad_format', detail: (e as Error).message };
  }
}

/** Whether the key's modulus is this (certificate's) modulus. */
export function rsaKeyMatchesModulus(key: RsaPrivateKey, modulus: Uint8Array): boolean {
  let m = modulus;
  while (m.length > 1 && m[0] === 0) m = m.subarray(1);
  return equalBytes(key.n, m);
}

/**
 * RSAES-PKCS1-v1_5 unpadding of the raw RSA output (k bytes) for a TLS premaster secret.
 * A 48-byte premaster is expected (RSA key exchange); other lengths are returned too.
 */
export function pkcs1Unpad(em: Uint8Array, k: number): RsaDecryptResult {
  if (em.length !== k || em[0] !== 0 || em[1] !== 2) return { ok: false, reason: 'bad_padding', detail: 'not PKCS#1 type 2 (wrong RSA key?)' };
  let i = 2;
  while (i < em.length && em[i] !== 0) i++;
  if (i === em.length || i < 10) return { ok: false, reason: 'bad_padding', detail: 'PKCS#1 padding string malformed (wrong RSA key?)' };
  return { ok: true, premaster: em.slice(i + 1) };
}

// ---- BigInt RSA for the pure backend ----

export function bytesToBig(b: Uint8Array): bigint {
  return b.length === 0 ? 0n : BigInt('0x' + toHex(b));
}

export function bigToBytes(v: bigint, len: number): Uint8Array {
  const h = v.toString(16).padStart(len * 2, '0');
  return fromHex(h.length > len * 2 ? h.slice(h.length - len * 2) : h);
}

export function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let r = 1n;
  let b = base % mod;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % mod;
    e >>= 1n;
    if (e > 0n) b = (b * b) % mod;
  }
  return r;
}

/** c^d mod n (with CRT when the key has its factors), as k bytes. */
export function rsaRawBig(key: RsaPrivateKey, ciphertext: Uint8Array): Uint8Array {
  const n = bytesToBig(key.n);
  const c = bytesToBig(ciphertext);
  if (c >= n) throw new Error('ciphertext out of range');
  const p = key.p ? bytesToBig(key.p) : 0n;
  const q = key.q ? bytesToBig(key.q) : 0n;
  let m: bigint;
  if (p > 1n && q > 1n && key.dp && key.dq && key.qi) {
    const m1 = modPow(c, bytesToBig(key.dp), p);
    const m2 = modPow(c, bytesToBig(key.dq), q);
    const h = (bytesToBig(key.qi) * (((m1 - m2) % p) + p)) % p;
    m = m2 + h * q;
  } else m = modPow(c, bytesToBig(key.d), n);
  return bigToBytes(m, key.size);
}

/** Shared RSAES-PKCS1-v1_5 decryption given a raw RSA function. */
export function rsaDecryptWith(raw: (key: RsaPrivateKey, c: Uint8Array) => Uint8Array, key: RsaPrivateKey, ciphertext: Uint8Array): RsaDecryptResult {
  if (ciphertext.length === 0 || ciphertext.length > key.size) return { ok: false, reason: 'bad_ciphertext', detail: `encrypted premaster is ${ciphertext.length} bytes, key is ${key.size}` };
  let c = ciphertext;
  if (c.length < key.size) {
    c = new Uint8Array(key.size);
    c.set(ciphertext, key.size - ciphertext.length);
  }
  let em: Uint8Array;
  try {
    em = raw(key, c);
  } catch (e) {
    return { ok: false, reason: 'bad_ciphertext', detail: (e as Error).message };
  }
  return pkcs1Unpad(em, key.size);
}
