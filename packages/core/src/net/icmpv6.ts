import { u16, u32 } from '../bytes/read.ts';
import type { Dissector, TransportDissector } from '../dissect.ts';
import type { Registry } from '../fields/registry.ts';
import type { AbsTime } from '../fields/types.ts';
import { etherText, hexBytes, ipv6Text } from '../fields/format.ts';
import { diffNs } from '../link/frame.ts';
import { GENERATED, HIDDEN, type Packet } from '../packet.ts';
import { Truncated, dissectQuoted, inetChecksum, markMalformed, shouldBe } from './icmp.ts';
import type { NetInfo } from './types.ts';

export const ICMPV6_TYPES: Record<number, string> = {
  1: 'Destination Unreachable', 2: 'Packet Too Big', 3: 'Time Exceeded', 4: 'Parameter Problem', 100: 'Private experimentation', 101: 'Private experimentation',
  127: 'Reserved for expansion of ICMPv6 error messages', 128: 'Echo (ping) request', 129: 'Echo (ping) reply', 130: 'Multicast Listener Query',
  131: 'Multicast Listener Report', 132: 'Multicast Listener Done', 133: 'Router Solicitation', 134: 'Router Advertisement', 135: 'Neighbor Solicitation',
  136: 'Neighbor Advertisement', 137: 'Redirect', 138: 'Router Renumbering', 139: 'Node Information Query', 140: 'Node Information Reply',
  141: 'Inverse Neighbor Discovery Solicitation', 142: 'Inverse Neighbor Discovery Advertisement', 143: 'Multicast Listener Report Message v2',
  144: 'Home Agent Address Discovery Request', 145: 'Home Agent Address Discovery Reply', 146: 'Mobile Prefix Solicitation', 147: 'Mobile Prefix Advertisement',
  148: 'Certification Path Solicitation', 149: 'Certification Path Advertisement', 150: 'Experimental Mobility', 151: 'Multicast Router Advertisement',
  152: 'Multicast Router Solicitation', 153: 'Multicast Router Termination', 154: 'FMIPv6', 155: 'RPL Control', 156: 'Locator Update',
  157: 'Duplicate Address Request', 158: 'Duplicate Address Confirmation', 159: 'MPL Control Message', 160: 'Extended Echo request', 161: 'Extended Echo reply',
  200: 'Private experimentation', 201: 'Private experimentation', 255: 'Reserved for expansion of ICMPv6 informational messages',
};

const CODES: Record<number, Record<number, string>> = {
  1: {
    0: 'no route to destination', 1: 'communication with destination administratively prohibited', 2: 'beyond scope of source address',
    3: 'address unreachable', 4: 'Port unreachable', 5: 'source address failed ingress/egress policy', 6: 'reject route to destination',
    7: 'Error in Source Routing Header',
  },
  3: { 0: 'hop limit exceeded in transit', 1: 'fragment reassembly time exceeded' },
  4: { 0: 'erroneous header field encountered', 1: 'unrecognized Next Header type encountered', 2: 'unrecognized IPv6 option encountered', 3: 'IPv6 First Fragment has incomplete IPv6 Header Chain' },
};

export const ICMPV6_OPT_TYPES: Record<number, string> = {
  1: 'Source link-layer address', 2: 'Target link-layer address', 3: 'Prefix information', 4: 'Redirected header', 5: 'MTU', 6: 'NBMA Shortcut Limit Option',
  7: 'Advertisement Interval', 8: 'Home Agent Information', 9: 'Source Address List', 10: 'Target Address List', 11: 'CGA', 12: 'RSA Signature', 13: 'Timestamp',
  14: 'Nonce', 15: 'Trust Anchor', 16: 'Certificate', 17: 'IP Address/Prefix Option', 18: 'New Router Prefix Information', 19: 'Link-layer Address',
  20: 'Neighbor Advertisement Acknowledgment', 23: 'MAP', 24: 'Route Information', 25: 'Recursive DNS Server', 26: 'RA Flags Extension',
  27: 'Handover Key Request', 28: 'Handover Key Reply', 29: 'Handover Assist Information', 30: 'Mobile Node Identifier Option', 31: 'DNS Search List Option',
  32: 'Proxy Signature (PS)', 33: 'Address Registration Option', 34: '6LoWPAN Context Option', 35: 'Authoritative Border Router',
  36: '6LoWPAN Capability Indication Option', 37: 'DHCP Captive-Portal', 38: 'PREF64 Option', 138: 'CARD Request', 139: 'CARD Reply',
  253: 'RFC3692-style Experiment 1', 254: 'RFC3692-style Experiment 2',
};

