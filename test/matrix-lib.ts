// Helpers of test/matrix.test.ts: records the nginx + curl/openssl matrix once
// (scripts/record-matrix.sh), reads its manifest, edits its capture (classic pcap) and key log.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, ROOT, haveTshark, tlslens } from './helpers.ts';

export interface Job {
  job: string;
  sni: string;
  client: 'curl' | 'openssl' | 'chromium';
  tls: '1.2' | '1.3';
  cipher: string;
  /** 'h2', 'http/1.1', or '-' (no ALPN offered). */
  alpn: string;
  /** 'yes' / 'no' (CBC suites), '-' (AEAD suites, TLS 1.3). */
  etm: string;
  /** One per connection, in order: 'no', 'ticket', 'session-id', 'psk'. */
  resumption: string[];
  /** 'hrr' (HelloRetryRequest), 'keyupdate' (KeyUpdate both ways), 'early' (0-RTT requests), '-'. */
  feature: string;
}

export interface Request {
  job: string;
  sni: string;
  method: string;
  url: string;
  status: number;
  responseSha256: string;
  /** '-' when there is no request body. */
  requestSha256: string;
}

export interface Matrix {
  dir: string;
  pcap: string;
  keys: string;
  jobs: Job[];
  requests: Request[];
}

const TOOLS = ['nginx', 'curl', 'tcpdump', 'openssl', 'ip', 'ethtool', 'taskset'];

/** Why the matrix cannot be recorded here, or false. */
export function matrixSkip(): string | false {
  if (process.getuid?.() !== 0) return 'recording the matrix needs root (network namespace, nginx on :443, tcpdump)';
  const missing = TOOLS.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' }).status !== 0);
  if (missing.length) return `missing ${missing.join(', ')} (apt-get install -y nginx curl tcpdump openssl iproute2 ethtool)`;
  if (!existsSync(CLI)) return `the CLI is not built (${CLI}): npm run build`;
  if (!haveTshark()) return 'tshark is not installed (apt-get install -y tshark)';
  return false;
}

function tsv(file: string): Record<string, string>[] {
  const [head, ...rows] = readFileSync(file, 'utf8').trimEnd().split('\n');
  const names = head!.split('\t');
  return rows.map((r) => Object.fromEntries(r.split('\t').map((v, i) => [names[i]!, v])));
}

let recorded: Matrix | undefined;

/**
 * Records the matrix (once per process) into a temporary directory, removed at exit unless
 * TLSLENS_KEEP_MATRIX is set (then its path is printed).
 */
export function matrix(): Matrix {
  if (recorded) return recorded;
  const dir = mkdtempSync(join(tmpdir(), 'tlslens-matrix-'));
  if (process.env.TLSLENS_KEEP_MATRIX) console.log(`# matrix kept in ${dir}`);
  else process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const r = spawnSync('bash', [join(ROOT, 'scripts/record-matrix.sh'), dir], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`record-matrix.sh failed (${r.status ?? r.signal}): ${r.stderr}`);
  const jobs = tsv(join(dir, 'jobs.tsv')).map((j) => ({ ...j, resumption: j.resumption!.split(',') }) as Job);
  const requests = tsv(join(dir, 'requests.tsv')).map((q) => ({
    job: q.job!, sni: q.sni!, method: q.method!, url: q.url!, status: Number(q.status), responseSha256: q.response_sha256!, requestSha256: q.request_sha256!,
  }));
  recorded = { dir, pcap: join(dir, 'matrix.pcap'), keys: join(dir, 'matrix.keys'), jobs, requests };
  return recorded;
}

