/**
 * Field types follow Wireshark's ftypes (FT_UINT16 → 'uint16' …) so that value formats,
 * filter semantics and `-T fields` output line up with tshark's.
 */
export type FieldType =
  | 'protocol'
  | 'none'
  | 'bool'
  | 'uint8' | 'uint16' | 'uint24' | 'uint32' | 'uint64'
  | 'int8' | 'int16' | 'int32' | 'int64'
  | 'framenum'
  | 'float' | 'double'
  | 'abstime' | 'reltime'
  | 'string'
  | 'bytes'
  | 'ether'
  | 'ipv4' | 'ipv6'
  | 'oid';

/** Integer display base, as Wireshark's BASE_* (affects `-T fields` output). */
export type FieldBase = 'dec' | 'hex' | 'oct' | 'dec_hex' | 'hex_dec' | 'none';

/** An absolute time: whole seconds since the epoch plus nanoseconds. */
export interface AbsTime {
  readonly s: number;
  readonly ns: number;
}

/**
 * Field values in memory:
 * - integers, framenum, float/double: number (uint64/int64 may be bigint)
 * - reltime: number of nanoseconds (may be negative)
 * - abstime: AbsTime
 * - bool: boolean
 * - ipv4: number (host order uint32)
 * - ipv6, ether, bytes, protocol: Uint8Array (a protocol's value is the bytes it covers)
 * - string, oid: string
 * - none: null
 */
export type FieldValue = number | bigint | boolean | string | Uint8Array | AbsTime | null;

export interface FieldDef {
  /** Wireshark abbreviation, e.g. "tcp.srcport". */
  readonly abbrev: string;
  /** Human label, e.g. "Source Port". */
  readonly name: string;
  readonly type: FieldType;
  readonly base?: FieldBase;
  /** Value names for integer fields (Wireshark's value_string). */
  readonly vals?: ReadonlyMap<number, string>;
  /** Labels for booleans: [true, false]; default ["Set", "Not set"]. */
  readonly tfs?: readonly [string, string];
  /** Bit mask inside the parent integer (for bit fields). */
  readonly mask?: number;
  /** Width in bits of the integer the mask applies to (8/16/24/32). */
  readonly maskWidth?: number;
  readonly description?: string;
  /** Unit suffix for labels ("bytes", "seconds"). */
  readonly unit?: string;
  /** For ABSOLUTE_TIME fields: print as epoch seconds (frame.time_epoch). */
  readonly timeFormat?: 'local' | 'utc' | 'epoch';
  /** Strings: how tshark prints them in -T fields ('raw' = as is). */
}

export interface RegisteredField extends FieldDef {
  readonly id: number;
  /** Abbreviation of the protocol that owns the field ("tcp"). */
  readonly proto: string;
}

/** A field description in short form for `Registry.fields()`. */
export interface FieldSpec {
  name: string;
  type: FieldType;
  base?: FieldBase;
  vals?: Record<number, string> | ReadonlyMap<number, string>;
  tfs?: readonly [string, string];
  mask?: number;
  maskWidth?: number;
  description?: string;
  unit?: string;
  timeFormat?: 'local' | 'utc' | 'epoch';
}