const MLDR_RECORD_TYPES: Record<number, string> = { 1: 'Include', 2: 'Exclude', 3: 'Changed to include', 4: 'Changed to exclude', 5: 'Allow new sources', 6: 'Block old sources' };
const PRF: Record<number, string> = { 0: 'Medium', 1: 'High', 2: 'Reserved', 3: 'Low' };
const CHECKSUM_STATUS = { 0: 'Bad', 1: 'Good', 2: 'Unverified', 3: 'Not present', 4: 'Illegal' };

export interface Icmpv6Deps {
  /** Dissects the packet quoted in an error message (an IPv6 header and what follows). */
  innerIp6: () => Dissector;
  data: Dissector;
}

/** ICMPv6 (RFC 4443), Neighbor Discovery (RFC 4861) and MLD (RFC 2710, 3810). */
export function createIcmpv6(reg: Registry, deps: Icmpv6Deps) {
  const proto = reg.protocol('icmpv6', 'Internet Control Message Protocol v6');
  const f = reg.fields('icmpv6', {
    type: { name: 'Type', type: 'uint8', vals: ICMPV6_TYPES },
    code: { name: 'Code', type: 'uint8' },
    checksum: { name: 'Checksum', type: 'uint16', base: 'hex' },
    'checksum.status': { name: 'Checksum Status', type: 'uint8', vals: CHECKSUM_STATUS },
    reserved: { name: 'Reserved', type: 'bytes' },
    data: { name: 'Data', type: 'bytes' },
    mtu: { name: 'MTU', type: 'uint32' },
    pointer: { name: 'Pointer', type: 'uint32' },
    'echo.identifier': { name: 'Identifier', type: 'uint16', base: 'hex' },
    'echo.sequence_number': { name: 'Sequence', type: 'uint16' },
    'nd.ra.cur_hop_limit': { name: 'Cur hop limit', type: 'uint8' },
    'nd.ra.flag': { name: 'Flags', type: 'uint8', base: 'hex' },
    'nd.ra.flag.m': { name: 'Managed address configuration', type: 'bool', mask: 0x80, maskWidth: 8 },
    'nd.ra.flag.o': { name: 'Other configuration', type: 'bool', mask: 0x40, maskWidth: 8 },
    'nd.ra.flag.h': { name: 'Home Agent', type: 'bool', mask: 0x20, maskWidth: 8 },
    'nd.ra.flag.prf': { name: 'Prf (Default Router Preference)', type: 'uint8', mask: 0x18, maskWidth: 8, vals: PRF },
    'nd.ra.flag.p': { name: 'Proxy', type: 'bool', mask: 0x04, maskWidth: 8 },
    'nd.ra.flag.rsv': { name: 'Reserved', type: 'uint8', mask: 0x03, maskWidth: 8 },
    'nd.ra.router_lifetime': { name: 'Router lifetime (s)', type: 'uint16' },
    'nd.ra.reachable_time': { name: 'Reachable time (ms)', type: 'uint32' },
    'nd.ra.retrans_timer': { name: 'Retrans timer (ms)', type: 'uint32' },
    'nd.ns.target_address': { name: 'Target Address', type: 'ipv6' },
    'nd.na.flag': { name: 'Flags', type: 'uint32', base: 'hex' },
    'nd.na.flag.r': { name: 'Router', type: 'bool', mask: 0x80000000, maskWidth: 32 },
    'nd.na.flag.s': { name: 'Solicited', type: 'bool', mask: 0x40000000, maskWidth: 32 },
    'nd.na.flag.o': { name: 'Override', type: 'bool', mask: 0x20000000, maskWidth: 32 },
    'nd.na.flag.rsv': { name: 'Reserved', type: 'uint32', mask: 0x1fffffff, maskWidth: 32 },
    'nd.na.target_address': { name: 'Target Address', type: 'ipv6' },
    'nd.rd.target_address': { name: 'Target Address', type: 'ipv6' },
    'rd.na.destination_address': { name: 'Destination Address', type: 'ipv6' },
    opt: { name: 'ICMPv6 Option', type: 'none' },
    'opt.type': { name: 'Type', type: 'uint8', vals: ICMPV6_OPT_TYPES },
    'opt.length': { name: 'Length', type: 'uint8' },
    'opt.reserved': { name: 'Reserved', type: 'none' },
    // Wireshark shows link-layer addresses colon-separated; 'ether' gives that output for any length
    'opt.linkaddr': { name: 'Link-layer address', type: 'ether' },
    'opt.src_linkaddr': { name: 'Source Link-layer address', type: 'ether' },
    'opt.target_linkaddr': { name: 'Target Link-layer address', type: 'ether' },
    'opt.prefix.length': { name: 'Prefix Length', type: 'uint8' },
    'opt.prefix.flag': { name: 'Flag', type: 'uint8', base: 'hex' },
    'opt.prefix.flag.l': { name: 'On-link flag(L)', type: 'bool', mask: 0x80, maskWidth: 8 },
    'opt.prefix.flag.a': { name: 'Autonomous address-configuration flag(A)', type: 'bool', mask: 0x40, maskWidth: 8 },
    'opt.prefix.flag.r': { name: 'Router address flag(R)', type: 'bool', mask: 0x20, maskWidth: 8 },
    'opt.prefix.flag.reserved': { name: 'Reserved', type: 'uint8', mask: 0x1f, maskWidth: 8 },
    'opt.prefix.valid_lifetime': { name: 'Valid Lifetime', type: 'uint32' },
    'opt.prefix.preferred_lifetime': { name: 'Preferred Lifetime', type: 'uint32' },
    'opt.prefix': { name: 'Prefix', type: 'ipv6' },
    'opt.mtu': { name: 'MTU', type: 'uint32' },
    'opt.rdnss.lifetime': { name: 'Lifetime', type: 'uint32' },
    'opt.rdnss': { name: 'Recursive DNS Servers', type: 'ipv6' },
    'mld.maximum_response_delay': { name: 'Maximum Response Delay [ms]', type: 'uint16' },
    'mld.multicast_address': { name: 'Multicast Address', type: 'ipv6' },
    'mld.maximum_response_code': { name: 'Maximum Response Code', type: 'uint16' },
    'mld.flag': { name: 'Flags', type: 'uint8', base: 'hex' },
    'mld.flag.s': { name: 'Suppress Router-Side Processing', type: 'bool', mask: 0x08, maskWidth: 8, tfs: ['True', 'False'] },
    'mld.flag.qrv': { name: "QRV (Querier's Robustness Variable)", type: 'uint8', mask: 0x07, maskWidth: 8 },
    'mld.flag.reserved': { name: 'Reserved', type: 'uint8', mask: 0xf0, maskWidth: 8 },
    'mld.qqi': { name: "QQIC (Querier's Query Interval Code)", type: 'uint8' },
    'mld.nb_sources': { name: 'Number of Sources', type: 'uint16' },
    'mld.source_address': { name: 'Source Address', type: 'ipv6' },
    'mldr.nb_mcast_records': { name: 'Number of Multicast Address Records', type: 'uint16' },
    'mldr.mar': { name: 'Multicast Address Record', type: 'none' },
    'mldr.mar.record_type': { name: 'Record Type', type: 'uint8', vals: MLDR_RECORD_TYPES },
    'mldr.mar.aux_data_len': { name: 'Aux Data Len', type: 'uint8' },
    'mldr.mar.nb_sources': { name: 'Number of Sources', type: 'uint16' },
    'mldr.mar.multicast_address': { name: 'Multicast Address', type: 'ipv6' },
    'mldr.mar.source_address': { name: 'Source Address', type: 'ipv6' },
    'mldr.mar.auxiliary_data': { name: 'Auxiliary Data', type: 'bytes' },
    resp_in: { name: 'Response In', type: 'framenum' },
    resp_to: { name: 'Response To', type: 'framenum' },
    resptime: { name: 'Response Time', type: 'double' },
    invalid_option_length: { name: 'Invalid option length', type: 'none' },
  });
  const requests = new Map<string, { frame: number; ts: AbsTime }>();

  function dissectIcmpv6(p: Packet, data: Uint8Array, off: number, end: number, net: NetInfo, inError: boolean): number {
    const len = end - off;
    const need = (n: number) => {
      if (len < n) throw new Truncated();
    };
    const type = len >= 1 ? data[off]! : 0;
    const code = len >= 2 ? data[off + 1]! : 0;
    const typeStr = ICMPV6_TYPES[type] ?? `Unknown (${type})`;
    const codes = CODES[type];
    const codeStr = codes ? (codes[code] ?? 'Unknown') : '';
    let info = codeStr ? `${typeStr} (${codeStr})` : typeStr;
    if (p.wantCols && !inError) {
      p.colProtocol = 'ICMPv6';
      p.colInfo = info;
    }
    const v6 = (o: number) => data.subarray(o, o + 16);
    p.open(proto, data.subarray(off, end), off, len, 0, () => 'Internet Control Message Protocol v6');
    try {
      need(1);
      p.add(f.type, type, off, 1);
      need(2);
      p.add(f.code, code, off + 1, 1, 0, codeStr ? `Code: ${code} (${codeStr})` : undefined);
      need(4);
      const ck = u16(data, off + 2);
      const truncated = p.origLen > p.data.length && end === p.data.length;
      let pseudo = 58 + (len >>> 16) + (len & 0xffff);
      if (net.version === 6) for (let i = 0; i < 16; i += 2) pseudo += u16(net.src, i) + u16(net.dst, i);
      const good = !truncated && inetChecksum(data, off, end, pseudo) === 0;
      const hx = (n: number) => `0x${n.toString(16).padStart(4, '0')}`;
      p.add(f.checksum, ck, off + 2, 2, 0, truncated ? `Checksum: ${hx(ck)} [unverified]` : good ? `Checksum: ${hx(ck)} [correct]` : () => `Checksum: ${hx(ck)} [incorrect, should be ${hx(shouldBe(data, off, end, off + 2, pseudo))}]`);
      p.add(f['checksum.status'], truncated ? 2 : good ? 1 : 0, off + 2, 0, GENERATED);
      if (!truncated && !good) p.expert('warn', 'Checksum', 'Bad checksum');
      let o = off + 4;
      let dataOff = -1;
      let withOpts = false;
      const setInfo = (s: string) => {
        info = s;
        if (p.wantCols && !inError) p.colInfo = info;
      };
      switch (type) {
        case 1: case 3: case 2: case 4: {
          need(8);
          if (type === 2) p.add(f.mtu, u32(data, o), o, 4);
          else if (type === 4) p.add(f.pointer, u32(data, o), o, 4);
          else p.add(f.reserved, data.subarray(o, o + 4), o, 4);
          if (end > off + 8) {
            dissectQuoted(p, () => deps.innerIp6()(p, data, off + 8, end));
          }
          break;
        }
        case 128: case 129: {
          need(6);
          const id = u16(data, o);
          p.add(f['echo.identifier'], id, o, 2);
          need(8);
          const seq = u16(data, o + 2);
          p.add(f['echo.sequence_number'], seq, o + 2, 2);
          let s = `${info} id=0x${id.toString(16).padStart(4, '0')}, seq=${seq}, hop limit=${net.ttl}`;
          if (!inError) {
            if (type === 128) {
              requests.set(`${id}|${seq}|${net.srcText}|${net.dstText}`, { frame: p.num, ts: p.ts });
            } else {
              const req = requests.get(`${id}|${seq}|${net.dstText}|${net.srcText}`);
              if (req && req.frame < p.num) {
                p.add(f.resp_to, req.frame, 0, 0, GENERATED);
                const ns = diffNs(p.ts, req.ts);
                p.add(f.resptime, ns / 1e6, 0, 0, GENERATED, () => `Response Time: ${(ns / 1e6).toFixed(3)} ms`);
                s += ` (request in ${req.frame})`;
              }
            }
          }
          setInfo(s);
          dataOff = off + 8;
          break;
        }
        case 130: case 131: case 132: {
          need(24);
          if (type === 130 && len >= 28) p.add(f['mld.maximum_response_code'], u16(data, o), o, 2);
          else p.add(f['mld.maximum_response_delay'], u16(data, o), o, 2);
          p.add(f.reserved, data.subarray(o + 2, o + 4), o + 2, 2);
          p.add(f['mld.multicast_address'], v6(o + 4), o + 4, 16);
          if (type === 130 && len >= 28) {
            const fl = data[off + 24]!;
            p.open(f['mld.flag'], fl, off + 24, 1);
            p.add(f['mld.flag.s'], (fl & 8) !== 0, off + 24, 1);
            p.add(f['mld.flag.qrv'], fl & 7, off + 24, 1);
            p.add(f['mld.flag.reserved'], fl >> 4, off + 24, 1);
            p.close();
            p.add(f['mld.qqi'], data[off + 25]!, off + 25, 1);
            const n = u16(data, off + 26);
            p.add(f['mld.nb_sources'], n, off + 26, 2);
            let so = off + 28;
            for (let i = 0; i < n; i++, so += 16) {
              need(so - off + 16);
              p.add(f['mld.source_address'], v6(so), so, 16);
            }
          }
          break;
        }
        case 143: {
          need(8);
          p.add(f.reserved, data.subarray(o, o + 2), o, 2);
          const n = u16(data, o + 2);
          p.add(f['mldr.nb_mcast_records'], n, o + 2, 2);
          let ro = off + 8;
          for (let i = 0; i < n; i++) {
            need(ro - off + 20);
            const rt = data[ro]!;
            const aux = data[ro + 1]! * 4;
            const ns = u16(data, ro + 2);
            const rlen = 20 + ns * 16 + aux;
            const maddr = v6(ro + 4);
            p.open(f['mldr.mar'], null, ro, Math.min(rlen, end - ro), 0, () => `Multicast Address Record ${MLDR_RECORD_TYPES[rt] ?? 'Unknown'}: ${ipv6Text(maddr)}`);
            p.add(f['mldr.mar.record_type'], rt, ro, 1);
            p.add(f['mldr.mar.aux_data_len'], data[ro + 1]!, ro + 1, 1);
            p.add(f['mldr.mar.nb_sources'], ns, ro + 2, 2);
            p.add(f['mldr.mar.multicast_address'], maddr, ro + 4, 16);
            let so = ro + 20;
            for (let j = 0; j < ns; j++, so += 16) {
              if (so + 16 > end) {
                p.close();
                throw new Truncated();
              }
              p.add(f['mldr.mar.source_address'], v6(so), so, 16);
            }
            if (aux > 0) {
              if (so + aux > end) {
                p.close();
                throw new Truncated();
              }
              p.add(f['mldr.mar.auxiliary_data'], data.subarray(so, so + aux), so, aux);
            }
            p.close();
            ro += rlen;
          }
          break;
        }
        case 133:
          need(8);
          p.add(f.reserved, data.subarray(o, o + 4), o, 4);
          o = off + 8;
          withOpts = true;
          break;
        case 134: {
          need(16);
          p.add(f['nd.ra.cur_hop_limit'], data[o]!, o, 1);
          const fl = data[o + 1]!;
          const names: string[] = [];
          if (fl & 0x80) names.push('Managed address configuration');
          if (fl & 0x40) names.push('Other configuration');
          if (fl & 0x20) names.push('Home Agent');
          names.push(`Prf (Default Router Preference): ${PRF[(fl >> 3) & 3]}`);
          if (fl & 0x04) names.push('Proxy');
          p.open(f['nd.ra.flag'], fl, o + 1, 1, 0, () => `Flags: 0x${fl.toString(16).padStart(2, '0')}, ${names.join(', ')}`);
          p.add(f['nd.ra.flag.m'], (fl & 0x80) !== 0, o + 1, 1);
          p.add(f['nd.ra.flag.o'], (fl & 0x40) !== 0, o + 1, 1);
          p.add(f['nd.ra.flag.h'], (fl & 0x20) !== 0, o + 1, 1);
          p.add(f['nd.ra.flag.prf'], (fl >> 3) & 3, o + 1, 1);
          p.add(f['nd.ra.flag.p'], (fl & 0x04) !== 0, o + 1, 1);
          p.add(f['nd.ra.flag.rsv'], fl & 3, o + 1, 1);
          p.close();
          p.add(f['nd.ra.router_lifetime'], u16(data, o + 2), o + 2, 2);
          p.add(f['nd.ra.reachable_time'], u32(data, o + 4), o + 4, 4);
          p.add(f['nd.ra.retrans_timer'], u32(data, o + 8), o + 8, 4);
          o = off + 16;
          withOpts = true;
          break;
        }
        case 135: {
          need(8);
          p.add(f.reserved, data.subarray(o, o + 4), o, 4);
          need(24);
          p.add(f['nd.ns.target_address'], v6(off + 8), off + 8, 16);
          setInfo(`${info} for ${ipv6Text(v6(off + 8))}`);
          o = off + 24;
          withOpts = true;
          break;
        }
        case 136: {
          need(8);
          const fl = u32(data, o);
          const names: string[] = [];
          if (fl & 0x80000000) names.push('Router');
          if (fl & 0x40000000) names.push('Solicited');
          if (fl & 0x20000000) names.push('Override');
          p.open(f['nd.na.flag'], fl, o, 4, 0, () => `Flags: 0x${fl.toString(16).padStart(8, '0')}${names.length ? ', ' + names.join(', ') : ''}`);
          p.add(f['nd.na.flag.r'], (fl & 0x80000000) !== 0, o, 4);
          p.add(f['nd.na.flag.s'], (fl & 0x40000000) !== 0, o, 4);
          p.add(f['nd.na.flag.o'], (fl & 0x20000000) !== 0, o, 4);
          p.add(f['nd.na.flag.rsv'], fl & 0x1fffffff, o, 4);
          p.close();
          need(24);
          p.add(f['nd.na.target_address'], v6(off + 8), off + 8, 16);
          const short: string[] = [];
          if (fl & 0x80000000) short.push('rtr');
          if (fl & 0x40000000) short.push('sol');
          if (fl & 0x20000000) short.push('ovr');
          setInfo(`${info} ${ipv6Text(v6(off + 8))} (${short.length ? short.join(', ') : 'none'})`);
          o = off + 24;
          withOpts = true;
          break;
        }
        case 137: {
          need(8);
          p.add(f.reserved, data.subarray(o, o + 4), o, 4);
          need(24);
          p.add(f['nd.rd.target_address'], v6(off + 8), off + 8, 16);
          need(40);
          p.add(f['rd.na.destination_address'], v6(off + 24), off + 24, 16);
          o = off + 40;
          withOpts = true;
          break;
        }
        default:
          if (len > 4) {
            p.add(f.data, data.subarray(off + 4, end), off + 4, len - 4);
            p.expert('note', 'Undecoded', `Dissector for ICMPv6 Type (${type}) code not implemented, Contact Wireshark developers if you want this supported`);
          }
      }
      if (withOpts) {
        // Neighbor Discovery options (RFC 4861 section 4.6)
        while (o < end) {
          need(o - off + 2);
          const ot = data[o]!;
          const ol = data[o + 1]! * 8;
          const oname = ICMPV6_OPT_TYPES[ot] ?? 'Unknown';
          let summary = '';
          const node = p.open(f.opt, null, o, Math.max(2, Math.min(ol, end - o)), 0, () => (summary ? `ICMPv6 Option (${oname}${summary})` : `ICMPv6 Option (${oname})`));
          p.add(f['opt.type'], ot, o, 1);
          p.add(f['opt.length'], data[o + 1]!, o + 1, 1, 0, `Length: ${data[o + 1]!} (${ol} bytes)`);
          if (ol === 0) {
            p.add(f.invalid_option_length, null, o + 1, 1);
            p.expert('error', 'Malformed', 'Invalid option length (Zero)');
            p.close();
            break;
          }
          if (o + ol > end) {
            p.close();
            throw new Truncated();
          }
          const b = o + 2;
          if (ot === 1 || ot === 2) {
            const addr = data.subarray(b, o + ol === b + 6 ? b + 6 : o + ol);
            const la = addr.length >= 6 && ol === 8 ? addr.subarray(0, 6) : addr;
            p.add(f['opt.linkaddr'], la, b, la.length);
            p.add(ot === 1 ? f['opt.src_linkaddr'] : f['opt.target_linkaddr'], la, b, la.length, HIDDEN);
            const txt = la.length === 6 ? etherText(la) : hexBytes(la, ':');
            summary = ` : ${txt}`;
            setInfo(`${info}${ot === 1 ? ' from ' : ' is at '}${txt}`);
          } else if (ot === 3 && ol >= 32) {
            const pl = data[b]!;
            const fl = data[b + 1]!;
            p.add(f['opt.prefix.length'], pl, b, 1);
            const names: string[] = [];
            if (fl & 0x80) names.push('On-link flag(L)');
            if (fl & 0x40) names.push('Autonomous address-configuration flag(A)');
            if (fl & 0x20) names.push('Router address flag(R)');
            p.open(f['opt.prefix.flag'], fl, b + 1, 1, 0, () => `Flag: 0x${fl.toString(16).padStart(2, '0')}${names.length ? ', ' + names.join(', ') : ''}`);
            p.add(f['opt.prefix.flag.l'], (fl & 0x80) !== 0, b + 1, 1);
            p.add(f['opt.prefix.flag.a'], (fl & 0x40) !== 0, b + 1, 1);
            p.add(f['opt.prefix.flag.r'], (fl & 0x20) !== 0, b + 1, 1);
            p.add(f['opt.prefix.flag.reserved'], fl & 0x1f, b + 1, 1);
            p.close();
            p.add(f['opt.prefix.valid_lifetime'], u32(data, b + 2), b + 2, 4);
            p.add(f['opt.prefix.preferred_lifetime'], u32(data, b + 6), b + 6, 4);
            p.add(f['opt.reserved'], null, b + 10, 4);
            p.add(f['opt.prefix'], v6(b + 14), b + 14, 16);
            summary = ` : ${ipv6Text(v6(b + 14))}/${pl}`;
          } else if (ot === 5 && ol >= 8) {
            p.add(f['opt.reserved'], null, b, 2);
            p.add(f['opt.mtu'], u32(data, b + 2), b + 2, 4);
            summary = ` : ${u32(data, b + 2)}`;
          } else if (ot === 25 && ol >= 8) {
            p.add(f['opt.reserved'], null, b, 2);
            p.add(f['opt.rdnss.lifetime'], u32(data, b + 2), b + 2, 4);
            const addrs: string[] = [];
            for (let a = b + 6; a + 16 <= o + ol; a += 16) {
              p.add(f['opt.rdnss'], v6(a), a, 16);
              addrs.push(ipv6Text(v6(a)));
            }
            summary = ` ${addrs.join(' ')}`;
          }
          p.close();
          void node;
          o += ol;
        }
      }
      p.close();
      if (dataOff >= 0 && dataOff < end && !inError) deps.data(p, data, dataOff, end);
    } catch (e) {
      if (!(e instanceof Truncated)) throw e;
      p.close();
      if (p.wantCols && !inError) p.colInfo = info;
      markMalformed(reg, p, 'ICMPv6');
    }
    return len;
  }

  const dissect: TransportDissector = (p, data, off, end, net) => {
    p.protocols.push('icmpv6');
    return dissectIcmpv6(p, data, off, end, net, false);
  };
  const dissectInner: TransportDissector = (p, data, off, end, net) => {
    p.protocols.push('icmpv6');
    return dissectIcmpv6(p, data, off, end, net, true);
  };
  return { dissect, dissectInner, fields: f };
}
