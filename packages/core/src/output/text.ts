import type { Registry } from '../fields/registry.ts';
import { defaultLabel } from '../fields/format.ts';
import type { AbsTime } from '../fields/types.ts';
import type { Packet, TreeNode } from '../packet.ts';

/** tshark's `-t` time formats. */
export type TimeFormat = 'r' | 'a' | 'ad' | 'adoy' | 'd' | 'dd' | 'e' | 'u' | 'ud' | 'udoy';

function pad(n: number, w: number): string {
  return String(n).padStart(w, '0');
}

function frac(ns: number, digits: number): string {
  return pad(Math.floor(ns / 10 ** (9 - digits)), digits);
}

/**
 * The difference a − b, printed with `digits` decimals (truncating like Wireshark). Seconds and
 * nanoseconds stay separate: one float of nanoseconds loses the last digits past ~104 days.
 */
function relText(a: AbsTime, b: AbsTime, digits: number): string {
  let s = a.s - b.s;
  let ns = a.ns - b.ns;
  if (s > 0 && ns < 0) {
    s -= 1;
    ns += 1e9;
  } else if (s < 0 && ns > 0) {
    s += 1;
    ns -= 1e9;
  }
  const neg = s < 0 || (s === 0 && ns < 0);
  return `${neg ? '-' : ''}${Math.abs(s)}.${frac(Math.abs(ns), digits)}`;
}

export interface TimeState {
  first?: AbsTime;
  prevCaptured?: AbsTime;
  prevDisplayed?: AbsTime;
}

/** The Time column in one of tshark's `-t` formats. */
export function timeColumn(fmt: TimeFormat, ts: AbsTime, st: TimeState, digits: number): string {
  switch (fmt) {
    case 'r':
      return relText(ts, st.first ?? ts, digits);
    case 'd':
      return relText(ts, st.prevCaptured ?? ts, digits);
    case 'dd':
      return relText(ts, st.prevDisplayed ?? ts, digits);
    case 'e':
      return `${ts.s}.${frac(ts.ns, digits)}`;
    default: {
      const utc = fmt.startsWith('u');
      const d = new Date(ts.s * 1000);
      const Y = utc ? d.getUTCFullYear() : d.getFullYear();
      const M = (utc ? d.getUTCMonth() : d.getMonth()) + 1;
      const D = utc ? d.getUTCDate() : d.getDate();
      const h = utc ? d.getUTCHours() : d.getHours();
      const m = utc ? d.getUTCMinutes() : d.getMinutes();
      const s = utc ? d.getUTCSeconds() : d.getSeconds();
      const tod = `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}.${frac(ts.ns, digits)}`;
      if (fmt === 'a' || fmt === 'u') return tod;
      if (fmt.endsWith('doy')) {
        const start = utc ? Date.UTC(Y, 0, 1) : new Date(Y, 0, 1).getTime();
        const doy = Math.floor((d.getTime() - start) / 86400000) + 1;
        return `${Y}/${pad(doy, 3)} ${tod}`;
      }
      return `${Y}-${pad(M, 2)}-${pad(D, 2)} ${tod}`;
    }
  }
}

/** One line of tshark's default packet list: No., Time, Source → Destination, Protocol, Length, Info. */
export function summaryLine(p: Packet, time: string): string {
  const no = String(p.num).padStart(5);
  const t = time.padStart(10);
  let mid: string;
  if (p.colSrc || p.colDst) mid = `${p.colSrc.padStart(12)} → ${p.colDst.padEnd(12)}`;
  else mid = '';
  return `${no} ${t} ${mid} ${p.colProtocol} ${p.origLen}${p.colInfo === '' ? '' : ' ' + p.colInfo}\n`;
}

/** The text of one tree node as `-V` prints it (custom label, bit picture, […] for generated fields). */
export function nodeLabel(reg: Registry, n: TreeNode): string {
  let l = n.label;
  if (typeof l === 'function') {
    // labels are built lazily; a broken one must not take the whole output down
    try {
      l = l();
    } catch (e) {
      l = `${reg.get(n.id).name} [label error: ${(e as Error).message}]`;
    }
  }
  if (l === undefined) {
    const f = reg.get(n.id);
    l = defaultLabel(f, n.value);
    if (f.mask !== undefined && f.maskWidth !== undefined && (typeof n.value === 'number' || typeof n.value === 'boolean')) {
      l = `${bitPattern(f.mask, f.maskWidth, typeof n.value === 'boolean' ? (n.value ? f.mask : 0) : shiftIn(n.value, f.mask))} = ${l}`;
    }
  }
  return n.generated ? `[${l}]` : l;
}

function shiftIn(v: number, mask: number): number {
  let m = mask;
  let sh = 0;
  while (m !== 0 && (m & 1) === 0) {
    m >>>= 1;
    sh++;
  }
  return (v << sh) & mask;
}

/** "..1. ...." style bit picture of a masked field. */
export function bitPattern(mask: number, width: number, bits: number): string {
  let s = '';
  for (let i = width - 1; i >= 0; i--) {
    const b = 2 ** i;
    s += Math.floor(mask / b) % 2 === 1 ? (Math.floor(bits / b) % 2 === 1 ? '1' : '0') : '.';
    if (i > 0 && i % 4 === 0) s += ' ';
  }
  return s;
}

/** The detail tree as tshark -V prints it (4 spaces per level). */
export function treeText(reg: Registry, p: Packet): string {
  let out = '';
  const walk = (nodes: readonly TreeNode[], depth: number) => {
    for (const n of nodes) {
      if (n.hidden) continue;
      out += ' '.repeat(depth * 4) + nodeLabel(reg, n) + '\n';
      if (n.children) walk(n.children, depth + 1);
    }
  };
  walk(p.roots, 0);
  return out;
}

/** Hex and ASCII dump of every data source, as tshark -x prints it. */
export function hexDump(p: Packet): string {
  let out = '';
  p.sources.forEach((s, i) => {
    if (p.sources.length > 1) out += i === 0 ? `Frame (${s.data.length} bytes):\n` : `${s.name} (${s.data.length} bytes):\n`;
    const d = s.data;
    for (let o = 0; o < d.length; o += 16) {
      const n = Math.min(16, d.length - o);
      let hex = '';
      let asc = '';
      for (let j = 0; j < n; j++) {
        const b = d[o + j]!;
        hex += (j > 0 ? ' ' : '') + (b < 16 ? '0' : '') + b.toString(16);
        asc += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
      }
      out += `${o.toString(16).padStart(4, '0')}  ${hex.padEnd(47)}   ${asc}\n`;
    }
    out += '\n';
  });
  return out;
}
