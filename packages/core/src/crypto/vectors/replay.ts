/**
 * A small reference driver for the decryption API, used by the capture tests: pulls TCP
 * payloads out of a capture, follows each TLS connection's records and handshake, derives the
 * keys (key log / RSA key / resumed session), decrypts every record, verifies both Finished
 * messages and collects the application data. It shows how the TLS dissector is expected to
 * drive RecordDecoder and the key schedules; it is test support, not the dissector.
 */
import { readCaptureSync } from '../../capture/read.ts';
import type { KeyLog } from '../../decrypt/keys/keylog.ts';
import { suiteParamsFromRegistry } from '../suite.ts';
import { cipherSuite } from '../../tls/registry/index.ts';
import { concatBytes, equalBytes, toHex } from '../bytes.ts';
import { deriveKeyBlock, extendedMasterSecret, finishedVerifyData, handshakeHash, masterSecret } from '../prf.ts';
import { RecordDecoder, type RecordResult } from '../record.ts';
import { SSL3, TLS13, type SuiteParams } from '../suite.ts';
import { finishedVerifyData13, messageHashPrefix, type Tls13Hash } from '../tls13.ts';
import type { RsaPrivateKey, TlsCrypto } from '../types.ts';

export interface DirectionResult {
  records: number;
  decrypted: number;
  failures: { seq: bigint; reason: string; detail: string }[];
  appData: Uint8Array[];
}

export interface ConnectionResult {
  client: string;
  server: string;
  version?: number;
  suite?: string;
  clientRandom?: string;
  /** why keys are missing, when they are */
  noKeys?: string;
  finishedOk: number;
  finishedBad: number;
  keyUpdates: number;
  c2s: DirectionResult;
  s2c: DirectionResult;
}

interface Seg { t: number; key: string; fromClient: boolean; data: Uint8Array }

/** TCP payload segments in capture order, per connection (client = SYN sender or first talker). */
export function tcpSegments(capture: Uint8Array): Seg[] {
  const out: Seg[] = [];
  const clients = new Map<string, string>();
  const next = new Map<string, number>();
  let t = 0;
  for (const ev of readCaptureSync(capture)) {
    if (ev.kind !== 'frame') continue;
    const f = ev.frame;
    let d = f.data;
    let o = 0;
    let et = 0;
    if (f.linktype === 1) { et = (d[12]! << 8) | d[13]!; o = 14; while (et === 0x8100) { et = (d[o + 2]! << 8) | d[o + 3]!; o += 4; } }
    else if (f.linktype === 113) { et = (d[14]! << 8) | d[15]!; o = 16; }
    else if (f.linktype === 0 || f.linktype === 109) { const fam = d[0]! | (d[1]! << 8); et = fam === 2 ? 0x800 : 0x86dd; o = 4; }
    else if (f.linktype === 101 || f.linktype === 228 || f.linktype === 229) { et = (d[0]! >> 4) === 4 ? 0x800 : 0x86dd; o = 0; }
    else continue;
    let src = '';
    let dst = '';
    let proto = 0;
    let end = d.length;
    if (et === 0x800) {
      const ihl = (d[o]! & 15) * 4;
      proto = d[o + 9]!;
      end = Math.min(d.length, o + ((d[o + 2]! << 8) | d[o + 3]!));
      src = d.subarray(o + 12, o + 16).join('.');
      dst = d.subarray(o + 16, o + 20).join('.');
      o += ihl;
    } else if (et === 0x86dd) {
      proto = d[o + 6]!;
      end = Math.min(d.length, o + 40 + ((d[o + 4]! << 8) | d[o + 5]!));
      src = toHex(d.subarray(o + 8, o + 24));
      dst = toHex(d.subarray(o + 24, o + 40));
      o += 40;
    } else continue;
    if (proto !== 6) continue;
    const sp = (d[o]! << 8) | d[o + 1]!;
    const dp = (d[o + 2]! << 8) | d[o + 3]!;
    const seq = ((d[o + 4]! << 24) >>> 0) + ((d[o + 5]! << 16) | (d[o + 6]! << 8) | d[o + 7]!);
    const flags = d[o + 13]!;
    const doff = (d[o + 12]! >> 4) * 4;
    const a = `${src}:${sp}`;
    const b = `${dst}:${dp}`;
    const key = a < b ? `${a}|${b}` : `${b}|${a}`;
    if ((flags & 0x12) === 0x02) clients.set(key, a); // SYN
    const payload = d.subarray(o + doff, end);
    const dirKey = `${key}>${a}`;
    if (flags & 0x02) { next.set(dirKey, (seq + 1) >>> 0); continue; }
    if (payload.length === 0) continue;
    if (!clients.has(key)) clients.set(key, a);
    // drop retransmissions / trim overlaps (captures here are in order; no out-of-order queue)
    const exp = next.get(dirKey);
    let p = payload;
    if (exp !== undefined) {
      const diff = (exp - seq) | 0;
      if (diff >= p.length) continue;
      if (diff > 0) p = p.subarray(diff);
    }
    next.set(dirKey, (seq + payload.length) >>> 0);
    out.push({ t: t++, key, fromClient: clients.get(key) === a, data: p.slice() });
  }
  return out;
}

