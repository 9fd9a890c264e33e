import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { TlsLensError } from '../errors.ts';
import { detectFormat, readCapture, readCaptureBatches, readCaptureSync, type CaptureEvent, type CaptureFrame } from './index.ts';
import { ngTimestamp } from './parser.ts';
import {
  ByteBuilder, chunked, concat, dsb, epb, idb, ngBlock, opb, optStr, pcapFile, plain, prng, rawBlock, shb, spb,
} from './_testutil.ts';

const enc = new TextEncoder();
const bytes = (...v: number[]) => Uint8Array.from(v);
const pkt = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);

function frames(evs: Iterable<CaptureEvent>): CaptureFrame[] {
  const out: CaptureFrame[] = [];
  for (const e of evs) if (e.kind === 'frame') out.push(e.frame);
  return out;
}

async function collect(src: AsyncIterable<CaptureEvent>): Promise<{ events: CaptureEvent[]; error?: unknown }> {
  const events: CaptureEvent[] = [];
  try {
    for await (const e of src) events.push(e);
  } catch (error) {
    return { events, error };
  }
  return { events };
}

function syncCollect(bytes: Uint8Array): { events: CaptureEvent[]; error?: unknown } {
  const events: CaptureEvent[] = [];
  try {
    for (const e of readCaptureSync(bytes)) events.push(e);
  } catch (error) {
    return { events, error };
  }
  return { events };
}

/** Both readers (sync and 1-byte/5-byte/whole streaming) agree; returns the sync result. */
async function readAll(b: Uint8Array): Promise<{ events: CaptureEvent[]; error?: unknown }> {
  const s = syncCollect(b);
  for (const size of [1, 5, b.length || 1]) {
    const a = await collect(readCapture(chunked(b, size)));
    assert.deepEqual(a.events.map(plain), s.events.map(plain), `chunk size ${size}`);
    if (s.error instanceof TlsLensError) {
      assert.ok(a.error instanceof TlsLensError, `chunk size ${size}: expected error`);
      assert.equal(a.error.code, s.error.code);
      assert.equal(a.error.message, s.error.message);
      assert.equal(a.error.offset, s.error.offset);
    } else {
      assert.equal(a.error, s.error);
    }
  }
  return s;
}

function assertErr(e: unknown, code: string, re?: RegExp, offset?: number): void {
  assert.ok(e instanceof TlsLensError, `expected TlsLensError, got ${String(e)}`);
  assert.equal(e.code, code, e.message);
  if (re) assert.match(e.message, re);
  if (offset !== undefined) assert.equal(e.offset, offset);
  assert.ok(!e.message.includes('\n'), 'one-line message');
}

test('detectFormat', () => {
  assert.equal(detectFormat(bytes(0xd4, 0xc3, 0xb2, 0xa1)), 'pcap');
  assert.equal(detectFormat(bytes(0xa1, 0xb2, 0xc3, 0xd4)), 'pcap');
  assert.equal(detectFormat(bytes(0x4d, 0x3c, 0xb2, 0xa1)), 'pcap-nsec');
  assert.equal(detectFormat(bytes(0xa1, 0xb2, 0x3c, 0x4d)), 'pcap-nsec');
  assert.equal(detectFormat(bytes(0x34, 0xcd, 0xb2, 0xa1)), 'pcap');
  assert.equal(detectFormat(bytes(0x0a, 0x0d, 0x0d, 0x0a, 0, 0)), 'pcapng');
  assert.equal(detectFormat(bytes(0x1f, 0x8b)), 'gzip');
  assert.equal(detectFormat(bytes(0x3c, 0x68, 0x74, 0x6d)), undefined);
  assert.equal(detectFormat(bytes(0xd4, 0xc3)), undefined);
  assert.equal(detectFormat(new Uint8Array(0)), undefined);
});

