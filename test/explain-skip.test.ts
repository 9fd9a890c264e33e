// `tlslens explain --stream N` decrypts only connection N (Engine.decryptStream): on a recording
// of several real Node TLS connections (TLS 1.2 and 1.3, each resumed by a later one), the
// explanation of every stream is identical to the one built with every connection decrypted,
// and the engine shows that the other connections were not decrypted. A TLS 1.3 resumption
// names its original through a ticket that is encrypted in the original: that takes a second
// pass, which reads only the frames before the resuming ClientHello.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  Engine, ExplainCollector, HandshakeCollector, buildExplanation, parseCaBundle, renderExplanation, type Explanation,
} from '@tlslens/core';
import { CA_PEM, CHAIN_PEM, LEAF_KEY_PEM } from '../packages/cli/src/demo/certs.ts';
import { createNodeCrypto } from '../packages/cli/src/crypto/node-crypto.ts';
import { createNodeVerifier } from '../packages/cli/src/crypto/node-verifier.ts';
import { explainCapture } from '../packages/cli/src/commands/explain.ts';
import { eachPacket } from '../packages/cli/src/run.ts';
import { record } from './explain-record.ts';
import { CLI, tlslens } from './helpers.ts';

const HOST = 'demo.tlslens.test';
const server = { key: LEAF_KEY_PEM, cert: CHAIN_PEM, ticketKeys: Buffer.alloc(48, 7), ALPNProtocols: ['http/1.1'] };
const client = (extra: object) => ({ servername: HOST, ca: CA_PEM, ALPNProtocols: ['http/1.1'], ...extra });
const anchors = parseCaBundle(CA_PEM);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type J = any;