const HRR_RANDOM = 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c';

interface Dir {
  buf: Uint8Array;
  hs: Uint8Array;
  dec?: RecordDecoder;
  next?: RecordDecoder; // TLS ≤1.2: keys to switch to at CCS
  res: DirectionResult;
  appN: number;
}

export interface ReplayOptions {
  keylog?: KeyLog;
  rsaKey?: RsaPrivateKey;
}

export function replay(c: TlsCrypto, capture: Uint8Array, opts: ReplayOptions): ConnectionResult[] {
  const conns = new Map<string, Conn>();
  const sessions = new Map<string, Uint8Array>(); // session id → master secret
  for (const s of tcpSegments(capture)) {
    let k = conns.get(s.key);
    if (!k) conns.set(s.key, (k = new Conn(c, opts, sessions, s.key)));
    k.feed(s.fromClient, s.data);
  }
  return [...conns.values()].map((x) => x.result);
}

class Conn {
  result: ConnectionResult;
  private d: [Dir, Dir];
  private transcript: Uint8Array[] = [];
  private cr?: Uint8Array;
  private sr?: Uint8Array;
  private sid = new Uint8Array(0);
  private version = 0;
  private suite?: SuiteParams;
  private etm = false;
  private ems = false;
  private offeredEtm = false;
  private offeredEms = false;
  private master?: Uint8Array;
  private resumed = false;
  private hrr = false;
  private earlyOffered = false;
  private clientHsDone = false;
  private early: [number, number, Uint8Array][] = [];

  constructor(private c: TlsCrypto, private o: ReplayOptions, private sessions: Map<string, Uint8Array>, key: string) {
    const [a, b] = key.split('|') as [string, string];
    const mk = (): Dir => ({ buf: new Uint8Array(0), hs: new Uint8Array(0), res: { records: 0, decrypted: 0, failures: [], appData: [] }, appN: 0 });
    this.d = [mk(), mk()];
    this.result = { client: a, server: b, finishedOk: 0, finishedBad: 0, keyUpdates: 0, c2s: this.d[0].res, s2c: this.d[1].res };
  }

