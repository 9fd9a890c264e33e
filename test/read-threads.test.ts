// `tlslens read --threads N` must print exactly what one thread prints (stdout, stderr, exit
// status): on the varied public captures with their keys, in every output format, on a damaged
// file, and where a worker cannot know the answer alone (a TLS session resumed across workers
// without a key log line of its own, a SOCKS proxy) and one thread takes over.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CHAIN_PEM, CA_PEM, LEAF_KEY_PEM } from '../packages/cli/src/demo/certs.ts';
import { record } from './explain-record.ts';
import { CAPTURES, CLI, haveCaptures } from './helpers.ts';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(args: readonly string[], debug = false): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    maxBuffer: 256 << 20,
    cwd: CAPTURES,
    env: { ...process.env, TLSLENS_THREADS_DEBUG: debug ? '1' : '' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs args with one thread and with `n`; asserts the same output; returns the threaded run's debug lines. */
function same(args: readonly string[], n: number, what: string): string[] {
  const one = run([...args, '--threads', '1']);
  const many = run([...args, '--threads', String(n)], true);
  const debug = many.stderr.split('\n').filter((l) => l.startsWith('tlslens: threads:'));
  const stderr = many.stderr.split('\n').filter((l) => !l.startsWith('tlslens: threads:')).join('\n');
  assert.equal(many.stdout, one.stdout, `${what}: stdout`);
  assert.equal(stderr, one.stderr, `${what}: stderr`);
  assert.equal(many.status, one.status, `${what}: exit status`);
  return debug;
}

const FIELDS = ['-T', 'fields', '-E', 'occurrence=a', '-e', 'frame.number', '-e', 'frame.time_relative', '-e', 'frame.time_delta',
  '-e', 'tcp.stream', '-e', 'tcp.seq', '-e', 'tcp.analysis.flags', '-e', 'tls.record.content_type', '-e', 'tls.handshake.type',
  '-e', 'tls.handshake.extensions_server_name', '-e', 'http.request.uri', '-e', 'http2.headers.path', '-e', 'http.response.code',
  '-e', 'quic.packet_number', '-e', '_ws.col.Info'];

function cases(list: string): { cap: string; opts: string[] }[] {
  return readFileSync(join(CAPTURES, list), 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => {
    const [cap, opts = ''] = l.split('\t');
    return { cap: cap!, opts: opts.split(' ').filter(Boolean) };
  });
}

describe('read --threads on the public captures', { skip: haveCaptures() ? false : 'public captures not found at ../shared/captures' }, () => {
  it('every CASES-core capture with its keys: the same fields with 3 threads as with 1', () => {
    let threaded = 0;
    for (const c of cases('CASES-core.tsv')) {
      const debug = same(['read', '-r', c.cap, ...c.opts, ...FIELDS], 3, c.cap);
      if (debug.some((l) => /3 workers/.test(l))) threaded++;
    }
    // all of them really went through the workers (a capture file is always eligible with an explicit --threads)
    assert.equal(threaded, cases('CASES-core.tsv').length);
  });

  it('text, -V, -x and json outputs, with and without a filter', () => {
    const picks = cases('CASES-core.tsv').filter((c) => c.opts.length > 0).slice(0, 6);
    assert.ok(picks.length >= 4);
    for (const c of picks) {
      same(['read', '-r', c.cap, ...c.opts], 2, `${c.cap} text`);
      same(['read', '-r', c.cap, ...c.opts, '-Y', 'tls.record.content_type == 23 || http'], 2, `${c.cap} text -Y`);
      same(['read', '-r', c.cap, ...c.opts, '-x', '-c', '100000'], 2, `${c.cap} -x`);
      same(['read', '-r', c.cap, ...c.opts, '-V'], 2, `${c.cap} -V`);
      same(['read', '-r', c.cap, ...c.opts, '-T', 'json'], 2, `${c.cap} json`);
      same(['read', '-r', c.cap, ...c.opts, '-T', 'json', '-Y', 'tls'], 2, `${c.cap} json -Y`);
    }
  });

  it('a filter that depends on earlier displayed packets is read by one thread', () => {
    const c = cases('CASES-core.tsv').find((x) => x.opts.length > 0)!;
    const debug = same(['read', '-r', c.cap, ...c.opts, '-Y', 'tls', '-T', 'fields', '-e', 'frame.time_delta_displayed'], 2, c.cap);
    assert.deepEqual(debug, []);
    assert.deepEqual(same(['read', '-r', c.cap, ...c.opts, '-Y', 'tls', '-t', 'dd'], 2, c.cap), []);
  });

  it('a SOCKS proxy conversation hands over to one thread with the same output', () => {
    const debug = same(['read', '-r', 'foxio-ja4/pcap/socks-https-example.pcap', ...FIELDS], 2, 'socks');
    assert.ok(debug.some((l) => /one thread reads on after frame \d+: a SOCKS proxy/.test(l)), debug.join('\n'));
  });

  it('a truncated capture: the same frames, message and exit status 2', () => {
    const c = cases('CASES-core.tsv').find((x) => x.opts.length > 0 && x.cap.endsWith('.pcap'))!;
    const dir = mkdtempSync(join(tmpdir(), 'tlslens-threads-'));
    try {
      const bytes = readFileSync(join(CAPTURES, c.cap));
      const cut = join(dir, 'cut.pcap');
      writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
      const one = run(['read', '-r', cut, ...c.opts]);
      assert.equal(one.status, 2, 'the cut file is damaged');
      same(['read', '-r', cut, ...c.opts, ...FIELDS], 2, 'truncated');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const DEMO_HOST = 'demo.tlslens.test';
const TICKET_KEYS = Buffer.alloc(48, 9);
const server = () => ({ key: LEAF_KEY_PEM, cert: CHAIN_PEM, ticketKeys: TICKET_KEYS, ALPNProtocols: ['http/1.1'] });
const client = (extra: object = {}) => ({ servername: DEMO_HOST, ca: CA_PEM, ALPNProtocols: ['http/1.1'], maxVersion: 'TLSv1.2' as const, ...extra });

describe('read --threads with a TLS session resumed across workers (recorded Node TLS)', () => {
  let dir = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tlslens-threads-'));
    // stream 0 sets the session up, stream 1 resumes it: with 2 threads they belong to different workers
    const rec = await record([
      { server: server(), client: client() },
      { server: server(), client: client(), resume: true },
      { server: server(), client: client({ minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' }) },
    ]);
    assert.deepEqual(rec.results.map((r) => r.ok), [true, true, true]);
    writeFileSync(join(dir, 'resumed.pcapng'), rec.pcapng);
    writeFileSync(join(dir, 'all.keys'), rec.keylog + '\n');
    // without the resumed connection's own line its keys come only from stream 0's session
    const lines = rec.keylog.split('\n').filter((l) => l.startsWith('CLIENT_RANDOM '));
    assert.equal(lines.length, 2, 'one CLIENT_RANDOM line per TLS 1.2 connection');
    writeFileSync(join(dir, 'first.keys'), rec.keylog.split('\n').filter((l) => l !== lines[1]).join('\n') + '\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const args = (keys: string) => ['read', '-r', join(dir, 'resumed.pcapng'), '-o', `tls.keylog_file:${join(dir, keys)}`,
    '-T', 'fields', '-e', 'frame.number', '-e', 'tcp.stream', '-e', 'http.request.uri', '-e', 'http.response.code', '-e', '_ws.col.Info'];

  it('the resumed connection decrypts through the session of another worker: one thread takes over', () => {
    const one = run([...args('first.keys'), '--threads', '1']);
    const streams = one.stdout.split('\n').filter((l) => /\tGET \/ HTTP\/1\.1/.test(l)).map((l) => l.split('\t')[1]);
    assert.deepEqual(streams, ['0', '1', '2'], 'one thread decrypts all three requests');
    const debug = same(args('first.keys'), 2, 'resumed across workers');
    assert.ok(debug.some((l) => /one thread reads on after frame \d+: a TLS session resumed without a key log line/.test(l)), debug.join('\n'));
  });

  it('with every connection in the key log the workers finish on their own', () => {
    const debug = same(args('all.keys'), 2, 'resumed with all keys');
    assert.ok(debug.some((l) => /2 workers/.test(l)) && !debug.some((l) => /one thread reads on/.test(l)), debug.join('\n'));
  });
});
