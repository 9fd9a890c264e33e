/**
 * The browser-safe backend: @noble/hashes and @noble/ciphers (synchronous), plus in-tree DES,
 * SEED, IDEA, RC2, Camellia, CCM and BigInt RSA. ARIA is not available here (supports*() says so and record
 * decryption reports 'unsupported_cipher').
 */
import { cbc, ecb, gcm } from '@noble/ciphers/aes.js';
import { chacha20, chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hmac } from '@noble/hashes/hmac.js';
import { md5, sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { Camellia } from './camellia.ts';
import { ccmDecrypt, ccmEncrypt } from './ccm.ts';
import { Des } from './des.ts';
import { Idea } from './idea.ts';
import { Rc2 } from './rc2.ts';
import { Seed } from './seed.ts';
import { rsaDecryptWith, rsaRawBig } from './rsa.ts';
import { AEAD_TAG_LEN, type AeadAlg, type BlockAlg, type ByteInput, type HashAlg, type RsaDecryptResult, type RsaPrivateKey, type TlsCrypto } from './types.ts';

const HASHES = { md5, sha1, sha256, sha384, sha512 } as const;

const AEADS = new Set<AeadAlg>(['aes-128-gcm', 'aes-256-gcm', 'aes-128-ccm', 'aes-256-ccm', 'aes-128-ccm8', 'aes-256-ccm8', 'chacha20-poly1305']);
const BLOCKS = new Set<BlockAlg>(['aes-128', 'aes-256', '3des', 'des', 'seed', 'idea', 'rc2', 'camellia-128', 'camellia-256']);

function hashInput(h: { update(b: Uint8Array): unknown }, data: ByteInput): void {
  if (data instanceof Uint8Array) h.update(data);
  else for (const d of data) h.update(d);
}

/** A one-entry cache for the DES key schedule (3DES records reuse the same key). */
let desKey: Uint8Array | undefined;
let desCipher: Des | undefined;
function des(key: Uint8Array): Des {
  if (!desCipher || !desKey || desKey.length !== key.length || !desKey.every((v, i) => v === key[i])) {
    desCipher = new Des(key);
    desKey = key.slice();
  }
  return desCipher;
}

/** SEED, IDEA and RC2 (legacy ciphers, also used by the Node backend) and Camellia, one cached key schedule. */
type Legacy = Seed | Idea | Rc2 | Camellia;
let legacyAlg: string | undefined;
let legacyKey: Uint8Array | undefined;
let legacyCipher: Legacy | undefined;
export function legacyBlockCipher(alg: 'seed' | 'idea' | 'rc2' | 'camellia-128' | 'camellia-256', key: Uint8Array): Legacy {
  if (!legacyCipher || legacyAlg !== alg || !legacyKey || legacyKey.length !== key.length || !legacyKey.every((v, i) => v === key[i])) {
    if (alg !== 'rc2') checkKey(alg, key, alg === 'camellia-256' ? 32 : 16);
    legacyCipher = alg === 'seed' ? new Seed(key) : alg === 'idea' ? new Idea(key) : alg === 'rc2' ? new Rc2(key) : new Camellia(key);
    legacyAlg = alg;
    legacyKey = key.slice();
  }
  return legacyCipher;
}

function checkKey(alg: string, key: Uint8Array, want: number): void {
  if (key.length !== want) throw new Error(`${alg}: key must be ${want} bytes, not ${key.length}`);
}

export function createPureCrypto(): TlsCrypto {
  return {
    name: 'pure',
    hash(alg: HashAlg, data: ByteInput): Uint8Array {
      const h = HASHES[alg].create();
      hashInput(h, data);
      return h.digest();
    },
    hmac(alg: HashAlg, key: Uint8Array, data: ByteInput): Uint8Array {
      const h = hmac.create(HASHES[alg], key);
      hashInput(h, data);
      return h.digest();
    },
    supportsAead: (alg) => AEADS.has(alg),
    aeadDecrypt(alg, key, nonce, aad, sealed) {
      const tagLen = AEAD_TAG_LEN[alg];
      if (sealed.length < tagLen) return null;
      switch (alg) {
        case 'aes-128-gcm': case 'aes-256-gcm':
          checkKey(alg, key, alg === 'aes-128-gcm' ? 16 : 32);
          try {
            return gcm(key, nonce, aad).decrypt(sealed);
          } catch {
            return null;
          }
        case 'chacha20-poly1305':
          try {
            return chacha20poly1305(key, nonce, aad).decrypt(sealed);
          } catch {
            return null;
          }
        case 'aes-128-ccm': case 'aes-256-ccm': case 'aes-128-ccm8': case 'aes-256-ccm8':
          checkKey(alg, key, alg.startsWith('aes-128') ? 16 : 32);
          return ccmDecrypt(key, nonce, aad, sealed, tagLen);
        default:
          throw new Error(`pure crypto: ${alg} is not supported`);
      }
    },
    aeadEncrypt(alg, key, nonce, aad, plaintext) {
      switch (alg) {
        case 'aes-128-gcm': case 'aes-256-gcm':
          checkKey(alg, key, alg === 'aes-128-gcm' ? 16 : 32);
          return gcm(key, nonce, aad).encrypt(plaintext);
        case 'chacha20-poly1305':
          return chacha20poly1305(key, nonce, aad).encrypt(plaintext);
        case 'aes-128-ccm': case 'aes-256-ccm': case 'aes-128-ccm8': case 'aes-256-ccm8':
          checkKey(alg, key, alg.startsWith('aes-128') ? 16 : 32);
          return ccmEncrypt(key, nonce, aad, plaintext, AEAD_TAG_LEN[alg]);
        default:
          throw new Error(`pure crypto: ${alg} is not supported`);
      }
    },
    supportsBlock: (alg) => BLOCKS.has(alg),
    cbcDecrypt(alg, key, iv, data) {
      switch (alg) {
        case 'aes-128': case 'aes-256':
          checkKey(alg, key, alg === 'aes-128' ? 16 : 32);
          return cbc(key, iv, { disablePadding: true }).decrypt(data);
        case '3des': case 'des':
          checkKey(alg, key, alg === 'des' ? 8 : 24);
          return des(key).cbcDecrypt(iv, data);
        case 'seed': case 'idea': case 'rc2': case 'camellia-128': case 'camellia-256':
          return legacyBlockCipher(alg, key).cbcDecrypt(iv, data);
        default:
          throw new Error(`pure crypto: ${alg} is not supported`);
      }
    },
    cbcEncrypt(alg, key, iv, data) {
      switch (alg) {
        case 'aes-128': case 'aes-256':
          checkKey(alg, key, alg === 'aes-128' ? 16 : 32);
          return cbc(key, iv, { disablePadding: true }).encrypt(data);
        case '3des': case 'des':
          checkKey(alg, key, alg === 'des' ? 8 : 24);
          return des(key).cbcEncrypt(iv, data);
        case 'seed': case 'idea': case 'rc2': case 'camellia-128': case 'camellia-256':
          return legacyBlockCipher(alg, key).cbcEncrypt(iv, data);
        default:
          throw new Error(`pure crypto: ${alg} is not supported`);
      }
    },
    rsaDecryptPkcs1(key: RsaPrivateKey, ciphertext: Uint8Array): RsaDecryptResult {
      return rsaDecryptWith(rsaRawBig, key, ciphertext);
    },
    aesEcbBlock(key, block) {
      if (key.length !== 16 && key.length !== 32) throw new Error(`aes-ecb: key must be 16 or 32 bytes, not ${key.length}`);
      if (block.length !== 16) throw new Error(`aes-ecb: block must be 16 bytes, not ${block.length}`);
      return ecb(key, { disablePadding: true }).encrypt(block);
    },
    chacha20(key, counter, nonce, data) {
      checkKey('chacha20', key, 32);
      if (nonce.length !== 12) throw new Error(`chacha20: nonce must be 12 bytes, not ${nonce.length}`);
      return chacha20(key, nonce, data, undefined, counter >>> 0);
    },
  };
}
