// `tlslens handshakes` against peer suites' expectations (../shared/captures/MANIFEST.md):
// Suricata eve.json, Zeek ssl.log (and validate-certs), nDPI, FoxIO's JA4 reference outputs,
// tshark 4.0's handshake summaries, and tshark run live on a few captures.
//
// Known disagreements (asserted as such, with the reason):
// - nDPI prints JA4 ALPN "ht" for http/1.1 where FoxIO's spec and reference implementations give
//   "h1" (first and last character); we follow FoxIO.
// - nDPI: tls_with_huge_ch.pcapng JA4 "t13d…" although the ClientHello has no server_name
//   extension (tshark lists none): we give "t13i…", as FoxIO's rule says.
// - FoxIO (python, rust and Wireshark plugin at the vendored commit): a non-ASCII ALPN gives
//   "99"; core/tls/ja.ts follows them (the newer spec text would give the hex digits, "bd").
//   Owner: tls/ja.ts. Accepted here as either value until the TLS owner decides.
// - Suricata tls13-draft14: tshark and Suricata read the draft-14 ServerHello (cipher 0xacad);
//   our TLS dissector flags it malformed, so cipher/JA3S are missing (owner: tls/handshake.ts).
// - After a HelloRetryRequest (recognised by its random, or a key_share with only a selected
//   group) the summary describes the real ServerHello (cipher, version, JA3S) and is compared with
//   tshark's second ServerHello row (tls13-draft22: tshark's first JA3S 45877694… is the HRR's).
// - Connections our TLS dissector does not see yet (STARTTLS, HTTP CONNECT tunnels, QUIC, the
//   mid-stream Chromecast capture foxio tls3.pcapng) are absent from `handshakes`; listed below.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Engine, readCaptureBatches } from '@tlslens/core';
import { HandshakeCollector, type HandshakeSummary } from '../packages/core/src/analysis/handshakes/index.ts';
import { CAPTURES, CLI, haveCaptures, haveTshark, tlslens, tshark } from './helpers.ts';

const SV = `${CAPTURES}/suricata-verify/tests`;
const ZEEK = `${CAPTURES}/zeek`;
const NDPI = `${CAPTURES}/ndpi`;
const FOXIO = `${CAPTURES}/foxio-ja4`;

/** In-process summaries (no CLI spawn, no chain validation). */
async function summarize(path: string, decodeAs: string[] = []): Promise<HandshakeSummary[]> {
  const engine = new Engine({ decodeAs });
  const col = new HandshakeCollector(engine.reg);
  const want = new Uint8Array(engine.reg.size);
  for (const id of col.fields) want[id] = 1;
  const wanted = { fields: want, tree: false, columns: false };
  let n = 0;
  for await (const batch of readCaptureBatches([new Uint8Array(readFileSync(path))], { onFormat: (f) => engine.setFileFormat(f) })) {
    for (const ev of batch) if (ev.kind === 'frame') col.add(engine.dissect(ev.frame, ++n, wanted));
  }
  engine.finish();
  return col.summaries();
}

