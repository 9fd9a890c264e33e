import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type FlowGraph, type FlowItem } from './model.ts';

export interface FlowSvgOptions {
  /** A title line above the diagram (e.g. the capture's name). */
  title?: string;
  /** Cut comments after this many characters (the full text stays in a tooltip). Default 100. */
  maxComment?: number;
}

/** Escapes text for XML content and attribute values; drops characters XML 1.0 forbids. */
export function xmlEscape(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

// layout (px); text is monospace so widths can be computed without a browser
const FONT = `ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', 'Liberation Mono', monospace`;
const HEAD_FONT = `system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', Arial, sans-serif`;
const FS = 12;
const CW = FS * 0.6; // advance of one monospace character
const SMALL = 10;
const ROW = 34;
const HEADER_H = 44;
const PAD = 16;

interface Style {
  color: string;
  width: number;
  dash?: string;
}

const PROTO_COLORS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^(TLS|SSL|DTLS)/i, '#1d4ed8'],
  [/^HTTP|^HTTP2|^WebSocket/i, '#047857'],
  [/^(DNS|MDNS|LLMNR|NBNS)/i, '#b45309'],
  [/^(QUIC|UDP)/i, '#0e7490'],
  [/^(ICMP|ICMPv6|ARP)/i, '#a21caf'],
  [/^TCP$/i, '#6b7280'],
];

function styleOf(g: FlowGraph, it: FlowItem): Style {
  const f = it.tcpFlags;
  if (f !== undefined && f & TCP_RST) return { color: '#dc2626', width: 1.6 };
  if (g.type === 'tcp' && f !== undefined) {
    if (f & TCP_SYN) return { color: '#15803d', width: 1.6 };
    if (f & TCP_FIN) return { color: '#c2410c', width: 1.6 };
    if (/ - Len: /.test(it.label)) return { color: '#1d4ed8', width: 1.6 };
    return { color: '#6b7280', width: 1.2, ...(f & TCP_ACK ? {} : { dash: '4 3' }) };
  }
  for (const [re, c] of PROTO_COLORS) if (re.test(it.protocol)) return { color: c, width: c === '#6b7280' ? 1.2 : 1.6 };
  return { color: '#374151', width: 1.4 };
}

/** Cuts text to `max` characters with an ellipsis. */
function fit(s: string, max: number): string {
  const a = Array.from(s);
  if (a.length <= max) return s;
  if (max <= 1) return '…';
  return a.slice(0, max - 1).join('') + '…';
}

const r1 = (x: number): string => String(Math.round(x * 10) / 10);

/**
 * The graph as a standalone SVG sequence diagram in the manner of Wireshark's Flow Graph:
 * a header box and a vertical life line per node, one arrow per packet with its label
 * above and the ports at both ends, the frame number and time on the left and the
 * comment on the right. Rows carry `data-frame` for interactive use; every text is
 * escaped and long texts are shortened with the full text in a `<title>` tooltip.
 */
