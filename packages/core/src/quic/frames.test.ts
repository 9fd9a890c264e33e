// Hostile frame payloads and CRYPTO streams: random bytes never throw, lengths past the end
// become expert notes, and a CRYPTO stream keeps its memory bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRegistry } from '../fields/registry.ts';
import { Packet } from '../packet.ts';
import { CryptoStream, MAX_BUFFERED } from './crypto-stream.ts';
import { registerQuicFields } from './fields.ts';
import { dissectFrames } from './frames.ts';

const reg = createRegistry();
const f = registerQuicFields(reg);
const packet = (b: Uint8Array) => new Packet({ num: 1, ts: { s: 0, ns: 0 }, data: b, origLen: b.length, linktype: 1, ifaceId: 0, wanted: { tree: true, columns: true } });

test('random frame payloads: no exception; truncated frames are reported', () => {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let i = 0; i < 20000; i++) {
    const n = Math.floor(rnd() * 64);
    const b = Uint8Array.from({ length: n }, () => (rnd() < 0.3 ? Math.floor(rnd() * 0x20) : Math.floor(rnd() * 256)));
    dissectFrames(packet(b), f, b, 0, n, { crypto: () => {} });
  }
  const p = packet(Uint8Array.of(0x06, 0x00, 0x44, 0x00, 1, 2)); // CRYPTO of 1024 bytes, 2 present
  assert.deepEqual(dissectFrames(p, f, p.data, 0, p.data.length, { crypto: () => assert.fail('no data for a truncated frame') }), ['CRYPTO']);
  assert.match(p.experts[0]!.message, /runs past the end/);
  const q = packet(Uint8Array.of(0x01, 0x40)); // PING, then a 2-byte frame type cut short
  assert.deepEqual(dissectFrames(q, f, q.data, 0, q.data.length, { crypto: () => {} }), ['PING']);
  assert.equal(q.experts.length, 1);
});

test('CRYPTO stream: out of order, retransmissions, bounded buffering', () => {
  const st = new CryptoStream();
  const msg = Uint8Array.of(1, 0, 0, 6, 10, 11, 12, 13, 14, 15); // a 10-byte handshake message
  assert.equal(st.add(6, msg.subarray(6), 1).retransmission, false);
  assert.equal(st.hasGap, true);
  assert.equal(st.take(), undefined);
  st.add(0, msg.subarray(0, 6), 2);
  assert.equal(st.hasGap, false);
  assert.deepEqual(st.take(), msg);
  assert.equal(st.add(0, msg.subarray(0, 4), 3).retransmission, true);
  const big = new CryptoStream();
  let err: string | undefined;
  for (let i = 1; i < 200 && !err; i++) err = big.add(i * 20000, new Uint8Array(10000), i).error;
  assert.match(err ?? '', new RegExp(String(MAX_BUFFERED)));
  const huge = new CryptoStream();
  huge.add(0, Uint8Array.of(1, 0xff, 0xff, 0xff), 1);
  assert.equal(huge.take(), undefined);
  assert.match(huge.failed ?? '', /handshake message of/);
});
