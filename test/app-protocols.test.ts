// Protocols that carry other protocols: SOCKS proxying, STARTTLS upgrades (SMTP, POP3),
// GTP-U tunnels and TCP quoted in ICMP errors — compared with tshark on real captures.
// (socks.dst is left out: on proxied frames tshark 4.0 shows an address read from the
// wrong bytes, e.g. 4.1.1.187 for 93.184.216.119.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CAPTURES, oracleSkip, tlslens, tshark } from './helpers.ts';

const skip = oracleSkip();
const FIELDS = ['frame.number', 'ip.src', 'tcp.stream', 'tcp.seq', 'tcp.flags', 'tcp.flags.syn', 'tls.record.content_type', 'tls.handshake.type',
  'tls.handshake.extensions_server_name', 'tls.handshake.ciphersuite', 'socks.version', 'socks.dstport', 'socks.port', 'gtp.teid'];

for (const [name, cap] of [
  ['SOCKS 4 with two proxied HTTPS connections', 'arkime/pcap/socks-https-example.pcap'],
  ['SMTP STARTTLS', 'arkime/pcap/smtp-starttls.pcap'],
  ['POP3 STLS', 'zeek/traces/pop3-starttls.pcap'],
  ['GTP-U tunnel with TLS inside', 'ndpi/pcap/tls_change_cipher.pcap'],
  ['TCP quoted in ICMP errors', 'ndpi/pcap/instagram.pcap'],
] as const) {
  test(`${name}: fields and packet list as tshark`, { skip }, () => {
    const file = join(CAPTURES, cap);
    const args = ['-r', file, '-T', 'fields', '-E', 'header=y', ...FIELDS.flatMap((f) => ['-e', f])];
    const got = tlslens(['read', ...args]);
    assert.equal(got.status, 0, got.stderr);
    assert.equal(got.stdout, tshark(args).stdout);
    if (!cap.includes('instagram') && !cap.includes('gtp') && !cap.includes('change_cipher')) {
      const list = ['-r', file, '-c', '12'];
      assert.equal(tlslens(['read', ...list]).stdout, tshark(list).stdout);
    }
  });
}
