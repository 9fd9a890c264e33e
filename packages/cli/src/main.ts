import { isMainThread, workerData } from 'node:worker_threads';
import { TlsLensError } from '@tlslens/core';
import { runShardWorker } from './parallel/shard.ts';
import type { ShardData } from './parallel/read.ts';
import { READ_HELP, readCommand } from './commands/read.ts';
import { demoCommand } from './commands/demo.ts';
import { captureCommand } from './commands/capture.ts';
import { flowCommand } from './commands/flow.ts';
import { injectSecretsCommand } from './commands/inject-secrets.ts';
import { handshakesCommand } from './commands/handshakes.ts';
import { certsCommand } from './commands/certs.ts';
import { followCommand } from './commands/follow.ts';
import { httpCommand } from './commands/http.ts';
import { explainCommand } from './commands/explain.ts';
import { uiCommand } from './commands/ui.ts';

export const VERSION = '0.1.0';

const HELP = `tlslens ${VERSION} — see inside HTTPS: dissect captures, decrypt TLS, explain the handshake.

Usage: tlslens <command> [options]

Commands:
  demo      record real TLS 1.2 and 1.3 HTTPS sessions on loopback into tlslens-demo.pcapng and show them
  flow      draw the flow graph (sequence diagram) of a capture as text or --svg, like tshark -z flow
  read      read a capture with tshark's options (-r -Y -T fields -e -E -V -x -c -t -o -d)
  capture   capture live traffic (-i -f -c -a -w -b -D) and print it as it arrives, with read's options
  explain   narrate one TLS connection step by step: values, meaning, what was verified (--lang en|zh, --format text|markdown|json)
  handshakes  one row per TLS connection: SNI, version, cipher, group, ALPN, resumption, chain verdict, JA3/JA4, timings
  certs     every certificate chain presented, with details and the validation verdict (--ca, --json, --pem/--der)
  follow    print one TCP stream's payload (--tcp), decrypted TLS data (--tls) or HTTP messages (--http), like tshark -z follow
  http      one row per HTTP/1.x and HTTP/2 transaction (--json, --har OUT.har, --export-objects DIR)
  ui        serve the web UI on 127.0.0.1 (dissection and decryption run in the browser): tlslens ui [--port N] [FILE]
  inject-secrets  embed a TLS key log in a pcapng (Decryption Secrets Block), like editcap --inject-secrets
  help      show help for a command

Run "tlslens read --help" for the options of read.
Exit status: 0 success, 1 usage error, 2 unreadable capture, 4 invalid display filter.
`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || (cmd === 'help' && rest.length === 0)) {
    process.stdout.write(HELP);
    return cmd === undefined ? 1 : 0;
  }
  if (cmd === '--version' || cmd === '-v') {
    process.stdout.write(`tlslens ${VERSION}\n`);
    return 0;
  }
  if (cmd === 'help') return main([rest[0]!, '--help']);
  if (cmd === 'read') {
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(READ_HELP);
      return 0;
    }
    if (rest.includes('--version') || rest.includes('-v')) {
      process.stdout.write(`tlslens ${VERSION}\n`);
      return 0;
    }
    return readCommand(rest);
  }
  if (cmd === 'demo') return demoCommand(rest);
  if (cmd === 'capture') return captureCommand(rest);
  if (cmd === 'flow') return flowCommand(rest);
  if (cmd === 'inject-secrets') return injectSecretsCommand(rest);
  if (cmd === 'handshakes') return handshakesCommand(rest);
  if (cmd === 'certs') return certsCommand(rest);
  if (cmd === 'follow') return followCommand(rest);
  if (cmd === 'http') return httpCommand(rest, VERSION);
  if (cmd === 'explain') return explainCommand(rest);
  if (cmd === 'ui') return uiCommand(rest);
  // tshark habit: "tlslens -r file ..." means read
  if (cmd.startsWith('-')) return readCommand(argv);
  throw new TlsLensError('USAGE', `unknown command "${cmd}" (try "tlslens --help")`);
}

// the same bundle runs the worker threads of `read --threads N`
const shardData = isMainThread ? undefined : (workerData as ShardData | undefined);
if (shardData?.tlslensShard) void runShardWorker(shardData);
else main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof TlsLensError) {
      process.stderr.write(`tlslens: ${e.message}\n`);
      process.exitCode = e.code === 'USAGE' || e.code === 'FIELD_UNKNOWN' || e.code === 'NO_TLS_CONNECTION' ? 1 : 2;
    } else {
      process.stderr.write(`tlslens: internal error: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = 3;
    }
  },
);