  feed(fromClient: boolean, data: Uint8Array): void {
    const dir = this.d[fromClient ? 0 : 1];
    dir.buf = concatBytes(dir.buf, data);
    if (fromClient && this.version === 0 && dir.buf.length >= 3 && (dir.buf[0]! & 0x80) && dir.buf[2] === 1) {
      // SSLv2-compatible ClientHello: random = challenge left-padded to 32 bytes; the transcript
      // holds the message from its type byte on
      const len = ((dir.buf[0]! & 0x7f) << 8) | dir.buf[1]!;
      if (dir.buf.length < 2 + len) return;
      const m = dir.buf.slice(2, 2 + len);
      dir.buf = dir.buf.slice(2 + len);
      const csl = (m[3]! << 8) | m[4]!;
      const sl = (m[5]! << 8) | m[6]!;
      const chl = (m[7]! << 8) | m[8]!;
      const cr = new Uint8Array(32);
      cr.set(m.subarray(9 + csl + sl, 9 + csl + sl + chl), 32 - chl);
      this.cr = cr;
      this.result.clientRandom = toHex(cr);
      this.transcript = [m];
    }
    while (dir.buf.length >= 5) {
      const type = dir.buf[0]!;
      const ver = (dir.buf[1]! << 8) | dir.buf[2]!;
      const len = (dir.buf[3]! << 8) | dir.buf[4]!;
      if (type < 20 || type > 24 || dir.buf[1] !== 3) { dir.buf = new Uint8Array(0); return; } // not TLS (SSLv2 hello etc.)
      if (dir.buf.length < 5 + len) return;
      const frag = dir.buf.subarray(5, 5 + len);
      dir.buf = dir.buf.slice(5 + len);
      this.record(fromClient, type, ver, frag);
    }
  }

  private record(fromClient: boolean, type: number, ver: number, frag: Uint8Array): void {
    const dir = this.d[fromClient ? 0 : 1];
    if (type === 20) {
      if (this.version >= TLS13) return; // compatibility CCS
      dir.dec = dir.next;
      dir.next = undefined;
      return;
    }
    let content = frag;
    let ctype = type;
    if (fromClient && type === 23 && this.version === 0) {
      this.early.push([type, ver, frag.slice()]); // 0-RTT before the ServerHello: decrypt once the suite is known
      return;
    }
    if (dir.dec) {
      dir.res.records++;
      let r: RecordResult;
      if (fromClient && this.version >= TLS13 && this.earlyOffered && !this.clientHsDone) {
        // 0-RTT offered: early data / EndOfEarlyData use the early secret (maybe not logged);
        // only a record that opens with the handshake keys advances them
        r = dir.dec.tryDecrypt(type, ver, frag);
        if (!r.ok && dir.next) {
          const e = dir.next.tryDecrypt(type, ver, frag);
          if (e.ok) r = e;
        }
      } else r = dir.dec.decrypt(type, ver, frag);
      if (!r.ok) {
        dir.res.failures.push({ seq: r.seq, reason: r.reason, detail: r.detail });
        return;
      }
      dir.res.decrypted++;
      content = r.plaintext;
      ctype = r.contentType;
    } else if (type === 23 && this.version > 0) {
      dir.res.records++;
      dir.res.failures.push({ seq: -1n, reason: 'no_keys', detail: this.result.noKeys ?? 'no keys' });
      return;
    }
    if (ctype === 23) dir.res.appData.push(content);
    else if (ctype === 22) {
      dir.hs = concatBytes(dir.hs, content);
      while (dir.hs.length >= 4) {
        const mlen = (dir.hs[1]! << 16) | (dir.hs[2]! << 8) | dir.hs[3]!;
        if (dir.hs.length < 4 + mlen) break;
        const msg = dir.hs.slice(0, 4 + mlen);
        dir.hs = dir.hs.slice(4 + mlen);
        this.handshake(fromClient, msg);
      }
    }
  }

  private hashAlg(): Tls13Hash {
    return this.suite!.prfHash;
  }

