import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rc2, RC2_PITABLE } from './rc2.ts';
import { createPureCrypto } from './pure.ts';

const h = (s: string) => Uint8Array.from(s.match(/../g)!.map((x) => parseInt(x, 16)));
const x = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('RC2: PITABLE is a permutation', () => {
  assert.equal(new Set(RC2_PITABLE).size, 256);
});

test('RC2: RFC 2268 section 5 vectors (key, effective bits, plaintext, ciphertext)', () => {
  const V: [string, number, string, string][] = [
    ['0000000000000000', 63, '0000000000000000', 'ebb773f993278eff'],
    ['ffffffffffffffff', 64, 'ffffffffffffffff', '278b27e42e2f0d49'],
    ['3000000000000000', 64, '1000000000000001', '30649edf9be7d2c2'],
    ['88', 64, '0000000000000000', '61a8a244adacccf0'],
    ['88bca90e90875a', 64, '0000000000000000', '6ccf4308974c267f'],
    ['88bca90e90875a7f0f79c384627bafb2', 64, '0000000000000000', '1a807d272bbe5db1'],
    ['88bca90e90875a7f0f79c384627bafb2', 128, '0000000000000000', '2269552ab0f85ca6'],
    ['88bca90e90875a7f0f79c384627bafb216f80a6f85920584c42fceb0be255daf1e', 129, '0000000000000000', '5b78d3a43dfff1f1'],
  ];
  for (const [k, e, p, c] of V) {
    const r = new Rc2(h(k), e);
    assert.equal(x(r.encryptBlock(h(p))), c, `${k}/${e}`);
    assert.equal(x(r.decryptBlock(h(c))), p, `${k}/${e}`);
  }
});

test('RC2: CBC round trip through the pure backend (16-byte key, 128 effective bits as in TLS export suites)', () => {
  const c = createPureCrypto();
  assert.ok(c.supportsBlock('rc2'));
  const key = h('88bca90e90875a7f0f79c384627bafb2');
  const iv = h('0001020304050607');
  const data = Uint8Array.from({ length: 48 }, (_, i) => (i * 29 + 5) & 0xff);
  const ct = c.cbcEncrypt('rc2', key, iv, data);
  assert.equal(x(ct.slice(0, 8)), x(new Rc2(key, 128).encryptBlock(data.slice(0, 8).map((v, i) => v ^ iv[i]!))));
  assert.equal(x(c.cbcDecrypt('rc2', key, iv, ct)), x(data));
});