for (const le of [true, false]) {
  const order = le ? 'LE' : 'BE';
  test(`pcap µs ${order}: frames, interface, views, snaplen truncation`, async () => {
    const d1 = pkt(60), d2 = pkt(100, 3);
    const file = pcapFile({
      le, network: 1, snaplen: 100,
      records: [{ s: 1700000000, frac: 123456, data: d1 }, { s: 4294967295, frac: 999999, data: d2, orig: 1514 }],
    });
    const { events, error } = await readAll(file);
    assert.equal(error, undefined);
    assert.equal(events.length, 3);
    assert.deepEqual(events[0], { kind: 'interface', id: 0, iface: { linktype: 1, snaplen: 100, tsresol: 6 } });
    const [f1, f2] = frames(events);
    assert.deepEqual(f1.ts, { s: 1700000000, ns: 123456000 });
    assert.deepEqual([...f1.data], [...d1]);
    assert.equal(f1.origLen, 60);
    assert.equal(f1.fileOffset, 24);
    assert.equal(f1.ifaceId, 0);
    assert.equal(f1.linktype, 1);
    assert.equal(f1.data.buffer, file.buffer, 'sync frames are views into the input');
    assert.deepEqual(f2.ts, { s: 4294967295, ns: 999999000 });
    assert.equal(f2.data.length, 100);
    assert.equal(f2.origLen, 1514);
    assert.equal(f2.fileOffset, 24 + 16 + 60);
  });

  test(`pcap ns magic ${order}`, async () => {
    const file = pcapFile({ le, magic: 0xa1b23c4d, network: 101, records: [{ s: 5, frac: 999999999, data: pkt(20) }] });
    const formats: string[] = [];
    const evs = [...readCaptureSync(file, { onFormat: (f) => formats.push(f) })];
    assert.deepEqual(formats, ['pcap-nsec']);
    assert.equal((evs[0] as { iface: { tsresol: number } }).iface.tsresol, 9);
    const [f] = frames(evs);
    assert.deepEqual(f.ts, { s: 5, ns: 999999999 });
    assert.equal(f.linktype, 101);
    await readAll(file);
  });

  test(`pcap modified (Kuznetsov) magic and version 2.2 swapped lengths ${order}`, async () => {
    const mod = pcapFile({ le, magic: 0xa1b2cd34, extraHdr: 8, records: [{ s: 1, frac: 2, data: pkt(10), orig: 30 }] });
    const [f] = frames((await readAll(mod)).events);
    assert.equal(f.data.length, 10);
    assert.equal(f.origLen, 30);
    const old = pcapFile({ le, major: 2, minor: 2, records: [{ s: 1, frac: 2, data: pkt(10), orig: 30 }] });
    const [g] = frames((await readAll(old)).events);
    assert.equal(g.data.length, 10);
    assert.equal(g.origLen, 30);
  });

  test(`pcap FCS bits in the link-type field ${order}`, () => {
    const file = pcapFile({ le, network: 0x24000001, records: [{ s: 1, frac: 0, data: pkt(10) }] });
    const evs = [...readCaptureSync(file)];
    assert.deepEqual(evs[0], { kind: 'interface', id: 0, iface: { linktype: 1, snaplen: 65535, tsresol: 6, fcsLen: 4 } });
    assert.equal(frames(evs)[0].linktype, 1);
  });

  test(`pcapng ${order}: SHB, IDB (tsresol 9, name), EPB with comments, DSB`, async () => {
    const ts = 1700000000123456789n;
    const file = concat([
      shb(le, [optStr(4, 'test app')]),
      idb(le, 1, 262144, [optStr(2, 'eth0'), [9, bytes(9)]]),
      epb(le, 0, Number(ts >> 32n), Number(ts & 0xffffffffn), pkt(61), 1000, [optStr(1, 'first'), optStr(1, 'second ✓')]),
      dsb(le, 0x544c534b, enc.encode('CLIENT_RANDOM 00 11\n')),
      epb(le, 0, 0, 1, pkt(4)),
    ]);
    const { events, error } = await readAll(file);
    assert.equal(error, undefined);
    assert.deepEqual(plain(events[0]), { kind: 'interface', id: 0, iface: { linktype: 1, snaplen: 262144, tsresol: 9, name: 'eth0' } });
    const f = frames(events);
    assert.deepEqual(f[0].ts, { s: 1700000000, ns: 123456789 });
    assert.equal(f[0].data.length, 61);
    assert.equal(f[0].origLen, 1000);
    assert.deepEqual(f[0].comments, ['first', 'second ✓']);
    assert.equal(f[1].comments, undefined);
    assert.deepEqual(f[1].ts, { s: 0, ns: 1 });
    const sec = events.find((e) => e.kind === 'secrets');
    assert.ok(sec && sec.kind === 'secrets');
    assert.equal(sec.secrets.type, 0x544c534b);
    assert.equal(new TextDecoder().decode(sec.secrets.data), 'CLIENT_RANDOM 00 11\n');
  });

  test(`pcapng tsresol 2^-n, 10^-3, default µs and if_tsoffset ${order}`, async () => {
    const tsoff = (v: number) => { const b = new ByteBuilder(le); b.u64(v < 0 ? 0xffffffff : 0, v >>> 0); return b.build(); };
    const file = concat([
      shb(le),
      idb(le, 1, 0, [[9, bytes(0x80 | 20)]]), // 2^-20 s
      idb(le, 101, 0, [[9, bytes(3)], [14, tsoff(-10)]]), // ms, offset -10 s
      idb(le, 1, 0, [[14, tsoff(1000)]]), // µs default, offset +1000 s
      epb(le, 0, 0, 5 * 2 ** 20 + 2 ** 19 + 1, pkt(8)), // 5.5 s + 1/2^20 s (953.67 ns → 953)
      epb(le, 1, 0, 12345, pkt(8)), // 12.345 s - 10 s
      epb(le, 2, 1, 5, pkt(8)), // (2^32 + 5) µs + 1000 s
    ]);
    const { events } = await readAll(file);
    const ifs = events.filter((e) => e.kind === 'interface').map((e) => (e as { iface: unknown }).iface);
    assert.deepEqual(ifs, [
      { linktype: 1, snaplen: 0, tsresol: -20 },
      { linktype: 101, snaplen: 0, tsresol: 3, tsoffset: -10 },
      { linktype: 1, snaplen: 0, tsresol: 6, tsoffset: 1000 },
    ]);
    const f = frames(events);
    assert.deepEqual(f[0].ts, { s: 5, ns: 500000953 });
    assert.deepEqual(f[1].ts, { s: 2, ns: 345000000 });
    assert.equal(f[1].linktype, 101);
    assert.deepEqual(f[2].ts, { s: 4294 + 1000, ns: 967301000 });
    assert.deepEqual(f.map((x) => x.ifaceId), [0, 1, 2]);
  });

  test(`pcapng SPB (IDB 0 snaplen) and OPB ${order}`, async () => {
    const file = concat([
      shb(le),
      idb(le, 1, 50),
      idb(le, 113, 0),
      spb(le, 60, pkt(60)), // 60 on the wire, snaplen 50
      spb(le, 30, pkt(30)),
      spb(le, 1000, pkt(40)), // block holds only 40
      opb(le, 1, 0, 7_000_001, pkt(33), 70, [optStr(1, 'old')]),
    ]);
    const f = frames((await readAll(file)).events);
    assert.deepEqual(f.map((x) => [x.data.length, x.origLen, x.linktype]), [[50, 60, 1], [30, 30, 1], [40, 1000, 1], [33, 70, 113]]);
    assert.deepEqual(f[0].ts, { s: 0, ns: 0 });
    assert.deepEqual(f[3].ts, { s: 7, ns: 1000 });
    assert.deepEqual(f[3].comments, ['old']);
    assert.deepEqual([...f[0].data], [...pkt(50)]);
  });
}

