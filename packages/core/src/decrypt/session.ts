/**
 * The decryption state of one TLS connection, driven by the TLS dissector in capture order:
 * handshake messages (cleartext or decrypted) go to `handshake()`, ChangeCipherSpec to `ccs()`,
 * protected records to `decrypt()`. Derives the keys (key log by client random, RSA premaster
 * with a private key matched to the server certificate, resumed sessions by ID or ticket,
 * TLS 1.3 traffic secrets incl. HRR, 0-RTT and KeyUpdate), verifies both Finished messages and
 * says why a connection does not decrypt.
 */
import { concatBytes, equalBytes, toHex, utf8 } from '../crypto/bytes.ts';
import { deriveKeyBlock, extendedMasterSecret, finishedVerifyData, finishedVerifyDataFromHash, handshakeHash, masterSecret, type KeyBlock } from '../crypto/prf.ts';
import { RecordDecoder, type RecordResult } from '../crypto/record.ts';
import { rsaKeyMatchesModulus } from '../crypto/rsa.ts';
import { SSL3, TLS13, suiteParamsFromRegistry, type SuiteParams } from '../crypto/suite.ts';
import { finishedVerifyData13, hkdfExpand, messageHashPrefix } from '../crypto/tls13.ts';
import { HASH_LEN } from '../crypto/types.ts';
import { cipherSuite } from '../tls/registry/index.ts';
import { tryParseCertificate } from '../x509/certificate.ts';
import { children, expect, TAG } from '../x509/der.ts';
import type { TlsKeyStore } from './store.ts';
import { Unzlib } from 'fflate';

/** TLS DEFLATE compression (RFC 3749): one zlib stream per direction and cipher state. */
class RecordInflater {
  private readonly u = new Unzlib();
  private out: Uint8Array[] = [];
  constructor() {
    this.u.ondata = (c) => {
      this.out.push(c);
    };
  }
  inflate(data: Uint8Array): Uint8Array | undefined {
    this.out = [];
    try {
      this.u.push(data, false);
    } catch {
      return undefined;
    }
    return this.out.length === 1 ? this.out[0]! : concatBytes(...this.out);
  }
}

export type DecryptionStatusCode =
  | 'decrypted'
  | 'pending'
  | 'no_key'
  | 'rsa_key_mismatch'
  | 'dhe_with_rsa_key'
  | 'resumed_unknown_session'
  | 'handshake_not_captured'
  | 'record_failure'
  | 'unsupported_cipher';

export interface DecryptionStatus {
  readonly code: DecryptionStatusCode;
  /** One line for people ("no key for client random 5a6b…"). */
  readonly text: string;
}

export interface RecordFailure {
  /** 1-based count of protected records of that direction. */
  readonly record: number;
  readonly frame: number;
  readonly fromClient: boolean;
  readonly reason: string;
  readonly detail: string;
}

/** What the dissector shows after a handshake message (derived values, Finished check). */
export interface HandshakeNote {
  /**
   * Finished: whether verify_data matches the recomputed value (undefined = no keys to check).
   * Computed on the first call (most reads never look at it); `session.finished` computes it too.
   */
  finished?: () => boolean | undefined;
  /** Keys were derived while processing this message. */
  derived?: boolean;
}

const STATUS_DECRYPTED: DecryptionStatus = Object.freeze({ code: 'decrypted', text: 'decrypted' });
const STATUS_PENDING: DecryptionStatus = Object.freeze({ code: 'pending', text: 'no encrypted records yet' });

/** Why a resumed TLS ≤ 1.2 session has no keys: its full handshake is missing, or was there but did not decrypt. */
function resumedText(what: string, original: string | undefined, clientRandom: Uint8Array): string {
  const tail = `(and no key logged for client random ${toHex(clientRandom)})`;
  return original
    ? `resumed ${what} whose original handshake is in the capture but could not be decrypted: ${original} ${tail}`
    : `resumed ${what} whose original handshake is not in the capture ${tail}`;
}

const NO_BYTES = new Uint8Array(0);
const HRR_RANDOM = 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c';
/** Ciphers tshark 4.0 cannot decrypt; left encrypted so that output matches it. */
const TSHARK_UNSUPPORTED = /^ARIA/;

interface Dir {
  dec?: RecordDecoder;
  inflater?: RecordInflater;
  /** TLS ≤ 1.2: the decoder to switch to at ChangeCipherSpec; TLS 1.3 client: the 0-RTT decoder. */
  next?: RecordDecoder;
  appN: number;
  records: number;
  decrypted: number;
  /** Late keys: protected records that went by while this side had no keys (sequence numbers to skip). */
  skipped?: number;
}

export interface Tls13Derived {
  clientHandshakeTraffic?: Uint8Array;
  serverHandshakeTraffic?: Uint8Array;
  clientTraffic?: Uint8Array;
  serverTraffic?: Uint8Array;
  clientEarlyTraffic?: Uint8Array;
}

