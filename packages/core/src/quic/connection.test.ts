// A QUIC v1 connection built with the RFC 9001 Appendix A packets (client Initial with its
// ClientHello, server Initial with its ServerHello) followed by 1-RTT packets protected with
// key-log secrets, through the engine with the pure (browser) backend: connection tracking by
// connection IDs, key-log lookup by the ClientHello random, short headers both ways, a key
// update (RFC 9001 §6), a corrupted packet (tag failure: an expert note, the packet number
// still shown) and coalesced padding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readCaptureSync } from '../capture/index.ts';
import { concatBytes, fromHex, toHex } from '../crypto/bytes.ts';
import { createPureCrypto } from '../crypto/pure.ts';
import { Engine } from '../engine.ts';
import { DEFAULT_FIELDS_OPTIONS, FieldsFormatter } from '../output/fields.ts';
import { buildPcapng } from '../synth/index.ts';
import { encryptPayload, headerMask, initialKeys, nextPhaseKeys, packetKeys, type PacketKeys } from './keys.ts';
import { QUIC_V1, versionInfo } from './versions.ts';

const c = createPureCrypto();
const V1 = versionInfo(QUIC_V1)!;
const hex = (s: string) => fromHex(s.replace(/\s+/g, ''));
const DCID = hex('8394c8f03e515708');
const SERVER_CID = hex('f067a5502a4262b5');
// RFC 9001 A.2: the client's CRYPTO frame (ClientHello, random ebf8fa56…); A.3: the protected server Initial
const CLIENT_CRYPTO = hex(`060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e86804fe3a47f06a2b69484c000004130113
  02010000c000000010000e00000b6578616d706c652e636f6dff01000100000a00080006001d0017001800100007000504616c706e000500050100000000
  003300260024001d00209370b2c9caa47fbabaf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b0003020304000d0010000e04030503060302
  03080408050806002d00020101001c00024001003900320408ffffffffffffffff05048000ffff07048000ffff0801100104800075300901100f088394c8
  f03e51570806048000ffff`);
const SERVER_INITIAL = hex(`cf000000010008f067a5502a4262b5004075c0d95a482cd0991cd25b0aac406a5816b6394100f37a1c69797554780bb38c
  c5a99f5ede4cf73c3ec2493a1839b3dbcba3f6ea46c5b7684df3548e7ddeb9c3bf9c73cc3f3bded74b562bfb19fb84022f8ef4cdd93795d77d06edbb7aaf2f
  58891850abbdca3d20398c276456cbc42158407dd074ee`);
const CLIENT_RANDOM = 'ebf8fa56f12939b9584a3896472ec40bb863cfd3e86804fe3a47f06a2b69484c';
const C_SECRET = hex('11'.repeat(32));
const S_SECRET = hex('22'.repeat(32));

/** Applies header protection and AEAD to a packet whose header ends with a pnLen-byte packet number. */
function protect(k: PacketKeys, header: Uint8Array, pn: number, pnLen: number, plain: Uint8Array): Uint8Array {
  const pkt = concatBytes(header, encryptPayload(c, k, pn, header, plain));
  const pnOff = header.length - pnLen;
  const mask = headerMask(c, k, pkt.subarray(pnOff + 4, pnOff + 20));
  pkt[0]! ^= mask[0]! & (pkt[0]! & 0x80 ? 0x0f : 0x1f);
  for (let i = 0; i < pnLen; i++) pkt[pnOff + i]! ^= mask[1 + i]!;
  return pkt;
}

function shortPacket(k: PacketKeys, dcid: Uint8Array, phase: number, pn: number, frames: Uint8Array): Uint8Array {
  const header = Uint8Array.from([0x40 | (phase << 2), ...dcid, pn & 0xff]);
  return protect(k, header, pn, 1, concatBytes(frames, new Uint8Array(4)));
}

/** Ethernet/IPv4/UDP between 10.0.0.1:50000 (client) and 10.0.0.2:443. */
function udp(fromClient: boolean, payload: Uint8Array): Uint8Array {
  const b = new Uint8Array(42 + payload.length);
  b.set([0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6, 0x08, 0x00]);
  const total = 28 + payload.length;
  const [s, d] = fromClient ? [1, 2] : [2, 1];
  b.set([0x45, 0, total >> 8, total & 0xff, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, s, 10, 0, 0, d], 14);
  const [sp, dp] = fromClient ? [50000, 443] : [443, 50000];
  b.set([sp >> 8, sp & 0xff, dp >> 8, dp & 0xff, (8 + payload.length) >> 8, (8 + payload.length) & 0xff, 0, 0], 34);
  b.set(payload, 42);
  return b;
}

