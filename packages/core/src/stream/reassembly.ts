/**
 * Per-direction reassembly of a TCP byte stream into ordered bytes for upper layers.
 *
 * Positions are *stream offsets*: TCP relative sequence numbers (Wireshark's tcp.seq)
 * unwrapped into plain integers, so they never wrap (the TCP layer unwraps them near
 * `next`). The consumer model is pull-based, after gopacket and Wireshark's desegment:
 *
 *   - `add(seq, bytes, frame)` offers a segment. Bytes before `next` were already
 *     queued (retransmission) and are ignored; overlapping bytes keep the first copy
 *     received ("first wins"); a later copy that differs sets `conflict`. Bytes beyond a
 *     hole are held until the hole fills or is declared a gap.
 *   - The consumer (TLS, HTTP) looks at `available()` contiguous bytes from `readPos`,
 *     `peek(n)` at them and `consume(n)` them when a PDU is complete — getting back the
 *     frames the bytes came from. A PDU needing N more bytes simply waits (`need(n)` says
 *     whether they are there yet).
 *   - A hole that will never fill (the peer ACKed past it, the capture ended, or memory
 *     ran out) becomes an explicit gap item: `available()` stops at it, `gap()` reports
 *     `{ seq, len }` and `skipGap()` steps over it, so a parser can resync instead of
 *     gluing bytes across it.
 *
 * Memory: bytes held (queued but not consumed, plus out-of-order) are capped per stream
 * (`maxStreamBytes`, default 8 MiB) and per session through a shared `ReassemblyBudget`
 * (default 256 MiB). A segment that does not fit is dropped (`add` returns `dropped`);
 * its range is a hole like any lost segment and becomes a gap later.
 */

/** Where a range of delivered bytes came from. */
export interface FrameSpan {
  readonly frame: number;
  readonly seq: number;
  readonly len: number;
}

interface Chunk {
  seq: number;
  data: Uint8Array;
  frame: number;
}

interface Gap {
  seq: number;
  len: number;
  gap: true;
}

type Item = Chunk | Gap;

export interface AddResult {
  /** Bytes of this segment that were new (queued or held). */
  readonly fresh: number;
  /** Bytes already seen (retransmitted or overlapping). */
  readonly duplicate: number;
  /** Some overlapping bytes differed from the first copy. */
  readonly conflict: boolean;
  /** Bytes that did not fit into the memory caps and were dropped. */
  readonly dropped: number;
  /** Whether the segment's first byte is beyond `next` (held, out of order). */
  readonly outOfOrder: boolean;
}

/** A memory budget shared by all the reassemblers of one session. */
export class ReassemblyBudget {
  used = 0;
  constructor(readonly max = 256 * 1024 * 1024) {}
}

export interface ReassemblyOptions {
  /** Per-stream cap on bytes held (queued and out-of-order), default 8 MiB. */
  maxStreamBytes?: number;
  budget?: ReassemblyBudget;
}

const EMPTY = new Uint8Array(0);

export class StreamReassembler {
  /** Stream offset of the next byte to queue (everything before it is queued or gone). */
  next: number;
  /** Stream offset of the first unconsumed byte. */
  readPos: number;
  /** Bytes held in memory (queue + out-of-order). */
  held = 0;
  /** Total bytes dropped because of memory caps. */
  droppedBytes = 0;
  private readonly queue: Item[] = [];
  private qHead = 0;
  /** Offset into queue[qHead] already consumed. */
  private headSkip = 0;
  /** Out-of-order chunks, sorted by seq, non-overlapping, all with seq > next. */
  private readonly ooo: Chunk[] = [];
  private readonly maxStream: number;
  private readonly budget: ReassemblyBudget;

  constructor(startSeq: number, opts: ReassemblyOptions = {}) {
    this.next = startSeq;
    this.readPos = startSeq;
    this.maxStream = opts.maxStreamBytes ?? 8 * 1024 * 1024;
    this.budget = opts.budget ?? new ReassemblyBudget();
  }

  private fits(n: number): boolean {
    return this.held + n <= this.maxStream && this.budget.used + n <= this.budget.max;
  }

  private hold(n: number): void {
    this.held += n;
    this.budget.used += n;
  }

  /**
   * Offers a segment's payload at stream offset `seq`. `data` may be a view into the
   * frame: it is copied when kept.
   */
  add(seq: number, data: Uint8Array, frame: number): AddResult {
    let fresh = 0;
    let duplicate = 0;
    let dropped = 0;
    let conflict = false;
    const end = seq + data.length;
    const outOfOrder = seq > this.next;
    if (end <= this.next) {
      return { fresh: 0, duplicate: data.length, conflict: false, dropped: 0, outOfOrder: false };
    }
    let s = seq;
    if (s < this.next) {
      duplicate += this.next - s;
      s = this.next;
    }
    // walk the out-of-order list, filling the holes between held chunks
    let i = 0;
    while (s < end) {
      while (i < this.ooo.length && this.ooo[i]!.seq + this.ooo[i]!.data.length <= s) i++;
      const c = this.ooo[i];
      if (c && c.seq <= s) {
        // overlap with a held chunk: first copy wins
        const ov = Math.min(end, c.seq + c.data.length) - s;
        if (!conflict && !sameBytes(c.data, s - c.seq, data, s - seq, ov)) conflict = true;
        duplicate += ov;
        s += ov;
        continue;
      }
      const pieceEnd = c ? Math.min(end, c.seq) : end;
      const n = pieceEnd - s;
      if (!this.fits(n)) {
        dropped += n;
        this.droppedBytes += n;
        s = pieceEnd;
        continue;
      }
      this.hold(n);
      fresh += n;
      this.ooo.splice(i, 0, { seq: s, data: data.slice(s - seq, pieceEnd - seq), frame });
      i++;
      s = pieceEnd;
    }
    this.promote();
    return { fresh, duplicate, conflict, dropped, outOfOrder };
  }

