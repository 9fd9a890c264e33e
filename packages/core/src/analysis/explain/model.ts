/**
 * The language-neutral model of `tlslens explain`: one TLS connection as a list of steps,
 * each with the frames it happened in and the values seen or derived. The catalogues
 * (catalogue-en.ts, catalogue-zh.ts) turn it into sentences; render.ts lays them out.
 * Values are JSON-ready: byte strings as lower-case hex, times as ISO 8601.
 */

export type StepId =
  | 'tcp_handshake' | 'client_hello' | 'hello_retry_request' | 'server_hello' | 'certificate'
  | 'certificate_verification' | 'server_key_exchange' | 'certificate_request' | 'server_hello_done'
  | 'client_certificate' | 'client_key_exchange' | 'keys' | 'change_cipher_spec' | 'finished'
  | 'new_session_ticket' | 'application_data' | 'alerts' | 'findings';

export type Value = string | number | boolean | null | readonly Value[] | { readonly [k: string]: Value };
export type Values = Record<string, Value>;

export interface Step {
  readonly id: StepId;
  /** Frames the step happened in, ascending. */
  readonly frames: number[];
  readonly values: Values;
}

/** A certificate problem with the facts a sentence needs (the codes of x509/validate.ts). */
export interface CertProblem {
  readonly code: string;
  /** validate.ts's English message (kept for reference). */
  readonly message: string;
  readonly params: Values;
}

export type FindingCode =
  | 'deprecated_version' | 'no_forward_secrecy' | 'weak_cipher' | 'cbc_mode' | 'certificate_invalid'
  | 'sha1_signature' | 'short_key' | 'no_sni' | 'no_alpn' | 'alert' | 'handshake_incomplete'
  | 'finished_mismatch' | 'decryption_failed' | 'not_decrypted' | 'key_exchange_signature';

export interface Finding {
  readonly code: FindingCode;
  readonly severity: 'high' | 'medium' | 'low' | 'info';
  readonly params: Values;
}

export interface Explanation {
  readonly stream: number;
  readonly client: string;
  readonly server: string;
  /** "TLSv1.2", "TLSv1.3"; null before a ServerHello. */
  readonly version: string | null;
  readonly cipher_suite: string | null;
  readonly sni: string | null;
  readonly steps: Step[];
  /** TLS ≤ 1.2 when keys are known (hex). */
  readonly master_secret?: string;
  /** RSA key exchange decrypted with the server's key, or a PMS key log line (hex). */
  readonly pre_master_secret?: string;
  /** TLS 1.3 (hex). */
  readonly traffic_secrets?: {
    readonly client_handshake?: string;
    readonly server_handshake?: string;
    readonly client_application?: string;
    readonly server_application?: string;
  };
  /** true: verify_data recomputed and matched; false: mismatch; null: not checked. */
  readonly finished: { readonly client: boolean | null; readonly server: boolean | null };
  /** The server chain's verdict; null when no chain was seen. */
  readonly certificate: { readonly valid: boolean; readonly problems: readonly CertProblem[] } | null;
  readonly findings: readonly Finding[];
}

const HEX2 = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
export const hex = (b: Uint8Array): string => {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX2[b[i]!]!;
  return s;
};

export const hex4 = (v: number): string => '0x' + v.toString(16).padStart(4, '0');
