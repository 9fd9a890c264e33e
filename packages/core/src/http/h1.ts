/**
 * HTTP/1.x over one connection's ordered bytes (plain TCP, or decrypted TLS).
 *
 * Messages are dissected on the frame where they complete, as tshark does with its default
 * desegmentation (http.desegment_headers / http.desegment_body): the request or status
 * line is put in the Info column as soon as it is complete, and frames that carry only part
 * of a message get " [TCP segment of a reassembled PDU]".
 *
 * Request/response matching follows what tshark 4.0 prints in one pass (no -2): numbered
 * transactions per connection; a response pairs with the latest transaction when that one
 * has no response yet, else opens a new one (http.request_in then names the last request
 * frame, without http.time).
 */
import type { Dissector } from '../dissect.ts';
import type { AbsTime } from '../fields/types.ts';
import { GENERATED, HIDDEN, type Packet } from '../packet.ts';
import { decodeBody, DEFAULT_MAX_DECODED } from './decompress.ts';
import type { HttpFields } from './fields.ts';
import { noteInfo } from './info.ts';
import { statusDesc } from './status.ts';
import { columnString, fieldString, fieldStringOf, latin1 } from './text.ts';
import { withRoom } from '../bytes/grow.ts';

/** Methods tshark's HTTP dissector recognises at the start of a request line. */
const METHODS = new Set([
  'GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT', 'PATCH', 'PRI',
  // WebDAV and friends
  'PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'SEARCH', 'REPORT', 'CHECKOUT', 'CHECKIN',
  'VERSION-CONTROL', 'UNCHECKOUT', 'MKWORKSPACE', 'UPDATE', 'LABEL', 'MERGE', 'BASELINE-CONTROL', 'MKACTIVITY',
  'ORDERPATCH', 'ACL', 'BIND', 'UNBIND', 'REBIND', 'MKCALENDAR', 'MKREDIRECTREF', 'UPDATEREDIRECTREF',
  // SSDP / GENA / RTSP-like
  'NOTIFY', 'M-SEARCH', 'SUBSCRIBE', 'UNSUBSCRIBE', 'POLL', 'BPROPFIND', 'BPROPPATCH', 'BCOPY', 'BDELETE', 'BMOVE',
  'X-MS-ENUMATTS', 'RPC_IN_DATA', 'RPC_OUT_DATA', 'RPC_CONNECT', 'SSTP_DUPLEX_POST', 'MKWORKSPACE',
]);

/** Header name (lowercase) → field abbreviation (a Map: a header named "constructor" is just a header). */
const HEADER_FIELDS = new Map<string, string>(Object.entries({
  authorization: 'http.authorization',
  'proxy-authenticate': 'http.proxy_authenticate',
  'proxy-authorization': 'http.proxy_authorization',
  'www-authenticate': 'http.www_authenticate',
  'content-type': 'http.content_type',
  'content-length': 'http.content_length_header',
  'content-encoding': 'http.content_encoding',
  'transfer-encoding': 'http.transfer_encoding',
  upgrade: 'http.upgrade',
  'user-agent': 'http.user_agent',
  host: 'http.host',
  connection: 'http.connection',
  cookie: 'http.cookie',
  accept: 'http.accept',
  referer: 'http.referer',
  'accept-language': 'http.accept_language',
  'accept-encoding': 'http.accept_encoding',
  date: 'http.date',
  'cache-control': 'http.cache_control',
  server: 'http.server',
  location: 'http.location',
  'sec-websocket-accept': 'http.sec_websocket_accept',
  'sec-websocket-extensions': 'http.sec_websocket_extensions',
  'sec-websocket-key': 'http.sec_websocket_key',
  'sec-websocket-protocol': 'http.sec_websocket_protocol',
  'sec-websocket-version': 'http.sec_websocket_version',
  'set-cookie': 'http.set_cookie',
  'last-modified': 'http.last_modified',
  'x-forwarded-for': 'http.x_forwarded_for',
  'http2-settings': 'http.http2_settings',
}));

/** Media types → the protocol tshark's media dissector table names in frame.protocols. */
function mediaProto(ct: string): string {
  const t = ct.split(';')[0]!.trim().toLowerCase();
  if (t === '') return 'data';
  if (t.endsWith('/xml') || t.endsWith('+xml')) return 'xml';
  if (t === 'application/json' || t.endsWith('+json')) return 'json';
  if (t === 'image/png') return 'png';
  if (t === 'image/jpeg' || t === 'image/jpg' || t === 'image/pjpeg') return 'image-jfif';
  if (t === 'image/gif') return 'image-gif';
  if (t === 'application/x-www-form-urlencoded') return 'urlencoded-form';
  if (t === 'application/octet-stream') return 'data';
  if (t === 'application/ocsp-request' || t === 'application/ocsp-response') return 'ocsp';
  if (t.startsWith('text/') || t === 'application/x-javascript') return 'data-text-lines';
  return 'media';
}