test('pcapng: several sections with different byte orders reset interfaces', async () => {
  const file = concat([
    shb(true), idb(true, 1, 0), idb(true, 113, 0), epb(true, 1, 0, 1, pkt(10)),
    shb(false), idb(false, 276, 0), epb(false, 0, 0, 2, pkt(11)),
    shb(true), idb(true, 0, 0), epb(true, 0, 0, 3, pkt(12)),
  ]);
  const { events, error } = await readAll(file);
  assert.equal(error, undefined);
  const f = frames(events);
  assert.deepEqual(f.map((x) => [x.linktype, x.ifaceId, x.data.length, x.ts.ns]), [[113, 1, 10, 1000], [276, 2, 11, 2000], [0, 3, 12, 3000]]);
  assert.deepEqual(events.filter((e) => e.kind === 'interface').map((e) => (e as { id: number }).id), [0, 1, 2, 3]);
  // interface 1 of section 1 is gone in section 2
  const bad = concat([shb(true), idb(true, 1, 0), idb(true, 1, 0), shb(false), idb(false, 1, 0), epb(false, 1, 0, 0, pkt(4))]);
  const r = await readAll(bad);
  assertErr(r.error, 'CAPTURE_CORRUPT', /interface 1 is not defined \(section has 1\)/);
});