export class TlsDecryptSession {
  clientRandom?: Uint8Array;
  serverRandom?: Uint8Array;
  version = 0;
  cipherSuite = -1;
  suite?: SuiteParams;
  master?: Uint8Array;
  /** TLS ≤ 1.2 pre-master secret when it was known (key log PMS line or an RSA private key). */
  premaster?: Uint8Array;
  keyBlock?: KeyBlock;
  tls13: Tls13Derived = {};
  resumed = false;
  /** Finished verification per side (undefined = not checked). */
  get finished(): { client?: boolean; server?: boolean } {
    this.runFinishedChecks();
    return this.finishedState;
  }
  /** The Finished verify_data received and the value recomputed from the keys (set when checked). */
  get verifyData(): { client?: { received: Uint8Array; computed: Uint8Array }; server?: { received: Uint8Array; computed: Uint8Array } } {
    this.runFinishedChecks();
    return this.verifyDataState;
  }
  private readonly finishedState: { client?: boolean; server?: boolean } = {};
  private readonly verifyDataState: { client?: { received: Uint8Array; computed: Uint8Array }; server?: { received: Uint8Array; computed: Uint8Array } } = {};
  /** Finished checks registered but not computed yet, per side (client, server). */
  private finishedChecks: [(() => boolean | undefined) | undefined, (() => boolean | undefined) | undefined] = [undefined, undefined];
  /** The first record that failed to decrypt. */
  failure?: RecordFailure;
  /** Why keys could not be derived. */
  private reason?: DecryptionStatus;
  /** Whether the handshake (a ClientHello) was seen. */
  handshakeSeen = false;
  /** The failure status was reported (expert info) once. */
  reported = false;
  /** Application protocol chosen for decrypted data (set by the dissector). */
  app: unknown;

  private d: [Dir, Dir] = [{ appN: 0, records: 0, decrypted: 0 }, { appN: 0, records: 0, decrypted: 0 }];
  private transcript: Uint8Array[] = [];
  private chSid = new Uint8Array(0);
  private sid = new Uint8Array(0);
  private ticket?: Uint8Array;
  private offered: number[] = [];
  private offeredEtm = false;
  private offeredEms = false;
  private etm = false;
  private ems = false;
  private hrr = false;
  private earlyOffered = false;
  private clientHsDone = false;
  private kx = '';
  /** Compression method of the ServerHello (1 = DEFLATE). */
  private compression = 0;
  /** TLS 1.3 draft number (0 = RFC 8446). */
  private draft = 0;
  private serverModulus?: Uint8Array;
  private certSeen = false;

  constructor(private readonly store: TlsKeyStore) {}

  private get crypto() {
    return this.store.crypto;
  }

  /** The extended master secret (RFC 7627) was negotiated: master_secret hashes the handshake, not the randoms. */
  get extendedMasterSecret(): boolean {
    return this.ems;
  }

  /** Counts over both directions. */
  get counts(): { records: number; decrypted: number } {
    return { records: this.d[0].records + this.d[1].records, decrypted: this.d[0].decrypted + this.d[1].decrypted };
  }

  get status(): DecryptionStatus {
    if (!this.handshakeSeen) return { code: 'handshake_not_captured', text: 'handshake not captured (the capture starts mid-connection)' };
    if (this.failure) {
      const f = this.failure;
      const what = f.reason === 'unsupported_cipher' ? 'unsupported cipher' : f.reason === 'tag_mismatch' ? 'tag failure' : f.reason === 'bad_record_mac' ? 'MAC failure' : f.reason.replace(/_/g, ' ');
      if (f.reason === 'unsupported_cipher') return { code: 'unsupported_cipher', text: `unsupported cipher ${this.suite?.name ?? ''}`.trim() };
      return { code: 'record_failure', text: `${what} at ${f.fromClient ? 'client' : 'server'} record ${f.record} (frame ${f.frame}): ${f.detail}` };
    }
    if (this.reason) return this.reason;
    // asked for at every TLS packet: shared constants, no allocation
    if (this.d[0].decrypted + this.d[1].decrypted > 0 || this.d[0].dec || this.d[1].dec || this.hadKeys) return STATUS_DECRYPTED;
    return STATUS_PENDING;
  }

  /** Keys were in place when `release` dropped the decoders (keeps `status` as it was). */
  private hadKeys = false;

  /**
   * The connection is over: drops what only more records would need (record decoders, the
   * handshake transcript, key block, the application protocol's parser). Status, counts,
   * secrets and the Finished checks stay.
   */
  release(): void {
    this.hadKeys ||= !!(this.d[0].dec || this.d[1].dec);
    for (const d of this.d) {
      d.dec = undefined;
      d.next = undefined;
      d.inflater = undefined;
    }
    this.pendingSwitch = [undefined, undefined];
    this.transcript = [];
    this.offered = [];
    this.lateCke = undefined;
    this.keyBlock = undefined;
    this.tls13 = {};
    this.app = undefined;
    this.serverRandom = undefined;
    this.chSid = NO_BYTES;
    this.sid = NO_BYTES;
    this.ticket = undefined;
    this.serverModulus = undefined;
  }

