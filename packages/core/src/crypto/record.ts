/**
 * Record protection, per direction: decryption (RecordDecoder, driven by the TLS dissector)
 * and encryption (RecordEncoder, for tests and synthetic captures). Covers SSL 3.0–TLS 1.3:
 * AEAD (GCM, CCM, CCM_8, ChaCha20-Poly1305; explicit/implicit nonces), CBC with
 * MAC-then-encrypt (padding check) or encrypt_then_mac (RFC 7366), RC4, NULL; per-direction
 * sequence numbers; TLS 1.3 inner plaintext. Failures come back typed, never thrown.
 */
import { concatBytes, equalBytes, seqBytes, writeSeq } from './bytes.ts';
import type { KeyBlock } from './prf.ts';
import { Rc4 } from './rc4.ts';
import { fixedIvLen, macLen, recordIvLen, SSL3, tagLen, TLS10, TLS13, type SuiteParams } from './suite.ts';
import { nextTrafficSecret, trafficKeys, type Tls13Hash } from './tls13.ts';
import { BLOCK_SIZE, type AeadAlg, type BlockAlg, type HashAlg, type RecordFailureReason, type TlsCrypto } from './types.ts';

export type RecordResult =
  | {
    ok: true;
    /** The real content type (TLS 1.3: from the inner plaintext; otherwise the record's). */
    contentType: number;
    plaintext: Uint8Array;
    /** Sequence number this record was decrypted with. */
    seq: bigint;
    /** TLS 1.3 zero padding / CBC padding length (incl. the length byte), when any. */
    padding?: number;
  }
  | { ok: false; reason: RecordFailureReason; detail: string; seq: bigint };

export interface DirectionKeys {
  /** Encryption key (empty for NULL). */
  readonly key: Uint8Array;
  /** Implicit IV / fixed nonce part (TLS 1.3: the 12-byte write_iv; CBC TLS 1.0: the initial IV). */
  readonly iv: Uint8Array;
  /** HMAC key (CBC/stream/NULL). */
  readonly macKey?: Uint8Array;
}

export interface RecordStateOptions {
  readonly crypto: TlsCrypto;
  /** Negotiated version (0x0300…0x0304). DTLS is not handled here yet. */
  readonly version: number;
  readonly suite: SuiteParams;
  readonly keys: DirectionKeys;
  /** RFC 7366 encrypt_then_mac negotiated (CBC suites only). */
  readonly encryptThenMac?: boolean;
  /** Starting sequence number (default 0). */
  readonly seq?: bigint;
  /** TLS 1.3: the traffic secret the keys came from (enables keyUpdate()). */
  readonly trafficSecret?: Uint8Array;
  /** TLS 1.3 drafts before 25: the record header is not additional data. */
  readonly emptyAad?: boolean;
}

function fail(reason: RecordFailureReason, detail: string, seq: bigint): RecordResult {
  return { ok: false, reason, detail, seq };
}

function hdr(type: number, version: number, len: number): Uint8Array {
  return Uint8Array.of(type, version >> 8, version & 0xff, len >> 8, len & 0xff);
}

const SSL3_PAD: Partial<Record<HashAlg, number>> = { md5: 48, sha1: 40 };

abstract class RecordState {
  readonly crypto: TlsCrypto;
  readonly version: number;
  readonly suite: SuiteParams;
  readonly encryptThenMac: boolean;
  seq: bigint;
  protected key: Uint8Array;
  /** Implicit IV; for SSL 3.0/TLS 1.0 CBC the running IV (last ciphertext block). */
  protected iv: Uint8Array;
  protected macKey: Uint8Array;
  protected rc4?: Rc4;
  protected trafficSecret?: Uint8Array;
  protected readonly emptyAad: boolean;

  constructor(o: RecordStateOptions) {
    this.emptyAad = o.emptyAad ?? false;
    this.crypto = o.crypto;
    this.version = o.version;
    this.suite = o.suite;
    this.encryptThenMac = !!o.encryptThenMac && o.suite.cipher.kind === 'block' && o.version < TLS13;
    this.seq = o.seq ?? 0n;
    this.key = o.keys.key;
    this.iv = o.keys.iv;
    this.macKey = o.keys.macKey ?? new Uint8Array(0);
    this.trafficSecret = o.trafficSecret;
    if (o.suite.cipher.kind === 'stream') this.rc4 = new Rc4(this.key);
    const ivLen = fixedIvLen(o.suite, o.version);
    if (this.iv.length !== ivLen && o.suite.cipher.kind !== 'unsupported') {
      throw new Error(`${o.suite.name}: IV must be ${ivLen} bytes for version 0x${o.version.toString(16)}, not ${this.iv.length}`);
    }
  }

