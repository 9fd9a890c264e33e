// Decryption of real captures with both backends: the Illustrated TLS 1.2/1.3 connections
// byte for byte against their per-record plaintext files, the snet cipher-suite sweep and
// Wireshark's decryption-test captures against tshark 4.0's decrypted bytes (sha256 per
// direction) from the shared MANIFEST oracles, and both Finished messages of every handshake.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createNodeCrypto } from '../../../cli/src/crypto/node-crypto.ts';
import { readCaptureSync } from '../capture/read.ts';
import { KeyLog } from '../decrypt/keys/keylog.ts';
import { cipherSuite } from '../tls/registry/index.ts';
import { concatBytes, toHex } from './bytes.ts';
import { deriveKeyBlock, finishedVerifyData } from './prf.ts';
import { createPureCrypto } from './pure.ts';
import { RecordDecoder } from './record.ts';
import { loadRsaPrivateKey } from './rsa.ts';
import { suiteParamsFromRegistry } from './suite.ts';
import { finishedVerifyData13 } from './tls13.ts';
import type { TlsCrypto } from './types.ts';
import { replay, type ConnectionResult } from './vectors/replay.ts';

const BASE = '/work/shared/captures/';
const HAVE = existsSync(BASE + 'MANIFEST.md');
const BACKENDS: TlsCrypto[] = [createPureCrypto(), createNodeCrypto()];
const rd = (p: string) => new Uint8Array(readFileSync(BASE + p));

function keylog(path: string): KeyLog {
  const k = new KeyLog();
  k.addText(readFileSync(BASE + path, 'utf8'), path);
  return k;
}

/** Handshake body parsing for the Illustrated records: random at +6 after the 4-byte header. */
function hsMsgs(recordFile: string): Uint8Array {
  return rd(recordFile).subarray(5);
}

