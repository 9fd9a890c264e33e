/**
 * Engine.releaseClosed (what `tlslens read` turns on): once both sides of a TCP conversation
 * sent their FIN, the TLS decoders and the HTTP parser of that connection are dropped. The
 * printed packets (summary lines with lazily built columns, request fields) and the final
 * decryption status must be the same as with everything kept. Real captures with key logs
 * under /work/shared/captures (or $TLSLENS_CAPTURES); skipped when absent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from './engine.ts';
import { readCaptureSync } from './capture/index.ts';
import { summaryLine } from './output/text.ts';
import { compileFilter } from './filter/index.ts';

const CAPTURES = process.env.TLSLENS_CAPTURES ?? '/work/shared/captures';
const cap = (f: string) => join(CAPTURES, f);

interface Case {
  pcap: string;
  keys: string;
  prefs?: [string, string][];
  decodeAs?: string[];
}

const CASES: Case[] = [
  {
    pcap: 'lekensteyn-wireshark-notes/all/dump.pcapng', keys: 'lekensteyn-wireshark-notes/all/premaster.txt',
    prefs: [['http.tls.port', '443,4430-4500']], decodeAs: ['tcp.port==4430-4500,tls'],
  },
  { pcap: 'illustrated-tls13/captures/capture.pcap', keys: 'illustrated-tls13/captures/keylog.txt' },
  { pcap: 'illustrated-tls12/captures/capture.pcap', keys: 'illustrated-tls12/captures/keylog.txt' },
  { pcap: 'scapy/notebook-raw_data/tls_nss_example.pcap', keys: 'scapy/notebook-raw_data/tls_nss_example.keys.txt' },
  { pcap: 'zeek/traces/tls12-decryption.pcap', keys: 'zeek/derived/tls12-decryption.derived.keys' },
  { pcap: 'zeek/traces/tls-1.2-stream-keylog.pcap', keys: 'zeek/derived/tls-1.2-stream-keylog.derived.keys' },
];
/** Captures whose connections all close (FIN/RST from both sides) after carrying HTTP: something must be released. */
const CLOSING = new Set(['zeek/traces/tls12-decryption.pcap', 'scapy/notebook-raw_data/tls_nss_example.pcap']);

/** Dissects like `tlslens read -Y FILTER` (text lines) for every packet; returns the lines, the end states and the engine. */
function run(c: Case, release: boolean) {
  const engine = new Engine({
    prefs: new Map(c.prefs ?? []), decodeAs: c.decodeAs ?? [],
    keys: { keylogs: [{ name: c.keys, text: readFileSync(cap(c.keys), 'utf8') }] },
  });
  engine.releaseClosed = release;
  const flt = compileFilter('tls || http || tcp.flags.fin == 1', engine.reg);
  const want = new Uint8Array(engine.reg.size);
  for (const id of flt.fields) want[id] = 1;
  for (const name of ['tls.tlslens.decryption_status_code', 'http.request.uri', 'tls.record.content_type']) want[engine.reg.find(name)!.id] = 1;
  const wanted = { fields: want, tree: false, columns: true };
  const lines: string[] = [];
  let num = 0;
  for (const ev of readCaptureSync(readFileSync(cap(c.pcap)))) {
    if (ev.kind === 'secrets') engine.addSecrets(ev.secrets.type, ev.secrets.data);
    if (ev.kind !== 'frame') continue;
    const p = engine.dissect(ev.frame, ++num, wanted);
    // every packet's Info is read (lazy columns included), the matching ones with their fields
    const line = summaryLine(p, '');
    if (flt.match((id) => p.values(id))) {
      const vals = ['tls.tlslens.decryption_status_code', 'http.request.uri', 'tls.record.content_type'].map((n) => p.values(engine.reg.find(n)!.id)?.join(',') ?? '');
      lines.push(line.trimEnd() + ' | ' + vals.join(' | '));
    }
  }
  engine.finish();
  const states = engine.tcp.conversations.map((conv) => {
    const d = engine.tls.connection(conv)?.decryption;
    return d ? { stream: conv.index, ...d, closed: conv.finBits === 7 } : undefined;
  });
  return { lines, states, engine };
}

for (const c of CASES) {
  test(`releaseClosed keeps output and decryption status: ${c.pcap}`, { skip: existsSync(cap(c.pcap)) && existsSync(cap(c.keys)) ? false : `missing ${c.pcap}` }, () => {
    const kept = run(c, false);
    const released = run(c, true);
    assert.ok(kept.lines.length > 0, 'the capture has TLS packets');
    assert.deepEqual(released.lines, kept.lines);
    // the same status, counts, Finished checks and secrets at the end, released or not
    assert.deepEqual(released.states.map((s) => s && { ...s, closed: undefined }), kept.states.map((s) => s && { ...s, closed: undefined }));
    assert.ok(kept.states.some((s) => s?.status.code === 'decrypted'), 'something decrypts');
    // closed connections lost their application parser only when releasing
    const convs = released.engine.tcp.conversations;
    let closedWithApp = 0;
    for (const [i, conv] of kept.engine.tcp.conversations.entries()) {
      const app = kept.engine.tls.connection(conv)?.dec?.app;
      if (app === undefined || conv.finBits !== 7) continue;
      closedWithApp++;
      assert.equal(released.engine.tls.connection(convs[i]!)?.dec?.app, undefined, `stream ${conv.index} released`);
    }
    if (CLOSING.has(c.pcap)) assert.ok(closedWithApp > 0, 'some closed connection carried HTTP');
  });
}
