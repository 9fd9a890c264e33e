/**
 * QUIC packet protection with a connection's state: which keys open a packet (Initial keys
 * from the client's DCID, key-log secrets for 0-RTT/Handshake/1-RTT once the ServerHello
 * chose the suite, key updates), packet numbers per space, and Retry integrity tags.
 */
import { equalBytes } from '../crypto/bytes.ts';
import type { TlsCrypto } from '../crypto/types.ts';
import type { KeyLog } from '../decrypt/keys/keylog.ts';
import { Level, pnSpace, type QuicConn } from './connection.ts';
import { decodePacketNumber, decryptPayload, initialKeys, nextPhaseKeys, packetKeys, removeHeaderProtection, type PacketKeys } from './keys.ts';

/** Where keys come from: the crypto backend and the key log (when one was given). */
export interface KeySource {
  crypto(): TlsCrypto;
  keylog(): KeyLog | undefined;
}

export interface Decrypted {
  readonly first: number;
  readonly pn: number;
  readonly pnLen: number;
  /** Null when header protection came off but the AEAD tag did not verify. */
  readonly plain: Uint8Array | null;
}

/** Removes header protection and opens the payload with `k`; undefined when the packet is too short for a sample. */
function open(c: TlsCrypto, k: PacketKeys, b: Uint8Array, o: number, pnOff: number, end: number, largest: number, other?: (first: number) => PacketKeys | undefined): Decrypted | undefined {
  const pkt = b.subarray(o, end);
  const u = removeHeaderProtection(c, k, pkt, pnOff - o, end - o);
  if (!u) return undefined;
  const hdrLen = pnOff - o + u.pnLen;
  const header = pkt.slice(0, hdrLen);
  header[0] = u.first;
  for (let i = 0; i < u.pnLen; i++) header[pnOff - o + i] = (u.truncatedPn / 2 ** (8 * (u.pnLen - 1 - i))) & 0xff;
  const pn = decodePacketNumber(largest, u.truncatedPn, u.pnLen * 8);
  const keys = other?.(u.first) ?? k;
  const plain = decryptPayload(c, keys, pn, header, pkt.subarray(hdrLen));
  return { first: u.first, pn, pnLen: u.pnLen, plain };
}

export function decryptLong(ks: KeySource, conn: QuicConn, level: Level, b: Uint8Array, o: number, pnOff: number, end: number, fromServer: boolean, dcid: Uint8Array): Decrypted | undefined {
  const vinfo = conn.vinfo;
  if (!vinfo) return undefined;
  const c = ks.crypto();
  const dir = fromServer ? 1 : 0;
  const space = pnSpace(level);
  const largest = conn.largestPn[dir][space]!;
  let d: Decrypted | undefined;
  try {
    if (level === Level.Initial) {
      conn.initial ??= initialKeys(c, vinfo, conn.initialDcid);
      d = open(c, fromServer ? conn.initial.server : conn.initial.client, b, o, pnOff, end, largest);
      if (!d?.plain && !fromServer && !equalBytes(dcid, conn.initialDcid)) {
        // the client's first Initial after a Retry: keys from the new Destination Connection ID
        const k = initialKeys(c, vinfo, dcid);
        const d2 = open(c, k.client, b, o, pnOff, end, largest);
        if (d2?.plain) {
          d = d2;
          conn.initialDcid = dcid.slice();
          conn.initial = k;
        }
      }
    } else {
      const k = level === Level.Handshake ? handshakeKeys(ks, conn, dir) : earlyKeys(ks, conn);
      if (k) d = open(c, k, b, o, pnOff, end, largest);
    }
  } catch {
    d = undefined;
  }
  if (d?.plain) conn.largestPn[dir][space] = Math.max(largest, d.pn);
  return d;
}

