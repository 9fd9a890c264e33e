// Plain-TCP HTTP and late segments, as tshark 4.0 handles them (tcp.reassemble_out_of_order off):
// a retransmitted or out-of-order segment outside a pending message is not dissected (zeek
// ssl-to-http-server: the 400 response arrives out of order and stays TCP); inside one it is
// added, but the message completes only on a segment that reaches its end, so a hole filled
// after the message's last bytes came leaves it unfinished (suricata tls-subjectaltname, TCP
// stream 27), while holes filled before the end complete normally (stream 7); a plain (RTO)
// retransmission filling a hole is not added at all, so its message never completes (stream 15).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CAPTURES, oracleSkip, tlslens, tshark } from './helpers.ts';

const skip = oracleSkip();
const FIELDS = ['-T', 'fields', '-e', 'frame.number', '-e', 'tcp.analysis.flags', '-e', 'http.request.method', '-e', 'http.response.code', '-e', 'http.content_type', '-e', 'http.content_length'];

function same(cap: string, filter: string): string {
  const args = ['-r', join(CAPTURES, cap), '-Y', filter, ...FIELDS];
  const want = tshark(args);
  assert.equal(want.status, 0, want.stderr);
  const got = tlslens(['read', ...args]);
  assert.equal(got.status, 0, got.stderr);
  assert.equal(got.stdout, want.stdout, cap);
  return want.stdout;
}

test('zeek ssl-to-http-server: an out-of-order response outside any pending message is not dissected', { skip }, () => {
  const out = same('zeek/traces/ssl-to-http-server.pcap', 'tcp');
  assert.doesNotMatch(out, /\t400\t/);
});

test('suricata tls-subjectaltname: hole filled before the end completes (stream 7), after it (27) or by an RTO retransmission (15) never', { skip }, () => {
  const out = same('suricata-verify/tests/tls/tls-subjectaltname/input.pcap', '(tcp.stream == 7 || tcp.stream == 15 || tcp.stream == 27) && tcp.len > 0');
  assert.match(out, /^238\t\t\t200\tapplication\/vnd\.ms-cab-compressed\t/m);
  assert.match(out, /^1597\t1\t\t\t\t$/m);
  assert.match(out, /^1601\t\t\t\t\t$/m);
});
