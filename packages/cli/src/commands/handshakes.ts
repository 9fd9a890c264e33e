import { readFile } from 'node:fs/promises';
import {
  TlsLensError, type Engine, type Packet,
} from '@tlslens/core';
import { HandshakeCollector, engineDecryption, handshakeJson, renderHandshakeTables, verifyServerChains, type HandshakeSummary } from '@tlslens/core';
import { parseCaBundle } from '@tlslens/core';
import { tryParseCertificate, type Certificate } from '@tlslens/core';
import { createNodeVerifier, nodeRootCertificates } from '../crypto/node-verifier.ts';
import { parseReadArgs, type ReadArgs } from '../args.ts';
import { engineFromArgs } from './keys.ts';
import { displayFilter } from '../packets.ts';
import { Out, openInput } from '../io.ts';
import { eachPacket, filterNeeds } from '../run.ts';

export const HANDSHAKES_HELP = `Usage: tlslens handshakes [options] FILE

One row per TLS connection (TCP stream): client and server, SNI, version, cipher suite
(IANA name), key exchange group, ALPN, resumption (no / session-id / ticket / psk), the
server certificate and its chain verdict (validated at the capture's time against SNI),
alerts, JA3/JA3S/JA4, TCP RTT (SYN → SYN/ACK), TLS handshake time (ClientHello → last
Finished), time to the first application data (from the SYN, or the ClientHello when the
SYN was not captured), TLS record bytes each way and whether the connection was decrypted.
  -r FILE                 capture file ("-" for stdin); or give FILE as an argument
  -Y FILTER               only connections with a packet matching this display filter,
                          e.g. -Y 'tls.handshake.extensions_server_name contains "google"'
  --json                  a JSON array, one object per connection
  --ca FILE               add the certificates of a PEM bundle (or one DER file) as trust anchors
                          (repeatable)
  --ca-only               trust only the --ca certificates (not Node's bundled Mozilla roots)
  --width N               table width (default: the terminal's, else 200)
  -o NAME:VALUE           preference, e.g. tls.keylog_file:FILE
  -d tcp.port==N,tls      decode as
  --keylog FILE           TLS key log file (repeatable; a pcapng's Decryption Secrets Blocks are used too)
  --rsa-key FILE[:PASS]   RSA private key for RSA key exchange (repeatable)
  -c N                    read only the first N packets

Without keys, TLS 1.3 hides the certificate, ALPN and Finished messages: the verdict is then
"n/a (encrypted)" and the handshake end is the client's first encrypted record.
`;

export interface TrustOptions {
  ca: string[];
  caOnly: boolean;
}

/** Pulls the options shared by handshakes/certs out of argv; the rest goes to parseReadArgs. */
export function takeOptions(argv: readonly string[], extra: Record<string, 'flag' | 'value'>): { opts: Map<string, string[]>; rest: string[] } {
  const opts = new Map<string, string[]>();
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const kind = extra[name];
    if (kind === undefined) {
      rest.push(arg);
      continue;
    }
    let v = '';
    if (kind === 'value') {
      if (arg.startsWith('--') && eq > 0) v = arg.slice(eq + 1);
      else {
        const next = argv[++i];
        if (next === undefined) throw new TlsLensError('USAGE', `${name} needs a value`);
        v = next;
      }
    } else if (eq > 0) throw new TlsLensError('USAGE', `${name} takes no value`);
    const list = opts.get(name) ?? [];
    list.push(v);
    opts.set(name, list);
  }
  return { opts, rest };
}

/** The trust anchors (parsed once): Node's roots (unless caOnly) plus the --ca files. */
export async function loadTrustAnchors(t: TrustOptions): Promise<Certificate[]> {
  const anchors: Uint8Array[] = t.caOnly ? [] : nodeRootCertificates();
  for (const f of t.ca) {
    let buf: Buffer;
    try {
      buf = await readFile(f);
    } catch (e) {
      throw new TlsLensError('IO', `cannot read CA file "${f}": ${(e as Error).message}`);
    }
    const text = buf.toString('latin1');
    const certs = text.includes('-----BEGIN') ? parseCaBundle(text) : buf[0] === 0x30 ? [new Uint8Array(buf)] : [];
    if (certs.length === 0) throw new TlsLensError('USAGE', `no certificates in CA file "${f}" (expected PEM or DER)`);
    anchors.push(...certs);
  }
  if (t.caOnly && anchors.length === 0) throw new TlsLensError('USAGE', '--ca-only needs at least one --ca FILE');
  const parsed: Certificate[] = [];
  for (const der of anchors) {
    const c = tryParseCertificate(der);
    if (c) parsed.push(c);
  }
  return parsed;
}