  /** The key arrived (pcapng DSB, key log) only after the ServerHello that needed it: no decryption, as in tshark. */
  keysTooLate(clientRandom?: Uint8Array): void {
    this.handshakeSeen = true;
    this.clientRandom ??= clientRandom;
    const cr = this.clientRandom ? ` for client random ${toHex(this.clientRandom)}` : '';
    this.reason = { code: 'no_key', text: `no key${cr} when the ServerHello was read (the key came later in the capture)` };
  }

  /** `n` protected records of one side went by before this session existed (keys that came late). */
  skipRecords(fromClient: boolean, n: number): void {
    const d = this.d[fromClient ? 0 : 1];
    if (d.dec) d.dec.seq += BigInt(n);
    else d.skipped = (d.skipped ?? 0) + n;
  }

  /** The mid-stream case: records but no handshake. */
  markNoHandshake(): void {
    this.handshakeSeen = false;
  }

  /** An SSLv2-format CLIENT-HELLO: the record body from the message type on. */
  sslv2ClientHello(m: Uint8Array): void {
    if (m.length < 9) return;
    const csl = (m[3]! << 8) | m[4]!;
    const sl = (m[5]! << 8) | m[6]!;
    const chl = (m[7]! << 8) | m[8]!;
    if (9 + csl + sl + chl > m.length || chl > 32) return;
    const cr = new Uint8Array(32);
    cr.set(m.subarray(9 + csl + sl, 9 + csl + sl + chl), 32 - chl);
    this.resetHandshake();
    this.clientRandom = cr;
    this.chSid = new Uint8Array(0);
    this.transcript = [m.slice()];
  }

  private resetHandshake(): void {
    this.handshakeSeen = true;
    this.transcript = [];
    this.reason = undefined;
    this.resumed = false;
    this.ticket = undefined;
    this.certSeen = false;
    this.serverModulus = undefined;
  }

  /** A complete handshake message (4-byte header included), cleartext or decrypted. */
  handshake(fromClient: boolean, m: Uint8Array): HandshakeNote | undefined {
    if (m.length < 4) return undefined;
    const t = m[0]!;
    const b = m.subarray(4);
    let note: HandshakeNote | undefined;
    if (t === 1 && fromClient) {
      if (!this.hrr) this.resetHandshake();
      this.clientHello(b);
    } else if (t === 2 && !fromClient) {
      if (this.serverHello(m, b)) return undefined; // HRR handled
    } else if (t === 11 && !fromClient && !this.certSeen) {
      this.certSeen = true;
      if (this.kx === 'RSA' && this.store.rsaKeys.length) this.serverModulus = firstCertModulus(b, this.version >= TLS13);
    }
    if (t === 20) {
      const check = this.checkFinished(fromClient, b);
      if (check) note = { finished: check };
    }
    const tls13 = this.version >= TLS13;
    if (!(tls13 && (t === 4 || t === 24)) && t !== 0) this.transcript.push(m.slice());
    if (t === 2 && !fromClient) {
      if (tls13) this.tls13Handshake();
      else if (this.resumed) this.setup12();
      if (this.d[0].next || this.d[1].next || this.d[1].dec) note = { ...note, derived: true };
    }
    if (t === 16 && fromClient && !tls13) {
      if (this.clientKeyExchange(b)) note = { ...note, derived: true };
    }
    if (t === 4 && !tls13) this.newSessionTicket12(b);
    if (t === 20 && tls13) this.tls13AfterFinished(fromClient);
    // TLS 1.3: nothing hashes the transcript after the client's Finished (post-handshake messages are not part of it)
    if (t === 20 && tls13 && fromClient) this.transcript = [];
    if (t === 24 && tls13) this.keyUpdatePending[fromClient ? 0 : 1] = true;
    return note;
  }

  private keyUpdatePending: [boolean, boolean] = [false, false];
  /** TLS ≤ 1.2: a ClientKeyExchange met without a key (body, transcript length), retried at each ChangeCipherSpec as tshark does. */
  private lateCke?: { body: Uint8Array; n: number };
  /** TLS 1.3: the application traffic secret of a side was not logged at its Finished (retried at its next record). */
  private lateApp: [boolean, boolean] = [false, false];

  private clientHello(b: Uint8Array): void {
    if (b.length < 35) return;
    this.clientRandom = b.slice(2, 34);
    const sl = b[34]!;
    this.chSid = b.slice(35, 35 + sl);
    let o = 35 + sl;
    const csl = (b[o]! << 8) | b[o + 1]!;
    this.offered = [];
    for (let i = o + 2; i + 1 < o + 2 + csl && i + 1 < b.length; i += 2) this.offered.push((b[i]! << 8) | b[i + 1]!);
    o += 2 + csl;
    o += 1 + (b[o] ?? 0);
    const exts = parseExts(b, o);
    this.offeredEtm = exts.has(0x16);
    this.offeredEms = exts.has(0x17);
    this.earlyOffered = exts.has(0x2a);
    const tk = exts.get(0x23);
    this.ticket = tk && tk.length ? tk.slice() : undefined;
    this.clientHsDone = false;
  }

