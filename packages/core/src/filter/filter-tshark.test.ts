/**
 * Cross-checks the filter engine against tshark 4.0 without tlslens dissectors: field values come
 * from tshark's own PDML output of each capture, so only the filter semantics are compared.
 * - every filter of wireshark-dfilter-2013/dfilter-cases.json is accepted/rejected like tshark 4.0;
 * - the accepted ones select the same number of frames as tshark 4.0 did;
 * - extra filters select exactly the frames `tshark -Y` selects (tshark output cached).
 * Skips (with a message) when tshark, the captures or the field list are missing.
 */
process.env.TZ = 'UTC'; // absolute time literals are local time; dfilter-cases.json was made in UTC

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TlsLensError } from '../errors.ts';
import type { Registry } from '../fields/registry.ts';
import type { FieldValue, RegisteredField } from '../fields/types.ts';
import { compileFilter, formatFilterError } from './index.ts';
import { parseAbsTime, parseByteString, parseInteger, parseIPv4, parseIPv6 } from './literals.ts';
import { registryFromTsv } from './tsv-registry.ts';

const DIR = '/work/shared/captures/wireshark-dfilter-2013';
const CASES = join(DIR, 'dfilter-cases.json');
const CACHE = join(tmpdir(), 'tlslens-filter-cache');

interface Case { group: string; test: string; capture: string; filter: string; tshark_4_0_exit: number; tshark_4_0_count: number | null }

function hasTshark(): boolean {
  try { execFileSync('tshark', ['--version'], { stdio: 'ignore' }); return true; } catch { return false; }
}
const TSHARK = hasTshark();

function cached(key: string, make: () => string): string {
  mkdirSync(CACHE, { recursive: true });
  const f = join(CACHE, createHash('sha256').update(key).digest('hex').slice(0, 32));
  if (existsSync(f)) return readFileSync(f, 'utf8');
  const out = make();
  writeFileSync(f, out);
  return out;
}

function tshark(args: string[]): { rc: number; out: string } {
  const r = cached('v1\0' + args.join('\0'), () => {
    try {
      return JSON.stringify({ rc: 0, out: execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 28 }) });
    } catch (e) {
      const x = e as { status?: number; stdout?: string };
      return JSON.stringify({ rc: x.status ?? 1, out: x.stdout ?? '' });
    }
  });
  return JSON.parse(r) as { rc: number; out: string };
}

function fieldsTsv(): string | undefined {
  if (existsSync('/tmp/ref/fields.tsv')) return readFileSync('/tmp/ref/fields.tsv', 'utf8');
  if (!TSHARK) return undefined;
  return cached('tshark -G fields', () => execFileSync('tshark', ['-G', 'fields'], { encoding: 'utf8', maxBuffer: 1 << 28 }));
}
function valuesTsv(): string | undefined {
  if (existsSync('/tmp/ref/values.tsv')) return readFileSync('/tmp/ref/values.tsv', 'utf8');
  if (!TSHARK) return undefined;
  return cached('tshark -G values', () => execFileSync('tshark', ['-G', 'values'], { encoding: 'utf8', maxBuffer: 1 << 28 }));
}

