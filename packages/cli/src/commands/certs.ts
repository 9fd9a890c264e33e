import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TlsLensError } from '@tlslens/core';
import { ChainProgress, chainJson, checkChains, renderChainText } from '@tlslens/core';
import { pemEncode } from '@tlslens/core';
import { createNodeVerifier } from '../crypto/node-verifier.ts';
import { parseReadArgs } from '../args.ts';
import { Out } from '../io.ts';
import { filterNeeds } from '../run.ts';
import { collectHandshakes, loadTrustAnchors, takeOptions } from './handshakes.ts';

export const CERTS_HELP = `Usage: tlslens certs [options] FILE

Every certificate chain presented in a TLS handshake (server chains, and client chains of
mutual TLS), with each certificate's subject, issuer, serial, validity, SANs, key type and
size, signature algorithm and fingerprints, and the chain's verdict: signatures verified with
the issuer's key, validity at the capture's time, host name against the SNI (RFC 6125),
basic constraints, key usage and trust anchors. Each problem is named with its reason.
  -r FILE                 capture file ("-" for stdin); or give FILE as an argument
  --stream N              only TCP stream N (repeatable)
  -Y FILTER               only connections with a packet matching this display filter
  --ca FILE               add the certificates of a PEM bundle (or one DER file) as trust anchors
                          (repeatable)
  --ca-only               trust only the --ca certificates, not Node's bundled Mozilla roots
  --json                  a JSON array, one object per chain: stream, side, sni, certificates
                          (subject, issuer, serial, not_before, not_after, san, key, …), valid,
                          verdict, problems [{code, message}], chain, notes
  --pem DIR               write each presented certificate to DIR/stream<N>-<side>-<i>.pem
  --der DIR               the same as DER (.der)
  -o NAME:VALUE           preference, e.g. tls.keylog_file:FILE (TLS 1.3 certificates are encrypted)
  -d tcp.port==N,tls      decode as
  --keylog FILE           TLS key log file (repeatable; a pcapng's Decryption Secrets Blocks are used too)
  --rsa-key FILE[:PASS]   RSA private key for RSA key exchange (repeatable)
  --handshake-only        stop decrypting a connection once both Finished messages are seen
                          (faster on big captures) — chains sent later, in a TLS 1.2
                          renegotiation or TLS 1.3 post-handshake client authentication, are
                          then not shown. By default every record that may carry one is read.

Problem codes: issuer-not-found (unknown CA), self-signed, expired, not-yet-valid,
hostname-mismatch, bad-signature, not-ca, path-length, key-usage, ext-key-usage,
critical-extension, unsupported-algorithm, malformed, chain-too-long.
Exit status: 0 (whatever the verdicts), 1 usage, 2 unreadable capture, 4 invalid filter.
`;

export async function certsCommand(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(CERTS_HELP);
    return 0;
  }
  const { opts, rest } = takeOptions(argv, {
    '--json': 'flag', '--ca': 'value', '--ca-only': 'flag', '--stream': 'value', '--pem': 'value', '--der': 'value',
    '--handshake-only': 'flag',
  });
  const streams = new Set<number>();
  for (const s of opts.get('--stream') ?? []) {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 0) throw new TlsLensError('USAGE', `invalid --stream "${s}"`);
    streams.add(n);
  }
  const args = parseReadArgs(rest);
  const anchors = await loadTrustAnchors({ ca: opts.get('--ca') ?? [], caOnly: opts.has('--ca-only') });
  // the chains are in the handshakes: a connection past them (ChainProgress), or not asked for
  // (--stream), is not decrypted further, unless the -Y filter reads what decryption shows
  const r = await collectHandshakes(args, (engine, filterFields) => {
    if (filterNeeds(filterFields, engine.reg).decryption) return undefined;
    const progress = new ChainProgress(engine.reg, !opts.has('--handshake-only'));
    engine.decryptStream = (s) => (streams.size === 0 || streams.has(s)) && progress.needsDecryption(s);
    // (the chains do not use the fingerprints: not computing them for every hello saves time)
    return { fields: progress.fields, fingerprints: false, packet: (p) => progress.add(p) };
  });
  if (typeof r === 'number') return r;
  const hs = streams.size ? r.summaries.filter((h) => streams.has(h.stream)) : r.summaries;
  const reports = await checkChains(hs, { verifier: createNodeVerifier(), trustAnchors: anchors });

  for (const [flag, kind] of [['--pem', 'pem'], ['--der', 'der']] as const) {
    const dir = opts.get(flag)?.at(-1);
    if (dir === undefined) continue;
    try {
      await mkdir(dir, { recursive: true });
      for (const rep of reports) {
        for (let i = 0; i < rep.der.length; i++) {
          const der = rep.der[i]!;
          const name = join(dir, `stream${rep.stream}-${rep.side}-${i}.${kind}`);
          await writeFile(name, kind === 'pem' ? pemEncode(der) : der);
        }
      }
    } catch (e) {
      throw new TlsLensError('IO', `cannot write certificates to "${dir}": ${(e as Error).message}`);
    }
  }

  const out = new Out();
  if (opts.has('--json')) {
    await out.write(JSON.stringify(reports.map(chainJson), null, 2) + '\n');
  } else if (reports.length === 0) {
    const tls13 = hs.filter((h) => h.version === 'TLSv1.3' && h.decryption !== 'yes').length;
    await out.write(`No certificate chains in ${hs.length} TLS connection${hs.length === 1 ? '' : 's'}${tls13 ? ` (${tls13} TLS 1.3 connection${tls13 === 1 ? '' : 's'} without keys: certificates are encrypted; use -o tls.keylog_file:FILE)` : ''}.\n`);
  } else {
    await out.write(reports.map(renderChainText).join('\n'));
  }
  await out.flush();
  return r.status;
}
