// QUIC packet protection against the RFC 9001 Appendix A (v1) and RFC 9369 Appendix A (v2)
// vectors, with both crypto backends: Initial secrets and keys, header protection masks,
// whole protected packets opened (AES-128-GCM Initial, ChaCha20-Poly1305 short header),
// Retry integrity tags, packet-number decoding (RFC 9000 §A.3) and varints (§16).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNodeCrypto } from '../../../cli/src/crypto/node-crypto.ts';
import { fromHex, toHex } from '../crypto/bytes.ts';
import { createPureCrypto } from '../crypto/pure.ts';
import type { TlsCrypto } from '../crypto/types.ts';
import { decodePacketNumber, decryptPayload, headerMask, initialKeys, initialSecrets, nextPhaseKeys, packetKeys, removeHeaderProtection, type PacketKeys } from './keys.ts';
import { QUIC_V1, QUIC_V2, longTypeOf, versionInfo } from './versions.ts';
import { readVarint } from './varint.ts';

const BACKENDS: TlsCrypto[] = [createPureCrypto(), createNodeCrypto()];
const DCID = fromHex('8394c8f03e515708');
const V1 = versionInfo(QUIC_V1)!;
const V2 = versionInfo(QUIC_V2)!;
const hex = (s: string) => fromHex(s.replace(/\s+/g, ''));

// RFC 9001 A.3 / RFC 9369 A.3: the server Initial payload (ACK + CRYPTO with the ServerHello)
const SERVER_PAYLOAD = hex(`02000000000600405a020000560303eefce7f7b37ba1d1632e96677825ddf73988cfc79825df566dc5430b9a045a1200
  130100002e00330024001d00209d3c940d89690b84d08a60993c144eca684d1081287c834d5311bcf32bb9da1a002b00020304`);
const V1_SERVER_INITIAL = hex(`cf000000010008f067a5502a4262b5004075c0d95a482cd0991cd25b0aac406a5816b6394100f37a1c69797554780bb38c
  c5a99f5ede4cf73c3ec2493a1839b3dbcba3f6ea46c5b7684df3548e7ddeb9c3bf9c73cc3f3bded74b562bfb19fb84022f8ef4cdd93795d77d06edbb7aaf2f
  58891850abbdca3d20398c276456cbc42158407dd074ee`);
const V2_SERVER_INITIAL = hex(`dc6b3343cf0008f067a5502a4262b5004075d92faaf16f05d8a4398c47089698baeea26b91eb761d9b89237bbf872630
  17915358230035f7fd3945d88965cf17f9af6e16886c61bfc703106fbaf3cb4cfa52382dd16a393e42757507698075b2c984c707f0a0812d8cd5a6881eaf21ce
  da98f4bd23f6fe1a3e2c43edd9ce7ca84bed8521e2e140`);

/** Opens a protected long-header packet whose packet number starts at pnOff. */
function openLong(c: TlsCrypto, k: PacketKeys, pkt: Uint8Array, pnOff: number, largest: number): { header: string; pn: number; plain: Uint8Array | null } {
  const u = removeHeaderProtection(c, k, pkt, pnOff, pkt.length)!;
  const header = pkt.slice(0, pnOff + u.pnLen);
  header[0] = u.first;
  for (let i = 0; i < u.pnLen; i++) header[pnOff + i] = (u.truncatedPn >> (8 * (u.pnLen - 1 - i))) & 0xff;
  const pn = decodePacketNumber(largest, u.truncatedPn, u.pnLen * 8);
  return { header: toHex(header), pn, plain: decryptPayload(c, k, pn, header, pkt.subarray(pnOff + u.pnLen)) };
}

