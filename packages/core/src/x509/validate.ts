/**
 * Certificate chain validation (RFC 5280 path building and checks, RFC 6125 host names)
 * and TLS handshake signature checks (ServerKeyExchange, TLS 1.3 CertificateVerify).
 * Signatures go through a SignatureVerifier (node:crypto in Node, WebCrypto in browsers).
 *
 * Not checked: revocation (CRL/OCSP), name constraints, policy constraints, SCT validity.
 */
import { ipv4Text, ipv6Text } from '../fields/format.ts';
import type { HashName, SignatureScheme, SignatureVerifier, VerifyResult } from '../crypto/verify/index.ts';
import { schemeText } from '../crypto/verify/index.ts';
import { signatureSchemeInfo, type KeyExchange } from '../tls/registry/index.ts';
import { bytesEqual, parseCertificate, type AlgorithmId, type Certificate } from './certificate.ts';
import { DerError, TAG, children, oidText, readTlv } from './der.ts';
import { pemDecodeAll } from './pem.ts';

export type ProblemCode =
  | 'no-certificates' | 'malformed' | 'bad-signature' | 'unsupported-algorithm' | 'expired' | 'not-yet-valid'
  | 'hostname-mismatch' | 'self-signed' | 'issuer-not-found' | 'not-ca' | 'path-length' | 'key-usage'
  | 'ext-key-usage' | 'critical-extension' | 'chain-too-long';

export interface Problem {
  readonly code: ProblemCode;
  readonly message: string;
  /** Index in `chain` of the certificate concerned. */
  readonly cert?: number;
}

export interface ValidationOptions {
  readonly verifier: SignatureVerifier;
  /** Trust anchors (DER or parsed), e.g. from `parseCaBundle` or the platform store. */
  readonly trustAnchors?: readonly (Uint8Array | Certificate)[];
  /** Validation time in epoch ms (the capture's time); default now. */
  readonly time?: number;
  /** Host name to check (the SNI); omitted = no host name check. */
  readonly hostname?: string;
  /** Negotiated key exchange, for the leaf's keyUsage (RSA → keyEncipherment, (EC)DHE → digitalSignature). */
  readonly keyExchange?: KeyExchange;
  /** Required extended key usage of the leaf (default serverAuth). */
  readonly purpose?: 'serverAuth' | 'clientAuth';
  /** Maximum chain length (default 10). */
  readonly maxDepth?: number;
}

export interface ChainResult {
  readonly valid: boolean;
  readonly problems: readonly Problem[];
  /** The chain as built: leaf first, then issuers; ends with the trust anchor when found. */
  readonly chain: readonly Certificate[];
  /** True when the chain ends at a trust anchor. */
  readonly trusted: boolean;
  /** Presented certificates not used in the chain (indexes into `presented`). */
  readonly unused: readonly number[];
  /** Presented certificates that could not be parsed (indexes into `presented`). */
  readonly unparsed: readonly number[];
}

/** Extracts the certificates of a PEM CA bundle (also accepts concatenated DER? no: PEM only). */
export function parseCaBundle(pem: string): Uint8Array[] {
  return pemDecodeAll(pem);
}

/** "CN=example.com" style label for messages. */
export function certLabel(c: Certificate): string {
  return c.subject.text || `serial ${c.serialNumber}`;
}

function isoDate(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString().replace('.000Z', 'Z') : 'an invalid date';
}

const HASH_OF: Record<string, HashName> = {
  '1.2.840.113549.2.5': 'md5', '1.3.14.3.2.26': 'sha1', '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384', '2.16.840.1.101.3.4.2.3': 'sha512', '2.16.840.1.101.3.4.2.4': 'sha224',
};

