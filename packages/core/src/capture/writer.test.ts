import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TlsLensError } from '../errors.ts';
import { PcapngWriter, readCaptureSync, type CaptureEvent, type CaptureFrame } from './index.ts';
import { concat, epoch, hex, prng } from './_testutil.ts';

const hasTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
const CAPTURES = process.env.TLSLENS_CAPTURES ?? '/work/shared/captures';

function tshark(file: string, fields: string[]): { rc: number; lines: string[][]; stderr: string } {
  const r = spawnSync('tshark', ['-n', '-r', file, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8' });
  return {
    rc: r.status ?? -1,
    lines: r.stdout.split('\n').filter((l) => l).map((l) => l.split('\t')),
    stderr: r.stderr.split('\n').filter((l) => l && !/Running as user/.test(l)).join(' | '),
  };
}

function frameOf(evs: CaptureEvent[]): CaptureFrame[] {
  return evs.flatMap((e) => (e.kind === 'frame' ? [e.frame] : []));
}

const KEYLOG = 'CLIENT_RANDOM 0102030405060708091011121314151617181920212223242526272829303132 ' + 'ab'.repeat(48) + '\n';

function sample(): { file: Uint8Array; packets: Array<{ ifaceId: number; ts: { s: number; ns: number }; data: Uint8Array; origLen: number; comment?: string }> } {
  const rnd = prng(7);
  const w = new PcapngWriter();
  const parts = [w.sectionHeader(), w.addInterface({ linktype: 1 }), w.addInterface({ linktype: 101, nanosecond: true, name: 'tun0', snaplen: 65535 }), w.secrets(KEYLOG)];
  const packets = [];
  for (let i = 0; i < 50; i++) {
    const len = 1 + Math.floor(rnd() * 1600);
    const data = Uint8Array.from({ length: len }, () => Math.floor(rnd() * 256));
    const p = {
      ifaceId: i % 2,
      ts: { s: 1_700_000_000 + i, ns: Math.floor(rnd() * 1e9) },
      data,
      origLen: len + (i % 5 === 0 ? 100 : 0),
      ...(i % 7 === 0 ? { comment: `packet ${i} ✓` } : {}),
    };
    packets.push(p);
    parts.push(w.packet(p));
  }
  return { file: concat(parts), packets };
}

test('PcapngWriter output reads back with our reader', () => {
  const { file, packets } = sample();
  const evs = [...readCaptureSync(file)];
  assert.deepEqual(evs.filter((e) => e.kind === 'interface').map((e) => (e as { iface: unknown }).iface), [
    { linktype: 1, snaplen: 262144, tsresol: 6 },
    { linktype: 101, snaplen: 65535, tsresol: 9, name: 'tun0' },
  ]);
  const sec = evs.filter((e) => e.kind === 'secrets');
  assert.equal(sec.length, 1);
  assert.equal(sec[0].kind === 'secrets' && new TextDecoder().decode(sec[0].secrets.data), KEYLOG);
  assert.equal(sec[0].kind === 'secrets' && sec[0].secrets.type, 0x544c534b);
  const fr = frameOf(evs);
  assert.equal(fr.length, packets.length);
  fr.forEach((f, i) => {
    const p = packets[i];
    assert.equal(hex(f.data), hex(p.data));
    assert.equal(f.origLen, p.origLen);
    assert.equal(f.ifaceId, p.ifaceId);
    assert.equal(f.linktype, p.ifaceId === 0 ? 1 : 101);
    assert.deepEqual(f.ts, { s: p.ts.s, ns: p.ifaceId === 0 ? Math.floor(p.ts.ns / 1000) * 1000 : p.ts.ns });
    assert.deepEqual(f.comments, p.comment === undefined ? undefined : [p.comment]);
  });
});

test('PcapngWriter: odd-length DSB padded, usage errors', () => {
  const w = new PcapngWriter({ userAppl: '' });
  const shb = w.sectionHeader();
  assert.equal(shb.length, 28);
  const d = w.secrets('abcde');
  assert.equal(d.length, 28);
  assert.throws(() => w.packet({ ts: { s: 0, ns: 0 }, data: new Uint8Array(1) }), (e) => e instanceof TlsLensError && e.code === 'USAGE');
  w.addInterface({ linktype: 1 });
  assert.throws(() => w.packet({ ts: { s: 1, ns: 1e9 }, data: new Uint8Array(1) }), TlsLensError);
  const evs = [...readCaptureSync(concat([shb, d]))];
  assert.equal(evs.length, 1);
  assert.equal(evs[0].kind === 'secrets' && new TextDecoder().decode(evs[0].secrets.data), 'abcde');
});

test('PcapngWriter output agrees with tshark', { skip: hasTshark ? false : 'tshark not installed' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tlslens-writer-'));
  try {
    const { file, packets } = sample();
    const out = join(dir, 'out.pcapng');
    writeFileSync(out, file);
    const r = tshark(out, ['frame.number', 'frame.time_epoch', 'frame.len', 'frame.cap_len', 'frame.interface_id', 'frame.comment']);
    assert.equal(r.rc, 0, r.stderr);
    assert.equal(r.stderr, '');
    const ours = frameOf([...readCaptureSync(file)]);
    assert.equal(r.lines.length, packets.length);
    r.lines.forEach(([num, ep, len, cap, ifid, comment], i) => {
      const f = ours[i];
      assert.deepEqual([num, ep, len, cap, ifid], [String(i + 1), epoch(f.ts), String(f.origLen), String(f.data.length), String(f.ifaceId)]);
      assert.equal(comment ?? '', packets[i].comment ?? '');
    });
    // a file with only a DSB between SHB/IDB and the packets still reads
    const w = new PcapngWriter();
    const dsbOnly = concat([w.sectionHeader(), w.secrets(KEYLOG + 'x'), w.addInterface({ linktype: 1 }), w.packet({ ts: { s: 1, ns: 0 }, data: new Uint8Array(60) })]);
    writeFileSync(out, dsbOnly);
    const r2 = tshark(out, ['frame.number']);
    assert.equal(r2.rc, 0, r2.stderr);
    assert.deepEqual(r2.lines, [['1']]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('rewriting a real capture with PcapngWriter keeps frames, times and secrets (ours and tshark)', { skip: !hasTshark ? 'tshark not installed' : !existsSync(join(CAPTURES, 'wireshark/tls12-dsb.pcapng')) ? 'captures absent' : false }, () => {
  const src = join(CAPTURES, 'wireshark/tls12-dsb.pcapng');
  const evs = [...readCaptureSync(readFileSync(src))];
  const w = new PcapngWriter();
  const parts = [w.sectionHeader()];
  for (const e of evs) {
    if (e.kind === 'interface') parts.push(w.addInterface({ linktype: e.iface.linktype, snaplen: e.iface.snaplen, nanosecond: true }));
    else if (e.kind === 'secrets') parts.push(w.secrets(e.secrets.data, e.secrets.type));
    else parts.push(w.packet(e.frame));
  }
  const file = concat(parts);
  const back = [...readCaptureSync(file)];
  const strip = (x: CaptureEvent[]) => x.filter((e) => e.kind !== 'interface').map((e) => (e.kind === 'frame' ? [hex(e.frame.data), e.frame.origLen, epoch(e.frame.ts), e.frame.comments] : [e.secrets.type, hex(e.secrets.data)]));
  assert.deepEqual(strip(back), strip(evs));
  const dir = mkdtempSync(join(tmpdir(), 'tlslens-writer-'));
  try {
    const out = join(dir, 'rewritten.pcapng');
    writeFileSync(out, file);
    const fields = ['frame.number', 'frame.time_epoch', 'frame.len', 'tls.handshake.type', 'http.request.uri'];
    const a = tshark(src, fields);
    const b = tshark(out, fields);
    assert.equal(b.rc, 0, b.stderr);
    assert.deepEqual(b.lines, a.lines, 'same dissection, including decryption with the DSB');
    assert.ok(a.lines.some((l) => l[4]), 'the DSB decrypts HTTP in the original');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