function cliJson(args: string[]): Record<string, unknown>[] {
  const r = tlslens(['handshakes', '--json', ...args]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>[];
}

const skipCaptures = !haveCaptures() ? 'public captures not found at ../shared/captures' : false;
const skipCli = skipCaptures || (!existsSync(CLI) ? 'CLI not built: run npm run build' : false);

describe('handshakes vs Suricata eve.json expectations', { skip: skipCaptures }, () => {
  it('SNI, version, JA3/JA3S strings and hashes, JA4, ALPN', async () => {
    const one = async (p: string) => {
      const s = await summarize(`${SV}/${p}`);
      assert.ok(s.length >= 1, p);
      return s;
    };
    assert.equal((await one('bug-7264-tcp-3whs-ack-data-tls-01/input.pcap'))[0]!.sni, 'raw.githubusercontent.com');
    assert.equal((await one('tls/tls-client-hello-frag-01/dump_mtu300.pcap'))[0]!.sni, 'www.google.com');
    assert.equal((await one('tls/tls-fin-close-data-01/debug-s13.pcap'))[0]!.sni, 'rr4---sn-5hne6nzy.googlevideo.com');
    assert.equal((await one('ja4-tls/input.pcap'))[0]!.ja4, 't12i1810s1_27d4652c4487_06a4338d0495');
    assert.equal((await one('ja4-tls-quic/input.pcap'))[0]!.ja4, 't13d1516h2_8daaf6152771_e5627efa2ab1');
    const alert = (await one('tls/tls-certs-alert/input.pcap'))[0]!;
    assert.equal(alert.ja3s, '5d79edf64e03689ff559a54e9d9487bc');
    assert.equal(alert.ja3sFull, '771,49199,65281-0-11-16-23');
    const sv = (await one('ja4-sv-handshake/input.pcap'))[0]!;
    assert.equal(sv.version, 'TLSv1.2');
    assert.equal(sv.cipherSuiteCode, 49200);
    assert.equal(sv.ja3sFull, '771,49200,65281-11-35-23');
    const dup = await one('tls-duplicate-hello/input.pcap');
    assert.ok(dup.some((h) => h.ja3Full === '771,4866-4867-4865-4868-49196-52393-49325-49162-49195-49324-49161-49200-52392-49172-49199-49171-157-49309-53-156-49308-47-159-52394-49311-57-158-49310-51,5-10-11-13-22-23-35-51-43-65281-0-45,23,0'));
    const alpn = (await one('tls-alpn-log-detect-02/input.pcap'))[0]!;
    assert.deepEqual(alpn.alpnOffered, ['h2', 'http/1.1']);
    assert.equal(alpn.alpn, 'http/1.1');
    const drafts: [string, string, string[]][] = [
      ['tls/tls13-draft18/tls13_draft18.pcap', 'TLS 1.3 (draft 18)', ['23d254f72096d25c350e4a4a792f4948']],
      ['tls/tls13-draft19/tls13_draft19.pcap', 'TLS 1.3 (draft 19)', ['0e870cb29dd59424064948532781a7f6', '30e5035b2d6787e7b319f75c36c438fe', 'e6ae7b5efb58894bd43d6fa73420d267']],
      ['tls/tls13-draft22/tls13_draft22.pcap', 'TLS 1.3 (draft 22)', ['786468211b4d23f9b725987b0de9d090']],
      ['tls/tls13-draft23/tls13_draft23.pcap', 'TLS 1.3 (draft 23)', ['0558cf38ebac58d332d7f39308fcd006']],
      ['tls/tls13-draft28/tls13_draft28.pcap', 'TLS 1.3 (draft 28)', ['43202faa1c8c1760d6f7f4bd9adde4ab', 'd00857e0c8e7a7f35e446508c6233460']],
      ['tls/tls13-draft14/tls13_draft14.pcap', 'TLS 1.3', ['65825469c473e48f3ee2571129256ab0']],
    ];
    for (const [p, detail, ja3] of drafts) {
      const s = await one(p);
      assert.deepEqual(s.map((h) => h.ja3), ja3, p);
      assert.ok(s.every((h) => h.version === 'TLSv1.3' && h.versionDetail === detail), `${p}: ${s.map((h) => h.versionDetail)}`);
    }
    assert.equal((await one('tls/tls13-draft19/tls13_draft19.pcap')).filter((h) => h.sni === 'localhost').length, 3);
  });

  it('session_resumed ×1 and the certificate fields (tls-cert-issuer, glupteba, sslv2 upgrade, pre-1970, client cert)', (t) => {
    if (skipCli) return t.skip(skipCli);
    const hs = cliJson([`${SV}/tls/tls-cert-issuer/tls.pcap`]);
    assert.equal(hs.length, 5);
    assert.equal(hs.filter((h) => h.resumed !== 'no').length, 1, 'suricata: tls×1 session_resumed');
    const certs = (p: string) => {
      const r = tlslens(['certs', '--json', `${SV}/${p}`]);
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout) as { side: string; sni: string | null; certificates: Record<string, unknown>[] }[];
    };
    // Suricata prints the DN in DER order with ", "; ours is RFC 4514 (reversed, ",")
    const suricataDn = (rfc4514: unknown) => String(rfc4514).split(/(?<!\\),/).reverse().join(', ').replace(/\\,/g, ',').replace(/^emailAddress=|, emailAddress=/g, (m) => m.replace('emailAddress', 'Email'));
    const issuer = certs('tls/tls-cert-issuer/tls.pcap');
    assert.equal(issuer.length, 4);
    for (const c of issuer) {
      const leaf = c.certificates[0]!;
      assert.equal(leaf.serial, '00:97:E6:47:09:8E:EA:C9:B4');
      assert.equal(suricataDn(leaf.issuer), 'C=FR, ST=IDF, L=Paris, O=Stamus, CN=SELKS');
      assert.equal(suricataDn(leaf.subject), 'C=FR, ST=IDF, L=Paris, O=Stamus, CN=SELKS');
      assert.equal(leaf.sha1, '3a:0b:3b:23:15:2c:44:5c:27:ac:6a:0c:41:d6:fa:74:af:b4:09:5b');
      assert.equal(leaf.not_before, '2015-02-12T18:07:27Z');
      assert.equal(leaf.not_after, '2025-02-09T18:07:27Z');
    }
    const glup = certs('tls/tls-glupteba/input.pcap')[0]!.certificates[0]!;
    assert.equal(glup.subject, 'CN=xn--j1ahhq.xn--p1ai');
    assert.equal(suricataDn(glup.issuer), "C=US, O=Let's Encrypt, CN=R3");
    assert.equal(glup.serial, '03:DE:23:89:7E:97:FB:86:8E:7C:C5:53:09:FE:AE:D0:AE:20');
    assert.equal(glup.sha1, 'e9:a0:69:50:ba:18:dc:ac:d3:a7:fe:58:22:4a:1f:42:5b:bc:96:b0');
    assert.equal((glup.san as string[]).length, 17);
    assert.ok((glup.san as string[]).includes('server16.xn--j1ahhq.xn--p1ai'));
    const v2 = certs('sslv2-tls-upgrade-01/ssl-v2-s1.pcap')[0]!.certificates[0]!;
    assert.equal(suricataDn(v2.subject), 'C=US, ST=California, L=Sunnyvale, O=NetScreen Technologies, Inc., OU=Security Team, CN=sigdb.secteam.netscreen.com, Email=aturner@netscreen.com');
    assert.equal(v2.serial, '55');
    assert.equal(v2.sha1, '8c:90:bd:2a:b3:ae:e6:0b:d0:ea:b7:86:b0:1a:e4:b1:cc:57:ef:22');
    assert.equal(v2.not_before, '2003-03-29T00:57:44Z');
    const pre = certs('tls/tls-pre-1970/input.pcap')[0]!;
    assert.equal(pre.sni, 'fkp.samsungcloudsolution.com');
    assert.equal(pre.certificates[0]!.not_before, '1969-12-31T00:00:00Z');
    assert.equal(pre.certificates[0]!.not_after, '2038-12-31T00:10:03Z');
    const mtls = certs('tls/tls-store-02/tls-client-auth.pcap');
    const server = mtls.find((c) => c.side === 'server')!;
    const client = mtls.find((c) => c.side === 'client')!;
    assert.equal(server.sni, 'localhost');
    assert.equal(server.certificates[0]!.serial, '00:C7:D4:28:8B:80:E0:1E:25');
    assert.deepEqual(server.certificates[0]!.san, ['localhost']);
    assert.equal(client.certificates[0]!.serial, '00:C7:D4:28:8B:80:E0:1E:27');
    assert.equal(client.certificates[0]!.not_after, '2018-05-14T20:55:27Z');
  });
});

