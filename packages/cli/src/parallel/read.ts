/**
 * `tlslens read --threads N`: a big capture file dissected by N worker threads at once.
 *
 * Every worker reads the whole file and numbers every TCP conversation (so tcp.stream, frame
 * times and IP reassembly are those of the whole capture), but analyses, decrypts and
 * dissects above TCP only the conversations with tcp.stream % N === its index; packets
 * without TCP belong to worker 0. Each worker filters and formats its own packets and sends
 * them with their frame numbers; this thread prints them in frame order, so the output is the
 * one-thread output byte for byte.
 *
 * What only the whole capture knows stops a worker (Engine.shardConflict: a TLS session set
 * up by a connection of another worker and resumed without a key log line of its own, a
 * SOCKS proxy's stream number): everything printed so far stays and one thread reads the rest.
 * A display filter that depends on earlier displayed packets (frame.time_delta_displayed, -t
 * dd, the -V tree) and small or piped inputs are read by one thread from the start.
 */
import { availableParallelism } from 'node:os';
import { stat } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { Engine, TlsLensError } from '@tlslens/core';
import type { ReadArgs } from '../args.ts';
import { createPrinter, type PacketPrinter } from '../packets.ts';
import { runRead } from '../commands/read.ts';

/** What a worker is started with. */
export interface ShardData {
  readonly tlslensShard: true;
  readonly argv: readonly string[];
  readonly index: number;
  readonly count: number;
}

/** Worker → main messages. */
export type ShardMessage =
  | { readonly t: 'out'; readonly frames: number[]; readonly texts: string[]; readonly upto: number }
  | { readonly t: 'done'; readonly status: number; readonly frames: number; readonly conflict?: { what: string; frame: number } | undefined }
  | { readonly t: 'failed'; readonly message: string };

/** Files smaller than this are read by one thread under --threads auto. */
const AUTO_MIN_BYTES = 64 * 1024 * 1024;
const AUTO_MAX_THREADS = 4;

/** A parallel read worth doing: how many workers, and the printer of this thread (options checked). */
export interface ParallelPlan {
  readonly count: number;
  readonly printer: PacketPrinter;
}

/** Whether and how to read args.file with worker threads (undefined: the plain one-thread read). */
export async function parallelPlan(args: ReadArgs): Promise<ParallelPlan | undefined> {
  if (args.threads === 1 || args.file === undefined || args.file === '-') return undefined;
  let size: number;
  try {
    const st = await stat(args.file);
    if (!st.isFile()) return undefined;
    size = st.size;
  } catch {
    return undefined; // the one-thread read reports why it cannot open the file
  }
  let n: number;
  if (args.threads === undefined || args.threads === 'auto') {
    const cores = availableParallelism();
    n = cores >= 4 && size >= AUTO_MIN_BYTES ? Math.min(cores, AUTO_MAX_THREADS) : 1;
  } else n = args.threads;
  // a few packets are not worth starting threads for
  if (n <= 1 || (args.count !== undefined && args.count < 100_000)) return undefined;
  // options the one-thread read rejects (with its messages), and outputs that need the history of displayed packets
  try {
    const printer = createPrinter(new Engine({ prefs: new Map(args.prefs), decodeAs: args.decodeAs }), args, { quietWarnings: true });
    if (typeof printer === 'number' || printer.needsDisplayHistory()) return undefined;
    return { count: n, printer };
  } catch (e) {
    if (e instanceof TlsLensError) return undefined;
    throw e;
  }
}

interface Shard {
  readonly worker: Worker;
  /** Printed packets received and not yet written: frame numbers and texts, from `at` on. */
  frames: number[];
  texts: string[];
  at: number;
  /** Every frame up to this one has been read by the worker. */
  upto: number;
  done?: Extract<ShardMessage, { t: 'done' }>;
  stderr: string;
  stderrEnd?: Promise<void>;
}