export function renderFlowSvg(g: FlowGraph, opts: FlowSvgOptions = {}): string {
  const items = g.items;
  const n = Math.max(g.nodes.length, 1);
  const maxComment = opts.maxComment ?? 100;
  const several = items.some((it) => it.conv !== items[0]?.conv);

  // left gutter: frame number, time (and TCP stream when several)
  const frameChars = Math.max(3, ...items.map((it) => String(it.frame).length));
  const timeChars = Math.max(4, ...items.map((it) => it.time.length));
  const convChars = several ? Math.max(6, ...items.map((it) => String(it.conv).length)) : 0;
  const xFrame = PAD;
  const xTime = xFrame + frameChars * CW + 14;
  const xConv = xTime + timeChars * CW + 14;
  const gutter = xConv + (several ? convChars * CW + 14 : 0) + 8;

  // node columns: wide enough for the headers and most labels
  const headChars = Math.max(...g.nodes.map((nd) => nd.label.length), 8);
  const labelChars = items.length ? Math.max(...items.map((it) => Math.min(Array.from(it.label).length, 40))) : 0;
  // one node (e.g. loopback, all arrows are self-loops): the life line on the left, labels to its right
  const single = g.nodes.length <= 1;
  const colW = single
    ? Math.max(headChars * 7.6 + 36, 90 + labelChars * CW + 20)
    : Math.min(Math.max(200, headChars * 7.6 + 36, labelChars * CW + 40), 400);
  const firstX = single ? Math.max(70, (headChars * 7.6 + 32) / 2 + 4) : colW / 2;
  const nodeX = (i: number) => gutter + firstX + i * colW;
  const xComment = gutter + n * colW + 4;
  const commentChars = Math.min(maxComment, Math.max(10, ...items.map((it) => Array.from(it.comment).length)));
  const width = Math.ceil(Math.max(xComment + commentChars * CW + PAD, opts.title ? 2 * PAD + Array.from(opts.title).length * 8.6 : 0));

  const titleH = opts.title ? 28 : 0;
  const top = PAD + titleH;
  const firstRow = top + HEADER_H + 10;
  const height = Math.ceil(firstRow + items.length * ROW + 12 + PAD);

  const o: string[] = [];
  o.push(`<?xml version="1.0" encoding="UTF-8"?>\n`);
  o.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${xmlEscape(FONT)}" font-size="${FS}">\n`);
  o.push(`<title>${xmlEscape(opts.title ?? `Flow graph (${g.type === 'tcp' ? 'TCP flows' : 'all flows'})`)}</title>\n`);
  o.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>\n`);
  if (opts.title) {
    o.push(`<text x="${PAD}" y="${PAD + 16}" font-family="${xmlEscape(HEAD_FONT)}" font-size="15" font-weight="600" fill="#111827">${xmlEscape(opts.title)}</text>\n`);
  }

  // column headings and node boxes
  const headY = top + HEADER_H / 2 + 4;
  o.push(`<g font-family="${xmlEscape(HEAD_FONT)}" font-size="11" fill="#4b5563" font-weight="600">`);
  o.push(`<text x="${r1(xFrame)}" y="${headY}">No.</text>`);
  o.push(`<text x="${r1(xTime)}" y="${headY}">Time</text>`);
  if (several) o.push(`<text x="${r1(xConv)}" y="${headY}">Stream</text>`);
  o.push(`<text x="${r1(xComment)}" y="${headY}">Comment</text>`);
  o.push(`</g>\n`);
  const lineEnd = firstRow + items.length * ROW + 6;
  // row stripes under everything else
  o.push(`<g fill="#f6f7f9">`);
  for (let k = 1; k < items.length; k += 2) o.push(`<rect x="0" y="${firstRow + k * ROW}" width="${width}" height="${ROW}"/>`);
  o.push(`</g>\n`);
  for (const nd of g.nodes) {
    const x = nodeX(nd.index);
    const bw = Math.min(colW - 24, Math.max(120, nd.label.length * 7.6 + 32));
    o.push(`<g class="node" data-node="${nd.index}">`);
    o.push(`<line x1="${r1(x)}" y1="${top + HEADER_H}" x2="${r1(x)}" y2="${lineEnd}" stroke="#9ca3af" stroke-width="1" stroke-dasharray="5 4"/>`);
    o.push(`<rect x="${r1(x - bw / 2)}" y="${top}" width="${r1(bw)}" height="${HEADER_H - 8}" rx="6" fill="#f3f4f6" stroke="#6b7280"/>`);
    o.push(`<text x="${r1(x)}" y="${top + (HEADER_H - 8) / 2 + 5}" text-anchor="middle" font-family="${xmlEscape(HEAD_FONT)}" font-size="13" font-weight="600" fill="#111827">${xmlEscape(fit(nd.label, Math.floor(bw / 7.6)))}<title>${xmlEscape(nd.label)}</title></text>`);
    o.push(`</g>\n`);
  }

  // rows
  let prevConv = items[0]?.conv;
  items.forEach((it, k) => {
    const y0 = firstRow + k * ROW;
    const ya = y0 + ROW / 2 + 5; // arrow line
    const yt = y0 + ROW / 2 + 1; // gutter text baseline
    const st = styleOf(g, it);
    o.push(`<g class="item" data-frame="${it.frame}"><title>${xmlEscape(`Frame ${it.frame}, ${it.time} s: ${it.comment}`)}</title>`);
    if (several && it.conv !== prevConv) {
      o.push(`<line x1="${PAD}" y1="${y0}" x2="${width - PAD}" y2="${y0}" stroke="#d1d5db" stroke-width="1"/>`);
    }
    prevConv = it.conv;
    o.push(`<text x="${r1(xFrame + frameChars * CW)}" y="${yt}" text-anchor="end" fill="#6b7280">${it.frame}</text>`);
    o.push(`<text x="${r1(xTime)}" y="${yt}" fill="#374151">${xmlEscape(it.time)}</text>`);
    if (several) o.push(`<text x="${r1(xConv)}" y="${yt}" fill="#6b7280">${it.conv}</text>`);

    const xs = nodeX(it.src);
    const xd = nodeX(it.dst);
    const dash = st.dash ? ` stroke-dasharray="${st.dash}"` : '';
    if (it.src === it.dst) {
      // a packet between two ports of the same address: a loop to the right
      const w = 36;
      o.push(`<path d="M ${r1(xs)} ${ya - 8} H ${r1(xs + w)} V ${ya + 4} H ${r1(xs + 7)}" fill="none" stroke="${st.color}" stroke-width="${st.width}"${dash}/>`);
      o.push(`<polygon points="${r1(xs + 1)},${ya + 4} ${r1(xs + 9)},${ya} ${r1(xs + 9)},${ya + 8}" fill="${st.color}"/>`);
      const limit = it.src + 1 < g.nodes.length ? nodeX(it.src + 1) - 10 : xComment - 10;
      const room = Math.floor((limit - (xs + w + 6)) / CW);
      o.push(`<text x="${r1(xs + w + 6)}" y="${ya - 1}" fill="#111827">${xmlEscape(fit(it.label, Math.max(room, 8)))}</text>`);
      o.push(`<text x="${r1(xs - 4)}" y="${ya - 10}" text-anchor="end" font-size="${SMALL}" fill="#6b7280">${it.srcPort}</text>`);
      o.push(`<text x="${r1(xs - 4)}" y="${ya + 8}" text-anchor="end" font-size="${SMALL}" fill="#6b7280">${it.dstPort}</text>`);
    } else {
      const dir = xd > xs ? 1 : -1;
      const tip = xd - dir * 1;
      o.push(`<line x1="${r1(xs)}" y1="${ya}" x2="${r1(tip - dir * 8)}" y2="${ya}" stroke="${st.color}" stroke-width="${st.width}"${dash}/>`);
      o.push(`<polygon points="${r1(tip)},${ya} ${r1(tip - dir * 10)},${ya - 4.5} ${r1(tip - dir * 10)},${ya + 4.5}" fill="${st.color}"/>`);
      const span = Math.abs(xd - xs);
      const room = Math.floor((span - 20) / CW);
      o.push(`<text x="${r1((xs + xd) / 2)}" y="${ya - 5}" text-anchor="middle" fill="#111827">${xmlEscape(fit(it.label, room))}</text>`);
      // ports under both ends
      o.push(`<text x="${r1(xs + dir * 4)}" y="${ya + 12}" text-anchor="${dir > 0 ? 'start' : 'end'}" font-size="${SMALL}" fill="#6b7280">${it.srcPort}</text>`);
      o.push(`<text x="${r1(xd - dir * 12)}" y="${ya + 12}" text-anchor="${dir > 0 ? 'end' : 'start'}" font-size="${SMALL}" fill="#6b7280">${it.dstPort}</text>`);
    }
    o.push(`<text x="${r1(xComment)}" y="${yt}" fill="#4b5563">${xmlEscape(fit(it.comment, maxComment))}</text>`);
    o.push(`</g>\n`);
  });
  if (items.length === 0) {
    o.push(`<text x="${PAD}" y="${firstRow + 16}" fill="#6b7280">No packets.</text>\n`);
  }
  o.push(`</svg>\n`);
  return o.join('');
}