for (const c of BACKENDS) {
  test(`${c.name}: illustrated-tls12 — every record decrypts to its caps/*plain, both Finished verify`, { skip: !HAVE }, () => {
    const dir = 'illustrated-tls12/captures/caps/';
    const ch = hsMsgs(dir + 'clienthello');
    const sh = hsMsgs(dir + 'serverhello');
    const cr = ch.slice(6, 38);
    const sr = sh.slice(6, 38);
    const sidLen = sh[38]!;
    const code = (sh[39 + sidLen]! << 8) | sh[40 + sidLen]!;
    const suite = suiteParamsFromRegistry(cipherSuite(code)!);
    assert.equal(suite.name, 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA');
    const ms = keylog('illustrated-tls12/captures/keylog.txt').masterSecret(cr)!;
    assert.ok(ms);
    const kb = deriveKeyBlock(c, 0x0303, suite, ms, cr, sr);
    const cdec = RecordDecoder.fromKeyBlock(c, 0x0303, suite, kb, 'client');
    const sdec = RecordDecoder.fromKeyBlock(c, 0x0303, suite, kb, 'server');
    const open = (d: RecordDecoder, f: string) => {
      const rec = rd(dir + f);
      const r = d.decrypt(rec[0]!, (rec[1]! << 8) | rec[2]!, rec.subarray(5));
      assert.ok(r.ok, `${f}: ${!r.ok ? r.reason : ''}`);
      const plain = rd(dir + f + 'plain');
      if (r.ok) assert.equal(toHex(plain.subarray(0, r.plaintext.length)), toHex(r.plaintext), f);
      return r.ok ? r.plaintext : new Uint8Array(0);
    };
    const transcript = ['clienthello', 'serverhello', 'servercert', 'serverkeyexchange', 'serverhellodone', 'clientkeyexchange'].map((f) => hsMsgs(dir + f));
    const cfin = open(cdec, 'clientfinished');
    assert.equal(toHex(cfin.subarray(4)), toHex(finishedVerifyData(c, 0x0303, suite, ms, true, transcript)));
    const sfin = open(sdec, 'serverfinished');
    assert.equal(toHex(sfin.subarray(4)), toHex(finishedVerifyData(c, 0x0303, suite, ms, false, [...transcript, cfin])));
    assert.equal(new TextDecoder().decode(open(cdec, 'clientdata')), 'ping');
    assert.equal(new TextDecoder().decode(open(sdec, 'serverdata')), 'pong');
    const alert = open(cdec, 'clientalert');
    assert.equal(toHex(alert), '0100');
  });

  test(`${c.name}: illustrated-tls13 — every record decrypts to its plaintext file, both Finished verify`, { skip: !HAVE }, () => {
    const dir = 'illustrated-tls13/captures/caps/';
    const ch = hsMsgs(dir + 'clienthello');
    const sh = hsMsgs(dir + 'serverhello');
    const cr = ch.slice(6, 38);
    const suite = suiteParamsFromRegistry(cipherSuite(0x1302)!);
    const s = keylog('illustrated-tls13/captures/keylog.txt').tls13(cr)!;
    const sHs = RecordDecoder.fromTrafficSecret(c, suite, s.serverHandshakeTraffic!);
    const cHs = RecordDecoder.fromTrafficSecret(c, suite, s.clientHandshakeTraffic!);
    const sAp = RecordDecoder.fromTrafficSecret(c, suite, s.serverTraffic.get(0)!);
    const cAp = RecordDecoder.fromTrafficSecret(c, suite, s.clientTraffic.get(0)!);
    const open = (d: RecordDecoder, enc: string, plain: string) => {
      const rec = rd(dir + enc);
      const r = d.decrypt(rec[0]!, (rec[1]! << 8) | rec[2]!, rec.subarray(5));
      assert.ok(r.ok, enc);
      const want = rd(dir + plain); // inner plaintext: content ‖ content type
      if (r.ok) assert.equal(toHex(concatBytes(r.plaintext, Uint8Array.of(r.contentType))), toHex(want), enc);
      return r.ok ? r.plaintext : new Uint8Array(0);
    };
    const ee = open(sHs, 'serverencextensions', 'serverextensions');
    const cert = open(sHs, 'serverenccert', 'servercert');
    const cv = open(sHs, 'serverenccertverify', 'servercertverify');
    const sf = open(sHs, 'serverencfinished', 'serverfinished');
    assert.equal(toHex(sf.subarray(4)), toHex(finishedVerifyData13(c, 'sha384', s.serverHandshakeTraffic!, c.hash('sha384', [ch, sh, ee, cert, cv]))));
    const cf = open(cHs, 'clientencfinished', 'clientfinished');
    assert.equal(toHex(cf.subarray(4)), toHex(finishedVerifyData13(c, 'sha384', s.clientHandshakeTraffic!, c.hash('sha384', [ch, sh, ee, cert, cv, sf]))));
    open(sAp, 'serverencticket1', 'serverticket1');
    open(sAp, 'serverencticket2', 'serverticket2');
    open(cAp, 'clientencdata', 'clientdata');
    open(sAp, 'serverencdata', 'serverdata');
  });
}

interface OracleCase {
  capture: string;
  tshark_opts: string[];
  follow_tls_raw: Record<string, { node0_bytes: number; node0_sha256: string | null; node1_bytes: number; node1_sha256: string | null }>;
  source?: string;
}

function sha(parts: Uint8Array[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

function ours(res: ConnectionResult[]): string[] {
  const out: string[] = [];
  for (const r of res) {
    for (const d of [r.c2s, r.s2c]) {
      const n = d.appData.reduce((a, b) => a + b.length, 0);
      if (n > 0) out.push(`${n}:${sha(d.appData)}`);
    }
  }
  return out.sort();
}

function expected(o: OracleCase): string[] {
  const out: string[] = [];
  for (const s of Object.values(o.follow_tls_raw)) {
    if (s.node0_bytes > 0) out.push(`${s.node0_bytes}:${s.node0_sha256}`);
    if (s.node1_bytes > 0) out.push(`${s.node1_bytes}:${s.node1_sha256}`);
  }
  return out.sort();
}

function optsFor(c: TlsCrypto, o: OracleCase): { keylog?: KeyLog; rsaKey?: import('./types.ts').RsaPrivateKey } | undefined {
  const kl = o.tshark_opts.find((x) => x.startsWith('tls.keylog_file:'));
  const rsa = o.tshark_opts.find((x) => x.startsWith('uat:rsa_keys:'));
  if (kl) return { keylog: keylog(kl.slice('tls.keylog_file:'.length)) };
  if (rsa) {
    const k = loadRsaPrivateKey(c, readFileSync(BASE + /"([^"]+)"/.exec(rsa)![1]!, 'utf8'));
    assert.ok(k.ok);
    return k.ok ? { rsaKey: k.key } : undefined;
  }
  return {};
}

function sweep(c: TlsCrypto, oracleFile: string, filter: (o: OracleCase) => boolean = () => true) {
  const cases = (JSON.parse(readFileSync(BASE + oracleFile, 'utf8')) as { cases: OracleCase[] }).cases.filter(filter);
  const stats = { matched: 0, beyondTshark: 0, unsupported: 0, backendLacksCipher: 0, noKey: 0, finishedOk: 0, records: 0, mismatches: [] as string[] };
  for (const o of cases) {
    const opts = optsFor(c, o);
    const cap = rd(o.capture);
    // pcapng Decryption Secrets Blocks: key log text inside the capture
    const dsb = new KeyLog();
    for (const ev of readCaptureSync(cap)) if (ev.kind === 'secrets') dsb.addDsb(ev.secrets.type, ev.secrets.data, `${o.capture} DSB`);
    if (dsb.size > 0) {
      if (opts?.keylog) opts.keylog.merge(dsb);
      else if (opts) opts.keylog = dsb;
    }
    const res = replay(c, cap, opts ?? {});
    const want = expected(o);
    const got = ours(res);
    const failures = res.flatMap((r) => [...r.c2s.failures, ...r.s2c.failures]);
    const bad = res.reduce((a, r) => a + r.finishedBad, 0);
    stats.finishedOk += res.reduce((a, r) => a + r.finishedOk, 0);
    stats.records += res.reduce((a, r) => a + r.c2s.decrypted + r.s2c.decrypted, 0);
    const name = `${o.capture} (${res.map((r) => r.suite).join(',')})`;
    if (want.length > 0) {
      // a Finished can only fail to verify when a record of its transcript was undecryptable (noearly keys)
      if (JSON.stringify(got) === JSON.stringify(want) && (bad === 0 || failures.length > 0)) stats.matched++;
      else if (failures.length > 0 && failures.every((f) => f.reason === 'unsupported_cipher')) stats.backendLacksCipher++;
      else stats.mismatches.push(`${name}: got ${got.join(' ')} want ${want.join(' ')} finishedBad ${bad} failures ${failures.slice(0, 2).map((f) => f.reason + ' ' + f.detail).join('; ')}`);
    } else if (failures.length > 0 && failures.every((f) => f.reason === 'unsupported_cipher')) stats.unsupported++;
    else if (failures.length > 0 && failures.every((f) => f.reason === 'no_keys')) stats.noKey++;
    else if (failures.length === 0 && got.length > 0 && bad === 0) stats.beyondTshark++;
    else stats.mismatches.push(`${name}: tshark decrypted nothing; we got ${got.join(' ')} failures ${failures.slice(0, 2).map((f) => f.reason).join(',')}`);
  }
  return { cases: cases.length, ...stats };
}

for (const c of BACKENDS) {
  test(`${c.name}: snet sweep (152 captures) matches tshark 4.0's decrypted bytes`, { skip: !HAVE }, () => {
    const s = sweep(c, 'snet/tshark-4.0-decryption-oracle.json');
    console.log(`# ${c.name} snet: ${JSON.stringify({ ...s, mismatches: s.mismatches.length })}`);
    assert.deepEqual(s.mismatches, []);
    // everything tshark decrypts, we decrypt identically; ARIA (tshark 4.0 cannot) decrypts on node
    assert.equal(s.matched + s.beyondTshark + s.unsupported + s.noKey + s.backendLacksCipher, s.cases);
    // node:crypto has Camellia and ARIA; the pure backend has Camellia (18 captures, own code) but not ARIA (18)
    if (c.name === 'node') assert.deepEqual([s.matched, s.beyondTshark, s.noKey], [133, 18, 1]);
    else assert.deepEqual([s.matched, s.backendLacksCipher, s.unsupported, s.noKey], [133, 0, 18, 1]);
  });

  test(`${c.name}: Wireshark captures (RSA key + SSLv3 renegotiation/resumption, TLS 1.3 0-RTT, noearly) match tshark`, { skip: !HAVE }, () => {
    const s = sweep(c, 'wireshark/tshark-4.0-decryption-oracle.json', (o) => !o.capture.includes('dtls'));
    console.log(`# ${c.name} wireshark: ${JSON.stringify({ ...s, mismatches: s.mismatches.length })}`);
    assert.deepEqual(s.mismatches, []);
    assert.equal(s.matched, s.cases);
  });
}
