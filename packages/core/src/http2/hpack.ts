/**
 * HPACK (RFC 7541) decoding: integers, Huffman strings, the static table and a bounded
 * dynamic table. Hostile input never throws out of `decodeBlock`: errors come back as a
 * message with the headers decoded so far.
 */

/** RFC 7541 Appendix A. */
export const STATIC_TABLE: ReadonlyArray<readonly [string, string]> = [
  [':authority', ''], [':method', 'GET'], [':method', 'POST'], [':path', '/'], [':path', '/index.html'],
  [':scheme', 'http'], [':scheme', 'https'], [':status', '200'], [':status', '204'], [':status', '206'],
  [':status', '304'], [':status', '400'], [':status', '404'], [':status', '500'], ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'], ['accept-language', ''], ['accept-ranges', ''], ['accept', ''],
  ['access-control-allow-origin', ''], ['age', ''], ['allow', ''], ['authorization', ''], ['cache-control', ''],
  ['content-disposition', ''], ['content-encoding', ''], ['content-language', ''], ['content-length', ''],
  ['content-location', ''], ['content-range', ''], ['content-type', ''], ['cookie', ''], ['date', ''], ['etag', ''],
  ['expect', ''], ['expires', ''], ['from', ''], ['host', ''], ['if-match', ''], ['if-modified-since', ''],
  ['if-none-match', ''], ['if-range', ''], ['if-unmodified-since', ''], ['last-modified', ''], ['link', ''],
  ['location', ''], ['max-forwards', ''], ['proxy-authenticate', ''], ['proxy-authorization', ''], ['range', ''],
  ['referer', ''], ['refresh', ''], ['retry-after', ''], ['server', ''], ['set-cookie', ''],
  ['strict-transport-security', ''], ['transfer-encoding', ''], ['user-agent', ''], ['vary', ''], ['via', ''],
  ['www-authenticate', ''],
];

/**
 * RFC 7541 Appendix B: code lengths in bits for symbols 0..255 and EOS (256). The code is
 * canonical (codes of one length are consecutive, ordered by symbol), so the codes follow
 * from the lengths; the tests check them against the RFC's examples.
 */
const CODE_LENGTHS = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10, 13, 6, 7, 7, 7, 7,
  7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6, 15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6,
  6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28, 20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23,
  24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, 22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23,
  23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23, 26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26,
  24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, 20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24,
  24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, 30,
];

/** Codes (right-aligned) per symbol, derived canonically from CODE_LENGTHS. */
export const HUFFMAN_CODES: readonly number[] = (() => {
  const order = CODE_LENGTHS.map((_, s) => s).sort((a, b) => CODE_LENGTHS[a]! - CODE_LENGTHS[b]! || a - b);
  const codes = new Array<number>(257).fill(0);
  let code = 0;
  let prev = CODE_LENGTHS[order[0]!]!;
  order.forEach((s, i) => {
    const len = CODE_LENGTHS[s]!;
    if (i > 0) code = (code + 1) * 2 ** (len - prev);
    prev = len;
    codes[s] = code;
  });
  return codes;
})();

/** Decoding tree as flat arrays: node → child per bit; leaves hold symbol + 1 as negative. */
const TREE: Int32Array = (() => {
  const t = new Int32Array(2 * 600).fill(0);
  let next = 1;
  for (let s = 0; s < 257; s++) {
    const len = CODE_LENGTHS[s]!;
    const code = HUFFMAN_CODES[s]!;
    let node = 0;
    for (let i = len - 1; i >= 0; i--) {
      const bit = Math.floor(code / 2 ** i) & 1;
      const slot = node * 2 + bit;
      if (i === 0) t[slot] = -(s + 1);
      else {
        if (t[slot] === 0) t[slot] = next++;
        node = t[slot]!;
      }
    }
  }
  return t;
})();

/** Decodes a Huffman string; undefined when the padding or an EOS is invalid. */
export function huffmanDecode(b: Uint8Array, s: number, e: number): Uint8Array | undefined {
  const out = new Uint8Array(Math.ceil(((e - s) * 8) / 5));
  let o = 0;
  let node = 0;
  let depth = 0;
  let allOnes = true;
  for (let i = s; i < e; i++) {
    const byte = b[i]!;
    for (let k = 7; k >= 0; k--) {
      const bit = (byte >> k) & 1;
      const v = TREE[node * 2 + bit]!;
      depth++;
      if (!bit) allOnes = false;
      if (v < 0) {
        const sym = -v - 1;
        if (sym === 256) return undefined; // EOS inside the string
        out[o++] = sym;
        node = 0;
        depth = 0;
        allOnes = true;
      } else if (v === 0) {
        return undefined;
      } else {
        node = v;
      }
    }
  }
  // padding: at most 7 bits, all ones (a prefix of EOS)
  if (depth > 7 || !allOnes) return undefined;
  return out.subarray(0, o);
}

export type Representation =
  | 'Indexed Header Field'
  | 'Literal Header Field with Incremental Indexing - Indexed Name'
  | 'Literal Header Field with Incremental Indexing - New Name'
  | 'Literal Header Field without Indexing - Indexed Name'
  | 'Literal Header Field without Indexing - New Name'
  | 'Literal Header Field never Indexed - Indexed Name'
  | 'Literal Header Field never Indexed - New Name';

