/**
 * Certificate chains presented in TLS handshakes: details of every certificate and the
 * chain verdict (x509/validate.ts) at the capture's time, for `tlslens certs` and the
 * verdict column of `tlslens handshakes`. Browser-safe: signatures go through the given
 * SignatureVerifier (node:crypto in the CLI, WebCrypto in a browser).
 */
import type { SignatureVerifier } from '../../crypto/verify/index.ts';
import { cipherSuite } from '../../tls/registry/index.ts';
import { DerError } from '../../x509/der.ts';
import { bytesEqual, parseCertificate, type Certificate } from '../../x509/certificate.ts';
import { validateChain, type ProblemCode } from '../../x509/validate.ts';
import type { HandshakeSummary, PresentedChain, Side } from '../handshakes/collector.ts';

export { ChainProgress } from './progress.ts';

export interface CertificateDetails {
  /** Position in the presented list (0 = leaf). */
  readonly index: number;
  readonly subject: string;
  readonly issuer: string;
  /** Colon-separated upper-case hex, as in the DER (leading 00 kept). */
  readonly serial: string;
  /** ISO 8601 UTC ("2025-02-09T18:07:27Z"). */
  readonly not_before: string;
  readonly not_after: string;
  /** dNSName, iPAddress, rfc822Name and URI SANs (values only). */
  readonly san: readonly string[];
  readonly version: number;
  readonly key: { readonly type: string; readonly bits: number; readonly curve?: string };
  readonly signature_algorithm: string;
  readonly is_ca: boolean;
  readonly self_signed: boolean;
  /** Colon-separated lower-case hex fingerprints of the DER. */
  readonly sha1: string;
  readonly sha256: string;
  readonly der_length: number;
}

export interface UnparsedCertificate {
  readonly index: number;
  readonly error: string;
  readonly der_length: number;
}

export interface ChainProblem {
  readonly code: ProblemCode;
  readonly message: string;
  /** Index in `chain` (the path as built) of the certificate concerned. */
  readonly cert?: number;
}

export interface ChainReport {
  readonly stream: number;
  readonly side: Side;
  readonly sni: string | null;
  readonly client: string;
  readonly server: string;
  readonly frame: number;
  /** Validation time (the frame's capture time), ISO 8601. */
  readonly time: string;
  readonly version: string | null;
  readonly certificates: readonly (CertificateDetails | UnparsedCertificate)[];
  readonly valid: boolean;
  readonly trusted: boolean;
  /** "valid", or the failures in short form ("expired", "unknown CA, wrong hostname"). */
  readonly verdict: string;
  readonly problems: readonly ChainProblem[];
  /** Subjects of the path as built, leaf first (ends with the trust anchor when found). */
  readonly chain: readonly string[];
  /** What was not checked and why (no SNI, …). */
  readonly notes: readonly string[];
  /** The presented DER (for --pem/--der export); not in JSON. */
  readonly der: readonly Uint8Array[];
}

export interface ChainCheckOptions {
  readonly verifier: SignatureVerifier;
  /** Trust anchors (DER or parsed: parse them once when checking many chains). */
  readonly trustAnchors: readonly (Uint8Array | Certificate)[];
}

const SHORT: Partial<Record<ProblemCode, string>> = {
  'issuer-not-found': 'unknown CA',
  'self-signed': 'self-signed',
  expired: 'expired',
  'not-yet-valid': 'not yet valid',
  'hostname-mismatch': 'wrong hostname',
  'bad-signature': 'bad signature',
  malformed: 'malformed',
  'unsupported-algorithm': 'unsupported algorithm',
  'no-certificates': 'no certificates',
};

/** "valid" or the short names of the distinct problems, in order. */
export function verdictText(valid: boolean, problems: readonly { code: ProblemCode }[]): string {
  if (valid) return 'valid';
  const names: string[] = [];
  for (const p of problems) {
    const n = SHORT[p.code] ?? p.code;
    if (!names.includes(n)) names.push(n);
  }
  return names.length ? names.join(', ') : 'untrusted';
}

