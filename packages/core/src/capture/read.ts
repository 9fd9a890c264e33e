/**
 * Capture readers: streaming (`readCapture`, `readCaptureBatches`) and whole-buffer
 * (`readCaptureSync`). Both drive the same `CaptureParser`.
 *
 * Frames are views, not copies: `frame.data` (and `secrets.data`) point into the input chunk,
 * or, for a record that straddled two chunks, into a buffer allocated for that record alone.
 * The reader never mutates or reuses memory, so a view stays valid as long as the producer of
 * the chunks does not reuse its buffers; a consumer that keeps a frame past the next
 * iteration and cannot vouch for that must copy it (`data.slice()`).
 */
import { TlsLensError } from '../errors.ts';
import { CaptureParser, type ParserOptions } from './parser.ts';
import type { CaptureEvent, CaptureFormat } from './types.ts';

export interface ReadCaptureOptions extends ParserOptions {
  /** Called once, when the format is known (before the first event). */
  onFormat?: (format: CaptureFormat, gzip: boolean) => void;
}

/** Records up to this size that straddle chunks get their buffer at once; larger ones grow as data arrives. */
const EAGER_PENDING = 1 << 20;

function emptyError(): TlsLensError {
  return new TlsLensError('CAPTURE_EMPTY', 'empty file (0 bytes)', { offset: 0 });
}

/**
 * Read a whole capture held in memory. Events are yielded lazily; frames are views into `bytes`.
 * gzip input is not supported here (decompression is asynchronous): use `readCapture([bytes])`.
 */
export function* readCaptureSync(bytes: Uint8Array, opts: ReadCaptureOptions = {}): Generator<CaptureEvent, void, undefined> {
  const end = bytes.length;
  if (end === 0) throw emptyError();
  if (end >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    throw new TlsLensError('CAPTURE_UNSUPPORTED', 'gzip-compressed capture at offset 0: readCaptureSync cannot decompress, use readCapture', { offset: 0 });
  }
  const parser = new CaptureParser(opts);
  let pos = 0;
  let announced = false;
  while (pos < end) {
    const avail = end - pos;
    const n = parser.need(bytes, pos, avail, pos);
    if (n < 0 || n > avail) throw parser.truncated(bytes, pos, avail, pos);
    const ev = parser.record(bytes, pos, n, pos);
    pos += n;
    if (!announced && parser.format !== undefined) {
      announced = true;
      opts.onFormat?.(parser.format, false);
    }
    if (ev !== undefined) yield ev;
  }
}

/**
 * Streaming reader: yields the events of each input chunk as one array (cheaper than one
 * promise per event). Memory held: the current chunk plus the one record that straddles chunks.
 * Errors (TlsLensError) are thrown after every event before the damage has been yielded.
 */
export async function* readCaptureBatches(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  opts: ReadCaptureOptions = {},
): AsyncGenerator<CaptureEvent[], void, undefined> {
  const parser = new CaptureParser(opts);
  const src = await sniff(chunks);
  let announced = false;
  let pend: Uint8Array | null = null; // the partial record, from its first byte
  let pendLen = 0;
  let off = 0; // absolute offset of the first byte not yet consumed (pend[0] when pending)
  let total = 0;
  for await (const chunk of src.chunks) {
    const clen = chunk.length;
    if (clen === 0) continue;
    total += clen;
    const out: CaptureEvent[] = [];
    let pos = 0;
    try {
      if (pend !== null) {
        for (;;) {
          const n = parser.need(pend, 0, pendLen, off);
          const want = n < 0 ? -n : n;
          if (pendLen < want) {
            const take = Math.min(want - pendLen, clen - pos);
            const fill = pendLen + take;
            if (fill > pend.length) {
              const cap = n < 0 ? Math.max(want, 64) : want <= EAGER_PENDING ? want : Math.min(want, Math.max(fill, pend.length * 2));
              const nb: Uint8Array = new Uint8Array(cap);
              nb.set(pend.subarray(0, pendLen));
              pend = nb;
            }
            pend.set(chunk.subarray(pos, pos + take), pendLen);
            pendLen = fill;
            pos += take;
            if (pendLen < want) break; // chunk used up
            continue; // header complete: look at the length again
          }
          const ev = parser.record(pend, 0, n, off);
          off += n;
          pend = null;
          pendLen = 0;
          if (ev !== undefined) out.push(ev);
          break;
        }
      }
      if (pend === null) {
        for (;;) {
          const avail = clen - pos;
          if (avail === 0) break;
          const n = parser.need(chunk, pos, avail, off);
          if (n < 0 || n > avail) {
            pend = new Uint8Array(n < 0 ? 64 : n <= EAGER_PENDING ? n : Math.max(avail, 65536));
            pend.set(chunk.subarray(pos));
            pendLen = avail;
            break;
          }
          const ev = parser.record(chunk, pos, n, off);
          pos += n;
          off += n;
          if (ev !== undefined) out.push(ev);
        }
      }
    } catch (e) {
      if (out.length > 0) yield out;
      throw e;
    }
    if (!announced && parser.format !== undefined) {
      announced = true;
      opts.onFormat?.(parser.format, src.gzip);
    }
    if (out.length > 0) yield out;
  }
  if (pend !== null) throw parser.truncated(pend, 0, pendLen, off);
  if (total === 0) {
    if (src.gzip) throw new TlsLensError('CAPTURE_EMPTY', 'empty file (gzip data decompresses to 0 bytes)', { offset: 0 });
    throw emptyError();
  }
}

