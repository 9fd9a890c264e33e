/**
 * HTTP transaction log (tlslens http): one entry per request/response pair, HTTP/1.x and
 * HTTP/2, built from the fields http.*, http2.* in dissection order (body bytes from the
 * http.file_data / http2.data.data occurrences' data sources): either the detail tree, or
 * without it only those fields (`HttpLogBuilder.wanted`, Wanted.ordered). HAR 1.2 export.
 * Browser-safe.
 */
import type { Packet, TreeNode, Wanted } from '../../packet.ts';
import type { Registry } from '../../fields/registry.ts';
import type { AbsTime } from '../../fields/types.ts';

export interface HttpHeader { name: string; value: string }

export interface HttpTransaction {
  stream: number;
  /** HTTP/2 stream id (undefined for HTTP/1.x). */
  h2stream?: number;
  httpVersion: string;
  method: string;
  url: string;
  host: string;
  requestFrame: number;
  requestTime: AbsTime;
  requestHeaders: HttpHeader[];
  requestBody: Uint8Array;
  responseFrame?: number;
  /** First frame carrying the response (headers). */
  responseStartTime?: AbsTime;
  responseEndTime?: AbsTime;
  status?: number;
  statusText: string;
  responseVersion: string;
  contentType: string;
  responseHeaders: HttpHeader[];
  responseBody: Uint8Array;
  location: string;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const r = new Uint8Array(parts.reduce((n, b) => n + b.length, 0));
  let o = 0;
  for (const b of parts) {
    r.set(b, o);
    o += b.length;
  }
  return r;
}

function headerLine(v: unknown): HttpHeader | undefined {
  if (typeof v !== 'string') return undefined;
  const s = v.replace(/(\\r\\n|\r\n|\\n|\n)$/, '');
  const i = s.indexOf(':');
  if (i <= 0) return undefined;
  return { name: s.slice(0, i).trim(), value: s.slice(i + 1).trim() };
}

export class HttpLogBuilder {
  private readonly txs: HttpTransaction[] = [];
  private readonly name: Map<number, string> = new Map();
  /** Open HTTP/1 requests per TCP stream (pipelining: FIFO). */
  private readonly h1open = new Map<number, HttpTransaction[]>();
  private readonly h2 = new Map<string, HttpTransaction>();
  private readonly h2client = new Map<number, number>();
  /** Per stream: HTTP/1 requests whose server has not sent a payload byte since (with their client port). */
  private readonly waiting = new Map<number, { t: HttpTransaction; port: number }[]>();
  /** The time of the server's first payload byte after a request (until its response is read). */
  private readonly firstBytes = new Map<HttpTransaction, AbsTime>();
  /** HTTP/2 bodies still in DATA-frame pieces, joined when `transactions` is read (no copy per frame). */
  private readonly pieces = new Map<HttpTransaction, { requestBody?: Uint8Array[]; responseBody?: Uint8Array[] }>();

  /** The transactions so far, in request order. */
  get transactions(): HttpTransaction[] {
    for (const [t, b] of this.pieces) {
      if (b.requestBody) t.requestBody = concat(b.requestBody);
      if (b.responseBody) t.responseBody = concat(b.responseBody);
    }
    this.pieces.clear();
    return this.txs;
  }

  /**
   * Optional: declares a TCP frame with payload (call it for every one, before `add` of the
   * same packet); HTTP/1 responses then get the time of their first byte, not only of the frame
   * that completes them.
   */
  segment(stream: number, frame: number, ts: AbsTime, srcport: number): void {
    const w = this.waiting.get(stream);
    if (!w || w.length === 0) return;
    let keep = 0;
    for (const x of w) {
      if (frame > x.t.requestFrame && srcport !== x.port) this.firstBytes.set(x.t, ts);
      else w[keep++] = x;
    }
    w.length = keep;
  }

  /** The server's first payload byte after request `t` (segments come in frame order, before the response's `add`). */
  private firstByte(t: HttpTransaction): AbsTime | undefined {
    const ts = this.firstBytes.get(t);
    this.firstBytes.delete(t);
    return ts;
  }

  /** An HTTP/2 DATA frame's bytes: appended to the body, or the whole (decoded) entity on END_STREAM. */
  private h2data(t: HttpTransaction, k: 'requestBody' | 'responseBody', body: Uint8Array, whole: boolean): void {
    const b = this.pieces.get(t) ?? this.pieces.set(t, {}).get(t)!;
    if (whole) b[k] = [body.slice()];
    else (b[k] ??= t[k].length > 0 ? [t[k]] : []).push(body.slice());
  }

  /** The field ids `add` reads: mark them wanted (with `ordered`) to dissect without a tree. */
  readonly fields: readonly number[];

