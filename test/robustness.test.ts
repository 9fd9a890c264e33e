// Hostile frames through the whole dissection engine: truncated and bit-flipped copies of
// real frames must never throw out of a dissector, hang, or grow memory without bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine, readCaptureSync, type CaptureFrame } from '@tlslens/core';
import { CAPTURES, haveCaptures } from './helpers.ts';

const CASES = [
  'arkime/pcap/openssl-tls1_2.pcap',
  'wireshark/tls12-dsb.pcapng',
  'arkime/pcap/tls-alpn-h2.pcap',
  'ndpi/pcap/http2.pcapng',
  'wireshark-dfilter-2013/ipv6.pcap',
  'wireshark-dfilter-2013/nfs.pcap',
  'illustrated-tls13/captures/capture.pcap',
];

/** xorshift32: a seeded PRNG so failures can be replayed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

function frames(path: string): CaptureFrame[] {
  const out: CaptureFrame[] = [];
  for (const ev of readCaptureSync(new Uint8Array(readFileSync(path)))) if (ev.kind === 'frame') out.push(ev.frame);
  return out;
}

function run(fs: readonly CaptureFrame[], tree: boolean): { exceptions: string[] } {
  const engine = new Engine();
  const wanted = { tree, columns: true, fields: tree ? undefined : new Uint8Array(engine.reg.size).fill(1) };
  const exceptions: string[] = [];
  fs.forEach((f, i) => {
    const p = engine.dissect(f, i + 1, wanted);
    for (const e of p.experts) if (e.message.startsWith('Dissector exception')) exceptions.push(`frame ${i + 1}: ${e.message}`);
  });
  return { exceptions };
}

test('mutated real frames never make a dissector throw', { skip: !haveCaptures() && 'public captures not found' }, () => {
  const r = rng(0x7115);
  for (const c of CASES) {
    const orig = frames(join(CAPTURES, c));
    assert.ok(orig.length > 0, c);
    assert.deepEqual(run(orig, true).exceptions, [], `${c} as captured`);
    for (let round = 0; round < 6; round++) {
      const mutated = orig.map((f) => {
        const d = f.data.slice();
        const kind = r();
        if (kind < 0.4) {
          // flip a few bits
          for (let k = 0; k < 1 + Math.floor(r() * 8); k++) d[Math.floor(r() * d.length)]! ^= 1 << Math.floor(r() * 8);
        } else if (kind < 0.7) {
          // overwrite a run with hostile bytes (0x00 / 0xff lengths)
          const at = Math.floor(r() * d.length);
          d.fill(r() < 0.5 ? 0xff : 0x00, at, Math.min(d.length, at + 1 + Math.floor(r() * 6)));
        } else {
          // truncate the frame (a shorter snaplen)
          return { ...f, data: d.subarray(0, Math.floor(r() * d.length)) };
        }
        return { ...f, data: d };
      });
      const t0 = Date.now();
      const res = run(mutated, round % 2 === 0);
      assert.deepEqual(res.exceptions, [], `${c} round ${round}`);
      assert.ok(Date.now() - t0 < 20000, `${c} round ${round} took too long`);
    }
  }
});

test('every prefix of every frame dissects without an exception', { skip: !haveCaptures() && 'public captures not found' }, () => {
  const orig = frames(join(CAPTURES, 'arkime/pcap/openssl-tls1_2.pcap')).slice(0, 12);
  for (let cut = 0; cut <= 80; cut += 3) {
    const fs = orig.map((f) => ({ ...f, data: f.data.subarray(0, Math.min(cut, f.data.length)) }));
    assert.deepEqual(run(fs, true).exceptions, [], `cut at ${cut}`);
  }
});
