/**
 * HTTP/2 (RFC 9113) over one connection's ordered bytes: the client preface, frames, HPACK
 * header blocks (with CONTINUATION), SETTINGS, flow control, RST_STREAM/GOAWAY, and bodies
 * reassembled per stream and decoded (Content-Encoding) when the stream ends.
 *
 * A frame is dissected on the packet where its last byte arrives (tshark's tcp_dissect_pdus
 * view); the Info column lists the frames of a packet ("HEADERS[1]: GET /, DATA[1]").
 */
import type { Dissector } from '../dissect.ts';
import type { Registry } from '../fields/registry.ts';
import { GENERATED, type Packet } from '../packet.ts';
import { decodeBody, DEFAULT_MAX_DECODED } from '../http/decompress.ts';
import { registerRows } from '../http/fields.ts';
import { statusDesc } from '../http/status.ts';
import { fieldString, fieldStringOf, latin1 } from '../http/text.ts';
import { noteInfo } from '../http/info.ts';
import { HTTP2_FIELD_DEFS } from './field-defs.ts';
import { HpackDecoder, type DecodedHeader } from './hpack.ts';
import { withRoom } from '../bytes/grow.ts';

const PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';
const PREFACE_BYTES = new TextEncoder().encode(PREFACE);

export function isHttp2Preface(b: Uint8Array, o: number, e: number): boolean {
  const n = Math.min(e - o, PREFACE_BYTES.length);
  if (n < 16) return false;
  for (let i = 0; i < n; i++) if (b[o + i] !== PREFACE_BYTES[i]) return false;
  return true;
}

const TYPE_NAMES = ['DATA', 'HEADERS', 'PRIORITY', 'RST_STREAM', 'SETTINGS', 'PUSH_PROMISE', 'PING', 'GOAWAY', 'WINDOW_UPDATE', 'CONTINUATION', 'ALTSVC', 'BLOCKED', 'ORIGIN'];
function typeName(t: number): string {
  return TYPE_NAMES[t] ?? (t === 16 ? 'PRIORITY_UPDATE' : `Unknown type (${t})`);
}

/** Header names with a dedicated http2.headers.* field (a Map: a header named "constructor" is just a header). */
const HEADER_FIELD = new Map<string, string>();
for (const [abbrev] of HTTP2_FIELD_DEFS) {
  if (!abbrev.startsWith('http2.headers.')) continue;
  const key = abbrev.slice('http2.headers.'.length);
  if (key === 'weight' || key === 'weight_real' || key === 'padding') continue;
  const name = ['authority', 'status', 'path', 'method', 'scheme'].includes(key) ? `:${key}` : key.replace(/_/g, '-');
  HEADER_FIELD.set(name, abbrev);
}
const NUMERIC_HEADERS = new Set([':status', 'age', 'content-length', 'max-forwards']);

/** Largest frame payload accepted for reassembly (SETTINGS_MAX_FRAME_SIZE's ceiling is 2^24-1). */
const MAX_FRAME = (1 << 24) - 1;
/** Body bytes kept per stream for decoding. */
const MAX_BODY = 32 * 1024 * 1024;
/** Header block (HEADERS + CONTINUATION) bytes kept per stream. */
const MAX_HEADER_BLOCK = 1024 * 1024;

type H2Fields = Record<(typeof HTTP2_FIELD_DEFS)[number][0], number> & { proto: number };

export interface Http2ConnectionOptions {
  tls: boolean;
  /** Started by an HTTP/1.1 Upgrade: h2c (the client still sends the preface). */
  upgraded?: boolean;
  maxDecoded?: number;
}

interface StreamState {
  /** Header block being collected (HEADERS/PUSH_PROMISE + CONTINUATION). */
  block?: { parts: Uint8Array[]; len: number; promised?: number };
  /** Per direction: content-type / content-encoding from that direction's headers, body parts. */
  dirs: [StreamDir, StreamDir];
}

interface StreamDir {
  contentType: string;
  contentEncoding: string;
  body: Uint8Array[];
  /** The frame of each body part. */
  frames: number[];
  bodyLen: number;
}

interface DirBuf {
  buf: Uint8Array;
  len: number;
  frames: number;
  /** The client preface is still expected at the start of this direction. */
  preface: boolean;
}

export interface Http2Connection {
  data(p: Packet, dir: 0 | 1, b: Uint8Array, o: number, e: number): void;
  gap(dir: 0 | 1): void;
}

