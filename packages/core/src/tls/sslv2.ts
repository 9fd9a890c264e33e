import type { Packet } from '../packet.ts';
import { GENERATED } from '../packet.ts';
import type { TlsFields } from './fields.ts';
import type { TlsConn } from './state.ts';

/**
 * SSL 2.0 records (the SSL 2.0 draft specification, "SSL 0.2 PROTOCOL SPECIFICATION"), shown
 * the way tshark 4.0 shows them; tshark does not decrypt SSLv2, and neither does this.
 *
 * A record has a 2-byte header (high bit set: 15-bit length) or a 3-byte header (14-bit
 * length, an "is escape" bit and a padding length). Which bytes are SSLv2, as measured with
 * tshark 4.0 on real and crafted captures:
 * - while the connection's version is unknown or TLS 1.3 (tshark applies its per-record
 *   heuristics then), a record whose first byte has the high bit set and whose third byte
 *   (the message type) is 0, 1, 2 or 4;
 * - once a connection has shown an SSLv2 message of type 2 to 8 in that position (e.g. a
 *   SERVER-HELLO), it is SSLv2 for good: every later record, in both directions, is parsed
 *   as SSLv2 (TLS records then look like 3-byte headers with long lengths);
 * - on an SSL 3.0 to TLS 1.2 connection, only a CLIENT-HELLO with a 2-byte header (0x80 first).
 * Only CLIENT-HELLO, SERVER-HELLO and CLIENT-MASTER-KEY with plausible contents are
 * dissected; anything else is "Encrypted Data" with the (generated) version only.
 */
export const SSLV2_VERSION = 0x0002;

const u16 = (b: Uint8Array, o: number) => (b[o]! << 8) | b[o + 1]!;
const VALID_VERSIONS = new Set([0x0002, 0x0300, 0x0301, 0x0302, 0x0303, 0x0304, 0x0100, 0xfeff, 0xfefd]);
const MSG_NAMES: Record<number, string> = { 1: 'Client Hello', 2: 'Client Master Key', 4: 'Server Hello' };

/**
 * SSL 3.0 to TLS 1.2: the versions for which tshark reads every record as an SSL 3.0/TLS
 * record (only its content type is checked); for an unknown version and TLS 1.3 it tries
 * its heuristics on each record.
 */
export function isLegacyTlsVersion(v: number): boolean {
  return v >= 0x0300 && v <= 0x0303;
}

/** Whether the record at b[o] is to be read as SSLv2 on this connection. */
export function isSslv2Record(conn: TlsConn, b: Uint8Array, o: number, end: number): boolean {
  if (conn.version === SSLV2_VERSION) return true;
  if (end - o < 3 || (b[o]! & 0x80) === 0) return false;
  const t = b[o + 2]!;
  if (isLegacyTlsVersion(conn.version)) return b[o] === 0x80 && t === 1;
  return t === 0 || t === 1 || t === 2 || t === 4;
}

/** Header plus body length of the SSLv2 record at b[o]; 0 while its header is incomplete. */
export function sslv2RecordSize(b: Uint8Array, o: number, end: number): number {
  if (end - o < 2 || ((b[o]! & 0x80) === 0 && end - o < 3)) return 0;
  return (b[o]! & 0x80) ? 2 + (((b[o]! & 0x7f) << 8) | b[o + 1]!) : 3 + (((b[o]! & 0x3f) << 8) | b[o + 1]!);
}

export interface Sslv2Ctx {
  readonly p: Packet;
  readonly f: TlsFields;
  readonly conn: TlsConn;
  /** Info column parts of this frame. */
  readonly info: string[];
  /** Hands certificate DER to the X.509 dissector (when its fields are wanted). */
  readonly cert?: ((p: Packet, b: Uint8Array, off: number, len: number) => void) | undefined;
}

/** Whether the record body b[m, e) is a cleartext handshake message tshark dissects. */
function plausible(b: Uint8Array, m: number, e: number): boolean {
  const len = e - m;
  switch (len > 0 ? b[m] : -1) {
    case 1: return len >= 3 && VALID_VERSIONS.has(u16(b, m + 1));
    case 4: return len >= 5 && VALID_VERSIONS.has(u16(b, m + 3));
    case 2: return len >= 10 && u16(b, m + 4) + u16(b, m + 6) + u16(b, m + 8) <= len;
    default: return false;
  }
}

/**
 * Dissects the SSLv2 record b[o, o + size); returns its message type when it was a
 * cleartext handshake message (1, 2 or 4), else -1 ("Encrypted Data").
 */
