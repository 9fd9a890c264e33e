import type { Registry } from '../fields/registry.ts';
import { fieldText } from '../fields/format.ts';
import type { RegisteredField } from '../fields/types.ts';
import type { Packet } from '../packet.ts';
import { TlsLensError } from '../errors.ts';

/** tshark's `-E` options. */
export interface FieldsOptions {
  header: boolean;
  separator: string;
  occurrence: 'f' | 'l' | 'a' | number;
  aggregator: string;
  quote: 'd' | 's' | 'n';
}

export const DEFAULT_FIELDS_OPTIONS: FieldsOptions = { header: false, separator: '\t', occurrence: 'a', aggregator: ',', quote: 'n' };

/** Parses one `-E key=value` option into `opts`; throws USAGE on a bad one. */
export function parseFieldsOption(opts: FieldsOptions, spec: string): void {
  const eq = spec.indexOf('=');
  const key = eq < 0 ? spec : spec.slice(0, eq);
  const val = eq < 0 ? '' : spec.slice(eq + 1);
  const bad = () => new TlsLensError('USAGE', `invalid -E parameter "${spec}"`);
  switch (key) {
    case 'header':
      if (val !== 'y' && val !== 'n') throw bad();
      opts.header = val === 'y';
      return;
    case 'separator':
      opts.separator = val === '/t' ? '\t' : val === '/s' ? ' ' : val;
      if (opts.separator === '') throw bad();
      return;
    case 'occurrence':
      if (val === 'f' || val === 'l' || val === 'a') opts.occurrence = val;
      else if (/^-?\d+$/.test(val)) opts.occurrence = Number(val);
      else throw bad();
      return;
    case 'aggregator':
      opts.aggregator = val === '/t' ? '\t' : val === '/s' ? ' ' : val;
      if (opts.aggregator === '') throw bad();
      return;
    case 'quote':
      if (val !== 'd' && val !== 's' && val !== 'n') throw bad();
      opts.quote = val;
      return;
    case 'bom':
    case 'escape':
      return;
    default:
      throw bad();
  }
}

/** Formats packets as `-T fields` lines, byte for byte as tshark does. */
export class FieldsFormatter {
  readonly fields: readonly RegisteredField[];
  private readonly q: string;
  constructor(reg: Registry, names: readonly string[], private readonly opts: FieldsOptions) {
    const unknown = names.filter((n) => !reg.find(n));
    if (unknown.length) {
      throw new TlsLensError('FIELD_UNKNOWN', `Some fields aren't valid:\n${unknown.map((n) => `\t${n}`).join('\n')}`);
    }
    this.fields = names.map((n) => reg.lookup(n));
    this.q = opts.quote === 'd' ? '"' : opts.quote === 's' ? "'" : '';
  }

  header(): string {
    return this.fields.map((f) => this.q + f.abbrev + this.q).join(this.opts.separator) + '\n';
  }

  line(p: Packet, protoText?: (f: RegisteredField) => string | undefined): string {
    let out = '';
    const { separator, occurrence, aggregator } = this.opts;
    for (let i = 0; i < this.fields.length; i++) {
      if (i > 0) out += separator;
      const f = this.fields[i]!;
      const vals = p.values(f.id);
      if (!vals || vals.length === 0) {
        if (this.q) out += this.q + this.q;
        continue;
      }
      let text: string;
      if (f.type === 'protocol' && protoText) {
        text = protoText(f) ?? f.abbrev;
      } else if (occurrence === 'a') {
        text = fieldText(f, vals[0]!);
        for (let j = 1; j < vals.length; j++) text += aggregator + fieldText(f, vals[j]!);
      } else if (occurrence === 'f') {
        text = fieldText(f, vals[0]!);
      } else if (occurrence === 'l') {
        text = fieldText(f, vals[vals.length - 1]!);
      } else {
        const idx = occurrence > 0 ? occurrence - 1 : vals.length + occurrence;
        const v = vals[idx];
        text = v === undefined ? '' : fieldText(f, v);
      }
      out += this.q + text + this.q;
    }
    return out + '\n';
  }
}