export interface Http2 {
  readonly fields: H2Fields;
  /** SETTINGS entries of an HTTP2-Settings header (base64url), as tshark shows them on the upgrade request. */
  settingsPayload(p: Packet, b64url: string): void;
  connection(opts: Http2ConnectionOptions): Http2Connection;
}

export function createHttp2(reg: Registry, data: Dissector): Http2 {
  const proto = reg.protocol('http2', 'HyperText Transfer Protocol 2');
  const f = { ...registerRows(reg, 'http2', HTTP2_FIELD_DEFS), proto } as H2Fields;
  const ids = f as unknown as Record<string, number>;

  function connection(opts: Http2ConnectionOptions): Http2Connection {
    const dirs: [DirBuf, DirBuf] = [
      { buf: new Uint8Array(0), len: 0, frames: 0, preface: true },
      { buf: new Uint8Array(0), len: 0, frames: 0, preface: true },
    ];
    const hpack: [HpackDecoder, HpackDecoder] = [new HpackDecoder(), new HpackDecoder()];
    const streams = new Map<number, StreamState>();
    let clientDir: 0 | 1 | undefined;
    const maxDecoded = opts.maxDecoded ?? DEFAULT_MAX_DECODED;

    const stream = (id: number): StreamState => {
      let s = streams.get(id);
      if (!s) {
        s = { dirs: [newStreamDir(), newStreamDir()] };
        if (streams.size > 100000) streams.delete(streams.keys().next().value!);
        streams.set(id, s);
      }
      return s;
    };

    function onData(p: Packet, dir: 0 | 1, b: Uint8Array, o: number, e: number): void {
      const d = dirs[dir];
      // the bytes to parse: straight from `b` when nothing is pending (no copy; only a frame cut
      // at the end is kept), else the pending bytes with these appended
      const direct = d.len === 0;
      let buf: Uint8Array;
      let pos: number;
      let end: number;
      // where this call's bytes start in `buf`: a PDU lying wholly in them is shown at its offsets
      // in `b` when `b` is the packet's current data source (see sourceFor), not in a copy
      let here: { b: Uint8Array; o: number; start: number };
      if (direct) {
        buf = b;
        pos = o;
        end = e;
        if (e > o) d.frames = 1;
        here = { b, o: 0, start: 0 };
      } else {
        if (e > o) {
          d.buf = withRoom(d.buf, d.len, e - o, 4096);
          d.buf.set(b.subarray(o, e), d.len);
          d.len += e - o;
          d.frames++;
        }
        buf = d.buf;
        pos = 0;
        end = d.len;
        here = { b, o, start: d.len - (e - o) };
      }
      let did = false;
      for (;;) {
        const avail = end - pos;
        if (d.preface) {
          // only the client sends the preface; the first bytes tell which side this is
          if (avail < PREFACE_BYTES.length && isPrefix(buf, pos, end)) break;
          d.preface = false;
          if (isHttp2Preface(buf, pos, end) && avail >= PREFACE_BYTES.length) {
            clientDir = dir;
            dirs[dir ^ 1]!.preface = false;
            const src = sourceFor(p, buf, pos, PREFACE_BYTES.length, d.frames > 1, here);
            begin(p);
            p.proto(f.proto, src.bytes, src.off, PREFACE_BYTES.length, p.tree ? 'HyperText Transfer Protocol 2' : undefined);
            p.add(f['http2.stream'], null, src.off, PREFACE_BYTES.length, 0, 'Stream: Magic');
            p.add(f['http2.magic'], fieldString(PREFACE_BYTES), src.off, PREFACE_BYTES.length);
            p.close();
            p.src = src.prevSrc;
            info(p, 'Magic');
            pos += PREFACE_BYTES.length;
            d.frames = 1;
            did = true;
            continue;
          }
        }
        if (avail < 9) break;
        const len = (buf[pos]! << 16) | (buf[pos + 1]! << 8) | buf[pos + 2]!;
        if (avail < 9 + len) {
          if (len > MAX_FRAME) {
            // not reassemblable: drop what we have
            pos = end;
          }
          break;
        }
        const src = sourceFor(p, buf, pos, 9 + len, d.frames > 1, here);
        try {
          frame(p, dir, src.bytes, src.off, len);
        } catch (err) {
          p.expert('error', 'Malformed', `HTTP/2 frame: ${(err as Error).message}`);
        }
        p.src = src.prevSrc;
        pos += 9 + len;
        d.frames = 1;
        did = true;
      }
      if (direct) {
        const rest = end - pos;
        if (rest > 0) {
          d.buf = withRoom(d.buf, 0, rest, 4096);
          d.buf.set(b.subarray(pos, end), 0);
          d.len = rest;
        }
      } else if (pos > 0) {
        if (pos >= d.len) d.buf = EMPTY; // nothing left: do not keep the buffer for the connection's lifetime
        else d.buf.copyWithin(0, pos, d.len);
        d.len -= pos;
      }
      if (!did && d.len > 0 && p.wantCols && !noteInfo.has(p)) p.colInfo += ' [TCP segment of a reassembled PDU]';
      if (d.len === 0) d.frames = 0;
    }

    /** The frame at [off, off + 9 + len) of `bytes` (a view or a reassembled copy). */
    function frame(p: Packet, dir: 0 | 1, b: Uint8Array, off: number, len: number): void {
      const type = b[off + 3]!;
      const flags = b[off + 4]!;
      const sidRaw = ((b[off + 5]! << 24) | (b[off + 6]! << 16) | (b[off + 7]! << 8) | b[off + 8]!) >>> 0;
      const sid = sidRaw & 0x7fffffff;
      const ps = off + 9;
      const pe = ps + len;
      begin(p);
      p.proto(f.proto, b, off, 9 + len, p.tree ? 'HyperText Transfer Protocol 2' : undefined);
      const tname = typeName(type);
      p.open(f['http2.stream'], null, off, 9 + len, 0, `Stream: ${tname}, Stream ID: ${sid}, Length ${len}`);
      p.add(f['http2.length'], len, off, 3);
      p.add(f['http2.type'], type, off + 3, 1);
      p.add(f['http2.flags'], flags, off + 4, 1);
      flagFields(p, type, flags, off + 4);
      p.add(f['http2.r'], sidRaw & 0x80000000 ? 0x80000000 : 0, off + 5, 4);
      p.add(f['http2.streamid'], sid, off + 5, 4);
      let text = `${tname}[${sid}]`;
      const padded = (type === 0 || type === 1 || type === 5) && (flags & 0x08) !== 0;
      let q = ps;
      let padLen = 0;
      if (padded && q < pe) {
        padLen = b[q]!;
        p.add(f['http2.padding'], padLen, q, 1);
        q++;
      }
      const bodyEnd = Math.max(q, pe - padLen);
      if (padLen > pe - q) p.expert('error', 'Malformed', 'HTTP/2 padding exceeds the frame');
      switch (type) {
        case 0: {
          p.add(f['http2.pad_length'], padLen, ps, padded ? 1 : 0, GENERATED);
          const payload = b.subarray(q, bodyEnd);
          const ending = (flags & 0x01) !== 0;
          // the frame that ends the stream shows the whole entity instead (endBody)
          if (!ending && payload.length && p.wants(f['http2.data.data'])) p.add(f['http2.data.data'], payload, q, payload.length);
          if (padLen && p.wants(f['http2.data.padding'])) p.add(f['http2.data.padding'], b.subarray(bodyEnd, pe), bodyEnd, pe - bodyEnd);
          const st = stream(sid).dirs[dir];
          if (payload.length && st.bodyLen + payload.length <= MAX_BODY) {
            st.body.push(payload.slice());
            st.frames.push(p.num);
            st.bodyLen += payload.length;
          }
          if (ending) text += endBody(p, st, q, payload.length);
          break;
        }
        case 1:
        case 5: {
          let promised: number | undefined;
          if (type === 1) {
            if (flags & 0x20 && q + 5 <= bodyEnd) {
              priority(p, b, q);
              q += 5;
            }
            p.add(f['http2.pad_length'], padLen, ps, padded ? 1 : 0, GENERATED);
          } else if (q + 4 <= bodyEnd) {
            const v = ((b[q]! << 24) | (b[q + 1]! << 16) | (b[q + 2]! << 8) | b[q + 3]!) >>> 0;
            p.add(f['http2.push_promise.r'], v & 0x80000000 ? 0x80000000 : 0, q, 4);
            promised = v & 0x7fffffff;
            p.add(f['http2.push_promise.promised_stream_id'], promised, q, 4);
            q += 4;
          }
          const frag = b.subarray(q, Math.max(q, bodyEnd));
          if (p.wants(type === 1 ? f['http2.headers'] : f['http2.push_promise.header'])) p.add(type === 1 ? f['http2.headers'] : f['http2.push_promise.header'], frag, q, frag.length);
          const st = stream(sid);
          st.block = { parts: [frag.slice()], len: frag.length, ...(promised !== undefined ? { promised } : {}) };
          if (flags & 0x04) text += headerBlock(p, dir, sid, st, flags, type === 1 ? 1 : 5);
          if (padLen && p.wants(f['http2.headers.padding'])) p.add(type === 1 ? f['http2.headers.padding'] : f['http2.push_promise.padding'], b.subarray(bodyEnd, pe), bodyEnd, pe - bodyEnd);
          break;
        }
        case 9: {
          const frag = b.subarray(ps, pe);
          p.add(f['http2.continuation.header'], fieldString(frag), ps, len);
          const st = stream(sid);
          if (st.block && st.block.len + frag.length <= MAX_HEADER_BLOCK) {
            st.block.parts.push(frag.slice());
            st.block.len += frag.length;
          } else if (st.block) {
            p.expert('warn', 'Protocol', 'HTTP/2 header block too large; not decoded');
            st.block = undefined;
          }
          if (flags & 0x04 && st.block) text += headerBlock(p, dir, sid, st, flags, 9);
          break;
        }
        case 2:
          if (q + 5 <= pe) priority(p, b, q);
          break;
        case 3:
          if (q + 4 <= pe) p.add(f['http2.rst_stream.error'], u32(b, q), q, 4);
          break;
        case 4:
          for (; q + 6 <= pe; q += 6) settingEntry(p, b, q);
          break;
        case 6:
          if (q + 8 <= pe) p.add(flags & 0x01 ? f['http2.pong'] : f['http2.ping'], b.subarray(q, q + 8), q, 8);
          break;
        case 7:
          if (q + 8 <= pe) {
            const v = u32(b, q);
            p.add(f['http2.goway.r'], v & 0x80000000 ? 0x80000000 : 0, q, 4);
            p.add(f['http2.goaway.last_stream_id'], v & 0x7fffffff, q, 4);
            p.add(f['http2.goaway.error'], u32(b, q + 4), q + 4, 4);
            if (pe > q + 8) p.add(f['http2.goaway.addata'], b.subarray(q + 8, pe), q + 8, pe - q - 8);
          }
          break;
        case 8:
          if (q + 4 <= pe) {
            const v = u32(b, q);
            p.add(f['http2.window_update.r'], v & 0x80000000 ? 0x80000000 : 0, q, 4);
            p.add(f['http2.window_update.window_size_increment'], v & 0x7fffffff, q, 4);
          }
          break;
        default:
          if (len > 0 && p.wants(f['http2.unknown'])) p.add(f['http2.unknown'], b.subarray(ps, pe), ps, len);
      }
      p.close();
      p.close();
      info(p, text);
    }

    function priority(p: Packet, b: Uint8Array, q: number): void {
      const v = u32(b, q);
      p.add(f['http2.exclusive'], (v & 0x80000000) !== 0, q, 4);
      p.add(f['http2.stream_dependency'], v & 0x7fffffff, q, 4);
      p.add(f['http2.headers.weight'], b[q + 4]!, q + 4, 1);
      p.add(f['http2.headers.weight_real'], b[q + 4]! + 1, q + 4, 1, GENERATED);
    }

    /** Decodes a complete header block; returns the Info suffix (": GET /", ": 200 OK"). */
    function headerBlock(p: Packet, dir: 0 | 1, sid: number, st: StreamState, flags: number, type: number): string {
      const blk = st.block!;
      st.block = undefined;
      let bytes: Uint8Array;
      if (blk.parts.length === 1) bytes = blk.parts[0]!;
      else {
        bytes = new Uint8Array(blk.len);
        let o = 0;
        for (const part of blk.parts) {
          bytes.set(part, o);
          o += part.length;
        }
        p.src = p.addSource('Decompressed Header', bytes);
      }
      const dec = hpack[dir].decodeBlock(bytes);
      let total = 0;
      for (const h of dec.headers) total += h.name.length + h.value.length + 8;
      p.add(f['http2.header.length'], total, 0, 0, GENERATED);
      p.add(f['http2.header.count'], dec.headers.length + dec.sizeUpdates.length, 0, 0, GENERATED);
      for (const sz of dec.sizeUpdates) {
        p.open(f['http2.header_table_size_update'], null, 0, 0);
        p.add(f['http2.header_table_size_update.header_table_size'], sz, 0, 0);
        p.close();
      }
      let method = '';
      let path = '';
      let status = -1;
      let scheme = '';
      let authority = '';
      const target = blk.promised ?? sid;
      const sd = stream(target).dirs[blk.promised !== undefined ? dir ^ 1 : dir] as StreamDir;
      for (const h of dec.headers) {
        const name = latin1(h.name);
        const value = latin1(h.value);
        addHeader(p, h, name, value);
        if (name === ':method') method = value;
        else if (name === ':path') path = value;
        else if (name === ':status') status = Number(value);
        else if (name === ':scheme') scheme = value;
        else if (name === ':authority') authority = value;
        else if (name === 'content-type') sd.contentType = value;
        else if (name === 'content-encoding') sd.contentEncoding = value;
      }
      if (scheme && authority && path) p.add(f['http2.request.full_uri'], fieldStringOf(`${scheme}://${authority}${path}`), 0, 0, GENERATED);
      if (dec.error) p.expert('warn', 'Malformed', `HPACK: ${dec.error}`);
      void flags;
      void type;
      if (method) return `: ${fieldStringOf(method)} ${fieldStringOf(path)}`;
      if (status >= 0) return `: ${status} ${statusDesc(status)}`;
      return '';
    }

    function addHeader(p: Packet, h: DecodedHeader, name: string, value: string): void {
      const abbrev = HEADER_FIELD.get(name);
      // nothing to build for a consumer that wants none of a header's fields (most packets of a filtered read)
      if (!p.tree && !p.wantsAny(headerIds) && (abbrev === undefined || !p.wants(ids[abbrev]!))) return;
      const n = fieldStringOf(name);
      const v = fieldStringOf(value);
      p.open(f['http2.header'], null, h.start, h.end - h.start, 0, p.tree || p.wants(f['http2.header']) ? `Header: ${n}: ${v}` : undefined);
      p.add(f['http2.header.name.length'], h.name.length, h.start, 0);
      p.add(f['http2.header.name'], n, h.start, 0);
      p.add(f['http2.header.value.length'], h.value.length, h.start, 0);
      p.add(f['http2.header.value'], v, h.start, 0);
      if (abbrev) {
        if (NUMERIC_HEADERS.has(name)) {
          if (/^\d{1,15}$/.test(value)) p.add(ids[abbrev]!, Number(value), h.start, 0);
        } else p.add(ids[abbrev]!, v, h.start, 0);
      }
      p.add(f['http2.header.unescaped'], v, h.start, 0, GENERATED);
      p.add(f['http2.header.repr'], h.repr, h.start, h.end - h.start);
      if (h.index !== undefined) p.add(f['http2.header.index'], h.index, h.start, h.end - h.start);
      p.close();
    }

    /** The end of a stream's body in one direction: decode and hand it on; returns the Info suffix. */
    /**
     * The END_STREAM DATA frame (its payload at q, `own` bytes): as tshark 4.0, a body from more
     * than this frame gets its fragment list (http2.body.fragments, …, reassembled.data = the raw
     * body), and http2.data.data is the whole entity, decoded when it has a Content-Encoding.
     */
    function endBody(p: Packet, st: StreamDir, q: number, own: number): string {
      if (st.bodyLen === 0) {
        // an empty entity: tshark still shows the (empty) data field
        if (p.wants(f['http2.data.data'])) p.add(f['http2.data.data'], new Uint8Array(0), q, 0);
        return '';
      }
      let body = new Uint8Array(st.bodyLen);
      let o = 0;
      for (const part of st.body) {
        body.set(part, o);
        o += part.length;
      }
      const parts = st.body.map((x, i) => ({ frame: st.frames[i]!, len: x.length }));
      st.body = [];
      st.frames = [];
      st.bodyLen = 0;
      const single = parts.length === 1 && own > 0; // the body is this frame's own payload
      const saved = p.src;
      if (!single && (p.tree || p.wantsAny(bodyIds))) {
        p.src = p.addSource('Reassembled body', body);
        const list = parts.map((x) => `#${x.frame}(${x.len})`).join(', ');
        p.open(f['http2.body.fragments'], null, 0, body.length, GENERATED, `${parts.length} Body fragment${parts.length === 1 ? '' : 's'} (${body.length} bytes): ${list}`);
        let at = 0;
        for (const x of parts) {
          p.add(f['http2.body.fragment'], x.frame, at, x.len, GENERATED, `Frame: ${x.frame}, payload: ${at}-${at + x.len - 1} (${x.len} bytes)`);
          at += x.len;
        }
        p.add(f['http2.body.fragment.count'], parts.length, 0, 0, GENERATED);
        p.add(f['http2.body.reassembled.length'], body.length, 0, 0, GENERATED);
        p.add(f['http2.body.reassembled.data'], body, 0, body.length, GENERATED);
        p.close();
        p.src = saved;
      }
      let decoded = false;
      if (st.contentEncoding && !/^identity$/i.test(st.contentEncoding.trim())) {
        const r = decodeBody(st.contentEncoding, body, maxDecoded);
        if (r.ok) {
          body = r.data as Uint8Array<ArrayBuffer>;
          decoded = true;
        } else {
          p.expert('warn', 'Undecoded', r.message);
          p.add(f['http2.body_decompression_failed'], null, 0, 0, GENERATED, r.message);
        }
      }
      if (single && !decoded) {
        if (p.wants(f['http2.data.data'])) p.add(f['http2.data.data'], body, q, own);
        p.src = p.addSource('Reassembled body', body);
      } else {
        p.src = p.addSource(decoded ? 'Uncompressed entity body' : 'Reassembled body', body);
        if (p.wants(f['http2.data.data'])) p.add(f['http2.data.data'], body, 0, body.length);
      }
      const ct = st.contentType.split(';')[0]!.trim();
      if (!ct) {
        data(p, body, 0, body.length);
        p.src = saved;
        return '';
      }
      const mp = ct.startsWith('text/') ? 'data-text-lines' : ct.endsWith('json') ? 'json' : ct.endsWith('xml') ? 'xml' : 'media';
      if (!p.protocols.includes(mp)) p.protocols.push(mp);
      p.src = saved;
      if (mp === 'json') {
        // the JSON dissector appends its name to Protocol and Info (as over HTTP/1.x)
        if (p.wantCols) p.colProtocol = 'HTTP2/JSON';
        return `, JavaScript Object Notation (${fieldStringOf(ct)})`;
      }
      return ` (${fieldStringOf(ct)})`;
    }

    const headerIds = ['http2.header', 'http2.header.name.length', 'http2.header.name', 'http2.header.value.length', 'http2.header.value',
      'http2.header.unescaped', 'http2.header.repr', 'http2.header.index'].map((n) => ids[n]!);
    const bodyIds = ['http2.body.fragments', 'http2.body.fragment', 'http2.body.fragment.count', 'http2.body.reassembled.length', 'http2.body.reassembled.data'].map((n) => ids[n]!);

    function begin(p: Packet): void {
      if (!p.protocols.includes('http2')) p.protocols.push('http2');
      if (p.wantCols) p.colProtocol = 'HTTP2';
    }

    function info(p: Packet, text: string): void {
      if (!p.wantCols) return;
      if (noteInfo.has(p)) p.colInfo += (p.colInfo === '' ? '' : ', ') + text;
      else p.colInfo = text;
      noteInfo.add(p);
    }

    function flagFields(p: Packet, type: number, flags: number, o: number): void {
      if (!p.tree && !p.wantsAny(FLAG_IDS)) return;
      switch (type) {
        case 0:
          p.add(f['http2.flags.unused_data'], flags & 0xf6, o, 1);
          p.add(f['http2.flags.padded'], (flags & 0x08) !== 0, o, 1);
          p.add(f['http2.flags.end_stream'], (flags & 0x01) !== 0, o, 1);
          break;
        case 1:
          p.add(f['http2.flags.unused_headers'], flags & 0xd2, o, 1);
          p.add(f['http2.flags.priority'], (flags & 0x20) !== 0, o, 1);
          p.add(f['http2.flags.padded'], (flags & 0x08) !== 0, o, 1);
          p.add(f['http2.flags.eh'], (flags & 0x04) !== 0, o, 1);
          p.add(f['http2.flags.end_stream'], (flags & 0x01) !== 0, o, 1);
          break;
        case 4:
          p.add(f['http2.flags.unused_settings'], flags & 0xfe, o, 1);
          p.add(f['http2.flags.ack.settings'], (flags & 0x01) !== 0, o, 1);
          break;
        case 5:
          p.add(f['http2.flags.unused_push_promise'], flags & 0xf3, o, 1);
          p.add(f['http2.flags.padded'], (flags & 0x08) !== 0, o, 1);
          p.add(f['http2.flags.eh'], (flags & 0x04) !== 0, o, 1);
          break;
        case 6:
          p.add(f['http2.flags.unused_ping'], flags & 0xfe, o, 1);
          p.add(f['http2.flags.ack.ping'], (flags & 0x01) !== 0, o, 1);
          break;
        case 9:
          p.add(f['http2.flags.unused_continuation'], flags & 0xfb, o, 1);
          p.add(f['http2.flags.eh'], (flags & 0x04) !== 0, o, 1);
          break;
        default:
          p.add(f['http2.flags.unused'], flags, o, 1);
      }
    }

    void clientDir;
    void opts;
    return {
      data: onData,
      gap(dir) {
        // after a gap the frame boundaries are lost: give up on this direction's framing
        dirs[dir].len = 0;
        dirs[dir].buf = EMPTY;
        dirs[dir].frames = 0;
        dirs[dir].preface = false;
      },
    };
  }

  const FLAG_IDS = [
    f['http2.flags.unused_data'], f['http2.flags.padded'], f['http2.flags.end_stream'], f['http2.flags.unused_headers'],
    f['http2.flags.priority'], f['http2.flags.eh'], f['http2.flags.unused_settings'], f['http2.flags.ack.settings'],
    f['http2.flags.unused_push_promise'], f['http2.flags.unused_ping'], f['http2.flags.ack.ping'],
    f['http2.flags.unused_continuation'], f['http2.flags.unused'],
  ];

  function settingsPayload(p: Packet, b64url: string): void {
    const b = base64url(b64url);
    for (let q = 0; q + 6 <= b.length; q += 6) settingEntry(p, b, q);
  }

  function settingEntry(p: Packet, b: Uint8Array, q: number): void {
    const id = (b[q]! << 8) | b[q + 1]!;
    const v = u32(b, q + 2);
    p.open(f['http2.settings'], null, q, 6);
    p.add(f['http2.settings.id'], id, q, 2);
    const name = ['', 'header_table_size', 'enable_push', 'max_concurrent_streams', 'initial_window_size', 'max_frame_size', 'max_header_list_size', '', 'extended_connect'][id];
    p.add(ids[`http2.settings.${name || 'unknown'}`]!, v, q + 2, 4);
    p.close();
  }

  return { fields: f, connection, settingsPayload };
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
function base64url(s: string): Uint8Array {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const ch of s) {
    let v = B64URL.indexOf(ch);
    if (v < 0) v = ch === '+' ? 62 : ch === '/' ? 63 : -1;
    if (v < 0) break;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
  }
  return Uint8Array.from(out);
}

