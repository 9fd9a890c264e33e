/**
 * NSS key log files (SSLKEYLOGFILE) and their pcapng Decryption Secrets Block form.
 *
 * Lines: `CLIENT_RANDOM <client_random> <master_secret>`, `RSA <first 8 bytes of the encrypted
 * premaster> <premaster>`, `PMS_CLIENT_RANDOM <client_random> <premaster>`, the TLS 1.3
 * `CLIENT_EARLY_TRAFFIC_SECRET`, `CLIENT_HANDSHAKE_TRAFFIC_SECRET`,
 * `SERVER_HANDSHAKE_TRAFFIC_SECRET`, `CLIENT_TRAFFIC_SECRET_<N>`, `SERVER_TRAFFIC_SECRET_<N>`
 * (OpenSSL 3 logs each KeyUpdate with a literal `_N`: the next generation of that client
 * random and side), `EXPORTER_SECRET`, `EARLY_EXPORTER_SECRET` (each `<client_random> <secret>`), and the legacy
 * `RSA Session-ID:<hex> Master-Key:<hex>`. `#` comments and blank lines are skipped; a bad
 * line becomes a warning with its line number and the rest of the file still loads. Several
 * sources merge into one store; for a conflicting duplicate the first value wins (warned).
 */
import { toHex } from '../../crypto/bytes.ts';

export type KeyLogLabel =
  | 'CLIENT_RANDOM' | 'RSA' | 'PMS_CLIENT_RANDOM' | 'RSA_SESSION_ID'
  | 'CLIENT_EARLY_TRAFFIC_SECRET' | 'CLIENT_HANDSHAKE_TRAFFIC_SECRET' | 'SERVER_HANDSHAKE_TRAFFIC_SECRET'
  | 'CLIENT_TRAFFIC_SECRET' | 'SERVER_TRAFFIC_SECRET' | 'EXPORTER_SECRET' | 'EARLY_EXPORTER_SECRET';

export interface KeyLogEntry {
  readonly label: KeyLogLabel;
  /** Lookup key: client random (32 bytes), encrypted-premaster prefix (8 bytes) or session ID. */
  readonly id: Uint8Array;
  readonly secret: Uint8Array;
  /** N of CLIENT/SERVER_TRAFFIC_SECRET_N. */
  readonly n?: number;
  readonly source: string;
  readonly line: number;
}

export interface KeyLogWarning {
  readonly source: string;
  /** 1-based line number (0 for whole-source problems). */
  readonly line: number;
  readonly message: string;
}

export interface Tls13Secrets {
  clientEarlyTraffic?: Uint8Array;
  clientHandshakeTraffic?: Uint8Array;
  serverHandshakeTraffic?: Uint8Array;
  /** application traffic secrets by N (0 = after the handshake; more after KeyUpdates). */
  clientTraffic: Map<number, Uint8Array>;
  serverTraffic: Map<number, Uint8Array>;
  exporter?: Uint8Array;
  earlyExporter?: Uint8Array;
}

/** pcapng DSB secrets type for TLS key logs ("TLSK"). */
export const DSB_TLS_KEY_LOG = 0x544c534b;

const TLS13_LABELS: Record<string, KeyLogLabel> = {
  CLIENT_EARLY_TRAFFIC_SECRET: 'CLIENT_EARLY_TRAFFIC_SECRET',
  CLIENT_HANDSHAKE_TRAFFIC_SECRET: 'CLIENT_HANDSHAKE_TRAFFIC_SECRET',
  SERVER_HANDSHAKE_TRAFFIC_SECRET: 'SERVER_HANDSHAKE_TRAFFIC_SECRET',
  EXPORTER_SECRET: 'EXPORTER_SECRET',
  EARLY_EXPORTER_SECRET: 'EARLY_EXPORTER_SECRET',
};

/** Hex digit values by char code (-1 = not hex). */
const HEXVAL = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEXVAL[48 + i] = i;
for (let i = 0; i < 6; i++) HEXVAL[65 + i] = HEXVAL[97 + i] = 10 + i;

/**
 * Key bytes are views into shared slabs: a key log of thousands of lines would otherwise cost an
 * ArrayBuffer (and its backing store) per id and per secret.
 */
const SLAB = 16384;
let slab = new Uint8Array(SLAB);
let slabPos = 0;
function slabBytes(n: number): Uint8Array {
  if (n > SLAB / 4) return new Uint8Array(n);
  if (slabPos + n > slab.length) {
    slab = new Uint8Array(SLAB);
    slabPos = 0;
  }
  const out = slab.subarray(slabPos, slabPos + n);
  slabPos += n;
  return out;
}

