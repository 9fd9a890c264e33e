import { u16, u32 } from '../bytes/read.ts';
import type { Dissector } from '../dissect.ts';
import type { Registry } from '../fields/registry.ts';
import { ipv4Text } from '../fields/format.ts';
import { GENERATED, HIDDEN, type Packet } from '../packet.ts';
import { FragmentTable } from './fragments.ts';
import { IP_PROTOS, IP_PROTO_SHORT, type IpProtoTable } from './ipproto.ts';
import { Net4Addrs } from './types.ts';

const DSCP: Record<number, string> = { 0: 'Default', 8: 'Class Selector 1', 10: 'Assured Forwarding 11', 16: 'Class Selector 2', 24: 'Class Selector 3', 32: 'Class Selector 4', 40: 'Class Selector 5', 46: 'Expedited Forwarding', 48: 'Class Selector 6', 56: 'Class Selector 7' };
const ECN: Record<number, string> = { 0: 'Not ECN-Capable Transport', 1: 'ECN-Capable Transport codepoint \'01\'', 2: 'ECN-Capable Transport codepoint \'10\'', 3: 'Congestion Experienced' };

/** The tree label; a function of its own so the dissector's locals are not captured (no context per call). */
function ipLabel(net: Net4Addrs): () => string {
  return () => `Internet Protocol Version 4, Src: ${net.srcText}, Dst: ${net.dstText}`;
}