export async function readParallel(argv: readonly string[], args: ReadArgs, plan: ParallelPlan): Promise<number> {
  // this thread prints the filter's warnings, the header, the packets in order and the end (json's brackets)
  const { count, printer } = plan;
  for (const w of printer.filterWarnings) process.stderr.write(`tlslens: ${w}\n`);
  const out = printer.out;
  const json = args.format === 'json';
  await printer.begin();
  if (process.env['TLSLENS_THREADS_DEBUG']) process.stderr.write(`tlslens: threads: ${count} workers\n`);

  let emitted = 0;
  let lastEmitted = 0;
  let stop: string | undefined;
  const shards: Shard[] = [];
  let wake: (() => void) | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };

  for (let index = 0; index < count; index++) {
    const data: ShardData = { tlslensShard: true, argv: [...argv], index, count };
    const worker = new Worker(new URL(import.meta.url), { workerData: data, stderr: true, stdout: false });
    const s: Shard = { worker, frames: [], texts: [], at: 0, upto: 0, stderr: '' };
    shards.push(s);
    worker.stderr.setEncoding('utf8');
    worker.stderr.on('data', (d: string) => (s.stderr += d));
    s.stderrEnd = new Promise<void>((res) => {
      worker.stderr.on('end', () => res());
      worker.stderr.on('error', () => res());
    });
    worker.on('message', (m: ShardMessage) => {
      if (m.t === 'out') {
        if (s.at > 0 && s.at >= s.frames.length) {
          s.frames = [];
          s.texts = [];
          s.at = 0;
        }
        for (let i = 0; i < m.frames.length; i++) {
          s.frames.push(m.frames[i]!);
          s.texts.push(m.texts[i]!);
        }
        s.upto = m.upto;
      } else if (m.t === 'done') {
        s.done = m;
        s.upto = m.frames;
        if (m.conflict) {
          // its packets from the conflicting frame on may differ from a one-thread read's
          stop ??= m.conflict.what;
          s.upto = m.conflict.frame - 1;
          while (s.frames.length > s.at && s.frames[s.frames.length - 1]! >= m.conflict.frame) {
            s.frames.pop();
            s.texts.pop();
          }
        }
      } else {
        stop ??= `a worker failed: ${m.message}`;
      }
      poke();
    });
    worker.on('error', (e) => {
      stop ??= `a worker failed: ${e.message}`;
      poke();
    });
    worker.on('exit', () => {
      if (!s.done) stop ??= 'a worker stopped early';
      poke();
    });
  }

  /** Writes every packet whose turn has come: no other shard can still print an earlier frame. */
  const pump = async (): Promise<void> => {
    for (;;) {
      let best: Shard | undefined;
      for (const s of shards) if (s.at < s.frames.length && (!best || s.frames[s.at]! < best.frames[best.at]!)) best = s;
      if (!best) return;
      const frame = best.frames[best.at]!;
      for (const s of shards) if (s !== best && s.at >= s.frames.length && s.upto < frame) return;
      const text = best.texts[best.at]!;
      best.at++;
      const w = out.write(json && emitted > 0 ? ',\n' + text : text);
      if (w) await w;
      emitted++;
      lastEmitted = frame;
    }
  };

  for (;;) {
    await pump();
    if (stop !== undefined || shards.every((s) => s.done)) break;
    await new Promise<void>((res) => (wake = res));
  }

  if (stop === undefined) {
    await pump();
    printer.shown = emitted;
    await printer.end();
    // a worker's stderr arrives on its own stream: wait for its end
    await Promise.all(shards.map((s) => s.stderrEnd));
    // every worker read the same file and keys: their messages are the same, worker 0's are printed
    if (shards[0]!.stderr) process.stderr.write(shards[0]!.stderr);
    return Math.max(...shards.map((s) => s.done!.status));
  }

  // hand over to one thread for the rest: what can be printed in order is, the rest is read again
  await pump();
  for (const s of shards) {
    s.worker.removeAllListeners('exit');
    await s.worker.terminate();
  }
  await out.flush();
  // the hand-over is invisible in the output; TLSLENS_THREADS_DEBUG=1 tells it (tests, bug reports)
  if (process.env['TLSLENS_THREADS_DEBUG']) process.stderr.write(`tlslens: threads: one thread reads on after frame ${lastEmitted}: ${stop}\n`);
  const rest = await runRead(args, { quietWarnings: true, skipThrough: lastEmitted, shownBefore: emitted });
  return rest.status;
}
