// `tlslens explain` on real Node TLS sessions recorded on loopback (explain-record.ts): the printed
// values are checked against the client's key log and against independent computation with
// node:crypto (RSA decryption of the pre-master secret, the TLS 1.2 PRF, HKDF-Expand-Label).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto, { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CA_PEM, CHAIN_PEM, LEAF_KEY_PEM } from '../packages/cli/src/demo/certs.ts';
import { record } from './explain-record.ts';
import { CAPTURES, CLI, ROOT, haveCaptures, haveTshark, tlslens, tshark } from './helpers.ts';

const PKI = join(ROOT, 'test/fixtures/pki');
const pki = (n: string) => readFileSync(join(PKI, n), 'utf8');
const DEMO_HOST = 'demo.tlslens.test';
const TEST_HOST = 'www.tlslens.test';
const TICKET_KEYS = Buffer.alloc(48, 7);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type J = any;

const skip = !existsSync(CLI) ? `CLI not built (${CLI}): run npm run build` : !existsSync(join(PKI, 'root.pem')) ? 'test PKI missing' : false;

/** NSS key log lines → { label: { clientRandomHex: secretHex } }. */
function keylogMap(text: string): Record<string, Record<string, string>> {
  const m: Record<string, Record<string, string>> = {};
  for (const line of text.split('\n')) {
    const [label, cr, secret] = line.trim().split(/\s+/);
    if (!label || !cr || !secret) continue;
    (m[label] ??= {})[cr.toLowerCase()] = secret.toLowerCase();
  }
  return m;
}

/** TLS 1.2 PRF with SHA-256 (RFC 5246 §5), written out with node:crypto HMAC. */
function prf12(secret: Buffer, label: string, seed: Buffer, len: number, hash = 'sha256'): Buffer {
  const s = Buffer.concat([Buffer.from(label, 'latin1'), seed]);
  const out: Buffer[] = [];
  let a = s;
  let n = 0;
  while (n < len) {
    a = crypto.createHmac(hash, secret).update(a).digest();
    const b = crypto.createHmac(hash, secret).update(Buffer.concat([a, s])).digest();
    out.push(b);
    n += b.length;
  }
  return Buffer.concat(out).subarray(0, len);
}

/** HKDF-Expand-Label (RFC 8446 §7.1) with an empty context. */
function expandLabel(secret: Buffer, label: string, len: number, hash = 'sha256'): Buffer {
  const full = Buffer.from('tls13 ' + label, 'latin1');
  const info = Buffer.concat([Buffer.from([len >> 8, len & 0xff, full.length]), full, Buffer.from([0])]);
  return hkdfExpand(secret, info, len, hash);
}
function hkdfExpand(prk: Buffer, info: Buffer, len: number, hash: string): Buffer {
  const out: Buffer[] = [];
  let t = Buffer.alloc(0);
  for (let i = 1; Buffer.concat(out).length < len; i++) {
    t = crypto.createHmac(hash, prk).update(Buffer.concat([t, info, Buffer.from([i])])).digest();
    out.push(t);
  }
  return Buffer.concat(out).subarray(0, len);
}

