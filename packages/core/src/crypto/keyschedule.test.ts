// Key schedules on published vectors: RFC 5246-era PRF vectors (cross-checked with OpenSSL's
// TLS1-PRF), RFC 8448 TLS 1.3 traces (every secret, key, IV, Finished, binder, and every
// record of both handshakes decrypted and re-encrypted byte for byte). Both backends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNodeCrypto } from '../../../cli/src/crypto/node-crypto.ts';
import { concatBytes, fromHex, toHex, utf8 } from './bytes.ts';
import { deriveKeyBlock, extendedMasterSecret, finishedVerifyData, masterSecret, prfTls10, prfTls12, ssl3Generate } from './prf.ts';
import { createPureCrypto } from './pure.ts';
import { RecordDecoder, RecordEncoder } from './record.ts';
import { SSL3, TLS10, TLS11, TLS12, type SuiteParams } from './suite.ts';
import {
  Tls13KeySchedule, finishedKey, finishedVerifyData13, hkdfExpandLabel, messageHashPrefix, nextTrafficSecret, resumptionPsk, trafficKeys,
} from './tls13.ts';
import type { TlsCrypto } from './types.ts';
import { S3, S4 } from './vectors/rfc8448.ts';

const BACKENDS: TlsCrypto[] = [createPureCrypto(), createNodeCrypto()];
const h = fromHex;
const AES128GCM: SuiteParams = { name: 'TLS_AES_128_GCM_SHA256', cipher: { kind: 'aead', alg: 'aes-128-gcm' }, keyLen: 16, mac: null, prfHash: 'sha256' };
const CBC_SHA: SuiteParams = { name: 'TLS_RSA_WITH_AES_128_CBC_SHA', cipher: { kind: 'block', alg: 'aes-128' }, keyLen: 16, mac: 'sha1', prfHash: 'sha256' };

