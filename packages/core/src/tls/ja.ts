/**
 * JA3/JA3S (as tshark 4.0 computes them: GREASE left out) and JA4 (FoxIO's JA4 client
 * fingerprint, BSD-3 spec) from the parsed hello messages.
 */
import { md5Hex, sha256Hex } from './hash.ts';
import { isGrease } from './registry/index.ts';

/** What the hello parsers collect for the fingerprints. */
export interface HelloInfo {
  version: number;
  ciphers: number[];
  extensions: number[];
  groups: number[];
  pointFormats: number[];
  sigAlgs: number[];
  supportedVersions: number[];
  alpn: Uint8Array[];
  sni: boolean;
}

export function newHello(): HelloInfo {
  return { version: 0, ciphers: [], extensions: [], groups: [], pointFormats: [], sigAlgs: [], supportedVersions: [], alpn: [], sni: false };
}

const noGrease = (a: readonly number[]) => a.filter((v) => !isGrease(v));

export function ja3Full(h: HelloInfo): string {
  return `${h.version},${noGrease(h.ciphers).join('-')},${noGrease(h.extensions).join('-')},${noGrease(h.groups).join('-')},${h.pointFormats.join('-')}`;
}

export function ja3sFull(h: HelloInfo): string {
  return `${h.version},${h.ciphers.join('-')},${noGrease(h.extensions).join('-')}`;
}

export const ja3Hash = md5Hex;

function ja4Version(v: number): string {
  switch (v) {
    case 0x0304: return '13';
    case 0x0303: return '12';
    case 0x0302: return '11';
    case 0x0301: return '10';
    case 0x0300: return 's3';
    case 0x0002: return 's2';
    case 0xfeff: return 'd1';
    case 0xfefd: return 'd2';
    case 0xfefc: return 'd3';
    default: return '00';
  }
}

const hex4 = (v: number) => v.toString(16).padStart(4, '0');
const isAlnum = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

function ja4Alpn(alpn: readonly Uint8Array[]): string {
  const a = alpn[0];
  if (!a || a.length === 0) return '00';
  const first = a[0]!;
  const last = a[a.length - 1]!;
  if (isAlnum(first) && isAlnum(last)) return String.fromCharCode(first, last);
  // FoxIO's reference implementations (Python, Rust, Wireshark plugin) all print "99" for an
  // ALPN that does not start and end with an alphanumeric character; newer spec text uses
  // the hex digits instead. We follow the references, which peers' expected outputs use.
  return '99';
}

/** JA4 and JA4_r of a Client Hello; `proto` is 't' (TCP), 'q' (QUIC) or 'd' (DTLS). */
export function ja4(h: HelloInfo, proto: 't' | 'q' | 'd' = 't'): { ja4: string; raw: string } {
  const sv = noGrease(h.supportedVersions);
  const ver = ja4Version(sv.length ? Math.max(...sv) : h.version);
  const ciphers = noGrease(h.ciphers);
  const exts = noGrease(h.extensions);
  const nc = Math.min(ciphers.length, 99).toString().padStart(2, '0');
  const ne = Math.min(exts.length, 99).toString().padStart(2, '0');
  const a = `${proto}${ver}${h.sni ? 'd' : 'i'}${nc}${ne}${ja4Alpn(h.alpn)}`;
  const cs = ciphers.map(hex4).sort().join(',');
  const es = exts.filter((e) => e !== 0x0000 && e !== 0x0010).map(hex4).sort().join(',');
  const sa = noGrease(h.sigAlgs).map(hex4).join(',');
  const c = sa ? `${es}_${sa}` : es;
  const hash = (s: string) => (s === '' ? '000000000000' : sha256Hex(s).slice(0, 12));
  return { ja4: `${a}_${hash(cs)}_${hash(c)}`, raw: `${a}_${cs}_${c}` };
}
