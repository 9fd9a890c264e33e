/**
 * The TLS record layer over TCP, with Wireshark 4.0's (one-pass, in-order) segmentation
 * semantics:
 *
 *  - A record that does not fit in its segment waits for the following segments of the
 *    same direction; its fields are added in the frame where it completes (from a
 *    "Reassembled TCP" data source). Segments carrying only the middle of a record show
 *    TCP's Info plus " [TCP segment of a reassembled PDU]".
 *  - Every time the TLS dissector is "called" on a frame (once for a completed multi-
 *    segment record, once for the bytes that follow it) "tls" is added to frame.protocols.
 *  - Retransmissions are not dissected again; a gap (lost segment) drops the pending
 *    record and the dissector resyncs on the next segment ("Continuation Data" when it
 *    does not start with a record header).
 *  - Handshake messages spanning records are reassembled (fields in the record that
 *    completes them); several messages in one record are all dissected.
 *
 * Detection: the TLS ports tshark knows, `-d tcp.port==N,tls`, and a heuristic on the first
 * payload of a stream whose ports no other dissector owns (a plausible handshake record).
 */
import type { Engine } from '../engine.ts';
import type { Packet } from '../packet.ts';
import { GENERATED } from '../packet.ts';
import type { TcpConversation, TcpEndHandler, TcpPayloadHandler, TcpSegment } from '../transport/tcp/tcp.ts';
import { A_OUT_OF_ORDER } from '../transport/tcp/analysis.ts';
import { dissectCertificate, registerX509Fields } from '../x509/index.ts';
import { registerTlsFields, type TlsFields } from './fields.ts';
import { Malformed, VALID_HS_TYPES, dissectHandshake, type HsCtx } from './handshake.ts';
import { OWNED_PORTS, TLS_PORTS } from './ports.ts';
import { wiresharkName } from './registry/index.ts';
import { Pending, TlsConn, type TlsDir } from './state.ts';
import { dissectSslv2Record, isLegacyTlsVersion, isSslv2Record, sslv2RecordSize } from './sslv2.ts';
import { TlsDecryptSession } from '../decrypt/session.ts';
import { registerDecryptFields } from '../decrypt/fields.ts';
import { httpStreams } from '../http/register.ts';
import type { HttpConnection } from '../http/index.ts';
import { looksLikeHttp1 } from '../http/h1.ts';
import { isHttp2Preface } from '../http2/http2.ts';
import { parsePortRanges } from './ports.ts';

/** Largest handshake message reassembled across records (larger ones show as encrypted). */
const MAX_HS_MESSAGE = 0x40000;
const MAX_RECORD = 5 + 0x4800;

const u16 = (b: Uint8Array, o: number) => (b[o]! << 8) | b[o + 1]!;

/** Wireshark's Protocol-column name of a version; "SSL" when unknown. */
export function versionColumn(v: number): string {
  switch (v) {
    case 0x0002: return 'SSLv2';
    case 0x0300: return 'SSLv3';
    case 0x0301: return 'TLSv1';
    case 0x0302: return 'TLSv1.1';
    case 0x0303: return 'TLSv1.2';
    case 0x0304: return 'TLSv1.3';
    default: return (v & 0xff00) === 0x7f00 || (v & 0xff00) === 0xfb00 ? 'TLSv1.3' : 'SSL';
  }
}

function validRecordHeader(b: Uint8Array, o: number, n: number, versionKnown = false): boolean {
  const ct = b[o]!;
  if (ct < 20 || ct > 24) return false;
  // on an SSL 3.0 to TLS 1.2 connection, Wireshark takes any record with a valid content
  // type (whatever its version field says) and waits for its length's worth of bytes
  if (n < 3 || versionKnown) return true;
  const maj = b[o + 1]!;
  const min = b[o + 2]!;
  return maj === 3 && min <= 4;
}

/** Per-frame (per TCP segment) column bookkeeping. */
interface FrameCtx {
  info: string[];
  proto: string;
  /** A record (or continuation) was dissected: TLS owns the columns. */
  shown: boolean;
  /** An application protocol (HTTP) set the columns; TLS Info parts from this index follow its text. */
  appInfoAt?: number;
  /** TLS was called on bytes starting in this segment. */
  called: boolean;
}

export interface TlsDissector {
  readonly fields: TlsFields;
  readonly handler: TcpPayloadHandler;
  /** A data-less FIN of a TLS stream (ends the decrypted application stream of that direction). */
  readonly end: TcpEndHandler;
  /** Wireshark's heuristic for TLS on ports no dissector claims. */
  readonly heuristic: (data: Uint8Array, off: number, end: number, seg: TcpSegment) => boolean;
  /** TLS state of a TCP conversation (undefined when it is not TLS). */
  connection(conv: TcpConversation): TlsConn | undefined;
  /**
   * The conversation is over (both FINs, nothing missing): drops its buffers, decoders and
   * application parser; `connection(conv)` keeps the version, names and decryption status.
   */
  release(conv: TcpConversation): void;
  /**
   * Optional tap on every decrypted record (content type, plaintext, segment, direction), for
   * analyses such as "follow tls" (analysis/follow). Set it before dissecting; undefined = none.
   */
  recordTap?: ((p: Packet, ct: number, plain: Uint8Array, seg: TcpSegment, fromServer: boolean) => void) | undefined;
  /**
   * QUIC: dissects the whole handshake messages in b[o, end), reassembled from CRYPTO frames
   * (RFC 9001 §4: no record layer). `conn` is the QUIC connection's TLS state.
   */
  quicHandshake(p: Packet, b: Uint8Array, o: number, end: number, conn: TlsConn, fromServer: boolean): void;
}

