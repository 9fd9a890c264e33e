// `tlslens read` key options and `tlslens inject-secrets`, with tshark as the oracle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CAPTURES, ROOT, oracleSkip, tlslens, tshark } from './helpers.ts';

const skip = oracleSkip();
const HTTP = ['-Y', 'http', '-T', 'fields', '-e', 'frame.number', '-e', 'http.request.uri', '-e', 'http.file_data', '-E', 'separator=|'];

test('read: -o tls.keylog_file, --keylog, uat:rsa_keys, --rsa-key and tls.keys_list decrypt like tshark', { skip }, () => {
  const rfc = join(CAPTURES, 'wireshark/tls13-rfc8446.pcap');
  const keys = join(CAPTURES, 'wireshark/tls13-rfc8446.keys');
  const want = tshark(['-r', rfc, '-o', `tls.keylog_file:${keys}`, ...HTTP]).stdout;
  assert.equal(want.split('\n').length - 1, 6);
  assert.equal(tlslens(['read', '-r', rfc, '-o', `tls.keylog_file:${keys}`, ...HTTP]).stdout, want);
  assert.equal(tlslens(['read', '-r', rfc, '--keylog', keys, ...HTTP]).stdout, want);
  const snake = join(CAPTURES, 'wireshark/rsasnakeoil2.pcap');
  const key = join(CAPTURES, 'wireshark/rsasnakeoil2.key');
  const u = ['-Y', 'http', '-T', 'fields', '-e', 'http.request.uri'];
  const w2 = tshark(['-r', snake, '-o', `uat:rsa_keys:"${key}",""`, ...u]).stdout;
  assert.match(w2, /favicon\.ico/);
  assert.equal(tlslens(['read', '-r', snake, '-o', `uat:rsa_keys:"${key}",""`, ...u]).stdout, w2);
  assert.equal(tlslens(['read', '-r', snake, '--rsa-key', key, ...u]).stdout, w2);
  assert.equal(tlslens(['read', '-r', snake, '-o', `tls.keys_list:0.0.0.0,443,http,${key}`, ...u]).stdout, w2);
});

test('read: a bad key log line is a warning with its line number', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tlslens-keys-'));
  const bad = join(dir, 'bad.keys');
  writeFileSync(bad, '# ok\nCLIENT_RANDOM zz 11\n');
  const r = tlslens(['read', '-r', join(CAPTURES, 'wireshark/tls13-rfc8446.pcap'), '--keylog', bad, '-c', '1']);
  assert.equal(r.status, 0);
  assert.match(r.stderr, /bad\.keys:2: CLIENT_RANDOM/);
});

test('inject-secrets: tshark decrypts the output with no key option', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tlslens-inject-'));
  const out = join(dir, 'out.pcapng');
  const rfc = join(CAPTURES, 'wireshark/tls13-rfc8446.pcap');
  const keys = join(CAPTURES, 'wireshark/tls13-rfc8446.keys');
  const r = tlslens(['inject-secrets', rfc, keys, '-w', out]);
  assert.equal(r.status, 0, r.stderr);
  const want = tshark(['-r', rfc, '-o', `tls.keylog_file:${keys}`, ...HTTP]).stdout;
  assert.equal(tshark(['-r', out, ...HTTP]).stdout, want);
  assert.equal(tlslens(['read', '-r', out, ...HTTP]).stdout, want);
  // the fixture recorded without secrets, plus its key log
  const fx = join(ROOT, 'test/fixtures/tls13-aes128gcm-h2');
  const out2 = join(dir, 'h2.pcapng');
  assert.equal(tlslens(['inject-secrets', fx + '.pcapng', fx + '.keys', '-w', out2]).status, 0);
  const h2 = ['-Y', 'http2.type == 1', '-T', 'fields', '-e', 'http2.headers.path'];
  assert.match(tshark(['-r', out2, ...h2]).stdout, /\/hello\.json/);
  assert.equal(tlslens(['read', '-r', out2, ...h2]).stdout, tshark(['-r', out2, ...h2]).stdout);
});