const colonHex = (hex: string) => (hex.match(/../g) ?? []).join(':');
/** Certificate.sha1/sha256 are colon-separated already; normalise either form. */
const fingerprint = (h: string) => colonHex(h.replace(/:/g, '').toLowerCase());

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString().replace('.000Z', 'Z') : 'invalid';
}

export function certificateDetails(c: Certificate, index: number): CertificateDetails {
  const key: { type: string; bits: number; curve?: string } = { type: c.publicKey.algorithm, bits: c.publicKey.bits };
  if (c.publicKey.curve) key.curve = c.publicKey.curve;
  return {
    index,
    subject: c.subject.text,
    issuer: c.issuer.text,
    serial: colonHex(c.serialNumber.replace(/:/g, '')).toUpperCase(),
    not_before: iso(c.notBefore),
    not_after: iso(c.notAfter),
    san: [...c.san.dns, ...c.san.ip, ...c.san.email, ...c.san.uri],
    version: c.version,
    key,
    signature_algorithm: c.signatureAlgorithm.name,
    is_ca: c.basicConstraints?.ca === true,
    self_signed: c.selfIssued,
    sha1: fingerprint(c.sha1),
    sha256: fingerprint(c.sha256),
    der_length: c.der.length,
  };
}

type Validation = Awaited<ReturnType<typeof validateChain>>;

/** A chain already checked with the same options: its details and validation. */
interface Checked {
  readonly ders: readonly Uint8Array[];
  readonly time: number;
  readonly certificates: readonly (CertificateDetails | UnparsedCertificate)[];
  readonly result: Validation;
}

/**
 * Chains already checked, per options object (verifier and anchors): a capture's thousands of
 * connections to one server present the same chain, parsed and verified once. Time only decides
 * the validity periods: a result is reused for a time on the same side of each certificate's
 * notBefore and notAfter.
 */
const checkedChains = new WeakMap<ChainCheckOptions, Map<string, Checked[]>>();

function fnv(b: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h >>> 0;
}

function sameValidity(r: Validation, a: number, b: number): boolean {
  return r.chain.every((c) => (a >= c.notBefore) === (b >= c.notBefore) && (a <= c.notAfter) === (b <= c.notAfter));
}

/** Validates one presented chain of a connection. */
export async function checkChain(h: HandshakeSummary, pc: PresentedChain, opts: ChainCheckOptions): Promise<ChainReport> {
  const notes: string[] = [];
  const server = pc.side === 'server';
  if (server && !h.sni) notes.push('no SNI in the ClientHello: the host name was not checked');
  const suite = h.cipherSuiteCode !== undefined ? cipherSuite(h.cipherSuiteCode) : undefined;
  const vopts = {
    verifier: opts.verifier,
    trustAnchors: opts.trustAnchors,
    time: pc.time,
    ...(server && h.sni ? { hostname: h.sni } : {}),
    ...(server && suite ? { keyExchange: suite.kx } : {}),
    purpose: server ? 'serverAuth' as const : 'clientAuth' as const,
  };
  const cache = checkedChains.get(opts) ?? checkedChains.set(opts, new Map()).get(opts)!;
  const key = `${vopts.purpose}\n${vopts.hostname ?? ''}\n${vopts.keyExchange ?? ''}\n${pc.certificates.map((d) => `${d.length}:${fnv(d)}`).join(',')}`;
  const list = cache.get(key) ?? cache.set(key, []).get(key)!;
  let hit = list.find((x) => x.ders.length === pc.certificates.length && x.ders.every((d, i) => bytesEqual(d, pc.certificates[i]!))
    && sameValidity(x.result, x.time, pc.time));
  if (!hit) {
    const certificates: (CertificateDetails | UnparsedCertificate)[] = pc.certificates.map((der, i) => {
      try {
        return certificateDetails(parseCertificate(der), i);
      } catch (e) {
        if (!(e instanceof DerError)) throw e;
        return { index: i, error: e.message, der_length: der.length };
      }
    });
    hit = { ders: pc.certificates, time: pc.time, certificates, result: await validateChain(pc.certificates, vopts) };
    list.push(hit);
  }
  const certificates = [...hit.certificates];
  const r = hit.result;
  const chain = r.chain.map((c) => c.subject.text || `serial ${c.serialNumber}`);
  return {
    stream: h.stream,
    side: pc.side,
    sni: h.sni ?? null,
    client: h.client,
    server: h.server,
    frame: pc.frame,
    time: iso(pc.time),
    version: h.version ?? null,
    certificates,
    valid: r.valid,
    trusted: r.trusted,
    verdict: verdictText(r.valid, r.problems),
    problems: r.problems.map((p) => (p.cert !== undefined ? { code: p.code, message: p.message, cert: p.cert } : { code: p.code, message: p.message })),
    chain,
    notes,
    der: pc.certificates,
  };
}

