/**
 * Cipher-suite parameters as the key schedule and record layer need them. Callers describe a
 * suite with {@link SuiteParams} (no registry import needed); {@link suiteParamsFromRegistry}
 * adapts the TLS registry's CipherSuite rows.
 */
import type { CipherSuite } from '../tls/registry/index.ts';
import { AEAD_TAG_LEN, BLOCK_SIZE, HASH_LEN, type AeadAlg, type BlockAlg, type HashAlg } from './types.ts';

export type RecordCipher =
  | { kind: 'aead'; alg: AeadAlg }
  | { kind: 'block'; alg: BlockAlg }
  | { kind: 'stream'; alg: 'rc4' }
  | { kind: 'null' }
  /** A cipher we know by name but cannot run (GOST, SM4…). */
  | { kind: 'unsupported'; name: string };

export interface SuiteParams {
  /** IANA name, for messages. */
  readonly name: string;
  readonly cipher: RecordCipher;
  /** Encryption key bytes taken from the key block (export suites: 5; NULL: 0). */
  readonly keyLen: number;
  /** Export suites: key length after the export expansion (RC4_40: 16, DES40: 8). */
  readonly exportKeyLen?: number;
  /** HMAC hash for CBC/stream/NULL suites (null for AEAD). */
  readonly mac: HashAlg | null;
  /** TLS 1.2 PRF hash / TLS 1.3 HKDF hash. */
  readonly prfHash: 'sha256' | 'sha384';
}

/** Protocol versions as on the wire. */
export const SSL3 = 0x0300;
export const TLS10 = 0x0301;
export const TLS11 = 0x0302;
export const TLS12 = 0x0303;
export const TLS13 = 0x0304;

export function macLen(s: SuiteParams): number {
  return s.mac ? HASH_LEN[s.mac] : 0;
}

/** Implicit IV bytes taken from the key block (TLS ≤1.2) or derived (TLS 1.3: 12). */
export function fixedIvLen(s: SuiteParams, version: number): number {
  const c = s.cipher;
  if (c.kind === 'aead') {
    if (version >= TLS13 || c.alg === 'chacha20-poly1305') return 12;
    return 4;
  }
  if (c.kind === 'block') return version <= TLS10 ? BLOCK_SIZE[c.alg] : 0;
  return 0;
}

/** Explicit per-record IV / nonce bytes at the start of each record fragment. */
export function recordIvLen(s: SuiteParams, version: number): number {
  const c = s.cipher;
  if (c.kind === 'aead') return version >= TLS13 || c.alg === 'chacha20-poly1305' ? 0 : 8;
  if (c.kind === 'block') return version >= TLS11 ? BLOCK_SIZE[c.alg] : 0;
  return 0;
}

export function tagLen(s: SuiteParams): number {
  return s.cipher.kind === 'aead' ? AEAD_TAG_LEN[s.cipher.alg] : 0;
}

/** Bytes of key block needed: 2×MAC key + 2×enc key + 2×fixed IV. */
export function keyBlockLen(s: SuiteParams, version: number): number {
  return 2 * (macLen(s) + s.keyLen + fixedIvLen(s, version));
}

const REG_CIPHERS: Record<string, { cipher: RecordCipher; keyLen: number; exportKeyLen?: number }> = {
  NULL: { cipher: { kind: 'null' }, keyLen: 0 },
  RC4_128: { cipher: { kind: 'stream', alg: 'rc4' }, keyLen: 16 },
  RC4_40: { cipher: { kind: 'stream', alg: 'rc4' }, keyLen: 5, exportKeyLen: 16 },
  DES_CBC: { cipher: { kind: 'block', alg: 'des' }, keyLen: 8 },
  DES40_CBC: { cipher: { kind: 'block', alg: 'des' }, keyLen: 5, exportKeyLen: 8 },
  DES_CBC_40: { cipher: { kind: 'block', alg: 'des' }, keyLen: 5, exportKeyLen: 8 },
  '3DES_EDE_CBC': { cipher: { kind: 'block', alg: '3des' }, keyLen: 24 },
  SEED_CBC: { cipher: { kind: 'block', alg: 'seed' }, keyLen: 16 },
  IDEA_CBC: { cipher: { kind: 'block', alg: 'idea' }, keyLen: 16 },
  // RFC 2246 §6.3: 5 key bytes expanded to 16; RC2 then runs with 128 effective key bits
  RC2_CBC_40: { cipher: { kind: 'block', alg: 'rc2' }, keyLen: 5, exportKeyLen: 16 },
  AES_128_CBC: { cipher: { kind: 'block', alg: 'aes-128' }, keyLen: 16 },
  AES_256_CBC: { cipher: { kind: 'block', alg: 'aes-256' }, keyLen: 32 },
  CAMELLIA_128_CBC: { cipher: { kind: 'block', alg: 'camellia-128' }, keyLen: 16 },
  CAMELLIA_256_CBC: { cipher: { kind: 'block', alg: 'camellia-256' }, keyLen: 32 },
  ARIA_128_CBC: { cipher: { kind: 'block', alg: 'aria-128' }, keyLen: 16 },
  ARIA_256_CBC: { cipher: { kind: 'block', alg: 'aria-256' }, keyLen: 32 },
  AES_128_GCM: { cipher: { kind: 'aead', alg: 'aes-128-gcm' }, keyLen: 16 },
  AES_256_GCM: { cipher: { kind: 'aead', alg: 'aes-256-gcm' }, keyLen: 32 },
  AES_128_CCM: { cipher: { kind: 'aead', alg: 'aes-128-ccm' }, keyLen: 16 },
  AES_256_CCM: { cipher: { kind: 'aead', alg: 'aes-256-ccm' }, keyLen: 32 },
  AES_128_CCM_8: { cipher: { kind: 'aead', alg: 'aes-128-ccm8' }, keyLen: 16 },
  AES_256_CCM_8: { cipher: { kind: 'aead', alg: 'aes-256-ccm8' }, keyLen: 32 },
  CHACHA20_POLY1305: { cipher: { kind: 'aead', alg: 'chacha20-poly1305' }, keyLen: 32 },
  ARIA_128_GCM: { cipher: { kind: 'aead', alg: 'aria-128-gcm' }, keyLen: 16 },
  ARIA_256_GCM: { cipher: { kind: 'aead', alg: 'aria-256-gcm' }, keyLen: 32 },
};

const REG_MACS: Record<string, HashAlg | null> = { NULL: null, AEAD: null, MD5: 'md5', SHA1: 'sha1', SHA256: 'sha256', SHA384: 'sha384' };

/** Adapt a TLS registry cipher suite. Unknown ciphers come back as kind 'unsupported'. */
export function suiteParamsFromRegistry(cs: CipherSuite): SuiteParams {
  const c = REG_CIPHERS[cs.cipher];
  const mac = cs.mac in REG_MACS ? REG_MACS[cs.mac]! : null;
  const prfHash = cs.prf === 'SHA384' ? 'sha384' : 'sha256';
  if (!c || (!(cs.mac in REG_MACS))) {
    return { name: cs.name, cipher: { kind: 'unsupported', name: cs.cipher }, keyLen: Math.ceil(cs.keyBits / 8), mac, prfHash };
  }
  return { name: cs.name, cipher: c.cipher, keyLen: c.keyLen, exportKeyLen: c.exportKeyLen, mac, prfHash };
}
