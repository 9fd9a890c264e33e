// TLS that starts in the middle of another protocol's stream: MySQL SSL request, PostgreSQL
// SSLRequest, LDAP StartTLS, XMPP STARTTLS and HTTP CONNECT tunnels — fields (decrypted where
// the capture comes with keys) and the packet list compared with tshark on real captures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine, readCaptureSync, type CaptureFrame } from '@tlslens/core';
import { CAPTURES, haveCaptures, oracleSkip, tlslens, tshark } from './helpers.ts';

const skip = oracleSkip();
const TLS = ['frame.number', 'tcp.stream', 'tls.record.content_type', 'tls.record.length', 'tls.handshake.type',
  'tls.handshake.extensions_server_name', 'tls.handshake.ciphersuite', 'tls.handshake.ja3', 'tls.handshake.ja3s'];
// the pre-TLS protocol's fields (also in the decrypted frames when there are keys) and the columns
const APP = [...TLS, '_ws.col.Protocol', '_ws.col.Info', 'tls.app_data_proto', 'mysql.packet_number', 'mysql.caps.client',
  'mysql.version', 'mysql.command', 'mysql.response_code', 'mysql.error_code', 'mysql.user', 'mysql.schema', 'pgsql.type',
  'pgsql.length', 'ldap.messageID', 'ldap.protocolOp', 'ldap.requestName', 'ldap.resultCode', 'xmpp.xmlns',
  'http.request.method', 'http.response.code', 'http.proxy_connect_port'];
const KEYS = 'lekensteyn-wireshark-notes/tls/keys-from-capture-comments';

function same(args: string[]): void {
  const got = tlslens(['read', ...args]);
  assert.equal(got.status, 0, got.stderr);
  const want = tshark(args).stdout;
  assert.equal(got.stdout, want);
}

for (const [name, cap, keys] of [
  ['MySQL SSL request', 'arkime/pcap/mysql-tls.pcap', ''],
  ['MySQL SSL request (MariaDB), decrypted', 'lekensteyn-wireshark-notes/tls/mysql-ssl.pcapng', 'mysql-ssl.keys'],
  ['MySQL SSL request, bigger PDUs, decrypted', 'lekensteyn-wireshark-notes/tls/mysql-ssl-larger.pcapng', 'mysql-ssl-larger.keys'],
  ['PostgreSQL SSLRequest, decrypted', 'lekensteyn-wireshark-notes/tls/pgsql-ssl.pcapng', 'pgsql-ssl.keys'],
  ['LDAP StartTLS, decrypted', 'lekensteyn-wireshark-notes/tls/ldap-ssl.pcapng', 'ldap-ssl.keys'],
  ['XMPP STARTTLS, decrypted', 'lekensteyn-wireshark-notes/tls/xmpp-ssl.pcapng', 'xmpp-ssl.keys'],
  ['XMPP STARTTLS (zeek)', 'zeek/traces/xmpp-starttls.pcap', ''],
  ['HTTP CONNECT tunnel', 'arkime/pcap/https-connect.pcap', ''],
  ['HTTP CONNECT tunnel (foxio)', 'foxio-ja4/pcap/https-connect.pcap', ''],
] as const) {
  test(`${name}: TLS after the upgrade as tshark`, { skip }, () => {
    const file = join(CAPTURES, cap);
    const fields = (list: readonly string[]) => ['-T', 'fields', '-E', 'header=y', ...list.flatMap((f) => ['-e', f])];
    const shown = tshark(['-r', file, ...fields(['tls.record.content_type'])]).stdout;
    assert.match(shown, /^22/m, 'tshark shows TLS handshake records in this capture');
    const opts = keys ? ['-o', `tls.keylog_file:${join(CAPTURES, KEYS, keys)}`] : [];
    same(['-r', file, ...opts, ...fields(APP)]);
    if (keys) same(['-r', file, ...fields(APP)]);
    // (-t ad: some of these captures have out-of-order timestamps that the default relative Time column prints differently)
    same(['-r', file, ...opts, '-t', 'ad']);
  });
}

// hostile bytes in the pre-TLS protocols and SSLv2: bit flips, 0x00/0xff runs and truncation
// of real frames must never make a dissector throw
test('mutated MySQL, PostgreSQL, LDAP, XMPP, CONNECT and SSLv2 frames never make a dissector throw', { skip: !haveCaptures() && 'public captures not found' }, () => {
  let x = 0x5eed;
  const rnd = (): number => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x / 0x100000000;
  };
  for (const cap of ['arkime/pcap/mysql-tls.pcap', 'lekensteyn-wireshark-notes/tls/pgsql-ssl.pcapng', 'lekensteyn-wireshark-notes/tls/ldap-ssl.pcapng',
    'zeek/traces/xmpp-starttls.pcap', 'arkime/pcap/https-connect.pcap', 'zeek/traces/ssl-v2.pcap']) {
    const orig: CaptureFrame[] = [];
    for (const ev of readCaptureSync(new Uint8Array(readFileSync(join(CAPTURES, cap))))) if (ev.kind === 'frame') orig.push(ev.frame);
    for (let round = 0; round < 8; round++) {
      const engine = new Engine();
      const wanted = { tree: round % 2 === 0, columns: true, fields: new Uint8Array(engine.reg.size).fill(1) };
      orig.forEach((f, i) => {
        const d = f.data.slice();
        const k = rnd();
        if (k < 0.4) for (let n = 0; n < 1 + rnd() * 8; n++) d[Math.floor(rnd() * d.length)]! ^= 1 << Math.floor(rnd() * 8);
        else if (k < 0.7) { const at = Math.floor(rnd() * d.length); d.fill(rnd() < 0.5 ? 0xff : 0, at, at + 1 + Math.floor(rnd() * 6)); }
        const p = engine.dissect({ ...f, data: k < 0.7 ? d : d.subarray(0, Math.floor(rnd() * d.length)) }, i + 1, wanted);
        for (const e of p.experts) assert.ok(!e.message.startsWith('Dissector exception'), `${cap} round ${round} frame ${i + 1}: ${e.message}`);
      });
    }
  }
});