  constructor(reg: Registry) {
    const names = ['tcp.stream', 'tcp.srcport', 'http.request.method', 'http.request.uri', 'http.request.full_uri', 'http.host',
      'http.request.version', 'http.request.line', 'http.response.version', 'http.response.code', 'http.response.phrase',
      'http.response.line', 'http.content_type', 'http.file_data', 'http.location',
      'http', 'http2.streamid', 'http2.header.name', 'http2.header.value', 'http2.data.data', 'http2.type', 'http2.flags.end_stream'];
    for (const n of names) {
      const f = reg.find(n);
      if (f) this.name.set(f.id, n);
    }
    this.fields = [...this.name.keys()];
  }

  /**
   * What to ask the engine for: only the fields `add` reads, in dissection order, no tree
   * (a packet with the whole tree works too, at the cost of building it).
   */
  wanted(reg: Registry): Wanted & { readonly fields: Uint8Array } {
    const fields = new Uint8Array(reg.size);
    for (const id of this.fields) fields[id] = 1;
    return { fields, tree: false, columns: false, ordered: true };
  }

  /** One packet, in capture order: its tree (tree mode) or its ordered occurrences (Wanted.ordered). */
  add(p: Packet): void {
    let stream = -1;
    let srcport = -1;
    let cur: HttpTransaction | undefined; // HTTP/1 message being read
    let curIsReq = false;
    let sid = -1;
    let h2name: string | undefined;
    let h2hdrs: HttpHeader[] | undefined;
    let h2end = false; // the current HTTP/2 frame has END_STREAM
    const h2flush = () => {
      if (!h2hdrs || sid < 0) return;
      const get = (n: string) => h2hdrs!.find((h) => h.name === n)?.value;
      const key = `${stream}/${sid}`;
      const method = get(':method');
      if (method !== undefined) {
        this.h2client.set(stream, srcport);
        const authority = get(':authority') ?? '';
        const t = this.newTx(stream, p, 'HTTP/2');
        t.h2stream = sid;
        t.method = method;
        t.host = authority;
        t.url = `${get(':scheme') ?? 'https'}://${authority}${get(':path') ?? '/'}`;
        t.requestHeaders = h2hdrs;
        this.h2.set(key, t);
      } else {
        const t = this.h2.get(key);
        const status = get(':status');
        if (t && status !== undefined && t.status === undefined) {
          t.status = Number(status);
          t.responseFrame = p.num;
          t.responseStartTime = p.ts;
          t.responseEndTime = p.ts;
          t.responseVersion = 'HTTP/2';
          t.responseHeaders = h2hdrs;
          t.contentType = get('content-type') ?? '';
          t.location = get('location') ?? '';
        }
      }
      h2hdrs = undefined;
    };
    let httpNode: TreeNode | undefined; // the enclosing "http" protocol node (its value = the message bytes)
    const take = (n: TreeNode, name: string): void => {
      if (name === 'http') httpNode = n;
      const v = n.value;
      switch (name) {
        case 'tcp.stream': stream = Number(v); break;
        case 'tcp.srcport': srcport = Number(v); break;
        case 'http.request.method':
          cur = this.newTx(stream, p, '');
          cur.method = String(v);
          curIsReq = true;
          (this.waiting.get(stream) ?? this.waiting.set(stream, []).get(stream)!).push({ t: cur, port: srcport });
          (this.h1open.get(stream) ?? this.h1open.set(stream, []).get(stream)!).push(cur);
          break;
        case 'http.request.uri': if (cur && curIsReq) cur.url = String(v); break;
        case 'http.request.full_uri': if (cur && curIsReq) cur.url = String(v); break;
        case 'http.request.version': if (cur && curIsReq) cur.httpVersion = String(v); break;
        case 'http.host': if (cur && curIsReq) cur.host = String(v); break;
        case 'http.response.version': {
          const q = this.h1open.get(stream);
          cur = q?.shift();
          curIsReq = false;
          // a response without a request seen (capture started late): a transaction of its own
          if (!cur) cur = this.newTx(stream, p, '');
          if (cur) {
            cur.responseVersion = String(v);
            cur.responseFrame = p.num;
            cur.responseStartTime = this.firstByte(cur) ?? p.ts;
            cur.responseEndTime = p.ts;
          }
          break;
        }
        case 'http.response.code': if (cur && !curIsReq) cur.status = Number(v); break;
        case 'http.response.phrase': if (cur && !curIsReq) cur.statusText = String(v); break;
        case 'http.content_type': if (cur && !curIsReq) cur.contentType = String(v); break;
        case 'http.location': if (cur && !curIsReq) cur.location = String(v); break;
        case 'http.request.line': case 'http.response.line': {
          const h = headerLine(v);
          if (h && cur) (curIsReq ? cur.requestHeaders : cur.responseHeaders).push(h);
          break;
        }
        case 'http.file_data': {
          // the body is in its own data source when de-chunked/decompressed; else it is at
          // n.offset inside the message (the http protocol node's bytes)
          const msg = httpNode && httpNode.src === n.src && httpNode.value instanceof Uint8Array ? httpNode.value : undefined;
          const body = (msg ?? p.sourceData(n.src))?.subarray(n.offset, n.offset + n.length) ?? new Uint8Array(0);
          if (cur) {
            if (curIsReq) cur.requestBody = body.slice();
            else cur.responseBody = body.slice();
          }
          break;
        }
        case 'http2.type': h2end = false; break;
        case 'http2.flags.end_stream': h2end = v === true; break;
        case 'http2.streamid': h2flush(); sid = Number(v); break;
        case 'http2.header.name': h2name = String(v); break;
        case 'http2.header.value':
          if (h2name !== undefined) (h2hdrs ??= []).push({ name: h2name, value: String(v) });
          h2name = undefined;
          break;
        case 'http2.data.data': {
          const t = this.h2.get(`${stream}/${sid}`);
          const body = p.sourceData(n.src)?.subarray(n.offset, n.offset + n.length) ?? new Uint8Array(0);
          if (t) {
            // the body as the client got it: DATA frames carry the raw (maybe gzip) entity; on the
            // END_STREAM frame http2.data.data is the whole entity, decoded (as in tshark 4.0)
            if (srcport === this.h2client.get(stream)) {
              this.h2data(t, 'requestBody', body, h2end);
            } else {
              this.h2data(t, 'responseBody', body, h2end);
              t.responseEndTime = p.ts;
            }
          }
          break;
        }
        default: break;
      }
    };
    if (p.tree) {
      const visit = (n: TreeNode): void => {
        const name = this.name.get(n.id);
        if (name !== undefined) take(n, name);
        for (const c of n.children ?? []) visit(c);
      };
      for (const r of p.roots) visit(r);
    } else {
      for (const n of p.occurrences) {
        const name = this.name.get(n.id);
        if (name !== undefined) take(n, name);
      }
    }
    h2flush();
  }

