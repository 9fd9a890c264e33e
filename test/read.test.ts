// End-to-end tests of `tlslens read` on real captures, with tshark as the oracle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CAPTURES, oracleSkip, tlslens, tshark } from './helpers.ts';

const skip = oracleSkip();

// one capture per link type and network layer we read
const LINK_CASES = [
  'arkime/pcap/openssl-tls1_2.pcap', // Ethernet, IPv4
  'ndpi/pcap/http2.pcapng', // Linux SLL
  'zeek/traces/openjdk-25.0.2-zeek.org.pcap', // Linux SLL2
  'arkime/pcap/tls-alpn-h2.pcap', // BSD NULL
  'zeek/traces/ml-dsa-44-cert.pcap', // raw IP
  'wireshark/tls12-dsb.pcapng', // raw IPv4, pcapng with DSB
  'wireshark-dfilter-2013/nfs.pcap', // FDDI + LLC/SNAP
  'wireshark-dfilter-2013/tftp.pcap', // Token Ring
  'wireshark-dfilter-2013/ipv6.pcap', // IPv6 hop-by-hop
];
const LINK_FIELDS = [
  'frame.number', 'frame.len', 'frame.cap_len', 'frame.time_epoch', 'frame.time_relative', 'frame.time_delta', 'frame.interface_id', 'frame.encap_type',
  'eth.src', 'eth.dst', 'eth.type', 'sll.pkttype', 'sll.etype', 'null.family', 'vlan.id',
  'ip.version', 'ip.hdr_len', 'ip.dsfield', 'ip.len', 'ip.id', 'ip.flags', 'ip.flags.df', 'ip.frag_offset', 'ip.ttl', 'ip.proto', 'ip.checksum', 'ip.src', 'ip.dst', 'ip.addr',
  'ipv6.plen', 'ipv6.nxt', 'ipv6.hlim', 'ipv6.src', 'ipv6.dst', 'ipv6.flow',
  'udp.srcport', 'udp.dstport', 'udp.length', 'udp.stream',
];

function fieldArgs(fields: readonly string[]): string[] {
  return fields.flatMap((f) => ['-e', f]);
}

test('-T fields equals tshark for link, network and UDP fields', { skip }, () => {
  for (const c of LINK_CASES) {
    const args = ['-r', join(CAPTURES, c), '-T', 'fields', '-E', 'header=y', ...fieldArgs(LINK_FIELDS)];
    const want = tshark(args);
    const got = tlslens(['read', ...args]);
    assert.equal(got.status, 0, `${c}: ${got.stderr}`);
    assert.equal(got.stdout, want.stdout, `${c}: -T fields differs from tshark`);
  }
});

test('-E options (header, separator, quote, occurrence, aggregator) as tshark', { skip }, () => {
  const cap = join(CAPTURES, 'arkime/pcap/openssl-tls1_2.pcap');
  const variants = [
    ['-E', 'header=y', '-E', 'separator=,', '-E', 'quote=d'],
    ['-E', 'separator=/s', '-E', 'occurrence=f'],
    ['-E', 'occurrence=l', '-E', 'aggregator=;'],
    ['-E', 'header=y,separator=|,quote=s'],
    ['-E', 'occurrence=a', '-E', 'aggregator=/s'],
  ];
  const bad = ['-r', cap, '-T', 'fields', '-E', 'occurrence=2', '-e', 'frame.number'];
  assert.equal(tshark(bad).status, 1);
  assert.equal(tlslens(['read', ...bad]).status, 1);
  for (const v of variants) {
    const args = ['-r', cap, '-T', 'fields', ...v, '-e', 'frame.number', '-e', 'ip.addr', '-e', 'tcp.port', '-e', 'tcp.options.mss_val'];
    assert.equal(tlslens(['read', ...args]).stdout, tshark(args).stdout, v.join(' '));
  }
});

test('-c, -Y and -x agree with tshark', { skip }, () => {
  const cap = join(CAPTURES, 'arkime/pcap/openssl-tls1_2.pcap');
  for (const args of [
    ['-r', cap, '-c', '5', '-T', 'fields', '-e', 'frame.number'],
    ['-r', cap, '-c', '3', '-Y', 'tcp.len > 0', '-T', 'fields', '-e', 'frame.number'],
    ['-r', cap, '-Y', 'ip.src == 10.0.0.1 and tcp.len > 0', '-T', 'fields', '-e', 'frame.number'],
    ['-r', cap, '-c', '4', '-x'],
  ]) {
    assert.equal(tlslens(['read', ...args]).stdout, tshark(args).stdout, args.join(' '));
  }
});

test('the packet list reads like tshark for TCP frames', { skip }, () => {
  const cap = join(CAPTURES, 'arkime/pcap/openssl-tls1_2.pcap');
  for (const t of ['r', 'a', 'ad', 'e', 'd']) {
    const args = ['-r', cap, '-c', '3', '-t', t];
    assert.equal(tlslens(['read', ...args]).stdout, tshark(args).stdout, `-t ${t}`);
  }
});

