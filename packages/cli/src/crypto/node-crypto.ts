/**
 * The Node backend of the TlsCrypto interface: node:crypto (OpenSSL) for hashes, HMAC, AEADs,
 * CBC and RSA. Single DES, SEED, IDEA and RC2 (moved to OpenSSL 3's legacy provider) and RC4
 * come from core's pure code. RSA uses RSA_NO_PADDING plus core's PKCS#1 unpadding because Node 20 refuses
 * RSA_PKCS1_PADDING for private decryption (CVE-2023-46809) and because we want to say
 * "bad padding" (wrong key) instead of getting implicit-rejection garbage.
 */
import * as nc from 'node:crypto';
import { ccmDecrypt, ccmEncrypt } from '@tlslens/core';
import { Des, legacyBlockCipher } from '@tlslens/core';
import { rsaDecryptWith } from '@tlslens/core';
import { AEAD_TAG_LEN, type AeadAlg, type BlockAlg, type ByteInput, type HashAlg, type RsaPrivateKey, type TlsCrypto } from '@tlslens/core';

const u8 = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.length);

const AEAD_NAMES: Partial<Record<AeadAlg, nc.CipherCCMTypes | nc.CipherGCMTypes | nc.CipherChaCha20Poly1305Types | string>> = {
  'aes-128-gcm': 'aes-128-gcm', 'aes-256-gcm': 'aes-256-gcm',
  'aes-128-ccm': 'aes-128-ccm', 'aes-256-ccm': 'aes-256-ccm', 'aes-128-ccm8': 'aes-128-ccm', 'aes-256-ccm8': 'aes-256-ccm',
  'chacha20-poly1305': 'chacha20-poly1305', 'aria-128-gcm': 'aria-128-gcm', 'aria-256-gcm': 'aria-256-gcm',
};
const CBC_NAMES: Partial<Record<BlockAlg, string>> = {
  'aes-128': 'aes-128-cbc', 'aes-256': 'aes-256-cbc', '3des': 'des-ede3-cbc',
  'camellia-128': 'camellia-128-cbc', 'camellia-256': 'camellia-256-cbc', 'aria-128': 'aria-128-cbc', 'aria-256': 'aria-256-cbc',
};

function available(name: string): boolean {
  try {
    const c = nc.getCipherInfo(name);
    return c !== undefined;
  } catch {
    return false;
  }
}

