import { u16 } from '../bytes/read.ts';
import type { Registry } from '../fields/registry.ts';

import { GENERATED } from '../packet.ts';
import type { Tcp, TcpConversation, TcpPayloadHandler } from '../transport/tcp/index.ts';
import type { TcpDispatcher } from './tcp-dispatch.ts';

/**
 * SOCKS 4/4a/5 (RFC 1928) on TCP 1080: the CONNECT exchange, then the proxied bytes go to
 * the protocol of the remote port (443 → TLS), as Wireshark does. Like Wireshark, the
 * proxied conversation uses up one tcp.stream index when its first data arrives.
 */
interface SocksState {
  version: number;
  /** 0 = client greeting/request expected, 1 = server reply expected, 2 = (v5) request after auth, 3 = established */
  phase: number;
  remotePort: number;
  remoteAddr: number;
  proxied: boolean;
}

export function createSocks(reg: Registry, tcp: Tcp, apps: TcpDispatcher): TcpPayloadHandler {
  const proto = reg.protocol('socks', 'Socks Protocol');
  const f = reg.fields('socks', {
    version: { name: 'Version', type: 'uint8' },
    command: { name: 'Command', type: 'uint8', vals: { 1: 'Connect', 2: 'Bind', 3: 'UdpAssociate', 0x80: 'Ping', 0x81: 'Traceroute' } },
    dstport: { name: 'Remote Port', type: 'uint16' },
    dst: { name: 'Remote Address', type: 'ipv4' },
    dstV6: { name: 'Remote Address(ipv6)', type: 'ipv6' },
    username: { name: 'User name', type: 'string' },
    v4a_dns_name: { name: 'SOCKS v4a Remote Domain Name', type: 'string' },
    results: { name: 'Results(V4)', type: 'uint8', vals: { 90: 'Granted', 91: 'Rejected or Failed', 92: "Rejected because SOCKS server cannot connect to identd on the client", 93: 'Rejected because the client program and identd report different user-ids' } },
    auth_method_count: { name: 'Authentication Method Count', type: 'uint8' },
    auth_method: { name: 'Method', type: 'uint8' },
    auth_accepted_method: { name: 'Accepted Auth Method', type: 'uint8' },
    reserved: { name: 'Reserved', type: 'uint8' },
    address_type: { name: 'Address Type', type: 'uint8', vals: { 1: 'IPv4', 3: 'Domain Name', 4: 'IPv6' } },
    remote_name: { name: 'Remote name', type: 'string' },
    port: { name: 'Port', type: 'uint16' },
  });
  const states = new WeakMap<TcpConversation, SocksState>();

  const cstr = (d: Uint8Array, o: number, end: number): [string, number] => {
    let e = o;
    while (e < end && d[e] !== 0) e++;
    let s = '';
    for (let i = o; i < e; i++) s += String.fromCharCode(d[i]!);
    return [s, e + 1];
  };

  return (p, data, off, end, seg) => {
    let st = states.get(seg.conv);
    if (!st) {
      const v = data[off];
      if (v !== 4 && v !== 5) return 0;
      st = { version: v, phase: 0, remotePort: 0, remoteAddr: 0, proxied: false };
      states.set(seg.conv, st);
    }
    const toServer = seg.dstport === 1080 || (seg.srcport !== 1080 && seg.dir === 0);
    if (st.phase === 3) {
      // proxied data: the remote port's protocol
      if (!st.proxied) {
        st.proxied = true;
        tcp.reserveStreamIndex();
      }
      p.protocols.push('socks');
      p.proto(proto, data, off, 0);
      p.add(f.version, st.version, off, 0, GENERATED);
      p.add(f.command, 1, off, 0, GENERATED);
      p.add(f.dst, st.remoteAddr, off, 0, GENERATED);
      p.add(f.dstport, st.remotePort, off, 0, GENERATED);
      p.close();
      // Wireshark's SOCKS leaves its own summary in Info; what the proxied protocol adds follows
      if (p.wantCols) p.colInfo = `Version: ${st.version}`;
      const app = apps.appForPort(st.remotePort);
      const used = app ? app.handle(p, data, off, end, seg) : 0;
      if (p.wantCols && used === 0) p.colProtocol = 'Socks';
      return used > 0 ? used : end - off;
    }
    p.protocols.push('socks');
    p.colProtocol = 'Socks';
    p.proto(proto, data, off, end - off, () => 'Socks Protocol');
    let info = '';
    if (st.version === 4) {
      if (toServer && st.phase === 0 && end - off >= 9) {
        const cmd = data[off + 1]!;
        st.remotePort = u16(data, off + 2);
        st.remoteAddr = ((data[off + 4]! << 24) >>> 0) + ((data[off + 5]! << 16) | (data[off + 6]! << 8) | data[off + 7]!);
        p.add(f.version, 4, off, 1);
        p.add(f.command, cmd, off + 1, 1);
        p.add(f.dstport, st.remotePort, off + 2, 2);
        p.add(f.dst, st.remoteAddr, off + 4, 4);
        const [user, next] = cstr(data, off + 8, end);
        p.add(f.username, user, off + 8, next - off - 8);
        // SOCKS 4a: 0.0.0.x means a host name follows the user name
        if (st.remoteAddr > 0 && st.remoteAddr < 256 && next < end) {
          const [host, n2] = cstr(data, next, end);
          p.add(f.v4a_dns_name, host, next, n2 - next);
        }
        st.phase = 1;
        info = `Version: 4 ${cmd === 1 ? 'Connect to server request' : cmd === 2 ? 'Bind request' : 'Request'}`;
      } else if (!toServer && st.phase === 1 && end - off >= 8) {
        const res = data[off + 1]!;
        p.add(f.version, data[off]!, off, 1);
        p.add(f.results, res, off + 1, 1);
        p.add(f.dstport, u16(data, off + 2), off + 2, 2);
        p.add(f.dst, ((data[off + 4]! << 24) >>> 0) + ((data[off + 5]! << 16) | (data[off + 6]! << 8) | data[off + 7]!), off + 4, 4);
        st.phase = res === 90 ? 3 : 1;
        info = 'Version: 4 Connect Response';
      }
    } else {
      if (toServer && st.phase === 0 && end - off >= 2) {
        const n = data[off + 1]!;
        p.add(f.version, 5, off, 1);
        p.add(f.auth_method_count, n, off + 1, 1);
        for (let i = 0; i < n && off + 2 + i < end; i++) p.add(f.auth_method, data[off + 2 + i]!, off + 2 + i, 1);
        st.phase = 1;
        info = 'Version: 5';
      } else if (!toServer && st.phase === 1 && end - off >= 2) {
        p.add(f.version, data[off]!, off, 1);
        p.add(f.auth_accepted_method, data[off + 1]!, off + 1, 1);
        st.phase = 2;
        info = 'Version: 5';
      } else if (toServer && st.phase === 2 && end - off >= 7) {
        const atyp = data[off + 3]!;
        p.add(f.version, 5, off, 1);
        p.add(f.command, data[off + 1]!, off + 1, 1);
        p.add(f.reserved, data[off + 2]!, off + 2, 1);
        p.add(f.address_type, atyp, off + 3, 1);
        let o = off + 4;
        if (atyp === 1 && end - o >= 6) {
          st.remoteAddr = ((data[o]! << 24) >>> 0) + ((data[o + 1]! << 16) | (data[o + 2]! << 8) | data[o + 3]!);
          p.add(f.dst, st.remoteAddr, o, 4);
          o += 4;
        } else if (atyp === 3) {
          const len = data[o]!;
          let name = '';
          for (let i = 0; i < len && o + 1 + i < end; i++) name += String.fromCharCode(data[o + 1 + i]!);
          p.add(f.remote_name, name, o, 1 + len);
          o += 1 + len;
        } else if (atyp === 4 && end - o >= 18) {
          p.add(f.dstV6, data.subarray(o, o + 16), o, 16);
          o += 16;
        }
        if (end - o >= 2) {
          st.remotePort = u16(data, o);
          p.add(f.port, st.remotePort, o, 2);
        }
        st.phase = 4;
        info = 'Version: 5';
      } else if (!toServer && st.phase === 4 && end - off >= 4) {
        const atyp = data[off + 3]!;
        p.add(f.version, data[off]!, off, 1);
        p.add(f.results, data[off + 1]!, off + 1, 1);
        p.add(f.reserved, data[off + 2]!, off + 2, 1);
        p.add(f.address_type, atyp, off + 3, 1);
        if (atyp === 1 && end - off >= 10) {
          p.add(f.dst, ((data[off + 4]! << 24) >>> 0) + ((data[off + 5]! << 16) | (data[off + 6]! << 8) | data[off + 7]!), off + 4, 4);
          p.add(f.port, u16(data, off + 8), off + 8, 2);
        }
        st.phase = data[off + 1] === 0 ? 3 : 4;
        info = 'Version: 5';
      }
    }
    p.close();
    if (p.wantCols) p.colInfo = info || `Version: ${st.version}`;
    return end - off;
  };
}
