// The committed TLS fixtures (scripts/make-fixtures.ts) decrypt in tshark with their key logs / key.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const DIR = fileURLToPath(new URL('./fixtures/', import.meta.url));
const HAVE_TSHARK = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;

/** tshark's non-empty output lines (async: tshark takes about a second to start, so calls run in parallel). */
function tshark(args: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile('tshark', ['-o', 'tls.keylog_file:', ...args], { cwd: DIR, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`tshark ${args.join(' ')}: ${err.message}\n${stderr}`));
      else resolve(stdout.split('\n').map((l) => l.trim()).filter((l) => l !== ''));
    });
  });
}

const CASES: [name: string, version: string, cipher: string, h2: boolean][] = [
  ['tls12-ecdhe-rsa-aes128gcm', '0x0303', '0xc02f', false],
  ['tls13-aes128gcm-h2', '0x0304', '0x1301', true],
  ['tls13-chacha20', '0x0304', '0x1303', false],
  ['tls12-rsa-kx-aes256cbc', '0x0303', '0x0035', false],
];

describe('TLS fixtures', { concurrency: true }, () => {
  for (const [name, version, cipher, h2] of CASES) {
    it(name, async (t) => {
      if (!HAVE_TSHARK) return t.skip('tshark not installed');
      const file = join(DIR, `${name}.pcapng`);
      assert.ok(existsSync(file), `${file} missing: run node --import tsx scripts/make-fixtures.ts`);
      const keys = ['-o', `tls.keylog_file:${name}.keys`];
      const fields = h2 ? ['-e', 'http2.headers.method', '-e', 'http2.headers.status'] : ['-e', 'http.request.method', '-e', 'http.response.code'];
      const [flags, sh, locked, http] = await Promise.all([
        tshark(['-r', file, '-Y', 'tcp.analysis.flags']),
        tshark(['-r', file, '-Y', 'tls.handshake.type == 2', '-T', 'fields', '-e', 'tls.handshake.ciphersuite',
          '-e', 'tls.handshake.extensions.supported_version']),
        // nothing decrypts without the keys
        tshark(['-r', file, '-Y', 'http || http2.headers']),
        tshark(['-r', file, ...keys, '-Y', h2 ? 'http2.headers' : 'http', '-T', 'fields', ...fields]),
      ]);
      assert.deepEqual(flags, []);
      assert.equal(sh.length, 1);
      assert.ok(sh[0].startsWith(cipher), sh[0]);
      if (version === '0x0304') assert.ok(sh[0].endsWith(version), sh[0]);
      assert.deepEqual(locked, []);
      assert.deepEqual(http, ['GET', '200']);
    });
  }

  it('tls12-rsa-kx-aes256cbc decrypts with the server key alone', async (t) => {
    if (!HAVE_TSHARK) return t.skip('tshark not installed');
    const m = await tshark(['-r', 'tls12-rsa-kx-aes256cbc.pcapng', '-o', 'uat:rsa_keys:"tls12-rsa-kx-aes256cbc.key",""',
      '-Y', 'http', '-T', 'fields', '-e', 'http.request.method', '-e', 'http.response.code']);
    assert.deepEqual(m, ['GET', '200']);
  });

  it('demo-dsb decrypts with its Decryption Secrets Block', async (t) => {
    if (!HAVE_TSHARK) return t.skip('tshark not installed');
    const [h1, h2] = await Promise.all([
      tshark(['-r', 'demo-dsb.pcapng', '-Y', 'http', '-T', 'fields', '-e', 'http.request.method', '-e', 'http.response.code']),
      tshark(['-r', 'demo-dsb.pcapng', '-Y', 'http2.headers', '-T', 'fields', '-e', 'http2.headers.method', '-e', 'http2.headers.status']),
    ]);
    assert.deepEqual(h1, ['GET', '200']);
    assert.deepEqual(h2, ['GET', '200']);
  });
});
