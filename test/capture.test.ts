// `tlslens capture` on the loopback interface (root + dumpcap or tcpdump), against a local HTTPS
// server and client; the -w file is checked with tshark. Every run has a hard timeout and the
// capture process is killed on failure, so the test never hangs.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import https from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, ROOT, haveTshark, tlslens, tshark } from './helpers.ts';

function have(cmd: string): boolean {
  return (process.env['PATH'] ?? '').split(':').concat(['/usr/sbin', '/sbin']).some((d) => d !== '' && existsSync(join(d, cmd)));
}
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const HAVE_DUMPCAP = have('dumpcap');
const HAVE_TCPDUMP = have('tcpdump');
const skip: string | false = !isRoot
  ? 'capture tests need root (capturing on lo)'
  : !HAVE_DUMPCAP && !HAVE_TCPDUMP
    ? 'no capture backend (apt-get install -y tshark, or tcpdump)'
    : false;
const skipDumpcap = skip || (HAVE_DUMPCAP ? false : 'dumpcap is not installed (apt-get install -y tshark)');
const skipTcpdump = skip || (HAVE_TCPDUMP ? false : 'tcpdump is not installed (apt-get install -y tcpdump)');
const skipTshark = haveTshark() ? false : 'tshark is not installed (apt-get install -y tshark)';
if (skip) console.log(`# skipping live capture tests: ${skip}`);

const ASSETS = join(ROOT, 'packages/cli/assets');
const TMP = mkdtempSync(join(tmpdir(), 'tlslens-capture-'));
after(() => rmSync(TMP, { recursive: true, force: true }));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** One HTTPS request/response over TLS on 127.0.0.1:port (server and client in this process). */
async function httpsExchange(port: number): Promise<void> {
  const srv = https.createServer({ key: readFileSync(join(ASSETS, 'leaf.key')), cert: readFileSync(join(ASSETS, 'leaf.pem')) }, (_q, r) => r.end('hello from tlslens capture test\n'));
  await new Promise<void>((res) => srv.listen(port, '127.0.0.1', res));
  try {
    await new Promise<void>((res, rej) => {
      const req = https.get({ host: '127.0.0.1', port, path: '/', rejectUnauthorized: false, agent: false, timeout: 5000 }, (r) => {
        r.resume();
        r.on('end', res);
      });
      req.on('error', rej);
      req.on('timeout', () => req.destroy(new Error('https request timed out')));
    });
  } finally {
    srv.closeAllConnections();
    await new Promise<void>((res) => srv.close(() => res()));
  }
}

interface Live {
  ready: Promise<void>;
  done: Promise<{ status: number | null; stdout: string; stderr: string; ms: number }>;
  kill(sig: NodeJS.Signals): void;
}

/** Starts `tlslens capture …`; `ready` resolves once it prints "Capturing on"; hard timeout `limitMs`. */
function startCapture(args: readonly string[], limitMs = 15000): Live {
  const t0 = Date.now();
  const child = spawn(process.execPath, [CLI, 'capture', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  let onReady: () => void = () => {};
  let onFail: (e: Error) => void = () => {};
  const ready = new Promise<void>((res, rej) => {
    onReady = res;
    onFail = rej;
  });
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
    if (stderr.includes('Capturing on')) onReady();
  });
  const hard = setTimeout(() => child.kill('SIGKILL'), limitMs);
  const done = new Promise<{ status: number | null; stdout: string; stderr: string; ms: number }>((res) => {
    child.on('close', (status) => {
      clearTimeout(hard);
      onFail(new Error(`capture exited (${status}) before it was ready: ${stderr}`));
      res({ status, stdout, stderr, ms: Date.now() - t0 });
    });
  });
  const readyTimer = setTimeout(() => onFail(new Error(`capture not ready after 10 s: ${stderr}`)), 10000);
  void ready.then(() => clearTimeout(readyTimer), () => clearTimeout(readyTimer));
  return { ready, done, kill: (sig) => child.kill(sig) };
}

function lines(s: string): string[] {
  return s.split('\n').filter((l) => l !== '');
}

function tsharkCount(file: string, filter?: string): number {
  const r = tshark(['-r', file, ...(filter ? ['-Y', filter] : [])]);
  assert.equal(r.status, 0, `tshark -r ${file}: ${r.stderr}`);
  return lines(r.stdout).length;
}

test('dumpcap: -c stops after N packets of a live HTTPS exchange; -w is a pcapng tshark reads with the same count', { skip: skipDumpcap }, async () => {
  const port = await freePort();
  const out = join(TMP, 'count.pcapng');
  const cap = startCapture(['-i', 'lo', '-f', `tcp port ${port}`, '-c', '8', '-w', out]);
  await cap.ready;
  await httpsExchange(port);
  const r = await cap.done;
  assert.equal(r.status, 0, r.stderr);
  const printed = lines(r.stdout);
  assert.equal(printed.length, 8, r.stdout);
  assert.match(printed[0]!, /^\s*1 .*127\.0\.0\.1 → 127\.0\.0\.1\s+TCP .*\[SYN\]/);
  assert.match(r.stdout, /Client Hello/);
  assert.match(r.stderr, /^8 packets captured$/m);
  if (!skipTshark) assert.equal(tsharkCount(out), 8);
  // the file reads back through tlslens with the same packet list
  const back = tlslens(['read', '-r', out]);
  assert.equal(back.status, 0, back.stderr);
  assert.equal(back.stdout, r.stdout);
});