test('pcapng: NRB, ISB, custom, systemd and unknown blocks are skipped', async () => {
  const le = true;
  const file = concat([
    shb(le), idb(le, 1, 0),
    rawBlock(le, 4, bytes(1, 0, 8, 0, 10, 0, 0, 1, 0x61, 0x2e, 0x62, 0, 0, 0, 0, 0)), // NRB: ipv4 record + end
    rawBlock(le, 5, new Uint8Array(12)), // ISB
    rawBlock(le, 0x00000bad, bytes(0, 0, 0x7f, 0xff, 1, 2, 3, 4)), // custom (copyable)
    rawBlock(le, 0x40000bad, bytes(0, 0, 0x7f, 0xff)), // custom (not copyable)
    rawBlock(le, 9, enc.encode('MESSAGE=x\n')), // systemd journal export
    rawBlock(le, 0x12345678, new Uint8Array(0)), // unknown
    epb(le, 0, 0, 9, pkt(8)),
  ]);
  const { events, error } = await readAll(file);
  assert.equal(error, undefined);
  assert.deepEqual(events.map((e) => e.kind), ['interface', 'frame']);
  assert.equal(frames(events)[0].fileOffset, file.length - 32 - 8);
});

test('ngTimestamp is exact for all paths (vs BigInt reference)', () => {
  const rnd = prng(42);
  const ref = (hi: number, lo: number, units: bigint) => {
    const t = (BigInt(hi) << 32n) | BigInt(lo);
    return { s: Number(t / units), ns: Number(((t % units) * 1_000_000_000n) / units) };
  };
  const cases: Array<[bigint, number]> = [];
  for (let n = 0; n <= 12; n++) cases.push([10n ** BigInt(n), n <= 9 ? 10 ** (9 - n) : 0]);
  for (const n of [0, 1, 10, 20, 23, 24, 30, 32, 40]) cases.push([1n << BigInt(n), 0]);
  for (const [units, mul] of cases) {
    for (let i = 0; i < 400; i++) {
      const his = [0, 1, 0xfffff, 0x100000, 0x17abcdef, 0xffffffff];
      const hi = i < his.length ? his[i] : Math.floor(rnd() * (rnd() < 0.5 ? 0x200000 : 4294967296));
      const lo = i % 3 === 0 ? 0xffffffff : Math.floor(rnd() * 4294967296);
      const r = ref(hi, lo, units);
      const got = ngTimestamp(hi, lo, Number(units), mul, units, 0);
      if (r.s <= Number.MAX_SAFE_INTEGER) assert.deepEqual(got, r, `units ${units} hi ${hi} lo ${lo}`);
    }
  }
});

test('gzip: streamed decompression, truncation, sync refusal', async () => {
  const raw = concat([shb(true), idb(true, 1, 0), ...Array.from({ length: 200 }, (_, i) => epb(true, 0, 0, i, pkt(100 + i, i)))]);
  const gz = gzipSync(raw);
  const expect = [...readCaptureSync(raw)].map(plain);
  const formats: Array<[string, boolean]> = [];
  for (const size of [1, 7, 4096, gz.length]) {
    const r = await collect(readCapture(chunked(gz, size), { onFormat: (f, g) => formats.push([f, g]) }));
    assert.equal(r.error, undefined);
    // fileOffset refers to the decompressed data, so everything matches
    assert.deepEqual(r.events.map(plain), expect);
  }
  assert.deepEqual(formats[0], ['pcapng', true]);
  const cut = gz.subarray(0, Math.floor(gz.length / 2));
  const r = await collect(readCapture(chunked(cut, 1000)));
  assertErr(r.error, 'CAPTURE_TRUNCATED');
  assert.ok(r.events.length > 10);
  assert.deepEqual(r.events.map(plain), expect.slice(0, r.events.length));
  assertErr(syncCollect(gz).error, 'CAPTURE_UNSUPPORTED', /gzip/);
  const empty = await collect(readCapture([gzipSync(new Uint8Array(0))]));
  assertErr(empty.error, 'CAPTURE_EMPTY');
});