function hexBytes(s: string): Uint8Array | undefined {
  if (s.length % 2 !== 0) return undefined;
  for (let j = 0; j < s.length; j++) {
    const a = s.charCodeAt(j);
    if (a >= 128 || HEXVAL[a]! < 0) return undefined;
  }
  const out = slabBytes(s.length / 2);
  for (let i = 0, j = 0; i < out.length; i++, j += 2) {
    const a = s.charCodeAt(j);
    const b = s.charCodeAt(j + 1);
    const hi = a < 128 ? HEXVAL[a]! : -1;
    const lo = b < 128 ? HEXVAL[b]! : -1;
    if (hi < 0 || lo < 0) return undefined;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

const SECRET_LENS = new Set([32, 48, 64]);
/** Labels without a generation number. */
const PLAIN_LABELS = new Map<string, KeyLogLabel>([
  ['CLIENT_RANDOM', 'CLIENT_RANDOM'], ['RSA', 'RSA'], ['PMS_CLIENT_RANDOM', 'PMS_CLIENT_RANDOM'],
  ...Object.entries(TLS13_LABELS),
]);

/**
 * An entry read from a key log line: its hex is decoded on first use (a browser's key log has
 * tens of thousands of lines, most of them never looked up by a given capture).
 */
class LineEntry implements KeyLogEntry {
  private idBytes: Uint8Array | undefined;
  private secretBytes: Uint8Array | undefined;
  constructor(
    readonly label: KeyLogLabel,
    /** Lower-case hex of the id. */
    readonly idHex: string,
    readonly secretHex: string,
    readonly n: number | undefined,
    readonly source: string,
    readonly line: number,
  ) {}
  get id(): Uint8Array {
    return (this.idBytes ??= hexBytes(this.idHex)!);
  }
  get secret(): Uint8Array {
    return (this.secretBytes ??= hexBytes(this.secretHex)!);
  }
}

/** The TLS 1.3 secrets of one client random: entries kept as logged, decoded when first asked for. */
interface Random13 {
  readonly idHex: string;
  /** Entries not yet copied into `secrets`. */
  pending: KeyLogEntry[];
  secrets: Tls13Secrets | undefined;
  /** The next generation of CLIENT/SERVER_TRAFFIC_SECRET (for OpenSSL's literal "_N" lines). */
  nextClient: number;
  nextServer: number;
}

const HEX_RE = /^[0-9a-fA-F]*$/;

export class KeyLog {
  readonly warnings: KeyLogWarning[] = [];
  /** Entries by "label:n" then by id (lower-case hex, the same string objects as byRandom13's keys). */
  private readonly map = new Map<string, Map<string, KeyLogEntry>>();
  private count = 0;
  private readonly byRandom13 = new Map<string, Random13>();
  private readonly sourceNames: string[] = [];

  /** Number of distinct secrets held. */
  get size(): number {
    return this.count;
  }

  get sources(): readonly string[] {
    return this.sourceNames;
  }

  *entries(): IterableIterator<KeyLogEntry> {
    for (const m of this.map.values()) yield* m.values();
  }

  /** Parse key log text; returns how many new entries were added. */
  addText(text: string, source = 'key log'): number {
    this.sourceNames.push(source);
    let added = 0;
    for (let at = 0, i = 0; at < text.length; i++) {
      let nl = text.indexOf('\n', at);
      if (nl < 0) nl = text.length;
      let line = text.slice(at, nl);
      at = nl + 1;
      const c0 = line.charCodeAt(0);
      // trim() only when needed (it also drops a CR)
      if (c0 <= 32 || line.charCodeAt(line.length - 1) <= 32) line = line.trim();
      if (line === '' || line.charCodeAt(0) === 35 /* # */) continue;
      const r = this.parseLine(line, source, i + 1);
      if (typeof r === 'string') this.warn(source, i + 1, r);
      else if (this.add(r)) added++;
    }
    return added;
  }

  /** Key log bytes (UTF-8/ASCII). */
  addBytes(data: Uint8Array, source = 'key log'): number {
    return this.addText(new TextDecoder().decode(data), source);
  }

  /**
   * A pcapng Decryption Secrets Block payload. Returns false (and warns) for secrets types
   * other than TLS key logs.
   */
  addDsb(secretsType: number, data: Uint8Array, source = 'pcapng DSB'): boolean {
    if (secretsType !== DSB_TLS_KEY_LOG) {
      this.warn(source, 0, `secrets type 0x${secretsType.toString(16).padStart(8, '0')} is not a TLS key log; ignored`);
      return false;
    }
    this.addBytes(data, source);
    return true;
  }

  /** Merge another store into this one (its warnings too). */
  merge(other: KeyLog): void {
    for (const e of other.entries()) this.add(e);
    this.warnings.push(...other.warnings);
    this.sourceNames.push(...other.sourceNames);
  }

  /** Add one entry; false when already present (a conflicting value is warned and dropped). */
  add(e: KeyLogEntry): boolean {
    let idHex = e instanceof LineEntry ? e.idHex : toHex(e.id);
    const r13 = this.byRandom13.get(idHex);
    if (r13) idHex = r13.idHex; // one string per client random
    if (e.n === undefined && (e.label === 'CLIENT_TRAFFIC_SECRET' || e.label === 'SERVER_TRAFFIC_SECRET')) {
      // a literal "_N" line: the generation after the last one logged for this side
      const n = r13 ? (e.label === 'CLIENT_TRAFFIC_SECRET' ? r13.nextClient : r13.nextServer) : 0;
      e = e instanceof LineEntry ? new LineEntry(e.label, e.idHex, e.secretHex, n, e.source, e.line) : { ...e, n };
    }
    const k = e.n === undefined ? e.label : `${e.label}:${e.n}`;
    let byId = this.map.get(k);
    if (!byId) {
      byId = new Map();
      this.map.set(k, byId);
    }
    const old = byId.get(idHex);
    if (old) {
      if (secretHexOf(old) !== secretHexOf(e)) {
        this.warn(e.source, e.line, `${e.label}${e.n !== undefined ? '_' + e.n : ''} for ${idHex} conflicts with ${old.source} line ${old.line}; keeping the first`);
      }
      return false;
    }
    byId.set(idHex, e);
    this.count++;
    if (this.tls13Slot(e)) {
      let s = r13;
      if (!s) {
        s = { idHex, pending: [], secrets: undefined, nextClient: 0, nextServer: 0 };
        this.byRandom13.set(idHex, s);
      }
      s.pending.push(e);
      if (e.label === 'CLIENT_TRAFFIC_SECRET') s.nextClient = Math.max(s.nextClient, e.n! + 1);
      else if (e.label === 'SERVER_TRAFFIC_SECRET') s.nextServer = Math.max(s.nextServer, e.n! + 1);
    }
    return true;
  }

  private tls13Slot(e: KeyLogEntry): boolean {
    return e.label !== 'CLIENT_RANDOM' && e.label !== 'RSA' && e.label !== 'PMS_CLIENT_RANDOM' && e.label !== 'RSA_SESSION_ID';
  }

  private get(label: KeyLogLabel, id: Uint8Array): Uint8Array | undefined {
    return this.map.get(label)?.get(toHex(id))?.secret;
  }

  /** TLS ≤1.2 master secret by ClientHello.random (CLIENT_RANDOM). */
  masterSecret(clientRandom: Uint8Array): Uint8Array | undefined {
    return this.get('CLIENT_RANDOM', clientRandom);
  }

  /** Master secret by session ID (legacy `RSA Session-ID:… Master-Key:…`), for resumed sessions. */
  masterSecretForSessionId(sessionId: Uint8Array): Uint8Array | undefined {
    return sessionId.length ? this.get('RSA_SESSION_ID', sessionId) : undefined;
  }

  /** Premaster secret by ClientHello.random (PMS_CLIENT_RANDOM). */
  premasterSecret(clientRandom: Uint8Array): Uint8Array | undefined {
    return this.get('PMS_CLIENT_RANDOM', clientRandom);
  }

  /** Premaster by the encrypted premaster of an RSA ClientKeyExchange (`RSA` lines; first 8 bytes match). */
  premasterForEncryptedPremaster(encryptedPremaster: Uint8Array): Uint8Array | undefined {
    return encryptedPremaster.length >= 8 ? this.get('RSA', encryptedPremaster.subarray(0, 8)) : undefined;
  }

  /**
   * TLS 1.3 secrets logged for this ClientHello.random. The same object every time: secrets
   * logged later (a growing key log, a later DSB) appear in it at the next call.
   */
  tls13(clientRandom: Uint8Array): Tls13Secrets | undefined {
    const r = this.byRandom13.get(toHex(clientRandom));
    if (!r) return undefined;
    const s: Tls13Secrets = (r.secrets ??= { clientTraffic: new Map<number, Uint8Array>(), serverTraffic: new Map<number, Uint8Array>() });
    if (r.pending.length) {
      for (const e of r.pending) {
        switch (e.label) {
          case 'CLIENT_EARLY_TRAFFIC_SECRET': s.clientEarlyTraffic = e.secret; break;
          case 'CLIENT_HANDSHAKE_TRAFFIC_SECRET': s.clientHandshakeTraffic = e.secret; break;
          case 'SERVER_HANDSHAKE_TRAFFIC_SECRET': s.serverHandshakeTraffic = e.secret; break;
          case 'CLIENT_TRAFFIC_SECRET': s.clientTraffic.set(e.n!, e.secret); break;
          case 'SERVER_TRAFFIC_SECRET': s.serverTraffic.set(e.n!, e.secret); break;
          case 'EXPORTER_SECRET': s.exporter = e.secret; break;
          case 'EARLY_EXPORTER_SECRET': s.earlyExporter = e.secret; break;
          default: break;
        }
      }
      r.pending = [];
    }
    return s;
  }

  /** Whether any secret is logged for this client random. */
  hasClientRandom(clientRandom: Uint8Array): boolean {
    return this.masterSecret(clientRandom) !== undefined || this.premasterSecret(clientRandom) !== undefined || this.byRandom13.has(toHex(clientRandom));
  }

  private warn(source: string, line: number, message: string): void {
    this.warnings.push({ source, line, message });
  }

  /** One non-comment line → entry, or an error message. */
  private parseLine(line: string, source: string, lineNo: number): KeyLogEntry | string {
    const legacy = line.startsWith('RSA') && line.includes('Session-ID:') ? /^RSA\s+Session-ID:(\S*)\s+Master-Key:(\S*)\s*$/.exec(line) : null;
    if (legacy) {
      const id = hexBytes(legacy[1]!);
      const ms = hexBytes(legacy[2]!);
      if (!id || id.length === 0 || id.length > 32) return 'RSA Session-ID: session ID must be 1–32 bytes of hex';
      if (!ms || ms.length !== 48) return 'RSA Session-ID: Master-Key must be 48 bytes of hex';
      return { label: 'RSA_SESSION_ID', id, secret: ms, source, line: lineNo };
    }
    const f = line.includes('\t') || line.includes('  ') ? line.split(/\s+/) : line.split(' ');
    const label = f[0]!;
    // (a Map: a label such as "constructor" is just unknown)
    let kind: KeyLogLabel | undefined = PLAIN_LABELS.get(label);
    let n: number | undefined;
    const m = kind === undefined ? /^(CLIENT|SERVER)_TRAFFIC_SECRET_(\d+|N)$/.exec(label) : null;
    if (m) {
      kind = m[1] === 'CLIENT' ? 'CLIENT_TRAFFIC_SECRET' : 'SERVER_TRAFFIC_SECRET';
      n = m[2] === 'N' ? undefined : Number(m[2]);
    }
    if (!kind) return `unknown label "${label.slice(0, 40)}"`;
    if (f.length !== 3) return `${label}: expected 2 hex fields, found ${f.length - 1}`;
    // checked as text; the bytes are decoded when first used (LineEntry)
    const idHex = f[1]!;
    const secretHex = f[2]!;
    if (idHex.length % 2 !== 0 || secretHex.length % 2 !== 0 || !HEX_RE.test(idHex) || !HEX_RE.test(secretHex)) return `${label}: invalid hex`;
    const idLen = idHex.length / 2;
    const secretLen = secretHex.length / 2;
    if (kind === 'RSA') {
      if (idLen !== 8) return `RSA: the encrypted premaster prefix must be 8 bytes, not ${idLen}`;
      if (secretLen !== 48) return `RSA: the premaster secret must be 48 bytes, not ${secretLen}`;
    } else {
      if (idLen !== 32) return `${label}: the client random must be 32 bytes, not ${idLen}`;
      if (kind === 'CLIENT_RANDOM' && secretLen !== 48) return `CLIENT_RANDOM: the master secret must be 48 bytes, not ${secretLen}`;
      if (kind === 'PMS_CLIENT_RANDOM' && secretLen === 0) return 'PMS_CLIENT_RANDOM: empty premaster secret';
      if (kind !== 'CLIENT_RANDOM' && kind !== 'PMS_CLIENT_RANDOM' && !SECRET_LENS.has(secretLen)) {
        return `${label}: a TLS 1.3 secret must be 32, 48 or 64 bytes, not ${secretLen}`;
      }
    }
    return new LineEntry(kind, idHex.toLowerCase(), secretHex, n, source, lineNo);
  }
}

/** An entry's secret as lower-case hex (to compare duplicates). */
function secretHexOf(e: KeyLogEntry): string {
  return e instanceof LineEntry ? e.secretHex.toLowerCase() : toHex(e.secret);
}

/** Parse one or more key log texts into a merged store. */
export function parseKeyLog(text: string, source?: string): KeyLog {
  const k = new KeyLog();
  k.addText(text, source);
  return k;
}
