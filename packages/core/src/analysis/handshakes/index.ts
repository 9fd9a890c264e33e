/**
 * `tlslens handshakes`: one summary per TLS connection (collector.ts), the server chain's
 * verdict (../certs), the JSON objects and the terminal tables. Browser-safe.
 */
import { checkChain, type ChainCheckOptions, type ChainReport } from '../certs/index.ts';
import type { Engine } from '../../engine.ts';
import type { DecryptionLookup, HandshakeSummary } from './collector.ts';

export { HandshakeCollector, type DecryptionLookup, type HandshakeSummary, type PresentedChain, type ResumedKind, type Side, type TlsAlertInfo } from './collector.ts';

/** The TLS layer's decryption state by TCP stream (for `HandshakeCollector.summaries`). */
export function engineDecryption(engine: Engine): DecryptionLookup {
  const byStream = new Map<number, ReturnType<DecryptionLookup>>();
  for (const conv of engine.tcp.conversations) {
    const d = engine.tls.connection(conv)?.decryption;
    if (d) byStream.set(conv.index, d);
  }
  return (stream) => byStream.get(stream);
}

/** Validates the server chain of each connection; the report by stream. */
export async function verifyServerChains(hs: readonly HandshakeSummary[], opts: ChainCheckOptions): Promise<Map<number, ChainReport>> {
  const out = new Map<number, ChainReport>();
  for (const h of hs) {
    const pc = h.chains.find((c) => c.side === 'server');
    if (pc) out.set(h.stream, await checkChain(h, pc, opts));
  }
  return out;
}

/** The verdict text when no server chain was seen. */
function noChainVerdict(h: HandshakeSummary): string {
  if (h.resumed && h.resumed !== 'no') return 'n/a (resumed)';
  if (h.version === 'TLSv1.3' && h.decryption !== 'yes') return 'n/a (encrypted)';
  if (h.cipherSuite && /_(anon|PSK)_|_PSK_WITH_/.test(h.cipherSuite)) return 'n/a (no certificate)';
  return 'n/a (not seen)';
}

const hex4 = (v: number) => '0x' + v.toString(16).padStart(4, '0');

/** The JSON object of one connection (every key present; null when unknown). */
export function handshakeJson(h: HandshakeSummary, chain?: ChainReport): Record<string, unknown> {
  const leaf = chain?.certificates[0];
  return {
    stream: h.stream,
    client: h.client,
    server: h.server,
    sni: h.sni ?? null,
    version: h.version ?? null,
    version_detail: h.versionDetail ?? null,
    client_version: h.clientVersion ?? null,
    cipher_suite: h.cipherSuite ?? null,
    cipher_suite_id: h.cipherSuiteCode !== undefined ? hex4(h.cipherSuiteCode) : null,
    group: h.group ?? null,
    alpn: h.alpn ?? null,
    alpn_offered: h.alpnOffered,
    resumed: h.resumed ?? null,
    hello_retry_request: h.helloRetryRequest,
    certificate_subject: leaf && 'subject' in leaf ? leaf.subject : null,
    certificate_issuer: leaf && 'issuer' in leaf ? leaf.issuer : null,
    chain_valid: chain ? chain.valid : null,
    chain_verdict: chain ? chain.verdict : noChainVerdict(h),
    chain_problems: chain ? chain.problems.map((p) => ({ code: p.code, message: p.message })) : [],
    alerts: h.alerts,
    ja3: h.ja3 ?? null,
    ja3_full: h.ja3Full ?? null,
    ja3s: h.ja3s ?? null,
    ja3s_full: h.ja3sFull ?? null,
    ja4: h.ja4 ?? null,
    ja4_r: h.ja4r ?? null,
    tcp_rtt_ms: h.tcpRttMs ?? null,
    handshake_ms: h.handshakeMs ?? null,
    first_app_data_ms: h.firstAppDataMs ?? null,
    bytes_client_to_server: h.bytesClientToServer,
    bytes_server_to_client: h.bytesServerToClient,
    handshake_complete: h.complete,
    renegotiations: h.renegotiations,
    decryption: h.decryption,
    decryption_status: h.decryptionStatus?.text ?? null,
    first_frame: h.firstFrame,
    client_certificate: h.chains.some((c) => c.side === 'client'),
  };
}

// ---------------------------------------------------------------------------------------
// Terminal tables
// ---------------------------------------------------------------------------------------

interface Column {
  title: string;
  cells: string[];
  /** Smallest width it may be truncated to (undefined = never truncated). */
  min?: number;
  right?: boolean;
}

function truncate(s: string, w: number): string {
  if (s.length <= w) return s;
  return w <= 1 ? s.slice(0, w) : s.slice(0, w - 1) + '…';
}

