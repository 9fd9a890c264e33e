import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eth, hex, run } from '../app/dns/_testpkt.ts';

// expected texts are what tshark 4.0 prints for the same bytes
const A = hex('0001 0800 06 04');
const arp = (op: number, sha: string, spa: string, tha: string, tpa: string) => eth([...A, 0, op, ...hex(sha), ...hex(spa), ...hex(tha), ...hex(tpa)], 0x0806, '00:11:22:33:44:55', 'ff:ff:ff:ff:ff:ff');

test('ARP Info texts, protocol column and flags', () => {
  const { v, info, packets } = run([
    arp(1, '001122334455', '0a000002', '000000000000', '0a000001'),
    arp(2, '001122334455', '0a000001', '665544332211', '0a000002'),
    arp(1, '001122334455', '0a000001', '000000000000', '0a000001'),
    arp(1, '001122334455', '0a000001', 'ffffffffffff', '0a000001'),
    arp(2, '001122334455', '0a000001', 'ffffffffffff', '0a000001'),
    arp(1, '001122334455', '00000000', '000000000000', '0a000001'),
    arp(3, '001122334455', '0a000001', '665544332211', '0a000002'),
    arp(4, '001122334455', '0a000001', '665544332211', '0a000002'),
    arp(9, '001122334455', '0a000001', '665544332211', '0a000002'),
    eth([...A, 0, 1, ...hex('001122334455 0a00')], 0x0806),
  ]);
  assert.deepEqual(packets.map((p) => p.colInfo), [
    'Who has 10.0.0.1? Tell 10.0.0.2',
    '10.0.0.1 is at 00:11:22:33:44:55',
    'ARP Announcement for 10.0.0.1',
    'Gratuitous ARP for 10.0.0.1 (Request)',
    'Gratuitous ARP for 10.0.0.1 (Reply)',
    'Who has 10.0.0.1? (ARP Probe)',
    'Who is 66:55:44:33:22:11? Tell 00:11:22:33:44:55',
    '66:55:44:33:22:11 is at 10.0.0.2',
    '00:11:22:33:44:55 is at 10.0.0.1',
    '[Malformed Packet]',
  ]);
  assert.deepEqual(packets.map((p) => p.colProtocol), ['ARP', 'ARP', 'ARP', 'ARP', 'ARP', 'ARP', 'RARP', 'RARP', 'Inverse ARP', 'ARP']);
  assert.deepEqual(v(1, 'arp.src.hw_mac'), ['00:11:22:33:44:55']);
  assert.deepEqual(v(1, 'arp.src.proto_ipv4'), ['10.0.0.2']);
  assert.deepEqual(v(1, 'arp.proto.type'), ['0x0800']);
  assert.deepEqual(v(1, 'arp.isgratuitous'), []);
  assert.deepEqual([v(3, 'arp.isgratuitous'), v(3, 'arp.isannouncement')], [['1'], ['1']]);
  assert.deepEqual(v(6, 'arp.isprobe'), ['1']);
  assert.deepEqual(v(10, 'arp.opcode'), ['1']);
  assert.equal(packets[0]!.protocols.join(':'), 'eth:ethertype:arp');
  assert.equal(info(2), '10.0.0.1 is at 00:11:22:33:44:55');
});

test('ARP with non-Ethernet/IPv4 addresses shows bytes', () => {
  const { v, info } = run([eth([0, 1, 0x86, 0xdd, 6, 16, 0, 1, ...hex('001122334455'), ...hex('fe800000000000000000000000000001'), ...hex('000000000000'), ...hex('fe800000000000000000000000000002')], 0x0806)]);
  assert.equal(info(1), 'Who has fe800000000000000000000000000002? Tell fe800000000000000000000000000001');
  assert.deepEqual(v(1, 'arp.src.proto'), ['fe800000000000000000000000000001']);
});
