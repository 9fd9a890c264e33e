import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Seed } from './seed.ts';
import { createPureCrypto } from './pure.ts';

const h = (s: string) => Uint8Array.from(s.match(/../g)!.map((x) => parseInt(x, 16)));
const x = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('SEED: RFC 4269 Appendix B vectors encrypt and decrypt', () => {
  const V = [
    ['00000000000000000000000000000000', '000102030405060708090a0b0c0d0e0f', '5ebac6e0054e166819aff1cc6d346cdb'],
    ['000102030405060708090a0b0c0d0e0f', '00000000000000000000000000000000', 'c11f22f20140505084483597e4370f43'],
    ['4706480851e61be85d74bfb3fd956185', '83a2f8a288641fb9a4e9a5cc2f131c7d', 'ee54d13ebcae706d226bc3142cd40d4a'],
  ];
  for (const [k, p, c] of V) {
    const s = new Seed(h(k!));
    assert.equal(x(s.encryptBlock(h(p!))), c);
    assert.equal(x(s.decryptBlock(h(c!))), p);
  }
});

test('SEED: CBC round trip through the pure backend', () => {
  const c = createPureCrypto();
  assert.ok(c.supportsBlock('seed'));
  const key = h('28dbc3bc49ffd87dcfa509b11d422be7');
  const iv = h('00112233445566778899aabbccddeeff');
  const data = Uint8Array.from({ length: 80 }, (_, i) => (i * 7 + 3) & 0xff);
  const ct = c.cbcEncrypt('seed', key, iv, data);
  assert.notEqual(x(ct), x(data));
  // block 2 = E(P2 ^ C1)
  const s = new Seed(key);
  const p2 = data.slice(16, 32).map((v, i) => v ^ ct[i]!);
  assert.equal(x(s.encryptBlock(p2)), x(ct.slice(16, 32)));
  assert.equal(x(c.cbcDecrypt('seed', key, iv, ct)), x(data));
  assert.throws(() => new Seed(new Uint8Array(15)));
});
