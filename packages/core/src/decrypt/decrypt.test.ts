/**
 * TLS decryption through the engine: Wireshark's own decryption-test expectations (MANIFEST §1:
 * rsasnakeoil2 with the RSA key, tls13-rfc8446 with and without the early secret, tls12-dsb),
 * the repo fixtures (every connection decrypts, both Finished verify), and every "why not
 * decrypted" status. Captures under /work/shared/captures (or $TLSLENS_CAPTURES) are skipped
 * when absent. Uses the pure crypto backend (what the browser gets).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Engine, type TlsKeyInput } from '../engine.ts';
import { readCaptureSync } from '../capture/index.ts';
import { DEFAULT_FIELDS_OPTIONS, FieldsFormatter } from '../output/fields.ts';
import { compileFilter } from '../filter/index.ts';
import type { CaptureFrame } from '../capture/types.ts';
import type { TlsDecryptionInfo } from '../tls/state.ts';

const CAPTURES = process.env.TLSLENS_CAPTURES ?? '/work/shared/captures';
const FIXTURES = join(import.meta.dirname, '../../../../test/fixtures');
const cap = (f: string) => join(CAPTURES, f);
const fix = (f: string) => join(FIXTURES, f);
const absent = (...files: string[]) => (files.every(existsSync) ? false : `missing ${files.filter((f) => !existsSync(f)).join(', ')}`);

function load(file: string): Uint8Array {
  let b: Uint8Array = readFileSync(file);
  if (b[0] === 0x1f && b[1] === 0x8b) b = gunzipSync(b);
  return b;
}

interface RunOptions {
  keys?: TlsKeyInput;
  prefs?: [string, string][];
  filter?: string;
  /** Transforms/filters frames before dissection (crafted cases). */
  frames?: (frames: CaptureFrame[]) => CaptureFrame[];
}

/** Runs the engine like `tlslens read -T fields -e …`; returns the output and the TLS connection states. */
function run(file: string, fields: string[], o: RunOptions = {}): { out: string; conns: TlsDecryptionInfo[]; engine: Engine } {
  const engine = new Engine({ prefs: new Map(o.prefs ?? []), ...(o.keys ? { keys: o.keys } : {}) });
  const fmt = new FieldsFormatter(engine.reg, fields, { ...DEFAULT_FIELDS_OPTIONS, separator: '|' });
  const flt = o.filter ? compileFilter(o.filter, engine.reg) : undefined;
  const want = new Uint8Array(engine.reg.size);
  for (const f of fmt.fields) want[f.id] = 1;
  for (const id of flt?.fields ?? []) want[id] = 1;
  const events = readCaptureSync(load(file));
  let frames: CaptureFrame[] = [];
  let out = '';
  let num = 0;
  const flush = () => {
    for (const fr of o.frames ? o.frames(frames) : frames) {
      const p = engine.dissect(fr, ++num, { fields: want, tree: false, columns: false });
      if (!flt || flt.match((id) => p.values(id))) out += fmt.line(p, (f) => p.labelOf(f.id));
    }
    frames = [];
  };
  for (const ev of events) {
    if (ev.kind === 'secrets') {
      flush();
      engine.addSecrets(ev.secrets.type, ev.secrets.data);
    } else if (ev.kind === 'frame') frames.push(ev.frame);
  }
  flush();
  engine.finish();
  const conns: TlsDecryptionInfo[] = [];
  for (const c of engine.tcp.conversations) {
    const d = engine.tls.connection(c)?.decryption;
    if (d) conns.push(d);
  }
  return { out, conns, engine };
}

const keylog = (...files: string[]): TlsKeyInput => ({ keylogs: files.map((f) => ({ name: f, text: readFileSync(f, 'utf8') })) });
const rsaKey = (f: string): TlsKeyInput => ({ rsaKeys: [{ name: f, data: readFileSync(f) }] });

// --- Wireshark's decryption tests (MANIFEST §1.1) ---------------------------------------------

