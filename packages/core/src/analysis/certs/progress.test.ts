// ChainProgress (tlslens certs): once both Finished messages are seen, a connection's records are
// no longer decrypted, and the chains found are those of a pass that decrypts everything.
// Real recordings with their key logs (test/fixtures, see its README).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Engine } from '../../engine.ts';
import { readCaptureBatches } from '../../capture/index.ts';
import { createPureCrypto } from '../../crypto/pure.ts';
import { HandshakeCollector } from '../handshakes/collector.ts';
import { ChainProgress } from './progress.ts';

const FIX = fileURLToPath(new URL('../../../../../test/fixtures/', import.meta.url));

async function pass(file: string, keys: string, progress: 'none' | 'default' | 'late') {
  const engine = new Engine({ crypto: createPureCrypto(), keys: { keylogs: [{ name: keys, text: readFileSync(FIX + keys, 'utf8') }] } });
  engine.tlsApplication = () => false;
  const col = new HandshakeCollector(engine.reg);
  const pr = progress === 'none' ? undefined : new ChainProgress(engine.reg, progress === 'late');
  if (pr) engine.decryptStream = (s) => pr.needsDecryption(s);
  const dec = engine.reg.find('tls.tlslens.decrypted')!.id;
  const want = new Uint8Array(engine.reg.size);
  for (const id of [...col.fields, ...(pr?.fields ?? []), dec]) want[id] = 1;
  let num = 0;
  let decrypted = 0;
  for await (const batch of readCaptureBatches([readFileSync(FIX + file)])) {
    for (const ev of batch) {
      if (ev.kind !== 'frame') continue;
      const p = engine.dissect(ev.frame, ++num, { fields: want, tree: false, columns: false });
      col.add(p);
      pr?.add(p);
      decrypted += (p.values(dec) ?? []).filter((v) => v === true).length;
    }
  }
  engine.finish();
  const s = col.summaries()[0]!;
  return { chains: s.chains, version: s.version, decrypted };
}

for (const [file, keys, tls13] of [
  ['tls13-aes128gcm-h2.pcapng', 'tls13-aes128gcm-h2.keys', true],
  ['tls12-ecdhe-rsa-aes128gcm.pcapng', 'tls12-ecdhe-rsa-aes128gcm.keys', false],
] as const) {
  test(`${file}: the same chains, the application data left encrypted`, { skip: !existsSync(FIX + file) && 'fixture not found' }, async () => {
    const all = await pass(file, keys, 'none');
    const some = await pass(file, keys, 'default');
    assert.equal(all.version, tls13 ? 'TLSv1.3' : 'TLSv1.2');
    assert.ok(all.chains.length > 0 && all.chains[0]!.certificates.length > 0, 'a server chain');
    assert.deepEqual(some.chains, all.chains);
    // the handshake's encrypted records were decrypted (TLS 1.3: its Certificate), not the rest
    assert.ok(some.decrypted > 0);
    assert.ok(some.decrypted < all.decrypted, `${some.decrypted} records decrypted of ${all.decrypted}`);
    // waiting for late chains: the client offered no post-handshake authentication (TLS 1.3), but a
    // TLS 1.2 renegotiation could still bring the client's chain, so that one is decrypted to the end
    const late = await pass(file, keys, 'late');
    assert.deepEqual(late.chains, all.chains);
    if (tls13) assert.equal(late.decrypted, some.decrypted);
    else assert.equal(late.decrypted, all.decrypted);
  });
}
