import type { Registry } from '../fields/registry.ts';
import type { TcpConversation, TcpPayloadHandler } from '../transport/tcp/index.ts';
import type { TlsUpgrade } from './upgrade.ts';

/**
 * PostgreSQL (TCP 5432), as far as TLS needs: the client's first message has no type byte
 * (startup message, SSLRequest, GSSENCRequest, CancelRequest); later messages are a type byte
 * and a 4-byte length. The server answers an SSLRequest with one byte, 'S' (the rest of the
 * stream is TLS) or 'N'. Info is the direction and the message types, like Wireshark's
 * (">Q", "<C/Z").
 */
export const PGSQL_PORT = 5432;
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

const FRONTEND: Record<string, string> = {
  Q: 'Simple query', P: 'Parse', B: 'Bind', E: 'Execute', D: 'Describe', C: 'Close', S: 'Sync', H: 'Flush',
  X: 'Termination', p: 'Password message', F: 'Function call', d: 'Copy data', c: 'Copy completion', f: 'Copy failure',
};
const BACKEND: Record<string, string> = {
  R: 'Authentication request', K: 'Backend key data', S: 'Parameter status', Z: 'Ready for query', T: 'Row description',
  D: 'Data row', C: 'Command completion', E: 'Error', N: 'Notice', '1': 'Parse completion', '2': 'Bind completion',
  '3': 'Close completion', I: 'Empty query', n: 'No data', s: 'Portal suspended', t: 'Parameter description',
  A: 'Notification', G: 'Copy in response', H: 'Copy out response', W: 'Copy both response', V: 'Function call response',
  d: 'Copy data', c: 'Copy completion',
};

interface State {
  /** The client's first (untyped) message has been seen. */
  started: boolean;
  /** An SSLRequest is waiting for the server's one-byte answer. */
  sslPending: boolean;
}

export function createPgsql(reg: Registry, upgrade: TlsUpgrade): TcpPayloadHandler {
  const proto = reg.protocol('pgsql', 'PostgreSQL');
  const f = reg.fields('pgsql', {
    type: { name: 'Type', type: 'string' },
    length: { name: 'Length', type: 'uint32' },
  });
  const states = new WeakMap<TcpConversation, State>();

  // the protocol's own bytes: before the switch, and what TLS decrypts after it
  const dissect: TcpPayloadHandler = (p, data, off, end, seg) => {
    if (end <= off) return 0;
    const fromClient = seg.dstport === PGSQL_PORT;
    let st = states.get(seg.conv);
    if (!st) states.set(seg.conv, (st = { started: false, sslPending: false }));
    const types: string[] = [];
    let o = off;
    if (!fromClient && st.sslPending && end - off === 1) {
      // the answer to SSLRequest: Wireshark shows it in the columns only
      st.sslPending = false;
      if (data[off] === 0x53) upgrade.start(seg.conv, p.num, payload);
      if (p.wantCols) {
        p.colProtocol = 'PGSQL';
        p.colInfo = '<';
      }
      return end - off;
    }
    p.protocols.push('pgsql');
    while (o < end) {
      if (fromClient && !st.started) {
        if (end - o < 8) break;
        const len = u32(data, o);
        const code = u32(data, o + 4);
        const name = code === SSL_REQUEST ? 'SSL request' : code === GSSENC_REQUEST ? 'GSS encrypt request' : code === CANCEL_REQUEST ? 'Cancel request' : 'Startup message';
        const pe = Math.min(end, o + Math.max(len, 8));
        p.proto(proto, data, o, pe - o);
        p.add(f.type, name, o, 0);
        p.add(f.length, len, o, 4);
        p.close();
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) st.sslPending = code === SSL_REQUEST;
        else st.started = true;
        o = pe;
        continue;
      }
      if (end - o < 5) break;
      const t = String.fromCharCode(data[o]!);
      const len = u32(data, o + 1);
      const pe = Math.min(end, o + 1 + Math.max(len, 4));
      p.proto(proto, data, o, pe - o);
      p.add(f.type, (fromClient ? FRONTEND : BACKEND)[t] ?? 'Unknown', o, 1);
      p.add(f.length, len, o + 1, 4);
      p.close();
      types.push(t);
      o = pe;
    }
    if (p.wantCols) {
      p.colProtocol = 'PGSQL';
      p.colInfo = (fromClient ? '>' : '<') + types.join('/');
    }
    return end - off;
  };
  const payload = { protoName: 'PostgreSQL', handle: dissect };
  return (p, data, off, end, seg) => upgrade.handle(p, data, off, end, seg) ?? dissect(p, data, off, end, seg);
}

function u32(d: Uint8Array, o: number): number {
  return ((d[o]! << 24) | (d[o + 1]! << 16) | (d[o + 2]! << 8) | d[o + 3]!) >>> 0;
}
