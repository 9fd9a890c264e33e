/**
 * The Node implementation of core's SignatureVerifier (node:crypto, i.e. OpenSSL): RSA
 * PKCS#1 v1.5 and PSS, ECDSA (any curve OpenSSL knows), Ed25519/Ed448, DSA, and the raw
 * MD5+SHA-1 RSA signatures of TLS 1.0/1.1 (via publicDecrypt with PKCS#1 type-1 padding).
 * Also the default trust store: Node's bundled Mozilla roots (tls.rootCertificates).
 */
import * as nc from 'node:crypto';
import { rootCertificates } from 'node:tls';
import type { HashName, SignatureScheme, SignatureVerifier, VerifyResult } from '@tlslens/core';
import { pemDecodeAll } from '@tlslens/core';

const u8 = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.length);

function bad(message = 'signature does not verify'): VerifyResult {
  return { ok: false, reason: 'bad-signature', message };
}

export function createNodeVerifier(): SignatureVerifier {
  return {
    name: 'node:crypto',
    async digest(hash: HashName, data: Uint8Array) {
      return u8(nc.createHash(hash).update(data).digest());
    },
    async verify(spki: Uint8Array, scheme: SignatureScheme, data: Uint8Array, signature: Uint8Array): Promise<VerifyResult> {
      let key: nc.KeyObject;
      try {
        key = nc.createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
      } catch (e) {
        return { ok: false, reason: 'bad-key', message: `cannot import public key: ${(e as Error).message}` };
      }
      try {
        switch (scheme.kind) {
          case 'rsa-pkcs1':
            return nc.verify(scheme.hash, data, { key, padding: nc.constants.RSA_PKCS1_PADDING }, signature) ? { ok: true } : bad();
          case 'rsa-pss':
            return nc.verify(scheme.hash, data, { key, padding: nc.constants.RSA_PKCS1_PSS_PADDING, saltLength: scheme.saltLength }, signature) ? { ok: true } : bad();
          case 'ecdsa':
          case 'dsa':
            return nc.verify(scheme.hash, data, { key, dsaEncoding: 'der' }, signature) ? { ok: true } : bad();
          case 'ed25519':
          case 'ed448':
            return nc.verify(null, data, key, signature) ? { ok: true } : bad();
          case 'rsa-pkcs1-md5sha1': {
            const want = Buffer.concat([nc.createHash('md5').update(data).digest(), nc.createHash('sha1').update(data).digest()]);
            let got: Buffer;
            try {
              got = nc.publicDecrypt({ key, padding: nc.constants.RSA_PKCS1_PADDING }, signature);
            } catch {
              return bad('signature does not verify (bad PKCS#1 padding)');
            }
            return got.equals(want) ? { ok: true } : bad();
          }
        }
      } catch (e) {
        const msg = (e as Error).message;
        if (/unsupported|not supported|invalid digest/i.test(msg)) return { ok: false, reason: 'unsupported', message: msg };
        return bad(`signature does not verify (${msg})`);
      }
    },
  };
}

/** Node's bundled root certificates (Mozilla's list) as DER. */
export function nodeRootCertificates(): Uint8Array[] {
  return rootCertificates.flatMap((pem) => pemDecodeAll(pem));
}
