import { TlsLensError } from '../errors.ts';
import type { FieldSpec, RegisteredField } from './types.ts';

/**
 * The single field registry: every protocol registers its fields (Wireshark names) here,
 * and the detail tree, the display filter engine and every export look them up here.
 * A registry is a value: `createRegistry()` makes a fresh one.
 */
export class Registry {
  private readonly list: RegisteredField[] = [];
  private readonly byAbbrev = new Map<string, RegisteredField>();

  get size(): number {
    return this.list.length;
  }

  /** Registers a protocol field (type 'protocol'); returns its id. */
  protocol(abbrev: string, name: string, description?: string): number {
    return this.add(abbrev, abbrev, { name, type: 'protocol', ...(description ? { description } : {}) });
  }

  /**
   * Registers fields of one protocol. `specs` is keyed by the abbreviation suffix after
   * `${proto}.` (or the whole abbreviation when the key contains the prefix already);
   * returns the ids keyed the same way.
   */
  fields<K extends string>(proto: string, specs: Record<K, FieldSpec>): Record<K, number> {
    const out = {} as Record<K, number>;
    for (const key of Object.keys(specs) as K[]) {
      const abbrev = key === '' ? proto : key.startsWith(proto + '.') ? key : `${proto}.${key}`;
      out[key] = this.add(abbrev, proto, specs[key]);
    }
    return out;
  }

  private add(abbrev: string, proto: string, spec: FieldSpec): number {
    const existing = this.byAbbrev.get(abbrev);
    if (existing) {
      if (existing.type !== spec.type) {
        throw new Error(`field ${abbrev} registered twice with different types`);
      }
      return existing.id;
    }
    const vals = spec.vals instanceof Map ? spec.vals : spec.vals ? new Map(Object.entries(spec.vals).map(([k, v]) => [Number(k), v as string])) : undefined;
    const f: RegisteredField = {
      id: this.list.length,
      abbrev,
      proto,
      name: spec.name,
      type: spec.type,
      ...(spec.base !== undefined ? { base: spec.base } : {}),
      ...(vals ? { vals } : {}),
      ...(spec.tfs ? { tfs: spec.tfs } : {}),
      ...(spec.mask !== undefined ? { mask: spec.mask } : {}),
      ...(spec.maskWidth !== undefined ? { maskWidth: spec.maskWidth } : {}),
      ...(spec.description ? { description: spec.description } : {}),
      ...(spec.unit ? { unit: spec.unit } : {}),
      ...(spec.timeFormat ? { timeFormat: spec.timeFormat } : {}),
    };
    this.list.push(f);
    this.byAbbrev.set(abbrev, f);
    return f.id;
  }

  get(id: number): RegisteredField {
    const f = this.list[id];
    if (!f) throw new Error(`no field with id ${id}`);
    return f;
  }

  find(abbrev: string): RegisteredField | undefined {
    return this.byAbbrev.get(abbrev);
  }

  /** Looks up a field by abbreviation, throwing a FIELD_UNKNOWN error when absent. */
  lookup(abbrev: string): RegisteredField {
    const f = this.byAbbrev.get(abbrev);
    if (!f) throw new TlsLensError('FIELD_UNKNOWN', `"${abbrev}" is not a valid field name`);
    return f;
  }

  all(): readonly RegisteredField[] {
    return this.list;
  }
}

export function createRegistry(): Registry {
  return new Registry();
}
