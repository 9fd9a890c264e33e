/** The worker side of `read --threads N` (see read.ts): one shard's packets, sent in batches. */
import { parentPort } from 'node:worker_threads';
import { parseReadArgs } from '../args.ts';
import { runRead } from '../commands/read.ts';
import type { ShardData, ShardMessage } from './read.ts';

/** Characters of printed text gathered before a message goes to the main thread. */
const BATCH_CHARS = 1 << 16;
/** Frames read between two messages that carry only progress. */
const PROGRESS_FRAMES = 16384;

export async function runShardWorker(d: ShardData): Promise<void> {
  const port = parentPort!;
  const post = (m: ShardMessage) => port.postMessage(m);
  let frames: number[] = [];
  let texts: string[] = [];
  let chars = 0;
  let sent = 0;
  const send = (upto: number, force = false) => {
    // progress alone is worth a message only now and then (the main thread waits on it only
    // when another shard has a later packet ready)
    if (frames.length === 0 && (upto === sent || (!force && upto - sent < PROGRESS_FRAMES))) return;
    post({ t: 'out', frames, texts, upto });
    sent = upto;
    frames = [];
    texts = [];
    chars = 0;
  };
  try {
    const args = parseReadArgs(d.argv);
    const r = await runRead(args, {
      quietWarnings: true,
      shard: {
        index: d.index,
        count: d.count,
        sink: (frame, text) => {
          frames.push(frame);
          texts.push(text);
          chars += text.length;
          if (chars >= BATCH_CHARS) send(frame);
        },
        progress: (frame) => send(frame),
      },
    });
    if (r.conflict) {
      // what was printed before the conflicting frame is still right
      const keep = frames.findIndex((f) => f >= r.conflict!.frame);
      if (keep >= 0) {
        frames.length = keep;
        texts.length = keep;
      }
      send(r.conflict.frame - 1, true);
    } else send(r.frames, true);
    post({ t: 'done', status: r.status, frames: r.frames, conflict: r.conflict });
  } catch (e) {
    post({ t: 'failed', message: (e as Error).stack ?? String(e) });
  }
}
