// Conformance of both crypto backends (pure/noble and node:crypto) on published vectors and
// against each other. The Node backend lives in the CLI package; tests may use node: modules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nc from 'node:crypto';
import { createNodeCrypto } from '../../../cli/src/crypto/node-crypto.ts';
import { fromHex, toHex, utf8 } from './bytes.ts';
import { Des } from './des.ts';
import { createPureCrypto } from './pure.ts';
import { Rc4 } from './rc4.ts';
import { loadRsaPrivateKey, rsaKeyMatchesModulus } from './rsa.ts';
import type { AeadAlg, BlockAlg, TlsCrypto } from './types.ts';

const BACKENDS: TlsCrypto[] = [createPureCrypto(), createNodeCrypto()];
const h = fromHex;

for (const c of BACKENDS) {
  test(`${c.name}: hashes (FIPS 180 / RFC 1321 "abc")`, () => {
    const abc = utf8('abc');
    assert.equal(toHex(c.hash('md5', abc)), '900150983cd24fb0d6963f7d28e17f72');
    assert.equal(toHex(c.hash('sha1', abc)), 'a9993e364706816aba3e25717850c26c9cd0d89d');
    assert.equal(toHex(c.hash('sha256', abc)), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.equal(toHex(c.hash('sha384', abc)), 'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7');
    assert.equal(toHex(c.hash('sha512', abc)), 'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f');
    // chunked input hashes like the concatenation
    assert.equal(toHex(c.hash('sha256', [utf8('a'), utf8(''), utf8('bc')])), toHex(c.hash('sha256', abc)));
  });

  test(`${c.name}: HMAC (RFC 2202 / RFC 4231 test case 2)`, () => {
    const key = utf8('Jefe');
    const data = utf8('what do ya want for nothing?');
    assert.equal(toHex(c.hmac('md5', key, data)), '750c783e6ab0b503eaa86e310a5db738');
    assert.equal(toHex(c.hmac('sha1', key, data)), 'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79');
    assert.equal(toHex(c.hmac('sha256', key, data)), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    assert.equal(toHex(c.hmac('sha384', key, data)), 'af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649');
    assert.equal(toHex(c.hmac('sha512', key, [data.subarray(0, 5), data.subarray(5)])), '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737');
  });

  test(`${c.name}: AES-GCM (McGrew–Viega test cases 2, 4, 16)`, () => {
    const z = new Uint8Array(16);
    const r2 = c.aeadEncrypt('aes-128-gcm', z, new Uint8Array(12), new Uint8Array(0), z);
    assert.equal(toHex(r2), '0388dace60b6a392f328c2b971b2fe78' + 'ab6e47d42cec13bdf53a67b21257bddf');
    const P = h('d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39');
    const A = h('feedfacedeadbeeffeedfacedeadbeefabaddad2');
    const IV = h('cafebabefacedbaddecaf888');
    const K = h('feffe9928665731c6d6a8f9467308308');
    const C4 = '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091' + '5bc94fbc3221a5db94fae95ae7121a47';
    assert.equal(toHex(c.aeadEncrypt('aes-128-gcm', K, IV, A, P)), C4);
    assert.equal(toHex(c.aeadDecrypt('aes-128-gcm', K, IV, A, h(C4))!), toHex(P));
    const K256 = h('feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308');
    const C16 = '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662' + '76fc6ece0f4e1768cddf8853bb2d551b';
    assert.equal(toHex(c.aeadDecrypt('aes-256-gcm', K256, IV, A, h(C16))!), toHex(P));
    const bad = h(C16);
    bad[bad.length - 1]! ^= 1;
    assert.equal(c.aeadDecrypt('aes-256-gcm', K256, IV, A, bad), null);
  });

  test(`${c.name}: ChaCha20-Poly1305 (RFC 8439 §2.8.2)`, () => {
    const key = h('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
    const nonce = h('070000004041424344454647');
    const aad = h('50515253c0c1c2c3c4c5c6c7');
    const pt = utf8("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
    const ct = 'd31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116';
    const tag = '1ae10b594f09e26a7e902ecbd0600691';
    assert.equal(toHex(c.aeadEncrypt('chacha20-poly1305', key, nonce, aad, pt)), ct + tag);
    assert.deepEqual(c.aeadDecrypt('chacha20-poly1305', key, nonce, aad, h(ct + tag)), pt);
    assert.equal(c.aeadDecrypt('chacha20-poly1305', key, nonce, h('00'), h(ct + tag)), null);
  });

  test(`${c.name}: AES-CCM (RFC 3610 packet vector #1, SP 800-38C C.1)`, () => {
    const key = h('c0c1c2c3c4c5c6c7c8c9cacbcccdcecf');
    const nonce = h('00000003020100a0a1a2a3a4a5');
    const aad = h('0001020304050607');
    const pt = h('08090a0b0c0d0e0f101112131415161718191a1b1c1d1e');
    const out = '588c979a61c663d2f066d0c2c0f989806d5f6b61dac384' + '17e8d12cfdf926e0';
    assert.equal(toHex(c.aeadEncrypt('aes-128-ccm8', key, nonce, aad, pt)), out);
    assert.deepEqual(c.aeadDecrypt('aes-128-ccm8', key, nonce, aad, h(out)), pt);
    const bad = h(out);
    bad[0]! ^= 0x80;
    assert.equal(c.aeadDecrypt('aes-128-ccm8', key, nonce, aad, bad), null);
  });

  test(`${c.name}: DES (FIPS 46 worked example) and RC4 (RFC 6229)`, () => {
    if (!c.supportsBlock('des')) return;
    const ct = c.cbcEncrypt('des', h('133457799bbcdff1'), new Uint8Array(8), h('0123456789abcdef'));
    assert.equal(toHex(ct), '85e813540f0ab405');
    const ks = new Rc4(h('0102030405')).update(new Uint8Array(16));
    assert.equal(toHex(ks), 'b2396305f03dc027ccc3524a0a1118a8');
  });

  test(`${c.name}: RSA PKCS#1 v1.5 premaster decryption, key formats, wrong key`, () => {
    const { privateKey, publicKey } = nc.generateKeyPairSync('rsa', { modulusLength: 1024 });
    const pms = Uint8Array.from({ length: 48 }, (_, i) => (i === 0 ? 3 : i === 1 ? 3 : i));
    const epms = nc.publicEncrypt({ key: publicKey, padding: nc.constants.RSA_PKCS1_PADDING }, pms);
    const forms: [string, string | Uint8Array, string?][] = [
      ['pkcs1 pem', privateKey.export({ type: 'pkcs1', format: 'pem' }) as string],
      ['pkcs8 pem', privateKey.export({ type: 'pkcs8', format: 'pem' }) as string],
      ['pkcs1 der', new Uint8Array(privateKey.export({ type: 'pkcs1', format: 'der' }))],
      ['pkcs8 der', new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' }))],
      ['pkcs8 encrypted aes', privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' }) as string, 'pw'],
      ['pkcs1 legacy-encrypted', privateKey.export({ type: 'pkcs1', format: 'pem', cipher: 'aes-128-cbc', passphrase: 'pw' }) as string, 'pw'],
      ['pkcs1 legacy-encrypted 3des', privateKey.export({ type: 'pkcs1', format: 'pem', cipher: 'des-ede3-cbc', passphrase: 'pw' }) as string, 'pw'],
    ];
    for (const [name, data, pw] of forms) {
      const k = loadRsaPrivateKey(c, data, pw);
      assert.ok(k.ok, `${name}: ${!k.ok ? k.detail : ''}`);
      if (!k.ok) continue;
      const r = c.rsaDecryptPkcs1(k.key, epms);
      assert.ok(r.ok, name);
      if (r.ok) assert.deepEqual(r.premaster, pms, name);
      const jwk = publicKey.export({ format: 'jwk' });
      assert.ok(rsaKeyMatchesModulus(k.key, new Uint8Array(Buffer.from(jwk.n!, 'base64url'))));
    }
    const enc = privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' }) as string;
    assert.equal((loadRsaPrivateKey(c, enc) as { reason: string }).reason, 'needs_password');
    assert.equal((loadRsaPrivateKey(c, enc, 'nope') as { reason: string }).reason, 'bad_password');
    assert.equal((loadRsaPrivateKey(c, 'hello') as { reason: string }).reason, 'bad_format');
    const other = nc.generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    const ok = loadRsaPrivateKey(c, other.export({ type: 'pkcs1', format: 'pem' }) as string);
    assert.ok(ok.ok);
    if (ok.ok) {
      const r = c.rsaDecryptPkcs1(ok.key, epms);
      assert.equal(r.ok, false);
      // a random other key: the ciphertext is either above its modulus (bad_ciphertext) or
      // decrypts to garbage without PKCS#1 padding (bad_padding) — both mean "wrong key"
      if (!r.ok) assert.ok(r.reason === 'bad_padding' || r.reason === 'bad_ciphertext', r.reason);
    }
  });
}

test('backends agree: every AEAD and CBC cipher on random data', () => {
  const [a, b] = BACKENDS as [TlsCrypto, TlsCrypto];
  const aeads: [AeadAlg, number][] = [
    ['aes-128-gcm', 16], ['aes-256-gcm', 32], ['aes-128-ccm', 16], ['aes-256-ccm', 32], ['aes-128-ccm8', 16], ['aes-256-ccm8', 32], ['chacha20-poly1305', 32],
  ];
  for (const [alg, kl] of aeads) {
    for (const len of [0, 1, 15, 16, 17, 100, 1000]) {
      const key = nc.randomBytes(kl);
      const nonce = nc.randomBytes(12);
      const aad = nc.randomBytes(13);
      const pt = nc.randomBytes(len);
      const ea = a.aeadEncrypt(alg, key, nonce, aad, pt);
      assert.equal(toHex(ea), toHex(b.aeadEncrypt(alg, key, nonce, aad, pt)), `${alg} ${len}`);
      assert.equal(toHex(b.aeadDecrypt(alg, key, nonce, aad, ea)!), toHex(pt));
    }
  }
  const blocks: [BlockAlg, number, number][] = [['aes-128', 16, 16], ['aes-256', 32, 16], ['3des', 24, 8], ['des', 8, 8]];
  for (const [alg, kl, bs] of blocks) {
    const key = nc.randomBytes(kl);
    const iv = nc.randomBytes(bs);
    const pt = nc.randomBytes(bs * 7);
    const ea = a.cbcEncrypt(alg, key, iv, pt);
    assert.equal(toHex(ea), toHex(b.cbcEncrypt(alg, key, iv, pt)), alg);
    assert.equal(toHex(b.cbcDecrypt(alg, key, iv, ea)), toHex(pt));
    assert.equal(toHex(a.cbcDecrypt(alg, key, iv, ea)), toHex(pt));
  }
});

test('3DES matches OpenSSL des-ede3-cbc; 2-key 3DES works', () => {
  const k = nc.randomBytes(24);
  const iv = nc.randomBytes(8);
  const p = nc.randomBytes(64);
  const e = nc.createCipheriv('des-ede3-cbc', k, iv).setAutoPadding(false);
  const ct = Buffer.concat([e.update(p), e.final()]);
  assert.equal(toHex(new Des(k).cbcEncrypt(iv, p)), ct.toString('hex'));
  const k2 = nc.randomBytes(16);
  const k3 = Buffer.concat([k2, k2.subarray(0, 8)]);
  assert.equal(toHex(new Des(k2).cbcEncrypt(iv, p)), toHex(new Des(k3).cbcEncrypt(iv, p)));
});

test('node backend: Camellia and ARIA are available; pure backend has Camellia, says ARIA is unsupported', () => {
  const [pure, node] = BACKENDS as [TlsCrypto, TlsCrypto];
  assert.equal(node.supportsBlock('camellia-128'), true);
  assert.equal(node.supportsAead('aria-128-gcm'), true);
  assert.equal(pure.supportsBlock('camellia-128'), true);
  assert.equal(pure.supportsBlock('camellia-256'), true);
  assert.equal(pure.supportsBlock('aria-128'), false);
  assert.equal(pure.supportsAead('aria-128-gcm'), false);
});
