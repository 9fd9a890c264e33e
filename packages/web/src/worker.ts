/**
 * The dissection worker: holds the opened capture (session.ts) and answers the page's requests
 * (protocol.ts). A newer request of the same kind cancels the older one (a new filter typed
 * while the previous one is still running; a new capture cancels everything).
 */
import { Engine, compileFilter, type Registry } from '@tlslens/core';
import { Cancelled, CaptureSession, toUiError, type Ticket } from './session.ts';
import type { Reply, Request } from './protocol.ts';

interface WorkerScope {
  postMessage(m: Reply, transfer?: Transferable[]): void;
  onmessage: ((ev: MessageEvent<Request>) => void) | null;
}
const scope = self as unknown as WorkerScope;

let session: CaptureSession | undefined;
/** Settles when the capture being opened has been read. */
let ready: Promise<void> = Promise.resolve();
/** A registry for checking filters before any capture is open. */
let registry: Registry | undefined;
/** The running ticket of each request kind. */
const running = new Map<string, Ticket>();

function post(m: Reply, transfer: Transferable[] = []): void {
  scope.postMessage(m, transfer);
}

function ticketFor(kind: string, id: number): Ticket {
  const prev = running.get(kind);
  if (prev) prev.cancelled = true;
  let last = 0;
  const t: Ticket = {
    cancelled: false,
    progress: (phase, done, total) => {
      const now = performance.now();
      if (now - last < 80) return;
      last = now;
      post({ type: 'progress', id, phase, done, total });
    },
  };
  running.set(kind, t);
  return t;
}

async function handle(req: Request): Promise<void> {
  if (req.type === 'open') {
    for (const t of running.values()) t.cancelled = true;
    running.clear();
    const t = ticketFor('open', req.id);
    const s = new CaptureSession(req.keys, req.options);
    session = s;
    const opening = s.open(req.bytes, t, (chunk) => post({ type: 'rows', id: req.id, chunk }, [chunk.len.buffer, chunk.stream.buffer]));
    ready = opening.then(() => undefined, () => undefined);
    post({ type: 'opened', id: req.id, ...(await opening) });
    return;
  }
  // filters, details and views work on the whole capture: wait until it is read
  await ready;
  if (req.type === 'check') {
    const reg = (registry ??= new Engine().reg);
    try {
      const f = compileFilter(req.text, reg);
      post({ type: 'checked', id: req.id, text: req.text, warnings: [...f.warnings] });
    } catch (e) {
      post({ type: 'checked', id: req.id, text: req.text, warnings: [], error: toUiError(e) });
    }
    return;
  }
  const s = session;
  if (!s) throw new Error('no capture is open');
  if (req.type === 'filter') {
    const t = ticketFor('filter', req.id);
    try {
      const r = await s.filter(req.text, t);
      post({ type: 'filtered', id: req.id, text: req.text, matches: r.matches, warnings: r.warnings }, [r.matches.buffer]);
    } catch (e) {
      if (e instanceof Cancelled) throw e;
      post({ type: 'filtered', id: req.id, text: req.text, warnings: [], error: toUiError(e) });
    }
  } else if (req.type === 'detail') {
    const r = await s.detail(req.num, ticketFor('detail', req.id));
    post({ type: 'detail', id: req.id, num: req.num, ...r });
  } else if (req.type === 'http') {
    post({ type: 'http', id: req.id, transactions: await s.http(ticketFor('http', req.id)) });
  } else if (req.type === 'follow') {
    const follow = await s.follow(req.stream, req.mode, ticketFor('follow', req.id));
    post({ type: 'follow', id: req.id, follow });
  } else if (req.type === 'explain') {
    const ex = await s.explain(req.stream, req.lang, ticketFor('explain', req.id));
    post({ type: 'explain', id: req.id, stream: req.stream, ...(ex ? { explanation: ex } : {}) });
  }
}

scope.onmessage = (ev) => {
  const req = ev.data;
  handle(req).catch((e: unknown) => {
    if (e instanceof Cancelled) post({ type: 'cancelled', id: req.id });
    else post({ type: 'error', id: req.id, error: toUiError(e) });
  });
};
