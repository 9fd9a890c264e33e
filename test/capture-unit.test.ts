// `tlslens capture` without capturing: option parsing, backend command lines, key log tailing (no root needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCaptureArgs } from '../packages/cli/src/capture/args.ts';
import { backendArgs } from '../packages/cli/src/capture/backend.ts';
import { KeylogTail } from '../packages/cli/src/capture/keylog.ts';
import { Engine, readCaptureSync } from '@tlslens/core';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, tlslens } from './helpers.ts';

test('capture options are separated from read options; trailing words are the capture filter', () => {
  const a = parseCaptureArgs(['-ilo', '-c', '5', '-qV', '-Y', 'tls', '-Tfields', '-e', 'frame.number', '-a', 'duration:3', '-w', 'x.pcapng', '--keylog', 'k.log', 'tcp', 'port', '443']);
  assert.deepEqual(a.interfaces, ['lo']);
  assert.equal(a.bpf, 'tcp port 443');
  assert.equal(a.write, 'x.pcapng');
  assert.deepEqual(a.autostop, { duration: 3 });
  assert.equal(a.read.count, 5);
  assert.equal(a.read.quiet, true);
  assert.equal(a.read.verbose, true);
  assert.equal(a.read.filter, 'tls');
  assert.equal(a.read.format, 'fields');
  assert.deepEqual(a.read.fields, ['frame.number']);
  assert.deepEqual(a.read.keylogs, ['k.log']);
  assert.deepEqual(backendArgs('dumpcap', a), ['-f', 'tcp port 443', '-i', 'lo', '-c', '5', '-a', 'duration:3', '-q', '-w', '-']);
  assert.deepEqual(backendArgs('tcpdump', a), ['-n', '--immediate-mode', '-U', '-s', '262144', '-i', 'lo', '-c', '5', '-w', '-', 'tcp port 443']);
});

test('ring buffer and stop conditions', () => {
  const a = parseCaptureArgs(['-i', 'any', '-w', 'r.pcapng', '-b', 'filesize:100', '-b', 'files:3', '-a', 'files:5', '-a', 'packets:7', '-c', '9', '-p', '-o', 'tls.keylog_file:/tmp/k']);
  assert.equal(a.ringEnabled, true);
  assert.deepEqual(a.ring, { filesize: 100, files: 3 });
  assert.deepEqual(a.autostop, { files: 5, packets: 7 });
  assert.equal(a.noPromisc, true);
  assert.deepEqual(a.read.prefs, [['tls.keylog_file', '/tmp/k']]);
  assert.deepEqual(backendArgs('dumpcap', a), ['-p', '-i', 'any', '-c', '7', '-q', '-w', '-']);
  assert.equal(parseCaptureArgs(['-D']).list, true);
});

test('usage errors exit 1', () => {
  for (const args of [
    ['-b', 'filesize:10'], // -b without -w
    ['-w', 'x.pcapng', '-b', 'files:3'], // nothing to switch files on
    ['-a', 'size:3'],
    ['-c', '0'],
    ['-r', 'file.pcap'],
    ['-f', 'tcp', 'port', '80'],
    ['--backend', 'libpcap'],
    ['-Z'],
  ]) {
    const r = tlslens(['capture', ...args]);
    assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^tlslens: /, args.join(' '));
  }
});

test('capture --help documents the backend and the exit codes', () => {
  const r = tlslens(['capture', '--help']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /dumpcap/);
  assert.match(r.stdout, /tcpdump/);
  assert.match(r.stdout, /Exit status: 0 success[^]*1 bad usage[^]*2 cannot capture/);
  assert.match(r.stdout, /4 invalid display filter/);
});

test('the key log is read again as it grows (complete lines only, truncation restarts)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tlslens-keylog-'));
  try {
    const file = join(dir, 'keys.log');
    const line = (i: number) => `CLIENT_RANDOM ${i.toString(16).padStart(64, '0')} ${'ab'.repeat(48)}\n`;
    const tail = new KeylogTail([file], new Engine());
    assert.equal(tail.poll(true), 0); // not created yet
    writeFileSync(file, line(1));
    assert.equal(tail.poll(true), 1);
    const l2 = line(2);
    appendFileSync(file, l2.slice(0, 40)); // half a line: wait for the rest
    assert.equal(tail.poll(true), 0);
    appendFileSync(file, l2.slice(40) + line(3));
    assert.equal(tail.poll(true), 2);
    assert.equal(tail.keys.size, 3);
    writeFileSync(file, line(4)); // replaced by a shorter file
    assert.equal(tail.poll(true), 1);
    assert.equal(tail.keys.size, 4);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * Frames of `file` showing decrypted HTTP/1.x or HTTP/2 when the key log `keys` reaches the engine
 * right after frame `after` (as KeylogTail delivers it during a live capture; 0 = from the start).
 */
function httpFramesWithKeysAfter(file: string, keys: string, after: number): number[] {
  const engine = new Engine();
  engine.keys().lateKeys = true; // what `tlslens capture --keylog` sets
  const reg = engine.reg;
  const ids = ['http.request.method', 'http.response.code', 'http2.type'].map((n) => reg.find(n)!.id);
  const wanted = { fields: new Uint8Array(reg.size).fill(1), tree: false, columns: false };
  const out: number[] = [];
  let n = 0;
  for (const ev of readCaptureSync(readFileSync(file))) {
    if (ev.kind !== 'frame') continue;
    if (n === after) engine.addKeyLog(keys, 'test');
    const p = engine.dissect(ev.frame, ++n, wanted);
    if (ids.some((id) => p.has(id))) out.push(n);
  }
  return out;
}

for (const name of ['tls12-ecdhe-rsa-aes128gcm', 'tls13-chacha20', 'tls13-aes128gcm-h2']) {
  test(`live key log: ${name} decrypts whatever frame its key arrives after, up to its first HTTP frame`, () => {
    const file = join(ROOT, 'test/fixtures', `${name}.pcapng`);
    const keys = readFileSync(join(ROOT, 'test/fixtures', `${name}.keys`), 'utf8');
    const all = httpFramesWithKeysAfter(file, keys, 0);
    assert.ok(all.length >= 2, `${all}`);
    for (let k = 1; k < all[0]!; k++) assert.deepEqual(httpFramesWithKeysAfter(file, keys, k), all, `keys after frame ${k}`);
    // later keys: what follows still decrypts when it can, nothing breaks
    for (const k of all) for (const f of httpFramesWithKeysAfter(file, keys, k)) assert.ok(all.includes(f) && f > k);
  });
}