const EMPTY = new Uint8Array(0);

function newStreamDir(): StreamDir {
  return { contentType: '', contentEncoding: '', body: [], frames: [], bodyLen: 0 };
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

function isPrefix(b: Uint8Array, o: number, e: number): boolean {
  for (let i = 0; i < e - o && i < PREFACE_BYTES.length; i++) if (b[o + i] !== PREFACE_BYTES[i]) return false;
  return true;
}

/**
 * Where a PDU's bytes live for the tree: the caller's bytes when they came in this packet and
 * are its current data source (the offsets of the fields are then offsets in that source), else
 * a copy, registered as a reassembled data source when it spans several calls.
 */
function sourceFor(p: Packet, buf: Uint8Array, pos: number, len: number, multi: boolean,
  here: { b: Uint8Array; o: number; start: number }): { bytes: Uint8Array; off: number; prevSrc: number } {
  const prevSrc = p.src;
  if (!multi && pos >= here.start && p.sourceData(p.src) === here.b) return { bytes: here.b, off: here.o + pos - here.start, prevSrc };
  // always a copy: the connection buffer is reused
  const copy = buf.slice(pos, pos + len);
  if (multi) p.src = p.addSource('Reassembled TCP', copy);
  return { bytes: copy, off: 0, prevSrc };
}