test('dumpcap: -a duration:S stops by itself; -Y filters live while -w keeps every packet', { skip: skipDumpcap }, async () => {
  const port = await freePort();
  const out = join(TMP, 'duration.pcapng');
  const cap = startCapture(['-i', 'lo', '-f', `tcp port ${port}`, '-a', 'duration:2', '-w', out, '-Y', 'tls.handshake.type == 1', '-T', 'fields', '-e', 'frame.number', '-e', 'tcp.dstport']);
  await cap.ready;
  await httpsExchange(port);
  const r = await cap.done;
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.ms < 9000, `took ${r.ms} ms`);
  const total = Number(/^(\d+) packets captured$/m.exec(r.stderr)?.[1]);
  assert.ok(total >= 8, r.stderr);
  // one Client Hello, to the server's port
  assert.deepEqual(lines(r.stdout).map((l) => l.split('\t')[1]), [String(port)]);
  if (!skipTshark) {
    assert.equal(tsharkCount(out), total);
    assert.equal(tsharkCount(out, 'tls.handshake.type == 1'), 1);
    const f = tshark(['-r', out, '-Y', 'tls.handshake.type == 1', '-T', 'fields', '-e', 'frame.number', '-e', 'tcp.dstport']);
    assert.equal(r.stdout, f.stdout);
  }
});

test('SIGINT stops the capture cleanly: output and -w file flushed, summary on stderr', { skip: skipDumpcap }, async () => {
  const port = await freePort();
  const out = join(TMP, 'sigint.pcapng');
  const cap = startCapture(['-i', 'lo', '-f', `tcp port ${port}`, '-w', out]);
  await cap.ready;
  await httpsExchange(port);
  await new Promise((res) => setTimeout(res, 600)); // dumpcap delivers packets up to ~0.25 s late
  cap.kill('SIGINT');
  const r = await cap.done;
  assert.equal(r.status, 0, r.stderr);
  const n = lines(r.stdout).length;
  assert.ok(n >= 8, r.stdout);
  assert.match(r.stderr, new RegExp(`^${n} packets captured$`, 'm'));
  if (!skipTshark) assert.equal(tsharkCount(out), n);
});

test('tcpdump backend: -c, -w (pcap from tcpdump, pcapng on disk) and SIGTERM', { skip: skipTcpdump }, async () => {
  const port = await freePort();
  const out = join(TMP, 'tcpdump.pcapng');
  const cap = startCapture(['--backend', 'tcpdump', '-i', 'lo', `tcp port ${port}`, '-c', '6', '-w', out]);
  await cap.ready;
  await httpsExchange(port);
  const r = await cap.done;
  assert.equal(r.status, 0, r.stderr);
  assert.equal(lines(r.stdout).length, 6, r.stdout);
  assert.match(r.stderr, /with tcpdump/);
  assert.match(r.stderr, /^6 packets captured$/m);
  if (!skipTshark) assert.equal(tsharkCount(out), 6);

  const idle = startCapture(['--backend', 'tcpdump', '-i', 'lo', '-f', `tcp port ${port}`]);
  await idle.ready;
  idle.kill('SIGTERM');
  const t = await idle.done;
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stderr, /^0 packets captured$/m);
});

test('ring buffer: -b packets:N -b files:M keeps the last M files, each a valid pcapng', { skip: skipDumpcap }, async () => {
  const port = await freePort();
  const dir = mkdtempSync(join(TMP, 'ring-'));
  const cap = startCapture(['-i', 'lo', '-f', `tcp port ${port}`, '-q', '-c', '12', '-w', join(dir, 'ring.pcapng'), '-b', 'packets:5', '-b', 'files:2']);
  await cap.ready;
  await httpsExchange(port);
  const r = await cap.done;
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '');
  const files = readdirSync(dir).sort();
  assert.equal(files.length, 2, files.join(' '));
  assert.match(files[0]!, /^ring_00002_\d{14}\.pcapng$/);
  assert.match(files[1]!, /^ring_00003_\d{14}\.pcapng$/);
  if (!skipTshark) assert.deepEqual(files.map((f) => tsharkCount(join(dir, f))), [5, 2]);
});

/** Runs a command without blocking this process's event loop (the HTTPS server runs here). */
function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<number | null> {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { stdio: 'ignore', env, timeout: 10000 });
    c.on('error', () => resolve(null));
    c.on('close', (code) => resolve(code));
  });
}