  /** Moves held chunks that start at `next` into the queue. */
  private promote(): void {
    while (this.ooo.length > 0 && this.ooo[0]!.seq === this.next) {
      const c = this.ooo.shift()!;
      this.queue.push(c);
      this.next += c.data.length;
    }
  }

  /**
   * Declares the bytes before `upTo` that never arrived as lost: holes below it become
   * gap items (call when the peer ACKs beyond `next`, or at the end of the capture with
   * `Infinity`). Returns the number of bytes turned into gaps.
   */
  declareLost(upTo: number): number {
    let lost = 0;
    while (this.next < upTo) {
      const c = this.ooo[0];
      if (c && c.seq === this.next) {
        this.promote();
        continue;
      }
      const gapEnd = c ? Math.min(upTo, c.seq) : upTo;
      if (!Number.isFinite(gapEnd)) break;
      const len = gapEnd - this.next;
      this.queue.push({ seq: this.next, len, gap: true });
      this.next = gapEnd;
      lost += len;
      this.promote();
    }
    return lost;
  }

  /** True when out-of-order bytes are waiting behind a hole. */
  get hasHole(): boolean {
    return this.ooo.length > 0;
  }

  /** Contiguous bytes ready to read at `readPos` (stops at a gap). */
  available(): number {
    let n = 0;
    for (let i = this.qHead; i < this.queue.length; i++) {
      const it = this.queue[i]!;
      if ('gap' in it) break;
      n += it.data.length - (i === this.qHead ? this.headSkip : 0);
    }
    return n;
  }

  /** Whether `n` contiguous bytes are ready (Wireshark's "I need N more bytes"). */
  need(n: number): boolean {
    let have = 0;
    for (let i = this.qHead; i < this.queue.length && have < n; i++) {
      const it = this.queue[i]!;
      if ('gap' in it) return false;
      have += it.data.length - (i === this.qHead ? this.headSkip : 0);
    }
    return have >= n;
  }

  /** The gap at `readPos`, when the next item is one. */
  gap(): { seq: number; len: number } | undefined {
    const it = this.queue[this.qHead];
    return it && 'gap' in it ? { seq: it.seq, len: it.len } : undefined;
  }

  /** Steps over the gap at `readPos`; returns its length (0 when there is none). */
  skipGap(): number {
    const it = this.queue[this.qHead];
    if (!it || !('gap' in it)) return 0;
    this.qHead++;
    this.headSkip = 0;
    this.readPos = it.seq + it.len;
    this.compact();
    return it.len;
  }

  /**
   * The first `n` ready bytes (a view when they sit in one chunk, else a copy), or
   * undefined when fewer are available.
   */
  peek(n: number): Uint8Array | undefined {
    if (n === 0) return EMPTY;
    const first = this.queue[this.qHead];
    if (first && !('gap' in first) && first.data.length - this.headSkip >= n) {
      return first.data.subarray(this.headSkip, this.headSkip + n);
    }
    if (!this.need(n)) return undefined;
    const out = new Uint8Array(n);
    let o = 0;
    for (let i = this.qHead; o < n; i++) {
      const c = this.queue[i] as Chunk;
      const from = i === this.qHead ? this.headSkip : 0;
      const take = Math.min(n - o, c.data.length - from);
      out.set(c.data.subarray(from, from + take), o);
      o += take;
    }
    return out;
  }

  /**
   * Consumes `n` ready bytes (at most `available()`); returns the frame spans they came
   * from, in order.
   */
  consume(n: number): FrameSpan[] {
    const spans: FrameSpan[] = [];
    while (n > 0) {
      const it = this.queue[this.qHead];
      if (!it || 'gap' in it) break;
      const left = it.data.length - this.headSkip;
      const take = Math.min(n, left);
      spans.push({ frame: it.frame, seq: it.seq + this.headSkip, len: take });
      n -= take;
      this.readPos += take;
      this.held -= take;
      this.budget.used -= take;
      if (take === left) {
        this.qHead++;
        this.headSkip = 0;
      } else {
        this.headSkip += take;
      }
    }
    this.compact();
    return spans;
  }

  /** Drops everything ready up to the next gap (a consumer that lost interest). */
  discard(): number {
    const n = this.available();
    this.consume(n);
    return n;
  }

  /** Releases all memory (stream closed or session over). */
  release(): void {
    let n = 0;
    for (let i = this.qHead; i < this.queue.length; i++) {
      const it = this.queue[i]!;
      if (!('gap' in it)) n += it.data.length - (i === this.qHead ? this.headSkip : 0);
    }
    for (const c of this.ooo) n += c.data.length;
    this.held -= n;
    this.budget.used -= n;
    this.queue.length = 0;
    this.qHead = 0;
    this.headSkip = 0;
    this.ooo.length = 0;
    this.readPos = this.next;
  }

  private compact(): void {
    if (this.qHead > 32 && this.qHead * 2 > this.queue.length) {
      this.queue.splice(0, this.qHead);
      this.qHead = 0;
    }
  }
}

function sameBytes(a: Uint8Array, ao: number, b: Uint8Array, bo: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[ao + i] !== b[bo + i]) return false;
  return true;
}
