/**
 * Builds a Registry from `tshark -G fields` / `-G values` text (for tests and tools that want
 * every Wireshark field name). Pure text processing: callers read the files.
 */
import { Registry } from '../fields/registry.ts';
import type { FieldBase, FieldType } from '../fields/types.ts';

const FTYPES: Record<string, FieldType> = {
  FT_NONE: 'none', FT_PROTOCOL: 'protocol', FT_BOOLEAN: 'bool', FT_CHAR: 'uint8',
  FT_UINT8: 'uint8', FT_UINT16: 'uint16', FT_UINT24: 'uint24', FT_UINT32: 'uint32',
  FT_UINT40: 'uint64', FT_UINT48: 'uint64', FT_UINT56: 'uint64', FT_UINT64: 'uint64',
  FT_INT8: 'int8', FT_INT16: 'int16', FT_INT24: 'int32', FT_INT32: 'int32',
  FT_INT40: 'int64', FT_INT48: 'int64', FT_INT56: 'int64', FT_INT64: 'int64',
  FT_IPXNET: 'uint32', FT_FRAMENUM: 'framenum',
  FT_FLOAT: 'float', FT_DOUBLE: 'double', FT_IEEE_11073_SFLOAT: 'float', FT_IEEE_11073_FLOAT: 'float',
  FT_ABSOLUTE_TIME: 'abstime', FT_RELATIVE_TIME: 'reltime',
  FT_STRING: 'string', FT_STRINGZ: 'string', FT_UINT_STRING: 'string', FT_STRINGZPAD: 'string', FT_STRINGZTRUNC: 'string',
  FT_BYTES: 'bytes', FT_UINT_BYTES: 'bytes', FT_GUID: 'bytes', FT_EUI64: 'bytes', FT_FCWWN: 'bytes', FT_AX25: 'bytes',
  FT_VINES: 'bytes', FT_SYSTEM_ID: 'bytes',
  FT_ETHER: 'ether', FT_IPv4: 'ipv4', FT_IPv6: 'ipv6', FT_OID: 'oid', FT_REL_OID: 'oid',
};

const BASES: Record<string, FieldBase> = { BASE_DEC: 'dec', BASE_HEX: 'hex', BASE_OCT: 'oct', BASE_DEC_HEX: 'dec_hex', BASE_HEX_DEC: 'hex_dec', BASE_NONE: 'none' };

/**
 * `fieldsTsv`: `tshark -G fields` output. `valuesTsv` (optional): `tshark -G values` output;
 * `only` limits value-name loading to those abbreviations (the values file is large).
 */
export function registryFromTsv(fieldsTsv: string, valuesTsv?: string, only?: ReadonlySet<string>): Registry {
  const vals = new Map<string, Map<number, string>>();
  const tfs = new Map<string, [string, string]>();
  if (valuesTsv) {
    for (const line of valuesTsv.split('\n')) {
      const c = line.split('\t');
      if (c.length < 3) continue;
      const abbrev = c[1]!;
      if (only && !only.has(abbrev)) continue;
      if (c[0] === 'V' || c[0] === 'V64') {
        const n = Number(c[2]);
        if (!Number.isFinite(n)) continue;
        let m = vals.get(abbrev);
        if (!m) vals.set(abbrev, (m = new Map()));
        if (!m.has(n)) m.set(n, c[3] ?? '');
      } else if (c[0] === 'T' && c.length >= 4) {
        tfs.set(abbrev, [c[2]!, c[3]!]);
      }
    }
  }
  const reg = new Registry();
  const lines = fieldsTsv.split('\n');
  for (const line of lines) {
    const c = line.split('\t');
    if (c[0] === 'P' && c.length >= 3) reg.protocol(c[2]!, c[1]!);
  }
  for (const line of lines) {
    const c = line.split('\t');
    if (c[0] !== 'F' || c.length < 5) continue;
    const abbrev = c[2]!;
    const type = FTYPES[c[3]!];
    if (!type || reg.find(abbrev)) continue;
    const base = BASES[c[5] ?? ''];
    const v = vals.get(abbrev);
    const t = tfs.get(abbrev);
    const spec = { name: c[1]!, type, ...(base ? { base } : {}), ...(v ? { vals: v } : {}), ...(t ? { tfs: t } : {}) };
    const dot = abbrev.lastIndexOf('.');
    if (dot < 0) reg.fields(abbrev, { '': spec });
    else reg.fields(abbrev.slice(0, dot), { [abbrev]: spec });
  }
  return reg;
}
