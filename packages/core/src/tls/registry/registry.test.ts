import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import {
  ALERTS, CIPHER_SUITES, EXTENSIONS, SIGNATURE_SCHEMES, SUPPORTED_GROUPS, cipherSuite, cipherSuiteName, groupName,
  isGrease, isGrease8, versionName, versionShortName, wiresharkName, WIRESHARK_VALUES, signatureSchemeInfo, GREASE_VALUES,
} from './index.ts';

test('cipher suite counts and decomposition', () => {
  assert.ok(CIPHER_SUITES.size >= 340, `${CIPHER_SUITES.size} suites`);
  const s = cipherSuite(0xc02f)!;
  assert.equal(s.name, 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256');
  assert.deepEqual([s.kx, s.auth, s.cipher, s.keyBits, s.mode, s.mac, s.prf], ['ECDHE', 'RSA', 'AES_128_GCM', 128, 'AEAD', 'AEAD', 'SHA256']);
  const t = cipherSuite(0x1302)!;
  assert.deepEqual([t.kx, t.auth, t.cipher, t.mode, t.prf, t.tls13], ['TLS13', 'TLS13', 'AES_256_GCM', 'AEAD', 'SHA384', true]);
  const c = cipherSuite(0xcca8)!;
  assert.deepEqual([c.kx, c.auth, c.cipher, c.keyBits, c.mac], ['ECDHE', 'RSA', 'CHACHA20_POLY1305', 256, 'AEAD']);
  const d = cipherSuite(0x000a)!;
  assert.deepEqual([d.kx, d.auth, d.cipher, d.keyBits, d.mode, d.mac], ['RSA', 'RSA', '3DES_EDE_CBC', 168, 'CBC', 'SHA1']);
  const e = cipherSuite(0x0003)!;
  assert.deepEqual([e.cipher, e.keyBits, e.mode, e.mac, e.export], ['RC4_40', 40, 'stream', 'MD5', true]);
  assert.deepEqual([cipherSuite(0x00a8)!.kx, cipherSuite(0x00a8)!.auth], ['PSK', 'PSK']);
  assert.deepEqual([cipherSuite(0x0090)!.kx, cipherSuite(0x0094)!.kx, cipherSuite(0xc035)!.kx], ['DHE_PSK', 'RSA_PSK', 'ECDHE_PSK']);
  assert.deepEqual([cipherSuite(0x0034)!.kx, cipherSuite(0x0034)!.auth], ['DH', 'anon']);
  assert.deepEqual([cipherSuite(0xc004)!.kx, cipherSuite(0xc004)!.auth], ['ECDH', 'ECDSA']);
  assert.deepEqual([cipherSuite(0xc01e)!.kx, cipherSuite(0xc01e)!.auth], ['SRP', 'RSA']);
  assert.deepEqual([cipherSuite(0x001e)!.kx, cipherSuite(0x0000)!.kx, cipherSuite(0x0000)!.cipher], ['KRB5', 'NULL', 'NULL']);
  assert.deepEqual([cipherSuite(0xc09c)!.cipher, cipherSuite(0xc09c)!.mode, cipherSuite(0xc0a0)!.cipher], ['AES_128_CCM', 'AEAD', 'AES_128_CCM_8']);
  assert.equal(cipherSuite(0x0096)!.cipher, 'SEED_CBC');
  assert.equal(cipherSuite(0xc03c)!.cipher, 'ARIA_128_CBC');
  assert.equal(cipherSuite(0x0084)!.cipher, 'CAMELLIA_256_CBC');
  assert.equal(cipherSuite(0x0007)!.cipher, 'IDEA_CBC');
  assert.equal(cipherSuite(0x0008)!.cipher, 'DES40_CBC');
  assert.equal(cipherSuite(0xc028)!.prf, 'SHA384');
  assert.ok(cipherSuite(0x00ff)!.scsv && cipherSuite(0x5600)!.scsv);
  assert.equal(cipherSuite(0x0a0a), undefined);
  assert.equal(cipherSuiteName(0x0a0a), 'GREASE (0x0a0a)');
});

test('GREASE', () => {
  assert.equal(GREASE_VALUES.length, 16);
  for (const g of GREASE_VALUES) assert.ok(isGrease(g));
  assert.equal(GREASE_VALUES[15], 0xfafa);
  assert.ok(!isGrease(0x0a1a) && !isGrease(0x1301) && !isGrease(0x0000));
  assert.ok(isGrease8(0x0b) && isGrease8(0xe4) && !isGrease8(0x01));
});

test('groups, extensions, signature schemes, versions', () => {
  assert.equal(groupName(0x11ec), 'X25519MLKEM768');
  assert.equal(groupName(0x11eb), 'SecP256r1MLKEM768');
  assert.equal(groupName(0x11ed), 'SecP384r1MLKEM1024');
  assert.equal(groupName(0x6399), 'X25519Kyber768Draft00');
  assert.equal(groupName(0x001d), 'x25519');
  assert.equal(groupName(0x0100), 'ffdhe2048');
  assert.equal(groupName(0x2a2a), 'GREASE (0x2a2a)');
  assert.equal(EXTENSIONS.get(0xfe0d), 'encrypted_client_hello');
  assert.equal(EXTENSIONS.get(51), 'key_share');
  assert.equal(SIGNATURE_SCHEMES.get(0x0804), 'rsa_pss_rsae_sha256');
  assert.equal(ALERTS.get(48), 'unknown_ca');
  assert.equal(versionName(0x0303), 'TLS 1.2');
  assert.equal(versionName(0x7f17), 'TLS 1.3 (draft 23)');
  assert.equal(versionShortName(0x0301), 'TLSv1');
  assert.deepEqual(signatureSchemeInfo(0x0601), { sig: 'rsa_pkcs1', hash: 'sha512' });
  assert.deepEqual(signatureSchemeInfo(0x0403), { sig: 'ecdsa', hash: 'sha256', curve: 'P-256' });
  assert.equal(wiresharkName('tls.alert_message.desc', 48), 'Unknown CA');
  assert.equal(wiresharkName('tls.handshake.type', 2), 'Server Hello');
  assert.equal(wiresharkName('tls.handshake.type', 7), undefined);
});

/**
 * Every value name tshark 4.0 knows for these fields must be known to us (IANA names may
 * differ in spelling: differences are listed, not failed, except for codes we lack).
 */
const VALUES = '/tmp/ref/values.tsv';
test('every tshark 4.0 value is known', { skip: existsSync(VALUES) ? false : `${VALUES} absent (tshark -G values)` }, () => {
  const text = readFileSync(VALUES, 'utf8');
  const check: Record<string, ReadonlyMap<number, string | { name: string }>> = {
    'tls.handshake.ciphersuite': CIPHER_SUITES,
    'tls.handshake.extension.type': EXTENSIONS,
    'tls.handshake.extensions_supported_group': SUPPORTED_GROUPS,
    'tls.handshake.sig_hash_alg': SIGNATURE_SCHEMES,
    'tls.alert_message.desc': ALERTS,
  };
  const missing: string[] = [];
  const differ: string[] = [];
  for (const line of text.split('\n')) {
    const c = line.split('\t');
    if (c[0] !== 'V' || !(c[1]! in check)) continue;
    const code = Number(c[2]);
    assert.equal(WIRESHARK_VALUES[c[1]!]?.has(code), true, `${c[1]} ${c[2]} kept in Wireshark names`);
    if (isGrease(code)) continue;
    const ours = check[c[1]!]!.get(code);
    const name = typeof ours === 'object' ? ours.name : ours;
    if (name === undefined) missing.push(`${c[1]} 0x${code.toString(16)} ${c[3]}`);
    else if (name !== c[3]) differ.push(`${c[1]} 0x${code.toString(16)}: IANA ${name} / Wireshark ${c[3]}`);
  }
  if (process.env.SHOW_DIFF) console.log([...missing.map((m) => 'not IANA: ' + m), ...differ].join('\n'));
  // codes Wireshark knows that IANA never assigned (drafts, private use, vendor): counted, not failed
  assert.ok(missing.length < 220, `${missing.length} missing`);
  assert.ok(!missing.some((m) => /ciphersuite 0x(c02f|1301|cca8)/.test(m)));
});
