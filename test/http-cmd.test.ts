// `tlslens http`: transaction rows vs tshark's fields, HAR 1.2 shape, --export-objects vs tshark.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportName } from '../packages/core/src/analysis/http-log/index.ts';
import { CAPTURES, oracleSkip, tlslens, tshark } from './helpers.ts';

test('export names are safe and de-duplicated', () => {
  const used = new Set<string>();
  assert.equal(exportName('http://h/a/b.xml', used), 'b.xml');
  assert.equal(exportName('http://h/c/b.xml', used), 'b(1).xml');
  assert.equal(exportName('http://h/', used), '%2f');
  assert.equal(exportName('/x/..', used), 'object');
  assert.equal(exportName('..', used), 'object(1)');
  assert.equal(exportName('/...', used), '_..');
  assert.equal(exportName('/x/%2e%2e%2f..%5cetc', used), '%252e%252e%252f..%255cetc');
  assert.equal(exportName('/q?a=1/../../etc/passwd', used), 'passwd');
  for (const n of used) assert.ok(!n.includes('/') && !n.includes('\\') && n !== '..' && n !== '.', n);
});

const skip = oracleSkip();
const fields = (file: string, filter: string, f: string[]) =>
  tshark(['-r', file, '-Y', filter, '-T', 'fields', ...f.flatMap((x) => ['-e', x])]).stdout.trim().split('\n').filter(Boolean).map((l) => l.split('\t'));

interface Row { stream: number; method: string; url: string; status: number | null; version: string; responseBodySize: number }

test('http rows match tshark (HTTP/1.1 plaintext, TLS 1.2 by DSB, HTTP/2 over TLS)', { skip }, () => {
  const h1 = `${CAPTURES}/foxio-ja4/pcap/http1.pcapng`;
  const rows = JSON.parse(tlslens(['http', h1, '--json']).stdout) as Row[];
  const req = fields(h1, 'http.request', ['tcp.stream', 'http.request.method', 'http.request.full_uri']);
  const got = rows.filter((r) => r.method !== '');
  assert.deepEqual(got.map((r) => [String(r.stream), r.method, r.url]), req);
  const resp = fields(h1, 'http.response', ['http.request_in', 'http.response.code']);
  const byReq = new Map(resp.map(([rin, code]) => [rin, code]));
  const rowsFull = JSON.parse(tlslens(['http', h1, '--json']).stdout) as (Row & { frame: number })[];
  for (const r of rowsFull.filter((x) => x.method !== '')) assert.equal(String(r.status ?? ''), byReq.get(String(r.frame)) ?? '', `frame ${r.frame}`);

  const dsb = `${CAPTURES}/wireshark/tls12-dsb.pcapng`;
  const tlsRows = JSON.parse(tlslens(['http', dsb, '--json']).stdout) as Row[];
  assert.deepEqual(tlsRows.map((r) => [String(r.stream), r.method, r.url, String(r.status)]),
    fields(dsb, 'http.response', ['tcp.stream', 'http.request.method', 'http.response_for.uri', 'http.response.code'])
      .map(([s, , u, c]) => [s!, 'HEAD', u!, c!]));

  const h2 = `${CAPTURES}/foxio-ja4/pcap/http2-with-cookies.pcapng`;
  const h2Rows = JSON.parse(tlslens(['http', h2, '--json']).stdout) as (Row & { h2stream: number })[];
  const h2req = fields(h2, 'http2.headers.method', ['tcp.stream', 'http2.streamid', 'http2.headers.method', 'http2.headers.path']);
  assert.deepEqual(h2Rows.map((r) => [String(r.stream), String(r.h2stream), r.method, new URL(r.url).pathname + new URL(r.url).search]), h2req);
  assert.ok(h2Rows.every((r) => r.status !== null && r.version === 'HTTP/2'));
});

test('--har writes HAR 1.2 with one entry per request', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tlslens-har-'));
  try {
    for (const f of ['foxio-ja4/pcap/http1.pcapng', 'foxio-ja4/pcap/http2-with-cookies.pcapng']) {
      const out = join(dir, 'out.har');
      const r = tlslens(['http', `${CAPTURES}/${f}`, '--har', out]);
      assert.equal(r.status, 0, r.stderr);
      const har = JSON.parse(readFileSync(out, 'utf8'));
      assert.equal(har.log.version, '1.2');
      assert.equal(har.log.creator.name, 'tlslens');
      const rows = (JSON.parse(tlslens(['http', `${CAPTURES}/${f}`, '--json']).stdout) as Row[]).filter((x) => x.method !== '');
      assert.equal(har.log.entries.length, rows.length);
      for (const e of har.log.entries) {
        assert.ok(!Number.isNaN(Date.parse(e.startedDateTime)));
        assert.equal(typeof e.time, 'number');
        for (const k of ['method', 'url', 'httpVersion', 'headers', 'queryString', 'headersSize', 'bodySize']) assert.ok(k in e.request, k);
        for (const k of ['status', 'statusText', 'httpVersion', 'headers', 'content', 'redirectURL', 'headersSize', 'bodySize']) assert.ok(k in e.response, k);
        assert.equal(typeof e.response.content.size, 'number');
        assert.equal(typeof e.response.content.mimeType, 'string');
        if (e.response.content.encoding !== undefined) assert.equal(e.response.content.encoding, 'base64');
        for (const k of ['send', 'wait', 'receive']) assert.ok(e.timings[k] >= 0, k);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--export-objects writes the same files as tshark --export-objects http', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tlslens-eo-'));
  try {
    for (const f of ['foxio-ja4/pcap/http1.pcapng', 'foxio-ja4/pcap/http1-with-cookies.pcapng']) {
      const a = join(dir, 'tshark');
      const b = join(dir, 'tlslens');
      rmSync(a, { recursive: true, force: true });
      rmSync(b, { recursive: true, force: true });
      tshark(['-r', `${CAPTURES}/${f}`, '-q', '--export-objects', `http,${a}`]);
      const r = tlslens(['http', `${CAPTURES}/${f}`, '--export-objects', b]);
      assert.equal(r.status, 0, r.stderr);
      const names = readdirSync(a).sort();
      assert.ok(names.length > 0);
      assert.deepEqual(readdirSync(b).sort(), names);
      for (const n of names) assert.ok(readFileSync(join(a, n)).equals(readFileSync(join(b, n))), n);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
