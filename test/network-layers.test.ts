// Network-layer cases the public captures lack, built here byte by byte and checked
// against tshark: IPv4 and IPv6 fragments (in and out of order), VLAN and QinQ tags,
// IPv6 extension headers, Linux SLL2 and BSD loopback framing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PcapngWriter } from '@tlslens/core';
import { haveTshark, tlslens, tshark } from './helpers.ts';

const skip = !haveTshark() && 'tshark is not installed (apt-get install -y tshark)';

function csum(b: Uint8Array, start: number, end: number, init = 0): number {
  let s = init;
  for (let i = start; i < end; i += 2) s += (b[i]! << 8) | (i + 1 < end ? b[i + 1]! : 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

function ipv4(src: number[], dst: number[], proto: number, id: number, fragOff: number, mf: boolean, payload: Uint8Array): Uint8Array {
  const h = new Uint8Array(20 + payload.length);
  h[0] = 0x45;
  h[2] = h.length >> 8;
  h[3] = h.length & 255;
  h[4] = id >> 8;
  h[5] = id & 255;
  const fl = (mf ? 0x2000 : 0) | (fragOff >> 3);
  h[6] = fl >> 8;
  h[7] = fl & 255;
  h[8] = 64;
  h[9] = proto;
  h.set(src, 12);
  h.set(dst, 16);
  const c = csum(h, 0, 20);
  h[10] = c >> 8;
  h[11] = c & 255;
  h.set(payload, 20);
  return h;
}

function udp(sp: number, dp: number, data: Uint8Array): Uint8Array {
  const u = new Uint8Array(8 + data.length);
  u[0] = sp >> 8; u[1] = sp & 255; u[2] = dp >> 8; u[3] = dp & 255;
  u[4] = u.length >> 8; u[5] = u.length & 255;
  u.set(data, 8);
  return u;
}

function eth(type: number, payload: Uint8Array, tags: number[][] = []): Uint8Array {
  const hdr = [0, 0x11, 0x22, 0x33, 0x44, 0x55, 0, 0x66, 0x77, 0x88, 0x99, 0xaa];
  const tagBytes = tags.flatMap(([tpid, vid]) => [tpid! >> 8, tpid! & 255, (vid! >> 8) & 0x0f, vid! & 255]);
  return Uint8Array.from([...hdr, ...tagBytes, type >> 8, type & 255, ...payload]);
}

function ipv6(src: number[], dst: number[], nxt: number, payload: Uint8Array): Uint8Array {
  const h = new Uint8Array(40 + payload.length);
  h[0] = 0x60;
  h[4] = payload.length >> 8;
  h[5] = payload.length & 255;
  h[6] = nxt;
  h[7] = 64;
  h.set(src, 8);
  h.set(dst, 24);
  h.set(payload, 40);
  return h;
}

function writeCapture(frames: { linktype: number; data: Uint8Array }[]): string {
  const w = new PcapngWriter();
  const parts: Uint8Array[] = [w.sectionHeader()];
  const lts = [...new Set(frames.map((f) => f.linktype))];
  for (const lt of lts) parts.push(w.addInterface({ linktype: lt }));
  frames.forEach((f, i) => parts.push(w.packet({ ifaceId: lts.indexOf(f.linktype), ts: { s: 1700000000 + i, ns: 1000 * i }, data: f.data })));
  const dir = mkdtempSync(join(tmpdir(), 'tlslens-net-'));
  const path = join(dir, 'net.pcapng');
  writeFileSync(path, Buffer.concat(parts));
  return path;
}

const A = [10, 1, 2, 3];
const B = [10, 9, 8, 7];
const A6 = [0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 1];
const B6 = [0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 2];

function fragmented(order: number[], id: number): Uint8Array[] {
  const body = udp(5000, 6000, new Uint8Array(3000).map((_, i) => i & 255));
  const pieces = [
    [0, body.subarray(0, 1480), true],
    [1480, body.subarray(1480, 2960), true],
    [2960, body.subarray(2960), false],
  ] as const;
  return order.map((k) => eth(0x0800, ipv4(A, B, 17, id, pieces[k]![0], pieces[k]![2], pieces[k]![1])));
}

function ipv6Fragments(): Uint8Array[] {
  const body = udp(5001, 9999, new Uint8Array(2000).map((_, i) => (i * 7) & 255));
  const frag = (off: number, more: boolean, data: Uint8Array) => {
    const fh = new Uint8Array(8 + data.length);
    fh[0] = 17;
    const ow = off | (more ? 1 : 0);
    fh[2] = ow >> 8; fh[3] = ow & 255;
    fh[4] = 0; fh[5] = 0; fh[6] = 0x12; fh[7] = 0x34;
    fh.set(data, 8);
    return eth(0x86dd, ipv6(A6, B6, 44, fh));
  };
  return [frag(0, true, body.subarray(0, 1232)), frag(1232, false, body.subarray(1232))];
}

function hopByHop(): Uint8Array {
  const hbh = Uint8Array.from([17, 0, 5, 2, 0, 0, 1, 0]); // next UDP, router alert + PadN
  return eth(0x86dd, ipv6(A6, B6, 0, Uint8Array.from([...hbh, ...udp(7777, 7777, new Uint8Array(4))])));
}

const FIELDS = [
  'frame.number', 'frame.protocols', 'eth.type', 'vlan.id', 'vlan.etype', 'ip.src', 'ip.id', 'ip.flags.mf', 'ip.frag_offset',
  'ip.fragment', 'ip.fragment.count', 'ip.reassembled.length', 'ipv6.nxt', 'ipv6.fraghdr.offset', 'ipv6.fraghdr.more', 'ipv6.fraghdr.ident',
  'ipv6.fragment', 'ipv6.reassembled.length', 'ipv6.hopopts.nxt', 'ipv6.hopopts.len', 'udp.srcport', 'udp.length', 'udp.stream',
  'sll.pkttype', 'sll.ifindex', 'sll.etype', 'null.family', 'ieee8021ad.id', 'udp.checksum.status', 'udp.checksum.zero',
];

test('fragments, VLAN tags, IPv6 extension headers, SLL2 and loopback match tshark', { skip }, () => {
  const frames: { linktype: number; data: Uint8Array }[] = [];
  for (const d of fragmented([0, 1, 2], 0x1111)) frames.push({ linktype: 1, data: d });
  for (const d of fragmented([2, 0, 1], 0x2222)) frames.push({ linktype: 1, data: d }); // out of order
  for (const d of ipv6Fragments()) frames.push({ linktype: 1, data: d });
  frames.push({ linktype: 1, data: hopByHop() });
  const small = ipv4(A, B, 17, 0x3333, 0, false, udp(1234, 4321, new Uint8Array(10)));
  frames.push({ linktype: 1, data: eth(0x0800, small, [[0x8100, 42]]) });
  frames.push({ linktype: 1, data: eth(0x0800, small, [[0x88a8, 7], [0x8100, 300]]) });
  // Linux cooked v2: protocol, reserved, ifindex, hatype, pkttype, halen, address
  frames.push({ linktype: 276, data: Uint8Array.from([0x08, 0x00, 0, 0, 0, 0, 0, 3, 0, 1, 4, 6, 0, 0x11, 0x22, 0x33, 0x44, 0x55, 0, 0, ...small]) });
  // BSD loopback, host byte order (little-endian AF_INET = 2)
  frames.push({ linktype: 0, data: Uint8Array.from([2, 0, 0, 0, ...small]) });
  const cap = writeCapture(frames);
  const args = ['-r', cap, '-T', 'fields', '-E', 'header=y', ...FIELDS.flatMap((f) => ['-e', f])];
  const want = tshark(args);
  assert.equal(want.status, 0, want.stderr);
  const got = tlslens(['read', ...args]);
  assert.equal(got.status, 0, got.stderr);
  assert.equal(got.stdout, want.stdout);
  // the packet list too (Info of fragments, VLAN frames …)
  const list = ['-r', cap];
  assert.equal(tlslens(['read', ...list]).stdout, tshark(list).stdout);
});