const EXTRA: string[] = [
  'tcp.port != 80', 'udp.port != 123', 'ip.addr != 10.0.0.5', 'ip.addr !== 10.0.0.5', 'ip.addr === 10.0.0.5', 'ip.addr ~= 10.0.0.5',
  'any ip.addr == 10.0.0.5', 'all ip.addr != 10.0.0.5', 'ip.addr all_ne 10.0.0.5', 'ip.addr any_ne 10.0.0.5',
  'http or udp and nfs', 'nfs or tcp and tftp', 'udp and nfs or http', 'not tcp and udp', '!tcp.port == 80',
  'ip.proto == "UDP"', 'ip.proto == "udp"', 'ip.proto == UDP', 'ip.proto == 17', 'ip.proto == 0x11', 'ip.proto == 021', 'ip.proto == 0b10001',
  "ip.proto == '\\x11'", "http.request.method[0] == 'H'", 'ip.ttl > -1', 'ip.ttl != -1', 'frame.time_delta == 0.7', 'frame.time_delta > 0',
  'frame.time_relative < 1', 'len(http.request.method) == 4', 'len(ip) == 20', 'len(ip.src) == 4', 'len(tcp.port) == 2', 'count(ip.addr) == 2',
  'string(ip.proto) == "17"', 'string(ip.src) == "10.0.0.5"', 'string(ip.dsfield) == "0"', 'string(ip.dst) matches "^1"',
  'http.request.method matches "(?i)head"', 'http.request.method matches "head"', 'http.request.method matches "(?-i)head"', 'http.request.method ~ "HE"',
  'http.request.method contains 48:45', 'http contains "HEAD"', 'http matches "HEAD"',
  'eth.dst == 00:e0:81:00:b0:28', 'eth.dst == 00-e0-81-00-b0-28', 'eth.dst == 00e0.8100.b028', 'eth.dst == 00e08100b028',
  'ip[0:2] == 45.00', 'ip[0:2] == 4500', 'ip[0] == 45', 'ip[0] == 0x45', 'ip[0] == 69', 'ip[0:1] == "E"', 'ip[0:2,9] == 45:00:11', 'ip[0-1] == 45:00',
  'ip[:2] == 45:00', 'ip[19:5]', 'ip[19:1]', 'ip[19:5,0]', 'ip[0,19:5]', 'ip[19:]', 'ip[20:]', 'ip[-21:1]', 'ip.src[0] == 0a', 'ip.src[0:2] == 0a:00',
  'ip[0:2] > 46', 'ip[0:1] < 45:00', 'tcp.port not in {80}', 'count(tcp.port) == 0', 'tcp.flags & 0x02 == 0', 'tcp.port & 0x50',
  'ip.src & 255.0.0.0 == 10.0.0.0', 'frame.number in {1, 3..5}', 'frame.number not in {1, 3..5}', 'http.request.method in {"HEAD", "GET"}',
  'ip.proto in {UDP, 6}', 'frame.time_delta in {0.5..0.8}', 'ip.src in {10.0.0.0/8, 172.25.0.0/16}', 'ip.src in {10.0.0.0..10.0.0.10}',
  'ip.flags.df == "Not set"', 'ip.flags.df == 2', 'tcp.flags.syn == "set"', 'tcp.srcport == tcp.dstport', 'ip.src != ip.dst', 'ip.src < ip.dst',
  'frame.time == "2002-12-31 13:55:31.3"', 'frame.time == "2002-12-31T13:55:31.3Z"', 'frame.time > "2002-12-31"',
  'frame.time_epoch == 1041342931.3', 'frame.len == 90 or(udp)', 'lower(http.request.method) == "head"', 'udp.srcport in {69..123} && !(udp.dstport == 123)',
  'eth.src[0:3] == 00:09:6b || fddi', 'ip.len >= 100 and ip.len <= 200', 'ip.checksum == 0', 'frame.protocols contains "udp"',
  'max(udp.srcport, udp.dstport) == 2049', 'ip.hdr_len == 20 && ip.version == 4',
  // rejected by tshark 4.0
  'tcp.port = 80', 'foo', 'tcp AND udp', 'frame.number in {1 3 5}', 'ip.ttl == 300', 'ip.ttl == 1.5', 'tcp.flags.syn == true', 'len(ip.src)',
  'ip.proto == udp', 'ip.src matches "^10"', 'ip.proto contains 11', 'ip.ttl[0] == 80', 'upper(tcp.seq) == 4', 'string(ip.flags.df) == "0"',
  'ip[0:2] == 0x4500', 'ip.src == 10.0.0.5/33', 'frame.time == 1041342931.3', 'frame.time_delta == "0.7"', 'eth.dst == 0x00e08100b028',
  'http.request.method == "\\u0048EAD"', 'tcp.port in {80, }', '1 == tcp.port', 'tcp.port == 80 == 1',
];

// ---------------------------------------------------------------------------------------------
// tshark PDML → field values