const byEngine = new WeakMap<Engine, TlsDissector>();

/** The TLS dissector of an engine (created once; later calls return the same instance and its connection state). */
export function createTls(engine: Engine): TlsDissector {
  let t = byEngine.get(engine);
  if (!t) {
    t = buildTls(engine);
    byEngine.set(engine, t);
  }
  return t;
}

function buildTls(engine: Engine): TlsDissector {
  const reg = engine.reg;
  const f = registerTlsFields(reg);
  const x509 = registerX509Fields(reg);
  const x509Ids = reg.all().filter((d) => /^(x509|pkix|pkcs)/.test(d.proto) && d.id !== f.proto).map((d) => d.id);
  const frameProtocols = reg.find('frame.protocols')?.id ?? -1;
  const ja4Ids = [f['tls.handshake.ja4'], f['tls.handshake.ja4_r']];
  const conns = new WeakMap<TcpConversation, TlsConn>();
  const early = new WeakMap<TlsConn, EarlyHandshake>();
  /** Directions (bit 1 << dir) whose decrypted application stream was ended (close_notify, FIN). */
  const ended = new WeakMap<TlsConn, number>();
  let closeEnds: boolean | undefined;
  const df = registerDecryptFields(reg);
  let httpTlsPorts: ReadonlySet<number> | undefined;
  const appPorts = (): ReadonlySet<number> => (httpTlsPorts ??= parsePortRanges(engine.prefs.get('http.tls.port') ?? '443'));

  const certFn = (p: Packet, b: Uint8Array, off: number, len: number) => {
    dissectCertificate(p, b, off, len, x509);
  };

  /** Wireshark's TLS heuristic: a handshake record starting a stream no other dissector's port claims. */
  const heuristic = (data: Uint8Array, off: number, end: number, seg: TcpSegment): boolean => {
    if (OWNED_PORTS.has(seg.srcport) || OWNED_PORTS.has(seg.dstport)) return false;
    if (looksLikeSslv2ClientHello(data, off, end)) return true;
    if (end - off < 6 || data[off] !== 22 || data[off + 1] !== 3 || data[off + 2]! > 4) return false;
    const len = u16(data, off + 3);
    const ht = data[off + 5]!;
    return len > 0 && len <= 0x4800 && (ht === 1 || ht === 2);
  };

  function newConn(seg: TcpSegment, data: Uint8Array, off: number, end: number): TlsConn {
    const c = new TlsConn();
    const other = (seg.dir ^ 1) as 0 | 1;
    if (end - off >= 6 && data[off] === 22 && data[off + 5] === 1) c.serverDir = other;
    else if (end - off >= 6 && data[off] === 22 && data[off + 5] === 2) c.serverDir = seg.dir;
    else if (looksLikeSslv2ClientHello(data, off, end)) c.serverDir = other;
    else if (TLS_PORTS.has(seg.dstport)) c.serverDir = other;
    else if (TLS_PORTS.has(seg.srcport)) c.serverDir = seg.dir;
    else c.serverDir = seg.srcport < seg.dstport ? seg.dir : other;
    return c;
  }

  const handler: TcpPayloadHandler = (p, data, off, end, seg) => {
    let conn = conns.get(seg.conv);
    if (conn === undefined) {
      conn = newConn(seg, data, off, end);
      conns.set(seg.conv, conn);
    }
    const dir = conn.dirs[seg.dir];
    const len = end - off;
    let o = off;
    const r = dir.rec;
    if (r && r.need > 0 && r.start >= 0 && seg.offset < r.start + r.need && seg.offset + len > r.start
      && (seg.offset !== r.start + r.len || r.ranges)) {
      // out-of-order bytes (or a retransmission filling a hole) of the pending record, as Wireshark's
      // reassembly places them by sequence number
      return placePending(p, data, off, end, conn, seg, r);
    }
    // retransmitted and out-of-order segments outside a pending record are not dissected (tshark's default)
    if (seg.retransmission || (seg.analysis & A_OUT_OF_ORDER) !== 0) return len;
    if (dir.next >= 0) {
      if (seg.offset + len <= dir.next) return len;
      if (seg.offset > dir.next) {
        dir.rec = undefined; // a gap: what was pending will never complete
        dir.hs = undefined;
      } else if (seg.offset < dir.next) {
        o += dir.next - seg.offset;
      }
    }
    dir.next = seg.offset + len;

    const fx: FrameCtx = { info: [], proto: '', shown: false, called: false };
    const fence = p.wantCols && seg.analysis !== 0 ? fencePrefix(p.colInfo, seg.srcport) : '';
    try {
      o = continuePending(p, data, o, end, conn, seg, fx);
      if (o < end) newCall(p, data, o, end, conn, seg, fx, off);
    } catch (e) {
      if (!(e instanceof Malformed)) throw e;
    }
    if (seg.flags & 0x01) endApp(p, conn, seg, fx);
    if (conn.dec && fx.shown) decStatus(p, conn);
    columns(p, fx, fence);
    return len;
  };

  /**
   * The decrypted application stream of direction seg.dir ended (close_notify, TCP FIN): HTTP
   * bodies delimited by the close complete. Off by default, as in tshark 4.0 (which leaves such
   * a response unfinished over TLS); on with -o tlslens.http.end_at_tls_close:TRUE, which the
   * http and follow commands set.
   */
  function endApp(p: Packet, conn: TlsConn, seg: TcpSegment, fx?: FrameCtx): void {
    closeEnds ??= /^(true|1|yes)$/i.test(engine.prefs.get('tlslens.http.end_at_tls_close') ?? '');
    const app = conn.dec?.app as HttpConnection | undefined;
    if (!closeEnds || !app) return;
    const done = ended.get(conn) ?? 0;
    if (done & (1 << seg.dir)) return;
    ended.set(conn, done | (1 << seg.dir));
    const proto0 = p.colProtocol;
    const info0 = p.colInfo;
    if (p.wantCols) p.colProtocol = '';
    app.close(p, seg.dir);
    if (p.wantCols) {
      if (p.colProtocol !== '') {
        if (fx) fx.appInfoAt = fx.info.length;
      } else {
        p.colProtocol = proto0;
        p.colInfo = info0;
      }
    }
  }

  /** The connection's decryption status so far, as fields; an expert note the first time it is a failure. */
  function decStatus(p: Packet, conn: TlsConn): void {
    const sess = conn.dec!;
    const want = p.tree || p.wantsAny(statusIds);
    const st = want || !sess.reported ? sess.status : undefined;
    if (!st) return;
    if (want) {
      p.add(df['tls.tlslens.decryption_status'], st.text, 0, 0, GENERATED);
      p.add(df['tls.tlslens.decryption_status_code'], st.code, 0, 0, GENERATED);
    }
    if (!sess.reported && st.code !== 'decrypted' && st.code !== 'pending') {
      sess.reported = true;
      p.expert('warn', 'Decryption', `Not decrypted: ${st.text}`);
    }
  }
  const statusIds = [df['tls.tlslens.decryption_status'], df['tls.tlslens.decryption_status_code']];

  function placePending(p: Packet, data: Uint8Array, off: number, end: number, conn: TlsConn, seg: TcpSegment, r: Pending): number {
    const dir = conn.dirs[seg.dir];
    const so = seg.offset;
    const a = Math.max(so, r.start);
    const b = Math.min(so + (end - off), r.start + r.need);
    const fx: FrameCtx = { info: [], proto: '', shown: false, called: false };
    const fence = p.wantCols && seg.analysis !== 0 ? fencePrefix(p.colInfo, seg.srcport) : '';
    dir.next = Math.max(dir.next, so + (end - off));
    const tail = off + (r.start + r.need - so);
    // Wireshark's TCP reassembly finishes a record only in the segment that brings its last byte:
    // if bytes before it are still missing then, the record is given up (a later segment filling
    // the hole does not finish it), and the bytes after its end start new records right away
    const reachesEnd = tail <= end;
    const complete = r.place(data, off + (a - so), off + (b - so), a - r.start, p.num);
    if (complete && reachesEnd) {
      try {
        finishRecord(p, conn, seg, fx, r);
        if (tail < end) newCall(p, data, tail, end, conn, seg, fx, off);
      } catch (e) {
        if (!(e instanceof Malformed)) throw e;
      }
      if (conn.dec && fx.shown) decStatus(p, conn);
    } else if (reachesEnd || complete) {
      dir.rec = undefined;
      if (reachesEnd && tail < end) try {
        newCall(p, data, tail, end, conn, seg, fx, off);
      } catch (e) {
        if (!(e instanceof Malformed)) throw e;
      }
      if (conn.dec && fx.shown) decStatus(p, conn);
    }
    columns(p, fx, fence);
    return end - off;
  }

  function columns(p: Packet, fx: FrameCtx, fence: string): void {
    if (p.wantCols) {
      if (fx.appInfoAt !== undefined) {
        const rest = fx.info.slice(fx.appInfoAt).join(', ');
        if (rest) p.colInfo += (p.colInfo ? ', ' : '') + rest;
      } else if (fx.shown) {
        p.colProtocol = fx.proto;
        const text = fx.info.join(', ');
        p.colInfo = fence ? `${fence}${text ? ', ' + text : ''}` : text;
      } else if (fx.called) {
        p.colInfo = fence + (fence ? ' ' : '') + '[TCP segment of a reassembled PDU]';
      } else {
        p.appendInfo(' [TCP segment of a reassembled PDU]');
      }
    }
  }

  /** Feeds the segment to a record waiting for more bytes; returns where new data starts. */
  function continuePending(p: Packet, data: Uint8Array, o: number, end: number, conn: TlsConn, seg: TcpSegment, fx: FrameCtx): number {
    const dir = conn.dirs[seg.dir];
    const r = dir.rec;
    if (!r) return o;
    if (r.need === 0 && r.v2) {
      // an SSLv2 header: 2 bytes, or 3 when the first has its high bit clear
      const take = Math.min(3 - r.len, end - o);
      r.append(data, o, o + take, p.num);
      o += take;
      const size = sslv2RecordSize(r.buf, 0, r.len);
      if (size === 0) return o;
      r.need = size;
      o -= r.len - Math.min(r.len, size);
      r.len = Math.min(r.len, size);
    }
    if (r.need === 0) {
      const take = Math.min(5 - r.len, end - o);
      r.append(data, o, o + take, p.num);
      o += take;
      if (r.len < 5) return o;
      if (!validRecordHeader(r.buf, 0, 5, isLegacyTlsVersion(conn.version))) {
        // not a record after all: show the bytes as the start of an unknown record
        dir.rec = undefined;
        fx.called = true;
        return o;
      }
      r.need = 5 + u16(r.buf, 3);
    }
    const take = Math.min(r.need - r.len, end - o);
    r.append(data, o, o + take, p.num);
    o += take;
    if (r.len < r.need) return o;
    finishRecord(p, conn, seg, fx, r);
    return o;
  }

  /** Dissects a record completed from several segments: one TLS call of its own. */
  function finishRecord(p: Packet, conn: TlsConn, seg: TcpSegment, fx: FrameCtx, r: Pending): void {
    conn.dirs[seg.dir].rec = undefined;
    p.protocols.push('tls');
    const buf = r.buf.subarray(0, r.need);
    const saved = p.src;
    if (p.tree) p.src = p.addSource('Reassembled TCP', buf);
    p.open(f.proto, buf, 0, buf.length, 0, 'Transport Layer Security');
    try {
      if (r.v2) dissectSslv2(p, buf, 0, buf.length, conn, seg, fx);
      else dissectRecord(p, buf, 0, conn, seg, fx);
    } finally {
      p.close();
      p.src = saved;
    }
  }

  /** TLS called on data[o, end): records until the end or an incomplete one. */
  function newCall(p: Packet, data: Uint8Array, o: number, end: number, conn: TlsConn, seg: TcpSegment, fx: FrameCtx, start: number): void {
    const dir = conn.dirs[seg.dir];
    p.protocols.push('tls');
    fx.called = true;
    p.open(f.proto, data.subarray(o, end), o, end - o, 0, 'Transport Layer Security');
    try {
      let first = true;
      while (o < end) {
        const rem = end - o;
        if (isSslv2Record(conn, data, o, end)) {
          const size = sslv2RecordSize(data, o, end);
          if (size === 0 || size > rem) {
            startPending(dir, data, o, end, size, p.num, seg.offset + (o - start)).v2 = true;
            return;
          }
          dissectSslv2(p, data, o, size, conn, seg, fx);
          o += size;
          first = false;
          continue;
        }
        if (!validRecordHeader(data, o, rem, isLegacyTlsVersion(conn.version))) {
          fx.info.push(first ? 'Continuation Data' : 'Ignored Unknown Record');
          if (!first) p.add(f['tls.ignored_unknown_record'], null, o, rem);
          fx.proto ||= versionColumn(conn.version);
          fx.shown = true;
          p.expert('warn', 'Protocol', first ? 'Continuation Data' : 'Ignored Unknown Record');
          return;
        }
        if (rem < 5) {
          startPending(dir, data, o, end, 0, p.num, seg.offset + (o - start));
          return;
        }
        const rlen = u16(data, o + 3);
        if (5 + rlen > rem) {
          startPending(dir, data, o, end, 5 + rlen, p.num, seg.offset + (o - start));
          return;
        }
        dissectRecord(p, data, o, conn, seg, fx, end);
        o += 5 + rlen;
        first = false;
      }
    } finally {
      p.close();
    }
  }

  function startPending(dir: TlsDir, data: Uint8Array, o: number, end: number, need: number, frame: number, at: number): Pending {
    const r = new Pending(Math.min(need || 64, MAX_RECORD + 0x10000));
    r.need = need;
    r.start = at;
    r.append(data, o, end, frame);
    dir.rec = r;
    return r;
  }

  /** One complete record at b[o, o + 5 + length); `tvbEnd`: the end of the bytes this TLS call was given. */
  function dissectRecord(p: Packet, b: Uint8Array, o: number, conn: TlsConn, seg: TcpSegment, fx: FrameCtx, tvbEnd = b.length): void {
    const dir = conn.dirs[seg.dir];
    const ct = b[o]!;
    const ver = u16(b, o + 1);
    const len = u16(b, o + 3);
    const s = o + 5;
    const e = s + len;
    dir.seen = true;
    const fromServer = conn.serverDir === seg.dir;
    const fromClient = !fromServer;
    const opaque = ct === 23 && conn.tls13;
    const encrypted = dir.ccs || conn.tls13;
    let label = '';
    const info0 = fx.info.length;
    // decryption (only with key material: conn.dec exists)
    let sess = conn.dec;
    if (!sess && (ct === 23 || ct === 20) && engine.tlsKeys && !engine.tlsKeys.empty) {
      sess = lateSession(conn);
      if (!sess && ct === 23) {
        sess = conn.dec = new TlsDecryptSession(engine.tlsKeys);
        sess.markNoHandshake();
      }
    }
    if (!sess && ((conn.tls13 && ct === 23) || (!conn.tls13 && dir.ccs && ct !== 20))) {
      const e = early.get(conn);
      if (e && ++e.prot[seg.dir] > MAX_EARLY_RECORDS) early.delete(conn); // keys that never came
      // (else a protected record gone by before the keys: its sequence number counts)
    }
    let plain: Uint8Array | undefined;
    let ict = ct;
    let srcIdx = 0;
    const wantDec = sess !== undefined && ((conn.tls13 && ct === 23) || (!conn.tls13 && (dir.ccs || conn.nullCipher) && ct !== 20)) && decrypts(seg);
    let decFail: string | undefined;
    if (wantDec) {
      const r = sess!.decrypt(fromClient, ct, ver, b.subarray(s, e), p.num);
      if (r?.ok) {
        plain = r.plaintext;
        ict = r.contentType;
        srcIdx = p.addSource('Decrypted TLS', plain);
      } else if (r) decFail = r.detail;
    }
    p.open(f['tls.record'], null, o, 5 + len, 0, () => label);
    try {
      if (opaque) p.add(f['tls.record.opaque_type'], ct, o, 1);
      else p.add(f['tls.record.content_type'], ct, o, 1);
      p.add(f['tls.record.version'], ver, o + 1, 2);
      p.add(f['tls.record.length'], len, o + 3, 2);
      if (opaque && plain) p.add(f['tls.record.content_type'], ict, o, 0, GENERATED);
      if (sess && wantDec) {
        p.add(df['tls.tlslens.decrypted'], plain !== undefined, s, len, GENERATED);
        if (decFail !== undefined) {
          p.add(df['tls.tlslens.decryption_failure'], decFail, s, len, GENERATED);
          p.expert('warn', 'Decryption', `Decryption failed: ${decFail}`);
        }
      }
      if (plain) {
        const saved = p.src;
        p.src = srcIdx;
        try {
          decryptedContent(p, plain, ict, conn, seg, fromServer, fx, b.subarray(s, e), s);
        } finally {
          p.src = saved;
          sess!.endRecord(fromClient);
        }
      } else switch (ct) {
        case 20:
          p.add(f['tls.change_cipher_spec'], null, s, len);
          fx.info.push('Change Cipher Spec');
          if (!conn.tls13 && !conn.nullCipher) dir.ccs = true;
          if (conn.dec && !conn.tls13) conn.dec.ccs(fromClient);
          else if (!conn.dec && conn.dirs[0].ccs && conn.dirs[1].ccs && !engine.tlsKeys?.lateKeys) early.delete(conn); // too late for keys now
          break;
        case 21:
          if (len >= 2 && !dir.ccs && (len === 2 || conn.nullCipher)) {
            const lvl = b[s]!;
            const desc = b[s + 1]!;
            p.open(f['tls.alert_message'], null, s, 2);
            p.add(f['tls.alert_message.level'], lvl, s, 1);
            p.add(f['tls.alert_message.desc'], desc, s + 1, 1);
            p.close();
            fx.info.push(`Alert (Level: ${wiresharkName('tls.alert_message.level', lvl) ?? `Unknown (${lvl})`}, Description: ${wiresharkName('tls.alert_message.desc', desc) ?? `Unknown (${desc})`})`);
          } else {
            p.add(f['tls.alert_message'], null, s, len);
            fx.info.push('Encrypted Alert');
          }
          break;
        case 22:
          // a client's ChangeCipherSpec then a plaintext ClientHello (TLS 1.3 middlebox compatibility after a
          // HelloRetryRequest that was not captured) is not encrypted
          if (dir.ccs && !conn.tls13 && !(fromClient && len >= 4 && b[s] === 1 && 4 + ((b[s + 1]! << 16) | (b[s + 2]! << 8) | b[s + 3]!) <= len)) {
            encryptedHandshake(p, s, len, fx);
          } else {
            handshakeRecord(p, b, s, e, conn, seg, fromServer, fx, tvbEnd);
          }
          break;
        case 23: {
          if (p.wants(f['tls.app_data'])) p.add(f['tls.app_data'], b.subarray(s, e), s, len);
          // tshark names the protocol that switched the stream to TLS even when it cannot decrypt
          const upgraded = p.wants(f['tls.app_data_proto']) ? engine.tcpApps.tlsPayload(seg.conv) : undefined;
          if (upgraded) p.add(f['tls.app_data_proto'], upgraded.protoName, s, 0, GENERATED);
          fx.info.push('Application Data');
          break;
        }
        case 24:
          p.add(f['tls.heartbeat_message'], null, s, len);
          fx.info.push(encrypted ? 'Encrypted Heartbeat' : 'Heartbeat Request');
          break;
      }
    } catch (err) {
      if (!(err instanceof Malformed)) throw err;
      p.expert('error', 'Malformed', `Malformed TLS record: ${err.message}`);
      p.protocols.push('_ws.malformed');
      fx.info.push('[Malformed Packet]');
      if (p.wantCols) {
        // Wireshark appends the note without a separator
        const last = fx.info.pop()!;
        if (fx.info.length > info0) fx.info[fx.info.length - 1] += last;
        else fx.info.push(last);
      }
    } finally {
      p.close();
    }
    fx.proto = versionColumn(conn.version >= 0 ? conn.version : ver);
    fx.shown = true;
    if (conn.version < 0 && conn.earlyVersion > 0) conn.version = conn.earlyVersion;
    if (p.tree) {
      const what = fx.info.slice(info0).join(', ');
      const cname = wiresharkName('tls.record.content_type', ict) ?? 'Unknown';
      label = `${versionColumn(ver)} Record Layer: ${cname} Protocol${what ? ': ' + what : ''}`;
    }
  }

  function encryptedHandshake(p: Packet, s: number, len: number, fx: FrameCtx): void {
    p.add(f['tls.handshake'], null, s, len, 0, 'Handshake Protocol: Encrypted Handshake Message');
    fx.info.push('Encrypted Handshake Message');
  }

  /** The messages of a plaintext handshake record b[s, e). */
  function handshakeRecord(p: Packet, b: Uint8Array, s: number, e: number, conn: TlsConn, seg: TcpSegment, fromServer: boolean, fx: FrameCtx, tvbEnd = e): void {
    const dir = conn.dirs[seg.dir];
    const wantCert = p.tree || p.wantsAny(x509Ids) || (frameProtocols >= 0 && p.wants(frameProtocols));
    const ctx = (buf: Uint8Array, dataEnd = buf.length): HsCtx => ({
      p, f, b: buf, dataEnd, conn, fromServer, info: fx.info, wantJa: p.tree || p.wantsAny(ja4Ids), ...(wantCert ? { cert: certFn } : {}),
    });
    let o = s;
    // a message continued from earlier records
    const h = dir.hs;
    if (h) {
      const take = Math.min(h.need - h.len, e - o);
      h.append(b, o, o + take, p.num);
      o += take;
      if (h.len < h.need) return;
      dir.hs = undefined;
      const buf = h.buf.subarray(0, h.need);
      const saved = p.src;
      if (p.tree) p.src = p.addSource('Reassembled Handshake Message', buf);
      try {
        dissectHandshake(ctx(buf), 0, buf.length);
        if (feedsKeys(conn, seg)) hsHook(p, conn, fromServer, buf, 0, buf.length);
      } finally {
        p.src = saved;
      }
    }
    let first = o === s;
    while (o < e) {
      const rem = e - o;
      const type = b[o]!;
      if (first && !VALID_HS_TYPES.has(type)) {
        encryptedHandshake(p, o, rem, fx);
        return;
      }
      if (rem < 4) {
        const pend = new Pending(16);
        pend.append(b, o, e, p.num);
        pend.need = 0;
        dir.hs = pend;
        return;
      }
      const mlen = (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
      if (4 + mlen > rem) {
        if (first && mlen > MAX_HS_MESSAGE) {
          encryptedHandshake(p, o, rem, fx);
          return;
        }
        const pend = new Pending(Math.min(4 + mlen, 0x10000));
        pend.need = 4 + mlen;
        pend.append(b, o, e, p.num);
        dir.hs = pend;
        return;
      }
      dissectHandshake(ctx(b, tvbEnd), o, o + 4 + mlen);
      if (feedsKeys(conn, seg)) hsHook(p, conn, fromServer, b, o, o + 4 + mlen);
      if (type === 2 && conn.serverDir !== seg.dir) conn.serverDir = seg.dir;
      o += 4 + mlen;
      first = false;
    }
  }

  /** An SSLv2-format CLIENT-HELLO record (SSL 2.0 or the SSLv3/TLS-compatible form). */
  /** The SSLv2 record b[o, o + n) (tls/sslv2.ts); a CLIENT-HELLO also feeds the decryption session. */
  function dissectSslv2(p: Packet, b: Uint8Array, o: number, n: number, conn: TlsConn, seg: TcpSegment, fx: FrameCtx): void {
    conn.dirs[seg.dir].seen = true;
    const wantCert = p.tree || p.wantsAny(x509Ids) || (frameProtocols >= 0 && p.wants(frameProtocols));
    const type = dissectSslv2Record({ p, f, conn, info: fx.info, cert: wantCert ? certFn : undefined }, b, o, n);
    const keys = engine.tlsKeys;
    if (type === 1 && keys && !keys.empty) {
      conn.dec ??= new TlsDecryptSession(keys);
      conn.dec.sslv2ClientHello(b.subarray(o + 2, o + n));
    }
    fx.proto = versionColumn(conn.version >= 0 ? conn.version : 0x0002);
    fx.shown = true;
  }

  /** Whether the stream's records are decrypted (Engine.decryptStream: one connection analysed). */
  function decrypts(seg: TcpSegment): boolean {
    return engine.decryptStream === undefined || engine.decryptStream(seg.stream);
  }

  /**
   * Engine.decryptStream excludes the stream: a TLS ≤ 1.2 handshake still feeds its session (its
   * session ID or ticket may be resumed by the stream analysed); a TLS 1.3 one needs no keys.
   */
  function feedsKeys(conn: TlsConn, seg: TcpSegment): boolean {
    return !conn.tls13 || decrypts(seg);
  }

  /** After a complete handshake message b[o, end): feeds the decryption session, shows what it derived. */
  function hsHook(p: Packet, conn: TlsConn, fromServer: boolean, b: Uint8Array, o: number, end: number): void {
    let sess = conn.dec ?? lateSession(conn);
    if (!sess) {
      const keys = engine.tlsKeys;
      if (!keys || keys.empty) {
        if (engine.keysMayArrive) keepEarly(conn, fromServer, b.subarray(o, end));
        return;
      }
      if (b[o] !== 1 || fromServer) return;
      sess = conn.dec = new TlsDecryptSession(keys);
    }
    const note = sess.handshake(!fromServer, b.subarray(o, end));
    if (!note) return;
    // the Finished check is computed only when its field or an expert field is read
    const finishedOk = note.finished && (p.tree || p.wants(df['tls.tlslens.finished_verified']) || p.wantsAny(expertIds)) ? note.finished() : undefined;
    if (finishedOk !== undefined) {
      p.add(df['tls.tlslens.finished_verified'], finishedOk, o + 4, end - o - 4, GENERATED);
      if (!finishedOk) p.expert('warn', 'Decryption', `${fromServer ? 'Server' : 'Client'} Finished verify_data does not match the keys`);
    }
    if (note.derived && (p.tree || p.wantsAny(derivedIds))) {
      const at = (id: number, v: Uint8Array | undefined) => { if (v) p.add(id, v, o, 0, GENERATED); };
      if (sess.clientRandom) at(df['tls.tlslens.client_random'], sess.clientRandom);
      if (sess.resumed) p.add(df['tls.tlslens.resumed'], true, o, 0, GENERATED);
      at(df['tls.tlslens.master_secret'], sess.master);
      const kb = sess.keyBlock;
      if (kb) {
        at(df['tls.tlslens.client_write_mac_key'], kb.clientMacKey);
        at(df['tls.tlslens.server_write_mac_key'], kb.serverMacKey);
        at(df['tls.tlslens.client_write_key'], kb.clientKey);
        at(df['tls.tlslens.server_write_key'], kb.serverKey);
        at(df['tls.tlslens.client_write_iv'], kb.clientIv);
        at(df['tls.tlslens.server_write_iv'], kb.serverIv);
      }
      at(df['tls.tlslens.client_handshake_traffic_secret'], sess.tls13.clientHandshakeTraffic);
      at(df['tls.tlslens.server_handshake_traffic_secret'], sess.tls13.serverHandshakeTraffic);
    }
  }
  const derivedIds = Object.values(df);
  const expertIds = ['_ws.expert', '_ws.expert.message', '_ws.expert.group', '_ws.expert.severity'].map((n) => reg.find(n)?.id ?? -1).filter((id) => id >= 0);

  /**
   * Keys can arrive after a connection's ClientHello (a pcapng Decryption Secrets Block written
   * mid-file, a key log growing during a live capture): until then the cleartext handshake
   * messages are kept, and replayed into a decryption session once keys exist. As in tshark, a
   * key counts only if it is there when needed: at the ChangeCipherSpec (TLS ≤ 1.2, retried by
   * the session) or at the ServerHello (TLS 1.3, unless the store accepts late keys).
   */
  function keepEarly(conn: TlsConn, fromServer: boolean, m: Uint8Array): void {
    let e = early.get(conn);
    if (m[0] === 1 && !fromServer) early.set(conn, (e = { msgs: [], bytes: 0, tooLate: false, prot: [0, 0] }));
    if (!e || e.tooLate) return;
    e.bytes += m.length;
    if (e.bytes > MAX_EARLY_BYTES) {
      early.delete(conn);
      return;
    }
    if (m[0] === 2 && fromServer && conn.tls13 && !engine.tlsKeys?.lateKeys) {
      // only the client random is kept, for the decryption status
      e.tooLate = true;
      const ch = e.msgs[0]?.m;
      if (ch && ch.length >= 38) e.clientRandom = ch.slice(6, 38);
      e.msgs = [];
      return;
    }
    e.msgs.push({ fromClient: !fromServer, m: m.slice() });
  }

  /** The decryption session of a connection whose handshake started before any key was loaded. */
  function lateSession(conn: TlsConn): TlsDecryptSession | undefined {
    const keys = engine.tlsKeys;
    const e = early.get(conn);
    if (!e || !keys || keys.empty) return undefined;
    early.delete(conn);
    const sess = (conn.dec = new TlsDecryptSession(keys));
    for (const x of e.msgs) sess.handshake(x.fromClient, x.m);
    if (e.tooLate) sess.keysTooLate(e.clientRandom);
    for (const d of [0, 1] as const) if (e.prot[d] > 0) sess.skipRecords(conn.serverDir !== d, e.prot[d]);
    return sess;
  }

  /** The content of a decrypted record (plaintext in the current data source). */
  function decryptedContent(p: Packet, plain: Uint8Array, ct: number, conn: TlsConn, seg: TcpSegment, fromServer: boolean, fx: FrameCtx, enc: Uint8Array, encOff: number): void {
    const len = plain.length;
    self.recordTap?.(p, ct, plain, seg, fromServer); // see TlsDissector.recordTap
    switch (ct) {
      case 21:
        if (len >= 2) {
          const lvl = plain[0]!;
          const desc = plain[1]!;
          if (desc === 0) endApp(p, conn, seg, fx); // close_notify
          p.open(f['tls.alert_message'], null, 0, 2);
          p.add(f['tls.alert_message.level'], lvl, 0, 1);
          p.add(f['tls.alert_message.desc'], desc, 1, 1);
          p.close();
          fx.info.push(`Alert (Level: ${wiresharkName('tls.alert_message.level', lvl) ?? `Unknown (${lvl})`}, Description: ${wiresharkName('tls.alert_message.desc', desc) ?? `Unknown (${desc})`})`);
        } else {
          p.add(f['tls.alert_message'], null, 0, len);
          fx.info.push('Encrypted Alert');
        }
        return;
      case 22:
        handshakeRecord(p, plain, 0, len, conn, seg, fromServer, fx);
        return;
      case 23: {
        const saved = p.src;
        p.src = 0;
        if (p.wants(f['tls.app_data'])) p.add(f['tls.app_data'], enc, encOff, enc.length);
        p.src = saved;
        fx.info.push('Application Data');
        appData(p, plain, conn, seg, fromServer, fx);
        return;
      }
      case 24:
        p.add(f['tls.heartbeat_message'], null, 0, len);
        fx.info.push('Heartbeat');
        return;
      default:
        return;
    }
  }

  /** Decrypted application data → HTTP (ALPN, http.tls.port, heuristic) or "data". */
  function appData(p: Packet, plain: Uint8Array, conn: TlsConn, seg: TcpSegment, fromServer: boolean, fx: FrameCtx): void {
    const sess = conn.dec!;
    if (engine.tlsApplication !== undefined && !engine.tlsApplication(seg.stream)) {
      // (Engine.tlsApplication: the caller only needs to know the record decrypted)
      if (plain.length > 0) engine.dataDissector(p, plain, 0, plain.length);
      return;
    }
    // a protocol that switched the stream to TLS (MySQL, PostgreSQL, LDAP, XMPP) dissects its own plaintext
    const upgraded = engine.tcpApps.tlsPayload(seg.conv);
    if (upgraded) {
      if (p.wants(f['tls.app_data_proto'])) p.add(f['tls.app_data_proto'], upgraded.protoName, 0, 0, GENERATED);
      if (plain.length === 0) return;
      const used = upgraded.handle(p, plain, 0, plain.length, seg);
      if (used === 0) engine.dataDissector(p, plain, 0, plain.length);
      else if (p.wantCols) fx.appInfoAt = fx.info.length;
      return;
    }
    if (plain.length === 0) return;
    let app = sess.app as HttpConnection | undefined;
    if (app === undefined) {
      const http = httpStreams(engine);
      const serverPort = fromServer ? seg.srcport : seg.dstport;
      const alpn = conn.alpn;
      const isHttp = alpn === 'h2' || alpn === 'http/1.1' || appPorts().has(serverPort)
        || looksLikeHttp1(plain, 0, plain.length) || isHttp2Preface(plain, 0, plain.length);
      if (http && isHttp) {
        app = http.connection({ tls: true, ...(alpn === 'h2' ? { alpn } : {}) });
        sess.app = app;
      }
    }
    if (!app) {
      engine.dataDissector(p, plain, 0, plain.length);
      return;
    }
    if (p.wants(f['tls.app_data_proto'])) p.add(f['tls.app_data_proto'], conn.alpn === 'h2' ? 'HyperText Transfer Protocol 2' : 'Hypertext Transfer Protocol', 0, 0, GENERATED);
    const proto0 = p.colProtocol;
    const info0 = p.infoState(); // (a lazy Info stays unbuilt)
    if (p.wantCols) p.colProtocol = '';
    app.data(p, seg.dir, plain, 0, plain.length);
    if (p.wantCols) {
      if (p.colProtocol !== '') {
        if (fx.appInfoAt === undefined) fx.appInfoAt = fx.info.length;
        else fx.appInfoAt = fx.info.length;
      } else {
        // the application protocol keeps the bytes for a PDU spanning records
        if (p.infoState() !== info0 && p.colInfo.endsWith('reassembled PDU]') && fx.info[fx.info.length - 1] === 'Application Data') {
          // tshark sets (not appends) this Info: the frame's earlier TLS parts are dropped
          fx.info.splice(0, fx.info.length, '[TLS segment of a reassembled PDU]');
        }
        p.colProtocol = proto0;
        p.setInfoState(info0);
      }
    }
  }

  function quicHandshake(p: Packet, b: Uint8Array, o: number, end: number, conn: TlsConn, fromServer: boolean): void {
    const wantCert = p.tree || p.wantsAny(x509Ids) || (frameProtocols >= 0 && p.wants(frameProtocols));
    const ctx: HsCtx = { p, f, b, conn, fromServer, info: [], wantJa: p.tree || p.wantsAny(ja4Ids), quic: true, ...(wantCert ? { cert: certFn } : {}) };
    p.protocols.push('tls');
    p.open(f.proto, b.subarray(o, end), o, end - o, 0, 'Transport Layer Security');
    try {
      while (o + 4 <= end) {
        const next = o + 4 + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);
        if (next > end) break;
        try {
          dissectHandshake(ctx, o, next);
        } catch (err) {
          if (!(err instanceof Malformed)) throw err;
          p.expert('error', 'Malformed', `Malformed TLS handshake message: ${err.message}`);
        }
        o = next;
      }
    } finally {
      p.close();
    }
  }

  const self: TlsDissector = {
    quicHandshake,
    fields: f,
    handler,
    end: (p, seg) => {
      const conn = conns.get(seg.conv);
      if (conn) endApp(p, conn, seg);
    },
    heuristic,
    connection: (conv) => conns.get(conv) ?? undefined,
    release: (conv) => {
      const conn = conns.get(conv);
      // a record or message still incomplete stays as it is (it can never finish, but its frames are reported as such)
      if (!conn || conn.dirs[0].rec || conn.dirs[1].rec || conn.dirs[0].hs || conn.dirs[1].hs) return;
      early.delete(conn);
      conn.dec?.release();
    },
    recordTap: undefined,
  };
  return self;
}