/**
 * Streaming reader: one event at a time. Accepts chunks of any size (e.g. a file or stdin read
 * 64 KiB at a time); gzip input (1f 8b) is decompressed on the fly with DecompressionStream.
 */
export async function* readCapture(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  opts: ReadCaptureOptions = {},
): AsyncGenerator<CaptureEvent, void, undefined> {
  for await (const batch of readCaptureBatches(chunks, opts)) {
    for (let i = 0; i < batch.length; i++) yield batch[i];
  }
}

interface Sniffed {
  gzip: boolean;
  chunks: AsyncIterable<Uint8Array>;
}

/** Look at the first 2 bytes; wrap the input in a gzip decompressor when it starts with 1f 8b. */
async function sniff(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Sniffed> {
  const it: AsyncIterator<Uint8Array> | Iterator<Uint8Array> =
    Symbol.asyncIterator in chunks ? chunks[Symbol.asyncIterator]() : chunks[Symbol.iterator]();
  const head: Uint8Array[] = [];
  let n = 0;
  let done = false;
  while (n < 2) {
    const r = await it.next();
    if (r.done) { done = true; break; }
    if (r.value.length === 0) continue;
    head.push(r.value);
    n += r.value.length;
  }
  const second = n >= 2 ? (head[0].length > 1 ? head[0][1] : head[1][0]) : -1;
  const gzip = n >= 2 && head[0][0] === 0x1f && second === 0x8b;
  const raw = rest(head, done ? undefined : it);
  return { gzip, chunks: gzip ? gunzip(raw) : raw };
}

async function* rest(head: Uint8Array[], it: AsyncIterator<Uint8Array> | Iterator<Uint8Array> | undefined): AsyncGenerator<Uint8Array, void, undefined> {
  for (const h of head) yield h;
  if (it === undefined) return;
  try {
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  } finally {
    // the consumer stopped early: let the source clean up
    await it.return?.();
  }
}

/** Streamed gzip decompression with the web-standard DecompressionStream (Node 20, browsers). */
async function* gunzip(input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array, void, undefined> {
  const ds = new DecompressionStream('gzip');
  const writer = ds.writable.getWriter();
  const reader = ds.readable.getReader();
  let inputError: unknown;
  const pump = (async () => {
    try {
      for await (const c of input) await writer.write(c as Uint8Array<ArrayBuffer>);
      await writer.close();
    } catch (e) {
      inputError = e;
      await writer.abort(e).catch(() => {});
    }
  })();
  let produced = 0;
  let finished = false;
  try {
    for (;;) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch (e) {
        if (inputError !== undefined) throw inputError;
        const msg = e instanceof Error ? e.message : String(e);
        const truncated = /end of (file|stream|data)|unexpected end|incomplete|premature|truncat/i.test(msg);
        throw new TlsLensError(
          truncated ? 'CAPTURE_TRUNCATED' : 'CAPTURE_CORRUPT',
          `${truncated ? 'truncated' : 'corrupt'} gzip data after ${produced} decompressed bytes: ${msg.replace(/\s+/g, ' ')}`,
          { offset: produced },
        );
      }
      if (r.done) break;
      produced += r.value.length;
      yield r.value;
    }
    finished = true;
  } finally {
    if (!finished) await reader.cancel().catch(() => {});
    await pump;
  }
  if (inputError !== undefined) throw inputError;
}
