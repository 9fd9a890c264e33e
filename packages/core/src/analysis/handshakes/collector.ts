/**
 * One summary per TLS connection (TCP stream), built from the fields of an Engine pass:
 * endpoints, SNI, version, cipher suite, key exchange group, ALPN, resumption, presented
 * certificates, alerts, JA3/JA3S/JA4, TCP RTT, handshake timings and byte counts.
 *
 * Only field values are read (no tree, no columns): mark `collector.fields` wanted, feed
 * every packet to `add` in capture order, then call `summaries()`. Certificate chains are
 * validated afterwards (async) by `verifyHandshakeChains` (verdict.ts).
 *
 * Browser-safe: no node: imports.
 */
import type { Registry } from '../../fields/registry.ts';
import type { FieldValue } from '../../fields/types.ts';
import { ipv4Text, ipv6Text } from '../../fields/format.ts';
import type { Packet } from '../../packet.ts';
import { cipherSuite, cipherSuiteName, groupName, versionName, versionShortName, wiresharkName } from '../../tls/registry/index.ts';

export type ResumedKind = 'no' | 'session-id' | 'ticket' | 'psk';
export type Side = 'client' | 'server';

export interface TlsAlertInfo {
  readonly from: Side;
  readonly frame: number;
  /** "Fatal", "Warning"; "encrypted" when the alert record was encrypted. */
  readonly level: string;
  /** "Unknown CA", "Close Notify", …; "encrypted" when encrypted. */
  readonly description: string;
}

/** The certificates one side presented in a Certificate message. */
export interface PresentedChain {
  readonly side: Side;
  /** Frame that completed the Certificate message. */
  readonly frame: number;
  /** Capture time of that frame, epoch ms (the validation time). */
  readonly time: number;
  /** DER, leaf first, as sent. */
  readonly certificates: readonly Uint8Array[];
}

export interface HandshakeSummary {
  readonly stream: number;
  /** "10.0.0.1:51234", "[2001:db8::1]:443". */
  readonly client: string;
  readonly server: string;
  readonly clientAddress: string;
  readonly clientPort: number;
  readonly serverAddress: string;
  readonly serverPort: number;
  /** First frame of the TCP stream and first frame carrying TLS. */
  readonly firstFrame: number;
  readonly firstTlsFrame: number;
  readonly sni?: string;
  /** "TLSv1.2", "TLSv1.3", "SSLv3", … (Wireshark's names); undefined before a ServerHello. */
  readonly version?: string;
  /** Numeric negotiated version (0x0303, 0x7f12 …). */
  readonly versionCode?: number;
  /** "TLS 1.3 (draft 18)" etc. */
  readonly versionDetail?: string;
  /** Highest version the client offered (supported_versions or the ClientHello version). */
  readonly clientVersion?: string;
  readonly cipherSuite?: string;
  readonly cipherSuiteCode?: number;
  /** Key exchange group: TLS 1.3 key_share, TLS ≤ 1.2 ServerKeyExchange curve or "DH (N bits)". */
  readonly group?: string;
  /** ALPN protocol selected by the server (visible in TLS ≤ 1.2, or TLS 1.3 when decrypted). */
  readonly alpn?: string;
  readonly alpnOffered: readonly string[];
  /** Undefined when no ServerHello was seen. */
  readonly resumed?: ResumedKind;
  readonly helloRetryRequest: boolean;
  readonly ja3?: string;
  readonly ja3Full?: string;
  readonly ja3s?: string;
  readonly ja3sFull?: string;
  readonly ja4?: string;
  readonly ja4r?: string;
  readonly alerts: readonly TlsAlertInfo[];
  /** Certificate chains presented (server first, then client), as sent. */
  readonly chains: readonly PresentedChain[];
  /** SYN → SYN/ACK, ms (undefined when the TCP handshake was not captured). */
  readonly tcpRttMs?: number;
  /** ClientHello → the handshake's last Finished, ms. */
  readonly handshakeMs?: number;
  /** Start of the connection (SYN, else ClientHello) → first application data record, ms. */
  readonly firstAppDataMs?: number;
  /** TLS record bytes (headers included) client → server and server → client. */
  readonly bytesClientToServer: number;
  readonly bytesServerToClient: number;
  /** Both sides finished the handshake. */
  readonly complete: boolean;
  /** More ClientHellos after the first completed handshake (plaintext renegotiation). */
  readonly renegotiations: number;
  /**
   * "yes": encrypted handshake messages or application data were seen decrypted; "no": the
   * connection is encrypted and nothing was decrypted; "n/a": nothing encrypted (NULL cipher
   * or handshake not reached); "unknown": not determinable.
   */
  readonly decryption: 'yes' | 'no' | 'n/a' | 'unknown';
  /** The TLS layer's decryption status when key material was given ("decrypted", "no key for client random …"). */
  readonly decryptionStatus?: { readonly code: string; readonly text: string };
}

