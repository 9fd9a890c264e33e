import type { CaptureFrame } from './capture/types.ts';
import type { Dissector } from './dissect.ts';
import { createRegistry, type Registry } from './fields/registry.ts';
import { EtherTypeTable, createEthernet } from './link/ethernet.ts';
import { FrameClock, dissectFrame, registerFrame, type FrameFields } from './link/frame.ts';
import { createNull, createRaw, createSll } from './link/sll.ts';
import { createLlc } from './link/llc.ts';
import { IpProtoTable } from './net/ipproto.ts';
import { createIpv4 } from './net/ipv4.ts';
import { createIpv6 } from './net/ipv6.ts';
import { Packet, type Wanted } from './packet.ts';
import { createData } from './transport/data.ts';
import { createUdp } from './transport/udp.ts';
import { createTcp } from './transport/tcp/index.ts';
import { segmentShard } from './transport/tcp/shard.ts';
import { registerBasicProtocols } from './basic-protocols.ts';
import { registerHttp } from './http/register.ts';
import { installTls, type TlsDissector } from './tls/dissector.ts';
import { installQuic } from './quic/index.ts';
import { TcpDispatcher } from './app/tcp-dispatch.ts';
import { createGtpU } from './app/gtp.ts';
import { createSocks } from './app/socks.ts';
import { createStartTls } from './app/starttls.ts';
import { registerTlsUpgradeApps } from './app/upgrade-apps.ts';
import { registerMetaFields } from './fields/meta.ts';
import type { AbsTime } from './fields/types.ts';
import type { TlsCrypto } from './crypto/types.ts';
import { createPureCrypto } from './crypto/pure.ts';
import { TlsKeyStore } from './decrypt/store.ts';
import type { KeyLog } from './decrypt/keys/keylog.ts';

/** Preferences, by Wireshark's names where one exists ("tls.keylog_file", "http.tls.port"). */
export type Prefs = ReadonlyMap<string, string>;

export interface EngineOptions {
  prefs?: Prefs;
  /** Decode-as rules such as "tcp.port==8443,tls". */
  decodeAs?: readonly string[];
  /** TLS key material (text/bytes, never paths): key logs and RSA private keys. */
  keys?: TlsKeyInput;
  /** Crypto backend for decryption (default: the pure-JS one; the CLI passes node:crypto's). */
  crypto?: TlsCrypto;
}

export interface TlsKeyInput {
  /** NSS key log files: name (for messages) and text. */
  keylogs?: readonly { readonly name: string; readonly text: string }[];
  /** An already-filled key log store (merged with keylogs). */
  keylog?: KeyLog;
  /** RSA private keys, PEM or DER, optionally with a password. */
  rsaKeys?: readonly { readonly name: string; readonly data: string | Uint8Array; readonly password?: string }[];
}

/**
 * The dissection engine for one capture: the field registry, every protocol and the
 * per-capture state (streams, reassembly). Frames must be given in capture order.
 */
export class Engine {
  readonly reg: Registry;
  readonly prefs: Prefs;
  private readonly frameFields: FrameFields;
  private readonly frameProto: number;
  private readonly clock = new FrameClock();
  private pcapng = false;
  private readonly links = new Map<number, Dissector>();
  private readonly data: Dissector;
  readonly ethertypes = new EtherTypeTable();
  readonly ipProtos = new IpProtoTable();
  readonly udp: ReturnType<typeof createUdp>;
  readonly tcp: ReturnType<typeof createTcp>;
  /** Routes TCP payload to TLS, HTTP, … by stream, port, decode-as and heuristics. */
  readonly tcpApps = new TcpDispatcher();
  /** The TLS dissector: `engine.tls.connection(conv)` gives a TCP conversation's TLS state (decryption status included). */
  readonly tls: TlsDissector;
  /** `_ws.col.*` and `_ws.expert*` pseudo-fields. */
  readonly meta: ReturnType<typeof registerMetaFields>;
  /** Formats the Time column for `_ws.col.Time` (the CLI sets it from -t). */
  columnTime: (ts: AbsTime, first: AbsTime) => string = (ts, first) => {
    const ns = (ts.s - first.s) * 1e9 + (ts.ns - first.ns);
    return (ns / 1e9).toFixed(6);
  };
  /** Decode-as rules that could not be applied, with why. */
  readonly decodeAsErrors: string[] = [];
  /**
   * Drop the TLS buffers, decoders and application parsers of a TCP conversation once both
   * sides have closed it (memory stays flat on long captures). Off by default: analyses that
   * read a connection's full decryption state at the end (explain) need it; a streaming
   * consumer (`tlslens read`) turns it on. The decryption status and counts are kept.
   */
  releaseClosed = false;
  /**
   * Which TCP streams (by tcp.stream) get their TLS records decrypted; undefined = all. The
   * others still feed their cleartext handshake to the key store (TLS ≤ 1.2 session IDs and
   * tickets → master secret, for a later resumption) but no record of theirs is decrypted, so
   * they cost what a keyless read costs. Set by analyses of one connection (explain, follow).
   */
  decryptStream: ((stream: number) => boolean) | undefined = undefined;
  /**
   * Which TCP streams get their decrypted application data dissected (HTTP…); undefined = all.
   * The others show it as "data" (`tlslens handshakes` only needs to know it decrypted).
   */
  tlsApplication: ((stream: number) => boolean) | undefined = undefined;