export interface DecodedHeader {
  name: Uint8Array;
  value: Uint8Array;
  repr: Representation;
  /** The table index used (indexed field or indexed name), else undefined. */
  index?: number;
  /** Bytes of the block this representation took. */
  start: number;
  end: number;
}

export interface DecodedBlock {
  headers: DecodedHeader[];
  /** Dynamic table size updates in the block. */
  sizeUpdates: number[];
  /** Set when decoding stopped early. */
  error?: string;
}

const enc = new TextEncoder();
const STATIC_BYTES = STATIC_TABLE.map(([n, v]) => [enc.encode(n), enc.encode(v)] as const);

export interface HpackLimits {
  /** Upper bound for the dynamic table size a peer may ask for (default 64 KiB). */
  maxTableSize?: number;
  /** Upper bound for one string's length (default 1 MiB). */
  maxStringLength?: number;
  /** Upper bound for decoded headers per block (default 10 000). */
  maxHeaders?: number;
}

/** One direction's HPACK decoder state. */
export class HpackDecoder {
  /** Dynamic table, newest first. */
  private readonly table: Array<readonly [Uint8Array, Uint8Array]> = [];
  private size = 0;
  /** Current maximum size (changed by size updates, bounded by the setting). */
  maxSize = 4096;
  private readonly limitTable: number;
  private readonly limitString: number;
  private readonly limitHeaders: number;

  constructor(limits: HpackLimits = {}) {
    this.limitTable = limits.maxTableSize ?? 65536;
    this.limitString = limits.maxStringLength ?? 1024 * 1024;
    this.limitHeaders = limits.maxHeaders ?? 10000;
  }

  get dynamicSize(): number {
    return this.size;
  }

  get dynamicCount(): number {
    return this.table.length;
  }

  private entry(index: number): readonly [Uint8Array, Uint8Array] | undefined {
    if (index >= 1 && index <= STATIC_BYTES.length) return STATIC_BYTES[index - 1];
    return this.table[index - STATIC_BYTES.length - 1];
  }

  private insert(name: Uint8Array, value: Uint8Array): void {
    const sz = name.length + value.length + 32;
    this.table.unshift([name, value]);
    this.size += sz;
    this.evict();
  }

  private evict(): void {
    while (this.size > this.maxSize && this.table.length > 0) {
      const [n, v] = this.table.pop()!;
      this.size -= n.length + v.length + 32;
    }
  }

  /** Decodes one complete header block. */
  decodeBlock(b: Uint8Array, s = 0, e = b.length): DecodedBlock {
    const out: DecodedBlock = { headers: [], sizeUpdates: [] };
    let o = s;
    const int = (prefixBits: number): number | undefined => {
      if (o >= e) return undefined;
      const mask = (1 << prefixBits) - 1;
      let v = b[o++]! & mask;
      if (v < mask) return v;
      let m = 0;
      for (;;) {
        if (o >= e) return undefined;
        const c = b[o++]!;
        v += (c & 0x7f) * 2 ** m;
        m += 7;
        if (v > 0x7fffffff || m > 35) return undefined;
        if (!(c & 0x80)) return v;
      }
    };
    const str = (): Uint8Array | undefined => {
      if (o >= e) return undefined;
      const huff = (b[o]! & 0x80) !== 0;
      const len = int(7);
      if (len === undefined || len > this.limitString || o + len > e) return undefined;
      const raw = b.subarray(o, o + len);
      o += len;
      return huff ? huffmanDecode(raw, 0, raw.length) : raw.slice();
    };
    while (o < e) {
      if (out.headers.length >= this.limitHeaders) {
        out.error = `more than ${this.limitHeaders} headers in one block`;
        return out;
      }
      const start = o;
      const c = b[o]!;
      if (c & 0x80) {
        const idx = int(7);
        const ent = idx === undefined || idx === 0 ? undefined : this.entry(idx);
        if (!ent) {
          out.error = `invalid header index ${idx ?? '?'}`;
          return out;
        }
        out.headers.push({ name: ent[0], value: ent[1], repr: 'Indexed Header Field', index: idx!, start, end: o });
        continue;
      }
      if ((c & 0xe0) === 0x20) {
        const size = int(5);
        if (size === undefined) {
          out.error = 'truncated table size update';
          return out;
        }
        if (size > this.limitTable) {
          out.error = `dynamic table size update to ${size} exceeds the limit ${this.limitTable}`;
          return out;
        }
        this.maxSize = size;
        this.evict();
        out.sizeUpdates.push(size);
        continue;
      }
      const incremental = (c & 0xc0) === 0x40;
      const never = !incremental && (c & 0xf0) === 0x10;
      const idx = int(incremental ? 6 : 4);
      if (idx === undefined) {
        out.error = 'truncated header representation';
        return out;
      }
      let name: Uint8Array | undefined;
      if (idx === 0) name = str();
      else name = this.entry(idx)?.[0];
      if (!name) {
        out.error = idx === 0 ? 'bad header name string' : `invalid header index ${idx}`;
        return out;
      }
      const value = str();
      if (!value) {
        out.error = 'bad header value string';
        return out;
      }
      const kind = incremental ? 'with Incremental Indexing' : never ? 'never Indexed' : 'without Indexing';
      const repr = `Literal Header Field ${kind} - ${idx === 0 ? 'New Name' : 'Indexed Name'}` as Representation;
      out.headers.push({ name, value, repr, ...(idx !== 0 ? { index: idx } : {}), start, end: o });
      if (incremental) this.insert(name, value);
    }
    return out;
  }
}
