/**
 * The key material of one dissection: key logs (files, pcapng DSBs), RSA private keys and the
 * sessions learnt while reading (TLS ≤ 1.2 session IDs and tickets → master secret), plus the
 * crypto backend. Browser-safe: callers hand in text/bytes, never paths.
 */
import { loadRsaPrivateKey } from '../crypto/rsa.ts';
import type { RsaPrivateKey, TlsCrypto } from '../crypto/types.ts';
import { KeyLog, DSB_TLS_KEY_LOG } from './keys/keylog.ts';

export interface RsaKeyEntry {
  readonly key: RsaPrivateKey;
  /** Where it came from (file name), for messages. */
  readonly source: string;
}

export class TlsKeyStore {
  readonly keylog: KeyLog;
  readonly rsaKeys: RsaKeyEntry[] = [];
  /** TLS ≤ 1.2 session ID (hex) → master secret, learnt from full handshakes in the capture. */
  readonly sessions = new Map<string, Uint8Array>();
  /** TLS ≤ 1.2 session ticket (hex) → master secret. */
  readonly tickets = new Map<string, Uint8Array>();
  /**
   * Session IDs ("id:HEX") and tickets ("ticket:HEX") issued by full handshakes in the capture
   * whose master secret could not be derived → why, so that a resumption of them says so.
   */
  readonly undecryptable = new Map<string, string>();
  /**
   * Keys may be logged after the messages that need them (a key log growing during a live
   * capture): TLS 1.3 handshake keys are then looked up again at the next protected record.
   * Off when reading files, where tshark's rule applies (a key must precede its use).
   */
  lateKeys = false;
  /**
   * Set when this store sees only some of the capture's connections (one shard of a parallel
   * read): called when a connection would resume a session that another connection set up,
   * whose handshake this store may not have seen.
   */
  partial: ((what: string) => void) | undefined = undefined;
  /** Problems met loading keys (bad key files…), besides the key log's own warnings. */
  readonly warnings: string[] = [];

  constructor(readonly crypto: TlsCrypto, keylog?: KeyLog) {
    this.keylog = keylog ?? new KeyLog();
  }

  /** Adds a pcapng Decryption Secrets Block. */
  addDsb(type: number, data: Uint8Array): void {
    if (type !== DSB_TLS_KEY_LOG) return;
    // DSB data is a view into the input chunk: the key log copies what it keeps
    this.keylog.addDsb(type, data, 'pcapng Decryption Secrets Block');
  }

  /** Adds an RSA private key (PEM or DER, optionally encrypted); false (and a warning) when it cannot be loaded. */
  addRsaKey(data: string | Uint8Array, source: string, password?: string): boolean {
    const r = loadRsaPrivateKey(this.crypto, data, password === '' ? undefined : password);
    if (!r.ok) {
      this.warnings.push(`${source}: cannot load the RSA private key: ${r.detail}`);
      return false;
    }
    this.rsaKeys.push({ key: r.key, source });
    return true;
  }

  /** Whether any key material is loaded. */
  get empty(): boolean {
    return this.keylog.size === 0 && this.rsaKeys.length === 0;
  }
}
