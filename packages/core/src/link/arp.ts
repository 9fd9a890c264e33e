import { u16, u32 } from '../bytes/read.ts';
import type { Dissector } from '../dissect.ts';
import type { Registry } from '../fields/registry.ts';
import { etherText, hexBytes, ipv4Text } from '../fields/format.ts';
import { GENERATED, type Packet } from '../packet.ts';
import { ETHERTYPES } from './ethernet.ts';

/** ARP opcode names (RFC 826, 903, 1931, 2390, 2022, 1577 …) as tshark's value names. */
export const ARP_OPCODES: Record<number, string> = {
  0: 'reserved', 1: 'request', 2: 'reply', 3: 'reverse request', 4: 'reverse reply', 5: 'drarp request', 6: 'drarp reply', 7: 'drarp error',
  8: 'inverse request', 9: 'inverse reply', 10: 'arp nak', 11: 'mars request', 12: 'mars multi', 13: 'mars mserv', 14: 'mars join', 15: 'mars leave',
  16: 'mars nak', 17: 'mars unserv', 18: 'mars sjoin', 19: 'mars sleave', 20: 'mars grouplist request', 21: 'mars grouplist reply',
  22: 'mars redirect map', 23: 'mapos unarp', 24: 'experimental 1', 25: 'experimental 2', 65535: 'reserved',
};

/** IANA ARP hardware types. */
export const ARP_HW_TYPES: Record<number, string> = {
  0: 'NET/ROM pseudo', 1: 'Ethernet', 2: 'Experimental Ethernet', 3: 'AX.25', 4: 'ProNET', 5: 'Chaos', 6: 'IEEE 802', 7: 'ARCNET', 8: 'Hyperchannel',
  9: 'Lanstar', 10: 'Autonet Short Address', 11: 'Localtalk', 12: 'LocalNet', 13: 'Ultra link', 14: 'SMDS', 15: 'Frame Relay DLCI', 16: 'ATM', 17: 'HDLC',
  18: 'Fibre Channel', 19: 'ATM (RFC 2225)', 20: 'Serial Line', 21: 'ATM', 22: 'MIL-STD-188-220', 23: 'Metricom STRIP', 24: 'IEEE 1394.1995', 25: 'MAPOS',
  26: 'Twinaxial', 27: 'EUI-64', 28: 'HIPARP', 29: 'IP and ARP over ISO 7816-3', 30: 'ARPSec', 31: 'IPsec tunnel', 32: 'InfiniBand',
  33: 'TIA-102 Project 25 CAI', 34: 'Wiegand Interface', 35: 'Pure IP', 36: 'Experimental 1', 37: 'HFI', 256: 'Experimental 2', 257: 'AEthernet',
};

const isZero = (b: Uint8Array) => b.every((x) => x === 0);