describe('handshakes vs Zeek baselines', { skip: skipCaptures }, () => {
  it('ssl.log: version, cipher, curve, SNI, resumed', async () => {
    const [basic] = await summarize(`${ZEEK}/traces/tls-conn-with-extensions.pcap`);
    assert.equal(basic!.version, 'TLSv1');
    assert.equal(basic!.cipherSuite, 'TLS_ECDHE_RSA_WITH_RC4_128_SHA');
    assert.equal(basic!.group, 'secp256r1');
    assert.equal(basic!.sni, 'ssl.gstatic.com');
    assert.equal(basic!.resumed, 'no');
    const [psk] = await summarize(`${ZEEK}/traces/tls13_psk_succesfull.pcap`);
    assert.equal(psk!.version, 'TLSv1.3');
    assert.equal(psk!.cipherSuite, 'TLS_CHACHA20_POLY1305_SHA256');
    assert.equal(psk!.group, 'x25519');
    assert.equal(psk!.resumed, 'psk', 'zeek: resumed T');
  });

  it('validate-certs(-no-cache): expired / ok / unable to get local issuer, with the 2014 Mozilla roots at capture time', (t) => {
    if (skipCli) return t.skip(skipCli);
    const ca = ['--ca-only', '--ca', `${ZEEK}/derived/mozilla-roots-2014-02-28.pem`];
    const exp = cliJson([`${ZEEK}/traces/tls-expired-cert.pcap`, ...ca]);
    assert.deepEqual(exp.map((h) => h.chain_verdict), ['expired', 'valid']);
    assert.match(String((exp[0]!.chain_problems as { message: string }[])[0]!.message), /^certificate 'CN=www\.spidh\.org.*' expired on 2014-03-04T23:59:59Z$/);
    // no intermediate cache (zeek's validate-certs-no-cache baseline): conn 3 fails as conn 1
    const mi = cliJson([`${ZEEK}/traces/missing-intermediate.pcap`, ...ca]);
    assert.deepEqual(mi.map((h) => h.chain_verdict), ['unknown CA', 'valid', 'unknown CA']);
    assert.deepEqual(mi.map((h) => h.version), ['TLSv1', 'TLSv1.2', 'TLSv1']);
    // the basic trace's cert_chain_fps (SHA-256 of each certificate)
    const r = tlslens(['certs', '--json', `${ZEEK}/traces/tls-conn-with-extensions.pcap`]);
    const fps = (JSON.parse(r.stdout) as { certificates: { sha256: string }[] }[])[0]!.certificates.map((c) => c.sha256.replace(/:/g, ''));
    assert.equal(fps[0], 'a580247a25324adf4add5af648de4ac5798030dfd622f26a5f2280d7528ae244');
    assert.equal(fps.length, 2);
  });
});