test('test_tls_rsa: rsasnakeoil2 with the RSA key gives the request URIs', { skip: absent(cap('wireshark/rsasnakeoil2.pcap')) }, () => {
  const { out, conns } = run(cap('wireshark/rsasnakeoil2.pcap'), ['http.request.uri'], { keys: rsaKey(cap('wireshark/rsasnakeoil2.key')), filter: 'http' });
  const uris = out.split('\n').filter((l) => l !== '');
  assert.deepEqual(uris, ['/', '/icons/jhe061.png', '/icons/debian/openlogo-25.jpg', '/icons/apache_pb.png', '/favicon.ico', '/test', '/test/', '/test2/', '/icons/back.gif', '/icons/blank.gif', '/test3/']);
  assert.equal(out.split('\n').length - 1, 22, '22 lines incl. responses');
  // SSLv2 hello + renegotiation (stream 0) and session-ID resumption (stream 1)
  assert.deepEqual(conns.map((c) => c.status.code), ['decrypted', 'decrypted']);
  assert.equal(conns[1]!.resumed, true);
  for (const c of conns) assert.deepEqual(c.finished, { client: true, server: true });
});

const RFC8446 = [
  '5|/first|', '6||Request for /first, version TLSv1.3, Early data: no\\n', '8|/early|',
  '10||Request for /early, version TLSv1.3, Early data: yes\\n', '12|/second|', '13||Request for /second, version TLSv1.3, Early data: yes\\n',
];

test('test_tls13_rfc8446: 0-RTT and PSK resumption, with and without the early secret', { skip: absent(cap('wireshark/tls13-rfc8446.pcap')) }, () => {
  const f = ['frame.number', 'http.request.uri', 'http.file_data'];
  const all = run(cap('wireshark/tls13-rfc8446.pcap'), f, { keys: keylog(cap('wireshark/tls13-rfc8446.keys')), filter: 'http' });
  assert.equal(all.out, RFC8446.join('\n') + '\n');
  const noearly = run(cap('wireshark/tls13-rfc8446.pcap'), f, { keys: keylog(cap('wireshark/tls13-rfc8446-noearly.keys')), filter: 'http' });
  assert.equal(noearly.out, RFC8446.filter((l) => !l.startsWith('8|')).join('\n') + '\n');
  for (const c of all.conns) assert.deepEqual(c.finished, { client: true, server: true });
});

test('test_tls12_dsb: secrets from the pcapng Decryption Secrets Blocks', { skip: absent(cap('wireshark/tls12-dsb.pcapng')) }, () => {
  const { out, conns } = run(cap('wireshark/tls12-dsb.pcapng'), ['http.host', 'http.response.code'], { filter: 'http' });
  assert.equal(out.replace(/\|/g, '\t'), 'example.com\t\n\t200\nexample.net\t\n\t200\n');
  assert.deepEqual(conns.map((c) => c.status.code), ['decrypted', 'decrypted']);
});

test('illustrated TLS 1.2/1.3: ping/pong and verified Finished', { skip: absent(cap('illustrated-tls12/captures/capture.pcap')) }, () => {
  for (const v of ['12', '13']) {
    const d = `illustrated-tls${v}/captures/`;
    const { out, conns } = run(cap(d + 'capture.pcap'), ['data.data'], { keys: keylog(cap(d + 'keylog.txt')), filter: 'data' });
    assert.equal(out, '70696e67\n706f6e67\n', `TLS 1.${v.slice(1)}`);
    assert.deepEqual(conns[0]!.finished, { client: true, server: true });
  }
});

test('scapy tls_tcp_frag_withnss: segmented handshake, exact request', { skip: absent(cap('scapy/pcaps/tls_tcp_frag_withnss.pcap.gz')) }, () => {
  const { out } = run(cap('scapy/pcaps/tls_tcp_frag_withnss.pcap.gz'), ['http.request.line', 'http.response.code'], {
    keys: keylog(cap('scapy/pcaps/tls_tcp_frag_withnss.derived.keys')), filter: 'http',
  });
  assert.match(out, /User-Agent: Mozilla\/5\.0 \(Windows NT; Windows NT 10\.0; en-US\) WindowsPowerShell\/5\.1\.22000\.832/);
  assert.match(out, /\|200\n$/);
});

// --- the repo's fixtures -----------------------------------------------------------------------

const FIX = ['tls12-ecdhe-rsa-aes128gcm', 'tls12-rsa-kx-aes256cbc', 'tls13-aes128gcm-h2', 'tls13-chacha20'];

