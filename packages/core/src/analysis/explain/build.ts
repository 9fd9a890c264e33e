/**
 * Builds the Explanation of one TLS connection after an Engine pass that fed both an
 * ExplainCollector and a HandshakeCollector (../handshakes). Async: certificate and
 * ServerKeyExchange signatures go through the SignatureVerifier.
 */
import type { SignatureVerifier } from '../../crypto/verify/index.ts';
import type { Engine } from '../../engine.ts';
import type { Wanted } from '../../packet.ts';
import type { Certificate } from '../../x509/certificate.ts';
import { engineDecryption, type HandshakeCollector, type HandshakeSummary } from '../handshakes/index.ts';
import { ExplainCollector } from './collector.ts';
import type { ExplainContext } from './context.ts';
import { findings } from './findings.ts';
import type { Explanation, Step } from './model.ts';
import {
  certificateRequestStep, certificateStep, leafOf, serverHelloDoneStep, serverKeyExchangeStep, verificationStep, type ChainCheck,
} from './steps-cert.ts';
import { clientHelloStep, helloRetryStep, isHrr, serverHelloStep, tcpHandshakeStep } from './steps-hello.ts';
import {
  alertsStep, applicationDataStep, ccsStep, clientKeyExchangeStep, finishedStep, keysStep, newSessionTicketStep,
  type FinishedResult, type KeysResult,
} from './steps-keys.ts';

export interface ExplainOptions {
  readonly verifier: SignatureVerifier;
  /** Trust anchors for the chain verdict (DER or parsed). */
  readonly trustAnchors: readonly (Uint8Array | Certificate)[];
}

/** The explanation of the collected stream; undefined when it carried no TLS handshake. */
export async function buildExplanation(engine: Engine, col: ExplainCollector, hs: HandshakeCollector, opts: ExplainOptions): Promise<Explanation | undefined> {
  const facts = col.facts;
  if (!facts) return undefined;
  const summary = hs.summaries(false, engineDecryption(engine)).find((s) => s.stream === facts.stream);
  if (!summary) return undefined;
  let session;
  for (const conv of engine.tcp.conversations) {
    if (conv.index === facts.stream) session = engine.tls.connection(conv)?.dec;
  }
  const keys = engine.tlsKeys;
  const ctx: ExplainContext = {
    facts, summary, collector: col, verifier: opts.verifier, trustAnchors: opts.trustAnchors,
    ...(session ? { session } : {}), ...(keys && !keys.empty ? { keys } : {}),
  };
  const steps: Step[] = [];
  const push = (s: Step | undefined) => { if (s) steps.push(s); };
  push(tcpHandshakeStep(ctx));
  const hellos = facts.messages.filter((m) => m.type === 1 && m.fromClient);
  const ch = hellos[0];
  if (ch) push(clientHelloStep(ctx, ch));
  // SSL 2.0 (the server answered in SSL 2.0): its messages are not SSL 3.0/TLS ones; only the findings follow
  if (summary.versionCode === 0x0002 || facts.messages.some((m) => !m.fromClient && m.record?.version === 0x0002)) return finish(ctx, facts.stream, summary, steps, undefined, undefined, undefined);
  const shs = facts.messages.filter((m) => m.type === 2 && !m.fromClient);
  const hrr = shs.find(isHrr);
  if (hrr) push(helloRetryStep(hrr, hellos.find((m) => m.frame > hrr.frame)));
  const sh = shs.find((m) => !isHrr(m));
  if (sh) push(serverHelloStep(ctx, ch, sh));
  push(certificateStep(ctx, 'server'));
  const check = await verificationStep(ctx, 'server');
  push(check?.step);
  push(await serverKeyExchangeStep(ctx, leafOf(ctx)));
  push(certificateRequestStep(ctx));
  push(serverHelloDoneStep(ctx));
  push(certificateStep(ctx, 'client'));
  push((await verificationStep(ctx, 'client'))?.step);
  push(clientKeyExchangeStep(ctx));
  const keysR = keysStep(ctx);
  push(keysR?.step);
  push(ccsStep(ctx));
  const fin = finishedStep(ctx);
  push(fin?.step);
  push(newSessionTicketStep(ctx));
  push(applicationDataStep(ctx));
  push(alertsStep(ctx));
  return finish(ctx, facts.stream, summary, steps, check, keysR, fin);
}

function finish(
  ctx: ExplainContext, stream: number, summary: HandshakeSummary, steps: Step[],
  check: ChainCheck | undefined, keysR: KeysResult | undefined, fin: FinishedResult | undefined,
): Explanation {
  const found = findings(ctx, steps, check?.chain ?? [], check?.problems);
  steps.push({ id: 'findings', frames: [], values: { findings: found.map((f) => ({ code: f.code, severity: f.severity, params: f.params })) } });
  const ex: Explanation = {
    stream,
    client: summary.client,
    server: summary.server,
    version: summary.version ?? null,
    cipher_suite: summary.cipherSuite ?? null,
    sni: summary.sni ?? null,
    steps,
    ...(keysR?.master ? { master_secret: keysR.master } : {}),
    ...(keysR?.premaster ? { pre_master_secret: keysR.premaster } : {}),
    ...(keysR?.traffic ? { traffic_secrets: keysR.traffic } : {}),
    finished: { client: fin?.client ?? null, server: fin?.server ?? null },
    certificate: check ? { valid: check.valid, problems: check.problems } : null,
    findings: found,
  };
  return ex;
}

/**
 * When the explained connection resumes a session whose origin was not found, the frames to read
 * again for it: those before its ClientHello (the ticket or session may come from another
 * connection's encrypted handshake — TLS 1.3, a renegotiation — which a pass decrypting only this
 * connection did not read); 0 when there is nothing to look for. See originPass.
 */
export function originFrames(ex: Explanation, col: ExplainCollector): number {
  const v = ex.steps.find((s) => s.id === 'server_hello')?.values as { resumed?: unknown; resumed_from?: unknown } | undefined;
  if (v === undefined || v.resumed === undefined || v.resumed === 'no' || (v.resumed_from ?? null) !== null) return 0;
  const ch = col.facts?.messages.find((m) => m.type === 1 && m.fromClient);
  return ch ? ch.frame - 1 : 0;
}

/**
 * The pass over those frames (originFrames) with a fresh engine: every connection decrypted, no
 * application data dissected. Feed `collector` the packets dissected with `wanted`, then
 * `col.mergeOrigins(collector)` and build the explanation again.
 */
export function originPass(engine: Engine, stream: number): { readonly collector: ExplainCollector; readonly wanted: Wanted & { readonly fields: Uint8Array } } {
  engine.tlsApplication = () => false;
  const collector = new ExplainCollector(engine.reg, stream);
  const fields = new Uint8Array(engine.reg.size);
  for (const id of collector.fields) fields[id] = 1;
  return { collector, wanted: { fields, tree: false, columns: false } };
}
