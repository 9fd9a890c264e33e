/**
 * Reads the field values of an Engine pass for `tlslens explain`: everything about one TCP
 * stream (the chosen one, or the first with a ClientHello), plus, for every stream, the
 * session IDs and tickets it issued (to say which earlier connection a resumption uses).
 * Only field values are read: mark `fields` wanted and feed every packet to `add`.
 * Browser-safe.
 */
import type { Registry } from '../../fields/registry.ts';
import type { FieldValue } from '../../fields/types.ts';
import type { Packet } from '../../packet.ts';
import { hex } from './model.ts';

const F = [
  'tcp.stream', 'tcp.flags', 'tcp.seq', 'tcp.ack', 'tcp.seq_raw', 'tcp.ack_raw', 'tcp.len', 'tcp.srcport', 'tcp.dstport',
  'tcp.options.mss_val',
  'tls.record.content_type', 'tls.record.opaque_type', 'tls.record.version', 'tls.record.length',
  'tls.handshake.type', 'tls.handshake.length', 'tls.handshake.version', 'tls.handshake.random', 'tls.handshake.session_id',
  'tls.handshake.ciphersuite', 'tls.handshake.cipherspec', 'tls.handshake.comp_method', 'tls.handshake.extension.type', 'tls.handshake.extension.len',
  'tls.handshake.extension.data', 'tls.handshake.extensions_server_name', 'tls.handshake.extensions_alpn_str',
  'tls.handshake.extensions.supported_version', 'tls.handshake.extensions_key_share_group',
  'tls.handshake.extensions_key_share_key_exchange_length', 'tls.handshake.extensions_key_share_key_exchange', 'tls.handshake.extensions_key_share_selected_group',
  'tls.handshake.extensions_supported_group', 'tls.handshake.extensions.psk.identity.identity',
  'tls.handshake.extensions.psk.identity.selected', 'tls.handshake.sig_hash_alg',
  'tls.handshake.certificate', 'tls.handshake.certificates_length',
  'tls.handshake.server_curve_type', 'tls.handshake.server_named_curve', 'tls.handshake.server_point',
  'tls.handshake.p', 'tls.handshake.g', 'tls.handshake.ys', 'tls.handshake.sig',
  'tls.handshake.cert_type', 'tls.handshake.dname', 'tls.handshake.epms', 'tls.handshake.client_point', 'tls.handshake.yc',
  'tls.handshake.session_ticket_lifetime_hint', 'tls.handshake.session_ticket_length',
  'tls.handshake.session_ticket',
  'tls.tlslens.finished_verified', 'tls.tlslens.decrypted',
  'http.request.method', 'http.request.uri', 'http.request.version', 'http.response.code', 'http.response.phrase',
  'http.response.version', 'http.host',
  'http2.headers.method', 'http2.headers.path', 'http2.headers.status', 'http2.headers.authority',
] as const;
type FieldName = (typeof F)[number];

