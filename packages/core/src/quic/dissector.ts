/**
 * QUIC over UDP (RFC 8999 invariants, RFC 9000/9001 v1, RFC 9369 v2, IETF drafts 17–34):
 * long and short headers, Version Negotiation, Retry (integrity tag checked), coalesced
 * packets, Initial decryption (keys from the client's first Destination Connection ID),
 * Handshake/0-RTT/1-RTT decryption with TLS 1.3 secrets from the key log (key updates
 * followed), frames, CRYPTO reassembly and the TLS handshake inside it — with Wireshark 4.0's
 * `quic.*` fields, Protocol "QUIC" and its Info column (the last packet of a datagram wins).
 *
 * Detection: UDP port 443 and a heuristic (a long header with a known version, or a short
 * header of a known connection), as Wireshark does.
 */
import type { Engine } from '../engine.ts';
import { toHex } from '../crypto/bytes.ts';
import { GENERATED, type Packet } from '../packet.ts';
import type { TlsDissector } from '../tls/dissector.ts';
import type { UdpPortDissector } from '../transport/udp.ts';
import { Level, QuicConn } from './connection.ts';
import { registerQuicFields, type QuicFields } from './fields.ts';
import { dissectFrames } from './frames.ts';
import { decryptLong, decryptShort, retryTagOk, track, type KeySource } from './protection.ts';
import { LONG_TYPE_NAMES, LongType, QUIC_V2, longTypeOf, plausibleVersion, versionInfo, versionName } from './versions.ts';
import { readVarint, varintValue } from './varint.ts';

/** Connections tracked per capture before new ones are no longer followed. */
const MAX_CONNS = 200_000;

const u32 = (b: Uint8Array, o: number) => ((b[o]! << 24) >>> 0) + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);

export interface QuicDissector {
  readonly fields: QuicFields;
  /** The UDP port dissector (port 443). */
  readonly dissect: UdpPortDissector;
  /** Wireshark's QUIC heuristic for other ports. */
  readonly heuristic: UdpPortDissector;
  /** Number of connections seen so far. */
  readonly connections: () => number;
}

interface Datagram {
  readonly p: Packet;
  readonly src: string;
  readonly dst: string;
  readonly tuple: string;
  /** The connection-info subtree is shown on the first packet of a datagram only. */
  first: boolean;
  /** DCID length of the first packet (coalesced packets must repeat that DCID). */
  dcil: number;
}

/** Does the packet at b[o] carry the DCID of the datagram's first packet (at b[first], `dcil` bytes)? */
function sameDcid(b: Uint8Array, first: number, o: number, end: number, dcil: number): boolean {
  const at = (x: number) => (b[x]! & 0x80 ? x + 6 : x + 1);
  const a = at(first);
  const c = at(o);
  if ((b[o]! & 0x80) && (o + 6 > end || b[o + 5] !== dcil)) return false;
  if (c + dcil > end) return false;
  for (let i = 0; i < dcil; i++) if (b[a + i] !== b[c + i]) return false;
  return true;
}

interface PacketResult {
  readonly len: number;
  readonly info: string;
}

