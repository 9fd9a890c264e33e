import { u16, u16le, u32, u32le } from '../bytes/read.ts';
import type { Dissector, TransportDissector } from '../dissect.ts';
import type { Registry } from '../fields/registry.ts';
import type { AbsTime } from '../fields/types.ts';
import { diffNs } from '../link/frame.ts';
import { GENERATED, HIDDEN, type Packet } from '../packet.ts';
import type { NetInfo } from './types.ts';

/** Thrown when a field runs past the captured bytes; turned into Wireshark's "[Malformed Packet]" marker. */
export class Truncated extends Error {
  constructor() {
    super('truncated');
  }
}

/** Adds Wireshark's malformed marker (field, expert info, Info suffix) for protocol `name` ("ICMP", "DNS"). */
export function markMalformed(reg: Registry, p: Packet, name: string): void {
  const id = reg.protocol('_ws.malformed', 'Malformed Packet');
  p.add(id, null, 0, 0, 0, `[Malformed Packet: ${name}]`);
  p.expert('error', 'Malformed', 'Malformed Packet (Exception occurred)');
  // Wireshark appends the marker without a separator ("Echo (ping) request[Malformed Packet]")
  if (p.wantCols) p.colInfo += '[Malformed Packet]';
}

/** Packets being dissected inside an ICMP/ICMPv6 error (Wireshark's in_error_pkt): no request/response matching. */
const errorDepth = new WeakMap<Packet, number>();
export function inErrorPacket(p: Packet): boolean {
  return (errorDepth.get(p) ?? 0) > 0;
}
/** Runs `fn` with the packet marked as quoting an error, restoring the columns afterwards. */
export function dissectQuoted(p: Packet, fn: () => void): void {
  const save = [p.colProtocol, p.colInfo, p.colSrc, p.colDst] as const;
  errorDepth.set(p, (errorDepth.get(p) ?? 0) + 1);
  try {
    fn();
  } finally {
    errorDepth.set(p, errorDepth.get(p)! - 1);
    [p.colProtocol, p.colInfo, p.colSrc, p.colDst] = save;
  }
}

/** Internet checksum (RFC 1071) of data[off, end) plus an initial sum. */
export function inetChecksum(data: Uint8Array, off: number, end: number, initial = 0): number {
  let s = initial;
  let i = off;
  for (; i + 1 < end; i += 2) s += (data[i]! << 8) | data[i + 1]!;
  if (i < end) s += data[i]! << 8;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 65536);
  return ~s & 0xffff;
}

export const ICMP_TYPES: Record<number, string> = {
  0: 'Echo (ping) reply', 1: 'Reserved', 2: 'Reserved', 3: 'Destination unreachable', 4: 'Source quench (flow control)', 5: 'Redirect',
  6: 'Alternate host address', 8: 'Echo (ping) request', 9: 'Router advertisement', 10: 'Router solicitation', 11: 'Time-to-live exceeded',
  12: 'Parameter problem', 13: 'Timestamp request', 14: 'Timestamp reply', 15: 'Information request', 16: 'Information reply',
  17: 'Address mask request', 18: 'Address mask reply', 19: 'Reserved (for security)', 30: 'Traceroute', 31: 'Datagram Conversion Error',
  32: 'Mobile Host Redirect', 33: 'IPv6 Where-Are-You', 34: 'IPv6 I-Am-Here', 35: 'Mobile Registration Request', 36: 'Mobile Registration Reply',
  37: 'Domain Name Request', 38: 'Domain Name Reply', 39: 'SKIP', 40: 'Photuris', 41: 'Experimental mobility protocols',
  42: 'Extended Echo request', 43: 'Extended Echo reply',
};

const UNREACH: Record<number, string> = {
  0: 'Network unreachable', 1: 'Host unreachable', 2: 'Protocol unreachable', 3: 'Port unreachable', 4: 'Fragmentation needed',
  5: 'Source route failed', 6: 'Destination network unknown', 7: 'Destination host unknown', 8: 'Source host isolated',
  9: 'Network administratively prohibited', 10: 'Host administratively prohibited', 11: 'Network unreachable for TOS',
  12: 'Host unreachable for TOS', 13: 'Communication administratively filtered', 14: 'Host precedence violation', 15: 'Precedence cutoff in effect',
};
const CODES: Record<number, Record<number, string>> = {
  3: UNREACH,
  5: { 0: 'Redirect for network', 1: 'Redirect for host', 2: 'Redirect for TOS and network', 3: 'Redirect for TOS and host' },
  9: { 0: 'Normal router advertisement', 16: 'Does not route common traffic' },
  11: { 0: 'Time to live exceeded in transit', 1: 'Fragment reassembly time exceeded' },
  12: { 0: 'Pointer indicates the error', 1: 'Required option missing', 2: 'Bad length' },
  42: { 0: 'No error' },
  43: { 0: 'No error', 1: 'Malformed Query', 2: 'No Such Interface', 3: 'No Such Table Entry', 4: 'Multiple Interfaces Satisfy Query' },
};

