import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nc from 'node:crypto';
import { Camellia, CAMELLIA_SBOX1 } from './camellia.ts';
import { createPureCrypto } from './pure.ts';

const h = (s: string) => Uint8Array.from(s.match(/../g)!.map((x) => parseInt(x, 16)));
const x = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('Camellia: SBOX1 is a permutation', () => {
  assert.equal(CAMELLIA_SBOX1.length, 256);
  assert.equal(new Set(CAMELLIA_SBOX1).size, 256);
});

test('Camellia: RFC 3713 Appendix A vectors (128/192/256-bit keys) encrypt and decrypt', () => {
  const p = '0123456789abcdeffedcba9876543210';
  const V = [
    ['0123456789abcdeffedcba9876543210', '67673138549669730857065648eabe43'],
    ['0123456789abcdeffedcba98765432100011223344556677', 'b4993401b3e996f84ee5cee7d79b09b9'],
    ['0123456789abcdeffedcba987654321000112233445566778899aabbccddeeff', '9acc237dff16d76c20ef7c919e3a7509'],
  ];
  for (const [k, c] of V) {
    const cam = new Camellia(h(k!));
    assert.equal(x(cam.encryptBlock(h(p))), c, `key ${k!.length * 4} bits`);
    assert.equal(x(cam.decryptBlock(h(c!))), p, `key ${k!.length * 4} bits`);
  }
});

test('Camellia: CBC equals node:crypto camellia-{128,192,256}-cbc on random data', () => {
  for (const bits of [128, 192, 256]) {
    for (let n = 0; n < 20; n++) {
      const key = nc.randomBytes(bits / 8);
      const iv = nc.randomBytes(16);
      const data = nc.randomBytes(16 * (1 + n * 7));
      const e = nc.createCipheriv(`camellia-${bits}-cbc`, key, iv).setAutoPadding(false);
      const ct = Buffer.concat([e.update(data), e.final()]);
      const cam = new Camellia(key);
      assert.equal(x(cam.cbcEncrypt(iv, data)), ct.toString('hex'), `camellia-${bits} key ${key.toString('hex')}`);
      assert.equal(x(cam.cbcDecrypt(iv, ct)), data.toString('hex'), `camellia-${bits} key ${key.toString('hex')}`);
    }
  }
});

test('Camellia: the pure backend decrypts what node:crypto encrypts (camellia-128, camellia-256)', () => {
  const c = createPureCrypto();
  for (const [alg, len] of [['camellia-128', 16], ['camellia-256', 32]] as const) {
    assert.ok(c.supportsBlock(alg));
    const key = nc.randomBytes(len);
    const iv = nc.randomBytes(16);
    const data = nc.randomBytes(1024);
    const e = nc.createCipheriv(`${alg}-cbc`, key, iv).setAutoPadding(false);
    const ct = Buffer.concat([e.update(data), e.final()]);
    assert.equal(x(c.cbcDecrypt(alg, key, iv, ct)), data.toString('hex'));
    assert.equal(x(c.cbcEncrypt(alg, key, iv, data)), ct.toString('hex'));
    // wrong key length for the suite: a clear error
    assert.throws(() => c.cbcDecrypt(alg, key.subarray(0, len - 8), iv, ct), /key must be/);
  }
  assert.throws(() => new Camellia(new Uint8Array(20)), /key must be 16, 24 or 32 bytes/);
  assert.throws(() => new Camellia(new Uint8Array(16)).cbcDecrypt(new Uint8Array(16), new Uint8Array(20)), /multiple of 16/);
});

test('Camellia: throughput is bearable (1 MiB CBC decrypt)', () => {
  const cam = new Camellia(nc.randomBytes(32));
  const data = new Uint8Array(nc.randomBytes(1 << 20));
  const iv = new Uint8Array(16);
  cam.cbcDecrypt(iv, data.subarray(0, 4096)); // warm up
  const t0 = performance.now();
  cam.cbcDecrypt(iv, data);
  const ms = performance.now() - t0;
  console.log(`# camellia-256-cbc decrypt: ${(1000 / ms).toFixed(1)} MiB/s`);
  // generous bound on a shared 2-core machine; a non-table implementation would be far slower
  assert.ok(ms < 5000, `1 MiB took ${ms.toFixed(0)} ms`);
});
