/**
 * Certificate steps: the chains presented (../certs for the details), their validation
 * (x509/validate.ts) with one fact-rich problem per failure, the ServerKeyExchange and its
 * signature, CertificateRequest / ServerHelloDone and the client's certificate (mutual TLS).
 */
import { cipherSuite, groupName, signatureSchemeInfo, signatureSchemeName } from '../../tls/registry/index.ts';
import { DerError } from '../../x509/der.ts';
import { parseCertificate, type Certificate } from '../../x509/certificate.ts';
import { certLabel, validateChain, verifyServerKeyExchange, type ChainResult, type Problem } from '../../x509/validate.ts';
import { certificateDetails, verdictText } from '../certs/index.ts';
import type { HsMessage } from './collector.ts';
import { firstBytes, firstNum, iso, isTls13, message, nums, fieldOf, type ExplainContext } from './context.ts';
import { hex, type CertProblem, type Step, type Values } from './model.ts';

const DAY = 86_400_000;

function parse(der: Uint8Array): Certificate | undefined {
  try {
    return parseCertificate(der);
  } catch (e) {
    if (e instanceof DerError) return undefined;
    throw e;
  }
}

export function certificateStep(ctx: ExplainContext, side: 'server' | 'client'): Step | undefined {
  const pc = ctx.summary.chains.find((c) => c.side === side);
  const m = ctx.facts.messages.find((x) => x.type === 11 && x.fromClient === (side === 'client'));
  if (!pc && !m) return undefined;
  if (side === 'client' && !pc) return undefined; // an empty client Certificate: told by certificate_request
  const certs = (pc?.certificates ?? []).map((der, i) => {
    const c = parse(der);
    return c ? { ...certificateDetails(c, i) } : { index: i, error: 'unparsable', der_length: der.length };
  });
  const values: Values = {
    side,
    message_length: m?.length ?? null,
    certificates_length: firstNum(m, 'tls.handshake.certificates_length') ?? null,
    count: certs.length,
    certificates: certs as unknown as Values[],
  };
  const cv = message(ctx, 15, side === 'client');
  values.certificate_verify_frame = cv?.frame ?? null;
  values.tls13 = isTls13(ctx.summary.versionCode);
  return { id: side === 'server' ? 'certificate' : 'client_certificate', frames: [pc?.frame ?? m!.frame], values };
}

/** One problem of validate.ts with the facts its sentence needs. */
function problemFacts(p: Problem, r: ChainResult, time: number, sni: string | undefined): CertProblem {
  const c = p.cert !== undefined ? r.chain[p.cert] : undefined;
  const params: Values = { subject: c ? certLabel(c) : null, leaf: p.cert === 0 };
  switch (p.code) {
    case 'expired':
      if (c) Object.assign(params, { not_after: iso(c.notAfter), capture_time: iso(time), days: Math.floor((time - c.notAfter) / DAY) });
      break;
    case 'not-yet-valid':
      if (c) Object.assign(params, { not_before: iso(c.notBefore), capture_time: iso(time), days: Math.ceil((c.notBefore - time) / DAY) });
      break;
    case 'hostname-mismatch': {
      const leaf = r.chain[0];
      const names = leaf ? [...leaf.san.dns, ...leaf.san.ip] : [];
      Object.assign(params, { host: sni ?? null, names, common_name: leaf?.subject.text ?? null });
      break;
    }
    case 'issuer-not-found':
    case 'self-signed':
      if (c) params.issuer = c.issuer.text;
      break;
    case 'bad-signature': {
      const issuer = p.cert !== undefined ? r.chain[p.cert + 1] : undefined;
      if (c) params.algorithm = c.signatureAlgorithm.name;
      params.issuer = issuer ? certLabel(issuer) : null;
      break;
    }
    default:
      break;
  }
  return { code: p.code, message: p.message, params };
}

export interface ChainCheck {
  readonly step: Step;
  readonly valid: boolean;
  readonly problems: CertProblem[];
  readonly chain: readonly Certificate[];
}

/** Validates a presented chain at the capture's time (server: against the SNI). */
export async function verificationStep(ctx: ExplainContext, side: 'server' | 'client'): Promise<ChainCheck | undefined> {
  const pc = ctx.summary.chains.find((c) => c.side === side);
  if (!pc) return undefined;
  const sni = side === 'server' ? ctx.summary.sni : undefined;
  const suite = ctx.summary.cipherSuiteCode !== undefined ? cipherSuite(ctx.summary.cipherSuiteCode) : undefined;
  const r = await validateChain(pc.certificates, {
    verifier: ctx.verifier,
    trustAnchors: ctx.trustAnchors,
    time: pc.time,
    ...(sni ? { hostname: sni } : {}),
    ...(side === 'server' && suite ? { keyExchange: suite.kx } : {}),
    purpose: side === 'server' ? 'serverAuth' : 'clientAuth',
  });
  const problems = r.problems.map((p) => problemFacts(p, r, pc.time, sni));
  // which key verified which signature: each certificate by the next one in the path
  const signatures: Values[] = [];
  for (let i = 0; i + 1 < r.chain.length; i++) {
    const c = r.chain[i]!;
    const bad = r.problems.find((p) => p.cert === i && (p.code === 'bad-signature' || p.code === 'unsupported-algorithm'));
    const anchorSelf = i + 1 === r.chain.length - 1 && r.trusted && c.sha256 === r.chain[i + 1]!.sha256;
    if (anchorSelf) break;
    signatures.push({
      certificate: certLabel(c), signed_by: certLabel(r.chain[i + 1]!), algorithm: c.signatureAlgorithm.name,
      key: `${r.chain[i + 1]!.publicKey.algorithm} ${r.chain[i + 1]!.publicKey.bits}`, ok: !bad,
    });
  }
  const leaf = r.chain[0];
  const values: Values = {
    side,
    valid: r.valid,
    trusted: r.trusted,
    verdict: verdictText(r.valid, r.problems),
    time: iso(pc.time),
    sni: sni ?? null,
    hostname_checked: sni !== undefined,
    hostname_names: leaf ? [...leaf.san.dns, ...leaf.san.ip] : [],
    path: r.chain.map(certLabel),
    anchor: r.trusted ? certLabel(r.chain[r.chain.length - 1]!) : null,
    signatures,
    validity: r.chain.map((c) => ({ subject: certLabel(c), not_before: iso(c.notBefore), not_after: iso(c.notAfter), ok: pc.time >= c.notBefore && pc.time <= c.notAfter })),
    problems: problems.map((p) => ({ code: p.code, message: p.message, params: p.params })),
  };
  return { step: { id: 'certificate_verification', frames: [pc.frame], values }, valid: r.valid, problems, chain: r.chain };
}