/** The signature scheme of a certificate's signatureAlgorithm. */
export function certSignatureScheme(alg: AlgorithmId): SignatureScheme | undefined {
  const rsa: Record<string, HashName> = {
    '1.2.840.113549.1.1.4': 'md5', '1.2.840.113549.1.1.5': 'sha1', '1.2.840.113549.1.1.11': 'sha256',
    '1.2.840.113549.1.1.12': 'sha384', '1.2.840.113549.1.1.13': 'sha512', '1.2.840.113549.1.1.14': 'sha224',
    '1.3.14.3.2.29': 'sha1',
  };
  const ec: Record<string, HashName> = {
    '1.2.840.10045.4.1': 'sha1', '1.2.840.10045.4.3.1': 'sha224', '1.2.840.10045.4.3.2': 'sha256',
    '1.2.840.10045.4.3.3': 'sha384', '1.2.840.10045.4.3.4': 'sha512',
  };
  const dsa: Record<string, HashName> = { '1.2.840.10040.4.3': 'sha1', '2.16.840.1.101.3.4.3.1': 'sha224', '2.16.840.1.101.3.4.3.2': 'sha256' };
  if (rsa[alg.oid]) return { kind: 'rsa-pkcs1', hash: rsa[alg.oid]! };
  if (ec[alg.oid]) return { kind: 'ecdsa', hash: ec[alg.oid]! };
  if (dsa[alg.oid]) return { kind: 'dsa', hash: dsa[alg.oid]! };
  if (alg.oid === '1.3.101.112') return { kind: 'ed25519' };
  if (alg.oid === '1.3.101.113') return { kind: 'ed448' };
  if (alg.oid === '1.2.840.113549.1.1.10') {
    // RSASSA-PSS-params: [0] hashAlgorithm (default SHA-1), [2] saltLength (default 20)
    let hash: HashName = 'sha1';
    let saltLength = 20;
    const p = alg.params;
    if (p && p[0] === TAG.SEQUENCE) {
      try {
        for (const c of children(p, readTlv(p, 0, p.length), 4)) {
          if (c.tag === 0xa0) {
            const a = readTlv(p, c.vstart, c.end);
            const h = HASH_OF[oidText(p, readTlv(p, a.vstart, a.end))];
            if (!h) return undefined;
            hash = h;
          } else if (c.tag === 0xa2) {
            const v = readTlv(p, c.vstart, c.end);
            saltLength = 0;
            for (let i = v.vstart; i < v.end; i++) saltLength = saltLength * 256 + p[i]!;
          }
        }
      } catch (e) {
        if (e instanceof DerError) return undefined;
        throw e;
      }
    }
    return { kind: 'rsa-pss', hash, saltLength };
  }
  return undefined;
}

function parseIp(s: string): string | undefined {
  const h = s.replace(/^\[|\]$/g, '');
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(h)) {
    const p = h.split('.').map(Number);
    if (p.some((x) => x > 255)) return undefined;
    return ipv4Text(((p[0]! << 24) >>> 0) + (p[1]! << 16) + (p[2]! << 8) + p[3]!);
  }
  if (h.includes(':')) {
    const [head, tail] = h.split('::') as [string, string | undefined];
    const hp = head ? head.split(':') : [];
    const tp = tail !== undefined && tail !== '' ? tail.split(':') : [];
    if (h.split('::').length > 2) return undefined;
    const fill = tail !== undefined ? 8 - hp.length - tp.length : 0;
    const groups = [...hp, ...Array(Math.max(0, fill)).fill('0'), ...tp];
    if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return undefined;
    const b = new Uint8Array(16);
    groups.forEach((g, i) => { const v = parseInt(g, 16); b[i * 2] = v >> 8; b[i * 2 + 1] = v & 255; });
    return ipv6Text(b);
  }
  return undefined;
}

/** One DNS-ID against one presented identifier (RFC 6125 §6.4: wildcard only as the whole left-most label). */
export function dnsNameMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase().replace(/\.$/, '');
  const h = host.toLowerCase().replace(/\.$/, '');
  if (!p.includes('*')) return p === h;
  const pl = p.split('.');
  const hl = h.split('.');
  // "*" must be the complete left-most label, not partial ("w*.example.com"), with ≥ 2 labels after it
  if (pl[0] !== '*' || pl.slice(1).some((l) => l.includes('*')) || pl.length < 3) return false;
  if (hl.length !== pl.length || hl[0] === '') return false;
  return pl.slice(1).join('.') === hl.slice(1).join('.');
}

/**
 * Host name check (RFC 6125): IP addresses against iPAddress SANs only; names against the
 * dNSName SANs; the subject CN is used only when the certificate has no dNSName SAN.
 */
export function matchHostname(cert: Certificate, hostname: string): { ok: boolean; message?: string } {
  const ip = parseIp(hostname);
  if (ip !== undefined) {
    if (cert.san.ip.includes(ip)) return { ok: true };
    return { ok: false, message: `IP address ${hostname} does not match IP SANs [${cert.san.ip.join(', ')}]` };
  }
  if (cert.san.dns.length > 0) {
    if (cert.san.dns.some((d) => dnsNameMatches(d, hostname))) return { ok: true };
    return { ok: false, message: `hostname ${hostname} does not match SANs [${cert.san.dns.join(', ')}]` };
  }
  const cn = cert.subject.get('2.5.4.3');
  if (cn !== undefined && dnsNameMatches(cn, hostname)) return { ok: true };
  return { ok: false, message: `hostname ${hostname} does not match the certificate (no dNSName SAN; CN=${cn ?? 'absent'})` };
}

