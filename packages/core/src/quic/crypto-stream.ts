/**
 * Reassembly of one QUIC CRYPTO stream (one direction, one encryption level): CRYPTO frames
 * arrive out of order, overlapping and retransmitted (RFC 9000 §19.6); the contiguous bytes are
 * cut into whole TLS handshake messages. Memory is capped: a stream that buffers too much (or
 * announces an absurd message length) is abandoned with an error.
 */
import { withRoom } from '../bytes/grow.ts';

/** Largest TLS handshake message accepted (larger ones abandon the stream). */
export const MAX_MESSAGE = 0x40000;
/** Largest amount of out-of-order data kept per stream. */
export const MAX_BUFFERED = 0x100000;

export interface AddResult {
  /** The fragment held no new byte (all below the contiguous end or already buffered). */
  readonly retransmission: boolean;
  /** The stream is abandoned (limits exceeded); the message says why. */
  readonly error?: string;
}

export class CryptoStream {
  /** Contiguous bytes received from offset 0 onward (stream offset of the first missing byte). */
  contiguous = 0;
  /** Stream offset where `buf` starts (the first byte not yet handed out as a message). */
  private base = 0;
  private buf = new Uint8Array(0);
  private len = 0;
  /** Fragments beyond the contiguous end, by offset. */
  private readonly ooo = new Map<number, Uint8Array>();
  private oooBytes = 0;
  /** Set once the stream is abandoned. */
  failed: string | undefined;
  /** Frames that contributed to the message being assembled (for "reassembled in"). */
  readonly frames: number[] = [];

  add(offset: number, data: Uint8Array, frame: number): AddResult {
    if (this.failed) return { retransmission: false, error: this.failed };
    const end = offset + data.length;
    if (end <= this.contiguous || data.length === 0) return { retransmission: data.length > 0 };
    if (this.frames[this.frames.length - 1] !== frame) this.frames.push(frame);
    if (offset > this.contiguous) {
      const prev = this.ooo.get(offset);
      if (prev && prev.length >= data.length) return { retransmission: true };
      if (this.oooBytes + data.length > MAX_BUFFERED) return this.fail(`more than ${MAX_BUFFERED} bytes of out-of-order CRYPTO data`);
      this.ooo.set(offset, data.slice());
      this.oooBytes += data.length - (prev?.length ?? 0);
      return { retransmission: false };
    }
    this.append(data.subarray(this.contiguous - offset));
    // pull in the buffered fragments that now connect
    let progress = true;
    while (progress && this.ooo.size > 0) {
      progress = false;
      for (const [o, d] of this.ooo) {
        if (o > this.contiguous) continue;
        this.ooo.delete(o);
        this.oooBytes -= d.length;
        if (o + d.length > this.contiguous) this.append(d.subarray(this.contiguous - o));
        progress = true;
      }
    }
    return { retransmission: false };
  }

  /** Whole handshake messages completed so far (concatenated), or undefined. */
  take(): Uint8Array | undefined {
    if (this.failed) return undefined;
    let o = 0;
    while (o + 4 <= this.len) {
      const mlen = (this.buf[o + 1]! << 16) | (this.buf[o + 2]! << 8) | this.buf[o + 3]!;
      if (mlen > MAX_MESSAGE) {
        this.fail(`handshake message of ${mlen} bytes (limit ${MAX_MESSAGE})`);
        break;
      }
      if (o + 4 + mlen > this.len) break;
      o += 4 + mlen;
    }
    if (o === 0) return undefined;
    const out = this.buf.slice(0, o);
    this.buf.copyWithin(0, o, this.len);
    this.len -= o;
    this.base += o;
    if (this.len === 0) this.frames.length = 0;
    return out;
  }

  /** Out-of-order fragments are waiting for the bytes before them. */
  get hasGap(): boolean {
    return this.ooo.size > 0;
  }

  /** Bytes waiting for the rest of their message. */
  get pending(): number {
    return this.len;
  }

  private append(d: Uint8Array): void {
    if (this.len + d.length > MAX_MESSAGE + 4 + 0x10000) {
      this.fail('CRYPTO data does not form handshake messages');
      return;
    }
    this.buf = withRoom(this.buf, this.len, d.length, 1024);
    this.buf.set(d, this.len);
    this.len += d.length;
    this.contiguous += d.length;
  }

  private fail(why: string): AddResult {
    this.failed = why;
    this.ooo.clear();
    this.oooBytes = 0;
    this.buf = new Uint8Array(0);
    this.len = 0;
    return { retransmission: false, error: why };
  }
}