/** What the media dissector adds to the Info column after the first line. */
function mediaInfo(mp: string, ct: string, body: Uint8Array): string {
  switch (mp) {
    case 'data':
    case 'xml':
    case 'ocsp':
      return '';
    case 'json':
      return `, JavaScript Object Notation (${ct})`;
    case 'png':
      return ' (PNG)';
    case 'image-jfif':
      return ' (JPEG JFIF image)';
    case 'image-gif':
      return body.length >= 6 ? ` (${latin1(body, 0, 6)})` : '';
    default:
      return ` (${ct})`;
  }
}

/** Caps: a header block larger than this is not HTTP we can keep buffering. */
const MAX_HEADER_BYTES = 1024 * 1024;
/** Largest body buffered for reassembly (bigger ones are dissected without their body). */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

export interface Http1Options {
  /** Over TLS: full URIs start with https://. */
  tls: boolean;
  /** Decoded body cap (decompression bomb guard). */
  maxDecoded?: number;
  /** SSDP (HTTPU over UDP 1900): the protocol shown instead of http. */
  ssdp?: { proto: number };
}

interface Pending {
  /** The pending message's length is known (later segments are not shown to HTTP by tshark). */
  known: boolean;
  buf: Uint8Array;
  len: number;
  /** Frames that contributed bytes to `buf` (for "Reassembled" sources and the Info column). */
  frames: number[];
}

interface Txn {
  num: number;
  reqFrame: number;
  reqTs: AbsTime | undefined;
  method: string;
  resFrame: number;
  prev: Txn | undefined;
}

interface Parsed {
  /** Bytes of the whole message (headers + body). */
  length: number;
  headerEnd: number;
  isRequest: boolean;
  firstLineEnd: number;
  method: string;
  uri: string;
  version: string;
  code: number;
  phrase: string;
  headers: Array<{ name: string; lname: string; start: number; end: number; valueStart: number; lineEnd: number }>;
  body: Uint8Array | undefined;
  chunks: Array<{ size: number; start: number; dataStart: number; end: number }> | undefined;
  trailerStart: number;
  contentType: string;
  contentEncoding: string;
  contentLength: number | undefined;
  truncated: boolean;
}

/** What the start line and headers say (a Parsed without its length and body). */
type MessageHead = Omit<Parsed, 'length' | 'body' | 'chunks' | 'trailerStart' | 'truncated'>;

/**
 * A parsed message from its head and body (one object literal of a fixed shape: an object spread
 * per message showed up in profiles of big captures).
 */
function parsed(h: MessageHead, length: number, body: Uint8Array | undefined, chunks: Parsed['chunks'], trailerStart: number, truncated: boolean): Parsed {
  return {
    length, headerEnd: h.headerEnd, isRequest: h.isRequest, firstLineEnd: h.firstLineEnd, method: h.method, uri: h.uri, version: h.version,
    code: h.code, phrase: h.phrase, headers: h.headers, body, chunks, trailerStart, contentType: h.contentType,
    contentEncoding: h.contentEncoding, contentLength: h.contentLength, truncated,
  };
}

/** More bytes needed; `known`: the message's length is known (Content-Length, or until the close). */
type Need = { need: true; firstLine?: string; known?: boolean };

/** Hands bytes that are not HTTP/1 (an h2c upgrade, a CONNECT tunnel) to someone else. */
export type Http1Switch = (p: Packet, dir: 0 | 1, data: Uint8Array, offset: number, end: number) => void;

export class Http1Connection {
  private readonly dirs: [Pending, Pending] = [newPending(), newPending()];
  private txns: Txn | undefined;
  private txnCount = 0;
  private lastReqUri: string | undefined;
  private lastFullUri: string | undefined;
  private readonly methods: string[] = [];
  /** After a 101 Switching Protocols / CONNECT 2xx: bytes go to `onSwitch`. */
  switched: false | 'h2c' | 'tunnel' = false;
  onSwitch: Http1Switch | undefined;
  /** Dissects the base64url SETTINGS payload of an HTTP2-Settings header (h2c upgrade). */
  onHttp2Settings: ((p: Packet, b64: string) => void) | undefined;
  private proxyHost: string | undefined;
  private proxyPort: number | undefined;