describe('handshakes vs nDPI and FoxIO JA4', { skip: skipCaptures }, () => {
  it('nDPI tls_verylong_certificate: SNI, ALPN, JA3C, JA3S, cipher; JA4 except the documented ALPN "ht"', async () => {
    const [h] = await summarize(`${NDPI}/pcap/tls_verylong_certificate.pcap`);
    assert.equal(h!.sni, 'feodotracker.abuse.ch');
    assert.equal(h!.alpn, 'http/1.1');
    assert.equal(h!.version, 'TLSv1.2');
    assert.equal(h!.ja3, '2a26b1a62e40d25d4de3babc9d532f30');
    assert.equal(h!.ja3s, 'ae53107a2e47ea20c72ac44821a728bf');
    assert.equal(h!.cipherSuite, 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256');
    assert.equal(h!.ja4, 't12d6707ht_2955a3196ffa_c83f907a73d3'.replace('ht_', 'h1_'));
    assert.equal(h!.chains[0]!.certificates.length >= 1, true);
    const [mm] = await summarize(`${NDPI}/pcap/ssl-cert-name-mismatch.pcap`);
    assert.equal(mm!.sni, 'wrong.host.badssl.com');
    assert.equal(mm!.ja3, '4e69e4e5627c5e4c2846ba3e64d23fb9');
    assert.equal(mm!.ja3s, 'b898351eb5e266aefd3723d466935494');
    const [reasm] = await summarize(`${NDPI}/pcap/tls_2_reasms.pcapng`);
    assert.equal(reasm!.sni, 'i.instagram.com');
    assert.equal(reasm!.ja3, '44dab16d680ef93487bc16ad23b3ffb1');
    assert.equal(reasm!.ja4, 't00d0309h2_55b375c5d22e_566d5108064c');
    assert.equal(reasm!.ja3s, 'fcb2d4d0991292272fcb1e464eedfd43');
    assert.equal(reasm!.versionDetail, 'TLS 1.3 (Facebook draft 26)');
    const [alert] = await summarize(`${NDPI}/pcap/tls_alert.pcap`);
    assert.equal(alert!.ja4, 't10d0909h2_61c4dbd01224_cc731f12afbb');
    assert.deepEqual(alert!.alerts.map((a) => `${a.from} ${a.level} ${a.description}`), ['server Fatal Protocol Version']);
  });

  it('ssl-cert-name-mismatch: the verdict names the wrong host name', (t) => {
    if (skipCli) return t.skip(skipCli);
    const [h] = cliJson([`${NDPI}/pcap/ssl-cert-name-mismatch.pcap`]);
    assert.ok(String(h!.chain_verdict).includes('wrong hostname'), String(h!.chain_verdict));
    assert.ok((h!.chain_problems as { message: string }[]).some((p) => /^hostname wrong\.host\.badssl\.com does not match SANs \[\*\.badssl\.com, badssl\.com\]$/.test(p.message)));
  });

  it("JA4 equals FoxIO's reference output (python) for every TCP connection", async () => {
    let checked = 0;
    for (const name of ['badcurveball.pcap', 'browsers-x509.pcapng', 'https3-301-get.pcap', 'ipv6.pcapng', 'latest.pcapng', 'macos_tcp_flags.pcap',
      'socks-https-example.pcap', 'tls-alpn-h2.pcap', 'tls-handshake.pcapng', 'tls-non-ascii-alpn.pcapng', 'tls-sni.pcapng', 'tls12.pcap', 'http2-with-cookies.pcapng']) {
      const exp = JSON.parse(readFileSync(`${FOXIO}/expected-python/${name}.json`, 'utf8')) as Record<string, string>[];
      const ours = await summarize(`${FOXIO}/pcap/${name}`);
      for (const r of exp) {
        if (!r['JA4.1']) continue;
        const h = ours.find((x) => x.stream === Number(r.stream) && (x.sni ?? '') === (r.domain ?? ''));
        assert.ok(h, `${name} stream ${r.stream} (${r.domain}) missing`);
        const want = r['JA4.1']!;
        assert.equal(h.ja4, want, `${name} stream ${r.stream}`);
        checked++;
      }
    }
    assert.ok(checked >= 130, `checked ${checked}`);
  });
});

describe("handshakes vs tshark 4.0's handshake summaries (SNI, JA3, cipher, version, JA3S)", { skip: skipCaptures }, () => {
  // connections our TLS dissector does not see (see the header); and the two documented field diffs
  const ABSENT = new Set(['pcap/https-connect.pcap', 'pcap/tls3.pcapng', 'pcap/quic-tls-handshake.pcapng', 'pcap/quic-with-several-tls-frames.pcapng',
    'tests/ja4-quic/input.pcap', 'tests/quic-ietf/input.pcap', 'tests/quic-retry/input.pcap', 'traces/imap-starttls.pcap', 'traces/pop3-starttls.pcap',
    'traces/smtp-starttls.pcap', 'traces/xmpp-starttls.pcap', 'traces/xmpp-dialback-starttls.pcap', 'traces/irc-starttls.pcap', 'traces/ssl-v2.pcap']);
  const FIELD_DIFFS = new Set(['tests/tls/tls13-draft14/tls13_draft14.pcap SH 0 cipher', 'tests/tls/tls13-draft14/tls13_draft14.pcap SH 0 ja3s']);
  for (const dir of ['suricata-verify', 'zeek', 'foxio-ja4']) {
    it(dir, async () => {
      const o = JSON.parse(readFileSync(`${CAPTURES}/${dir}/tshark-4.0-handshake-summary.json`, 'utf8')) as {
        files: { capture: string; client_hellos?: Record<string, string>[]; server_hellos?: Record<string, string>[] }[];
      };
      let n = 0;
      const bad: string[] = [];
      for (const f of o.files) {
        const path = `${CAPTURES}/${dir}/${f.capture}`;
        if (!existsSync(path) || ABSENT.has(f.capture) || /dtls|quic/i.test(f.capture) || f.capture.endsWith('.gz')) continue;
        const ours = new Map((await summarize(path)).map((h) => [h.stream, h]));
        const check = (what: string, s: number, field: string, got: unknown, want: string) => {
          n++;
          if ((got ?? '') !== want && !FIELD_DIFFS.has(`${f.capture} ${what} ${s} ${field}`)) bad.push(`${f.capture} ${what} stream ${s} ${field}: ours ${String(got)}, tshark ${want}`);
        };
        const seen = new Set<number>();
        for (const ch of f.client_hellos ?? []) {
          const s = Number(ch.stream);
          if (seen.has(s)) continue;
          seen.add(s);
          const h = ours.get(s);
          if (!h) { bad.push(`${f.capture} stream ${s}: no connection`); continue; }
          check('CH', s, 'sni', h.sni, ch.sni!.split(',')[0]!);
          if (ch.ja3) check('CH', s, 'ja3', h.ja3, ch.ja3.split(',')[0]!);
        }
        const byStream = new Map<number, Record<string, string>[]>();
        for (const sh of f.server_hellos ?? []) byStream.set(Number(sh.stream), [...(byStream.get(Number(sh.stream)) ?? []), sh]);
        for (const [s, list] of byStream) {
          const h = ours.get(s);
          if (!h) { bad.push(`${f.capture} stream ${s}: no connection`); continue; }
          const sh = list[h.helloRetryRequest && list.length > 1 ? 1 : 0]!;
          if (!sh.cipher) continue;
          check('SH', s, 'cipher', h.cipherSuiteCode !== undefined ? '0x' + h.cipherSuiteCode.toString(16).padStart(4, '0') : undefined, sh.cipher.split(',')[0]!);
          check('SH', s, 'version', h.versionCode !== undefined ? '0x' + h.versionCode.toString(16).padStart(4, '0') : undefined, (sh.supported_version || sh.version)!.split(',')[0]!);
          if (sh.ja3s) check('SH', s, 'ja3s', h.ja3s, sh.ja3s.split(',')[0]!);
        }
      }
      assert.deepEqual(bad, []);
      assert.ok(n > 50, `${n} values compared`);
    });
  }
});

describe('handshakes vs tshark run live', { skip: skipCaptures || (!haveTshark() ? 'tshark is not installed' : false) }, () => {
  it('SNI, ServerHello cipher suite and version per stream', async () => {
    for (const cap of [`${CAPTURES}/wireshark/tls12-dsb.pcapng`, `${NDPI}/pcap/reddit.pcap`, `${SV}/tls/tls13-draft28/tls13_draft28.pcap`]) {
      const ours = new Map((await summarize(cap)).map((h) => [h.stream, h]));
      const r = tshark(['-r', cap, '-o', 'tls.keylog_file:', '-Y', 'tls.handshake.type == 1 || tls.handshake.type == 2', '-T', 'fields', '-e', 'tcp.stream', '-e', 'tls.handshake.type',
        '-e', 'tls.handshake.extensions_server_name', '-e', 'tls.handshake.ciphersuite', '-e', 'tls.handshake.extensions.supported_version', '-e', 'tls.handshake.version']);
      assert.equal(r.status, 0, r.stderr);
      const done = new Set<string>();
      let n = 0;
      for (const line of r.stdout.trim().split('\n')) {
        const [stream, type, sni, cs, sv, ver] = line.split('\t');
        const key = `${stream}/${type}`;
        if (done.has(key)) continue;
        done.add(key);
        const h = ours.get(Number(stream));
        assert.ok(h, `${cap}: stream ${stream}`);
        if (type === '1') assert.equal(h.sni ?? '', sni, `${cap} stream ${stream} SNI`);
        else if (type === '2') {
          assert.equal(h.cipherSuiteCode, parseInt(cs!, 16), `${cap} stream ${stream} cipher`);
          assert.equal(h.versionCode, parseInt((sv || ver)!.split(',')[0]!, 16), `${cap} stream ${stream} version`);
        }
        n++;
      }
      assert.ok(n >= 4, `${cap}: ${n}`);
    }
  });
});

describe('tlslens handshakes CLI', { skip: skipCli }, () => {
  it('--json has the documented keys; -Y selects connections; the table fits --width', () => {
    const all = cliJson([`${NDPI}/pcap/alexa-app.pcapng`]);
    assert.ok(all.length > 50);
    for (const k of ['stream', 'client', 'server', 'sni', 'version', 'cipher_suite', 'group', 'alpn', 'resumed', 'ja3', 'ja4', 'ja3s', 'certificate_subject', 'chain_verdict',
      'alerts', 'tcp_rtt_ms', 'handshake_ms', 'first_app_data_ms', 'bytes_client_to_server', 'bytes_server_to_client', 'decryption']) {
      assert.ok(k in all[0]!, k);
    }
    const amazon = cliJson([`${NDPI}/pcap/alexa-app.pcapng`, '-Y', 'tls.handshake.extensions_server_name contains "amazon"']);
    assert.ok(amazon.length > 0 && amazon.length < all.length);
    assert.ok(amazon.every((h) => String(h.sni).includes('amazon')));
    assert.deepEqual(amazon.map((h) => h.stream), all.filter((h) => String(h.sni ?? '').includes('amazon')).map((h) => h.stream));
    const text = tlslens(['handshakes', `${NDPI}/pcap/alexa-app.pcapng`, '--width', '120']);
    assert.equal(text.status, 0, text.stderr);
    const lines = text.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^Strm +Client +Server +SNI +Version +Cipher suite +Group +ALPN +Resumed +Certificate +Verdict$/);
    for (const l of lines) assert.ok(l.length <= 120, `${l.length}: ${l}`);
    assert.ok(lines.some((l) => /…/.test(l)), 'long cells are truncated with …');
    const bad = tlslens(['handshakes', `${NDPI}/pcap/alexa-app.pcapng`, '-Y', 'tls.handshake.nonsense == 1']);
    assert.equal(bad.status, 4);
  });

  it('timings and bytes of a known capture (Wireshark tls12-dsb)', () => {
    const [h] = cliJson([`${CAPTURES}/wireshark/tls12-dsb.pcapng`]);
    assert.equal(h!.sni, 'example.com');
    assert.equal(h!.alpn, 'http/1.1');
    assert.equal(h!.group, 'secp256r1');
    assert.equal(h!.resumed, 'no');
    assert.equal(h!.handshake_complete, true);
    assert.ok((h!.handshake_ms as number) > 0 && (h!.handshake_ms as number) <= (h!.first_app_data_ms as number));
    assert.ok((h!.bytes_server_to_client as number) > (h!.bytes_client_to_server as number));
  });
});
