import type { Packet } from './packet.ts';
import type { NetInfo } from './net/types.ts';

/**
 * A dissector gets the packet, the bytes of the current data source and the range
 * [offset, end) that belongs to it. It returns how many bytes it consumed (0 = not mine).
 */
export type Dissector = (p: Packet, data: Uint8Array, offset: number, end: number) => number;

/** Transport dissectors also get the network layer's addresses. */
export type TransportDissector = (p: Packet, data: Uint8Array, offset: number, end: number, net: NetInfo) => number;