  /** Returns true for a HelloRetryRequest (not part of the usual flow). */
  private serverHello(m: Uint8Array, b: Uint8Array): boolean {
    if (b.length < 38) return false;
    this.serverRandom = b.slice(2, 34);
    this.version = (b[0]! << 8) | b[1]!;
    const draft = (this.version & 0xff00) === 0x7f00;
    let o = 34;
    let sid = new Uint8Array(0);
    if (!draft) {
      const sl = b[34]!;
      sid = b.slice(35, 35 + sl);
      o = 35 + sl;
    }
    const code = (b[o]! << 8) | b[o + 1]!;
    this.compression = draft ? 0 : b[o + 2] ?? 0;
    o += draft ? 2 : 3;
    const exts = parseExts(b, o);
    const sv = exts.get(0x2b);
    if (sv && sv.length === 2) this.version = (sv[0]! << 8) | sv[1]!;
    this.draft = 0;
    if (draft || (this.version & 0xff00) === 0x7f00 || (this.version & 0xff00) === 0xfb00) {
      this.draft = this.version & 0xff;
      this.version = TLS13;
    }
    this.cipherSuite = code;
    const cs = cipherSuite(code);
    this.suite = cs ? suiteParamsFromRegistry(cs) : undefined;
    this.kx = cs?.kx ?? '';
    if (this.suite && TSHARK_UNSUPPORTED.test(cs!.cipher)) this.suite = { ...this.suite, cipher: { kind: 'unsupported', name: cs!.cipher } };
    this.etm = this.offeredEtm && exts.has(0x16);
    this.ems = this.offeredEms && exts.has(0x17);
    if (this.version >= TLS13 && toHex(this.serverRandom) === HRR_RANDOM && this.suite) {
      this.hrr = true;
      this.transcript = [messageHashPrefix(this.crypto, this.suite.prfHash, concatBytes(...this.transcript)), m.slice()];
      return true;
    }
    if (this.version < TLS13) {
      const byId = sid.length > 0 && equalBytes(sid, this.chSid);
      const ms = this.store.keylog.masterSecret(this.clientRandom ?? new Uint8Array(0));
      if (ms === undefined && (byId || this.ticket) && this.store.partial) this.store.partial('a TLS session resumed without a key log line of its own');
      const cached = byId ? this.store.sessions.get(toHex(sid)) ?? this.store.keylog.masterSecretForSessionId(sid) : undefined;
      const byTicket = this.ticket ? this.store.tickets.get(toHex(this.ticket)) : undefined;
      if (byId || byTicket) {
        // resumption (by ID, or maybe by ticket: confirmed when no ClientKeyExchange follows)
        const m2 = ms ?? cached ?? byTicket;
        if (m2) {
          this.master = m2;
          this.resumed = true;
        } else if (byId) {
          this.reason = { code: 'resumed_unknown_session', text: resumedText(`session ${toHex(sid)}`, this.store.undecryptable.get(`id:${toHex(sid)}`) ?? (this.ticket && this.store.undecryptable.get(`ticket:${toHex(this.ticket)}`)), this.clientRandom!) };
        }
      } else this.master = undefined;
    }
    this.sid = sid;
    return false;
  }

  private tls13Handshake(): void {
    const cr = this.clientRandom;
    if (!cr) return;
    const s = this.store.keylog.tls13(cr);
    if (!this.suite || this.suite.cipher.kind === 'unsupported') {
      this.reason = { code: 'unsupported_cipher', text: `unsupported cipher ${this.suite?.name ?? `0x${this.cipherSuite.toString(16).padStart(4, '0')}`}` };
      return;
    }
    if (!s?.serverHandshakeTraffic || !s.clientHandshakeTraffic) {
      this.reason = this.store.keylog.size === 0 && this.store.rsaKeys.length > 0
        ? { code: 'dhe_with_rsa_key', text: `TLS 1.3 (EC)DHE key exchange: an RSA private key cannot decrypt it (need a key log line for client random ${toHex(cr)})` }
        : { code: 'no_key', text: `no key for client random ${toHex(cr)}` };
      return;
    }
    if (s.serverHandshakeTraffic.length !== HASH_LEN[this.suite.prfHash]) {
      this.reason = { code: 'no_key', text: `the logged secrets for client random ${toHex(cr)} do not fit ${this.suite.name}` };
      return;
    }
    this.reason = undefined;
    this.tls13.clientHandshakeTraffic = s.clientHandshakeTraffic;
    this.tls13.serverHandshakeTraffic = s.serverHandshakeTraffic;
    this.d[1].dec = this.trafficDecoder(this.suite, s.serverHandshakeTraffic);
    const early = this.d[0].dec; // a 0-RTT decoder set up before the ServerHello
    this.d[0].dec = this.trafficDecoder(this.suite, s.clientHandshakeTraffic);
    this.d[0].next = early ?? (s.clientEarlyTraffic && s.clientEarlyTraffic.length === HASH_LEN[this.suite.prfHash]
      ? this.trafficDecoder(this.suite, s.clientEarlyTraffic) : undefined);
  }

