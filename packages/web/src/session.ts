/**
 * One opened capture, in the worker: the frames (kept in memory, read once) and the passes
 * the UI asks for. Each pass runs a fresh Engine over the frames in order, as tshark does:
 * the list (columns), a display filter (only the fields it reads), the detail tree of one
 * frame, the HTTP log, one followed stream. No DOM and no worker API here (Node runs it too).
 */
import {
  Engine, ExplainCollector, FollowCollector, buildExplanation, originFrames, originPass, catalogue, explanationJson, webCryptoVerifier, type Lang, HandshakeCollector, HttpLogBuilder, TlsLensError, compileFilter, engineDecryption,
  httpFollowChunks, nodeLabel, readCaptureBatches, timeColumn, tryParseCertificate,
  type CaptureFrame, type CaptureSecrets, type HandshakeSummary, type HttpTransaction, type Packet, type TimeState,
  type TlsKeyInput, type TreeNode, type Wanted,
} from '@tlslens/core';
import type {
  FollowMode, KeyFile, SessionOptions, UiExplanation, RowChunk, UiConnection, UiError, UiFollow, UiHttpTransaction, UiNode, UiSource,
} from './protocol.ts';

/** Thrown out of a pass when a newer request replaced it. */
export class Cancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

/** A pass's link to its requester: progress, cancellation, and a chance for other messages to run. */
export interface Ticket {
  cancelled: boolean;
  progress?: (phase: string, done: number, total: number) => void;
}

const ROW_CHUNK = 5000;
/** Hand the event loop back this often (ms) so new requests (and cancellations) get through. */
const SLICE_MS = 25;

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

export function toUiError(e: unknown): UiError {
  if (e instanceof TlsLensError) {
    return {
      code: e.code, message: e.message,
      ...(e.column !== undefined ? { column: e.column } : {}), ...(e.length !== undefined ? { length: e.length } : {}),
    };
  }
  return { code: 'INTERNAL', message: (e as Error)?.message ?? String(e) };
}

export function keyInput(keys: readonly KeyFile[]): TlsKeyInput {
  const dec = new TextDecoder();
  return {
    keylogs: keys.filter((k) => k.kind === 'keylog').map((k) => ({ name: k.name, text: typeof k.data === 'string' ? k.data : dec.decode(k.data) })),
    rsaKeys: keys.filter((k) => k.kind === 'rsa').map((k) => ({ name: k.name, data: k.data, ...(k.password ? { password: k.password } : {}) })),
  };
}

function textPreview(d: Uint8Array, max = 8192): string {
  if (d.length === 0) return '';
  const part = d.subarray(0, max);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(part);
  } catch {
    // binary: a hex preview of the first bytes
    const hex = Array.from(d.subarray(0, 64), (b) => b.toString(16).padStart(2, '0')).join(' ');
    return `[${d.length} bytes of binary data] ${hex}${d.length > 64 ? ' …' : ''}`;
  }
  return d.length > max ? `${text}\n[… ${d.length - max} more bytes]` : text;
}

function cn(subject: string): string {
  const m = /(?:^|,)CN=((?:\\.|[^,])*)/.exec(subject);
  return m ? m[1]!.replace(/\\(.)/g, '$1') : subject;
}

function connection(h: HandshakeSummary): UiConnection {
  const leafDer = h.chains.find((c) => c.side === 'server')?.certificates[0];
  const leaf = leafDer ? tryParseCertificate(leafDer) : undefined;
  // close_notify is how a connection normally ends: not worth a warning
  const alerts = h.alerts.filter((a) => a.description !== 'Close Notify').map((a) => `${a.from}: ${a.level === 'encrypted' ? 'encrypted alert' : `${a.level} ${a.description}`}`).join('; ');
  let status = h.decryptionStatus?.text ?? '';
  if (!status && h.decryption === 'no') status = 'no key material for this connection (add its key log)';
  return {
    stream: h.stream, client: h.client, server: h.server, sni: h.sni ?? '', version: h.version ?? '',
    cipherSuite: h.cipherSuite ?? '', group: h.group ?? '', alpn: h.alpn ?? (h.alpnOffered.length ? `(offered ${h.alpnOffered.join(', ')})` : ''),
    resumed: h.resumed ?? '', certificate: leaf ? cn(leaf.subject.text) : leafDer ? '(unparsable)' : '',
    decryption: h.decryption, decryptionStatus: status, complete: h.complete, alerts, ja4: h.ja4 ?? '',
    firstFrame: h.firstFrame, handshakeMs: h.handshakeMs ?? null,
  };
}

