import type { DetectedFormat } from './types.ts';

/**
 * Tell the format of an input from its first bytes (4 are enough; 2 tell gzip).
 * pcap's modified (Kuznetsov, magic a1b2cd34) variant reports 'pcap'.
 */
export function detectFormat(firstBytes: Uint8Array): DetectedFormat | undefined {
  const b = firstBytes;
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
  if (b.length < 4) return undefined;
  const m = ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
  switch (m) {
    case 0xa1b2c3d4: case 0xd4c3b2a1: case 0xa1b2cd34: case 0x34cdb2a1:
      return 'pcap';
    case 0xa1b23c4d: case 0x4d3cb2a1:
      return 'pcap-nsec';
    case 0x0a0d0d0a:
      return 'pcapng';
    default:
      return undefined;
  }
}
