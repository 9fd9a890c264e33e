/**
 * The capture loop the analysis commands share: secrets blocks go to the engine, every frame is
 * dissected with the same `wanted` set and handed to `each` (returning true stops early), and
 * the engine is finished at the end, also when the capture is damaged.
 */
import { TlsLensError, readCaptureBatches, type Engine, type Packet } from '@tlslens/core';

export type Chunks = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
export interface Wanted {
  fields: Uint8Array;
  tree: boolean;
  columns: boolean;
}

/** One pass; resolves to the message of the read error that ended it, or undefined. */
export async function eachPacket(input: Chunks, engine: Engine, wanted: Wanted, count: number | undefined,
  each: (p: Packet) => boolean | void): Promise<string | undefined> {
  let num = 0;
  try {
    for await (const batch of readCaptureBatches(input, { onFormat: (f) => engine.setFileFormat(f) })) {
      for (const ev of batch) {
        if (ev.kind === 'secrets') {
          // a pcapng Decryption Secrets Block: keys for the frames that follow
          engine.addSecrets(ev.secrets.type, ev.secrets.data);
          continue;
        }
        if (ev.kind !== 'frame') continue;
        num++;
        if (each(engine.dissect(ev.frame, num, wanted)) === true) return undefined;
        if (count !== undefined && num >= count) return undefined;
      }
    }
  } catch (e) {
    if (!(e instanceof TlsLensError)) throw e;
    return e.message;
  } finally {
    engine.finish();
  }
  return undefined;
}
