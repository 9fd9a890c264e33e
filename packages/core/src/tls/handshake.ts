/**
 * TLS handshake messages and extensions (RFC 5246, 8446 and the extension RFCs), written
 * into a Packet with Wireshark's field names. Every read is bounds-checked: a length
 * that runs past its enclosing vector throws `Malformed`, which the record layer turns
 * into "[Malformed Packet]" plus an expert note.
 */
import type { Packet } from '../packet.ts';
import { GENERATED } from '../packet.ts';
import { hexBytes } from '../fields/format.ts';
import type { TlsFields } from './fields.ts';
import { type HelloInfo, newHello, ja3Full, ja3Hash, ja3sFull, ja4 } from './ja.ts';
import { cipherSuite, isGrease, wiresharkName } from './registry/index.ts';
import type { TlsConn } from './state.ts';
import { decodeBody } from '../http/decompress.ts';

export class Malformed extends Error {}

/** SHA-256("HelloRetryRequest"): the ServerHello random of a HelloRetryRequest. */
const HRR_RANDOM = 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c';

/** Everything a message dissector needs. */
export interface HsCtx {
  readonly p: Packet;
  readonly f: TlsFields;
  readonly b: Uint8Array;
  readonly conn: TlsConn;
  readonly fromServer: boolean;
  /** Info column parts of this frame. */
  readonly info: string[];
  /** Hands certificate DER to the X.509 dissector (when someone wants its fields). */
  readonly cert?: (p: Packet, b: Uint8Array, off: number, len: number) => void;
  /** True when JA4 fields are wanted. */
  readonly wantJa: boolean;
  /** The messages come from QUIC CRYPTO frames (JA4 starts with "q"). */
  readonly quic?: boolean;
  /**
   * End of the bytes the TLS call was given (the TCP payload or reassembled PDU, past this
   * message): Wireshark reads a Server Hello's session ID, cipher suite and compression
   * method against it, not against the message length.
   */
  readonly dataEnd?: number;
}

const u16 = (b: Uint8Array, o: number) => (b[o]! << 8) | b[o + 1]!;
const u24 = (b: Uint8Array, o: number) => (b[o]! << 16) | (b[o + 1]! << 8) | b[o + 2]!;
const u32 = (b: Uint8Array, o: number) => ((b[o]! << 24) >>> 0) + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);

function need(o: number, n: number, end: number): void {
  if (o + n > end) throw new Malformed('length past the end of the message');
}

export const VALID_HS_TYPES = new Set([0, 1, 2, 3, 4, 5, 6, 8, 11, 12, 13, 14, 15, 16, 20, 21, 22, 23, 24, 25, 67, 254]);

export function handshakeTypeText(t: number): string {
  return wiresharkName('tls.handshake.type', t) ?? `Unknown (${t})`;
}

/** Dissects one complete handshake message at b[o, o + 4 + len). */
export function dissectHandshake(c: HsCtx, o: number, end: number): void {
  const { p, f, b } = c;
  const type = b[o]!;
  const len = u24(b, o + 1);
  let name = handshakeTypeText(type);
  if (type === 2 && len >= 34 && hexBytes(b.subarray(o + 6, o + 38)) === HRR_RANDOM) name = 'Hello Retry Request';
  c.info.push(name);
  p.open(f['tls.handshake'], null, o, end - o, 0, () => `Handshake Protocol: ${name}`);
  p.add(f['tls.handshake.type'], type, o, 1);
  p.add(f['tls.handshake.length'], len, o + 1, 3);
  const s = o + 4;
  try {
    switch (type) {
      case 1: clientHello(c, s, end); break;
      case 2: serverHello(c, s, end); break;
      case 4: newSessionTicket(c, s, end); break;
      case 8: extensions(c, s, end, 8); break;
      case 11: certificate(c, s, end); break;
      case 12: serverKeyExchange(c, s, end); break;
      case 13: certificateRequest(c, s, end); break;
      case 15: certificateVerify(c, s, end); break;
      case 16: clientKeyExchange(c, s, end); break;
      case 20: if (end > s) p.add(f['tls.handshake.verify_data'], null, s, end - s); break;
      case 22: certificateStatus(c, s, end); break;
      case 24: need(s, 1, end); p.add(f['tls.handshake.key_update.request_update'], b[s]!, s, 1); break;
      case 25: compressedCertificate(c, s, end); break;
      default: break; // hello_request, end_of_early_data, server_hello_done: empty
    }
  } catch (err) {
    if (!(err instanceof VectorTooLong)) throw err;
  } finally {
    p.close();
  }
}

