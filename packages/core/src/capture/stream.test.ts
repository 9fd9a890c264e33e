/**
 * Streaming equivalence and robustness properties on real captures (seeded PRNG):
 *  - any chunking yields the same events as the whole-buffer reader;
 *  - every prefix of a capture yields a prefix of its frames, then CAPTURE_TRUNCATED (or nothing);
 *  - random bit flips / byte overwrites never raise a non-TlsLensError, never hang, never make
 *    the streaming reader hold much more memory than the input, and leave the frames whose
 *    records end before the damage untouched; sync and streaming readers agree on damaged input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { TlsLensError } from '../errors.ts';
import { readCapture, readCaptureSync, type CaptureEvent } from './index.ts';
import { chunked, plain, prng } from './_testutil.ts';

const CAPTURES = process.env.TLSLENS_CAPTURES ?? '/work/shared/captures';
const skip = existsSync(CAPTURES) ? false : `${CAPTURES} absent`;

const EQUIV_FILES = [
  'wireshark/tls12-dsb.pcapng', // pcapng with DSBs
  'ndpi/pcap/http2.pcapng',
  'zeek/traces/ssl-v2.pcap',
  'scapy/pcaps/http_head.pcapng.gz',
  'scapy/pcaps/tls_tcp_frag.pcap.gz',
  'ndpi/pcap/1kxun.pcap', // 2.5 MB
];
const PREFIX_FILES = ['suricata-verify/tests/ja4-sv-handshake/input.pcap', 'ndpi/pcap/http2.pcapng', 'foxio-ja4/pcap/tls-non-ascii-alpn.pcapng', 'wireshark-dfilter-2013/arp.pcap'];
const FUZZ_FILES = ['wireshark/tls12-dsb.pcapng', 'zeek/traces/ssl-v2.pcap', 'ndpi/pcap/tls_1.3_unidirectional_server.pcapng', 'snet/decrypt_by_keylog/TLS1_1_AECDH-AES256-SHA.pcap'];

interface Result { events: CaptureEvent[]; error?: unknown }

function syncRead(b: Uint8Array): Result {
  const events: CaptureEvent[] = [];
  try {
    for (const e of readCaptureSync(b)) events.push(e);
  } catch (error) {
    return { events, error };
  }
  return { events };
}

async function asyncRead(src: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Result> {
  const events: CaptureEvent[] = [];
  try {
    for await (const e of readCapture(src)) events.push(e);
  } catch (error) {
    return { events, error };
  }
  return { events };
}

/** Chunks of random sizes 1..max. */
function* randomChunks(b: Uint8Array, rnd: () => number, max: number): Generator<Uint8Array> {
  for (let i = 0; i < b.length;) {
    const n = 1 + Math.floor(rnd() * max);
    yield b.subarray(i, Math.min(b.length, i + n));
    i += n;
  }
}

function sameError(a: unknown, b: unknown, what: string): void {
  if (a === undefined || b === undefined) {
    assert.equal(a, b, `${what}: one reader failed, the other did not`);
    return;
  }
  assert.ok(a instanceof TlsLensError, `${what}: ${String(a)}`);
  assert.ok(b instanceof TlsLensError, `${what}: ${String(b)}`);
  assert.equal(a.message, b.message, what);
  assert.equal(a.code, b.code, what);
  assert.equal(a.offset, b.offset, what);
}

const frameKey = (e: CaptureEvent) => (e.kind === 'frame' ? `${e.frame.fileOffset}` : e.kind);

test('streaming equivalence: 1, 7, 4096 and whole-file chunks give identical events', { skip }, async (t) => {
  for (const f of EQUIV_FILES) {
    const path = join(CAPTURES, f);
    if (!existsSync(path)) { t.diagnostic(`missing ${f}`); continue; }
    await t.test(f, async () => {
      const bytes = readFileSync(path);
      const gz = f.endsWith('.gz');
      const ref = gz ? syncRead(gunzipSync(bytes)) : syncRead(bytes);
      assert.equal(ref.error, undefined);
      const expect = ref.events.map(plain);
      const sizes = bytes.length > 500_000 ? [7, 4096, 65536, bytes.length] : [1, 7, 4096, bytes.length];
      for (const size of sizes) {
        const r = await asyncRead(chunked(bytes, size));
        assert.equal(r.error, undefined, `chunk size ${size}`);
        assert.deepEqual(r.events.map(plain), expect, `chunk size ${size}`);
      }
    });
  }
});

