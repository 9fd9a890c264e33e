import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { TlsLensError } from '@tlslens/core';

/** Chunks of a file (or of stdin for "-"), 256 KiB at a time (bigger chunks only raise peak memory). */
export async function openInput(path: string): Promise<AsyncIterable<Uint8Array>> {
  if (path === '-') return plain(process.stdin as AsyncIterable<Uint8Array>);
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new TlsLensError('IO', `"${path}" is a directory, not a capture file`);
  } catch (e) {
    if (e instanceof TlsLensError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new TlsLensError('IO', `The file "${path}" doesn't exist.`);
    if (code === 'EACCES') throw new TlsLensError('IO', `The file "${path}" can't be opened: permission denied.`);
    throw new TlsLensError('IO', `The file "${path}" can't be opened: ${(e as Error).message}`);
  }
  return plain(createReadStream(path, { highWaterMark: 1 << 18 }) as AsyncIterable<Uint8Array>);
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