  private supportedCache: boolean | undefined;

  /** Whether the backend can run this suite's cipher. */
  get supported(): boolean {
    let ok = this.supportedCache;
    if (ok === undefined) {
      const c = this.suite.cipher;
      ok = c.kind === 'aead' ? this.crypto.supportsAead(c.alg) : c.kind === 'block' ? this.crypto.supportsBlock(c.alg) : c.kind !== 'unsupported';
      this.supportedCache = ok;
    }
    return ok;
  }

  protected unsupportedDetail(): string {
    const c = this.suite.cipher;
    const name = c.kind === 'unsupported' ? c.name : c.kind === 'aead' || c.kind === 'block' ? c.alg : c.kind;
    return `${this.suite.name}: cipher ${name} is not available in the ${this.crypto.name} crypto backend`;
  }

  /** TLS 1.3 KeyUpdate: move to application_traffic_secret_N+1 and reset the sequence number. */
  keyUpdate(): Uint8Array {
    if (this.version < TLS13 || !this.trafficSecret) throw new Error('keyUpdate needs a TLS 1.3 traffic secret');
    const h = this.suite.prfHash as Tls13Hash;
    this.trafficSecret = nextTrafficSecret(this.crypto, h, this.trafficSecret);
    const k = trafficKeys(this.crypto, h, this.trafficSecret, this.suite.keyLen, 12);
    this.key = k.key;
    this.iv = k.iv;
    this.seq = 0n;
    return this.trafficSecret;
  }

  get currentTrafficSecret(): Uint8Array | undefined {
    return this.trafficSecret;
  }

  protected nonceXorSeq(seq: bigint): Uint8Array {
    const n = new Uint8Array(this.iv.length);
    const o = n.length - 8;
    writeSeq(n, o, seq);
    const iv = this.iv;
    for (let i = 0; i < n.length; i++) n[i]! ^= iv[i]!;
    return n;
  }

  /** TLS ≤1.2 AEAD additional data: seq ‖ type ‖ version ‖ plaintext length. */
  protected aad12(seq: bigint, type: number, version: number, len: number): Uint8Array {
    const a = new Uint8Array(13);
    writeSeq(a, 0, seq);
    a[8] = type;
    a[9] = version >> 8;
    a[10] = version & 0xff;
    a[11] = len >> 8;
    a[12] = len & 0xff;
    return a;
  }

  /** The record MAC: HMAC (TLS) or the SSL 3.0 keyed hash. */
  protected mac(seq: bigint, type: number, version: number, data: Uint8Array): Uint8Array {
    const alg = this.suite.mac!;
    if (this.version <= SSL3) {
      const pad = SSL3_PAD[alg] ?? 40;
      const inner = this.crypto.hash(alg, [this.macKey, new Uint8Array(pad).fill(0x36), seqBytes(seq), Uint8Array.of(type, data.length >> 8, data.length & 0xff), data]);
      return this.crypto.hash(alg, [this.macKey, new Uint8Array(pad).fill(0x5c), inner]);
    }
    // seq ‖ type ‖ version ‖ length: the same 13 bytes as the AEAD additional data
    return this.crypto.hmac(alg, this.macKey, [this.aad12(seq, type, version, data.length), data]);
  }

  static keysFromKeyBlock(kb: KeyBlock, side: 'client' | 'server'): DirectionKeys {
    return side === 'client'
      ? { key: kb.clientKey, iv: kb.clientIv, macKey: kb.clientMacKey }
      : { key: kb.serverKey, iv: kb.serverIv, macKey: kb.serverMacKey };
  }
}

export class RecordDecoder extends RecordState {
  /** A TLS ≤1.2 decoder for one direction from a derived key block. */
  static fromKeyBlock(crypto: TlsCrypto, version: number, suite: SuiteParams, kb: KeyBlock, side: 'client' | 'server', encryptThenMac = false): RecordDecoder {
    return new RecordDecoder({ crypto, version, suite, keys: RecordState.keysFromKeyBlock(kb, side), encryptThenMac });
  }

