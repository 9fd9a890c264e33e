// The nginx + curl/openssl/Chromium decryption matrix (issue 4): a capture recorded here by
// scripts/record-matrix.sh (TLS 1.2/1.3, h1/h2, AES-GCM, ChaCha20, CBC with and without EtM, RSA
// and ECDHE key exchange, resumption by session ID, ticket and PSK, HelloRetryRequest, KeyUpdate,
// 0-RTT, a real browser) must decrypt fully through the CLI: every connection, both Finished,
// every request of the manifest with its body in the HAR and the exported objects; tshark with the
// same keys agrees. Then the "why not decrypted" reasons on the same real traffic: a missing key
// log line, a wrong secret, a capture cut within the handshake, a corrupted record, only an RSA key.
// Skips (with the reason) when not root or nginx/curl/tcpdump/tshark are missing; records once
// (about 10 s), each test then reads the capture a few times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../packages/core/src/engine.ts';
import { readCaptureSync } from '../packages/core/src/capture/index.ts';
import { tlslens, tshark } from './helpers.ts';
import { connOf, fields, finalStatus, matrix, matrixSkip, ok, readPcap, scratch, writePcap, type Job, type Matrix } from './matrix-lib.ts';

const skip = matrixSkip();
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const keyArgs = (m: Matrix) => ['--keylog', m.keys];

interface Hs {
  stream: number;
  sni: string;
  version: string;
  cipher_suite: string;
  alpn: string | null;
  resumed: string;
  hello_retry_request: boolean;
  chain_valid: boolean | null;
  chain_verdict: string;
  decryption_status: string | null;
  handshake_complete: boolean;
}

/**
 * The connections of each job (by SNI), in stream order: as many as the manifest says, except for
 * the browser, which opens one or more as it likes (the later ones maybe resumed).
 */
function connections(m: Matrix, args: string[]): Map<Job, Hs[]> {
  const hs = JSON.parse(ok(['handshakes', m.pcap, ...args, '--json', '--ca', join(m.dir, 'ca.pem'), '--ca-only'])) as Hs[];
  const out = new Map<Job, Hs[]>();
  for (const j of m.jobs) {
    const conns = hs.filter((h) => h.sni === j.sni).sort((a, b) => a.stream - b.stream);
    if (j.client === 'chromium') assert.ok(conns.length >= 1, `${j.job}: no connection`);
    else assert.equal(conns.length, j.resumption.length, `${j.job}: connections`);
    out.set(j, conns);
  }
  assert.equal(hs.length, [...out.values()].reduce((n, c) => n + c.length, 0), 'connections in the capture (all from jobs)');
  return out;
}

/** The resumption a job's i-th connection must show. */
const resumption = (j: Job, i: number, got: string) => (j.client === 'chromium' && i > 0 && got === 'psk' ? 'psk' : j.resumption[i] ?? j.resumption[0]);

