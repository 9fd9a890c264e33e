import { u16 } from '../bytes/read.ts';
import type { Dissector } from '../dissect.ts';
import type { Registry } from '../fields/registry.ts';
import { etherText } from '../fields/format.ts';
import { HIDDEN, type Packet } from '../packet.ts';

export const ETHERTYPES: Record<number, string> = {
  0x0800: 'IPv4', 0x0806: 'ARP', 0x86dd: 'IPv6', 0x8100: '802.1Q Virtual LAN', 0x88a8: '802.1ad Provider Bridge (Q-in-Q)',
  0x9100: 'VLAN-tagged frame (Q-in-Q)', 0x8847: 'MPLS label switched packet', 0x8864: 'PPPoE Session', 0x88cc: '802.1 Link Layer Discovery Protocol (LLDP)',
};

/** Dispatch by EtherType, shared by Ethernet, VLAN, SLL and SLL2. */
export class EtherTypeTable {
  private readonly table = new Map<number, Dissector>();
  set(type: number, d: Dissector): void {
    this.table.set(type, d);
  }
  get(type: number): Dissector | undefined {
    return this.table.get(type);
  }
}

/** The Source/Destination columns of an Ethernet header, as text only when read. */
class EtherCols {
  constructor(private readonly data: Uint8Array, private readonly off: number) {}
  get srcText(): string {
    return etherText(this.data.subarray(this.off + 6, this.off + 12));
  }
  get dstText(): string {
    return etherText(this.data.subarray(this.off, this.off + 6));
  }
}

/** The tree label; a function of its own so the dissector's locals are not captured (no context per call). */
function ethLabel(src: Uint8Array, dst: Uint8Array): () => string {
  return () => `Ethernet II, Src: ${etherText(src)}, Dst: ${etherText(dst)}`;
}