function uiTree(engine: Engine, nodes: readonly TreeNode[]): UiNode[] {
  const reg = engine.reg;
  const out: UiNode[] = [];
  for (const n of nodes) {
    if (n.hidden) continue;
    const kids = n.children && n.children.length ? uiTree(engine, n.children) : undefined;
    out.push({
      label: nodeLabel(reg, n), field: reg.get(n.id).abbrev, offset: n.offset, length: n.length, src: n.src,
      ...(kids && kids.length ? { children: kids } : {}),
    });
  }
  return out;
}

function ms(a: { s: number; ns: number }, b: { s: number; ns: number } | undefined): number | null {
  return b ? Number(((b.s - a.s) * 1000 + (b.ns - a.ns) / 1e6).toFixed(3)) : null;
}

function httpTx(t: HttpTransaction): UiHttpTransaction {
  return {
    stream: t.stream, h2stream: t.h2stream ?? null, method: t.method, url: t.url, version: t.httpVersion,
    status: t.status ?? null, statusText: t.statusText, contentType: t.contentType, requestFrame: t.requestFrame,
    responseFrame: t.responseFrame ?? null, requestHeaders: t.requestHeaders, responseHeaders: t.responseHeaders,
    requestBodySize: t.requestBody.length, responseBodySize: t.responseBody.length,
    requestBodyPreview: textPreview(t.requestBody), responseBodyPreview: textPreview(t.responseBody),
    totalMs: ms(t.requestTime, t.responseEndTime),
  };
}

export interface OpenResult {
  count: number;
  format: string;
  warnings: string[];
  error?: UiError;
  connections: UiConnection[];
}

export class CaptureSession {
  readonly frames: CaptureFrame[] = [];
  /** Decryption Secrets Blocks, by the index of the frame they come before. */
  private readonly secrets = new Map<number, CaptureSecrets[]>();
  private format = '';
  private digits = 6;
  private readonly keys: TlsKeyInput;
  private readonly prefs: Map<string, string>;
  private readonly decodeAs: string[];
  /** Decode-as rules the engine could not apply, with why. */
  readonly optionErrors: string[] = [];
  /** The engine of the detail pane, kept between clicks: frame N+1 after N costs one frame. */
  private detailEngine: Engine | undefined;
  private detailNext = 0;
  private readonly detailCache = new Map<number, { tree: UiNode[]; sources: UiSource[] }>();
  private detailQueue: Promise<unknown> = Promise.resolve();

  constructor(keys: readonly KeyFile[], options: SessionOptions = { prefs: [], decodeAs: [] }) {
    this.keys = keyInput(keys);
    this.prefs = new Map(options.prefs);
    this.decodeAs = [...options.decodeAs];
  }

  newEngine(): Engine {
    const e = new Engine({ keys: this.keys, prefs: this.prefs, decodeAs: this.decodeAs });
    if (this.format) e.setFileFormat(this.format);
    return e;
  }

