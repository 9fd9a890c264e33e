// `tlslens http` dissects with only the log's fields, in dissection order (Wanted.ordered, no
// tree): the transactions, headers and bodies must be those read from the full detail tree.
// Real recordings (test/fixtures, see its README): HTTP/1.1 over TLS 1.2 and 1.3, HTTP/1.0 ending
// at the close, HTTP/2 with gzip/deflate/br bodies in several DATA frames.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Engine } from '../../engine.ts';
import { readCaptureBatches } from '../../capture/index.ts';
import { createPureCrypto } from '../../crypto/pure.ts';
import { HttpLogBuilder, type HttpTransaction } from './index.ts';

const FIX = fileURLToPath(new URL('../../../../../test/fixtures/', import.meta.url));

async function transactions(file: string, keys: string | undefined, lean: boolean): Promise<{ txs: HttpTransaction[]; treeNodes: number }> {
  const engine = new Engine({
    prefs: new Map([['tlslens.http.end_at_tls_close', 'TRUE']]),
    crypto: createPureCrypto(),
    ...(keys ? { keys: { keylogs: [{ name: keys, text: readFileSync(FIX + keys, 'utf8') }] } } : {}),
  });
  const builder = new HttpLogBuilder(engine.reg);
  const tcpHandler = engine.tcpApps.handler;
  engine.tcp.setPayloadHandler((p, data, offset, end, seg) => {
    if (end > offset) builder.segment(seg.stream, p.num, p.ts, seg.srcport);
    return tcpHandler(p, data, offset, end, seg);
  });
  if (lean) engine.releaseClosed = true;
  const wanted = lean ? builder.wanted(engine.reg) : { tree: true, columns: false };
  let num = 0;
  let treeNodes = 0;
  for await (const batch of readCaptureBatches([readFileSync(FIX + file)], { onFormat: (f) => engine.setFileFormat(f) })) {
    for (const ev of batch) {
      if (ev.kind === 'secrets') engine.addSecrets(ev.secrets.type, ev.secrets.data);
      if (ev.kind !== 'frame') continue;
      const p = engine.dissect(ev.frame, ++num, wanted);
      treeNodes += p.roots.length;
      builder.add(p);
    }
  }
  engine.finish();
  return { txs: builder.transactions, treeNodes };
}

const CASES: [file: string, keys: string | undefined, h2: boolean][] = [
  ['tls12-ecdhe-rsa-aes128gcm.pcapng', 'tls12-ecdhe-rsa-aes128gcm.keys', false],
  ['tls13-chacha20.pcapng', 'tls13-chacha20.keys', false],
  ['tls13-aes128gcm-h2.pcapng', 'tls13-aes128gcm-h2.keys', true],
  ['http10-tls12-fin.pcapng', undefined, false],
  ['http10-tls13-close-notify.pcapng', undefined, false],
  ['h2-compressed-bodies.pcapng', undefined, true],
  ['demo-dsb.pcapng', undefined, true],
];

for (const [file, keys, h2] of CASES) {
  test(`${file}: the same transactions without the tree as with it`, { skip: !existsSync(FIX + file) && 'fixture not found' }, async () => {
    const full = await transactions(file, keys, false);
    const lean = await transactions(file, keys, true);
    assert.ok(full.treeNodes > 0, 'the full pass built trees');
    assert.equal(lean.treeNodes, 0, 'the lean pass built no tree');
    // something real to compare: decrypted transactions with headers and bodies
    assert.ok(full.txs.length > 0, 'transactions found');
    assert.ok(full.txs.every((t) => t.status !== undefined && t.requestHeaders.length > 0 && t.responseHeaders.length > 0));
    assert.ok(full.txs.some((t) => t.responseBody.length > 0), 'a response body');
    assert.equal(full.txs.some((t) => t.h2stream !== undefined), h2);
    assert.deepEqual(lean.txs, full.txs);
  });
}
