import type { Registry } from '../fields/registry.ts';
import type { FieldSpec } from '../fields/types.ts';
import { WIRESHARK_VALUES } from './registry/index.ts';
import { TLS_FIELD_DEFS } from './field-defs.ts';

export type TlsFieldName = (typeof TLS_FIELD_DEFS)[number][0];
/** Field ids keyed by Wireshark abbreviation ("tls.record.length"). */
export type TlsFields = Readonly<Record<TlsFieldName, number>> & { readonly proto: number };

/** Value strings shared by several fields. */
const SHARED_VALS: Readonly<Record<string, string>> = {
  'tls.record.opaque_type': 'tls.record.content_type',
  'tls.handshake.version': 'tls.record.version',
  'tls.handshake.extensions.supported_version': 'tls.record.version',
  'tls.handshake.extensions_key_share_group': 'tls.handshake.extensions_supported_group',
  'tls.handshake.extensions_key_share_selected_group': 'tls.handshake.extensions_supported_group',
  'tls.handshake.server_named_curve': 'tls.handshake.extensions_supported_group',
};

/** Registers the `tls` protocol and every tls.* field (Wireshark 4.0 names, types, bases). */
export function registerTlsFields(reg: Registry): TlsFields {
  const proto = reg.protocol('tls', 'Transport Layer Security');
  const specs: Record<string, FieldSpec> = {};
  for (const d of TLS_FIELD_DEFS) {
    const [abbrev, name, type] = d;
    const base = d.length > 3 ? (d as readonly unknown[])[3] as FieldSpec['base'] : undefined;
    const spec: FieldSpec = { name, type };
    if (base) spec.base = base;
    const vals = WIRESHARK_VALUES[abbrev] ?? WIRESHARK_VALUES[SHARED_VALS[abbrev] ?? ''];
    if (vals) spec.vals = vals;
    if (type === 'abstime') spec.timeFormat = 'utc';
    specs[abbrev] = spec;
  }
  const ids = reg.fields('tls', specs) as Record<TlsFieldName, number>;
  return { ...ids, proto };
}