function random(c: HsCtx, o: number): void {
  const { p, f, b } = c;
  p.open(f['tls.handshake.random'], b.subarray(o, o + 32), o, 32);
  if (p.tree || p.wants(f['tls.handshake.random_time'])) p.add(f['tls.handshake.random_time'], { s: u32(b, o), ns: 0 }, o, 4);
  p.add(f['tls.handshake.random_bytes'], b.subarray(o + 4, o + 32), o + 4, 28);
  p.close();
}

/**
 * Wireshark's check of a vector's length against the bytes its message has left: a length
 * that runs past them gets an error note ("Vector length N is too large, truncating it to M")
 * and the rest of the message is not dissected; the next message is, so this is no exception.
 */
function vectorFits(c: HsCtx, o: number, lenSize: number, len: number, end: number): boolean {
  if (o + lenSize + len <= end) return true;
  c.p.expert('error', 'Malformed', `Vector length ${len} is too large, truncating it to ${Math.max(0, end - o - lenSize)}`);
  return false;
}

/** After a vector-length note: the structure being dissected (an extension, a message) ends there. */
class VectorTooLong extends Error {}

function sessionId(c: HsCtx, o: number, end: number): number {
  const { p, f, b } = c;
  need(o, 1, end);
  const n = b[o]!;
  p.add(f['tls.handshake.session_id_length'], n, o, 1);
  need(o + 1, n, end);
  if (n > 0) p.add(f['tls.handshake.session_id'], b.subarray(o + 1, o + 1 + n), o + 1, n);
  return o + 1 + n;
}

function clientHello(c: HsCtx, o: number, end: number): void {
  const { p, f, b } = c;
  const h = newHello();
  need(o, 34, end);
  h.version = u16(b, o);
  p.add(f['tls.handshake.version'], h.version, o, 2);
  random(c, o + 2);
  o = sessionId(c, o + 34, end);
  need(o, 2, end);
  const cl = u16(b, o);
  p.add(f['tls.handshake.cipher_suites_length'], cl, o, 2);
  need(o + 2, cl, end);
  p.open(f['tls.handshake.ciphersuites'], null, o + 2, cl, 0, `Cipher Suites (${cl >> 1} suite${cl >> 1 === 1 ? '' : 's'})`);
  for (let i = o + 2; i + 1 < o + 2 + cl; i += 2) {
    const v = u16(b, i);
    h.ciphers.push(v);
    p.add(f['tls.handshake.ciphersuite'], v, i, 2);
  }
  p.close();
  o += 2 + cl;
  need(o, 1, end);
  const ml = b[o]!;
  p.add(f['tls.handshake.comp_methods_length'], ml, o, 1);
  need(o + 1, ml, end);
  p.open(f['tls.handshake.comp_methods'], null, o + 1, ml, 0, `Compression Methods (${ml} method${ml === 1 ? '' : 's'})`);
  for (let i = 0; i < ml; i++) p.add(f['tls.handshake.comp_method'], b[o + 1 + i]!, o + 1 + i, 1);
  p.close();
  o += 1 + ml;
  if (o + 2 <= end) extensions(c, o, end, 1, h);
  if (h.extensions.includes(42) && h.supportedVersions.some((v) => v === 0x0304 || (v & 0xff00) === 0x7f00 || (v & 0xff00) === 0xfb00)) {
    c.conn.earlyVersion = 0x0304;
  }
  if (p.tree || p.wantsAny([f['tls.handshake.ja3_full'], f['tls.handshake.ja3']])) {
    const full = ml > 0 ? ja3Full(h) : ja3Full(h).replace(/,[^,]*,[^,]*,[^,]*$/, ',');
    p.add(f['tls.handshake.ja3_full'], full, o, 0, GENERATED);
    p.add(f['tls.handshake.ja3'], ja3Hash(full), o, 0, GENERATED);
  }
  if (c.wantJa) {
    const j = ja4(h, c.quic ? 'q' : 't');
    p.add(f['tls.handshake.ja4'], j.ja4, o, 0, GENERATED);
    p.add(f['tls.handshake.ja4_r'], j.raw, o, 0, GENERATED);
  }
}

