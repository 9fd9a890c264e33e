import { TlsLensError } from '@tlslens/core';

/** Options of `tlslens read`, named after tshark's. */
export interface ReadArgs {
  file?: string;
  filter?: string;
  count?: number;
  format: 'text' | 'fields' | 'json';
  fields: string[];
  fieldOpts: string[];
  verbose: boolean;
  hex: boolean;
  time: string;
  prefs: [string, string][];
  decodeAs: string[];
  quiet: boolean;
  keylogs: string[];
  /** --rsa-key FILE[:PASSWORD] */
  rsaKeys: string[];
  /** --threads N|auto: worker threads for a big capture file (undefined = auto). */
  threads?: number | 'auto';
}

// tshark options that take a value
const WITH_VALUE = new Set(['r', 'Y', 'c', 'T', 'e', 'E', 't', 'o', 'd', 'R', 'z', 'j', 'J', 'X']);
// tshark options without a value that we accept (some are no-ops for us)
const FLAGS = new Set(['V', 'x', 'q', 'n', 'N', '2', 'l', 'Q', 'P', 'S', 'H', 'u']);

export function parseReadArgs(argv: readonly string[]): ReadArgs {
  const a: ReadArgs = { format: 'text', fields: [], fieldOpts: [], verbose: false, hex: false, time: 'r', prefs: [], decodeAs: [], quiet: false, keylogs: [], rsaKeys: [] };
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--keylog') {
      const v = argv[++i];
      if (v === undefined) throw new TlsLensError('USAGE', '--keylog needs a file');
      a.keylogs.push(v);
      continue;
    }
    if (arg === '--rsa-key') {
      const v = argv[++i];
      if (v === undefined) throw new TlsLensError('USAGE', '--rsa-key needs a file');
      a.rsaKeys.push(v);
      continue;
    }
    if (arg === '--threads' || arg.startsWith('--threads=')) {
      const v = arg === '--threads' ? argv[++i] : arg.slice(10);
      const n = Number(v);
      if (v === 'auto') a.threads = 'auto';
      else if (v !== undefined && Number.isInteger(n) && n >= 1 && n <= 64) a.threads = n;
      else throw new TlsLensError('USAGE', `--threads needs a number from 1 to 64 or "auto"${v === undefined ? '' : ` (got "${v}")`}`);
      continue;
    }
    if (arg.startsWith('--rsa-key=')) {
      a.rsaKeys.push(arg.slice(10));
      continue;
    }
    if (arg.startsWith('--keylog=')) {
      a.keylogs.push(arg.slice(9));
      continue;
    }
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (arg.length < 2 || arg[0] !== '-' ) {
      positional.push(arg);
      continue;
    }
    if (arg === '-') {
      positional.push(arg);
      continue;
    }
    // clusters like -qV, and attached values like -Tfields or -otls.keylog_file:F
    let j = 1;
    while (j < arg.length) {
      const c = arg[j]!;
      if (WITH_VALUE.has(c)) {
        let v = arg.slice(j + 1);
        if (v === '') {
          const next = argv[++i];
          if (next === undefined) throw new TlsLensError('USAGE', `option -${c} requires an argument`);
          v = next;
        }
        apply(a, c, v);
        break;
      }
      if (FLAGS.has(c)) {
        if (c === 'V') a.verbose = true;
        else if (c === 'x') a.hex = true;
        else if (c === 'q') a.quiet = true;
        j++;
        continue;
      }
      throw new TlsLensError('USAGE', `unknown option -${c}`);
    }
  }
  if (positional.length > 1 || (positional.length === 1 && a.file !== undefined)) {
    // tshark treats extra words as a capture filter; we have no capture filters on files
    throw new TlsLensError('USAGE', `unexpected argument "${positional[a.file === undefined ? 1 : 0]}"`);
  }
  if (a.file === undefined && positional.length === 1) a.file = positional[0];
  return a;
}

function apply(a: ReadArgs, c: string, v: string): void {
  switch (c) {
    case 'r':
      a.file = v;
      return;
    case 'Y':
    case 'R':
      a.filter = a.filter === undefined ? v : `(${a.filter}) && (${v})`;
      return;
    case 'c': {
      const n = Number(v);
      if (!Number.isInteger(n) || n <= 0) throw new TlsLensError('USAGE', `invalid packet count "${v}"`);
      a.count = n;
      return;
    }
    case 'T':
      if (v === 'text' || v === 'fields' || v === 'json') a.format = v;
      else if (v === 'tabs') a.format = 'text';
      else throw new TlsLensError('USAGE', `invalid -T parameter "${v}"; supported: text, fields, json`);
      return;
    case 'e':
      a.fields.push(v);
      return;
    case 'E':
      a.fieldOpts.push(v);
      return;
    case 't':
      if (!/^(r|a|ad|adoy|d|dd|e|u|ud|udoy)$/.test(v)) throw new TlsLensError('USAGE', `invalid -t parameter "${v}"`);
      a.time = v;
      return;
    case 'o': {
      const k = v.indexOf(':');
      if (k <= 0) throw new TlsLensError('USAGE', `invalid -o preference "${v}" (expected name:value)`);
      a.prefs.push([v.slice(0, k), v.slice(k + 1)]);
      return;
    }
    case 'd':
      a.decodeAs.push(v);
      return;
    default:
      // -z, -j, -J, -X: accepted and ignored for now
      return;
  }
}