function explainJson(args: string[]): J {
  const r = tlslens(['explain', '--format', 'json', ...args]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}
const step = (ex: J, id: string): J => ex.steps.find((s: J) => s.id === id);

const demoServer = (extra: object = {}) => ({ key: LEAF_KEY_PEM, cert: CHAIN_PEM, ticketKeys: TICKET_KEYS, ALPNProtocols: ['http/1.1'], ...extra });
const demoClient = (extra: object = {}) => ({ servername: DEMO_HOST, ca: CA_PEM, ALPNProtocols: ['http/1.1'], ...extra });

describe('tlslens explain on recorded Node TLS sessions', { skip }, () => {
  let dir = '';
  const cap: Record<string, { file: string; keys: string; keylog: string }> = {};
  const save = async (name: string, rec: Awaited<ReturnType<typeof record>>) => {
    const file = join(dir, `${name}.pcapng`);
    const keys = join(dir, `${name}.keys`);
    writeFileSync(file, rec.pcapng);
    writeFileSync(keys, rec.keylog);
    cap[name] = { file, keys, keylog: rec.keylog };
    return rec;
  };
  const caFile = () => join(dir, 'demo-ca.pem');
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tlslens-explain-'));
    writeFileSync(caFile(), CA_PEM);
    writeFileSync(join(dir, 'server.key'), LEAF_KEY_PEM);
    await save('rsa', await record([{ server: demoServer(), client: demoClient({ maxVersion: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256' }) }]));
    await save('ecdhe', await record([{ server: demoServer(), client: demoClient({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' }) }]));
    await save('tls13', await record([{ server: demoServer(), client: demoClient({ minVersion: 'TLSv1.3' }) }]));
    await save('dhe', await record([{ server: demoServer({ dhparam: 'auto' }), client: demoClient({ maxVersion: 'TLSv1.2', ciphers: 'DHE-RSA-AES128-GCM-SHA256' }) }]));
    await save('hrr', await record([{ server: demoServer({ ecdhCurve: 'P-384' }), client: demoClient({ minVersion: 'TLSv1.3', ecdhCurve: 'X25519:P-384' }) }]));
    await save('resumed', await record([
      { server: demoServer(), client: demoClient({ maxVersion: 'TLSv1.2' }) },
      { server: demoServer(), client: demoClient({ maxVersion: 'TLSv1.2' }), resume: true },
    ]));
    await save('mtls', await record([{
      server: demoServer({ requestCert: true, rejectUnauthorized: false, ca: pki('root.pem') }),
      client: demoClient({ maxVersion: 'TLSv1.2', key: pki('good.key'), cert: pki('good.pem') + pki('intermediate.pem') }),
    }]));
    // the server requires a client certificate and the client has none: a fatal alert ends the handshake
    const failed = await save('failed', await record([{
      server: demoServer({ requestCert: true, rejectUnauthorized: true, ca: pki('root.pem') }),
      client: demoClient({ maxVersion: 'TLSv1.2' }),
    }]));
    assert.ok(failed.results[0]!.error, 'the client sees the handshake fail');
    for (const leaf of ['good', 'expired', 'wronghost', 'badsig']) {
      await save(leaf, await record([{
        server: { key: pki(`${leaf}.key`), cert: pki(`${leaf}.pem`) + pki('intermediate.pem') },
        client: { servername: TEST_HOST, maxVersion: 'TLSv1.2', rejectUnauthorized: false },
      }]));
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('TLS 1.2 RSA key exchange with only the server key: pre_master_secret decrypts independently, master_secret = key log', () => {
    const c = cap.rsa!;
    const ex = explainJson([c.file, '--rsa-key', join(dir, 'server.key'), '--ca', caFile()]);
    assert.equal(ex.version, 'TLSv1.2');
    assert.equal(ex.cipher_suite, 'TLS_RSA_WITH_AES_128_GCM_SHA256');
    const cr = step(ex, 'client_hello').values.random;
    const logged = keylogMap(c.keylog).CLIENT_RANDOM![cr];
    assert.ok(logged, 'the key log has a CLIENT_RANDOM line for this connection');
    assert.equal(ex.master_secret, logged);
    // the EPMS from the ClientKeyExchange, decrypted here with node:crypto (PKCS#1 v1.5)
    const cke = step(ex, 'client_key_exchange').values;
    assert.equal(cke.kind, 'RSA');
    // (raw RSA, then the PKCS#1 v1.5 type 2 padding removed by hand: 00 02 PS 00 M)
    const em = crypto.privateDecrypt({ key: LEAF_KEY_PEM, padding: crypto.constants.RSA_NO_PADDING }, Buffer.from(cke.encrypted_premaster, 'hex'));
    assert.deepEqual([em[0], em[1]], [0, 2]);
    const pms = em.subarray(em.indexOf(0, 2) + 1);
    assert.equal(ex.pre_master_secret, pms.toString('hex'));
    assert.equal(pms.length, 48);
    assert.deepEqual(ex.finished, { client: true, server: true });
    assert.equal(ex.certificate.valid, true);
    // the text says the same
    const text = tlslens(['explain', c.file, '--rsa-key', join(dir, 'server.key')]);
    assert.equal(text.status, 0, text.stderr);
    assert.ok(text.stdout.includes(`pre_master_secret = ${pms.toString('hex')}`));
    assert.ok(text.stdout.includes(`master_secret = ${logged}`));
    assert.match(text.stdout, /no forward secrecy/);
  });

  it('TLS 1.2 ECDHE: ServerKeyExchange signature verified, key block = PRF(master secret) computed independently', () => {
    const c = cap.ecdhe!;
    const ex = explainJson([c.file, '--keylog', c.keys, '--ca', caFile()]);
    const ch = step(ex, 'client_hello').values;
    const sh = step(ex, 'server_hello').values;
    assert.equal(ex.master_secret, keylogMap(c.keylog).CLIENT_RANDOM![ch.random]);
    assert.equal(ex.pre_master_secret, undefined);
    const ske = step(ex, 'server_key_exchange').values;
    assert.equal(ske.kind, 'ECDHE');
    assert.equal(ske.signature_verified, true);
    const kb = prf12(Buffer.from(ex.master_secret, 'hex'), 'key expansion', Buffer.concat([Buffer.from(sh.random, 'hex'), Buffer.from(ch.random, 'hex')]), 40);
    const keys = step(ex, 'keys').values.key_block;
    assert.equal(keys.client_write_key, kb.subarray(0, 16).toString('hex'));
    assert.equal(keys.server_write_key, kb.subarray(16, 32).toString('hex'));
    assert.equal(keys.client_write_iv, kb.subarray(32, 36).toString('hex'));
    assert.equal(keys.server_write_iv, kb.subarray(36, 40).toString('hex'));
    assert.deepEqual(ex.finished, { client: true, server: true });
    assert.deepEqual(ex.findings.map((f: J) => f.code), []);
    const app = step(ex, 'application_data').values;
    assert.equal(app.request.method, 'GET');
    assert.equal(app.response.status, 200);
    // without keys: no secrets, Finished not checked
    const bare = explainJson([c.file]);
    assert.equal(bare.master_secret, undefined);
    assert.deepEqual(bare.finished, { client: null, server: null });
  });

  it('TLS 1.3: traffic secrets equal the key log, traffic keys = HKDF-Expand-Label computed independently', () => {
    const c = cap.tls13!;
    const ex = explainJson([c.file, '--keylog', c.keys]);
    assert.equal(ex.version, 'TLSv1.3');
    const cr = step(ex, 'client_hello').values.random;
    const k = keylogMap(c.keylog);
    assert.deepEqual(ex.traffic_secrets, {
      client_handshake: k.CLIENT_HANDSHAKE_TRAFFIC_SECRET![cr],
      server_handshake: k.SERVER_HANDSHAKE_TRAFFIC_SECRET![cr],
      client_application: k.CLIENT_TRAFFIC_SECRET_0![cr],
      server_application: k.SERVER_TRAFFIC_SECRET_0![cr],
    });
    const hash = ex.cipher_suite.endsWith('SHA384') ? 'sha384' : 'sha256';
    const keyLen = /AES_128/.test(ex.cipher_suite) ? 16 : 32;
    for (const tk of step(ex, 'keys').values.traffic_keys) {
      const secret = Buffer.from(ex.traffic_secrets[tk.secret], 'hex');
      assert.equal(tk.key, expandLabel(secret, 'key', keyLen, hash).toString('hex'));
      assert.equal(tk.iv, expandLabel(secret, 'iv', 12, hash).toString('hex'));
    }
    assert.deepEqual(ex.finished, { client: true, server: true });
    assert.equal(step(ex, 'server_hello').values.via_supported_versions, true);
    assert.equal(step(ex, 'server_hello').values.session_decision, 'echo');
  });

  it('TLS 1.2 DHE: the group size, both public values, the ServerKeyExchange signature verified', () => {
    const c = cap.dhe!;
    const ex = explainJson([c.file, '--keylog', c.keys]);
    assert.equal(ex.cipher_suite, 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256');
    const ske = step(ex, 'server_key_exchange').values;
    assert.deepEqual([ske.kind, ske.dh_bits, ske.signature_verified], ['DHE', 2048, true]);
    assert.equal(ske.server_public.length, ske.server_public_length * 2);
    const cke = step(ex, 'client_key_exchange').values;
    assert.equal(cke.kind, 'DHE');
    assert.ok(cke.client_public_length > 0);
    assert.equal(ex.master_secret, keylogMap(c.keylog).CLIENT_RANDOM![step(ex, 'client_hello').values.random]);
    assert.deepEqual(ex.finished, { client: true, server: true });
  });

  it('a tampered ServerKeyExchange: the signature does not verify and both Finished checks fail', () => {
    const c = cap.ecdhe!;
    const good = explainJson([c.file, '--keylog', c.keys]);
    const pub = Buffer.from(step(good, 'server_key_exchange').values.server_public, 'hex');
    const bytes = Buffer.from(readFileSync(c.file));
    const at = bytes.indexOf(pub);
    assert.ok(at > 0);
    bytes[at + 5]! ^= 0x40;
    const bad = join(dir, 'tampered.pcapng');
    writeFileSync(bad, bytes);
    const ex = explainJson([bad, '--keylog', c.keys]);
    const ske = step(ex, 'server_key_exchange').values;
    assert.equal(ske.signature_verified, false);
    assert.match(ske.signature_message, /does not verify with the key of 'CN=demo\.tlslens\.test/);
    assert.deepEqual(ex.finished, { client: false, server: false });
    const codes = ex.findings.map((f: J) => f.code);
    assert.ok(codes.includes('key_exchange_signature') && codes.includes('finished_mismatch'), codes.join());
    const zh = tlslens(['explain', bad, '--keylog', c.keys, '--lang', 'zh']).stdout;
    assert.match(zh, /ServerKeyExchange 不是用证书的密钥签名的/);
  });

  it('HelloRetryRequest: the group the server asks for, the second ClientHello', () => {
    const c = cap.hrr!;
    const ex = explainJson([c.file, '--keylog', c.keys]);
    const hrr = step(ex, 'hello_retry_request');
    assert.ok(hrr, 'hello_retry_request step');
    assert.equal(hrr.values.selected_group, 'secp384r1');
    const ch = step(ex, 'client_hello').values;
    assert.deepEqual(ch.key_shares.map((k: J) => k.name), ['x25519']);
    assert.equal(hrr.values.second_client_hello_frame, ch.second_client_hello_frame);
    assert.ok(hrr.values.second_client_hello_frame > hrr.frames[0]);
    const sh = step(ex, 'server_hello').values;
    assert.equal(sh.key_share_group, 'secp384r1');
    assert.equal(sh.key_share_public.length, 97 * 2, 'an uncompressed P-384 point');
    assert.deepEqual(ex.finished, { client: true, server: true });
  });

  it('resumed connection: names the earlier connection it resumes', () => {
    const c = cap.resumed!;
    const ex = explainJson([c.file, '--keylog', c.keys, '--stream', '1']);
    const sh = step(ex, 'server_hello').values;
    assert.notEqual(sh.resumed, 'no');
    assert.deepEqual({ stream: sh.resumed_from.stream }, { stream: 0 });
    assert.equal(step(ex, 'certificate'), undefined, 'an abbreviated handshake has no certificate');
    assert.deepEqual(ex.finished, { client: true, server: true });
    const text = tlslens(['explain', c.file, '--stream', '1']);
    assert.match(text.stdout, /created by stream 0 \(frame \d+\)/);
    const zh = tlslens(['explain', c.file, '--stream', '1', '--lang', 'zh']);
    assert.match(zh.stdout, /由 tcp\.stream 0（帧 \d+）建立/);
  });

  it('mutual TLS: the certificate request and the client certificate', () => {
    const c = cap.mtls!;
    const ex = explainJson([c.file]);
    const cr = step(ex, 'certificate_request');
    assert.ok(cr, 'certificate_request step');
    assert.equal(cr.values.client_certificate_count, 2);
    const cc = step(ex, 'client_certificate').values;
    assert.equal(cc.certificates[0].subject, new X509Certificate(pki('good.pem')).subject.replace(/\n/g, ','));
    assert.ok(cc.certificate_verify_frame > cr.frames[0]);
  });

  it('failed handshake: no client certificate for a server that requires one, a fatal alert', () => {
    const ex = explainJson([cap.failed!.file, '--ca', caFile()]);
    const cr = step(ex, 'certificate_request').values;
    assert.equal(cr.client_certificate_count, 0, 'the client answers with an empty Certificate');
    const alerts = step(ex, 'alerts').values.alerts;
    assert.deepEqual(alerts.map((a: J) => [a.from, a.level]), [['server', 'Fatal']]);
    const codes = ex.findings.map((f: J) => f.code);
    assert.ok(codes.includes('alert') && codes.includes('handshake_incomplete'), codes.join());
    assert.equal(ex.finished.server, null);
    const text = tlslens(['explain', cap.failed!.file]);
    assert.match(text.stdout, new RegExp(`Frame ${alerts[0].frame}: server sends a Fatal alert: ${alerts[0].description}`));
    // without the demo CA the chain itself is not trusted either, said precisely
    const unk = explainJson([cap.failed!.file, '--ca-only', '--ca', join(PKI, 'root.pem')]);
    assert.deepEqual(unk.certificate.problems.map((p: J) => p.code), ['issuer-not-found']);
  });

  it('every certificate failure reads as a precise sentence in English and Chinese', () => {
    const root = join(PKI, 'root.pem');
    const sentence = (name: string, lang: string, ca = true) => {
      const ex = explainJson([cap[name]!.file, '--lang', lang, ...(ca ? ['--ca', root, '--ca-only'] : [])]);
      return { ex, texts: ex.certificate.problems.map((p: J) => p.text) as string[] };
    };
    const good = sentence('good', 'en');
    assert.equal(good.ex.certificate.valid, true, JSON.stringify(good.ex.certificate));
    // expired: the date and the day count from the certificate and the capture time
    const exp = new X509Certificate(pki('expired.pem'));
    const day = new Date(exp.validTo).toISOString().slice(0, 10);
    for (const lang of ['en', 'zh']) {
      const { ex, texts } = sentence('expired', lang);
      const t = new Date(step(ex, 'certificate_verification').values.time).getTime();
      const days = Math.floor((t - new Date(exp.validTo).getTime()) / 86_400_000);
      assert.equal(texts.length, 1, texts.join('\n'));
      if (lang === 'en') assert.equal(texts[0], `The leaf certificate 'CN=www.tlslens.test' expired on ${day}, ${days} days before the capture (${new Date(t).toISOString().slice(0, 10)}).`);
      else assert.equal(texts[0], `叶证书 'CN=www.tlslens.test'已于 ${day} 过期，比抓包时间（${new Date(t).toISOString().slice(0, 10)}）早 ${days} 天。`);
    }
    const san = new X509Certificate(pki('wronghost.pem')).subjectAltName!.replace(/^DNS:/, '');
    assert.deepEqual(sentence('wronghost', 'en').texts, [`The certificate is for ${san}, not for ${TEST_HOST} (the name the client asked for in SNI).`]);
    assert.deepEqual(sentence('wronghost', 'zh').texts, [`证书是签发给 ${san} 的，而不是 ${TEST_HOST}（客户端在 SNI 中请求的名字）。`]);
    const rootSubject = 'CN=tlslens Test Root CA,O=tlslens tests';
    const inter = 'CN=tlslens Test Intermediate CA,O=tlslens tests';
    assert.deepEqual(sentence('good', 'en', false).texts, [`Unknown CA: '${rootSubject}', the issuer of '${inter}', is neither in the presented chain nor among the trusted root certificates.`]);
    assert.deepEqual(sentence('good', 'zh', false).texts, [`未知 CA：'${inter}' 的签发者 '${rootSubject}' 既不在服务器发送的证书链中，也不在受信任的根证书中。`]);
    const bad = sentence('badsig', 'en');
    assert.deepEqual(bad.texts, [`Bad signature: the ecdsa-with-SHA256 signature on 'CN=www.tlslens.test' does not verify with the public key of its issuer '${inter}'; the certificate was altered or was not signed by that CA.`]);
    assert.deepEqual(sentence('badsig', 'zh').texts, [`签名无效：'CN=www.tlslens.test' 上的 ecdsa-with-SHA256 签名无法用其签发者 '${inter}' 的公钥验证；证书被篡改过，或者并非由该 CA 签发。`]);
    // the verification step shows which key verified which signature
    const sigs = step(good.ex, 'certificate_verification').values.signatures;
    assert.deepEqual(sigs.map((s: J) => [s.certificate, s.signed_by, s.ok]), [['CN=www.tlslens.test', inter, true], [inter, rootSubject, true]]);
  });

  it('text, markdown and LANG; bad input gives clear errors', () => {
    const c = cap.ecdhe!;
    const md = tlslens(['explain', c.file, '--format', 'markdown']);
    assert.equal(md.status, 0, md.stderr);
    assert.match(md.stdout, /^# TLS connection \(tcp\.stream 0\)/);
    assert.match(md.stdout, /^## 2\. Client Hello \(frame \d+\)$/m);
    const r = spawnWithLang(['explain', c.file], 'zh_CN.UTF-8');
    assert.match(r, /^TLS 连接（tcp\.stream 0）/);
    const notCap = join(dir, 'x.txt');
    writeFileSync(notCap, 'not a capture at all, just some text\n');
    const e1 = tlslens(['explain', notCap]);
    assert.equal(e1.status, 2);
    assert.match(e1.stderr, /tlslens: /);
    const e2 = tlslens(['explain', c.file, '--stream', '7']);
    assert.equal(e2.status, 1);
    assert.match(e2.stderr, /tcp\.stream 7 carries no TLS handshake/);
    const e3 = tlslens(['explain', c.file, '--lang', 'fr']);
    assert.equal(e3.status, 1);
    const e4 = tlslens(['explain', c.file, '-Y', 'http.request.method == "GET"', '--keylog', c.keys, '--format', 'json']);
    assert.equal(e4.status, 0, e4.stderr);
    assert.equal(JSON.parse(e4.stdout).stream, 0);
  });
});

function spawnWithLang(args: string[], lang: string): string {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, LANG: lang, LC_ALL: '', LC_MESSAGES: '' } }).stdout;
}

describe('tlslens explain on public captures, against tshark', { skip: !existsSync(CLI) ? 'CLI not built' : !haveCaptures() ? 'public captures not found at ../shared/captures' : !haveTshark() ? 'tshark is not installed' : false }, () => {
  for (const name of ['illustrated-tls12', 'illustrated-tls13']) {
    it(name, () => {
      const file = join(CAPTURES, name, 'captures/capture.pcap');
      const keys = join(CAPTURES, name, 'captures/keylog.txt');
      const ex = explainJson([file, '--keylog', keys]);
      const ch = step(ex, 'client_hello');
      const sh = step(ex, 'server_hello');
      const fields = (frame: number, ...f: string[]) => {
        const r = tshark(['-r', file, '-o', `tls.keylog_file:${keys}`, '-Y', `frame.number == ${frame}`, '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', ...f.flatMap((x) => ['-e', x])]);
        assert.equal(r.status, 0, r.stderr);
        return r.stdout.trimEnd().split('\t');
      };
      const [rand, sid, suites, sni] = fields(ch.frames[0], 'tls.handshake.random', 'tls.handshake.session_id', 'tls.handshake.ciphersuite', 'tls.handshake.extensions_server_name');
      assert.equal(ch.values.random, rand!.replace(/:/g, ''));
      assert.equal(ch.values.session_id, (sid ?? '').replace(/:/g, ''));
      assert.deepEqual(ch.values.cipher_suites.map((s: J) => Number(s.code)), suites!.split(',').map(Number));
      assert.equal(ex.sni ?? '', sni ?? '');
      const [srand, suite] = fields(sh.frames[0], 'tls.handshake.random', 'tls.handshake.ciphersuite');
      assert.equal(sh.values.random, srand!.replace(/:/g, ''));
      assert.equal(Number(sh.values.cipher_suite.code), Number(suite));
      const tcp = step(ex, 'tcp_handshake').values;
      const [seqRaw, ackRaw] = fields(tcp.synack_frame, 'tcp.seq_raw', 'tcp.ack_raw');
      assert.equal(tcp.server_isn, Number(seqRaw));
      assert.equal(tcp.synack_ack, Number(ackRaw));
      const k = keylogMap(readFileSync(keys, 'utf8'));
      if (ex.version === 'TLSv1.2') assert.equal(ex.master_secret, k.CLIENT_RANDOM![ch.values.random]);
      else assert.equal(ex.traffic_secrets.client_application, k.CLIENT_TRAFFIC_SECRET_0![ch.values.random]);
      assert.deepEqual(ex.finished, { client: true, server: true });
    });
  }
});

describe('tlslens demo explains both of its connections', { skip: !existsSync(CLI) ? 'CLI not built' : false }, () => {
  it('TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256 and TLS 1.3 + HTTP/2, each verified, well under a minute', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tlslens-demo-explain-'));
    try {
      const t0 = Date.now();
      const r = spawnSync(process.execPath, [CLI, 'demo', '-q', '-w', join(dir, 'd.pcapng'), '--keylog', join(dir, 'd.keys')], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, LANG: 'C', LC_ALL: '' } });
      assert.equal(r.status, 0, r.stderr);
      assert.ok(Date.now() - t0 < 30_000, 'demo took too long');
      const out = r.stdout;
      assert.match(out, /TLS connection \(tcp\.stream 0\): .*TLSv1\.2, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256/);
      assert.match(out, /TLS connection \(tcp\.stream 1\): .*TLSv1\.3, TLS_AES_128_GCM_SHA256/);
      assert.equal(out.match(/Verdict: valid\./g)?.length, 2, 'both chains valid with the demo CA');
      assert.equal(out.match(/recomputed, ✓ it matches/g)?.length, 4, 'four Finished messages verified');
      // the master secret printed is the key log's
      const k = keylogMap(readFileSync(join(dir, 'd.keys'), 'utf8'));
      const ms = /master_secret = ([0-9a-f]{96})/.exec(out)?.[1];
      assert.ok(ms && Object.values(k.CLIENT_RANDOM ?? {}).includes(ms), 'master secret from the key log');
      for (const s of Object.values(k.SERVER_TRAFFIC_SECRET_0 ?? {})) assert.ok(out.includes(`server_application_traffic_secret_0 = ${s}`));
      assert.match(out, /GET \/hello\.json HTTP\/2/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