function serverHello(c: HsCtx, o: number, end: number): void {
  const { p, f, b, conn } = c;
  const h = newHello();
  need(o, 34, end);
  h.version = u16(b, o);
  p.add(f['tls.handshake.version'], h.version, o, 2);
  random(c, o + 2);
  o += 34;
  const draft13 = (h.version & 0xff00) === 0x7f00;
  // a session ID longer than the message (TLS 1.3 draft-14 has none: its cipher suite and
  // extensions are read as one) runs on into the following bytes, as in Wireshark; the
  // extensions are then past the message's end and not dissected
  const fixedEnd = Math.max(end, c.dataEnd ?? end);
  if (!draft13) o = sessionId(c, o, fixedEnd);
  need(o, 2, fixedEnd);
  const cs = u16(b, o);
  h.ciphers.push(cs);
  p.add(f['tls.handshake.ciphersuite'], cs, o, 2);
  o += 2;
  if (!draft13) {
    need(o, 1, fixedEnd);
    p.add(f['tls.handshake.comp_method'], b[o]!, o, 1);
    o += 1;
  }
  conn.version = h.version;
  conn.cipher = cs;
  const suite = cipherSuite(cs);
  conn.kx = suite?.kx;
  conn.nullCipher = suite?.cipher === 'NULL';
  if (o + 2 <= end) extensions(c, o, end, 2, h);
  if (h.supportedVersions.length) conn.version = h.supportedVersions[0]!;
  if (p.tree || p.wantsAny([f['tls.handshake.ja3s_full'], f['tls.handshake.ja3s']])) {
    const full = ja3sFull(h);
    p.add(f['tls.handshake.ja3s_full'], full, o, 0, GENERATED);
    p.add(f['tls.handshake.ja3s'], ja3Hash(full), o, 0, GENERATED);
  }
}

function newSessionTicket(c: HsCtx, o: number, end: number): void {
  const { p, f, b, conn } = c;
  need(o, 4, end);
  p.add(f['tls.handshake.session_ticket_lifetime_hint'], u32(b, o), o, 4);
  o += 4;
  // TLS 1.3 drafts before 21 have no ticket nonce
  const draft = (conn.version & 0xff00) === 0x7f00 ? conn.version & 0xff : 0;
  if (conn.tls13 && draft > 0 && draft < 21) {
    need(o, 4, end);
    p.add(f['tls.handshake.session_ticket_age_add'], u32(b, o), o, 4);
    o += 4;
  } else if (conn.tls13) {
    need(o, 5, end);
    p.add(f['tls.handshake.session_ticket_age_add'], u32(b, o), o, 4);
    const nl = b[o + 4]!;
    p.add(f['tls.handshake.session_ticket_nonce_length'], nl, o + 4, 1);
    need(o + 5, nl, end);
    p.add(f['tls.handshake.session_ticket_nonce'], b.subarray(o + 5, o + 5 + nl), o + 5, nl);
    o += 5 + nl;
  }
  need(o, 2, end);
  const tl = u16(b, o);
  p.add(f['tls.handshake.session_ticket_length'], tl, o, 2);
  need(o + 2, tl, end);
  if (tl > 0) p.add(f['tls.handshake.session_ticket'], b.subarray(o + 2, o + 2 + tl), o + 2, tl);
  o += 2 + tl;
  if (conn.tls13 && o + 2 <= end) extensions(c, o, end, 4);
}

function certificate(c: HsCtx, o: number, end: number): void {
  const { p, f, b, conn } = c;
  if (conn.tls13) {
    need(o, 1, end);
    const cl = b[o]!;
    p.add(f['tls.handshake.certificate_request_context_length'], cl, o, 1);
    need(o + 1, cl, end);
    if (cl) p.add(f['tls.handshake.certificate_request_context'], b.subarray(o + 1, o + 1 + cl), o + 1, cl);
    o += 1 + cl;
  }
  need(o, 3, end);
  const total = u24(b, o);
  p.add(f['tls.handshake.certificates_length'], total, o, 3);
  if (!vectorFits(c, o, 3, total, end)) return;
  o += 3;
  const le = o + total;
  p.open(f['tls.handshake.certificates'], null, o, total, 0, `Certificates (${total} bytes)`);
  try {
    while (o < le) {
      need(o, 3, le);
      const n = u24(b, o);
      p.add(f['tls.handshake.certificate_length'], n, o, 3);
      if (!vectorFits(c, o, 3, n, le)) return;
      if (p.tree || p.wants(f['tls.handshake.certificate'])) p.add(f['tls.handshake.certificate'], b.subarray(o + 3, o + 3 + n), o + 3, n);
      if (c.cert && n > 0) {
        p.enter(undefined);
        c.cert(p, b, o + 3, n);
        p.close();
      }
      o += 3 + n;
      if (conn.tls13) {
        need(o, 2, le);
        const el = u16(b, o);
        p.add(f['tls.handshake.extensions_length'], el, o, 2);
        need(o + 2, el, le);
        if (el) extensions(c, o, o + 2 + el, 11);
        o += 2 + el;
      }
    }
  } finally {
    p.close();
  }
}

