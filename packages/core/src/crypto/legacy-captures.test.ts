// End to end: the SEED-SHA, IDEA-CBC-SHA and EXP-RC2-CBC-MD5 connections of the public
// lekensteyn-wireshark-notes captures decrypt through the CLI (Node backend, which falls back
// to core's SEED/IDEA/RC2) and give the same http.request.uri list as tshark 4.0.
// Skipped when tshark or the captures are absent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CAPTURES = process.env.TLSLENS_CAPTURES ?? '/work/shared/captures';
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const MAIN = fileURLToPath(new URL('../../../cli/src/main.ts', import.meta.url));
const DIRS = ['all', 'ssl3', 'tls/all', 'tls/broken'];
const LEGACY = new Set(['0x0096', '0x0007', '0x0006']); // SEED, IDEA, EXP-RC2
const hasTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;

function opts(dir: string): string[] {
  const d = `${CAPTURES}/lekensteyn-wireshark-notes/${dir}`;
  return ['-r', `${d}/dump.pcapng`, '-o', `tls.keylog_file:${d}/premaster.txt`, '-o', 'http.tls.port:443,4430-4500', '-d', 'tcp.port==4430-4500,tls',
    '-T', 'fields', '-e', 'tcp.stream', '-e', 'tls.handshake.ciphersuite', '-e', 'http.request.uri', '-Y', 'http.request || tls.handshake.type == 2'];
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `${cmd} failed: ${r.stderr}`);
  return r.stdout;
}

/** Per TCP stream: the negotiated suite and the request URIs. */
function streams(out: string): Map<string, { suite?: string; uris: string[] }> {
  const m = new Map<string, { suite?: string; uris: string[] }>();
  for (const line of out.split('\n')) {
    if (!line) continue;
    const [s, suite, uri] = line.split('\t');
    const e = m.get(s!) ?? { uris: [] };
    if (suite) e.suite = suite;
    if (uri) e.uris.push(uri);
    m.set(s!, e);
  }
  return m;
}

for (const dir of DIRS) {
  const present = existsSync(`${CAPTURES}/lekensteyn-wireshark-notes/${dir}/dump.pcapng`);
  const skip = !hasTshark ? 'tshark is missing' : !present ? `capture ${dir} is absent` : false;
  test(`lekensteyn-wireshark-notes/${dir}: SEED, IDEA and RC2 streams decrypt like tshark`, { skip }, () => {
    const theirs = streams(run('tshark', opts(dir)));
    const ours = streams(run(process.execPath, ['--import', 'tsx', MAIN, 'read', ...opts(dir)]));
    const legacy = [...theirs].filter(([, e]) => e.suite && LEGACY.has(e.suite.toLowerCase()));
    assert.deepEqual(new Set(legacy.map(([, e]) => e.suite)), LEGACY, 'each legacy suite appears in the capture');
    for (const [s, e] of legacy) {
      assert.ok(e.uris.length > 0, `tshark decrypts stream ${s} (${e.suite})`);
      assert.deepEqual(ours.get(s), e, `stream ${s} (${e.suite})`);
    }
    // and every other stream's request list too
    assert.deepEqual([...ours].map(([s, e]) => [s, e.uris]), [...theirs].map(([s, e]) => [s, e.uris]));
  });
}
