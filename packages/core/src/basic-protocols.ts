import type { Dissector, TransportDissector } from './dissect.ts';
import type { Engine } from './engine.ts';
import { createDns } from './app/dns/dns.ts';
import { createArp } from './link/arp.ts';
import { createIcmp } from './net/icmp.ts';
import { createIcmpv6 } from './net/icmpv6.ts';
import { IpProtoTable } from './net/ipproto.ts';
import { createIpv4 } from './net/ipv4.ts';
import { createIpv6 } from './net/ipv6.ts';
import { u16, u32 } from './bytes/read.ts';
import { registerTcpFields } from './transport/tcp/fields.ts';
import { GENERATED, HIDDEN } from './packet.ts';

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
  // tables) whose protocol table runs UDP (and so DNS) like Wireshark, but only shows the
  // TCP header: the real TCP dissector would count the quote as a segment of its stream.
  const inner = new IpProtoTable();
  let inner4: Dissector | undefined;
  let inner6: Dissector | undefined;
  const ip4 = createIpv4(reg, inner, engine.dataDissector, () => inner6!);
  const ip6 = createIpv6(reg, inner, engine.dataDissector, () => inner4!);
  inner4 = ip4.dissect;
  inner6 = ip6.dissect;

  const icmp = createIcmp(reg, { innerIp: () => inner4!, data: engine.dataDissector });
  const icmpv6 = createIcmpv6(reg, { innerIp6: () => inner6!, data: engine.dataDissector });
  engine.ipProtos.set(1, icmp.dissect);
  engine.ipProtos.set(58, icmpv6.dissect);
  inner.set(1, icmp.dissectInner);
  inner.set(58, icmpv6.dissectInner);
  inner.set(17, engine.udp.dissect);
  inner.set(6, quotedTcp(engine));

  const dns = createDns(reg);
  engine.udp.port(53, dns.udp('dns'));
  engine.udp.port(5353, dns.udp('mdns'));
  engine.udp.port(5355, dns.udp('llmnr'));
}

/** The start of a TCP header quoted inside an ICMP error: header fields only, no stream state. */
function quotedTcp(engine: Engine): TransportDissector {
  const reg = engine.reg;
  const proto = reg.protocol('tcp', 'Transmission Control Protocol');
  const f = registerTcpFields(reg);
  return (p, data, off, end) => {
    const len = end - off;
    if (len < 4) return 0;
    p.protocols.push('tcp');
    const sp = u16(data, off);
    const dp = u16(data, off + 2);
    const seq = len >= 8 ? u32(data, off + 4) : undefined;
    const full = len >= 20;
    const fl = full ? u16(data, off + 12) & 0xfff : 0;
    const ack = full ? u32(data, off + 8) : 0;
    p.open(proto, data.subarray(off, end), off, len, 0, () => `Transmission Control Protocol, Src Port: ${sp}, Dst Port: ${dp}${full ? `, Seq: ${seq}` : ''}${full && fl & 0x10 ? `, Ack: ${ack}` : ''}`);
    p.add(f.srcport, sp, off, 2);
    p.add(f.dstport, dp, off + 2, 2);
    if (p.wants(f.port)) {
      p.add(f.port, sp, off, 2, HIDDEN);
      p.add(f.port, dp, off + 2, 2, HIDDEN);
    }
    if (seq !== undefined) p.add(f.seq, seq, off + 4, 4);
    if (full) {
      p.add(f.ack, ack, off + 8, 4);
      p.add(f.hdr_len, (data[off + 12]! >> 4) * 4, off + 12, 1);
      p.add(f.flags, fl, off + 12, 2);
      p.add(f.window_size_value, u16(data, off + 14), off + 14, 2);
      p.add(f.checksum, u16(data, off + 16), off + 16, 2);
      p.add(f['checksum.status'], 2, off + 16, 0, GENERATED);
    }
    p.close();
    return len;
  };
}