  /** A TLS 1.3 decoder from a traffic secret (handshake, application_N or early). */
  static fromTrafficSecret(crypto: TlsCrypto, suite: SuiteParams, secret: Uint8Array): RecordDecoder {
    const keys = trafficKeys(crypto, suite.prfHash, secret, suite.keyLen, 12);
    return new RecordDecoder({ crypto, version: TLS13, suite, keys, trafficSecret: secret });
  }

  /**
   * Decrypt one record: type/version as in the record header, fragment = the record body.
   * The sequence number (and CBC/RC4 chaining state) always advances.
   */
  decrypt(contentType: number, recordVersion: number, fragment: Uint8Array): RecordResult {
    const seq = this.seq++;
    return this.open(seq, contentType, recordVersion, fragment);
  }

  /** Like decrypt(), but on failure the state (sequence number, IV chain, RC4) is left as it was. */
  tryDecrypt(contentType: number, recordVersion: number, fragment: Uint8Array): RecordResult {
    const seq = this.seq;
    const savedIv = this.iv;
    const savedRc4 = this.rc4?.clone();
    const r = this.open(seq, contentType, recordVersion, fragment);
    if (r.ok) this.seq = seq + 1n;
    else {
      this.iv = savedIv;
      if (savedRc4) this.rc4 = savedRc4;
    }
    return r;
  }

  private open(seq: bigint, type: number, version: number, frag: Uint8Array): RecordResult {
    if (!this.supported) return fail('unsupported_cipher', this.unsupportedDetail(), seq);
    const c = this.suite.cipher;
    try {
      switch (c.kind) {
        case 'aead':
          return this.version >= TLS13 ? this.openTls13(seq, type, version, frag) : this.openAead12(seq, type, version, frag);
        case 'block':
          return this.encryptThenMac ? this.openEtm(seq, type, version, frag) : this.openCbc(seq, type, version, frag);
        case 'stream':
        case 'null': {
          const m = macLen(this.suite);
          const pt = c.kind === 'stream' ? this.rc4!.update(frag) : frag;
          if (pt.length < m) return fail('bad_length', `record of ${frag.length} bytes is shorter than the ${m}-byte MAC`, seq);
          const content = pt.subarray(0, pt.length - m);
          if (m > 0 && !equalBytes(this.mac(seq, type, version, content), pt.subarray(pt.length - m))) {
            return fail('bad_record_mac', `MAC mismatch at sequence number ${seq}`, seq);
          }
          return { ok: true, contentType: type, plaintext: content, seq };
        }
        default:
          return fail('unsupported_cipher', this.unsupportedDetail(), seq);
      }
    } catch (e) {
      return fail('unsupported_cipher', `${this.suite.name}: ${(e as Error).message}`, seq);
    }
  }

  private openAead12(seq: bigint, type: number, version: number, frag: Uint8Array): RecordResult {
    const alg = (this.suite.cipher as { alg: AeadAlg }).alg;
    const ex = recordIvLen(this.suite, this.version);
    const t = tagLen(this.suite);
    if (frag.length < ex + t) return fail('bad_length', `record of ${frag.length} bytes is shorter than nonce+tag (${ex + t})`, seq);
    const nonce = ex > 0 ? concatBytes(this.iv, frag.subarray(0, ex)) : this.nonceXorSeq(seq);
    const sealed = frag.subarray(ex);
    const pt = this.crypto.aeadDecrypt(alg, this.key, nonce, this.aad12(seq, type, version, sealed.length - t), sealed);
    if (!pt) return fail('tag_mismatch', `${alg} tag mismatch at sequence number ${seq}`, seq);
    return { ok: true, contentType: type, plaintext: pt, seq };
  }

  private openTls13(seq: bigint, type: number, version: number, frag: Uint8Array): RecordResult {
    const alg = (this.suite.cipher as { alg: AeadAlg }).alg;
    const t = tagLen(this.suite);
    if (frag.length < t + 1) return fail('bad_length', `record of ${frag.length} bytes is shorter than tag+1`, seq);
    const pt = this.crypto.aeadDecrypt(alg, this.key, this.nonceXorSeq(seq), this.emptyAad ? new Uint8Array(0) : hdr(type, version, frag.length), frag);
    if (!pt) return fail('tag_mismatch', `${alg} tag mismatch at sequence number ${seq}`, seq);
    let i = pt.length - 1;
    while (i >= 0 && pt[i] === 0) i--;
    if (i < 0) return fail('bad_inner_plaintext', 'TLSInnerPlaintext has no content type (all zero)', seq);
    const r: RecordResult = { ok: true, contentType: pt[i]!, plaintext: pt.subarray(0, i), seq };
    if (pt.length - 1 - i > 0) r.padding = pt.length - 1 - i;
    return r;
  }