export interface PassResult {
  summaries: HandshakeSummary[];
  status: number;
}

/** A caller's look at the pass: more fields wanted, each packet after the collector's (see collectHandshakes). */
export interface HandshakeTap {
  readonly fields: readonly number[];
  /** false: the caller does not use the JA3/JA4 fingerprints (not computed unless the filter reads them). */
  readonly fingerprints?: boolean;
  packet(p: Packet): void;
}

/**
 * Runs the engine over the capture and collects one summary per TLS connection. `tap`, given
 * the engine before the pass and the -Y filter's fields, may set the engine's switches
 * (decryptStream…) and watch the packets.
 */
export async function collectHandshakes(args: ReadArgs, tap?: (engine: Engine, filterFields: readonly number[]) => HandshakeTap | undefined): Promise<PassResult | number> {
  if (args.file === undefined) throw new TlsLensError('USAGE', 'no capture file given');
  if (args.fields.length > 0 || args.format !== 'text' || args.verbose || args.hex) {
    throw new TlsLensError('USAGE', 'this command does not take -T, -e, -V or -x');
  }
  const engine = await engineFromArgs(args);
  const reg = engine.reg;
  const warnedBefore = engine.keyWarnings().length;
  const filter = displayFilter(args.filter, reg);
  if (typeof filter === 'number') return filter;
  // the summaries need each connection's decryption status, not its HTTP (unless the filter
  // asks for it): decrypted application data is not dissected further, and a closed
  // connection's buffers and decoders are dropped
  if (!filterNeeds(filter?.fields ?? [], reg).application) engine.tlsApplication = () => false;
  engine.releaseClosed = true;
  const t = tap?.(engine, filter?.fields ?? []);
  const col = new HandshakeCollector(reg, { fingerprints: t?.fingerprints ?? true });
  const want = new Uint8Array(reg.size);
  for (const id of col.fields) want[id] = 1;
  for (const id of filter?.fields ?? []) want[id] = 1;
  for (const id of t?.fields ?? []) want[id] = 1;
  const wanted = { fields: want, tree: false, columns: false };
  let status = 0;
  const err = await eachPacket(await openInput(args.file), engine, wanted, args.count, (p) => {
    col.add(p);
    t?.packet(p);
    if (filter && filter.match((id) => p.values(id))) col.select(p);
  });
  if (err !== undefined) {
    process.stderr.write(`tlslens: ${args.file}: ${err}\n`);
    status = 2;
  }
  for (const w of engine.keyWarnings().slice(warnedBefore)) process.stderr.write(`tlslens: warning: ${w}\n`);
  return { summaries: col.summaries(filter !== undefined, engineDecryption(engine)), status };
}

export async function handshakesCommand(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(HANDSHAKES_HELP);
    return 0;
  }
  const { opts, rest } = takeOptions(argv, { '--json': 'flag', '--ca': 'value', '--ca-only': 'flag', '--width': 'value' });
  const args = parseReadArgs(rest);
  const anchors = await loadTrustAnchors({ ca: opts.get('--ca') ?? [], caOnly: opts.has('--ca-only') });
  const r = await collectHandshakes(args);
  if (typeof r === 'number') return r;
  const chains = await verifyServerChains(r.summaries, { verifier: createNodeVerifier(), trustAnchors: anchors });
  const out = new Out();
  if (opts.has('--json')) {
    const arr = r.summaries.map((h) => handshakeJson(h, chains.get(h.stream)));
    await out.write(JSON.stringify(arr, null, 2) + '\n');
  } else {
    const wopt = opts.get('--width')?.at(-1);
    let width = process.stdout.isTTY ? process.stdout.columns || 160 : 200;
    if (wopt !== undefined) {
      width = Number(wopt);
      if (!Number.isInteger(width) || width < 40) throw new TlsLensError('USAGE', `invalid --width "${wopt}" (at least 40)`);
    }
    await out.write(renderHandshakeTables(r.summaries, chains, width));
  }
  await out.flush();
  return r.status;
}