export function decryptShort(ks: KeySource, conn: QuicConn, b: Uint8Array, o: number, pnOff: number, end: number, fromServer: boolean): Decrypted | undefined {
  const dir = fromServer ? 1 : 0;
  const ph = oneRttKeys(ks, conn, dir);
  if (!ph || !conn.vinfo) return undefined;
  const c = ks.crypto();
  const vinfo = conn.vinfo;
  const largest = conn.largestPn[dir][2]!;
  let switched = false;
  let d: Decrypted | undefined;
  try {
    d = open(c, ph.cur, b, o, pnOff, end, largest, (first) => {
      if (((first >> 2) & 1) === ph.phase) return undefined;
      switched = true;
      return (ph.next ??= nextPhaseKeys(c, vinfo, ph.cur));
    });
  } catch {
    d = undefined;
  }
  if (d?.plain) {
    conn.largestPn[dir][2] = Math.max(largest, d.pn);
    if (switched && ph.next) {
      ph.cur = ph.next;
      ph.next = undefined;
      ph.phase ^= 1;
    }
  }
  return d;
}

function secrets(ks: KeySource, conn: QuicConn) {
  const kl = ks.keylog();
  return conn.clientRandom && kl ? kl.tls13(conn.clientRandom) : undefined;
}

function handshakeKeys(ks: KeySource, conn: QuicConn, dir: 0 | 1): PacketKeys | undefined {
  let k = conn.handshake[dir];
  if (!k && conn.vinfo) {
    const s = secrets(ks, conn);
    const secret = dir === 0 ? s?.clientHandshakeTraffic : s?.serverHandshakeTraffic;
    if (secret && conn.suite > 0) k = conn.handshake[dir] = packetKeys(ks.crypto(), conn.vinfo, conn.suite, secret);
  }
  return k;
}

function earlyKeys(ks: KeySource, conn: QuicConn): PacketKeys | undefined {
  if (!conn.zeroRtt && conn.vinfo) {
    const secret = secrets(ks, conn)?.clientEarlyTraffic;
    if (secret) conn.zeroRtt = packetKeys(ks.crypto(), conn.vinfo, conn.clientSuite > 0 ? conn.clientSuite : 0x1301, secret);
  }
  return conn.zeroRtt;
}

function oneRttKeys(ks: KeySource, conn: QuicConn, dir: 0 | 1) {
  let k = conn.oneRtt[dir];
  if (!k && conn.vinfo) {
    const s = secrets(ks, conn);
    const secret = (dir === 0 ? s?.clientTraffic : s?.serverTraffic)?.get(0);
    const pk = secret && conn.suite > 0 ? packetKeys(ks.crypto(), conn.vinfo, conn.suite, secret) : undefined;
    if (pk) k = conn.oneRtt[dir] = { phase: 0, cur: pk };
  }
  return k;
}

/** Retry Integrity Tag check (RFC 9001 §5.8): AEAD over the Retry pseudo-packet, empty plaintext. */
export function retryTagOk(ks: KeySource, conn: QuicConn, b: Uint8Array, o: number, end: number): boolean | undefined {
  const v = conn.vinfo;
  if (!v?.retryKey || !v.retryNonce) return undefined;
  const odcid = conn.initialDcid;
  const pseudo = new Uint8Array(1 + odcid.length + (end - 16 - o));
  pseudo[0] = odcid.length;
  pseudo.set(odcid, 1);
  pseudo.set(b.subarray(o, end - 16), 1 + odcid.length);
  try {
    return ks.crypto().aeadDecrypt('aes-128-gcm', v.retryKey, v.retryNonce, pseudo, b.subarray(end - 16, end)) !== null;
  } catch {
    return undefined;
  }
}

/** Learns the client random and cipher suites from the hellos (for key log lookups). */
export function track(conn: QuicConn, m: Uint8Array, fromServer: boolean): void {
  for (let o = 0; o + 4 <= m.length;) {
    const type = m[o]!;
    const len = (m[o + 1]! << 16) | (m[o + 2]! << 8) | m[o + 3]!;
    const e = o + 4 + len;
    const s = o + 4;
    if (type === 1 && !fromServer && len >= 38) {
      conn.clientRandom ??= m.slice(s + 2, s + 34);
      const sid = m[s + 34]!;
      const cl = s + 35 + sid;
      if (cl + 4 <= e) conn.clientSuite = (m[cl + 2]! << 8) | m[cl + 3]!;
    } else if (type === 2 && fromServer && len >= 38) {
      const sid = m[s + 34]!;
      const cs = s + 35 + sid;
      if (cs + 2 <= e) conn.suite = (m[cs]! << 8) | m[cs + 1]!;
    }
    o = e;
  }
}
