import type { Registry } from '../../fields/registry.ts';
import type { AbsTime, FieldValue } from '../../fields/types.ts';
import type { Packet } from '../../packet.ts';

/**
 * The model behind Wireshark's Flow Graph (Statistics → Flow Graph) and tshark's
 * `-z flow,<type>,<addresses>`: endpoints become columns, each packet an arrow.
 *
 * - `tcp` ("TCP Flows"): TCP packets only; label = the TCP flags (`SYN, ACK`,
 *   `PSH, ACK - Len: 263`), comment = `Seq = N Ack = M` (relative numbers).
 * - `any` ("All Flows"): every packet with addresses; label = the Info column,
 *   comment = `Protocol: Info`, so TLS handshake messages and decrypted HTTP show.
 */
export type FlowType = 'tcp' | 'any';

/**
 * tshark's address choice. Both are the IP addresses for IP traffic. `network` uses the
 * packet's source/destination as the columns show them (a MAC address for ARP);
 * `standard` takes the network-layer addresses only, so frames without an IP layer
 * are left out. (tshark's own names are inverted in its code — "standard" sets
 * `any_addr` — but the behaviour is this.)
 */
export type FlowAddresses = 'network' | 'standard';

/** What a column stands for: an address (Wireshark, tshark) or an address and port. */
export type FlowNodeKey = 'address' | 'endpoint';

export interface FlowOptions {
  type?: FlowType;
  addresses?: FlowAddresses;
  nodes?: FlowNodeKey;
}

export interface FlowNode {
  /** Column index, left to right in order of first appearance. */
  readonly index: number;
  readonly address: string;
  /** The port when nodes are keyed by endpoint. */
  readonly port?: number;
  /** Header text: the address, or "address:port" ("[v6]:port"). */
  readonly label: string;
}

export interface FlowItem {
  readonly frame: number;
  readonly ts: AbsTime;
  /** The time as the Time column shows it (relative seconds by default). */
  readonly time: string;
  readonly srcAddr: string;
  readonly dstAddr: string;
  /** 0 when the packet has no ports (like tshark's "(0)"). */
  readonly srcPort: number;
  readonly dstPort: number;
  /** Column indices of the source and destination; filled by `FlowBuilder.graph()`. */
  src: number;
  dst: number;
  /** The arrow's text. */
  readonly label: string;
  /** The comment column. */
  readonly comment: string;
  /** The Protocol column (also for `tcp` flows, for colouring). */
  readonly protocol: string;
  /** Conversation: the TCP stream for `tcp` flows, 0 for `any` (as tshark). */
  readonly conv: number;
  /** TCP flags when the packet has a TCP header (for styling SYN/FIN/RST). */
  readonly tcpFlags?: number;
}

export interface FlowGraph {
  readonly type: FlowType;
  readonly addresses: FlowAddresses;
  readonly nodeKey: FlowNodeKey;
  readonly nodes: readonly FlowNode[];
  readonly items: readonly FlowItem[];
}

const FLAG_NAMES = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR', 'AE'];
export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_ACK = 0x10;

/** TCP flags as Wireshark's tcp_flags_to_str writes them ("SYN, ACK", "<None>"). */
export function tcpFlagsText(flags: number): string {
  const parts: string[] = [];
  for (let i = 0; i < 9; i++) if (flags & (1 << i)) parts.push(FLAG_NAMES[i]!);
  if (flags & 0xe00) parts.push('Reserved');
  return parts.length ? parts.join(', ') : '<None>';
}