const HANDLED_CRITICAL = new Set(['2.5.29.15', '2.5.29.17', '2.5.29.19', '2.5.29.37', '2.5.29.32', '2.5.29.30', '2.5.29.36', '2.5.29.54', '2.5.29.35', '2.5.29.14', '2.5.29.18', '2.5.29.31']);

function nameKey(c: Certificate, which: 'subject' | 'issuer'): string {
  return c[which].text.toLowerCase().replace(/\s+/g, ' ');
}

function issues(child: Certificate, cand: Certificate): boolean {
  if (!bytesEqual(child.issuer.der, cand.subject.der) && nameKey(child, 'issuer') !== nameKey(cand, 'subject')) return false;
  if (child.authorityKeyId && cand.subjectKeyId && !bytesEqual(child.authorityKeyId, cand.subjectKeyId)) return false;
  return true;
}

/**
 * Builds and checks the chain of `presented` certificates (leaf first; the others in any
 * order, extra ones ignored) against the trust anchors.
 */
export async function validateChain(presented: readonly Uint8Array[], opts: ValidationOptions): Promise<ChainResult> {
  const problems: Problem[] = [];
  const unparsed: number[] = [];
  const certs: { c: Certificate; idx: number }[] = [];
  presented.forEach((der, idx) => {
    try {
      certs.push({ c: parseCertificate(der), idx });
    } catch (e) {
      if (!(e instanceof DerError)) throw e;
      unparsed.push(idx);
      problems.push({ code: 'malformed', message: `certificate #${idx} is malformed: ${e.message}` });
    }
  });
  if (certs.length === 0 || certs[0]!.idx !== 0) {
    if (presented.length === 0) problems.push({ code: 'no-certificates', message: 'no certificates presented' });
    return { valid: false, problems, chain: [], trusted: false, unused: certs.map((x) => x.idx), unparsed };
  }
  const anchors: Certificate[] = [];
  for (const a of opts.trustAnchors ?? []) {
    if (a instanceof Uint8Array) {
      try { anchors.push(parseCertificate(a)); } catch (e) { if (!(e instanceof DerError)) throw e; }
    } else anchors.push(a);
  }
  const isAnchor = (c: Certificate) => anchors.some((a) => a.sha256 === c.sha256);
  const time = opts.time ?? Date.now();
  const maxDepth = opts.maxDepth ?? 10;

  // path building: from the leaf, take an issuer among the presented certificates or the anchors
  const chain: Certificate[] = [certs[0]!.c];
  const used = new Set<number>([0]);
  let trusted = isAnchor(certs[0]!.c);
  let cur = certs[0]!.c;
  while (!trusted) {
    if (chain.length > maxDepth) {
      problems.push({ code: 'chain-too-long', message: `chain longer than ${maxDepth} certificates` });
      break;
    }
    if (cur.selfIssued && !isAnchor(cur)) {
      // a self-signed certificate ends the path; a trusted copy of it (same key) still counts
      const anchor = anchors.find((a) => bytesEqual(a.subject.der, cur.subject.der) && bytesEqual(a.publicKey.spki, cur.publicKey.spki));
      if (anchor) { trusted = true; break; }
      problems.push({ code: 'self-signed', message: chain.length === 1 ? `self-signed certificate '${certLabel(cur)}' not in trust store` : `self-signed certificate '${certLabel(cur)}' in the chain is not in the trust store`, cert: chain.length - 1 });
      break;
    }
    const anchor = anchors.find((a) => issues(cur, a));
    if (anchor) {
      chain.push(anchor);
      trusted = true;
      // a presented copy of the anchor counts as used
      for (const x of certs) if (x.c.sha256 === anchor.sha256) used.add(x.idx);
      break;
    }
    const next = certs.find((x) => !used.has(x.idx) && issues(cur, x.c));
    if (!next) {
      problems.push({ code: 'issuer-not-found', message: `issuer '${cur.issuer.text}' of '${certLabel(cur)}' not found in presented chain or trust store`, cert: chain.length - 1 });
      break;
    }
    used.add(next.idx);
    chain.push(next.c);
    cur = next.c;
    if (isAnchor(cur)) trusted = true;
  }

  // signatures: each certificate by the next one; a self-signed last one only when it is not an anchor
  for (let i = 0; i < chain.length; i++) {
    const c = chain[i]!;
    const issuer = chain[i + 1];
    if (!issuer) break;
    if (i + 1 === chain.length - 1 && trusted && isAnchor(c)) break;
    const scheme = certSignatureScheme(c.signatureAlgorithm);
    if (!scheme) {
      problems.push({ code: 'unsupported-algorithm', message: `signature algorithm ${c.signatureAlgorithm.name} of '${certLabel(c)}' is not supported`, cert: i });
      continue;
    }
    const r = await opts.verifier.verify(issuer.publicKey.spki, scheme, c.tbs, c.signature);
    if (!r.ok) {
      if (r.reason === 'unsupported') problems.push({ code: 'unsupported-algorithm', message: `cannot verify the signature of '${certLabel(c)}': ${r.message}`, cert: i });
      else problems.push({ code: 'bad-signature', message: `signature of '${certLabel(c)}' does not verify with the key of '${certLabel(issuer)}' (${schemeText(scheme)})`, cert: i });
    }
  }

  // validity, CA flags, key usage, path length, critical extensions
  chain.forEach((c, i) => {
    if (!(time >= c.notBefore)) problems.push({ code: 'not-yet-valid', message: `certificate '${certLabel(c)}' is not valid before ${isoDate(c.notBefore)}`, cert: i });
    if (!(time <= c.notAfter)) problems.push({ code: 'expired', message: `certificate '${certLabel(c)}' expired on ${isoDate(c.notAfter)}`, cert: i });
    for (const e of c.extensions) {
      if (e.critical && !HANDLED_CRITICAL.has(e.oid)) problems.push({ code: 'critical-extension', message: `unhandled critical extension ${e.name} in '${certLabel(c)}'`, cert: i });
    }
    if (i === 0) return;
    const v1Root = c.version < 3 && c.selfIssued && trusted && i === chain.length - 1;
    if (!c.basicConstraints?.ca && !v1Root) {
      problems.push({ code: 'not-ca', message: `CA:false on issuer '${certLabel(c)}'${c.basicConstraints ? '' : ' (no basicConstraints)'}`, cert: i });
    }
    const below = i - 1; // intermediate CA certificates between this one and the leaf
    if (c.basicConstraints?.pathLen !== undefined && below > c.basicConstraints.pathLen) {
      problems.push({ code: 'path-length', message: `pathLenConstraint ${c.basicConstraints.pathLen} of '${certLabel(c)}' exceeded (${below} CA certificates below it)`, cert: i });
    }
    if (c.keyUsage && !c.keyUsage.keyCertSign) problems.push({ code: 'key-usage', message: `issuer '${certLabel(c)}' lacks keyUsage keyCertSign`, cert: i });
  });

  const leaf = chain[0]!;
  if (opts.hostname) {
    const m = matchHostname(leaf, opts.hostname);
    if (!m.ok) problems.push({ code: 'hostname-mismatch', message: m.message!, cert: 0 });
  }
  if (leaf.keyUsage && opts.keyExchange) {
    const ku = leaf.keyUsage;
    const kx = opts.keyExchange;
    const need = kx === 'RSA' || kx === 'RSA_PSK' ? 'keyEncipherment' : kx === 'ECDH' || kx === 'DH' ? 'keyAgreement' : kx === 'PSK' || kx === 'NULL' ? undefined : 'digitalSignature';
    if (need && !ku[need as 'keyEncipherment']) problems.push({ code: 'key-usage', message: `leaf '${certLabel(leaf)}' keyUsage lacks ${need} (needed for ${kx} key exchange)`, cert: 0 });
  }
  const purpose = opts.purpose ?? 'serverAuth';
  const eku = purpose === 'serverAuth' ? '1.3.6.1.5.5.7.3.1' : '1.3.6.1.5.5.7.3.2';
  if (leaf.extKeyUsage && !leaf.extKeyUsage.includes(eku) && !leaf.extKeyUsage.includes('2.5.29.37.0')) {
    problems.push({ code: 'ext-key-usage', message: `leaf '${certLabel(leaf)}' extKeyUsage does not include ${purpose}`, cert: 0 });
  }
  const unused = certs.filter((x) => !used.has(x.idx)).map((x) => x.idx);
  return { valid: problems.length === 0 && trusted, problems, chain, trusted, unused, unparsed };
}

