import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from '../fields/registry.ts';
import type { FieldValue } from '../fields/types.ts';
import { TlsLensError } from '../errors.ts';
import { compileFilter, formatFilterError, type CompiledFilter } from './index.ts';

function makeRegistry(): Registry {
  const reg = new Registry();
  reg.protocol('frame', 'Frame');
  reg.fields('frame', {
    number: { name: 'Frame Number', type: 'framenum' },
    len: { name: 'Frame Length', type: 'uint32' },
    time: { name: 'Arrival Time', type: 'abstime' },
    time_delta: { name: 'Time delta', type: 'reltime' },
  });
  reg.protocol('eth', 'Ethernet');
  reg.fields('eth', { src: { name: 'Source', type: 'ether' }, dst: { name: 'Destination', type: 'ether' } });
  reg.protocol('ip', 'IPv4');
  reg.fields('ip', {
    src: { name: 'Source', type: 'ipv4' }, dst: { name: 'Destination', type: 'ipv4' }, addr: { name: 'Address', type: 'ipv4' },
    proto: { name: 'Protocol', type: 'uint8', vals: { 6: 'TCP', 17: 'UDP' } },
    ttl: { name: 'TTL', type: 'uint8' },
    'flags.df': { name: "Don't fragment", type: 'bool', tfs: ['Set', 'Not set'] },
  });
  reg.protocol('ipv6', 'IPv6');
  reg.fields('ipv6', { addr: { name: 'Address', type: 'ipv6' } });
  reg.protocol('tcp', 'TCP');
  reg.fields('tcp', {
    srcport: { name: 'Source Port', type: 'uint16' }, dstport: { name: 'Destination Port', type: 'uint16' }, port: { name: 'Port', type: 'uint16' },
    len: { name: 'Length', type: 'uint32' }, seq: { name: 'Sequence', type: 'uint32' },
    flags: { name: 'Flags', type: 'uint16', base: 'hex' },
    'flags.syn': { name: 'Syn', type: 'bool', tfs: ['Set', 'Not set'] },
    'flags.ack': { name: 'Ack', type: 'bool', tfs: ['Set', 'Not set'] },
    payload: { name: 'TCP payload', type: 'bytes' },
    'analysis.retransmission': { name: 'Retransmission', type: 'none' },
    'analysis.initial_rtt': { name: 'iRTT', type: 'reltime' },
    stream: { name: 'Stream index', type: 'uint32' },
    offset64: { name: 'Big', type: 'uint64' },
    delta: { name: 'Signed', type: 'int32' },
  });
  reg.protocol('udp', 'UDP');
  reg.fields('udp', { port: { name: 'Port', type: 'uint16' } });
  reg.protocol('tls', 'TLS');
  reg.fields('tls', {
    'handshake.type': { name: 'Handshake Type', type: 'uint8', vals: { 1: 'Client Hello', 2: 'Server Hello' } },
    'handshake.extensions_server_name': { name: 'Server Name', type: 'string' },
    'handshake.ciphersuite': { name: 'Cipher Suite', type: 'uint16', base: 'hex' },
  });
  reg.protocol('http', 'HTTP');
  reg.fields('http', { 'request.method': { name: 'Method', type: 'string' }, request: { name: 'Request', type: 'bool' } });
  reg.fields('ntp', { rootdelay: { name: 'Root delay', type: 'double' } });
  return reg;
}

const reg = makeRegistry();
const id = (abbrev: string) => reg.find(abbrev)!.id;

type Pkt = Record<string, FieldValue[]>;
function run(f: CompiledFilter, pkt: Pkt): boolean {
  const m = new Map<number, FieldValue[]>();
  for (const [k, v] of Object.entries(pkt)) m.set(id(k), v);
  return f.match((i) => m.get(i));
}
function ok(filter: string, pkt: Pkt): boolean {
  return run(compileFilter(filter, reg), pkt);
}
function fails(filter: string, code: string, column?: number): TlsLensError {
  try {
    compileFilter(filter, reg);
  } catch (e) {
    assert.ok(e instanceof TlsLensError, `${filter}: ${String(e)}`);
    assert.equal(e.code, code, `${filter}: ${e.message}`);
    if (column !== undefined) assert.equal(e.column, column, `${filter}: column (${e.message})`);
    return e;
  }
  assert.fail(`${filter} compiled`);
}