/** ARP/RARP/Inverse ARP (EtherType 0x0806 and 0x8035). */
export function createArp(reg: Registry) {
  const proto = reg.protocol('arp', 'Address Resolution Protocol');
  const f = reg.fields('arp', {
    'hw.type': { name: 'Hardware type', type: 'uint16', vals: ARP_HW_TYPES },
    'proto.type': { name: 'Protocol type', type: 'uint16', base: 'hex', vals: ETHERTYPES },
    'hw.size': { name: 'Hardware size', type: 'uint8' },
    'proto.size': { name: 'Protocol size', type: 'uint8' },
    opcode: { name: 'Opcode', type: 'uint16', vals: ARP_OPCODES },
    isgratuitous: { name: 'Is gratuitous', type: 'bool', tfs: ['True', 'False'] },
    isprobe: { name: 'Is probe', type: 'bool', tfs: ['True', 'False'] },
    isannouncement: { name: 'Is announcement', type: 'bool', tfs: ['True', 'False'] },
    'src.hw': { name: 'Sender hardware address', type: 'bytes' },
    'src.hw_mac': { name: 'Sender MAC address', type: 'ether' },
    'src.proto': { name: 'Sender protocol address', type: 'bytes' },
    'src.proto_ipv4': { name: 'Sender IP address', type: 'ipv4' },
    'dst.hw': { name: 'Target hardware address', type: 'bytes' },
    'dst.hw_mac': { name: 'Target MAC address', type: 'ether' },
    'dst.proto': { name: 'Target protocol address', type: 'bytes' },
    'dst.proto_ipv4': { name: 'Target IP address', type: 'ipv4' },
  });
  const malformed = reg.protocol('_ws.malformed', 'Malformed Packet');

  const dissect: Dissector = (p: Packet, data, off, end) => {
    p.protocols.push('arp');
    const avail = end - off;
    const op = avail >= 8 ? u16(data, off + 6) : -1;
    p.colProtocol = op >= 3 && op <= 4 ? 'RARP' : op >= 5 && op <= 7 ? 'DRARP' : op === 8 || op === 9 ? 'Inverse ARP' : 'ARP';
    const hlen = avail >= 5 ? data[off + 4]! : 0;
    const plen = avail >= 6 ? data[off + 5]! : 0;
    const total = 8 + 2 * hlen + 2 * plen;
    if (avail < total) {
      // header fields that fit, then Wireshark's malformed marker
      p.open(proto, data.subarray(off, end), off, avail, 0, () => 'Address Resolution Protocol');
      if (avail >= 2) p.add(f['hw.type'], u16(data, off), off, 2);
      if (avail >= 4) p.add(f['proto.type'], u16(data, off + 2), off + 2, 2);
      if (avail >= 5) p.add(f['hw.size'], hlen, off + 4, 1);
      if (avail >= 6) p.add(f['proto.size'], plen, off + 5, 1);
      if (avail >= 8) p.add(f.opcode, op, off + 6, 2);
      p.close();
      p.add(malformed, null, 0, 0, 0, '[Malformed Packet: ARP/RARP]');
      p.expert('error', 'Malformed', 'Malformed Packet (Exception occurred)');
      if (p.wantCols) p.colInfo = '[Malformed Packet]';
      return avail;
    }
    const htype = u16(data, off);
    const ptype = u16(data, off + 2);
    const sha = data.subarray(off + 8, off + 8 + hlen);
    const spa = data.subarray(off + 8 + hlen, off + 8 + hlen + plen);
    const tha = data.subarray(off + 8 + hlen + plen, off + 8 + 2 * hlen + plen);
    const tpa = data.subarray(off + 8 + 2 * hlen + plen, off + total);
    const isMac = (htype === 1 || htype === 6) && hlen === 6;
    const isIp = ptype === 0x0800 && plen === 4;
    const hwText = (b: Uint8Array) => (isMac ? etherText(b) : hexBytes(b));
    const prText = (b: Uint8Array) => (isIp ? ipv4Text(u32(b, 0)) : hexBytes(b));
    const sameIp = isIp && u32(spa, 0) === u32(tpa, 0);
    const gratuitous = (op === 1 || op === 2) && sameIp;
    const probe = op === 1 && isIp && u32(spa, 0) === 0 && isZero(tha) && !sameIp;
    const announce = op === 1 && sameIp && isZero(tha);

    let kind = ARP_OPCODES[op] ?? 'unknown';
    if (announce) kind = 'ARP Announcement';
    else if (probe) kind = 'ARP Probe';
    else if (gratuitous) kind += '/gratuitous ARP';
    p.open(proto, data.subarray(off, off + total), off, total, 0, () => `Address Resolution Protocol (${kind})`);
    p.add(f['hw.type'], htype, off, 2);
    p.add(f['proto.type'], ptype, off + 2, 2);
    p.add(f['hw.size'], hlen, off + 4, 1);
    p.add(f['proto.size'], plen, off + 5, 1);
    p.add(f.opcode, op, off + 6, 2);
    if (gratuitous) p.add(f.isgratuitous, true, 0, 0, GENERATED);
    if (probe) p.add(f.isprobe, true, 0, 0, GENERATED);
    if (announce) p.add(f.isannouncement, true, 0, 0, GENERATED);
    let o = off + 8;
    if (hlen > 0) p.add(isMac ? f['src.hw_mac'] : f['src.hw'], sha, o, hlen);
    o += hlen;
    if (plen > 0) p.add(isIp ? f['src.proto_ipv4'] : f['src.proto'], isIp ? u32(spa, 0) : spa, o, plen);
    o += plen;
    if (hlen > 0) p.add(isMac ? f['dst.hw_mac'] : f['dst.hw'], tha, o, hlen);
    o += hlen;
    if (plen > 0) p.add(isIp ? f['dst.proto_ipv4'] : f['dst.proto'], isIp ? u32(tpa, 0) : tpa, o, plen);
    p.close();

    if (p.wantCols) {
      let info: string;
      switch (op) {
        case 1:
          info = announce ? `ARP Announcement for ${prText(spa)}` : gratuitous ? `Gratuitous ARP for ${prText(spa)} (Request)` : probe ? `Who has ${prText(tpa)}? (ARP Probe)` : `Who has ${prText(tpa)}? Tell ${prText(spa)}`;
          break;
        case 2:
          info = gratuitous ? `Gratuitous ARP for ${prText(spa)} (Reply)` : `${prText(spa)} is at ${hwText(sha)}`;
          break;
        case 3: case 5: case 8:
          info = `Who is ${hwText(tha)}? Tell ${hwText(sha)}`;
          break;
        case 4: case 6:
          info = `${hwText(tha)} is at ${prText(tpa)}`;
          break;
        case 7:
          info = 'DRARP Error';
          break;
        case 9:
          info = `${hwText(sha)} is at ${prText(spa)}`;
          break;
        case 10:
          info = 'ARP NAK';
          break;
        case 0: case 65535:
          info = `Reserved opcode ${op}`;
          break;
        default:
          info = `Unknown ARP opcode 0x${op.toString(16).padStart(4, '0')}`;
      }
      p.colInfo = info;
    }
    return total;
  };
  return { dissect, fields: f };
}