// ---------------------------------------------------------------------------------------
// TLS handshake signatures
// ---------------------------------------------------------------------------------------

/** The verifier scheme for a TLS SignatureScheme code (TLS 1.2 SignatureAndHashAlgorithm or 1.3). */
export function tlsSignatureScheme(code: number): SignatureScheme | undefined {
  const i = signatureSchemeInfo(code);
  const hashLen: Record<string, number> = { sha256: 32, sha384: 48, sha512: 64, sha1: 20, sha224: 28 };
  switch (i.sig) {
    case 'rsa_pkcs1': return i.hash === 'none' || i.hash === 'other' ? undefined : { kind: 'rsa-pkcs1', hash: i.hash };
    case 'rsa_pss_rsae':
    case 'rsa_pss_pss': return i.hash === 'none' || i.hash === 'other' ? undefined : { kind: 'rsa-pss', hash: i.hash, saltLength: hashLen[i.hash]! };
    case 'ecdsa': return i.hash === 'none' || i.hash === 'other' ? undefined : { kind: 'ecdsa', hash: i.hash };
    case 'dsa': return i.hash === 'none' || i.hash === 'other' ? undefined : { kind: 'dsa', hash: i.hash };
    case 'ed25519': return { kind: 'ed25519' };
    case 'ed448': return { kind: 'ed448' };
    default: return undefined;
  }
}

