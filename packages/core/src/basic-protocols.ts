import type { Dissector } from './dissect.ts';
import type { Engine } from './engine.ts';
import { createDns } from './app/dns/dns.ts';
import { createArp } from './link/arp.ts';
import { createIcmp } from './net/icmp.ts';
import { createIcmpv6 } from './net/icmpv6.ts';
import { IpProtoTable } from './net/ipproto.ts';
import { createIpv4 } from './net/ipv4.ts';
import { createIpv6 } from './net/ipv6.ts';

/**
 * Registers ARP, ICMP, ICMPv6 and DNS with the engine's dispatch tables
 * (engine.ethertypes, engine.ipProtos, engine.udp.port(...)).
 */
export function registerBasicProtocols(engine: Engine): void {
  const reg = engine.reg;
  const arp = createArp(reg);
  engine.ethertypes.set(0x0806, arp.dissect);
  engine.ethertypes.set(0x8035, arp.dissect);

  // The packet quoted in an ICMP error goes through its own IP instances (own fragment
  // tables, NetInfo.inError set) whose protocol table runs UDP (and so DNS) and TCP like
  // Wireshark; TCP then only looks the stream up and changes no state.
  const inner = new IpProtoTable();
  let inner4: Dissector | undefined;
  let inner6: Dissector | undefined;
  const ip4 = createIpv4(reg, inner, engine.dataDissector, () => inner6!, { inError: true });
  const ip6 = createIpv6(reg, inner, engine.dataDissector, () => inner4!, { inError: true });
  inner4 = ip4.dissect;
  inner6 = ip6.dissect;

  const icmp = createIcmp(reg, { innerIp: () => inner4!, data: engine.dataDissector });
  const icmpv6 = createIcmpv6(reg, { innerIp6: () => inner6!, data: engine.dataDissector });
  engine.ipProtos.set(1, icmp.dissect);
  engine.ipProtos.set(58, icmpv6.dissect);
  inner.set(1, icmp.dissectInner);
  inner.set(58, icmpv6.dissectInner);
  inner.set(17, engine.udp.dissect);
  // TCP knows the quoted-packet mode (NetInfo.inError): stream lookup, raw numbers, no analysis
  inner.set(6, engine.tcp.dissect);

  const dns = createDns(reg);
  engine.udp.port(53, dns.udp('dns'));
  engine.udp.port(5353, dns.udp('mdns'));
  engine.udp.port(5355, dns.udp('llmnr'));
}