for (const c of BACKENDS) {
  test(`${c.name}: TLS 1.2 PRF vectors (SHA-256, SHA-384) and TLS 1.0 PRF (MD5⊕SHA-1, odd secret)`, () => {
    assert.equal(
      toHex(prfTls12(c, 'sha256', h('9bbe436ba940f017b17652849a71db35'), 'test label', h('a0ba9f936cda311827a6f796ffd5198c'), 100)),
      'e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66',
    );
    assert.equal(
      toHex(prfTls12(c, 'sha384', h('b80b733d6ceefcdc71566ea48e5567df'), 'test label', h('cd665cf6a8447dd6ff8b27555edb7465'), 148)),
      '7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cde9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d9184259b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee691c8f3a26854308d5eaa3be85e0990703d73e56f',
    );
    // expected from `openssl kdf -kdfopt digest:MD5-SHA1 … TLS1-PRF` (41-byte secret: halves overlap)
    const secret = Uint8Array.from({ length: 41 }, (_, i) => i + 1);
    assert.equal(
      toHex(prfTls10(c, secret, 'test label', Uint8Array.from({ length: 16 }, (_, i) => i), 64)),
      '4b0d142cd286d8387116ae34f07e79bbf7bd4d98f12d49ec8dedd0ba1198ef728613095ec3b4e943d5173a7d5a3cd9ffdbb099c27d89a2ad756a54ea62317e6d',
    );
  });

  test(`${c.name}: SSL 3.0 generation = MD5(s‖SHA1("A"‖s‖seed))‖…; key block partition per version`, () => {
    const s = h('00112233445566778899aabbccddeeff');
    const seed = h('0102');
    const first = c.hash('md5', [s, c.hash('sha1', [utf8('A'), s, seed])]);
    const second = c.hash('md5', [s, c.hash('sha1', [utf8('BB'), s, seed])]);
    assert.equal(toHex(ssl3Generate(c, s, seed, 20)), toHex(concatBytes(first, second)).slice(0, 40));
    const ms = new Uint8Array(48).fill(7);
    const cr = new Uint8Array(32).fill(1);
    const sr = new Uint8Array(32).fill(2);
    // TLS 1.0 CBC: IVs from the key block; TLS 1.1+: none
    const kb10 = deriveKeyBlock(c, TLS10, CBC_SHA, ms, cr, sr);
    assert.deepEqual([kb10.clientMacKey.length, kb10.serverMacKey.length, kb10.clientKey.length, kb10.serverKey.length, kb10.clientIv.length, kb10.serverIv.length], [20, 20, 16, 16, 16, 16]);
    const all = prfTls10(c, ms, 'key expansion', concatBytes(sr, cr), 104);
    assert.equal(toHex(concatBytes(kb10.clientMacKey, kb10.serverMacKey, kb10.clientKey, kb10.serverKey, kb10.clientIv, kb10.serverIv)), toHex(all));
    const kb11 = deriveKeyBlock(c, TLS11, CBC_SHA, ms, cr, sr);
    assert.equal(kb11.clientIv.length, 0);
    const gcm12: SuiteParams = { name: 'GCM', cipher: { kind: 'aead', alg: 'aes-256-gcm' }, keyLen: 32, mac: null, prfHash: 'sha384' };
    const kb12 = deriveKeyBlock(c, TLS12, gcm12, ms, cr, sr);
    assert.deepEqual([kb12.clientMacKey.length, kb12.clientKey.length, kb12.clientIv.length], [0, 32, 4]);
    assert.equal(toHex(concatBytes(kb12.clientKey, kb12.serverKey, kb12.clientIv, kb12.serverIv)), toHex(prfTls12(c, 'sha384', ms, 'key expansion', concatBytes(sr, cr), 72)));
    const chacha: SuiteParams = { name: 'CHACHA', cipher: { kind: 'aead', alg: 'chacha20-poly1305' }, keyLen: 32, mac: null, prfHash: 'sha256' };
    assert.equal(deriveKeyBlock(c, TLS12, chacha, ms, cr, sr).serverIv.length, 12);
    const ccm8: SuiteParams = { name: 'CCM8', cipher: { kind: 'aead', alg: 'aes-128-ccm8' }, keyLen: 16, mac: null, prfHash: 'sha256' };
    assert.equal(deriveKeyBlock(c, TLS12, ccm8, ms, cr, sr).serverIv.length, 4);
    const ssl3 = deriveKeyBlock(c, SSL3, CBC_SHA, ms, cr, sr);
    assert.equal(toHex(ssl3.clientMacKey), toHex(ssl3Generate(c, ms, concatBytes(sr, cr), 20)));
    // master secret and EMS shapes
    assert.equal(masterSecret(c, SSL3, CBC_SHA, new Uint8Array(48), cr, sr).length, 48);
    assert.equal(toHex(extendedMasterSecret(c, TLS12, CBC_SHA, ms, h('aa'))), toHex(prfTls12(c, 'sha256', ms, 'extended master secret', h('aa'), 48)));
    // TLS 1.2 Finished = PRF(ms, label, Hash(messages))[12]
    const msgs = [h('0100000100'), h('02000000')];
    assert.equal(toHex(finishedVerifyData(c, TLS12, CBC_SHA, ms, true, msgs)), toHex(prfTls12(c, 'sha256', ms, 'client finished', c.hash('sha256', msgs), 12)));
    assert.equal(finishedVerifyData(c, SSL3, CBC_SHA, ms, false, msgs).length, 36);
  });

  test(`${c.name}: RFC 8448 §3 simple 1-RTT handshake: every secret, key, IV and Finished`, () => {
    const ch = h(S3.clientHello);
    const sh = h(S3.serverHello);
    const ks = new Tls13KeySchedule(c, 'sha256');
    assert.equal(toHex(ks.earlySecret), S3.earlySecret);
    assert.equal(toHex(hkdfExpandLabel(c, 'sha256', ks.earlySecret, 'derived', c.hash('sha256', new Uint8Array(0)), 32)), S3.derivedForHandshake);
    assert.equal(toHex(ks.deriveHandshakeSecret(h(S3.sharedSecret))), S3.handshakeSecret);
    const helloHash = c.hash('sha256', [ch, sh]);
    assert.equal(toHex(helloHash), S3.helloHash);
    const chs = ks.clientHandshakeTrafficSecret(helloHash);
    const shs = ks.serverHandshakeTrafficSecret(helloHash);
    assert.equal(toHex(chs), S3.clientHsTraffic);
    assert.equal(toHex(shs), S3.serverHsTraffic);
    assert.equal(toHex(ks.deriveMasterSecret()), S3.masterSecret);
    assert.deepEqual(trafficKeys(c, 'sha256', shs, 16), { key: h(S3.serverHsKey), iv: h(S3.serverHsIv) });
    assert.deepEqual(trafficKeys(c, 'sha256', chs, 16), { key: h(S3.clientHsKey), iv: h(S3.clientHsIv) });
    assert.equal(toHex(finishedKey(c, 'sha256', shs)), S3.serverFinishedKey);
    const beforeSF = [ch, sh, h(S3.encryptedExtensions), h(S3.certificate), h(S3.certificateVerify)];
    assert.equal(toHex(finishedVerifyData13(c, 'sha256', shs, c.hash('sha256', beforeSF))), S3.serverVerifyData);
    const toSF = [...beforeSF, h(S3.serverFinished)];
    const sfHash = c.hash('sha256', toSF);
    assert.equal(toHex(finishedVerifyData13(c, 'sha256', chs, sfHash)), S3.clientVerifyData);
    const cap = ks.clientApplicationTrafficSecret(sfHash);
    const sap = ks.serverApplicationTrafficSecret(sfHash);
    assert.equal(toHex(cap), S3.clientApTraffic);
    assert.equal(toHex(sap), S3.serverApTraffic);
    assert.equal(toHex(ks.exporterMasterSecret(sfHash)), S3.exporterMaster);
    assert.deepEqual(trafficKeys(c, 'sha256', sap, 16), { key: h(S3.serverApKey), iv: h(S3.serverApIv) });
    assert.deepEqual(trafficKeys(c, 'sha256', cap, 16), { key: h(S3.clientApKey), iv: h(S3.clientApIv) });
    const rms = ks.resumptionMasterSecret(c.hash('sha256', [...toSF, h(S3.clientFinished)]));
    assert.equal(toHex(rms), S3.resumptionMaster);
    assert.equal(toHex(resumptionPsk(c, 'sha256', rms, h('0000'))), S3.resumptionPsk);
    // KeyUpdate and HRR helpers are well-formed
    assert.equal(nextTrafficSecret(c, 'sha256', cap).length, 32);
    assert.equal(toHex(messageHashPrefix(c, 'sha256', ch).subarray(0, 4)), 'fe000020');
  });

  test(`${c.name}: RFC 8448 §3 records decrypt and re-encrypt byte for byte`, () => {
    const sHs = RecordDecoder.fromTrafficSecret(c, AES128GCM, h(S3.serverHsTraffic));
    const r1 = sHs.decrypt(23, 0x0303, h(S3.records.serverHandshake));
    assert.ok(r1.ok);
    if (r1.ok) {
      assert.equal(r1.contentType, 22);
      assert.equal(toHex(r1.plaintext), S3.encryptedExtensions + S3.certificate + S3.certificateVerify + S3.serverFinished);
    }
    const cHs = RecordDecoder.fromTrafficSecret(c, AES128GCM, h(S3.clientHsTraffic));
    const r2 = cHs.decrypt(23, 0x0303, h(S3.records.clientFinished));
    assert.ok(r2.ok && toHex(r2.plaintext) === S3.clientFinished && r2.contentType === 22);
    const sAp = RecordDecoder.fromTrafficSecret(c, AES128GCM, h(S3.serverApTraffic));
    const cAp = RecordDecoder.fromTrafficSecret(c, AES128GCM, h(S3.clientApTraffic));
    const t = sAp.decrypt(23, 0x0303, h(S3.records.serverTicket));
    assert.ok(t.ok && toHex(t.plaintext) === S3.newSessionTicket && t.contentType === 22);
    const cd = cAp.decrypt(23, 0x0303, h(S3.records.clientData));
    assert.ok(cd.ok && toHex(cd.plaintext) === S3.appData && cd.contentType === 23 && cd.seq === 0n);
    const sd = sAp.decrypt(23, 0x0303, h(S3.records.serverData));
    assert.ok(sd.ok && toHex(sd.plaintext) === S3.appData && sd.seq === 1n);
    const ca = cAp.decrypt(23, 0x0303, h(S3.records.clientAlert));
    assert.ok(ca.ok && toHex(ca.plaintext) === '0100' && ca.contentType === 21);
    const sa = sAp.decrypt(23, 0x0303, h(S3.records.serverAlert));
    assert.ok(sa.ok && toHex(sa.plaintext) === '0100' && sa.contentType === 21);
    // encryption reproduces the RFC's ciphertext
    const enc = RecordEncoder.fromTrafficSecret(c, AES128GCM, h(S3.serverHsTraffic));
    const inner = h(S3.encryptedExtensions + S3.certificate + S3.certificateVerify + S3.serverFinished);
    assert.equal(toHex(enc.encrypt(22, 0x0303, inner)), S3.records.serverHandshake);
    const encC = RecordEncoder.fromTrafficSecret(c, AES128GCM, h(S3.clientApTraffic));
    assert.equal(toHex(encC.encrypt(23, 0x0303, h(S3.appData))), S3.records.clientData);
    assert.equal(toHex(encC.encrypt(21, 0x0303, h('0100'))), S3.records.clientAlert);
    // a flipped bit is a tag mismatch
    const bad = h(S3.records.serverAlert);
    bad[3]! ^= 4;
    const r = RecordDecoder.fromTrafficSecret(c, AES128GCM, h(S3.serverApTraffic)).decrypt(23, 0x0303, bad);
    assert.ok(!r.ok && r.reason === 'tag_mismatch');
  });

  test(`${c.name}: RFC 8448 §4 resumed 0-RTT: binder, early secrets, handshake, records`, () => {
    const ks = new Tls13KeySchedule(c, 'sha256', h(S3.resumptionPsk));
    assert.equal(toHex(ks.earlySecret), S4.earlySecret);
    const prefix = h(S4.clientHelloPrefix);
    assert.equal(toHex(c.hash('sha256', prefix)), S4.binderHash);
    assert.equal(toHex(ks.binderKey(false)), S4.binderKey);
    assert.equal(toHex(finishedKey(c, 'sha256', ks.binderKey(false))), S4.binderFinishedKey);
    assert.equal(toHex(ks.binder(false, c.hash('sha256', prefix))), S4.binder);
    const ch = concatBytes(prefix, h(S4.binders));
    const chHash = c.hash('sha256', ch);
    const cets = ks.clientEarlyTrafficSecret(chHash);
    assert.equal(toHex(cets), S4.clientEarlyTraffic);
    assert.equal(toHex(ks.earlyExporterMasterSecret(chHash)), S4.earlyExporterMaster);
    assert.deepEqual(trafficKeys(c, 'sha256', cets, 16), { key: h(S4.earlyKey), iv: h(S4.earlyIv) });
    assert.equal(toHex(ks.deriveHandshakeSecret(h(S4.sharedSecret))), S4.handshakeSecret);
    const sh = h(S4.serverHello);
    const helloHash = c.hash('sha256', [ch, sh]);
    const chs = ks.clientHandshakeTrafficSecret(helloHash);
    const shs = ks.serverHandshakeTrafficSecret(helloHash);
    assert.equal(toHex(chs), S4.clientHsTraffic);
    assert.equal(toHex(shs), S4.serverHsTraffic);
    assert.equal(toHex(ks.deriveMasterSecret()), S4.masterSecret);
    assert.deepEqual(trafficKeys(c, 'sha256', shs, 16), { key: h(S4.serverHsKey), iv: h(S4.serverHsIv) });
    assert.deepEqual(trafficKeys(c, 'sha256', chs, 16), { key: h(S4.clientHsKey), iv: h(S4.clientHsIv) });
    const ee = h(S4.encryptedExtensions);
    assert.equal(toHex(finishedVerifyData13(c, 'sha256', shs, c.hash('sha256', [ch, sh, ee]))), S4.serverVerifyData);
    const sfHash = c.hash('sha256', [ch, sh, ee, h(S4.serverFinished)]);
    const cap = ks.clientApplicationTrafficSecret(sfHash);
    const sap = ks.serverApplicationTrafficSecret(sfHash);
    assert.equal(toHex(cap), S4.clientApTraffic);
    assert.equal(toHex(sap), S4.serverApTraffic);
    assert.equal(toHex(ks.exporterMasterSecret(sfHash)), S4.exporterMaster);
    assert.deepEqual(trafficKeys(c, 'sha256', sap, 16), { key: h(S4.serverApKey), iv: h(S4.serverApIv) });
    assert.deepEqual(trafficKeys(c, 'sha256', cap, 16), { key: h(S4.clientApKey), iv: h(S4.clientApIv) });
    const eoed = h(S4.endOfEarlyData);
    const cfHash = c.hash('sha256', [ch, sh, ee, h(S4.serverFinished), eoed]);
    assert.equal(toHex(finishedVerifyData13(c, 'sha256', chs, cfHash)), S4.clientVerifyData);
    assert.equal(toHex(ks.resumptionMasterSecret(c.hash('sha256', [ch, sh, ee, h(S4.serverFinished), eoed, h(S4.clientFinished)]))), S4.resumptionMaster);

    // records: early data (and EndOfEarlyData) under the early key, then handshake, then application
    const early = RecordDecoder.fromTrafficSecret(c, AES128GCM, cets);
    const ed = early.decrypt(23, 0x0303, h(S4.records.clientEarlyData));
    assert.ok(ed.ok && toHex(ed.plaintext) === '414243444546' && ed.contentType === 23);
    const eo = early.decrypt(23, 0x0303, h(S4.records.endOfEarlyData));
    assert.ok(eo.ok && toHex(eo.plaintext) === S4.endOfEarlyData && eo.contentType === 22);
    const sHs = RecordDecoder.fromTrafficSecret(c, AES128GCM, shs);
    const hs = sHs.decrypt(23, 0x0303, h(S4.records.serverHandshake));
    assert.ok(hs.ok && toHex(hs.plaintext) === S4.encryptedExtensions + S4.serverFinished);
    // the client's handshake record would not open with the early key (what a dissector tries first)
    const cHs = RecordDecoder.fromTrafficSecret(c, AES128GCM, chs);
    const wrong = early.tryDecrypt(23, 0x0303, h(S4.records.clientFinished));
    assert.ok(!wrong.ok && wrong.reason === 'tag_mismatch' && early.seq === 2n);
    const cf = cHs.decrypt(23, 0x0303, h(S4.records.clientFinished));
    assert.ok(cf.ok && toHex(cf.plaintext) === S4.clientFinished);
    const cAp = RecordDecoder.fromTrafficSecret(c, AES128GCM, cap);
    const sAp = RecordDecoder.fromTrafficSecret(c, AES128GCM, sap);
    for (const [d, rec, pt, type] of [
      [cAp, S4.records.clientData, S3.appData, 23], [sAp, S4.records.serverData, S3.appData, 23],
      [cAp, S4.records.clientAlert, '0100', 21], [sAp, S4.records.serverAlert, '0100', 21],
    ] as const) {
      const r = d.decrypt(23, 0x0303, h(rec));
      assert.ok(r.ok && toHex(r.plaintext) === pt && r.contentType === type);
    }
  });
}