  private keyStore: TlsKeyStore | undefined;
  private readonly cryptoBackend: TlsCrypto | undefined;
  private pureCrypto: TlsCrypto | undefined;

  /** The crypto backend (QUIC Initial packets decrypt without key material). */
  get crypto(): TlsCrypto {
    return this.keyStore?.crypto ?? this.cryptoBackend ?? (this.pureCrypto ??= createPureCrypto());
  }

  /** TLS key material; undefined when none was given (no decryption work at all). */
  get tlsKeys(): TlsKeyStore | undefined {
    return this.keyStore;
  }

  /** Creates the key store on first use (key options, a pcapng Decryption Secrets Block). */
  keys(): TlsKeyStore {
    if (this.keyStore) return this.keyStore;
    const store = (this.keyStore = new TlsKeyStore(this.cryptoBackend ?? createPureCrypto()));
    if (this.shardOf) store.partial = this.conflict;
    return store;
  }

  private shardOf: { readonly count: number; readonly index: number } | undefined;
  /**
   * Set when this engine, as one shard of a parallel read, met something only the whole
   * capture can answer (a TLS session set up by a connection of another shard, a SOCKS proxy's
   * stream number): its output may differ from a serial read's from that frame on.
   */
  shardConflict: { readonly what: string; readonly frame: number } | undefined;
  private currentFrame = 0;
  private readonly conflict = (what: string): void => {
    this.shardConflict ??= { what, frame: this.currentFrame };
  };

  /**
   * Makes this engine shard `index` of `count` of a parallel read: it still reads every frame
   * (frame times, IP reassembly and tcp.stream numbers stay those of the whole capture) but
   * analyses only the TCP conversations with tcp.stream % count === index; `p.shard` says who
   * owns a packet (-1: no TCP, shard 0 prints it). See shardConflict.
   */
  setShard(count: number, index: number): void {
    this.shardOf = { count, index };
    this.tcp.setShard(count, index, this.conflict);
    if (this.keyStore) this.keyStore.partial = this.conflict;
  }

  /** A pcapng Decryption Secrets Block met while reading (before the packets it serves). */
  addSecrets(type: number, data: Uint8Array): void {
    this.keys().addDsb(type, data);
  }

  /** Whether key material can still arrive while reading (pcapng DSBs, a key log growing during a live capture). */
  get keysMayArrive(): boolean {
    return this.pcapng || this.keyStore?.lateKeys === true;
  }

  /** Key log text learnt while reading (a key log file growing during a live capture). */
  addKeyLog(text: string, source = 'key log'): number {
    return this.keys().keylog.addText(text, source);
  }

  /** Problems with the key material so far: bad key log lines (with line numbers), unreadable keys. */
  keyWarnings(): string[] {
    const k = this.keyStore;
    if (!k) return [];
    return [...k.keylog.warnings.map((w) => `${w.source}${w.line ? `:${w.line}` : ''}: ${w.message}`), ...k.warnings];
  }