/** Aligned columns; the truncatable ones shrink (widest first) until the table fits `width`. */
export function renderTable(cols: readonly Column[], width: number): string {
  const sep = '  ';
  const w = cols.map((c) => Math.max(c.title.length, ...c.cells.map((x) => x.length)));
  const total = () => w.reduce((a, b) => a + b, 0) + sep.length * (cols.length - 1);
  // shrink the widest truncatable column, first down to its preferred minimum, then (if the
  // table still does not fit) down to its title's width
  for (const relaxed of [false, true]) {
    while (total() > width) {
      let best = -1;
      for (let i = 0; i < cols.length; i++) {
        const c = cols[i]!;
        if (c.min === undefined) continue;
        const floor = relaxed ? Math.max(c.title.length, 4) : Math.max(c.min, c.title.length);
        if (w[i]! <= floor) continue;
        if (best < 0 || w[i]! > w[best]!) best = i;
      }
      if (best < 0) break;
      w[best]! -= 1;
    }
  }
  const rows = cols[0]?.cells.length ?? 0;
  const line = (get: (c: Column) => string) =>
    cols.map((c, i) => {
      const s = truncate(get(c), w[i]!);
      return c.right ? s.padStart(w[i]!) : s.padEnd(w[i]!);
    }).join(sep).trimEnd();
  const out = [line((c) => c.title)];
  for (let r = 0; r < rows; r++) out.push(line((c) => c.cells[r]!));
  return out.join('\n') + '\n';
}

const ms = (v: number | undefined) => (v === undefined ? '-' : v < 10 ? v.toFixed(2) : v < 1000 ? v.toFixed(1) : v.toFixed(0));

function bytes(n: number): string {
  if (n < 10_000) return String(n);
  if (n < 10_000_000) return `${(n / 1024).toFixed(0)}K`;
  return `${(n / 1048576).toFixed(0)}M`;
}

function cn(subject: string | undefined): string {
  if (!subject) return '-';
  const m = /(?:^|,)CN=((?:\\.|[^,])*)/.exec(subject);
  return m ? m[1]!.replace(/\\(.)/g, '$1') : subject;
}

function alertsText(h: HandshakeSummary): string {
  const plain = h.alerts.filter((a) => a.level !== 'encrypted');
  const enc = h.alerts.length - plain.length;
  const parts = plain.map((a) => `${a.from === 'client' ? 'C' : 'S'}:${a.level === 'Fatal' ? '' : a.level + ' '}${a.description}`);
  if (enc) parts.push(`${enc} encrypted`);
  return parts.length ? parts.join('; ') : '-';
}

/** The two tables of `tlslens handshakes`: connections, then timings and fingerprints. */
export function renderHandshakeTables(hs: readonly HandshakeSummary[], chains: ReadonlyMap<number, ChainReport>, width = 160): string {
  if (hs.length === 0) return 'No TLS connections.\n';
  const cell = (f: (h: HandshakeSummary) => string): string[] => hs.map(f);
  const leafSubject = (h: HandshakeSummary) => {
    const l = chains.get(h.stream)?.certificates[0];
    return l && 'subject' in l ? cn(l.subject) : '-';
  };
  const verdict = (h: HandshakeSummary) => {
    const c = chains.get(h.stream);
    return c ? c.verdict : noChainVerdict(h);
  };
  const t1 = renderTable([
    { title: 'Strm', cells: cell((h) => String(h.stream)), right: true },
    { title: 'Client', cells: cell((h) => h.client), min: 21 },
    { title: 'Server', cells: cell((h) => h.server), min: 21 },
    { title: 'SNI', cells: cell((h) => h.sni ?? '-'), min: 10 },
    { title: 'Version', cells: cell((h) => h.version ?? '-') },
    { title: 'Cipher suite', cells: cell((h) => (h.cipherSuite ?? '-').replace(/^TLS_/, '')), min: 14 },
    { title: 'Group', cells: cell((h) => h.group ?? '-'), min: 6 },
    { title: 'ALPN', cells: cell((h) => h.alpn ?? '-'), min: 4 },
    { title: 'Resumed', cells: cell((h) => h.resumed ?? '-') },
    { title: 'Certificate', cells: cell(leafSubject), min: 10 },
    { title: 'Verdict', cells: cell(verdict), min: 14 },
  ], width);
  const t2 = renderTable([
    { title: 'Strm', cells: cell((h) => String(h.stream)), right: true },
    { title: 'RTT ms', cells: cell((h) => ms(h.tcpRttMs)), right: true },
    { title: 'HS ms', cells: cell((h) => ms(h.handshakeMs)), right: true },
    { title: '1st data ms', cells: cell((h) => ms(h.firstAppDataMs)), right: true },
    { title: 'C→S', cells: cell((h) => bytes(h.bytesClientToServer)), right: true },
    { title: 'S→C', cells: cell((h) => bytes(h.bytesServerToClient)), right: true },
    { title: 'Decrypted', cells: cell((h) => h.decryption) },
    { title: 'Alerts', cells: cell(alertsText), min: 8 },
    { title: 'JA4', cells: cell((h) => h.ja4 ?? '-'), min: 10 },
    { title: 'JA3', cells: cell((h) => h.ja3 ?? '-'), min: 8 },
    { title: 'JA3S', cells: cell((h) => h.ja3s ?? '-'), min: 8 },
  ], width);
  return `${t1}\n${t2}`;
}