test('every prefix yields a prefix of the frames, then CAPTURE_TRUNCATED', { skip }, async (t) => {
  for (const f of PREFIX_FILES) {
    const path = join(CAPTURES, f);
    if (!existsSync(path)) { t.diagnostic(`missing ${f}`); continue; }
    await t.test(f, async () => {
      const bytes = readFileSync(path);
      const good = syncRead(bytes);
      assert.equal(good.error, undefined);
      const goodPlain = good.events.map(plain);
      const frameStarts = good.events.filter((e) => e.kind === 'frame').map((e) => (e as { frame: { fileOffset: number } }).frame.fileOffset);
      const rnd = prng(bytes.length);
      for (let n = 0; n < bytes.length; n++) {
        const r = syncRead(bytes.subarray(0, n));
        assert.deepEqual(r.events.map(plain), goodPlain.slice(0, r.events.length), `prefix ${n}`);
        if (r.error === undefined) {
          // a clean end must not have dropped a frame that started before it
          const before = frameStarts.filter((o) => o < n).length;
          assert.equal(r.events.filter((e) => e.kind === 'frame').length, before, `prefix ${n} read without error but lost a frame`);
        } else {
          assert.ok(r.error instanceof TlsLensError, `prefix ${n}: ${String(r.error)}`);
          assert.equal(r.error.code, n === 0 ? 'CAPTURE_EMPTY' : 'CAPTURE_TRUNCATED', `prefix ${n}: ${r.error.message}`);
        }
        if (n % 97 === 0) {
          // the streaming reader, randomly chunked, agrees
          const a = await asyncRead(randomChunks(bytes.subarray(0, n), rnd, 300));
          assert.deepEqual(a.events.map(plain), r.events.map(plain), `prefix ${n} streamed`);
          sameError(a.error, r.error, `prefix ${n} streamed`);
        }
      }
    });
  }
  // compressed prefixes
  const gzPath = join(CAPTURES, 'scapy/pcaps/tls_tcp_frag.pcap.gz');
  if (existsSync(gzPath)) {
    const gz = readFileSync(gzPath);
    const good = syncRead(gunzipSync(gz)).events.map(plain);
    for (let n = 1; n < gz.length; n += 37) {
      const r = await asyncRead(chunked(gz.subarray(0, n), 512));
      assert.ok(r.error instanceof TlsLensError, `gz prefix ${n}: ${String(r.error)}`);
      assert.deepEqual(r.events.map(plain), good.slice(0, r.events.length), `gz prefix ${n}`);
    }
  }
});

test('random bit flips and byte overwrites: only TlsLensErrors, undamaged frames intact, sync == streaming', { skip }, async (t) => {
  const started = Date.now();
  const memBase = process.memoryUsage().arrayBuffers;
  let worstMem = 0;
  const codes = new Map<string, number>();
  for (const f of FUZZ_FILES) {
    const path = join(CAPTURES, f);
    if (!existsSync(path)) { t.diagnostic(`missing ${f}`); continue; }
    await t.test(f, async () => {
      const bytes = new Uint8Array(readFileSync(path));
      const good = syncRead(bytes);
      assert.equal(good.error, undefined);
      const goodPlain = good.events.map(plain);
      // record starts, to aim at headers half of the time
      const starts = good.events.filter((e) => e.kind === 'frame').map((e) => (e as { frame: { fileOffset: number } }).frame.fileOffset);
      starts.push(0);
      const rnd = prng(0xc0ffee ^ bytes.length);
      for (let iter = 0; iter < 250; iter++) {
        const m = bytes.slice();
        const hits: number[] = [];
        const nmut = 1 + Math.floor(rnd() * 3);
        for (let k = 0; k < nmut; k++) {
          const pos = rnd() < 0.5
            ? Math.min(m.length - 1, starts[Math.floor(rnd() * starts.length)] + Math.floor(rnd() * 32))
            : Math.floor(rnd() * m.length);
          if (rnd() < 0.5) m[pos] ^= 1 << Math.floor(rnd() * 8);
          else m[pos] = [0x00, 0xff, 0x7f, 0x80][Math.floor(rnd() * 4)];
          hits.push(pos);
        }
        // cut the tail sometimes
        const cut = rnd() < 0.2 ? Math.floor(rnd() * m.length) : m.length;
        const input = m.subarray(0, cut);
        const first = Math.min(cut, ...hits);
        const r = syncRead(input);
        if (r.error !== undefined) {
          assert.ok(r.error instanceof TlsLensError, `iter ${iter}: ${String(r.error)}`);
          codes.set(r.error.code, (codes.get(r.error.code) ?? 0) + 1);
        }
        // every event that ends before the first damaged byte is unchanged
        for (let i = 0; i < goodPlain.length; i++) {
          const nextStart = i + 1 < good.events.length ? Number(frameKey(good.events[i + 1])) : Infinity;
          if (!(nextStart <= first)) break;
          assert.deepEqual(r.events[i] && plain(r.events[i]), goodPlain[i], `iter ${iter}: event ${i} before damage at ${first}`);
        }
        if (iter % 5 === 0) {
          const a = await asyncRead(randomChunks(input, rnd, 2000));
          assert.deepEqual(a.events.map(plain), r.events.map(plain), `iter ${iter} streamed`);
          sameError(a.error, r.error, `iter ${iter} streamed`);
          worstMem = Math.max(worstMem, process.memoryUsage().arrayBuffers - memBase);
        }
      }
    });
  }
  t.diagnostic(`error codes seen: ${[...codes].map(([c, n]) => `${c}×${n}`).join(', ')}; worst arrayBuffers growth ${(worstMem / 1048576).toFixed(1)} MiB`);
  assert.ok(worstMem < 64 * 1048576, `memory grew by ${worstMem} bytes`);
  assert.ok(Date.now() - started < 60_000, 'fuzzing took too long');
});
