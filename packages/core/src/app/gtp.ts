import { u16, u32 } from '../bytes/read.ts';
import type { Dissector } from '../dissect.ts';
import type { Registry } from '../fields/registry.ts';
import type { UdpPortDissector } from '../transport/udp.ts';

/**
 * GTPv1-U (3GPP TS 29.281) on UDP 2152: the user-plane tunnel of mobile networks. The
 * T-PDU it carries is an IPv4 or IPv6 packet, dissected like any other (TCP and TLS inside
 * included). The Protocol column reads "GTP <inner>" as in Wireshark.
 */
export function createGtpU(reg: Registry, ipv4: Dissector, ipv6: Dissector, dataDissector: Dissector): UdpPortDissector {
  const proto = reg.protocol('gtp', 'GPRS Tunneling Protocol');
  const f = reg.fields('gtp', {
    flags: { name: 'Flags', type: 'uint8', base: 'hex' },
    'flags.version': { name: 'Version', type: 'uint8', mask: 0xe0, maskWidth: 8 },
    'flags.payload': { name: 'Protocol type', type: 'uint8', mask: 0x10, maskWidth: 8 },
    'flags.reserved': { name: 'Reserved', type: 'uint8', mask: 0x08, maskWidth: 8 },
    'flags.e': { name: 'Is Next Extension Header present?', type: 'bool', mask: 0x04, maskWidth: 8, tfs: ['Yes', 'No'] },
    'flags.s': { name: 'Is Sequence Number present?', type: 'bool', mask: 0x02, maskWidth: 8, tfs: ['Yes', 'No'] },
    'flags.pn': { name: 'Is N-PDU number present?', type: 'bool', mask: 0x01, maskWidth: 8, tfs: ['Yes', 'No'] },
    message: { name: 'Message Type', type: 'uint8', base: 'hex', vals: { 0x01: 'Echo request', 0x02: 'Echo response', 0x1a: 'Error Indication', 0xfe: 'End Marker', 0xff: 'T-PDU' } },
    length: { name: 'Length', type: 'uint16' },
    teid: { name: 'TEID', type: 'uint32', base: 'hex_dec' },
    seq_number: { name: 'Sequence number', type: 'uint16', base: 'hex_dec' },
    npdu_number: { name: 'N-PDU Number', type: 'uint8', base: 'hex_dec' },
    'ext_hdr.next': { name: 'Next extension header type', type: 'uint8', base: 'hex' },
    'ext_hdr.length': { name: 'Extension Header Length', type: 'uint8' },
  });
  return (p, data, off, end) => {
    if (end - off < 8) return 0;
    const flags = data[off]!;
    if (flags >> 5 !== 1 || (flags & 0x10) === 0) return 0; // GTPv1 only
    const type = data[off + 1]!;
    const len = u16(data, off + 2);
    p.protocols.push('gtp');
    let o = off + 8;
    const msgEnd = Math.min(end, off + 8 + len);
    const node = p.proto(proto, data, off, msgEnd - off, () => 'GPRS Tunneling Protocol');
    p.open(f.flags, flags, off, 1);
    p.add(f['flags.version'], flags >> 5, off, 1);
    p.add(f['flags.payload'], (flags >> 4) & 1, off, 1);
    p.add(f['flags.reserved'], (flags >> 3) & 1, off, 1);
    p.add(f['flags.e'], (flags & 4) !== 0, off, 1);
    p.add(f['flags.s'], (flags & 2) !== 0, off, 1);
    p.add(f['flags.pn'], (flags & 1) !== 0, off, 1);
    p.close();
    p.add(f.message, type, off + 1, 1);
    p.add(f.length, len, off + 2, 2);
    p.add(f.teid, u32(data, off + 4), off + 4, 4);
    if (flags & 7) {
      if (msgEnd - o < 4) {
        p.close();
        return end - off;
      }
      if (flags & 2) p.add(f.seq_number, u16(data, o), o, 2);
      if (flags & 1) p.add(f.npdu_number, data[o + 2]!, o + 2, 1);
      let next = data[o + 3]!;
      if (flags & 4) p.add(f['ext_hdr.next'], next, o + 3, 1);
      o += 4;
      // extension headers: length in 4-byte units, the last byte names the next one
      for (let guard = 0; next !== 0 && guard < 16 && o < msgEnd; guard++) {
        const units = data[o]!;
        if (units === 0 || o + units * 4 > msgEnd) break;
        p.add(f['ext_hdr.length'], units, o, 1);
        next = data[o + units * 4 - 1]!;
        o += units * 4;
      }
    }
    p.close();
    void node;
    if (type !== 0xff || o >= msgEnd) return end - off;
    const before = p.colProtocol;
    const v = data[o]! >> 4;
    if (v === 4) ipv4(p, data, o, msgEnd);
    else if (v === 6) ipv6(p, data, o, msgEnd);
    else dataDissector(p, data, o, msgEnd);
    if (p.wantCols) p.colProtocol = `GTP <${p.colProtocol || before}>`;
    return end - off;
  };
}