export function dissectSslv2Record(c: Sslv2Ctx, b: Uint8Array, o: number, size: number): number {
  const { p, f, conn } = c;
  const hl = (b[o]! & 0x80) ? 2 : 3;
  const e = o + size;
  const m = o + hl;
  const type = m < e ? b[m]! : -1;
  if (conn.version < 0 && type >= 2 && type <= 8) conn.version = SSLV2_VERSION;
  const valid = plausible(b, m, e);
  const name = valid ? MSG_NAMES[type]! : 'Encrypted Data';
  c.info.push(name);
  p.open(f['tls.record'], null, o, size, 0, `SSLv2 Record Layer: ${name}`);
  try {
    p.add(f['tls.record.version'], SSLV2_VERSION, o, 0, GENERATED);
    if (!valid) return -1;
    p.add(f['tls.record.length'], size - hl, o, hl);
    if (hl === 3) {
      p.add(f['tls.record.is_escape'], (b[o]! & 0x40) !== 0, o, 1);
      p.add(f['tls.record.padding_length'], b[o + 2]!, o + 2, 1);
    }
    p.add(f['tls.handshake.type'], type, m, 1);
    if (type === 1) clientHello(c, b, m, e);
    else if (type === 4) serverHello(c, b, m, e);
    else clientMasterKey(c, b, m, e);
    return type;
  } finally {
    p.close();
  }
}

function cipherSpecs(c: Sslv2Ctx, b: Uint8Array, q: number, n: number, e: number): void {
  const { p, f } = c;
  for (let i = 0; i + 3 <= n && q + i + 3 <= e; i += 3) {
    p.add(f['tls.handshake.cipherspec'], (b[q + i]! << 16) | (b[q + i + 1]! << 8) | b[q + i + 2]!, q + i, 3);
  }
}

/** CLIENT-HELLO: version, three lengths, cipher specs, session ID, challenge. */
function clientHello(c: Sslv2Ctx, b: Uint8Array, m: number, e: number): void {
  const { p, f } = c;
  if (m + 9 > e) return;
  p.add(f['tls.handshake.version'], u16(b, m + 1), m + 1, 2);
  const csl = u16(b, m + 3);
  const sil = u16(b, m + 5);
  const chl = u16(b, m + 7);
  p.add(f['tls.handshake.cipher_spec_len'], csl, m + 3, 2);
  p.add(f['tls.handshake.session_id_length'], sil, m + 5, 2);
  p.add(f['tls.handshake.challenge_length'], chl, m + 7, 2);
  let q = m + 9;
  if (q + csl + sil + chl > e) {
    p.expert('error', 'Malformed', 'SSLv2 CLIENT-HELLO lengths run past the end of the record');
    return;
  }
  cipherSpecs(c, b, q, csl, e);
  q += csl;
  if (sil) p.add(f['tls.handshake.session_id'], b.subarray(q, q + sil), q, sil);
  q += sil;
  p.add(f['tls.handshake.challenge'], null, q, chl);
}

/** SERVER-HELLO: session ID hit, certificate type, version, three lengths, certificate, cipher specs, connection ID. */
function serverHello(c: Sslv2Ctx, b: Uint8Array, m: number, e: number): void {
  const { p, f } = c;
  if (m + 11 > e) return;
  p.add(f['tls.handshake.session_id_hit'], b[m + 1] !== 0, m + 1, 1);
  p.add(f['tls.handshake.cert_type'], b[m + 2]!, m + 2, 1);
  p.add(f['tls.handshake.version'], u16(b, m + 3), m + 3, 2);
  const certLen = u16(b, m + 5);
  const csl = u16(b, m + 7);
  const cidl = u16(b, m + 9);
  p.add(f['tls.handshake.certificate_length'], certLen, m + 5, 2);
  p.add(f['tls.handshake.cipher_spec_len'], csl, m + 7, 2);
  p.add(f['tls.handshake.connection_id_length'], cidl, m + 9, 2);
  let q = m + 11;
  if (q + certLen + csl + cidl > e) {
    p.expert('error', 'Malformed', 'SSLv2 SERVER-HELLO lengths run past the end of the record');
    return;
  }
  if (certLen > 0) {
    if (p.tree || p.wants(f['tls.handshake.certificate'])) p.add(f['tls.handshake.certificate'], b.subarray(q, q + certLen), q, certLen);
    if (c.cert) {
      p.enter(undefined);
      c.cert(p, b, q, certLen);
      p.close();
    }
  }
  q += certLen;
  cipherSpecs(c, b, q, csl, e);
  q += csl;
  if (cidl) p.add(f['tls.handshake.connection_id'], null, q, cidl);
}

/** CLIENT-MASTER-KEY: cipher kind, three lengths, clear key, encrypted key, key argument. */
function clientMasterKey(c: Sslv2Ctx, b: Uint8Array, m: number, e: number): void {
  const { p, f } = c;
  p.add(f['tls.handshake.cipherspec'], (b[m + 1]! << 16) | (b[m + 2]! << 8) | b[m + 3]!, m + 1, 3);
  const clear = u16(b, m + 4);
  const enc = u16(b, m + 6);
  const arg = u16(b, m + 8);
  p.add(f['tls.handshake.clear_key_length'], clear, m + 4, 2);
  p.add(f['tls.handshake.encrypted_key_length'], enc, m + 6, 2);
  p.add(f['tls.handshake.key_arg_length'], arg, m + 8, 2);
  let q = m + 10;
  if (clear) p.add(f['tls.handshake.clear_key_data'], null, q, clear);
  q += clear;
  if (enc) p.add(f['tls.handshake.encrypted_key'], null, q, enc);
  q += enc;
  if (arg) p.add(f['tls.handshake.key_arg'], null, q, arg);
}