test('fixtures decrypt fully with both Finished verified', { skip: absent(...FIX.map((f) => fix(f + '.pcapng'))) }, () => {
  for (const name of FIX) {
    const { conns, out } = run(fix(name + '.pcapng'), ['http.request.method', 'http2.headers.method'], { keys: keylog(fix(name + '.keys')), filter: 'http.request || http2.type == 1' });
    assert.equal(conns.length, 1, name);
    const c = conns[0]!;
    assert.equal(c.status.code, 'decrypted', `${name}: ${c.status.text}`);
    assert.deepEqual(c.finished, { client: true, server: true }, name);
    assert.equal(c.decrypted, c.records, name);
    assert.match(out, /GET/, name);
  }
  // the RSA key-exchange fixture with only the server's private key
  const r = run(fix('tls12-rsa-kx-aes256cbc.pcapng'), ['http.request.uri'], { keys: rsaKey(fix('tls12-rsa-kx-aes256cbc.key')), filter: 'http.request' });
  assert.equal(r.conns[0]!.status.code, 'decrypted');
  assert.deepEqual(r.conns[0]!.finished, { client: true, server: true });
  assert.equal(r.out, '/\n');
  // the demo capture's DSB
  const d = run(fix('demo-dsb.pcapng'), ['frame.number']);
  assert.deepEqual(d.conns.map((c) => c.status.code), ['decrypted', 'decrypted']);
});

test('tlslens fields: master secret, key block, traffic secrets, status', { skip: absent(fix('tls12-ecdhe-rsa-aes128gcm.pcapng')) }, () => {
  const keys = readFileSync(fix('tls12-ecdhe-rsa-aes128gcm.keys'), 'utf8');
  const ms = /CLIENT_RANDOM \S+ (\S+)/.exec(keys)![1]!.toLowerCase();
  const { out } = run(fix('tls12-ecdhe-rsa-aes128gcm.pcapng'), ['tls.tlslens.master_secret', 'tls.tlslens.client_write_key', 'tls.tlslens.finished_verified'], {
    keys: keylog(fix('tls12-ecdhe-rsa-aes128gcm.keys')), filter: 'tls.tlslens.master_secret || tls.tlslens.finished_verified',
  });
  const lines = out.trim().split('\n');
  assert.equal(lines[0]!.split('|')[0], ms);
  assert.equal(lines[0]!.split('|')[1]!.length, 32);
  assert.ok(lines.some((l) => l.endsWith('|1')));
  const t = run(fix('tls13-chacha20.pcapng'), ['tls.tlslens.server_handshake_traffic_secret'], { keys: keylog(fix('tls13-chacha20.keys')), filter: 'tls.tlslens.server_handshake_traffic_secret' });
  assert.match(t.out, /^[0-9a-f]{64}\n$/);
});

// --- why not decrypted -------------------------------------------------------------------------

test('status: no key for this client random (wrong key log)', { skip: absent(fix('tls12-ecdhe-rsa-aes128gcm.pcapng')) }, () => {
  const { conns } = run(fix('tls12-ecdhe-rsa-aes128gcm.pcapng'), ['frame.number'], { keys: keylog(fix('tls13-chacha20.keys')) });
  assert.equal(conns[0]!.status.code, 'no_key');
  assert.match(conns[0]!.status.text, new RegExp(`no key for client random ${conns[0]!.clientRandom}`));
  const t13 = run(fix('tls13-chacha20.pcapng'), ['frame.number'], { keys: keylog(fix('tls13-aes128gcm-h2.keys')) });
  assert.equal(t13.conns[0]!.status.code, 'no_key');
  // the status is a filterable field
  const f = run(fix('tls13-chacha20.pcapng'), ['tls.tlslens.decryption_status'], { keys: keylog(fix('tls13-aes128gcm-h2.keys')), filter: 'tls.tlslens.decryption_status_code == "no_key"' });
  assert.match(f.out, /^no key for client random [0-9a-f]{64}\n/);
});

test('status: the RSA key does not match the certificate', { skip: absent(fix('tls12-rsa-kx-aes256cbc.pcapng'), cap('wireshark/rsasnakeoil2.key')) }, () => {
  const { conns } = run(fix('tls12-rsa-kx-aes256cbc.pcapng'), ['frame.number'], { keys: rsaKey(cap('wireshark/rsasnakeoil2.key')) });
  assert.equal(conns[0]!.status.code, 'rsa_key_mismatch', conns[0]!.status.text);
});

