// HTTP/2 response bodies with Content-Encoding gzip, deflate or br are decoded in `tlslens http`
// (table/JSON sizes, HAR content, --export-objects files) as curl --compressed decodes them, and
// on a public capture as tshark 4.0 decodes them ("Content-encoded entity body (br): N bytes ->
// M bytes"); `read` shows tshark's fields on the END_STREAM frame (body fragments, decoded
// http2.data.data). Real recordings, see fixtures/README.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CAPTURES, ROOT, haveCaptures, haveTshark, tlslens, tshark } from './helpers.ts';

const FIX = join(ROOT, 'test/fixtures');
/** What the recording's server sent (before compression) and curl --compressed saved. */
const TEXT = Array.from({ length: 300 }, (_, i) => `line ${i}: the quick brown fox jumps over the lazy dog\n`).join('');

interface Row { h2stream?: number; url: string; status: number; responseBodySize: number }
interface Har { log: { entries: { request: { url: string }; response: { content: { size: number; text: string; encoding?: string } } }[] } }

function httpRun(cap: string): { rows: Row[]; har: Har; objects: Map<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'tlslens-h2-'));
  const r = tlslens(['http', cap, '--json', '--har', join(dir, 'out.har'), '--export-objects', join(dir, 'objects')]);
  assert.equal(r.status, 0, r.stderr);
  const objects = new Map<string, string>();
  for (const name of readdirSync(join(dir, 'objects'))) objects.set(name, readFileSync(join(dir, 'objects', name), 'latin1'));
  return { rows: JSON.parse(r.stdout) as Row[], har: JSON.parse(readFileSync(join(dir, 'out.har'), 'utf8')) as Har, objects };
}

for (const [file, names] of [
  ['h2-compressed-bodies.pcapng', ['gzip.txt', 'deflate.txt', 'br.txt', 'plain.txt']],
  ['h2-compressed-one-frame.pcapng', ['gzip-one.txt', 'plain-one.txt']],
] as const) {
  test(`${file}: every body decoded as curl --compressed got it (${names.join(', ')})`, () => {
    const { rows, har, objects } = httpRun(join(FIX, file));
    assert.deepEqual(rows.map((r) => r.url.slice(r.url.lastIndexOf('/') + 1)), names);
    for (const r of rows) {
      assert.equal(r.status, 200);
      assert.equal(r.responseBodySize, TEXT.length, r.url);
    }
    assert.equal(har.log.entries.length, names.length);
    for (const e of har.log.entries) {
      assert.equal(e.response.content.size, TEXT.length, e.request.url);
      assert.equal(e.response.content.encoding, undefined);
      assert.equal(e.response.content.text, TEXT, e.request.url);
    }
    assert.deepEqual([...objects.keys()].sort(), [...names].sort());
    for (const [name, data] of objects) assert.equal(data, TEXT, name);
  });
}

const COOKIES = join(CAPTURES, 'foxio-ja4/pcap/http2-with-cookies.pcapng');
test('foxio-ja4 http2-with-cookies: brotli bodies have the sizes tshark decodes', { skip: !haveCaptures() ? 'public captures not found' : !haveTshark() && 'tshark is not installed' }, () => {
  // tshark -V: "Stream: DATA, Stream ID: 9, …" then "Content-encoded entity body (br): 747 bytes -> 1980 bytes"
  const v = tshark(['-r', COOKIES, '-Y', 'http2.type == 0 && http2.flags.end_stream == 1', '-V']);
  assert.equal(v.status, 0, v.stderr);
  const want = new Map<number, number>();
  let sid = -1;
  for (const line of v.stdout.split('\n')) {
    const s = /^\s+Stream: DATA, Stream ID: (\d+)/.exec(line);
    if (s) sid = Number(s[1]);
    const m = /^\s+Content-encoded entity body \(br\): \d+ bytes -> (\d+) bytes/.exec(line);
    if (m) want.set(sid, Number(m[1]));
  }
  assert.ok(want.size >= 8, `tshark decoded ${want.size} brotli bodies`);
  const { rows } = httpRun(COOKIES);
  for (const [id, size] of want) {
    const r = rows.find((x) => x.h2stream === id);
    assert.ok(r, `stream ${id}`);
    assert.equal(r.responseBodySize, size, `stream ${id}`);
  }
});

test('read: the END_STREAM frame carries the body fragments and the decoded entity, as in tshark', { skip: !haveTshark() && 'tshark is not installed' }, () => {
  const fields = ['-Y', 'http2.type == 0', '-T', 'fields', '-e', 'frame.number', '-e', 'http2.streamid', '-e', 'http2.flags.end_stream', '-e', 'http2.data.data',
    '-e', 'http2.body.fragment', '-e', 'http2.body.fragment.count', '-e', 'http2.body.reassembled.length', '-e', 'http2.body.reassembled.data'];
  for (const file of ['h2-compressed-bodies.pcapng', 'h2-compressed-one-frame.pcapng', 'demo-dsb.pcapng']) {
    const args = ['-r', join(FIX, file), ...fields];
    const want = tshark(args);
    assert.equal(want.status, 0, want.stderr);
    const got = tlslens(['read', ...args]);
    assert.equal(got.status, 0, got.stderr);
    assert.equal(got.stdout, want.stdout, file);
    if (file.startsWith('h2-')) {
      // every stream's last DATA frame holds the text curl saved, decoded
      const hex = Buffer.from(TEXT).toString('hex');
      const ends = got.stdout.split('\n').filter((l) => l.split('\t')[2] === '1');
      assert.equal(ends.length, file === 'h2-compressed-bodies.pcapng' ? 4 : 2);
      for (const l of ends) assert.equal(l.split('\t')[3], hex, l.slice(0, 40));
    }
  }
});