  private handshake(fromClient: boolean, m: Uint8Array): void {
    const t = m[0]!;
    const b = m.subarray(4);
    const c = this.c;
    if (t === 1) {
      if (!this.hrr) this.transcript = [];
      this.cr = b.slice(2, 34);
      this.result.clientRandom = toHex(this.cr);
      const sl = b[34]!;
      this.sid = b.slice(35, 35 + sl);
      const exts = parseExts(b, 35 + sl, true);
      this.offeredEtm = exts.has(0x16);
      this.offeredEms = exts.has(0x17);
      this.earlyOffered = exts.has(0x2a);
    } else if (t === 2) {
      this.sr = b.slice(2, 34);
      this.version = (b[0]! << 8) | b[1]!;
      const sl = b[34]!;
      const sid = b.slice(35, 35 + sl);
      const code = (b[35 + sl]! << 8) | b[36 + sl]!;
      const exts = parseExts(b, 38 + sl, false);
      const sv = exts.get(0x2b);
      if (sv && sv.length === 2) this.version = (sv[0]! << 8) | sv[1]!;
      const cs = cipherSuite(code);
      this.suite = cs ? suiteParamsFromRegistry(cs) : undefined;
      this.result.version = this.version;
      this.result.suite = cs?.name ?? `0x${code.toString(16)}`;
      this.etm = this.offeredEtm && exts.has(0x16);
      this.ems = this.offeredEms && exts.has(0x17);
      if (this.version >= TLS13 && toHex(this.sr) === HRR_RANDOM) {
        // HelloRetryRequest: transcript restarts with message_hash(ClientHello1)
        this.hrr = true;
        this.transcript = [messageHashPrefix(c, this.hashAlg(), concatBytes(...this.transcript))];
        this.transcript.push(m);
        return;
      }
      if (this.version < TLS13 && sl > 0 && equalBytes(sid, this.sid)) {
        const ms = this.sessions.get(toHex(sid)) ?? this.o.keylog?.masterSecretForSessionId(sid);
        if (ms) { this.master = ms; this.resumed = true; }
      }
      this.sid = sid;
    }
    // Finished checks happen against the transcript *before* this message is added.
    if (t === 20) this.checkFinished(fromClient, m);
    // TLS 1.3 post-handshake messages (NewSessionTicket, KeyUpdate) are not in the transcript
    if (!(this.version >= TLS13 && (t === 4 || t === 24))) this.transcript.push(m);
    if (t === 2 && this.version >= TLS13) this.tls13Handshake();
    if (t === 2 && this.version < TLS13 && this.resumed) this.setup12();
    if (t === 16 && this.version < TLS13) this.clientKeyExchange(b);
    if (t === 20 && this.version >= TLS13) this.tls13AfterFinished(fromClient);
    if (t === 24 && this.version >= TLS13) {
      const dir = this.d[fromClient ? 0 : 1];
      dir.dec?.keyUpdate();
      dir.appN++;
      this.result.keyUpdates++;
      const logged = this.o.keylog?.tls13(this.cr!)?.[fromClient ? 'clientTraffic' : 'serverTraffic'].get(dir.appN);
      if (logged && dir.dec && !equalBytes(logged, dir.dec.currentTrafficSecret!)) this.result.finishedBad++;
    }
  }

  private tls13Handshake(): void {
    const s = this.o.keylog?.tls13(this.cr!);
    if (!this.suite || this.suite.cipher.kind === 'unsupported') { this.result.noKeys = 'unsupported cipher'; return; }
    if (!s?.serverHandshakeTraffic || !s.clientHandshakeTraffic) { this.result.noKeys = `no TLS 1.3 handshake secrets for ${toHex(this.cr!)}`; return; }
    this.d[1].dec = RecordDecoder.fromTrafficSecret(this.c, this.suite, s.serverHandshakeTraffic);
    this.d[0].dec = RecordDecoder.fromTrafficSecret(this.c, this.suite, s.clientHandshakeTraffic);
    if (s.clientEarlyTraffic) this.d[0].next = RecordDecoder.fromTrafficSecret(this.c, this.suite, s.clientEarlyTraffic);
    const early = this.early;
    this.early = [];
    for (const [type, ver, frag] of early) {
      const dir = this.d[0];
      dir.res.records++;
      const r = dir.next?.decrypt(type, ver, frag);
      if (r?.ok) {
        dir.res.decrypted++;
        if (r.contentType === 23) dir.res.appData.push(r.plaintext);
      } else dir.res.failures.push({ seq: r?.seq ?? -1n, reason: r ? r.reason : 'no_keys', detail: r && !r.ok ? r.detail : 'no CLIENT_EARLY_TRAFFIC_SECRET' });
    }
  }

