import type { Packet } from '../packet.ts';
import type { TcpConversation, TcpSegment } from '../transport/tcp/index.ts';
import type { TcpApp, TcpDispatcher } from './tcp-dispatch.ts';

/** An HTTP connection that became a CONNECT tunnel. */
export interface TunnelTarget {
  /** The port of the CONNECT target (undefined when the request named none). */
  readonly port: number | undefined;
  /** Adds http.proxy_connect_host/port to a packet. */
  addFields(p: Packet): void;
}

/**
 * Hands the bytes of a tunnel to a protocol; returns the bytes it used (0: none took them).
 * `fromClient`: the segment goes from the HTTP client to the proxy.
 */
export type TunnelHandoff = (t: TunnelTarget, fromClient: boolean, p: Packet, data: Uint8Array, off: number, end: number, seg: TcpSegment) => number;

/**
 * What runs inside an HTTP CONNECT tunnel, as Wireshark's HTTP dissector does it: the proxy's
 * port is replaced by the CONNECT target's port (ts01.example:443 → 443) and the TCP port
 * tables pick the protocol, else TLS when the first bytes are a TLS handshake record. TLS
 * then sees the target port (so http.tls.port decides what its plaintext is). Where the
 * tunnelled protocol dissects something, "http" precedes it in frame.protocols and the
 * packet gets the proxy fields, as in tshark.
 */
export function createConnectTunnel(apps: TcpDispatcher): TunnelHandoff {
  const chosen = new WeakMap<TcpConversation, TcpApp | null>();
  return (t, fromClient, p, data, off, end, seg) => {
    if (t.port === undefined) return 0;
    let app = chosen.get(seg.conv);
    if (app === undefined) {
      if (end - off <= 0) return 0;
      const byPort = apps.appForPort(t.port);
      app = byPort && byPort.name !== 'http' ? byPort : looksLikeTlsHandshake(data, off, end) ? (apps.app('tls') ?? null) : null;
      chosen.set(seg.conv, app);
    }
    if (!app) return 0;
    const port = t.port;
    const inner: TcpSegment = Object.create(seg, fromClient ? { dstport: { value: port } } : { srcport: { value: port } });
    const before = p.protocols.length;
    const used = app.handle(p, data, off, end, inner);
    // one HTTP call per call of the tunnelled protocol (a reassembled record, then the rest of the segment)
    const name = app.name;
    for (let i = p.protocols.length - 1; i >= before; i--) {
      if (p.protocols[i] !== name) continue;
      p.protocols.splice(i, 0, 'http');
      t.addFields(p);
    }
    return used;
  };
}

function looksLikeTlsHandshake(d: Uint8Array, o: number, e: number): boolean {
  return e - o >= 6 && d[o] === 22 && d[o + 1] === 3 && d[o + 2]! <= 4;
}