  constructor(
    private readonly f: HttpFields,
    private readonly data: Dissector,
    private readonly opts: Http1Options,
  ) {}

  /** Ordered bytes of one direction. `src` is the data source `data` lives in (0 = frame). */
  onData(p: Packet, dir: 0 | 1, data: Uint8Array, offset: number, end: number): void {
    if (this.switched && this.onSwitch) {
      if (this.switched === 'tunnel') this.addProxyFields(p);
      this.onSwitch(p, dir, data, offset, end);
      return;
    }
    const d = this.dirs[dir];
    append(d, data, offset, end, p.num);
    let did = false;
    for (;;) {
      if (d.len === 0) break;
      const r = this.parse(d.buf.subarray(0, d.len), dir, false);
      if (r === null) {
        // not the start of a message: tshark shows it as HTTP "Continuation" once the
        // stream is known to be HTTP, else leaves it to the data dissector
        const rest = d.buf.slice(0, d.len);
        if (this.txnCount > 0) {
          if (!p.protocols.includes('http')) p.protocols.push('http');
          if (p.wantCols) {
            p.colProtocol = this.opts.ssdp ? 'SSDP' : 'HTTP';
            if (!noteInfo.has(p)) p.colInfo = 'Continuation';
            noteInfo.add(p);
          }
          p.proto(this.opts.ssdp?.proto ?? this.f.proto, rest, 0, rest.length, p.tree ? 'Hypertext Transfer Protocol' : undefined);
          if (p.wants(this.f['http.file_data'])) p.add(this.f['http.file_data'], fieldString(rest), 0, rest.length);
          this.data(p, rest, 0, rest.length);
          p.close();
        } else if (!did) this.data(p, rest, 0, rest.length);
        d.len = 0;
        d.buf = EMPTY;
        d.frames = [];
        break;
      }
      if ('need' in r) {
        // tshark's TCP keeps segments of a PDU whose length HTTP already announced from HTTP:
        // only the segment that told the length shows the first line
        if (!did && p.wantCols) p.colInfo = (r.firstLine !== undefined && !d.known ? r.firstLine + ' ' : p.colInfo) + ' [TCP segment of a reassembled PDU]';
        if (r.known) d.known = true;
        break;
      }
      this.dissect(p, d, r, dir);
      did = true;
      consume(d, r.length, p.num);
      if (this.switched) {
        if (d.len > 0 && this.onSwitch) {
          const rest = d.buf.slice(0, d.len);
          d.len = 0;
          d.buf = EMPTY;
          this.onSwitch(p, dir, rest, 0, rest.length);
        }
        break;
      }
    }
  }

  /** The connection (this direction) ended: a body delimited by the close completes now. */
  onClose(p: Packet, dir: 0 | 1): void {
    if (this.switched) return;
    const d = this.dirs[dir];
    if (d.len === 0) return;
    const r = this.parse(d.buf.subarray(0, d.len), dir, true);
    if (r && !('need' in r)) {
      this.closing = true;
      try {
        this.dissect(p, d, r, dir);
      } finally {
        this.closing = false;
      }
      consume(d, r.length, p.num);
    }
  }

  /** onClose is dissecting: over TLS the bytes are in an earlier decrypted record, never in p.src. */
  private closing = false;

  /** Whether direction `dir` holds the start of a message still waiting for bytes. */
  pending(dir: 0 | 1): boolean {
    return !this.switched && this.dirs[dir].len > 0;
  }

  /** How many bytes of `more` would complete the message pending in `dir` (undefined: not these). */
  completesWithin(dir: 0 | 1, more: Uint8Array): number | undefined {
    const d = this.dirs[dir];
    // a copy per late segment: bounded, so that a capture full of them stays linear
    if (this.switched || d.len === 0 || d.len + more.length > 4 * 1024 * 1024) return undefined;
    const b = new Uint8Array(d.len + more.length);
    b.set(d.buf.subarray(0, d.len));
    b.set(more, d.len);
    const r = this.parse(b, dir, false);
    return r && !('need' in r) ? r.length - d.len : undefined;
  }

  /** A hole in the stream (lost segment): drop the partial message and resync. */
  onGap(dir: 0 | 1): void {
    const d = this.dirs[dir];
    d.len = 0;
    d.buf = EMPTY;
    d.known = false;
    d.frames = [];
  }

  // ---- parsing ----

