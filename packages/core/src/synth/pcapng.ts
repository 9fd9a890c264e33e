/** Assembles a pcapng file (one Ethernet interface, optional TLS key log DSB) from synthesized frames. */
import { PcapngWriter } from '../capture/writer.ts';
import type { SynthFrame } from './tcp-conversation.ts';

export interface PcapngBuildInput {
  frames: readonly SynthFrame[];
  /** LINKTYPE of the frames (default 1, Ethernet). */
  linktype?: number;
  /** NSS key log text, written as a Decryption Secrets Block before the packets. */
  keylog?: string;
  /** shb_userappl (default "tlslens"). */
  userAppl?: string;
  /** if_name of the interface. */
  ifName?: string;
  /** Microseconds (default) or nanoseconds. */
  nanosecond?: boolean;
}

export function buildPcapng(input: PcapngBuildInput): Uint8Array {
  const w = new PcapngWriter({ userAppl: input.userAppl ?? 'tlslens' });
  const parts: Uint8Array[] = [w.sectionHeader()];
  parts.push(w.addInterface({ linktype: input.linktype ?? 1, snaplen: 262144, name: input.ifName, nanosecond: input.nanosecond }));
  if (input.keylog) parts.push(w.secrets(input.keylog));
  for (const f of input.frames) parts.push(w.packet({ ts: f.ts, data: f.data, comment: f.comment }));
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
