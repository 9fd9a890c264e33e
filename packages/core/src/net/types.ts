import { ipv4Text, ipv6Text } from '../fields/format.ts';
import { u32 } from '../bytes/read.ts';

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
  /** The packet is the one quoted inside an ICMP error (no stream state changes). */
  readonly inError?: boolean;
  /** IPv4 only (optional): the addresses as unsigned 32-bit numbers. */
  readonly src4?: number;
  readonly dst4?: number;
}

/** NetInfo with the printable forms computed on first use. */
export class NetAddrs implements NetInfo {
  private s?: string;
  private d?: string;
  constructor(readonly version: 4 | 6, readonly src: Uint8Array, readonly dst: Uint8Array, readonly ttl: number, readonly inError = false) {}
  get srcText(): string {
    return (this.s ??= this.version === 4 ? ipv4Text(u32(this.src, 0)) : ipv6Text(this.src));
  }
  get dstText(): string {
    return (this.d ??= this.version === 4 ? ipv4Text(u32(this.dst, 0)) : ipv6Text(this.dst));
  }
}

/** An IPv4 header's NetInfo: the address views are made only for someone who reads them. */
export class Net4Addrs implements NetInfo {
  readonly version = 4;
  private s?: string;
  private d?: string;
  constructor(private readonly data: Uint8Array, private readonly off: number, readonly src4: number, readonly dst4: number, readonly ttl: number, readonly inError = false) {}
  get src(): Uint8Array {
    return this.data.subarray(this.off + 12, this.off + 16);
  }
  get dst(): Uint8Array {
    return this.data.subarray(this.off + 16, this.off + 20);
  }
  get srcText(): string {
    return (this.s ??= ipv4Text(this.src4));
  }
  get dstText(): string {
    return (this.d ??= ipv4Text(this.dst4));
  }
}
