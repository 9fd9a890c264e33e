// `tlslens demo`: records real TLS sessions, writes a pcapng that tshark reads and decrypts with the DSB alone.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { demoPcapng, recordDemo } from '../packages/cli/src/demo/recorder.ts';
import { writeFileSync } from 'node:fs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAIN = join(ROOT, 'packages/cli/src/main.ts');
const HAVE_TSHARK = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;

function tshark(args: string[]): string {
  // an empty keylog_file preference: decryption may only come from the file's DSB
  const r = spawnSync('tshark', ['-o', 'tls.keylog_file:', ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

describe('tlslens demo', () => {
  let dir = '';
  let file = '';
  let stdout = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tlslens-demo-'));
    file = join(dir, 'out.pcapng');
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'demo', '-w', file, '--keylog', join(dir, 'keys.txt')], {
      cwd: ROOT, encoding: 'utf8', timeout: 90_000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(Date.now() - t0 < 60_000, 'demo should take a few seconds (allowing for a loaded machine)');
    stdout = r.stdout;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reports both connections and how to reopen the file', () => {
    assert.match(stdout, /#1 .*→ 198\.51\.100\.20:443 +TLSv1\.2 +ECDHE-RSA-AES128-GCM-SHA256/);
    assert.match(stdout, /#2 .*TLSv1\.3 +TLS_AES_128_GCM_SHA256/);
    assert.match(stdout, /ALPN h2; GET \/hello\.json HTTP\/2 → 200/);
    assert.match(stdout, /ALPN http\/1\.1; GET \/ HTTP\/1\.1 → 200/);
    assert.match(stdout, /\$ tlslens read -r /);
    // tlslens itself decrypted both connections from the embedded key log and checked both Finished messages
    assert.match(stdout, /tcp\.stream 0: decrypted\n +Finished messages: frame \d+: verified; frame \d+: verified\n +decrypted HTTP requests: GET \//);
    assert.match(stdout, /tcp\.stream 1: decrypted\n +Finished messages: frame \d+: verified; frame \d+: verified\n +decrypted HTTP requests: GET \/hello\.json \(HTTP\/2\)/);
    assert.match(stdout, /^ +1 +0\.000000 +192\.0\.2\.10 → 198\.51\.100\.20 +TCP 74 /m);
    assert.match(stdout, /npx tlslens read -r .* -V/);
    assert.match(stdout, /wireshark /);
    assert.match(stdout, /tshark -r .* -Y http/);
    assert.ok(statSync(join(dir, 'keys.txt')).size > 100);
  });

  it('writes a capture that tshark reads: same frame count, good checksums, no TCP analysis flags', (t) => {
    if (!HAVE_TSHARK) return t.skip('tshark not installed');
    const ours = Number(/: (\d+) frames, /.exec(stdout)?.[1]);
    assert.ok(ours > 20);
    const listed = stdout.split('\n').filter((l) => /^ +\d+ +\d+\.\d{6} /.test(l)).length;
    assert.equal(listed, ours, 'packet list printed by the demo');
    const st = tshark(['-r', file, '-o', 'tcp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE',
      '-T', 'fields', '-e', 'tcp.checksum.status', '-e', 'ip.checksum.status']).trim().split('\n');
    assert.equal(st.length, ours);
    assert.ok(st.every((l) => l === '1\t1'), 'all checksums good');
    assert.equal(tshark(['-r', file, '-Y', 'tcp.analysis.flags']), '');
    const comments = tshark(['-r', file, '-Y', 'frame.comment', '-T', 'fields', '-e', 'frame.comment']);
    assert.match(comments, /rebuilt from socket bytes/);
  });

  it('is decrypted by tshark with the embedded key log only', (t) => {
    if (!HAVE_TSHARK) return t.skip('tshark not installed');
    const h1 = tshark(['-r', file, '-Y', 'http', '-T', 'fields', '-e', 'http.request.method', '-e', 'http.response.code']);
    assert.deepEqual(h1.trim().split('\n').map((l) => l.trim()), ['GET', '200']);
    const h2 = tshark(['-r', file, '-Y', 'http2', '-T', 'fields', '-e', 'http2.headers.method']);
    assert.ok(h2.split('\n').some((l) => l.trim() === 'GET'), h2);
    const status = tshark(['-r', file, '-Y', 'http2.headers.status', '-T', 'fields', '-e', 'http2.headers.status']);
    assert.equal(status.trim(), '200');
  });
});

describe('recordDemo', () => {
  it('returns the connections with their metadata, key log and frames', async () => {
    const rec = await recordDemo();
    assert.equal(rec.connections.length, 2);
    const [a, b] = rec.connections;
    assert.equal(a.tlsVersion, 'TLSv1.2');
    assert.equal(a.cipher, 'ECDHE-RSA-AES128-GCM-SHA256');
    assert.equal(a.cipherStandard, 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256');
    assert.equal(a.alpn, 'http/1.1');
    assert.match(a.keylog, /^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}\n$/);
    assert.equal(b.tlsVersion, 'TLSv1.3');
    assert.equal(b.alpn, 'h2');
    for (const label of ['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'SERVER_TRAFFIC_SECRET_0']) {
      assert.match(b.keylog, new RegExp(`^${label} [0-9a-f]{64} [0-9a-f]{64}$`, 'm'));
    }
    assert.equal(rec.keylog, a.keylog + b.keylog);
    assert.equal(a.firstFrame, 1);
    assert.equal(b.firstFrame, a.frames.length + 1);
    assert.equal(rec.frames.length, a.frames.length + b.frames.length);
    assert.equal(a.response.status, 200);
    assert.equal(b.response.status, 200);
    // first chunk is the ClientHello: a TLS handshake record
    assert.equal(a.chunks[0].dir, 0);
    assert.deepEqual([...a.chunks[0].bytes.subarray(0, 1)], [0x16]);
    assert.match(a.frames[0].comment ?? '', /rebuilt from socket bytes/);
  });
});

describe('recordDemo({ wire: true })', () => {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const haveTcpdump = spawnSync('tcpdump', ['--version'], { stdio: 'ignore' }).status === 0;
  it('captures the real loopback packets, decryptable with the DSB', async (t) => {
    if (!isRoot || !haveTcpdump || !HAVE_TSHARK) return t.skip('needs root, tcpdump and tshark');
    const rec = await recordDemo({ wire: true });
    assert.equal(rec.source, 'wire');
    assert.equal(rec.connections.length, 2);
    for (const c of rec.connections) assert.ok(c.frames.length >= 10, `${c.spec.name}: ${c.frames.length} frames`);
    const dir = mkdtempSync(join(tmpdir(), 'tlslens-wire-'));
    try {
      const file = join(dir, 'wire.pcapng');
      writeFileSync(file, demoPcapng(rec));
      const port = rec.connections[0].server.port;
      const d = port === 443 ? [] : ['-d', `tcp.port==${port},tls`];
      const h1 = tshark(['-r', file, ...d, '-Y', 'http', '-T', 'fields', '-e', 'http.request.method']);
      assert.ok(h1.split('\n').some((l) => l.trim() === 'GET'), h1);
      const h2 = tshark(['-r', file, ...d, '-Y', 'http2', '-T', 'fields', '-e', 'http2.headers.method']);
      assert.ok(h2.split('\n').some((l) => l.trim() === 'GET'), h2);
      assert.equal(tshark(['-r', file, ...d]).trim().split('\n').length, rec.frames.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