function sigAlg(c: HsCtx, o: number): number {
  const { p, f, b } = c;
  const v = u16(b, o);
  p.open(f['tls.handshake.sig_hash_alg'], v, o, 2);
  p.add(f['tls.handshake.sig_hash_hash'], b[o]!, o, 1);
  p.add(f['tls.handshake.sig_hash_sig'], b[o + 1]!, o + 1, 1);
  p.close();
  return v;
}

function signature(c: HsCtx, o: number, end: number, lenId: number, sigId: number): number {
  const { p, f, b, conn } = c;
  if (conn.version === 0x0303 || conn.version < 0 || conn.tls13) {
    need(o, 2, end);
    sigAlg(c, o);
    o += 2;
  }
  void f;
  need(o, 2, end);
  const n = u16(b, o);
  p.add(lenId, n, o, 2);
  need(o + 2, n, end);
  p.add(sigId, b.subarray(o + 2, o + 2 + n), o + 2, n);
  return o + 2 + n;
}

function vec8(c: HsCtx, o: number, end: number, lenId: number, valId: number): number {
  const { p, b } = c;
  need(o, 1, end);
  const n = b[o]!;
  p.add(lenId, n, o, 1);
  need(o + 1, n, end);
  p.add(valId, b.subarray(o + 1, o + 1 + n), o + 1, n);
  return o + 1 + n;
}

function vec16(c: HsCtx, o: number, end: number, lenId: number, valId: number): number {
  const { p, b } = c;
  need(o, 2, end);
  const n = u16(b, o);
  p.add(lenId, n, o, 2);
  if (!vectorFits(c, o, 2, n, end)) throw new VectorTooLong();
  p.add(valId, b.subarray(o + 2, o + 2 + n), o + 2, n);
  return o + 2 + n;
}

function serverKeyExchange(c: HsCtx, o: number, end: number): void {
  const { p, f, b, conn } = c;
  const kx = conn.kx;
  if (kx === 'ECDHE' || kx === 'ECDHE_PSK') {
    if (kx === 'ECDHE_PSK') o = vec16(c, o, end, f['tls.handshake.hint_len'], f['tls.handshake.hint']);
    need(o, 4, end);
    p.add(f['tls.handshake.server_curve_type'], b[o]!, o, 1);
    p.add(f['tls.handshake.server_named_curve'], u16(b, o + 1), o + 1, 2);
    o = vec8(c, o + 3, end, f['tls.handshake.server_point_len'], f['tls.handshake.server_point']);
    if (kx === 'ECDHE') signature(c, o, end, f['tls.handshake.sig_len'], f['tls.handshake.sig']);
  } else if (kx === 'DHE' || kx === 'DHE_PSK' || kx === 'DH') {
    if (kx === 'DHE_PSK') o = vec16(c, o, end, f['tls.handshake.hint_len'], f['tls.handshake.hint']);
    o = vec16(c, o, end, f['tls.handshake.p_len'], f['tls.handshake.p']);
    o = vec16(c, o, end, f['tls.handshake.g_len'], f['tls.handshake.g']);
    o = vec16(c, o, end, f['tls.handshake.ys_len'], f['tls.handshake.ys']);
    if (kx !== 'DHE_PSK' && o < end) signature(c, o, end, f['tls.handshake.sig_len'], f['tls.handshake.sig']);
  } else if (kx === 'RSA') {
    o = vec16(c, o, end, f['tls.handshake.modulus_len'], f['tls.handshake.modulus']);
    o = vec16(c, o, end, f['tls.handshake.exponent_len'], f['tls.handshake.exponent']);
    signature(c, o, end, f['tls.handshake.sig_len'], f['tls.handshake.sig']);
  } else if (kx === 'PSK' || kx === 'RSA_PSK') {
    vec16(c, o, end, f['tls.handshake.hint_len'], f['tls.handshake.hint']);
  }
}

function clientKeyExchange(c: HsCtx, o: number, end: number): void {
  const { p, f, b, conn } = c;
  const kx = conn.kx;
  if (kx === 'ECDHE' || kx === 'ECDH' || kx === 'ECDHE_PSK') {
    if (kx === 'ECDHE_PSK') o = vec16(c, o, end, f['tls.handshake.identity_len'], f['tls.handshake.identity']);
    vec8(c, o, end, f['tls.handshake.client_point_len'], f['tls.handshake.client_point']);
  } else if (kx === 'DHE' || kx === 'DH' || kx === 'DHE_PSK') {
    if (kx === 'DHE_PSK') o = vec16(c, o, end, f['tls.handshake.identity_len'], f['tls.handshake.identity']);
    vec16(c, o, end, f['tls.handshake.yc_len'], f['tls.handshake.yc']);
  } else if (kx === 'RSA' || kx === 'RSA_PSK') {
    if (kx === 'RSA_PSK') o = vec16(c, o, end, f['tls.handshake.identity_len'], f['tls.handshake.identity']);
    if (conn.version === 0x0300) {
      p.add(f['tls.handshake.epms'], b.subarray(o, end), o, end - o);
    } else {
      vec16(c, o, end, f['tls.handshake.epms_len'], f['tls.handshake.epms']);
    }
  } else if (kx === 'PSK') {
    vec16(c, o, end, f['tls.handshake.identity_len'], f['tls.handshake.identity']);
  }
}

