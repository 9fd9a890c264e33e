import { test } from 'node:test';
import assert from 'node:assert/strict';
import { be16, be32, eth, hex, icmp6, ip6b, ipv6, run, udp } from '../app/dns/_testpkt.ts';

const A = 'fe80::1';
const B = 'fe80::2';
const E = (src: string, dst: string, t: number, c: number, body: number[], hl = 255) => {
  const f = icmp6(src, dst, t, c, body);
  f[7] = hl;
  return eth(f, 0x86dd);
};
const mac = hex('001122334455');

test('ICMPv6 echo, ND and MLD Info texts and fields', () => {
  const text = [...'hello world!'].map((c) => c.charCodeAt(0));
  const { v, info, packets } = run([
    E(A, B, 128, 0, [...be16(0x1234), ...be16(1), ...text], 64),
    E(B, A, 129, 0, [...be16(0x1234), ...be16(1), ...text], 64),
    E(A, 'ff02::1:ff00:2', 135, 0, [0, 0, 0, 0, ...ip6b(B), 1, 1, ...mac]),
    E('::', 'ff02::1:ff00:2', 135, 0, [0, 0, 0, 0, ...ip6b(B)]),
    E(B, A, 136, 0, [0x60, 0, 0, 0, ...ip6b(B), 2, 1, ...mac]),
    E(B, A, 136, 0, [0xe0, 0, 0, 0, ...ip6b(B)]),
    E(B, A, 136, 0, [0, 0, 0, 0, ...ip6b(B)]),
    E(A, 'ff02::2', 133, 0, [0, 0, 0, 0, 1, 1, ...mac]),
    E(B, 'ff02::1', 134, 0, [64, 0xc0, ...be16(1800), ...be32(0), ...be32(0), 1, 1, ...mac, 5, 1, 0, 0, ...be32(1500)]),
    E(A, 'ff02::16', 143, 0, [0, 0, 0, 1, 4, 0, 0, 0, ...ip6b('ff02::fb')], 1),
    E(A, 'ff02::1', 130, 0, [...be16(1000), 0, 0, ...ip6b('::')], 1),
    E(A, B, 1, 4, [0, 0, 0, 0, ...ipv6(B, A, 17, udp(5000, 53, [0x61, 0x62, 0x63, 0x64]))]),
    E(A, B, 2, 0, [...be32(1280), ...ipv6(B, A, 17, udp(5000, 53, [0x61, 0x62, 0x63, 0x64]))]),
    E(A, B, 128, 0, [0x12], 64),
  ]);
  assert.deepEqual(packets.map((p) => p.colInfo), [
    'Echo (ping) request id=0x1234, seq=1, hop limit=64',
    'Echo (ping) reply id=0x1234, seq=1, hop limit=64 (request in 1)',
    'Neighbor Solicitation for fe80::2 from 00:11:22:33:44:55',
    'Neighbor Solicitation for fe80::2',
    'Neighbor Advertisement fe80::2 (sol, ovr) is at 00:11:22:33:44:55',
    'Neighbor Advertisement fe80::2 (rtr, sol, ovr)',
    'Neighbor Advertisement fe80::2 (none)',
    'Router Solicitation from 00:11:22:33:44:55',
    'Router Advertisement from 00:11:22:33:44:55',
    'Multicast Listener Report Message v2',
    'Multicast Listener Query',
    'Destination Unreachable (Port unreachable)',
    'Packet Too Big',
    'Echo (ping) request[Malformed Packet]',
  ]);
  assert.equal(packets[0]!.colProtocol, 'ICMPv6');
  assert.deepEqual([v(1, 'icmpv6.echo.identifier'), v(1, 'icmpv6.echo.sequence_number'), v(1, 'icmpv6.checksum.status')], [['0x1234'], ['1'], ['1']]);
  assert.deepEqual([v(2, 'icmpv6.resp_to'), v(2, 'icmpv6.resptime')], [['1'], ['1250']]);
  assert.deepEqual(v(1, 'data.data'), ['68656c6c6f20776f726c6421']);
  assert.deepEqual([v(3, 'icmpv6.opt.linkaddr'), v(3, 'icmpv6.opt.src_linkaddr'), v(3, 'icmpv6.reserved')], [['00:11:22:33:44:55'], ['00:11:22:33:44:55'], ['00000000']]);
  assert.deepEqual([v(5, 'icmpv6.nd.na.flag'), v(5, 'icmpv6.nd.na.flag.s'), v(5, 'icmpv6.opt.target_linkaddr')], [['0x60000000'], ['1'], ['00:11:22:33:44:55']]);
  assert.deepEqual([v(9, 'icmpv6.opt.type'), v(9, 'icmpv6.opt.mtu')], [['1', '5'], ['1500']]);
  assert.deepEqual([v(10, 'icmpv6.mldr.nb_mcast_records'), v(10, 'icmpv6.mldr.mar.record_type'), v(10, 'icmpv6.mldr.mar.multicast_address')], [['1'], ['4'], ['ff02::fb']]);
  assert.deepEqual(v(12, 'dns.id'), ['0x6162']);
  assert.equal(packets[11]!.protocols.join(':'), 'eth:ethertype:ipv6:icmpv6:ipv6:udp:dns');
  assert.equal(packets[11]!.colSrc, A);
  assert.deepEqual(v(13, 'icmpv6.mtu'), ['1280']);
});
