import type { AbsTime } from '../fields/types.ts';

/** One captured frame as read from a capture file. `data` is a view; copy it to keep it. */
export interface CaptureFrame {
  /** Captured bytes (length = captured length). */
  readonly data: Uint8Array;
  /** Original length on the wire. */
  readonly origLen: number;
  readonly ts: AbsTime;
  /** LINKTYPE_* value of the interface (1 = Ethernet, 113 = SLL, 276 = SLL2, 0 = NULL, 101 = raw …). */
  readonly linktype: number;
  /** Interface index within the file (pcapng; 0 for pcap). */
  readonly ifaceId: number;
  /** Byte offset of the frame's record in the (decompressed) file, for error messages. */
  readonly fileOffset: number;
  readonly comments?: readonly string[];
}

/** A Decryption Secrets Block (pcapng) or another source of secrets met while reading. */
export interface CaptureSecrets {
  /** Secrets type, e.g. 0x544c534b ("TLSK", an NSS key log). */
  readonly type: number;
  readonly data: Uint8Array;
}

export interface CaptureInterface {
  readonly linktype: number;
  readonly snaplen: number;
  readonly name?: string;
  /** Timestamp resolution as 10^-n (n ≥ 0) or 2^-n (stored as -n). */
  readonly tsresol?: number;
  /** Bytes of FCS at the end of each frame, when the file says (pcap FCS bits, pcapng if_fcslen). */
  readonly fcsLen?: number;
  /** pcapng if_tsoffset: seconds added to every timestamp of the interface (already applied to frames). */
  readonly tsoffset?: number;
}

export type CaptureEvent =
  | { kind: 'frame'; frame: CaptureFrame }
  | { kind: 'secrets'; secrets: CaptureSecrets }
  | { kind: 'interface'; iface: CaptureInterface; id: number };

export type CaptureFormat = 'pcap' | 'pcap-nsec' | 'pcapng';
/** What the first bytes of an input look like (`detectFormat`). */
export type DetectedFormat = CaptureFormat | 'gzip';
