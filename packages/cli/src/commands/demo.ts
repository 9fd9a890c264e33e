/**
 * `tlslens demo`: records two real HTTPS connections on loopback (TLS 1.2 + HTTP/1.1, TLS 1.3 + HTTP/2)
 * into tlslens-demo.pcapng, with the TLS key log in a Decryption Secrets Block, shows them and explains both.
 * No root, no network: a Node.js client and server talk through a local relay (see ../demo/recorder.ts).
 */
import { writeFile } from 'node:fs/promises';
import { Engine, TlsLensError, readCaptureSync, fieldText, langFromLocale, parseCaBundle, renderExplanation } from '@tlslens/core';
import { createNodeCrypto } from '../crypto/node-crypto.ts';
import { demoPcapng, recordDemo, DEMO_HOST, type RecordedConnection } from '../demo/recorder.ts';
import { readCommand } from './read.ts';
import { explainCapture } from './explain.ts';
import { CA_PEM } from '../demo/certs.ts';

export const DEMO_HELP = `Usage: tlslens demo [-w FILE] [--keylog FILE] [-q] [--wire]

Records two real HTTPS connections between a Node.js client and server on loopback
(no root, no network): TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256 with HTTP/1.1, and TLS 1.3
with HTTP/2 (ALPN h2). The TLS bytes are exactly what the two sides wrote (recorded by a
relay between them); the Ethernet/IPv4/TCP framing is rebuilt around them. The file holds
the TLS key log in a Decryption Secrets Block, so tlslens, tshark and Wireshark decrypt it.

  -w FILE          where to write the capture (default tlslens-demo.pcapng)
  --keylog FILE    also write the key log (NSS format, as SSLKEYLOGFILE) to FILE
  -q               do not print the packet list
  --wire           capture the real loopback packets with tcpdump instead (root only; the
                   client connects straight to the server, on 127.0.0.1:443 when free)
`;

interface DemoArgs {
  file: string;
  keylog?: string;
  quiet: boolean;
  wire: boolean;
}

function parseDemoArgs(argv: readonly string[]): DemoArgs | 'help' {
  const a: DemoArgs = { file: 'tlslens-demo.pcapng', quiet: false, wire: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new TlsLensError('USAGE', `option ${arg} needs a value`);
      return v;
    };
    if (arg === '-h' || arg === '--help') return 'help';
    else if (arg === '-w') a.file = value();
    else if (arg.startsWith('-w') && arg.length > 2) a.file = arg.slice(2);
    else if (arg === '--keylog') a.keylog = value();
    else if (arg === '-q') a.quiet = true;
    else if (arg === '--wire') a.wire = true;
    else throw new TlsLensError('USAGE', `demo: unknown option "${arg}" (try "tlslens demo --help")`);
  }
  if (a.file === '-') throw new TlsLensError('USAGE', 'demo: -w needs a file name (not "-")');
  return a;
}

function connLine(c: RecordedConnection, i: number): string {
  const n = c.frames.length;
  const last = c.firstFrame + n - 1;
  const cipher = c.cipher === c.cipherStandard ? c.cipher : `${c.cipher} (${c.cipherStandard})`;
  return [
    `  #${i + 1}  ${c.client.ip}:${c.client.port} → ${c.server.ip}:${c.server.port}  ${c.tlsVersion}  ${cipher}`,
    `      ALPN ${c.alpn ?? '(none)'}; ${c.request.method} ${c.request.path} ${c.request.httpVersion} → ${c.response.status}` +
      ` ${c.response.contentType.split(';')[0]} (${c.response.bodyBytes} bytes); ${n > 0 ? `${n} frames (${c.firstFrame}–${last})` : 'no frames'}`,
  ].join('\n');
}

