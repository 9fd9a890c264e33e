/**
 * QUIC versions: which ones tlslens can decrypt (Initial salt, HKDF labels, long-header packet
 * type numbering) — RFC 9001 §5.2 (v1), RFC 9369 §3 (v2) and the IETF drafts 17–34.
 */
import { fromHex } from '../crypto/bytes.ts';

export const QUIC_V1 = 0x00000001;
export const QUIC_V2 = 0x6b3343cf;

/** Long-header packet types in the v1 numbering (v2 numbers them differently on the wire). */
export const enum LongType {
  Initial = 0,
  ZeroRtt = 1,
  Handshake = 2,
  Retry = 3,
}

export interface VersionInfo {
  /** Initial salt (RFC 9001 §5.2 / RFC 9369 §3.3.1). */
  readonly salt: Uint8Array;
  /** HKDF label prefix: "quic" (v1 and drafts) or "quicv2". */
  readonly labelPrefix: 'quic' | 'quicv2';
  readonly v2: boolean;
  /** Retry integrity AEAD key and nonce (RFC 9001 §5.8), when known. */
  readonly retryKey?: Uint8Array;
  readonly retryNonce?: Uint8Array;
}

const SALT_V1 = fromHex('38762cf7f55934b34d179ae6a4c80cadccbb7f0a');
const SALT_V2 = fromHex('0dede3def700a6db819381be6e269dcbf9bd2ed9');
const SALT_D29 = fromHex('afbfec289993d24c9e9786f19c6111e04390a899');
const SALT_D23 = fromHex('c3eef712c72ebb5a11a7d2432bb46365bef9f502');
const SALT_D21 = fromHex('7fbcdb0e7c66bbe9193a96cd21519ebd7a02644a');
const SALT_D17 = fromHex('ef4fb0abb47470c41befcf8031334fae485e09a0');

const V1: VersionInfo = {
  salt: SALT_V1, labelPrefix: 'quic', v2: false,
  retryKey: fromHex('be0c690b9f66575a1d766b54e368c84e'), retryNonce: fromHex('461599d35d632bf2239825bb'),
};
const V2: VersionInfo = {
  salt: SALT_V2, labelPrefix: 'quicv2', v2: true,
  retryKey: fromHex('8fb4b01b56ac48e260fbcbcead7ccc92'), retryNonce: fromHex('d86969bc2d7c6d9990efb04a'),
};

/** The IETF draft number of a version (0xff0000NN, and the Facebook mvfst aliases), 0 otherwise. */
export function draftOf(v: number): number {
  if ((v >>> 8) === 0xff0000) return v & 0xff;
  if (v === 0xfaceb001) return 22;
  if (v === 0xfaceb002 || v === 0xfaceb00e) return 27;
  return 0;
}

/** What tlslens knows about a version; undefined for versions it cannot decrypt. */
export function versionInfo(v: number): VersionInfo | undefined {
  if (v === QUIC_V1) return V1;
  if (v === QUIC_V2) return V2;
  const d = draftOf(v);
  if (d >= 29 && d <= 34) return { salt: SALT_D29, labelPrefix: 'quic', v2: false };
  if (d >= 23) return { salt: SALT_D23, labelPrefix: 'quic', v2: false };
  if (d >= 21) return { salt: SALT_D21, labelPrefix: 'quic', v2: false };
  if (d >= 17) return { salt: SALT_D17, labelPrefix: 'quic', v2: false };
  return undefined;
}

/** Wire packet type → v1 numbering (RFC 9369 §3.2 swaps them around in v2). */
export function longTypeOf(version: number, wire: number): LongType {
  if (version !== QUIC_V2) return wire as LongType;
  return ((wire + 3) & 3) as LongType;
}

/** Heuristic version check (Wireshark-like): versions that plausibly are QUIC. */
export function plausibleVersion(v: number): boolean {
  if (v === 0) return true; // version negotiation
  if (versionInfo(v)) return true;
  if ((v & 0x0f0f0f0f) === 0x0a0a0a0a) return true; // reserved "greased" versions (RFC 9000 §15)
  // Google's Q0xx versions belong to gQUIC (another dissector in Wireshark); T05x use TLS like IETF QUIC
  return (v >>> 24) === 0x54 || (v >>> 8) === 0xfaceb0 || (v >>> 16) === 0xabcd || v === 0xff020000 || v === 0x709a50c4;
}

export const LONG_TYPE_NAMES = ['Initial', '0-RTT', 'Handshake', 'Retry'] as const;

/** Wireshark's name of a version ("1", "2", "draft-29", "Version Negotiation", …) for tree labels. */
export function versionName(v: number): string {
  if (v === 0) return 'Version Negotiation';
  if (v === QUIC_V1) return '1';
  if (v === QUIC_V2) return '2';
  if ((v >>> 8) === 0xff0000) return `draft-${v & 0xff}`;
  if (v === 0xff020000) return 'v2-draft-00';
  if (v === 0x709a50c4) return 'v2-draft-01';
  if ((v >>> 24) === 0x51) return `Google Q${String.fromCharCode((v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff)}`;
  if ((v >>> 24) === 0x54) return `Google T${String.fromCharCode((v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff)}`;
  if ((v >>> 8) === 0xfaceb0) return 'Facebook mvfst';
  return 'Unknown';
}
