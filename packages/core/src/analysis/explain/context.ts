/** What the step builders share: the collected facts, the handshake summary, the decryption session. */
import type { SignatureVerifier } from '../../crypto/verify/index.ts';
import type { TlsDecryptSession } from '../../decrypt/session.ts';
import type { TlsKeyStore } from '../../decrypt/store.ts';
import type { FieldValue } from '../../fields/types.ts';
import type { Certificate } from '../../x509/certificate.ts';
import type { HandshakeSummary } from '../handshakes/collector.ts';
import type { ExplainCollector, HsMessage, StreamFacts } from './collector.ts';

export interface ExplainContext {
  readonly facts: StreamFacts;
  readonly summary: HandshakeSummary;
  readonly collector: ExplainCollector;
  /** The connection's decryption state (only when key material was given). */
  readonly session?: TlsDecryptSession;
  readonly keys?: TlsKeyStore;
  readonly verifier: SignatureVerifier;
  readonly trustAnchors: readonly (Uint8Array | Certificate)[];
}

type Name = Parameters<typeof fieldOf>[1];

export function fieldOf(m: HsMessage | undefined, name: keyof HsMessage['v']): FieldValue[] {
  return (m?.v[name] ?? []) as FieldValue[];
}

export function firstNum(m: HsMessage | undefined, name: Name): number | undefined {
  const v = fieldOf(m, name)[0];
  return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : undefined;
}

export function nums(m: HsMessage | undefined, name: Name): number[] {
  return fieldOf(m, name).map((v) => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : NaN)).filter((n) => !Number.isNaN(n));
}

export function firstBytes(m: HsMessage | undefined, name: Name): Uint8Array | undefined {
  const v = fieldOf(m, name)[0];
  return v instanceof Uint8Array ? v : undefined;
}

export function strs(m: HsMessage | undefined, name: Name): string[] {
  return fieldOf(m, name).filter((v): v is string => typeof v === 'string');
}

/** The first handshake message of a type from one side (TLS 1.3: the one after a HelloRetryRequest is picked by the caller). */
export function message(ctx: ExplainContext, type: number, fromClient: boolean): HsMessage | undefined {
  return ctx.facts.messages.find((m) => m.type === type && m.fromClient === fromClient);
}

export function isTls13(v: number | undefined): boolean {
  return v !== undefined && (v === 0x0304 || (v & 0xff00) === 0x7f00 || (v & 0xff00) === 0xfb00);
}

export const iso = (ms: number): string => (Number.isFinite(ms) ? new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z') : 'invalid');
export const round3 = (x: number): number => Math.round(x * 1000) / 1000;