const b = (...x: number[]) => Uint8Array.from(x);
const ip = (s: string) => s.split('.').reduce((a, p) => a * 256 + Number(p), 0);

const tcpSyn: Pkt = {
  frame: [b()], 'frame.number': [1], 'frame.len': [74], ip: [b()], 'ip.src': [ip('10.0.0.5')], 'ip.dst': [ip('192.168.1.1')],
  'ip.addr': [ip('10.0.0.5'), ip('192.168.1.1')], 'ip.proto': [6], 'ip.ttl': [64], 'ip.flags.df': [true],
  tcp: [b(0x01, 0xbb, 0x00, 0x50)], 'tcp.srcport': [443], 'tcp.dstport': [80], 'tcp.port': [443, 80], 'tcp.len': [0],
  'tcp.flags': [0x002], 'tcp.flags.syn': [true], 'tcp.flags.ack': [false], 'tcp.stream': [1],
};
const udp: Pkt = { 'frame.number': [2], ip: [b()], 'ip.proto': [17], udp: [b()], 'udp.port': [53, 5353], 'ip.addr': [ip('10.0.0.1'), ip('10.0.0.2')] };
const tls: Pkt = {
  'frame.number': [3], tcp: [b()], 'tcp.port': [443, 50000], 'tcp.len': [517], 'tcp.payload': [b(0x16, 0x03, 0x01, 0x02, 0x00)],
  tls: [b(0x16, 0x03, 0x01)], 'tls.handshake.type': [1], 'tls.handshake.extensions_server_name': ['www.example.com'],
  'tls.handshake.ciphersuite': [0x1301, 0x1302, 0xc02f],
};

test('logical operators and precedence (and binds tighter than or)', () => {
  assert.equal(ok('tcp and udp or ip', tcpSyn), true);
  assert.equal(ok('udp or tcp and tls', tcpSyn), false);
  assert.equal(ok('(udp or tcp) and tls', tcpSyn), false);
  assert.equal(ok('(udp or tcp) and ip', tcpSyn), true);
  assert.equal(ok('tcp && !udp', tcpSyn), true);
  assert.equal(ok('not tcp', udp), true);
  assert.equal(ok('!tcp.port == 80', udp), true);
  assert.equal(ok('tcp xor udp', udp), true);
  assert.equal(ok('tcp ^^ ip', tcpSyn), false);
  assert.equal(ok('tcp.flags.syn == 1 && tcp.flags.ack == 0', tcpSyn), true);
  assert.equal(ok('tcp.stream eq 1 or tcp.stream eq 2 and tcp.len > 0', tcpSyn), true);
});

test('precedence warning shows the grouping', () => {
  const f = compileFilter('tcp or udp and ip', reg);
  assert.equal(f.warnings.length, 1);
  assert.match(f.warnings[0]!, /suggest parentheses around 'and' within 'or'/);
  assert.match(f.warnings[0]!, /"tcp or \(udp and ip\)"/);
  assert.deepEqual(compileFilter('tcp || (udp && ip)', reg).warnings, []);
  assert.deepEqual(compileFilter('tcp && udp && ip', reg).warnings, []);
  assert.match(compileFilter('tcp.port == 1 && ip || udp', reg).warnings[0]!, /"\(tcp.port == 1 && ip\) \|\| udp"/);
});

test('field ids', () => {
  const f = compileFilter('tcp[0:2] == 01:bb or len(tls.handshake.extensions_server_name) > 3 or ip.proto == UDP', reg);
  assert.deepEqual([...f.fields].sort((a, c) => a - c), [id('tcp'), id('tls.handshake.extensions_server_name'), id('ip.proto')].sort((a, c) => a - c));
});

