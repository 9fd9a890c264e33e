import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nc from 'node:crypto';
import { createNodeVerifier, nodeRootCertificates } from '../../../cli/src/crypto/node-verifier.ts';
import { webCryptoVerifier, type SignatureVerifier } from '../crypto/verify/index.ts';
import { parseCertificate } from './certificate.ts';
import { pemDecodeAll } from './pem.ts';
import { dnsNameMatches, matchHostname, parseCaBundle, validateChain, verifyCertificateVerify13, verifyServerKeyExchange, type ChainResult } from './validate.ts';

const HAVE_OPENSSL = spawnSync('openssl', ['version'], { stdio: 'ignore' }).error === undefined;
const node = createNodeVerifier();
const web = webCryptoVerifier();

interface Pki { dir: string; der: (name: string) => Uint8Array; key: (name: string) => nc.KeyObject }

/** A test PKI made with openssl: RSA root → EC P-384 intermediate → EC P-256 leaf, plus variants. */
function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'tlslens-pki-'));
  const ossl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const ext = (name: string, text: string) => writeFileSync(join(dir, `${name}.ext`), text);
  const key = (name: string, alg: string[]) => ossl('genpkey', '-out', `${name}.key`, ...alg);
  const csr = (name: string, cn: string) => ossl('req', '-new', '-key', `${name}.key`, '-subj', `/C=US/O=tlslens test/CN=${cn}`, '-out', `${name}.csr`);
  const sign = (name: string, ca: string, extName: string, extra: string[] = []) =>
    ossl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-set_serial', String(Math.floor(Math.random() * 1e9)), '-days', '30', '-extfile', `${extName}.ext`, '-out', `${name}.pem`, ...extra);
  const RSA = ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'];
  const P256 = ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  const P384 = ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'];
  const P521 = ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521'];
  ext('ca0', 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n');
  ext('ca', 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n');
  ext('leaf', 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:www.example.com,DNS:*.wild.example.com,IP:10.0.0.1,IP:2001:db8::1\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n');
  ext('client', 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\nsubjectAltName=DNS:client.example.com\n');
  key('root', RSA);
  ossl('req', '-x509', '-new', '-key', 'root.key', '-subj', '/C=US/O=tlslens test/CN=Test Root', '-days', '60', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', 'root.pem');
  key('inter', P384); csr('inter', 'Test Intermediate'); sign('inter', 'root', 'ca0');
  key('leaf', P256); csr('leaf', 'www.example.com'); sign('leaf', 'inter', 'leaf');
  // an RSA-PSS signed leaf directly under the root, an RSA leaf with SHA-512, a P-521 leaf
  key('pss', RSA); csr('pss', 'pss.example.com'); sign('pss', 'root', 'leaf', ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32', '-sha256']);
  key('rsa512', RSA); csr('rsa512', 'rsa.example.com'); sign('rsa512', 'root', 'leaf', ['-sha512']);
  key('p521', P521); csr('p521', 'p521.example.com'); sign('p521', 'root', 'ca');
  // Ed25519 intermediate (under the root) signing an Ed25519 leaf
  key('edca', ['-algorithm', 'ED25519']); csr('edca', 'Test Ed25519 CA'); sign('edca', 'root', 'ca');
  key('ed', ['-algorithm', 'ED25519']); csr('ed', 'ed.example.com'); sign('ed', 'edca', 'leaf');
  // CA:false issuer: a certificate signed by the leaf's key
  key('bad', P256); csr('bad', 'bad.example.com'); sign('bad', 'leaf', 'leaf');
  // pathlen: a sub-CA under the pathlen:0 intermediate
  key('sub', P256); csr('sub', 'Test Sub CA'); sign('sub', 'inter', 'ca');
  key('deep', P256); csr('deep', 'deep.example.com'); sign('deep', 'sub', 'leaf');
  // self-signed server certificate, and a client certificate
  key('self', P256);
  ossl('req', '-x509', '-new', '-key', 'self.key', '-subj', '/CN=self.example.com', '-days', '30', '-addext', 'subjectAltName=DNS:self.example.com', '-out', 'self.pem');
  key('client', P256); csr('client', 'client.example.com'); sign('client', 'inter', 'client');
  // an old-style certificate with only a CN (no SAN)
  ext('cnonly', 'basicConstraints=CA:FALSE\n');
  key('cn', P256); csr('cn', 'cn.example.com'); sign('cn', 'root', 'cnonly');
  return {
    dir,
    der: (name) => pemDecodeAll(readFileSync(join(dir, `${name}.pem`), 'utf8'))[0]!,
    key: (name) => nc.createPrivateKey(readFileSync(join(dir, `${name}.key`))),
  };
}

const codes = (r: ChainResult) => r.problems.map((p) => p.code).sort();

test('dnsNameMatches (RFC 6125)', () => {
  assert.ok(dnsNameMatches('www.example.com', 'WWW.Example.com.'));
  assert.ok(dnsNameMatches('*.example.com', 'a.example.com'));
  assert.ok(!dnsNameMatches('*.example.com', 'a.b.example.com'));
  assert.ok(!dnsNameMatches('*.example.com', 'example.com'));
  assert.ok(!dnsNameMatches('w*.example.com', 'www.example.com'), 'no partial wildcards');
  assert.ok(!dnsNameMatches('*.com', 'example.com'), 'no wildcard right under a TLD-like single label');
  assert.ok(!dnsNameMatches('a.*.example.com', 'a.b.example.com'));
});

test('chain validation with an openssl-made PKI', { skip: HAVE_OPENSSL ? false : 'openssl not installed' }, async (t) => {
  const pki = makePki();
  try {
    const root = pki.der('root');
    const inter = pki.der('inter');
    const leaf = pki.der('leaf');
    const now = Date.now() + 60_000;
    const base = { trustAnchors: [root], time: now };
    for (const [vname, verifier] of [['node', node], ['webcrypto', web]] as [string, SignatureVerifier][]) {
      await t.test(`${vname}: valid chains`, async () => {
        let r = await validateChain([leaf, inter], { ...base, verifier, hostname: 'www.example.com', keyExchange: 'ECDHE' });
        assert.deepEqual(r.problems, []);
        assert.ok(r.valid && r.trusted);
        assert.equal(r.chain.length, 3);
        for (const h of ['a.wild.example.com', '10.0.0.1', '2001:db8:0:0::1']) {
          r = await validateChain([leaf, inter], { ...base, verifier, hostname: h });
          assert.ok(r.valid, `${h}: ${JSON.stringify(r.problems)}`);
        }
        // out of order with an extra, unrelated certificate
        r = await validateChain([leaf, pki.der('self'), root, inter], { ...base, verifier });
        assert.ok(r.valid, JSON.stringify(r.problems));
        assert.deepEqual(r.unused, [1]);
        r = await validateChain([pki.der('pss')], { ...base, verifier, hostname: 'www.example.com' });
        assert.ok(r.valid, `RSA-PSS: ${JSON.stringify(r.problems)}`);
        r = await validateChain([pki.der('rsa512')], { ...base, verifier });
        assert.ok(r.valid, `SHA-512: ${JSON.stringify(r.problems)}`);
        r = await validateChain([pki.der('p521')], { ...base, verifier });
        assert.ok(r.valid, `P-521: ${JSON.stringify(r.problems)}`);
        r = await validateChain([pki.der('cn')], { ...base, verifier, hostname: 'cn.example.com' });
        assert.ok(r.valid, `CN fallback: ${JSON.stringify(r.problems)}`);
      });
      await t.test(`${vname}: failures name their reason`, async () => {
        let r = await validateChain([leaf, inter], { ...base, verifier, hostname: 'evil.example.org' });
        assert.deepEqual(codes(r), ['hostname-mismatch']);
        assert.match(r.problems[0]!.message, /hostname evil\.example\.org does not match SANs \[www\.example\.com, \*\.wild\.example\.com\]/);
        for (const h of ['a.b.wild.example.com', 'wild.example.com', '10.0.0.2']) {
          r = await validateChain([leaf, inter], { ...base, verifier, hostname: h });
          assert.deepEqual(codes(r), ['hostname-mismatch'], h);
        }
        r = await validateChain([leaf, inter], { ...base, verifier, time: parseCertificate(leaf).notAfter + 86400_000 });
        assert.deepEqual(codes(r), ['expired', 'expired'], 'leaf and intermediate (both 30 days)');
        assert.equal(r.problems[0]!.cert, 0);
        assert.match(r.problems[0]!.message, /certificate 'CN=www\.example\.com,O=tlslens test,C=US' expired on \d{4}-\d\d-\d\dT/);
        r = await validateChain([leaf, inter], { ...base, verifier, time: parseCertificate(leaf).notBefore - 86400_000 });
        assert.ok(codes(r).includes('not-yet-valid'));
        const flipped = leaf.slice();
        flipped[flipped.length - 10] ^= 0x01;
        r = await validateChain([flipped, inter], { ...base, verifier });
        assert.deepEqual(codes(r), ['bad-signature']);
        assert.match(r.problems[0]!.message, /signature of 'CN=www\.example\.com,O=tlslens test,C=US' does not verify with the key of 'CN=Test Intermediate,O=tlslens test,C=US'/);
        r = await validateChain([pki.der('self')], { ...base, verifier, hostname: 'self.example.com' });
        assert.deepEqual(codes(r), ['self-signed']);
        assert.match(r.problems[0]!.message, /self-signed certificate 'CN=self\.example\.com' not in trust store/);
        r = await validateChain([pki.der('self')], { ...base, trustAnchors: [pki.der('self')], verifier, hostname: 'self.example.com' });
        assert.ok(r.valid, 'a self-signed certificate in the trust store is accepted');
        r = await validateChain([leaf], { ...base, verifier });
        assert.deepEqual(codes(r), ['issuer-not-found']);
        assert.match(r.problems[0]!.message, /issuer 'CN=Test Intermediate,O=tlslens test,C=US' of 'CN=www\.example\.com,O=tlslens test,C=US' not found in presented chain or trust store/);
        r = await validateChain([leaf, inter, root], { verifier, time: now, trustAnchors: [] });
        assert.deepEqual(codes(r), ['self-signed']);
        r = await validateChain([pki.der('bad'), leaf, inter], { ...base, verifier });
        assert.deepEqual(codes(r), ['key-usage', 'not-ca', 'path-length'], 'the leaf as an issuer also exceeds the intermediate pathlen:0');
        assert.ok(r.problems.some((p) => /CA:false on issuer 'CN=www\.example\.com/.test(p.message)));
        r = await validateChain([pki.der('deep'), pki.der('sub'), inter], { ...base, verifier });
        assert.deepEqual(codes(r), ['path-length']);
        r = await validateChain([pki.der('client'), inter], { ...base, verifier });
        assert.deepEqual(codes(r), ['ext-key-usage']);
        r = await validateChain([leaf, inter], { ...base, verifier, keyExchange: 'RSA' });
        assert.deepEqual(codes(r), ['key-usage']);
        r = await validateChain([], { ...base, verifier });
        assert.deepEqual(codes(r), ['no-certificates']);
        r = await validateChain([Uint8Array.from([0x30, 0x03, 1, 2, 3])], { ...base, verifier });
        assert.deepEqual(codes(r), ['malformed']);
      });
    }
    await t.test('Ed25519 (node; WebCrypto where supported)', async () => {
      let r = await validateChain([pki.der('ed'), pki.der('edca')], { ...base, verifier: node, hostname: 'www.example.com' });
      assert.ok(r.valid, JSON.stringify(r.problems));
      r = await validateChain([pki.der('ed'), pki.der('edca')], { ...base, verifier: web });
      assert.ok(r.valid || r.problems.every((p) => p.code === 'unsupported-algorithm'), JSON.stringify(r.problems));
    });
    await t.test('ServerKeyExchange and CertificateVerify signatures', async () => {
      const leafCert = parseCertificate(leaf);
      const cr = nc.randomBytes(32);
      const sr = nc.randomBytes(32);
      const params = Uint8Array.from([3, 0, 23, 65, ...nc.randomBytes(65)]);
      const data = Buffer.concat([cr, sr, params]);
      const sig = nc.sign('sha256', data, { key: pki.key('leaf'), dsaEncoding: 'der' });
      for (const v of [node, web]) {
        assert.ok((await verifyServerKeyExchange(leafCert, cr, sr, params, 0x0403, sig, v)).ok);
        assert.ok(!(await verifyServerKeyExchange(leafCert, sr, cr, params, 0x0403, sig, v)).ok);
      }
      // TLS 1.0: RSA over MD5 ‖ SHA-1 without DigestInfo
      const rsaCert = parseCertificate(pki.der('rsa512'));
      const md5sha1 = Buffer.concat([nc.createHash('md5').update(data).digest(), nc.createHash('sha1').update(data).digest()]);
      const rsaSig = nc.privateEncrypt({ key: pki.key('rsa512'), padding: nc.constants.RSA_PKCS1_PADDING }, md5sha1);
      assert.ok((await verifyServerKeyExchange(rsaCert, cr, sr, params, undefined, rsaSig, node)).ok);
      const w = await verifyServerKeyExchange(rsaCert, cr, sr, params, undefined, rsaSig, web);
      assert.ok(!w.ok && /unsupported in browser/.test(w.message));
      // TLS 1.2 rsa_pss_rsae_sha256
      const pss = nc.sign('sha256', data, { key: pki.key('rsa512'), padding: nc.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
      assert.ok((await verifyServerKeyExchange(rsaCert, cr, sr, params, 0x0804, pss, node)).ok);
      assert.ok((await verifyServerKeyExchange(rsaCert, cr, sr, params, 0x0804, pss, web)).ok);
      // TLS 1.3 CertificateVerify with Ed25519
      const edCert = parseCertificate(pki.der('ed'));
      const th = nc.createHash('sha256').update('transcript').digest();
      const content = Buffer.concat([Buffer.alloc(64, 0x20), Buffer.from('TLS 1.3, server CertificateVerify'), Buffer.from([0]), th]);
      const edSig = nc.sign(null, content, pki.key('ed'));
      assert.ok((await verifyCertificateVerify13(edCert, th, 0x0807, edSig, node)).ok);
      assert.ok(!(await verifyCertificateVerify13(edCert, th, 0x0807, edSig, node, 'client')).ok);
    });
  } finally {
    rmSync(pki.dir, { recursive: true, force: true });
  }
});

test('matchHostname: IP SANs only for IP addresses, CN only without dNSName SANs', { skip: HAVE_OPENSSL ? false : 'openssl not installed' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tlslens-cn-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'k.pem', '-subj', '/CN=10.1.1.1', '-days', '1', '-addext', 'subjectAltName=DNS:x.example.com', '-out', 'c.pem'], { cwd: dir, stdio: 'ignore' });
    const c = parseCertificate(pemDecodeAll(readFileSync(join(dir, 'c.pem'), 'utf8'))[0]!);
    assert.ok(!matchHostname(c, '10.1.1.1').ok);
    assert.ok(matchHostname(c, 'X.example.com').ok);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a real chain from a capture, against the Mozilla roots of its time', { skip: HAVE_OPENSSL && existsSync('/work/shared/captures/zeek/derived/mozilla-roots-2014-02-28.pem') && spawnSync('tshark', ['-v'], { stdio: 'ignore' }).error === undefined ? false : 'tshark or captures absent' }, async () => {
  const out = execFileSync('tshark', ['-r', '/work/shared/captures/arkime/pcap/openssl-tls1_2.pcap', '-Y', 'tls.handshake.certificate', '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'tls.handshake.certificate'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const [ts, certs] = out.trim().split('\n')[0]!.split('\t') as [string, string];
  const ders = certs.split(',').map((h) => Uint8Array.from(Buffer.from(h.replace(/:/g, ''), 'hex')));
  const anchors = parseCaBundle(readFileSync('/work/shared/captures/zeek/derived/mozilla-roots-2014-02-28.pem', 'utf8'));
  const r = await validateChain(ders, { verifier: node, trustAnchors: anchors, time: Number(ts) * 1000, hostname: 'www.google.com', keyExchange: 'ECDHE' });
  assert.deepEqual(r.problems, []);
  assert.ok(r.valid);
  // the shortest path: GeoTrust Global CA is itself a root in that bundle (its Equifax cross-certificate stays unused)
  assert.equal(r.chain.at(-1)!.subject.get('2.5.4.3'), 'GeoTrust Global CA');
  assert.deepEqual(r.unused, [2]);
  // the same chain today: expired
  const now = await validateChain(ders, { verifier: node, trustAnchors: nodeRootCertificates(), hostname: 'www.google.com' });
  assert.ok(!now.valid && now.problems.some((p) => p.code === 'expired'));
});