for (const c of BACKENDS) {
  test(`${c.name}: RFC 9001 A.1 — v1 Initial secrets and keys`, () => {
    const s = initialSecrets(c, V1, DCID);
    assert.equal(toHex(s.client), 'c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea');
    assert.equal(toHex(s.server), '3c199828fd139efd216c155ad844cc81fb82fa8d7446fa7d78be803acdda951b');
    const k = initialKeys(c, V1, DCID);
    assert.equal(toHex(k.client.key), '1f369613dd76d5467730efcbe3b1a22d');
    assert.equal(toHex(k.client.iv), 'fa044b2f42a3fd3b46fb255c');
    assert.equal(toHex(k.client.hp), '9f50449e04a0e810283a1e9933adedd2');
    assert.equal(toHex(k.server.key), 'cf3a5331653c364c88f0f379b6067e37');
    assert.equal(toHex(k.server.iv), '0ac1493ca1905853b0bba03e');
    assert.equal(toHex(k.server.hp), 'c206b8d9b9f0f37644430b490eeaa314');
  });

  test(`${c.name}: RFC 9001 A.2/A.3 — header protection masks and the server Initial opened`, () => {
    const k = initialKeys(c, V1, DCID);
    assert.equal(toHex(headerMask(c, k.client, fromHex('d1b1c98dd7689fb8ec11d242b123dc9b'))), '437b9aec36');
    assert.equal(toHex(headerMask(c, k.server, fromHex('2cd0991cd25b0aac406a5816b6394100'))), '2ec0d8356a');
    const r = openLong(c, k.server, V1_SERVER_INITIAL, 18, -1);
    assert.equal(r.header, 'c1000000010008f067a5502a4262b50040750001');
    assert.equal(r.pn, 1);
    assert.ok(r.plain);
    assert.equal(toHex(r.plain), toHex(SERVER_PAYLOAD));
    // a flipped ciphertext bit fails the tag, it does not throw
    const bad = V1_SERVER_INITIAL.slice();
    bad[bad.length - 20]! ^= 1;
    assert.equal(openLong(c, k.server, bad, 18, -1).plain, null);
  });

  test(`${c.name}: RFC 9001 A.5 — ChaCha20-Poly1305 short header packet`, () => {
    const k = packetKeys(c, V1, 0x1303, fromHex('9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b'))!;
    assert.equal(toHex(k.key), 'c6d98ff3441c3fe1b2182094f69caa2ed4b716b65488960a7a984979fb23e1c8');
    assert.equal(toHex(k.iv), 'e0459b3474bdd0e44a41c144');
    assert.equal(toHex(k.hp), '25a282b9e82f06f21f488917a4fc8f1b73573685608597d0efcb076b0ab7a7a4');
    assert.equal(toHex(nextPhaseKeys(c, V1, k).secret), '1223504755036d556342ee9361d253421a826c9ecdf3c7148684b36b714881f9');
    assert.equal(toHex(headerMask(c, k, fromHex('5e5cd55c41f69080575d7999c25a5bfb'))), 'aefefe7d03');
    const r = openLong(c, k, fromHex('4cfe4189655e5cd55c41f69080575d7999c25a5bfb'), 1, 654360563);
    assert.equal(r.header, '4200bff4');
    assert.equal(r.pn, 654360564);
    assert.equal(r.plain && toHex(r.plain), '01');
  });

  test(`${c.name}: RFC 9369 A.1/A.3/A.5 — v2 keys, the server Initial and the ChaCha20 packet`, () => {
    const s = initialSecrets(c, V2, DCID);
    assert.equal(toHex(s.client), '14ec9d6eb9fd7af83bf5a668bc17a7e283766aade7ecd0891f70f9ff7f4bf47b');
    assert.equal(toHex(s.server), '0263db1782731bf4588e7e4d93b7463907cb8cd8200b5da55a8bd488eafc37c1');
    const k = initialKeys(c, V2, DCID);
    assert.equal(toHex(k.client.key), '8b1a0bc121284290a29e0971b5cd045d');
    assert.equal(toHex(k.client.iv), '91f73e2351d8fa91660e909f');
    assert.equal(toHex(k.client.hp), '45b95e15235d6f45a6b19cbcb0294ba9');
    assert.equal(toHex(k.server.key), '82db637861d55e1d011f19ea71d5d2a7');
    assert.equal(toHex(k.server.hp), 'edf6d05c83121201b436e16877593c3a');
    assert.equal(toHex(headerMask(c, k.client, fromHex('ffe67b6abcdb4298b485dd04de806071'))), '94a0c95e80');
    const r = openLong(c, k.server, V2_SERVER_INITIAL, 18, -1);
    assert.equal(r.header, 'd16b3343cf0008f067a5502a4262b50040750001');
    assert.equal(longTypeOf(QUIC_V2, (0xd1 >> 4) & 3), 0, 'v2 wire type 1 is Initial');
    assert.equal(r.plain && toHex(r.plain), toHex(SERVER_PAYLOAD));
    const ck = packetKeys(c, V2, 0x1303, fromHex('9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b'))!;
    assert.equal(toHex(ck.hp), 'd659760d2ba434a226fd37b35c69e2da8211d10c4f12538787d65645d5d1b8e2');
    assert.equal(toHex(nextPhaseKeys(c, V2, ck).secret), 'c69374c49e3d2a9466fa689e49d476db5d0dfbc87d32ceeaa6343fd0ae4c7d88');
    const sp = openLong(c, ck, fromHex('5558b1c60ae7b6b932bc27d786f4bc2bb20f2162ba'), 1, 654360563);
    assert.equal(sp.header, '4200bff4');
    assert.equal(sp.plain && toHex(sp.plain), '01');
  });

  test(`${c.name}: RFC 9001 A.4 / RFC 9369 A.4 — Retry integrity tags`, () => {
    for (const [v, pkt] of [[V1, 'ff000000010008f067a5502a4262b5746f6b656e04a265ba2eff4d829058fb3f0f2496ba'], [V2, 'cf6b3343cf0008f067a5502a4262b5746f6b656ec8646ce8bfe33952d955543665dcc7b6']] as const) {
      const b = fromHex(pkt);
      const pseudo = Uint8Array.from([DCID.length, ...DCID, ...b.subarray(0, b.length - 16)]);
      assert.ok(c.aeadDecrypt('aes-128-gcm', v.retryKey!, v.retryNonce!, pseudo, b.subarray(b.length - 16)), v.labelPrefix);
      pseudo[1]! ^= 1;
      assert.equal(c.aeadDecrypt('aes-128-gcm', v.retryKey!, v.retryNonce!, pseudo, b.subarray(b.length - 16)), null);
    }
  });
}