  /**
   * Reads the capture and makes the packet list (rows handed out in chunks) and the TLS
   * connections. A damaged file keeps the frames before the damage and reports the error.
   */
  async open(bytes: Uint8Array, ticket: Ticket, onRows: (c: RowChunk) => void): Promise<OpenResult> {
    const engine = this.newEngine();
    this.optionErrors.push(...engine.decodeAsErrors);
    const reg = engine.reg;
    const col = new HandshakeCollector(reg);
    const streamId = reg.find('tcp.stream')?.id;
    const want = new Uint8Array(reg.size);
    for (const id of col.fields) want[id] = 1;
    if (streamId !== undefined) want[streamId] = 1;
    const wanted: Wanted = { fields: want, tree: false, columns: true };
    const ts: TimeState = {};
    engine.columnTime = (t) => timeColumn('r', t, ts, this.digits);
    let chunk = this.newChunk(0);
    const flush = () => {
      if (chunk.time.length === 0) return;
      const n = chunk.time.length;
      onRows({ ...chunk, len: chunk.len.slice(0, n), stream: chunk.stream.slice(0, n) });
      chunk = this.newChunk(this.frames.length);
    };
    const total = bytes.length;
    const STEP = 1 << 20;
    let fed = 0;
    async function* pieces(): AsyncGenerator<Uint8Array> {
      for (let o = 0; o < total; o += STEP) {
        fed = Math.min(total, o + STEP);
        yield bytes.subarray(o, o + STEP);
      }
    }
    let error: UiError | undefined;
    let last = performance.now();
    try {
      for await (const batch of readCaptureBatches(pieces(), { onFormat: (f) => { this.format = f; engine.setFileFormat(f); } })) {
        for (const ev of batch) {
          if (ev.kind === 'interface') {
            if ((ev.iface.tsresol ?? 6) > 6) this.digits = 9;
            continue;
          }
          if (ev.kind === 'secrets') {
            const at = this.frames.length;
            const list = this.secrets.get(at) ?? [];
            list.push({ type: ev.secrets.type, data: ev.secrets.data.slice() });
            this.secrets.set(at, list);
            engine.addSecrets(ev.secrets.type, ev.secrets.data);
            continue;
          }
          const f = ev.frame;
          // frames of a plain file are views into `bytes`; others (gzip) may share a reused buffer
          const frame = f.data.buffer === bytes.buffer ? f : { ...f, data: f.data.slice() };
          this.frames.push(frame);
          const num = this.frames.length;
          const p = engine.dissect(frame, num, wanted);
          ts.first ??= p.ts;
          col.add(p);
          engine.displayed(p);
          const i = chunk.time.length;
          chunk.time.push(timeColumn('r', p.ts, ts, this.digits));
          chunk.src.push(p.colSrc);
          chunk.dst.push(p.colDst);
          chunk.proto.push(p.colProtocol);
          chunk.len[i] = p.origLen;
          chunk.info.push(p.colInfo);
          const st = streamId !== undefined ? p.values(streamId)?.[0] : undefined;
          chunk.stream[i] = typeof st === 'number' ? st : -1;
          ts.prevCaptured = p.ts;
          ts.prevDisplayed = p.ts;
          if (i + 1 === ROW_CHUNK) flush();
        }
        if (performance.now() - last > SLICE_MS) {
          flush();
          ticket.progress?.('Reading', fed, total);
          await tick();
          last = performance.now();
          if (ticket.cancelled) throw new Cancelled();
        }
      }
    } catch (e) {
      if (!(e instanceof TlsLensError)) throw e;
      error = toUiError(e);
    }
    engine.finish();
    flush();
    const connections = col.summaries(false, engineDecryption(engine)).map(connection);
    return { count: this.frames.length, format: this.format, warnings: [...this.optionErrors, ...engine.keyWarnings()], connections, ...(error ? { error } : {}) };
  }

  private newChunk(start: number) {
    return { start, time: [] as string[], src: [] as string[], dst: [] as string[], proto: [] as string[], len: new Uint32Array(ROW_CHUNK), info: [] as string[], stream: new Int32Array(ROW_CHUNK) };
  }

  /** Runs `engine` over frames [from, to) (0-based), applying the capture's secrets in place. */
  private async run(engine: Engine, from: number, to: number, wanted: (i: number) => Wanted, each: (p: Packet) => void, ticket: Ticket, phase: string): Promise<void> {
    let last = performance.now();
    for (let i = from; i < to; i++) {
      const sec = this.secrets.get(i);
      if (sec) for (const s of sec) engine.addSecrets(s.type, s.data);
      each(engine.dissect(this.frames[i]!, i + 1, wanted(i)));
      if ((i & 63) === 0 && performance.now() - last > SLICE_MS) {
        ticket.progress?.(phase, i - from, to - from);
        await tick();
        last = performance.now();
        if (ticket.cancelled) throw new Cancelled();
      }
    }
  }

  /** Frame numbers matching a display filter; a bad filter throws its TlsLensError (column, length). */
  async filter(text: string, ticket: Ticket): Promise<{ matches: Uint32Array; warnings: string[] }> {
    const engine = this.newEngine();
    const filter = compileFilter(text, engine.reg);
    const want = new Uint8Array(engine.reg.size);
    for (const id of filter.fields) want[id] = 1;
    const wanted: Wanted = { fields: want, tree: false, columns: engine.meta.wantsColumns(want) };
    const ts: TimeState = {};
    engine.columnTime = (t) => timeColumn('r', t, ts, this.digits);
    const out = new Uint32Array(this.frames.length);
    let n = 0;
    await this.run(engine, 0, this.frames.length, () => wanted, (p) => {
      ts.first ??= p.ts;
      if (filter.match((id) => p.values(id))) {
        out[n++] = p.num;
        engine.displayed(p);
        ts.prevDisplayed = p.ts;
      }
      ts.prevCaptured = p.ts;
    }, ticket, 'Filtering');
    engine.finish();
    return { matches: out.slice(0, n), warnings: [...filter.warnings] };
  }