test('errors: empty, unknown magic, truncated header/record/block', async () => {
  assertErr(syncCollect(new Uint8Array(0)).error, 'CAPTURE_EMPTY', /^empty file \(0 bytes\)$/, 0);
  assertErr((await collect(readCapture([]))).error, 'CAPTURE_EMPTY');
  assertErr((await readAll(enc.encode('<html><body>hi</body></html>'))).error, 'CAPTURE_UNKNOWN_FORMAT', /^not a capture file: unknown magic 0x3c68746d at offset 0/, 0);
  assertErr((await readAll(bytes(0x3c))).error, 'CAPTURE_UNKNOWN_FORMAT', /0x3c/);
  assertErr((await readAll(bytes(0xd4, 0xc3))).error, 'CAPTURE_TRUNCATED', /^truncated capture file header at offset 0: need 4 bytes, only 2 remain$/);
  const good = pcapFile({ le: true, records: [{ s: 1, frac: 0, data: pkt(100) }, { s: 2, frac: 0, data: pkt(1514) }] });
  assertErr((await readAll(good.subarray(0, 20))).error, 'CAPTURE_TRUNCATED', /^truncated capture file header at offset 0: need 24 bytes, only 20 remain$/);
  const r1 = await readAll(good.subarray(0, 24 + 116 + 5));
  assertErr(r1.error, 'CAPTURE_TRUNCATED', /^truncated packet record header at offset 140: need 16 bytes, only 5 remain$/, 140);
  assert.equal(frames(r1.events).length, 1);
  const r2 = await readAll(good.subarray(0, 24 + 116 + 16 + 600));
  assertErr(r2.error, 'CAPTURE_TRUNCATED', /^truncated packet record at offset 140: header says 1514 bytes, only 600 remain$/, 140);
  assert.equal(frames(r2.events).length, 1);
  const ng = concat([shb(false), idb(false, 1, 0), epb(false, 0, 0, 1, pkt(40)), epb(false, 0, 0, 2, pkt(80))]);
  const r3 = await readAll(ng.subarray(0, ng.length - 10));
  assertErr(r3.error, 'CAPTURE_TRUNCATED', /^truncated pcapng Enhanced Packet Block \(type 0x00000006\) at offset \d+: block length says 112 bytes, only 102 remain$/);
  assert.equal(frames(r3.events).length, 1);
  assertErr((await readAll(ng.subarray(0, ng.length - 110))).error, 'CAPTURE_TRUNCATED', /^truncated pcapng block header at offset \d+: need 8 bytes, only 2 remain$/);
  assertErr((await readAll(ng.subarray(0, 10))).error, 'CAPTURE_TRUNCATED', /^truncated capture file header at offset 0: need 12 bytes, only 10 remain$/);
});