export function createIpv4(reg: Registry, protos: IpProtoTable, dataDissector: Dissector, ipv6: () => Dissector, opts: { inError?: boolean } = {}) {
  const proto = reg.protocol('ip', 'Internet Protocol Version 4');
  const f = reg.fields('ip', {
    version: { name: 'Version', type: 'uint8' },
    hdr_len: { name: 'Header Length', type: 'uint8', unit: 'bytes' },
    dsfield: { name: 'Differentiated Services Field', type: 'uint8', base: 'hex' },
    'dsfield.dscp': { name: 'Differentiated Services Codepoint', type: 'uint8', mask: 0xfc, maskWidth: 8, vals: DSCP },
    'dsfield.ecn': { name: 'Explicit Congestion Notification', type: 'uint8', mask: 0x03, maskWidth: 8, vals: ECN },
    len: { name: 'Total Length', type: 'uint16' },
    id: { name: 'Identification', type: 'uint16', base: 'hex_dec' },
    flags: { name: 'Flags', type: 'uint8', base: 'hex', mask: 0xe0, maskWidth: 8 },
    'flags.rb': { name: 'Reserved bit', type: 'bool', mask: 0x80, maskWidth: 8 },
    'flags.df': { name: "Don't fragment", type: 'bool', mask: 0x40, maskWidth: 8 },
    'flags.mf': { name: 'More fragments', type: 'bool', mask: 0x20, maskWidth: 8 },
    frag_offset: { name: 'Fragment Offset', type: 'uint16', mask: 0x1fff, maskWidth: 16 },
    ttl: { name: 'Time to Live', type: 'uint8' },
    proto: { name: 'Protocol', type: 'uint8', vals: IP_PROTOS },
    checksum: { name: 'Header Checksum', type: 'uint16', base: 'hex' },
    'checksum.status': { name: 'Header checksum status', type: 'uint8', vals: { 0: 'Bad', 1: 'Good', 2: 'Unverified' } },
    src: { name: 'Source Address', type: 'ipv4' },
    dst: { name: 'Destination Address', type: 'ipv4' },
    addr: { name: 'Source or Destination Address', type: 'ipv4' },
    src_host: { name: 'Source Host', type: 'string' },
    dst_host: { name: 'Destination Host', type: 'string' },
    host: { name: 'Source or Destination Host', type: 'string' },
    fragment: { name: 'IPv4 Fragment', type: 'framenum' },
    fragments: { name: 'IPv4 Fragments', type: 'bytes' },
    'fragment.count': { name: 'Fragment count', type: 'uint32' },
    reassembled_in: { name: 'Reassembled IPv4 in frame', type: 'framenum' },
    'reassembled.length': { name: 'Reassembled IPv4 length', type: 'uint32' },
    'reassembled.data': { name: 'Reassembled IPv4 data', type: 'bytes' },
    bogus_ip_length: { name: 'Bogus IP length', type: 'none' },
    bogus_header_length: { name: 'Bogus IP header length', type: 'none' },
  });
  const frags = new FragmentTable();
  const hostIds = [f.src_host, f.dst_host, f.host];
  const headerIds = [f.version, f.hdr_len, f.dsfield, f['dsfield.dscp'], f['dsfield.ecn'], f.len, f.bogus_ip_length, f.id, f.flags, f['flags.rb'], f['flags.df'], f['flags.mf'], f.frag_offset, f.ttl, f.proto, f.checksum, f['checksum.status']];

  const dissect: Dissector = (p: Packet, data, off, end) => {
    p.colProtocol = 'IPv4';
    if (end - off < 20) {
      return 0;
    }
    const vhl = data[off]!;
    const hl = (vhl & 15) * 4;
    if (hl < 20 || hl > end - off) {
      p.protocols.push('ip');
      p.proto(proto, data, off, end - off, () => 'Internet Protocol Version 4');
      p.add(f.version, vhl >> 4, off, 1);
      p.add(f.bogus_header_length, null, off, 1);
      p.close();
      p.expert('error', 'Protocol', `Bogus IP header length (${hl}, must be at least 20)`);
      if (p.wantCols) p.colInfo = `Bogus IPv4 header length (${hl}, must be at least 20)`;
      return end - off;
    }
    p.protocols.push('ip');
    let totLen = u16(data, off + 2);
    // TSO captures carry 0; otherwise a length beyond the frame is cut to what was captured
    let ipEnd = totLen === 0 ? end : Math.min(end, off + totLen);
    if (totLen !== 0 && totLen < hl) ipEnd = end;
    const id = u16(data, off + 4);
    const fl = u16(data, off + 6);
    const fragOff = (fl & 0x1fff) * 8;
    const mf = (fl & 0x2000) !== 0;
    const ttl = data[off + 8]!;
    const pr = data[off + 9]!;
    const srcN = u32(data, off + 12);
    const dstN = u32(data, off + 16);
    const net = new Net4Addrs(data, off, srcN, dstN, ttl, opts.inError === true);
    // the address texts are made only if the columns are read
    if (p.wantCols) p.setAddrColumns(net);
    p.proto(proto, data, off, hl, p.tree || p.wants(proto) ? ipLabel(net) : undefined);
    // the header fields one by one only when someone reads one of them
    if (p.tree || p.wantsAny(headerIds)) {
      p.add(f.version, vhl >> 4, off, 1);
      p.add(f.hdr_len, hl, off, 1);
      const ds = data[off + 1]!;
      p.open(f.dsfield, ds, off + 1, 1);
      p.add(f['dsfield.dscp'], ds >> 2, off + 1, 1);
      p.add(f['dsfield.ecn'], ds & 3, off + 1, 1);
      p.close();
      p.add(f.len, totLen, off + 2, 2);
      if (totLen !== 0 && totLen < hl) p.add(f.bogus_ip_length, null, off + 2, 2);
      p.add(f.id, id, off + 4, 2);
      p.open(f.flags, fl >> 13, off + 6, 1);
      p.add(f['flags.rb'], (fl & 0x8000) !== 0, off + 6, 1);
      p.add(f['flags.df'], (fl & 0x4000) !== 0, off + 6, 1);
      p.add(f['flags.mf'], mf, off + 6, 1);
      p.close();
      p.add(f.frag_offset, fl & 0x1fff, off + 6, 2);
      p.add(f.ttl, ttl, off + 8, 1);
      p.add(f.proto, pr, off + 9, 1);
      p.add(f.checksum, u16(data, off + 10), off + 10, 2);
      p.add(f['checksum.status'], 2, off + 10, 2, GENERATED);
    }
    p.add(f.src, srcN, off + 12, 4);
    if (p.wants(f.addr)) p.add(f.addr, srcN, off + 12, 4, HIDDEN);
    p.add(f.dst, dstN, off + 16, 4);
    if (p.wants(f.addr)) p.add(f.addr, dstN, off + 16, 4, HIDDEN);
    if (p.wantsAny(hostIds)) {
      p.add(f.src_host, net.srcText, off + 12, 4, HIDDEN);
      p.add(f.host, net.srcText, off + 12, 4, HIDDEN);
      p.add(f.dst_host, net.dstText, off + 16, 4, HIDDEN);
      p.add(f.host, net.dstText, off + 16, 4, HIDDEN);
    }
    p.close();

    let payload = data;
    let pOff = off + hl;
    let pEnd = ipEnd;
    if (mf || fragOff !== 0) {
      const key = `${srcN}|${dstN}|${id}|${pr}`;
      const done = frags.add(key, p.num, fragOff, mf, data.subarray(pOff, pEnd));
      if (!done) {
        if (p.wantCols) p.colInfo = `Fragmented IP protocol (proto=${IP_PROTO_SHORT[pr] ?? IP_PROTOS[pr] ?? 'Unknown'} ${pr}, off=${fragOff}, ID=${id.toString(16).padStart(4, '0')})`;
        dataDissector(p, data, pOff, pEnd);
        return ipEnd - off;
      }
      const srcIdx = p.addSource('Reassembled IPv4', done.data);
      const prevSrc = p.src;
      p.src = srcIdx;
      p.open(f.fragments, done.data, 0, done.data.length, 0, () => `[${done.frames.length} IPv4 Fragments (${done.data.length} bytes): ${done.parts.map(([fr, o, l]) => `#${fr}(${l})`).join(', ')}]`);
      for (const [fr, o, l] of done.parts) p.add(f.fragment, fr, o, l);
      p.add(f['fragment.count'], done.frames.length, 0, 0);
      p.add(f['reassembled.length'], done.data.length, 0, 0, GENERATED);
      if (p.wants(f['reassembled.data'])) p.add(f['reassembled.data'], done.data, 0, done.data.length);
      p.close();
      payload = done.data;
      pOff = 0;
      pEnd = done.data.length;
      const d = protos.get(pr);
      if (d) d(p, payload, pOff, pEnd, net);
      else if (pr === 41) ipv6()(p, payload, pOff, pEnd);
      else dataDissector(p, payload, pOff, pEnd);
      p.src = prevSrc;
      return ipEnd - off;
    }
    const d = protos.get(pr);
    if (d) d(p, payload, pOff, pEnd, net);
    else if (pr === 4) dissect(p, payload, pOff, pEnd);
    else if (pr === 41) ipv6()(p, payload, pOff, pEnd);
    else {
      if (p.wantCols) p.colInfo = IP_PROTOS[pr] ?? `Unknown (${pr})`;
      dataDissector(p, payload, pOff, pEnd);
    }
    return ipEnd - off;
  };
  return { dissect, fields: f, ipv4Text };
}
