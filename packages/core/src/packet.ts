import type { AbsTime, FieldValue } from './fields/types.ts';

/** A node of the detail tree: one field occurrence with its absolute position. */
export interface TreeNode {
  readonly id: number;
  readonly value: FieldValue;
  /** Byte offset inside the data source `src` (0 = the frame itself). */
  readonly offset: number;
  readonly length: number;
  readonly src: number;
  /** Text to show instead of the registry's "Name: value" label. */
  label?: string | (() => string);
  /** Wireshark's "generated" ([…]) fields, computed rather than read from bytes. */
  generated?: boolean;
  /** Hidden fields are filterable but not shown in the tree. */
  hidden?: boolean;
  children?: TreeNode[];
}

export interface DataSource {
  readonly name: string;
  readonly data: Uint8Array;
}

export type ExpertSeverity = 'comment' | 'chat' | 'note' | 'warn' | 'error';
export interface ExpertInfo {
  readonly severity: ExpertSeverity;
  readonly group: string;
  readonly message: string;
}

/**
 * What the consumer of a dissection needs: which fields (a flag per field id, or all of
 * them) and whether to build the tree and the columns.
 */
export interface Wanted {
  /** 1 for each field id whose values must be kept; undefined = keep every field. Fixed once packets use it. */
  readonly fields?: Uint8Array;
  readonly tree: boolean;
  readonly columns: boolean;
  /**
   * Outside tree mode: also keep the wanted fields' occurrences in dissection order, with their
   * positions (`Packet.occurrences`), for a consumer that reads fields in the tree's order
   * (which message a header belongs to) without building the whole tree.
   */
  readonly ordered?: boolean;
}

const slotCache = new WeakMap<Uint8Array, { slots: Int32Array; count: number }>();
/** id → slot numbers for a wanted-fields set, computed once per set. */
function slotsFor(want: Uint8Array): { slots: Int32Array; count: number } {
  let sl = slotCache.get(want);
  if (!sl) {
    const slots = new Int32Array(want.length).fill(-1);
    let count = 0;
    for (let i = 0; i < want.length; i++) if (want[i] === 1) slots[i] = count++;
    sl = { slots, count };
    slotCache.set(want, sl);
  }
  return sl;
}

const NO_NODES: TreeNode[] = [];
const NO_STACK: TreeNode[][] = [];
const NO_EXPERTS: readonly ExpertInfo[] = [];

const NODE_FLAG_GENERATED = 1;
const NODE_FLAG_HIDDEN = 2;
export const GENERATED = NODE_FLAG_GENERATED;
export const HIDDEN = NODE_FLAG_HIDDEN;

/**
 * One frame under dissection. Dissectors add field occurrences through `add`/`open`/`close`;
 * values are kept only for the wanted fields, and tree nodes only in tree mode, so a
 * `-T fields` run pays for what it prints.
 */