/** tshark -T fields rows (same filter and fields as `fields`). */
function tsharkFields(pcap: string, opts: string[], filter: string, names: string[], extra: string[] = []): string {
  const r = tshark(['-r', pcap, ...opts, '-Y', filter, '-T', 'fields', ...names.flatMap((n) => ['-e', n]), ...extra]);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test('matrix: every connection decrypts, both Finished verify; version, suite, ALPN, EtM, resumption as asked', { skip }, () => {
  const m = matrix();
  const K = keyArgs(m);
  const byJob = connections(m, K);
  const streamJob = new Map<number, Job>();
  for (const [j, conns] of byJob) {
    conns.forEach((h, i) => {
      const what = `${j.job} (stream ${h.stream})`;
      streamJob.set(h.stream, j);
      assert.equal(h.decryption_status, 'decrypted', what);
      assert.equal(h.handshake_complete, true, what);
      assert.equal(h.version, `TLSv${j.tls}`, what);
      assert.equal(h.cipher_suite, j.cipher, what);
      assert.equal(h.alpn ?? '-', j.alpn, what);
      assert.equal(h.resumed, resumption(j, i, h.resumed), `${what}: resumption`);
      assert.equal(h.hello_retry_request, j.feature === 'hrr', `${what}: HelloRetryRequest`);
      if (h.resumed === 'no') assert.equal(h.chain_valid, true, `${what}: ${h.chain_verdict}`);
    });
  }
  // every line of the clients' key log is understood (OpenSSL's KeyUpdate lines too)
  const r = tlslens(['read', '-r', m.pcap, ...K, '-c', '1']);
  assert.equal(r.stderr, '', 'key log warnings');
  // both Finished messages of every connection verify (full and abbreviated handshakes)
  const fin = new Map<number, string[]>();
  for (const [s, v] of fields(m.pcap, K, 'tls.tlslens.finished_verified', ['tcp.stream', 'tls.tlslens.finished_verified'], ['-E', 'occurrence=a', '-E', 'aggregator=,'])) {
    fin.set(Number(s), [...(fin.get(Number(s)) ?? []), ...v!.split(',')]);
  }
  for (const [s, j] of streamJob) assert.deepEqual(fin.get(s), ['1', '1'], `${j.job} (stream ${s}): Finished verified`);
  // encrypt_then_mac: in the ServerHello exactly when asked (CBC suites; OpenSSL never echoes it for AEAD)
  const sh = ['tcp.stream', 'tls.handshake.extension.type'];
  const agg = ['-E', 'occurrence=a', '-E', 'aggregator=,'];
  for (const [s, ext] of fields(m.pcap, [], 'tls.handshake.type == 2', sh, agg)) {
    const j = streamJob.get(Number(s))!;
    assert.equal(ext!.split(',').includes('22'), j.etm === 'yes', `${j.job} (stream ${s}): encrypt_then_mac`);
  }
  assert.equal(ok(['read', '-r', m.pcap, '-Y', 'tls.handshake.type == 2', '-T', 'fields', ...sh.flatMap((f) => ['-e', f]), ...agg]),
    tsharkFields(m.pcap, [], 'tls.handshake.type == 2', sh, agg));
});

test('matrix: the pure-JS crypto backend (what the browser gets) decrypts it all too, both Finished verified', { skip }, () => {
  const m = matrix();
  const engine = new Engine({ keys: { keylogs: [{ name: m.keys, text: readFileSync(m.keys, 'utf8') }] } });
  const fin = engine.reg.find('tls.tlslens.finished_verified')!.id;
  const want = new Uint8Array(engine.reg.size);
  want[fin] = 1;
  const verified: unknown[] = [];
  let n = 0;
  for (const ev of readCaptureSync(readFileSync(m.pcap))) {
    if (ev.kind !== 'frame') continue;
    verified.push(...(engine.dissect(ev.frame, ++n, { fields: want, tree: false, columns: false }).values(fin) ?? []));
  }
  engine.finish();
  const conns = engine.tcp.conversations.map((c) => engine.tls.connection(c)?.decryption).filter((d) => d !== undefined);
  assert.ok(conns.length >= m.jobs.reduce((k, j) => k + j.resumption.length, 0), `${conns.length} TLS connections`);
  assert.deepEqual(conns.filter((d) => d.status.code !== 'decrypted').map((d) => d.status.text), []);
  assert.equal(verified.length, 2 * conns.length);
  assert.ok(verified.every((v) => v === true));
});

test('matrix: TLS 1.3 KeyUpdate both ways and 0-RTT early data requests decrypt', { skip }, () => {
  const m = matrix();
  const cols = ['frame.number', 'tcp.stream', 'tcp.srcport', 'tls.handshake.type', 'http.request.uri'];
  const filter = 'tls.handshake.type == 24 || http.request';
  const agg = ['-E', 'occurrence=a', '-E', 'aggregator=,'];
  const rows = fields(m.pcap, keyArgs(m), filter, cols, agg);
  const ku = connOf(m, m.jobs.find((j) => j.feature === 'keyupdate')!.job);
  const kus = rows.filter((r) => Number(r[1]) === ku.stream && r[3]!.split(',').includes('24'));
  assert.ok(kus.some((r) => r[2] === '443') && kus.some((r) => r[2] !== '443'), `KeyUpdate both ways in stream ${ku.stream}`);
  const early = m.jobs.find((j) => j.feature === 'early')!;
  for (let n = 1; n < early.resumption.length; n++) {
    const c = connOf(m, early.job, n);
    // the request rides in the ClientHello's flight: 0-RTT
    assert.ok(rows.some((r) => Number(r[0]) === c.ch && r[4] !== ''), `${early.job} connection ${n}: request in the ClientHello frame ${c.ch}`);
  }
  assert.equal(ok(['read', '-r', m.pcap, ...keyArgs(m), '-Y', filter, '-T', 'fields', ...cols.flatMap((f) => ['-e', f]), ...agg]),
    tsharkFields(m.pcap, ['-o', `tls.keylog_file:${m.keys}`], filter, cols, agg));
});

interface HarEntry {
  request: { method: string; url: string; postData?: { text?: string } };
  response: { status: number; content: { text?: string; encoding?: string } };
}

test('matrix: the HAR lists every request with its status and body; exported objects match', { skip }, () => {
  const m = matrix();
  const objDir = scratch(m, 'objects');
  const har = JSON.parse(ok(['http', m.pcap, ...keyArgs(m), '--har', '-', '--export-objects', objDir])) as { log: { entries: HarEntry[] } };
  const entries = har.log.entries;
  const norm = (u: string) => u.replace(/^(https:\/\/[^/:]+):443\//, '$1/');
  const used = new Set<number>();
  for (const q of m.requests) {
    const what = `${q.job} ${q.method} ${q.url}`;
    const i = entries.findIndex((e, k) => !used.has(k) && e.request.method === q.method && norm(e.request.url) === q.url);
    assert.ok(i >= 0, `${what}: not in the HAR`);
    used.add(i);
    const e = entries[i]!;
    assert.equal(e.response.status, q.status, what);
    const c = e.response.content;
    const body = Buffer.from(c.text ?? '', c.encoding === 'base64' ? 'base64' : 'utf8');
    if (q.responseSha256 !== '-') assert.equal(sha(body), q.responseSha256, `${what}: response body (${body.length} bytes)`);
    if (q.requestSha256 !== '-') assert.equal(sha(Buffer.from(e.request.postData?.text ?? '', 'utf8')), q.requestSha256, `${what}: request body`);
  }
  assert.equal(entries.length, m.requests.length, 'HAR entries');
  // --export-objects: one file per message body (responses and POST bodies), as the clients sent and got them
  if (m.requests.some((q) => q.responseSha256 === '-')) return; // a body the browser was not expected to ask for
  const got = readdirSync(objDir).map((f) => sha(readFileSync(join(objDir, f)))).sort();
  const bodies = m.requests.flatMap((q) => (q.requestSha256 === '-' ? [q.responseSha256] : [q.responseSha256, q.requestSha256]));
  assert.deepEqual(got, bodies.sort());
});

test('matrix: tshark with the same key log agrees on the request paths per stream', { skip }, () => {
  const m = matrix();
  const f = ['tcp.stream', 'http.request.method', 'http.request.uri', 'http2.headers.method', 'http2.headers.path'];
  const filter = 'http.request || http2.headers.path';
  const agg = ['-E', 'occurrence=a', '-E', 'aggregator=,'];
  const want = tsharkFields(m.pcap, ['-o', `tls.keylog_file:${m.keys}`], filter, f, agg);
  // tshark itself sees every request of the manifest
  const paths = want.split('\n').filter(Boolean).flatMap((l) => { const c = l.split('\t'); return [...c[2]!.split(','), ...c[4]!.split(',')].filter(Boolean); });
  assert.equal(paths.length, m.requests.length);
  assert.equal(ok(['read', '-r', m.pcap, ...keyArgs(m), '-Y', filter, '-T', 'fields', ...f.flatMap((n) => ['-e', n]), ...agg]), want);
});

test('matrix: with only the server RSA key, the RSA key-exchange connections decrypt (resumption too), the others say why', { skip }, () => {
  const m = matrix();
  const key = join(m.dir, 'leaf.key');
  const byJob = connections(m, ['--rsa-key', key]);
  const status = finalStatus(m.pcap, ['--rsa-key', key]);
  const fin = new Map<number, string>();
  for (const [s, v] of fields(m.pcap, ['--rsa-key', key], 'tls.tlslens.finished_verified', ['tcp.stream', 'tls.tlslens.finished_verified'], ['-E', 'occurrence=a', '-E', 'aggregator=,'])) {
    fin.set(Number(s), `${fin.get(Number(s)) ?? ''}${v},`);
  }
  let rsa = 0;
  for (const [j, conns] of byJob) {
    for (const h of conns) {
      const st = status.get(h.stream)!;
      // a TLS 1.2 resumption of an ECDHE session: its master secret was never recovered
      const want = j.cipher.startsWith('TLS_RSA_') ? 'decrypted' : h.resumed === 'ticket' || h.resumed === 'session-id' ? 'resumed_unknown_session' : 'dhe_with_rsa_key';
      assert.equal(st.code, want, `${j.job} (stream ${h.stream}): ${st.text}`);
      // the original full handshake is in this capture: the reason says so, and why it failed
      if (want === 'resumed_unknown_session') assert.match(st.text, /original handshake is in the capture but could not be decrypted: .*\(EC\)DHE/, st.text);
      if (want === 'decrypted') {
        rsa++;
        assert.equal(fin.get(h.stream), '1,1,', `${j.job} (stream ${h.stream}): Finished verified`);
      }
    }
  }
  assert.ok(rsa >= 4, `${rsa} RSA key-exchange connections`);
  const f = ['tcp.stream', 'http.request.uri', 'http2.headers.path'];
  const want = tsharkFields(m.pcap, ['-o', `uat:rsa_keys:"${key}",""`], 'http.request || http2.headers.path', f);
  assert.match(want, /\/blob\.bin/);
  assert.equal(ok(['read', '-r', m.pcap, '--rsa-key', key, '-Y', 'http.request || http2.headers.path', '-T', 'fields', ...f.flatMap((n) => ['-e', n])]), want);
});

test('matrix: inject-secrets embeds the key log; tshark and tlslens then decrypt the same requests with no key option', { skip }, () => {
  const m = matrix();
  const out = scratch(m, 'matrix-dsb.pcapng');
  ok(['inject-secrets', m.pcap, m.keys, '-w', out]);
  const f = ['tcp.stream', 'http.request.uri', 'http2.headers.path', 'http.response.code', 'http2.headers.status'];
  const filter = 'http.request || http.response || http2.type == 1';
  const agg = ['-E', 'occurrence=a', '-E', 'aggregator=,'];
  const want = tsharkFields(out, [], filter, f, agg);
  assert.equal(want, tsharkFields(m.pcap, ['-o', `tls.keylog_file:${m.keys}`], filter, f, agg), 'tshark: DSB = key log');
  assert.equal(ok(['read', '-r', out, '-Y', filter, '-T', 'fields', ...f.flatMap((n) => ['-e', n]), ...agg]), want);
});

// --- why not decrypted, on the matrix's own traffic ---------------------------------------------

test('matrix: a key log without the line gives no_key with the client random; a wrong secret fails at record 1', { skip }, () => {
  const m = matrix();
  const log = readFileSync(m.keys, 'utf8').split('\n');
  const missing = ['j01', 'j07'].map((j) => connOf(m, j));
  const wrong = ['j05', 'j10', 'j12', 'j09'].map((j) => connOf(m, j)); // TLS 1.2 ChaCha20, CBC+EtM, CBC, TLS 1.3
  const drop = new Set(missing.map((c) => c.clientRandom));
  const spoil = new Set(wrong.map((c) => c.clientRandom));
  const edited = log.filter((l) => !drop.has(l.split(' ')[1] ?? '')).map((l) => {
    const [label, cr, secret] = l.split(' ');
    if (!spoil.has(cr ?? '') || !secret) return l;
    // the master secret (TLS 1.2) or the handshake traffic secrets (TLS 1.3): one bit off
    if (label !== 'CLIENT_RANDOM' && !label!.endsWith('HANDSHAKE_TRAFFIC_SECRET')) return l;
    return `${label} ${cr} ${(parseInt(secret[0]!, 16) ^ 1).toString(16)}${secret.slice(1)}`;
  });
  const keys = scratch(m, 'edited.keys');
  writeFileSync(keys, edited.join('\n'));
  const status = finalStatus(m.pcap, ['--keylog', keys]);
  for (const c of missing) {
    assert.equal(status.get(c.stream)?.code, 'no_key', `stream ${c.stream}: ${status.get(c.stream)?.text}`);
    assert.equal(status.get(c.stream)?.text, `no key for client random ${c.clientRandom}`);
  }
  // TLS 1.2: the client Finished is the first protected record; TLS 1.3: the server's EncryptedExtensions
  const [g12, etm, cbc, t13] = wrong.map((c) => c.stream);
  for (const [s, re] of [[g12, /^tag failure at client record 1 \(frame \d+\)/], [etm, /^MAC failure at client record 1 \(frame \d+\)/],
    [cbc, /^(bad padding|MAC failure) at client record 1 \(frame \d+\)/], [t13, /^tag failure at server record 1 \(frame \d+\)/]] as const) {
    assert.equal(status.get(s!)?.code, 'record_failure', `stream ${s}: ${status.get(s!)?.text}`);
    assert.match(status.get(s!)!.text, re);
  }
  // every other connection is untouched
  const touched = new Set([...missing, ...wrong].map((c) => c.stream));
  for (const [s, st] of status) if (!touched.has(s)) assert.equal(st.code, 'decrypted', `stream ${s}: ${st.text}`);
});

/** Server records per stream as tshark sees them with the keys: frame, tcp.len, (inner) content types, lengths. */
function serverRecords(m: Matrix): Map<number, { frame: number; tcpLen: number; types: number[]; lengths: number[] }[]> {
  const out = tsharkFields(m.pcap, ['-o', `tls.keylog_file:${m.keys}`], 'tcp.srcport == 443 && tls.record', ['tcp.stream', 'frame.number', 'tcp.len', 'tls.record.content_type', 'tls.record.length'],
    ['-E', 'occurrence=a', '-E', 'aggregator=,']);
  const by = new Map<number, { frame: number; tcpLen: number; types: number[]; lengths: number[] }[]>();
  for (const l of out.split('\n').filter(Boolean)) {
    const [s, f, n, t, len] = l.split('\t');
    const list = by.get(Number(s)) ?? by.set(Number(s), []).get(Number(s))!;
    list.push({ frame: Number(f), tcpLen: Number(n), types: t!.split(',').map(Number), lengths: len!.split(',').map(Number) });
  }
  return by;
}

test('matrix: a corrupted record byte gives record_failure at the right record and frame', { skip }, () => {
  const m = matrix();
  const { header, records } = readPcap(m.pcap);
  const cases: { stream: number; frame: number; record: number; what: RegExp }[] = [];
  const recs = serverRecords(m);
  for (const [job, tls13, what] of [['j07', true, /^tag failure/], ['j02', false, /^tag failure/], ['j10', false, /^MAC failure/], ['j12', false, /^(bad padding|MAC failure)/]] as const) {
    const { stream } = connOf(m, job);
    // number the server's protected records: after its ChangeCipherSpec (TLS 1.2) or ServerHello (TLS 1.3)
    let started = false;
    let n = 0;
    let pick: { frame: number; record: number } | undefined;
    for (const r of recs.get(stream) ?? []) {
      for (const t of r.types) {
        if (!started) started = tls13 ? t === 22 : t === 20;
        else if (t !== 20) n++;
      }
      // a frame made of whole records, the last one application data: its last byte is that record's
      if (started && r.types.at(-1) === 23 && r.lengths.reduce((a, l) => a + l + 5, 0) === r.tcpLen) pick = { frame: r.frame, record: n };
    }
    assert.ok(pick, `${job}: no frame made of whole records`);
    cases.push({ stream, ...pick, what });
  }
  const edited = records.map((r, i) => {
    if (!cases.some((c) => c.frame === i + 1)) return r;
    const data = r.data.slice();
    data[data.length - 1]! ^= 0x40; // the record's last byte: tag, MAC or padding
    return { ...r, data };
  });
  const file = scratch(m, 'corrupted.pcap');
  writePcap(file, header, edited);
  const status = finalStatus(file, keyArgs(m));
  for (const c of cases) {
    const st = status.get(c.stream);
    assert.equal(st?.code, 'record_failure', `stream ${c.stream}: ${st?.text}`);
    assert.match(st!.text, new RegExp(` at server record ${c.record} \\(frame ${c.frame}\\)`));
    assert.match(st!.text, c.what);
  }
  // explain says the same in words, in English and in Chinese (the TLS 1.3 GCM case)
  const g = cases[0]!;
  const en = tlslens(['explain', file, '--stream', String(g.stream), ...keyArgs(m)]);
  assert.equal(en.status, 0, en.stderr);
  assert.match(en.stdout, new RegExp(`Decryption failed at frame ${g.frame} \\(record ${g.record}\\): its authentication tag does not verify`));
  const zh = tlslens(['explain', file, '--stream', String(g.stream), '--lang', 'zh', ...keyArgs(m)]);
  assert.equal(zh.status, 0, zh.stderr);
  assert.ok(zh.stdout.includes(`解密在帧 ${g.frame}（第 ${g.record} 个记录）失败：认证标签校验失败`), zh.stdout);
});

test('matrix: a capture ending within the handshake says pending; one starting after the ClientHello says handshake_not_captured', { skip }, () => {
  const m = matrix();
  const { header, records } = readPcap(m.pcap);
  // kept up to: TLS 1.2, the server's first flight; TLS 1.3, the ClientHello (the ServerHello
  // flight already carries protected records)
  const ends = [connOf(m, 'j01'), connOf(m, 'j07')];
  const last = new Map(ends.map((c) => [c.stream, c.stream === ends[0]!.stream ? c.sh : c.ch]));
  const starts = [connOf(m, 'j03'), connOf(m, 'j08')];
  const drop = new Set<number>();
  for (const c of ends) for (const f of c.frames) if (f > last.get(c.stream)!) drop.add(f);
  for (const c of starts) for (const f of c.frames) if (f <= c.ch) drop.add(f);
  const file = scratch(m, 'cut.pcap');
  writePcap(file, header, records.filter((_, i) => !drop.has(i + 1)));
  const status = finalStatus(file, keyArgs(m));
  for (const c of ends) assert.equal(status.get(c.stream)?.code, 'pending', `${c.sni} cut after frame ${last.get(c.stream)}: ${status.get(c.stream)?.text}`);
  for (const c of starts) assert.equal(status.get(c.stream)?.code, 'handshake_not_captured', `${c.sni} without its ClientHello: ${status.get(c.stream)?.text}`);
  for (const [s, st] of status) if (!last.has(s) && !starts.some((c) => c.stream === s)) assert.equal(st.code, 'decrypted', `stream ${s}: ${st.text}`);
});
