import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Idea } from './idea.ts';
import { createPureCrypto } from './pure.ts';

const h = (s: string) => Uint8Array.from(s.match(/../g)!.map((x) => parseInt(x, 16)));
const x = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('IDEA: the published test vector (key 0001…0008, plaintext 0000 0001 0002 0003)', () => {
  const s = new Idea(h('00010002000300040005000600070008'));
  assert.equal(x(s.encryptBlock(h('0000000100020003'))), '11fbed2b01986de5');
  assert.equal(x(s.decryptBlock(h('11fbed2b01986de5'))), '0000000100020003');
});

test('IDEA: decryption inverts encryption (subkeys with 0 = 2^16 and inverses)', () => {
  for (const k of ['00000000000000000000000000000000', 'ffffffffffffffffffffffffffffffff', '2bd6459f82c5b300952c49104881ff48']) {
    const s = new Idea(h(k));
    for (const p of ['0000000000000000', 'ffffffffffffffff', '0001000000010000', 'f129a6601ef62a47']) {
      assert.equal(x(s.decryptBlock(s.encryptBlock(h(p)))), p, `${k} ${p}`);
    }
  }
});

test('IDEA: CBC round trip through the pure backend', () => {
  const c = createPureCrypto();
  assert.ok(c.supportsBlock('idea'));
  const key = h('000102030405060708090a0b0c0d0e0f');
  const iv = h('0123456789abcdef');
  const data = Uint8Array.from({ length: 64 }, (_, i) => (i * 13 + 1) & 0xff);
  const ct = c.cbcEncrypt('idea', key, iv, data);
  const s = new Idea(key);
  assert.equal(x(ct.slice(0, 8)), x(s.encryptBlock(data.slice(0, 8).map((v, i) => v ^ iv[i]!))));
  assert.equal(x(c.cbcDecrypt('idea', key, iv, ct)), x(data));
});
