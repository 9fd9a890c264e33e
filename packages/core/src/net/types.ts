/** What the network layer hands to the transport dissectors. */
export interface NetInfo {
  readonly version: 4 | 6;
  /** Source and destination addresses as raw bytes (4 or 16). */
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  /** Printable addresses ("10.0.0.1", "2001:db8::1"). */
  readonly srcText: string;
  readonly dstText: string;
  /** IPv4 TTL / IPv6 hop limit. */
  readonly ttl: number;
}
