import { TlsLensError } from '../errors.ts';
import { tokenize, type Token } from './lexer.ts';

/** Comparison operators, normalised to Wireshark's names. */
export type CmpOp = 'any_eq' | 'all_ne' | 'any_ne' | 'all_eq' | 'gt' | 'ge' | 'lt' | 'le' | 'contains' | 'matches';

/** A value: a field (or a literal word, decided later), a literal, a slice, a function call or `a & b`. */
export type ValueNode =
  | { kind: 'word'; tok: Token }                     // field name or unquoted literal
  | { kind: 'string'; tok: Token }
  | { kind: 'char'; tok: Token }
  | { kind: 'slice'; base: ValueNode; tok: Token }   // tok = the range token
  | { kind: 'call'; name: Token; args: ValueNode[]; col: number; len: number }
  | { kind: 'bitand'; left: ValueNode; right: ValueNode; op: Token };

export interface SetMember {
  readonly lo: ValueNode;
  readonly hi?: ValueNode;
}

export type Node =
  | { kind: 'and' | 'or' | 'xor'; left: Node; right: Node; op: Token; start: number; end: number; paren: boolean }
  | { kind: 'not'; expr: Node; start: number; end: number; paren: boolean }
  | { kind: 'test'; value: ValueNode; start: number; end: number; paren: boolean; quant?: 'any' | 'all' }
  | { kind: 'cmp'; op: CmpOp; opTok: Token; left: ValueNode; right: ValueNode; start: number; end: number; paren: boolean; quant?: 'any' | 'all' }
  | { kind: 'in'; negated: boolean; value: ValueNode; members: SetMember[]; opTok: Token; start: number; end: number; paren: boolean; quant?: 'any' | 'all' };

const CMP_OPS: Record<string, CmpOp> = {
  '==': 'any_eq', eq: 'any_eq', any_eq: 'any_eq',
  '!=': 'all_ne', ne: 'all_ne', all_ne: 'all_ne',
  '!==': 'any_ne', '~=': 'any_ne', any_ne: 'any_ne',
  '===': 'all_eq', all_eq: 'all_eq',
  '>': 'gt', gt: 'gt', '>=': 'ge', ge: 'ge', '<': 'lt', lt: 'lt', '<=': 'le', le: 'le',
  contains: 'contains', matches: 'matches', '~': 'matches',
};

const KEYWORDS = new Set(['and', 'or', 'not', 'xor', 'in', 'contains', 'matches', 'eq', 'ne', 'gt', 'ge', 'lt', 'le', 'any_eq', 'all_ne', 'any_ne', 'all_eq']);
export const FUNCTIONS = new Set(['len', 'count', 'lower', 'upper', 'string', 'abs', 'max', 'min']);

export function valueStart(v: ValueNode): number {
  switch (v.kind) {
    case 'word': case 'string': case 'char': return v.tok.col;
    case 'slice': return valueStart(v.base);
    case 'call': return v.col;
    case 'bitand': return valueStart(v.left);
  }
}

export function valueEnd(v: ValueNode): number {
  switch (v.kind) {
    case 'word': case 'string': case 'char': return v.tok.col + v.tok.len;
    case 'slice': return v.tok.col + v.tok.len + 1;
    case 'call': return v.col + v.len;
    case 'bitand': return valueEnd(v.right);
  }
}

class Parser {
  private pos = 0;
  constructor(private readonly toks: Token[], private readonly src: string) {}

  private peek(o = 0): Token {
    return this.toks[Math.min(this.pos + o, this.toks.length - 1)]!;
  }
  private next(): Token {
    const t = this.peek();
    if (this.pos < this.toks.length - 1) this.pos++;
    return t;
  }
  unexpected(t: Token = this.peek()): TlsLensError {
    if (t.kind === 'eof') return new TlsLensError('FILTER_SYNTAX', 'Unexpected end of filter expression.');
    const text = t.kind === 'range' ? '[' : t.text;
    return new TlsLensError('FILTER_SYNTAX', `"${text}" was unexpected in this context.`, { column: t.kind === 'range' ? t.col - 1 : t.col, length: Math.max(1, t.kind === 'range' ? 1 : t.len) });
  }
  private isWord(t: Token, w: string): boolean {
    return t.kind === 'word' && t.text === w;
  }
  private isOp(t: Token, o: string): boolean {
    return t.kind === 'op' && t.text === o;
  }

  parseAll(): Node {
    const n = this.parseOr();
    if (this.peek().kind !== 'eof') throw this.unexpected();
    return n;
  }

  private parseOr(): Node {
    let left = this.parseXor();
    for (;;) {
      const t = this.peek();
      if (!(this.isWord(t, 'or') || this.isOp(t, '||'))) return left;
      this.next();
      const right = this.parseXor();
      left = { kind: 'or', left, right, op: t, start: left.start, end: right.end, paren: false };
    }
  }

  private parseXor(): Node {
    let left = this.parseAnd();
    for (;;) {
      const t = this.peek();
      if (!(this.isWord(t, 'xor') || this.isOp(t, '^^'))) return left;
      this.next();
      const right = this.parseAnd();
      left = { kind: 'xor', left, right, op: t, start: left.start, end: right.end, paren: false };
    }
  }

  private parseAnd(): Node {
    let left = this.parseUnary();
    for (;;) {
      const t = this.peek();
      if (!(this.isWord(t, 'and') || this.isOp(t, '&&'))) return left;
      this.next();
      const right = this.parseUnary();
      left = { kind: 'and', left, right, op: t, start: left.start, end: right.end, paren: false };
    }
  }

