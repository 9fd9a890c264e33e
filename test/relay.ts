// A loopback TCP relay that records what each side wrote (with wall-clock times at a monotonic
// clock's resolution), for tests that rebuild real TLS sessions into captures with synthesizeTcp.
import net from 'node:net';
import type { AbsTime, TcpChunk } from '@tlslens/core';

const BASE = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
export function now(): AbsTime {
  const ns = BASE + process.hrtime.bigint();
  return { s: Number(ns / 1_000_000_000n), ns: Number(ns % 1_000_000_000n) };
}

export interface Relay {
  /** Where the client connects. */
  readonly port: number;
  /** What each side wrote: dir 0 client → server, 1 server → client. */
  readonly chunks: TcpChunk[];
  /** When each side ended its half of the connection. */
  readonly fin: [AbsTime | undefined, AbsTime | undefined];
  /** When the client connected. */
  start?: AbsTime;
  /** Resolves when both sides have closed. */
  readonly done: Promise<void>;
  close(): void;
}

/** Starts a relay to 127.0.0.1:`target` (one connection). */
export async function startRelay(target: number): Promise<Relay> {
  const chunks: TcpChunk[] = [];
  const fin: Relay['fin'] = [undefined, undefined];
  let closed!: () => void;
  const done = new Promise<void>((res) => (closed = res));
  const r: { start?: AbsTime } = {};
  const server = net.createServer({ allowHalfOpen: true }, (down) => {
    r.start = now();
    const up = net.connect({ host: '127.0.0.1', port: target, allowHalfOpen: true });
    let n = 0;
    const pipe = (a: net.Socket, b: net.Socket, dir: 0 | 1) => {
      a.on('data', (d: Buffer) => {
        chunks.push({ t: now(), dir, bytes: new Uint8Array(d) });
        b.write(d);
      });
      a.on('end', () => {
        fin[dir] ??= now();
        b.end();
      });
      a.on('error', () => b.destroy());
      a.on('close', () => { if (++n === 2) closed(); });
    };
    pipe(down, up, 0);
    pipe(up, down, 1);
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  return {
    port: (server.address() as net.AddressInfo).port,
    chunks, fin, done,
    get start() { return r.start; },
    close: () => server.close(),
  };
}
