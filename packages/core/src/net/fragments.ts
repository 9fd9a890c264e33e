/**
 * IP fragment reassembly (IPv4 and IPv6 share it). Fragments are copied (frames are
 * views into read buffers); a datagram completes when the last fragment has arrived and
 * the byte range [0, total) is covered. Pending bytes are capped: past the cap the
 * oldest datagrams are dropped.
 */
export interface Reassembled {
  readonly data: Uint8Array;
  /** Frame numbers of the fragments, in offset order. */
  readonly frames: readonly number[];
  /** [frame, offset, length] of each fragment, in offset order. */
  readonly parts: readonly (readonly [number, number, number])[];
}

interface Pending {
  parts: { frame: number; off: number; data: Uint8Array }[];
  total: number; // -1 until the last fragment is seen
  bytes: number;
}

export const MAX_DATAGRAM = 65535 + 65535;

export class FragmentTable {
  private readonly pending = new Map<string, Pending>();
  private bytes = 0;
  constructor(private readonly maxBytes = 64 * 1024 * 1024) {}

  /**
   * Adds a fragment. Returns the reassembled datagram when this fragment completes it,
   * undefined otherwise (or when the fragment is bogus: beyond the maximum size).
   */
  add(key: string, frame: number, offset: number, more: boolean, data: Uint8Array): Reassembled | undefined {
    if (offset + data.length > MAX_DATAGRAM) return undefined;
    let e = this.pending.get(key);
    if (!e) {
      e = { parts: [], total: -1, bytes: 0 };
      this.pending.set(key, e);
    }
    e.parts.push({ frame, off: offset, data: data.slice() });
    e.bytes += data.length;
    this.bytes += data.length;
    if (!more) e.total = offset + data.length;
    this.evict();
    if (e.total < 0 || !this.pending.has(key)) return undefined;
    const parts = [...e.parts].sort((a, b) => a.off - b.off);
    let covered = 0;
    for (const part of parts) {
      if (part.off > covered) return undefined;
      covered = Math.max(covered, part.off + part.data.length);
    }
    if (covered < e.total) return undefined;
    const out = new Uint8Array(e.total);
    // first-received bytes win on overlap: copy in reverse arrival order
    for (let i = e.parts.length - 1; i >= 0; i--) {
      const part = e.parts[i]!;
      out.set(part.data.subarray(0, Math.max(0, Math.min(part.data.length, e.total - part.off))), part.off);
    }
    this.pending.delete(key);
    this.bytes -= e.bytes;
    return { data: out, frames: parts.map((x) => x.frame), parts: parts.map((x) => [x.frame, x.off, x.data.length] as const) };
  }

  private evict(): void {
    for (const [k, e] of this.pending) {
      if (this.bytes <= this.maxBytes) return;
      this.pending.delete(k);
      this.bytes -= e.bytes;
    }
  }
}