test('QUIC v1 connection: Initial keys from the DCID, 1-RTT from the key log, a key update, a bad tag', () => {
  const init = initialKeys(c, V1, DCID);
  const clientInitial = protect(init.client, hex('c300000001088394c8f03e5157080000449e00000002'), 2, 4,
    concatBytes(CLIENT_CRYPTO, new Uint8Array(1162 - CLIENT_CRYPTO.length)));
  const cK = packetKeys(c, V1, 0x1301, C_SECRET)!;
  const sK0 = packetKeys(c, V1, 0x1301, S_SECRET)!;
  const sK1 = nextPhaseKeys(c, V1, sK0);
  const ping = Uint8Array.of(0x01);
  const stream = Uint8Array.of(0x0a, 0x00, 0x05, ...new TextEncoder().encode('hello'));
  const bad = shortPacket(sK1, new Uint8Array(0), 1, 4, ping);
  bad[bad.length - 1]! ^= 0xff;
  const datagrams: Array<[boolean, Uint8Array]> = [
    [true, concatBytes(clientInitial, new Uint8Array(40))], // zeros after the Initial: not its DCID, so padding
    [false, SERVER_INITIAL],
    [true, shortPacket(cK, SERVER_CID, 0, 0, stream)],
    [false, shortPacket(sK0, new Uint8Array(0), 0, 0, ping)],
    [false, shortPacket(sK1, new Uint8Array(0), 1, 1, ping)], // key update: phase 1
    [false, shortPacket(sK1, new Uint8Array(0), 1, 2, Uint8Array.of(0x1e))],
    [false, bad],
  ];
  const keylog = `CLIENT_TRAFFIC_SECRET_0 ${CLIENT_RANDOM} ${toHex(C_SECRET)}\nSERVER_TRAFFIC_SECRET_0 ${CLIENT_RANDOM} ${toHex(S_SECRET)}\n`;
  const pcap = buildPcapng({ frames: datagrams.map(([fc, d], i) => ({ ts: { s: 1_700_000_000 + i, ns: 0 }, data: udp(fc, d) })) });
  const engine = new Engine({ crypto: c, keys: { keylogs: [{ name: 'keys', text: keylog }] } });
  const fields = ['quic.connection.number', 'quic.packet_number', 'quic.key_phase', 'quic.stream_data', 'tls.handshake.type', 'tls.handshake.extensions_server_name', 'quic.coalesced_padding_data'];
  const fmt = new FieldsFormatter(engine.reg, fields, { ...DEFAULT_FIELDS_OPTIONS });
  const want = new Uint8Array(engine.reg.size);
  for (const f of fmt.fields) want[f.id] = 1;
  const rows: string[] = [];
  const experts: string[][] = [];
  let n = 0;
  for (const ev of readCaptureSync(pcap)) {
    if (ev.kind !== 'frame') continue;
    const p = engine.dissect(ev.frame, ++n, { fields: want, tree: false, columns: true });
    rows.push(`${p.colProtocol}|${p.colInfo}|${fmt.line(p, () => undefined).trimEnd()}`);
    experts.push(p.experts.map((e) => e.message));
  }
  assert.deepEqual(rows, [
    'QUIC|Initial, DCID=8394c8f03e515708, PKN: 2, CRYPTO, PADDING|0\t2\t\t\t1\texample.com\t1',
    'QUIC|Initial, SCID=f067a5502a4262b5, PKN: 1, ACK, CRYPTO|0\t1\t\t\t2',
    'QUIC|Protected Payload (KP0), DCID=f067a5502a4262b5, PKN: 0, STREAM(0), PADDING|0\t0\t0\t68656c6c6f',
    'QUIC|Protected Payload (KP0), PKN: 0, PING, PADDING|0\t0\t0',
    'QUIC|Protected Payload (KP1), PKN: 1, PING, PADDING|0\t1\t1',
    'QUIC|Protected Payload (KP1), PKN: 2, DONE, PADDING|0\t2\t1',
    'QUIC|Protected Payload (KP1), PKN: 4|0\t4\t1',
  ]);
  assert.deepEqual(experts.slice(0, 6).flat(), []);
  assert.ok(experts[6]!.some((m) => /AEAD tag/.test(m)), experts[6]!.join('; '));
});