function certificateRequest(c: HsCtx, o: number, end: number): void {
  const { p, f, b, conn } = c;
  if (conn.tls13) {
    need(o, 1, end);
    const cl = b[o]!;
    p.add(f['tls.handshake.certificate_request_context_length'], cl, o, 1);
    need(o + 1, cl, end);
    if (cl) p.add(f['tls.handshake.certificate_request_context'], b.subarray(o + 1, o + 1 + cl), o + 1, cl);
    extensions(c, o + 1 + cl, end, 13);
    return;
  }
  need(o, 1, end);
  const n = b[o]!;
  p.add(f['tls.handshake.cert_types_count'], n, o, 1);
  need(o + 1, n, end);
  p.open(f['tls.handshake.cert_types'], null, o + 1, n);
  for (let i = 0; i < n; i++) p.add(f['tls.handshake.cert_type'], b[o + 1 + i]!, o + 1 + i, 1);
  p.close();
  o += 1 + n;
  if (conn.version === 0x0303) o = sigAlgList(c, o, end);
  need(o, 2, end);
  const dl = u16(b, o);
  p.add(f['tls.handshake.dnames_len'], dl, o, 2);
  need(o + 2, dl, end);
  const de = o + 2 + dl;
  o += 2;
  if (dl) p.open(f['tls.handshake.dnames'], null, o, dl);
  while (o + 2 <= de) {
    const l = u16(b, o);
    need(o + 2, l, de);
    p.add(f['tls.handshake.dname_len'], l, o, 2);
    p.add(f['tls.handshake.dname'], null, o + 2, l);
    o += 2 + l;
  }
  if (dl) p.close();
}

function certificateVerify(c: HsCtx, o: number, end: number): void {
  const { f } = c;
  signature(c, o, end, f['tls.handshake.client_cert_vrfy.sig_len'], f['tls.handshake.client_cert_vrfy.sig']);
}

function certificateStatus(c: HsCtx, o: number, end: number): void {
  const { p, f, b } = c;
  need(o, 4, end);
  p.add(f['tls.handshake.extensions_status_request_type'], b[o]!, o, 1);
  const n = u24(b, o + 1);
  p.add(f['tls.handshake.ocsp_response_len'], n, o + 1, 3);
  need(o + 4, n, end);
}

function compressedCertificate(c: HsCtx, o: number, end: number): void {
  const { p, f, b } = c;
  need(o, 8, end);
  p.add(f['tls.compress_certificate.algorithm'], u16(b, o), o, 2);
  p.add(f['tls.compress_certificate.uncompressed_length'], u24(b, o + 2), o + 2, 3);
  const n = u24(b, o + 5);
  p.add(f['tls.compress_certificate.compressed_certificate_message.length'], n, o + 5, 3);
  need(o + 8, n, end);
  const alg = u16(b, o);
  const ulen = u24(b, o + 2);
  p.open(f['tls.compress_certificate.compressed_certificate_message'], b.subarray(o + 8, o + 8 + n), o + 8, n);
  try {
    // RFC 8879: zlib (1) and brotli (2) bodies are decompressed and dissected as a Certificate
    const coding = alg === 1 ? 'deflate' : alg === 2 ? 'br' : '';
    const r = coding ? decodeBody(coding, b.subarray(o + 8, o + 8 + n), Math.min(ulen, 1 << 24)) : undefined;
    if (r?.ok && r.data.length === ulen) {
      const saved = p.src;
      p.src = p.addSource('Uncompressed certificate(s)', r.data);
      try {
        certificate({ ...c, b: r.data }, 0, r.data.length);
      } finally {
        p.src = saved;
      }
    }
  } finally {
    p.close();
  }
}

function sigAlgList(c: HsCtx, o: number, end: number, h?: HelloInfo): number {
  const { p, f, b } = c;
  need(o, 2, end);
  const n = u16(b, o);
  p.add(f['tls.handshake.sig_hash_alg_len'], n, o, 2);
  need(o + 2, n, end);
  p.open(f['tls.handshake.sig_hash_algs'], null, o + 2, n, 0, `Signature Hash Algorithms (${n >> 1} algorithm${n >> 1 === 1 ? '' : 's'})`);
  for (let i = o + 2; i + 1 < o + 2 + n; i += 2) {
    const v = sigAlg(c, i);
    h?.sigAlgs.push(v);
  }
  p.close();
  return o + 2 + n;
}

