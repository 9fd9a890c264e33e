import type { KeyExchange } from './registry/index.ts';

/** Pending bytes of a record or handshake message that spans segments/records. */
export class Pending {
  buf: Uint8Array;
  len = 0;
  /** Total length needed (0 = not known yet: the header is incomplete). */
  need = 0;
  /** Frames the bytes came from (for tree/reassembly fields). */
  readonly frames: number[] = [];
  constructor(cap: number) {
    this.buf = new Uint8Array(cap);
  }
  append(src: Uint8Array, from: number, to: number, frame: number): void {
    const n = to - from;
    if (this.len + n > this.buf.length) {
      const nb = new Uint8Array(Math.max(this.len + n, this.buf.length * 2));
      nb.set(this.buf.subarray(0, this.len));
      this.buf = nb;
    }
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
  get tls13(): boolean {
    return this.version === 0x0304 || (this.version & 0xff00) === 0x7f00 || (this.version & 0xff00) === 0xfb00;
  }
}
