// The explain pipeline inside core only (pure-JS crypto, WebCrypto signatures: the browser path),
// on the recorded fixtures of test/fixtures, and the completeness of both message catalogues.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readCaptureSync } from '../../capture/index.ts';
import { webCryptoVerifier } from '../../crypto/verify/index.ts';
import { Engine } from '../../engine.ts';
import { HandshakeCollector } from '../handshakes/index.ts';
import { buildExplanation } from './build.ts';
import { EN } from './catalogue-en.ts';
import { ZH } from './catalogue-zh.ts';
import { ExplainCollector } from './collector.ts';
import type { Explanation, FindingCode, StepId, Values } from './model.ts';
import { renderExplanation } from './render.ts';
import type { RecordFailureReason } from '../../crypto/types.ts';

const FIX = fileURLToPath(new URL('../../../../../test/fixtures/', import.meta.url));

async function explain(name: string, keys: { keylog?: string; rsa?: string }): Promise<Explanation> {
  const engine = new Engine({
    keys: {
      ...(keys.keylog ? { keylogs: [{ name: 'k', text: readFileSync(FIX + keys.keylog, 'utf8') }] } : {}),
      ...(keys.rsa ? { rsaKeys: [{ name: 'rsa', data: readFileSync(FIX + keys.rsa, 'utf8') }] } : {}),
    },
  });
  const col = new ExplainCollector(engine.reg);
  const hs = new HandshakeCollector(engine.reg);
  const want = new Uint8Array(engine.reg.size);
  for (const id of [...col.fields, ...hs.fields]) want[id] = 1;
  let n = 0;
  for (const ev of readCaptureSync(new Uint8Array(readFileSync(FIX + name)))) {
    if (ev.kind !== 'frame') continue;
    const p = engine.dissect(ev.frame, ++n, { fields: want, tree: false, columns: false });
    col.add(p);
    hs.add(p);
  }
  engine.finish();
  const ex = await buildExplanation(engine, col, hs, { verifier: webCryptoVerifier(), trustAnchors: [] });
  assert.ok(ex, 'an explanation');
  return ex;
}

const logged = (file: string, label: string, cr: string) =>
  readFileSync(FIX + file, 'utf8').split('\n').map((l) => l.trim().split(' ')).find((p) => p[0] === label && p[1]?.toLowerCase() === cr)?.[2]?.toLowerCase();

const skip = existsSync(FIX + 'tls12-rsa-kx-aes256cbc.pcapng') ? false : 'test/fixtures missing';