  private newTx(stream: number, p: Packet, version: string): HttpTransaction {
    const t: HttpTransaction = {
      stream, httpVersion: version, method: '', url: '', host: '', requestFrame: p.num, requestTime: p.ts,
      requestHeaders: [], requestBody: new Uint8Array(0), statusText: '', responseVersion: '', contentType: '',
      responseHeaders: [], responseBody: new Uint8Array(0), location: '',
    };
    this.txs.push(t);
    return t;
  }
}

const ms = (a: AbsTime, b: AbsTime) => (b.s - a.s) * 1000 + (b.ns - a.ns) / 1e6;

/** The JSON row of `tlslens http --json`. */
export function httpRow(t: HttpTransaction): Record<string, unknown> {
  return {
    stream: t.stream, ...(t.h2stream !== undefined ? { h2stream: t.h2stream } : {}),
    frame: t.requestFrame, responseFrame: t.responseFrame ?? null,
    method: t.method, url: t.url, host: t.host, version: t.httpVersion, status: t.status ?? null,
    contentType: t.contentType, requestBodySize: t.requestBody.length, responseBodySize: t.responseBody.length,
    time: (t.requestTime.s + t.requestTime.ns / 1e9).toFixed(6),
    firstByteMs: t.responseStartTime ? Number(ms(t.requestTime, t.responseStartTime).toFixed(3)) : null,
    completeMs: t.responseEndTime ? Number(ms(t.requestTime, t.responseEndTime).toFixed(3)) : null,
  };
}

function b64(d: Uint8Array): string {
  let s = '';
  for (let i = 0; i < d.length; i += 0x8000) s += String.fromCharCode(...d.subarray(i, i + 0x8000));
  return btoa(s);
}

function isText(mime: string, d: Uint8Array): boolean {
  if (!/^text\/|json|xml|javascript|x-www-form-urlencoded/i.test(mime) && mime !== '') return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(d);
    return true;
  } catch {
    return false;
  }
}

function isoTime(t: AbsTime): string {
  return new Date(t.s * 1000 + Math.floor(t.ns / 1e6)).toISOString();
}

/** HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/). */
export function buildHar(txs: readonly HttpTransaction[], creatorVersion: string): unknown {
  const entries = txs.filter((t) => t.method !== '').map((t) => {
    let query: { name: string; value: string }[] = [];
    try {
      const u = new URL(t.url.startsWith('/') ? `http://${t.host || 'localhost'}${t.url}` : t.url);
      query = [...u.searchParams].map(([name, value]) => ({ name, value }));
    } catch { /* not a URL */ }
    const url = t.url.startsWith('/') ? `http://${t.host}${t.url}` : t.url;
    const wait = t.responseStartTime ? Math.max(0, ms(t.requestTime, t.responseStartTime)) : 0;
    const receive = t.responseStartTime && t.responseEndTime ? Math.max(0, ms(t.responseStartTime, t.responseEndTime)) : 0;
    const text = isText(t.contentType, t.responseBody);
    const mimeType = t.contentType || 'application/octet-stream';
    return {
      startedDateTime: isoTime(t.requestTime),
      time: wait + receive,
      request: {
        method: t.method, url, httpVersion: t.httpVersion || 'HTTP/1.1', cookies: [],
        headers: t.requestHeaders, queryString: query, headersSize: -1, bodySize: t.requestBody.length,
        ...(t.requestBody.length > 0 ? { postData: { mimeType: t.requestHeaders.find((h) => /^content-type$/i.test(h.name))?.value ?? '', text: isText('', t.requestBody) ? new TextDecoder().decode(t.requestBody) : b64(t.requestBody) } } : {}),
      },
      response: {
        status: t.status ?? 0, statusText: t.statusText, httpVersion: t.responseVersion || t.httpVersion || 'HTTP/1.1', cookies: [],
        headers: t.responseHeaders,
        content: {
          size: t.responseBody.length, mimeType,
          ...(text ? { text: new TextDecoder().decode(t.responseBody) } : { text: b64(t.responseBody), encoding: 'base64' }),
        },
        redirectURL: t.location, headersSize: -1, bodySize: t.responseBody.length,
      },
      cache: {},
      timings: { send: 0, wait, receive },
    };
  });
  return { log: { version: '1.2', creator: { name: 'tlslens', version: creatorVersion }, pages: [], entries } };
}

export interface HttpObject {
  frame: number;
  name: string;
  data: Uint8Array;
}

/**
 * The objects tshark's "--export-objects http,DIR" writes: every message body (requests and
 * responses), in frame order, named after the last segment of the request URI (query kept,
 * unsafe characters %-escaped) and de-duplicated as NAME(1).EXT.
 */
export function httpObjects(txs: readonly HttpTransaction[]): HttpObject[] {
  const objs: { frame: number; url: string; type: string; data: Uint8Array }[] = [];
  for (const t of txs) {
    const reqType = t.requestHeaders.find((h) => /^content-type$/i.test(h.name))?.value ?? '';
    if (t.requestBody.length > 0) objs.push({ frame: t.requestFrame, url: t.url, type: reqType, data: t.requestBody });
    if (t.responseBody.length > 0 && t.responseFrame !== undefined) objs.push({ frame: t.responseFrame, url: t.url, type: t.contentType, data: t.responseBody });
  }
  objs.sort((a, b) => a.frame - b.frame);
  const used = new Set<string>();
  return objs.map((o) => ({ frame: o.frame, data: o.data, name: exportName(o.url, used, `object${o.frame}.${o.type.split(';')[0]!.trim()}`) }));
}

function escapeName(s: string): string {
  let out = '';
  for (const ch of s) {
    if (/[A-Za-z0-9._\-=&,+~!$'()@; ]/.test(ch)) out += ch;
    else for (const b of new TextEncoder().encode(ch)) out += '%' + b.toString(16).padStart(2, '0');
  }
  return out;
}

/** A safe, de-duplicated file name for an exported object (no directories, no traversal). */
export function exportName(url: string, used: Set<string>, fallback = 'object'): string {
  // as tshark: g_path_get_basename() of the request URI (query included); "/" stays "/"
  let base = url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '');
  if (base !== '') {
    base = base.replace(/\/+$/, '');
    base = base === '' ? '/' : base.slice(base.lastIndexOf('/') + 1);
  }
  base = escapeName(base === '' ? fallback : base);
  if (base === '' || base === '.' || base === '..') base = 'object';
  if (base.startsWith('.')) base = '_' + base.slice(1);
  base = base.slice(0, 200);
  let name = base;
  // the first free NAME(i): names are never freed, so the search goes on from the last i given
  const next = nextSuffix.get(used) ?? nextSuffix.set(used, new Map()).get(used)!;
  let i = next.get(base) ?? 1;
  const dot = base.lastIndexOf('.');
  while (used.has(name)) {
    name = dot > 0 ? `${base.slice(0, dot)}(${i})${base.slice(dot)}` : `${base}(${i})`;
    i++;
  }
  if (name !== base) next.set(base, i);
  used.add(name);
  return name;
}

/** Per set of used names: for each base name, the suffix number to try next (exportName). */
const nextSuffix = new WeakMap<Set<string>, Map<string, number>>();
