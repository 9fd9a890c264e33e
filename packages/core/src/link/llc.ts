import { u16 } from '../bytes/read.ts';
import type { Dissector } from '../dissect.ts';
import type { Registry } from '../fields/registry.ts';
import { etherText } from '../fields/format.ts';
import { HIDDEN } from '../packet.ts';
import { ETHERTYPES, type EtherTypeTable } from './ethernet.ts';

/**
 * IEEE 802.2 LLC with SNAP, and the older LANs that carry it: FDDI (LINKTYPE 10, MAC
 * addresses bit-swapped on the wire as Wireshark's "FDDI with bit-swapped MAC addresses"),
 * Token Ring (LINKTYPE 6) and Frame Relay (LINKTYPE 107, RFC 2427 NLPID encapsulation).
 */
export function createLlc(reg: Registry, types: EtherTypeTable, ipv4: Dissector, dataDissector: Dissector) {
  const llcProto = reg.protocol('llc', 'Logical-Link Control');
  const l = reg.fields('llc', {
    dsap: { name: 'DSAP', type: 'uint8', base: 'hex' },
    ssap: { name: 'SSAP', type: 'uint8', base: 'hex' },
    control: { name: 'Control field', type: 'uint16', base: 'hex' },
    oui: { name: 'Organization Code', type: 'uint24', base: 'hex' },
    type: { name: 'Type', type: 'uint16', base: 'hex', vals: ETHERTYPES },
  });

  /** LLC (+ SNAP): returns bytes consumed including the payload's. */
  const llc: Dissector = (p, data, off, end) => {
    if (end - off < 3) return 0;
    p.protocols.push('llc');
    const dsap = data[off]!;
    const ssap = data[off + 1]!;
    const ctl = data[off + 2]!;
    const ctlLen = (ctl & 3) === 3 ? 1 : 2;
    let o = off + 2 + ctlLen;
    const snap = dsap === 0xaa && ssap === 0xaa && end - o >= 5;
    p.proto(llcProto, data, off, (snap ? o + 5 : o) - off, () => 'Logical-Link Control');
    p.add(l.dsap, dsap, off, 1);
    p.add(l.ssap, ssap, off + 1, 1);
    p.add(l.control, ctlLen === 1 ? ctl : u16(data, off + 2), off + 2, ctlLen);
    if (snap) {
      const oui = (data[o]! << 16) | (data[o + 1]! << 8) | data[o + 2]!;
      const type = u16(data, o + 3);
      p.add(l.oui, oui, o, 3);
      p.add(l.type, type, o + 3, 2);
      p.close();
      o += 5;
      const d = oui === 0 ? types.get(type) : undefined;
      return o - off + (d ? d(p, data, o, end) : dataDissector(p, data, o, end));
    }
    p.close();
    if (dsap === 0x06) return o - off + ipv4(p, data, o, end);
    return o - off + dataDissector(p, data, o, end);
  };

  const bitrev = new Uint8Array(256).map((_, i) => {
    let r = 0;
    for (let b = 0; b < 8; b++) if (i & (1 << b)) r |= 0x80 >> b;
    return r;
  });

  const fddiProto = reg.protocol('fddi', 'Fiber Distributed Data Interface');
  const fd = reg.fields('fddi', {
    fc: { name: 'Frame Control', type: 'uint8', base: 'hex' },
    dst: { name: 'Destination', type: 'ether' },
    src: { name: 'Source', type: 'ether' },
    addr: { name: 'Source or Destination Address', type: 'ether' },
  });
  const fddi: Dissector = (p, data, off, end) => {
    p.colProtocol = 'FDDI';
    if (end - off < 13) return 0;
    p.protocols.push('fddi');
    // the capture stores the MAC addresses bit-swapped (LSB first)
    const dst = Uint8Array.from(data.subarray(off + 1, off + 7), (b) => bitrev[b]!);
    const src = Uint8Array.from(data.subarray(off + 7, off + 13), (b) => bitrev[b]!);
    if (p.wantCols) {
      p.colSrc = etherText(src);
      p.colDst = etherText(dst);
    }
    p.proto(fddiProto, data, off, 13, () => 'Fiber Distributed Data Interface');
    p.add(fd.fc, data[off]!, off, 1);
    p.add(fd.dst, dst, off + 1, 6);
    p.add(fd.src, src, off + 7, 6);
    if (p.wants(fd.addr)) {
      p.add(fd.addr, dst, off + 1, 6, HIDDEN);
      p.add(fd.addr, src, off + 7, 6, HIDDEN);
    }
    p.close();
    llc(p, data, off + 13, end);
    return end - off;
  };

  const trProto = reg.protocol('tr', 'Token-Ring');
  const tf = reg.fields('tr', {
    ac: { name: 'Access Control', type: 'uint8', base: 'hex' },
    fc: { name: 'Frame Control', type: 'uint8', base: 'hex' },
    dst: { name: 'Destination', type: 'ether' },
    src: { name: 'Source', type: 'ether' },
    addr: { name: 'Source or Destination Address', type: 'ether' },
    sr: { name: 'Source Routed', type: 'bool' },
  });
  const tokenRing: Dissector = (p, data, off, end) => {
    p.colProtocol = 'TR';
    if (end - off < 14) return 0;
    p.protocols.push('tr');
    const dst = data.subarray(off + 2, off + 8);
    const srcRaw = data.subarray(off + 8, off + 14);
    const routed = (srcRaw[0]! & 0x80) !== 0;
    const src = routed ? Uint8Array.from(srcRaw, (b, i) => (i === 0 ? b & 0x7f : b)) : srcRaw;
    const rif = routed && end - off > 14 ? data[off + 14]! & 0x1f : 0;
    const hl = 14 + rif;
    if (p.wantCols) {
      p.colSrc = etherText(src);
      p.colDst = etherText(dst);
    }
    p.proto(trProto, data, off, Math.min(hl, end - off), () => 'Token-Ring');
    p.add(tf.ac, data[off]!, off, 1);
    p.add(tf.fc, data[off + 1]!, off + 1, 1);
    p.add(tf.dst, dst, off + 2, 6);
    p.add(tf.src, src, off + 8, 6);
    if (p.wants(tf.addr)) {
      p.add(tf.addr, dst, off + 2, 6, HIDDEN);
      p.add(tf.addr, src, off + 8, 6, HIDDEN);
    }
    p.add(tf.sr, routed, off + 8, 1);
    p.close();
    // only LLC frames (frame type 01) carry data
    if ((data[off + 1]! & 0xc0) === 0x40 && off + hl < end) llc(p, data, off + hl, end);
    return end - off;
  };

  const frProto = reg.protocol('fr', 'Frame Relay');
  const ff = reg.fields('fr', {
    dlci: { name: 'DLCI', type: 'uint32' },
    control: { name: 'Control Field', type: 'uint8', base: 'hex' },
    nlpid: { name: 'NLPID', type: 'uint8', base: 'hex' },
    'snap.oui': { name: 'Organization Code', type: 'uint24', base: 'hex' },
    'snap.pid': { name: 'Protocol ID', type: 'uint16', base: 'hex' },
  });
  const frameRelay: Dissector = (p, data, off, end) => {
    p.colProtocol = 'FR';
    if (end - off < 4) return 0;
    p.protocols.push('fr');
    const dlci = ((data[off]! >> 2) << 4) | (data[off + 1]! >> 4);
    let o = off + 2;
    const ctl = data[o]!;
    o++;
    if (data[o] === 0 && end - o > 1) o++; // padding before the NLPID
    const nlpid = data[o]!;
    o++;
    const snap = nlpid === 0x80 && end - o >= 5;
    p.proto(frProto, data, off, (snap ? o + 5 : o) - off, () => 'Frame Relay');
    p.add(ff.dlci, dlci, off, 2);
    p.add(ff.control, ctl, off + 2, 1);
    p.add(ff.nlpid, nlpid, o - 1, 1);
    if (snap) {
      p.add(ff['snap.oui'], (data[o]! << 16) | (data[o + 1]! << 8) | data[o + 2]!, o, 3);
      p.add(ff['snap.pid'], u16(data, o + 3), o + 3, 2);
    }
    p.close();
    if (snap) {
      const d = types.get(u16(data, o + 3));
      if (d) d(p, data, o + 5, end);
      else dataDissector(p, data, o + 5, end);
    } else if (nlpid === 0xcc) ipv4(p, data, o, end);
    else dataDissector(p, data, o, end);
    return end - off;
  };
  return { llc, fddi, tokenRing, frameRelay };
}