test('integer comparisons, bases, value names', () => {
  assert.equal(ok('ip.proto == 6', tcpSyn), true);
  assert.equal(ok('ip.proto == 0x6', tcpSyn), true);
  assert.equal(ok('ip.proto == 06', tcpSyn), true);
  assert.equal(ok('ip.proto == 0b110', tcpSyn), true);
  assert.equal(ok('ip.proto == TCP', tcpSyn), true);
  assert.equal(ok('ip.proto == "tcp"', tcpSyn), true);
  assert.equal(ok('ip.proto == UDP', tcpSyn), false);
  assert.equal(ok("ip.proto == '\\x06'", tcpSyn), true);
  assert.equal(ok('tls.handshake.type == "Client Hello"', tls), true);
  assert.equal(ok('tls.handshake.type in {1..2}', tls), true);
  assert.equal(ok('tls.handshake.ciphersuite == 0xc02f', tls), true);
  assert.equal(ok('frame.len != 66 && tcp.len >= 0', tcpSyn), true);
  assert.equal(ok('frame.len ge 74 and frame.len le 74 and frame.len gt 73 and frame.len lt 75', tcpSyn), true);
  assert.equal(ok('tcp.offset64 == 18446744073709551615', { 'tcp.offset64': [0xffffffffffffffffn] }), true);
  assert.equal(ok('tcp.offset64 > 4294967296', { 'tcp.offset64': [2 ** 40] }), true);
  assert.equal(ok('tcp.delta < -5', { 'tcp.delta': [-6] }), true);
  // Wireshark 4.0: a negative literal never matches an unsigned field (but != is true)
  assert.equal(ok('ip.ttl > -1', tcpSyn), false);
  assert.equal(ok('ip.ttl < -1', tcpSyn), false);
  assert.equal(ok('ip.ttl != -1', tcpSyn), true);
});

test('any/all semantics of == != === !==', () => {
  assert.equal(ok('tcp.port == 80', tcpSyn), true);
  assert.equal(ok('tcp.port != 80', tcpSyn), false); // all_ne
  assert.equal(ok('tcp.port !== 80', tcpSyn), true); // any_ne
  assert.equal(ok('tcp.port ~= 80', tcpSyn), true);
  assert.equal(ok('tcp.port === 80', tcpSyn), false); // all_eq
  assert.equal(ok('tcp.port all_eq 80', { 'tcp.port': [80, 80] }), true);
  assert.equal(ok('tcp.port any_eq 80', tcpSyn), true);
  assert.equal(ok('tcp.port all_ne 81', tcpSyn), true);
  assert.equal(ok('tcp.port != 80', udp), false); // absent field: false
  assert.equal(ok('tcp.port !== 80', udp), false);
  assert.equal(ok('all tcp.port > 79', tcpSyn), true);
  assert.equal(ok('all tcp.port > 80', tcpSyn), false);
  assert.equal(ok('any tcp.port > 80', tcpSyn), true);
  assert.equal(ok('tcp.srcport == tcp.dstport', tcpSyn), false);
  assert.equal(ok('tcp.srcport > tcp.dstport', tcpSyn), true);
});

test('membership', () => {
  assert.equal(ok('tcp.port in {443, 8443, 18443}', tcpSyn), true);
  assert.equal(ok('tcp.port in {1..79, 81..100}', tcpSyn), false);
  assert.equal(ok('tcp.port not in {80}', tcpSyn), false);
  assert.equal(ok('tcp.port not in {80}', udp), true);
  assert.equal(ok('ip.src in {10.0.0.0/8, 172.16.0.0/12}', tcpSyn), true);
  assert.equal(ok('ip.src in {10.0.0.1..10.0.0.9}', tcpSyn), true);
  assert.equal(ok('http.request.method in {"GET", "HEAD"}', { 'http.request.method': ['HEAD'] }), true);
  assert.equal(ok('frame.time_delta in {0.5..0.8}', { 'frame.time_delta': [700_000_000] }), true);
  fails('frame.number in {1 3 5}', 'FILTER_SYNTAX', 19); // Wireshark 4.0 needs commas
  fails('tcp.port in {}', 'FILTER_SYNTAX', 13);
});

test('bitwise and', () => {
  assert.equal(ok('tcp.flags & 0x02', tcpSyn), true);
  assert.equal(ok('tcp.flags & 0x10', tcpSyn), false);
  assert.equal(ok('tcp.flags & 0x12 == 0x02', tcpSyn), true);
  assert.equal(ok('ip.src & 255.0.0.0 == 10.0.0.0', tcpSyn), true);
});

