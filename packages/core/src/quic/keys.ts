/**
 * QUIC packet protection (RFC 9001 §5, RFC 9369 §3.3): Initial secrets from the client's
 * Destination Connection ID, packet keys from TLS traffic secrets, header protection and AEAD
 * payload protection. All crypto goes through the TlsCrypto backend.
 */
import { hkdfExpandLabel, hkdfExtract, type Tls13Hash } from '../crypto/tls13.ts';
import { HASH_LEN, type AeadAlg, type TlsCrypto } from '../crypto/types.ts';
import type { VersionInfo } from './versions.ts';

export interface PacketKeys {
  readonly aead: AeadAlg;
  readonly hash: Tls13Hash;
  readonly key: Uint8Array;
  readonly iv: Uint8Array;
  /** Header protection key. */
  readonly hp: Uint8Array;
  /** The traffic secret the keys come from (for key updates). */
  readonly secret: Uint8Array;
}

/** AEAD and hash of the TLS 1.3 cipher suites QUIC can use (RFC 9001 §5.3). */
export function suiteAead(suite: number): { aead: AeadAlg; hash: Tls13Hash; keyLen: number } | undefined {
  switch (suite) {
    case 0x1301: return { aead: 'aes-128-gcm', hash: 'sha256', keyLen: 16 };
    case 0x1302: return { aead: 'aes-256-gcm', hash: 'sha384', keyLen: 32 };
    case 0x1303: return { aead: 'chacha20-poly1305', hash: 'sha256', keyLen: 32 };
    case 0x1304: return { aead: 'aes-128-ccm', hash: 'sha256', keyLen: 16 };
    default: return undefined;
  }
}

const EMPTY = new Uint8Array(0);

/** Packet keys from a traffic secret ("quic key", "quic iv", "quic hp", or the "quicv2 " labels). */
export function packetKeys(c: TlsCrypto, v: VersionInfo, suite: number, secret: Uint8Array): PacketKeys | undefined {
  const s = suiteAead(suite);
  if (!s || secret.length !== HASH_LEN[s.hash]) return undefined;
  const pre = v.labelPrefix;
  return {
    aead: s.aead,
    hash: s.hash,
    key: hkdfExpandLabel(c, s.hash, secret, `${pre} key`, EMPTY, s.keyLen),
    iv: hkdfExpandLabel(c, s.hash, secret, `${pre} iv`, EMPTY, 12),
    hp: hkdfExpandLabel(c, s.hash, secret, `${pre} hp`, EMPTY, s.keyLen),
    secret,
  };
}

/** The keys of the next key phase (RFC 9001 §6.1): the header protection key does not change. */
export function nextPhaseKeys(c: TlsCrypto, v: VersionInfo, k: PacketKeys): PacketKeys {
  const secret = hkdfExpandLabel(c, k.hash, k.secret, `${v.labelPrefix} ku`, EMPTY, HASH_LEN[k.hash]);
  const keyLen = k.key.length;
  return {
    ...k,
    key: hkdfExpandLabel(c, k.hash, secret, `${v.labelPrefix} key`, EMPTY, keyLen),
    iv: hkdfExpandLabel(c, k.hash, secret, `${v.labelPrefix} iv`, EMPTY, 12),
    secret,
  };
}

export interface InitialSecrets {
  readonly client: Uint8Array;
  readonly server: Uint8Array;
}

/** client_initial_secret and server_initial_secret for a client's first Destination Connection ID. */
export function initialSecrets(c: TlsCrypto, v: VersionInfo, dcid: Uint8Array): InitialSecrets {
  const initial = hkdfExtract(c, 'sha256', v.salt, dcid);
  return {
    client: hkdfExpandLabel(c, 'sha256', initial, 'client in', EMPTY, 32),
    server: hkdfExpandLabel(c, 'sha256', initial, 'server in', EMPTY, 32),
  };
}

/** Initial packet keys of both sides (AES-128-GCM). */
export function initialKeys(c: TlsCrypto, v: VersionInfo, dcid: Uint8Array): { client: PacketKeys; server: PacketKeys } {
  const s = initialSecrets(c, v, dcid);
  return { client: packetKeys(c, v, 0x1301, s.client)!, server: packetKeys(c, v, 0x1301, s.server)! };
}

/** The 5-byte header protection mask for a 16-byte sample (RFC 9001 §5.4.3, §5.4.4). */
export function headerMask(c: TlsCrypto, k: PacketKeys, sample: Uint8Array): Uint8Array {
  if (k.aead === 'chacha20-poly1305') {
    const counter = (sample[0]! | (sample[1]! << 8) | (sample[2]! << 16) | (sample[3]! << 24)) >>> 0;
    return c.chacha20(k.hp, counter, sample.subarray(4, 16), new Uint8Array(5));
  }
  return c.aesEcbBlock(k.hp, sample).subarray(0, 5);
}

/** The full packet number from its truncated form (RFC 9000 §A.3). */
export function decodePacketNumber(largest: number, truncated: number, bits: number): number {
  const expected = largest + 1;
  const win = 2 ** bits;
  const hwin = win / 2;
  const candidate = expected - (expected % win) + truncated; // (expected & ~mask) | truncated, beyond 32 bits
  if (candidate <= expected - hwin && candidate < 2 ** 62 - win) return candidate + win;
  if (candidate > expected + hwin && candidate >= win) return candidate - win;
  return candidate;
}

export interface Unprotected {
  /** The first byte with its protected bits removed. */
  readonly first: number;
  readonly pnLen: number;
  readonly truncatedPn: number;
}

/**
 * Removes header protection from the packet at b[0, end) whose packet number starts at pnOff;
 * undefined when the packet is too short for a sample.
 */
export function removeHeaderProtection(c: TlsCrypto, k: PacketKeys, b: Uint8Array, pnOff: number, end: number): Unprotected | undefined {
  if (pnOff + 4 + 16 > end) return undefined;
  const mask = headerMask(c, k, b.subarray(pnOff + 4, pnOff + 20));
  const long = (b[0]! & 0x80) !== 0;
  const first = b[0]! ^ (mask[0]! & (long ? 0x0f : 0x1f));
  const pnLen = (first & 3) + 1;
  let pn = 0;
  for (let i = 0; i < pnLen; i++) pn = pn * 256 + (b[pnOff + i]! ^ mask[1 + i]!);
  return { first, pnLen, truncatedPn: pn };
}

/**
 * Decrypts a packet's payload: `header` is the unprotected header (AAD, packet number
 * included), `sealed` the ciphertext and tag. Null when the tag does not verify.
 */
export function decryptPayload(c: TlsCrypto, k: PacketKeys, pn: number, header: Uint8Array, sealed: Uint8Array): Uint8Array | null {
  if (!c.supportsAead(k.aead)) return null;
  const nonce = k.iv.slice();
  let x = pn;
  for (let i = 11; i >= 4 && x > 0; i--) {
    nonce[i]! ^= x % 256;
    x = Math.floor(x / 256);
  }
  return c.aeadDecrypt(k.aead, k.key, nonce, header, sealed);
}

/** Encrypts a payload (tests build protected packets with it). */
export function encryptPayload(c: TlsCrypto, k: PacketKeys, pn: number, header: Uint8Array, plain: Uint8Array): Uint8Array {
  const nonce = k.iv.slice();
  let x = pn;
  for (let i = 11; i >= 4 && x > 0; i--) {
    nonce[i]! ^= x % 256;
    x = Math.floor(x / 256);
  }
  return c.aeadEncrypt(k.aead, k.key, nonce, header, plain);
}