function pcapFrames(path: string): Uint8Array[] {
  const b = readFileSync(path);
  const out: Uint8Array[] = [];
  if (b.readUInt32LE(0) === 0x0a0d0d0a) {
    // pcapng (as written by mergecap): Enhanced Packet Blocks only
    const le = b.readUInt32LE(8) === 0x1a2b3c4d;
    const u32 = (o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
    for (let o = 0; o + 12 <= b.length; ) {
      const type = u32(o), len = u32(o + 4);
      if (type === 6) out.push(new Uint8Array(b.subarray(o + 28, o + 28 + u32(o + 20))));
      if (len < 12) break;
      o += len;
    }
    return out;
  }
  const magic = b.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const u32 = (o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  for (let o = 24; o + 16 <= b.length; ) {
    const incl = u32(o + 8);
    out.push(new Uint8Array(b.subarray(o + 16, o + 16 + incl)));
    o += 16 + incl;
  }
  return out;
}

const ENT: Record<string, string> = { quot: '"', amp: '&', lt: '<', gt: '>', apos: "'" };
function unxml(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (m, e: string) =>
    e[0] === '#' ? String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : Number(e.slice(1))) : ENT[e] ?? m);
}

function hexToBytes(h: string): Uint8Array {
  return parseByteString(h) ?? new Uint8Array(0);
}

function convert(f: RegisteredField, show: string, value: string | undefined, frame: Uint8Array, pos: number, size: number): FieldValue | undefined {
  switch (f.type) {
    case 'protocol': return frame.subarray(pos, pos + size);
    case 'none': return null;
    case 'bool': return show === '1' || show === 'True';
    case 'uint8': case 'uint16': case 'uint24': case 'uint32': case 'framenum':
    case 'int8': case 'int16': case 'int32': {
      const n = parseInteger(show);
      return n === undefined ? undefined : Number(n);
    }
    case 'uint64': case 'int64': {
      const n = parseInteger(show);
      return n === undefined ? undefined : n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(n) : n;
    }
    case 'float': case 'double': { const x = Number(show); return Number.isFinite(x) ? x : undefined; }
    case 'reltime': {
      const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(show);
      if (!m) return undefined;
      const ns = Number(m[2]) * 1e9 + Number(((m[3] ?? '') + '000000000').slice(0, 9));
      return m[1] ? -ns : ns;
    }
    case 'abstime': return parseAbsTime(show);
    case 'string': case 'oid': return show;
    case 'bytes': return value !== undefined ? hexToBytes(value) : show === '' ? new Uint8Array(0) : undefined;
    case 'ether': return value !== undefined && value.length === 12 ? hexToBytes(value) : undefined;
    case 'ipv4': { const a = parseIPv4(show); return a ? a.addr : undefined; }
    case 'ipv6': { const a = parseIPv6(show); return a ? a.bytes : undefined; }
  }
}

type Packet = Map<number, FieldValue[]>;