test('booleans and existence', () => {
  assert.equal(ok('tcp.flags.syn == True', tcpSyn), true);
  assert.equal(ok('tcp.flags.syn == TRUE', tcpSyn), true);
  assert.equal(ok('tcp.flags.ack == False', tcpSyn), true);
  assert.equal(ok('tcp.flags.syn == 1', tcpSyn), true);
  assert.equal(ok('tcp.flags.syn == "Set"', tcpSyn), true);
  assert.equal(ok('ip.flags.df == "not set"', tcpSyn), false);
  assert.equal(ok('tcp.flags.syn', tcpSyn), true);
  assert.equal(ok('tcp.analysis.retransmission', tcpSyn), false);
  assert.equal(ok('tcp.analysis.retransmission', { 'tcp.analysis.retransmission': [null] }), true);
  fails('tcp.flags.syn == true', 'FILTER_TYPE', 17);
});

test('strings, contains, matches, functions', () => {
  assert.equal(ok('tls.handshake.extensions_server_name contains "example"', tls), true);
  assert.equal(ok('tls.handshake.extensions_server_name contains "EXAMPLE"', tls), false);
  assert.equal(ok('tls.handshake.extensions_server_name matches "^[a-z]+\\\\."', tls), true);
  assert.equal(ok('tls.handshake.extensions_server_name matches "EXAMPLE\\\\.COM$"', tls), true); // case-insensitive by default
  assert.equal(ok('tls.handshake.extensions_server_name matches "(?-i)EXAMPLE"', tls), false);
  assert.equal(ok('tls.handshake.extensions_server_name ~ "(?i)WWW"', tls), true);
  assert.equal(ok('len(tls.handshake.extensions_server_name) > 5', tls), true);
  assert.equal(ok('len(tls.handshake.extensions_server_name) == 15', tls), true);
  assert.equal(ok('count(tls.handshake.ciphersuite) > 2', tls), true);
  assert.equal(ok('count(tls.handshake.ciphersuite) == 0', udp), false);
  assert.equal(ok('upper(tls.handshake.extensions_server_name) == "WWW.EXAMPLE.COM"', tls), true);
  assert.equal(ok('lower(http.request.method) == "head"', { 'http.request.method': ['HEAD'] }), true);
  assert.equal(ok('string(ip.proto) == "6"', tcpSyn), true);
  assert.equal(ok('string(ip.src) matches "^10\\\\."', tcpSyn), true);
  assert.equal(ok('http.request.method == "\\x48EAD"', { 'http.request.method': ['HEAD'] }), true);
  assert.equal(ok('http.request.method == "\\110EAD"', { 'http.request.method': ['HEAD'] }), true);
  assert.equal(ok('http.request.method == r"\\HEAD"', { 'http.request.method': ['\\HEAD'] }), true);
  assert.equal(ok('http.request.method > "HEAC"', { 'http.request.method': ['HEAD'] }), true);
  assert.equal(ok('http.request.method[0] == "H"', { 'http.request.method': ['HEAD'] }), true);
  assert.equal(ok('http.request.method[-1] == "D"', { 'http.request.method': ['HEAD'] }), true);
  assert.equal(ok('http.request.method contains 48:45', { 'http.request.method': ['48:45:41'] }), true); // unquoted text is a string
  assert.equal(ok('max(tcp.srcport, tcp.dstport) == 443', tcpSyn), true);
  assert.equal(ok('min(tcp.srcport, tcp.dstport) == 80', tcpSyn), true);
  assert.equal(ok('abs(tcp.delta) == 6', { 'tcp.delta': [-6] }), true);
  fails('upper(tcp.seq) == 4', 'FILTER_TYPE', 6);
  fails('len(ip.src)', 'FILTER_SYNTAX', 0);
  fails('http.request.method == "\\HEAD"', 'FILTER_SYNTAX', 24);
  fails('ip.src matches "^10"', 'FILTER_TYPE', 0);
});

