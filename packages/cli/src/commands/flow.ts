import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import {
  TlsLensError, readCaptureBatches, timeColumn, type TimeFormat, type TimeState,
} from '@tlslens/core';
import {
  FlowBuilder, renderFlowSvg, renderFlowText, type FlowAddresses, type FlowNodeKey, type FlowType,
} from '@tlslens/core';
import { parseReadArgs } from '../args.ts';
import { engineFromArgs } from './keys.ts';
import { displayFilter } from '../packets.ts';
import { Out, openInput } from '../io.ts';

export const FLOW_HELP = `Usage: tlslens flow [options] FILE

Draws the sequence diagram of Wireshark's Flow Graph (Statistics → Flow Graph): one
column per address, one arrow per packet. The text is tshark's
"-z flow,<type>,<addresses>" output; --svg writes the same diagram as an SVG image.
  -r FILE                     capture file ("-" for stdin); or give FILE as an argument
  -Y FILTER                   only packets matching this display filter (e.g. 'tcp.stream eq 0')
  --type any|tcp              any (default): label = Info column ("Client Hello", …),
                              comment = "Protocol: Info"; tcp: TCP packets only,
                              label = flags ("SYN, ACK", "PSH, ACK - Len: 263"),
                              comment = "Seq = N Ack = M" (relative)
  --addresses network|standard   network (default): the Source/Destination addresses;
                              standard: IP addresses only (frames without IP are left out)
  --nodes address|endpoint    one column per address (default, as Wireshark) or per address:port
  --svg OUT.svg               also write the diagram as SVG ("-" = to stdout instead of the text)
  -q                          do not print the text diagram
  -c N                        read only the first N packets
  -t r|a|ad|d|dd|e|u|ud|…     time format (default r: seconds since the first packet)
  -o NAME:VALUE               preference, e.g. tls.keylog_file:FILE
  -d tcp.port==N,tls          decode as
  --keylog FILE               TLS key log file (repeatable)

Differences from tshark: -Y narrows the diagram (tshark's -Y does not reach the -z flow
tap; the equivalent there is "-z flow,any,network,FILTER").
`;

interface FlowArgs {
  type: FlowType;
  addresses: FlowAddresses;
  nodes: FlowNodeKey;
  svg?: string;
  rest: string[];
}

function takeOptions(argv: readonly string[]): FlowArgs {
  const a: FlowArgs = { type: 'any', addresses: 'network', nodes: 'address', rest: [] };
  const value = (i: number, name: string): string => {
    const v = argv[i];
    if (v === undefined) throw new TlsLensError('USAGE', `${name} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    const get = () => inline ?? value(++i, name);
    switch (name) {
      case '--type': {
        const v = get();
        if (v !== 'tcp' && v !== 'any') throw new TlsLensError('USAGE', `invalid --type "${v}" (tcp or any)`);
        a.type = v;
        break;
      }
      case '--addresses': {
        const v = get();
        if (v !== 'network' && v !== 'standard') throw new TlsLensError('USAGE', `invalid --addresses "${v}" (network or standard)`);
        a.addresses = v;
        break;
      }
      case '--nodes': {
        const v = get();
        if (v !== 'address' && v !== 'endpoint') throw new TlsLensError('USAGE', `invalid --nodes "${v}" (address or endpoint)`);
        a.nodes = v;
        break;
      }
      case '--svg':
        a.svg = get();
        break;
      default:
        if (arg === '--') {
          a.rest.push(...argv.slice(i));
          return a;
        }
        a.rest.push(arg);
    }
  }
  return a;
}

export async function flowCommand(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(FLOW_HELP);
    return 0;
  }
  const fa = takeOptions(argv);
  const args = parseReadArgs(fa.rest);
  if (args.file === undefined) throw new TlsLensError('USAGE', 'no capture file given (tlslens flow FILE)');
  if (args.fields.length > 0 || args.format !== 'text' || args.verbose || args.hex) {
    throw new TlsLensError('USAGE', 'flow does not take -T, -e, -V or -x');
  }
  const engine = await engineFromArgs(args);
  const reg = engine.reg;

  const filter = displayFilter(args.filter, reg);
  if (typeof filter === 'number') return filter;

  const builder = new FlowBuilder(reg, { type: fa.type, addresses: fa.addresses, nodes: fa.nodes });
  const want = new Uint8Array(reg.size);
  for (const id of builder.fields) want[id] = 1;
  for (const id of filter?.fields ?? []) want[id] = 1;
  const wanted = { fields: want, tree: false, columns: true };

  const timeFmt = args.time as TimeFormat;
  const ts: TimeState = {};
  let digits = 6;
  engine.columnTime = (t) => timeColumn(timeFmt, t, ts, digits);
  let num = 0;
  let status = 0;
  const input = await openInput(args.file);
  try {
    outer: for await (const batch of readCaptureBatches(input, { onFormat: (f) => engine.setFileFormat(f) })) for (const ev of batch) {
      if (ev.kind === 'interface') {
        if ((ev.iface.tsresol ?? 6) > 6) digits = 9;
        continue;
      }
      if (ev.kind === 'secrets') {
        engine.addSecrets(ev.secrets.type, ev.secrets.data);
        continue;
      }
      if (ev.kind !== 'frame') continue;
      num++;
      const p = engine.dissect(ev.frame, num, wanted);
      ts.first ??= p.ts;
      if (!filter || filter.match((id) => p.values(id))) {
        engine.displayed(p);
        builder.add(p, timeColumn(timeFmt, p.ts, ts, digits));
        ts.prevDisplayed = p.ts;
      }
      ts.prevCaptured = p.ts;
      if (args.count !== undefined && num >= args.count) break outer;
    }
  } catch (e) {
    if (!(e instanceof TlsLensError)) throw e;
    process.stderr.write(`tlslens: ${args.file}: ${e.message}\n`);
    status = 2;
  }
  engine.finish();

  const graph = builder.graph();
  const out = new Out();
  if (fa.svg !== undefined) {
    const title = `${args.file === '-' ? 'stdin' : basename(args.file)} — ${fa.type === 'tcp' ? 'TCP flows' : 'all flows'}${args.filter ? ` — ${args.filter}` : ''}`;
    const svg = renderFlowSvg(graph, { title });
    if (fa.svg === '-') {
      await out.write(svg);
      await out.flush();
      return status;
    }
    try {
      await writeFile(fa.svg, svg);
    } catch (e) {
      throw new TlsLensError('IO', `cannot write "${fa.svg}": ${(e as Error).message}`);
    }
  }
  if (!args.quiet) await out.write(renderFlowText(graph));
  await out.flush();
  return status;
}
