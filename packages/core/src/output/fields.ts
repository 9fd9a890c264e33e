import type { Registry } from '../fields/registry.ts';
import { fieldText } from '../fields/format.ts';
import type { RegisteredField } from '../fields/types.ts';
import type { Packet } from '../packet.ts';
import { TlsLensError } from '../errors.ts';

/** tshark's `-E` options. */
export interface FieldsOptions {
  header: boolean;
  separator: string;
  occurrence: 'f' | 'l' | 'a';
  aggregator: string;
  quote: 'd' | 's' | 'n';
}

export const DEFAULT_FIELDS_OPTIONS: FieldsOptions = { header: false, separator: '\t', occurrence: 'a', aggregator: ',', quote: 'n' };

/**
 * Parses one `-E key=value` option into `opts`, as tshark 4.0 does: one setting per -E,
 * and single-character settings take the value's first character ("separator=ab" is "a").
 */
export function parseFieldsOption(opts: FieldsOptions, spec: string): void {
  const eq = spec.indexOf('=');
  const key = eq < 0 ? spec : spec.slice(0, eq);
  const val = eq < 0 ? '' : spec.slice(eq + 1);
  const bad = () => new TlsLensError('USAGE', `invalid -E parameter "${spec}"`);
  const char = () => {
    if (val.startsWith('/t')) return '\t';
    if (val.startsWith('/s')) return ' ';
    if (val === '') throw bad();
    return val[0]!;
  };
  switch (key) {
    case 'header':
      if (val[0] !== 'y' && val[0] !== 'n') throw bad();
      opts.header = val[0] === 'y';
      return;
    case 'separator':
      opts.separator = char();
      return;
    case 'occurrence':
      // tshark 4.0 takes f, l or a only
      if (val[0] === 'f' || val[0] === 'l' || val[0] === 'a') opts.occurrence = val[0];
      else throw bad();
      return;
    case 'aggregator':
      opts.aggregator = char();
      return;
    case 'quote':
      if (val[0] !== 'd' && val[0] !== 's' && val[0] !== 'n') throw bad();
      opts.quote = val[0];
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
    // tshark quotes neither the header nor empty fields
    return this.fields.map((f) => f.abbrev).join(this.opts.separator) + '\n';
  }

  line(p: Packet, protoText?: (f: RegisteredField) => string | undefined): string {
    let out = '';
    const { separator, occurrence, aggregator } = this.opts;
    for (let i = 0; i < this.fields.length; i++) {
      if (i > 0) out += separator;
      const f = this.fields[i]!;
      const vals = p.values(f.id);
      if (!vals || vals.length === 0) continue;
      let text: string;
      if (f.type === 'protocol' && protoText) {
        text = protoText(f) ?? f.abbrev;
      } else if (occurrence === 'a') {
        text = fieldText(f, vals[0]!);
        for (let j = 1; j < vals.length; j++) text += aggregator + fieldText(f, vals[j]!);
      } else if (occurrence === 'f') {
        text = fieldText(f, vals[0]!);
      } else {
        text = fieldText(f, vals[vals.length - 1]!);
      }
      out += this.q + text + this.q;
    }
    return out + '\n';
  }
}