test('bytes, slices, protocols', () => {
  assert.equal(ok('tcp.payload[0:1] == 16', tls), true);
  assert.equal(ok('tcp.payload[0] == 0x16', tls), true);
  assert.equal(ok('tcp.payload[0:3] == 16:03:01', tls), true);
  assert.equal(ok('tcp.payload[0:3] == 16.03.01', tls), true);
  assert.equal(ok('tcp.payload[0:3] == 16-03-01', tls), true);
  assert.equal(ok('tcp.payload[0:3] == 160301', tls), true);
  assert.equal(ok('tcp.payload[0-2] == 16:03:01', tls), true);
  assert.equal(ok('tcp.payload[:2] == 16:03', tls), true);
  assert.equal(ok('tcp.payload[-2:] == 02:00', tls), true);
  assert.equal(ok('tcp.payload[3:] == 02:00', tls), true);
  assert.equal(ok('tcp.payload[0:1,3] == 16:02', tls), true);
  assert.equal(ok('tcp.payload[4:5]', tls), false); // out of range: no value
  assert.equal(ok('tcp.payload[0,4:5] == 16', tls), true); // ranges up to the first misfit
  assert.equal(ok('tcp.payload contains 03:01', tls), true);
  assert.equal(ok('tcp.payload contains "\\x03\\x01"', tls), true);
  assert.equal(ok('tcp.payload matches "^\\x16\\x03"', tls), true);
  assert.equal(ok('tcp.payload > 16', tls), true); // longer sorts after shorter
  assert.equal(ok('tls == 16:03:01', tls), true);
  assert.equal(ok('len(tls) == 3', tls), true);
  assert.equal(ok('tcp[0:2] == 01:bb', tcpSyn), true);
  assert.equal(ok('ip.src[0] == 0a', tcpSyn), true);
  assert.equal(ok('ip.src[0:2] == 0a:00', tcpSyn), true);
  fails('ip.ttl[0] == 80', 'FILTER_TYPE', 0);
  fails('tcp.payload[0:0] == 16', 'FILTER_SYNTAX', 12);
  fails('tcp.payload[0:2] == 45:0', 'FILTER_TYPE', 20);
});

test('addresses', () => {
  const eth = { 'eth.src': [b(0x00, 0xaa, 0x00, 0xa3, 0xe3, 0xa4)], 'eth.dst': [b(0xff, 0xff, 0xff, 0xff, 0xff, 0xff)] };
  assert.equal(ok('eth.dst == ff:ff:ff:ff:ff:ff', eth), true);
  assert.equal(ok('eth.src == 00-aa-00-a3-e3-a4', eth), true);
  assert.equal(ok('eth.src == 00aa.00a3.e3a4', eth), true);
  assert.equal(ok('eth.src > 00:aa:00:a3:e3:00', eth), true);
  assert.equal(ok('eth.src[-3:3] == a3:e3:a4', eth), true);
  assert.equal(ok('eth.src contains a3:e3', eth), true);
  assert.equal(ok('ip.addr == 10.0.0.5', tcpSyn), true);
  assert.equal(ok('ip.addr == 10.0.0.0/8', tcpSyn), true);
  assert.equal(ok('ip.addr != 10.0.0.0/8', tcpSyn), false);
  assert.equal(ok('ip.src != 200.0.0.0/8', tcpSyn), true);
  assert.equal(ok('ip.dst > 192.168.0.255', tcpSyn), true);
  const v6 = (s: string) => { const o = new Uint8Array(16); if (s === '::1') o[15] = 1; else { o[0] = 0xfe; o[1] = 0x80; o[15] = 5; } return o; };
  assert.equal(ok('ipv6.addr == ::1', { 'ipv6.addr': [v6('::1')] }), true);
  assert.equal(ok('ipv6.addr == fe80::/10', { 'ipv6.addr': [v6('fe80::5')] }), true);
  assert.equal(ok('ipv6.addr == fe80::5', { 'ipv6.addr': [v6('fe80::5')] }), true);
  assert.equal(ok('ipv6.addr == fe80::/10', { 'ipv6.addr': [v6('::1')] }), false);
  assert.equal(ok('ip.addr == 127.0.0.0/8 || ipv6.addr == ::1', { 'ipv6.addr': [v6('::1')] }), true);
  fails('ip.src == 1.2.3', 'FILTER_TYPE', 10);
  fails('ip.src == 10.0.0.5/33', 'FILTER_TYPE', 10);
  fails('ipv6.addr == 10.0.0.1', 'FILTER_TYPE', 13);
  fails('eth.src == 0x00e08100b028', 'FILTER_TYPE', 11);
});