export function createEthernet(reg: Registry, types: EtherTypeTable, dataDissector: Dissector) {
  const proto = reg.protocol('eth', 'Ethernet');
  const f = reg.fields('eth', {
    dst: { name: 'Destination', type: 'ether' },
    src: { name: 'Source', type: 'ether' },
    addr: { name: 'Address', type: 'ether' },
    type: { name: 'Type', type: 'uint16', base: 'hex', vals: ETHERTYPES },
    len: { name: 'Length', type: 'uint16' },
    padding: { name: 'Padding', type: 'bytes' },
    trailer: { name: 'Trailer', type: 'bytes' },
    'dst.lg': { name: 'LG bit', type: 'bool', mask: 0x20000, maskWidth: 24, tfs: ['Locally administered address (this is NOT the factory default)', 'Globally unique address (factory default)'] },
    'dst.ig': { name: 'IG bit', type: 'bool', mask: 0x10000, maskWidth: 24, tfs: ['Group address (multicast/broadcast)', 'Individual address (unicast)'] },
    'src.lg': { name: 'LG bit', type: 'bool', mask: 0x20000, maskWidth: 24, tfs: ['Locally administered address (this is NOT the factory default)', 'Globally unique address (factory default)'] },
    'src.ig': { name: 'IG bit', type: 'bool', mask: 0x10000, maskWidth: 24, tfs: ['Group address (multicast/broadcast)', 'Individual address (unicast)'] },
  });
  const vproto = reg.protocol('vlan', '802.1Q Virtual LAN');
  const v = reg.fields('vlan', {
    priority: { name: 'Priority', type: 'uint16', mask: 0xe000, maskWidth: 16 },
    dei: { name: 'DEI', type: 'bool', mask: 0x1000, maskWidth: 16, tfs: ['Eligible', 'Ineligible'] },
    id: { name: 'ID', type: 'uint16', mask: 0xfff, maskWidth: 16 },
    etype: { name: 'Type', type: 'uint16', base: 'hex', vals: ETHERTYPES },
    len: { name: 'Length', type: 'uint16' },
    trailer: { name: 'Trailer', type: 'bytes' },
  });
  const trailerIds = [f.padding, f.trailer];
  const addrIds = [f.dst, f.src, f.addr, f['dst.lg'], f['dst.ig'], f['src.lg'], f['src.ig'], reg.protocol('eth', 'Ethernet')];
  const ethertypeProto = reg.protocol('ethertype', 'Ethertype');
  // IEEE 802.1ad service tags (0x88a8) are their own protocol in Wireshark
  const adProto = reg.protocol('ieee8021ad', 'IEEE 802.1ad');
  const ad = reg.fields('ieee8021ad', {
    priority: { name: 'Priority', type: 'uint16', mask: 0xe000, maskWidth: 16 },
    dei: { name: 'DEI', type: 'uint16', mask: 0x1000, maskWidth: 16 },
    id: { name: 'ID', type: 'uint16', mask: 0xfff, maskWidth: 16 },
  });

  /**
   * Dissects what follows an EtherType (the type field itself is already in the tree),
   * including 802.1Q tags; returns the bytes the payload protocol consumed.
   */
  function next(p: Packet, type: number, data: Uint8Array, off: number, end: number): number {
    if (type <= 1500) return dataDissector(p, data, off, Math.min(end, off + type));
    p.protocols.push('ethertype');
    if (type === 0x88a8) {
      if (end - off < 4) return 0;
      p.protocols.push('ieee8021ad');
      const tci = u16(data, off);
      const et = u16(data, off + 2);
      p.proto(adProto, data, off, 4, () => `IEEE 802.1ad, ID: ${tci & 0xfff}`);
      p.add(ad.priority, tci >> 13, off, 2);
      p.add(ad.dei, (tci >> 12) & 1, off, 2);
      p.add(ad.id, tci & 0xfff, off, 2);
      p.close();
      return 4 + next(p, et, data, off + 4, end);
    }
    if (type === 0x8100 || type === 0x9100) {
      if (end - off < 4) return 0;
      p.protocols.push('vlan');
      const tci = u16(data, off);
      const et = u16(data, off + 2);
      p.proto(vproto, data, off, 4, () => `802.1Q Virtual LAN, PRI: ${tci >> 13}, DEI: ${(tci >> 12) & 1}, ID: ${tci & 0xfff}`);
      p.add(v.priority, tci >> 13, off, 2);
      p.add(v.dei, ((tci >> 12) & 1) === 1, off, 2);
      p.add(v.id, tci & 0xfff, off, 2);
      p.add(et <= 1500 ? v.len : v.etype, et, off + 2, 2);
      p.close();
      return 4 + next(p, et, data, off + 4, end);
    }
    if (p.wants(ethertypeProto)) p.add(ethertypeProto, data.subarray(off, end), off, end - off, HIDDEN);
    const d = types.get(type);
    return d ? d(p, data, off, end) : dataDissector(p, data, off, end);
  }

  const dissect: Dissector = (p, data, off, end) => {
    p.colProtocol = 'Ethernet';
    if (end - off < 14) return 0;
    const type = u16(data, off + 12);
    p.protocols.push('eth');
    // the address views are only made for someone who reads them
    const full = p.tree || p.wantsAny(addrIds);
    const dst = full ? data.subarray(off, off + 6) : undefined;
    const src = full ? data.subarray(off + 6, off + 12) : undefined;
    // the columns as text only if printed (IP usually replaces them)
    if (p.wantCols) p.setAddrColumns(new EtherCols(data, off));
    const node = p.proto(proto, data, off, 14, full ? ethLabel(src!, dst!) : undefined);
    if (full) {
      p.open(f.dst, dst!, off, 6);
      if (p.tree || p.wants(f['dst.lg'])) {
        p.add(f['dst.lg'], (dst![0]! & 2) !== 0, off, 3);
        p.add(f['dst.ig'], (dst![0]! & 1) !== 0, off, 3);
      }
      p.close();
      p.open(f.src, src!, off + 6, 6);
      if (p.tree || p.wants(f['src.lg'])) {
        p.add(f['src.lg'], (src![0]! & 2) !== 0, off + 6, 3);
        p.add(f['src.ig'], (src![0]! & 1) !== 0, off + 6, 3);
      }
      p.close();
      if (p.wants(f.addr)) {
        p.add(f.addr, dst!, off, 6, HIDDEN);
        p.add(f.addr, src!, off + 6, 6, HIDDEN);
      }
    }
    p.add(type <= 1500 ? f.len : f.type, type, off + 12, 2);
    p.close();
    const used = 14 + next(p, type, data, off + 14, end);
    const rest = end - off - used;
    if (rest > 0 && used > 14 && p.wantsAny(trailerIds)) {
      p.enter(node);
      // bytes after the payload: padding up to the 60-byte minimum, the rest is a trailer
      const padEnd = Math.min(end, Math.max(off + used, off + 60));
      if (padEnd > off + used) p.add(f.padding, data.subarray(off + used, padEnd), off + used, padEnd - off - used);
      if (end > padEnd) p.add(f.trailer, data.subarray(padEnd, end), padEnd, end - padEnd);
      p.close();
    }
    return end - off;
  };
  return { dissect, next, fields: f };
}