/** Extension types whose body this dissector decodes (others show as tls.handshake.extension.data). */
const PARSED = new Set([0, 1, 5, 10, 11, 13, 15, 16, 17, 18, 21, 22, 23, 27, 28, 41, 42, 43, 44, 45, 49, 50, 51, 17513, 65281]);

/** The extensions block (length + list) at o; `msg` is the handshake type carrying it. */
export function extensions(c: HsCtx, o: number, end: number, msg: number, h?: HelloInfo): void {
  const { p, f, b } = c;
  need(o, 2, end);
  const total = u16(b, o);
  p.add(f['tls.handshake.extensions_length'], total, o, 2);
  o += 2;
  if (o + total > end) throw new Malformed('extensions length past the end of the message');
  const le = o + total;
  while (o + 4 <= le) {
    const type = u16(b, o);
    const len = u16(b, o + 2);
    h?.extensions.push(type);
    const s = o + 4;
    const e = s + len;
    p.add(f['tls.handshake.extension.type'], type, o, 2);
    p.add(f['tls.handshake.extension.len'], len, o + 2, 2);
    if (e > le) throw new Malformed('extension length past the end of the extensions');
    if (!PARSED.has(type) || isGrease(type)) {
      p.add(f['tls.handshake.extension.data'], b.subarray(s, e), s, len);
    } else if (len > 0 || type === 43) {
      try {
        extension(c, type, s, e, msg, h);
      } catch (err) {
        if (!(err instanceof VectorTooLong)) throw err;
      }
    }
    o = e;
  }
  if (o < le) throw new Malformed('extensions block with trailing bytes');
}

