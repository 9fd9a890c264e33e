/**
 * QUIC on the public captures against tshark 4.0: the Protocol and Info columns and the
 * `-T fields` output of the quic.* fields and of the TLS handshake fields carried in CRYPTO
 * frames, frame by frame (Initial decryption, CRYPTO reassembly out of order and across
 * packets, coalesced packets, Retry, 0-RTT, draft-28, v2, key-log decryption from pcapng DSBs).
 * Also: JA4 of the QUIC ClientHellos against FoxIO's expected values, and hostile datagrams.
 * Skipped when tshark or the captures are missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createNodeCrypto } from '../../../cli/src/crypto/node-crypto.ts';
import { readCaptureSync } from '../capture/index.ts';
import { Engine } from '../engine.ts';
import { DEFAULT_FIELDS_OPTIONS, FieldsFormatter } from '../output/fields.ts';
import { buildPcapng } from '../synth/index.ts';

const CAPTURES = process.env.TLSLENS_CAPTURES ?? '/work/shared/captures';
const FILES = [
  'arkime/pcap/quicietf.pcap', 'arkime/pcap/quicietfooo.pcap', 'foxio-ja4/pcap/chrome-cloudflare-quic-with-secrets.pcapng',
  'foxio-ja4/pcap/quic-tls-handshake.pcapng', 'foxio-ja4/pcap/quic-with-several-tls-frames.pcapng', 'foxio-ja4/pcap/tls-handshake.pcapng',
  'foxio-ja4/pcap/tls-sni.pcapng', 'foxio-ja4/pcap/tls3.pcapng', 'ndpi/pcap/quic-v2.pcapng', 'ndpi/pcap/quic_0RTT.pcap',
  'suricata-verify/tests/ja4-quic/input.pcap', 'suricata-verify/tests/ja4-tls-quic/input.pcap', 'suricata-verify/tests/quic-ietf/input.pcap',
  'suricata-verify/tests/quic-retry/input.pcap',
];
const FIELDS = [
  'quic.connection.number', 'quic.packet_length', 'quic.header_form', 'quic.fixed_bit', 'quic.long.packet_type', 'quic.long.packet_type_v2',
  'quic.long.reserved', 'quic.packet_number_length', 'quic.version', 'quic.dcil', 'quic.dcid', 'quic.scil', 'quic.scid', 'quic.token_length',
  'quic.token', 'quic.length', 'quic.packet_number', 'quic.spin_bit', 'quic.key_phase', 'quic.payload', 'quic.protected_payload',
  'quic.remaining_payload', 'quic.retry_token', 'quic.retry_integrity_tag', 'quic.supported_version', 'quic.coalesced_padding_data',
  'quic.frame_type', 'quic.padding_length', 'quic.crypto.offset', 'quic.crypto.length', 'quic.ack.largest_acknowledged', 'quic.ack.ack_delay',
  'quic.ack.ack_range_count', 'quic.ack.first_ack_range', 'quic.ack.gap', 'quic.ack.ack_range', 'quic.ack.ect0_count', 'quic.stream.stream_id',
  'quic.stream.offset', 'quic.stream.length', 'quic.stream.fin', 'quic.stream_data', 'quic.nci.sequence', 'quic.nci.connection_id',
  'quic.nci.stateless_reset_token', 'quic.nt.length', 'quic.nt.token', 'quic.cc.error_code', 'quic.cc.reason_phrase', 'quic.path_challenge.data',
  'tls.handshake.type', 'tls.handshake.version', 'tls.handshake.random', 'tls.handshake.ciphersuite', 'tls.handshake.extension.type',
  'tls.handshake.extensions_server_name', 'tls.handshake.extensions_alpn_str', 'tls.handshake.extensions_supported_group',
  'tls.handshake.certificate_length', 'tls.handshake.ja3', 'tls.handshake.ja3s', 'x509sat.printableString',
];

const hasTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
const files = existsSync(CAPTURES) ? FILES.filter((f) => existsSync(join(CAPTURES, f))) : [];
const skip = !hasTshark ? 'tshark is not installed' : files.length === 0 ? `no QUIC captures under ${CAPTURES}` : false;

function tshark(file: string): string[] {
  const args = ['-n', '-r', file, '-Y', 'quic', '-T', 'fields', '-e', 'frame.number', '-e', '_ws.col.Protocol', '-e', '_ws.col.Info', ...FIELDS.flatMap((f) => ['-e', f])];
  return execFileSync('tshark', args, { maxBuffer: 256 << 20, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').filter(Boolean);
}

/** Runs the engine over a capture (DSB secrets included); `each` sees every packet. */
function run(bytes: Uint8Array, fields: readonly string[], each: (line: string, isQuic: boolean, num: number) => void): void {
  const engine = new Engine({ crypto: createNodeCrypto() });
  const fmt = new FieldsFormatter(engine.reg, ['frame.number', ...fields], { ...DEFAULT_FIELDS_OPTIONS });
  const want = new Uint8Array(engine.reg.size);
  for (const f of fmt.fields) want[f.id] = 1;
  let num = 0;
  for (const ev of readCaptureSync(bytes)) {
    if (ev.kind === 'secrets') engine.addSecrets(ev.secrets.type, ev.secrets.data);
    if (ev.kind !== 'frame') continue;
    const p = engine.dissect(ev.frame, ++num, { fields: want, tree: false, columns: true });
    each(fmt.line(p, (f) => p.labelOf(f.id)).replace(/^(\d+)\t/, `$1\t${p.colProtocol}\t${p.colInfo}\t`).replace(/\n$/, ''), p.protocols.includes('quic'), num);
  }
}

