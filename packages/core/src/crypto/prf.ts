/**
 * TLS ≤ 1.2 key schedule (RFC 6101 SSL 3.0, RFC 2246 TLS 1.0, RFC 4346 TLS 1.1, RFC 5246
 * TLS 1.2, RFC 7627 extended master secret): PRFs, master secret, key block partition,
 * export-key expansion and Finished verify_data.
 */
import { concatBytes, utf8 } from './bytes.ts';
import { fixedIvLen, keyBlockLen, macLen, SSL3, TLS10, TLS12, type SuiteParams } from './suite.ts';
import { HASH_LEN, type ByteInput, type HashAlg, type TlsCrypto } from './types.ts';

/** P_hash(secret, seed) truncated to len (RFC 5246 §5). */
export function pHash(c: TlsCrypto, alg: HashAlg, secret: Uint8Array, seed: Uint8Array, len: number): Uint8Array {
  const out = new Uint8Array(len);
  let a = seed;
  for (let o = 0; o < len; ) {
    a = c.hmac(alg, secret, a);
    const block = c.hmac(alg, secret, [a, seed]);
    out.set(block.subarray(0, Math.min(block.length, len - o)), o);
    o += block.length;
  }
  return out;
}

/** TLS 1.0/1.1 PRF: P_MD5(S1, label‖seed) ⊕ P_SHA1(S2, label‖seed), S1/S2 the (overlapping) halves. */
export function prfTls10(c: TlsCrypto, secret: Uint8Array, label: string, seed: Uint8Array, len: number): Uint8Array {
  const half = Math.ceil(secret.length / 2);
  const s1 = secret.subarray(0, half);
  const s2 = secret.subarray(secret.length - half);
  const ls = concatBytes(utf8(label), seed);
  const a = pHash(c, 'md5', s1, ls, len);
  const b = pHash(c, 'sha1', s2, ls, len);
  for (let i = 0; i < len; i++) a[i]! ^= b[i]!;
  return a;
}

/** TLS 1.2 PRF: P_<hash>(secret, label‖seed). */
export function prfTls12(c: TlsCrypto, hash: HashAlg, secret: Uint8Array, label: string, seed: Uint8Array, len: number): Uint8Array {
  return pHash(c, hash, secret, concatBytes(utf8(label), seed), len);
}

/** SSL 3.0 key generation: MD5(secret ‖ SHA1("A" ‖ secret ‖ seed)) ‖ MD5(secret ‖ SHA1("BB" ‖ …)) ‖ … */
export function ssl3Generate(c: TlsCrypto, secret: Uint8Array, seed: Uint8Array, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = 0, o = 0; o < len; i++) {
    if (i >= 26) throw new Error('SSL 3.0 key generation: too much output requested');
    const letters = new Uint8Array(i + 1).fill(0x41 + i);
    const inner = c.hash('sha1', [letters, secret, seed]);
    const block = c.hash('md5', [secret, inner]);
    out.set(block.subarray(0, Math.min(16, len - o)), o);
    o += 16;
  }
  return out;
}

/** The version-appropriate PRF (TLS 1.0+; SSL 3.0 has none, see ssl3Generate). */
export function prf(c: TlsCrypto, version: number, prfHash: HashAlg, secret: Uint8Array, label: string, seed: Uint8Array, len: number): Uint8Array {
  if (version <= SSL3) throw new Error('SSL 3.0 has no PRF');
  return version >= TLS12 ? prfTls12(c, prfHash, secret, label, seed, len) : prfTls10(c, secret, label, seed, len);
}

/** master_secret from the premaster secret and the two hello randoms. */
export function masterSecret(c: TlsCrypto, version: number, suite: SuiteParams, premaster: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array): Uint8Array {
  const seed = concatBytes(clientRandom, serverRandom);
  if (version <= SSL3) return ssl3Generate(c, premaster, seed, 48);
  return prf(c, version, suite.prfHash, premaster, 'master secret', seed, 48);
}

/**
 * The hash over handshake messages used for the extended master secret's session_hash and
 * TLS ≤1.2 Finished: MD5‖SHA-1 before TLS 1.2, the suite's PRF hash in TLS 1.2.
 */
export function handshakeHash(c: TlsCrypto, version: number, suite: SuiteParams, messages: ByteInput): Uint8Array {
  if (version >= TLS12) return c.hash(suite.prfHash, messages);
  return concatBytes(c.hash('md5', messages), c.hash('sha1', messages));
}

/** RFC 7627 extended master secret (session_hash = handshakeHash up to ClientKeyExchange). */
export function extendedMasterSecret(c: TlsCrypto, version: number, suite: SuiteParams, premaster: Uint8Array, sessionHash: Uint8Array): Uint8Array {
  return prf(c, version, suite.prfHash, premaster, 'extended master secret', sessionHash, 48);
}