  constructor(opts: EngineOptions = {}) {
    this.prefs = opts.prefs ?? new Map();
    this.cryptoBackend = opts.crypto;
    const ki = opts.keys;
    if (ki && ((ki.keylogs?.length ?? 0) > 0 || ki.keylog || (ki.rsaKeys?.length ?? 0) > 0)) {
      const store = this.keys();
      if (ki.keylog) store.keylog.merge(ki.keylog);
      for (const k of ki.keylogs ?? []) store.keylog.addText(k.text, k.name);
      for (const k of ki.rsaKeys ?? []) store.addRsaKey(k.data, k.name, k.password);
    }
    const reg = (this.reg = createRegistry());
    this.frameProto = reg.protocol('frame', 'Frame');
    this.frameFields = registerFrame(reg);
    this.data = createData(reg);
    this.meta = registerMetaFields(reg);
    let ip6: Dissector | undefined;
    const ip4 = createIpv4(reg, this.ipProtos, this.data, () => ip6!);
    const ipv6 = createIpv6(reg, this.ipProtos, this.data, () => ip4.dissect);
    ip6 = ipv6.dissect;
    this.ethertypes.set(0x0800, ip4.dissect);
    this.ethertypes.set(0x86dd, ipv6.dissect);
    const eth = createEthernet(reg, this.ethertypes, this.data);
    const sll = createSll(reg, eth.next);
    const nul = createNull(reg, ip4.dissect, ipv6.dissect, this.data);
    const raw = createRaw(reg, ip4.dissect, ipv6.dissect, this.data);
    this.links.set(1, eth.dissect);
    this.links.set(113, sll.sll);
    this.links.set(276, sll.sll2);
    this.links.set(0, nul.null);
    this.links.set(108, nul.loop);
    for (const lt of [101, 12, 14, 228, 229]) this.links.set(lt, raw);
    const llc = createLlc(reg, this.ethertypes, ip4.dissect, this.data);
    this.links.set(10, llc.fddi);
    this.links.set(6, llc.tokenRing);
    this.links.set(107, llc.frameRelay);
    this.udp = createUdp(reg, this.data);
    this.ipProtos.set(17, this.udp.dissect);
    this.udp.port(2152, createGtpU(reg, ip4.dissect, ipv6.dissect, this.data));
    this.tcp = createTcp(reg, { prefs: this.prefs, decodeAs: opts.decodeAs ?? [], data: this.data });
    this.ipProtos.set(6, this.tcp.dissect);
    this.tcp.setPayloadHandler(this.tcpApps.handler);
    this.tcp.setEndHandler(this.tcpApps.endHandler);
    this.tcp.setCloseHandler((conv) => {
      if (!this.releaseClosed) return;
      conv.reasm[0] = undefined;
      conv.reasm[1] = undefined;
      this.tls.release(conv);
    });
    registerBasicProtocols(this);
    registerHttp(this);
    this.tls = installTls(this);
    installQuic(this);
    this.tcpApps.register({ name: 'socks', handle: createSocks(reg, this.tcp, this.tcpApps) }, [1080]);
    const starttls = createStartTls(reg, this.tcpApps);
    this.tcpApps.register({ name: 'starttls', handle: starttls.handler }, starttls.ports);
    registerTlsUpgradeApps(reg, this.tcpApps);
    // application protocols register with tcpApps above; decode-as rules apply on top
    for (const rule of opts.decodeAs ?? []) {
      const err = this.tcpApps.decodeAs(rule);
      if (err) this.decodeAsErrors.push(err);
    }
  }

  /** The dissector for undissected payload ("data"). */
  get dataDissector(): Dissector {
    return this.data;
  }

  /** Dissects the next frame of the capture. `num` is its 1-based frame number. */
  dissect(frame: CaptureFrame, num: number, wanted: Wanted): Packet {
    this.currentFrame = num;
    const p = new Packet({ num, ts: frame.ts, data: frame.data, origLen: frame.origLen, linktype: frame.linktype, ifaceId: frame.ifaceId, wanted });
    dissectFrame(p, this.frameFields, this.clock, this.frameProto, frame.comments, this.pcapng);
    const link = this.links.get(frame.linktype);
    if (link) {
      try {
        link(p, frame.data, 0, frame.data.length);
      } catch (e) {
        // a dissector bug must not stop the capture: report it on the packet, like Wireshark's "Malformed Packet"
        p.expert('error', 'Malformed', `Dissector exception: ${(e as Error).message}`);
        if (p.wantCols) p.colInfo = `[Malformed Packet: ${(e as Error).message}]`;
      }
    } else {
      p.colProtocol = `WTAP_ENCAP = ${frame.linktype}`;
      this.data(p, frame.data, 0, frame.data.length);
    }
    // frame.protocols is known only now; in the tree it belongs to the frame node
    if (p.wants(this.frameFields.protocols)) {
      const node = p.add(this.frameFields.protocols, p.protocols.join(':'), 0, 0);
      if (node) {
        p.roots.pop();
        p.roots[0]?.children?.push(node);
      }
    }
    this.meta.addExperts(p);
    // the Time column's text only for a consumer of the _ws.col.* fields (the text printer makes its own)
    if (p.wantCols && p.wantsAny(this.meta.colIds)) this.meta.addColumns(p, this.columnTime(p.ts, this.clock.first ?? p.ts));
    return p;
  }

  /**
   * A shard's shortcut (setShard): true when the frame is certainly another shard's TCP segment
   * that changes nothing this shard keeps (Ethernet, IPv4 unfragmented, TCP without SYN, of a
   * conversation whose both directions are known): only the frame clock moves on, no dissection.
   * false: dissect it (which also tells whose it is).
   */
  skim(frame: CaptureFrame, num: number): boolean {
    const so = this.shardOf;
    if (so === undefined || frame.linktype !== 1) return false;
    const owner = segmentShard(frame.data, this.tcp);
    if (owner < 0 || owner === so.index) return false;
    this.currentFrame = num;
    this.clock.tick(frame.ts);
    return true;
  }

  /** Tells the engine what kind of file the frames come from (pcapng frames carry an interface id). */
  setFileFormat(format: string): void {
    this.pcapng = format === 'pcapng';
  }

  /** Ends the capture: holes still open in TCP streams become gaps for the upper layers. */
  finish(): void {
    this.tcp.flush();
  }

  /** Tells the engine that a frame was displayed (for frame.time_delta_displayed). */
  displayed(p: Packet | { readonly ts: AbsTime }): void {
    this.clock.prevDisplayed = p.ts;
  }
}
