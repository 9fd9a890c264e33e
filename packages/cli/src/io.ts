import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { TlsLensError } from '@tlslens/core';

/**
 * Chunks of a file (or of stdin for "-"), 256 KiB at a time (bigger chunks only raise peak
 * memory). Regular files are read synchronously: the kernel reads ahead anyway, and an
 * asynchronous read per chunk leaves the CPU idle between chunks.
 */
export async function openInput(path: string): Promise<AsyncIterable<Uint8Array> | Iterable<Uint8Array>> {
  if (path === '-') return plain(process.stdin as AsyncIterable<Uint8Array>);
  let regular = false;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new TlsLensError('IO', `"${path}" is a directory, not a capture file`);
    regular = st.isFile();
  } catch (e) {
    if (e instanceof TlsLensError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new TlsLensError('IO', `The file "${path}" doesn't exist.`);
    if (code === 'EACCES') throw new TlsLensError('IO', `The file "${path}" can't be opened: permission denied.`);
    throw new TlsLensError('IO', `The file "${path}" can't be opened: ${(e as Error).message}`);
  }
  if (regular) return fileChunks(path);
  return plain(createReadStream(path, { highWaterMark: CHUNK }) as AsyncIterable<Uint8Array>);
}

const CHUNK = 1 << 18;

/** A regular file in fresh chunks (frames are views into them, so a chunk is never reused). */
function* fileChunks(path: string): Iterable<Uint8Array> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new TlsLensError('IO', `The file "${path}" can't be opened: ${(e as Error).message}`);
  }
  try {
    for (;;) {
      const buf = new Uint8Array(CHUNK);
      let n = 0;
      while (n < CHUNK) {
        const r = readSync(fd, buf, n, CHUNK - n, null);
        if (r === 0) break;
        n += r;
      }
      if (n === 0) return;
      yield n === CHUNK ? buf : buf.subarray(0, n);
      if (n < CHUNK) return;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Node hands out Buffers; views of a plain Uint8Array are much cheaper to slice
 * (`subarray` on a Buffer builds another Buffer), and dissectors slice a lot.
 */
async function* plain(src: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  for await (const b of src) yield new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Buffered stdout that respects back-pressure and ends quietly on a closed pipe. */
export class Out {
  private buf = '';
  private closed = false;
  constructor(private readonly stream: NodeJS.WriteStream = process.stdout) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') {
        this.closed = true;
        process.exit(0);
      }
    });
  }
  write(s: string): void | Promise<void> {
    this.buf += s;
    if (this.buf.length >= 1 << 16) return this.flush();
  }
  async flush(): Promise<void> {
    if (this.closed || this.buf === '') return;
    const s = this.buf;
    this.buf = '';
    if (!this.stream.write(s)) await new Promise<void>((res) => this.stream.once('drain', () => res()));
  }
}
