/**
 * Live decryption hook: during a capture the key log file (SSLKEYLOGFILE of a browser, curl, …)
 * grows as new TLS sessions start. KeylogTail reads what was appended, complete lines only, at
 * most every `intervalMs`, into a KeyLog (core), before each batch of packets is dissected.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { KeyLog, type Engine } from '@tlslens/core';

export class KeylogTail {
  /** Every key read so far, from every file. */
  readonly keys = new KeyLog();
  private readonly offsets: number[];
  private readonly partial: string[];
  private last = 0;
  private readonly decoder = new TextDecoder();

  constructor(
    private readonly paths: readonly string[],
    private readonly engine: Engine,
    private readonly intervalMs = 200,
  ) {
    this.offsets = paths.map(() => 0);
    this.partial = paths.map(() => '');
  }

  /** Reads what was appended since the last call (rate-limited unless `force`); returns the number of new keys. */
  poll(force = false): number {
    const now = Date.now();
    if (!force && now - this.last < this.intervalMs) return 0;
    this.last = now;
    let added = 0;
    this.paths.forEach((path, i) => {
      let fd: number;
      try {
        fd = openSync(path, 'r');
      } catch {
        return; // not created yet: the client creates it when its first session starts
      }
      try {
        const size = fstatSync(fd).size;
        if (size < this.offsets[i]!) {
          this.offsets[i] = 0; // truncated or replaced: read it again
          this.partial[i] = '';
        }
        if (size === this.offsets[i]) return;
        const buf = Buffer.allocUnsafe(size - this.offsets[i]!);
        let got = 0;
        while (got < buf.length) {
          const n = readSync(fd, buf, got, buf.length - got, this.offsets[i]! + got);
          if (n === 0) break;
          got += n;
        }
        this.offsets[i]! += got;
        const text = this.partial[i] + this.decoder.decode(buf.subarray(0, got));
        const nl = text.lastIndexOf('\n');
        this.partial[i] = text.slice(nl + 1);
        if (nl < 0) return;
        const lines = text.slice(0, nl + 1);
        const n = this.keys.addText(lines, path);
        if (n > 0) {
          added += n;
          this.deliver(lines, path);
        }
      } finally {
        closeSync(fd);
      }
    });
    return added;
  }

  /** Hands new key log lines to the engine: connections waiting for them decrypt from now on. */
  private deliver(text: string, source: string): void {
    this.engine.addKeyLog(text, source);
  }
}