  private cbcParts(frag: Uint8Array, bs: number): { iv: Uint8Array; ct: Uint8Array } {
    if (this.version > TLS10) return { iv: frag.subarray(0, bs), ct: frag.subarray(bs) };
    return { iv: this.iv, ct: frag };
  }

  private openCbc(seq: bigint, type: number, version: number, frag: Uint8Array): RecordResult {
    const alg = (this.suite.cipher as { alg: BlockAlg }).alg;
    const bs = BLOCK_SIZE[alg];
    const m = macLen(this.suite);
    const ivl = recordIvLen(this.suite, this.version);
    if (frag.length % bs !== 0 || frag.length < ivl + Math.max(bs, m + 1)) {
      return fail('bad_length', `CBC record of ${frag.length} bytes (block ${bs}, MAC ${m})`, seq);
    }
    const { iv, ct } = this.cbcParts(frag, bs);
    const pt = this.crypto.cbcDecrypt(alg, this.key, iv, ct);
    if (this.version <= TLS10) this.iv = frag.slice(frag.length - bs);
    const padLen = pt[pt.length - 1]!;
    if (padLen + 1 + m > pt.length) return fail('bad_padding', `padding length ${padLen} exceeds the record at sequence number ${seq}`, seq);
    if (this.version <= SSL3) {
      if (padLen >= bs) return fail('bad_padding', `SSL 3.0 padding length ${padLen} ≥ block size at sequence number ${seq}`, seq);
    } else {
      for (let i = pt.length - 1 - padLen; i < pt.length - 1; i++) {
        if (pt[i] !== padLen) return fail('bad_padding', `padding bytes are not all ${padLen} at sequence number ${seq}`, seq);
      }
    }
    const end = pt.length - padLen - 1 - m;
    const content = pt.subarray(0, end);
    if (!equalBytes(this.mac(seq, type, version, content), pt.subarray(end, end + m))) {
      return fail('bad_record_mac', `MAC mismatch at sequence number ${seq}`, seq);
    }
    return { ok: true, contentType: type, plaintext: content, seq, padding: padLen + 1 };
  }

  private openEtm(seq: bigint, type: number, version: number, frag: Uint8Array): RecordResult {
    const alg = (this.suite.cipher as { alg: BlockAlg }).alg;
    const bs = BLOCK_SIZE[alg];
    const m = macLen(this.suite);
    const ivl = recordIvLen(this.suite, this.version);
    const body = frag.subarray(0, frag.length - m);
    if (frag.length < m + ivl + bs || (body.length - ivl) % bs !== 0) {
      return fail('bad_length', `encrypt_then_mac record of ${frag.length} bytes (block ${bs}, MAC ${m})`, seq);
    }
    if (!equalBytes(this.mac(seq, type, version, body), frag.subarray(body.length))) {
      if (this.version <= TLS10) this.iv = body.slice(body.length - bs);
      return fail('bad_record_mac', `MAC mismatch (encrypt_then_mac) at sequence number ${seq}`, seq);
    }
    const { iv, ct } = this.cbcParts(body, bs);
    const pt = this.crypto.cbcDecrypt(alg, this.key, iv, ct);
    if (this.version <= TLS10) this.iv = body.slice(body.length - bs);
    const padLen = pt[pt.length - 1]!;
    if (padLen + 1 > pt.length) return fail('bad_padding', `padding length ${padLen} exceeds the record at sequence number ${seq}`, seq);
    for (let i = pt.length - 1 - padLen; i < pt.length - 1; i++) {
      if (pt[i] !== padLen) return fail('bad_padding', `padding bytes are not all ${padLen} at sequence number ${seq}`, seq);
    }
    return { ok: true, contentType: type, plaintext: pt.subarray(0, pt.length - padLen - 1), seq, padding: padLen + 1 };
  }
}