export function createNodeCrypto(): TlsCrypto {
  const aeadOk = new Map<AeadAlg, boolean>();
  const blockOk = new Map<BlockAlg, boolean>();
  const keyObjects = new WeakMap<RsaPrivateKey, nc.KeyObject>();
  const isCcm = (alg: AeadAlg) => alg === 'aes-128-ccm' || alg === 'aes-256-ccm' || alg === 'aes-128-ccm8' || alg === 'aes-256-ccm8';

  function rawRsa(key: RsaPrivateKey, c: Uint8Array): Uint8Array {
    let ko = keyObjects.get(key);
    if (!ko) {
      ko = nc.createPrivateKey({ key: Buffer.from(key.pkcs1Der), format: 'der', type: 'pkcs1' });
      keyObjects.set(key, ko);
    }
    return u8(nc.privateDecrypt({ key: ko, padding: nc.constants.RSA_NO_PADDING }, c));
  }

  return {
    name: 'node',
    hash(alg: HashAlg, data: ByteInput): Uint8Array {
      const h = nc.createHash(alg);
      if (data instanceof Uint8Array) h.update(data);
      else for (const d of data) h.update(d);
      return u8(h.digest());
    },
    hmac(alg: HashAlg, key: Uint8Array, data: ByteInput): Uint8Array {
      const h = nc.createHmac(alg, key);
      if (data instanceof Uint8Array) h.update(data);
      else for (const d of data) h.update(d);
      return u8(h.digest());
    },
    supportsAead(alg) {
      let ok = aeadOk.get(alg);
      if (ok === undefined) {
        const n = AEAD_NAMES[alg];
        ok = n !== undefined && available(n);
        aeadOk.set(alg, ok);
      }
      return ok;
    },
    aeadDecrypt(alg, key, nonce, aad, sealed) {
      const tagLen = AEAD_TAG_LEN[alg];
      if (sealed.length < tagLen) return null;
      const ctLen = sealed.length - tagLen;
      const ccm = isCcm(alg);
      // OpenSSL 3.0 fails CCM with AAD and an empty message ("tag not set"): use core's CCM.
      if (ctLen === 0 && ccm) return ccmDecrypt(key, nonce, aad, sealed, tagLen);
      // GCM and ChaCha20-Poly1305 tags are 16 bytes, Node's default (no options to parse per record)
      const d = (ccm || tagLen !== 16
        ? nc.createDecipheriv(AEAD_NAMES[alg] as nc.CipherGCMTypes, key, nonce, { authTagLength: tagLen })
        : nc.createDecipheriv(AEAD_NAMES[alg] as nc.CipherGCMTypes, key, nonce)) as nc.DecipherGCM;
      const ct = sealed.subarray(0, ctLen);
      try {
        d.setAuthTag(sealed.subarray(ctLen));
        if (ccm) (d as unknown as nc.DecipherCCM).setAAD(aad, { plaintextLength: ctLen });
        else d.setAAD(aad);
        const a = d.update(ct);
        const b = d.final();
        return b.length === 0 ? u8(a) : u8(Buffer.concat([a, b]));
      } catch {
        return null;
      }
    },
    aeadEncrypt(alg, key, nonce, aad, plaintext) {
      const tagLen = AEAD_TAG_LEN[alg];
      if (plaintext.length === 0 && isCcm(alg)) return ccmEncrypt(key, nonce, aad, plaintext, tagLen);
      const c = nc.createCipheriv(AEAD_NAMES[alg] as nc.CipherGCMTypes, key, nonce, { authTagLength: tagLen }) as nc.CipherGCM;
      if (isCcm(alg)) (c as unknown as nc.CipherCCM).setAAD(aad, { plaintextLength: plaintext.length });
      else c.setAAD(aad);
      return u8(Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]));
    },
    supportsBlock(alg) {
      if (alg === 'des' || alg === 'seed' || alg === 'idea' || alg === 'rc2') return true;
      let ok = blockOk.get(alg);
      if (ok === undefined) {
        const n = CBC_NAMES[alg];
        ok = n !== undefined && available(n);
        blockOk.set(alg, ok);
      }
      return ok;
    },
    cbcDecrypt(alg, key, iv, data) {
      if (alg === 'des') return new Des(key).cbcDecrypt(iv, data);
      if (alg === 'seed' || alg === 'idea' || alg === 'rc2') return legacyBlockCipher(alg, key).cbcDecrypt(iv, data);
      const d = nc.createDecipheriv(CBC_NAMES[alg]!, key, iv).setAutoPadding(false);
      const a = d.update(data);
      const b = d.final();
      return b.length === 0 ? u8(a) : u8(Buffer.concat([a, b]));
    },
    cbcEncrypt(alg, key, iv, data) {
      if (alg === 'des') return new Des(key).cbcEncrypt(iv, data);
      if (alg === 'seed' || alg === 'idea' || alg === 'rc2') return legacyBlockCipher(alg, key).cbcEncrypt(iv, data);
      const c = nc.createCipheriv(CBC_NAMES[alg]!, key, iv).setAutoPadding(false);
      return u8(Buffer.concat([c.update(data), c.final()]));
    },
    rsaDecryptPkcs1(key, ciphertext) {
      return rsaDecryptWith(rawRsa, key, ciphertext);
    },
    aesEcbBlock(key, block) {
      if (key.length !== 16 && key.length !== 32) throw new Error(`aes-ecb: key must be 16 or 32 bytes, not ${key.length}`);
      if (block.length !== 16) throw new Error(`aes-ecb: block must be 16 bytes, not ${block.length}`);
      const c = nc.createCipheriv(key.length === 16 ? 'aes-128-ecb' : 'aes-256-ecb', key, null).setAutoPadding(false);
      return u8(c.update(block));
    },
    chacha20(key, counter, nonce, data) {
      if (key.length !== 32) throw new Error(`chacha20: key must be 32 bytes, not ${key.length}`);
      if (nonce.length !== 12) throw new Error(`chacha20: nonce must be 12 bytes, not ${nonce.length}`);
      // OpenSSL's chacha20 IV is the 32-bit little-endian block counter followed by the 96-bit nonce
      const iv = new Uint8Array(16);
      new DataView(iv.buffer).setUint32(0, counter >>> 0, true);
      iv.set(nonce, 4);
      const c = nc.createCipheriv('chacha20', key, iv);
      return u8(Buffer.concat([c.update(data), c.final()]));
    },
  };
}
