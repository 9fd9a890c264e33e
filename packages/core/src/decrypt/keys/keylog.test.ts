import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { toHex } from '../../crypto/bytes.ts';
import { DSB_TLS_KEY_LOG, KeyLog, parseKeyLog } from './keylog.ts';

const CR = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
const CR2 = 'ff' + CR.slice(2);
const MS = 'aa'.repeat(48);
const S32 = '11'.repeat(32);
const S48 = '22'.repeat(48);

test('key log: every label, comments, blank lines, CRLF, case-insensitive hex', () => {
  const text = [
    '# a comment',
    '',
    `CLIENT_RANDOM ${CR.toUpperCase()} ${MS}`,
    `RSA 0102030405060708 ${'03'.repeat(48)}\r`,
    `PMS_CLIENT_RANDOM ${CR2} ${'04'.repeat(48)}`,
    `CLIENT_EARLY_TRAFFIC_SECRET ${CR} ${S32}`,
    `CLIENT_HANDSHAKE_TRAFFIC_SECRET ${CR} ${S32}`,
    `SERVER_HANDSHAKE_TRAFFIC_SECRET ${CR} ${S48}`,
    `CLIENT_TRAFFIC_SECRET_0 ${CR} ${S32}`,
    `SERVER_TRAFFIC_SECRET_0 ${CR} ${S32}`,
    `CLIENT_TRAFFIC_SECRET_1 ${CR} ${S48}`,
    `EXPORTER_SECRET ${CR} ${S32}`,
    `EARLY_EXPORTER_SECRET ${CR}   ${S32}`,
    `RSA Session-ID:${'ab'.repeat(32)} Master-Key:${MS}`,
    '   # indented comment',
  ].join('\n');
  const k = parseKeyLog(text, 'f.keys');
  assert.deepEqual(k.warnings, []);
  assert.equal(k.size, 12);
  const cr = Uint8Array.from(Buffer.from(CR, 'hex'));
  assert.equal(toHex(k.masterSecret(cr)!), MS);
  assert.equal(toHex(k.premasterForEncryptedPremaster(Uint8Array.from(Buffer.from('0102030405060708ffff', 'hex')))!), '03'.repeat(48));
  assert.equal(toHex(k.premasterSecret(Uint8Array.from(Buffer.from(CR2, 'hex')))!), '04'.repeat(48));
  assert.equal(toHex(k.masterSecretForSessionId(Uint8Array.from(Buffer.from('ab'.repeat(32), 'hex')))!), MS);
  const t = k.tls13(cr)!;
  assert.equal(toHex(t.clientEarlyTraffic!), S32);
  assert.equal(toHex(t.serverHandshakeTraffic!), S48);
  assert.equal(toHex(t.clientTraffic.get(1)!), S48);
  assert.equal(t.serverTraffic.size, 1);
  assert.equal(toHex(t.earlyExporter!), S32);
  assert.ok(k.hasClientRandom(cr));
  assert.ok(!k.hasClientRandom(new Uint8Array(32)));
});

test('key log: bad lines become warnings with line numbers; the rest loads', () => {
  const text = [
    `CLIENT_RANDOM ${CR} ${MS}`,
    'GARBAGE',
    `CLIENT_RANDOM ${CR.slice(2)} ${MS}`,
    `CLIENT_RANDOM ${CR} ${MS.slice(2)}`,
    `CLIENT_RANDOM ${CR} zz${MS.slice(2)}`,
    `RSA 01020304 ${'03'.repeat(48)}`,
    `CLIENT_HANDSHAKE_TRAFFIC_SECRET ${CR} ${'11'.repeat(20)}`,
    `CLIENT_RANDOM ${CR}`,
    'RSA Session-ID: Master-Key:00',
    `CLIENT_RANDOM ${CR2} ${MS}`,
  ].join('\n');
  const k = parseKeyLog(text, 'bad.keys');
  assert.equal(k.size, 2);
  assert.deepEqual(k.warnings.map((w) => w.line), [2, 3, 4, 5, 6, 7, 8, 9]);
  assert.ok(k.warnings.every((w) => w.source === 'bad.keys'));
  assert.match(k.warnings[0]!.message, /unknown label/);
  assert.match(k.warnings[1]!.message, /client random must be 32 bytes/);
});

test('key log: merging sources, duplicates, conflicts, DSB', () => {
  const a = parseKeyLog(`CLIENT_RANDOM ${CR} ${MS}\n`, 'a');
  const b = new KeyLog();
  b.addText(`CLIENT_RANDOM ${CR} ${MS}\nCLIENT_RANDOM ${CR} ${'bb'.repeat(48)}\n`, 'b');
  assert.equal(b.size, 1);
  assert.equal(b.warnings.length, 1);
  assert.match(b.warnings[0]!.message, /conflicts with b line 1/);
  a.merge(b);
  assert.equal(a.size, 1);
  assert.ok(a.addDsb(DSB_TLS_KEY_LOG, new TextEncoder().encode(`CLIENT_RANDOM ${CR2} ${MS}`), 'DSB #1'));
  assert.equal(a.size, 2);
  assert.equal(a.addDsb(0x57474b4c, new Uint8Array(4)), false);
  assert.deepEqual(a.sources, ['a', 'b', 'DSB #1']);
});

test('key log: the shared captures\' key logs load without warnings', () => {
  for (const f of [
    '/work/shared/captures/illustrated-tls12/captures/keylog.txt',
    '/work/shared/captures/illustrated-tls13/captures/keylog.txt',
    '/work/shared/captures/snet/decrypt_by_keylog/log.txt',
    '/work/shared/captures/snet/decrypt_by_keylog/ssl3_0.keylog',
  ]) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    const k = parseKeyLog(text, f);
    assert.deepEqual(k.warnings, [], f);
    assert.ok(k.size > 0, f);
  }
});