export interface EncryptOptions {
  /** TLS 1.3: zero bytes of padding after the content type. */
  padding?: number;
  /** CBC: explicit IV (TLS 1.1+); default derived from the sequence number. */
  explicitIv?: Uint8Array;
  /** TLS 1.2 GCM/CCM explicit nonce; default the sequence number. */
  explicitNonce?: Uint8Array;
  /** CBC: extra padding blocks (0 = minimal). */
  extraPadBlocks?: number;
}

export class RecordEncoder extends RecordState {
  static fromKeyBlock(crypto: TlsCrypto, version: number, suite: SuiteParams, kb: KeyBlock, side: 'client' | 'server', encryptThenMac = false): RecordEncoder {
    return new RecordEncoder({ crypto, version, suite, keys: RecordState.keysFromKeyBlock(kb, side), encryptThenMac });
  }

  static fromTrafficSecret(crypto: TlsCrypto, suite: SuiteParams, secret: Uint8Array): RecordEncoder {
    const keys = trafficKeys(crypto, suite.prfHash, secret, suite.keyLen, 12);
    return new RecordEncoder({ crypto, version: TLS13, suite, keys, trafficSecret: secret });
  }

  /**
   * Protect one record. TLS 1.3: pass the real content type; the returned fragment goes in an
   * application_data (23) record with version 0x0303 (see {@link RecordEncoder.outerType}).
   */
  encrypt(contentType: number, recordVersion: number, plaintext: Uint8Array, o: EncryptOptions = {}): Uint8Array {
    if (!this.supported) throw new Error(this.unsupportedDetail());
    const seq = this.seq++;
    const c = this.suite.cipher;
    if (c.kind === 'aead') {
      if (this.version >= TLS13) {
        const inner = concatBytes(plaintext, Uint8Array.of(contentType), new Uint8Array(o.padding ?? 0));
        const len = inner.length + tagLen(this.suite);
        return this.crypto.aeadEncrypt(c.alg, this.key, this.nonceXorSeq(seq), hdr(23, recordVersion, len), inner);
      }
      const ex = recordIvLen(this.suite, this.version);
      const explicit = ex > 0 ? (o.explicitNonce ?? seqBytes(seq)) : new Uint8Array(0);
      const nonce = ex > 0 ? concatBytes(this.iv, explicit) : this.nonceXorSeq(seq);
      const sealed = this.crypto.aeadEncrypt(c.alg, this.key, nonce, this.aad12(seq, contentType, recordVersion, plaintext.length), plaintext);
      return concatBytes(explicit, sealed);
    }
    if (c.kind === 'stream' || c.kind === 'null') {
      const data = macLen(this.suite) > 0 ? concatBytes(plaintext, this.mac(seq, contentType, recordVersion, plaintext)) : plaintext;
      return c.kind === 'stream' ? this.rc4!.update(data) : data;
    }
    if (c.kind !== 'block') throw new Error(this.unsupportedDetail());
    const bs = BLOCK_SIZE[c.alg];
    const explicit = this.version > TLS10 ? (o.explicitIv ?? this.crypto.hash('sha256', seqBytes(seq)).slice(0, bs)) : new Uint8Array(0);
    const iv = this.version > TLS10 ? explicit : this.iv;
    const pad = (n: number) => {
      let p = bs - ((n + 1) % bs);
      if (p === bs) p = 0;
      p += (o.extraPadBlocks ?? 0) * bs;
      return new Uint8Array(p + 1).fill(p);
    };
    if (this.encryptThenMac) {
      const ct = this.crypto.cbcEncrypt(c.alg, this.key, iv, concatBytes(plaintext, pad(plaintext.length)));
      if (this.version <= TLS10) this.iv = ct.slice(ct.length - bs);
      const body = concatBytes(explicit, ct);
      return concatBytes(body, this.mac(seq, contentType, recordVersion, body));
    }
    const mac = this.mac(seq, contentType, recordVersion, plaintext);
    const ct = this.crypto.cbcEncrypt(c.alg, this.key, iv, concatBytes(plaintext, mac, pad(plaintext.length + mac.length)));
    if (this.version <= TLS10) this.iv = ct.slice(ct.length - bs);
    return concatBytes(explicit, ct);
  }

  /** The record type to put on the wire for a protected record. */
  outerType(contentType: number): number {
    return this.version >= TLS13 ? 23 : contentType;
  }
}

