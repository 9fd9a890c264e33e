import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRegistry } from '../fields/registry.ts';
import { fieldText } from '../fields/format.ts';
import { Packet } from '../packet.ts';
import { registerX509Fields } from './fields.ts';
import { dissectCertificate } from './dissect.ts';
import { parseCertificate } from './certificate.ts';
import { DerError } from './der.ts';
import { pemDecodeAll, pemEncode } from './pem.ts';
import { sha1, sha256 } from './hash.ts';
import { createHash } from 'node:crypto';

const CAPS = '/work/shared/captures';
const has = (cmd: string) => spawnSync(cmd, ['-v'], { stdio: 'ignore' }).error === undefined;
const HAVE_TSHARK = has('tshark');
const HAVE_OPENSSL = spawnSync('openssl', ['version'], { stdio: 'ignore' }).error === undefined;

/** Captures whose certificates cover RSA/EC/DSA/explicit curves/PSS, SCTs, AIA, policies, otherName, IP SANs, MS extensions. */
const CERT_CAPTURES = [
  'arkime/pcap/openssl-tls1_2.pcap',
  'arkime/pcap/tls-alpn-h2.pcap',
  'lekensteyn-wireshark-notes/tls/xmpp-ssl.pcapng',
  'suricata-verify/tests/tls/tls-subjectaltname/input.pcap',
  'suricata-verify/tests/bug-7264-tcp-3whs-ack-data-tls-01/input.pcap',
  'suricata-verify/tests/tls/tls-issuer-zero/input.pcap',
  'foxio-ja4/pcap/badcurveball.pcap',
  'zeek/traces/CVE-2015-3194.pcap',
  'ndpi/pcap/tls-rdn-extract.pcap',
  'ndpi/pcap/ja3_lots_of_cipher_suites.pcap',
  'snet/decrypt_by_keylog/tls_DHE-DSS-ARIA128-GCM-SHA256.pcap',
  'snet/decrypt_by_keylog/tls_ECDHE-ECDSA-CAMELLIA128-SHA256.pcap',
].map((p) => `${CAPS}/${p}`).filter((p) => existsSync(p));

/** Packets with a CertificateStatus (OCSP responses carry certificates too, dissected by the TLS helper) are left out. */
/** tls.* fields also appear outside certificates (ServerKeyExchange, extensions): compared only where x509 owns them. */
const OUTSIDE = new Set(['tls.handshake.sig_hash_alg', 'tls.handshake.sig_hash_hash', 'tls.handshake.sig_hash_sig']);

test('certificate fields equal tshark -T fields', { skip: !HAVE_TSHARK ? 'tshark not installed' : CERT_CAPTURES.length === 0 ? 'captures absent' : false }, () => {
  const reg = createRegistry();
  const f = registerX509Fields(reg);
  const names = f.all.map((id) => reg.get(id)).filter((r) => r.type !== 'none' && !OUTSIDE.has(r.abbrev)).map((r) => r.abbrev);
  let certs = 0;
  for (const cap of CERT_CAPTURES) {
    const out = execFileSync('tshark', ['-r', cap, '-Y', 'tls.handshake.certificate && !(tls.handshake.type == 22)', '-T', 'fields', '-e', 'tls.handshake.certificate', ...names.flatMap((n) => ['-e', n])], { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] });
    for (const line of out.split('\n')) {
      if (!line) continue;
      const cols = line.split('\t');
      const ders = cols[0]!.split(',').map((h) => Uint8Array.from(Buffer.from(h.replace(/:/g, ''), 'hex')));
      const p = new Packet({ num: 1, ts: { s: 0, ns: 0 }, data: new Uint8Array(0), origLen: 0, linktype: 1, ifaceId: 0, wanted: { tree: false, columns: false } });
      for (const der of ders) {
        assert.ok(dissectCertificate(p, der, 0, der.length, f), `${cap}: certificate dissects`);
        certs++;
      }
      names.forEach((n, i) => {
        const r = reg.lookup(n);
        const mine = (p.values(r.id) ?? []).map((v) => fieldText(r, v))
          // tshark pads the day of absolute times with a space ("Mar  3, 2009"); format.ts pads with 0
          .map((s) => (r.type === 'abstime' ? s.replace(/^([A-Z][a-z]{2}) 0(\d),/, '$1  $2,') : s)).join(',');
        assert.equal(mine, cols[i + 1] ?? '', `${cap} field ${n}`);
      });
    }
  }
  assert.ok(certs >= 20, `${certs} certificates compared`);
});

function pemFiles(): string[] {
  const out: string[] = [];
  for (const d of [`${CAPS}/scapy/test-pki`, `${CAPS}/illustrated-tls12/server`, `${CAPS}/illustrated-tls12/client`, `${CAPS}/illustrated-tls13/server`]) {
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d)) if (/cert.*\.pem$|\.crt$/.test(f)) out.push(`${d}/${f}`);
  }
  return out;
}

