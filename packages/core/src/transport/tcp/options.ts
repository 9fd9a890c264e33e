import { u16, u32 } from '../../bytes/read.ts';
import { GENERATED, type Packet } from '../../packet.ts';
import type { TcpFields } from './fields.ts';

/** What the options of one segment told us. */
export interface TcpOptInfo {
  /** Window scale shift (-1 when the option is absent). */
  wsShift: number;
  /** Info column suffix (" MSS=1460 SACK_PERM …"), only built when columns are wanted. */
  info: string;
}

const NAMES: Record<number, string> = {
  0: 'End of Option List (EOL)', 1: 'No-Operation (NOP)', 2: 'Maximum segment size', 3: 'Window scale',
  4: 'SACK permitted', 5: 'SACK', 8: 'Timestamps', 19: 'TCP MD5 signature', 34: 'TCP Fast Open',
};

/**
 * Dissects the options in [off, end). `sackBase` is the base seq of the other direction
 * (SACK edges are shown relative to it).
 */
export function dissectOptions(p: Packet, f: TcpFields, data: Uint8Array, off: number, end: number, sackBase: number, out: TcpOptInfo): void {
  out.wsShift = -1;
  out.info = '';
  const tree = p.tree;
  const cols = p.wantCols;
  let names = '';
  let node;
  if (tree || p.wants(f.options)) {
    node = p.open(f.options, data.subarray(off, end), off, end - off, 0, tree ? () => `Options: (${end - off} bytes)${names}` : undefined);
  }
  let o = off;
  while (o < end) {
    const kind = data[o]!;
    if (kind === 0 || kind === 1) {
      const id = kind === 0 ? f['options.eol'] : f['options.nop'];
      if (tree) names += `, ${NAMES[kind]}`;
      p.open(id, data.subarray(o, o + 1), o, 1, 0, tree ? `TCP Option - ${NAMES[kind]}` : undefined);
      p.add(f.option_kind, kind, o, 1);
      p.close();
      // Wireshark keeps going after EOL: the padding shows as more EOLs
      o++;
      continue;
    }
    if (o + 1 >= end) break;
    const len = data[o + 1]!;
    if (len < 2 || o + len > end) {
      p.add(f.option_kind, kind, o, 1);
      p.add(f.option_len, len, o + 1, 1);
      p.add(f['option.len.invalid'], null, o + 1, 1);
      break;
    }
    const v = o + 2;
    if (tree) names += `, ${NAMES[kind] ?? 'Unknown'}`;
    switch (kind) {
      case 2: {
        if (len !== 4) { unknownOpt(p, f, data, o, len); break; }
        const mss = u16(data, v);
        p.open(f['options.mss'], data.subarray(o, o + len), o, len, 0, tree ? `TCP Option - Maximum segment size: ${mss} bytes` : undefined);
        p.add(f.option_kind, kind, o, 1);
        p.add(f.option_len, len, o + 1, 1);
        p.add(f['options.mss_val'], mss, v, 2);
        p.close();
        if (cols) out.info += ` MSS=${mss}`;
        break;
      }
      case 3: {
        if (len !== 3) { unknownOpt(p, f, data, o, len); break; }
        const shift = data[v]!;
        const mult = 2 ** Math.min(shift, 14);
        p.open(f['options.wscale'], data.subarray(o, o + len), o, len, 0, tree ? `TCP Option - Window scale: ${shift} (multiply by ${mult})` : undefined);
        p.add(f.option_kind, kind, o, 1);
        p.add(f.option_len, len, o + 1, 1);
        p.add(f['options.wscale.shift'], shift, v, 1);
        p.add(f['options.wscale.multiplier'], mult, v, 1, GENERATED);
        p.close();
        out.wsShift = Math.min(shift, 14);
        if (cols) out.info += ` WS=${mult}`;
        break;
      }
      case 4: {
        p.open(f['options.sack_perm'], data.subarray(o, o + len), o, len, 0, tree ? 'TCP Option - SACK permitted' : undefined);
        p.add(f.option_kind, kind, o, 1);
        p.add(f.option_len, len, o + 1, 1);
        p.close();
        if (cols) out.info += ' SACK_PERM';
        break;
      }
      case 5: {
        const n = (len - 2) >> 3;
        let label = 'TCP Option - SACK';
        if (tree) {
          const parts: string[] = [];
          for (let i = 0; i < n; i++) parts.push(`${(u32(data, v + i * 8) - sackBase) >>> 0}-${(u32(data, v + i * 8 + 4) - sackBase) >>> 0}`);
          if (parts.length) label += ` ${parts.join(' ')}`;
        }
        p.open(f['options.sack'], data.subarray(o, o + len), o, len, 0, tree ? label : undefined);
        p.add(f.option_kind, kind, o, 1);
        p.add(f.option_len, len, o + 1, 1);
        for (let i = 0; i < n; i++) {
          const le = (u32(data, v + i * 8) - sackBase) >>> 0;
          const re = (u32(data, v + i * 8 + 4) - sackBase) >>> 0;
          p.add(f['options.sack_le'], le, v + i * 8, 4);
          p.add(f['options.sack_re'], re, v + i * 8 + 4, 4);
          if (cols) out.info += ` SLE=${le} SRE=${re}`;
        }
        p.add(f['options.sack.count'], n, o, len, GENERATED);
        p.close();
        break;
      }
      case 8: {
        if (len !== 10) { unknownOpt(p, f, data, o, len); break; }
        const tsval = u32(data, v);
        const tsecr = u32(data, v + 4);
        p.open(f['options.timestamp'], data.subarray(o, o + len), o, len, 0, tree ? `TCP Option - Timestamps: TSval ${tsval}, TSecr ${tsecr}` : undefined);
        p.add(f.option_kind, kind, o, 1);
        p.add(f.option_len, len, o + 1, 1);
        p.add(f['options.timestamp.tsval'], tsval, v, 4);
        p.add(f['options.timestamp.tsecr'], tsecr, v + 4, 4);
        p.close();
        if (cols) out.info += ` TSval=${tsval} TSecr=${tsecr}`;
        break;
      }
      case 19: {
        p.open(f['options.md5'], data.subarray(o, o + len), o, len, 0, tree ? 'TCP Option - TCP MD5 signature' : undefined);
        p.add(f.option_kind, kind, o, 1);
        p.add(f.option_len, len, o + 1, 1);
        p.add(f['options.md5.digest'], data.subarray(v, o + len), v, len - 2);
        p.close();
        break;
      }
      case 34: {
        p.open(f['options.tfo'], data.subarray(o, o + len), o, len, 0, !tree ? undefined : len === 2 ? 'TCP Option - TCP Fast Open: Fast Open Cookie Request' : 'TCP Option - TCP Fast Open: Fast Open Cookie');
        p.add(f.option_kind, kind, o, 1);
        p.add(f.option_len, len, o + 1, 1);
        if (len === 2) {
          p.add(f['options.tfo.request'], null, o, 2);
          if (cols) out.info += ' TFO=R';
        } else {
          p.add(f['options.tfo.cookie'], data.subarray(v, o + len), v, len - 2);
          if (cols) out.info += ' TFO=C';
        }
        p.close();
        break;
      }
      default:
        unknownOpt(p, f, data, o, len);
    }
    o += len;
  }
  if (node || p.tree) p.close();
}