export interface HandshakeSignatureResult {
  readonly ok: boolean;
  readonly scheme?: string;
  readonly message: string;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

async function run(leaf: Certificate, scheme: SignatureScheme | undefined, data: Uint8Array, signature: Uint8Array, verifier: SignatureVerifier, what: string): Promise<HandshakeSignatureResult> {
  if (!scheme) return { ok: false, message: `${what}: unsupported signature algorithm` };
  const r: VerifyResult = await verifier.verify(leaf.publicKey.spki, scheme, data, signature);
  if (r.ok) return { ok: true, scheme: schemeText(scheme), message: `${what} signature verifies with the key of '${certLabel(leaf)}'` };
  return { ok: false, scheme: schemeText(scheme), message: r.reason === 'unsupported' ? `${what}: ${r.message}` : `${what} signature does not verify with the key of '${certLabel(leaf)}' (${schemeText(scheme)})` };
}

/**
 * Verifies a ServerKeyExchange signature over client_random ‖ server_random ‖ params.
 * `sigAlg` is the TLS 1.2 SignatureAndHashAlgorithm; undefined for TLS 1.0/1.1 (RSA:
 * MD5+SHA-1 without DigestInfo, ECDSA/DSA: SHA-1).
 */
export async function verifyServerKeyExchange(leaf: Certificate, clientRandom: Uint8Array, serverRandom: Uint8Array, params: Uint8Array, sigAlg: number | undefined, signature: Uint8Array, verifier: SignatureVerifier): Promise<HandshakeSignatureResult> {
  const data = concat(clientRandom, serverRandom, params);
  let scheme: SignatureScheme | undefined;
  if (sigAlg !== undefined) scheme = tlsSignatureScheme(sigAlg);
  else if (leaf.publicKey.algorithm === 'RSA') scheme = { kind: 'rsa-pkcs1-md5sha1' };
  else if (leaf.publicKey.algorithm === 'EC') scheme = { kind: 'ecdsa', hash: 'sha1' };
  else if (leaf.publicKey.algorithm === 'DSA') scheme = { kind: 'dsa', hash: 'sha1' };
  return run(leaf, scheme, data, signature, verifier, 'ServerKeyExchange');
}

/** Verifies a TLS 1.3 CertificateVerify: 64 spaces ‖ context string ‖ 0 ‖ transcript hash. */
export async function verifyCertificateVerify13(leaf: Certificate, transcriptHash: Uint8Array, sigAlg: number, signature: Uint8Array, verifier: SignatureVerifier, side: 'server' | 'client' = 'server'): Promise<HandshakeSignatureResult> {
  const ctx = new TextEncoder().encode(`TLS 1.3, ${side} CertificateVerify`);
  const data = concat(new Uint8Array(64).fill(0x20), ctx, new Uint8Array([0]), transcriptHash);
  return run(leaf, tlsSignatureScheme(sigAlg), data, signature, verifier, 'CertificateVerify');
}