test('stdin and gzip input give the same output as the file', { skip }, () => {
  const cap = join(CAPTURES, 'arkime/pcap/openssl-tls1_2.pcap');
  const direct = tlslens(['read', '-r', cap, '-T', 'fields', '-e', 'frame.number', '-e', 'tcp.seq']);
  const bytes = readFileSync(cap);
  const viaStdin = tlslens(['read', '-r', '-', '-T', 'fields', '-e', 'frame.number', '-e', 'tcp.seq'], bytes);
  assert.equal(viaStdin.stdout, direct.stdout);
  const dir = mkdtempSync(join(tmpdir(), 'tlslens-'));
  const gz = join(dir, 'c.pcap.gz');
  writeFileSync(gz, gzipBytes(bytes));
  assert.equal(tlslens(['read', '-r', gz, '-T', 'fields', '-e', 'frame.number', '-e', 'tcp.seq']).stdout, direct.stdout);
});

// node:zlib is fine in tests (the core itself stays browser-safe)
import { gzipSync } from 'node:zlib';
function gzipBytes(b: Uint8Array): Uint8Array {
  return gzipSync(b);
}

test('bad input: one clear line, frames before the damage, documented exit codes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tlslens-'));
  const empty = join(dir, 'empty.pcap');
  writeFileSync(empty, new Uint8Array(0));
  let r = tlslens(['read', '-r', empty]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /empty\.pcap.*empty/);
  const garbage = join(dir, 'garbage.bin');
  writeFileSync(garbage, new TextEncoder().encode('this is not a capture file at all, just text\n'.repeat(20)));
  r = tlslens(['read', '-r', garbage]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /garbage\.bin.*not a capture file.*offset 0/);
  r = tlslens(['read', '-r', join(dir, 'missing.pcap')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /doesn't exist/);
  r = tlslens(['read', '-r', empty, '-Y', 'tcp.port ==']);
  assert.equal(r.status, 4);
  r = tlslens(['read', '-r', empty, '-Y', 'tcp.nosuchfield == 1']);
  assert.equal(r.status, 4);
  assert.match(r.stderr, /tcp\.nosuchfield/);
  assert.match(r.stderr, /\n\s*\^~+/, 'a caret line under the offending field');
  r = tlslens(['read', '-r', empty, '-T', 'fields', '-e', 'no.such.field']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /no\.such\.field/);
  r = tlslens(['read', '--bogus-option']);
  assert.equal(r.status, 1);
});

test('a truncated capture prints the frames before the damage', { skip: !existsCap('arkime/pcap/openssl-tls1_2.pcap') && 'capture missing' }, () => {
  const cap = readFileSync(join(CAPTURES, 'arkime/pcap/openssl-tls1_2.pcap'));
  const dir = mkdtempSync(join(tmpdir(), 'tlslens-'));
  const cut = join(dir, 'cut.pcap');
  writeFileSync(cut, cap.subarray(0, 1000));
  const r = tlslens(['read', '-r', cut, '-T', 'fields', '-e', 'frame.number']);
  assert.equal(r.status, 2);
  assert.equal(r.stdout, '1\n2\n3\n4\n5\n');
  assert.match(r.stderr, /cut\.pcap: truncated .* offset \d+/);
});

function existsCap(c: string): boolean {
  try {
    readFileSync(join(CAPTURES, c), { flag: 'r' });
    return true;
  } catch {
    return false;
  }
}

test('-V -x print every packet of the quick cases without an internal error', { skip }, () => {
  const cases = readFileSync(join(CAPTURES, 'CASES-quick.tsv'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
  for (const line of cases) {
    const [cap] = line.split('\t');
    const r = tlslens(['read', '-r', join(CAPTURES, cap!), '-V', '-x']);
    assert.equal(r.status, 0, `${cap}: ${r.stderr.slice(0, 300)}`);
    assert.doesNotMatch(r.stdout, /label error/, cap);
    const frames = tshark(['-r', join(CAPTURES, cap!), '-T', 'fields', '-e', 'frame.number']).stdout.trim().split('\n').length;
    assert.equal((r.stdout.match(/^Frame \d+: /gm) ?? []).length, frames, `${cap}: one tree per frame`);
  }
});

test('--help and --version', () => {
  for (const args of [['--help'], ['read', '--help']]) {
    const r = tlslens(args);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /Usage: tlslens/);
  }
  for (const args of [['--version'], ['read', '--version']]) {
    const r = tlslens(args);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^tlslens \d+\.\d+\.\d+\n$/);
  }
});

// Time columns across huge and negative gaps (timestamps out of order, a frame decades apart):
// seconds and nanoseconds must stay exact, as tshark prints them.
for (const cap of ['lekensteyn-wireshark-notes/ssl3/sslv2.pcapng', 'lekensteyn-wireshark-notes/tls/pgsql-ssl.pcapng']) {
  test(`time columns -t r/d/dd/e over out-of-order timestamps (${cap})`, { skip: oracleSkip() }, () => {
    const file = join(CAPTURES, cap);
    for (const t of ['r', 'd', 'dd', 'e']) {
      const col = (out: string) => out.split('\n').map((l) => l.trim().split(/\s+/).slice(0, 2).join(' '));
      const got = tlslens(['read', '-r', file, '-t', t]);
      assert.equal(got.status, 0, got.stderr);
      assert.deepEqual(col(got.stdout), col(tshark(['-r', file, '-t', t]).stdout), `-t ${t}`);
    }
  });
}
