import type { Registry } from '../fields/registry.ts';
import type { TcpConversation, TcpPayloadHandler } from '../transport/tcp/index.ts';
import type { TcpDispatcher } from './tcp-dispatch.ts';

/**
 * Line protocols that upgrade to TLS in the middle of the connection (STARTTLS): SMTP
 * (25, 587), POP3 (110, STLS) and IMAP (143). The plaintext commands are shown like
 * Wireshark's summary lines ("C: STARTTLS", "S: 220 2.0.0 Ready to start TLS"); once the
 * server accepts the upgrade, the rest of the stream is handed to TLS.
 */
type Kind = 'smtp' | 'pop' | 'imap';

interface State {
  requested: boolean;
  tls: boolean;
}

export function createStartTls(reg: Registry, apps: TcpDispatcher): { handler: TcpPayloadHandler; ports: number[] } {
  const protos = {
    smtp: reg.protocol('smtp', 'Simple Mail Transfer Protocol'),
    pop: reg.protocol('pop', 'Post Office Protocol'),
    imap: reg.protocol('imap', 'Internet Message Access Protocol'),
  };
  const smtp = reg.fields('smtp', {
    req: { name: 'Request', type: 'bool' },
    rsp: { name: 'Response', type: 'bool' },
    'req.command': { name: 'Command', type: 'string' },
    'response.code': { name: 'Response code', type: 'uint32' },
  });
  const pop = reg.fields('pop', {
    request: { name: 'Request', type: 'string' },
    response: { name: 'Response', type: 'string' },
    'request.command': { name: 'Request command', type: 'string' },
  });
  const imap = reg.fields('imap', {
    request: { name: 'Request', type: 'string' },
    response: { name: 'Response', type: 'string' },
  });
  const states = new WeakMap<TcpConversation, State>();
  const kindOf = (port: number): Kind | undefined => (port === 25 || port === 587 ? 'smtp' : port === 110 ? 'pop' : port === 143 ? 'imap' : undefined);

  const handler: TcpPayloadHandler = (p, data, off, end, seg) => {
    let st = states.get(seg.conv);
    if (!st) states.set(seg.conv, (st = { requested: false, tls: false }));
    if (st.tls) {
      const tls = apps.app('tls');
      return tls ? tls.handle(p, data, off, end, seg) : 0;
    }
    const kind = kindOf(seg.dstport) ?? kindOf(seg.srcport);
    if (!kind) return 0;
    const fromClient = kindOf(seg.dstport) !== undefined;
    let text = '';
    for (let i = off; i < end; i++) text += String.fromCharCode(data[i]!);
    const lines = text.split('\r\n').filter((l, i, a) => l !== '' || i < a.length - 1).map((l) => l.replace(/\n$/, ''));
    const first = lines[0] ?? '';
    p.protocols.push(kind);
    p.colProtocol = kind === 'smtp' ? 'SMTP' : kind === 'pop' ? 'POP' : 'IMAP';
    p.proto(protos[kind], data, off, end - off);
    if (kind === 'smtp') {
      p.add(fromClient ? smtp.req : smtp.rsp, true, off, 0);
      if (fromClient) p.add(smtp['req.command'], first.split(' ')[0]!.toUpperCase(), off, first.length);
      else if (/^\d{3}/.test(first)) p.add(smtp['response.code'], Number(first.slice(0, 3)), off, 3);
    } else if (kind === 'pop') {
      p.add(fromClient ? pop.request : pop.response, first, off, first.length);
      if (fromClient) p.add(pop['request.command'], first.split(' ')[0]!.toUpperCase(), off, first.length);
    } else {
      p.add(fromClient ? imap.request : imap.response, first, off, first.length);
    }
    p.close();
    if (p.wantCols) {
      if (kind === 'imap') p.colInfo = `${fromClient ? 'Request' : 'Response'}: ${first}`;
      // SMTP multi-line replies: Wireshark keeps the code on the first line only
      else p.colInfo = `${fromClient ? 'C' : 'S'}: ${lines.map((l, i) => (i > 0 && kind === 'smtp' && !fromClient ? l.replace(/^\d{3}[- ]/, '') : l)).join(' | ')}`;
    }
    // the upgrade: the client asks, the server says yes, and the next bytes are TLS
    if (fromClient) {
      const cmd = kind === 'imap' ? (first.split(' ')[1] ?? '') : first.split(' ')[0]!;
      if (/^(STARTTLS|STLS)$/i.test(cmd.trim())) st.requested = true;
    } else if (st.requested) {
      const ok = kind === 'smtp' ? first.startsWith('220') : kind === 'pop' ? first.startsWith('+OK') : / OK\b/i.test(first);
      if (ok) st.tls = true;
      st.requested = false;
    }
    return end - off;
  };
  return { handler, ports: [25, 587, 110, 143] };
}
