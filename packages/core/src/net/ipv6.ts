import { u16, u32 } from '../bytes/read.ts';
import type { Dissector } from '../dissect.ts';
import type { Registry } from '../fields/registry.ts';
import { ipv6Text } from '../fields/format.ts';
import { GENERATED, HIDDEN, type Packet } from '../packet.ts';
import { FragmentTable } from './fragments.ts';
import { IP_PROTOS, IP_PROTO_SHORT, type IpProtoTable } from './ipproto.ts';
import { NetAddrs } from './types.ts';

/** IPv6 with its extension headers (hop-by-hop, routing, fragment, destination options) and fragment reassembly. */
export function createIpv6(reg: Registry, protos: IpProtoTable, dataDissector: Dissector, ipv4: () => Dissector, opts: { inError?: boolean } = {}) {
  const proto = reg.protocol('ipv6', 'Internet Protocol Version 6');
  const f = reg.fields('ipv6', {
    version: { name: 'Version', type: 'uint8' },
    tclass: { name: 'Traffic Class', type: 'uint32', base: 'hex', mask: 0x0ff00000, maskWidth: 32 },
    'tclass.dscp': { name: 'Differentiated Services Codepoint', type: 'uint32', mask: 0x0fc00000, maskWidth: 32 },
    'tclass.ecn': { name: 'Explicit Congestion Notification', type: 'uint32', mask: 0x00300000, maskWidth: 32 },
    flow: { name: 'Flow Label', type: 'uint24', base: 'hex', mask: 0xfffff, maskWidth: 24 },
    plen: { name: 'Payload Length', type: 'uint16' },
    nxt: { name: 'Next Header', type: 'uint8', vals: IP_PROTOS },
    hlim: { name: 'Hop Limit', type: 'uint8' },
    src: { name: 'Source Address', type: 'ipv6' },
    dst: { name: 'Destination Address', type: 'ipv6' },
    addr: { name: 'Source or Destination Address', type: 'ipv6' },
    src_host: { name: 'Source Host', type: 'string' },
    dst_host: { name: 'Destination Host', type: 'string' },
    host: { name: 'Source or Destination Host', type: 'string' },
    fragment: { name: 'IPv6 Fragment', type: 'framenum' },
    fragments: { name: 'IPv6 Fragments', type: 'none' },
    'fragment.count': { name: 'Fragment count', type: 'uint32' },
    'reassembled.in': { name: 'Reassembled IPv6 in frame', type: 'framenum' },
    'reassembled.length': { name: 'Reassembled IPv6 length', type: 'uint32' },
    'reassembled.data': { name: 'Reassembled IPv6 data', type: 'bytes' },
  });
  const ext = {
    hopopts: reg.protocol('ipv6.hopopts', 'IPv6 Hop-by-Hop Option'),
    routing: reg.protocol('ipv6.routing', 'Routing Header for IPv6'),
    dstopts: reg.protocol('ipv6.dstopts', 'Destination Options for IPv6'),
    fraghdr: reg.protocol('ipv6.fraghdr', 'Fragment Header for IPv6'),
  };
  const h = reg.fields('ipv6.hopopts', { nxt: { name: 'Next Header', type: 'uint8', vals: IP_PROTOS }, len: { name: 'Length', type: 'uint8' }, len_oct: { name: 'Length', type: 'uint16', unit: 'bytes' } });
  const r = reg.fields('ipv6.routing', { nxt: { name: 'Next Header', type: 'uint8', vals: IP_PROTOS }, len: { name: 'Length', type: 'uint8' }, len_oct: { name: 'Length', type: 'uint16', unit: 'bytes' }, type: { name: 'Type', type: 'uint8' }, segleft: { name: 'Segments Left', type: 'uint8' } });
  const d = reg.fields('ipv6.dstopts', { nxt: { name: 'Next Header', type: 'uint8', vals: IP_PROTOS }, len: { name: 'Length', type: 'uint8' }, len_oct: { name: 'Length', type: 'uint16', unit: 'bytes' } });
  const fh = reg.fields('ipv6.fraghdr', {
    nxt: { name: 'Next header', type: 'uint8', vals: IP_PROTOS },
    reserved_octet: { name: 'Reserved octet', type: 'uint8', base: 'hex' },
    offset: { name: 'Offset', type: 'uint16', mask: 0xfff8, maskWidth: 16 },
    reserved_bits: { name: 'Reserved bits', type: 'uint16', mask: 0x6, maskWidth: 16 },
    more: { name: 'More Fragments', type: 'bool', mask: 1, maskWidth: 16, tfs: ['Yes', 'No'] },
    ident: { name: 'Identification', type: 'uint32', base: 'hex' },
  });
  // Wireshark's IPv6 dissector also adds the (hidden) ip.version field
  const ipVersion = reg.lookup('ip.version').id;
  const frags = new FragmentTable();
  const hostIds = [f.src_host, f.dst_host, f.host];

  const dissect: Dissector = (p: Packet, data, off, end) => {
    p.colProtocol = 'IPv6';
    if (end - off < 40) return 0;
    p.protocols.push('ipv6');
    const w0 = u32(data, off);
    const plen = u16(data, off + 4);
    let nxt = data[off + 6]!;
    const hlim = data[off + 7]!;
    const src = data.subarray(off + 8, off + 24);
    const dst = data.subarray(off + 24, off + 40);
    const net = new NetAddrs(6, src, dst, hlim, opts.inError === true);
    // the address texts are made only if the columns are read
    if (p.wantCols) p.setAddrColumns(net);
    const ipEnd = plen === 0 ? end : Math.min(end, off + 40 + plen);
    p.proto(proto, data, off, 40, p.tree || p.wants(proto) ? () => `Internet Protocol Version 6, Src: ${net.srcText}, Dst: ${net.dstText}` : undefined);
    p.add(f.version, w0 >>> 28, off, 1);
    if (p.wants(ipVersion)) p.add(ipVersion, w0 >>> 28, off, 1, HIDDEN);
    p.open(f.tclass, (w0 >>> 20) & 0xff, off, 4);
    p.add(f['tclass.dscp'], (w0 >>> 22) & 0x3f, off, 4);
    p.add(f['tclass.ecn'], (w0 >>> 20) & 3, off, 4);
    p.close();
    p.add(f.flow, w0 & 0xfffff, off + 1, 3);
    p.add(f.plen, plen, off + 4, 2);
    p.add(f.nxt, nxt, off + 6, 1);
    p.add(f.hlim, hlim, off + 7, 1);
    p.add(f.src, src, off + 8, 16);
    if (p.wants(f.addr)) p.add(f.addr, src, off + 8, 16, HIDDEN);
    p.add(f.dst, dst, off + 24, 16);
    if (p.wants(f.addr)) p.add(f.addr, dst, off + 24, 16, HIDDEN);
    if (p.wantsAny(hostIds)) {
      p.add(f.src_host, net.srcText, off + 8, 16, HIDDEN);
      p.add(f.host, net.srcText, off + 8, 16, HIDDEN);
      p.add(f.dst_host, net.dstText, off + 24, 16, HIDDEN);
      p.add(f.host, net.dstText, off + 24, 16, HIDDEN);
    }
    p.close();

    let o = off + 40;
    let fragInfo: { offset: number; more: boolean; ident: number } | undefined;
    // extension headers
    for (let guard = 0; guard < 16; guard++) {
      if (nxt === 0 || nxt === 43 || nxt === 60) {
        if (ipEnd - o < 8) break;
        const hl = (data[o + 1]! + 1) * 8;
        if (o + hl > ipEnd) break;
        const which = nxt === 0 ? 'ipv6.hopopts' : nxt === 43 ? 'ipv6.routing' : 'ipv6.dstopts';
        const ff = nxt === 0 ? h : nxt === 43 ? r : d;
        p.protocols.push(which);
        p.open(nxt === 0 ? ext.hopopts : nxt === 43 ? ext.routing : ext.dstopts, data.subarray(o, o + hl), o, hl);
        p.add(ff.nxt, data[o]!, o, 1);
        p.add(ff.len, data[o + 1]!, o + 1, 1);
        p.add(ff.len_oct, hl, o + 1, 1, GENERATED);
        if (nxt === 43) {
          p.add(r.type, data[o + 2]!, o + 2, 1);
          p.add(r.segleft, data[o + 3]!, o + 3, 1);
        }
        p.close();
        nxt = data[o]!;
        o += hl;
        continue;
      }
      if (nxt === 44) {
        if (ipEnd - o < 8) break;
        p.protocols.push('ipv6.fraghdr');
        const ow = u16(data, o + 2);
        fragInfo = { offset: ow & 0xfff8, more: (ow & 1) === 1, ident: u32(data, o + 4) };
        p.open(ext.fraghdr, data.subarray(o, o + 8), o, 8);
        p.add(fh.nxt, data[o]!, o, 1);
        p.add(fh.reserved_octet, data[o + 1]!, o + 1, 1);
        p.add(fh.offset, ow >> 3, o + 2, 2);
        p.add(fh.reserved_bits, (ow >> 1) & 3, o + 2, 2);
        p.add(fh.more, fragInfo.more, o + 2, 2);
        p.add(fh.ident, fragInfo.ident, o + 4, 4);
        p.close();
        nxt = data[o]!;
        o += 8;
        break;
      }
      break;
    }

    let payload = data;
    let pOff = o;
    let pEnd = ipEnd;
    let prevSrc = -1;
    if (fragInfo && (fragInfo.more || fragInfo.offset !== 0)) {
      const key = `${ipv6Text(src)}|${ipv6Text(dst)}|${fragInfo.ident}`;
      const done = frags.add(key, p.num, fragInfo.offset, fragInfo.more, data.subarray(o, ipEnd));
      if (!done) {
        if (p.wantCols) p.colInfo = `IPv6 fragment (off=${fragInfo.offset} more=${fragInfo.more ? 'y' : 'n'} ident=0x${fragInfo.ident.toString(16).padStart(8, '0')} nxt=${nxt})`;
        dataDissector(p, data, o, ipEnd);
        return ipEnd - off;
      }
      const idx = p.addSource('Reassembled IPv6', done.data);
      prevSrc = p.src;
      p.src = idx;
      p.open(f.fragments, null, 0, done.data.length, 0, () => `[${done.frames.length} IPv6 Fragments (${done.data.length} bytes): ${done.parts.map(([fr, , l]) => `#${fr}(${l})`).join(', ')}]`);
      for (const [fr, fo, l] of done.parts) p.add(f.fragment, fr, fo, l);
      p.add(f['fragment.count'], done.frames.length, 0, 0);
      p.add(f['reassembled.length'], done.data.length, 0, 0, GENERATED);
      p.close();
      payload = done.data;
      pOff = 0;
      pEnd = done.data.length;
    }
    const t = protos.get(nxt);
    if (t) t(p, payload, pOff, pEnd, net);
    else if (nxt === 41) dissect(p, payload, pOff, pEnd);
    else if (nxt === 4) ipv4()(p, payload, pOff, pEnd);
    else {
      if (p.wantCols && nxt !== 59) p.colInfo = IP_PROTO_SHORT[nxt] ?? IP_PROTOS[nxt] ?? `Unknown (${nxt})`;
      if (pEnd > pOff) dataDissector(p, payload, pOff, pEnd);
    }
    if (prevSrc >= 0) p.src = prevSrc;
    return ipEnd - off;
  };
  return { dissect, fields: f };
}
