import type { Packet } from '../packet.ts';
import type { TcpConversation, TcpSegment } from '../transport/tcp/index.ts';
import type { TcpDispatcher, TlsPayloadApp } from './tcp-dispatch.ts';

/**
 * Streams that switch to TLS in the middle (MySQL SSL request, PostgreSQL SSLRequest, LDAP
 * StartTLS, XMPP STARTTLS): once the pre-TLS protocol has seen the switch agreed on in frame
 * N, every later segment of the stream, in both directions, belongs to TLS — Wireshark's
 * "last non-TLS frame" rule.
 */
export class TlsUpgrade {
  private readonly after = new WeakMap<TcpConversation, number>();

  constructor(private readonly apps: TcpDispatcher) {}

  /**
   * TLS starts after frame `num` (the first call wins); `payload` dissects what TLS decrypts
   * (the same protocol, as Wireshark does after STARTTLS).
   */
  start(conv: TcpConversation, num: number, payload?: TlsPayloadApp): void {
    if (this.after.has(conv)) return;
    this.after.set(conv, num);
    if (payload) this.apps.setTlsPayload(conv, payload);
  }

  /**
   * Hands the segment to TLS when the stream has switched before this frame; returns the
   * bytes TLS used, or undefined when the segment still belongs to the pre-TLS protocol.
   */
  handle(p: Packet, data: Uint8Array, off: number, end: number, seg: TcpSegment): number | undefined {
    const n = this.after.get(seg.conv);
    if (n === undefined || p.num <= n) return undefined;
    const tls = this.apps.app('tls');
    return tls ? tls.handle(p, data, off, end, seg) : 0;
  }
}

/** Latin-1 text of data[o, e). */
export function latin1(d: Uint8Array, o: number, e: number): string {
  let s = '';
  for (let i = o; i < e; i++) s += String.fromCharCode(d[i]!);
  return s;
}