/** Validates every presented chain of the connections (server chains first within a stream). */
export async function checkChains(hs: readonly HandshakeSummary[], opts: ChainCheckOptions): Promise<ChainReport[]> {
  const out: ChainReport[] = [];
  for (const h of hs) for (const pc of h.chains) out.push(await checkChain(h, pc, opts));
  return out;
}

/** The JSON object of a chain (`der` left out). */
export function chainJson(r: ChainReport): Record<string, unknown> {
  const { der: _der, ...rest } = r;
  return rest;
}

function isParsed(c: CertificateDetails | UnparsedCertificate): c is CertificateDetails {
  return (c as CertificateDetails).subject !== undefined;
}

/** Human-readable text of one chain report. */
export function renderChainText(r: ChainReport): string {
  const L: string[] = [];
  const who = r.side === 'server' ? `server ${r.server}` : `client ${r.client}`;
  L.push(`Stream ${r.stream}: ${r.client} → ${r.server}${r.sni ? `  SNI ${r.sni}` : ''}${r.version ? `  ${r.version}` : ''}`);
  L.push(`  ${r.side === 'server' ? 'Server' : 'Client'} certificate chain (${r.certificates.length} presented by ${who}, frame ${r.frame}, checked at ${r.time})`);
  L.push(`  Verdict: ${r.valid ? 'VALID' : `INVALID (${r.verdict})`}`);
  for (const p of r.problems) L.push(`    ✗ ${p.code}: ${p.message}`);
  for (const n of r.notes) L.push(`    note: ${n}`);
  for (const c of r.certificates) {
    if (!isParsed(c)) {
      L.push(`  [${c.index}] (unparsable, ${c.der_length} bytes: ${c.error})`);
      continue;
    }
    L.push(`  [${c.index}] ${c.subject || '(empty subject)'}`);
    L.push(`      Issuer:     ${c.issuer}${c.self_signed ? '  (self-signed)' : ''}`);
    L.push(`      Serial:     ${c.serial}`);
    L.push(`      Validity:   ${c.not_before} → ${c.not_after}`);
    if (c.san.length) L.push(`      SAN:        ${wrapList(c.san, 64, '                  ')}`);
    L.push(`      Key:        ${c.key.type}${c.key.curve ? ` ${c.key.curve}` : ''} (${c.key.bits} bits)${c.is_ca ? '  CA' : ''}`);
    L.push(`      Signature:  ${c.signature_algorithm}`);
    L.push(`      SHA-256:    ${c.sha256}`);
    L.push(`      SHA-1:      ${c.sha1}`);
  }
  const path = r.chain.join(' → ') + (r.trusted ? '  (trusted)' : '  (no trust anchor)');
  L.push(`  Path: ${path}`);
  return L.join('\n') + '\n';
}

/** Joins a list with ", ", wrapping lines at `width` with `indent`. */
function wrapList(items: readonly string[], width: number, indent: string): string {
  const lines: string[] = [];
  let cur = '';
  for (const it of items) {
    const add = cur ? `${cur}, ${it}` : it;
    if (cur && add.length > width) {
      lines.push(cur + ',');
      cur = it;
    } else cur = add;
  }
  if (cur) lines.push(cur);
  return lines.join('\n' + indent);
}