  /** The detail tree and byte sources of frame `num` (1-based), as `read -V` builds them. */
  detail(num: number, ticket: Ticket): Promise<{ tree: UiNode[]; sources: UiSource[] }> {
    // one at a time: the detail engine is shared, and a cancelled pass stops only at its next pause
    const run = this.detailQueue.then(() => {
      if (ticket.cancelled) throw new Cancelled();
      return this.detailNow(num, ticket);
    });
    this.detailQueue = run.catch(() => undefined);
    return run;
  }

  private async detailNow(num: number, ticket: Ticket): Promise<{ tree: UiNode[]; sources: UiSource[] }> {
    if (num < 1 || num > this.frames.length) throw new TlsLensError('USAGE', `no frame ${num}`);
    const cached = this.detailCache.get(num);
    if (cached) return cached;
    if (!this.detailEngine || this.detailNext > num - 1) {
      this.detailEngine = this.newEngine();
      this.detailNext = 0;
    }
    const engine = this.detailEngine;
    const ts: TimeState = { first: this.frames[0]!.ts };
    engine.columnTime = (t) => timeColumn('r', t, ts, this.digits);
    const none: Wanted = { fields: new Uint8Array(engine.reg.size), tree: false, columns: false };
    const full: Wanted = { tree: true, columns: true };
    let result: { tree: UiNode[]; sources: UiSource[] } | undefined;
    const from = this.detailNext;
    try {
      await this.run(engine, from, num, (i) => (i === num - 1 ? full : none), (p) => {
        engine.displayed(p); // as in `read -V`, every frame is displayed (frame.time_delta_displayed)
        if (p.num !== num) return;
        result = { tree: uiTree(engine, p.roots), sources: p.sources.map((s) => ({ name: s.name, data: s.data.slice() })) };
      }, ticket, 'Dissecting');
    } catch (e) {
      // the engine stopped mid-way: start over next time
      this.detailEngine = undefined;
      throw e;
    }
    this.detailNext = num;
    if (this.detailCache.size > 200) this.detailCache.delete(this.detailCache.keys().next().value!);
    this.detailCache.set(num, result!);
    return result!;
  }

  /** HTTP/1.x and HTTP/2 transactions (decrypted when the keys allow). */
  async http(ticket: Ticket): Promise<UiHttpTransaction[]> {
    const engine = this.newEngine();
    const builder = new HttpLogBuilder(engine.reg);
    const tcpHandler = engine.tcpApps.handler;
    engine.tcp.setPayloadHandler((p, data, offset, end, seg) => {
      if (end > offset) builder.segment(seg.stream, p.num, p.ts, seg.srcport);
      return tcpHandler(p, data, offset, end, seg);
    });
    // only the fields the log reads, in order, no tree (as `tlslens http`)
    const wanted: Wanted = builder.wanted(engine.reg);
    engine.releaseClosed = true;
    await this.run(engine, 0, this.frames.length, () => wanted, (p) => builder.add(p), ticket, 'HTTP');
    engine.finish();
    return builder.transactions.map(httpTx);
  }