  private parse(b: Uint8Array, dir: 0 | 1, closed: boolean): Parsed | Need | null {
    let o = 0;
    // leading CRLFs (after a body) are skipped
    while (o < b.length && (b[o] === 0x0d || b[o] === 0x0a)) o++;
    const lineEnd = findLineEnd(b, o);
    const isResp = startsWith(b, o, 'HTTP/');
    if (lineEnd < 0) {
      if (b.length - o > 8 && !isResp && !looksLikeRequestStart(b, o)) return null;
      if (b.length - o > MAX_HEADER_BYTES) return null;
      return { need: true };
    }
    const firstText = latin1(b, o, lineEnd);
    let isRequest = false;
    let method = '';
    let uri = '';
    let version = '';
    let code = 0;
    let phrase = '';
    if (isResp) {
      const m = /^(HTTP\/\d\.\d) +(\d{3})(?: (.*))?$/.exec(firstText) ?? /^(HTTP\/\d\.\d) +(\d{3})(.*)$/.exec(firstText);
      if (!m) return null;
      version = m[1]!;
      code = Number(m[2]);
      phrase = m[3] ?? '';
    } else {
      const sp = firstText.indexOf(' ');
      if (sp <= 0) return null;
      method = firstText.slice(0, sp);
      if (!METHODS.has(method)) return null;
      const rest = firstText.slice(sp + 1);
      const sp2 = rest.lastIndexOf(' ');
      if (sp2 < 0) return null;
      version = rest.slice(sp2 + 1);
      if (!/^HTTP\/\d\.\d$/.test(version)) return null;
      uri = rest.slice(0, sp2);
      isRequest = true;
    }
    const firstLine = columnString(b, o, lineEnd);
    // header block
    const headers: Parsed['headers'] = [];
    let q = skipEol(b, lineEnd);
    let headerEnd = -1;
    for (;;) {
      const le = findLineEnd(b, q);
      if (le < 0) {
        if (b.length > MAX_HEADER_BYTES) return null;
        return { need: true, firstLine };
      }
      if (le === q) {
        headerEnd = skipEol(b, le);
        break;
      }
      const colon = b.indexOf(0x3a, q);
      if (colon > q && colon < le) {
        const name = latin1(b, q, colon);
        let vs = colon + 1;
        while (vs < le && (b[vs] === 0x20 || b[vs] === 0x09)) vs++;
        headers.push({ name, lname: name.toLowerCase(), start: q, end: le, valueStart: vs, lineEnd: skipEol(b, le) });
      } else {
        headers.push({ name: '', lname: '', start: q, end: le, valueStart: le, lineEnd: skipEol(b, le) });
      }
      q = skipEol(b, le);
    }
    const hv = (n: string): string | undefined => {
      for (const h of headers) if (h.lname === n) return latin1(b, h.valueStart, h.end).trim();
      return undefined;
    };
    const contentType = hv('content-type') ?? '';
    const contentEncoding = hv('content-encoding') ?? '';
    const te = hv('transfer-encoding');
    const clText = hv('content-length');
    const contentLength = clText !== undefined && /^\d+$/.test(clText) ? Number(clText) : undefined;

    // which body?
    let noBody = false;
    if (!isRequest) {
      const reqMethod = this.methods[0];
      if ((code >= 100 && code < 200) || code === 204 || code === 304) noBody = true;
      if (reqMethod === 'HEAD') noBody = true;
      if (reqMethod === 'CONNECT' && code >= 200 && code < 300) noBody = true;
    }
    const base: MessageHead = {
      headerEnd, isRequest, firstLineEnd: lineEnd, method, uri, version, code, phrase, headers, contentType, contentEncoding, contentLength,
    };
    if (noBody) return parsed(base, headerEnd, undefined, undefined, -1, false);
    if (te !== undefined && /chunked/i.test(te)) {
      const chunks: NonNullable<Parsed['chunks']> = [];
      let c = headerEnd;
      const parts: Uint8Array[] = [];
      let total = 0;
      for (;;) {
        const le = findLineEnd(b, c);
        if (le < 0) return closed ? parsed(base, b.length, concat(parts, total), chunks, -1, true) : { need: true, firstLine };
        const sizeText = latin1(b, c, le).split(';')[0]!.trim();
        if (!/^[0-9a-fA-F]+$/.test(sizeText)) {
          // a bad chunk header: take what we have
          return parsed(base, le, concat(parts, total), chunks, -1, true);
        }
        const size = parseInt(sizeText, 16);
        const ds = skipEol(b, le);
        if (size === 0) {
          // trailer lines until an empty line
          let t = ds;
          for (;;) {
            const tl = findLineEnd(b, t);
            if (tl < 0) return closed ? parsed(base, b.length, concat(parts, total), chunks, ds, true) : { need: true, firstLine };
            if (tl === t) {
              chunks.push({ size: 0, start: c, dataStart: ds, end: ds });
              return parsed(base, skipEol(b, tl), concat(parts, total), chunks, ds, false);
            }
            t = skipEol(b, tl);
          }
        }
        if (size > MAX_BODY_BYTES || total + size > MAX_BODY_BYTES) return parsed(base, b.length, concat(parts, total), chunks, -1, true);
        if (ds + size + 2 > b.length) {
          if (closed) {
            parts.push(b.subarray(ds, Math.min(b.length, ds + size)));
            total += Math.min(b.length, ds + size) - ds;
            return parsed(base, b.length, concat(parts, total), chunks, -1, true);
          }
          return { need: true, firstLine };
        }
        parts.push(b.subarray(ds, ds + size));
        total += size;
        chunks.push({ size, start: c, dataStart: ds, end: ds + size });
        c = skipEol(b, ds + size);
        if (c === ds + size) c = ds + size; // missing CRLF after the data: tolerate
      }
    }
    if (contentLength !== undefined) {
      if (contentLength > MAX_BODY_BYTES) return parsed(base, Math.min(b.length, headerEnd + contentLength), undefined, undefined, -1, true);
      if (b.length - headerEnd < contentLength) {
        if (closed) return parsed(base, b.length, b.subarray(headerEnd), undefined, -1, true);
        return { need: true, firstLine, known: true };
      }
      return parsed(base, headerEnd + contentLength, b.subarray(headerEnd, headerEnd + contentLength), undefined, -1, false);
    }
    if (isRequest) return parsed(base, headerEnd, undefined, undefined, -1, false);
    // a response without a length: the body runs until the connection closes
    if (!closed) {
      if (b.length - headerEnd > MAX_BODY_BYTES) return parsed(base, b.length, b.subarray(headerEnd), undefined, -1, true);
      return { need: true, firstLine, known: true };
    }
    return parsed(base, b.length, b.length > headerEnd ? b.subarray(headerEnd) : undefined, undefined, -1, false);
  }

