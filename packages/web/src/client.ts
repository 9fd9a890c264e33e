/** The page's side of the worker: requests as promises, progress and row chunks as callbacks. */
import type { Reply, Request, RowChunk } from './protocol.ts';

type Pending = { resolve: (r: Reply) => void; reject: (e: Error) => void };
type Without<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

export class WorkerClient {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  onProgress: (phase: string, done: number, total: number) => void = () => {};
  onRows: (c: RowChunk) => void = () => {};

  constructor() {
    this.worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (ev: MessageEvent<Reply>) => this.receive(ev.data);
    this.worker.onerror = (ev) => {
      const err = new Error(`the dissection worker failed: ${ev.message || 'unknown error'}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
  }

  private receive(m: Reply): void {
    if (m.type === 'progress') {
      this.onProgress(m.phase, m.done, m.total);
      return;
    }
    if (m.type === 'rows') {
      this.onRows(m.chunk);
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    p.resolve(m);
  }

  /** Sends a request; resolves with its final reply ('error' and 'cancelled' included). */
  request(req: Without<Request, 'id'>, transfer: Transferable[] = []): Promise<Reply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...req, id } as Request, transfer);
    });
  }
}
