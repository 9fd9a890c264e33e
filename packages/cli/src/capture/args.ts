import { TlsLensError } from '@tlslens/core';
import { parseReadArgs, type ReadArgs } from '../args.ts';

export type BackendName = 'dumpcap' | 'tcpdump';

/** Ring buffer / autostop conditions, with dumpcap's names (-b and -a). */
export interface FileConditions {
  /** kB (1000 bytes), as dumpcap. */
  filesize?: number;
  files?: number;
  /** Seconds. */
  duration?: number;
  packets?: number;
}

/** Options of `tlslens capture`: tshark's capture options plus every output option of `read`. */
export interface CaptureArgs {
  /** The output options, parsed by `read`'s parser (-Y -T -e -E -V -x -t -o -d -c -q --keylog). */
  read: ReadArgs;
  list: boolean;
  interfaces: string[];
  bpf?: string;
  write?: string;
  autostop: FileConditions;
  ring: FileConditions;
  ringEnabled: boolean;
  snaplen?: number;
  noPromisc: boolean;
  /** Kernel buffer size in MiB. */
  bufferMiB?: number;
  backend?: BackendName;
}

// capture options that take a value (-i -f -a -b -w -s -B)
const CAPTURE_VALUE = new Set(['i', 'f', 'a', 'b', 'w', 's', 'B']);
const CAPTURE_FLAG = new Set(['D', 'p']);
// read's options that take a value: their value is not a capture filter word
const READ_VALUE = new Set(['r', 'Y', 'c', 'T', 'e', 'E', 't', 'o', 'd', 'R', 'z', 'j', 'J', 'X']);
const LONG_VALUE: Record<string, string> = { '--interface': 'i', '--autostop': 'a', '--ring-buffer': 'b', '--snapshot-length': 's', '--buffer-size': 'B' };

function posInt(v: string, what: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n <= 0) throw new TlsLensError('USAGE', `invalid ${what} "${v}" (expected a positive integer)`);
  return n;
}

function condition(into: FileConditions, v: string, opt: string): void {
  const k = v.indexOf(':');
  const name = k < 0 ? v : v.slice(0, k);
  const value = k < 0 ? '' : v.slice(k + 1);
  if (name !== 'filesize' && name !== 'files' && name !== 'duration' && name !== 'packets') {
    throw new TlsLensError('USAGE', `invalid ${opt} condition "${v}" (expected duration:S, filesize:KB, files:N or packets:N)`);
  }
  into[name] = posInt(value, `${opt} ${name}`);
}

export function parseCaptureArgs(argv: readonly string[]): CaptureArgs {
  const a: CaptureArgs = { read: parseReadArgs([]), list: false, interfaces: [], autostop: {}, ring: {}, ringEnabled: false, noPromisc: false };
  const rest: string[] = [];
  const words: string[] = [];
  const apply = (c: string, v: string): void => {
    switch (c) {
      case 'i': a.interfaces.push(v); return;
      case 'f': a.bpf = v; return;
      case 'w': a.write = v; return;
      case 'a': condition(a.autostop, v, '-a'); return;
      case 'b': condition(a.ring, v, '-b'); a.ringEnabled = true; return;
      case 's': {
        const n = Number(v);
        if (!/^\d+$/.test(v) || n > 262144) throw new TlsLensError('USAGE', `invalid snapshot length "${v}"`);
        a.snaplen = n === 0 ? 262144 : n;
        return;
      }
      case 'B': a.bufferMiB = posInt(v, 'buffer size (MiB)'); return;
    }
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new TlsLensError('USAGE', `option ${arg} requires an argument`);
      return v;
    };
    if (arg === '--') {
      words.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '--backend' || arg.startsWith('--backend=')) {
      const v = arg === '--backend' ? next() : arg.slice(10);
      if (v !== 'dumpcap' && v !== 'tcpdump') throw new TlsLensError('USAGE', `invalid --backend "${v}" (dumpcap or tcpdump)`);
      a.backend = v;
      continue;
    }
    if (arg === '--list-interfaces') {
      a.list = true;
      continue;
    }
    if (arg === '--no-promiscuous-mode') {
      a.noPromisc = true;
      continue;
    }
    const long = Object.hasOwn(LONG_VALUE, arg.split('=')[0]!) ? LONG_VALUE[arg.split('=')[0]!] : undefined;
    if (long !== undefined) {
      apply(long, arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : next());
      continue;
    }
    if (arg === '--keylog') {
      rest.push(arg, next());
      continue;
    }
    if (arg.startsWith('--')) {
      rest.push(arg); // --keylog=F, or an unknown option for read's parser to reject
      continue;
    }
    if (arg.length < 2 || arg[0] !== '-') {
      words.push(arg); // like tshark: words after the options are the capture filter
      continue;
    }
    // a cluster like -qV or -pi lo, or an attached value like -ilo / -Tfields
    let j = 1;
    let readPart = '';
    while (j < arg.length) {
      const c = arg[j]!;
      if (CAPTURE_VALUE.has(c)) {
        const v = arg.slice(j + 1);
        apply(c, v === '' ? next() : v);
        break;
      }
      if (CAPTURE_FLAG.has(c)) {
        if (c === 'D') a.list = true;
        else a.noPromisc = true;
        j++;
        continue;
      }
      if (READ_VALUE.has(c)) {
        if (c === 'r') throw new TlsLensError('USAGE', 'capture reads from an interface: use "tlslens read -r FILE" for files');
        readPart += arg.slice(j);
        rest.push('-' + readPart);
        readPart = '';
        if (j + 1 === arg.length) rest.push(next());
        j = arg.length;
        break;
      }
      readPart += c; // a read flag (-q -V -x …); read's parser validates it
      j++;
    }
    if (readPart !== '') rest.push('-' + readPart);
  }
  a.read = parseReadArgs(rest);
  if (words.length > 0) {
    if (a.bpf !== undefined) throw new TlsLensError('USAGE', `capture filter given twice (-f "${a.bpf}" and "${words.join(' ')}")`);
    a.bpf = words.join(' ');
  }
  if (a.ringEnabled && a.write === undefined) throw new TlsLensError('USAGE', 'ring buffer (-b) requires -w FILE');
  if (a.write === '-') throw new TlsLensError('USAGE', '-w - is not supported: packets are printed to stdout (use -w FILE)');
  if ((a.autostop.filesize !== undefined || a.autostop.files !== undefined) && a.write === undefined) {
    throw new TlsLensError('USAGE', '-a filesize: and -a files: need -w FILE');
  }
  if (a.ringEnabled && a.ring.filesize === undefined && a.ring.duration === undefined && a.ring.packets === undefined) {
    throw new TlsLensError('USAGE', '-b files:N needs a condition to switch files (-b filesize:KB, -b duration:S or -b packets:N)');
  }
  return a;
}