/** What the TLS layer says about a connection's decryption (TlsConn.decryption). */
export interface DecryptionLookup {
  (stream: number): { readonly status: { readonly code: string; readonly text: string } } | undefined;
}

const F = [
  'tcp.stream', 'tcp.srcport', 'tcp.dstport', 'tcp.flags', 'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst',
  'tls.record.content_type', 'tls.record.opaque_type', 'tls.record.length', 'tls.handshake.type',
  'tls.handshake.version', 'tls.handshake.extensions.supported_version', 'tls.handshake.ciphersuite',
  'tls.handshake.extensions_server_name', 'tls.handshake.extensions_alpn_str',
  'tls.handshake.extensions_key_share_group', 'tls.handshake.extensions_key_share_selected_group',
  'tls.handshake.server_named_curve', 'tls.handshake.p_len', 'tls.handshake.session_id',
  'tls.handshake.extension.type', 'tls.handshake.extension.len', 'tls.handshake.extensions.psk.identity.selected',
  'tls.alert_message.level', 'tls.alert_message.desc', 'tls.handshake.certificate',
  'tls.handshake.ja3', 'tls.handshake.ja3_full', 'tls.handshake.ja3s', 'tls.handshake.ja3s_full',
  'tls.handshake.ja4', 'tls.handshake.ja4_r', 'tls.tlslens.decrypted', 'tls.handshake.random',
] as const;
type FieldName = (typeof F)[number];
const FINGERPRINTS: readonly FieldName[] = ['tls.handshake.ja3', 'tls.handshake.ja3_full', 'tls.handshake.ja3s', 'tls.handshake.ja3s_full', 'tls.handshake.ja4', 'tls.handshake.ja4_r'];

/** SHA-256("HelloRetryRequest"): the ServerHello.random of a HelloRetryRequest (RFC 8446 §4.1.3). */
const HRR_RANDOM = new Uint8Array([
  0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
  0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
]);

const TCP_SYN = 0x02;
const TCP_ACK = 0x10;

