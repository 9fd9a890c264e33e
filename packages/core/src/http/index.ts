/**
 * HTTP over ordered bytes — the stream-level API (README-api).
 *
 * Anything that has the ordered application bytes of a connection (plain TCP now, decrypted
 * TLS later) feeds them here, one direction at a time, in order, on the packet that carries
 * them:
 *
 *   const http = createHttpStreams(engine.reg, engine.dataDissector);   // once per engine
 *   // per connection, e.g. stored in the TLS session or in TcpConversation.app:
 *   const conn = http.connection({ tls: true, alpn: 'h2' });           // alpn 'h2' → HTTP/2, else HTTP/1.x
 *   // for each decrypted record (application_data), in order:
 *   conn.data(p, dir, plaintext, 0, plaintext.length);                  // dir 0 = client→server side seen first
 *   // when a direction ends (FIN / close_notify): bodies delimited by the close complete
 *   conn.close(p, dir);
 *   // when bytes were lost (a gap that will never fill): resync
 *   conn.gap(dir);
 *
 * Fields go on the packet where a message (HTTP/1) or frame (HTTP/2) completes, as tshark
 * does with desegmentation on; `p.src` is respected for offsets (set it to the decrypted
 * data source before calling, as TLS does for its own fields). Data sources for reassembled
 * or decoded bytes are added with `p.addSource`. Nothing here throws on hostile input:
 * problems become expert infos.
 *
 * `createHttpStreams(...).tcpApp()` is the plain-TCP adapter registered with the TCP
 * dispatcher (`register.ts`).
 */
import type { Dissector } from '../dissect.ts';
import type { Registry } from '../fields/registry.ts';
import type { Packet } from '../packet.ts';
import type { TcpApp } from '../app/tcp-dispatch.ts';
import type { TunnelHandoff, TunnelTarget } from '../app/tunnel.ts';
import type { TcpSegment } from '../transport/tcp/index.ts';
import { A_FAST_RETRANSMISSION, A_OUT_OF_ORDER, A_RETRANSMISSION } from '../transport/tcp/analysis.ts';
import type { UdpPortDissector } from '../transport/udp.ts';
import { registerHttpFields, type HttpFields } from './fields.ts';
import { Http1Connection, looksLikeHttp1 } from './h1.ts';
import { createHttp2, isHttp2Preface, type Http2 } from '../http2/http2.ts';

export interface HttpConnectionOptions {
  /** Bytes come from TLS (full URIs are https://…, sources are "Reassembled SSL"). */
  tls?: boolean;
  /** The ALPN protocol TLS negotiated: "h2" selects HTTP/2; "http/1.1", absent → HTTP/1.x. */
  alpn?: string;
  /** Cap on a decoded (decompressed) body in bytes (default 32 MiB). */
  maxDecodedBody?: number;
}

export interface HttpConnection {
  /** The next bytes [offset, end) of direction `dir`, in stream order. */
  data(p: Packet, dir: 0 | 1, bytes: Uint8Array, offset: number, end: number): void;
  /** Direction `dir` ended (FIN, close_notify): completes bodies that run until the close. */
  close(p: Packet, dir: 0 | 1): void;
  /** Bytes of direction `dir` were lost: drop the partial message and resync. */
  gap(dir: 0 | 1): void;
  /** Whether direction `dir` holds the start of an HTTP/1.x message waiting for more bytes. */
  pending?(dir: 0 | 1): boolean;
  /** How many bytes of `more` would complete the HTTP/1.x message pending in `dir` (undefined: not these). */
  completesWithin?(dir: 0 | 1, more: Uint8Array): number | undefined;
  /** Set once a 2xx answered CONNECT: the tunnel's target. */
  tunnel?(): TunnelTarget | undefined;
}

export interface HttpStreams {
  readonly fields: HttpFields;
  readonly http2: Http2;
  connection(opts?: HttpConnectionOptions): HttpConnection;
  /** The TCP dispatcher app (plain HTTP on Wireshark's HTTP ports and by heuristic). */
  /** `tunnel`: where CONNECT tunnels go (app/tunnel.ts); without it their bytes are data. */
  tcpApp(tunnel?: TunnelHandoff): TcpApp;
  /** SSDP: HTTP messages in UDP datagrams (port 1900). */
  ssdp(): UdpPortDissector;
}