  private parseUnary(): Node {
    const t = this.peek();
    if (this.isWord(t, 'not') || this.isOp(t, '!')) {
      this.next();
      const expr = this.parseUnary();
      return { kind: 'not', expr, start: t.col, end: expr.end, paren: false };
    }
    if (t.kind === 'lparen') {
      this.next();
      const inner = this.parseOr();
      const close = this.peek();
      if (close.kind !== 'rparen') throw this.unexpected();
      this.next();
      return { ...inner, start: t.col, end: close.col + 1, paren: true };
    }
    return this.parseTest();
  }

  private parseTest(): Node {
    let quant: 'any' | 'all' | undefined;
    const q = this.peek();
    if ((this.isWord(q, 'any') || this.isWord(q, 'all')) && this.startsValue(this.peek(1))) {
      this.next();
      quant = q.text as 'any' | 'all';
    }
    const left = this.parseValue();
    const start = quant ? q.col : valueStart(left);
    const t = this.peek();
    const opText = t.kind === 'op' || t.kind === 'word' ? t.text : '';
    const q2 = quant ? { quant } : {};
    if (t.kind === 'word' && (t.text === 'in' || (t.text === 'not' && this.isWord(this.peek(1), 'in')))) {
      const negated = t.text === 'not';
      this.next();
      if (negated) this.next();
      const members = this.parseSet();
      return { kind: 'in', negated, value: left, members, opTok: t, start, end: this.toks[this.pos - 1]!.col + 1, paren: false, ...q2 };
    }
    if (Object.hasOwn(CMP_OPS, opText)) {
      this.next();
      const right = this.parseValue();
      const after = this.peek();
      if ((after.kind === 'op' || after.kind === 'word') && Object.hasOwn(CMP_OPS, after.text)) {
        // "a == b == c": Wireshark reports the middle operand as a bad left side
        const s = valueStart(right);
        throw new TlsLensError('FILTER_SYNTAX', `Left side of "${after.text}" expression must be a field or function, not ${this.src.slice(s, valueEnd(right))}.`, { column: s, length: Math.max(1, valueEnd(right) - s) });
      }
      return { kind: 'cmp', op: CMP_OPS[opText]!, opTok: t, left, right, start, end: valueEnd(right), paren: false, ...q2 };
    }
    return { kind: 'test', value: left, start, end: valueEnd(left), paren: false, ...q2 };
  }

  private startsValue(t: Token): boolean {
    return (t.kind === 'word' && !KEYWORDS.has(t.text)) || t.kind === 'string' || t.kind === 'char';
  }

  private parseSet(): SetMember[] {
    const open = this.peek();
    if (open.kind !== 'lbrace') throw this.unexpected();
    this.next();
    const members: SetMember[] = [];
    for (;;) {
      members.push(this.parseMember());
      const t = this.peek();
      if (t.kind === 'comma') { this.next(); continue; }
      if (t.kind === 'rbrace') { this.next(); return members; }
      throw this.unexpected();
    }
  }

  private parseMember(): SetMember {
    const t = this.peek();
    // "1..5" and "10.0.0.1..10.0.0.9" arrive as one word
    if (t.kind === 'word' && t.text.includes('..')) {
      this.next();
      const k = t.text.indexOf('..');
      const loTok: Token = { kind: 'word', text: t.text.slice(0, k), col: t.col, len: k };
      const rest = t.text.slice(k + 2);
      if (!loTok.text) throw this.unexpected(t);
      if (rest) return { lo: { kind: 'word', tok: loTok }, hi: { kind: 'word', tok: { kind: 'word', text: rest, col: t.col + k + 2, len: rest.length } } };
      return { lo: { kind: 'word', tok: loTok }, hi: this.parseSetValue() };
    }
    const lo = this.parseSetValue();
    if (this.peek().kind === 'dotdot') {
      this.next();
      return { lo, hi: this.parseSetValue() };
    }
    return { lo };
  }

  private parseSetValue(): ValueNode {
    const t = this.peek();
    if (!this.startsValue(t)) throw this.unexpected();
    return this.parseValue();
  }

  /** value := term ('&' term)* */
  private parseValue(): ValueNode {
    let left = this.parseTerm();
    while (this.isOp(this.peek(), '&')) {
      const op = this.next();
      const right = this.parseTerm();
      left = { kind: 'bitand', left, right, op };
    }
    return left;
  }

  private parseTerm(): ValueNode {
    const t = this.peek();
    let v: ValueNode;
    if (t.kind === 'string') { this.next(); v = { kind: 'string', tok: t }; }
    else if (t.kind === 'char') { this.next(); v = { kind: 'char', tok: t }; }
    else if (t.kind === 'word' && !KEYWORDS.has(t.text)) {
      this.next();
      if (this.peek().kind === 'lparen' && FUNCTIONS.has(t.text)) {
        this.next();
        const args: ValueNode[] = [];
        if (this.peek().kind !== 'rparen') {
          for (;;) {
            args.push(this.parseValue());
            if (this.peek().kind === 'comma') { this.next(); continue; }
            break;
          }
        }
        const close = this.peek();
        if (close.kind !== 'rparen') throw this.unexpected();
        this.next();
        v = { kind: 'call', name: t, args, col: t.col, len: close.col + 1 - t.col };
      } else {
        v = { kind: 'word', tok: t };
      }
    } else {
      throw this.unexpected();
    }
    while (this.peek().kind === 'range') {
      v = { kind: 'slice', base: v, tok: this.next() };
    }
    return v;
  }
}

export function parseFilter(text: string): Node {
  const toks = tokenize(text);
  if (toks.length === 1) throw new TlsLensError('FILTER_SYNTAX', 'Unexpected end of filter expression.');
  return new Parser(toks, text).parseAll();
}
