import { TlsLensError } from '../errors.ts';
import { doubleText, etherText, hexBytes, ipv4Text, ipv6Text } from '../fields/format.ts';
import type { Registry } from '../fields/registry.ts';
import type { AbsTime, FieldType, FieldValue, RegisteredField } from '../fields/types.ts';
import { parseAbsTime, parseByteString, parseEther, parseFloatText, parseInteger, parseIPv4, parseIPv6 } from './literals.ts';
import { parseFilter, valueEnd, valueStart, type CmpOp, type Node, type SetMember, type ValueNode } from './parser.ts';
import type { Token } from './lexer.ts';

export type GetFn = (id: number) => readonly FieldValue[] | undefined;

export interface CompiledFilter {
  readonly text: string;
  /** ids of every field (and protocol) the filter reads, so the dissectors know what to keep */
  readonly fields: readonly number[];
  /** warnings such as Wireshark's "suggest parentheses around '&&' within '||'" */
  readonly warnings: readonly string[];
  match(get: GetFn): boolean;
}

/** Comparison classes: values of one class compare with each other. */
type Cls = 'int' | 'float' | 'reltime' | 'abstime' | 'bool' | 'ipv4' | 'ipv6' | 'ether' | 'bytes' | 'string' | 'none';
type Vals = readonly FieldValue[];
type Eval = (get: GetFn) => Vals;
type Pred = (get: GetFn) => boolean;
type Ord = (v: FieldValue) => number;
type Ord2 = (a: FieldValue, b: FieldValue) => number;

/** A non-literal operand: a field, slice, function call or bitwise and. */
interface Operand {
  readonly cls: Cls;
  readonly ftype: FieldType;
  /** The field, when the operand is a plain field or a bitwise and of one (gives value names, limits). */
  readonly field?: RegisteredField;
  readonly isField: boolean;
  readonly isFunc: boolean;
  readonly desc: string;
  readonly col: number;
  readonly len: number;
  readonly eval: Eval;
}

const EMPTY: Vals = [];
const utf8Enc = new TextEncoder();
const utf8Dec = new TextDecoder('utf-8');

const TYPE_NAMES: Record<FieldType, string> = {
  protocol: 'Protocol', none: 'Label', bool: 'Boolean',
  uint8: 'Unsigned integer (1 byte)', uint16: 'Unsigned integer (2 bytes)', uint24: 'Unsigned integer (3 bytes)',
  uint32: 'Unsigned integer (4 bytes)', uint64: 'Unsigned integer (8 bytes)',
  int8: 'Signed integer (1 byte)', int16: 'Signed integer (2 bytes)', int32: 'Signed integer (4 bytes)', int64: 'Signed integer (8 bytes)',
  framenum: 'Frame number', float: 'Floating point (single-precision)', double: 'Floating point (double-precision)',
  abstime: 'Date and time', reltime: 'Time offset', string: 'Character string', bytes: 'Byte sequence',
  ether: 'Ethernet or other MAC address', ipv4: 'IPv4 address', ipv6: 'IPv6 address', oid: 'ASN.1 object identifier',
};

const INT_WIDTH: Partial<Record<FieldType, number>> = {
  uint8: 1, uint16: 2, uint24: 3, uint32: 4, uint64: 8, int8: 1, int16: 2, int32: 4, int64: 8, framenum: 4,
  bool: 1, float: 4, double: 8, reltime: 8, abstime: 8, ipv4: 4, ipv6: 16, ether: 6,
};

function clsOf(t: FieldType): Cls {
  switch (t) {
    case 'uint8': case 'uint16': case 'uint24': case 'uint32': case 'uint64':
    case 'int8': case 'int16': case 'int32': case 'int64': case 'framenum':
      return 'int';
    case 'float': case 'double': return 'float';
    case 'reltime': return 'reltime';
    case 'abstime': return 'abstime';
    case 'bool': return 'bool';
    case 'ipv4': return 'ipv4';
    case 'ipv6': return 'ipv6';
    case 'ether': return 'ether';
    case 'bytes': case 'protocol': return 'bytes';
    case 'string': case 'oid': return 'string';
    case 'none': return 'none';
  }
}

function intLimits(t: FieldType): [bigint, bigint] {
  switch (t) {
    case 'uint8': return [0n, 0xffn];
    case 'uint16': return [0n, 0xffffn];
    case 'uint24': return [0n, 0xffffffn];
    case 'uint32': case 'framenum': return [0n, 0xffffffffn];
    case 'uint64': return [0n, 0xffffffffffffffffn];
    case 'int8': return [-0x80n, 0x7fn];
    case 'int16': return [-0x8000n, 0x7fffn];
    case 'int32': return [-0x80000000n, 0x7fffffffn];
    case 'int64': return [-0x8000000000000000n, 0x7fffffffffffffffn];
    default: return [0n, 0xffffffffn];
  }
}