  private tls13AfterFinished(fromClient: boolean): void {
    const s = this.o.keylog?.tls13(this.cr!);
    const secret = fromClient ? s?.clientTraffic.get(0) : s?.serverTraffic.get(0);
    const dir = this.d[fromClient ? 0 : 1];
    if (secret && this.suite) dir.dec = RecordDecoder.fromTrafficSecret(this.c, this.suite, secret);
    else dir.dec = undefined;
    if (fromClient) {
      this.d[0].next = undefined;
      this.clientHsDone = true;
    }
  }

  private checkFinished(fromClient: boolean, m: Uint8Array): void {
    const vd = m.subarray(4);
    let want: Uint8Array | undefined;
    if (this.version >= TLS13) {
      const s = this.o.keylog?.tls13(this.cr!);
      const base = fromClient ? s?.clientHandshakeTraffic : s?.serverHandshakeTraffic;
      if (base && this.suite) want = finishedVerifyData13(this.c, this.hashAlg(), base, this.c.hash(this.hashAlg(), this.transcript));
    } else if (this.master && this.suite) {
      want = finishedVerifyData(this.c, this.version, this.suite, this.master, fromClient, this.transcript);
    }
    if (!want) return;
    if (equalBytes(want, vd)) this.result.finishedOk++;
    else this.result.finishedBad++;
  }

  private clientKeyExchange(b: Uint8Array): void {
    if (!this.suite) return;
    let ms = this.o.keylog?.masterSecret(this.cr!);
    if (!ms) {
      let pms = this.o.keylog?.premasterSecret(this.cr!);
      if (!pms) {
        const epms = this.version <= SSL3 ? b : b.subarray(2);
        pms = this.o.keylog?.premasterForEncryptedPremaster(epms);
        if (!pms && this.o.rsaKey) {
          const r = this.c.rsaDecryptPkcs1(this.o.rsaKey, epms);
          if (r.ok) pms = r.premaster;
          else this.result.noKeys = `RSA: ${r.detail}`;
        }
      }
      if (pms) {
        ms = this.ems
          ? extendedMasterSecret(this.c, this.version, this.suite, pms, handshakeHash(this.c, this.version, this.suite, this.transcript))
          : masterSecret(this.c, this.version, this.suite, pms, this.cr!, this.sr!);
      }
    }
    if (!ms) { this.result.noKeys ??= `no key for client random ${toHex(this.cr!)}`; return; }
    this.master = ms;
    if (this.sid.length) this.sessions.set(toHex(this.sid), ms);
    this.setup12();
  }

  private setup12(): void {
    const s = this.suite!;
    const kb = deriveKeyBlock(this.c, this.version, s, this.master!, this.cr!, this.sr!);
    this.d[0].next = RecordDecoder.fromKeyBlock(this.c, this.version, s, kb, 'client', this.etm);
    this.d[1].next = RecordDecoder.fromKeyBlock(this.c, this.version, s, kb, 'server', this.etm);
  }
}

function parseExts(b: Uint8Array, o: number, client: boolean): Map<number, Uint8Array> {
  const m = new Map<number, Uint8Array>();
  if (client) {
    const csl = (b[o]! << 8) | b[o + 1]!;
    o += 2 + csl;
    o += 1 + b[o]!;
  }
  if (o + 2 > b.length) return m;
  const end = Math.min(b.length, o + 2 + ((b[o]! << 8) | b[o + 1]!));
  o += 2;
  while (o + 4 <= end) {
    const t = (b[o]! << 8) | b[o + 1]!;
    const l = (b[o + 2]! << 8) | b[o + 3]!;
    m.set(t, b.subarray(o + 4, o + 4 + l));
    o += 4 + l;
  }
  return m;
}