export function createQuic(engine: Engine, tls: TlsDissector): QuicDissector {
  const f = registerQuicFields(engine.reg);
  const byCid = new Map<string, QuicConn>();
  const byTuple = new Map<string, QuicConn>();
  let count = 0;
  const keySource: KeySource = { crypto: () => engine.crypto, keylog: () => engine.tlsKeys?.keylog };

  const endpoints = (info: Parameters<UdpPortDissector>[4]) => {
    const src = `${info.net.srcText}/${info.srcport}`;
    const dst = `${info.net.dstText}/${info.dstport}`;
    return { src, dst, tuple: src < dst ? `${src}|${dst}` : `${dst}|${src}` };
  };

  /** Wireshark's QUIC heuristic: a long header with a known version, or a short header of a known connection. */
  function plausible(b: Uint8Array, o: number, end: number, tuple: string): boolean {
    if (end - o < 1) return false;
    const b0 = b[o]!;
    if (b0 & 0x80) {
      if (end - o < 7) return false;
      const v = u32(b, o + 1);
      if (!plausibleVersion(v)) return false;
      const dcil = b[o + 5]!;
      if (v !== 0 && versionInfo(v) && dcil > 20) return false;
      if (v === 0) {
        // Version Negotiation: short CIDs and a non-empty list of 4-byte versions
        const scil = o + 6 + dcil < end ? b[o + 6 + dcil]! : 255;
        const rest = end - (o + 7 + dcil + scil);
        return dcil <= 20 && scil <= 20 && rest >= 4 && rest % 4 === 0;
      }
      return o + 6 + dcil < end;
    }
    // the fixed bit may be greased (RFC 9287): a short header is recognised by its connection alone
    if (byTuple.has(tuple)) return true;
    if (byCid.size === 0) return false;
    for (let n = 1; n <= 20 && o + 1 + n <= end; n++) if (byCid.has(toHex(b.subarray(o + 1, o + 1 + n)))) return true;
    return false;
  }

  const run: UdpPortDissector = (p, data, off, end, info) => {
    if (info.net.inError) return 0;
    const ep = endpoints(info);
    if (!plausible(data, off, end, ep.tuple)) return 0;
    p.colProtocol = 'QUIC';
    p.protocols.push('quic');
    const dg: Datagram = { p, ...ep, first: true, dcil: 0 };
    let o = off;
    let colInfo = '';
    while (o < end) {
      if (o > off && !sameDcid(data, off, o, end, dg.dcil)) {
        // RFC 9000 §12.2: coalesced packets carry the same Destination Connection ID; the rest is padding
        p.add(f.coalesced_padding_data, null, o, end - o);
        break;
      }
      const r = packet(dg, data, o, end);
      if (r.info) colInfo = r.info;
      dg.first = false;
      if (r.len <= 0) break;
      o += r.len;
    }
    if (p.wantCols) p.colInfo = colInfo;
    return end - off;
  };

  function register(conn: QuicConn, side: 0 | 1, cid: Uint8Array): void {
    if (cid.length === 0) return;
    const h = conn.addCid(side, cid);
    byCid.set(h, conn);
  }

  function newConn(version: number, src: string, dst: string, tuple: string, dcid: Uint8Array, scid: Uint8Array): QuicConn | undefined {
    if (count >= MAX_CONNS) return undefined;
    const c = new QuicConn(count++, version, versionInfo(version), src, dst, dcid);
    register(c, 1, dcid);
    register(c, 0, scid);
    byTuple.set(tuple, c);
    return c;
  }

  /** The connection of a long-header packet (creating it for a client's first Initial). */
  function longConn(dg: Datagram, type: LongType, version: number, dcid: Uint8Array, scid: Uint8Array): QuicConn | undefined {
    let c = dcid.length ? byCid.get(toHex(dcid)) : undefined;
    if (!c && scid.length) {
      const s = byCid.get(toHex(scid));
      if (s && s.cids[dg.src === s.client ? 0 : 1].has(toHex(scid))) c = s;
    }
    if (!c) {
      const t = byTuple.get(dg.tuple);
      // a packet without known CIDs on the same address pair: the same connection unless it is a new client Initial
      if (t && !(type === LongType.Initial && dg.src === t.client && dcid.length > 0)) c = t;
    }
    if (!c && type === LongType.Initial) c = newConn(version, dg.src, dg.dst, dg.tuple, dcid, scid);
    if (c) {
      const fromServer = dg.src === c.server;
      register(c, fromServer ? 1 : 0, scid);
      if (c.vinfo === undefined && versionInfo(version)) {
        c.version = version;
        c.vinfo = versionInfo(version);
      }
    }
    return c;
  }

  /** The connection and DCID length of a short-header packet. */
  function shortConn(dg: Datagram, b: Uint8Array, o: number, end: number): { conn: QuicConn; dcil: number } | undefined {
    const t = byTuple.get(dg.tuple);
    const match = (c: QuicConn): number => {
      const side = dg.src === c.client ? 1 : 0;
      for (const n of c.cidLens[side]) {
        if (o + 1 + n <= end && c.cids[side].has(toHex(b.subarray(o + 1, o + 1 + n)))) return n;
      }
      return c.cidLens[side].size === 0 ? 0 : -1;
    };
    if (t) {
      const n = match(t);
      if (n >= 0) return { conn: t, dcil: n };
    }
    for (let n = 1; n <= 20 && o + 1 + n <= end; n++) {
      const c = byCid.get(toHex(b.subarray(o + 1, o + 1 + n)));
      if (c) return { conn: c, dcil: n };
    }
    if (!t) return undefined;
    const lens = [...t.cidLens[dg.src === t.client ? 1 : 0]];
    return { conn: t, dcil: lens.length ? Math.min(...lens) : 0 };
  }

  function connInfo(dg: Datagram, conn: QuicConn | undefined): void {
    if (dg.first && conn) dg.p.add(f['connection.number'], conn.number, 0, 0, GENERATED, `Connection Number: ${conn.number}`);
  }

  function packet(dg: Datagram, b: Uint8Array, o: number, end: number): PacketResult {
    const { p } = dg;
    const b0 = b[o]!;
    if (b0 & 0x80) return longPacket(dg, b, o, end);
    // short header
    const sc = shortConn(dg, b, o, end);
    const conn = sc?.conn;
    const dcil = dg.first ? sc?.dcil ?? 0 : dg.dcil;
    if (dg.first) dg.dcil = dcil;
    const fromServer = conn ? dg.src === conn.server : false;
    p.proto(f.proto, b, o, end - o, 'QUIC IETF');
    try {
      connInfo(dg, conn);
      p.add(f.packet_length, end - o, o, 0, GENERATED);
      const dcid = b.subarray(o + 1, Math.min(end, o + 1 + dcil));
      p.open(f.short, null, o, 1 + dcil, 0, `QUIC Short Header${dcil ? ` DCID=${toHex(dcid)}` : ''}`);
      p.add(f.header_form, 0, o, 1);
      p.add(f.fixed_bit, (b0 & 0x40) !== 0, o, 1);
      p.add(f.spin_bit, (b0 & 0x20) !== 0, o, 1);
      if (dcil) p.add(f.dcid, dcid, o + 1, dcil);
      const pnOff = o + 1 + dcil;
      const dec = conn ? decryptShort(keySource, conn, b, o, pnOff, end, fromServer) : undefined;
      if (dec) {
        p.add(f['short.reserved'], (dec.first >> 3) & 3, o, 1);
        p.add(f.key_phase, (dec.first & 4) !== 0, o, 1);
        p.add(f.packet_number_length, dec.first & 3, o, 1);
        p.add(f.packet_number, dec.pn, pnOff, dec.pnLen);
      }
      p.close();
      let info = `Protected Payload (KP${dec ? (dec.first >> 2) & 1 : 0})${dcil ? `, DCID=${toHex(dcid)}` : ''}`;
      if (dec) {
        p.add(f.protected_payload, b.subarray(pnOff + dec.pnLen, end), pnOff + dec.pnLen, end - pnOff - dec.pnLen);
        info += `, PKN: ${dec.pn}`;
        if (dec.plain) info += frames(dg, conn!, Level.OneRtt, fromServer, dec.plain);
        else failed(p, pnOff + dec.pnLen, end);
      } else {
        undecrypted(p, b, pnOff, end, conn ? 'Secrets are not available' : 'Unknown QUIC connection');
      }
      return { len: end - o, info };
    } finally {
      p.close();
    }
  }

  // quic.decryption_failed is an expert-info name in Wireshark: tshark prints no value for it, so it is not added as a field
  function failed(p: Packet, _o: number, _end: number): void {
    p.expert('warn', 'Decryption', 'Decryption (checking the AEAD tag) failed');
  }

  function undecrypted(p: Packet, b: Uint8Array, o: number, end: number, why: string): void {
    p.expert('warn', 'Decryption', `Failed to create decryption context: ${why}`);
    if (end > o) p.add(f.remaining_payload, b.subarray(o, end), o, end - o);
  }

  function longPacket(dg: Datagram, b: Uint8Array, o: number, end: number): PacketResult {
    const { p } = dg;
    const b0 = b[o]!;
    if (end - o < 7) return malformed(p, b, o, end, 'long header shorter than 7 bytes');
    const version = u32(b, o + 1);
    const dcil = b[o + 5]!;
    if (o + 7 + dcil > end) return malformed(p, b, o, end, 'Destination Connection ID past the end of the packet');
    const dcid = b.subarray(o + 6, o + 6 + dcil);
    if (dg.first) dg.dcil = dcil;
    const scil = b[o + 6 + dcil]!;
    let q = o + 7 + dcil;
    if (q + scil > end) return malformed(p, b, o, end, 'Source Connection ID past the end of the packet');
    const scid = b.subarray(q, q + scil);
    q += scil;
    const ids = `${dcil ? `, DCID=${toHex(dcid)}` : ''}${scil ? `, SCID=${toHex(scid)}` : ''}`;
    const header = (conn: QuicConn | undefined, len: number, typeField: boolean): void => {
      p.proto(f.proto, b, o, len, 'QUIC IETF');
      connInfo(dg, conn);
      p.add(f.packet_length, len, o, 0, GENERATED);
      p.add(f.header_form, 1, o, 1);
      if (version === 0) {
        p.add(f['vn.unused'], b0 & 0x7f, o, 1);
      } else if (typeField) {
        if (longTypeOf(version, (b0 >> 4) & 3) !== LongType.Retry) p.add(f.fixed_bit, (b0 & 0x40) !== 0, o, 1);
        p.add(version === QUIC_V2 ? f['long.packet_type_v2'] : f['long.packet_type'], (b0 >> 4) & 3, o, 1);
      }
    };
    const idFields = (): void => {
      p.add(f.version, version, o + 1, 4, 0, p.tree ? `Version: ${versionName(version)} (0x${version.toString(16).padStart(8, '0')})` : undefined);
      p.add(f.dcil, dcil, o + 5, 1);
      if (dcil) p.add(f.dcid, dcid, o + 6, dcil);
      p.add(f.scil, scil, o + 6 + dcil, 1);
      if (scil) p.add(f.scid, scid, o + 7 + dcil, scil);
    };
    if (version === 0) {
      const conn = byCid.get(toHex(dcid)) ?? byTuple.get(dg.tuple);
      header(conn, end - o, false);
      try {
        idFields();
        for (; q + 4 <= end; q += 4) p.add(f.supported_version, u32(b, q), q, 4);
      } finally {
        p.close();
      }
      return { len: end - o, info: `Version Negotiation${ids}` };
    }
    const vinfo = versionInfo(version);
    const type = longTypeOf(version, (b0 >> 4) & 3);
    if (!vinfo) {
      header(undefined, end - o, false);
      try {
        idFields();
        if (end > q) p.add(f.remaining_payload, b.subarray(q, end), q, end - q);
      } finally {
        p.close();
      }
      return { len: end - o, info: `Long Header (version 0x${version.toString(16).padStart(8, '0')})${ids}` };
    }
    const conn = longConn(dg, type, version, dcid, scid);
    const fromServer = conn ? dg.src === conn.server : type === LongType.Retry;
    if (type === LongType.Retry) {
      header(conn, end - o, true);
      try {
        idFields();
        const tagAt = Math.max(q, end - 16);
        if (tagAt > q) p.add(f.retry_token, b.subarray(q, tagAt), q, tagAt - q);
        if (end - tagAt === 16) {
          const ok = conn ? retryTagOk(keySource, conn, b, o, end) : undefined;
          p.add(f.retry_integrity_tag, b.subarray(tagAt, end), tagAt, 16, 0,
            `Retry Integrity Tag: ${toHex(b.subarray(tagAt, end))}${ok === true ? ' [verified]' : ok === false ? ' [verification failed]' : ''}`);
          if (ok === false) {
            p.add(f.bad_retry, null, tagAt, 16);
            p.expert('warn', 'Checksum', 'Retry Integrity Tag verification failure');
          }
        }
        if (conn && scil) {
          conn.retryCids.add(toHex(scid));
          register(conn, 1, scid);
        }
      } finally {
        p.close();
      }
      return { len: end - o, info: `Retry${ids}` };
    }
    // Initial, 0-RTT, Handshake: [token], Length, Packet Number, payload
    let tokenLen = -1;
    const tokenLenAt = q;
    let tokenAt = q;
    if (type === LongType.Initial) {
      const tl = readVarint(b, q, end);
      if (!tl || q + tl.len + tl.value > end) return malformed(p, b, o, end, 'Initial token past the end of the packet');
      tokenLen = tl.value;
      tokenAt = q + tl.len;
      q = tokenAt + tokenLen;
    }
    const lv = readVarint(b, q, end);
    if (!lv) return malformed(p, b, o, end, 'Length field past the end of the packet');
    const pnOff = q + lv.len;
    const pktEnd = Math.min(end, pnOff + lv.value);
    const level = type === LongType.Initial ? Level.Initial : type === LongType.ZeroRtt ? Level.ZeroRtt : Level.Handshake;
    header(conn, pktEnd - o, true);
    try {
      const dec = conn ? decryptLong(keySource, conn, level, b, o, pnOff, pktEnd, fromServer, dcid) : undefined;
      if (dec) {
        p.add(f['long.reserved'], (dec.first >> 2) & 3, o, 1);
        p.add(f.packet_number_length, dec.first & 3, o, 1);
      }
      idFields();
      if (tokenLen >= 0) {
        p.add(f.token_length, tokenLen, tokenLenAt, tokenAt - tokenLenAt);
        if (tokenLen) p.add(f.token, b.subarray(tokenAt, tokenAt + tokenLen), tokenAt, tokenLen);
      }
      p.add(f.length, varintValue(lv), q, lv.len);
      if (pnOff + lv.value > end) {
        p.add(f.protocol_violation, null, q, lv.len);
        p.expert('error', 'Malformed', `QUIC Length ${lv.value} runs past the end of the datagram`);
      }
      let info = `${LONG_TYPE_NAMES[type]}${ids}`;
      if (dec) {
        p.add(f.packet_number, dec.pn, pnOff, dec.pnLen);
        p.add(f.payload, b.subarray(pnOff + dec.pnLen, pktEnd), pnOff + dec.pnLen, pktEnd - pnOff - dec.pnLen);
        info += `, PKN: ${dec.pn}`;
        if (dec.plain) info += frames(dg, conn!, level, fromServer, dec.plain);
        else failed(p, pnOff + dec.pnLen, pktEnd);
      } else {
        undecrypted(p, b, pnOff, pktEnd, !conn ? 'Unknown QUIC connection' : level === Level.Initial ? 'Initial packet did not decrypt' : 'Secrets are not available');
      }
      return { len: pktEnd - o, info };
    } finally {
      p.close();
    }
  }

  function malformed(p: Packet, b: Uint8Array, o: number, end: number, why: string): PacketResult {
    p.proto(f.proto, b, o, end - o, 'QUIC IETF');
    p.add(f.protocol_violation, null, o, end - o);
    p.close();
    p.expert('error', 'Malformed', `Malformed QUIC packet: ${why}`);
    p.protocols.push('_ws.malformed');
    return { len: 0, info: '[Malformed Packet]' };
  }

  /** Frames of a decrypted payload (in its own data source); returns ", FRAME, …" for Info. */
  function frames(dg: Datagram, conn: QuicConn, level: Level, fromServer: boolean, plain: Uint8Array): string {
    const { p } = dg;
    const saved = p.src;
    if (p.tree) p.src = p.addSource('Decrypted QUIC', plain);
    let names: string[];
    try {
      names = dissectFrames(p, f, plain, 0, plain.length, {
        crypto: (offset, b, at, len) => cryptoData(p, conn, level, fromServer, offset, b, at, len),
      });
    } finally {
      p.src = saved;
    }
    return names.length ? ', ' + names.join(', ') : '';
  }

  function cryptoData(p: Packet, conn: QuicConn, level: Level, fromServer: boolean, offset: number, b: Uint8Array, at: number, len: number): void {
    const st = conn.crypto[fromServer ? 1 : 0][level === Level.ZeroRtt ? Level.OneRtt : level]!;
    const was = st.failed;
    const before = st.contiguous;
    const r = st.add(offset, b.subarray(at, at + len), p.num);
    if (r.retransmission) p.add(f.retransmission, null, at, len);
    if (st.failed && !was) p.expert('warn', 'Reassemble', `QUIC CRYPTO stream abandoned: ${st.failed}`);
    // Wireshark 4.0 hands the CRYPTO data to TLS when the stream has no hole left and this frame
    // added to it (TLS then asks for more bytes or dissects the messages now complete); fragments
    // beyond a hole are only collected
    if (st.contiguous === before || st.hasGap) return;
    const msgs = st.take();
    if (!msgs) {
      p.protocols.push('tls');
      return;
    }
    track(conn, msgs, fromServer);
    const saved = p.src;
    if (p.tree) p.src = p.addSource('Reassembled QUIC CRYPTO Data', msgs);
    try {
      tls.quicHandshake(p, msgs, 0, msgs.length, conn.tls, fromServer);
    } finally {
      p.src = saved;
    }
  }

  return {
    fields: f,
    dissect: run,
    heuristic: run,
    connections: () => count,
  };
}