function extension(c: HsCtx, type: number, o: number, end: number, msg: number, h?: HelloInfo): void {
  const { p, f, b, conn } = c;
  switch (type) {
    case 0: { // server_name
      if (h) h.sni = true;
      need(o, 2, end);
      const ll = u16(b, o);
      p.add(f['tls.handshake.extensions_server_name_list_len'], ll, o, 2);
      o += 2;
      const le = Math.min(end, o + ll);
      while (o + 3 <= le) {
        const t = b[o]!;
        const n = u16(b, o + 1);
        p.add(f['tls.handshake.extensions_server_name_type'], t, o, 1);
        p.add(f['tls.handshake.extensions_server_name_len'], n, o + 1, 2);
        need(o + 3, n, le);
        const name = latin(b, o + 3, o + 3 + n);
        if (t === 0) conn.sni = name;
        p.add(f['tls.handshake.extensions_server_name'], name, o + 3, n);
        o += 3 + n;
      }
      return;
    }
    case 1:
      p.add(f['tls.handshake.max_fragment_length'], b[o]!, o, 1);
      return;
    case 5: { // status_request
      if (msg !== 1) return;
      need(o, 1, end);
      const t = b[o]!;
      p.add(f['tls.handshake.extensions_status_request_type'], t, o, 1);
      if (t === 1 && o + 5 <= end) {
        const r = u16(b, o + 1);
        p.add(f['tls.handshake.extensions_status_request_responder_ids_len'], r, o + 1, 2);
        need(o + 3, r + 2, end);
        p.add(f['tls.handshake.extensions_status_request_exts_len'], u16(b, o + 3 + r), o + 3 + r, 2);
      }
      return;
    }
    case 10: { // supported_groups
      need(o, 2, end);
      const n = u16(b, o);
      p.add(f['tls.handshake.extensions_supported_groups_length'], n, o, 2);
      need(o + 2, n, end);
      p.open(f['tls.handshake.extensions_supported_groups'], null, o + 2, n, 0, `Supported Groups (${n >> 1} group${n >> 1 === 1 ? '' : 's'})`);
      for (let i = o + 2; i + 1 < o + 2 + n; i += 2) {
        const v = u16(b, i);
        h?.groups.push(v);
        p.add(f['tls.handshake.extensions_supported_group'], v, i, 2);
      }
      p.close();
      return;
    }
    case 11: { // ec_point_formats
      const n = b[o]!;
      p.add(f['tls.handshake.extensions_ec_point_formats_length'], n, o, 1);
      need(o + 1, n, end);
      p.open(f['tls.handshake.extensions_ec_point_formats'], null, o + 1, n, 0, `Elliptic curves point formats (${n})`);
      for (let i = 0; i < n; i++) {
        h?.pointFormats.push(b[o + 1 + i]!);
        p.add(f['tls.handshake.extensions_ec_point_format'], b[o + 1 + i]!, o + 1 + i, 1);
      }
      p.close();
      return;
    }
    case 13: case 50: // signature_algorithms(_cert)
      sigAlgList(c, o, end, type === 13 ? h : undefined);
      return;
    case 15:
      p.add(f['tls.handshake.extension.heartbeat.mode'], b[o]!, o, 1);
      return;
    case 16: { // ALPN
      protocolNames(p, b, o, end, [f['tls.handshake.extensions_alpn_len'], f['tls.handshake.extensions_alpn_list'],
        f['tls.handshake.extensions_alpn_str_len'], f['tls.handshake.extensions_alpn_str']], (s, from, to) => {
        h?.alpn.push(b.subarray(from, to));
        if (msg !== 1) conn.alpn = s;
      });
      return;
    }
    case 18: { // signed_certificate_timestamp
      if (msg === 1) return;
      need(o, 2, end);
      const n = u16(b, o);
      p.add(f['tls.sct.scts_length'], n, o, 2);
      let q = o + 2;
      const le = Math.min(end, q + n);
      while (q + 2 <= le) {
        const l = u16(b, q);
        p.add(f['tls.sct.sct_length'], l, q, 2);
        need(q + 2, l, le);
        sct(c, q + 2, q + 2 + l);
        q += 2 + l;
      }
      return;
    }
    case 21:
      p.add(f['tls.handshake.extensions_padding_data'], b.subarray(o, end), o, end - o);
      return;
    case 27: { // compress_certificate
      const n = b[o]!;
      p.add(f['tls.compress_certificate.algorithms_length'], n, o, 1);
      need(o + 1, n, end);
      for (let i = o + 1; i + 1 < o + 1 + n; i += 2) p.add(f['tls.compress_certificate.algorithm'], u16(b, i), i, 2);
      return;
    }
    case 28:
      need(o, 2, end);
      p.add(f['tls.record_size_limit'], u16(b, o), o, 2);
      return;
    case 41: { // pre_shared_key
      if (msg === 2) {
        need(o, 2, end);
        p.add(f['tls.handshake.extensions.psk.identity.selected'], u16(b, o), o, 2);
        return;
      }
      need(o, 2, end);
      const il = u16(b, o);
      p.add(f['tls.handshake.extensions.psk.identities.length'], il, o, 2);
      let q = o + 2;
      need(q, il, end);
      const ie = q + il;
      while (q + 2 <= ie) {
        const l = u16(b, q);
        p.add(f['tls.handshake.extensions.psk.identity.identity_length'], l, q, 2);
        need(q + 2, l + 4, ie);
        p.add(f['tls.handshake.extensions.psk.identity.identity'], b.subarray(q + 2, q + 2 + l), q + 2, l);
        p.add(f['tls.handshake.extensions.psk.identity.obfuscated_ticket_age'], u32(b, q + 2 + l), q + 2 + l, 4);
        q += 6 + l;
      }
      q = ie;
      need(q, 2, end);
      const bl = u16(b, q);
      p.add(f['tls.handshake.extensions.psk.binders_len'], bl, q, 2);
      need(q + 2, bl, end);
      p.add(f['tls.handshake.extensions.psk.binders'], null, q + 2, bl);
      return;
    }
    case 42: // early_data
      if (msg === 4) {
        need(o, 4, end);
        p.add(f['tls.early_data.max_early_data_size'], u32(b, o), o, 4);
      }
      return;
    case 43: { // supported_versions
      if (msg === 2 || msg === 6) {
        need(o, 2, end);
        const v = u16(b, o);
        h?.supportedVersions.push(v);
        p.add(f['tls.handshake.extensions.supported_version'], v, o, 2);
        return;
      }
      need(o, 1, end);
      const n = b[o]!;
      p.add(f['tls.handshake.extensions.supported_versions_len'], n, o, 1);
      need(o + 1, n, end);
      for (let i = o + 1; i + 1 < o + 1 + n; i += 2) {
        const v = u16(b, i);
        h?.supportedVersions.push(v);
        p.add(f['tls.handshake.extensions.supported_version'], v, i, 2);
      }
      return;
    }
    case 44:
      vec16(c, o, end, f['tls.handshake.extensions.cookie_len'], f['tls.handshake.extensions.cookie']);
      return;
    case 45: { // psk_key_exchange_modes
      const n = b[o]!;
      p.add(f['tls.extension.psk_ke_modes_length'], n, o, 1);
      need(o + 1, n, end);
      for (let i = 0; i < n; i++) p.add(f['tls.extension.psk_ke_mode'], b[o + 1 + i]!, o + 1 + i, 1);
      return;
    }
    case 51: { // key_share
      if (msg === 2 && end - o === 2) {
        p.add(f['tls.handshake.extensions_key_share_selected_group'], u16(b, o), o, 2);
        return;
      }
      let q = o;
      let le = end;
      if (msg === 1) {
        need(o, 2, end);
        const n = u16(b, o);
        p.add(f['tls.handshake.extensions_key_share_client_length'], n, o, 2);
        q = o + 2;
        need(q, n, end);
        le = q + n;
      }
      while (q + 4 <= le) {
        const g = u16(b, q);
        const n = u16(b, q + 2);
        need(q + 4, n, le);
        p.add(f['tls.handshake.extensions_key_share_group'], g, q, 2);
        p.add(f['tls.handshake.extensions_key_share_key_exchange_length'], n, q + 2, 2);
        p.add(f['tls.handshake.extensions_key_share_key_exchange'], b.subarray(q + 4, q + 4 + n), q + 4, n);
        q += 4 + n;
      }
      return;
    }
    case 17513: { // application_settings
      if (msg !== 1) {
        p.add(f['tls.handshake.extensions_alps.settings'], b.subarray(o, end), o, end - o);
        return;
      }
      protocolNames(p, b, o, end, [f['tls.handshake.extensions_alps_len'], f['tls.handshake.extensions_alps_alpn_list'],
        f['tls.handshake.extensions_alps_alpn_str_len'], f['tls.handshake.extensions_alps_alpn_str']]);
      return;
    }
    case 65281: { // renegotiation_info
      const n = b[o]!;
      p.add(f['tls.handshake.extensions_reneg_info_len'], n, o, 1);
      need(o + 1, n, end);
      if (n) p.add(f['tls.handshake.extensions_reneg_info'], b.subarray(o + 1, o + 1 + n), o + 1, n);
      return;
    }
    default:
      return; // extended_master_secret, encrypt_then_mac, post_handshake_auth: empty
  }
}