/** Cleartext handshake messages of a connection seen before any key was loaded. */
interface EarlyHandshake {
  msgs: { fromClient: boolean; m: Uint8Array }[];
  bytes: number;
  /** TLS 1.3 ServerHello went by without keys: decryption is impossible (tshark's rule). */
  tooLate: boolean;
  /** Protected records per TCP direction that went by before the keys. */
  prot: [number, number];
  /** Kept when `tooLate`. */
  clientRandom?: Uint8Array;
}
/** Cap on the handshake bytes kept per connection while waiting for keys. */
const MAX_EARLY_BYTES = 0x40000;
/** Protected records of one direction after which keys are not awaited any more. */
const MAX_EARLY_RECORDS = 256;

/**
 * The part of TCP's Info that Wireshark fences (its "[TCP …] " analysis prefixes). TCP adds
 * them only to segments with analysis flags: callers skip the others (reading the Info would
 * flatten the string TCP built, for nothing).
 */
function fencePrefix(info: string, srcport: number): string {
  if (!info.startsWith('[')) return '';
  const i = info.indexOf(`${srcport} → `);
  return i > 0 ? info.slice(0, i) : '';
}

/**
 * An SSL 2.0-format CLIENT-HELLO (RFC 6101 appendix E.1, as old clients sent to reach SSL 3.0 and
 * TLS servers): a 2-byte record header with the high bit set, message type 1 and a version of
 * SSL 3.0–TLS 1.2 (0x0300–0x0303). tshark's TLS heuristic takes these, but not a pure SSL 2.0
 * hello (version 0x0002: lekensteyn ssl3/sslv2.pcapng stays TCP without `-d`).
 */
function looksLikeSslv2ClientHello(data: Uint8Array, off: number, end: number): boolean {
  if (end - off < 11 || (data[off]! & 0x80) === 0 || data[off + 2] !== 1) return false;
  const len = ((data[off]! & 0x7f) << 8) | data[off + 1]!;
  const major = data[off + 3]!;
  const minor = data[off + 4]!;
  return len >= 9 && major === 3 && minor <= 3;
}

/** Registers TLS with the engine's TCP dispatcher (default ports and heuristic). */
export function installTls(engine: Engine): TlsDissector {
  const tls = createTls(engine);
  engine.tcpApps.register({ name: 'tls', handle: tls.handler, heuristic: tls.heuristic, end: tls.end }, [...TLS_PORTS]);
  return tls;
}
