/**
 * `tlslens explain FILE [--stream N | -Y FILTER] [keys…] [--lang en|zh] [--format text|markdown|json]`:
 * one TLS connection narrated step by step (core's analysis/explain), with the values seen,
 * what they mean and what tlslens verified.
 */
import {
  ExplainCollector, HandshakeCollector, TlsLensError, buildExplanation, langFromLocale, originFrames, originPass,
  renderExplanation, type Engine, type ExplainFormat, type Explanation, type Lang,
} from '@tlslens/core';
import type { Certificate } from '@tlslens/core';
import { createNodeVerifier } from '../crypto/node-verifier.ts';
import { parseReadArgs } from '../args.ts';
import { displayFilter } from '../packets.ts';
import { Out, openInput } from '../io.ts';
import { engineFromArgs } from './keys.ts';
import { eachPacket, filterNeeds, type Chunks } from '../run.ts';
import { loadTrustAnchors, takeOptions } from './handshakes.ts';

export const EXPLAIN_HELP = `Usage: tlslens explain [options] FILE

Narrates one TLS connection step by step: the TCP handshake (ISNs, relative numbers, RTT),
ClientHello (record header, random, session ID, cipher suites decomposed, SNI, ALPN,
supported versions, key shares, GREASE), ServerHello (suite, version, session decision,
resumption and which earlier connection it resumes), the certificates and their verification
(which key verified which signature, validity at the capture's time, host name vs SNI, trust
anchor, or the exact failure), the key exchange (signature checked), the keys (pre-master
secret, master secret, key block; TLS 1.3 traffic secrets) when a key source is given, the
Finished checks, session tickets, application data with the first HTTP request and response,
alerts and findings.
  -r FILE                 capture file ("-" for stdin); or give FILE as an argument
  --stream N              the TCP stream (tcp.stream) to explain (default: the first TLS connection)
  -Y FILTER               the connection of the first packet matching this display filter
  --lang en|zh            language (default: from LANG / LC_ALL, else English)
  --format text|markdown|json
                          output format (default text); json carries the same story as data
  --keylog FILE           TLS key log (repeatable; a pcapng's Decryption Secrets Blocks are used too)
  --rsa-key FILE[:PASS]   the server's RSA private key (RSA key exchange)
  -o NAME:VALUE           preference, e.g. tls.keylog_file:FILE or uat:rsa_keys:"key.pem",""
  -d tcp.port==N,tls      decode as
  --ca FILE               trust the certificates of this PEM bundle / DER file too (repeatable)
  --ca-only               trust only the --ca certificates (not Node's bundled Mozilla roots)
  -c N                    read only the first N packets
`;

export interface ExplainRun {
  explanation?: Explanation;
  /** 2 when the capture was damaged (the frames before the damage were used). */
  status: number;
}

export interface ExplainInput {
  /** Opens the capture (called once, twice with a filter, once more for a resumed connection). */
  open(): Promise<Chunks> | Chunks;
  /** `open` can be called again (false for stdin read once): default true. */
  reopenable?: boolean;
  engine(): Promise<Engine> | Engine;
  stream?: number | undefined;
  filter?: string | undefined;
  count?: number | undefined;
  trustAnchors: readonly (Uint8Array | Certificate)[];
  /** Where capture errors are reported. */
  onError?: (message: string) => void;
}

