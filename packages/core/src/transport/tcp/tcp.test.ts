import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRegistry } from '../../fields/registry.ts';
import { fieldText } from '../../fields/format.ts';
import { Packet } from '../../packet.ts';
import type { NetInfo } from '../../net/types.ts';
import { createTcp, type TcpSegment } from './tcp.ts';
import { OPT, tcpBytes, type SynthSeg } from './synth.ts';

/**
 * Runs synthetic segments through the dissector and returns, per frame, the values of
 * the requested fields as tshark prints them (FT_NONE as "1"), plus the Info column.
 * Expected values below were taken from tshark 4.0.17 on the same segments
 * (synth.ts pcapBytes writes them to a pcap).
 */
function run(segs: SynthSeg[], names: string[], setup?: (tcp: ReturnType<typeof createTcp>) => void) {
  const reg = createRegistry();
  const tcp = createTcp(reg);
  setup?.(tcp);
  const rows: string[] = [];
  segs.forEach((s, i) => {
    const bytes = tcpBytes(s);
    const ca = s.caddr ?? [10, 0, 0, 1];
    const sa = s.saddr ?? [10, 0, 0, 2];
    const [src, dst] = s.dir === 0 ? [ca, sa] : [sa, ca];
    const net: NetInfo = { version: 4, src: new Uint8Array(src), dst: new Uint8Array(dst), srcText: src.join('.'), dstText: dst.join('.'), ttl: 64 };
    const us = Math.round(s.t * 1e6);
    const p = new Packet({ num: i + 1, ts: { s: 1_700_000_000 + Math.floor(us / 1e6), ns: (us % 1e6) * 1000 }, data: bytes, origLen: bytes.length, linktype: 101, ifaceId: 0, wanted: { tree: false, columns: true } });
    tcp.dissect(p, bytes, 0, bytes.length, net);
    rows.push(names.map((n) => {
      if (n === 'info') return p.colInfo;
      const f = reg.lookup(n);
      const vs = p.values(f.id);
      return vs ? vs.map((v) => (f.type === 'none' ? '1' : fieldText(f, v))).join(',') : '';
    }).join('\t'));
  });
  return { rows, tcp };
}

const HS: SynthSeg[] = [
  { t: 0, dir: 0, seq: 1000, flags: 'S', win: 64240, opts: [...OPT.mss(1460), ...OPT.sackPerm(), ...OPT.ts(100, 0), ...OPT.nop(), ...OPT.ws(7)] },
  { t: 0.01, dir: 1, seq: 5000, ack: 1001, flags: 'SA', win: 65160, opts: [...OPT.mss(1460), ...OPT.sackPerm(), ...OPT.ts(200, 100), ...OPT.nop(), ...OPT.ws(8)] },
  { t: 0.02, dir: 0, seq: 1001, ack: 5001, flags: 'A', win: 502 },
  { t: 0.03, dir: 0, seq: 1001, ack: 5001, flags: 'AP', win: 502, len: 100 },
  { t: 0.04, dir: 1, seq: 5001, ack: 1101, flags: 'A', win: 509 },
  { t: 0.05, dir: 1, seq: 5001, ack: 1101, flags: 'AP', win: 509, len: 50 },
  { t: 0.051, dir: 1, seq: 5001, ack: 1101, flags: 'AP', win: 509, len: 50 },
  { t: 0.06, dir: 0, seq: 1101, ack: 5051, flags: 'FA', win: 502 },
  { t: 0.07, dir: 1, seq: 5051, ack: 1102, flags: 'FA', win: 509 },
  { t: 0.08, dir: 0, seq: 1102, ack: 5052, flags: 'A', win: 502 },
];

const F = ['tcp.stream', 'tcp.seq', 'tcp.ack', 'tcp.nxtseq', 'tcp.len', 'tcp.window_size', 'tcp.window_size_scalefactor',
  'tcp.analysis.initial_rtt', 'tcp.analysis.ack_rtt', 'tcp.analysis.acks_frame', 'tcp.analysis.bytes_in_flight',
  'tcp.analysis.push_bytes_sent', 'tcp.time_delta', 'tcp.completeness', 'info'];

