/**
 * TLS dissector tests: crafted records through the whole engine (segmentation, coalescing,
 * hostile lengths, fuzzing), JA3/JA4, and a conformance check against tshark 4.0 on a
 * handful of real captures (skipped when tshark or the captures are absent).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { Engine } from '../engine.ts';
import { readCaptureSync } from '../capture/index.ts';
import type { CaptureFrame } from '../capture/types.ts';
import { FieldsFormatter, DEFAULT_FIELDS_OPTIONS } from '../output/fields.ts';
import { synthesizeTcp, type TcpChunk } from '../synth/index.ts';
import { md5Hex, sha256Hex } from './hash.ts';
import { ja4, newHello } from './ja.ts';

const CAPTURES = process.env.TLSLENS_CAPTURES ?? '/work/shared/captures';
const hasTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;

// ---------- helpers ----------

const be16 = (v: number) => [v >> 8, v & 255];
const be24 = (v: number) => [v >> 16, (v >> 8) & 255, v & 255];
const vec8 = (b: number[]) => [b.length, ...b];
const vec16 = (b: number[]) => [...be16(b.length), ...b];
const ext = (type: number, body: number[]) => [...be16(type), ...vec16(body)];
const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0));

function clientHello(opts: { sni?: string; keyShareLen?: number; extraExt?: number[] } = {}): number[] {
  const exts = [
    ...ext(0x0a0a, []), // GREASE
    ...ext(0, vec16([0, ...vec16(ascii(opts.sni ?? 'example.com'))])),
    ...ext(16, vec16([...vec8(ascii('h2')), ...vec8(ascii('http/1.1'))])),
    ...ext(10, vec16([...be16(0x11ec), ...be16(0x001d), ...be16(0x0017)])),
    ...ext(11, vec8([0])),
    ...ext(13, vec16([...be16(0x0403), ...be16(0x0804)])),
    ...ext(43, vec8([...be16(0x0304), ...be16(0x0303)])),
    ...ext(51, vec16([...be16(0x11ec), ...vec16(new Array(opts.keyShareLen ?? 32).fill(7))])),
    ...(opts.extraExt ?? []),
  ];
  const body = [
    ...be16(0x0303), ...new Array(32).fill(1), ...vec8([]),
    ...vec16([...be16(0x1301), ...be16(0x1302), ...be16(0xc02f)]), ...vec8([0]),
    ...vec16(exts),
  ];
  return [1, ...be24(body.length), ...body];
}

function serverHello(cs = 0xc02f, version = 0x0303): number[] {
  const body = [...be16(version), ...new Array(32).fill(2), ...vec8([5, 5]), ...be16(cs), 0, ...vec16([...ext(0xff01, vec8([]))])];
  return [2, ...be24(body.length), ...body];
}

const record = (ct: number, body: number[], ver = 0x0301) => [ct, ...be16(ver), ...be16(body.length), ...body];

interface Row { info: string; proto: string; protocols: string; line: string }

/** Runs a synthesized conversation through the engine; one Row per frame. */
function run(chunks: TcpChunk[], fields: string[], opts: { mss?: number; port?: number } = {}): Row[] {
  const frames = synthesizeTcp(
    { client: { ip: '10.0.0.1', port: 50000 }, server: { ip: '10.0.0.2', port: opts.port ?? 443 }, chunks },
    { mss: opts.mss ?? 1460 },
  );
  const engine = new Engine();
  const fmt = new FieldsFormatter(engine.reg, ['frame.protocols', ...fields], { ...DEFAULT_FIELDS_OPTIONS });
  const want = new Uint8Array(engine.reg.size);
  for (const f of fmt.fields) want[f.id] = 1;
  return frames.map((fr, i) => {
    const cf = { ts: fr.ts, data: fr.data, origLen: fr.data.length, linktype: 1, ifaceId: 0 } as unknown as CaptureFrame;
    const p = engine.dissect(cf, i + 1, { fields: want, tree: false, columns: true });
    const line = fmt.line(p).replace(/\n$/, '');
    const [protocols, ...rest] = line.split('\t');
    return { info: p.colInfo, proto: p.colProtocol, protocols: protocols!, line: rest.join('\t') };
  });
}

const t0 = (ms: number) => ({ s: 1_700_000_000, ns: ms * 1_000_000 });

// ---------- unit tests on crafted bytes ----------