function packetsOf(reg: Registry, capture: string): Packet[] {
  const pdml = tshark(['-r', capture, '-T', 'pdml']).out;
  const frames = pcapFrames(capture);
  const out: Packet[] = [];
  const attr = (tag: string, a: string) => { const m = new RegExp(`\\s${a}="([^"]*)"`).exec(tag); return m ? unxml(m[1]!) : undefined; };
  for (const pkt of pdml.split('<packet>').slice(1)) {
    const frame = frames[out.length] ?? new Uint8Array(0);
    const p: Packet = new Map();
    for (const m of pkt.matchAll(/<(proto|field)\s[^>]*>/g)) {
      const tag = m[0];
      const name = attr(tag, 'name');
      if (!name) continue;
      const f = reg.find(name);
      if (!f) continue;
      const v = convert(f, attr(tag, 'show') ?? '', attr(tag, 'value'), frame, Number(attr(tag, 'pos') ?? 0), Number(attr(tag, 'size') ?? 0));
      if (v === undefined) continue;
      let list = p.get(f.id);
      if (!list) p.set(f.id, (list = []));
      list.push(v);
    }
    out.push(p);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

const cases: Case[] | undefined = existsSync(CASES) ? (JSON.parse(readFileSync(CASES, 'utf8')) as Case[]) : undefined;
const fieldsText = cases ? fieldsTsv() : undefined;
const skip = !cases ? `no ${CASES}` : !fieldsText ? 'no tshark field list (/tmp/ref/fields.tsv or tshark -G fields)' : false;

let regCache: Registry | undefined;
function registry(): Registry {
  if (regCache) return regCache;
  const words = new Set<string>();
  for (const f of [...cases!.map((c) => c.filter), ...EXTRA]) for (const w of f.match(/[A-Za-z_][\w.]*/g) ?? []) words.add(w);
  regCache = registryFromTsv(fieldsText!, valuesTsv(), words);
  return regCache;
}

function tryCompile(reg: Registry, filter: string): { ok: true; f: ReturnType<typeof compileFilter> } | { ok: false; msg: string } {
  try {
    return { ok: true, f: compileFilter(filter, reg) };
  } catch (e) {
    if (!(e instanceof TlsLensError)) throw e;
    return { ok: false, msg: formatFilterError(filter, e) };
  }
}

test('dfilter-2013 cases: accepted/rejected like tshark 4.0', { skip }, () => {
  const reg = registry();
  const bad: string[] = [];
  for (const c of cases!) {
    const r = tryCompile(reg, c.filter);
    if (r.ok !== (c.tshark_4_0_exit === 0)) bad.push(`${c.filter}: tshark exit ${c.tshark_4_0_exit}, tlslens ${r.ok ? 'accepted' : r.msg}`);
  }
  assert.deepEqual(bad, []);
});

const liveSkip = skip || (!TSHARK ? 'tshark is not installed' : false);

test('dfilter-2013 cases: frame counts match tshark 4.0 (values from tshark PDML)', { skip: liveSkip }, () => {
  const reg = registry();
  const pk = new Map<string, Packet[]>();
  const bad: string[] = [];
  let n = 0;
  for (const c of cases!) {
    if (c.tshark_4_0_exit !== 0) continue;
    if (!pk.has(c.capture)) pk.set(c.capture, packetsOf(reg, join(DIR, c.capture)));
    const r = tryCompile(reg, c.filter);
    assert.ok(r.ok, c.filter);
    const count = pk.get(c.capture)!.filter((p) => r.f.match((id) => p.get(id))).length;
    n++;
    if (count !== c.tshark_4_0_count) bad.push(`${c.capture}: ${c.filter}: tshark ${c.tshark_4_0_count}, tlslens ${count}`);
  }
  assert.ok(n > 150);
  assert.deepEqual(bad, []);
});

test('extra filters: same frames and same acceptance as live tshark -Y', { skip: liveSkip }, () => {
  const reg = registry();
  // one capture holding all seven (one tshark run per filter); mergecap ships with tshark
  const names = ['http.pcap', 'ntp.pcap', 'nfs.pcap', 'tftp.pcap', 'arp.pcap', 'ipv6.pcap', 'ipx_rip.pcap'];
  let caps = names.map((c) => join(DIR, c));
  const merged = join(CACHE, 'dfilter-2013-merged.pcapng');
  try {
    if (!existsSync(merged)) execFileSync('mergecap', ['-a', '-F', 'pcapng', '-w', merged, ...caps], { stdio: 'ignore' });
    caps = [merged];
  } catch { /* no mergecap: one run per capture */ }
  const pk = caps.map((c) => packetsOf(reg, c));
  const bad: string[] = [];
  for (const flt of EXTRA) {
    const r = tryCompile(reg, flt);
    for (let i = 0; i < caps.length; i++) {
      const ts = tshark(['-r', caps[i]!, '-Y', flt, '-T', 'fields', '-e', 'frame.number']);
      if ((ts.rc === 0) !== r.ok) {
        bad.push(`${flt}: tshark exit ${ts.rc}, tlslens ${r.ok ? 'accepted' : r.msg.split('\n')[0]}`);
        break;
      }
      if (!r.ok) break;
      const want = ts.out.split('\n').filter(Boolean).join(',');
      const got = pk[i]!.map((p, k) => (r.f.match((id) => p.get(id)) ? String(k + 1) : '')).filter(Boolean).join(',');
      if (want !== got) bad.push(`${flt} on ${caps[i]!.split('/').pop()}: tshark [${want}] tlslens [${got}]`);
    }
  }
  assert.deepEqual(bad, []);
});
