// `tlslens follow`: tshark's -q -z follow,tcp|tls|http,FORMAT,N output, byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FollowCollector, renderFollow } from '../packages/core/src/analysis/follow/index.ts';
import { CAPTURES, oracleSkip, tlslens, tshark } from './helpers.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const T = { s: 1, ns: 0 };

test('follow collector: retransmissions once, out-of-order held back, server side indented', () => {
  const c = new FollowCollector('tcp', 3);
  c.endpoint(0, { addr: '10.0.0.1', port: 1234 }, { addr: '10.0.0.2', port: 80 });
  c.tcpSegment(0, 1, enc('GET / '), 4, T);
  c.tcpSegment(0, 1, enc('GET / '), 5, T); // retransmission
  c.tcpSegment(1, 1, enc('OK\x01'), 7, T);
  c.tcpSegment(0, 11, enc('\r\n'), 8, T); // out of order
  c.tcpSegment(0, 4, enc(' / HTTP'), 9, T); // overlaps, fills the gap
  const r = c.result();
  assert.deepEqual(r.chunks.map((x) => [x.node, new TextDecoder().decode(x.data)]),
    [[0, 'GET / '], [1, 'OK\x01'], [0, 'HTTP'], [0, '\r\n']]);
  const text = renderFollow(r, 'ascii');
  assert.equal(text, '\n' + '='.repeat(67) + '\nFollow: tcp,ascii\nFilter: tcp.stream eq 3\nNode 0: 10.0.0.1:1234\nNode 1: 10.0.0.2:80\n'
    + '6\nGET / \n\t3\nOK.\n4\nHTTP\n2\n\r\n\n' + '='.repeat(67) + '\n');
  assert.match(renderFollow(r, 'hex'), /\n\t00000000  4f 4b 01 +OK\.\n00000006  48 54 54 50 +HTTP\n/);
  assert.match(renderFollow(r, 'raw'), /\n\t4f4b01\n/);
});

const skip = oracleSkip();
const KEYS13 = `${CAPTURES}/wireshark/tls13-rfc8446.keys`;
const CASES: [mode: string, file: string, stream: number, formats: string[], extra: string[]][] = [
  ['tcp', 'foxio-ja4/pcap/http1.pcapng', 0, ['ascii', 'hex', 'raw', 'yaml'], []],
  ['tcp', 'wireshark-dfilter-2013/http.pcap', 0, ['hex'], []],
  ['tcp', 'arkime/pcap/http2-nghttp2.pcap', 0, ['hex'], []],
  ['tls', 'wireshark/tls12-dsb.pcapng', 0, ['ascii', 'hex'], []],
  ['tls', 'wireshark/tls13-rfc8446.pcap', 0, ['ascii', 'hex'], ['-o', `tls.keylog_file:${KEYS13}`]],
  ['tls', 'wireshark/tls13-rfc8446.pcap', 1, ['ascii'], ['-o', `tls.keylog_file:${KEYS13}`]],
  ['tcp', 'foxio-ja4/pcap/http-empty-useragent.pcap', 0, ['ascii'], []], // IPv6 nodes
  ['http', 'foxio-ja4/pcap/http1.pcapng', 0, ['hex'], []],
  ['http', 'wireshark/tls12-dsb.pcapng', 1, ['ascii'], []],
  ['http', 'wireshark/tls13-rfc8446.pcap', 1, ['raw'], ['-o', `tls.keylog_file:${KEYS13}`]],
  ['http', 'foxio-ja4/pcap/http2-with-cookies.pcapng', 0, ['ascii'], []], // HTTP/2: no http follow data in tshark 4.0
];

test('follow matches tshark -q -z follow byte for byte', { skip }, () => {
  for (const [mode, file, stream, formats, extra] of CASES) {
    const path = `${CAPTURES}/${file}`;
    for (const fmt of formats) {
      const t = tshark(['-r', path, ...extra, '-q', '-z', `follow,${mode},${fmt},${stream}`]);
      assert.equal(t.status, 0, t.stderr);
      const m = tlslens(['follow', path, `--${mode}`, '--stream', String(stream), '--format', fmt, ...extra]);
      assert.equal(m.status, 0, m.stderr);
      assert.equal(m.stdout, t.stdout, `${mode} ${fmt} ${file} stream ${stream}`);
    }
  }
});
