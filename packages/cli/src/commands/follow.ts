import {
  Engine, TlsLensError, FollowCollector, renderFollow, httpFollowChunks,
  type FollowFormat, type FollowMode, type Packet,
} from '@tlslens/core';
import { parseReadArgs, type ReadArgs } from '../args.ts';
import { engineFromArgs } from './keys.ts';
import { createNodeCrypto } from '../crypto/node-crypto.ts';
import { Out, openInput } from '../io.ts';
import { eachPacket, type Wanted } from '../run.ts';

export const FOLLOW_HELP = `Usage: tlslens follow FILE --stream N [--tcp|--tls|--http] [--format ascii|hex|raw|yaml] [key options]

Prints the payload of one TCP conversation (tcp.stream eq N) per direction, in order, as
tshark's "-q -z follow,tcp|tls,FORMAT,N": --tcp (default) the reassembled TCP payload
(retransmitted bytes once), --tls the decrypted TLS application data, --http the HTTP
messages (header block, then body; TLS decrypted when keys are given).
  --stream N                  the tcp.stream index (default 0)
  --format ascii|hex|raw|yaml output format (default ascii)
  -o tls.keylog_file:FILE, --keylog FILE, --rsa-key FILE[:PASS], -d …   as in "tlslens read"
Like tshark 4.0, --http leaves an HTTP/1.x body that runs until the close unfinished inside TLS;
-o tlslens.http.end_at_tls_close:TRUE ends it at the close_notify or FIN ("tlslens http" does).
`;

interface FollowArgs {
  mode: FollowMode;
  format: FollowFormat;
  stream: number;
  rest: string[];
}

function takeOptions(argv: readonly string[]): FollowArgs {
  const a: FollowArgs = { mode: 'tcp', format: 'ascii', stream: 0, rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    const get = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new TlsLensError('USAGE', `${name} needs a value`);
      return v;
    };
    switch (name) {
      case '--tcp': a.mode = 'tcp'; break;
      case '--tls': a.mode = 'tls'; break;
      case '--http': a.mode = 'http'; break;
      case '--stream': {
        const v = get();
        if (!/^\d+$/.test(v)) throw new TlsLensError('USAGE', `invalid --stream "${v}"`);
        a.stream = Number(v);
        break;
      }
      case '--format': {
        const v = get();
        if (v !== 'ascii' && v !== 'hex' && v !== 'raw' && v !== 'yaml') throw new TlsLensError('USAGE', `invalid --format "${v}" (ascii, hex, raw or yaml)`);
        a.format = v;
        break;
      }
      default:
        a.rest.push(arg);
    }
  }
  return a;
}

/** Runs a capture through the engine, calling `each` per packet; 2 (and one line on stderr) when it is damaged. */
export async function runCapture(engine: Engine, args: ReadArgs, wanted: Wanted | ((num: number) => Wanted), each: (p: Packet) => void): Promise<number> {
  const err = await eachPacket(await openInput(args.file!), engine, wanted, args.count, each);
  if (err === undefined) return 0;
  process.stderr.write(`tlslens: ${args.file}: ${err}\n`);
  return 2;
}

/** The frames whose TCP payload belongs to `stream` (what the follow tap sees). */
async function streamFrames(args: ReadArgs, stream: number): Promise<Set<number>> {
  const engine = new Engine({ prefs: new Map(args.prefs), decodeAs: args.decodeAs, crypto: createNodeCrypto() });
  engine.decryptStream = () => false;
  const frames = new Set<number>();
  const tcpHandler = engine.tcpApps.handler;
  engine.tcp.setPayloadHandler((p, data, offset, end, seg) => {
    if (seg.stream === stream) frames.add(p.num);
    return tcpHandler(p, data, offset, end, seg);
  });
  // (a damaged capture: the second pass reports it)
  await eachPacket(await openInput(args.file!), engine, { fields: new Uint8Array(engine.reg.size), tree: false, columns: false }, args.count, () => {});
  return frames;
}

export async function followCommand(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(FOLLOW_HELP);
    return 0;
  }
  const fa = takeOptions(argv);
  const args = parseReadArgs(fa.rest);
  if (args.file === undefined) throw new TlsLensError('USAGE', 'no capture file given (tlslens follow FILE --stream N)');
  // --http reads the detail tree, costly on every packet: a first pass (no tree, no decryption)
  // finds the frames carrying the stream's payload, and only those get a tree in the second
  const treeFrames = fa.mode === 'http' && args.file !== '-' ? await streamFrames(args, fa.stream) : undefined;
  const engine = await engineFromArgs(args);
  // only the followed connection is decrypted (none for --tcp): the others cost a keyless read
  engine.decryptStream = fa.mode === 'tcp' ? () => false : (s) => s === fa.stream;
  const col = new FollowCollector(fa.mode, fa.stream);
  // the taps run inside engine.dissect, after IP has set the packet's address columns
  const seen = new Set<number>();
  const tcpHandler = engine.tcpApps.handler;
  engine.tcp.setPayloadHandler((p, data, offset, end, seg) => {
    if (seg.stream === fa.stream && fa.mode !== 'tls' && !seen.has(p.num)) {
      seen.add(p.num);
      const src = { addr: p.colSrc, port: seg.srcport };
      const dst = { addr: p.colDst, port: seg.dstport };
      if (fa.mode === 'tcp') {
        col.endpoint(seg.dir, src, dst);
        col.tcpSegment(seg.dir, seg.offset, data.slice(offset, end), p.num, p.ts);
      } else httpSeg = { dir: seg.dir, src, dst };
    }
    return tcpHandler(p, data, offset, end, seg);
  });
  if (fa.mode === 'tls') {
    engine.tls.recordTap = (p, ct, plain, seg) => {
      if (seg.stream !== fa.stream) return;
      col.endpoint(seg.dir, { addr: p.colSrc, port: seg.srcport }, { addr: p.colDst, port: seg.dstport });
      if (ct === 23) col.record(seg.dir, plain.slice(), p.num, p.ts);
    };
  }
  // http mode: the direction and endpoints of the current packet (set by the TCP tap)
  let httpSeg: { dir: 0 | 1; src: { addr: string; port: number }; dst: { addr: string; port: number } } | undefined;
  const wanted = { fields: new Uint8Array(engine.reg.size), tree: fa.mode === 'http', columns: true };
  const other = { fields: wanted.fields, tree: false, columns: false };
  const status = await runCapture(engine, args, treeFrames ? (num) => (treeFrames.has(num) ? wanted : other) : wanted, (p) => {
    if (fa.mode !== 'http' || httpSeg === undefined) return;
    const chunks = httpFollowChunks(p, engine.reg);
    // as tshark, the nodes come from the first packet with an HTTP message
    if (chunks.length > 0) col.endpoint(httpSeg.dir, httpSeg.src, httpSeg.dst);
    for (const c of chunks) col.record(httpSeg.dir, c, p.num, p.ts);
    httpSeg = undefined;
  });
  const out = new Out();
  await out.write(renderFollow(col.result(), fa.format));
  await out.flush();
  return status;
}