  private tls13AfterFinished(fromClient: boolean): void {
    const s = this.clientRandom && this.store.keylog.tls13(this.clientRandom);
    const secret = fromClient ? s?.clientTraffic.get(0) : s?.serverTraffic.get(0);
    const dir = this.d[fromClient ? 0 : 1];
    this.pendingSwitch[fromClient ? 0 : 1] = secret && this.suite ? this.trafficDecoder(this.suite, secret) : null;
    if (secret) {
      if (fromClient) this.tls13.clientTraffic = secret;
      else this.tls13.serverTraffic = secret;
    }
    if (!secret) this.lateApp[fromClient ? 0 : 1] = true;
    if (fromClient) this.clientHsDone = true;
    void dir;
  }

  /** TLS 1.3 keys to switch to after the record carrying the Finished (null: no keys). */
  private pendingSwitch: [RecordDecoder | null | undefined, RecordDecoder | null | undefined] = [undefined, undefined];

  /** Computes the Finished checks still pending (in the order they were registered per side). */
  private runFinishedChecks(): void {
    this.finishedChecks[0]?.();
    this.finishedChecks[1]?.();
  }

  /**
   * Registers the check of a Finished message against the keys as they are now (transcript,
   * secrets), computed lazily: returns the check (memoised), or undefined when there is nothing
   * to check. The result lands in `finished`/`verifyData` when it is computed.
   */
  private checkFinished(fromClient: boolean, vd: Uint8Array): (() => boolean | undefined) | undefined {
    const suite = this.suite;
    if (!suite || suite.cipher.kind === 'unsupported' && this.version >= TLS13) return undefined;
    const version = this.version;
    const base = version >= TLS13 ? (fromClient ? this.tls13.clientHandshakeTraffic : this.tls13.serverHandshakeTraffic) : undefined;
    const master = this.master;
    if (version >= TLS13 ? (this.draft > 0 && this.draft < 20) || !base : !master) return undefined;
    const i = fromClient ? 0 : 1;
    // an older check of this side (renegotiation) is computed first: later results win, as before
    this.finishedChecks[i]?.();
    const crypto = this.crypto;
    // the transcript as it stands (its messages are copies that are never changed) is hashed only
    // when the check runs: most reads never ask for it
    const transcript = this.transcript.slice();
    const received = vd.slice();
    let done = false;
    let result: boolean | undefined;
    const check = (): boolean | undefined => {
      if (done) return result;
      done = true;
      if (this.finishedChecks[i] === check) this.finishedChecks[i] = undefined;
      let want: Uint8Array | undefined;
      try {
        want = version >= TLS13
          ? finishedVerifyData13(crypto, suite.prfHash, base!, crypto.hash(suite.prfHash, transcript))
          : version > SSL3 ? finishedVerifyDataFromHash(crypto, version, suite, master!, fromClient, handshakeHash(crypto, version, suite, transcript))
          : finishedVerifyData(crypto, version, suite, master!, fromClient, transcript);
      } catch {
        return undefined;
      }
      result = equalBytes(want, received);
      this.finishedState[fromClient ? 'client' : 'server'] = result;
      this.verifyDataState[fromClient ? 'client' : 'server'] = { received, computed: want };
      return result;
    };
    this.finishedChecks[i] = check;
    return check;
  }

  private clientKeyExchange(b: Uint8Array, n = this.transcript.length): boolean {
    const suite = this.suite;
    const cr = this.clientRandom;
    if (!suite || !cr || !this.serverRandom) return false;
    this.resumed = false;
    const kl = this.store.keylog;
    let ms = kl.masterSecret(cr);
    if (!ms) {
      let pms = kl.premasterSecret(cr);
      if (!pms && (this.kx === 'RSA' || this.kx === 'RSA_PSK')) {
        const epms = this.version <= SSL3 ? b : b.subarray(2);
        pms = kl.premasterForEncryptedPremaster(epms);
        if (!pms && this.store.rsaKeys.length) pms = this.rsaPremaster(epms);
      }
      if (pms) {
        this.premaster = pms;
        ms = this.ems
          ? extendedMasterSecret(this.crypto, this.version, suite, pms, handshakeHash(this.crypto, this.version, suite, this.transcript.slice(0, n)))
          : masterSecret(this.crypto, this.version, suite, pms, cr, this.serverRandom);
      }
    }
    if (!ms) {
      this.lateCke = { body: b.slice(), n };
      if (!this.reason) {
        if (this.kx !== 'RSA' && this.kx !== 'RSA_PSK' && this.store.rsaKeys.length && !kl.hasClientRandom(cr)) {
          this.reason = { code: 'dhe_with_rsa_key', text: `${suite.name} uses (EC)DHE key exchange: an RSA private key cannot decrypt it (need a key log line for client random ${toHex(cr)})` };
        } else {
          this.reason = { code: 'no_key', text: `no key for client random ${toHex(cr)}` };
        }
      }
      if (this.sid.length && this.reason) this.store.undecryptable.set(`id:${toHex(this.sid)}`, this.reason.text);
      return false;
    }
    this.reason = undefined;
    this.master = ms;
    this.lateCke = undefined;
    if (this.sid.length) this.store.sessions.set(toHex(this.sid), ms);
    this.setup12();
    return true;
  }