/** "address:port", with brackets around IPv6 addresses. */
export function endpointText(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

function num(v: readonly FieldValue[] | undefined, last = false): number | undefined {
  if (!v || v.length === 0) return undefined;
  const x = v[last ? v.length - 1 : 0];
  return typeof x === 'number' ? x : typeof x === 'bigint' ? Number(x) : undefined;
}

/** True when the packet's TCP header is one quoted inside an ICMP/ICMPv6 error. */
function quotedTcp(p: Packet): boolean {
  const t = p.protocols.indexOf('tcp');
  const i = p.protocols.findIndex((x) => x === 'icmp' || x === 'icmpv6');
  return i >= 0 && i < t;
}

/**
 * Collects flow items packet by packet. Tell the engine to keep `fields` (and the
 * columns), feed every displayed packet to `add`, then call `graph()`.
 */
export class FlowBuilder {
  readonly type: FlowType;
  readonly addresses: FlowAddresses;
  readonly nodeKey: FlowNodeKey;
  /** Field ids the builder reads: mark them wanted in the dissection. */
  readonly fields: readonly number[];
  /** The builder reads the Source/Destination/Protocol/Info columns. */
  readonly needsColumns = true;
  private readonly items: FlowItem[] = [];
  private readonly id: {
    tcpFlags: number; tcpSeq: number; tcpAck: number; tcpLen: number; tcpStream: number; tcpSrc: number; tcpDst: number;
    udpSrc: number; udpDst: number; ipSrc: number; ip6Src: number;
  };

  constructor(reg: Registry, opts: FlowOptions = {}) {
    this.type = opts.type ?? 'any';
    this.addresses = opts.addresses ?? 'network';
    this.nodeKey = opts.nodes ?? 'address';
    const id = (name: string) => reg.find(name)?.id ?? -1;
    this.id = {
      tcpFlags: id('tcp.flags'), tcpSeq: id('tcp.seq'), tcpAck: id('tcp.ack'), tcpLen: id('tcp.len'), tcpStream: id('tcp.stream'),
      tcpSrc: id('tcp.srcport'), tcpDst: id('tcp.dstport'), udpSrc: id('udp.srcport'), udpDst: id('udp.dstport'),
      ipSrc: id('ip.src'), ip6Src: id('ipv6.src'),
    };
    this.fields = Object.values(this.id).filter((x) => x >= 0);
  }

  /** Adds one packet (if it belongs in this kind of flow); `time` is its Time column text. */
  add(p: Packet, time: string): FlowItem | undefined {
    const { id } = this;
    let flagsV = num(p.values(id.tcpFlags));
    // a TCP header quoted in an ICMP error is no TCP packet (Wireshark's tcp tap skips it)
    if (flagsV !== undefined && quotedTcp(p)) flagsV = undefined;
    if (this.type === 'tcp' && flagsV === undefined) return undefined;
    if (p.colSrc === '' || p.colDst === '') return undefined;
    if (this.addresses === 'standard' && !p.has(id.ipSrc) && !p.has(id.ip6Src)) return undefined;
    // the ports of the innermost transport layer (pinfo->srcport)
    const tcpPort = p.has(id.tcpSrc);
    const srcPort = num(p.values(tcpPort ? id.tcpSrc : id.udpSrc), true) ?? 0;
    const dstPort = num(p.values(tcpPort ? id.tcpDst : id.udpDst), true) ?? 0;
    let label: string;
    let comment: string;
    let conv = 0;
    if (this.type === 'tcp') {
      const flags = flagsV!;
      const len = num(p.values(id.tcpLen));
      const fl = tcpFlagsText(flags);
      label = len ? `${fl} - Len: ${len}` : fl;
      const seq = num(p.values(id.tcpSeq)) ?? 0;
      comment = flags & TCP_ACK ? `Seq = ${seq} Ack = ${num(p.values(id.tcpAck)) ?? 0}` : `Seq = ${seq}`;
      conv = num(p.values(id.tcpStream)) ?? 0;
    } else {
      label = p.colInfo;
      comment = p.colProtocol ? `${p.colProtocol}: ${p.colInfo}` : p.colInfo;
    }
    const item: FlowItem = {
      frame: p.num, ts: p.ts, time, srcAddr: p.colSrc, dstAddr: p.colDst, srcPort, dstPort,
      src: -1, dst: -1, label, comment, protocol: p.colProtocol, conv,
      ...(flagsV !== undefined ? { tcpFlags: flagsV } : {}),
    };
    this.items.push(item);
    return item;
  }

  /** The graph so far: nodes in order of first appearance (source before destination). */
  graph(): FlowGraph {
    const nodes: FlowNode[] = [];
    const index = new Map<string, number>();
    const node = (addr: string, port: number): number => {
      const key = this.nodeKey === 'endpoint' ? endpointText(addr, port) : addr;
      let i = index.get(key);
      if (i === undefined) {
        i = nodes.length;
        index.set(key, i);
        nodes.push(this.nodeKey === 'endpoint' ? { index: i, address: addr, port, label: key } : { index: i, address: addr, label: addr });
      }
      return i;
    };
    for (const it of this.items) {
      it.src = node(it.srcAddr, it.srcPort);
      it.dst = node(it.dstAddr, it.dstPort);
    }
    return { type: this.type, addresses: this.addresses, nodeKey: this.nodeKey, nodes, items: this.items };
  }
}