test('times and floats', () => {
  assert.equal(ok('tcp.analysis.initial_rtt < 0.01', { 'tcp.analysis.initial_rtt': [5_000_000] }), true);
  assert.equal(ok('tcp.analysis.initial_rtt < 0.01', { 'tcp.analysis.initial_rtt': [15_000_000] }), false);
  assert.equal(ok('frame.time_delta == 0.7', { 'frame.time_delta': [700_000_000] }), true);
  assert.equal(ok('ntp.rootdelay > 0.06', { 'ntp.rootdelay': [0.0626983642578125] }), true);
  const t = { 'frame.time': [{ s: Date.UTC(2002, 11, 31, 13, 55, 31) / 1000, ns: 300_000_000 }] };
  assert.equal(ok('frame.time == "2002-12-31T13:55:31.3Z"', t), true);
  assert.equal(ok('frame.time >= "2002-12-31 13:55:31 UTC"', t), true);
  assert.equal(ok('frame.time < "Dec 31, 2002 13:55:31.4 UTC"', t), true);
  fails('frame.time_delta == "0.7"', 'FILTER_TYPE', 20);
  fails('frame.time > "Dec 31, 2002"', 'FILTER_TYPE', 13);
  fails('frame.len > 3.5', 'FILTER_TYPE', 12);
});

test('errors: syntax, unknown fields, types, with columns', () => {
  fails('foo == 1', 'FILTER_UNKNOWN_FIELD', 0);
  fails('tcp.port == 1 and foo.bar', 'FILTER_UNKNOWN_FIELD', 18);
  fails('len(nope) > 1', 'FILTER_UNKNOWN_FIELD', 4);
  fails('1 == tcp.port', 'FILTER_SYNTAX', 0);
  fails('tcp.port == 80 == 1', 'FILTER_SYNTAX', 12);
  fails('tcp.port = 80', 'FILTER_SYNTAX', 9);
  fails('tcp)', 'FILTER_SYNTAX', 3);
  fails('tcp AND udp', 'FILTER_SYNTAX', 4);
  fails('&& tcp', 'FILTER_SYNTAX', 0);
  fails('tcp.port == 80 80', 'FILTER_SYNTAX', 15);
  const e = fails('tcp.port ==', 'FILTER_SYNTAX');
  assert.equal(e.message, 'Unexpected end of filter expression.');
  fails('(tcp', 'FILTER_SYNTAX');
  fails('http.request.method == "HE', 'FILTER_SYNTAX', 26);
  fails('tcp.port == "abc"', 'FILTER_TYPE', 12);
  fails('tcp.port == abc', 'FILTER_TYPE', 12);
  fails('ip.proto == XYZ', 'FILTER_TYPE', 12);
  fails('ip.ttl == 300', 'FILTER_TYPE', 10);
  fails('ip.proto == udp', 'FILTER_TYPE', 12); // a field on the right
  fails('tcp.analysis.retransmission == 1', 'FILTER_TYPE', 0);
  fails('ip.src contains 0a', 'FILTER_TYPE', 0);
});

test('formatFilterError draws a caret line', () => {
  const text = 'foo == 1';
  let e: unknown;
  try { compileFilter(text, reg); } catch (x) { e = x; }
  assert.equal(formatFilterError(text, e as TlsLensError), 'tlslens: foo is neither a field nor a protocol name.\n    foo == 1\n    ^~~');
  const t2 = 'tcp.port == "abc"';
  try { compileFilter(t2, reg); } catch (x) { e = x; }
  assert.equal(formatFilterError(t2, e as TlsLensError).split('\n')[2], '                ^~~~~');
  try { compileFilter('tcp ==', reg); } catch (x) { e = x; }
  assert.equal(formatFilterError('tcp ==', e as TlsLensError), 'tlslens: Unexpected end of filter expression.');
});

test('empty filter matches everything', () => {
  assert.equal(ok('  ', udp), true);
});