function unknownOpt(p: Packet, f: TcpFields, data: Uint8Array, o: number, len: number): void {
  p.open(f['options.unknown'], data.subarray(o, o + len), o, len, 0, p.tree ? `TCP Option - Unknown (${data[o]})` : undefined);
  p.add(f.option_kind, data[o]!, o, 1);
  p.add(f.option_len, len, o + 1, 1);
  if (len > 2) p.add(f['options.unknown.payload'], data.subarray(o + 2, o + len), o + 2, len - 2);
  p.close();
}

/**
 * The options' part of the Info column (" MSS=1460 WS=128 SACK_PERM TSval=… TSecr=…"), as
 * dissectOptions builds it, without adding any field (for a column read after dissection).
 */
export function optionsInfo(data: Uint8Array, off: number, end: number, sackBase: number): string {
  let info = '';
  let o = off;
  while (o < end) {
    const kind = data[o]!;
    if (kind === 0 || kind === 1) {
      o++;
      continue;
    }
    if (o + 1 >= end) break;
    const len = data[o + 1]!;
    if (len < 2 || o + len > end) break;
    const v = o + 2;
    if (kind === 2 && len === 4) info += ` MSS=${u16(data, v)}`;
    else if (kind === 3 && len === 3) info += ` WS=${2 ** Math.min(data[v]!, 14)}`;
    else if (kind === 4) info += ' SACK_PERM';
    else if (kind === 5) {
      const n = (len - 2) >> 3;
      for (let i = 0; i < n; i++) info += ` SLE=${(u32(data, v + i * 8) - sackBase) >>> 0} SRE=${(u32(data, v + i * 8 + 4) - sackBase) >>> 0}`;
    } else if (kind === 8 && len === 10) info += ` TSval=${u32(data, v)} TSecr=${u32(data, v + 4)}`;
    else if (kind === 34) info += len === 2 ? ' TFO=R' : ' TFO=C';
    o += len;
  }
  return info;
}
