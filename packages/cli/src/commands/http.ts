import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  TlsLensError, HttpLogBuilder, buildHar, httpObjects, httpRow,
} from '@tlslens/core';
import { parseReadArgs } from '../args.ts';
import { engineFromArgs } from './keys.ts';
import { Out } from '../io.ts';
import { runCapture } from './follow.ts';

export const HTTP_HELP = `Usage: tlslens http FILE [key options] [--json] [--har OUT.har] [--export-objects DIR]

One row per HTTP transaction (HTTP/1.x and HTTP/2, also inside TLS when keys decrypt it):
TCP stream, method, URL, status, content type, body sizes, time to first response frame and
to the last one (ms): TTFB = first TCP payload from the server after the request (HTTP/1)
or the response HEADERS frame (HTTP/2); Total = the frame completing the response.
  --json                 a JSON array instead of the table
  --har OUT.har          also write HAR 1.2 ("-" = to stdout instead of the table)
  --export-objects DIR   write every response body to DIR (safe, de-duplicated names),
                         like tshark --export-objects http,DIR
  -o tls.keylog_file:FILE, --keylog FILE, --rsa-key FILE[:PASS], -d …, -c N   as in "tlslens read"
Bodies delimited by the connection close (HTTP/1.0, or no Content-Length/chunked) end at the
TCP FIN and, inside TLS, at the close_notify alert or the FIN (tshark 4.0 completes them only
over plain TCP; "tlslens read" and "follow" keep its behaviour unless given
-o tlslens.http.end_at_tls_close:TRUE). HTTP/1.x and HTTP/2 bodies with Content-Encoding
gzip, deflate or br are decompressed (HAR content, exported objects).
`;

const TLS_CLOSE_PREF = 'tlslens.http.end_at_tls_close';

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

export async function httpCommand(argv: readonly string[], version: string): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(HTTP_HELP);
    return 0;
  }
  let json = false;
  let har: string | undefined;
  let exportDir: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const need = () => {
      const v = argv[++i];
      if (v === undefined) throw new TlsLensError('USAGE', `${a} needs a value`);
      return v;
    };
    if (a === '--json') json = true;
    else if (a === '--har') har = need();
    else if (a === '--export-objects') exportDir = need();
    else rest.push(a);
  }
  const args = parseReadArgs(rest);
  if (args.file === undefined) throw new TlsLensError('USAGE', 'no capture file given (tlslens http FILE)');
  // a response delimited by the close (HTTP/1.0, no Content-Length) ends at the TLS close_notify
  // or FIN here, though tshark 4.0 leaves it unfinished over TLS (read/follow keep tshark's way)
  if (!args.prefs.some(([k]) => k === TLS_CLOSE_PREF)) args.prefs.push([TLS_CLOSE_PREF, 'TRUE']);
  const engine = await engineFromArgs(args);
  const builder = new HttpLogBuilder(engine.reg);
  // every payload-carrying TCP segment, for the time to the first response byte
  const tcpHandler = engine.tcpApps.handler;
  engine.tcp.setPayloadHandler((p, data, offset, end, seg) => {
    if (end > offset) builder.segment(seg.stream, p.num, p.ts, seg.srcport);
    return tcpHandler(p, data, offset, end, seg);
  });
  // only the fields the log reads, in dissection order (no detail tree); a closed connection's
  // TLS and HTTP state goes (its transactions are in the builder already)
  engine.releaseClosed = true;
  const status = await runCapture(engine, args, builder.wanted(engine.reg), (p) => builder.add(p));
  const txs = builder.transactions;
  const out = new Out();
  // the objects first: "--har -" ends the command after the HAR
  if (exportDir !== undefined) {
    await mkdir(exportDir, { recursive: true });
    for (const o of httpObjects(txs)) await writeFile(join(exportDir, o.name), o.data);
  }
  if (har !== undefined) {
    const text = JSON.stringify(buildHar(txs, version), null, 2) + '\n';
    if (har === '-') {
      await out.write(text);
      await out.flush();
      return status;
    }
    try {
      await writeFile(har, text);
    } catch (e) {
      throw new TlsLensError('IO', `cannot write "${har}": ${(e as Error).message}`);
    }
  }
  if (json) {
    await out.write(JSON.stringify(txs.map(httpRow), null, 2) + '\n');
  } else {
    await out.write(`${pad('Stream', 7)}${pad('Method', 8)}${pad('Status', 7)}${pad('Type', 26)}${pad('Req', 8)}${pad('Resp', 9)}${pad('TTFB ms', 10)}${pad('Total ms', 10)}URL\n`);
    for (const t of txs) {
      const r = httpRow(t);
      await out.write(`${pad(String(t.stream) + (t.h2stream !== undefined ? `/${t.h2stream}` : ''), 7)}${pad(t.method, 8)}${pad(String(t.status ?? '-'), 7)}`
        + `${pad(t.contentType.split(';')[0] || '-', 26)}${pad(String(t.requestBody.length), 8)}${pad(String(t.responseBody.length), 9)}`
        + `${pad(r.firstByteMs === null ? '-' : String(r.firstByteMs), 10)}${pad(r.completeMs === null ? '-' : String(r.completeMs), 10)}${t.url}\n`);
    }
  }
  await out.flush();
  return status;
}
