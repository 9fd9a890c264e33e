// An HTTP/1.0 response without Content-Length ends when the server closes: the message
// completes on the FIN, even when that FIN carries no data (as tshark shows it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPcapng, synthesizeTcp } from '@tlslens/core';
import { haveTshark, tlslens, tshark } from './helpers.ts';

const skip = !haveTshark() && 'tshark is not installed (apt-get install -y tshark)';
const enc = (s: string) => new TextEncoder().encode(s);

test('a body that runs until a data-less FIN completes on the FIN frame, like tshark', { skip }, () => {
  const t = (ms: number) => ({ s: 1700000000, ns: ms * 1e6 });
  const frames = synthesizeTcp({
    client: { ip: '10.0.0.1', port: 40000 },
    server: { ip: '10.0.0.2', port: 80 },
    chunks: [
      { t: t(1), dir: 0, bytes: enc('GET /old HTTP/1.0\r\nHost: example.test\r\n\r\n') },
      { t: t(5), dir: 1, bytes: enc('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nhello ') },
      { t: t(7), dir: 1, bytes: enc('until the close\n') },
    ],
    fin: [t(20), t(10)],
  });
  const dir = mkdtempSync(join(tmpdir(), 'tlslens-http-'));
  const cap = join(dir, 'close.pcapng');
  writeFileSync(cap, buildPcapng({ frames }));
  const args = ['-r', cap, '-T', 'fields', '-e', 'frame.number', '-e', 'tcp.flags', '-e', 'http.response.code', '-e', 'http.file_data', '-e', 'http.request.uri'];
  const want = tshark(args);
  assert.equal(want.status, 0, want.stderr);
  assert.match(want.stdout, /\t0x0011\t200\t/, 'tshark completes the response on the FIN');
  const got = tlslens(['read', ...args]);
  assert.equal(got.status, 0, got.stderr);
  assert.equal(got.stdout, want.stdout);
  assert.equal(tlslens(['read', '-r', cap]).stdout, tshark(['-r', cap]).stdout);
});