test('status: (EC)DHE suite with only an RSA key', { skip: absent(fix('tls12-ecdhe-rsa-aes128gcm.pcapng')) }, () => {
  const { conns } = run(fix('tls12-ecdhe-rsa-aes128gcm.pcapng'), ['frame.number'], { keys: rsaKey(fix('tls12-rsa-kx-aes256cbc.key')) });
  assert.equal(conns[0]!.status.code, 'dhe_with_rsa_key', conns[0]!.status.text);
  const t13 = run(fix('tls13-chacha20.pcapng'), ['frame.number'], { keys: rsaKey(fix('tls12-rsa-kx-aes256cbc.key')) });
  assert.equal(t13.conns[0]!.status.code, 'dhe_with_rsa_key');
});

/** Frames of the fixture from the first one carrying application data on (the handshake cut off). */
function fromAppData(file: string, keys: TlsKeyInput): (frames: CaptureFrame[]) => CaptureFrame[] {
  const { out } = run(file, ['frame.number'], { keys, filter: 'tls.record.content_type == 23' });
  const first = Number(out.split('\n')[0]);
  return (frames) => frames.slice(first - 1);
}

test('status: handshake not captured (capture starts mid-stream)', { skip: absent(fix('tls12-ecdhe-rsa-aes128gcm.pcapng')) }, () => {
  const keys = keylog(fix('tls12-ecdhe-rsa-aes128gcm.keys'));
  const { conns } = run(fix('tls12-ecdhe-rsa-aes128gcm.pcapng'), ['frame.number'], { keys, prefs: [], frames: fromAppData(fix('tls12-ecdhe-rsa-aes128gcm.pcapng'), keys) });
  assert.equal(conns[0]!.status.code, 'handshake_not_captured');
});

test('status: MAC/tag failure at record N (corrupted record)', { skip: absent(fix('tls13-chacha20.pcapng')) }, () => {
  const file = fix('tls13-chacha20.pcapng');
  const keys = keylog(fix('tls13-chacha20.keys'));
  const last = Number(run(file, ['frame.number'], { keys, filter: 'http.response' }).out.trim().split('\n').pop());
  const { conns } = run(file, ['frame.number'], {
    keys,
    frames: (fr) => fr.map((f, i) => {
      if (i + 1 !== last) return f;
      const data = f.data.slice();
      data[data.length - 1]! ^= 0x55; // the last byte of the record's tag
      return { ...f, data };
    }),
  });
  assert.equal(conns[0]!.status.code, 'record_failure');
  assert.match(conns[0]!.status.text, /tag failure at server record \d+ \(frame \d+\)/);
  assert.equal(conns[0]!.failure!.frame, last);
});

test('status: resumed session whose original handshake is not in the capture', { skip: absent(cap('wireshark/rsasnakeoil2.pcap')) }, () => {
  const file = cap('wireshark/rsasnakeoil2.pcap');
  const keys = rsaKey(cap('wireshark/rsasnakeoil2.key'));
  // keep only stream 1 (the abbreviated handshake)
  const s1 = run(file, ['frame.number'], { keys, filter: 'tcp.stream == 1' }).out.trim().split('\n').map(Number);
  const { conns } = run(file, ['frame.number'], { keys, frames: (fr) => fr.filter((_, i) => s1.includes(i + 1)) });
  assert.equal(conns[0]!.status.code, 'resumed_unknown_session', conns[0]!.status.text);
});

test('status: unsupported cipher', { skip: absent(cap('snet/decrypt_by_keylog/tls_ARIA128-GCM-SHA256.pcap')) }, () => {
  const { conns } = run(cap('snet/decrypt_by_keylog/tls_ARIA128-GCM-SHA256.pcap'), ['frame.number'], { keys: keylog(cap('snet/decrypt_by_keylog/keylog_ARIA128-GCM-SHA256.txt')) });
  assert.equal(conns[0]!.status.code, 'unsupported_cipher', conns[0]!.status.text);
  assert.match(conns[0]!.status.text, /ARIA/);
});

test('bad key log lines are warned with their line numbers', () => {
  const engine = new Engine({ keys: { keylogs: [{ name: 'k.txt', text: '# comment\nCLIENT_RANDOM 00 11\n\nBOGUS x y\nCLIENT_RANDOM ' + '00'.repeat(32) + ' ' + '11'.repeat(48) + '\n' }] } });
  assert.deepEqual(engine.keyWarnings().map((w) => w.split(':').slice(0, 2).join(':')), ['k.txt:2', 'k.txt:4']);
  assert.equal(engine.tlsKeys!.keylog.size, 1);
  // no key material: no key store, no decryption state
  assert.equal(new Engine().tlsKeys, undefined);
});
