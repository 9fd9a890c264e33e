/** TLS 1.3 key schedule (RFC 8446 §7): HKDF, Derive-Secret, traffic keys, Finished, KeyUpdate, PSK binders. */
import { concatBytes, utf8 } from './bytes.ts';
import { HASH_LEN, type ByteInput, type TlsCrypto } from './types.ts';

export type Tls13Hash = 'sha256' | 'sha384';

export function hkdfExtract(c: TlsCrypto, hash: Tls13Hash, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return c.hmac(hash, salt.length ? salt : new Uint8Array(HASH_LEN[hash]), ikm);
}

export function hkdfExpand(c: TlsCrypto, hash: Tls13Hash, prk: Uint8Array, info: Uint8Array, len: number): Uint8Array {
  const out = new Uint8Array(len);
  // T(i) = HMAC(prk, T(i-1) ‖ info ‖ i), hashed from one buffer (one update per HMAC)
  const hl = HASH_LEN[hash];
  const msg = new Uint8Array(hl + info.length + 1);
  msg.set(info, hl);
  let first = true;
  for (let i = 1, o = 0; o < len; i++) {
    msg[msg.length - 1] = i;
    const t = c.hmac(hash, prk, first ? msg.subarray(hl) : msg);
    first = false;
    out.set(t.subarray(0, Math.min(t.length, len - o)), o);
    msg.set(t.subarray(0, hl), 0);
    o += t.length;
  }
  return out;
}

/** HkdfLabel bytes for an empty context, by length and label (key, iv, finished, traffic upd…). */
const emptyContextInfo = new Map<string, Uint8Array>();

/** HKDF-Expand-Label(secret, label, context, length) with the "tls13 " prefix. */
export function hkdfExpandLabel(c: TlsCrypto, hash: Tls13Hash, secret: Uint8Array, label: string, context: Uint8Array, len: number): Uint8Array {
  let info: Uint8Array | undefined;
  if (context.length === 0) {
    const k = `${len} ${label}`;
    info = emptyContextInfo.get(k);
    if (!info) {
      info = hkdfLabel(label, context, len);
      if (emptyContextInfo.size < 64) emptyContextInfo.set(k, info);
    }
  } else info = hkdfLabel(label, context, len);
  return hkdfExpand(c, hash, secret, info, len);
}

function hkdfLabel(label: string, context: Uint8Array, len: number): Uint8Array {
  const l = utf8('tls13 ' + label);
  return concatBytes(Uint8Array.of(len >> 8, len & 0xff, l.length), l, Uint8Array.of(context.length), context);
}

/** Derive-Secret(secret, label, messages) given the transcript hash of messages. */
export function deriveSecret(c: TlsCrypto, hash: Tls13Hash, secret: Uint8Array, label: string, transcriptHash: Uint8Array): Uint8Array {
  return hkdfExpandLabel(c, hash, secret, label, transcriptHash, HASH_LEN[hash]);
}

export function transcriptHash(c: TlsCrypto, hash: Tls13Hash, messages: ByteInput): Uint8Array {
  return c.hash(hash, messages);
}

/**
 * After a HelloRetryRequest the transcript starts with this synthetic message_hash message in
 * place of the first ClientHello (RFC 8446 §4.4.1).
 */
export function messageHashPrefix(c: TlsCrypto, hash: Tls13Hash, clientHello1: Uint8Array): Uint8Array {
  const h = c.hash(hash, clientHello1);
  return concatBytes(Uint8Array.of(254, 0, 0, h.length), h);
}

export interface TrafficKeys {
  readonly key: Uint8Array;
  readonly iv: Uint8Array;
}

/** [sender]_write_key / _iv from a traffic secret. */
export function trafficKeys(c: TlsCrypto, hash: Tls13Hash, secret: Uint8Array, keyLen: number, ivLen = 12): TrafficKeys {
  return {
    key: hkdfExpandLabel(c, hash, secret, 'key', new Uint8Array(0), keyLen),
    iv: hkdfExpandLabel(c, hash, secret, 'iv', new Uint8Array(0), ivLen),
  };
}

export function finishedKey(c: TlsCrypto, hash: Tls13Hash, baseKey: Uint8Array): Uint8Array {
  return hkdfExpandLabel(c, hash, baseKey, 'finished', new Uint8Array(0), HASH_LEN[hash]);
}

/** Finished.verify_data = HMAC(finished_key, Transcript-Hash(… up to but not including this Finished)). */
export function finishedVerifyData13(c: TlsCrypto, hash: Tls13Hash, baseKey: Uint8Array, transcriptHash: Uint8Array): Uint8Array {
  return c.hmac(hash, finishedKey(c, hash, baseKey), transcriptHash);
}

