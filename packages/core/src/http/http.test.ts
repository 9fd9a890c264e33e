import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { createRegistry } from '../fields/registry.ts';
import { createData } from '../transport/data.ts';
import { Packet } from '../packet.ts';
import { createHttpStreams } from './index.ts';
import { decodeBody } from './decompress.ts';
import { fieldString, columnString } from './text.ts';

const reg = createRegistry();
const http = createHttpStreams(reg, createData(reg));
let n = 0;
const pkt = () => new Packet({ num: ++n, ts: { s: 1, ns: n }, data: new Uint8Array(0), origLen: 0, linktype: 1, ifaceId: 0, wanted: { tree: true, columns: true } });
const vals = (p: Packet, abbrev: string) => p.values(reg.lookup(abbrev).id);
const b = (s: string | Uint8Array) => (typeof s === 'string' ? Uint8Array.from(Buffer.from(s, 'latin1')) : s);

test('string conversions follow tshark', () => {
  assert.equal(fieldString(b('a\tb\r\n\x01\\\x80z\x00rest')), 'a\\tb\\r\\n\x01\\\ufffdz');
  assert.equal(columnString(b('a\x00\x07\x01\x7f\xff')), 'a\\000\\a\\001\\177\ufffd');
});

test('request and response across calls, chunked + gzip body', () => {
  const c = http.connection();
  const p1 = pkt();
  c.data(p1, 0, b('GET /x?a=1 HTTP/1.1\r\nHost: h\r\n\r\n'), 0, 32);
  assert.deepEqual(vals(p1, 'http.request.full_uri'), ['http://h/x?a=1']);
  const gz = gzipSync(Buffer.from('hello'));
  const body = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n${gz.length.toString(16)}\r\n`), gz, Buffer.from('\r\n0\r\n\r\n')]);
  const p2 = pkt();
  c.data(p2, 1, b(body), 0, 40);
  assert.equal(vals(p2, 'http.response.code'), undefined);
  assert.match(p2.colInfo, /\[TCP segment of a reassembled PDU\]$/);
  const p3 = pkt();
  c.data(p3, 1, b(body), 40, body.length);
  assert.deepEqual(vals(p3, 'http.response.code'), [200]);
  assert.deepEqual(vals(p3, 'http.file_data'), ['hello']);
  assert.deepEqual(vals(p3, 'http.request_in'), [p1.num]);
  assert.equal(p3.colInfo, 'HTTP/1.1 200 OK  (text/plain)');
});

test('decompression bombs stop at the cap', () => {
  const bomb = gzipSync(Buffer.alloc(50_000_000));
  const r = decodeBody('gzip', bomb, 1_000_000);
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.reason, 'bomb');
  const c = http.connection({ maxDecodedBody: 1_000_000 });
  const p = pkt();
  const msg = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${bomb.length}\r\n\r\n`), bomb]);
  c.data(p, 1, b(msg), 0, msg.length);
  assert.ok(p.experts.some((e) => /cap/.test(e.message)));
});

test('hostile input never throws (HTTP/1 and HTTP/2)', () => {
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const starts = ['GET / HTTP/1.1\r\n', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'POST / HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n'];
  for (let i = 0; i < 300; i++) {
    const c = http.connection(i % 5 === 0 ? { alpn: 'h2' } : {});
    for (let k = 0; k < 6; k++) {
      const junk = Uint8Array.from({ length: 1 + Math.floor(rnd() * 200) }, () => Math.floor(rnd() * 256));
      const data = k === 0 ? Buffer.concat([Buffer.from(starts[i % starts.length]!), junk]) : Buffer.from(junk);
      c.data(pkt(), (k & 1) as 0 | 1, b(data), 0, data.length);
      if (rnd() < 0.1) c.gap(0);
    }
    c.close(pkt(), 1);
  }
});
