import type { Registry } from '../fields/registry.ts';
import type { TcpConversation, TcpPayloadHandler } from '../transport/tcp/index.ts';
import { latin1, type TlsUpgrade } from './upgrade.ts';

/**
 * XMPP client connections (TCP 5222, RFC 6120), as far as TLS needs: each segment's XML is
 * summarised by its first element (Wireshark's "STREAM > example.org", "FEATURES",
 * "STARTTLS", "PROCEED") with the namespaces it declares. A <starttls/> from the client
 * answered by <proceed/> from the server (RFC 6120 §5.4) switches the rest of the stream to TLS.
 */
export const XMPP_PORT = 5222;
const TLS_NS = 'urn:ietf:params:xml:ns:xmpp-tls';
const NO_SPACE = new Set(['auth', 'challenge', 'response', 'success', 'abort']);

/** Where the first top-level element ends (the text's length when it does not). */
function firstElementEnd(text: string): number {
  let depth = 0;
  for (const t of text.matchAll(/<(\/?)([A-Za-z_][^\s/>]*)[^>]*?(\/?)>/g)) {
    if (t[1]) depth--;
    else if (!t[3]) depth++;
    if (depth <= 0) return t.index! + t[0].length;
  }
  return text.length;
}

/** How many elements start at depth 0 (the XML declaration and comments aside). */
function topLevel(text: string): number {
  let depth = 0;
  let n = 0;
  for (const t of text.matchAll(/<(\/?)([A-Za-z_][^\s/>]*)[^>]*?(\/?)>/g)) {
    if (t[1]) depth = Math.max(0, depth - 1);
    else {
      if (depth === 0) n++;
      if (!t[3]) depth++;
    }
  }
  return n;
}

export function createXmpp(reg: Registry, upgrade: TlsUpgrade): TcpPayloadHandler {
  const proto = reg.protocol('xmpp', 'XMPP Protocol');
  const f = reg.fields('xmpp', {
    xmlns: { name: 'xmlns', type: 'string' },
    stream: { name: 'STREAM', type: 'none' },
    features: { name: 'FEATURES', type: 'none' },
    starttls: { name: 'STARTTLS', type: 'none' },
    proceed: { name: 'PROCEED', type: 'none' },
  });
  const requested = new WeakMap<TcpConversation, boolean>();
  const elementField: Record<string, number> = { stream: f.stream, features: f.features, starttls: f.starttls, proceed: f.proceed };

  // the protocol's own bytes: before the switch, and what TLS decrypts after it
  const dissect: TcpPayloadHandler = (p, data, off, end, seg) => {
    const text = latin1(data, off, end);
    if (!/^\s*</.test(text)) return 0;
    const fromClient = seg.dstport === XMPP_PORT;
    p.protocols.push('xmpp', 'xml');
    p.proto(proto, data, off, end - off);
    // the first element that is not the XML declaration or a closing tag
    const m = /<([A-Za-z_][\w.-]*(?::[\w.-]+)?)([^>]*)>/.exec(text.replace(/<\?[^>]*\?>/g, (s) => ' '.repeat(s.length)));
    const qname = m?.[1] ?? '';
    const local = qname.includes(':') ? qname.slice(qname.indexOf(':') + 1) : qname;
    const attrs = m?.[2] ?? '';
    const fid = elementField[local];
    if (fid !== undefined && m) p.add(fid, null, off + m.index, m[0].length);
    // each element's namespace declarations: the default namespace first, then prefixed ones
    // (with several top-level elements, Wireshark reads the first one only)
    const scan = topLevel(text) > 1 && local !== 'stream' ? text.slice(0, firstElementEnd(text)) : text;
    for (const tag of scan.matchAll(/<[A-Za-z_][^>]*>/g)) {
      const decls = [...tag[0].matchAll(/\sxmlns(:[\w.-]+)?\s*=\s*(['"])(.*?)\2/g)];
      for (const a of [...decls.filter((d) => !d[1]), ...decls.filter((d) => d[1])]) {
        p.add(f.xmlns, a[3]!, off + tag.index! + a.index! + 1, a[0].length - 1);
      }
    }
    p.close();
    // Info as Wireshark's: SASL elements without the trailing space, several top-level elements
    // (other than an opening <stream:stream>) as "UNKNOWN PACKET", the closing tag as "STREAM END"
    let info = NO_SPACE.has(local) ? local.toUpperCase() : `${local.toUpperCase()} `;
    if (local === 'stream') {
      const peer = new RegExp(`\\s${fromClient ? 'to' : 'from'}\\s*=\\s*(['"])(.*?)\\1`).exec(attrs)?.[2] ?? '';
      info = `STREAM ${fromClient ? '>' : '<'} ${peer} `;
    } else if (!m && /^\s*<\/(?:[\w.-]+:)?stream\s*>/.test(text)) {
      info = 'STREAM END';
    } else if (topLevel(text) > 1) {
      info = 'UNKNOWN PACKET ';
    }
    if (fromClient && local === 'starttls' && attrs.includes(TLS_NS)) requested.set(seg.conv, true);
    else if (!fromClient && requested.get(seg.conv) && (local === 'proceed' || local === 'failure')) {
      requested.delete(seg.conv);
      if (local === 'proceed') upgrade.start(seg.conv, p.num, payload);
    }
    if (p.wantCols) {
      p.colProtocol = 'XMPP/XML';
      p.colInfo = info;
    }
    return end - off;
  };
  const payload = { protoName: 'XMPP Protocol', handle: dissect };
  return (p, data, off, end, seg) => upgrade.handle(p, data, off, end, seg) ?? dissect(p, data, off, end, seg);
}