  // ---- dissection ----

  private dissect(p: Packet, d: Pending, r: Parsed, dir: 0 | 1): void {
    const f = this.f;
    const msg = d.buf.subarray(0, r.length);
    // bytes from more than one frame: a reassembled data source
    const multi = d.frames.length > 1 || (d.frames.length === 1 && d.frames[0] !== p.num) || (this.closing && this.opts.tls === true);
    const prevSrc = p.src;
    // field values keep views into these bytes: a copy unless the message is the whole pending
    // buffer, which consume() then lets go
    const msgBytes = r.length === d.len ? msg : msg.slice();
    if (multi) {
      p.src = p.addSource(this.opts.tls ? 'Reassembled SSL' : 'Reassembled TCP', msgBytes);
    }
    const pname = this.opts.ssdp ? 'ssdp' : 'http';
    if (!p.protocols.includes(pname)) p.protocols.push(pname);
    if (p.wantCols) p.colProtocol = this.opts.ssdp ? 'SSDP' : 'HTTP';
    const o0 = 0;
    let lead = 0;
    while (lead < msgBytes.length && (msgBytes[lead] === 0x0d || msgBytes[lead] === 0x0a)) lead++;
    const firstLineText = columnString(msgBytes, lead, r.firstLineEnd);
    if (this.opts.ssdp) p.proto(this.opts.ssdp.proto, msgBytes, o0, r.length, p.tree ? 'Simple Service Discovery Protocol' : undefined);
    else p.proto(f.proto, msgBytes, o0, r.length, p.tree ? 'Hypertext Transfer Protocol' : undefined);
    const hasBody = r.body !== undefined && r.body.length > 0;
    const decodable = !hasBody || r.contentEncoding === '' || /^identity$/i.test(r.contentEncoding.trim()) || decodeBody(r.contentEncoding, r.body!, this.opts.maxDecoded ?? DEFAULT_MAX_DECODED).ok;
    const ctShort = r.contentType.split(';')[0]!.trim();
    // Info column
    if (p.wantCols) {
      const text = firstLineText + ' ' + (hasBody && decodable ? mediaInfo(mediaProto(r.contentType), fieldStringOf(ctShort), r.body!) : '');
      if (!noteInfo.has(p)) p.colInfo = text;
      else p.colInfo += text;
      noteInfo.add(p);
    }
    if (r.isRequest) {
      p.add(f['http.chat'], null, lead, r.firstLineEnd - lead, 0, `Expert Info (Chat/Sequence): ${firstLineText}\\r\\n`);
      p.expert('chat', 'Sequence', firstLineText);
      p.add(r.method === 'NOTIFY' ? f['http.notification'] : f['http.request'], true, o0, 0, HIDDEN);
      p.add(f['http.request.method'], fieldStringOf(r.method), lead, r.method.length);
      p.add(f['http.request.uri'], fieldStringOf(r.uri), lead + r.method.length + 1, r.uri.length);
      // tshark splits the URI only when it has a query
      const qi = r.uri.indexOf('?');
      if (qi >= 0 && qi < r.uri.length - 1 && (p.tree || p.wantsAny([f['http.request.uri.path'], f['http.request.uri.query'], f['http.request.uri.query.parameter']]))) {
        p.add(f['http.request.uri.path'], fieldStringOf(r.uri.slice(0, qi)), 0, 0);
        {
          const qs = r.uri.slice(qi + 1);
          p.add(f['http.request.uri.query'], fieldStringOf(qs), 0, 0);
          for (const part of qs.split('&')) p.add(f['http.request.uri.query.parameter'], fieldStringOf(part), 0, 0);
        }
      }
      p.add(f['http.request.version'], fieldStringOf(r.version), 0, r.version.length);
      if (r.method === 'CONNECT') {
        const m = /^(.*):(\d+)$/.exec(r.uri);
        if (m) {
          this.proxyHost = m[1]!;
          this.proxyPort = Number(m[2]);
        }
      }
    } else {
      p.add(f['http.chat'], null, lead, r.firstLineEnd - lead, 0, `Expert Info (Chat/Sequence): ${firstLineText}\\r\\n`);
      p.expert('chat', 'Sequence', firstLineText);
      p.add(f['http.response'], true, o0, 0, HIDDEN);
      p.add(f['http.response.version'], fieldStringOf(r.version), lead, r.version.length);
      p.add(f['http.response.code'], r.code, lead + 9, 3);
      p.add(f['http.response.code.desc'], statusDesc(r.code), lead + 9, 3, GENERATED);
      p.add(f['http.response.phrase'], fieldStringOf(r.phrase), lead + 13, r.phrase.length);
    }
    // header lines
    let host: string | undefined;
    // NOTIFY is a "notification": tshark adds no line fields for its headers
    const lineId = r.method === 'NOTIFY' ? -1 : r.isRequest ? f['http.request.line'] : f['http.response.line'];
    const wantLines = lineId >= 0 && p.wants(lineId);
    for (const h of r.headers) {
      if (wantLines) p.add(lineId, fieldString(msgBytes, h.start, h.lineEnd), h.start, h.lineEnd - h.start);
      const abbrev = HEADER_FIELDS.get(h.lname);
      if (!abbrev) continue;
      const id = (f as unknown as Record<string, number>)[abbrev]!;
      // the value's text only when someone reads it: the field, or the headers handled below
      if (!p.wants(id) && !VALUE_USED.has(h.lname)) continue;
      const value = fieldString(msgBytes, h.valueStart, h.end);
      p.add(id, value, h.valueStart, h.end - h.valueStart);
      if (h.lname === 'host') host = value;
      else if (h.lname === 'http2-settings' && this.onHttp2Settings) this.onHttp2Settings(p, latin1(msgBytes, h.valueStart, h.end).trim());
      else if (h.lname === 'content-length' && r.contentLength !== undefined) p.add(f['http.content_length'], r.contentLength, h.valueStart, h.end - h.valueStart, GENERATED);
      else if (h.lname === 'cookie') {
        for (const pair of value.split(/;\s*/)) if (pair !== '') p.add(f['http.cookie_pair'], pair, h.valueStart, 0);
      } else if (h.lname === 'authorization' || h.lname === 'proxy-authorization') {
        const m = /^Basic\s+([A-Za-z0-9+/=]+)/i.exec(value);
        if (m) p.add(f['http.authbasic'], fieldStringOf(base64Latin1(m[1]!)), h.valueStart, h.end - h.valueStart);
      }
    }
    // transaction bookkeeping (tshark's single-pass view)
    if (r.isRequest) {
      const full = host === undefined ? undefined : r.method === 'CONNECT' ? r.uri : host !== undefined ? `${this.opts.tls ? 'https' : 'http'}://${host}${r.uri}` : undefined;
      if (full !== undefined) {
        p.add(f['http.request.full_uri'], fieldStringOf(full), 0, 0, GENERATED);
        this.lastFullUri = full;
      }
      this.lastReqUri = r.uri;
    }
    if (r.isRequest && r.method !== 'NOTIFY') {
      const prev = this.txns;
      const t: Txn = { num: ++this.txnCount, reqFrame: p.num, reqTs: p.ts, method: r.method, resFrame: 0, prev };
      this.txns = t;
      p.add(f['http.request_number'], t.num, 0, 0, GENERATED);
      if (prev && prev.reqFrame) p.add(f['http.prev_request_in'], prev.reqFrame, 0, 0, GENERATED);
      this.methods.push(r.method);
    } else if (!r.isRequest) {
      let t = this.txns;
      let matched = false;
      if (t && !t.resFrame && t.reqFrame) {
        matched = true;
      } else {
        t = { num: ++this.txnCount, reqFrame: 0, reqTs: undefined, method: '', resFrame: 0, prev: t };
        this.txns = t;
      }
      t.resFrame = p.num;
      p.add(f['http.response_number'], t.num, 0, 0, GENERATED);
      if (matched && t.reqTs) p.add(f['http.time'], (p.ts.s - t.reqTs.s) * 1e9 + (p.ts.ns - t.reqTs.ns), 0, 0, GENERATED);
      if (matched) p.add(f['http.request_in'], t.reqFrame, 0, 0, GENERATED);
      if (t.prev?.reqFrame) p.add(f['http.prev_request_in'], t.prev.reqFrame, 0, 0, GENERATED);
      if (t.prev?.resFrame) p.add(f['http.prev_response_in'], t.prev.resFrame, 0, 0, GENERATED);
      const uri = this.lastFullUri ?? this.lastReqUri;
      if (uri !== undefined) p.add(f['http.response_for.uri'], fieldStringOf(uri), 0, 0, GENERATED);
      // a final response ends the request's wait; 1xx do not (except 101)
      const reqMethod = this.methods[0];
      if (r.code >= 200 || r.code === 101) this.methods.shift();
      if (r.code === 101 && /h2c/i.test(headerValue(msgBytes, r, 'upgrade') ?? '')) {
        this.switched = 'h2c';
      } else if (reqMethod === 'CONNECT' && r.code >= 200 && r.code < 300) {
        this.switched = 'tunnel';
      }
    }
    // chunks
    if (r.chunks) {
      for (const c of r.chunks) {
        p.add(f['http.chunk_size'], c.size, c.start, c.dataStart - c.start);
        if (c.size > 0) {
          if (p.wants(f['http.chunk_data'])) p.add(f['http.chunk_data'], msgBytes.subarray(c.dataStart, c.end), c.dataStart, c.size);
          p.add(f['http.chunk_boundary'], msgBytes.subarray(c.end, Math.min(msgBytes.length, c.end + 2)), c.end, 2);
        }
      }
    }
    // body
    if (hasBody) {
      let body = r.body!;
      let bodySrc = -1;
      let decodedOk = true;
      if (r.chunks || r.contentEncoding !== '') {
        if (r.contentEncoding !== '' && !/^identity$/i.test(r.contentEncoding.trim())) {
          const dec = decodeBody(r.contentEncoding, body, this.opts.maxDecoded ?? DEFAULT_MAX_DECODED);
          if (dec.ok) {
            body = dec.data;
          } else {
            decodedOk = false;
          }
          if (!dec.ok && dec.reason === 'bomb') {
            p.expert('warn', 'Undecoded', `Decompression stopped: ${dec.message}`);
            p.add(f['http.decompression_failed'], null, r.headerEnd, 0, GENERATED, dec.message);
          } else if (!dec.ok && dec.reason === 'failed') {
            p.expert('warn', 'Undecoded', dec.message);
            p.add(f['http.decompression_failed'], null, r.headerEnd, 0, GENERATED, dec.message);
          }
        }
        bodySrc = p.addSource(r.chunks ? 'De-chunked entity body' : 'Uncompressed entity body', body);
      }
      if (r.truncated) p.expert('warn', 'Malformed', 'The message body is incomplete (truncated)');
      const saved = p.src;
      if (bodySrc >= 0) p.src = bodySrc;
      const bo = bodySrc >= 0 ? 0 : r.headerEnd;
      if (decodedOk && p.wants(f['http.file_data'])) p.add(f['http.file_data'], fieldString(body), bo, body.length);
      const mp = decodedOk ? mediaProto(r.contentType) : 'data';
      if (mp === 'data') this.data(p, body, 0, body.length);
      else if (!p.protocols.includes(mp)) p.protocols.push(mp);
      if (p.wantCols) {
        if (mp === 'json') p.colProtocol = `${p.colProtocol}/JSON`;
        else if (mp === 'xml') p.colProtocol = `${p.colProtocol}/XML`;
        else if (mp === 'ocsp') {
          p.colProtocol = 'OCSP';
          p.colInfo = /request/i.test(r.contentType) ? 'Request' : 'Response';
        }
      }
      p.src = saved;
    }
    p.close();
    p.src = prevSrc;
  }

