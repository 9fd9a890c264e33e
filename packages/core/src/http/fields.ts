import type { Registry } from '../fields/registry.ts';
import type { FieldSpec } from '../fields/types.ts';
import { HTTP_FIELD_DEFS, type FieldDefRow } from './field-defs.ts';

/** Registers rows of [abbrev, name, type, base?, mask?, maskWidth?] for `proto`. */
export function registerRows<R extends readonly FieldDefRow[]>(reg: Registry, proto: string, rows: R): Record<R[number][0], number> {
  const specs: Record<string, FieldSpec> = {};
  for (const [abbrev, name, type, base, mask, maskWidth] of rows) {
    specs[abbrev] = {
      name,
      type,
      ...(base !== undefined && base !== 'none' ? { base } : {}),
      ...(mask ? { mask } : {}),
      ...(maskWidth ? { maskWidth } : {}),
    };
  }
  return reg.fields(proto, specs) as Record<R[number][0], number>;
}

export type HttpFieldName = (typeof HTTP_FIELD_DEFS)[number][0];
export type HttpFields = Readonly<Record<HttpFieldName, number>> & { readonly proto: number };

export function registerHttpFields(reg: Registry): HttpFields {
  const proto = reg.protocol('http', 'Hypertext Transfer Protocol');
  return { ...registerRows(reg, 'http', HTTP_FIELD_DEFS), proto };
}
