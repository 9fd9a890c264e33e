import {
  DEFAULT_FIELDS_OPTIONS, Engine, FieldsFormatter, TlsLensError, compileFilter, formatFilterError, hexDump, packetJson,
  parseFieldsOption, readCaptureBatches, summaryLine, timeColumn, treeText, type CompiledFilter, type TimeFormat, type TimeState,
} from '@tlslens/core';
import { parseReadArgs } from '../args.ts';
import { Out, openInput } from '../io.ts';

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
  --keylog FILE           TLS key log file (repeatable)

Exit status: 0 success; 1 bad usage or unknown field; 2 the capture cannot be read
(missing, not a capture, truncated or corrupt: frames before the damage are printed);
4 invalid display filter.
`;

export async function readCommand(argv: readonly string[]): Promise<number> {
  const args = parseReadArgs(argv);
  if (args.file === undefined) throw new TlsLensError('USAGE', 'no capture file given (use -r FILE)');
  const prefs = new Map(args.prefs);
  for (const k of args.keylogs) prefs.set('tls.keylog_file', k);
  const engine = new Engine({ prefs, decodeAs: args.decodeAs });
  const reg = engine.reg;
  for (const e of engine.decodeAsErrors) process.stderr.write(`tlslens: warning: ${e}\n`);

  let filter: CompiledFilter | undefined;
  if (args.filter !== undefined && args.filter.trim() !== '') {
    try {
      filter = compileFilter(args.filter, reg);
    } catch (e) {
      if (e instanceof TlsLensError) {
        process.stderr.write(formatFilterError(args.filter, e) + '\n');
        return 4;
      }
      throw e;
    }
    for (const w of filter.warnings) process.stderr.write(`tlslens: ${w}\n`);
  }

  const fieldsOpts = { ...DEFAULT_FIELDS_OPTIONS };
  for (const spec of args.fieldOpts) parseFieldsOption(fieldsOpts, spec);
  let formatter: FieldsFormatter | undefined;
  if (args.format === 'fields') {
    if (args.fields.length === 0) throw new TlsLensError('USAGE', '-T fields was specified, but no fields were specified with -e');
    formatter = new FieldsFormatter(reg, args.fields, fieldsOpts);
  } else if (args.fields.length > 0) {
    throw new TlsLensError('USAGE', '-e requires -T fields');
  }

  const tree = args.verbose || args.format === 'json';
  const want = new Uint8Array(reg.size);
  for (const f of formatter?.fields ?? []) want[f.id] = 1;
  for (const id of filter?.fields ?? []) want[id] = 1;
  const columns = (!args.quiet && args.format === 'text') || engine.meta.wantsColumns(want);
  const wanted = { fields: want, tree, columns };

  const out = new Out();
  if (formatter && fieldsOpts.header && !args.quiet) await out.write(formatter.header());
  if (args.format === 'json' && !args.quiet) await out.write('[\n');
  const timeFmt = args.time as TimeFormat;
  const ts: TimeState = {};
  let digits = 6;
  engine.columnTime = (t) => timeColumn(timeFmt, t, ts, digits);
  let num = 0;
  let shown = 0;
  let status = 0;
  const input = await openInput(args.file);
  try {
    outer: for await (const batch of readCaptureBatches(input, { onFormat: (f) => engine.setFileFormat(f) })) for (const ev of batch) {
      if (ev.kind === 'interface') {
        if ((ev.iface.tsresol ?? 6) > 6) digits = 9;
        continue;
      }
      if (ev.kind !== 'frame') continue;
      num++;
      const p = engine.dissect(ev.frame, num, wanted);
      const get = (id: number) => p.values(id);
      const show = !filter || filter.match(get);
      if (show) {
        engine.displayed(p);
        if (!args.quiet) {
          if (formatter) {
            await out.write(formatter.line(p, (f) => p.labelOf(f.id)));
          } else if (args.format === 'json') {
            const j = JSON.stringify(packetJson(reg, p), null, 2).replace(/^/gm, '  ');
            await out.write((shown > 0 ? ',\n' : '') + j);
          } else {
            ts.first ??= p.ts;
            // like tshark 4.0: -V prints the tree, -x the hex dump, both replace the summary line
            if (args.verbose) await out.write(treeText(reg, p) + '\n');
            if (args.hex) await out.write(hexDump(p));
            if (!args.verbose && !args.hex) await out.write(summaryLine(p, timeColumn(timeFmt, p.ts, ts, digits)));
          }
        }
        shown++;
        ts.prevDisplayed = p.ts;
      }
      ts.first ??= p.ts;
      ts.prevCaptured = p.ts;
      if (args.count !== undefined && num >= args.count) break outer;
    }
  } catch (e) {
    if (!(e instanceof TlsLensError)) throw e;
    await out.flush();
    process.stderr.write(`tlslens: ${args.file}: ${e.message}\n`);
    status = 2;
  }
  engine.finish();
  if (args.format === 'json' && !args.quiet) await out.write(shown > 0 ? '\n]\n' : ']\n');
  await out.flush();
  return status;
}
