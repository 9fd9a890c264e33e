import { u16, u32, u32le } from '../bytes/read.ts';
import type { Dissector } from '../dissect.ts';
import type { Registry } from '../fields/registry.ts';
import { etherText, hexBytes } from '../fields/format.ts';
import type { Packet } from '../packet.ts';
import { ETHERTYPES } from './ethernet.ts';

const PKTTYPES: Record<number, string> = { 0: 'Unicast to us', 1: 'Broadcast', 2: 'Multicast', 3: 'Unicast to another host', 4: 'Sent by us' };

/**
 * Linux cooked captures: SLL (LINKTYPE 113, 16-byte header) and SLL2 (LINKTYPE 276,
 * 20-byte header with interface index). Both carry an EtherType-like protocol field.
 */
export function createSll(reg: Registry, next: (p: Packet, type: number, data: Uint8Array, off: number, end: number) => number) {
  const proto = reg.protocol('sll', 'Linux cooked capture');
  const f = reg.fields('sll', {
    pkttype: { name: 'Packet type', type: 'uint16', vals: PKTTYPES },
    hatype: { name: 'Link-layer address type', type: 'uint16' },
    halen: { name: 'Link-layer address length', type: 'uint16' },
    'src.eth': { name: 'Source', type: 'ether' },
    'src.other': { name: 'Source', type: 'bytes' },
    unused: { name: 'Unused', type: 'bytes' },
    etype: { name: 'Protocol', type: 'uint16', base: 'hex', vals: ETHERTYPES },
    ltype: { name: 'Protocol', type: 'uint16', base: 'hex' },
    ifindex: { name: 'Interface index', type: 'uint32' },
  });

  function addr(p: Packet, data: Uint8Array, off: number, halen: number, hatype: number): string {
    const n = Math.min(halen, 8);
    const a = data.subarray(off, off + n);
    if (n === 6 && (hatype === 1 || hatype === 772)) {
      p.add(f['src.eth'], a, off, 6);
      return etherText(a);
    }
    if (n > 0) p.add(f['src.other'], a, off, n);
    if (n < 8) p.add(f.unused, data.subarray(off + n, off + 8), off + n, 8 - n);
    return hexBytes(a, ':');
  }

  function payload(p: Packet, type: number, data: Uint8Array, off: number, end: number, typeOff: number): void {
    if (type === 0x0001 || type === 0x0004 || type === 0x000c || type === 0x0060) {
      // non-EtherType protocols (802.3, 802.2 LLC, PPP...) are not dissected further
      p.add(f.ltype, type, typeOff, 2);
      return;
    }
    p.add(f.etype, type, typeOff, 2);
  }

  const sll: Dissector = (p, data, off, end) => {
    p.colProtocol = 'SLL';
    if (end - off < 16) return 0;
    p.protocols.push('sll');
    const pkttype = u16(data, off);
    const hatype = u16(data, off + 2);
    const halen = u16(data, off + 4);
    const type = u16(data, off + 14);
    let src = '';
    p.proto(proto, data, off, 16, () => `Linux cooked capture v1`);
    p.add(f.pkttype, pkttype, off, 2);
    p.add(f.hatype, hatype, off + 2, 2);
    p.add(f.halen, halen, off + 4, 2);
    src = addr(p, data, off + 6, halen, hatype);
    payload(p, type, data, off + 16, end, off + 14);
    p.close();
    if (p.wantCols) p.colSrc = src;
    next(p, type, data, off + 16, end);
    return end - off;
  };

  const sll2: Dissector = (p, data, off, end) => {
    p.colProtocol = 'SLL';
    if (end - off < 20) return 0;
    p.protocols.push('sll');
    const type = u16(data, off);
    const ifindex = u32(data, off + 4);
    const hatype = u16(data, off + 8);
    const pkttype = data[off + 10]!;
    const halen = data[off + 11]!;
    p.proto(proto, data, off, 20, () => `Linux cooked capture v2`);
    payload(p, type, data, off + 20, end, off);
    p.add(f.ifindex, ifindex, off + 4, 4);
    p.add(f.hatype, hatype, off + 8, 2);
    p.add(f.pkttype, pkttype, off + 10, 1);
    p.add(f.halen, halen, off + 11, 1);
    const src = addr(p, data, off + 12, halen, hatype);
    p.close();
    if (p.wantCols) p.colSrc = src;
    next(p, type, data, off + 20, end);
    return end - off;
  };
  return { sll, sll2 };
}

/** BSD loopback (LINKTYPE_NULL 0, host byte order; LINKTYPE_LOOP 108, network order). */
export function createNull(reg: Registry, ipv4: Dissector, ipv6: Dissector, data_: Dissector) {
  const proto = reg.protocol('null', 'Null/Loopback');
  const f = reg.fields('null', {
    family: { name: 'Family', type: 'uint32', vals: { 2: 'IP', 24: 'IPv6', 28: 'IPv6', 30: 'IPv6' } },
    type: { name: 'Type', type: 'uint16', base: 'hex', vals: ETHERTYPES },
  });
  function make(networkOrder: boolean): Dissector {
    return (p, data, off, end) => {
      p.colProtocol = 'NULL';
      if (end - off < 4) return 0;
      p.protocols.push('null');
      let fam = networkOrder ? u32(data, off) : u32le(data, off);
      // a capture written on a host with the other byte order: the family fits in the other half
      if (!networkOrder && fam > 0xffff && (fam & 0xffff) === 0) fam = u32(data, off);
      p.proto(proto, data, off, 4, () => 'Null/Loopback');
      p.add(f.family, fam, off, 4);
      p.close();
      if (fam === 2) ipv4(p, data, off + 4, end);
      else if (fam === 24 || fam === 28 || fam === 30 || fam === 10 || fam === 23) ipv6(p, data, off + 4, end);
      else data_(p, data, off + 4, end);
      return end - off;
    };
  }
  return { null: make(false), loop: make(true) };
}

/** Raw IP link types: the version nibble picks IPv4 or IPv6. */
export function createRaw(reg: Registry, ipv4: Dissector, ipv6: Dissector, data_: Dissector): Dissector {
  reg.protocol('raw', 'Raw packet data');
  return (p, data, off, end) => {
    p.protocols.push('raw');
    p.colProtocol = 'Raw';
    if (end <= off) return 0;
    const v = data[off]! >> 4;
    if (v === 4) ipv4(p, data, off, end);
    else if (v === 6) ipv6(p, data, off, end);
    else data_(p, data, off, end);
    return end - off;
  };
}