/** Finds the connection (first pass with a filter) and builds its explanation. */
export async function explainCapture(inp: ExplainInput): Promise<ExplainRun | number> {
  let stream = inp.stream;
  let status = 0;
  if (inp.filter !== undefined) {
    const engine = await inp.engine();
    const filter = displayFilter(inp.filter, engine.reg);
    if (typeof filter === 'number') return filter;
    const want = new Uint8Array(engine.reg.size);
    const sid = engine.reg.find('tcp.stream')?.id ?? -1;
    for (const id of filter?.fields ?? []) want[id] = 1;
    if (sid >= 0) want[sid] = 1;
    // a filter on addresses, ports, tcp.stream… matches the same packets without decryption, one on TLS fields without HTTP
    const needs = filterNeeds(filter?.fields ?? [], engine.reg);
    if (!needs.decryption) engine.decryptStream = () => false;
    if (!needs.application) engine.tlsApplication = () => false;
    const err = await eachPacket(await inp.open(), engine, { fields: want, tree: false, columns: false }, inp.count, (p) => {
      if (!filter || !filter.match((id) => p.values(id))) return false;
      const s = p.values(sid)?.[0];
      if (typeof s === 'number') {
        stream = s;
        return true;
      }
      return false;
    });
    if (err) {
      inp.onError?.(err);
      status = 2;
    }
    if (stream === undefined) return { status };
  }
  const engine = await inp.engine();
  const col = new ExplainCollector(engine.reg, stream);
  // (the explanation does not use the fingerprints: not computing them for every ClientHello saves time)
  const hs = new HandshakeCollector(engine.reg, { fingerprints: false });
  // only the explained connection is decrypted and summarised (until it is known, every one):
  // the others cost what a keyless read costs, their cleartext handshakes still keeping the
  // TLS ≤ 1.2 sessions a resumption of them needs
  const mine = (s: number): boolean => col.target === undefined || s === col.target;
  engine.decryptStream = mine;
  hs.only = mine;
  const want = new Uint8Array(engine.reg.size);
  for (const id of [...col.fields, ...hs.fields]) want[id] = 1;
  const err = await eachPacket(await inp.open(), engine, { fields: want, tree: false, columns: false }, inp.count, (p) => {
    col.add(p);
    hs.add(p);
  });
  if (err) {
    inp.onError?.(err);
    status = 2;
  }
  if (!col.facts && stream === undefined) {
    // no ClientHello in the capture: explain the first connection that carries TLS at all
    const first = hs.summaries()[0];
    if (first) return explainCapture({ ...inp, filter: undefined, stream: first.stream });
  }
  const opts = { verifier: createNodeVerifier(), trustAnchors: inp.trustAnchors };
  let explanation = await buildExplanation(engine, col, hs, opts);
  // The earlier connection that issued a resumed session is looked up among the session IDs and
  // tickets seen; TLS 1.3 tickets (and renegotiated handshakes) are encrypted, and the other
  // connections were not decrypted: look again, decrypting everything before the ClientHello.
  const upto = explanation && stream !== undefined && inp.reopenable !== false ? Math.min(originFrames(explanation, col), inp.count ?? Infinity) : 0;
  if (upto > 0 && stream !== undefined) {
    const again = await inp.engine();
    const { collector, wanted } = originPass(again, stream);
    // (a read error: the frames before it were read in the first pass, so it comes after them)
    await eachPacket(await inp.open(), again, wanted, upto, (p) => collector.add(p));
    col.mergeOrigins(collector);
    explanation = await buildExplanation(engine, col, hs, opts);
  }
  return explanation ? { explanation, status } : { status };
}

async function buffered(src: Chunks): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const c of src) out.push(c.slice());
  return out;
}

export async function explainCommand(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(EXPLAIN_HELP);
    return 0;
  }
  const { opts, rest } = takeOptions(argv, { '--stream': 'value', '--lang': 'value', '--format': 'value', '--ca': 'value', '--ca-only': 'flag' });
  const args = parseReadArgs(rest);
  if (args.file === undefined) throw new TlsLensError('USAGE', 'explain: no capture file given (try "tlslens explain --help")');
  if (args.fields.length > 0 || args.format !== 'text' || args.verbose || args.hex) {
    throw new TlsLensError('USAGE', 'explain does not take -T, -e, -V or -x (use --format)');
  }
  const langOpt = opts.get('--lang')?.at(-1);
  if (langOpt !== undefined && langOpt !== 'en' && langOpt !== 'zh') throw new TlsLensError('USAGE', `invalid --lang "${langOpt}" (en or zh)`);
  const lang: Lang = (langOpt as Lang | undefined) ?? langFromLocale(process.env.LC_ALL || process.env.LC_MESSAGES || process.env.LANG);
  const format = (opts.get('--format')?.at(-1) ?? 'text') as ExplainFormat;
  if (!['text', 'markdown', 'json'].includes(format)) throw new TlsLensError('USAGE', `invalid --format "${format}" (text, markdown or json)`);
  const so = opts.get('--stream')?.at(-1);
  let stream: number | undefined;
  if (so !== undefined) {
    stream = Number(so);
    if (!/^\d+$/.test(so) || !Number.isSafeInteger(stream)) throw new TlsLensError('USAGE', `invalid --stream "${so}" (a tcp.stream number)`);
    if (args.filter !== undefined) throw new TlsLensError('USAGE', 'give either --stream or -Y, not both');
  }
  const anchors = await loadTrustAnchors({ ca: opts.get('--ca') ?? [], caOnly: opts.has('--ca-only') });
  const file = args.file;
  // stdin can be read only once: keep it when a filter needs two passes
  const stdin = file === '-' && args.filter !== undefined ? await buffered(await openInput('-')) : undefined;
  const r = await explainCapture({
    open: () => stdin ?? openInput(file),
    reopenable: file !== '-' || stdin !== undefined,
    engine: () => engineFromArgs(args),
    ...(stream !== undefined ? { stream } : {}),
    ...(args.filter !== undefined ? { filter: args.filter } : {}),
    ...(args.count !== undefined ? { count: args.count } : {}),
    trustAnchors: anchors,
    onError: (m) => process.stderr.write(`tlslens: ${file}: ${m}\n`),
  });
  if (typeof r === 'number') return r;
  if (!r.explanation && r.status !== 0) return r.status; // the capture is unreadable: already said why
  if (!r.explanation) {
    const what = stream !== undefined ? `tcp.stream ${stream} carries no TLS handshake` : args.filter !== undefined ? `no TLS connection matches the filter "${args.filter}"` : 'no TLS connection in the capture';
    throw new TlsLensError('NO_TLS_CONNECTION', `${file}: ${what}`);
  }
  const out = new Out();
  await out.write(renderExplanation(r.explanation, format, lang));
  await out.flush();
  return r.status;
}