/** The ServerKeyExchange parameters as signed: curve or p/g/Ys (RFC 4492 §5.4, RFC 5246 §7.4.3). */
function signedParams(m: HsMessage): Uint8Array | undefined {
  const curve = firstNum(m, 'tls.handshake.server_named_curve');
  const point = firstBytes(m, 'tls.handshake.server_point');
  if (curve !== undefined && point) return Uint8Array.of(3, curve >> 8, curve & 0xff, point.length, ...point);
  const p = firstBytes(m, 'tls.handshake.p');
  const g = firstBytes(m, 'tls.handshake.g');
  const ys = firstBytes(m, 'tls.handshake.ys');
  if (!p || !g || !ys) return undefined;
  const v16 = (b: Uint8Array) => [b.length >> 8, b.length & 0xff, ...b];
  return Uint8Array.from([...v16(p), ...v16(g), ...v16(ys)]);
}

export async function serverKeyExchangeStep(ctx: ExplainContext, leaf: Certificate | undefined): Promise<Step | undefined> {
  const m = message(ctx, 12, false);
  if (!m) return undefined;
  const curve = firstNum(m, 'tls.handshake.server_named_curve');
  const point = firstBytes(m, 'tls.handshake.server_point');
  const p = firstBytes(m, 'tls.handshake.p');
  const ys = firstBytes(m, 'tls.handshake.ys');
  const sig = firstBytes(m, 'tls.handshake.sig');
  const version = ctx.summary.versionCode ?? 0;
  const sigAlg = version >= 0x0303 ? nums(m, 'tls.handshake.sig_hash_alg')[0] : undefined;
  const cs = ctx.summary.cipherSuiteCode !== undefined ? cipherSuite(ctx.summary.cipherSuiteCode) : undefined;
  const values: Values = {
    kind: curve !== undefined ? 'ECDHE' : p ? 'DHE' : 'other',
    suite_key_exchange: cs ? `${cs.kx}${cs.auth === 'anon' ? '_anon' : ''}` : null,
    anonymous: cs?.auth === 'anon',
    group: curve !== undefined ? groupName(curve) : p ? `DH (${p.length * 8} bits)` : null,
    dh_bits: p ? p.length * 8 : null,
    server_public: point ? hex(point) : ys ? hex(ys) : null,
    server_public_length: point?.length ?? ys?.length ?? null,
    signature_algorithm: sigAlg !== undefined ? signatureSchemeName(sigAlg) : null,
    signature_hash: sigAlg !== undefined ? signatureSchemeInfo(sigAlg).hash : version && leaf?.publicKey.algorithm === 'RSA' ? 'md5+sha1' : null,
    signature_length: sig?.length ?? null,
    signature_verified: null,
    signature_message: null,
    signed_by: leaf ? certLabel(leaf) : null,
  };
  const cr = firstBytes(message(ctx, 1, true), 'tls.handshake.random');
  const sr = firstBytes(ctx.facts.messages.find((x) => x.type === 2 && !x.fromClient), 'tls.handshake.random');
  const params = signedParams(m);
  if (leaf && sig && cr && sr && params) {
    const r = await verifyServerKeyExchange(leaf, cr, sr, params, sigAlg, sig, ctx.verifier);
    values.signature_verified = r.ok;
    values.signature_message = r.message;
  }
  return { id: 'server_key_exchange', frames: [m.frame], values };
}

export function certificateRequestStep(ctx: ExplainContext): Step | undefined {
  const m = message(ctx, 13, false);
  if (!m) return undefined;
  const client = message(ctx, 11, true);
  const clientCerts = ctx.summary.chains.find((c) => c.side === 'client');
  return {
    id: 'certificate_request',
    frames: [m.frame],
    values: {
      certificate_types: nums(m, 'tls.handshake.cert_type'),
      distinguished_names: fieldOf(m, 'tls.handshake.dname').length,
      client_certificate_frame: client?.frame ?? null,
      client_certificate_count: clientCerts?.certificates.length ?? (client ? 0 : null),
      tls13: isTls13(ctx.summary.versionCode),
    },
  };
}

export function serverHelloDoneStep(ctx: ExplainContext): Step | undefined {
  const m = message(ctx, 14, false);
  if (!m) return undefined;
  const flight = ctx.facts.messages.filter((x) => !x.fromClient && x.frame <= m.frame && x.type !== 0).map((x) => x.type);
  return { id: 'server_hello_done', frames: [m.frame], values: { server_flight: flight } };
}

export function leafOf(ctx: ExplainContext): Certificate | undefined {
  const pc = ctx.summary.chains.find((c) => c.side === 'server');
  return pc?.certificates[0] ? parse(pc.certificates[0]) : undefined;
}
