import { TlsLensError, readCaptureBatches } from '@tlslens/core';
import { parseReadArgs, type ReadArgs } from '../args.ts';
import { openInput } from '../io.ts';
import { createPrinter, type PrinterOptions } from '../packets.ts';
import { engineFromArgs } from './keys.ts';
import { parallelPlan, readParallel } from '../parallel/read.ts';

export const READ_HELP = `Usage: tlslens read [options] [-r] FILE

Reads a capture (pcap, pcapng, gzip-compressed, or - for stdin) with tshark's options.
  -r FILE                 capture file to read ("-" for stdin)
  -Y FILTER               display filter (Wireshark syntax)
  -c N                    stop after reading N packets
  -T text|fields|json     output format (default text)
  -e FIELD                field to print with -T fields (repeatable)
  -E header=y|n,separator=/t|/s|C,occurrence=f|l|a,aggregator=C,quote=d|s|n
  -V                      print the packet details tree
  -x                      print a hex and ASCII dump
  -t a|ad|adoy|d|dd|e|r|u|ud|udoy   time format of the packet list
  -o NAME:VALUE           preference, e.g. tls.keylog_file:FILE, http.tls.port:8443
  -d tcp.port==N[-M],tls  decode as
  -q                      do not print packets
  --keylog FILE           TLS key log file (repeatable; merged with -o tls.keylog_file)
  --rsa-key FILE[:PASS]   RSA private key for RSA key exchange (repeatable); tshark's
                          -o 'uat:rsa_keys:"FILE","PASS"' and -o tls.keys_list:IP,PORT,PROTO,FILE work too
  --threads N|auto        dissect a big capture file in N worker threads, each taking a share
                          of the TCP connections (same output as one thread; default auto:
                          one thread, or one per core up to 4 for files over 64 MB when the
                          machine has at least 4 cores)

Exit status: 0 success; 1 bad usage or unknown field; 2 the capture cannot be read
(missing, not a capture, truncated or corrupt: frames before the damage are printed);
4 invalid display filter.
`;

export async function readCommand(argv: readonly string[]): Promise<number> {
  const args = parseReadArgs(argv);
  if (args.file === undefined) throw new TlsLensError('USAGE', 'no capture file given (use -r FILE)');
  const plan = await parallelPlan(args);
  if (plan) return readParallel(argv, args, plan);
  return (await runRead(args)).status;
}

export interface ReadRun {
  status: number;
  /** Frames read. */
  frames: number;
  /** A shard's reason to hand over to a serial read (Engine.shardConflict). */
  conflict?: { readonly what: string; readonly frame: number } | undefined;
}

/**
 * One pass of `read` over args.file: the whole capture, or one shard of a parallel read
 * (`opts.shard`), or the rest of one that had to stop (`opts.skipThrough`: no header).
 */
export async function runRead(args: ReadArgs, opts: PrinterOptions = {}): Promise<ReadRun> {
  const engine = await engineFromArgs(args);
  if (opts.shard) engine.setShard(opts.shard.count, opts.shard.index);
  const warnedBefore = engine.keyWarnings().length;
  const printer = createPrinter(engine, args, opts);
  if (typeof printer === 'number') return { status: printer, frames: 0 };

  if (opts.skipThrough === undefined && !opts.shard) await printer.begin();
  let status = 0;
  const input = await openInput(args.file!);
  try {
    for await (const batch of readCaptureBatches(input, { onFormat: (f) => engine.setFileFormat(f) })) {
      if (!(await printer.batch(batch))) break;
    }
  } catch (e) {
    if (!(e instanceof TlsLensError)) throw e;
    await printer.out.flush();
    process.stderr.write(`tlslens: ${args.file}: ${e.message}\n`);
    status = 2;
  }
  engine.finish();
  if (!opts.shard) await printer.end();
  for (const w of engine.keyWarnings().slice(warnedBefore)) process.stderr.write(`tlslens: warning: ${w}\n`);
  return { status, frames: printer.num, conflict: engine.shardConflict };
}