  /** One TCP stream's payload per direction: raw TCP, decrypted TLS records or HTTP messages. */
  async follow(stream: number, mode: FollowMode, ticket: Ticket): Promise<UiFollow> {
    const engine = this.newEngine();
    const col = new FollowCollector(mode, stream);
    const seen = new Set<number>();
    /** Each TCP direction's sender, to name both nodes (tshark leaves TLS's second node empty). */
    const names: ({ addr: string; port: number } | undefined)[] = [undefined, undefined];
    let httpSeg: { dir: 0 | 1; src: { addr: string; port: number }; dst: { addr: string; port: number } } | undefined;
    const tcpHandler = engine.tcpApps.handler;
    engine.tcp.setPayloadHandler((p, data, offset, end, seg) => {
      if (seg.stream === stream && mode !== 'tls' && !seen.has(p.num)) {
        seen.add(p.num);
        const src = { addr: p.colSrc, port: seg.srcport };
        const dst = { addr: p.colDst, port: seg.dstport };
        if (mode === 'tcp') {
          col.endpoint(seg.dir, src, dst);
          col.tcpSegment(seg.dir, seg.offset, data.slice(offset, end), p.num, p.ts);
        } else httpSeg = { dir: seg.dir, src, dst };
      }
      return tcpHandler(p, data, offset, end, seg);
    });
    if (mode === 'tls') {
      engine.tls.recordTap = (p, ct, plain, seg) => {
        if (seg.stream !== stream || ct !== 23) return;
        // node 0 is the first sender of application data (usually the client), node 1 the other side
        col.endpoint(seg.dir, { addr: p.colSrc, port: seg.srcport }, { addr: p.colDst, port: seg.dstport });
        names[seg.dir] = { addr: p.colSrc, port: seg.srcport };
        names[seg.dir ^ 1] ??= { addr: p.colDst, port: seg.dstport };
        col.record(seg.dir, plain.slice(), p.num, p.ts);
      };
    }
    const wanted: Wanted = { fields: new Uint8Array(engine.reg.size), tree: mode === 'http', columns: true };
    await this.run(engine, 0, this.frames.length, () => wanted, (p) => {
      if (mode !== 'http' || httpSeg === undefined) return;
      const chunks = httpFollowChunks(p, engine.reg);
      if (chunks.length > 0) col.endpoint(httpSeg.dir, httpSeg.src, httpSeg.dst);
      for (const c of chunks) col.record(httpSeg.dir, c, p.num, p.ts);
      httpSeg = undefined;
    }, ticket, 'Following');
    engine.finish();
    const r = col.result();
    const node = (n: { addr: string; port: number } | undefined) => (n ? `${n.addr.includes(':') ? `[${n.addr}]` : n.addr}:${n.port}` : '?');
    const n0 = r.nodes[0];
    const other = names.find((n) => n && n0 && (n.addr !== n0.addr || n.port !== n0.port));
    return { stream, mode, nodes: [node(n0), node(r.nodes[1] && r.nodes[1].port ? r.nodes[1] : other)], chunks: r.chunks.map((c) => ({ node: c.node, frame: c.frame, data: c.data })) };
  }

  /**
   * One TLS connection narrated step by step (core's analysis/explain). Signatures are checked
   * with WebCrypto; the browser has no trust store, so the chain's root is never "trusted".
   */
  async explain(stream: number, lang: Lang, ticket: Ticket): Promise<UiExplanation | undefined> {
    const engine = this.newEngine();
    const col = new ExplainCollector(engine.reg, stream);
    const hs = new HandshakeCollector(engine.reg, { fingerprints: false });
    // as `tlslens explain`: only this connection is decrypted and summarised; the others cost a
    // keyless pass, their cleartext handshakes still keeping the TLS ≤ 1.2 sessions it may resume
    const mine = (s: number): boolean => s === stream;
    engine.decryptStream = mine;
    hs.only = mine;
    const want = new Uint8Array(engine.reg.size);
    for (const id of [...col.fields, ...hs.fields]) want[id] = 1;
    const wanted: Wanted = { fields: want, tree: false, columns: false };
    await this.run(engine, 0, this.frames.length, () => wanted, (p) => {
      col.add(p);
      hs.add(p);
    }, ticket, 'Explaining');
    engine.finish();
    const opts = { verifier: webCryptoVerifier(), trustAnchors: [] };
    let ex = await buildExplanation(engine, col, hs, opts);
    if (!ex) return undefined;
    const upto = originFrames(ex, col);
    if (upto > 0) {
      // a resumed session whose origin was not found: its ticket may be in another connection's
      // encrypted handshake (TLS 1.3, renegotiation); look again, every connection before the
      // ClientHello decrypted (no HTTP)
      const e2 = this.newEngine();
      const { collector, wanted: wanted2 } = originPass(e2, stream);
      await this.run(e2, 0, upto, () => wanted2, (p) => collector.add(p), ticket, 'Explaining');
      e2.finish();
      col.mergeOrigins(collector);
      ex = (await buildExplanation(engine, col, hs, opts)) ?? ex;
    }
    const j = explanationJson(ex, lang) as unknown as UiExplanation;
    return { heading: catalogue(lang).heading(ex), steps: j.steps.map((st) => ({ id: st.id, title: st.title, frames: st.frames, text: st.text })) };
  }
}