  private rsaPremaster(epms: Uint8Array): Uint8Array | undefined {
    const keys = this.store.rsaKeys;
    const matching = this.serverModulus ? keys.filter((k) => rsaKeyMatchesModulus(k.key, this.serverModulus!)) : keys;
    if (matching.length === 0) {
      this.reason = { code: 'rsa_key_mismatch', text: `the RSA private key${keys.length > 1 ? 's do' : ' does'} not match the server certificate (${keys.map((k) => k.source).join(', ')})` };
      return undefined;
    }
    let detail = '';
    for (const k of matching) {
      const r = this.crypto.rsaDecryptPkcs1(k.key, epms);
      if (r.ok && r.premaster.length === 48) return r.premaster;
      if (!r.ok) detail = r.detail;
    }
    this.reason = { code: 'rsa_key_mismatch', text: `the RSA private key does not decrypt the premaster secret (${detail || 'bad length'})` };
    return undefined;
  }

  private newSessionTicket12(b: Uint8Array): void {
    if (b.length < 6) return;
    const tl = (b[4]! << 8) | b[5]!;
    if (tl === 0 || 6 + tl > b.length) return;
    const t = toHex(b.subarray(6, 6 + tl));
    if (this.master) this.store.tickets.set(t, this.master);
    else if (this.reason) this.store.undecryptable.set(`ticket:${t}`, this.reason.text);
  }

  private setup12(): void {
    const s = this.suite!;
    if (s.cipher.kind === 'unsupported') {
      this.reason = { code: 'unsupported_cipher', text: `unsupported cipher ${s.name}` };
      return;
    }
    try {
      const kb = deriveKeyBlock(this.crypto, this.version, s, this.master!, this.clientRandom!, this.serverRandom!);
      this.keyBlock = kb;
      this.d[0].next = RecordDecoder.fromKeyBlock(this.crypto, this.version, s, kb, 'client', this.etm);
      this.d[1].next = RecordDecoder.fromKeyBlock(this.crypto, this.version, s, kb, 'server', this.etm);
      if (!this.d[0].next.supported) this.reason = { code: 'unsupported_cipher', text: `unsupported cipher ${s.name}` };
    } catch (e) {
      this.reason = { code: 'unsupported_cipher', text: `unsupported cipher ${s.name}: ${(e as Error).message}` };
    }
  }

  /** A TLS 1.3 decoder from a traffic secret (drafts: older label prefix and no header AAD). */
  private trafficDecoder(suite: SuiteParams, secret: Uint8Array): RecordDecoder {
    if (this.draft === 0 || this.draft >= 25) return RecordDecoder.fromTrafficSecret(this.crypto, suite, secret);
    const prefix = this.draft < 20 ? 'TLS 1.3, ' : 'tls13 ';
    const label = (l: string, n: number) => {
      const b = utf8(prefix + l);
      return hkdfExpand(this.crypto, suite.prfHash, secret, concatBytes(Uint8Array.of(n >> 8, n & 0xff, b.length), b, Uint8Array.of(0)), n);
    };
    const keys = { key: label('key', suite.keyLen), iv: label('iv', 12) };
    return new RecordDecoder({ crypto: this.crypto, version: TLS13, suite, keys, trafficSecret: secret, emptyAad: true });
  }

  /** TLS ≤ 1.2 ChangeCipherSpec from one side: its later records use the new keys. */
  ccs(fromClient: boolean): void {
    const dir = this.d[fromClient ? 0 : 1];
    if (this.version >= TLS13) return;
    // the key may have been logged since the ClientKeyExchange (a later pcapng DSB, a growing key log)
    const late = this.lateCke;
    if (late && !this.master && this.reason?.code === 'no_key') {
      this.reason = undefined;
      this.clientKeyExchange(late.body, late.n);
    }
    if (!fromClient && this.resumed && !dir.next && this.master) this.setup12();
    dir.dec = dir.next;
    dir.next = undefined;
    dir.inflater = this.compression === 1 && dir.dec ? new RecordInflater() : undefined;
    if (!fromClient && !dir.dec && this.ticket && !this.master && !this.reason && this.clientRandom) {
      this.reason = { code: 'resumed_unknown_session', text: resumedText('session (ticket)', this.store.undecryptable.get(`ticket:${toHex(this.ticket)}`), this.clientRandom) };
    }
  }