test('errors: corrupt pcapng block lengths and hostile lengths', async () => {
  const le = true;
  const head = concat([shb(le), idb(le, 1, 0), epb(le, 0, 0, 1, pkt(40))]);
  const at = head.length;
  const withBlock = (blk: Uint8Array) => concat([head, blk, epb(le, 0, 0, 2, pkt(4))]);
  // trailing length mismatch
  const b1 = epb(le, 0, 0, 1, pkt(8));
  b1[b1.length - 4] ^= 4;
  let r = await readAll(withBlock(b1));
  assertErr(r.error, 'CAPTURE_CORRUPT', new RegExp(`^corrupt pcapng Enhanced Packet Block \\(type 0x00000006\\) at offset ${at}: trailing block length 44 does not match leading length 40$`), at);
  assert.equal(frames(r.events).length, 1);
  // not a multiple of 4
  const b2 = epb(le, 0, 0, 1, pkt(8));
  b2[4] = 41;
  assertErr((await readAll(withBlock(b2))).error, 'CAPTURE_CORRUPT', /block length 41 is not a multiple of 4$/, at);
  // too short
  const b3 = epb(le, 0, 0, 1, pkt(8));
  b3[4] = 8;
  assertErr((await readAll(withBlock(b3))).error, 'CAPTURE_CORRUPT', /block length 8 is less than 12$/, at);
  // hostile length: must fail at once, even when streaming with little data
  const b4 = epb(le, 0, 0, 1, pkt(8));
  b4.set([0xfc, 0xff, 0xff, 0xff], 4);
  assertErr((await readAll(withBlock(b4))).error, 'CAPTURE_CORRUPT', /block length 4294967292 exceeds the limit of 268435456 bytes$/, at);
  // caplen beyond the block
  const b5 = epb(le, 0, 0, 1, pkt(8));
  b5[20] = 200;
  assertErr((await readAll(withBlock(b5))).error, 'CAPTURE_CORRUPT', /captured length 200 exceeds the block \(room for 8 bytes\)$/, at);
  // bad byte-order magic
  const b6 = shb(le);
  b6[8] = 0;
  assertErr((await readAll(withBlock(b6))).error, 'CAPTURE_CORRUPT', /bad byte-order magic/, at);
  // unsupported pcapng major version
  const b7 = shb(le);
  b7[12] = 2;
  assertErr((await readAll(b7)).error, 'CAPTURE_UNSUPPORTED', /version 2\.0/);
  // pcap: hostile caplen
  const p = pcapFile({ le: false, records: [{ s: 1, frac: 0, data: pkt(10) }, { s: 1, frac: 0, data: pkt(10) }] });
  p.set([0x7f, 0xff, 0xff, 0xff], 24 + 26 + 8);
  r = await readAll(p);
  assertErr(r.error, 'CAPTURE_CORRUPT', /^corrupt packet record at offset 50: captured length 2147483647 exceeds the limit of 268435440 bytes$/, 50);
  assert.equal(frames(r.events).length, 1);
  // pcap: old major version
  assertErr((await readAll(pcapFile({ le: true, major: 1, minor: 0, records: [] }))).error, 'CAPTURE_UNSUPPORTED');
  // a custom maxBlockLength
  const big = pcapFile({ le: true, records: [{ s: 1, frac: 0, data: pkt(2000) }] });
  assertErr(syncErr(big, 1024), 'CAPTURE_CORRUPT', /exceeds the limit of 1008 bytes/);
});

function syncErr(b: Uint8Array, maxBlockLength: number): unknown {
  try {
    for (const _ of readCaptureSync(b, { maxBlockLength }));
  } catch (e) {
    return e;
  }
  return undefined;
}

test('streaming: a large claimed length is not allocated up front', async () => {
  // 200 MiB record (under the 256 MiB cap) of which only 1000 bytes exist
  const head = pcapFile({ le: true, records: [] });
  const rec = new ByteBuilder(true).u32(1).u32(0).u32(200 * 1024 * 1024).u32(200 * 1024 * 1024).build();
  const file = concat([head, rec, new Uint8Array(1000)]);
  const before = process.memoryUsage().arrayBuffers;
  let peak = before;
  async function* src() {
    for await (const c of chunked(file, 100)) {
      peak = Math.max(peak, process.memoryUsage().arrayBuffers);
      yield c;
    }
  }
  const r = await collect(readCapture(src()));
  assertErr(r.error, 'CAPTURE_TRUNCATED', /header says 209715200 bytes, only 1000 remain/);
  assert.ok(peak - before < 16 * 1024 * 1024, `peak growth ${peak - before}`);
});

test('batches: events grouped per input chunk; zero-length chunks ignored', async () => {
  const file = pcapFile({ le: true, records: Array.from({ length: 10 }, (_, i) => ({ s: i, frac: 0, data: pkt(50) })) });
  const batches: number[] = [];
  for await (const b of readCaptureBatches([file.subarray(0, 200), new Uint8Array(0), file.subarray(200)])) batches.push(b.length);
  assert.equal(batches.reduce((a, b) => a + b, 0), 11);
  assert.ok(batches.length === 2);
  // sync iterables are accepted too; a straddling record is copied, others are views
  const evs: CaptureEvent[] = [];
  const c1 = file.subarray(0, 200), c2 = file.subarray(200);
  for await (const e of readCapture([c1, c2])) evs.push(e);
  const f = frames(evs);
  assert.equal(f[0].data.buffer, file.buffer);
  const straddler = f.find((x) => x.fileOffset < 200 && x.fileOffset + 66 > 200);
  assert.ok(straddler && straddler.data.buffer !== file.buffer);
});

test('ngBlock helper sanity', () => {
  const b = ngBlock(true, 0x12, (x) => { x.u8(1); });
  assert.equal(b.length, 16);
});
