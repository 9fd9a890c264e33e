// Records real Node TLS sessions for the explain tests: each connection goes through a relay that
// records what each side wrote; the frames are rebuilt with core's synthesizeTcp (one client port
// per connection) and written as one pcapng. The key log (client side) is returned separately.
import net from 'node:net';
import tls from 'node:tls';
import { buildPcapng, synthesizeTcp, type AbsTime, type SynthFrame, type TcpChunk } from '@tlslens/core';
import { startRelay } from './relay.ts';

export interface ConnSpec {
  server: tls.TlsOptions;
  client: Omit<tls.ConnectionOptions, 'host' | 'port'>;
  /** Send an HTTP/1.1 GET once connected (default true). */
  request?: boolean;
}

export interface Recording {
  pcapng: Uint8Array;
  keylog: string;
  /** Per connection: whether the handshake succeeded and the client's error, if any. */
  results: { ok: boolean; error?: string }[];
}

/** One connection through a recording relay to a fresh server. */
async function one(spec: ConnSpec, session: Buffer | undefined, keylog: string[]): Promise<{ chunks: TcpChunk[]; fin: [AbsTime | undefined, AbsTime | undefined]; start?: AbsTime; ok: boolean; error?: string; session?: Buffer }> {
  const server = tls.createServer(spec.server, (s) => {
    s.on('error', () => {});
    s.once('data', () => s.end('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 3\r\nconnection: close\r\n\r\nok\n'));
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  const relay = await startRelay((server.address() as net.AddressInfo).port);
  let ok = false;
  let error: string | undefined;
  let newSession: Buffer | undefined;
  await new Promise<void>((res) => {
    const c = tls.connect({ host: '127.0.0.1', port: relay.port, ...spec.client, ...(session ? { session } : {}) });
    c.on('keylog', (l: Buffer) => keylog.push(l.toString('latin1').trimEnd()));
    c.on('session', (s: Buffer) => (newSession = s));
    c.once('secureConnect', () => {
      ok = true;
      if (spec.request !== false) c.write('GET / HTTP/1.1\r\nhost: test\r\n\r\n');
      else c.end();
    });
    c.on('data', () => {});
    c.on('end', () => c.end());
    c.on('close', () => res());
    c.on('error', (e) => { error = e.message; });
  });
  await relay.done;
  relay.close();
  await new Promise<void>((res) => server.close(() => res()));
  return { chunks: relay.chunks, fin: relay.fin, ...(relay.start ? { start: relay.start } : {}), ok, ...(error ? { error } : {}), ...(newSession ? { session: newSession } : {}) };
}

/** Records the connections one after the other; `resume` connections reuse the previous session. */
export async function record(specs: readonly (ConnSpec & { resume?: boolean })[]): Promise<Recording> {
  const frames: SynthFrame[] = [];
  const keylog: string[] = [];
  const results: Recording['results'] = [];
  let session: Buffer | undefined;
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i]!;
    const r = await one(spec, spec.resume ? session : undefined, keylog);
    session = r.session ?? session;
    results.push({ ok: r.ok, ...(r.error ? { error: r.error } : {}) });
    frames.push(...synthesizeTcp({
      client: { ip: '192.0.2.10', port: 50100 + i }, server: { ip: '198.51.100.20', port: 443 },
      chunks: r.chunks, fin: r.fin, ...(r.start ? { start: r.start } : {}),
    }));
  }
  return { pcapng: buildPcapng({ frames }), keylog: keylog.map((l) => l + '\n').join(''), results };
}