describe('explain decrypts only the connection it explains', () => {
  let pcap: Uint8Array = new Uint8Array(0);
  let keylog = '';
  const newEngine = () => new Engine({ crypto: createNodeCrypto(), keys: { keylogs: [{ name: 'keys', text: keylog }] } });

  /** The explanation with every connection decrypted (one pass, no Engine.decryptStream). */
  async function reference(stream: number): Promise<{ ex: Explanation; engine: Engine }> {
    const engine = newEngine();
    const col = new ExplainCollector(engine.reg, stream);
    const hs = new HandshakeCollector(engine.reg);
    const want = new Uint8Array(engine.reg.size);
    for (const id of [...col.fields, ...hs.fields]) want[id] = 1;
    const err = await eachPacket([pcap], engine, { fields: want, tree: false, columns: false }, undefined, (p) => {
      col.add(p);
      hs.add(p);
    });
    assert.equal(err, undefined);
    const ex = await buildExplanation(engine, col, hs, { verifier: createNodeVerifier(), trustAnchors: anchors });
    assert.ok(ex, `stream ${stream} explained`);
    return { ex, engine };
  }

  /** `tlslens explain`'s way, keeping the engines it made (one per pass). */
  async function skipping(sel: { stream: number } | { filter: string }): Promise<{ ex: Explanation; engines: Engine[] }> {
    const engines: Engine[] = [];
    const r = await explainCapture({
      open: () => [pcap],
      engine: () => {
        const e = newEngine();
        engines.push(e);
        return e;
      },
      ...sel,
      trustAnchors: anchors,
    });
    assert.ok(typeof r !== 'number' && r.explanation && r.status === 0);
    return { ex: r.explanation, engines };
  }

  /** Decrypted records per TCP stream. */
  function decrypted(engine: Engine): Map<number, number> {
    const m = new Map<number, number>();
    for (const conv of engine.tcp.conversations) m.set(conv.index, engine.tls.connection(conv)?.dec?.counts.decrypted ?? 0);
    return m;
  }

  before(async () => {
    const rec = await record([
      { server, client: client({ maxVersion: 'TLSv1.2' }) },
      { server, client: client({ maxVersion: 'TLSv1.2' }), resume: true },
      { server, client: client({ minVersion: 'TLSv1.3' }) },
      { server, client: client({ minVersion: 'TLSv1.3' }), resume: true },
      { server, client: client({ minVersion: 'TLSv1.3' }) },
    ]);
    assert.ok(rec.results.every((r) => r.ok), JSON.stringify(rec.results));
    pcap = rec.pcapng;
    keylog = rec.keylog;
  });
  let dir = '';
  after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  for (const stream of [0, 1, 2, 3, 4]) {
    it(`stream ${stream}: same explanation, the other connections not decrypted`, async () => {
      const ref = await reference(stream);
      const got = await skipping({ stream });
      for (const fmt of ['json', 'text'] as const) {
        assert.equal(renderExplanation(got.ex, fmt, 'en'), renderExplanation(ref.ex, fmt, 'en'), `${fmt} output of stream ${stream}`);
      }
      // with everything decrypted, every connection has decrypted records: the check below can fail
      const all = decrypted(ref.engine);
      assert.equal(all.size, 5);
      for (const [s, n] of all) assert.ok(n > 0, `reference: stream ${s} decrypted`);
      const main = got.engines[0]!;
      for (const [s, n] of decrypted(main)) {
        if (s === stream) assert.ok(n > 0, `stream ${s} decrypted`);
        else assert.equal(n, 0, `stream ${s} (not explained) was not decrypted`);
      }
      const sh: J = got.ex.steps.find((x) => x.id === 'server_hello')?.values;
      if (stream === 1 || stream === 3) {
        assert.equal(sh.resumed, stream === 1 ? 'ticket' : 'psk');
        assert.equal(sh.resumed_from?.stream, stream - 1, 'names the connection it resumes');
        assert.deepEqual(got.ex.finished, { client: true, server: true }, 'the resumed session decrypts');
      } else assert.equal(sh.resumed, 'no');
      if (stream === 3) {
        // the TLS 1.3 ticket is inside stream 2's encrypted records: a second pass over the frames before the ClientHello
        assert.equal(got.engines.length, 2);
        const second = decrypted(got.engines[1]!);
        assert.ok((second.get(2) ?? 0) > 0, 'the second pass decrypted stream 2');
        assert.equal(second.has(4), false, 'the second pass stopped before the later connections');
      } else assert.equal(got.engines.length, 1, 'one pass');
    });
  }

  it('-Y on addresses and ports: the first pass decrypts nothing, the second only the match', async () => {
    const ref = await reference(4);
    const got = await skipping({ filter: 'tcp.srcport == 50104 && ip.dst == 198.51.100.20' });
    assert.equal(renderExplanation(got.ex, 'json', 'en'), renderExplanation(ref.ex, 'json', 'en'));
    assert.equal(got.engines.length, 2);
    for (const [s, n] of decrypted(got.engines[0]!)) assert.equal(n, 0, `filter pass: stream ${s} not decrypted`);
    for (const [s, n] of decrypted(got.engines[1]!)) assert.equal(n > 0, s === 4, `explain pass: stream ${s}`);
  });

  it('-Y on a decrypted field still decrypts while looking for the connection', async () => {
    const ref = await reference(2);
    // the TLS 1.3 Certificate message is encrypted: only decryption shows it
    const got = await skipping({ filter: 'tls.handshake.type == 11 && tcp.stream >= 2' });
    assert.equal(renderExplanation(got.ex, 'json', 'en'), renderExplanation(ref.ex, 'json', 'en'));
    assert.ok((decrypted(got.engines[0]!).get(2) ?? 0) > 0);
  });

  it('handshakes: HTTP is not dissected for the summaries, but still for a filter on it', { skip: !existsSync(CLI) ? 'CLI not built' : false }, () => {
    dir = mkdtempSync(join(tmpdir(), 'tlslens-skip-'));
    writeFileSync(join(dir, 'c.pcapng'), pcap);
    writeFileSync(join(dir, 'c.keys'), keylog);
    const run = (extra: string[]) => {
      const r = tlslens(['handshakes', join(dir, 'c.pcapng'), '--keylog', join(dir, 'c.keys'), '--json', ...extra]);
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout) as J[];
    };
    const all = run([]);
    assert.deepEqual(all.map((h) => [h.stream, h.decryption]), [0, 1, 2, 3, 4].map((s) => [s, 'yes']));
    // every connection sent "GET / HTTP/1.1" inside TLS
    assert.deepEqual(run(['-Y', 'http.request.method == "GET"']).map((h) => h.stream), [0, 1, 2, 3, 4]);
    // the full handshakes show a certificate (encrypted in TLS 1.3: streams 2 and 4), the resumed ones none
    assert.deepEqual(run(['-Y', 'tls.handshake.type == 11']).map((h) => h.stream), [0, 2, 4]);
  });
});