describe('explain (core, pure crypto)', { skip }, () => {
  it('TLS 1.2 RSA with the server key: pre-master and master secret (= key log)', async () => {
    const ex = await explain('tls12-rsa-kx-aes256cbc.pcapng', { rsa: 'tls12-rsa-kx-aes256cbc.key' });
    const cr = ex.steps.find((s) => s.id === 'client_hello')!.values.random as string;
    assert.equal(ex.master_secret, logged('tls12-rsa-kx-aes256cbc.keys', 'CLIENT_RANDOM', cr));
    assert.equal(ex.pre_master_secret?.length, 96);
    assert.deepEqual(ex.finished, { client: true, server: true });
    assert.deepEqual(ex.findings.map((f) => f.code).sort(), ['cbc_mode', 'certificate_invalid', 'no_forward_secrecy']);
    // the ServerKeyExchange step does not exist with RSA key exchange; the key block has MAC keys (CBC)
    assert.equal(ex.steps.some((s) => s.id === 'server_key_exchange'), false);
    const kb = ex.steps.find((s) => s.id === 'keys')!.values.key_block as Record<string, string>;
    assert.equal(kb.client_write_mac_key!.length, 40);
  });

  it('TLS 1.3 with the key log: traffic secrets, decrypted flight, h2 request', async () => {
    const ex = await explain('tls13-aes128gcm-h2.pcapng', { keylog: 'tls13-aes128gcm-h2.keys' });
    const cr = ex.steps.find((s) => s.id === 'client_hello')!.values.random as string;
    assert.equal(ex.traffic_secrets?.server_handshake, logged('tls13-aes128gcm-h2.keys', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', cr));
    assert.equal(ex.traffic_secrets?.client_application, logged('tls13-aes128gcm-h2.keys', 'CLIENT_TRAFFIC_SECRET_0', cr));
    const sh = ex.steps.find((s) => s.id === 'server_hello')!.values;
    assert.deepEqual((sh.encrypted_flight as { type: number }[]).map((m) => m.type), [8, 11, 15, 20]);
    const app = ex.steps.find((s) => s.id === 'application_data')!.values as { request: { method: string; h2: boolean } };
    assert.deepEqual([app.request.method, app.request.h2], ['GET', true]);
    for (const lang of ['en', 'zh'] as const) {
      const text = renderExplanation(ex, 'text', lang);
      assert.ok(text.includes(ex.traffic_secrets!.server_application!), lang);
    }
  });

  it('without keys: no secrets, and the text says how to get them', async () => {
    const ex = await explain('tls13-aes128gcm-h2.pcapng', {});
    assert.equal(ex.traffic_secrets, undefined);
    assert.deepEqual(ex.finished, { client: null, server: null });
    assert.match(renderExplanation(ex, 'text', 'en'), /give the key log to see it/);
    assert.match(renderExplanation(ex, 'text', 'zh'), /提供密钥日志即可看到/);
  });
});

describe('explain catalogues', () => {
  const STEPS: StepId[] = ['tcp_handshake', 'client_hello', 'hello_retry_request', 'server_hello', 'certificate', 'certificate_verification',
    'server_key_exchange', 'certificate_request', 'server_hello_done', 'client_certificate', 'client_key_exchange', 'keys',
    'change_cipher_spec', 'finished', 'new_session_ticket', 'application_data', 'alerts', 'findings'];
  const FINDINGS: FindingCode[] = ['deprecated_version', 'no_forward_secrecy', 'weak_cipher', 'cbc_mode', 'certificate_invalid', 'sha1_signature',
    'short_key', 'no_sni', 'no_alpn', 'alert', 'handshake_incomplete', 'finished_mismatch', 'decryption_failed', 'not_decrypted', 'key_exchange_signature'];
  const han = /[\u4e00-\u9fff]/;
  it('every step has a title and every finding a sentence, in both languages', () => {
    for (const id of STEPS) {
      assert.ok(EN.title(id) && !han.test(EN.title(id)), id);
      assert.ok(han.test(ZH.title(id)) || /^[A-Z]/.test(ZH.title(id)), id);
    }
    const params = { version: 'TLSv1.0', suite: 'S', key_exchange: 'RSA', cipher: 'RC4_128', problems: ['expired'], subject: 'CN=x', algorithm: 'RSA', bits: 1024, from: 'server', frame: 9, level: 'Fatal', description: 'Unknown CA', server_hello: true, side: 'client', record: 2, reason: 'bad_mac', text: 't', status: 'no_key', encrypt_then_mac: false };
    for (const code of FINDINGS) {
      const f = { code, severity: 'high' as const, params };
      assert.ok(EN.finding(f).length > 10 && !han.test(EN.finding(f)), code);
      assert.ok(han.test(ZH.finding(f)), code);
    }
  });
  it('a record that did not open is told why in words, in both languages', () => {
    // a Record over the type: adding a failure reason without listing it here does not compile
    const reasons: Record<RecordFailureReason, true> = { bad_record_mac: true, tag_mismatch: true, bad_padding: true, unsupported_cipher: true, bad_length: true, bad_inner_plaintext: true };
    const seen = new Set<string>();
    for (const reason of Object.keys(reasons)) {
      const f = { code: 'decryption_failed' as const, severity: 'medium' as const, params: { frame: 7, record: 3, reason } };
      const en = EN.finding(f);
      const zh = ZH.finding(f);
      assert.ok(!en.includes(reason) && !zh.includes(reason), `${reason}: ${en} / ${zh}`);
      assert.ok(en.includes('frame 7') && zh.includes('帧 7') && han.test(zh), reason);
      seen.add(en);
    }
    assert.equal(seen.size, Object.keys(reasons).length);
  });
  it('certificate problems carry their facts into both sentences', () => {
    const cases: { code: string; params: Values; want: string[] }[] = [
      { code: 'expired', params: { subject: 'CN=a', leaf: true, not_after: '2024-01-01T00:00:00Z', capture_time: '2024-10-28T00:00:00Z', days: 301 }, want: ['2024-01-01', '301', 'CN=a'] },
      { code: 'not-yet-valid', params: { subject: 'CN=a', leaf: false, not_before: '2030-05-06T00:00:00Z', capture_time: '2030-05-01T00:00:00Z', days: 5 }, want: ['2030-05-06', '5'] },
      { code: 'hostname-mismatch', params: { host: 'www.example.com', names: ['a.example.net', 'b.example.net'] }, want: ['www.example.com', 'a.example.net'] },
      { code: 'issuer-not-found', params: { subject: 'CN=leaf', issuer: 'CN=Nobody CA' }, want: ['CN=leaf', 'CN=Nobody CA'] },
      { code: 'self-signed', params: { subject: 'CN=me' }, want: ['CN=me'] },
      { code: 'bad-signature', params: { subject: 'CN=leaf', issuer: 'CN=Int', algorithm: 'sha256WithRSAEncryption' }, want: ['CN=leaf', 'CN=Int', 'sha256WithRSAEncryption'] },
    ];
    for (const c of cases) {
      const p = { code: c.code, message: 'm', params: c.params };
      for (const cat of [EN, ZH]) {
        const s = cat.problem(p);
        for (const w of c.want) assert.ok(s.includes(w), `${cat.lang} ${c.code}: ${s} lacks ${w}`);
      }
      assert.ok(han.test(ZH.problem(p)));
    }
  });
});
