import type { TcpConversation, TcpEndHandler, TcpPayloadHandler, TcpSegment } from '../transport/tcp/index.ts';

/** An application protocol over TCP (TLS, HTTP, …). */
export interface TcpApp {
  readonly name: string;
  /** Dissects a payload segment of a stream the app owns; returns bytes consumed (0 = not mine). */
  readonly handle: TcpPayloadHandler;
  /**
   * Optional heuristic, asked about the first payload of a stream no port claimed:
   * true when the bytes look like this protocol.
   */
  readonly heuristic?: (data: Uint8Array, offset: number, end: number, seg: TcpSegment) => boolean;
  /** Optional: the stream's direction `seg.dir` ended with a FIN that carried no data. */
  readonly end?: TcpEndHandler;
}

/** Where TLS hands the decrypted application data of a stream that a protocol upgraded to TLS. */
export interface TlsPayloadApp {
  /** Protocol name for tls.app_data_proto ("PostgreSQL"). */
  readonly protoName: string;
  /** Dissects decrypted bytes [offset, end) of the segment's direction. */
  readonly handle: TcpPayloadHandler;
}

/**
 * Routes TCP payload to application dissectors the way Wireshark does by default: the
 * stream's protocol once known, else the lower port's protocol, then the higher port's,
 * then heuristics, else "data". Decode-as rules (`-d tcp.port==8443,tls`) override the
 * port tables.
 */
export class TcpDispatcher {
  private readonly apps = new Map<string, TcpApp>();
  private readonly ports = new Map<number, TcpApp>();
  private readonly heuristics: TcpApp[] = [];
  private readonly owner = new WeakMap<TcpConversation, TcpApp | null>();
  private readonly tlsPayloads = new WeakMap<TcpConversation, TlsPayloadApp>();

  /** Registers an app on default ports (Wireshark's port tables) and, optionally, as a heuristic. */
  register(app: TcpApp, ports: readonly number[] = []): void {
    this.apps.set(app.name, app);
    for (const p of ports) this.ports.set(p, app);
    if (app.heuristic) this.heuristics.push(app);
  }

  app(name: string): TcpApp | undefined {
    return this.apps.get(name);
  }

  /** The app registered (or decoded-as) on a port. */
  appForPort(port: number): TcpApp | undefined {
    return this.ports.get(port);
  }

  /** Applies a decode-as rule; returns an error message for a rule it cannot apply. */
  decodeAs(rule: string): string | undefined {
    const m = /^\s*tcp\.port\s*==\s*(\d+)(?:\s*-\s*(\d+))?\s*,\s*([\w.-]+)\s*$/.exec(rule);
    if (!m) return `"${rule}" is not a valid decode-as rule (expected tcp.port==N[-M],PROTOCOL)`;
    const name = m[3]!.toLowerCase() === 'ssl' ? 'tls' : m[3]!.toLowerCase();
    const app = this.apps.get(name);
    if (!app) return `"${m[3]}" is not a protocol that tlslens can decode over TCP (known: ${[...this.apps.keys()].join(', ')})`;
    const lo = Number(m[1]);
    const hi = m[2] !== undefined ? Number(m[2]) : lo;
    if (lo > 65535 || hi > 65535 || hi < lo) return `"${rule}": bad port range`;
    for (let p = lo; p <= hi; p++) this.ports.set(p, app);
    return undefined;
  }

  /** Claims a stream for an app (e.g. TLS handing its plaintext to HTTP is separate; this is for STARTTLS-like switches). */
  claim(conv: TcpConversation, name: string): void {
    const app = this.apps.get(name);
    if (app) this.owner.set(conv, app);
  }

  /** A protocol switched the stream to TLS (STARTTLS-like): TLS gives it the decrypted data. */
  setTlsPayload(conv: TcpConversation, app: TlsPayloadApp): void {
    this.tlsPayloads.set(conv, app);
  }

  /** The protocol for a stream's decrypted TLS data, when one upgraded it. */
  tlsPayload(conv: TcpConversation): TlsPayloadApp | undefined {
    return this.tlsPayloads.get(conv);
  }

  /** A data-less FIN goes to the app that owns the stream. */
  readonly endHandler: TcpEndHandler = (p, seg) => {
    this.owner.get(seg.conv)?.end?.(p, seg);
  };

  readonly handler: TcpPayloadHandler = (p, data, offset, end, seg) => {
    const known = this.owner.get(seg.conv);
    if (known) return known.handle(p, data, offset, end, seg);
    if (known === null) return 0;
    const lo = Math.min(seg.srcport, seg.dstport);
    const hi = Math.max(seg.srcport, seg.dstport);
    for (const port of lo === hi ? [lo] : [lo, hi]) {
      const app = this.ports.get(port);
      if (!app) continue;
      const used = app.handle(p, data, offset, end, seg);
      if (used > 0) {
        this.owner.set(seg.conv, app);
        return used;
      }
    }
    for (const app of this.heuristics) {
      if (app.heuristic!(data, offset, end, seg)) {
        const used = app.handle(p, data, offset, end, seg);
        if (used > 0) {
          this.owner.set(seg.conv, app);
          return used;
        }
      }
    }
    return 0;
  };
}