export async function demoCommand(argv: readonly string[]): Promise<number> {
  const args = parseDemoArgs(argv);
  if (args === 'help') {
    process.stdout.write(DEMO_HELP);
    return 0;
  }
  const rec = await recordDemo({ wire: args.wire });
  const wire = rec.source === 'wire';
  const bytes = demoPcapng(rec);
  try {
    await writeFile(args.file, bytes);
    if (args.keylog !== undefined) await writeFile(args.keylog, rec.keylog);
  } catch (e) {
    throw new TlsLensError('IO', `cannot write: ${(e as Error).message}`);
  }
  const f = quoteArg(args.file);
  const out: string[] = [];
  out.push(
    wire
      ? `Captured ${rec.connections.length} HTTPS connections on lo with tcpdump: Node.js client → Node.js server (${DEMO_HOST}).`
      : `Recorded ${rec.connections.length} HTTPS connections on loopback: Node.js client → relay → Node.js server (${DEMO_HOST}).`,
  );
  out.push('');
  rec.connections.forEach((c, i) => out.push(connLine(c, i)));
  out.push('');
  out.push(`Wrote ${args.file}: ${rec.frames.length} frames, ${(bytes.length / 1024).toFixed(1)} KiB, TLS key log embedded (Decryption Secrets Block).`);
  if (!wire) out.push('The TLS bytes are real; the Ethernet/IPv4/TCP framing, addresses and ports are rebuilt around them.');
  const port = rec.connections[0]?.server.port ?? 443;
  const decodeAs = port === 443 ? '' : ` -d tcp.port==${port},tls`;
  if (args.keylog !== undefined) out.push(`Key log also written to ${args.keylog}.`);
  out.push('');
  process.stdout.write(out.join('\n') + '\n');
  if (!args.quiet) {
    process.stdout.write(`$ tlslens read -r ${f}${decodeAs}\n`);
    const status = await readCommand(['-r', args.file, ...(decodeAs ? decodeAs.trim().split(' ') : [])]);
    if (status !== 0) return status;
    process.stdout.write('\n' + verificationReport(bytes, decodeAs.trim()) + '\n');
  }
  // each connection step by step (the key log is inside the file; the demo CA is trusted)
  const lang = langFromLocale(process.env.LC_ALL || process.env.LC_MESSAGES || process.env.LANG);
  for (let i = 0; i < rec.connections.length; i++) {
    process.stdout.write(`$ tlslens explain ${f}${decodeAs} --stream ${i}   (with the demo's root CA trusted)\n`);
    const r = await explainCapture({
      open: () => [bytes],
      engine: () => new Engine({ crypto: createNodeCrypto(), decodeAs: decodeAs ? [decodeAs.trim().replace(/^-d /, '')] : [] }),
      stream: i,
      trustAnchors: parseCaBundle(CA_PEM),
    });
    if (typeof r !== 'number' && r.explanation) process.stdout.write(renderExplanation(r.explanation, 'text', lang) + '\n');
  }
  const hints: [string, string][] = [
    [`npx tlslens read -r ${f}${decodeAs} -V`, 'packet details'],
    [`npx tlslens explain ${f}${decodeAs} --stream 1 --lang zh`, 'the TLS 1.3 connection explained in Chinese'],
    [`wireshark ${f}`, 'Wireshark decrypts it with the embedded key log'],
    [`tshark -r ${f}${decodeAs} -Y http`, 'the HTTP/1.1 request and response'],
    [`tshark -r ${f}${decodeAs} -Y http2`, 'the HTTP/2 frames'],
  ];
  const w = Math.max(...hints.map(([c]) => c.length)) + 3;
  process.stdout.write('Open it again:\n' + hints.map(([c, d]) => `  ${c.padEnd(w)}${d}\n`).join(''));
  return 0;
}

function quoteArg(s: string): string {
  return /^[\w./:@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * What tlslens verified in the file it just wrote, using only the key log embedded in it:
 * per connection the decryption status, both Finished messages, and the HTTP requests.
 */
function verificationReport(file: Uint8Array, decodeAs: string): string {
  const engine = new Engine({ crypto: createNodeCrypto(), decodeAs: decodeAs ? [decodeAs.replace(/^-d /, '')] : [] });
  const names = ['frame.number', 'tcp.stream', 'tls.handshake.type', 'tls.tlslens.finished_verified', 'tls.tlslens.decryption_status',
    'http.request.method', 'http.request.uri', 'http2.headers.method', 'http2.headers.path'];
  const ids = names.map((n) => engine.reg.lookup(n));
  const want = new Uint8Array(engine.reg.size);
  for (const f of ids) want[f.id] = 1;
  const wanted = { fields: want, tree: false, columns: false };
  interface Conn { status: string; finished: string[]; requests: string[] }
  const conns = new Map<string, Conn>();
  let num = 0;
  for (const ev of readCaptureSync(file)) {
    if (ev.kind === 'secrets') engine.addSecrets(ev.secrets.type, ev.secrets.data);
    if (ev.kind !== 'frame') continue;
    const p = engine.dissect(ev.frame, ++num, wanted);
    const v = (i: number) => (p.values(ids[i]!.id) ?? []).map((x) => fieldText(ids[i]!, x));
    const stream = v(1)[0];
    if (stream === undefined) continue;
    const c = conns.get(stream) ?? { status: '', finished: [], requests: [] };
    conns.set(stream, c);
    const status = v(4)[0];
    if (status) c.status = status;
    // the Finished message (handshake type 20) of each side, and whether it verified
    const types = v(2);
    const ok = v(3);
    types.forEach((t, i) => {
      if (t === '20') c.finished.push(`frame ${num}: ${ok[Math.min(i, ok.length - 1)] === '1' ? 'verified' : 'NOT verified'}`);
    });
    v(5).forEach((m, i) => c.requests.push(`${m} ${v(6)[i] ?? ''}`.trim()));
    v(7).forEach((m, i) => c.requests.push(`${m} ${v(8)[i] ?? ''} (HTTP/2)`.trim()));
  }
  const lines = ['What tlslens checked, with only the key log inside the file:'];
  for (const [stream, c] of conns) {
    if (!c.status && c.finished.length === 0) continue;
    lines.push(`  tcp.stream ${stream}: ${c.status || 'not decrypted'}`);
    lines.push(`    Finished messages: ${c.finished.length ? c.finished.join('; ') : 'none seen'}`);
    if (c.requests.length) lines.push(`    decrypted HTTP requests: ${c.requests.join(', ')}`);
  }
  return lines.join('\n') + '\n';
}