const num = (v: FieldValue | undefined): number | undefined => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : undefined);
const str = (v: FieldValue | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
const msOf = (p: Packet): number => p.ts.s * 1000 + p.ts.ns / 1e6;
const round3 = (x: number): number => Math.round(x * 1000) / 1000;

function bytesEq(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function endpointText(addr: string, port: number): string {
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}

interface Endpoint { readonly addr: string; readonly port: number; readonly key: string }

/** Mutable per-stream state. */
class Conn {
  firstFrame: number;
  startMs: number;
  firstTlsFrame = 0;
  tls = false;
  /** Endpoint key of the client, once known. */
  clientKey: string | undefined;
  eps = new Map<string, Endpoint>();
  synMs: number | undefined;
  synKey: string | undefined;
  synAckMs: number | undefined;
  // hello data
  chMs: number | undefined;
  chCount = 0;
  sni: string | undefined;
  clientVersion: number | undefined;
  alpnOffered: string[] = [];
  chSessionId: Uint8Array | undefined;
  chTicket = false;
  ja3: string | undefined;
  ja3Full: string | undefined;
  ja4: string | undefined;
  ja4r: string | undefined;
  shSeen = false;
  version: number | undefined;
  cipher: number | undefined;
  group: string | undefined;
  alpn: string | undefined;
  shSessionId: Uint8Array | undefined;
  psk = false;
  hrr = false;
  ja3s: string | undefined;
  ja3sFull: string | undefined;
  serverHelloDone = false;
  ccs: [boolean, boolean] = [false, false]; // client, server
  finishedMs: [number | undefined, number | undefined] = [undefined, undefined];
  /** Plaintext Finished seen from a side (decrypted or NULL cipher). */
  plainFinished = false;
  /** Encrypted handshake messages seen in clear (EncryptedExtensions, TLS 1.3 Certificate …). */
  decryptedEvidence = false;
  encryptedSeen = false;
  firstAppMs: number | undefined;
  bytes = new Map<string, number>();
  alerts: { key: string; frame: number; level: string; description: string }[] = [];
  chains: { key: string; frame: number; time: number; certificates: Uint8Array[] }[] = [];
  renegotiations = 0;
  constructor(frame: number, ms: number) {
    this.firstFrame = frame;
    this.startMs = ms;
  }
  get tls13(): boolean {
    const v = this.version;
    return v !== undefined && (v === 0x0304 || (v & 0xff00) === 0x7f00 || (v & 0xff00) === 0xfb00);
  }
  get done(): boolean {
    return this.finishedMs[0] !== undefined && this.finishedMs[1] !== undefined;
  }
}

export class HandshakeCollector {
  /** Field ids the collector reads: mark them wanted in the dissection. */
  readonly fields: readonly number[];
  private readonly id: Record<FieldName, number>;
  private readonly conns = new Map<number, Conn>();
  private readonly selected = new Set<number>();
  /**
   * The streams to summarise; undefined = all. Others are skipped at once (`tlslens explain`
   * of one connection): a stream must be accepted from its first packet on to be summarised.
   */
  only: ((stream: number) => boolean) | undefined = undefined;

  /**
   * `fingerprints: false`: the JA3/JA4 fields are left out of `fields` (a caller that does not
   * use them spares computing them for every hello; the summaries then have none).
   */
  constructor(reg: Registry, opts: { readonly fingerprints?: boolean } = {}) {
    const id = {} as Record<FieldName, number>;
    for (const n of F) id[n] = reg.find(n)?.id ?? -1;
    this.id = id;
    const skip = opts.fingerprints === false ? new Set<string>(FINGERPRINTS) : undefined;
    this.fields = F.filter((n) => !skip?.has(n)).map((n) => id[n]).filter((x) => x >= 0);
  }

  private vals(p: Packet, name: FieldName): readonly FieldValue[] {
    const i = this.id[name];
    return (i >= 0 ? p.values(i) : undefined) ?? [];
  }
  private first(p: Packet, name: FieldName): FieldValue | undefined {
    return this.vals(p, name)[0];
  }

  /** The TCP stream of a packet (undefined for non-TCP packets and TCP quoted in ICMP errors). */
  streamOf(p: Packet): number | undefined {
    const t = p.protocols.indexOf('tcp');
    if (t < 0) return undefined;
    const icmp = p.protocols.findIndex((x) => x === 'icmp' || x === 'icmpv6');
    if (icmp >= 0 && icmp < t) return undefined;
    return num(this.first(p, 'tcp.stream'));
  }

  /** Marks the stream of `p` as selected (by a display filter). */
  select(p: Packet): void {
    const s = this.streamOf(p);
    if (s !== undefined) this.selected.add(s);
  }

  /** Streams marked by `select`. */
  get selectedStreams(): ReadonlySet<number> {
    return this.selected;
  }

  /** Adds one packet (every packet, in capture order). */
  add(p: Packet): void {
    const stream = this.streamOf(p);
    if (stream === undefined || (this.only !== undefined && !this.only(stream))) return;
    const ms = msOf(p);
    let c = this.conns.get(stream);
    if (!c) {
      c = new Conn(p.num, ms);
      this.conns.set(stream, c);
    }
    const src = this.endpoint(p, 'src');
    const dst = this.endpoint(p, 'dst');
    if (!src || !dst) return;
    if (!c.eps.has(src.key)) c.eps.set(src.key, src);
    if (!c.eps.has(dst.key)) c.eps.set(dst.key, dst);
    const flags = num(this.first(p, 'tcp.flags')) ?? 0;
    if (flags & TCP_SYN) {
      if (!(flags & TCP_ACK)) {
        if (c.synMs === undefined) {
          c.synMs = ms;
          c.synKey = src.key;
        }
      } else if (c.synAckMs === undefined && c.synMs !== undefined) {
        c.synAckMs = ms;
      }
    }
    if (!p.protocols.includes('tls')) return;
    if (!c.tls) {
      c.tls = true;
      c.firstTlsFrame = p.num;
    }
    this.tlsPacket(p, c, src, dst, ms);
  }

  private endpoint(p: Packet, which: 'src' | 'dst'): Endpoint | undefined {
    const port = num(this.first(p, which === 'src' ? 'tcp.srcport' : 'tcp.dstport'));
    if (port === undefined) return undefined;
    // the innermost IP header (tunnels): the last value
    const v6 = this.vals(p, which === 'src' ? 'ipv6.src' : 'ipv6.dst');
    const v4 = this.vals(p, which === 'src' ? 'ip.src' : 'ip.dst');
    let addr: string | undefined;
    const ip4 = v4.length ? num(v4[v4.length - 1]) : undefined;
    const ip6 = v6.length ? v6[v6.length - 1] : undefined;
    // when both exist (6in4 / 4in6) the later protocol in the path is the inner one
    const i4 = p.protocols.lastIndexOf('ip');
    const i6 = p.protocols.lastIndexOf('ipv6');
    if (ip6 instanceof Uint8Array && (ip4 === undefined || i6 > i4)) addr = ipv6Text(ip6);
    else if (ip4 !== undefined) {
      // the same few IPv4 endpoints come back in every packet: their texts are made once
      const k = ip4 * 65536 + port;
      let e = this.v4Endpoints.get(k);
      if (e === undefined) {
        const a = ipv4Text(ip4);
        e = { addr: a, port, key: endpointText(a, port) };
        if (this.v4Endpoints.size < 100_000) this.v4Endpoints.set(k, e);
      }
      return e;
    }
    if (addr === undefined) return undefined;
    return { addr, port, key: endpointText(addr, port) };
  }
  private readonly v4Endpoints = new Map<number, Endpoint>();

  private tlsPacket(p: Packet, c: Conn, src: Endpoint, dst: Endpoint, ms: number): void {
    const hs = this.vals(p, 'tls.handshake.type').map(num);
    const hasCH = hs.includes(1);
    const hasSH = hs.includes(2);
    if (c.clientKey === undefined) {
      if (hasCH) c.clientKey = src.key;
      else if (hasSH) c.clientKey = dst.key;
      else if (c.synKey !== undefined) c.clientKey = c.synKey;
      else c.clientKey = src.port > dst.port ? src.key : dst.key;
    }
    const fromClient = src.key === c.clientKey;
    const side = fromClient ? 0 : 1;

    // bytes: every record (header + fragment)
    let nb = 0;
    for (const l of this.vals(p, 'tls.record.length')) nb += (num(l) ?? 0) + 5;
    c.bytes.set(src.key, (c.bytes.get(src.key) ?? 0) + nb);

    const ctypes = this.vals(p, 'tls.record.content_type').map(num);
    const opaque = this.vals(p, 'tls.record.opaque_type').length;

    if (hasCH && fromClient) this.clientHello(p, c, ms);
    if (hasSH && !fromClient && !c.done) this.serverHello(p, c);
    if (!fromClient) {
      if (hs.includes(14)) c.serverHelloDone = true;
      if (!c.done && !c.tls13) {
        const curve = num(this.first(p, 'tls.handshake.server_named_curve'));
        const plen = num(this.first(p, 'tls.handshake.p_len'));
        if (curve !== undefined) c.group = groupName(curve);
        else if (plen !== undefined) c.group = `DH (${plen * 8} bits)`;
      }
      if (c.tls13 && c.alpn === undefined) {
        const a = str(this.first(p, 'tls.handshake.extensions_alpn_str'));
        if (a !== undefined) c.alpn = a;
      }
    }
    if (hs.includes(11)) {
      const certs = this.vals(p, 'tls.handshake.certificate').filter((v): v is Uint8Array => v instanceof Uint8Array);
      if (certs.length && !c.chains.some((x) => x.key === src.key)) {
        c.chains.push({ key: src.key, frame: p.num, time: ms, certificates: certs.map((d) => d.slice()) });
      }
    }
    if (c.tls13 && hs.some((t) => t === 8 || t === 11 || t === 15 || t === 20)) c.decryptedEvidence = true;

    // alerts
    const levels = this.vals(p, 'tls.alert_message.level').map(num);
    const descs = this.vals(p, 'tls.alert_message.desc').map(num);
    levels.forEach((l, i) => {
      const d = descs[i];
      c.alerts.push({
        key: src.key, frame: p.num,
        level: l === undefined ? '?' : wiresharkName('tls.alert_message.level', l) ?? `Unknown (${l})`,
        description: d === undefined ? '?' : wiresharkName('tls.alert_message.desc', d) ?? `Unknown (${d})`,
      });
    });
    const encAlerts = ctypes.filter((t) => t === 21).length - levels.length;
    for (let i = 0; i < encAlerts; i++) c.alerts.push({ key: src.key, frame: p.num, level: 'encrypted', description: 'encrypted' });

    // handshake progress and application data
    if (ctypes.includes(20) && !c.tls13) {
      c.ccs[side] = true;
      c.encryptedSeen = true;
      if (c.finishedMs[side] === undefined && c.shSeen) c.finishedMs[side] = ms;
    }
    if (hs.includes(20)) {
      c.plainFinished = true;
      c.finishedMs[side] ??= ms;
      if (!c.tls13 && c.ccs[side] && !this.nullCipher(c)) c.decryptedEvidence = true;
    }
    const decrypted = this.vals(p, 'tls.tlslens.decrypted');
    if (decrypted.some((v) => v === true)) c.decryptedEvidence = true;
    if (c.tls13 && c.shSeen && opaque > 0) {
      c.encryptedSeen = true;
      if (decrypted.some((v) => v === true)) {
        // decrypted: the inner content types are known (22 handshake, 23 application data)
        if (ctypes.includes(23) && c.firstAppMs === undefined) c.firstAppMs = ms;
      } else {
        let apps = opaque;
        if (c.finishedMs[side] === undefined) {
          c.finishedMs[side] = ms;
          // the server's whole first flight is handshake; the client's first record is its Finished
          apps = fromClient ? opaque - 1 : 0;
        } else if (!fromClient && !c.done) {
          apps = 0;
        }
        if (apps > 0 && c.firstAppMs === undefined) c.firstAppMs = ms;
      }
    } else if (ctypes.includes(23)) {
      if (c.firstAppMs === undefined) c.firstAppMs = ms;
      if (!this.nullCipher(c)) c.encryptedSeen = true;
    }
    // decrypted application data: a protocol dissected on top of TLS
    const ti = p.protocols.lastIndexOf('tls');
    if (ti >= 0 && ti < p.protocols.length - 1 && (c.ccs[side] || c.tls13) && !this.nullCipher(c)) {
      const above = p.protocols[ti + 1];
      if (above !== 'x509sat' && above !== 'x509af' && above !== 'pkix1explicit') c.decryptedEvidence = true;
    }
  }

  private nullCipher(c: Conn): boolean {
    return c.cipher !== undefined && cipherSuite(c.cipher)?.cipher === 'NULL';
  }

  private clientHello(p: Packet, c: Conn, ms: number): void {
    c.chCount++;
    if (c.chCount > 1) {
      if (c.done) c.renegotiations++;
      return; // keep the first ClientHello (HelloRetryRequest sends a second one)
    }
    c.chMs = ms;
    c.sni = str(this.first(p, 'tls.handshake.extensions_server_name'));
    const sv = this.vals(p, 'tls.handshake.extensions.supported_version').map(num).filter((v): v is number => v !== undefined && (v & 0x0f0f) !== 0x0a0a);
    c.clientVersion = sv.length ? Math.max(...sv) : num(this.first(p, 'tls.handshake.version'));
    c.alpnOffered = this.vals(p, 'tls.handshake.extensions_alpn_str').map(str).filter((s): s is string => s !== undefined);
    const sid = this.first(p, 'tls.handshake.session_id');
    c.chSessionId = sid instanceof Uint8Array ? sid.slice() : undefined;
    const types = this.vals(p, 'tls.handshake.extension.type').map(num);
    const lens = this.vals(p, 'tls.handshake.extension.len').map(num);
    c.chTicket = types.some((t, i) => t === 35 && (lens[i] ?? 0) > 0);
    c.ja3 = str(this.first(p, 'tls.handshake.ja3'));
    c.ja3Full = str(this.first(p, 'tls.handshake.ja3_full'));
    c.ja4 = str(this.first(p, 'tls.handshake.ja4'));
    c.ja4r = str(this.first(p, 'tls.handshake.ja4_r'));
  }

  private serverHello(p: Packet, c: Conn): void {
    const selected = num(this.first(p, 'tls.handshake.extensions_key_share_selected_group'));
    const legacy = num(this.first(p, 'tls.handshake.version'));
    const sv = num(this.first(p, 'tls.handshake.extensions.supported_version'));
    c.version = sv ?? legacy;
    c.cipher = num(this.first(p, 'tls.handshake.ciphersuite'));
    c.ja3s = str(this.first(p, 'tls.handshake.ja3s'));
    c.ja3sFull = str(this.first(p, 'tls.handshake.ja3s_full'));
    const random = this.first(p, 'tls.handshake.random');
    if (selected !== undefined || (random instanceof Uint8Array && bytesEq(random, HRR_RANDOM))) {
      // HelloRetryRequest: the real ServerHello follows
      c.hrr = true;
      if (selected !== undefined) c.group = groupName(selected);
      return;
    }
    c.shSeen = true;
    const ks = num(this.first(p, 'tls.handshake.extensions_key_share_group'));
    if (ks !== undefined) c.group = groupName(ks);
    const sid = this.first(p, 'tls.handshake.session_id');
    c.shSessionId = sid instanceof Uint8Array ? sid.slice() : undefined;
    c.psk = this.vals(p, 'tls.handshake.extensions.psk.identity.selected').length > 0;
    const a = str(this.first(p, 'tls.handshake.extensions_alpn_str'));
    if (a !== undefined) c.alpn = a;
  }

  /** The summaries of the TLS connections, by stream number (only the `selected` streams when `onlySelected`). */
  summaries(onlySelected = false, decryption?: DecryptionLookup): HandshakeSummary[] {
    const out: HandshakeSummary[] = [];
    const streams = [...this.conns.keys()].sort((a, b) => a - b);
    for (const s of streams) {
      const c = this.conns.get(s)!;
      if (!c.tls) continue;
      if (onlySelected && !this.selected.has(s)) continue;
      out.push(this.summary(s, c, decryption?.(s)?.status));
    }
    return out;
  }

  private summary(stream: number, c: Conn, status: { code: string; text: string } | undefined): HandshakeSummary {
    const eps = [...c.eps.values()];
    const client = eps.find((e) => e.key === c.clientKey) ?? eps[0]!;
    const server = eps.find((e) => e.key !== client.key) ?? client;
    const sideOf = (key: string): Side => (key === client.key ? 'client' : 'server');
    let resumed: ResumedKind | undefined;
    if (c.shSeen) {
      if (c.tls13) resumed = c.psk ? 'psk' : 'no';
      else if (c.serverHelloDone) resumed = 'no';
      else {
        const sidMatch = (c.chSessionId?.length ?? 0) > 0 && bytesEq(c.chSessionId, c.shSessionId);
        if (c.ccs[1] || sidMatch) resumed = c.chTicket ? 'ticket' : 'session-id';
        else resumed = 'no';
      }
    }
    const start = c.synMs ?? c.chMs;
    const hsEnd = c.done ? Math.max(c.finishedMs[0]!, c.finishedMs[1]!) : undefined;
    let decryption: HandshakeSummary['decryption'] = 'unknown';
    if (c.decryptedEvidence) decryption = 'yes';
    else if (c.encryptedSeen) decryption = 'no';
    else if (c.shSeen && this.nullCipher(c)) decryption = 'n/a';
    else if (c.shSeen && !c.tls13 && !c.ccs[0] && !c.ccs[1]) decryption = 'n/a';
    if (status) {
      if (status.code === 'decrypted') decryption = 'yes';
      else if (status.code !== 'pending') decryption = 'no';
    }
    const chains: PresentedChain[] = c.chains
      .map((x) => ({ side: sideOf(x.key), frame: x.frame, time: x.time, certificates: x.certificates }))
      .sort((a, b) => (a.side === b.side ? a.frame - b.frame : a.side === 'server' ? -1 : 1));
    const r: {
      -readonly [K in keyof HandshakeSummary]: HandshakeSummary[K];
    } = {
      stream,
      client: client.key,
      server: server.key,
      clientAddress: client.addr,
      clientPort: client.port,
      serverAddress: server.addr,
      serverPort: server.port,
      firstFrame: c.firstFrame,
      firstTlsFrame: c.firstTlsFrame,
      alpnOffered: c.alpnOffered,
      helloRetryRequest: c.hrr,
      alerts: c.alerts.map((a) => ({ from: sideOf(a.key), frame: a.frame, level: a.level, description: a.description })),
      chains,
      bytesClientToServer: c.bytes.get(client.key) ?? 0,
      bytesServerToClient: c.bytes.get(server.key) ?? 0,
      complete: c.done,
      renegotiations: c.renegotiations,
      decryption,
    };
    if (status) r.decryptionStatus = { code: status.code, text: status.text };
    if (c.sni !== undefined) r.sni = c.sni;
    if (c.version !== undefined && (c.shSeen || c.hrr)) {
      r.version = versionShortName(c.version);
      r.versionCode = c.version;
      r.versionDetail = versionName(c.version);
    }
    if (c.clientVersion !== undefined) r.clientVersion = versionShortName(c.clientVersion);
    if (c.cipher !== undefined) {
      r.cipherSuite = cipherSuiteName(c.cipher);
      r.cipherSuiteCode = c.cipher;
    }
    if (c.group !== undefined) r.group = c.group;
    if (c.alpn !== undefined) r.alpn = c.alpn;
    if (resumed !== undefined) r.resumed = resumed;
    if (c.ja3 !== undefined) r.ja3 = c.ja3;
    if (c.ja3Full !== undefined) r.ja3Full = c.ja3Full;
    if (c.ja3s !== undefined) r.ja3s = c.ja3s;
    if (c.ja3sFull !== undefined) r.ja3sFull = c.ja3sFull;
    if (c.ja4 !== undefined) r.ja4 = c.ja4;
    if (c.ja4r !== undefined) r.ja4r = c.ja4r;
    if (c.synMs !== undefined && c.synAckMs !== undefined) r.tcpRttMs = round3(c.synAckMs - c.synMs);
    if (c.chMs !== undefined && hsEnd !== undefined) r.handshakeMs = round3(hsEnd - c.chMs);
    if (start !== undefined && c.firstAppMs !== undefined) r.firstAppDataMs = round3(c.firstAppMs - start);
    return r;
  }
}