export class Packet {
  readonly num: number;
  readonly ts: AbsTime;
  readonly data: Uint8Array;
  readonly origLen: number;
  readonly linktype: number;
  readonly ifaceId: number;
  readonly tree: boolean;
  readonly wantCols: boolean;
  private extraSources: DataSource[] | undefined;
  /** Protocol path for frame.protocols ("eth", "ethertype", "ip", …). */
  readonly protocols: string[] = [];
  /** Protocol column. */
  colProtocol = '';
  /**
   * Info, Source and Destination columns. Dissectors may give them lazily (setInfoLazy,
   * setAddrColumns): most packets of a filtered read are never printed, and their strings
   * would only feed the garbage collector. Reading a column computes it; writing one replaces it.
   */
  get colInfo(): string {
    const fn = this.infoFn;
    if (fn !== undefined) {
      this.infoFn = undefined;
      this.info = fn();
    }
    return this.info;
  }
  set colInfo(v: string) {
    this.infoFn = undefined;
    this.info = v;
  }
  get colSrc(): string {
    return this.addrCols !== undefined ? this.addrCols.srcText : this.src0;
  }
  set colSrc(v: string) {
    this.fixAddrs();
    this.src0 = v;
  }
  get colDst(): string {
    return this.addrCols !== undefined ? this.addrCols.dstText : this.dst0;
  }
  set colDst(v: string) {
    this.fixAddrs();
    this.dst0 = v;
  }
  /** The Info column, built when it is first read (until then or a write to colInfo). */
  setInfoLazy(fn: () => string): void {
    this.infoFn = fn;
  }
  /**
   * The Info column as it stands, without building a lazy one: a token for setInfoState (to
   * put it back) and for comparing (a different token means Info was written since).
   */
  infoState(): string | (() => string) {
    return this.infoFn ?? this.info;
  }
  /** Appends to the Info column; a lazy one stays lazy. */
  appendInfo(text: string): void {
    const fn = this.infoFn;
    if (fn !== undefined) this.infoFn = () => fn() + text;
    else this.info += text;
  }
  setInfoState(st: string | (() => string)): void {
    if (typeof st === 'string') this.colInfo = st;
    else this.infoFn = st;
  }
  /** Source and Destination columns from an object whose texts are computed on first use. */
  setAddrColumns(a: { readonly srcText: string; readonly dstText: string }): void {
    this.addrCols = a;
  }
  private fixAddrs(): void {
    const a = this.addrCols;
    if (a === undefined) return;
    this.addrCols = undefined;
    this.src0 = a.srcText;
    this.dst0 = a.dstText;
  }
  private info = '';
  private infoFn: (() => string) | undefined = undefined;
  private src0 = '';
  private dst0 = '';
  private addrCols: { readonly srcText: string; readonly dstText: string } | undefined = undefined;
  private expertList: ExpertInfo[] | undefined;
  /** The tree's roots (tree mode only; empty otherwise). */
  readonly roots: TreeNode[];
  /**
   * Wanted.ordered outside tree mode: the wanted fields' occurrences in the order they were
   * added (the tree's pre-order), as childless nodes; empty otherwise.
   */
  readonly occurrences: TreeNode[];

  private readonly want: Uint8Array | undefined;
  /**
   * Kept values: in tree mode a map by field id; otherwise an array with one slot per
   * wanted field (no hashing per value, one small array per packet).
   */
  private readonly vals: Map<number, FieldValue[]> | undefined;
  private readonly slots: Int32Array | undefined;
  private readonly slotVals: (FieldValue[] | undefined)[] | undefined;
  /** Custom labels of wanted fields outside tree mode (tshark prints a protocol's label in -T fields). */
  private labels: Map<number, string | (() => string)> | undefined;
  private readonly stack: TreeNode[][];
  private cur: TreeNode[];
  /** Current data source index for added nodes. */
  src = 0;
  /**
   * In a parallel read (Engine.setShard), the shard that owns this packet: set by its first
   * TCP conversation; -1 = none (then shard 0 prints it).
   */
  shard = -1;

  constructor(init: {
    num: number;
    ts: AbsTime;
    data: Uint8Array;
    origLen: number;
    linktype: number;
    ifaceId: number;
    wanted: Wanted;
  }) {
    this.num = init.num;
    this.ts = init.ts;
    this.data = init.data;
    this.origLen = init.origLen;
    this.linktype = init.linktype;
    this.ifaceId = init.ifaceId;
    this.tree = init.wanted.tree;
    this.wantCols = init.wanted.columns;
    this.want = init.wanted.tree ? undefined : init.wanted.fields;
    if (this.want !== undefined) {
      const sl = slotsFor(this.want);
      this.slots = sl.slots;
      this.slotVals = new Array(sl.count);
    } else {
      this.vals = new Map();
    }
    this.roots = init.wanted.tree ? [] : NO_NODES;
    this.occurrences = !init.wanted.tree && init.wanted.ordered === true ? [] : NO_NODES;
    this.stack = init.wanted.tree ? [] : NO_STACK;
    this.cur = this.roots;
  }

  /** Data sources; index 0 is the frame, then reassembled/decrypted buffers in the order added. */
  get sources(): readonly DataSource[] {
    const frame = { name: 'Frame', data: this.data };
    return this.extraSources ? [frame, ...this.extraSources] : [frame];
  }

  /** The bytes of data source `i` (0 = the frame), without building the `sources` list. */
  sourceData(i: number): Uint8Array | undefined {
    return i === 0 ? this.data : this.extraSources?.[i - 1]?.data;
  }

  /** Expert infos raised while dissecting (malformed, retransmission, …). */
  get experts(): readonly ExpertInfo[] {
    return this.expertList ?? NO_EXPERTS;
  }