  /** The CONNECT target's port once the connection is a tunnel (a 2xx answered CONNECT). */
  get tunnelPort(): number | undefined {
    return this.switched === 'tunnel' ? this.proxyPort : undefined;
  }

  /** http.proxy_connect_host/port on a packet that carries tunnelled bytes. */
  addProxyFields(p: Packet): void {
    if (this.proxyHost === undefined) return;
    p.add(this.f['http.proxy_connect_host'], fieldStringOf(this.proxyHost), 0, 0, GENERATED);
    if (this.proxyPort !== undefined) p.add(this.f['http.proxy_connect_port'], this.proxyPort, 0, 0, GENERATED);
  }
}

/** Headers whose value the dissector itself uses (beyond their own field). */
const VALUE_USED = new Set(['host', 'http2-settings', 'content-length', 'cookie', 'authorization', 'proxy-authorization']);

function headerValue(b: Uint8Array, r: Parsed, lname: string): string | undefined {
  for (const h of r.headers) if (h.lname === lname) return latin1(b, h.valueStart, h.end).trim();
  return undefined;
}

function newPending(): Pending {
  return { known: false, buf: new Uint8Array(0), len: 0, frames: [] };
}

function append(d: Pending, data: Uint8Array, offset: number, end: number, frame: number): void {
  const n = end - offset;
  if (n <= 0) return;
  if (d.len === 0) {
    // the usual case, a message starting in this segment: a buffer of its size
    d.buf = data.slice(offset, end);
    d.len = n;
    if (d.frames.length === 0) d.frames.push(frame);
    else d.frames = [frame];
    return;
  }
  d.buf = withRoom(d.buf, d.len, n);
  d.buf.set(data.subarray(offset, end), d.len);
  d.len += n;
  if (d.frames[d.frames.length - 1] !== frame) d.frames.push(frame);
}

