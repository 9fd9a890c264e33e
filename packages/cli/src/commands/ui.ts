/**
 * `tlslens ui [--port N] [FILE] [--keylog F] [--rsa-key F[:PASS]]`: serves the web UI (the
 * static build of packages/web) on 127.0.0.1. The capture and keys given on the command line
 * are offered to the page (GET api/session, api/capture, api/key/N), which dissects and
 * decrypts them in the browser like a file it opened itself.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { basename, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TlsLensError } from '@tlslens/core';

export const UI_HELP = `Usage: tlslens ui [--port N] [FILE] [--keylog FILE] [--rsa-key FILE[:PASS]] [-o NAME:VALUE] [-d RULE]

Serves the tlslens web UI on http://127.0.0.1:PORT/ (default port 8480; 0 picks a free one).
The UI dissects and decrypts in the browser: packet list with display filters, the details
tree and bytes, TLS connections (and why one is not decrypted), HTTP, Follow stream.
  FILE                    capture to open at start (pcap, pcapng, gzip)
  --keylog FILE           TLS key log to load with it (repeatable)
  --rsa-key FILE[:PASS]   RSA private key to load with it (repeatable)
  -o NAME:VALUE           preference, as for read: http.tls.port:8443, tls.keylog_file:FILE
  -d tcp.port==N,tls      decode as
  --port N                port to listen on (127.0.0.1 only)
Stop it with Ctrl-C.
`;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon',
  '.json': 'application/json', '.map': 'application/json', '.wasm': 'application/wasm', '.txt': 'text/plain; charset=utf-8',
};

/** The built web UI: next to the bundled CLI (packages/cli/dist → packages/web/dist) or the sources; TLSLENS_WEB_DIR overrides. */
export function findWebDir(): string | undefined {
  const env = process.env.TLSLENS_WEB_DIR;
  const here = fileURLToPath(new URL('.', import.meta.url));
  const candidates = env ? [env] : [join(here, '../../web/dist'), join(here, '../../../web/dist')];
  return candidates.map((c) => resolve(c)).find((c) => existsSync(join(c, 'index.html')));
}

interface Offered {
  name: string;
  path: string;
  password?: string;
}

interface UiArgs {
  port: number;
  file?: string;
  keys: Offered[];
  prefs: [string, string][];
  decodeAs: string[];
}

function parseArgs(argv: readonly string[]): UiArgs {
  const a: UiArgs = { port: 8480, keys: [], prefs: [], decodeAs: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = () => {
      const v = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (v === undefined) throw new TlsLensError('USAGE', `${name} needs a value`);
      return v;
    };
    if (name === '--port' || name === '-p') {
      const v = value();
      if (!/^\d+$/.test(v) || Number(v) > 65535) throw new TlsLensError('USAGE', `invalid --port "${v}" (0-65535)`);
      a.port = Number(v);
    } else if (name === '--keylog') {
      const p = value();
      a.keys.push({ name: basename(p), path: p });
    } else if (name === '--rsa-key') {
      const v = value();
      const k = v.lastIndexOf(':');
      const path = k > 1 ? v.slice(0, k) : v;
      a.keys.push({ name: basename(path), path, ...(k > 1 ? { password: v.slice(k + 1) } : {}) });
    } else if (name === '-o') {
      const v = value();
      const k = v.indexOf(':');
      if (k <= 0) throw new TlsLensError('USAGE', `invalid -o "${v}" (NAME:VALUE)`);
      const [pk, pv] = [v.slice(0, k), v.slice(k + 1)];
      if (pk === 'tls.keylog_file' || pk === 'ssl.keylog_file') a.keys.push({ name: basename(pv), path: pv });
      else a.prefs.push([pk, pv]);
    } else if (name === '-d') a.decodeAs.push(value());
    else if (name === '-r') a.file = value();
    else if (arg.startsWith('-') && arg !== '-') throw new TlsLensError('USAGE', `unknown option "${arg}" (see tlslens ui --help)`);
    else if (a.file === undefined) a.file = arg;
    else throw new TlsLensError('USAGE', `only one capture file can be given ("${arg}")`);
  }
  for (const p of [a.file, ...a.keys.map((k) => k.path)]) {
    if (p === undefined) continue;
    if (p === '-') throw new TlsLensError('USAGE', 'tlslens ui cannot read a capture from stdin; give a file');
    if (!existsSync(p) || !statSync(p).isFile()) throw new TlsLensError('IO', `cannot read "${p}": no such file`);
  }
  return a;
}

function send(res: ServerResponse, status: number, type: string, body: string | Uint8Array): void {
  res.writeHead(status, {
    'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store',
    'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer',
  });
  res.end(body);
}

/** Starts the server; resolves with its URL once listening. */
export async function startUiServer(argv: readonly string[]): Promise<{ url: string; close: () => Promise<void> }> {
  const args = parseArgs(argv);
  const root = findWebDir();
  if (!root) throw new TlsLensError('IO', 'the web UI is not built (packages/web/dist is missing): run "npm run build"');
  const session = {
    capture: args.file ? basename(args.file) : undefined,
    keys: args.keys.map((k) => ({ name: k.name, ...(k.password ? { password: k.password } : {}) })),
    prefs: args.prefs, decodeAs: args.decodeAs,
  };
  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // only pages of this server: a site that rebinds its DNS name to 127.0.0.1 must not read the capture
    if (!/^(127\.0\.0\.1|localhost)(:\d+)?$/.test(req.headers.host ?? '')) return send(res, 403, 'text/plain', 'forbidden host\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed\n');
    // the page's own API: what `tlslens ui FILE --keylog K` was started with
    if (url.pathname === '/api/session') return send(res, 200, TYPES['.json']!, JSON.stringify(session));
    if (url.pathname === '/api/capture' && args.file) return send(res, 200, 'application/octet-stream', await readFile(args.file));
    const km = /^\/api\/key\/(\d+)$/.exec(url.pathname);
    if (km && args.keys[Number(km[1])]) return send(res, 200, 'application/octet-stream', await readFile(args.keys[Number(km[1])]!.path));
    if (url.pathname.startsWith('/api/')) return send(res, 404, 'text/plain', 'not found\n');
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      return send(res, 400, 'text/plain', 'bad path\n');
    }
    const path = normalize(join(root, rel.endsWith('/') ? rel + 'index.html' : rel));
    if (path !== root && !path.startsWith(root + sep)) return send(res, 403, 'text/plain', 'forbidden\n');
    if (!existsSync(path) || !statSync(path).isFile()) return send(res, 404, 'text/plain', 'not found\n');
    send(res, 200, TYPES[extname(path)] ?? 'application/octet-stream', readFileSync(path));
  };
  const server = createServer((req, res) => {
    handler(req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, 'text/plain', `${(e as Error).message}\n`);
      else res.destroy();
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      fail(e.code === 'EADDRINUSE' ? new TlsLensError('IO', `port ${args.port} is in use (try --port 0 for a free one)`) : e));
    server.listen(args.port, '127.0.0.1', ok);
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : args.port;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((ok) => {
    server.close(() => ok());
    server.closeAllConnections();
  }) };
}

export async function uiCommand(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(UI_HELP);
    return 0;
  }
  const { url, close } = await startUiServer(argv);
  process.stdout.write(`tlslens ui: serving ${url}  (open it in a browser; Ctrl-C to stop)\n`);
  await new Promise<void>((ok) => {
    const stop = () => ok();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await close();
  return 0;
}
