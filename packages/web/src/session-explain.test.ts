// The web UI's Explain (CaptureSession.explain) decrypts only the connection explained, as
// `tlslens explain` does, and looks for a resumed session's origin in a second pass when the
// first did not find it (a TLS 1.3 ticket is inside another connection's encrypted handshake):
// its steps must be the CLI's, sentence for sentence. Public captures with resumption.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { KeyFile } from './protocol.ts';
import { CaptureSession } from './session.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CAPTURES = join(ROOT, '../shared/captures');
const CLI = join(ROOT, 'packages/cli/dist/tlslens.mjs');
// the browser has no trust store: the CLI trusts only an unrelated root, so no chain is "trusted" in either
const CA = join(ROOT, 'test/fixtures/pki/root.pem');

const CASES: { file: string; keys: string; kind: 'keylog' | 'rsa'; resumed: number }[] = [
  // TLS 1.3: stream 1 resumes with a PSK from a ticket sent encrypted in stream 0
  { file: 'wireshark/tls13-rfc8446.pcap', keys: 'wireshark/tls13-rfc8446.keys', kind: 'keylog', resumed: 1 },
  // SSLv3 with an RSA key: stream 1 resumes stream 0's session ID
  { file: 'wireshark/rsasnakeoil2.pcap', keys: 'wireshark/rsasnakeoil2.key', kind: 'rsa', resumed: 1 },
];
const SKIP = !existsSync(join(CAPTURES, 'wireshark/tls13-rfc8446.pcap')) ? 'public captures not found at ../shared/captures'
  : !existsSync(CLI) ? 'the CLI is not built (npm run build)' : false;

interface Step { id: string; text: string[] }

describe('web Explain = tlslens explain (resumed connections)', { skip: SKIP }, () => {
  for (const c of SKIP ? [] : CASES) {
    for (const stream of [0, 1]) {
      it(`${c.file} stream ${stream}`, async () => {
        const keyFile = join(CAPTURES, c.keys);
        const key: KeyFile = c.kind === 'rsa'
          ? { name: keyFile, kind: 'rsa', data: new Uint8Array(readFileSync(keyFile)) }
          : { name: keyFile, kind: 'keylog', data: readFileSync(keyFile, 'utf8') };
        const s = new CaptureSession([key], { prefs: [], decodeAs: [] });
        await s.open(new Uint8Array(readFileSync(join(CAPTURES, c.file))), { cancelled: false }, () => {});
        const ui = await s.explain(stream, 'en', { cancelled: false });
        assert.ok(ui, 'an explanation');
        const r = spawnSync(process.execPath, [CLI, 'explain', join(CAPTURES, c.file), c.kind === 'rsa' ? '--rsa-key' : '--keylog', keyFile, '--stream', String(stream),
          '--format', 'json', '--lang', 'en', '--ca-only', '--ca', CA], { encoding: 'utf8', maxBuffer: 64 << 20 });
        assert.equal(r.status, 0, r.stderr);
        const cli = JSON.parse(r.stdout) as { steps: (Step & { values?: { resumed?: string; resumed_from?: { stream: number } | null } })[] };
        assert.deepEqual(ui.steps.map((st) => ({ id: st.id, text: st.text })), cli.steps.map((st) => ({ id: st.id, text: st.text })));
        if (stream === c.resumed) {
          // the resumed connection names the one it resumes (the second pass found it for TLS 1.3)
          const sh = cli.steps.find((st) => st.id === 'server_hello')!.values!;
          assert.notEqual(sh.resumed, 'no');
          assert.equal(sh.resumed_from?.stream, 0);
        }
      });
    }
  }
});
