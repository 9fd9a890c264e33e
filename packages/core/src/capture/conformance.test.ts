/**
 * Conformance against tshark on every real capture under /work/shared/captures (or
 * $TLSLENS_CAPTURES): frame count, per-frame cap_len / len / time_epoch and the link type
 * (where the LINKTYPE → WTAP_ENCAP mapping is known). tshark output is cached under
 * os.tmpdir() keyed by the file's sha256, so only the first run pays for tshark.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TlsLensError } from '../errors.ts';
import { readCapture, readCaptureSync, type CaptureEvent } from './index.ts';
import { chunked, epoch } from './_testutil.ts';

const CAPTURES = process.env.TLSLENS_CAPTURES ?? '/work/shared/captures';
const CACHE = join(tmpdir(), 'tlslens-capture-oracle-v1');
const FIELDS = ['frame.number', 'frame.cap_len', 'frame.len', 'frame.time_epoch', 'frame.encap_type'];
/** LINKTYPE_* → Wireshark WTAP_ENCAP_* for the link types we are sure of. */
const ENCAP: Record<number, number> = { 0: 15, 1: 1, 6: 2, 10: 6, 101: 7, 107: 26, 113: 25, 228: 129, 229: 130, 276: 210 };

const hasTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
const hasCaptures = existsSync(CAPTURES);

function captureFiles(): string[] {
  return (readdirSync(CAPTURES, { recursive: true }) as string[])
    .filter((f) => /\.(pcap|pcapng|cap|ntar)(\.gz)?$/i.test(f))
    .sort();
}

interface Oracle { rc: number; stdout: string; stderr: string }

function runTshark(file: string): Promise<Oracle> {
  return new Promise((resolve) => {
    const args = ['-n', '-r', file, '-T', 'fields', ...FIELDS.flatMap((f) => ['-e', f])];
    execFile('tshark', args, { maxBuffer: 256 << 20 }, (err, stdout, stderr) => {
      const rc = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ rc, stdout, stderr: stderr.split('\n').filter((l) => l && !/Running as user/.test(l)).join(' | ') });
    });
  });
}

async function oracles(files: string[]): Promise<Map<string, Oracle>> {
  mkdirSync(CACHE, { recursive: true });
  const out = new Map<string, Oracle>();
  const todo: Array<{ file: string; cache: string }> = [];
  for (const f of files) {
    const sha = createHash('sha256').update(readFileSync(join(CAPTURES, f))).digest('hex');
    const cache = join(CACHE, sha + '.json');
    if (existsSync(cache)) out.set(f, JSON.parse(readFileSync(cache, 'utf8')) as Oracle);
    else todo.push({ file: f, cache });
  }
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const { file, cache } = todo[next++];
      const o = await runTshark(join(CAPTURES, file));
      writeFileSync(cache, JSON.stringify(o));
      out.set(file, o);
    }
  };
  await Promise.all([worker(), worker()]); // 2 cores, shared with others
  return out;
}

async function mine(file: string): Promise<{ events: CaptureEvent[]; error?: unknown }> {
  const bytes = readFileSync(file);
  const events: CaptureEvent[] = [];
  try {
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) for await (const e of readCapture(chunked(bytes, 65536))) events.push(e);
    else for (const e of readCaptureSync(bytes)) events.push(e);
  } catch (error) {
    return { events, error };
  }
  return { events };
}

test('conformance with tshark on real captures', { skip: !hasTshark ? 'tshark not installed' : !hasCaptures ? `${CAPTURES} absent` : false }, async (t) => {
  const files = captureFiles();
  assert.ok(files.length > 0, 'no capture files found');
  const oracle = await oracles(files);
  const tsharkFailed: string[] = [];
  const encapPairs = new Map<string, number>();
  let frames = 0;
  for (const f of files) {
    await t.test(f, async () => {
      const o = oracle.get(f)!;
      const lines = o.stdout.split('\n').filter((l) => l.length > 0).map((l) => l.split('\t'));
      const { events, error } = await mine(join(CAPTURES, f));
      if (o.rc !== 0 || o.stderr) tsharkFailed.push(`${f}: tshark rc=${o.rc} ${o.stderr}; we: ${error instanceof Error ? error.message : 'no error'}`);
      if (error !== undefined) {
        assert.ok(error instanceof TlsLensError, `non-TlsLensError: ${String(error)}`);
        assert.notEqual(o.rc, 0, `we failed (${error.message}) where tshark read the whole file`);
      }
      const fr = events.filter((e) => e.kind === 'frame').map((e) => (e as Extract<CaptureEvent, { kind: 'frame' }>).frame);
      assert.equal(fr.length, lines.length, 'frame count');
      frames += fr.length;
      for (let i = 0; i < fr.length; i++) {
        const [num, cap, len, ep, encap] = lines[i];
        const x = fr[i];
        const got = `${i + 1} ${x.data.length} ${x.origLen} ${epoch(x.ts)}`;
        assert.equal(got, `${num} ${cap} ${len} ${ep}`, `frame ${i + 1}`);
        const key = `${x.linktype}->${encap}`;
        encapPairs.set(key, (encapPairs.get(key) ?? 0) + 1);
        if (ENCAP[x.linktype] !== undefined) assert.equal(Number(encap), ENCAP[x.linktype], `frame ${i + 1} linktype ${x.linktype}`);
      }
    });
  }
  t.diagnostic(`${files.length} files, ${frames} frames; LINKTYPE->WTAP_ENCAP seen: ${[...encapPairs.keys()].join(', ')}`);
  for (const m of tsharkFailed) t.diagnostic(`tshark failed: ${m}`);
});