/** `tlslens …` that must succeed; its stdout. */
export function ok(args: string[]): string {
  const r = tlslens(args);
  if (r.status !== 0) throw new Error(`tlslens ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** `tlslens read -T fields` rows (tab-separated values) of the frames matching a filter. */
export function fields(pcap: string, keyArgs: string[], filter: string, names: string[], extra: string[] = []): string[][] {
  const out = ok(['read', '-r', pcap, ...keyArgs, '-Y', filter, '-T', 'fields', ...names.flatMap((n) => ['-e', n]), ...extra]);
  return out.split('\n').filter(Boolean).map((l) => l.split('\t'));
}

/** Each TCP stream's last decryption status (code and text). */
export function finalStatus(pcap: string, keyArgs: string[]): Map<number, { code: string; text: string }> {
  const m = new Map<number, { code: string; text: string }>();
  for (const [s, code, text] of fields(pcap, keyArgs, 'tls.tlslens.decryption_status_code', ['tcp.stream', 'tls.tlslens.decryption_status_code', 'tls.tlslens.decryption_status'])) {
    m.set(Number(s), { code: code!, text: text! });
  }
  return m;
}

export interface Hello {
  stream: number;
  /** Frames of the connection. */
  frames: number[];
  sni: string;
  clientRandom: string;
  /** Frames of the ClientHello and the ServerHello (0 = not seen). */
  ch: number;
  sh: number;
}

const layouts = new WeakMap<Matrix, Hello[]>();

/** Every TLS connection of the capture (one pass, no keys), in stream order. */
export function layout(m: Matrix): Hello[] {
  const known = layouts.get(m);
  if (known) return known;
  const rows = fields(m.pcap, [], 'tcp', ['frame.number', 'tcp.stream', 'tls.handshake.type', 'tls.handshake.extensions_server_name', 'tls.handshake.random'],
    ['-E', 'occurrence=a', '-E', 'aggregator=,']);
  const by = new Map<number, Hello>();
  for (const [frame, stream, types, sni, random] of rows) {
    const s = Number(stream);
    const h = by.get(s) ?? by.set(s, { stream: s, frames: [], sni: '', clientRandom: '', ch: 0, sh: 0 }).get(s)!;
    const f = Number(frame);
    h.frames.push(f);
    const t = types ? types.split(',') : [];
    if (t.includes('1') && !h.ch) Object.assign(h, { ch: f, sni: sni ?? '', clientRandom: (random ?? '').split(',')[0]!.replace(/:/g, '') });
    if (t.includes('2') && !h.sh) h.sh = f;
  }
  const out = [...by.values()].sort((a, b) => a.stream - b.stream);
  layouts.set(m, out);
  return out;
}

/** The n-th connection of a job. */
export function connOf(m: Matrix, job: string, n = 0): Hello {
  const sni = m.jobs.find((j) => j.job === job)!.sni;
  const h = layout(m).filter((c) => c.sni === sni)[n];
  if (!h) throw new Error(`${job}: no connection ${n}`);
  return h;
}

// --- classic pcap (what tcpdump writes) --------------------------------------------------------

export interface PcapRecord {
  header: Uint8Array;
  data: Uint8Array;
}

export function readPcap(file: string): { header: Uint8Array; records: PcapRecord[] } {
  const b = new Uint8Array(readFileSync(file));
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const magic = dv.getUint32(0, true);
  if (magic !== 0xa1b2c3d4 && magic !== 0xa1b23c4d) throw new Error(`${file}: not a little-endian classic pcap`);
  const records: PcapRecord[] = [];
  for (let o = 24; o + 16 <= b.length;) {
    const incl = dv.getUint32(o + 8, true);
    records.push({ header: b.slice(o, o + 16), data: b.slice(o + 16, o + 16 + incl) });
    o += 16 + incl;
  }
  return { header: b.slice(0, 24), records };
}

/** Writes a pcap whose records are `records` (frame numbers start at 1 again). */
export function writePcap(file: string, header: Uint8Array, records: readonly PcapRecord[]): void {
  const parts: Uint8Array[] = [header];
  for (const r of records) {
    const h = r.header.slice();
    const dv = new DataView(h.buffer);
    dv.setUint32(8, r.data.length, true);
    dv.setUint32(12, Math.max(dv.getUint32(12, true), r.data.length), true);
    parts.push(h, r.data);
  }
  writeFileSync(file, Buffer.concat(parts));
}

/** A scratch file name in the matrix directory. */
export function scratch(m: Matrix, name: string): string {
  return join(m.dir, name);
}
