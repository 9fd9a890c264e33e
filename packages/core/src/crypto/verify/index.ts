/**
 * Signature verification behind a small interface: the core stays browser-safe; Node
 * plugs in a node:crypto implementation (packages/cli/src/crypto/node-verifier.ts), a
 * browser uses `webCryptoVerifier()` (which reports what WebCrypto cannot do).
 */

export type HashName = 'md5' | 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';

export type SignatureScheme =
  | { readonly kind: 'rsa-pkcs1'; readonly hash: HashName }
  | { readonly kind: 'rsa-pss'; readonly hash: HashName; readonly saltLength: number }
  /** ECDSA with a DER-encoded (r, s) signature, as in X.509 and TLS. */
  | { readonly kind: 'ecdsa'; readonly hash: HashName }
  | { readonly kind: 'ed25519' }
  | { readonly kind: 'ed448' }
  | { readonly kind: 'dsa'; readonly hash: HashName }
  /** TLS 1.0/1.1 RSA ServerKeyExchange: PKCS#1 v1.5 over MD5(data) ‖ SHA-1(data), no DigestInfo. */
  | { readonly kind: 'rsa-pkcs1-md5sha1' };

export type VerifyResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'bad-signature' | 'unsupported' | 'bad-key'; readonly message: string };

export interface SignatureVerifier {
  /** "node:crypto", "WebCrypto". */
  readonly name: string;
  /** Verifies `signature` over `data` with the key in `spki` (DER SubjectPublicKeyInfo). */
  verify(spki: Uint8Array, scheme: SignatureScheme, data: Uint8Array, signature: Uint8Array): Promise<VerifyResult>;
  /** A message digest (for TLS 1.3 transcript hashes). */
  digest(hash: HashName, data: Uint8Array): Promise<Uint8Array>;
}

export function schemeText(s: SignatureScheme): string {
  switch (s.kind) {
    case 'rsa-pkcs1': return `RSA PKCS#1 v1.5 with ${s.hash.toUpperCase()}`;
    case 'rsa-pss': return `RSA-PSS with ${s.hash.toUpperCase()}`;
    case 'ecdsa': return `ECDSA with ${s.hash.toUpperCase()}`;
    case 'dsa': return `DSA with ${s.hash.toUpperCase()}`;
    case 'ed25519': return 'Ed25519';
    case 'ed448': return 'Ed448';
    case 'rsa-pkcs1-md5sha1': return 'RSA PKCS#1 v1.5 with MD5+SHA1';
  }
}

// ---------------------------------------------------------------------------------------
// WebCrypto implementation
// ---------------------------------------------------------------------------------------

const WC_HASH: Partial<Record<HashName, string>> = { sha1: 'SHA-1', sha256: 'SHA-256', sha384: 'SHA-384', sha512: 'SHA-512' };
const EC_CURVES: Record<string, [string, number]> = {
  '1.2.840.10045.3.1.7': ['P-256', 32],
  '1.3.132.0.34': ['P-384', 48],
  '1.3.132.0.35': ['P-521', 66],
};

/** Reads the curve OID from an EC SubjectPublicKeyInfo (SEQ { SEQ { OID ecPublicKey, OID curve } ... }). */
function ecCurveOid(spki: Uint8Array): string | undefined {
  const hdr = (o: number): [number, number] => {
    let len = spki[o + 1]!;
    let h = 2;
    if (len & 0x80) { const n = len & 0x7f; len = 0; for (let i = 0; i < n; i++) len = len * 256 + spki[o + 2 + i]!; h += n; }
    return [o + h, len];
  };
  try {
    const [inner] = hdr(0);
    const [algBody] = hdr(inner);
    const [, oid1len] = hdr(algBody);
    const curveAt = algBody + 2 + oid1len;
    if (spki[curveAt] !== 0x06) return undefined;
    const [cs, cl] = hdr(curveAt);
    const parts: number[] = [];
    let v = 0;
    for (let i = cs; i < cs + cl; i++) {
      v = v * 128 + (spki[i]! & 0x7f);
      if (!(spki[i]! & 0x80)) { parts.push(v); v = 0; }
    }
    const first = parts.shift()!;
    const a = first < 80 ? Math.floor(first / 40) : 2;
    return [a, first - a * 40, ...parts].join('.');
  } catch {
    return undefined;
  }
}