test('parseCertificate agrees with openssl x509', { skip: !HAVE_OPENSSL ? 'openssl not installed' : pemFiles().length === 0 ? 'test PKI absent' : false }, () => {
  for (const file of pemFiles()) {
    const der = pemDecodeAll(readFileSync(file, 'utf8'))[0]!;
    const c = parseCertificate(der);
    const o = (args: string[]) => execFileSync('openssl', ['x509', '-in', file, '-noout', ...args], { encoding: 'utf8' }).trim();
    assert.equal(c.subject.text, o(['-subject', '-nameopt', 'RFC2253']).replace(/^subject=/, ''), `${file} subject`);
    assert.equal(c.issuer.text, o(['-issuer', '-nameopt', 'RFC2253']).replace(/^issuer=/, ''), `${file} issuer`);
    assert.equal(c.sha256.toUpperCase(), o(['-fingerprint', '-sha256']).split('=')[1], `${file} sha256`);
    assert.equal(c.sha1.toUpperCase(), o(['-fingerprint', '-sha1']).split('=')[1], `${file} sha1`);
    assert.equal(BigInt('0x' + c.serialNumber), BigInt('0x' + o(['-serial']).split('=')[1]), `${file} serial`);
    assert.equal(c.notAfter, Date.parse(o(['-enddate']).split('=')[1]!), `${file} notAfter`);
    const text = o(['-text']);
    const bits = /Public-Key: \((\d+) bit\)/.exec(text);
    if (bits && c.publicKey.algorithm !== 'Ed25519') assert.equal(c.publicKey.bits, Number(bits[1]), `${file} key bits`);
    if (/ED25519/.test(text)) assert.equal(c.publicKey.algorithm, 'Ed25519');
    const san = /X509v3 Subject Alternative Name:.*\n\s*(.*)/.exec(text);
    if (san) assert.deepEqual(c.san.dns, [...san[1]!.matchAll(/DNS:([^,\s]+)/g)].map((m) => m[1]), `${file} SAN`);
    assert.equal(c.basicConstraints?.ca ?? false, /CA:TRUE/.test(text), `${file} CA flag`);
  }
});

test('the zeek Mozilla bundle parses whole', { skip: existsSync(`${CAPS}/zeek/derived/mozilla-roots-2014-02-28.pem`) ? false : 'bundle absent' }, () => {
  const text = readFileSync(`${CAPS}/zeek/derived/mozilla-roots-2014-02-28.pem`, 'utf8');
  const ders = pemDecodeAll(text);
  assert.equal(ders.length, (text.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length);
  let selfIssued = 0;
  for (const d of ders) {
    const c = parseCertificate(d);
    if (c.selfIssued) selfIssued++;
    assert.ok(c.publicKey.bits > 0);
    assert.equal(pemDecodeAll(pemEncode(d))[0]!.length, d.length);
  }
  assert.ok(selfIssued >= ders.length - 5);
});

test('hashes', () => {
  for (const n of [0, 1, 55, 56, 63, 64, 65, 1000]) {
    const m = Uint8Array.from({ length: n }, (_, i) => (i * 7) & 255);
    assert.equal(Buffer.from(sha1(m)).toString('hex'), createHash('sha1').update(m).digest('hex'));
    assert.equal(Buffer.from(sha256(m)).toString('hex'), createHash('sha256').update(m).digest('hex'));
  }
});

test('hostile DER never throws, hangs or over-allocates', () => {
  const reg = createRegistry();
  const f = registerX509Fields(reg);
  const samples: Uint8Array[] = pemFiles().map((file) => pemDecodeAll(readFileSync(file, 'utf8'))[0]!);
  // synthetic: huge length, indefinite length, deep nesting, truncated, empty
  samples.push(Uint8Array.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x30]));
  samples.push(Uint8Array.from([0x30, 0x80, 0x30, 0x80, 0, 0, 0, 0]));
  samples.push(Uint8Array.from({ length: 4000 }, (_, i) => (i % 2 === 0 ? 0x30 : 0x81)));
  samples.push(Uint8Array.from({ length: 4000 }, (_, i) => (i % 2 === 0 ? 0xa3 : 0x80)));
  samples.push(new Uint8Array(0));
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const base = samples.slice(0, Math.max(1, samples.length - 5));
  const t0 = Date.now();
  for (let k = 0; k < 3000; k++) {
    const src = base[k % base.length]!;
    let m: Uint8Array;
    if (k % 3 === 0) m = src.subarray(0, Math.floor(rnd() * src.length));
    else {
      m = src.slice();
      for (let j = 0; j < 1 + Math.floor(rnd() * 4); j++) m[Math.floor(rnd() * m.length)] = Math.floor(rnd() * 256);
    }
    samples.push(m);
  }
  for (const s of samples) {
    for (const tree of [true, false]) {
      const p = new Packet({ num: 1, ts: { s: 0, ns: 0 }, data: s, origLen: s.length, linktype: 1, ifaceId: 0, wanted: { tree, columns: false } });
      dissectCertificate(p, s, 0, s.length, f);
    }
    try {
      parseCertificate(s);
    } catch (e) {
      assert.ok(e instanceof DerError, `only DerError escapes parseCertificate: ${String(e)}`);
    }
  }
  assert.ok(Date.now() - t0 < 20000);
});

test('malformed certificate gives an expert note and closes the tree', () => {
  const reg = createRegistry();
  const f = registerX509Fields(reg);
  const der = Uint8Array.from([0x30, 0x11, 0x30, 0x0a, 0xa0, 0x03, 0x02, 0x01, 0x02, 0x02, 0x01, 0x05, 0x31, 0x00, 0x30, 0x00, 0x03, 0x01, 0x00]);
  const p = new Packet({ num: 1, ts: { s: 0, ns: 0 }, data: der, origLen: der.length, linktype: 1, ifaceId: 0, wanted: { tree: true, columns: false } });
  assert.equal(dissectCertificate(p, der, 0, der.length, f), false);
  assert.equal(p.experts.length, 1);
  assert.match(p.experts[0]!.message, /Malformed certificate/);
  assert.equal(p.roots[0]?.id, f.af.signedCertificate_element);
  assert.equal(p.values(f.af.version)?.[0], 2);
});