function err(code: 'FILTER_SYNTAX' | 'FILTER_UNKNOWN_FIELD' | 'FILTER_TYPE', msg: string, col: number, len: number): TlsLensError {
  return new TlsLensError(code, msg, { column: col, length: Math.max(1, len) });
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

// ---------------------------------------------------------------------------------------------
// Orderings

function cmpBytes(a: Uint8Array, b: Uint8Array): number {
  // Wireshark orders byte strings by length first, then contents
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

function cmpPrim(a: number | bigint | string, b: number | bigint | string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function cmpTime(a: AbsTime, b: AbsTime): number {
  return a.s !== b.s ? a.s - b.s : a.ns - b.ns;
}

function ord2For(cls: Cls): Ord2 {
  switch (cls) {
    case 'int': case 'float': case 'reltime': case 'ipv4': case 'string':
      return (a, b) => cmpPrim(a as number, b as number);
    case 'bool': return (a, b) => Number(a) - Number(b);
    case 'abstime': return (a, b) => cmpTime(a as AbsTime, b as AbsTime);
    case 'ipv6': case 'ether': case 'bytes': return (a, b) => cmpBytes(a as Uint8Array, b as Uint8Array);
    case 'none': return () => 0;
  }
}

/** A literal converted for a class. */
type Const =
  | { cls: 'int'; v: number | bigint; never?: boolean }
  | { cls: 'float' | 'reltime'; v: number }
  | { cls: 'abstime'; v: AbsTime }
  | { cls: 'bool'; v: boolean }
  | { cls: 'ipv4'; addr: number; mask: number }
  | { cls: 'ipv6'; bytes: Uint8Array; bits: number }
  | { cls: 'ether' | 'bytes'; v: Uint8Array }
  | { cls: 'string'; v: string };

function ordFor(c: Const): Ord {
  switch (c.cls) {
    case 'int': {
      if (c.never) return () => NaN;
      const k = c.v;
      return (v) => cmpPrim(v as number, k);
    }
    case 'float': case 'reltime': { const k = c.v; return (v) => cmpPrim(v as number, k); }
    case 'string': { const k = c.v; return (v) => cmpPrim(v as string, k); }
    case 'bool': { const k = Number(c.v); return (v) => Number(v) - k; }
    case 'abstime': { const k = c.v; return (v) => cmpTime(v as AbsTime, k); }
    case 'ipv4': {
      const { addr, mask } = c;
      if (mask === 0xffffffff) return (v) => cmpPrim(v as number, addr);
      return (v) => cmpPrim(((v as number) & mask) >>> 0, addr);
    }
    case 'ipv6': {
      const { bytes, bits } = c;
      if (bits >= 128) return (v) => cmpBytes(v as Uint8Array, bytes);
      return (v) => {
        const a = v as Uint8Array;
        for (let i = 0; i < 16; i++) {
          const keep = bits >= (i + 1) * 8 ? 0xff : bits <= i * 8 ? 0 : (0xff << (8 - (bits - i * 8))) & 0xff;
          const d = (a[i]! & keep) - bytes[i]!;
          if (d !== 0) return d;
        }
        return 0;
      };
    }
    case 'ether': case 'bytes': { const k = c.v; return (v) => cmpBytes(v as Uint8Array, k); }
  }
}

// ---------------------------------------------------------------------------------------------

type Mode = 'some' | 'every';

function predOf(op: CmpOp): (o: number) => boolean {
  switch (op) {
    case 'any_eq': case 'all_eq': return (o) => o === 0;
    case 'all_ne': case 'any_ne': return (o) => o !== 0;
    case 'gt': return (o) => o > 0;
    case 'ge': return (o) => o >= 0;
    case 'lt': return (o) => o < 0;
    case 'le': return (o) => o <= 0;
    default: throw new Error('not an ordering operator');
  }
}

function modeOf(op: CmpOp, quant: 'any' | 'all' | undefined): Mode {
  if (quant === 'all') return 'every';
  if (quant === 'any') return 'some';
  return op === 'all_ne' || op === 'all_eq' ? 'every' : 'some';
}

function quantify(ev: Eval, mode: Mode, test: (v: FieldValue) => boolean): Pred {
  if (mode === 'some') {
    return (get) => {
      const vs = ev(get);
      for (let i = 0; i < vs.length; i++) if (test(vs[i]!)) return true;
      return false;
    };
  }
  return (get) => {
    const vs = ev(get);
    if (vs.length === 0) return false;
    for (let i = 0; i < vs.length; i++) if (!test(vs[i]!)) return false;
    return true;
  };
}

function opName(t: Token): string {
  return t.text;
}

function toBytes(cls: Cls, v: FieldValue): Uint8Array {
  switch (cls) {
    case 'ipv4': { const n = v as number; return Uint8Array.of(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255); }
    case 'string': return utf8Enc.encode(v as string);
    default: return v as Uint8Array;
  }
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode(...b.subarray(i, i + 4096));
  return s;
}

interface RangeSpec { start: number; kind: 'len' | 'end' | 'toend'; n: number }

function parseRanges(tok: Token): RangeSpec[] {
  const out: RangeSpec[] = [];
  let col = tok.col;
  for (const part of tok.text.split(',')) {
    const p = part.trim();
    const lead = part.length - part.trimStart().length;
    const bad = (msg: string) => err('FILTER_SYNTAX', msg, col + lead, p.length);
    let m: RegExpExecArray | null;
    if ((m = /^(-?\d+):(-?\d+)$/.exec(p))) {
      const n = Number(m[2]);
      if (n <= 0) throw bad(`Range ${p} isn't valid because length ${n} isn't positive`);
      out.push({ start: Number(m[1]), kind: 'len', n });
    } else if ((m = /^(-?\d+)-(-?\d+)$/.exec(p))) {
      const a = Number(m[1]), b = Number(m[2]);
      if (a >= 0 && b >= 0 && a > b) throw bad(`Range ${p} isn't valid because ${a} is greater or equal than ${b}`);
      out.push({ start: a, kind: 'end', n: b });
    } else if ((m = /^(-?\d+):$/.exec(p))) {
      out.push({ start: Number(m[1]), kind: 'toend', n: 0 });
    } else if ((m = /^:(\d+)$/.exec(p))) {
      const n = Number(m[1]);
      if (n <= 0) throw bad(`Range ${p} isn't valid because length ${n} isn't positive`);
      out.push({ start: 0, kind: 'len', n });
    } else if ((m = /^(-?\d+)$/.exec(p))) {
      out.push({ start: Number(m[1]), kind: 'len', n: 1 });
    } else {
      throw bad(p ? `"${p}" is not a valid range.` : 'Unexpected end of filter expression.');
    }
    col += part.length + 1;
  }
  return out;
}

/** Applies ranges; ranges are concatenated up to the first one that does not fit. */
function applyRanges(b: Uint8Array, rs: readonly RangeSpec[]): Uint8Array | undefined {
  const L = b.length;
  if (rs.length === 1) {
    const r = rs[0]!;
    const seg = rangeOf(L, r);
    return seg ? b.subarray(seg[0], seg[0] + seg[1]) : undefined;
  }
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const r of rs) {
    const seg = rangeOf(L, r);
    if (!seg) break;
    parts.push(b.subarray(seg[0], seg[0] + seg[1]));
    total += seg[1];
  }
  if (parts.length === 0) return undefined;
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

function rangeOf(L: number, r: RangeSpec): [number, number] | undefined {
  const start = r.start < 0 ? L + r.start : r.start;
  if (start < 0 || start > L) return undefined;
  let len: number;
  if (r.kind === 'len') len = r.n;
  else if (r.kind === 'toend') len = L - start;
  else {
    const end = r.n < 0 ? L + r.n : r.n;
    if (end >= L) return undefined;
    len = end - start + 1;
  }
  if (len <= 0 || start + len > L) return undefined;
  return [start, len];
}

function bitAnd(a: number | bigint, b: number | bigint): number | bigint {
  if (typeof a === 'number' && typeof b === 'number' && a >= 0 && b >= 0 && a <= 0xffffffff && b <= 0xffffffff) return (a & b) >>> 0;
  const r = BigInt.asUintN(64, BigInt(a)) & BigInt.asUintN(64, BigInt(b));
  return r <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(r) : r;
}

function isZero(v: FieldValue): boolean {
  return v === 0 || v === 0n || v === false;
}

// ---------------------------------------------------------------------------------------------

class Compiler {
  readonly ids = new Set<number>();
  constructor(private readonly reg: Registry, private readonly text: string) {}

  compile(n: Node): Pred {
    switch (n.kind) {
      case 'and': {
        const a = this.compile(n.left), b = this.compile(n.right);
        return (g) => a(g) && b(g);
      }
      case 'or': {
        const a = this.compile(n.left), b = this.compile(n.right);
        return (g) => a(g) || b(g);
      }
      case 'xor': {
        const a = this.compile(n.left), b = this.compile(n.right);
        return (g) => a(g) !== b(g);
      }
      case 'not': {
        const a = this.compile(n.expr);
        return (g) => !a(g);
      }
      case 'test': return this.compileTest(n.value);
      case 'cmp': return this.compileCmp(n);
      case 'in': return this.compileIn(n);
    }
  }

  private fieldOperand(f: RegisteredField, col: number, len: number): Operand {
    this.ids.add(f.id);
    const id = f.id;
    return {
      cls: clsOf(f.type), ftype: f.type, field: f, isField: true, isFunc: false, desc: f.abbrev, col, len,
      eval: (get) => get(id) ?? EMPTY,
    };
  }

  private unknown(tok: Token): TlsLensError {
    if (IDENT.test(tok.text)) return err('FILTER_UNKNOWN_FIELD', `${tok.text} is neither a field nor a protocol name.`, tok.col, tok.len);
    return err('FILTER_SYNTAX', `${tok.text} is neither a field nor a protocol name.`, tok.col, tok.len);
  }

  /** Resolves a value node that must not be a literal. */
  private operand(v: ValueNode, opTok?: Token): Operand {
    const r = this.operandOrLiteral(v);
    if (r) return r;
    if (v.kind === 'word') {
      if (IDENT.test(v.tok.text) || !opTok) throw this.unknown(v.tok);
      throw err('FILTER_SYNTAX', `Left side of "${opName(opTok)}" expression must be a field or function, not ${v.tok.text}.`, v.tok.col, v.tok.len);
    }
    const tok = (v as { tok: Token }).tok;
    if (opTok) throw err('FILTER_SYNTAX', `Left side of "${opName(opTok)}" expression must be a field or function, not ${tok.text}.`, tok.col, tok.len);
    throw err('FILTER_SYNTAX', `${tok.text} is neither a field nor a protocol name.`, tok.col, tok.len);
  }

  /** An operand, or undefined for a literal (unquoted word that is not a field, string, char). */
  private operandOrLiteral(v: ValueNode): Operand | undefined {
    switch (v.kind) {
      case 'word': {
        const f = this.reg.find(v.tok.text);
        return f ? this.fieldOperand(f, v.tok.col, v.tok.len) : undefined;
      }
      case 'string': case 'char': return undefined;
      case 'slice': return this.slice(v);
      case 'call': return this.call(v);
      case 'bitand': return this.bitand(v);
    }
  }

  private slice(v: Extract<ValueNode, { kind: 'slice' }>): Operand {
    const base = this.operand(v.base);
    if (!['bytes', 'ether', 'ipv4', 'ipv6', 'string'].includes(base.cls) || base.ftype === 'none') {
      throw err('FILTER_TYPE', `"${base.desc}" is a ${TYPE_NAMES[base.ftype]} and cannot be sliced into a sequence of bytes.`, base.col, base.len);
    }
    const ranges = parseRanges(v.tok);
    const cls = base.cls;
    const be = base.eval;
    return {
      cls: 'bytes', ftype: 'bytes', isField: false, isFunc: false, desc: this.text.slice(base.col, v.tok.col + v.tok.len + 1),
      col: base.col, len: v.tok.col + v.tok.len + 1 - base.col,
      eval: (get) => {
        const vs = be(get);
        if (vs.length === 0) return EMPTY;
        const out: Uint8Array[] = [];
        for (const x of vs) {
          const s = applyRanges(toBytes(cls, x), ranges);
          if (s) out.push(s);
        }
        return out;
      },
    };
  }

  private bitand(v: Extract<ValueNode, { kind: 'bitand' }>): Operand {
    const left = this.operand(v.left, v.op);
    if (left.cls !== 'int' && left.cls !== 'ipv4') {
      throw err('FILTER_TYPE', `${left.desc} (type=${TYPE_NAMES[left.ftype]}) cannot participate in bitwise "&" operation.`, left.col, left.len);
    }
    const le = left.eval;
    const base = { cls: left.cls, ftype: left.ftype, isField: false, isFunc: false, desc: this.text.slice(left.col, valueEnd(v.right)), col: left.col, len: valueEnd(v.right) - left.col } as const;
    const withField = left.field ? { field: left.field } : {};
    const rop = this.operandOrLiteral(v.right);
    if (rop) {
      if (rop.cls !== left.cls) throw err('FILTER_TYPE', `${left.desc} and ${rop.desc} are not of compatible types.`, rop.col, rop.len);
      const re = rop.eval;
      return {
        ...base, ...withField,
        eval: (get) => {
          const a = le(get), b = re(get);
          if (a.length === 0 || b.length === 0) return EMPTY;
          const out: FieldValue[] = [];
          for (const x of a) for (const y of b) out.push(left.cls === 'ipv4' ? (((x as number) & (y as number)) >>> 0) : bitAnd(x as number, y as number));
          return out;
        },
      };
    }
    const c = this.literal(v.right, left);
    let mask: number | bigint;
    if (c.cls === 'int') {
      if (c.never) throw err('FILTER_TYPE', `"${this.litText(v.right)}" is not a valid mask.`, valueStart(v.right), valueEnd(v.right) - valueStart(v.right));
      mask = c.v;
    } else if (c.cls === 'ipv4') mask = c.addr;
    else throw err('FILTER_TYPE', `Invalid bitwise mask.`, valueStart(v.right), valueEnd(v.right) - valueStart(v.right));
    const m = mask;
    return {
      ...base, ...withField,
      eval: (get) => {
        const a = le(get);
        if (a.length === 0) return EMPTY;
        return a.map((x) => bitAnd(x as number, m));
      },
    };
  }

  private call(v: Extract<ValueNode, { kind: 'call' }>): Operand {
    const name = v.name.text;
    const base = { isField: false, isFunc: true, desc: this.text.slice(v.col, v.col + v.len), col: v.col, len: v.len } as const;
    const arity = (min: number, max: number) => {
      if (v.args.length < min || v.args.length > max) {
        throw err('FILTER_SYNTAX', `Function ${name}() takes ${min === max ? min : `${min} to ${max}`} argument${max === 1 ? '' : 's'}, got ${v.args.length}.`, v.col, v.len);
      }
    };
    switch (name) {
      case 'len': {
        arity(1, 1);
        const a = this.operand(v.args[0]!);
        const ae = a.eval;
        const cls = a.cls;
        const width = INT_WIDTH[a.ftype] ?? 0;
        const lenOf = (x: FieldValue): number =>
          cls === 'string' ? utf8Enc.encode(x as string).length : x instanceof Uint8Array ? x.length : width;
        return { ...base, cls: 'int', ftype: 'uint32', eval: (get) => { const vs = ae(get); return vs.length === 0 ? EMPTY : vs.map(lenOf); } };
      }
      case 'count': {
        arity(1, 1);
        const a = this.operand(v.args[0]!);
        if (!a.isField) throw err('FILTER_TYPE', `Only fields can be used as parameter for count()`, a.col, a.len);
        const ae = a.eval;
        return { ...base, cls: 'int', ftype: 'uint32', eval: (get) => { const n = ae(get).length; return n === 0 ? EMPTY : [n]; } };
      }
      case 'lower': case 'upper': {
        arity(1, 1);
        const a = this.operand(v.args[0]!);
        if (a.cls !== 'string') throw err('FILTER_TYPE', `Only string type fields can be used as parameter for ${name}()`, a.col, a.len);
        const ae = a.eval;
        const up = name === 'upper';
        return { ...base, cls: 'string', ftype: 'string', eval: (get) => { const vs = ae(get); return vs.length === 0 ? EMPTY : vs.map((x) => (up ? (x as string).toUpperCase() : (x as string).toLowerCase())); } };
      }
      case 'string': {
        arity(1, 1);
        const a = this.operand(v.args[0]!);
        const fmt = this.stringer(a);
        if (!fmt) throw err('FILTER_TYPE', `String conversion for field "${a.desc}" is not supported`, a.col, a.len);
        const ae = a.eval;
        return { ...base, cls: 'string', ftype: 'string', eval: (get) => { const vs = ae(get); return vs.length === 0 ? EMPTY : vs.map(fmt); } };
      }
      case 'abs': {
        arity(1, 1);
        const a = this.operand(v.args[0]!);
        if (a.cls !== 'int' && a.cls !== 'float' && a.cls !== 'reltime') throw err('FILTER_TYPE', `Only numeric types can be used as parameter for abs()`, a.col, a.len);
        const ae = a.eval;
        const withField = a.field ? { field: a.field } : {};
        return { ...base, ...withField, cls: a.cls, ftype: a.ftype, eval: (get) => ae(get).map((x) => (typeof x === 'bigint' ? (x < 0n ? -x : x) : Math.abs(x as number))) };
      }
      case 'max': case 'min': {
        if (v.args.length < 1) arity(1, 99);
        const ops = v.args.map((x) => this.operand(x));
        const cls = ops[0]!.cls;
        for (const o of ops) {
          if (o.cls !== cls || cls === 'none' || cls === 'bool') throw err('FILTER_TYPE', `Arguments to ${name}() must be of the same comparable type`, o.col, o.len);
        }
        const o2 = ord2For(cls);
        const evs = ops.map((o) => o.eval);
        const sign = name === 'max' ? 1 : -1;
        return {
          ...base, cls, ftype: ops[0]!.ftype,
          eval: (get) => {
            let best: FieldValue | undefined;
            for (const e of evs) for (const x of e(get)) if (best === undefined || sign * o2(x, best) > 0) best = x;
            return best === undefined ? EMPTY : [best];
          },
        };
      }
      default:
        throw err('FILTER_SYNTAX', `The function '${name}' does not exist.`, v.name.col, v.name.len);
    }
  }

  private stringer(a: Operand): ((x: FieldValue) => string) | undefined {
    switch (a.cls) {
      case 'int': return (x) => String(x);
      case 'float': return (x) => doubleText(x as number);
      case 'ipv4': return (x) => ipv4Text(x as number);
      case 'ipv6': return (x) => ipv6Text(x as Uint8Array);
      case 'ether': return (x) => etherText(x as Uint8Array);
      case 'bytes': return a.ftype === 'protocol' ? undefined : (x) => hexBytes(x as Uint8Array, ':');
      case 'string': return a.ftype === 'oid' ? (x) => x as string : undefined;
      default: return undefined;
    }
  }

  private litText(v: ValueNode): string {
    return v.kind === 'word' || v.kind === 'string' || v.kind === 'char' ? v.tok.text : this.text.slice(valueStart(v), valueEnd(v));
  }

  /** Converts a literal node for comparison with `target`. */
  private literal(v: ValueNode, target: Operand, forContains = false): Const {
    if (v.kind !== 'word' && v.kind !== 'string' && v.kind !== 'char') {
      throw err('FILTER_SYNTAX', 'Expected a literal value.', valueStart(v), valueEnd(v) - valueStart(v));
    }
    const tok = v.tok;
    const quoted = v.kind === 'string';
    const text = v.kind === 'word' ? tok.text : v.kind === 'string' ? utf8Dec.decode(tok.bytes!) : String.fromCharCode(tok.bytes![0]!);
    const typeErr = (msg: string) => err('FILTER_TYPE', msg, tok.col, tok.len);
    const tname = TYPE_NAMES[target.ftype];
    const fromString = () => typeErr(`${tname} cannot be converted from a string (${tok.text}).`);
    const f = target.field;
    const cls = forContains && target.cls === 'ether' ? 'bytes' : target.cls;
    switch (cls) {
      case 'int': {
        let n: bigint | undefined;
        if (v.kind === 'char') n = BigInt(tok.bytes![0]!);
        else if (!quoted) n = parseInteger(text);
        if (n === undefined) {
          const name = f?.vals && lookupName(f.vals, text);
          if (name !== undefined) return { cls: 'int', v: name };
          if (f?.vals) throw typeErr(`"${text}" cannot be found among the possible values for ${f.abbrev}.`);
          if (quoted) throw fromString();
          throw typeErr(`"${text}" is not a valid number.`);
        }
        const [lo, hi] = intLimits(target.ftype);
        if (n < 0n && lo === 0n) return { cls: 'int', v: 0, never: true }; // Wireshark 4.0: never equal, never ordered
        if (n > hi) throw typeErr(`"${text}" too big for this field, maximum ${hi}.`);
        if (n < lo) throw typeErr(`"${text}" too small for this field, minimum ${lo}.`);
        return { cls: 'int', v: n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n };
      }
      case 'bool': {
        if (!quoted) {
          const n = v.kind === 'char' ? BigInt(tok.bytes![0]!) : parseInteger(text);
          if (n !== undefined) return { cls: 'bool', v: n !== 0n };
          if (text === 'True' || text === 'TRUE') return { cls: 'bool', v: true };
          if (text === 'False' || text === 'FALSE') return { cls: 'bool', v: false };
        }
        const low = text.toLowerCase();
        const [t, fl] = f?.tfs ?? ['Set', 'Not set'];
        if (low === t.toLowerCase() || (quoted && low === 'true')) return { cls: 'bool', v: true };
        if (low === fl.toLowerCase() || (quoted && low === 'false')) return { cls: 'bool', v: false };
        throw typeErr(`"${text}" cannot be found among the possible values for ${target.desc}.`);
      }
      case 'float': case 'reltime': {
        const x = quoted || v.kind === 'char' ? undefined : parseFloatText(text);
        if (x === undefined || !Number.isFinite(x)) {
          if (quoted) throw fromString();
          throw typeErr(`"${text}" is not a valid number.`);
        }
        return cls === 'float' ? { cls: 'float', v: x } : { cls: 'reltime', v: Math.round(x * 1e9) };
      }
      case 'abstime': {
        const t = parseAbsTime(text);
        if (!t) throw typeErr(`"${text}" is not a valid absolute time. Example: "Nov 12, 1999 08:55:44.123" or "2011-07-04 12:34:56"`);
        return { cls: 'abstime', v: t };
      }
      case 'ipv4': {
        let a: ReturnType<typeof parseIPv4>;
        try { a = parseIPv4(text); } catch (m) { throw typeErr(String(m)); }
        if (!a) throw typeErr(`"${text}" is not a valid hostname or IPv4 address.`);
        const mask = a.bits === 0 ? 0 : (0xffffffff << (32 - a.bits)) >>> 0;
        return { cls: 'ipv4', addr: (a.addr & mask) >>> 0, mask };
      }
      case 'ipv6': {
        let a: ReturnType<typeof parseIPv6>;
        try { a = parseIPv6(text); } catch (m) { throw typeErr(String(m)); }
        if (!a) throw typeErr(`"${text}" is not a valid hostname or IPv6 address.`);
        const b = a.bytes;
        for (let i = 0; i < 16; i++) {
          const keep = a.bits >= (i + 1) * 8 ? 0xff : a.bits <= i * 8 ? 0 : (0xff << (8 - (a.bits - i * 8))) & 0xff;
          b[i] = b[i]! & keep;
        }
        return { cls: 'ipv6', bytes: b, bits: a.bits };
      }
      case 'ether': {
        const b = quoted ? parseEther(text) : parseEther(text);
        if (!b) throw typeErr(`"${text}" is not a valid Ethernet address.`);
        return { cls: 'ether', v: b };
      }
      case 'bytes': {
        if (v.kind === 'string' || v.kind === 'char') return { cls: 'bytes', v: tok.bytes! };
        const b = parseByteString(text);
        if (!b) throw typeErr(`"${text}" is not a valid byte string.`);
        return { cls: 'bytes', v: b };
      }
      case 'string':
        return { cls: 'string', v: text };
      case 'none':
        throw typeErr(`${target.desc} (type=${tname}) cannot be compared with a value.`);
    }
  }

  private compileTest(v: ValueNode): Pred {
    if (v.kind === 'call') throw err('FILTER_SYNTAX', 'You cannot test whether a function is present.', v.col, v.name.len);
    if (v.kind === 'word') {
      const f = this.reg.find(v.tok.text);
      if (!f) throw this.unknown(v.tok);
      this.ids.add(f.id);
      const id = f.id;
      return (get) => { const vs = get(id); return vs !== undefined && vs.length > 0; };
    }
    const o = this.operand(v);
    const e = o.eval;
    if (v.kind === 'bitand') {
      return (get) => { const vs = e(get); for (const x of vs) if (!isZero(x)) return true; return false; };
    }
    return (get) => e(get).length > 0;
  }

  private checkOp(o: Operand, op: CmpOp, opTok: Token): void {
    const bad = () => err('FILTER_TYPE', `${o.desc} (type=${TYPE_NAMES[o.ftype]}) cannot participate in ${op === 'contains' || op === 'matches' ? op : `"${opTok.text}"`} comparison.`, o.col, o.len);
    if (o.cls === 'none') throw bad();
    if (op === 'contains' && !['string', 'bytes', 'ether', 'ipv6'].includes(o.cls)) throw bad();
    if (op === 'matches' && o.cls !== 'string' && o.cls !== 'bytes') throw bad();
  }

  private compileCmp(n: Extract<Node, { kind: 'cmp' }>): Pred {
    const left = this.operand(n.left, n.opTok);
    this.checkOp(left, n.op, n.opTok);
    const le = left.eval;
    if (n.op === 'matches') {
      if (n.right.kind !== 'string') {
        const s = valueStart(n.right);
        throw err('FILTER_TYPE', `Expected a string literal for "matches", not ${this.text.slice(s, valueEnd(n.right))}.`, s, valueEnd(n.right) - s);
      }
      const re = compileRegex(utf8Dec.decode(n.right.tok.bytes!), n.right.tok);
      const asStr = left.cls === 'string' ? (x: FieldValue) => x as string : (x: FieldValue) => latin1(x as Uint8Array);
      return quantify(le, n.quant === 'all' ? 'every' : 'some', (x) => re.test(asStr(x)));
    }
    const rop = this.operandOrLiteral(n.right);
    if (rop) {
      // field against field (any pair)
      const compatible = rop.cls === left.cls || (['bytes', 'ether', 'ipv6'].includes(rop.cls) && ['bytes', 'ether', 'ipv6'].includes(left.cls) && n.op === 'contains');
      if (!compatible) throw err('FILTER_TYPE', `${left.desc} and ${rop.desc} are not of compatible types.`, rop.col, rop.len);
      this.checkOp(rop, n.op, n.opTok);
      const re = rop.eval;
      let test2: (a: FieldValue, b: FieldValue) => boolean;
      if (n.op === 'contains') test2 = containsTest2(left.cls);
      else { const o2 = ord2For(left.cls); const p = predOf(n.op); test2 = (a, b) => p(o2(a, b)); }
      const mode = n.op === 'contains' ? (n.quant === 'all' ? 'every' : 'some') : modeOf(n.op, n.quant);
      return (get) => {
        const a = le(get), b = re(get);
        if (a.length === 0 || b.length === 0) return false;
        if (mode === 'some') {
          for (const x of a) for (const y of b) if (test2(x, y)) return true;
          return false;
        }
        for (const x of a) for (const y of b) if (!test2(x, y)) return false;
        return true;
      };
    }
    if (n.op === 'contains') {
      const c = this.literal(n.right, left, true);
      return quantify(le, n.quant === 'all' ? 'every' : 'some', containsTest(left.cls, c));
    }
    const c = this.literal(n.right, left);
    const ord = ordFor(c);
    const p = predOf(n.op);
    return quantify(le, modeOf(n.op, n.quant), (x) => p(ord(x)));
  }

  private compileIn(n: Extract<Node, { kind: 'in' }>): Pred {
    const left = this.operand(n.value, n.opTok);
    if (left.cls === 'none') throw err('FILTER_TYPE', `${left.desc} (type=${TYPE_NAMES[left.ftype]}) cannot participate in "in" comparison.`, left.col, left.len);
    const tests = n.members.map((m: SetMember) => {
      const lo = ordFor(this.literal(m.lo, left));
      if (!m.hi) return (x: FieldValue) => lo(x) === 0;
      const hi = ordFor(this.literal(m.hi, left));
      return (x: FieldValue) => lo(x) >= 0 && hi(x) <= 0;
    });
    const member = tests.length === 1 ? tests[0]! : (x: FieldValue) => { for (const t of tests) if (t(x)) return true; return false; };
    const p = quantify(left.eval, n.quant === 'all' ? 'every' : 'some', member);
    return n.negated ? (g) => !p(g) : p;
  }
}

function lookupName(vals: ReadonlyMap<number, string>, text: string): number | undefined {
  const low = text.toLowerCase();
  for (const [k, name] of vals) if (name.toLowerCase() === low) return k;
  return undefined;
}

function indexOfBytes(hay: Uint8Array, needle: Uint8Array): number {
  if (needle.length === 0) return 0;
  const first = needle[0]!;
  outer: for (let i = hay.indexOf(first); i >= 0 && i <= hay.length - needle.length; i = hay.indexOf(first, i + 1)) {
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function containsTest(cls: Cls, c: Const): (v: FieldValue) => boolean {
  if (cls === 'string') {
    const k = (c as { v: string }).v;
    return (v) => (v as string).includes(k);
  }
  const k = c.cls === 'ipv6' ? c.bytes : (c as { v: Uint8Array }).v;
  return (v) => indexOfBytes(v as Uint8Array, k) >= 0;
}

function containsTest2(cls: Cls): (a: FieldValue, b: FieldValue) => boolean {
  if (cls === 'string') return (a, b) => (a as string).includes(b as string);
  return (a, b) => indexOfBytes(a as Uint8Array, b as Uint8Array) >= 0;
}

/** Translates a PCRE2 pattern to a JS RegExp. Wireshark's "matches" is case-insensitive unless "(?-i)". */
function compileRegex(src: string, tok: Token): RegExp {
  let flags = 'i';
  let pat = src;
  for (;;) {
    const m = /^\(\?([a-zA-Z]*)(?:-([a-zA-Z]*))?\)/.exec(pat);
    if (!m) break;
    const on = m[1] ?? '', off = m[2] ?? '';
    for (const ch of on) if (ch === 'i' && !flags.includes('i')) flags += 'i'; else if (ch === 's' && !flags.includes('s')) flags += 's'; else if (ch === 'm' && !flags.includes('m')) flags += 'm';
    for (const ch of off) flags = flags.replace(ch, '');
    pat = pat.slice(m[0].length);
  }
  // PCRE-only syntax with simple JS equivalents
  pat = pat.replace(/\\A/g, '^').replace(/\\[zZ]/g, '$');
  try {
    return new RegExp(pat, flags);
  } catch (e) {
    throw err('FILTER_TYPE', `"${src}" is not a valid regular expression: ${(e as Error).message}`, tok.col, tok.len);
  }
}

/** Renders `text` with parentheses around every unparenthesised `and` directly inside an `or`/`xor`. */
function precedenceWarning(text: string, root: Node): string | undefined {
  const spans: [number, number][] = [];
  let first: [string, string] | undefined;
  const walk = (n: Node): void => {
    if (n.kind === 'or' || n.kind === 'xor') {
      for (const c of [n.left, n.right]) {
        if (c.kind === 'and' && !c.paren) {
          spans.push([c.start, c.end]);
          first ??= [c.op.text, n.op.text];
        }
      }
    }
    if (n.kind === 'and' || n.kind === 'or' || n.kind === 'xor') { walk(n.left); walk(n.right); }
    else if (n.kind === 'not') walk(n.expr);
  };
  walk(root);
  if (!first) return undefined;
  const ins: [number, string][] = [];
  for (const [s, e] of spans) { ins.push([s, '(']); ins.push([e, ')']); }
  ins.sort((a, b) => b[0] - a[0] || (a[1] === '(' ? 1 : -1));
  let out = text;
  for (const [pos, ch] of ins) out = out.slice(0, pos) + ch + out.slice(pos);
  return `suggest parentheses around '${first[0]}' within '${first[1]}': "${text.trim()}" is parsed as "${out.trim()}"`;
}

export function compileFilter(text: string, reg: Registry): CompiledFilter {
  if (text.trim() === '') return { text, fields: [], warnings: [], match: () => true };
  const ast = parseFilter(text);
  const c = new Compiler(reg, text);
  const pred = c.compile(ast);
  const w = precedenceWarning(text, ast);
  return { text, fields: [...c.ids].sort((a, b) => a - b), warnings: w ? [w] : [], match: pred };
}

/** Formats a filter error like tshark: message, the filter, and a caret line under the offending part. */
export function formatFilterError(text: string, e: TlsLensError, prog = 'tlslens'): string {
  const lines = [`${prog}: ${e.message}`];
  if (e.column !== undefined && e.column >= 0 && e.column <= text.length) {
    const len = Math.max(1, Math.min(e.length ?? 1, Math.max(1, text.length - e.column)));
    lines.push(`    ${text}`);
    lines.push(`    ${' '.repeat(e.column)}^${'~'.repeat(len - 1)}`);
  }
  return lines.join('\n');
}