const CHECKSUM_STATUS = { 0: 'Bad', 1: 'Good', 2: 'Unverified', 3: 'Not present', 4: 'Illegal' };

/** The checksum a message should carry: computed with its checksum field (at `ckOff`) taken as zero. */
export function shouldBe(data: Uint8Array, off: number, end: number, ckOff: number, initial = 0): number {
  const c = data.slice(off, end);
  c[ckOff - off] = 0;
  c[ckOff - off + 1] = 0;
  return inetChecksum(c, 0, c.length, initial);
}

/** Human-readable duration for "Lifetime: 1800 (30 minutes)" style labels. */
export function durationText(secs: number): string {
  const parts: string[] = [];
  const units: [number, string][] = [[86400, 'day'], [3600, 'hour'], [60, 'minute'], [1, 'second']];
  let rest = secs;
  for (const [n, u] of units) {
    const q = Math.floor(rest / n);
    rest -= q * n;
    if (q > 0) parts.push(`${q} ${u}${q === 1 ? '' : 's'}`);
  }
  return parts.length ? parts.join(', ') : '0 seconds';
}

interface EchoReq {
  frame: number;
  ts: AbsTime;
}

export interface IcmpDeps {
  /** Dissects the IP header + transport start quoted in an error message (without disturbing stream state). */
  innerIp: () => Dissector;
  data: Dissector;
}

