/**
 * Records real HTTPS sessions on loopback: a Node.js TLS client talks to a Node.js HTTPS (HTTP/1.1 and
 * HTTP/2) server through a plain TCP relay that timestamps every chunk in both directions, so the TLS
 * bytes are exactly what each side wrote. The client's `keylog` events give the NSS key log. The
 * TCP/IP framing is then rebuilt with core's `synthesizeTcp` (documentation addresses, port 443).
 * With `wire: true` (root + tcpdump) the client connects straight to the server and tcpdump captures lo.
 *
 * Used by `tlslens demo`, scripts/make-fixtures.ts and (later) `tlslens explain`.
 */
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TlsLensError, type AbsTime } from '@tlslens/core';
// Not (yet) re-exported by @tlslens/core's index.
import {
  buildPcapng, synthesizeTcp, type SynthFrame, type TcpChunk, type TcpEndpoint,
} from '@tlslens/core';
import { CA_PEM, CHAIN_PEM, LEAF_KEY_PEM } from './certs.ts';
import { startTcpdump, wireUnavailable } from './wire.ts';

export const DEMO_HOST = 'demo.tlslens.test';
export const DEMO_CLIENT_IP = '192.0.2.10';
export const DEMO_SERVER_IP = '198.51.100.20';

/** What one recorded connection does. */
export interface SessionSpec {
  /** Short name (used for fixture file names). */
  name: string;
  minVersion?: tls.SecureVersion;
  maxVersion?: tls.SecureVersion;
  /** OpenSSL cipher list offered by the client (TLS 1.2 names and/or TLS 1.3 suite names). */
  ciphers?: string;
  /** 'http1' (default): HTTP/1.1 GET over TLS, ALPN http/1.1; 'h2': HTTP/2 GET, ALPN h2. */
  http?: 'http1' | 'h2';
  /** Request path (default "/" for http1, "/hello.json" for h2). */
  path?: string;
  /** Extra bytes of body in the response (to get responses spanning many segments). */
  extraBody?: number;
  /** Port of the client in the rebuilt frames (default: the real ephemeral port). */
  clientPort?: number;
}

export interface RecordOptions {
  /** Default: DEMO_SESSIONS. */
  sessions?: readonly SessionSpec[];
  clientIp?: string;
  serverIp?: string;
  /** Server port in the rebuilt frames (default 443). */
  serverPort?: number;
  /** Give up after this long per connection (default 10 s). */
  timeoutMs?: number;
  /**
   * Capture the real loopback packets with tcpdump instead of rebuilding them (root only; no relay:
   * the client connects to the server directly, on 127.0.0.1:443 when that port is free).
   * Addresses and ports are then the real ones; `chunks` are empty.
   */
  wire?: boolean;
}

export interface RecordedConnection {
  spec: SessionSpec;
  client: TcpEndpoint;
  server: TcpEndpoint;
  /** As Node reports it: "TLSv1.2", "TLSv1.3". */
  tlsVersion: string;
  /** OpenSSL name, e.g. "ECDHE-RSA-AES128-GCM-SHA256" or "TLS_AES_128_GCM_SHA256". */
  cipher: string;
  /** IANA name, e.g. "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256". */
  cipherStandard: string;
  /** Negotiated ALPN protocol, or null. */
  alpn: string | null;
  request: { method: string; path: string; httpVersion: string };
  response: { status: number; contentType: string; bodyBytes: number };
  /** Application chunks as recorded by the relay. */
  chunks: TcpChunk[];
  fin: [AbsTime | undefined, AbsTime | undefined];
  rst?: { dir: 0 | 1; t: AbsTime };
  /** NSS key log lines of this connection (client side), newline-terminated. */
  keylog: string;
  /** Rebuilt frames of this connection. */
  frames: SynthFrame[];
  /** 1-based number of the connection's first frame in `DemoRecording.frames`. */
  firstFrame: number;
}

