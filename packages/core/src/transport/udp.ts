import { u16 } from '../bytes/read.ts';
import type { Dissector, TransportDissector } from '../dissect.ts';
import type { Registry } from '../fields/registry.ts';
import { diffNs } from '../link/frame.ts';
import type { AbsTime } from '../fields/types.ts';
import { GENERATED, HIDDEN, type Packet } from '../packet.ts';
import type { NetInfo } from '../net/types.ts';

/** A UDP payload dissector registered on a port; returns bytes consumed, 0 for "not mine". */
export type UdpPortDissector = (p: Packet, data: Uint8Array, offset: number, end: number, info: { srcport: number; dstport: number; net: NetInfo }) => number;

interface Conv {
  index: number;
  first: AbsTime;
  prev: AbsTime;
}

export function createUdp(reg: Registry, dataDissector: Dissector) {
  const proto = reg.protocol('udp', 'User Datagram Protocol');
  const f = reg.fields('udp', {
    srcport: { name: 'Source Port', type: 'uint16' },
    dstport: { name: 'Destination Port', type: 'uint16' },
    port: { name: 'Source or Destination Port', type: 'uint16' },
    length: { name: 'Length', type: 'uint16' },
    checksum: { name: 'Checksum', type: 'uint16', base: 'hex' },
    'checksum.status': { name: 'Checksum Status', type: 'uint8', vals: { 0: 'Bad', 1: 'Good', 2: 'Unverified', 3: 'Not present', 4: 'Illegal' } },
    'checksum.zero': { name: 'Illegal checksum value (0)', type: 'none' },
    stream: { name: 'Stream index', type: 'uint32' },
    time_relative: { name: 'Time since first frame', type: 'reltime' },
    time_delta: { name: 'Time since previous frame', type: 'reltime' },
    payload: { name: 'Payload', type: 'bytes' },
    'length.bad': { name: 'Bad length value', type: 'none' },
  });
  const ports = new Map<number, UdpPortDissector>();
  const heuristics: UdpPortDissector[] = [];
  const convs = new Map<string, Conv>();
  let nextIndex = 0;

  const dissect: TransportDissector = (p, data, off, end, net) => {
    p.colProtocol = 'UDP';
    if (end - off < 8) return 0;
    p.protocols.push('udp');
    const sp = u16(data, off);
    const dp = u16(data, off + 2);
    const len = u16(data, off + 4);
    const ck = u16(data, off + 6);
    const a = `${net.srcText}/${sp}`;
    const b = `${net.dstText}/${dp}`;
    const key = a < b ? `${a}|${b}` : `${b}|${a}`;
    let c = convs.get(key);
    if (!c) {
      c = { index: nextIndex++, first: p.ts, prev: p.ts };
      convs.set(key, c);
    }
    const payloadEnd = len >= 8 ? Math.min(end, off + len) : end;
    p.proto(proto, data, off, 8, () => `User Datagram Protocol, Src Port: ${sp}, Dst Port: ${dp}`);
    p.add(f.srcport, sp, off, 2);
    p.add(f.dstport, dp, off + 2, 2);
    if (p.wants(f.port)) {
      p.add(f.port, sp, off, 2, HIDDEN);
      p.add(f.port, dp, off + 2, 2, HIDDEN);
    }
    p.add(f.length, len, off + 4, 2);
    if (len < 8 || off + len > end) p.add(f['length.bad'], null, off + 4, 2);
    p.add(f.checksum, ck, off + 6, 2);
    // a zero checksum means "none" over IPv4 but is illegal over IPv6 (RFC 8200 §8.1)
    const illegalZero = ck === 0 && net.version === 6;
    p.add(f['checksum.status'], ck !== 0 ? 2 : illegalZero ? 4 : 3, off + 6, 2, GENERATED);
    if (illegalZero) {
      p.add(f['checksum.zero'], null, off + 6, 2);
      p.expert('error', 'Checksum', 'Illegal checksum value (0)');
    }
    p.add(f.stream, c.index, 0, 0, GENERATED);
    if (p.wants(f.time_relative)) p.add(f.time_relative, diffNs(p.ts, c.first), 0, 0, GENERATED);
    if (p.wants(f.time_delta)) p.add(f.time_delta, diffNs(p.ts, c.prev), 0, 0, GENERATED);
    c.prev = p.ts;
    if (p.wants(f.payload) && payloadEnd > off + 8) p.add(f.payload, data.subarray(off + 8, payloadEnd), off + 8, payloadEnd - off - 8);
    p.close();
    if (p.wantCols) p.colInfo = `${sp} → ${dp} Len=${Math.max(0, len - 8)}${illegalZero ? ' [ILLEGAL CHECKSUM (0)]' : ''}`;
    if (payloadEnd <= off + 8) return end - off;
    // the lower port is tried first, as Wireshark does ("try heuristic first" off)
    const lo = Math.min(sp, dp);
    const hi = Math.max(sp, dp);
    const info = { srcport: sp, dstport: dp, net };
    const d1 = ports.get(lo);
    if (d1 && d1(p, data, off + 8, payloadEnd, info) > 0) return end - off;
    const d2 = hi !== lo ? ports.get(hi) : undefined;
    if (d2 && d2(p, data, off + 8, payloadEnd, info) > 0) return end - off;
    for (const h of heuristics) if (h(p, data, off + 8, payloadEnd, info) > 0) return end - off;
    dataDissector(p, data, off + 8, payloadEnd);
    return end - off;
  };
  return {
    dissect,
    fields: f,
    /** Registers a payload dissector for a UDP port. */
    /** Registers a heuristic payload dissector, tried when no port dissector took the payload. */
    heuristic(d: UdpPortDissector): void {
      heuristics.push(d);
    },
    port(n: number, d: UdpPortDissector): void {
      ports.set(n, d);
    },
  };
}
