import type { Registry } from '../fields/registry.ts';
import type { TcpConversation, TcpPayloadHandler } from '../transport/tcp/index.ts';
import { latin1, type TlsUpgrade } from './upgrade.ts';

/**
 * MySQL (TCP 3306), only as far as TLS needs: packets are a 3-byte little-endian length and
 * a sequence number; the server greeting and the client's login request are dissected. A
 * login request that stops after the character set and filler (32 bytes) with the "Switch
 * to SSL after handshake" capability is the SSL request: the rest of the stream is TLS.
 * Other packets are shown as MySQL with their header only.
 */
export const MYSQL_PORT = 3306;
const CAP_SSL = 0x0800;
const CAP_WITH_DB = 0x0008;
const CAP_SECURE = 0x8000;
/** Command bytes (MySQL client/server protocol, COM_*), with Wireshark's names for the common ones. */
const COMMANDS: Record<number, string> = { 1: 'Quit', 2: 'Use Database', 3: 'Query', 4: 'Show Fields', 14: 'Ping' };

export function createMysql(reg: Registry, upgrade: TlsUpgrade): TcpPayloadHandler {
  const proto = reg.protocol('mysql', 'MySQL Protocol');
  const f = reg.fields('mysql', {
    packet_length: { name: 'Packet Length', type: 'uint24' },
    packet_number: { name: 'Packet Number', type: 'uint8' },
    protocol: { name: 'Protocol', type: 'uint8' },
    version: { name: 'Version', type: 'string' },
    thread_id: { name: 'Thread ID', type: 'uint32' },
    'caps.server': { name: 'Server Capabilities', type: 'uint16', base: 'hex' },
    'caps.client': { name: 'Client Capabilities', type: 'uint16', base: 'hex' },
    'caps.sl': { name: 'Switch to SSL after handshake', type: 'bool', mask: CAP_SSL, maskWidth: 16 },
    login_request: { name: 'Login Request', type: 'none' },
    max_packet: { name: 'MAX Packet', type: 'uint32' },
    user: { name: 'Username', type: 'string' },
    command: { name: 'Command', type: 'uint8', vals: COMMANDS },
    schema: { name: 'Schema', type: 'string' },
    response_code: { name: 'Response Code', type: 'uint8', base: 'hex' },
    error_code: { name: 'Error Code', type: 'uint16' },
  });
  const seen = new WeakSet<TcpConversation>();
  /** The client's next packet is its login request (after the greeting, and again after the SSL request). */
  const loginNext = new WeakMap<TcpConversation, boolean>();

  // the protocol's own bytes: before the switch, and what TLS decrypts after it
  const dissect: TcpPayloadHandler = (p, data, off, end, seg) => {
    if (end - off < 4) return 0;
    if (!seen.has(seg.conv)) {
      // the first bytes must hold a plausible packet header
      const len = data[off]! | (data[off + 1]! << 8) | (data[off + 2]! << 16);
      if (len === 0 || data[off + 3]! > 1) return 0;
      seen.add(seg.conv);
    }
    const fromServer = seg.srcport === MYSQL_PORT && seg.dstport !== MYSQL_PORT;
    p.protocols.push('mysql');
    let info = '';
    let o = off;
    while (o + 4 <= end) {
      const len = data[o]! | (data[o + 1]! << 8) | (data[o + 2]! << 16);
      const num = data[o + 3]!;
      const pe = Math.min(end, o + 4 + len);
      p.proto(proto, data, o, pe - o);
      p.add(f.packet_length, len, o, 3);
      p.add(f.packet_number, num, o + 3, 1);
      const b = o + 4;
      if (fromServer && num === 0 && pe - b >= 1 && (data[b] === 10 || data[b] === 9)) {
        let z = b + 1;
        while (z < pe && data[z] !== 0) z++;
        const version = latin1(data, b + 1, z);
        p.add(f.protocol, data[b]!, b, 1);
        p.add(f.version, version, b + 1, z + 1 - (b + 1));
        if (z + 5 <= pe) p.add(f.thread_id, u32le(data, z + 1), z + 1, 4);
        if (z + 16 <= pe) p.add(f['caps.server'], data[z + 14]! | (data[z + 15]! << 8), z + 14, 2);
        info = `Server Greeting  proto=${data[b]} version=${version} `;
        loginNext.set(seg.conv, true);
      } else if (!fromServer && (loginNext.get(seg.conv) ?? num === 1) && pe - b >= 4) {
        loginNext.set(seg.conv, false);
        const caps = data[b]! | (data[b + 1]! << 8);
        p.add(f.login_request, null, b, pe - b);
        p.add(f['caps.client'], caps, b, 2);
        p.add(f['caps.sl'], (caps & CAP_SSL) !== 0, b, 2);
        if (pe - b >= 8) p.add(f.max_packet, u32le(data, b + 4), b + 4, 4);
        if ((caps & CAP_SSL) !== 0 && len === 32) {
          info = 'Response: SSL Handshake user= ';
          loginNext.set(seg.conv, true);
          upgrade.start(seg.conv, p.num, payload);
        } else {
          let z = b + 32;
          while (z < pe && data[z] !== 0) z++;
          const user = b + 32 <= pe ? latin1(data, b + 32, z) : '';
          if (b + 32 < pe) p.add(f.user, user, b + 32, Math.min(pe, z + 1) - (b + 32));
          info = `Login Request user=${user} `;
          // the auth response (a 1-byte length with 4.1 authentication), then the schema
          const a = z + 1;
          if ((caps & CAP_WITH_DB) !== 0 && (caps & CAP_SECURE) !== 0 && a < pe && a + 1 + data[a]! < pe) {
            const d = a + 1 + data[a]!;
            let dz = d;
            while (dz < pe && data[dz] !== 0) dz++;
            const db = latin1(data, d, dz);
            p.add(f.schema, db, d, Math.min(pe, dz + 1) - d);
            if (db) info += `db=${db} `;
          }
        }
      } else if (!fromServer && pe > b) {
        // a command packet: the command byte, then its arguments
        const cmd = data[b]!;
        p.add(f.command, cmd, b, 1);
        if (cmd === 2) p.add(f.schema, latin1(data, b + 1, pe), b + 1, pe - b - 1);
        if (!info) info = `Request ${COMMANDS[cmd] ?? `Unknown (${cmd})`}`;
      } else if (fromServer && pe > b) {
        // OK, error, or the first packet of a result set (a column count)
        const code = data[b]!;
        if (code === 0x00 || code === 0xff || (code === 0xfe && len < 9)) p.add(f.response_code, code, b, 1);
        if (code === 0xff && pe - b >= 3) p.add(f.error_code, data[b + 1]! | (data[b + 2]! << 8), b + 1, 2);
        if (!info && code !== 0xfe) info = code === 0x00 ? 'Response  OK ' : code === 0xff ? `Response  Error ${data[b + 1]! | (data[b + 2]! << 8)} ` : 'Response TABULAR Response ';
      }
      p.close();
      o = pe;
    }
    if (p.wantCols) {
      p.colProtocol = 'MySQL';
      p.colInfo = info;
    }
    return end - off;
  };
  const payload = { protoName: 'MySQL Protocol', handle: dissect };
  return (p, data, off, end, seg) => upgrade.handle(p, data, off, end, seg) ?? dissect(p, data, off, end, seg);
}

function u32le(d: Uint8Array, o: number): number {
  return (d[o]! | (d[o + 1]! << 8) | (d[o + 2]! << 16) | (d[o + 3]! << 24)) >>> 0;
}
