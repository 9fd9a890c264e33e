// TLS the way tshark 4.0 shows it where the bytes are unusual: SSLv2 records (CLIENT-HELLO,
// SERVER-HELLO, CLIENT-MASTER-KEY, "Encrypted Data", SSLv2 read mid-stream), the TLS 1.3
// draft-14 ServerHello layout, vectors longer than their message ("Vector length too large"),
// records with a bogus version after the handshake, and records whose TCP segments arrive
// out of order or after a hole. Compared field by field with tshark on real captures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CAPTURES, oracleSkip, tlslens, tshark } from './helpers.ts';

const skip = oracleSkip();
const TLS = ['frame.number', 'tcp.stream', 'tls.record.content_type', 'tls.record.opaque_type', 'tls.record.version',
  'tls.record.length', 'tls.handshake.type', 'tls.handshake.version', 'tls.handshake.session_id', 'tls.handshake.ciphersuite',
  'tls.handshake.extension.type', 'tls.handshake.certificate_length', 'tls.handshake.ja3', 'tls.handshake.ja3s'];
const SSLV2 = [...TLS, 'tls.record.padding_length', 'tls.handshake.cipher_spec_len', 'tls.handshake.cipherspec',
  'tls.handshake.challenge_length', 'tls.handshake.session_id_hit', 'tls.handshake.cert_type', 'tls.handshake.connection_id_length',
  'tls.handshake.clear_key_length', 'tls.handshake.encrypted_key_length', 'tls.handshake.key_arg_length', 'x509sat.printableString'];

function same(args: string[], fields: readonly string[]): void {
  const all = [...args, '-T', 'fields', '-E', 'header=y', ...fields.flatMap((f) => ['-e', f])];
  const got = tlslens(['read', ...all]);
  assert.equal(got.status, 0, got.stderr);
  assert.equal(got.stdout, tshark(all).stdout);
}

const LEK = 'lekensteyn-wireshark-notes/ssl3';
for (const [name, cap, opts, fields, list] of [
  ['SSLv2 handshake and encrypted records', 'zeek/traces/ssl-v2.pcap', [], SSLV2, true],
  ['SSLv2 with a key log (tshark does not decrypt SSLv2)', `${LEK}/sslv2.pcapng`,
    ['-o', `tls.keylog_file:${join(CAPTURES, LEK, 'premaster.txt')}`, '-d', 'tcp.port==4430-4500,tls'], SSLV2, false],
  ['SSLv2 CLIENT-HELLO upgraded to TLS', 'suricata-verify/tests/sslv2-tls-upgrade-01/ssl-v2-s1.pcap', [], SSLV2, true],
  ['SSLv2 records recognised mid-stream', 'ndpi/pcap/1kxun.pcap', [], SSLV2, false],
  ['SSLv2-format CLIENT-HELLOs on ports no dissector owns (heuristic, no -d)', 'lekensteyn-wireshark-notes/all/dump.pcapng', [], SSLV2, false],
  ['a pure SSL 2.0 CLIENT-HELLO on a port no dissector owns is not taken by the heuristic', `${LEK}/sslv2.pcapng`, [], SSLV2, false],
  ['TLS 1.3 draft-14 ServerHello', 'suricata-verify/tests/tls/tls13-draft14/tls13_draft14.pcap', [], TLS, true],
  ['a Certificate vector longer than its message', 'zeek/traces/tls1.2-protocol-violation.pcap', [], TLS, false],
  ['a record with version 0xffff after the handshake', 'zeek/traces/tls1.2-late-protocol-error.pcap', [], TLS, true],
  ['a cookie extension longer than itself', 'suricata-verify/tests/tls-duplicate-hello/input.pcap', [], TLS, true],
  ['records across holes and out-of-order segments', 'ndpi/pcap/teams.pcap', [], TLS, false],
  ['records whose last segment comes after a hole (TLS 1.3)', 'suricata-verify/tests/tls/tls-bypass-missing-event/tor_bl.pcap', [], TLS, false],
] as const) {
  test(`${name}: as tshark`, { skip }, () => {
    const file = join(CAPTURES, cap);
    same(['-r', file, ...opts], fields);
    if (list) {
      const l = ['-r', file, ...opts];
      assert.equal(tlslens(['read', ...l]).stdout, tshark(l).stdout);
    }
  });
}
