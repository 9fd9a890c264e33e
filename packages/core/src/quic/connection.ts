/** Per-connection QUIC state: endpoints, connection IDs, keys, packet numbers, CRYPTO streams. */
import { toHex } from '../crypto/bytes.ts';
import { TlsConn } from '../tls/state.ts';
import { CryptoStream } from './crypto-stream.ts';
import type { PacketKeys } from './keys.ts';
import type { VersionInfo } from './versions.ts';

/** Encryption levels (and CRYPTO streams): Initial, 0-RTT, Handshake, 1-RTT. */
export const enum Level {
  Initial = 0,
  ZeroRtt = 1,
  Handshake = 2,
  OneRtt = 3,
}

/** Packet number spaces: Initial, Handshake, application data (0-RTT and 1-RTT). */
export function pnSpace(level: Level): 0 | 1 | 2 {
  return level === Level.Initial ? 0 : level === Level.Handshake ? 1 : 2;
}

/** 1-RTT keys of one direction across key updates. */
export interface PhaseKeys {
  /** Key phase bit of `cur`. */
  phase: number;
  cur: PacketKeys;
  next?: PacketKeys;
}

export class QuicConn {
  /** Connection IDs chosen by each side: [client's, server's] (hex). */
  readonly cids: [Set<string>, Set<string>] = [new Set(), new Set()];
  /** Connection-ID lengths in use per side. */
  readonly cidLens: [Set<number>, Set<number>] = [new Set(), new Set()];
  /** The DCID the Initial keys derive from (the client's first, or the one after a Retry). */
  initialDcid: Uint8Array;
  initial?: { client: PacketKeys; server: PacketKeys };
  /** Retry SCIDs offered by the server: the client's next Initial may use one. */
  readonly retryCids = new Set<string>();
  /** Largest packet number per direction (0 client, 1 server) and space. */
  readonly largestPn: [number[], number[]] = [[-1, -1, -1], [-1, -1, -1]];
  /** CRYPTO streams per direction and level. */
  readonly crypto: [CryptoStream[], CryptoStream[]] = [
    [new CryptoStream(), new CryptoStream(), new CryptoStream(), new CryptoStream()],
    [new CryptoStream(), new CryptoStream(), new CryptoStream(), new CryptoStream()],
  ];
  /** The TLS state the handshake messages update (version, suite, ALPN). */
  readonly tls = new TlsConn();
  clientRandom: Uint8Array | undefined;
  /** TLS cipher suite chosen in the ServerHello. */
  suite = -1;
  /** The first cipher suite the client offered (used for 0-RTT keys). */
  clientSuite = -1;
  handshake: [PacketKeys | undefined, PacketKeys | undefined] = [undefined, undefined];
  oneRtt: [PhaseKeys | undefined, PhaseKeys | undefined] = [undefined, undefined];
  zeroRtt: PacketKeys | undefined;
  /** Secrets looked up in the key log already (a miss is not retried for every packet). */
  looked = false;

  constructor(
    readonly number: number,
    public version: number,
    public vinfo: VersionInfo | undefined,
    /** The client's address and port ("addr/port"). */
    readonly client: string,
    readonly server: string,
    dcid: Uint8Array,
  ) {
    this.initialDcid = dcid.slice();
  }

  addCid(side: 0 | 1, cid: Uint8Array): string {
    const h = toHex(cid);
    this.cids[side].add(h);
    this.cidLens[side].add(cid.length);
    return h;
  }
}
