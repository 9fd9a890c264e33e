import type { Registry } from './registry.ts';
import type { Packet, ExpertSeverity } from '../packet.ts';
import { GENERATED, HIDDEN } from '../packet.ts';

/** Wireshark's PI_* severity and group codes, for _ws.expert.severity / _ws.expert.group. */
const SEVERITY: Record<ExpertSeverity, number> = { comment: 0x00100000, chat: 0x00200000, note: 0x00400000, warn: 0x00600000, error: 0x00800000 };
const GROUPS: Record<string, number> = {
  checksum: 0x01000000, sequence: 0x02000000, 'response code': 0x03000000, 'request code': 0x04000000, undecoded: 0x05000000,
  reassemble: 0x06000000, malformed: 0x07000000, debug: 0x08000000, protocol: 0x09000000, security: 0x0a000000,
  comments: 0x0b000000, decryption: 0x0c000000, assumption: 0x0d000000, deprecated: 0x0e000000,
};

/** Column names as tshark's `_ws.col.*` fields. */
export const COLUMN_FIELDS = ['No.', 'Time', 'Source', 'Destination', 'Protocol', 'Length', 'Info'] as const;

/**
 * Wireshark's pseudo-fields: `_ws.col.*` (the packet-list columns, filterable and
 * printable with -e) and `_ws.expert*` / `_ws.malformed` (expert infos as fields).
 */
export function registerMetaFields(reg: Registry) {
  reg.protocol('_ws.col', 'Columns');
  const col = reg.fields('_ws.col', Object.fromEntries(COLUMN_FIELDS.map((c) => [c, { name: c, type: 'string' as const }])) as Record<(typeof COLUMN_FIELDS)[number], { name: string; type: 'string' }>);
  const expertProto = reg.protocol('_ws.expert', 'Expert Info');
  const ex = reg.fields('_ws.expert', {
    message: { name: 'Message', type: 'string' },
    group: { name: 'Group', type: 'uint32', vals: Object.fromEntries(Object.entries(GROUPS).map(([k, v]) => [v, k[0]!.toUpperCase() + k.slice(1)])) },
    severity: { name: 'Severity level', type: 'uint32', vals: Object.fromEntries(Object.entries(SEVERITY).map(([k, v]) => [v, k[0]!.toUpperCase() + k.slice(1)])) },
  });
  const malformed = reg.protocol('_ws.malformed', 'Malformed Packet');
  const colIds = COLUMN_FIELDS.map((c) => col[c]);
  const expertIds = [expertProto, ex.message, ex.group, ex.severity, malformed];

  return {
    colIds,
    /** True when the consumer of `p` reads any column field. */
    wantsColumns(want: Uint8Array | undefined): boolean {
      return want === undefined || colIds.some((id) => want[id] === 1);
    },
    /** Adds the column values (after dissection, when the columns are known). */
    addColumns(p: Packet, time: string): void {
      if (!p.wantsAny(colIds)) return;
      const vals = [String(p.num), time, p.colSrc, p.colDst, p.colProtocol, String(p.origLen), p.colInfo];
      colIds.forEach((id, i) => p.add(id, vals[i]!, 0, 0, GENERATED | HIDDEN));
    },
    /** Adds each expert info of `p` as `_ws.expert` fields. */
    addExperts(p: Packet): void {
      if (p.experts.length === 0 || !p.wantsAny(expertIds)) return;
      for (const e of p.experts) {
        p.open(expertProto, new Uint8Array(0), 0, 0, GENERATED, () => `Expert Info (${e.severity[0]!.toUpperCase()}${e.severity.slice(1)}/${e.group}): ${e.message}`);
        p.add(ex.message, e.message, 0, 0, GENERATED);
        p.add(ex.severity, SEVERITY[e.severity], 0, 0, GENERATED);
        p.add(ex.group, GROUPS[e.group.toLowerCase()] ?? 0, 0, 0, GENERATED);
        p.close();
        if (e.group.toLowerCase() === 'malformed') p.add(malformed, new Uint8Array(0), 0, 0, GENERATED, `[Malformed Packet: ${e.message}]`);
      }
    },
  };
}
