/** Test helpers: crafted Ethernet/IP/UDP/ICMP frames and pcap files (test code only). */
import { Engine } from '../../engine.ts';
import { fieldText } from '../../fields/format.ts';
import type { Packet } from '../../packet.ts';

export const hex = (s: string): number[] => (s.replace(/[^0-9a-f]/gi, '').match(/../g) ?? []).map((x) => parseInt(x, 16));
export const be16 = (n: number): number[] => [(n >> 8) & 255, n & 255];
export const be32 = (n: number): number[] => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
export const ip4b = (a: string): number[] => a.split('.').map(Number);
export function ip6b(a: string): number[] {
  const [l, r] = a.split('::') as [string, string | undefined];
  const L = l ? l.split(':') : [];
  const R = r ? r.split(':') : [];
  const g = [...L, ...Array(8 - L.length - R.length).fill('0'), ...R];
  return g.flatMap((x) => be16(parseInt(x || '0', 16)));
}

export function checksum(b: number[], initial = 0): number {
  let s = initial;
  for (let i = 0; i < b.length; i += 2) s += (b[i]! << 8) | (b[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 65536);
  return ~s & 0xffff;
}

export function eth(payload: number[], type = 0x0800, src = '00:11:22:33:44:55', dst = '66:55:44:33:22:11'): number[] {
  return [...hex(dst), ...hex(src), ...be16(type), ...payload];
}

export function ipv4(src: string, dst: string, proto: number, payload: number[], ttl = 64): number[] {
  const h = [0x45, 0, ...be16(20 + payload.length), 0, 1, 0x40, 0, ttl, proto, 0, 0, ...ip4b(src), ...ip4b(dst)];
  const c = checksum(h);
  h[10] = c >> 8;
  h[11] = c & 255;
  return [...h, ...payload];
}

export function ipv6(src: string, dst: string, nxt: number, payload: number[], hlim = 64): number[] {
  return [0x60, 0, 0, 0, ...be16(payload.length), nxt, hlim, ...ip6b(src), ...ip6b(dst), ...payload];
}

export function udp(sp: number, dp: number, data: number[]): number[] {
  return [...be16(sp), ...be16(dp), ...be16(8 + data.length), 0, 0, ...data];
}

export function icmp(type: number, code: number, rest: number[], data: number[] = []): number[] {
  const b = [type, code, 0, 0, ...rest, ...data];
  const c = checksum(b);
  b[2] = c >> 8;
  b[3] = c & 255;
  return b;
}

export function icmp6(src: string, dst: string, type: number, code: number, body: number[]): number[] {
  const b = [type, code, 0, 0, ...body];
  const ph = [...ip6b(src), ...ip6b(dst), ...be32(b.length), 0, 0, 0, 58];
  const c = checksum([...ph, ...b]);
  b[2] = c >> 8;
  b[3] = c & 255;
  return ipv6(src, dst, 58, b);
}

export function dnsName(...labels: string[]): number[] {
  const out: number[] = [];
  for (const l of labels) out.push(l.length, ...[...l].map((c) => c.charCodeAt(0)));
  out.push(0);
  return out;
}

/** Dissects frames in order (tree and columns on); `v(n, abbrev)` gives frame n's values as tshark prints them. */
export function run(frames: number[][], start = 1_700_000_000): { packets: Packet[]; v: (n: number, abbrev: string) => string[]; info: (n: number) => string } {
  const engine = new Engine();
  const packets = frames.map((f, i) =>
    engine.dissect({ data: Uint8Array.from(f), origLen: f.length, ts: { s: start + i, ns: 250_000_000 * (i % 4) }, linktype: 1, ifaceId: 0, fileOffset: 0 }, i + 1, { tree: true, columns: true }),
  );
  const v = (n: number, abbrev: string): string[] => {
    const f = engine.reg.lookup(abbrev);
    return (packets[n - 1]!.values(f.id) ?? []).map((x) => fieldText(f, x));
  };
  return { packets, v, info: (n) => packets[n - 1]!.colInfo };
}

/** Writes a classic pcap file (Ethernet) from frames; timestamps 1 s apart. */
export function pcapBytes(frames: number[][], start = 1_700_000_000): Uint8Array {
  const out: number[] = [];
  const le32 = (n: number) => [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255];
  out.push(...le32(0xa1b2c3d4), 2, 0, 4, 0, ...le32(0), ...le32(0), ...le32(65535), ...le32(1));
  frames.forEach((f, i) => out.push(...le32(start + i), ...le32(250_000 * (i % 4)), ...le32(f.length), ...le32(f.length), ...f));
  return Uint8Array.from(out);
}