const EMPTY = new Uint8Array(0);

function consume(d: Pending, n: number, frame: number): void {
  if (n >= d.len) d.buf = EMPTY; // nothing left: do not keep the buffer for the connection's lifetime
  else d.buf.copyWithin(0, n, d.len);
  d.len -= n;
  d.known = false;
  d.frames = d.len > 0 ? [frame] : [];
}

function findLineEnd(b: Uint8Array, from: number): number {
  const i = b.indexOf(0x0a, from);
  if (i < 0) return -1;
  return i > from && b[i - 1] === 0x0d ? i - 1 : i;
}

function skipEol(b: Uint8Array, le: number): number {
  if (b[le] === 0x0d && b[le + 1] === 0x0a) return le + 2;
  if (b[le] === 0x0a) return le + 1;
  return le;
}

function startsWith(b: Uint8Array, o: number, s: string): boolean {
  if (b.length - o < s.length) return b.length > o && s.startsWith(latin1(b, o, b.length));
  for (let i = 0; i < s.length; i++) if (b[o + i] !== s.charCodeAt(i)) return false;
  return true;
}

function looksLikeRequestStart(b: Uint8Array, o: number): boolean {
  let i = o;
  while (i < b.length && i - o < 20 && ((b[i]! >= 0x41 && b[i]! <= 0x5a) || b[i] === 0x2d || b[i] === 0x5f)) i++;
  if (i === b.length) return true;
  return b[i] === 0x20 && METHODS.has(latin1(b, o, i));
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
function base64Latin1(s: string): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const ch of s) {
    const v = B64.indexOf(ch);
    if (v < 0) break;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += String.fromCharCode((acc >> bits) & 0xff);
    }
  }
  return out;
}

/** True when the first line of `data` looks like HTTP/1 (tshark's TCP heuristic for HTTP). */
export function looksLikeHttp1(data: Uint8Array, offset: number, end: number): boolean {
  const nl = data.subarray(offset, end).indexOf(0x0a);
  if (nl < 0) return false;
  let le = offset + nl;
  if (le > offset && data[le - 1] === 0x0d) le--;
  const n = le - offset;
  if (n < 9) return false;
  if (startsWith(data.subarray(0, end), offset, 'HTTP/1.')) return true;
  return latin1(data, le - 8, le - 1) === 'HTTP/1.';
}