function ours(file: string): string[] {
  const out: string[] = [];
  run(new Uint8Array(readFileSync(file)), FIELDS, (line, isQuic) => {
    if (isQuic) out.push(line);
  });
  return out;
}

test('QUIC captures: columns, quic.* and TLS handshake fields as tshark prints them', { skip }, () => {
  const problems: string[] = [];
  const names = ['frame.number', 'col.Protocol', 'col.Info', ...FIELDS];
  let frames = 0;
  for (const name of files) {
    const file = join(CAPTURES, name);
    const a = tshark(file);
    const b = ours(file);
    if (a.length !== b.length) problems.push(`${name}: ${a.length} QUIC frames in tshark, ${b.length} here`);
    for (let j = 0; j < Math.min(a.length, b.length); j++) {
      frames++;
      const x = a[j]!.split('\t');
      const y = b[j]!.split('\t');
      // not done: HTTP/3 (tshark 4.0 names the Protocol "HTTP3" and adds its frame names to Info)
      if (x[1] === 'HTTP3') x[1] = y[1] = x[2] = y[2] = '';
      const k = x.findIndex((v, n) => v !== y[n]);
      if (k >= 0 && problems.length < 20) problems.push(`${name} frame ${x[0]}: ${names[k]}: tshark ${JSON.stringify(x[k]?.slice(0, 120))}, tlslens ${JSON.stringify(y[k]?.slice(0, 120))}`);
    }
  }
  assert.deepEqual(problems, []);
  assert.ok(frames > 900, `only ${frames} QUIC frames compared`);
});

test('JA4 of QUIC ClientHellos: FoxIO\'s expected values (their Rust snapshots, "q…")', { skip: files.length === 0 ? 'captures missing' : false }, () => {
  let compared = 0;
  for (const name of ['quic-tls-handshake', 'quic-with-several-tls-frames', 'chrome-cloudflare-quic-with-secrets', 'tls-handshake', 'tls-sni', 'tls3']) {
    const snap = join(CAPTURES, `foxio-ja4/expected-rust/ja4__insta@${name}.pcapng.snap`);
    const file = join(CAPTURES, `foxio-ja4/pcap/${name}.pcapng`);
    if (!existsSync(snap) || !existsSync(file)) continue;
    // one "- stream:" entry per flow; the UDP ones are the QUIC connections
    const expected = readFileSync(snap, 'utf8').split(/\n- stream:/).filter((e) => /transport: udp/.test(e))
      .map((e) => /\n {2}ja4: (\S+)/.exec(e)?.[1]).filter((x): x is string => x !== undefined).sort();
    const got: string[] = [];
    run(new Uint8Array(readFileSync(file)), ['tls.handshake.type', 'tls.handshake.ja4'], (line, isQuic) => {
      const c = line.split('\t');
      if (isQuic && c[3] === '1') got.push(c[4]!);
    });
    assert.deepEqual(got.sort(), expected, name);
    assert.ok(expected.every((j) => j.startsWith('q13')), name);
    compared += expected.length;
  }
  assert.ok(compared >= 40, `only ${compared} JA4 values compared`);
});

test('hostile QUIC datagrams: no exception, an expert note or plain data', () => {
  const mk = (payload: Uint8Array) => buildPcapng({
    frames: [{ ts: { s: 1_700_000_000, ns: 0 }, data: udp4(payload) }],
  });
  const rnd = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (seed * 131 + i * 7919) & 0xff);
  const samples: Uint8Array[] = [
    Uint8Array.of(0xc0, 0, 0, 0, 1, 21), // DCID length > 20, truncated
    Uint8Array.of(0xc0, 0, 0, 0, 1, 8, 1, 2, 3), // DCID past the end
    Uint8Array.from([0xc0, 0, 0, 0, 1, 0, 0, 0x44, 0xff]), // Initial, Length runs past the end
    Uint8Array.from([0xc0, 0, 0, 0, 1, 4, 1, 2, 3, 4, 0, 0, 0x41, 0x00, ...rnd(300, 1)]), // undecryptable Initial
    Uint8Array.from([0x80, 0, 0, 0, 0, 4, 1, 2, 3, 4, 0, 0, 0, 0, 1, 0xff]), // version negotiation, odd tail
    Uint8Array.from([0xf0, 0, 0, 0, 1, 4, 1, 2, 3, 4, 0, ...rnd(10, 2)]), // Retry shorter than its tag
    ...Array.from({ length: 40 }, (_, i) => Uint8Array.from([0xc0 | (i & 0x3f), 0, 0, 0, 1, i % 21, ...rnd(40 + i * 13, i)])),
  ];
  for (const s of samples) {
    let infos = '';
    run(mk(s), ['quic.packet_length'], (line) => {
      infos += line;
    });
    assert.ok(infos.length > 0);
    assert.ok(!infos.includes('Dissector exception'), infos);
  }
});

/** An Ethernet/IPv4/UDP frame to port 443 around `payload`. */
function udp4(payload: Uint8Array): Uint8Array {
  const b = new Uint8Array(14 + 20 + 8 + payload.length);
  b.set([0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6, 0x08, 0x00]);
  const ip = 14;
  const total = 20 + 8 + payload.length;
  b.set([0x45, 0, total >> 8, total & 0xff, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2], ip);
  const u = ip + 20;
  b.set([0xc3, 0x50, 0x01, 0xbb, (8 + payload.length) >> 8, (8 + payload.length) & 0xff, 0, 0], u);
  b.set(payload, u + 8);
  return b;
}
