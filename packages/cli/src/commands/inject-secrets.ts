/**
 * `tlslens inject-secrets IN KEYLOG... -w OUT.pcapng`: what `editcap --inject-secrets tls,KEYLOG`
 * does — a pcapng whose first blocks after the section header are Decryption Secrets Blocks
 * holding the key log files (byte for byte), then the input's own DSBs, interfaces and packets.
 * tshark (and tlslens) decrypt the result with no key options.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { KeyLog, PcapngWriter, TlsLensError, readCaptureBatches } from '@tlslens/core';
import { openInput } from '../io.ts';

export const INJECT_HELP = `Usage: tlslens inject-secrets IN KEYLOG [KEYLOG...] -w OUT.pcapng

Writes OUT.pcapng: IN's packets with the key log file(s) embedded as pcapng Decryption
Secrets Blocks (like editcap --inject-secrets tls,KEYLOG). IN may be pcap or pcapng (its own
secrets are kept, after the injected ones). Wireshark, tshark and tlslens then decrypt OUT
without any key option.
  -w FILE     output file (required; "-" for stdout)
`;

export async function injectSecretsCommand(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(INJECT_HELP);
    return 0;
  }
  const pos: string[] = [];
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-w') {
      out = argv[++i];
      if (out === undefined) throw new TlsLensError('USAGE', '-w needs a file');
    } else if (a.startsWith('-w') && a.length > 2) out = a.slice(2);
    else if (a.startsWith('-') && a !== '-') throw new TlsLensError('USAGE', `unknown option ${a}`);
    else pos.push(a);
  }
  if (pos.length < 2 || out === undefined) throw new TlsLensError('USAGE', 'usage: tlslens inject-secrets IN KEYLOG [KEYLOG...] -w OUT.pcapng');
  const [input, ...keylogs] = pos as [string, ...string[]];
  const w = new PcapngWriter();
  const parts: Uint8Array[] = [w.sectionHeader()];
  for (const k of keylogs) {
    let data: Uint8Array;
    try {
      data = new Uint8Array(readFileSync(k));
    } catch (e) {
      throw new TlsLensError('USAGE', `cannot read key log "${k}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const check = new KeyLog();
    const n = check.addBytes(data, k);
    for (const wn of check.warnings) process.stderr.write(`tlslens: warning: ${wn.source}:${wn.line}: ${wn.message}\n`);
    if (n === 0) process.stderr.write(`tlslens: warning: ${k}: no TLS secrets found (written anyway)\n`);
    parts.push(w.secrets(data));
  }
  const ifaceMap = new Map<number, number>();
  let frames = 0;
  let status = 0;
  try {
    for await (const batch of readCaptureBatches(await openInput(input))) {
      for (const ev of batch) {
        if (ev.kind === 'secrets') parts.push(w.secrets(ev.secrets.data.slice(), ev.secrets.type));
        else if (ev.kind === 'interface') {
          ifaceMap.set(ev.id, w.interfaceCount);
          parts.push(w.addInterface({ linktype: ev.iface.linktype, snaplen: ev.iface.snaplen, nanosecond: (ev.iface.tsresol ?? 6) > 6, ...(ev.iface.name !== undefined ? { name: ev.iface.name } : {}) }));
        } else if (ev.kind === 'frame') {
          const f = ev.frame;
          let id = ifaceMap.get(f.ifaceId);
          if (id === undefined) {
            id = w.interfaceCount;
            ifaceMap.set(f.ifaceId, id);
            parts.push(w.addInterface({ linktype: f.linktype, nanosecond: true }));
          }
          parts.push(w.packet({ ifaceId: id, ts: f.ts, data: f.data.slice(), origLen: f.origLen, ...(f.comments ? { comments: f.comments } : {}) }));
          frames++;
        }
      }
    }
  } catch (e) {
    if (!(e instanceof TlsLensError)) throw e;
    process.stderr.write(`tlslens: ${input}: ${e.message}\n`);
    status = 2;
  }
  const total = parts.reduce((n, b) => n + b.length, 0);
  const buf = new Uint8Array(total);
  let o = 0;
  for (const b of parts) {
    buf.set(b, o);
    o += b.length;
  }
  if (out === '-') process.stdout.write(buf);
  else writeFileSync(out, buf);
  process.stderr.write(`tlslens: wrote ${frames} packets and ${keylogs.length} injected secrets block${keylogs.length === 1 ? '' : 's'} to ${out}\n`);
  return status;
}