export interface KeyBlock {
  readonly clientMacKey: Uint8Array;
  readonly serverMacKey: Uint8Array;
  readonly clientKey: Uint8Array;
  readonly serverKey: Uint8Array;
  /** Implicit IV (CBC in SSL 3.0/TLS 1.0, AEAD salt/fixed nonce); empty otherwise. */
  readonly clientIv: Uint8Array;
  readonly serverIv: Uint8Array;
}

/** Derive and partition the key block (incl. export-key expansion for SSL 3.0/TLS 1.0 export suites). */
export function deriveKeyBlock(c: TlsCrypto, version: number, suite: SuiteParams, master: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array): KeyBlock {
  const len = keyBlockLen(suite, version);
  const seed = concatBytes(serverRandom, clientRandom);
  const kb = len === 0 ? new Uint8Array(0) : version <= SSL3 ? ssl3Generate(c, master, seed, len) : prf(c, version, suite.prfHash, master, 'key expansion', seed, len);
  const m = macLen(suite);
  const k = suite.keyLen;
  const iv = fixedIvLen(suite, version);
  let o = 0;
  const take = (n: number) => kb.slice(o, (o += n));
  const out = {
    clientMacKey: take(m), serverMacKey: take(m), clientKey: take(k), serverKey: take(k), clientIv: take(iv), serverIv: take(iv),
  };
  if (suite.exportKeyLen === undefined) return out;
  // Export suites (RFC 2246 §6.3, RFC 6101 §6.2.2): expand the 5-byte keys; IVs from the randoms only.
  const crsr = concatBytes(clientRandom, serverRandom);
  const srcr = concatBytes(serverRandom, clientRandom);
  const ek = suite.exportKeyLen;
  if (version <= SSL3) {
    return {
      ...out,
      clientKey: c.hash('md5', [out.clientKey, crsr]).slice(0, ek),
      serverKey: c.hash('md5', [out.serverKey, srcr]).slice(0, ek),
      clientIv: c.hash('md5', crsr).slice(0, iv),
      serverIv: c.hash('md5', srcr).slice(0, iv),
    };
  }
  // export suites are not defined after TLS 1.0, but old OpenSSL negotiated them in TLS 1.1/1.2
  // too; the expansion then uses that version's PRF (as Wireshark does)
  const xprf = (secret: Uint8Array, label: string, n: number) => prf(c, version, suite.prfHash, secret, label, crsr, n);
  const ivBlock = iv > 0 ? xprf(new Uint8Array(0), 'IV block', 2 * iv) : new Uint8Array(0);
  return {
    ...out,
    clientKey: xprf(out.clientKey, 'client write key', ek),
    serverKey: xprf(out.serverKey, 'server write key', ek),
    clientIv: ivBlock.slice(0, iv),
    serverIv: ivBlock.slice(iv),
  };
}

const SSL3_CLIENT = Uint8Array.of(0x43, 0x4c, 0x4e, 0x54);
const SSL3_SERVER = Uint8Array.of(0x53, 0x52, 0x56, 0x52);

/**
 * Finished.verify_data for SSL 3.0–TLS 1.2. `messages` = every handshake message (with its
 * 4-byte header) before this Finished, in order (the client's Finished included when computing
 * the server's).
 */
export function finishedVerifyData(c: TlsCrypto, version: number, suite: SuiteParams, master: Uint8Array, fromClient: boolean, messages: ByteInput): Uint8Array {
  if (version <= SSL3) {
    const sender = fromClient ? SSL3_CLIENT : SSL3_SERVER;
    const msgs = messages instanceof Uint8Array ? [messages] : messages;
    const part = (alg: HashAlg, padLen: number) => {
      const inner = c.hash(alg, [...msgs, sender, master, new Uint8Array(padLen).fill(0x36)]);
      return c.hash(alg, [master, new Uint8Array(padLen).fill(0x5c), inner]);
    };
    return concatBytes(part('md5', 48), part('sha1', 40));
  }
  return finishedVerifyDataFromHash(c, version, suite, master, fromClient, handshakeHash(c, version, suite, messages));
}

/** TLS 1.0–1.2 Finished.verify_data from the handshake hash of the messages before it (see handshakeHash). */
export function finishedVerifyDataFromHash(c: TlsCrypto, version: number, suite: SuiteParams, master: Uint8Array, fromClient: boolean, hash: Uint8Array): Uint8Array {
  if (version <= SSL3) throw new Error('SSL 3.0 Finished hashes the messages with the master secret: use finishedVerifyData');
  const label = fromClient ? 'client finished' : 'server finished';
  return prf(c, version, suite.prfHash, master, label, hash, 12);
}

/** The hash lengths a TLS 1.3 secret may have. */
export function isSecretLength(n: number): boolean {
  return n === HASH_LEN.sha256 || n === HASH_LEN.sha384 || n === HASH_LEN.sha512;
}