/** application_traffic_secret_N+1 (KeyUpdate). */
export function nextTrafficSecret(c: TlsCrypto, hash: Tls13Hash, secret: Uint8Array): Uint8Array {
  return hkdfExpandLabel(c, hash, secret, 'traffic upd', new Uint8Array(0), HASH_LEN[hash]);
}

/** The PSK for a ticket: HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length). */
export function resumptionPsk(c: TlsCrypto, hash: Tls13Hash, resumptionMasterSecret: Uint8Array, ticketNonce: Uint8Array): Uint8Array {
  return hkdfExpandLabel(c, hash, resumptionMasterSecret, 'resumption', ticketNonce, HASH_LEN[hash]);
}

/**
 * The whole RFC 8446 §7.1 schedule, step by step. Transcript hashes are passed in (the caller
 * hashes ClientHello…, with messageHashPrefix after an HRR).
 */
export class Tls13KeySchedule {
  readonly hashLen: number;
  readonly earlySecret: Uint8Array;
  handshakeSecret?: Uint8Array;
  masterSecret?: Uint8Array;

  constructor(readonly c: TlsCrypto, readonly hash: Tls13Hash, psk?: Uint8Array) {
    this.hashLen = HASH_LEN[hash];
    this.earlySecret = hkdfExtract(c, hash, new Uint8Array(0), psk ?? new Uint8Array(this.hashLen));
  }

  private emptyHash(): Uint8Array {
    return this.c.hash(this.hash, new Uint8Array(0));
  }

  /** binder_key: "ext binder" for external PSKs, "res binder" for resumption. */
  binderKey(external: boolean): Uint8Array {
    return deriveSecret(this.c, this.hash, this.earlySecret, external ? 'ext binder' : 'res binder', this.emptyHash());
  }

  /** PSK binder = HMAC(finished_key(binder_key), Transcript-Hash(truncated ClientHello)). */
  binder(external: boolean, truncatedHelloHash: Uint8Array): Uint8Array {
    return finishedVerifyData13(this.c, this.hash, this.binderKey(external), truncatedHelloHash);
  }

  clientEarlyTrafficSecret(helloHash: Uint8Array): Uint8Array {
    return deriveSecret(this.c, this.hash, this.earlySecret, 'c e traffic', helloHash);
  }

  earlyExporterMasterSecret(helloHash: Uint8Array): Uint8Array {
    return deriveSecret(this.c, this.hash, this.earlySecret, 'e exp master', helloHash);
  }

  /** Mix in the (EC)DHE shared secret (empty/absent for psk_ke). */
  deriveHandshakeSecret(sharedSecret?: Uint8Array): Uint8Array {
    const salt = deriveSecret(this.c, this.hash, this.earlySecret, 'derived', this.emptyHash());
    this.handshakeSecret = hkdfExtract(this.c, this.hash, salt, sharedSecret ?? new Uint8Array(this.hashLen));
    return this.handshakeSecret;
  }

  clientHandshakeTrafficSecret(helloHash: Uint8Array): Uint8Array {
    return deriveSecret(this.c, this.hash, this.need(this.handshakeSecret), 'c hs traffic', helloHash);
  }

  serverHandshakeTrafficSecret(helloHash: Uint8Array): Uint8Array {
    return deriveSecret(this.c, this.hash, this.need(this.handshakeSecret), 's hs traffic', helloHash);
  }

  deriveMasterSecret(): Uint8Array {
    const salt = deriveSecret(this.c, this.hash, this.need(this.handshakeSecret), 'derived', this.emptyHash());
    this.masterSecret = hkdfExtract(this.c, this.hash, salt, new Uint8Array(this.hashLen));
    return this.masterSecret;
  }

  /** transcript: ClientHello…server Finished. */
  clientApplicationTrafficSecret(finishedHash: Uint8Array): Uint8Array {
    return deriveSecret(this.c, this.hash, this.need(this.masterSecret), 'c ap traffic', finishedHash);
  }

  serverApplicationTrafficSecret(finishedHash: Uint8Array): Uint8Array {
    return deriveSecret(this.c, this.hash, this.need(this.masterSecret), 's ap traffic', finishedHash);
  }

  exporterMasterSecret(finishedHash: Uint8Array): Uint8Array {
    return deriveSecret(this.c, this.hash, this.need(this.masterSecret), 'exp master', finishedHash);
  }

  /** transcript: ClientHello…client Finished. */
  resumptionMasterSecret(clientFinishedHash: Uint8Array): Uint8Array {
    return deriveSecret(this.c, this.hash, this.need(this.masterSecret), 'res master', clientFinishedHash);
  }

  private need(v: Uint8Array | undefined): Uint8Array {
    if (!v) throw new Error('TLS 1.3 key schedule: previous stage not derived yet');
    return v;
  }
}
