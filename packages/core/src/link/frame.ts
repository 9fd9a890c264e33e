import type { Registry } from '../fields/registry.ts';
import type { AbsTime } from '../fields/types.ts';
import { GENERATED, type Packet } from '../packet.ts';

/** Wireshark's WTAP_ENCAP numbers for the link types we read (frame.encap_type). */
export const WTAP_ENCAP: Record<number, number> = {
  0: 15, 1: 1, 6: 2, 10: 6, 107: 26, 12: 7, 14: 7, 101: 7, 108: 15, 113: 25, 228: 129, 229: 130, 276: 210,
};

export const ENCAP_NAMES: Record<number, string> = {
  1: 'Ethernet', 2: 'Token Ring', 6: 'FDDI with bit-swapped MAC addresses', 26: 'Frame Relay', 7: 'Raw IP', 15: 'NULL/Loopback', 25: 'Linux cooked-mode capture v1', 129: 'Raw IPv4', 130: 'Raw IPv6', 210: 'Linux cooked-mode capture v2',
};

export function registerFrame(reg: Registry) {
  reg.protocol('frame', 'Frame');
  return reg.fields('frame', {
    number: { name: 'Frame Number', type: 'uint32' },
    len: { name: 'Frame Length', type: 'uint32', unit: 'bytes' },
    cap_len: { name: 'Capture Length', type: 'uint32', unit: 'bytes' },
    time: { name: 'Arrival Time', type: 'abstime' },
    time_epoch: { name: 'Epoch Time', type: 'reltime' },
    time_delta: { name: 'Time delta from previous captured frame', type: 'reltime' },
    time_delta_displayed: { name: 'Time delta from previous displayed frame', type: 'reltime' },
    time_relative: { name: 'Time since reference or first frame', type: 'reltime' },
    offset_shift: { name: 'Time shift for this packet', type: 'reltime' },
    protocols: { name: 'Protocols in frame', type: 'string' },
    interface_id: { name: 'Interface id', type: 'uint32' },
    encap_type: { name: 'Encapsulation type', type: 'int16', vals: ENCAP_NAMES },
    marked: { name: 'Frame is marked', type: 'bool', tfs: ['True', 'False'] },
    ignored: { name: 'Frame is ignored', type: 'bool', tfs: ['True', 'False'] },
    comment: { name: 'Comment', type: 'string' },
  });
}

export type FrameFields = ReturnType<typeof registerFrame>;

export function diffNs(a: AbsTime, b: AbsTime): number {
  return (a.s - b.s) * 1e9 + (a.ns - b.ns);
}

/** Per-capture state for frame.time_relative / time_delta. */
export class FrameClock {
  first: AbsTime | undefined;
  prev: AbsTime | undefined;
  prevDisplayed: AbsTime | undefined;

  /** A frame captured at `ts` (dissected or not): returns the previous frame's time (its own for the first). */
  tick(ts: AbsTime): AbsTime {
    this.first ??= ts;
    const prev = this.prev ?? ts;
    this.prev = ts;
    return prev;
  }
}

function frameLabel(p: Packet, frameProto: number): (() => string) | undefined {
  if (!p.tree && !p.wants(frameProto)) return undefined;
  return () => `Frame ${p.num}: ${p.origLen} bytes on wire (${p.origLen * 8} bits), ${p.data.length} bytes captured (${p.data.length * 8} bits)`;
}

/** Adds the frame's own fields (everything but frame.protocols, added once the layers are known). */
export function dissectFrame(p: Packet, f: FrameFields, clock: FrameClock, frameProto: number, comments: readonly string[] | undefined, pcapng: boolean): void {
  const ts = p.ts;
  const prev = clock.tick(ts);
  p.proto(frameProto, p.data, 0, p.data.length, frameLabel(p, frameProto));
  if (comments) for (const c of comments) p.add(f.comment, c, 0, 0);
  if (pcapng && p.wants(f.interface_id)) p.add(f.interface_id, p.ifaceId, 0, 0);
  if (p.wants(f.encap_type)) p.add(f.encap_type, WTAP_ENCAP[p.linktype] ?? -1, 0, 0);
  if (p.wants(f.time)) p.add(f.time, ts, 0, 0);
  if (p.wants(f.offset_shift)) p.add(f.offset_shift, 0, 0, 0, GENERATED);
  if (p.wants(f.time_epoch)) p.add(f.time_epoch, ts, 0, 0);
  if (p.wants(f.time_delta)) p.add(f.time_delta, diffNs(ts, prev), 0, 0, GENERATED);
  if (p.wants(f.time_delta_displayed)) p.add(f.time_delta_displayed, diffNs(ts, clock.prevDisplayed ?? ts), 0, 0, GENERATED);
  if (p.wants(f.time_relative)) p.add(f.time_relative, diffNs(ts, clock.first!), 0, 0, GENERATED);
  p.add(f.number, p.num, 0, 0);
  p.add(f.len, p.origLen, 0, 0);
  if (p.wants(f.cap_len)) p.add(f.cap_len, p.data.length, 0, 0);
  if (p.wants(f.marked)) p.add(f.marked, false, 0, 0, GENERATED);
  if (p.wants(f.ignored)) p.add(f.ignored, false, 0, 0, GENERATED);
  p.close();
}
