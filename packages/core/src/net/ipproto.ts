import type { TransportDissector } from '../dissect.ts';

export const IP_PROTOS: Record<number, string> = {
  0: 'IPv6 Hop-by-Hop Option', 1: 'ICMP', 2: 'IGMP', 4: 'IPIP', 6: 'TCP', 17: 'UDP', 41: 'IPv6', 43: 'Routing Header for IPv6',
  44: 'Fragment Header for IPv6', 47: 'Generic Routing Encapsulation', 50: 'Encap Security Payload', 51: 'Authentication Header',
  58: 'ICMPv6', 59: 'IPv6 No Next Header', 60: 'Destination Options for IPv6', 89: 'OSPF IGP', 103: 'PIM', 112: 'Virtual Router Redundancy Protocol',
  132: 'SCTP', 136: 'UDPLite',
};

/** Short names used in "Fragmented IP protocol (proto=TCP 6, …)". */
export const IP_PROTO_SHORT: Record<number, string> = { 1: 'ICMP', 2: 'IGMP', 6: 'TCP', 17: 'UDP', 41: 'IPv6', 47: 'GRE', 50: 'ESP', 51: 'AH', 58: 'ICMPv6', 132: 'SCTP' };

/** Dispatch by IP protocol number, shared by IPv4 and IPv6. */
export class IpProtoTable {
  private readonly table = new Map<number, TransportDissector>();
  set(proto: number, d: TransportDissector): void {
    this.table.set(proto, d);
  }
  get(proto: number): TransportDissector | undefined {
    return this.table.get(proto);
  }
}