test('RFC 9000 A.3 packet number decoding and §16 varints', () => {
  assert.equal(decodePacketNumber(0xa82f30ea, 0x9b32, 16), 0xa82f9b32);
  assert.equal(decodePacketNumber(-1, 0, 8), 0);
  assert.equal(decodePacketNumber(254, 1, 8), 257);
  assert.equal(decodePacketNumber(10, 9, 8), 9);
  const v = (h: string) => readVarint(fromHex(h), 0, h.length / 2);
  assert.deepEqual(v('c2197c5eff14e88c'), { value: 151288809941952652, big: 151288809941952652n, len: 8 });
  assert.deepEqual(v('9d7f3e7d'), { value: 494878333, len: 4 });
  assert.deepEqual(v('7bbd'), { value: 15293, len: 2 });
  assert.deepEqual(v('25'), { value: 37, len: 1 });
  assert.equal(v('9d7f3e'), undefined, 'truncated');
  assert.equal(readVarint(new Uint8Array(0), 0, 0), undefined);
});

test('versions: salts for v1, v2 and the drafts tshark decrypts; none for unknown versions', () => {
  assert.equal(toHex(versionInfo(0xff00001d)!.salt), 'afbfec289993d24c9e9786f19c6111e04390a899');
  assert.equal(toHex(versionInfo(0xff00001c)!.salt), 'c3eef712c72ebb5a11a7d2432bb46365bef9f502');
  assert.equal(versionInfo(0x51303530), undefined);
  assert.equal(versionInfo(0x1a2a3a4a), undefined);
});