test('hashes', () => {
  assert.equal(md5Hex('abc'), '900150983cd24fb0d6963f7d28e17f72');
  assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('Client Hello with a big post-quantum key share spanning segments dissects whole in the last one', () => {
  const ch = record(22, clientHello({ keyShareLen: 1216 }));
  const rows = run([{ t: t0(1), dir: 0, bytes: new Uint8Array(ch) }], [
    'tls.record.length', 'tls.handshake.type', 'tls.handshake.extensions_server_name', 'tls.handshake.extensions_alpn_str',
    'tls.handshake.extensions_supported_group', 'tls.handshake.extensions_key_share_group', 'tls.handshake.ja3', 'tls.handshake.ja4',
  ], { mss: 1000 });
  const data = rows.filter((r) => r.protocols.includes('tcp') && (r.info.includes('reassembled') || r.proto !== 'TCP'));
  assert.equal(data.length, 2);
  assert.equal(data[0]!.info, '[TCP segment of a reassembled PDU]');
  assert.equal(data[0]!.protocols, 'eth:ethertype:ip:tcp:tls');
  assert.equal(data[1]!.proto, 'TLSv1');
  assert.equal(data[1]!.info, 'Client Hello');
  const cols = data[1]!.line.split('\t');
  assert.equal(cols[0], String(ch.length - 5));
  assert.equal(cols[1], '1');
  assert.equal(cols[2], 'example.com');
  assert.equal(cols[3], 'h2,http/1.1');
  assert.equal(cols[4], '0x11ec,0x001d,0x0017');
  assert.equal(cols[5], '4588');
  assert.match(cols[6]!, /^[0-9a-f]{32}$/);
  assert.match(cols[7]!, /^t13d0307h2_[0-9a-f]{12}_[0-9a-f]{12}$/);
});

test('several records per segment, coalesced messages, handshake message spanning records, alerts', () => {
  const sh = serverHello();
  const shd = [14, 0, 0, 0];
  // Server Hello + Server Hello Done coalesced in one record; then a Certificate split over two records
  const certBody = [...be24(3 + 10), ...be24(10), ...new Array(10).fill(0x30)];
  const cert = [11, ...be24(certBody.length), ...certBody];
  const srv = [
    ...record(22, [...sh, ...shd], 0x0303),
    ...record(22, cert.slice(0, 7), 0x0303),
    ...record(22, cert.slice(7), 0x0303),
    ...record(21, [2, 48], 0x0303),
  ];
  const rows = run([
    { t: t0(1), dir: 0, bytes: new Uint8Array(record(22, clientHello())) },
    { t: t0(2), dir: 1, bytes: new Uint8Array(srv) },
  ], ['tls.record.content_type', 'tls.handshake.type', 'tls.handshake.certificate_length', 'tls.alert_message.desc']);
  const r = rows.find((x) => x.info.startsWith('Server Hello'))!;
  assert.equal(r.info, 'Server Hello, Server Hello Done, Certificate, Alert (Level: Fatal, Description: Unknown CA)');
  assert.equal(r.proto, 'TLSv1.2');
  assert.equal(r.line, '22,22,22,21\t2,14,11\t10\t48');
});

test('CCS switches a TLS 1.2 direction to encrypted; TLS 1.3 records are opaque', () => {
  const rows = run([
    { t: t0(1), dir: 0, bytes: new Uint8Array(record(22, clientHello())) },
    { t: t0(2), dir: 1, bytes: new Uint8Array([...record(22, serverHello(0xc02f), 0x0303), ...record(20, [1], 0x0303), ...record(22, new Array(40).fill(9), 0x0303)]) },
    { t: t0(3), dir: 0, bytes: new Uint8Array([...record(23, new Array(30).fill(3), 0x0303), ...record(21, new Array(26).fill(3), 0x0303)]) },
  ], ['tls.record.content_type', 'tls.record.opaque_type']);
  assert.ok(rows.some((r) => r.info === 'Server Hello, Change Cipher Spec, Encrypted Handshake Message'));
  assert.ok(rows.some((r) => r.info === 'Application Data, Encrypted Alert'));

  const sh13 = serverHello(0x1301);
  const sv = [...be16(43), ...be16(2), ...be16(0x0304)];
  // patch supported_versions into the extensions of the Server Hello
  const body = sh13.slice(4);
  const extLenAt = body.length - 7;
  const newExts = [...body.slice(extLenAt + 2), ...sv];
  const shBody = [...body.slice(0, extLenAt), ...vec16(newExts)];
  const rows13 = run([
    { t: t0(1), dir: 0, bytes: new Uint8Array(record(22, clientHello())) },
    { t: t0(2), dir: 1, bytes: new Uint8Array([...record(22, [2, ...be24(shBody.length), ...shBody], 0x0303), ...record(20, [1], 0x0303), ...record(23, new Array(50).fill(1), 0x0303)]) },
  ], ['tls.record.content_type', 'tls.record.opaque_type']);
  const s13 = rows13.find((r) => r.info.startsWith('Server Hello'))!;
  assert.equal(s13.proto, 'TLSv1.3');
  assert.equal(s13.info, 'Server Hello, Change Cipher Spec, Application Data');
  assert.equal(s13.line, '22,20\t23');
});

test('heuristic: TLS on a non-standard port; not on a port another protocol owns', () => {
  const chunks: TcpChunk[] = [{ t: t0(1), dir: 0, bytes: new Uint8Array(record(22, clientHello())) }];
  assert.ok(run(chunks, ['tls.handshake.type'], { port: 4433 }).some((r) => r.info === 'Client Hello'));
  assert.ok(!run(chunks, ['tls.handshake.type'], { port: 80 }).some((r) => r.info === 'Client Hello'));
});

test('hostile lengths never throw, hang or over-allocate', () => {
  const base = record(22, clientHello({ extraExt: ext(0xff01, vec8([])) }));
  const cases: number[][] = [
    [22, 3, 1, 0xff, 0xff, 1, 0xff, 0xff, 0xff], // huge record and message lengths, few bytes
    record(22, [1, 0xff, 0xff, 0xff]),
    record(22, [11, ...be24(6), ...be24(0xffffff), 1, 2, 3]),
    record(22, [1, ...be24(40), ...be16(0x0303), ...new Array(32).fill(0), 0xff, 1, 2]),
    record(21, []),
    [0x80, 0x10, 1, 3, 1, 0xff, 0xff, 0, 0, 0, 0],
  ];
  // a Client Hello whose extension block claims more than it has
  const bad = base.slice();
  bad[bad.length - 6] = 0x7f;
  cases.push(bad);
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) / 65536;
  for (let i = 0; i < 300; i++) {
    const m = base.slice();
    for (let k = 0; k < 4; k++) m[5 + Math.floor(rnd() * (m.length - 5))] = Math.floor(rnd() * 256);
    cases.push(m);
  }
  const start = Date.now();
  for (const c of cases) {
    const rows = run([{ t: t0(1), dir: 0, bytes: new Uint8Array(c) }, { t: t0(2), dir: 1, bytes: new Uint8Array(record(21, [2, 40], 0x0303)) }],
      ['tls.record.length', 'tls.handshake.type', 'tls.handshake.extension.type']);
    assert.ok(rows.length > 0);
  }
  assert.ok(Date.now() - start < 20_000);
});

test('malformed Client Hello gets "[Malformed Packet]" and an expert note', () => {
  const exts = [...ext(0, vec16([0, ...vec16(ascii('ab'))])), ...ext(16, vec16([...vec8(ascii('h2'))]))];
  const body = [...be16(0x0303), ...new Array(32).fill(1), ...vec8([]), ...vec16(be16(0x1301)), ...vec8([0]), ...vec16(exts)];
  const ch = [1, ...be24(body.length), ...body];
  ch[ch.length - 4] = 0x20; // the ALPN list claims more bytes than its extension has
  const rec = record(22, ch);
  const frames = synthesizeTcp({ client: { ip: '10.0.0.1', port: 50000 }, server: { ip: '10.0.0.2', port: 443 }, chunks: [{ t: t0(1), dir: 0, bytes: new Uint8Array(rec) }] });
  const engine = new Engine();
  let info = '';
  let errors = 0;
  frames.forEach((fr, i) => {
    const cf = { ts: fr.ts, data: fr.data, origLen: fr.data.length, linktype: 1, ifaceId: 0 } as unknown as CaptureFrame;
    const p = engine.dissect(cf, i + 1, { tree: true, columns: true });
    if (p.colInfo.startsWith('Client Hello')) {
      info = p.colInfo;
      errors = p.experts.filter((e) => e.severity === 'error').length;
    }
  });
  assert.equal(info, 'Client Hello[Malformed Packet]');
  assert.equal(errors, 1);
});

test('JA4 follows the FoxIO definition', () => {
  const h = newHello();
  h.version = 0x0303;
  h.ciphers = [0x1301, 0x0a0a];
  h.extensions = [0, 16, 43, 13];
  h.supportedVersions = [0x0304];
  h.sigAlgs = [0x0403];
  h.alpn = [new Uint8Array(ascii('h2'))];
  h.sni = true;
  const j = ja4(h);
  assert.equal(j.raw, 't13d0104h2_1301_000d,002b_0403');
  assert.equal(j.ja4, `t13d0104h2_${sha256Hex('1301').slice(0, 12)}_${sha256Hex('000d,002b_0403').slice(0, 12)}`);
});

// ---------- real captures ----------

function readFrames(file: string): CaptureFrame[] {
  let bytes: Uint8Array = readFileSync(file);
  if (file.endsWith('.gz')) bytes = gunzipSync(bytes);
  const out: CaptureFrame[] = [];
  for (const ev of readCaptureSync(bytes)) if (ev.kind === 'frame') out.push(ev.frame);
  return out;
}

function ours(file: string, fields: string[]): string[] {
  const engine = new Engine();
  const fmt = new FieldsFormatter(engine.reg, fields, { ...DEFAULT_FIELDS_OPTIONS });
  const want = new Uint8Array(engine.reg.size);
  for (const f of fmt.fields) want[f.id] = 1;
  return readFrames(file).map((fr, i) => {
    const p = engine.dissect(fr, i + 1, { fields: want, tree: false, columns: true });
    return fmt.line(p).replace(/\n$/, '') + '\t' + p.colProtocol + '\t' + p.colInfo;
  });
}

test('JA4 of real captures equals FoxIO expected values', { skip: !existsSync(join(CAPTURES, 'foxio-ja4')) && 'captures absent' }, () => {
  const cases: Array<[string, string]> = [
    ['foxio-ja4/pcap/tls-alpn-h2.pcap', 't12d4605h2_85626a9a5f7f_aaf95bb78ec9'],
    ['foxio-ja4/pcap/badcurveball.pcap', 't13d1615h2_46e7e9700bed_45f260be83e2'],
  ];
  for (const [file, want] of cases) {
    const lines = ours(join(CAPTURES, file), ['tls.handshake.ja4']).map((l) => l.split('\t')[0]).filter(Boolean);
    assert.equal(lines[0], want, file);
  }
});

const F_TLS = ['frame.number', 'tcp.stream', 'tls.record.content_type', 'tls.record.version', 'tls.record.length', 'tls.handshake.type',
  'tls.handshake.version', 'tls.handshake.random', 'tls.handshake.session_id', 'tls.handshake.ciphersuite', 'tls.handshake.extension.type',
  'tls.handshake.extensions_server_name', 'tls.handshake.extensions_alpn_str', 'tls.handshake.extensions_supported_group',
  'tls.handshake.certificate_length', 'tls.alert_message.desc', 'tls.handshake.ja3', 'tls.handshake.ja3s'];

const CONFORMANCE = [
  'arkime/pcap/openssl-tls1_2.pcap',
  'arkime/pcap/tls-split-client-hello.pcap',
  'ndpi/pcap/google_ssl.pcap',
  'ndpi/pcap/tls_with_huge_ch.pcapng',
  'zeek/traces/tls-fragmented-handshake.pcap.gz',
  'zeek/traces/hrr.pcap',
  'wireshark/rsasnakeoil2.pcap',
  'suricata-verify/tests/tls/tls-client-hello-frag-01/dump_mtu300.pcap',
];

for (const rel of CONFORMANCE) {
  const file = join(CAPTURES, rel);
  const skip = !hasTshark ? 'tshark absent' : !existsSync(file) ? 'capture absent' : false;
  test(`tshark conformance (tls fields, Protocol and Info): ${rel}`, { skip }, () => {
    const args = ['-r', file, '-o', 'tls.keylog_file:', '-T', 'fields', ...[...F_TLS, '_ws.col.Protocol', '_ws.col.Info'].flatMap((f) => ['-e', f])];
    const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 64 << 20 });
    const theirs = r.stdout.split('\n').filter((l) => l !== '');
    const mine = ours(file, F_TLS);
    assert.equal(mine.length, theirs.length);
    for (let i = 0; i < mine.length; i++) assert.equal(mine[i], theirs[i], `frame ${i + 1}`);
  });
}