test('handshake, relative numbers, window scaling, RTTs, retransmission (as tshark 4.0)', () => {
  const { rows } = run(HS, F);
  assert.deepEqual(rows, [
    '0\t0\t0\t1\t0\t64240\t\t\t\t\t\t\t0.000000000\t0\t40000 → 443 [SYN] Seq=0 Win=64240 Len=0 MSS=1460 SACK_PERM TSval=100 TSecr=0 WS=128',
    '0\t0\t1\t1\t0\t65160\t\t\t0.010000000\t1\t\t\t0.010000000\t1\t443 → 40000 [SYN, ACK] Seq=0 Ack=1 Win=65160 Len=0 MSS=1460 SACK_PERM TSval=200 TSecr=100 WS=256',
    '0\t1\t1\t1\t0\t64256\t128\t0.020000000\t0.010000000\t2\t\t\t0.010000000\t3\t40000 → 443 [ACK] Seq=1 Ack=1 Win=64256 Len=0',
    '0\t1\t1\t101\t100\t64256\t128\t0.020000000\t\t\t100\t100\t0.010000000\t7\t40000 → 443 [PSH, ACK] Seq=1 Ack=1 Win=64256 Len=100',
    '0\t1\t101\t1\t0\t130304\t256\t0.020000000\t0.010000000\t4\t\t\t0.010000000\t15\t443 → 40000 [ACK] Seq=1 Ack=101 Win=130304 Len=0',
    '0\t1\t101\t51\t50\t130304\t256\t0.020000000\t\t\t50\t50\t0.010000000\t15\t443 → 40000 [PSH, ACK] Seq=1 Ack=101 Win=130304 Len=50',
    '0\t1\t101\t51\t50\t130304\t256\t0.020000000\t\t\t50\t50\t0.001000000\t15\t[TCP Retransmission] 443 → 40000 [PSH, ACK] Seq=1 Ack=101 Win=130304 Len=50',
    '0\t101\t51\t102\t0\t64256\t128\t0.020000000\t0.010000000\t6\t\t\t0.009000000\t15\t40000 → 443 [FIN, ACK] Seq=101 Ack=51 Win=64256 Len=0',
    '0\t51\t102\t52\t0\t130304\t256\t0.020000000\t0.010000000\t8\t\t\t0.010000000\t31\t443 → 40000 [FIN, ACK] Seq=51 Ack=102 Win=130304 Len=0',
    '0\t102\t52\t102\t0\t64256\t128\t0.020000000\t0.010000000\t9\t\t\t0.010000000\t31\t40000 → 443 [ACK] Seq=102 Ack=52 Win=64256 Len=0',
  ]);
});

