/**
 * The crypto backend interface used by key schedules and record protection.
 *
 * Design: the interface is **synchronous**. The TLS dissector works packet by packet in one
 * synchronous pass (as tshark does), and key derivation and record decryption happen in the
 * middle of dissecting a frame, so an async interface would force the whole engine to become
 * async (or buffer and re-dissect). node:crypto is synchronous; in the browser WebCrypto is
 * async-only, so the browser backend ({@link createPureCrypto}) uses @noble/hashes and
 * @noble/ciphers (synchronous, audited, fast enough for records of ≤16 KiB) plus small
 * in-tree DES/RC4/CCM/RSA code for what noble lacks. The Node backend lives in
 * packages/cli/src/crypto/node-crypto.ts (createNodeCrypto). Both pass the same conformance
 * and vector tests.
 *
 * The interface holds only primitives; everything TLS-specific (PRFs, HKDF labels, key block
 * partition, nonces, MAC-then-encrypt, padding) is shared code on top of it, so the two
 * backends cannot drift apart in protocol logic.
 */

export type HashAlg = 'md5' | 'sha1' | 'sha256' | 'sha384' | 'sha512';

export const HASH_LEN: Readonly<Record<HashAlg, number>> = { md5: 16, sha1: 20, sha256: 32, sha384: 48, sha512: 64 };
/** HMAC block size per hash. */
export const HASH_BLOCK: Readonly<Record<HashAlg, number>> = { md5: 64, sha1: 64, sha256: 64, sha384: 128, sha512: 128 };

/** AEAD algorithms (the tag is appended to the ciphertext). */
export type AeadAlg =
  | 'aes-128-gcm' | 'aes-256-gcm'
  | 'aes-128-ccm' | 'aes-256-ccm'
  | 'aes-128-ccm8' | 'aes-256-ccm8'
  | 'chacha20-poly1305'
  | 'aria-128-gcm' | 'aria-256-gcm';

export const AEAD_TAG_LEN: Readonly<Record<AeadAlg, number>> = {
  'aes-128-gcm': 16, 'aes-256-gcm': 16, 'aes-128-ccm': 16, 'aes-256-ccm': 16, 'aes-128-ccm8': 8, 'aes-256-ccm8': 8,
  'chacha20-poly1305': 16, 'aria-128-gcm': 16, 'aria-256-gcm': 16,
};

/** Block ciphers used in CBC mode. */
export type BlockAlg = 'aes-128' | 'aes-256' | '3des' | 'des' | 'camellia-128' | 'camellia-256' | 'aria-128' | 'aria-256' | 'seed' | 'idea' | 'rc2';

export const BLOCK_SIZE: Readonly<Record<BlockAlg, number>> = {
  'aes-128': 16, 'aes-256': 16, '3des': 8, des: 8, 'camellia-128': 16, 'camellia-256': 16, 'aria-128': 16, 'aria-256': 16, seed: 16, idea: 8, rc2: 8,
};

/** Bytes or a list of chunks hashed as if concatenated (saves copies for transcripts/MACs). */
export type ByteInput = Uint8Array | readonly Uint8Array[];

/** An RSA private key (big-endian unsigned integers). */
export interface RsaPrivateKey {
  readonly n: Uint8Array;
  readonly e: Uint8Array;
  readonly d: Uint8Array;
  readonly p?: Uint8Array;
  readonly q?: Uint8Array;
  readonly dp?: Uint8Array;
  readonly dq?: Uint8Array;
  readonly qi?: Uint8Array;
  /** Modulus length in bytes. */
  readonly size: number;
  /** The PKCS#1 RSAPrivateKey DER (what node:crypto is handed). */
  readonly pkcs1Der: Uint8Array;
}

export type RsaDecryptResult =
  | { ok: true; premaster: Uint8Array }
  | { ok: false; reason: 'bad_key' | 'bad_ciphertext' | 'bad_padding'; detail: string };

export interface TlsCrypto {
  /** 'node' or 'pure'. */
  readonly name: string;
  hash(alg: HashAlg, data: ByteInput): Uint8Array;
  hmac(alg: HashAlg, key: Uint8Array, data: ByteInput): Uint8Array;
  supportsAead(alg: AeadAlg): boolean;
  /** ciphertext‖tag → plaintext, or null when the tag does not verify. */
  aeadDecrypt(alg: AeadAlg, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | null;
  /** plaintext → ciphertext‖tag. */
  aeadEncrypt(alg: AeadAlg, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  supportsBlock(alg: BlockAlg): boolean;
  /** Raw CBC (no padding added/removed); data length is a multiple of the block size. */
  cbcDecrypt(alg: BlockAlg, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array;
  cbcEncrypt(alg: BlockAlg, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array;
  /** RSAES-PKCS1-v1_5 decryption of an RSA ClientKeyExchange (the padding check is shared code). */
  rsaDecryptPkcs1(key: RsaPrivateKey, ciphertext: Uint8Array): RsaDecryptResult;
  /** AES (128 or 256-bit key) encryption of one 16-byte block: QUIC header protection (RFC 9001 §5.4.3). */
  aesEcbBlock(key: Uint8Array, block: Uint8Array): Uint8Array;
  /** ChaCha20 (RFC 8439) keystream XOR data, 32-bit block counter, 12-byte nonce: QUIC header protection (RFC 9001 §5.4.4). */
  chacha20(key: Uint8Array, counter: number, nonce: Uint8Array, data: Uint8Array): Uint8Array;
}

/** Typed record-protection failure reasons. */
export type RecordFailureReason =
  | 'bad_record_mac' // CBC/stream/NULL: HMAC mismatch
  | 'tag_mismatch' // AEAD tag did not verify
  | 'bad_padding' // CBC padding malformed
  | 'unsupported_cipher' // backend lacks the cipher (e.g. Camellia in the browser) or an unknown suite
  | 'bad_length' // record too short for IV/tag/MAC or not a multiple of the block size
  | 'bad_inner_plaintext'; // TLS 1.3: no non-zero content type in TLSInnerPlaintext
