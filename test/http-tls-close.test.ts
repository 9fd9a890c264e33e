// HTTP/1.0 responses over TLS without Content-Length end when the server closes: at its
// close_notify alert or, without one, at its TCP FIN. tshark 4.0 leaves such a response
// unfinished over TLS ("[TLS segment of a reassembled PDU]" and nothing more), so `read` does
// the same by default (checked against tshark); `-o tlslens.http.end_at_tls_close:TRUE`, which
// `tlslens http` sets, completes it on the closing frame. Real recordings (see fixtures/README.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, haveTshark, tlslens, tshark } from './helpers.ts';

const FIX = join(ROOT, 'test/fixtures');
const noTshark = !haveTshark() && 'tshark is not installed (apt-get install -y tshark)';
const CLOSE = ['-o', 'tlslens.http.end_at_tls_close:TRUE'];

const CASES = [
  // file, frame that ends the body, its Info, body
  { file: 'http10-tls12-close-notify.pcapng', end: 12, info: 'HTTP/1.0 200 ok  (text/plain), Alert (Level: Warning, Description: Close Notify)', body: 'hello over TLS until the close\\nline two\\n' },
  { file: 'http10-tls13-close-notify.pcapng', end: 13, info: 'HTTP/1.0 200 ok  (text/plain), Alert (Level: Warning, Description: Close Notify)', body: 'hello over TLS until the close\\nline two\\n' },
  { file: 'http10-tls12-fin.pcapng', end: 15, info: 'HTTP/1.0 200 OK  (text/plain)', body: 'body that ends at the TCP FIN, no close_notify\\n' },
  { file: 'http10-tls13-fin.pcapng', end: 15, info: 'HTTP/1.0 200 OK  (text/plain)', body: 'body that ends at the TCP FIN, no close_notify\\n' },
] as const;

const FIELDS = ['-T', 'fields', '-e', 'frame.number', '-e', '_ws.col.Protocol', '-e', '_ws.col.Info', '-e', 'http.response.code', '-e', 'http.file_data', '-e', 'http.content_length_header', '-e', 'tls.alert_message.desc'];

for (const c of CASES) {
  const cap = join(FIX, c.file);
  test(`${c.file}: read matches tshark (response left open), packet list and fields`, { skip: noTshark }, () => {
    for (const args of [FIELDS, []]) {
      const want = tshark(['-r', cap, ...args]);
      assert.equal(want.status, 0, want.stderr);
      assert.doesNotMatch(want.stdout, /\t200\t/, 'tshark 4.0 does not complete the response over TLS');
      const got = tlslens(['read', '-r', cap, ...args]);
      assert.equal(got.status, 0, got.stderr);
      assert.equal(got.stdout, want.stdout);
    }
  });

  test(`${c.file}: with end_at_tls_close the response completes on frame ${c.end}`, () => {
    const r = tlslens(['read', '-r', cap, ...CLOSE, ...FIELDS, '-Y', 'http.response']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${c.end}\tHTTP\t${c.info}\t200\t${c.body}\t\t${c.info.includes('Alert') ? '0' : ''}\n`);
    // the rest of the packet list is tshark's
    if (!noTshark) {
      const want = tshark(['-r', cap]).stdout.split('\n');
      const got = tlslens(['read', '-r', cap, ...CLOSE]).stdout.split('\n');
      assert.equal(got.length, want.length);
      for (let i = 0; i < want.length; i++) if (i !== c.end - 1) assert.equal(got[i], want[i], `frame ${i + 1}`);
    }
  });

  test(`${c.file}: tlslens http shows the response, HAR body and exported object`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'tlslens-tls-close-'));
    const har = join(dir, 'out.har');
    const r = tlslens(['http', cap, '--json', '--har', har, '--export-objects', join(dir, 'objects')]);
    assert.equal(r.status, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as { status: number; responseFrame: number; responseBodySize: number }[];
    const body = c.body.replace(/\\n/g, '\n');
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.status, 200);
    assert.equal(rows[0]!.responseFrame, c.end);
    assert.equal(rows[0]!.responseBodySize, body.length);
    const h = JSON.parse(readFileSync(har, 'utf8')) as { log: { entries: { response: { content: { text: string } } }[] } };
    assert.equal(h.log.entries[0]!.response.content.text, body);
    const objs = readdirSync(join(dir, 'objects'));
    assert.equal(objs.length, 1);
    assert.equal(readFileSync(join(dir, 'objects', objs[0]!), 'utf8'), body);
  });
}

test('follow --http: tshark\'s output by default (request only), the response too with end_at_tls_close', { skip: noTshark }, () => {
  const cap = join(FIX, 'http10-tls12-close-notify.pcapng');
  const want = tshark(['-r', cap, '-q', '-z', 'follow,http,ascii,0']);
  assert.equal(want.status, 0, want.stderr);
  const got = tlslens(['follow', cap, '--http', '--stream', '0']);
  assert.equal(got.status, 0, got.stderr);
  assert.equal(got.stdout, want.stdout);
  assert.doesNotMatch(got.stdout, /HTTP\/1\.0 200/);
  const closed = tlslens(['follow', cap, '--http', '--stream', '0', ...CLOSE]);
  assert.equal(closed.status, 0, closed.stderr);
  assert.match(closed.stdout, /HTTP\/1\.0 200 ok\r\nContent-type: text\/plain\r\n\r\n\n\t40\nhello over TLS until the close\nline two\n/);
});