test('mid-stream start: lost segment, dup ACKs, fast retransmission', () => {
  const segs: SynthSeg[] = [
    { t: 0, dir: 0, seq: 1000, ack: 7000, flags: 'A', win: 502, len: 10 },
    { t: 0.01, dir: 1, seq: 7000, ack: 1010, flags: 'A', win: 509 },
    { t: 0.02, dir: 0, seq: 1020, ack: 7000, flags: 'A', win: 502, len: 10 },
    { t: 0.03, dir: 1, seq: 7000, ack: 1010, flags: 'A', win: 509 },
    { t: 0.04, dir: 1, seq: 7000, ack: 1010, flags: 'A', win: 509 },
    { t: 0.041, dir: 0, seq: 1010, ack: 7000, flags: 'A', win: 502, len: 10 },
    { t: 0.05, dir: 1, seq: 7000, ack: 1030, flags: 'A', win: 509 },
    { t: 0.06, dir: 1, seq: 7100, ack: 1030, flags: 'A', win: 509 },
  ];
  const { rows } = run(segs, [...F, 'tcp.analysis.retransmission', 'tcp.analysis.fast_retransmission', 'tcp.analysis.duplicate_ack', 'tcp.analysis.lost_segment']);
  assert.deepEqual(rows, [
    '0\t1\t1\t11\t10\t502\t-1\t\t\t\t10\t10\t0.000000000\t0\t40000 → 443 [ACK] Seq=1 Ack=1 Win=502 Len=10\t\t\t\t',
    '0\t1\t11\t1\t0\t509\t-1\t\t0.010000000\t1\t\t\t0.010000000\t0\t443 → 40000 [ACK] Seq=1 Ack=11 Win=509 Len=0\t\t\t\t',
    '0\t21\t1\t31\t10\t502\t-1\t\t\t\t\t\t0.010000000\t4\t[TCP Previous segment not captured] 40000 → 443 [ACK] Seq=21 Ack=1 Win=502 Len=10\t\t\t\t1',
    '0\t1\t11\t1\t0\t509\t-1\t\t\t\t\t\t0.010000000\t12\t[TCP Dup ACK 2#1] 443 → 40000 [ACK] Seq=1 Ack=11 Win=509 Len=0\t\t\t1,1\t',
    '0\t1\t11\t1\t0\t509\t-1\t\t\t\t\t\t0.010000000\t12\t[TCP Dup ACK 2#2] 443 → 40000 [ACK] Seq=1 Ack=11 Win=509 Len=0\t\t\t1,1\t',
    '0\t11\t1\t21\t10\t502\t-1\t\t\t\t20\t20\t0.001000000\t12\t[TCP Fast Retransmission] 40000 → 443 [ACK] Seq=11 Ack=1 Win=502 Len=10\t1\t1\t\t',
    '0\t1\t31\t1\t0\t509\t-1\t\t0.030000000\t3\t\t\t0.009000000\t12\t443 → 40000 [ACK] Seq=1 Ack=31 Win=509 Len=0\t\t\t\t',
    '0\t101\t31\t101\t0\t509\t-1\t\t\t\t\t\t0.010000000\t12\t[TCP Previous segment not captured] 443 → 40000 [ACK] Seq=101 Ack=31 Win=509 Len=0\t\t\t\t1',
  ]);
});

test('SYN-ACK only: no scaling (-2), FIN retransmission, RST and zero window', () => {
  const { rows } = run([
    { t: 0, dir: 1, seq: 7000, ack: 1000, flags: 'SA', win: 502 },
    { t: 0.01, dir: 0, seq: 1000, ack: 7001, flags: 'AP', win: 502, len: 5 },
    { t: 0.02, dir: 1, seq: 7001, ack: 1005, flags: 'A', win: 509 },
    { t: 0.03, dir: 0, seq: 1005, ack: 7001, flags: 'FA', win: 509 },
    { t: 0.04, dir: 0, seq: 1005, ack: 7001, flags: 'FA', win: 509 },
    { t: 0.05, dir: 1, seq: 7001, ack: 1006, flags: 'A', win: 0 },
  ], ['tcp.stream', 'tcp.seq', 'tcp.window_size_scalefactor', 'tcp.completeness', 'info']);
  assert.deepEqual(rows, [
    '0\t0\t\t0\t443 → 40000 [SYN, ACK] Seq=0 Ack=1 Win=502 Len=0',
    '0\t1\t-2\t0\t40000 → 443 [PSH, ACK] Seq=1 Ack=1 Win=502 Len=5',
    '0\t1\t-2\t8\t443 → 40000 [ACK] Seq=1 Ack=6 Win=509 Len=0',
    '0\t6\t-2\t12\t40000 → 443 [FIN, ACK] Seq=6 Ack=1 Win=509 Len=0',
    '0\t6\t-2\t28\t[TCP Retransmission] 40000 → 443 [FIN, ACK] Seq=6 Ack=1 Win=509 Len=0',
    '0\t1\t-2\t28\t[TCP ZeroWindow] 443 → 40000 [ACK] Seq=1 Ack=7 Win=0 Len=0',
  ]);
});