  /** True when values of field `id` are kept (always true in tree mode). */
  wants(id: number): boolean {
    return this.want === undefined || this.want[id] === 1;
  }

  /** True when any of the ids is wanted: lets a dissector skip whole groups. */
  wantsAny(ids: readonly number[]): boolean {
    if (this.want === undefined) return true;
    for (const id of ids) if (this.want[id] === 1) return true;
    return false;
  }

  /** Adds a field occurrence; returns the node in tree mode (to attach a label or children). */
  add(id: number, value: FieldValue, offset: number, length: number, flags = 0, label?: string | (() => string)): TreeNode | undefined {
    if (this.want === undefined || this.want[id] === 1) {
      if (this.slotVals !== undefined) {
        const k = this.slots![id]!;
        const a = this.slotVals[k];
        if (a) a.push(value);
        else this.slotVals[k] = [value];
      } else {
        const a = this.vals!.get(id);
        if (a) a.push(value);
        else this.vals!.set(id, [value]);
      }
      if (label !== undefined && !this.tree) {
        const m = (this.labels ??= new Map());
        if (!m.has(id)) m.set(id, label);
      }
      if (this.occurrences !== NO_NODES) this.occurrences.push({ id, value, offset, length, src: this.src });
    }
    if (!this.tree) return undefined;
    const node: TreeNode = { id, value, offset, length, src: this.src };
    if (flags & NODE_FLAG_GENERATED) node.generated = true;
    if (flags & NODE_FLAG_HIDDEN) node.hidden = true;
    if (label !== undefined) node.label = label;
    this.cur.push(node);
    return node;
  }

  /** Adds a field and makes it the parent of the following ones until `close()`. */
  open(id: number, value: FieldValue, offset: number, length: number, flags = 0, label?: string | (() => string)): TreeNode | undefined {
    const node = this.add(id, value, offset, length, flags, label);
    if (node) {
      node.children = [];
      this.stack.push(this.cur);
      this.cur = node.children;
    } else if (this.tree) {
      this.stack.push(this.cur);
    }
    return node;
  }

  /** Makes an existing node (from `open`) the parent again, to add late fields; pair with `close()`. */
  enter(node: TreeNode | undefined): void {
    if (!this.tree) return;
    this.stack.push(this.cur);
    if (node) this.cur = node.children ??= [];
  }

  /**
   * Opens a protocol's subtree; its value (the bytes it covers) is sliced only when the
   * protocol field is kept, so callers don't pay for a view per packet.
   */
  proto(id: number, data: Uint8Array, offset: number, length: number, label?: string | (() => string)): TreeNode | undefined {
    if (this.tree || this.want === undefined || this.want[id] === 1) return this.open(id, data.subarray(offset, offset + length), offset, length, 0, label);
    return undefined;
  }

  close(): void {
    if (!this.tree) return;
    const prev = this.stack.pop();
    if (prev) this.cur = prev;
  }

  /** Values of a field in this packet, in dissection order; undefined when absent or not wanted. */
  values(id: number): readonly FieldValue[] | undefined {
    if (this.slotVals !== undefined) {
      const k = this.slots![id]!;
      return k < 0 ? undefined : this.slotVals[k];
    }
    return this.vals!.get(id);
  }

  /** The custom label of the first occurrence of a field, if the dissector gave one. */
  labelOf(id: number): string | undefined {
    let l: string | (() => string) | undefined = this.labels?.get(id);
    if (l === undefined && this.tree) {
      const find = (nodes: readonly TreeNode[]): TreeNode | undefined => {
        for (const n of nodes) {
          if (n.id === id) return n;
          const c = n.children && find(n.children);
          if (c) return c;
        }
        return undefined;
      };
      l = find(this.roots)?.label;
    }
    return typeof l === 'function' ? l() : l;
  }

  has(id: number): boolean {
    return this.values(id) !== undefined;
  }

  expert(severity: ExpertSeverity, group: string, message: string): void {
    (this.expertList ??= []).push({ severity, group, message });
  }

  /** Adds a data source (reassembled or decrypted bytes); returns its index. */
  addSource(name: string, data: Uint8Array): number {
    (this.extraSources ??= []).push({ name, data });
    return this.extraSources.length;
  }

  /** Appends text to the Info column, with Wireshark's separator rules left to the caller. */
  setInfo(text: string): void {
    this.colInfo = text;
  }
}
