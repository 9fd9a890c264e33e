// `tlslens certs` (and the verdict of `tlslens handshakes`) on real TLS sessions recorded on loopback
// with our own test PKI (test/fixtures/pki, made by make-pki.sh): a Node TLS server sends leaf +
// intermediate, a Node client connects with SNI www.tlslens.test through a relay that records what
// each side wrote; the frames are rebuilt with core's synthesizeTcp into a pcapng.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { buildPcapng, synthesizeTcp } from '@tlslens/core';
import { pemDecodeAll } from '../packages/core/src/x509/pem.ts';
import { CLI, ROOT, tlslens } from './helpers.ts';
import { startRelay } from './relay.ts';

const PKI = join(ROOT, 'test/fixtures/pki');
const HOST = 'www.tlslens.test';
const LEAVES = ['good', 'expired', 'wronghost', 'badsig'] as const;
type Leaf = (typeof LEAVES)[number];

const pki = (name: string) => readFileSync(join(PKI, name), 'utf8');

/** One TLS session through a recording relay; the rebuilt pcapng (with the key log as a DSB). */
async function record(leaf: Leaf, version: tls.SecureVersion): Promise<Uint8Array> {
  const server = tls.createServer({
    key: pki(`${leaf}.key`), cert: pki(`${leaf}.pem`) + pki('intermediate.pem'),
    minVersion: version, maxVersion: version, ALPNProtocols: ['http/1.1'],
  }, (s) => {
    s.once('data', () => s.end('HTTP/1.1 200 OK\r\ncontent-length: 3\r\nconnection: close\r\n\r\nok\n'));
    s.on('error', () => {});
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  const relay = await startRelay((server.address() as net.AddressInfo).port);
  const keylog: string[] = [];
  await new Promise<void>((res, rej) => {
    const c = tls.connect({
      host: '127.0.0.1', port: relay.port, servername: HOST,
      rejectUnauthorized: false, minVersion: version, maxVersion: version, ALPNProtocols: ['http/1.1'],
      ...(version === 'TLSv1.2' ? { ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' } : {}),
    });
    c.on('keylog', (l: Buffer) => keylog.push(l.toString('latin1').trimEnd()));
    c.once('secureConnect', () => c.write(`GET / HTTP/1.1\r\nhost: ${HOST}\r\n\r\n`));
    c.on('data', () => {});
    c.on('end', () => c.end());
    c.on('close', () => res());
    c.on('error', rej);
  });
  await relay.done;
  relay.close();
  await new Promise<void>((res) => server.close(() => res()));
  const frames = synthesizeTcp({
    client: { ip: '192.0.2.10', port: 50000 + LEAVES.indexOf(leaf) }, server: { ip: '198.51.100.20', port: 443 },
    chunks: relay.chunks, fin: relay.fin, ...(relay.start ? { start: relay.start } : {}),
  });
  return buildPcapng({ frames, keylog: keylog.map((l) => l + '\n').join('') });
}

interface ChainJson {
  stream: number;
  sni: string | null;
  side: string;
  certificates: { subject: string; issuer: string; not_before: string; not_after: string; san: string[]; serial: string; sha256: string }[];
  valid: boolean;
  verdict: string;
  problems: { code: string; message: string }[];
}

function certsJson(args: string[]): ChainJson[] {
  const r = tlslens(['certs', '--json', ...args]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as ChainJson[];
}

const skip = !existsSync(CLI) ? `CLI not built (${CLI}): run npm run build` : !existsSync(join(PKI, 'root.pem')) ? 'test PKI missing (sh test/fixtures/pki/make-pki.sh)' : false;

describe('tlslens certs on sessions served with the test PKI', { skip }, () => {
  let dir = '';
  const cap: Record<string, string> = {};
  const root = join(PKI, 'root.pem');
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tlslens-certs-'));
    for (const leaf of LEAVES) {
      cap[leaf] = join(dir, `${leaf}.pcapng`);
      writeFileSync(cap[leaf]!, await record(leaf, 'TLSv1.2'));
    }
    cap.tls13 = join(dir, 'good13.pcapng');
    writeFileSync(cap.tls13, await record('good', 'TLSv1.3'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('says valid for the good chain with --ca root.pem (and with --ca-only)', () => {
    for (const extra of [[], ['--ca-only']]) {
      const [c, ...more] = certsJson([cap.good!, '--ca', root, ...extra]);
      assert.equal(more.length, 0);
      assert.equal(c!.valid, true, JSON.stringify(c!.problems));
      assert.deepEqual(c!.problems, []);
      assert.equal(c!.verdict, 'valid');
    }
    const text = tlslens(['certs', cap.good!, '--ca', root]);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /Verdict: VALID/);
    assert.match(text.stdout, /\[0\] CN=www\.tlslens\.test/);
    assert.match(text.stdout, /\[1\] CN=tlslens Test Intermediate CA/);
    assert.match(text.stdout, /Path: CN=www\.tlslens\.test → CN=tlslens Test Intermediate CA,O=tlslens tests → CN=tlslens Test Root CA,O=tlslens tests {2}\(trusted\)/);
  });

  it('without --ca names the unknown CA (issuer not trusted)', () => {
    const [c] = certsJson([cap.good!]);
    assert.equal(c!.valid, false);
    assert.deepEqual(c!.problems.map((p) => p.code), ['issuer-not-found']);
    assert.equal(c!.problems[0]!.message,
      "issuer 'CN=tlslens Test Root CA,O=tlslens tests' of 'CN=tlslens Test Intermediate CA,O=tlslens tests' not found in presented chain or trust store");
    assert.equal(c!.verdict, 'unknown CA');
    const text = tlslens(['certs', cap.good!]).stdout;
    assert.match(text, /Verdict: INVALID \(unknown CA\)/);
    assert.match(text, /✗ issuer-not-found: issuer 'CN=tlslens Test Root CA/);
    // --ca-only with an unrelated anchor: still unknown
    const [d] = certsJson([cap.good!, '--ca-only', '--ca', join(PKI, 'intermediate.pem')]);
    assert.equal(d!.valid, true, 'the intermediate as the only anchor makes the chain trusted (partial chain)');
  });

  it('names exactly the failure of the expired, wrong-hostname and broken-signature leaves', () => {
    const expect: Record<string, [string, RegExp, string]> = {
      expired: ['expired', /^certificate 'CN=www\.tlslens\.test' expired on 2021-01-01T00:00:00Z$/, 'expired'],
      wronghost: ['hostname-mismatch', /^hostname www\.tlslens\.test does not match SANs \[other\.tlslens\.test\]$/, 'wrong hostname'],
      badsig: ['bad-signature', /^signature of 'CN=www\.tlslens\.test' does not verify with the key of 'CN=tlslens Test Intermediate CA,O=tlslens tests' \(ECDSA/, 'bad signature'],
    };
    for (const [leaf, [code, message, verdict]] of Object.entries(expect)) {
      const [c] = certsJson([cap[leaf]!, '--ca', root]);
      assert.equal(c!.valid, false, leaf);
      assert.deepEqual(c!.problems.map((p) => p.code), [code], `${leaf}: ${JSON.stringify(c!.problems)}`);
      assert.match(c!.problems[0]!.message, message);
      assert.equal(c!.verdict, verdict);
      const text = tlslens(['certs', cap[leaf]!, '--ca', root]).stdout;
      assert.match(text, new RegExp(`Verdict: INVALID \\(${verdict}\\)`));
      assert.match(text, new RegExp(`✗ ${code}: `));
    }
  });

  it('--json has the documented shape', () => {
    const [c] = certsJson([cap.wronghost!, '--ca', root]);
    assert.equal(c!.stream, 0);
    assert.equal(c!.sni, HOST);
    assert.equal(c!.side, 'server');
    assert.equal(typeof c!.valid, 'boolean');
    assert.equal(c!.certificates.length, 2);
    const [leaf, inter] = c!.certificates;
    assert.equal(leaf!.subject, 'CN=other.tlslens.test');
    assert.equal(leaf!.issuer, 'CN=tlslens Test Intermediate CA,O=tlslens tests');
    assert.equal(leaf!.not_before, '2024-01-01T00:00:00Z');
    assert.equal(leaf!.not_after, '2044-01-01T00:00:00Z');
    assert.deepEqual(leaf!.san, ['other.tlslens.test']);
    assert.match(leaf!.serial, /^[0-9A-F]{2}(:[0-9A-F]{2})*$/);
    assert.match(leaf!.sha256, /^[0-9a-f]{2}(:[0-9a-f]{2}){31}$/);
    assert.equal(inter!.subject, 'CN=tlslens Test Intermediate CA,O=tlslens tests');
    for (const p of c!.problems) assert.deepEqual(Object.keys(p).filter((k) => k !== 'cert').sort(), ['code', 'message']);
  });

  it('--pem and --der export the presented certificates byte for byte', () => {
    const out = join(dir, 'export');
    const r = tlslens(['certs', cap.good!, '--pem', out, '--der', out, '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readdirSync(out).sort(), ['stream0-server-0.der', 'stream0-server-0.pem', 'stream0-server-1.der', 'stream0-server-1.pem']);
    const want = [pemDecodeAll(pki('good.pem'))[0]!, pemDecodeAll(pki('intermediate.pem'))[0]!];
    want.forEach((der, i) => {
      assert.deepEqual(new Uint8Array(readFileSync(join(out, `stream0-server-${i}.der`))), der);
      assert.deepEqual(pemDecodeAll(readFileSync(join(out, `stream0-server-${i}.pem`), 'utf8'))[0], der);
    });
  });

  it('handshakes shows the same verdicts in its table and JSON', () => {
    const row = (leaf: string, ca: string[]) => {
      const r = tlslens(['handshakes', cap[leaf]!, '--json', ...ca]);
      assert.equal(r.status, 0, r.stderr);
      const a = JSON.parse(r.stdout) as Record<string, unknown>[];
      assert.equal(a.length, 1);
      return a[0]!;
    };
    const g = row('good', ['--ca', root]);
    assert.equal(g.chain_verdict, 'valid');
    assert.equal(g.chain_valid, true);
    assert.equal(g.sni, HOST);
    assert.equal(g.version, 'TLSv1.2');
    assert.equal(g.cipher_suite, 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256');
    assert.equal(g.alpn, 'http/1.1');
    assert.equal(g.resumed, 'no');
    assert.equal(g.certificate_subject, 'CN=www.tlslens.test');
    assert.equal(g.client, '192.0.2.10:50000');
    assert.equal(g.server, '198.51.100.20:443');
    assert.equal(g.handshake_complete, true);
    for (const k of ['tcp_rtt_ms', 'handshake_ms', 'first_app_data_ms']) assert.equal(typeof g[k], 'number', k);
    assert.ok((g.bytes_server_to_client as number) > 1000);
    assert.equal(row('good', []).chain_verdict, 'unknown CA');
    assert.equal(row('expired', ['--ca', root]).chain_verdict, 'expired');
    assert.equal(row('wronghost', ['--ca', root]).chain_verdict, 'wrong hostname');
    assert.equal(row('badsig', ['--ca', root]).chain_verdict, 'bad signature');
    const t = tlslens(['handshakes', cap.expired!, '--ca', root, '--width', '170']);
    assert.match(t.stdout, /^ +0 +192\.0\.2\.10:50001 +198\.51\.100\.20:443 +www\.tlslens\.test +TLSv1\.2 +ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 +\S+ +http\/1\.1 +no +www\.tlslens\.test +expired$/m);
    for (const l of t.stdout.split('\n')) assert.ok(l.length <= 170, `line longer than --width: ${l}`);
  });

  it('TLS 1.3: the encrypted certificate is checked once decrypted with the DSB key log', () => {
    const [h] = JSON.parse(tlslens(['handshakes', cap.tls13!, '--json', '--ca', root]).stdout) as Record<string, unknown>[];
    assert.equal(h!.version, 'TLSv1.3');
    assert.equal(h!.decryption, 'yes', String(h!.decryption_status));
    assert.equal(h!.alpn, 'http/1.1', 'ALPN from the decrypted EncryptedExtensions');
    assert.equal(h!.chain_verdict, 'valid');
    const chains = certsJson([cap.tls13!, '--ca', root]);
    assert.equal(chains.length, 1);
    assert.equal(chains[0]!.valid, true, JSON.stringify(chains[0]!.problems));
    assert.equal(chains[0]!.certificates[0]!.subject, 'CN=www.tlslens.test');
    assert.deepEqual(certsJson([cap.tls13!])[0]!.problems.map((p) => p.code), ['issuer-not-found']);
  });
});