test('port reuse: a SYN with another ISN starts a new stream; same ISN is a retransmission (tshark 4.0)', () => {
  const { rows, tcp } = run([
    { t: 0, dir: 0, seq: 100, flags: 'S' },
    { t: 0.01, dir: 1, seq: 900, ack: 101, flags: 'SA' },
    { t: 0.02, dir: 0, seq: 101, ack: 901, flags: 'RA' },
    { t: 1, dir: 0, seq: 100, flags: 'S' }, // same ISN, even after the reset: a retransmission
    { t: 1.5, dir: 0, seq: 100, flags: 'S' },
    { t: 2, dir: 0, seq: 5555, flags: 'S' }, // another ISN: port reuse
  ], ['tcp.stream', 'tcp.analysis.reused_ports', 'tcp.analysis.retransmission', 'info']);
  assert.equal(tcp.conversations.length, 2);
  assert.deepEqual(rows.map((r) => r.split('\t').slice(0, 3).join(' ')), ['0  ', '0  ', '0  ', '0  1', '0  1', '1 1 ']);
  assert.match(rows[5]!, /\t\[TCP Port numbers reused\] 40000 → 443 \[SYN\] Seq=0 Win=65535 Len=0$/);
});

test('payload handler gets ordered bytes once, gaps are reported after the peer ACKs past them', () => {
  const seen: string[] = [];
  const segs: SynthSeg[] = [
    { t: 0, dir: 0, seq: 100, flags: 'S' },
    { t: 0.01, dir: 1, seq: 900, ack: 101, flags: 'SA' },
    { t: 0.02, dir: 0, seq: 101, ack: 901, flags: 'A', payload: new TextEncoder().encode('abc') },
    { t: 0.03, dir: 0, seq: 101, ack: 901, flags: 'A', payload: new TextEncoder().encode('abc') }, // retransmission
    { t: 0.04, dir: 0, seq: 110, ack: 901, flags: 'A', payload: new TextEncoder().encode('xyz') }, // 6 bytes lost before it
    { t: 0.05, dir: 1, seq: 901, ack: 113, flags: 'A' }, // peer ACKs everything: the hole is a gap
  ];
  run(segs, ['tcp.stream'], (tcp) => {
    tcp.setPayloadHandler((_p, _d, _o, _e, seg: TcpSegment) => {
      const r = seg.reassembler();
      seen.push(`f${seg.seq}${seg.retransmission ? 'R' : ''}:${r.available()}`);
      const n = r.available();
      if (n) seen.push(new TextDecoder().decode(r.peek(n)) + '@' + r.consume(n).map((s) => s.frame).join('+'));
      return seg.len;
    });
  });
  assert.deepEqual(seen, ['f1:3', 'abc@3', 'f1R:0', 'f10:0']);
  // after frame 6 the hole [4, 10) is a gap and "xyz" follows it
});

test('gap handling through the TCP layer', () => {
  let r: ReturnType<TcpSegment['reassembler']> | undefined;
  run([
    { t: 0, dir: 0, seq: 100, flags: 'S' },
    { t: 0.01, dir: 1, seq: 900, ack: 101, flags: 'SA' },
    { t: 0.02, dir: 0, seq: 101, ack: 901, flags: 'A', len: 3 },
    { t: 0.04, dir: 0, seq: 110, ack: 901, flags: 'A', len: 3 },
    { t: 0.05, dir: 1, seq: 901, ack: 113, flags: 'A' },
  ], ['tcp.stream'], (tcp) => tcp.setPayloadHandler((_p, _d, _o, _e, seg) => {
    r = seg.reassembler();
    return seg.len;
  }));
  assert.ok(r);
  assert.equal(r.available(), 3);
  r.consume(3);
  assert.deepEqual(r.gap(), { seq: 4, len: 6 });
  r.skipGap();
  assert.equal(r.available(), 3);
  assert.equal(r.readPos, 10);
});