export interface DemoRecording {
  /** 'relay': frames rebuilt from the recorded socket bytes; 'wire': captured on lo by tcpdump. */
  source: 'relay' | 'wire';
  /** LINKTYPE of the frames (1 = Ethernet). */
  linktype: number;
  connections: RecordedConnection[];
  /** All frames, connection after connection (the connections are recorded one after the other). */
  frames: SynthFrame[];
  /** NSS key log of all connections. */
  keylog: string;
}

export const DEMO_SESSIONS: readonly SessionSpec[] = [
  { name: 'tls12-ecdhe-rsa-aes128gcm', minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256', http: 'http1' },
  { name: 'tls13-aes128gcm-h2', minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256', http: 'h2' },
];

export const REBUILT_NOTE =
  'tlslens demo: frames rebuilt from socket bytes, not a wire capture. The TLS bytes are what a Node.js client ' +
  'and server wrote on loopback; Ethernet/IP/TCP headers, addresses and ports are synthesized.';

/** Wall-clock nanoseconds with a monotonic clock's resolution. */
function makeClock(): () => AbsTime {
  const base = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
  return () => {
    const n = base + process.hrtime.bigint();
    return { s: Number(n / 1_000_000_000n), ns: Number(n % 1_000_000_000n) };
  };
}

function pageHtml(extra: number): string {
  const filler = extra > 0 ? `<!-- ${'tlslens '.repeat(Math.ceil(extra / 8)).slice(0, extra)} -->\n` : '';
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>tlslens demo</title></head>
<body>
<h1>Hello from demo.tlslens.test</h1>
<p>This page was served over HTTPS on loopback and recorded by <code>tlslens demo</code>.</p>
</body>
</html>
${filler}`;
}

function serverHandler(req: IncomingMessage | http2.Http2ServerRequest, res: ServerResponse | http2.Http2ServerResponse): void {
  const url = new URL(req.url ?? '/', `https://${DEMO_HOST}`);
  const extra = Number(url.searchParams.get('pad') ?? '0') || 0;
  let body: string;
  let type: string;
  if (url.pathname === '/') {
    body = pageHtml(extra);
    type = 'text/html; charset=utf-8';
  } else if (url.pathname === '/hello.json') {
    body = JSON.stringify({ hello: 'world', host: DEMO_HOST, httpVersion: req.httpVersion, pad: 'x'.repeat(extra) }) + '\n';
    type = 'application/json';
  } else {
    body = 'not found\n';
    type = 'text/plain';
    res.statusCode = 404;
  }
  res.setHeader('content-type', type);
  res.setHeader('content-length', Buffer.byteLength(body));
  res.setHeader('cache-control', 'no-store');
  (res as ServerResponse).end(body);
}

/** Starts the demo HTTPS server (HTTP/2 with HTTP/1.1 fallback) on 127.0.0.1, random port. */
async function startServer(preferPort = 0): Promise<{ port: number; close(): Promise<void> }> {
  const server = http2.createSecureServer(
    { key: LEAF_KEY_PEM, cert: CHAIN_PEM, allowHTTP1: true, minVersion: 'TLSv1.2', ciphers: tls.DEFAULT_CIPHERS + ':AES256-SHA' },
    serverHandler,
  );
  const sockets = new Set<net.Socket>();
  server.on('secureConnection', (s: tls.TLSSocket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const listen = (port: number) =>
    new Promise<void>((res, rej) => {
      server.once('error', rej);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', rej);
        res();
      });
    });
  try {
    await listen(preferPort);
  } catch (e) {
    if (preferPort === 0) throw e;
    await listen(0);
  }
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((res) => {
        for (const s of sockets) s.destroy();
        server.close(() => res());
      }),
  };
}

interface RelayResult {
  chunks: TcpChunk[];
  fin: [AbsTime | undefined, AbsTime | undefined];
  rst?: { dir: 0 | 1; t: AbsTime };
  connectAt?: AbsTime;
}

/** A relay that accepts one connection and forwards it to `target`, recording what passes. */
async function startRelay(target: number, now: () => AbsTime): Promise<{ port: number; done: Promise<RelayResult>; close(): void }> {
  const result: RelayResult = { chunks: [], fin: [undefined, undefined] };
  let resolveDone!: (r: RelayResult) => void;
  let rejectDone!: (e: Error) => void;
  const done = new Promise<RelayResult>((res, rej) => {
    resolveDone = res;
    rejectDone = rej;
  });
  const relay = net.createServer({ allowHalfOpen: true, noDelay: true }, (down) => {
    relay.close(); // one connection only
    result.connectAt = now();
    const up = net.connect({ host: '127.0.0.1', port: target, allowHalfOpen: true, noDelay: true });
    let closed = 0;
    const pipe = (from: net.Socket, to: net.Socket, dir: 0 | 1) => {
      from.on('data', (b: Buffer) => {
        result.chunks.push({ t: now(), dir, bytes: new Uint8Array(b) });
        to.write(b);
      });
      from.on('end', () => {
        result.fin[dir] ??= now();
        to.end();
      });
      from.on('error', (e: NodeJS.ErrnoException) => {
        if (!result.rst && (e.code === 'ECONNRESET' || e.code === 'EPIPE')) result.rst = { dir, t: now() };
        to.destroy();
      });
      from.on('close', () => {
        if (++closed === 2) resolveDone(result);
      });
    };
    pipe(down, up, 0);
    pipe(up, down, 1);
  });
  relay.on('error', (e) => rejectDone(e));
  await new Promise<void>((res) => relay.listen(0, '127.0.0.1', () => res()));
  return { port: (relay.address() as net.AddressInfo).port, done, close: () => relay.close() };
}

/** What the client socket says once the handshake is done (it forgets when closed). */
interface TlsInfo {
  version: string;
  cipher: string;
  cipherStandard: string;
  alpn: string | null;
  localPort: number;
}

interface ClientResult {
  info: TlsInfo;
  /** Resolves when the client socket is closed. */
  closed: Promise<void>;
  keylog: string[];
  request: RecordedConnection['request'];
  response: RecordedConnection['response'];
}

function tlsOptions(spec: SessionSpec, port: number, alpn: string[]): tls.ConnectionOptions {
  const o: tls.ConnectionOptions = {
    host: '127.0.0.1', port, servername: DEMO_HOST, ca: CA_PEM, ALPNProtocols: alpn, rejectUnauthorized: true,
  };
  if (spec.minVersion) o.minVersion = spec.minVersion;
  if (spec.maxVersion) o.maxVersion = spec.maxVersion;
  if (spec.ciphers) {
    // TLS 1.3 suites go to `ciphersuites` in OpenSSL terms; Node accepts both kinds in `ciphers`.
    o.ciphers = spec.ciphers;
  }
  return o;
}

function connectTls(o: tls.ConnectionOptions, keylog: string[]): { sock: tls.TLSSocket; info: TlsInfo } {
  const sock = tls.connect(o);
  const info: TlsInfo = { version: '?', cipher: '?', cipherStandard: '?', alpn: null, localPort: 0 };
  sock.on('keylog', (line: Buffer) => keylog.push(line.toString('latin1').trimEnd()));
  sock.once('secureConnect', () => {
    const c = sock.getCipher();
    info.version = sock.getProtocol() ?? '?';
    info.cipher = c.name;
    info.cipherStandard = c.standardName ?? c.name;
    info.alpn = sock.alpnProtocol || null;
    info.localPort = sock.localPort ?? 0;
  });
  return { sock, info };
}

async function runHttp1(spec: SessionSpec, port: number): Promise<ClientResult> {
  const keylog: string[] = [];
  const path = withPad(spec.path ?? '/', spec.extraBody);
  const { sock, info } = connectTls(tlsOptions(spec, port, ['http/1.1']), keylog);
  const closed = new Promise<void>((res) => sock.once('close', () => res()));
  return new Promise<ClientResult>((resolve, reject) => {
    const req = https.request(
      {
        createConnection: () => sock,
        method: 'GET',
        path,
        headers: { host: DEMO_HOST, 'user-agent': 'tlslens-demo/0.1', accept: '*/*', connection: 'close' },
      },
      (res) => {
        let n = 0;
        res.on('data', (b: Buffer) => (n += b.length));
        res.on('end', () => {
          resolve({
            info, keylog, closed,
            request: { method: 'GET', path, httpVersion: 'HTTP/1.1' },
            response: { status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), bodyBytes: n },
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function runH2(spec: SessionSpec, port: number): Promise<ClientResult> {
  const keylog: string[] = [];
  const path = withPad(spec.path ?? '/hello.json', spec.extraBody);
  const { sock, info } = connectTls(tlsOptions(spec, port, ['h2']), keylog);
  const closed = new Promise<void>((res) => sock.once('close', () => res()));
  return new Promise<ClientResult>((resolve, reject) => {
    const session = http2.connect(`https://${DEMO_HOST}`, { createConnection: () => sock });
    session.on('error', reject);
    const req = session.request({ ':method': 'GET', ':path': path, 'user-agent': 'tlslens-demo/0.1', accept: 'application/json' });
    let status = 0;
    let type = '';
    let n = 0;
    req.on('response', (h) => {
      status = Number(h[':status']);
      type = String(h['content-type'] ?? '');
    });
    req.on('data', (b: Buffer) => (n += b.length));
    req.on('end', () => {
      session.close(() =>
        resolve({
          info, keylog, closed,
          request: { method: 'GET', path, httpVersion: 'HTTP/2' },
          response: { status, contentType: type, bodyBytes: n },
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** The SYN: 50 µs before the relay accepted the connection (SYN-ACK and ACK follow 25 µs apart). */
function handshakeStart(rr: RelayResult): AbsTime | undefined {
  const t = rr.connectAt;
  if (!t) return undefined;
  return t.ns >= 50_000 ? { s: t.s, ns: t.ns - 50_000 } : { s: t.s - 1, ns: t.ns + 1_000_000_000 - 50_000 };
}

function withPad(path: string, extra: number | undefined): string {
  return extra ? `${path}${path.includes('?') ? '&' : '?'}pad=${extra}` : path;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, rej) => {
    timer = setTimeout(() => rej(new Error(`${what}: timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Records the sessions (one after the other) and rebuilds their frames (or captures them, `wire`). */
export async function recordDemo(opts: RecordOptions = {}): Promise<DemoRecording> {
  const sessions = opts.sessions ?? DEMO_SESSIONS;
  const timeout = opts.timeoutMs ?? 10_000;
  if (opts.wire) {
    const why = wireUnavailable();
    if (why) throw new TlsLensError('USAGE', why);
  }
  const now = makeClock();
  const server = await startServer(opts.wire ? 443 : 0);
  const connections: RecordedConnection[] = [];
  const frames: SynthFrame[] = [];
  let linktype = 1;
  try {
    const wire = opts.wire ? await startTcpdump(server.port) : undefined;
    for (const spec of sessions) {
      const what = `recording ${spec.name}`;
      const relay = wire ? undefined : await startRelay(server.port, now);
      try {
        const port = relay ? relay.port : server.port;
        const cr = await withTimeout(spec.http === 'h2' ? runH2(spec, port) : runHttp1(spec, port), timeout, what);
        const { info } = cr;
        const { version: tlsVersion, alpn } = info;
        const keylog = cr.keylog.map((l) => l + '\n').join('');
        const common = {
          spec, tlsVersion, cipher: info.cipher, cipherStandard: info.cipherStandard, alpn,
          request: cr.request, response: cr.response, keylog,
        };
        if (!relay) {
          await withTimeout(cr.closed, timeout, what);
          connections.push({
            ...common,
            client: { ip: '127.0.0.1', port: info.localPort },
            server: { ip: '127.0.0.1', port: server.port },
            chunks: [], fin: [undefined, undefined], frames: [], firstFrame: 0,
          });
          continue;
        }
        const rr = await withTimeout(relay.done, timeout, what);
        const client: TcpEndpoint = { ip: opts.clientIp ?? DEMO_CLIENT_IP, port: spec.clientPort ?? (info.localPort || 50000) };
        const serverEp: TcpEndpoint = { ip: opts.serverIp ?? DEMO_SERVER_IP, port: opts.serverPort ?? 443 };
        const label = `${tlsVersion} ${info.cipher}, ${cr.request.httpVersion}${alpn ? ` (ALPN ${alpn})` : ''}`;
        const connFrames = synthesizeTcp(
          { client, server: serverEp, chunks: rr.chunks, start: handshakeStart(rr), fin: rr.fin, rst: rr.rst },
          { comment: `${REBUILT_NOTE} Connection ${connections.length + 1}: ${label}.` },
        );
        connections.push({
          ...common, client, server: serverEp,
          chunks: rr.chunks, fin: rr.fin, rst: rr.rst,
          frames: connFrames, firstFrame: frames.length + 1,
        });
        frames.push(...connFrames);
      } finally {
        relay?.close();
      }
    }
    if (wire) {
      const cap = await wire.stop();
      linktype = cap.linktype;
      frames.push(...cap.frames);
      // give each connection its frames (by client port)
      frames.forEach((f, i) => {
        const ports = tcpPorts(f.data, linktype);
        const c = ports && connections.find((c) => c.client.port === ports[0] || c.client.port === ports[1]);
        if (!c) return;
        if (c.frames.length === 0) c.firstFrame = i + 1;
        c.frames.push(f);
      });
    }
  } finally {
    await server.close();
  }
  return {
    source: opts.wire ? 'wire' : 'relay', linktype,
    connections, frames, keylog: connections.map((c) => c.keylog).join(''),
  };
}

/** Source and destination TCP ports of an Ethernet (or Linux cooked) IPv4/IPv6 frame. */
function tcpPorts(d: Uint8Array, linktype: number): [number, number] | undefined {
  let off: number;
  let etype: number;
  if (linktype === 1) {
    off = 14;
    etype = (d[12] << 8) | d[13];
  } else if (linktype === 113) {
    off = 16;
    etype = (d[14] << 8) | d[15];
  } else return undefined;
  let proto: number;
  if (etype === 0x0800) {
    proto = d[off + 9];
    off += (d[off] & 15) * 4;
  } else if (etype === 0x86dd) {
    proto = d[off + 6];
    off += 40;
  } else return undefined;
  if (proto !== 6 || off + 4 > d.length) return undefined;
  return [(d[off] << 8) | d[off + 1], (d[off + 2] << 8) | d[off + 3]];
}

export interface PcapngOptions {
  /** Put the key log in a Decryption Secrets Block (default true). */
  keylog?: boolean;
  /** Only these connections (default all). */
  connections?: readonly RecordedConnection[];
}

/** The recording as a pcapng file. */
export function demoPcapng(rec: DemoRecording, o: PcapngOptions = {}): Uint8Array {
  const conns = o.connections ?? rec.connections;
  const frames = o.connections ? conns.flatMap((c) => c.frames) : rec.frames;
  const keylog = conns.map((c) => c.keylog).join('');
  const wire = rec.source === 'wire';
  return buildPcapng({
    frames,
    linktype: rec.linktype,
    keylog: o.keylog === false ? undefined : keylog,
    userAppl: wire ? 'tlslens demo --wire (tcpdump on lo)' : 'tlslens demo (frames rebuilt from socket bytes)',
    ifName: wire ? 'lo' : 'tlslens-demo (rebuilt from socket bytes)',
  });
}
