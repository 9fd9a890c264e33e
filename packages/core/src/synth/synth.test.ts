import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildPcapng, internetChecksum, synthesizeTcp, type TcpChunk, type TcpConversation } from './index.ts';
import type { AbsTime } from '../fields/types.ts';

const HAVE_TSHARK = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
const T0 = 1_700_000_000;
const at = (us: number): AbsTime => ({ s: T0 + Math.floor(us / 1e6), ns: (us % 1e6) * 1000 });
function bytes(n: number, fill: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (fill + i * 7) & 0xff;
  return b;
}

const client = { ip: '192.0.2.10', port: 51000 };
const server = { ip: '198.51.100.20', port: 443 };

const CASES: Record<string, TcpConversation> = {
  'request/response, client closes': {
    client, server,
    chunks: [
      { t: at(1000), dir: 0, bytes: bytes(300, 1) },
      { t: at(1200), dir: 1, bytes: bytes(4000, 2) },
      { t: at(1500), dir: 0, bytes: bytes(100, 3) },
      { t: at(1510), dir: 0, bytes: bytes(80, 4) },
      { t: at(1800), dir: 1, bytes: bytes(1448 * 2, 5) },
    ],
    fin: [at(2000), at(2010)],
  },
  'big transfer, server closes first, data after the first FIN': {
    client, server,
    chunks: [
      { t: at(10), dir: 0, bytes: bytes(200, 1) },
      { t: at(50), dir: 1, bytes: bytes(150_000, 2) },
      { t: at(60_000), dir: 0, bytes: bytes(31, 3) },
    ],
    fin: [at(60_010), at(55_000)],
  },
  'overlapping chunks from both sides, delayed answers': {
    client, server,
    chunks: [
      { t: at(0), dir: 0, bytes: bytes(500, 1) },
      { t: at(5), dir: 1, bytes: bytes(3000, 2) },
      { t: at(6), dir: 0, bytes: bytes(3000, 3) },
      { t: at(100_000), dir: 1, bytes: bytes(10, 4) },
    ],
    fin: [at(200_000), undefined],
  },
  'reset': {
    client, server,
    chunks: [{ t: at(0), dir: 0, bytes: bytes(10, 1) }, { t: at(10), dir: 1, bytes: bytes(10, 1) }],
    rst: { dir: 1, t: at(20) },
  },
};

/** TCP payloads per direction, reassembled from our frames. */
function payloads(frames: readonly { data: Uint8Array }[], cport: number): [number[], number[]] {
  const out: [number[], number[]] = [[], []];
  for (const f of frames) {
    const d = f.data;
    const ihl = (d[14] & 15) * 4;
    const tcp = 14 + ihl;
    const total = (d[16] << 8) | d[17];
    const hl = (d[tcp + 12] >> 4) * 4;
    const sport = (d[tcp] << 8) | d[tcp + 1];
    out[sport === cport ? 0 : 1].push(...d.subarray(tcp + hl, 14 + total));
  }
  return out;
}

describe('synthesizeTcp', () => {
  for (const [name, conv] of Object.entries(CASES)) {
    it(name, (t) => {
      const frames = synthesizeTcp(conv);
      // payload round trip
      const [c2s, s2c] = payloads(frames, conv.client.port);
      const want = (dir: 0 | 1) => conv.chunks.filter((c: TcpChunk) => c.dir === dir).flatMap((c) => [...c.bytes]);
      assert.deepEqual(c2s, want(0));
      assert.deepEqual(s2c, want(1));
      // frames fit the MTU, times never go backwards, IP checksums verify
      let prev = -1;
      for (const f of frames) {
        assert.ok(f.data.length <= 1514, `frame of ${f.data.length} bytes`);
        const tns = f.ts.s * 1e9 + f.ts.ns;
        assert.ok(tns >= prev);
        prev = tns;
        assert.equal(internetChecksum(f.data, 14, 34), 0);
      }
      if (!HAVE_TSHARK) {
        t.skip('tshark not installed');
        return;
      }
      const dir = mkdtempSync(join(tmpdir(), 'tlslens-synth-'));
      try {
        const file = join(dir, 'x.pcapng');
        writeFileSync(file, buildPcapng({ frames }));
        const base = ['-r', file, '-o', 'tcp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE'];
        const r = spawnSync('tshark', [...base, '-T', 'fields', '-e', 'tcp.checksum.status', '-e', 'ip.checksum.status'], { encoding: 'utf8' });
        assert.equal(r.status, 0, r.stderr);
        const lines = r.stdout.trim().split('\n');
        assert.equal(lines.length, frames.length);
        for (const l of lines) assert.equal(l, '1\t1', 'checksum status should be 1 (Good)');
        const flags = spawnSync('tshark', [...base, '-Y', 'tcp.analysis.flags'], { encoding: 'utf8' });
        assert.equal(flags.status, 0, flags.stderr);
        assert.equal(flags.stdout, '', 'tcp.analysis.flags should match nothing');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('is deterministic for a given seed and starts with a proper handshake', () => {
    const conv = CASES['request/response, client closes'];
    const a = synthesizeTcp(conv, { seed: 42, comment: 'hello' });
    const b = synthesizeTcp(conv, { seed: 42 });
    assert.deepEqual(a.map((f) => f.data), b.map((f) => f.data));
    assert.equal(a[0].comment, 'hello');
    const flags = a.slice(0, 3).map((f) => f.data[14 + 20 + 13]);
    assert.deepEqual(flags, [0x02, 0x12, 0x10]);
    assert.equal(a[0].data[14 + 20 + 12] >> 4, 10); // 40-byte TCP header with options
  });
});