  /**
   * A protected record of one direction. Returns undefined when this direction has no keys
   * (nothing to try), else the decryption result.
   */
  decrypt(fromClient: boolean, type: number, ver: number, frag: Uint8Array, frame: number): RecordResult | undefined {
    const i = fromClient ? 0 : 1;
    const dir = this.d[i];
    let r: RecordResult | undefined;
    if (this.version === 0 && fromClient && this.earlyOffered && type === 23) {
      r = this.earlyBeforeServerHello(frag, ver);
      if (!r) return undefined;
    } else if (!dir.dec) {
      const late = this.lateKeys(fromClient, type, ver, frag);
      if (!late) {
        if (this.store.lateKeys) dir.skipped = (dir.skipped ?? 0) + 1;
        return undefined;
      }
      dir.dec = late;
      r = dir.dec.decrypt(type, ver, frag);
    } else if (fromClient && this.version >= TLS13 && this.earlyOffered && !this.clientHsDone) {
      // 0-RTT offered: early data and EndOfEarlyData use the early keys (maybe not logged); a record
      // opening with the handshake keys advances them
      r = dir.dec.tryDecrypt(type, ver, frag);
      if (!r.ok && dir.next) {
        const e = dir.next.tryDecrypt(type, ver, frag);
        if (e.ok) r = e;
      }
      if (!r.ok) {
        dir.records++;
        return r; // undecryptable early data is not a connection failure
      }
    } else {
      r = dir.dec.decrypt(type, ver, frag);
      if (!r.ok && dir.decrypted === 0 && this.store.lateKeys) r = this.lateAppRecord(fromClient, type, ver, frag) ?? r;
    }
    dir.records++;
    if (r.ok && dir.inflater && r.plaintext.length > 0) {
      const pt = dir.inflater.inflate(r.plaintext);
      r = pt ? { ...r, plaintext: pt } : { ok: false, reason: 'bad_length', detail: 'DEFLATE decompression failed', seq: r.seq };
    }
    if (r.ok) dir.decrypted++;
    else this.failure ??= { record: dir.records, frame, fromClient, reason: r.reason, detail: r.detail };
    return r;
  }

  /** After a whole protected record was handled: TLS 1.3 key changes that take effect at record boundaries. */
  endRecord(fromClient: boolean): void {
    const i = fromClient ? 0 : 1;
    const dir = this.d[i];
    const sw = this.pendingSwitch[i];
    if (sw !== undefined) {
      dir.dec = sw ?? undefined;
      if (fromClient) dir.next = undefined;
      this.pendingSwitch[i] = undefined;
    }
    if (this.keyUpdatePending[i]) {
      this.keyUpdatePending[i] = false;
      if (dir.dec) {
        dir.dec.keyUpdate();
        dir.appN++;
        const logged = this.clientRandom && this.store.keylog.tls13(this.clientRandom)?.[fromClient ? 'clientTraffic' : 'serverTraffic'].get(dir.appN);
        if (logged && this.suite && !equalBytes(logged, dir.dec.currentTrafficSecret!)) {
          dir.dec = this.trafficDecoder(this.suite, logged);
        }
      }
    }
  }

  /**
   * TLS 1.3 keys logged after they were needed: application secrets missing at a side's Finished
   * (always retried) and, when the store allows late keys (live capture), handshake secrets missing
   * at the ServerHello. tshark looks keys up only when needed; file reading keeps that rule.
   */
  private lateKeys(fromClient: boolean, type: number, ver: number, frag: Uint8Array): RecordDecoder | undefined {
    const i = fromClient ? 0 : 1;
    const suite = this.suite;
    const cr = this.clientRandom;
    const skip = (d: RecordDecoder): RecordDecoder => {
      d.seq += BigInt(this.d[i].skipped ?? 0);
      this.d[i].skipped = 0;
      return d;
    };
    if (this.version < TLS13 && this.store.lateKeys && this.lateCke && !this.master && this.reason?.code === 'no_key') {
      // TLS ≤ 1.2 whose key was logged after this side's ChangeCipherSpec (live capture)
      const late = this.lateCke;
      this.reason = undefined;
      this.clientKeyExchange(late.body, late.n);
    }
    if (this.version < TLS13 && this.store.lateKeys && this.master) {
      const next = this.d[i].next;
      if (!next) return undefined;
      this.d[i].next = undefined;
      return skip(next);
    }
    if (this.version < TLS13 || !suite || !cr || suite.cipher.kind === 'unsupported') return undefined;
    const s = this.store.keylog.tls13(cr);
    const app = fromClient ? s?.clientTraffic.get(0) : s?.serverTraffic.get(0);
    if (this.lateApp[i]) {
      if (!app || app.length !== HASH_LEN[suite.prfHash]) return undefined;
      this.lateApp[i] = false;
      if (fromClient) this.tls13.clientTraffic = app;
      else this.tls13.serverTraffic = app;
      return skip(this.trafficDecoder(suite, app));
    }
    if (!this.store.lateKeys || this.reason?.code !== 'no_key' || this.tls13.serverHandshakeTraffic) return undefined;
    this.tls13Handshake();
    const hs = this.d[i].dec;
    const hsSecret = fromClient ? this.tls13.clientHandshakeTraffic : this.tls13.serverHandshakeTraffic;
    if (!hs || !hsSecret) return undefined;
    // probe with a copy: the decoder returned must not move yet
    const probe = this.trafficDecoder(suite, hsSecret);
    probe.seq = BigInt(this.d[i].skipped ?? 0);
    if (!app || app.length !== HASH_LEN[suite.prfHash] || probe.tryDecrypt(type, ver, frag).ok) return skip(hs);
    // the handshake went by while the key was missing: this side is already on its application keys
    this.d[i].skipped = 0;
    if (fromClient) this.tls13.clientTraffic = app;
    else this.tls13.serverTraffic = app;
    if (fromClient) this.clientHsDone = true;
    return this.trafficDecoder(suite, app);
  }