for (const backend of ['dumpcap', 'tcpdump'] as const) {
  const skipLive = (backend === 'dumpcap' ? skipDumpcap : skipTcpdump) || (have('curl') ? false : 'curl is not installed (apt-get install -y curl)');
  test(`${backend}: live decryption with curl's key log, which does not exist yet when the capture starts (TLS 1.3 and 1.2)`, { skip: skipLive }, async () => {
    const port = await freePort();
    const out = join(TMP, `live-${backend}.pcapng`);
    const keylog = join(TMP, `live-${backend}.keys`);
    const srv = https.createServer({ key: readFileSync(join(ASSETS, 'leaf.key')), cert: readFileSync(join(ASSETS, 'leaf.pem')) }, (q, r) => r.end(`hello ${q.url}\n`));
    await new Promise<void>((res) => srv.listen(port, '127.0.0.1', res));
    const fields = ['-Y', 'http', '-T', 'fields', '-e', 'frame.number', '-e', 'http.request.method', '-e', 'http.request.uri', '-e', 'http.response.code', '-e', 'http.file_data'];
    const cap = startCapture(['--backend', backend, '-i', 'lo', '-f', `tcp port ${port}`, '-w', out, '--keylog', keylog, ...fields]);
    try {
      await cap.ready;
      const env = { ...process.env, SSLKEYLOGFILE: keylog };
      assert.equal(await run('curl', ['-s', '-k', '--tlsv1.3', `https://127.0.0.1:${port}/live13`, '-o', '/dev/null'], env), 0);
      assert.equal(await run('curl', ['-s', '-k', '--tls-max', '1.2', `https://127.0.0.1:${port}/live12`, '-o', '/dev/null'], env), 0);
      await new Promise((res) => setTimeout(res, 600)); // dumpcap delivers packets up to ~0.25 s late
    } finally {
      cap.kill('SIGINT');
      srv.closeAllConnections();
      srv.close();
    }
    const r = await cap.done;
    assert.equal(r.status, 0, r.stderr);
    const rows = lines(r.stdout).map((l) => l.split('\t').slice(1).join(' '));
    assert.deepEqual(rows, ['GET /live13  ', '  200 hello /live13\\n', 'GET /live12  ', '  200 hello /live12\\n'], r.stdout);
    const total = Number(/^(\d+) packets captured$/m.exec(r.stderr)?.[1]);
    assert.ok(total >= 20, r.stderr);
    if (!skipTshark) {
      assert.equal(tsharkCount(out), total);
      // tshark with the complete key log finds the same HTTP in the same frames
      const t = tshark(['-r', out, '-o', `tls.keylog_file:${keylog}`, ...fields]);
      assert.equal(t.status, 0, t.stderr);
      assert.equal(r.stdout, t.stdout);
    }
  });
}

test('-D lists the interfaces, lo among them', { skip }, () => {
  const r = tlslens(['capture', '-D']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^\d+\. lo\b/m);
});

test('errors: unknown interface and bad capture filter exit 1 with the backend message; bad -Y exits 4', { skip }, () => {
  const bad = tlslens(['capture', '-i', 'tlslens-no-such-if0', '-c', '1']);
  assert.equal(bad.status, 1, bad.stderr);
  assert.match(bad.stderr, /no capture interface named "tlslens-no-such-if0"; list them with: tlslens capture -D/);
  assert.match(bad.stderr, /\blo\b/); // the list comes with it

  const bpf = tlslens(['capture', '-i', 'lo', '-f', 'tcp port', '-c', '1']);
  assert.equal(bpf.status, 1, bpf.stderr);
  assert.match(bpf.stderr, /invalid capture filter \(-f\): (dumpcap: Invalid capture filter "tcp port"|tcpdump: can't parse filter expression)/);

  const dfilter = tlslens(['capture', '-i', 'lo', '-Y', 'tcp.port ==', '-c', '1']);
  assert.equal(dfilter.status, 4, dfilter.stderr);
  assert.doesNotMatch(dfilter.stderr, /Capturing on/);
});

test('errors: permission denied exits 2 and says how to fix it', { skip: skip || (have('setpriv') ? false : 'setpriv not found') }, () => {
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI, 'capture', '-i', 'lo', '-c', '1'], { encoding: 'utf8', timeout: 15000 });
  if (r.status === 0) return; // this dumpcap lets everyone capture
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /permission/i);
  assert.match(r.stderr, /run tlslens as root/);
  assert.match(r.stderr, /dpkg-reconfigure wireshark-common/);
});

test('errors: no capture backend in PATH exits 2 with the install command', () => {
  const r = spawnSync(process.execPath, [CLI, 'capture', '--backend', 'dumpcap', '-i', 'lo'], { encoding: 'utf8', timeout: 15000, env: { ...process.env, PATH: '/nonexistent' } });
  if (['/usr/sbin', '/sbin', '/usr/local/sbin'].some((d) => existsSync(join(d, 'dumpcap')))) return; // tlslens looks there too
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /apt-get install -y tshark/);
});
