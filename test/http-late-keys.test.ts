// A pcapng Decryption Secrets Block written after the packets of its connection started (a
// capture tool that writes the DSB when the key is logged): tlslens decrypts exactly what tshark
// decrypts. tshark looks a key up when it is needed — at each ChangeCipherSpec for TLS ≤ 1.2, at
// the ServerHello (handshake) and Finished (application) for TLS 1.3 — so the DSB's position
// decides. The files are real captures with their DSB moved block by block.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CAPTURES, ROOT, haveTshark, tlslens, tshark } from './helpers.ts';

const DIR = mkdtempSync(join(tmpdir(), 'tlslens-late-keys-'));
const noTshark = !haveTshark() && 'tshark is not installed (apt-get install -y tshark)';

interface Block {
  type: number;
  bytes: Uint8Array;
}

/** The blocks of a little-endian pcapng file. */
function blocks(b: Uint8Array): Block[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: Block[] = [];
  for (let o = 0; o + 12 <= b.length;) {
    const type = dv.getUint32(o, true);
    const len = dv.getUint32(o + 4, true);
    assert.ok(len >= 12 && o + len <= b.length, `block at ${o}`);
    out.push({ type, bytes: b.subarray(o, o + len) });
    o += len;
  }
  return out;
}

/** The file with its i-th DSB placed right after packet `after[i]` (1-based; 0 = before the first packet). */
function moveDsbs(file: string, after: readonly number[], name: string): string {
  const all = blocks(readFileSync(file));
  const dsbs = all.filter((x) => x.type === 0x0a);
  assert.equal(dsbs.length, after.length, `${file} has ${dsbs.length} DSBs`);
  const out: Uint8Array[] = [];
  let n = 0;
  const place = (): void => after.forEach((k, i) => { if (k === n) out.push(dsbs[i]!.bytes); });
  for (const x of all) {
    if (x.type === 0x0a) continue;
    out.push(x.bytes);
    if (x.type === 6 || x.type === 3) n++;
    if (x.type === 6 || x.type === 3 || x.type === 1) place();
  }
  const path = join(DIR, name);
  writeFileSync(path, Buffer.concat(out));
  return path;
}

const FIELDS = ['-T', 'fields', '-e', 'frame.number', '-e', 'tls.record.content_type', '-e', 'http.request.method', '-e', 'http.response.code', '-e', 'http.file_data', '-e', 'http2.type', '-e', 'http2.header.value', '-e', 'tls.alert_message.desc'];

/** Frames where HTTP or HTTP/2 was dissected (decrypted application data). */
function decryptedFrames(out: string): number[] {
  return out.split('\n').filter((l) => l.split('\t').slice(2, 7).some((v) => v !== '')).map((l) => Number(l.split('\t')[0]));
}

function sameAsTshark(cap: string): number[] {
  const want = tshark(['-r', cap, ...FIELDS]);
  assert.equal(want.status, 0, want.stderr);
  const got = tlslens(['read', '-r', cap, ...FIELDS]);
  assert.equal(got.status, 0, got.stderr);
  assert.equal(got.stdout, want.stdout, cap);
  return decryptedFrames(want.stdout);
}

const TLS12_DSB = join(CAPTURES, 'wireshark/tls12-dsb.pcapng');
test('wireshark tls12-dsb: each DSB moved after its ClientHello, its ServerHelloDone, its CCS, its app data', { skip: noTshark || (!existsSync(TLS12_DSB) && `${TLS12_DSB} not found`) }, () => {
  // connection 1: frames 1-9 (CKE + CCS in frame 4, server CCS in 5), connection 2: frames 10-17 (CKE + CCS in 12)
  const rows: Array<[number[], number[]]> = [
    [[1, 10], [6, 7, 14, 15]], // after the ClientHellos: both decrypt
    [[3, 11], [6, 7, 14, 15]], // just before the ClientKeyExchange
    [[4, 12], []], // after the client's CCS (and the server's, for connection 2)
    [[6, 14], []],
  ];
  for (const [at, frames] of rows) {
    const got = sameAsTshark(moveDsbs(TLS12_DSB, at, `tls12-dsb-${at.join('-')}.pcapng`));
    assert.deepEqual(got, frames, `DSBs after packets ${at.join(', ')}`);
  }
});

const DEMO = join(ROOT, 'test/fixtures/demo-dsb.pcapng');
test('demo capture (TLS 1.2 HTTP/1.1 then TLS 1.3 h2, one DSB): the DSB moved through both handshakes', { skip: noTshark }, () => {
  // TLS 1.2: ClientHello 4, CKE+CCS+Finished 7, server CCS 8; TLS 1.3: ClientHello 20, ServerHello+EE 21, Finished 22
  const full = sameAsTshark(DEMO);
  assert.ok(full.includes(9) && full.includes(10) && full.includes(23) && full.includes(24), `everything decrypts with the DSB first: ${full}`);
  const tls13 = full.filter((n) => n >= 20);
  const rows: Array<[number, number[]]> = [
    [4, full], // after the TLS 1.2 ClientHello
    [6, full],
    [7, [10, ...tls13]], // after the client's CCS: only the server side of TLS 1.2 decrypts
    [20, tls13], // after the TLS 1.3 ClientHello
    [21, []], // after the TLS 1.3 ServerHello: too late for both
  ];
  for (const [at, frames] of rows) {
    const got = sameAsTshark(moveDsbs(DEMO, [at], `demo-dsb-${at}.pcapng`));
    assert.deepEqual(got, frames, `DSB after packet ${at}`);
  }
});

test('a DSB too late for TLS 1.3 says so in the decryption status', () => {
  const cap = moveDsbs(DEMO, [21], 'demo-dsb-status.pcapng');
  const r = tlslens(['read', '-r', cap, '-Y', 'tcp.stream == 1 && tls.tlslens.decryption_status', '-T', 'fields', '-e', 'tls.tlslens.decryption_status_code', '-e', 'tls.tlslens.decryption_status']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.ok(lines.length > 0);
  for (const l of lines) assert.match(l, /^no_key\tno key for client random [0-9a-f]{64} when the ServerHello was read/);
});