/** DER ECDSA-Sig-Value → fixed-width r ‖ s (WebCrypto's format). */
export function ecdsaDerToRaw(sig: Uint8Array, size: number): Uint8Array | undefined {
  if (sig[0] !== 0x30) return undefined;
  let o = 2;
  if (sig[1]! & 0x80) o += sig[1]! & 0x7f;
  const out = new Uint8Array(size * 2);
  for (let k = 0; k < 2; k++) {
    if (sig[o] !== 0x02) return undefined;
    const len = sig[o + 1]!;
    let v = sig.subarray(o + 2, o + 2 + len);
    while (v.length > size && v[0] === 0) v = v.subarray(1);
    if (v.length > size) return undefined;
    out.set(v, k * size + (size - v.length));
    o += 2 + len;
  }
  return out;
}

function copy(b: Uint8Array): ArrayBuffer {
  return b.slice().buffer as ArrayBuffer;
}

export function webCryptoVerifier(subtle: SubtleCrypto | undefined = globalThis.crypto?.subtle): SignatureVerifier {
  const unsupported = (what: string): VerifyResult => ({ ok: false, reason: 'unsupported', message: `${what} is unsupported in browser (WebCrypto)` });
  return {
    name: 'WebCrypto',
    async digest(hash, data) {
      const h = WC_HASH[hash];
      if (!subtle || !h) throw new Error(`digest ${hash} unsupported in browser (WebCrypto)`);
      return new Uint8Array(await subtle.digest(h, copy(data)));
    },
    async verify(spki, scheme, data, signature) {
      if (!subtle) return unsupported('signature verification');
      try {
        switch (scheme.kind) {
          case 'rsa-pkcs1': {
            const h = WC_HASH[scheme.hash];
            if (!h) return unsupported(`RSA with ${scheme.hash}`);
            const key = await subtle.importKey('spki', copy(spki), { name: 'RSASSA-PKCS1-v1_5', hash: h }, false, ['verify']);
            return result(await subtle.verify('RSASSA-PKCS1-v1_5', key, copy(signature), copy(data)));
          }
          case 'rsa-pss': {
            const h = WC_HASH[scheme.hash];
            if (!h) return unsupported(`RSA-PSS with ${scheme.hash}`);
            const key = await subtle.importKey('spki', copy(spki), { name: 'RSA-PSS', hash: h }, false, ['verify']);
            return result(await subtle.verify({ name: 'RSA-PSS', saltLength: scheme.saltLength }, key, copy(signature), copy(data)));
          }
          case 'ecdsa': {
            const h = WC_HASH[scheme.hash];
            const c = EC_CURVES[ecCurveOid(spki) ?? ''];
            if (!h || !c) return unsupported('this ECDSA curve or hash');
            const key = await subtle.importKey('spki', copy(spki), { name: 'ECDSA', namedCurve: c[0] }, false, ['verify']);
            const raw = ecdsaDerToRaw(signature, c[1]);
            if (!raw) return { ok: false, reason: 'bad-signature', message: 'malformed ECDSA signature' };
            return result(await subtle.verify({ name: 'ECDSA', hash: h }, key, copy(raw), copy(data)));
          }
          case 'ed25519': {
            const key = await subtle.importKey('spki', copy(spki), { name: 'Ed25519' }, false, ['verify']);
            return result(await subtle.verify({ name: 'Ed25519' }, key, copy(signature), copy(data)));
          }
          default:
            return unsupported(schemeText(scheme));
        }
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        if (/not supported|unrecognized|NotSupported/i.test(msg)) return unsupported(schemeText(scheme));
        return { ok: false, reason: 'bad-key', message: msg };
      }
    },
  };
}

function result(ok: boolean): VerifyResult {
  return ok ? { ok: true } : { ok: false, reason: 'bad-signature', message: 'signature does not verify' };
}
