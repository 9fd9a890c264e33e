import type { FlowGraph } from './model.ts';

/** Characters per node column, as tshark's flow dump. */
const W = 20;

/** Code points, so a label is cut between characters as tshark (g_utf8_substring) cuts it. */
const cps = (s: string): string[] => Array.from(s);

const pad = (s: string, n: number, c = ' '): string => (s.length >= n ? s : s + c.repeat(n - s.length));

/**
 * Overwrites `line` between columns p1 and p2 with `text`, with the exact behaviour of
 * tshark's `overwrite()` on an ASCII line: the text is cut to the span; a text shorter
 * than the span replaces only its own length; and where the replaced range would run
 * past the end of the line nothing is removed and the text is inserted (GLib refuses the
 * erase), which is what makes self-arrows (one node) ragged in tshark's output.
 */
function overwrite(line: string, text: string, p1: number, p2: number): string {
  if (p1 === p2) return line;
  let pos = Math.min(p1, p2);
  let len = Math.abs(p2 - p1);
  const chars = cps(text);
  let ins = text;
  if (len > chars.length) len = chars.length;
  else if (len < chars.length) ins = chars.slice(0, len).join('');
  if (pos > line.length) pos = line.length;
  const erase = pos + len <= line.length ? len : 0;
  return line.slice(0, pos) + ins + line.slice(pos + erase);
}

/**
 * The graph as text, byte for byte like `tshark -q -z flow,<type>,<addresses>`
 * (tshark's `sequence_analysis_dump_to_file`): a time column (and a conversation
 * column when several TCP streams are shown), node addresses on two staggered header
 * lines, and per item a label line (ending with the comment) and an arrow line with
 * the ports. Prints nothing for an empty graph, as tshark does.
 */
export function renderFlowText(g: FlowGraph): string {
  const items = g.items;
  if (items.length === 0) return '';
  const several = items.some((it) => it.conv !== items[0]!.conv);
  const out: string[] = [];
  const header = several ? 'Conv.| Time    ' : '|Time     ';
  const emptyHeader = several ? '     |         ' : '|         ';
  const headerLen = several ? 16 : 10;
  const n = g.nodes.length;
  let empty = '';
  let top = header;
  for (let i = 0; i < n; i += 2) {
    top += pad(`| ${g.nodes[i]!.label}`, W * 2);
    empty += pad('| ', W);
  }
  out.push(top + '|\n');
  let second = emptyHeader + pad('| ', W);
  for (let i = 1; i < n; i += 2) {
    let s = `| ${g.nodes[i]!.label}`;
    if (s.length < W) s = pad(s, W) + '| ';
    second += pad(s, W * 2);
    empty += pad('| ', W);
  }
  out.push(second + '\n');
  empty += '|';
  const separator = '-'.repeat(empty.length + headerLen);

  let conv = items[0]!.conv;
  for (const it of items) {
    const start = it.src * W + W / 2;
    let end = it.dst * W + W / 2;
    let width: number;
    if (start !== end) width = Math.abs(end - start);
    else {
      end = start + W;
      width = W;
    }
    if (it.conv !== conv) {
      out.push(separator + '\n');
      conv = it.conv;
    }
    let line = '';
    if (several) line += pad(String(it.conv), 5);
    line += pad(`|${it.time}`, 10);
    line += overwrite(empty, it.label, start, end);
    out.push(line + it.comment + '\n');

    const arrow = start < end ? '-'.repeat(width - 2) + '>' : '<' + '-'.repeat(width - 2);
    let a = overwrite(empty, arrow, start, end);
    const sp = `(${it.srcPort})`;
    const dp = `(${it.dstPort})`;
    if (start < end) {
      a = overwrite(a, sp, start - 9, start - 1);
      a = overwrite(a, dp, end + 1, end + 9);
    } else {
      a = overwrite(a, sp, start + 1, start + 9);
      a = overwrite(a, dp, end - 9, end + 1);
    }
    out.push(emptyHeader + a + '\n');
  }
  return out.join('');
}
