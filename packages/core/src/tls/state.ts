import type { KeyExchange } from './registry/index.ts';
import type { DecryptionStatus, TlsDecryptSession } from '../decrypt/session.ts';
import { toHex } from '../crypto/bytes.ts';
import { withRoom } from '../bytes/grow.ts';

/** What decryption achieved on a connection (present only when key material was loaded). */
export interface TlsDecryptionInfo {
  /** "decrypted", "no_key", "rsa_key_mismatch", "dhe_with_rsa_key", "resumed_unknown_session", "handshake_not_captured", "record_failure", "unsupported_cipher", "pending". */
  readonly status: DecryptionStatus;
  /** Client random used for key log lookups (hex). */
  readonly clientRandom?: string;
  /** Master secret (TLS ≤ 1.2, hex). */
  readonly masterSecret?: string;
  readonly resumed: boolean;
  /** Finished verify_data recomputed and compared: true/false, undefined when it could not be checked. */
  readonly finished: { readonly client?: boolean; readonly server?: boolean };
  /** Protected records seen / decrypted (both directions). */
  readonly records: number;
  readonly decrypted: number;
  /** The first record that failed (MAC/tag/padding), if any. */
  readonly failure?: { readonly record: number; readonly frame: number; readonly fromClient: boolean; readonly reason: string; readonly detail: string };
}

/** Pending bytes of a record or handshake message that spans segments/records. */
export class Pending {
  buf: Uint8Array;
  len = 0;
  /** Total length needed (0 = not known yet: the header is incomplete). */
  need = 0;
  /** Stream offset of the first byte (records only). */
  start = -1;
  /** An SSLv2 record (2- or 3-byte header) rather than an SSL 3.0/TLS one. */
  v2 = false;
  /** Filled byte ranges [from, to) once bytes arrive out of order (records only). */
  ranges: Array<[number, number]> | undefined;
  /** Places bytes at `at` (relative); returns true when [0, need) is complete. */
  place(src: Uint8Array, from: number, to: number, at: number, frame: number): boolean {
    if (!this.ranges) this.ranges = this.len > 0 ? [[0, this.len]] : [];
    if (this.buf.length < this.need) {
      const nb = new Uint8Array(this.need);
      nb.set(this.buf.subarray(0, this.len));
      this.buf = nb;
    }
    this.buf.set(src.subarray(from, to), at);
    const r = this.ranges;
    r.push([at, at + to - from]);
    r.sort((x, y) => x[0] - y[0]);
    const merged: Array<[number, number]> = [];
    for (const x of r) {
      const last = merged[merged.length - 1];
      if (last && x[0] <= last[1]) last[1] = Math.max(last[1], x[1]);
      else merged.push([x[0], x[1]]);
    }
    this.ranges = merged;
    this.len = merged[0] && merged[0][0] === 0 ? merged[0][1] : 0;
    if (this.frames[this.frames.length - 1] !== frame) this.frames.push(frame);
    return this.len >= this.need;
  }
  /** Frames the bytes came from (for tree/reassembly fields). */
  readonly frames: number[] = [];
  constructor(cap: number) {
    this.buf = new Uint8Array(cap);
  }
  append(src: Uint8Array, from: number, to: number, frame: number): void {
    const n = to - from;
    this.buf = withRoom(this.buf, this.len, n);
    this.buf.set(src.subarray(from, to), this.len);
    this.len += n;
    if (this.frames[this.frames.length - 1] !== frame) this.frames.push(frame);
  }
}

/** Per-direction TLS state. */
export class TlsDir {
  /** Stream offset of the next new byte (-1 before the first segment). */
  next = -1;
  /** A record waiting for more segments. */
  rec: Pending | undefined;
  /** A handshake message waiting for more records. */
  hs: Pending | undefined;
  /** ChangeCipherSpec seen: later records of this direction are encrypted (TLS ≤ 1.2). */
  ccs = false;
  /** The records of this direction were seen to be TLS (a valid record was parsed). */
  seen = false;
}

/** Per-connection (TCP stream) TLS state. */
export class TlsConn {
  /** Negotiated version (from ServerHello / supported_versions), -1 while unknown. */
  version = -1;
  /** Chosen cipher suite, -1 while unknown. */
  cipher = -1;
  kx: KeyExchange | undefined;
  /** Direction of the server (the peer that sent ServerHello, or the TLS port), -1 unknown. */
  serverDir: -1 | 0 | 1 = -1;
  readonly dirs: [TlsDir, TlsDir] = [new TlsDir(), new TlsDir()];
  /** TLS 1.3 assumed from a Client Hello offering early data (applies after that record). */
  earlyVersion = -1;
  /** The chosen suite encrypts nothing (NULL cipher): records stay readable after CCS. */
  nullCipher = false;
  /** SNI of the last Client Hello (for summaries). */
  sni: string | undefined;
  /** Protocol negotiated by ALPN in the ServerHello/EncryptedExtensions. */
  alpn: string | undefined;
  /** Decryption state (created when key material is loaded). */
  dec: TlsDecryptSession | undefined;
  /** Decryption status and derived values; undefined when no key material was given. */
  get decryption(): TlsDecryptionInfo | undefined {
    const d = this.dec;
    if (!d) return undefined;
    const c = d.counts;
    return {
      status: d.status,
      ...(d.clientRandom ? { clientRandom: toHex(d.clientRandom) } : {}),
      ...(d.master ? { masterSecret: toHex(d.master) } : {}),
      resumed: d.resumed,
      finished: { ...d.finished },
      records: c.records,
      decrypted: c.decrypted,
      ...(d.failure ? { failure: d.failure } : {}),
    };
  }
  get tls13(): boolean {
    return this.version === 0x0304 || (this.version & 0xff00) === 0x7f00 || (this.version & 0xff00) === 0xfb00;
  }
}