/** ICMP (RFC 792 and friends), with echo request/reply matching in a single pass. */
export function createIcmp(reg: Registry, deps: IcmpDeps) {
  const proto = reg.protocol('icmp', 'Internet Control Message Protocol');
  const f = reg.fields('icmp', {
    type: { name: 'Type', type: 'uint8', vals: ICMP_TYPES },
    code: { name: 'Code', type: 'uint8' },
    checksum: { name: 'Checksum', type: 'uint16', base: 'hex' },
    'checksum.status': { name: 'Checksum Status', type: 'uint8', vals: CHECKSUM_STATUS },
    unused: { name: 'Unused', type: 'bytes' },
    reserved: { name: 'Reserved', type: 'bytes' },
    ident: { name: 'Identifier (BE)', type: 'uint16', base: 'dec_hex' },
    ident_le: { name: 'Identifier (LE)', type: 'uint16', base: 'dec_hex' },
    seq: { name: 'Sequence Number (BE)', type: 'uint16', base: 'dec_hex' },
    seq_le: { name: 'Sequence Number (LE)', type: 'uint16', base: 'dec_hex' },
    mtu: { name: 'MTU of next hop', type: 'uint16' },
    num_addrs: { name: 'Number of addresses', type: 'uint8' },
    addr_entry_size: { name: 'Address entry size', type: 'uint8' },
    lifetime: { name: 'Lifetime', type: 'uint16' },
    pointer: { name: 'Pointer', type: 'uint32' },
    router_address: { name: 'Router address', type: 'ipv4' },
    pref_level: { name: 'Preference level', type: 'int32' },
    originate_timestamp: { name: 'Originate Timestamp', type: 'uint32' },
    receive_timestamp: { name: 'Receive Timestamp', type: 'uint32' },
    transmit_timestamp: { name: 'Transmit Timestamp', type: 'uint32' },
    address_mask: { name: 'Address Mask', type: 'ipv4' },
    redir_gw: { name: 'Gateway Address', type: 'ipv4' },
    resp_in: { name: 'Response frame', type: 'framenum' },
    resp_to: { name: 'Request frame', type: 'framenum' },
    resptime: { name: 'Response time', type: 'double' },
    data_time: { name: 'Timestamp from icmp data', type: 'abstime', timeFormat: 'utc' },
    data_time_relative: { name: 'Timestamp from icmp data (relative)', type: 'reltime' },
    length: { name: 'Length', type: 'uint8' },
    'ext.echo.seq': { name: 'Sequence Number', type: 'uint8', base: 'dec_hex' },
    'length.original_datagram': { name: 'Length of original datagram', type: 'uint8' },
  });
  const requests = new Map<string, EchoReq>();

  function dissectIcmp(p: Packet, data: Uint8Array, off: number, end: number, net: NetInfo, inError: boolean): number {
    const len = end - off;
    const need = (n: number) => {
      if (len < n) throw new Truncated();
    };
    const type = len >= 1 ? data[off]! : 0;
    const code = len >= 2 ? data[off + 1]! : 0;
    let typeStr = ICMP_TYPES[type] ?? 'Unknown ICMP (obsolete or malformed?)';
    const codes = CODES[type];
    let codeStr = codes ? (codes[code] ?? `Unknown code: ${code}`) : '';
    if (type === 9 && len >= 8) {
      const n = data[off + 4]!;
      const sz = data[off + 5]!;
      if (len > 8 + n * sz * 4) typeStr = 'Mobile IP Advertisement';
    }
    const isEchoLike = type === 0 || type === 8 || type === 13 || type === 14 || type === 15 || type === 16 || type === 17 || type === 18;
    const info = () => {
      let s = typeStr.padEnd(20);
      if (codeStr) s += ` (${codeStr})`;
      return s;
    };
    let infoSuffix = '';
    if (p.wantCols && !inError) {
      p.colProtocol = 'ICMP';
      p.colInfo = info();
    }
    p.open(proto, data.subarray(off, end), off, len, 0, () => 'Internet Control Message Protocol');
    try {
      need(1);
      p.add(f.type, type, off, 1);
      need(2);
      p.add(f.code, code, off + 1, 1, 0, codeStr ? `Code: ${code} (${codeStr})` : undefined);
      need(4);
      const ck = u16(data, off + 2);
      const truncated = p.origLen > p.data.length && end === p.data.length;
      const good = !truncated && inetChecksum(data, off, end) === 0;
      p.add(f.checksum, ck, off + 2, 2, 0, truncated ? `Checksum: 0x${ck.toString(16).padStart(4, '0')} [unverified]` : good ? `Checksum: 0x${ck.toString(16).padStart(4, '0')} [correct]` : () => `Checksum: 0x${ck.toString(16).padStart(4, '0')} [incorrect, should be 0x${shouldBe(data, off, end, off + 2).toString(16).padStart(4, '0')}]`);
      p.add(f['checksum.status'], truncated ? 2 : good ? 1 : 0, off + 2, 0, GENERATED);
      if (!truncated && !good) p.expert('warn', 'Checksum', 'Bad checksum');
      let dataOff = off + 8;
      if (isEchoLike) {
        need(6);
        const id = u16(data, off + 4);
        p.add(f.ident, id, off + 4, 2);
        p.add(f.ident_le, u16le(data, off + 4), off + 4, 2);
        need(8);
        const seq = u16(data, off + 6);
        p.add(f.seq, seq, off + 6, 2);
        p.add(f.seq_le, u16le(data, off + 6), off + 6, 2);
        infoSuffix = ` id=0x${id.toString(16).padStart(4, '0')}, seq=${seq}/${u16le(data, off + 6)}, ttl=${net.ttl}`;
        if ((type === 0 || type === 8) && !inError) {
          const a = net.srcText;
          const b = net.dstText;
          if (type === 8) {
            requests.set(`${id}|${seq}|${a}|${b}`, { frame: p.num, ts: p.ts });
          } else {
            const req = requests.get(`${id}|${seq}|${b}|${a}`);
            if (req && req.frame < p.num) {
              p.add(f.resp_to, req.frame, 0, 0, GENERATED);
              const ns = diffNs(p.ts, req.ts);
              p.add(f.resptime, ns / 1e6, 0, 0, GENERATED, () => `Response time: ${(ns / 1e6).toFixed(3)} ms`);
              infoSuffix += ` (request in ${req.frame})`;
            }
          }
        }
        if (type === 0 || type === 8) {
          // a struct timeval at the start of the data (BE, then LE), if it is within a day of the frame time
          if (len - 8 >= 8) {
            let s = u32(data, off + 8);
            let us = u32(data, off + 12);
            const ok = (sec: number, usec: number) => Math.abs(sec - p.ts.s) < 86400 && usec < 1000000;
            if (!ok(s, us)) {
              s = u32le(data, off + 8);
              us = u32le(data, off + 12);
            }
            if (ok(s, us)) {
              const t: AbsTime = { s, ns: us * 1000 };
              p.add(f.data_time, t, off + 8, 8);
              p.add(f.data_time_relative, diffNs(p.ts, t), off + 8, 8, GENERATED);
              dataOff = off + 16;
            }
          }
        } else if (type === 13 || type === 14) {
          const ms = (v: number) => `${v} (${durationText(Math.floor(v / 1000))} after midnight UTC)`;
          need(12);
          p.add(f.originate_timestamp, u32(data, off + 8), off + 8, 4, 0, () => `Originate Timestamp: ${ms(u32(data, off + 8))}`);
          need(16);
          p.add(f.receive_timestamp, u32(data, off + 12), off + 12, 4, 0, () => `Receive Timestamp: ${ms(u32(data, off + 12))}`);
          need(20);
          p.add(f.transmit_timestamp, u32(data, off + 16), off + 16, 4, 0, () => `Transmit Timestamp: ${ms(u32(data, off + 16))}`);
          dataOff = off + 20;
        } else if (type === 17 || type === 18) {
          need(12);
          p.add(f.address_mask, u32(data, off + 8), off + 8, 4);
          dataOff = off + 12;
        }
      } else if (type === 42 || type === 43) {
        need(6);
        p.add(f.ident, u16(data, off + 4), off + 4, 2);
        p.add(f.ident_le, u16le(data, off + 4), off + 4, 2);
        need(7);
        p.add(f['ext.echo.seq'], data[off + 6]!, off + 6, 1);
      } else if (type === 3 || type === 4 || type === 5 || type === 11 || type === 12) {
        need(8);
        if (type === 4) {
          // no fields in the second word
        } else if (type === 3 && code === 4) {
          p.add(f.unused, data.subarray(off + 4, off + 6), off + 4, 2);
          p.add(f.mtu, u16(data, off + 6), off + 6, 2);
        } else if (type === 5) {
          p.add(f.redir_gw, u32(data, off + 4), off + 4, 4);
        } else if (type === 12) {
          p.add(f.pointer, data[off + 4]!, off + 4, 1);
          p.add(f.unused, data.subarray(off + 5, off + 8), off + 5, 3);
        } else {
          p.add(f.unused, data.subarray(off + 4, off + 8), off + 4, 4);
        }
        if (end > off + 8) {
          // Redirect and Source Quench quote the IP header + 64 bits only (RFC 792); the others may carry more
          let qEnd = end;
          if ((type === 4 || type === 5) && end - off >= 9) qEnd = Math.min(end, off + 8 + (data[off + 8]! & 15) * 4 + 8);
          dissectQuoted(p, () => deps.innerIp()(p, data, off + 8, qEnd));
        }
        dataOff = end;
      } else if (type === 9) {
        need(8);
        const n = data[off + 4]!;
        const sz = data[off + 5]!;
        p.add(f.num_addrs, n, off + 4, 1);
        p.add(f.addr_entry_size, sz, off + 5, 1);
        const life = u16(data, off + 6);
        p.add(f.lifetime, life, off + 6, 2, 0, () => `Lifetime: ${life} (${durationText(life)})`);
        let o = off + 8;
        for (let i = 0; i < n; i++) {
          need(o - off + 8);
          p.add(f.router_address, u32(data, o), o, 4);
          p.add(f.pref_level, u32(data, o + 4) | 0, o + 4, 4);
          o += Math.max(8, sz * 4);
        }
        dataOff = o;
      } else if (type === 10) {
        need(8);
        p.add(f.reserved, data.subarray(off + 4, off + 8), off + 4, 4);
      }
      p.close();
      if (p.wantCols && !inError) p.colInfo = info() + infoSuffix;
      if (dataOff < end && !inError) deps.data(p, data, dataOff, end);
    } catch (e) {
      if (!(e instanceof Truncated)) throw e;
      p.close();
      if (p.wantCols && !inError) p.colInfo = info();
      markMalformed(reg, p, 'ICMP');
    }
    return len;
  }

  const dissect: TransportDissector = (p, data, off, end, net) => {
    p.protocols.push('icmp');
    return dissectIcmp(p, data, off, end, net, false);
  };
  /** ICMP quoted inside an ICMP error: no matching, no columns. */
  const dissectInner: TransportDissector = (p, data, off, end, net) => {
    p.protocols.push('icmp');
    return dissectIcmp(p, data, off, end, net, true);
  };
  return { dissect, dissectInner, fields: f };
}
