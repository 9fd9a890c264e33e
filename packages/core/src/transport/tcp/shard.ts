/**
 * A parallel read's shortcut (Engine.skim): which shard owns an Ethernet frame's TCP segment,
 * read straight from its bytes, for the frames the dissectors would take exactly this way.
 */
import { u16, u32 } from '../../bytes/read.ts';
import type { Tcp } from './tcp.ts';

/**
 * The owning shard of the TCP segment in Ethernet frame `d` (IPv4 unfragmented, or IPv6 with TCP
 * right after the fixed header; no SYN), or -1: not such a segment, or a conversation whose
 * identity a segment could still change (Tcp.shardOwner4/6).
 */
export function segmentShard(d: Uint8Array, tcp: Tcp): number {
  if (d.length < 54) return -1;
  if (d[12] === 0x08 && d[13] === 0x00) {
    const vhl = d[14]!;
    const hl = (vhl & 15) * 4;
    if (vhl >> 4 !== 4 || hl < 20 || 14 + hl + 20 > d.length || d[23] !== 6 || (u16(d, 20) & 0x3fff) !== 0) return -1;
    // the IP payload's end as the IPv4 dissector computes it
    const totLen = u16(d, 16);
    const t = 14 + hl;
    if (!plainSegment(d, t, totLen === 0 || totLen < hl ? d.length : Math.min(d.length, 14 + totLen))) return -1;
    return tcp.shardOwner4(u32(d, 26), u16(d, t), u32(d, 30), u16(d, t + 2));
  }
  if (d[12] === 0x86 && d[13] === 0xdd) {
    if (d.length < 74 || d[14]! >> 4 !== 6 || d[20] !== 6) return -1;
    const plen = u16(d, 18);
    if (!plainSegment(d, 54, plen === 0 ? d.length : Math.min(d.length, 54 + plen))) return -1;
    return tcp.shardOwner6(d.subarray(22, 38), u16(d, 54), d.subarray(38, 54), u16(d, 56));
  }
  return -1;
}

/**
 * A TCP segment at `t` that the TCP dissector would take as it is (header complete before the
 * IP payload's end `ipEnd`) and that cannot start a new conversation (no SYN).
 */
function plainSegment(d: Uint8Array, t: number, ipEnd: number): boolean {
  if (ipEnd - t < 20) return false;
  const thl = (d[t + 12]! >> 4) * 4;
  return thl >= 20 && t + thl <= ipEnd && (d[t + 13]! & 0x02) === 0;
}