/** Wireshark 4.0's default TCP ports for HTTP (`tshark -G decodes`). */
export const HTTP_TCP_PORTS = [80, 631, 1900, 2710, 2869, 3128, 3132, 3689, 5985, 8080, 8088, 11371] as const;

export function createHttpStreams(reg: Registry, data: Dissector): HttpStreams {
  const fields = registerHttpFields(reg);
  const http2 = createHttp2(reg, data);

  function connection(opts: HttpConnectionOptions = {}): HttpConnection {
    const tls = opts.tls ?? false;
    if (opts.alpn === 'h2') {
      const c = http2.connection({ tls, ...(opts.maxDecodedBody !== undefined ? { maxDecoded: opts.maxDecodedBody } : {}) });
      return {
        data: (p, dir, b, o, e) => c.data(p, dir, b, o, e),
        close: () => undefined,
        gap: (dir) => c.gap(dir),
      };
    }
    const h1 = new Http1Connection(fields, data, { tls, ...(opts.maxDecodedBody !== undefined ? { maxDecoded: opts.maxDecodedBody } : {}) });
    let h2: ReturnType<Http2['connection']> | undefined;
    h1.onHttp2Settings = (p, b64) => http2.settingsPayload(p, b64);
    h1.onSwitch = (p, dir, b, o, e) => {
      if (h1.switched === 'h2c') {
        h2 ??= http2.connection({ tls, upgraded: true });
        h2.data(p, dir, b, o, e);
      } else if (e > o) {
        // CONNECT tunnel: tlslens does not dissect what runs inside yet
        data(p, b, o, e);
      }
    };
    let preface: ReturnType<Http2['connection']> | undefined;
    return {
      data(p, dir, b, o, e) {
        if (preface) return preface.data(p, dir, b, o, e);
        // h2c with prior knowledge: the client preface on an HTTP port
        if (!h1.switched && isHttp2Preface(b, o, e)) {
          preface = http2.connection({ tls });
          if (!p.protocols.includes('http')) p.protocols.push('http');
          preface.data(p, dir, b, o, e);
          return;
        }
        h1.onData(p, dir, b, o, e);
      },
      close(p, dir) {
        h1.onClose(p, dir);
      },
      gap(dir) {
        if (preface) preface.gap(dir);
        else if (h2) h2.gap(dir);
        else h1.onGap(dir);
      },
      pending: (dir) => !preface && h1.pending(dir),
      completesWithin: (dir, more) => (preface ? undefined : h1.completesWithin(dir, more)),
      tunnel() {
        return h1.switched === 'tunnel' ? { port: h1.tunnelPort, addFields: (p: Packet) => h1.addProxyFields(p) } : undefined;
      },
    };
  }

  function tcpApp(tunnel?: TunnelHandoff): TcpApp {
    const conns = new WeakMap<object, HttpConnection>();
    const clientDir = new WeakMap<object, 0 | 1>();
    const handle = (p: Packet, bytes: Uint8Array, offset: number, end: number, seg: TcpSegment): number => {
      let c = conns.get(seg.conv);
      if (!c) {
        // the first payload must look like HTTP (or the HTTP/2 preface) for HTTP to claim the stream
        if (!looksLikeHttp1Start(bytes, offset, end)) return 0;
        c = connection({ tls: false });
        conns.set(seg.conv, c);
        clientDir.set(seg.conv, seg.dir);
      }
      const r = seg.reassembler();
      const t = tunnel ? c.tunnel?.() : undefined;
      const used = t ? tunnel!(t, clientDir.get(seg.conv) === seg.dir, p, bytes, offset, end, seg) : 0;
      if (used > 0) {
        // the tunnelled protocol keeps its own state: HTTP only drops what it buffered
        for (let n = r.available(); n > 0 || r.gap(); n = r.available()) {
          if (n > 0) r.consume(n);
          else r.skipGap();
        }
        return used;
      }
      if ((seg.retransmission || (seg.analysis & A_OUT_OF_ORDER) !== 0) && !lateSegment(p, c, r, seg)) return end - offset;
      for (;;) {
        const n = r.available();
        if (n > 0) {
          const chunk = r.peek(n)!;
          r.consume(n);
          c.data(p, seg.dir, chunk, 0, chunk.length);
        }
        if (r.gap()) {
          r.skipGap();
          c.gap(seg.dir);
          continue;
        }
        break;
      }
      // a FIN on a segment with data ends this direction (a data-less FIN comes through `end`)
      if (seg.flags & 0x01) c.close(p, seg.dir);
      return end - offset;
    };
    return {
      name: 'http',
      handle,
      end: (p, seg) => conns.get(seg.conv)?.close(p, seg.dir),
      // tshark 4.0's TCP heuristic for HTTP wants an HTTP/1.x line; it has no HTTP/2 one on TCP
      // (`tshark -G heuristic-decodes`: http2 only under http and tls), so a bare h2c preface on a
      // port HTTP does not own stays "data" (ndpi http2.pcapng)
      heuristic: (b, o, e) => looksLikeHttp1(b, o, e),
    };
  }

  /**
   * A retransmitted or out-of-order segment, as tshark 4.0 treats it (tcp.reassemble_out_of_order
   * off): outside a pending message it is not dissected at all (zeek ssl-to-http-server); inside
   * one it is added to it, but the message completes only on a segment that reaches its end —
   * when the hole it fills lies before bytes already received, the message never completes
   * (suricata tls-subjectaltname, TCP stream 27) — and a plain (RTO) retransmission is not added
   * at all, which leaves the message unfinished too (stream 15; fast retransmissions and
   * out-of-order segments are added). Returns whether the normal delivery should go on.
   */
  function lateSegment(p: Packet, c: HttpConnection, r: ReturnType<TcpSegment['reassembler']>, seg: TcpSegment): boolean {
    if (!c.pending?.(seg.dir)) {
      r.consume(r.available());
      return false;
    }
    const upTo = seg.offset + seg.len;
    const n = r.available();
    if ((seg.analysis & (A_RETRANSMISSION | A_FAST_RETRANSMISSION | A_OUT_OF_ORDER)) === A_RETRANSMISSION && n > 0) {
      c.gap(seg.dir);
      r.consume(n);
      return false;
    }
    if (r.readPos + n <= upTo) return true; // nothing received beyond this segment yet
    const k = c.completesWithin?.(seg.dir, r.peek(n)!);
    if (k === undefined || r.readPos + k <= upTo) return true; // completes on this segment, or later
    // the message ends in bytes that came before this segment: tshark never completes it
    c.gap(seg.dir);
    r.consume(n);
    return false;
  }

  function ssdp(): UdpPortDissector {
    const proto = reg.protocol('ssdp', 'Simple Service Discovery Protocol');
    const convs = new Map<string, Http1Connection>();
    return (p, b, o, e, info) => {
      const a = `${info.net.srcText}/${info.srcport}`;
      const z = `${info.net.dstText}/${info.dstport}`;
      const key = a < z ? `${a}|${z}` : `${z}|${a}`;
      let c = convs.get(key);
      if (!c) {
        if (convs.size > 65536) convs.clear();
        c = new Http1Connection(fields, data, { tls: false, ssdp: { proto } });
        convs.set(key, c);
      }
      const dir: 0 | 1 = a < z ? 0 : 1;
      c.onData(p, dir, b, o, e);
      c.onClose(p, dir);
      c.onGap(dir);
      return e - o;
    };
  }

  return { fields, http2, connection, tcpApp, ssdp };
}

/** Whether the first bytes of a stream on an HTTP port are worth handing to HTTP. */
function looksLikeHttp1Start(b: Uint8Array, o: number, e: number): boolean {
  if (e - o <= 0) return false;
  // tshark's HTTP takes any stream on its ports; a printable start is a cheap sanity check
  const c = b[o]!;
  return (c >= 0x41 && c <= 0x5a) || c === 0x0d || c === 0x0a || (c >= 0x61 && c <= 0x7a);
}
