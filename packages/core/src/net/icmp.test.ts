import { test } from 'node:test';
import assert from 'node:assert/strict';
import { be16, eth, icmp, ipv4, run, udp } from '../app/dns/_testpkt.ts';

const A = '10.0.0.1';
const B = '10.0.0.2';
const ping = Array.from({ length: 48 }, (_, i) => 16 + i);
const tsLE = [0x00, 0xf1, 0x53, 0x65, 0x20, 0xa1, 0x07, 0x00]; // 1700000000 s, 500000 us, little endian
const echo = (type: number, id: number, seq: number, data: number[], src = A, dst = B) => eth(ipv4(src, dst, 1, icmp(type, 0, [...be16(id), ...be16(seq)], data)));
const innerUdp = ipv4(B, A, 17, udp(5000, 53, [0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0])).slice(0, 28);

test('ICMP echo: Info, ident BE/LE, request/response matching, data timestamp', () => {
  const { v, info, packets } = run([echo(8, 0x1234, 1, [...tsLE, ...ping]), echo(0, 0x1234, 1, [...tsLE, ...ping], B, A), echo(8, 0x1234, 2, ping), echo(0, 0x1234, 9, ping, B, A)]);
  assert.equal(info(1), 'Echo (ping) request  id=0x1234, seq=1/256, ttl=64');
  assert.equal(info(2), 'Echo (ping) reply    id=0x1234, seq=1/256, ttl=64 (request in 1)');
  assert.equal(info(4), 'Echo (ping) reply    id=0x1234, seq=9/2304, ttl=64');
  assert.equal(packets[0]!.colProtocol, 'ICMP');
  assert.deepEqual([v(1, 'icmp.ident'), v(1, 'icmp.ident_le'), v(1, 'icmp.seq'), v(1, 'icmp.seq_le')], [['4660'], ['13330'], ['1'], ['256']]);
  assert.deepEqual([v(1, 'icmp.checksum.status'), v(1, 'icmp.resp_to')], [['1'], []]);
  assert.deepEqual([v(2, 'icmp.resp_to'), v(2, 'icmp.resptime')], [['1'], ['1250']]);
  assert.deepEqual([v(1, 'icmp.data_time_relative'), v(2, 'icmp.data_time_relative')], [['-0.500000000'], ['0.750000000']]);
  assert.deepEqual([v(1, 'data.len'), v(3, 'data.len')], [['48'], ['48']]);
  assert.equal(packets[0]!.protocols.join(':'), 'eth:ethertype:ip:icmp:data');
});

test('ICMP errors quote the original datagram without touching columns', () => {
  const { v, info, packets } = run([
    eth(ipv4(A, B, 1, icmp(3, 3, [0, 0, 0, 0], innerUdp))),
    eth(ipv4(A, B, 1, icmp(3, 4, [0, 0, 0x05, 0xd4], innerUdp))),
    eth(ipv4(A, B, 1, icmp(5, 1, [10, 0, 0, 254], innerUdp))),
    eth(ipv4(A, B, 1, icmp(11, 0, [0, 0, 0, 0], innerUdp))),
    eth(ipv4(A, B, 1, icmp(12, 0, [20, 0, 0, 0], innerUdp))),
    eth(ipv4(A, B, 1, icmp(3, 99, [0, 0, 0, 0], innerUdp))),
  ]);
  assert.deepEqual(packets.map((p) => p.colInfo), [
    'Destination unreachable (Port unreachable)',
    'Destination unreachable (Fragmentation needed)',
    'Redirect             (Redirect for host)',
    'Time-to-live exceeded (Time to live exceeded in transit)',
    'Parameter problem    (Pointer indicates the error)',
    'Destination unreachable (Unknown code: 99)',
  ]);
  assert.equal(packets[0]!.colSrc, A);
  assert.equal(packets[0]!.colProtocol, 'ICMP');
  assert.equal(packets[0]!.protocols.join(':'), 'eth:ethertype:ip:icmp:ip:udp');
  assert.deepEqual(v(1, 'ip.src'), [A, B]);
  assert.deepEqual(v(1, 'udp.srcport'), ['5000']);
  assert.deepEqual(v(1, 'icmp.unused'), ['00000000']);
  assert.deepEqual([v(2, 'icmp.mtu'), v(2, 'icmp.unused')], [['1492'], ['0000']]);
  assert.deepEqual(v(3, 'icmp.redir_gw'), ['10.0.0.254']);
  assert.deepEqual([v(5, 'icmp.pointer'), v(5, 'icmp.unused')], [['20'], ['000000']]);
});

test('ICMP: bad checksum, timestamp, truncated echo', () => {
  const bad = echo(8, 1, 3, ping);
  bad[36] ^= 1;
  const { v, info } = run([bad, eth(ipv4(A, B, 1, icmp(13, 0, [0, 7, 0, 1], [0, 0, 3, 0xe8, 0, 0, 0, 0, 0, 0, 0, 0]))), eth(ipv4(A, B, 1, [8, 0, 0xf7, 0xfe, 0, 1]))]);
  assert.deepEqual(v(1, 'icmp.checksum.status'), ['0']);
  assert.equal(info(2), 'Timestamp request    id=0x0007, seq=1/256, ttl=64');
  assert.deepEqual(v(2, 'icmp.originate_timestamp'), ['1000']);
  assert.equal(info(3), 'Echo (ping) request [Malformed Packet]');
  assert.deepEqual([v(3, 'icmp.ident'), v(3, 'icmp.seq')], [['1'], []]);
});