  /**
   * Late keys (live capture), TLS 1.3: the session was set up from a key logged after this side's
   * handshake flight went by undecrypted, so its next records already use the application keys.
   */
  private lateAppRecord(fromClient: boolean, type: number, ver: number, frag: Uint8Array): RecordResult | undefined {
    const suite = this.suite;
    if (this.version < TLS13 || !suite || !this.clientRandom) return undefined;
    const s = this.store.keylog.tls13(this.clientRandom);
    const app = fromClient ? s?.clientTraffic.get(0) : s?.serverTraffic.get(0);
    if (!app || app.length !== HASH_LEN[suite.prfHash]) return undefined;
    const dec = this.trafficDecoder(suite, app);
    const r = dec.tryDecrypt(type, ver, frag);
    if (!r.ok) return undefined;
    this.d[fromClient ? 0 : 1].dec = dec;
    if (fromClient) {
      this.tls13.clientTraffic = app;
      this.clientHsDone = true;
    } else this.tls13.serverTraffic = app;
    return r;
  }

  /** 0-RTT data before the ServerHello: the suite is not known yet, try the offered TLS 1.3 suites. */
  private earlyBeforeServerHello(frag: Uint8Array, ver: number): RecordResult | undefined {
    const dir = this.d[0];
    if (dir.dec) return dir.dec.decrypt(23, ver, frag);
    const s = this.clientRandom && this.store.keylog.tls13(this.clientRandom);
    const secret = s?.clientEarlyTraffic;
    if (!secret) return undefined;
    for (const code of this.offered) {
      if ((code & 0xff00) !== 0x1300) continue;
      const cs = cipherSuite(code);
      if (!cs) continue;
      const sp = suiteParamsFromRegistry(cs);
      if (sp.cipher.kind === 'unsupported' || HASH_LEN[sp.prfHash] !== secret.length) continue;
      const dec = this.trafficDecoder(sp, secret);
      const r = dec.tryDecrypt(23, ver, frag);
      if (r.ok) {
        dir.dec = dec;
        this.tls13.clientEarlyTraffic = secret;
        return r;
      }
    }
    return undefined;
  }
}

function parseExts(b: Uint8Array, o: number): Map<number, Uint8Array> {
  const m = new Map<number, Uint8Array>();
  if (o + 2 > b.length) return m;
  const end = Math.min(b.length, o + 2 + ((b[o]! << 8) | b[o + 1]!));
  o += 2;
  while (o + 4 <= end) {
    const t = (b[o]! << 8) | b[o + 1]!;
    const l = (b[o + 2]! << 8) | b[o + 3]!;
    m.set(t, b.subarray(o + 4, Math.min(end, o + 4 + l)));
    o += 4 + l;
  }
  return m;
}

/** The RSA modulus of the first certificate of a Certificate message body. */
function firstCertModulus(b: Uint8Array, tls13: boolean): Uint8Array | undefined {
  let o = 0;
  if (tls13) o += 1 + (b[0] ?? 0);
  if (o + 6 > b.length) return undefined;
  const n = (b[o + 3]! << 16) | (b[o + 4]! << 8) | b[o + 5]!;
  const der = b.subarray(o + 6, o + 6 + n);
  const cert = tryParseCertificate(der);
  if (!cert || (cert.publicKey.algorithm !== 'RSA')) return undefined;
  try {
    const key = cert.publicKey.key;
    const seq = expect(key, 0, key.length, TAG.SEQUENCE, 'RSAPublicKey');
    const [nT] = children(key, seq, 2);
    return nT ? key.slice(nT.vstart, nT.end) : undefined;
  } catch {
    return undefined;
  }
}