function sct(c: HsCtx, o: number, end: number): void {
  const { p, f, b } = c;
  need(o, 1 + 32 + 8 + 2, end);
  p.add(f['tls.sct.sct_version'], b[o]!, o, 1);
  p.add(f['tls.sct.sct_logid'], b.subarray(o + 1, o + 33), o + 1, 32);
  const ms = u32(b, o + 33) * 2 ** 32 + u32(b, o + 37);
  p.add(f['tls.sct.sct_timestamp'], { s: Math.floor(ms / 1000), ns: (ms % 1000) * 1e6 }, o + 33, 8);
  const el = u16(b, o + 41);
  p.add(f['tls.sct.sct_extensions_length'], el, o + 41, 2);
  let q = o + 43 + el;
  need(q, 4, end);
  sigAlg(c, q);
  q += 2;
  const sl = u16(b, q);
  p.add(f['tls.sct.sct_signature_length'], sl, q, 2);
  need(q + 2, sl, end);
  p.add(f['tls.sct.sct_signature'], b.subarray(q + 2, q + 2 + sl), q + 2, sl);
}

/** Bytes as a string the way Wireshark shows FT_STRING (ASCII; other bytes as escapes). */
/**
 * A 16-bit-length list of 8-bit-length protocol names (ALPN, and ALPS's list of ALPN ids):
 * ids = [list length, list, name length, name]; `each` sees every name and its byte range.
 */
function protocolNames(p: Packet, b: Uint8Array, o: number, end: number, ids: readonly [number, number, number, number],
  each?: (name: string, from: number, to: number) => void): void {
  need(o, 2, end);
  const n = u16(b, o);
  p.add(ids[0], n, o, 2);
  need(o + 2, n, end);
  p.open(ids[1], null, o + 2, n);
  const le = o + 2 + n;
  for (let q = o + 2; q < le; ) {
    const l = b[q]!;
    p.add(ids[2], l, q, 1);
    need(q + 1, l, le);
    const name = latin(b, q + 1, q + 1 + l);
    each?.(name, q + 1, q + 1 + l);
    p.add(ids[3], name, q + 1, l);
    q += 1 + l;
  }
  p.close();
}

function latin(b: Uint8Array, s: number, e: number): string {
  let out = '';
  for (let i = s; i < e; i++) {
    const ch = b[i]!;
    out += ch >= 0x20 && ch < 0x7f ? String.fromCharCode(ch) : ch < 0x80 ? `\\x${ch.toString(16).padStart(2, '0')}` : '\ufffd';
  }
  return out;
}

export { type HelloInfo };