const num = (v: FieldValue | undefined): number | undefined => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : undefined);
const str = (v: FieldValue | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

export interface TcpPacket {
  readonly frame: number;
  readonly ms: number;
  readonly fromClient: boolean;
  readonly flags: number;
  readonly seqRaw?: number;
  readonly ackRaw?: number;
  readonly seq?: number;
  readonly ack?: number;
  readonly mss?: number;
}

/** One handshake message as seen (cleartext or decrypted). */
export interface HsMessage {
  readonly type: number;
  readonly frame: number;
  readonly ms: number;
  readonly fromClient: boolean;
  readonly length?: number;
  /** Index among the messages of the same type in this packet (for per-message list fields). */
  readonly nth: number;
  /** Field values of the packet that carried it (first occurrence, or all for lists). */
  readonly v: Partial<Record<FieldName, FieldValue[]>>;
  /** The first record of that packet: content type and version. */
  readonly record?: { readonly type: number; readonly version: number };
}

export interface RecordInfo {
  readonly frame: number;
  readonly fromClient: boolean;
  /** Outer content type (23 for every TLS 1.3 protected record). */
  readonly outer: number;
  /** Inner type when known (decrypted TLS 1.3 or TLS ≤ 1.2 type). */
  readonly type?: number;
  readonly length: number;
}

export interface HttpSeen {
  readonly frame: number;
  readonly h2: boolean;
  readonly method?: string;
  readonly uri?: string;
  readonly version?: string;
  readonly host?: string;
  readonly status?: number;
  readonly phrase?: string;
}

/** Everything collected about the chosen stream. */
export class StreamFacts {
  clientPort?: number;
  readonly tcp: TcpPacket[] = [];
  readonly messages: HsMessage[] = [];
  readonly records: RecordInfo[] = [];
  readonly ccs: { frame: number; fromClient: boolean }[] = [];
  readonly finishedVerified: { frame: number; fromClient: boolean; ok: boolean }[] = [];
  request?: HttpSeen;
  response?: HttpSeen;
  decryptedRecords = 0;
  constructor(readonly stream: number) {}
}

export interface SessionOrigin {
  readonly stream: number;
  readonly frame: number;
}

const SYN = 0x02;
const ACK = 0x10;

export class ExplainCollector {
  readonly fields: readonly number[];
  private readonly id: Record<FieldName, number>;
  /** The stream to explain; undefined until the first ClientHello when not given. */
  target: number | undefined;
  facts: StreamFacts | undefined;
  /** TCP packets of streams seen before the target was chosen (SYN/SYN-ACK/ACK only). */
  private readonly early = new Map<number, TcpPacket[]>();
  private readonly clientPorts = new Map<number, number>();
  /** TLS ≤ 1.2 session ID (hex) / ticket (hex) → the connection that issued it. */
  readonly sessionIds = new Map<string, SessionOrigin>();
  readonly tickets = new Map<string, SessionOrigin>();

  constructor(reg: Registry, stream?: number) {
    const id = {} as Record<FieldName, number>;
    for (const n of F) id[n] = reg.find(n)?.id ?? -1;
    this.id = id;
    this.fields = Object.values(id).filter((x) => x >= 0);
    this.target = stream;
    if (stream !== undefined) this.facts = new StreamFacts(stream);
  }

  private vals(p: Packet, name: FieldName): FieldValue[] {
    const i = this.id[name];
    return ((i >= 0 ? p.values(i) : undefined) ?? []) as FieldValue[];
  }
  private first(p: Packet, name: FieldName): FieldValue | undefined {
    return this.vals(p, name)[0];
  }

  add(p: Packet): void {
    const t = p.protocols.indexOf('tcp');
    if (t < 0) return;
    const icmp = p.protocols.findIndex((x) => x === 'icmp' || x === 'icmpv6');
    if (icmp >= 0 && icmp < t) return;
    const stream = num(this.first(p, 'tcp.stream'));
    if (stream === undefined) return;
    const flags = num(this.first(p, 'tcp.flags')) ?? 0;
    const sport = num(this.first(p, 'tcp.srcport')) ?? 0;
    const dport = num(this.first(p, 'tcp.dstport')) ?? 0;
    const hs = this.vals(p, 'tls.handshake.type').map(num);
    // the client: the SYN's sender, else the ClientHello's
    if (!this.clientPorts.has(stream)) {
      if ((flags & SYN) && !(flags & ACK)) this.clientPorts.set(stream, sport);
      else if (hs.includes(1)) this.clientPorts.set(stream, sport);
      else if (hs.includes(2)) this.clientPorts.set(stream, dport);
    }
    const cport = this.clientPorts.get(stream);
    const fromClient = cport === undefined ? sport > dport : sport === cport && !(sport === dport && (flags & SYN) && (flags & ACK));
    this.index(p, stream, hs, fromClient);
    if (this.target === undefined) {
      if (hs.includes(1) && fromClient) {
        this.target = stream;
        this.facts = new StreamFacts(stream);
        for (const e of this.early.get(stream) ?? []) this.facts.tcp.push(e);
        this.early.clear();
      } else {
        if (flags & SYN || (this.early.get(stream)?.length ?? 0) < 3) {
          const list = this.early.get(stream) ?? [];
          if (list.length < 3) list.push(this.tcpPacket(p, fromClient, flags));
          this.early.set(stream, list);
        }
        return;
      }
    }
    if (stream !== this.target) return;
    const f = this.facts!;
    f.clientPort ??= cport;
    if (f.tcp.length < 3) f.tcp.push(this.tcpPacket(p, fromClient, flags));
    if (!p.protocols.includes('tls')) return;
    this.tlsPacket(p, f, hs, fromClient);
  }

  private tcpPacket(p: Packet, fromClient: boolean, flags: number): TcpPacket {
    const o: { -readonly [K in keyof TcpPacket]: TcpPacket[K] } = { frame: p.num, ms: p.ts.s * 1000 + p.ts.ns / 1e6, fromClient, flags };
    const sr = num(this.first(p, 'tcp.seq_raw'));
    const ar = num(this.first(p, 'tcp.ack_raw'));
    const s = num(this.first(p, 'tcp.seq'));
    const a = num(this.first(p, 'tcp.ack'));
    const mss = num(this.first(p, 'tcp.options.mss_val'));
    if (sr !== undefined) o.seqRaw = sr;
    if (ar !== undefined && flags & ACK) o.ackRaw = ar;
    if (s !== undefined) o.seq = s;
    if (a !== undefined && flags & ACK) o.ack = a;
    if (mss !== undefined) o.mss = mss;
    return o;
  }

  /** Session IDs and tickets issued by every connection (for resumption). */
  private index(p: Packet, stream: number, hs: (number | undefined)[], fromClient: boolean): void {
    if (fromClient) return;
    if (hs.includes(2)) {
      const sid = this.first(p, 'tls.handshake.session_id');
      if (sid instanceof Uint8Array && sid.length > 0) {
        const k = hex(sid);
        if (!this.sessionIds.has(k)) this.sessionIds.set(k, { stream, frame: p.num });
      }
    }
    if (hs.includes(4)) {
      for (const t of this.vals(p, 'tls.handshake.session_ticket')) {
        if (!(t instanceof Uint8Array) || t.length === 0) continue;
        const k = hex(t);
        if (!this.tickets.has(k)) this.tickets.set(k, { stream, frame: p.num });
      }
    }
  }

  /**
   * Takes the session IDs and tickets another pass found (over the frames before this one's
   * ClientHello, decrypting every connection): they come first, as in one pass over everything.
   */
  mergeOrigins(earlier: ExplainCollector): void {
    for (const [k, v] of earlier.sessionIds) this.sessionIds.set(k, v);
    for (const [k, v] of earlier.tickets) this.tickets.set(k, v);
  }

  private tlsPacket(p: Packet, f: StreamFacts, hs: (number | undefined)[], fromClient: boolean): void {
    const ms = p.ts.s * 1000 + p.ts.ns / 1e6;
    const outer = this.vals(p, 'tls.record.opaque_type').map(num);
    const ctypes = this.vals(p, 'tls.record.content_type').map(num);
    const versions = this.vals(p, 'tls.record.version').map(num);
    const lengths = this.vals(p, 'tls.record.length').map(num);
    const decrypted = this.vals(p, 'tls.tlslens.decrypted');
    f.decryptedRecords += decrypted.filter((d) => d === true).length;
    // records: TLS ≤ 1.2 have a content type; TLS 1.3 protected ones an opaque type (+ the inner type when decrypted)
    // (plain records come first in a packet; a decrypted protected record adds its inner type)
    const nPlain = lengths.length - outer.length;
    const allInner = ctypes.length === lengths.length;
    lengths.forEach((len, i) => {
      const plain = i < nPlain;
      const ct = plain || allInner ? ctypes[i] : undefined;
      const r: { -readonly [K in keyof RecordInfo]: RecordInfo[K] } = { frame: p.num, fromClient, outer: plain ? ct ?? 0 : 23, length: len ?? 0 };
      if (ct !== undefined) r.type = ct;
      f.records.push(r);
    });
    if (ctypes.includes(20)) {
      for (let i = 0; i < ctypes.length; i++) if (ctypes[i] === 20 && outer.length === 0) f.ccs.push({ frame: p.num, fromClient });
    }
    const fv = this.vals(p, 'tls.tlslens.finished_verified');
    for (const v of fv) if (typeof v === 'boolean') f.finishedVerified.push({ frame: p.num, fromClient, ok: v });
    const hlen = this.vals(p, 'tls.handshake.length').map(num);
    // (an SSL 2.0 record has a version but no content type)
    const record = versions.length ? { type: ctypes[0] ?? 0, version: versions[0]! } : undefined;
    hs.forEach((type, i) => {
      if (type === undefined) return;
      const v: Partial<Record<FieldName, FieldValue[]>> = {};
      for (const n of F) {
        if (!n.startsWith('tls.handshake.') || n === 'tls.handshake.type' || n === 'tls.handshake.length') continue;
        const x = this.vals(p, n);
        if (x.length) v[n] = x.map((e) => (e instanceof Uint8Array ? e.slice() : e));
      }
      const nth = hs.slice(0, i).filter((t) => t === type).length;
      const m: { -readonly [K in keyof HsMessage]: HsMessage[K] } = { type, frame: p.num, ms, fromClient, v, nth };
      const l = hlen[i];
      if (l !== undefined) m.length = l;
      if (record) m.record = record;
      f.messages.push(m);
    });
    // the first HTTP request (client) and response (server) carried by this connection
    const method = str(this.first(p, 'http.request.method'));
    const h2method = str(this.first(p, 'http2.headers.method'));
    if (!f.request && (method || h2method)) {
      const h2 = !method;
      const r: { -readonly [K in keyof HttpSeen]: HttpSeen[K] } = { frame: p.num, h2 };
      const set = (k: 'method' | 'uri' | 'version' | 'host', n: FieldName) => { const s = str(this.first(p, n)); if (s !== undefined) r[k] = s; };
      if (h2) {
        set('method', 'http2.headers.method');
        set('uri', 'http2.headers.path');
        set('host', 'http2.headers.authority');
        r.version = 'HTTP/2';
      } else {
        set('method', 'http.request.method');
        set('uri', 'http.request.uri');
        set('version', 'http.request.version');
        set('host', 'http.host');
      }
      f.request = r;
    }
    const code = num(this.first(p, 'http.response.code'));
    const h2status = this.first(p, 'http2.headers.status');
    if (!f.response && (code !== undefined || h2status !== undefined)) {
      const r: { -readonly [K in keyof HttpSeen]: HttpSeen[K] } = { frame: p.num, h2: code === undefined };
      const st = code ?? Number(typeof h2status === 'string' ? h2status : num(h2status));
      if (Number.isFinite(st)) r.status = st;
      const ph = str(this.first(p, 'http.response.phrase'));
      if (ph !== undefined) r.phrase = ph;
      r.version = code === undefined ? 'HTTP/2' : str(this.first(p, 'http.response.version')) ?? 'HTTP/1.1';
      f.response = r;
    }
  }
}
