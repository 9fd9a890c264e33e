import { u16, u32 } from '../../bytes/read.ts';
import type { Registry } from '../../fields/registry.ts';
import type { AbsTime } from '../../fields/types.ts';
import { hexBytes, ipv4Text, ipv6Text } from '../../fields/format.ts';
import { diffNs } from '../../link/frame.ts';
import { GENERATED, type Packet, type TreeNode } from '../../packet.ts';
import type { NetInfo } from '../../net/types.ts';
import { durationText, inErrorPacket, markMalformed } from '../../net/icmp.ts';
import { DnsTruncated, readName, type DnsName } from './names.ts';
import { DNS_CLASSES, DNS_OPCODES, DNS_OPT_CODES, DNS_RCODES, DNS_TYPES, DNSSEC_ALGORITHMS, SVCB_KEYS, classShort, typeShort } from './values.ts';

/** Which flavour of the protocol a port carries: plain DNS, Multicast DNS (5353) or LLMNR (5355). */
export type DnsFlavor = 'dns' | 'mdns' | 'llmnr';

const FLAVOR = {
  dns: { proto: 'dns', col: 'DNS', title: 'Domain Name System' },
  mdns: { proto: 'mdns', col: 'MDNS', title: 'Multicast Domain Name System' },
  llmnr: { proto: 'llmnr', col: 'LLMNR', title: 'Link-local Multicast Name Resolution' },
} as const;

const CLASS_VALS = { ...DNS_CLASSES };

interface Tx {
  query: number;
  ts: AbsTime;
  response?: number;
}

function hex4(n: number): string {
  return '0x' + n.toString(16).padStart(4, '0');
}

function opcodeText(op: number): string {
  return DNS_OPCODES[op] ?? 'Unknown operation';
}

export function registerDnsFields(reg: Registry) {
  const tfs = (t: string, f: string): readonly [string, string] => [t, f];
  return reg.fields('dns', {
    length: { name: 'Length', type: 'uint16' },
    id: { name: 'Transaction ID', type: 'uint16', base: 'hex' },
    flags: { name: 'Flags', type: 'uint16', base: 'hex' },
    'flags.response': { name: 'Response', type: 'bool', mask: 0x8000, maskWidth: 16, tfs: tfs('Message is a response', 'Message is a query') },
    'flags.opcode': { name: 'Opcode', type: 'uint16', mask: 0x7800, maskWidth: 16, vals: DNS_OPCODES },
    'flags.authoritative': { name: 'Authoritative', type: 'bool', mask: 0x0400, maskWidth: 16, tfs: tfs('Server is an authority for domain', 'Server is not an authority for domain') },
    'flags.conflict': { name: 'Conflict', type: 'bool', mask: 0x0400, maskWidth: 16, tfs: tfs('The name is not considered unique', 'The name is considered unique') },
    'flags.truncated': { name: 'Truncated', type: 'bool', mask: 0x0200, maskWidth: 16, tfs: tfs('Message is truncated', 'Message is not truncated') },
    'flags.recdesired': { name: 'Recursion desired', type: 'bool', mask: 0x0100, maskWidth: 16, tfs: tfs('Do query recursively', "Don't do query recursively") },
    'flags.tentative': { name: 'Tentative', type: 'bool', mask: 0x0100, maskWidth: 16, tfs: tfs('Tentative', 'Not tentative') },
    'flags.recavail': { name: 'Recursion available', type: 'bool', mask: 0x0080, maskWidth: 16, tfs: tfs('Server can do recursive queries', "Server can't do recursive queries") },
    'flags.z': { name: 'Z', type: 'bool', mask: 0x0040, maskWidth: 16, tfs: tfs('reserved - incorrect!', 'reserved (0)') },
    'flags.authenticated': { name: 'Answer authenticated', type: 'bool', mask: 0x0020, maskWidth: 16, tfs: tfs('Answer/authority portion was authenticated by the server', 'Answer/authority portion was not authenticated by the server') },
    'flags.checkdisable': { name: 'Non-authenticated data', type: 'bool', mask: 0x0010, maskWidth: 16, tfs: tfs('Acceptable', 'Unacceptable') },
    'flags.rcode': { name: 'Reply code', type: 'uint16', mask: 0x000f, maskWidth: 16, vals: DNS_RCODES },
    'count.queries': { name: 'Questions', type: 'uint16' },
    'count.zones': { name: 'Zones', type: 'uint16' },
    'count.answers': { name: 'Answer RRs', type: 'uint16' },
    'count.prerequisites': { name: 'Prerequisites', type: 'uint16' },
    'count.auth_rr': { name: 'Authority RRs', type: 'uint16' },
    'count.updates': { name: 'Updates', type: 'uint16' },
    'count.add_rr': { name: 'Additional RRs', type: 'uint16' },
    'qry.name': { name: 'Name', type: 'string' },
    'qry.name.len': { name: 'Name Length', type: 'uint16' },
    'count.labels': { name: 'Label Count', type: 'uint16' },
    'qry.type': { name: 'Type', type: 'uint16', vals: DNS_TYPES },
    'qry.class': { name: 'Class', type: 'uint16', base: 'hex', vals: CLASS_VALS },
    'qry.qu': { name: '"QU" question', type: 'bool', mask: 0x8000, maskWidth: 16, tfs: tfs('True', 'False') },
    'resp.name': { name: 'Name', type: 'string' },
    'resp.type': { name: 'Type', type: 'uint16', vals: DNS_TYPES },
    'resp.class': { name: 'Class', type: 'uint16', base: 'hex', vals: CLASS_VALS },
    'resp.cache_flush': { name: 'Cache flush', type: 'bool', mask: 0x8000, maskWidth: 16, tfs: tfs('True', 'False') },
    'resp.ttl': { name: 'Time to live', type: 'uint32' },
    'resp.len': { name: 'Data length', type: 'uint16' },
    'resp.ext_rcode': { name: 'Higher bits in extended RCODE', type: 'uint8', base: 'hex' },
    'resp.edns0_version': { name: 'EDNS0 version', type: 'uint8' },
    'resp.z': { name: 'Z', type: 'uint16', base: 'hex' },
    'resp.z.do': { name: 'DO bit', type: 'bool', mask: 0x8000, maskWidth: 16, tfs: tfs('Accepts DNSSEC security RRs', 'Cannot handle DNSSEC security RRs') },
    'resp.z.reserved': { name: 'Reserved', type: 'uint16', base: 'hex', mask: 0x7fff, maskWidth: 16 },
    // Wireshark has two fields of this name: decimal for DNS, hex with mask 0x7fff for mDNS; the DNS one is kept
    'rr.udp_payload_size': { name: 'UDP payload size', type: 'uint16' },
    a: { name: 'Address', type: 'ipv4' },
    aaaa: { name: 'AAAA Address', type: 'ipv6' },
    cname: { name: 'CNAME', type: 'string' },
    ns: { name: 'Name Server', type: 'string' },
    'ptr.domain_name': { name: 'Domain Name', type: 'string' },
    'mx.preference': { name: 'Preference', type: 'uint16' },
    'mx.mail_exchange': { name: 'Mail Exchange', type: 'string' },
    'txt.length': { name: 'TXT Length', type: 'uint8' },
    txt: { name: 'TXT', type: 'string' },
    'spf.length': { name: 'SPF Length', type: 'uint8' },
    spf: { name: 'SPF', type: 'string' },
    'soa.mname': { name: 'Primary name server', type: 'string' },
    'soa.rname': { name: "Responsible authority's mailbox", type: 'string' },
    'soa.serial_number': { name: 'Serial Number', type: 'uint32' },
    'soa.refresh_interval': { name: 'Refresh Interval', type: 'uint32' },
    'soa.retry_interval': { name: 'Retry Interval', type: 'uint32' },
    'soa.expire_limit': { name: 'Expire limit', type: 'uint32' },
    'soa.minimum_ttl': { name: 'Minimum TTL', type: 'uint32' },
    'srv.service': { name: 'Service', type: 'string' },
    'srv.proto': { name: 'Protocol', type: 'string' },
    'srv.name': { name: 'Name', type: 'string' },
    'srv.priority': { name: 'Priority', type: 'uint16' },
    'srv.weight': { name: 'Weight', type: 'uint16' },
    'srv.port': { name: 'Port', type: 'uint16' },
    'srv.target': { name: 'Target', type: 'string' },
    'hinfo.cpu_length': { name: 'CPU Length', type: 'uint8' },
    'hinfo.cpu': { name: 'CPU', type: 'string' },
    'hinfo.os_length': { name: 'OS Length', type: 'uint8' },
    'hinfo.os': { name: 'OS', type: 'string' },
    dname: { name: 'Dname', type: 'string' },
    'rrsig.type_covered': { name: 'Type Covered', type: 'uint16', vals: DNS_TYPES },
    'rrsig.algorithm': { name: 'Algorithm', type: 'uint8', vals: DNSSEC_ALGORITHMS },
    'rrsig.labels': { name: 'Labels', type: 'uint8' },
    'rrsig.original_ttl': { name: 'Original TTL', type: 'uint32' },
    'rrsig.signature_expiration': { name: 'Signature Expiration', type: 'abstime', timeFormat: 'utc' },
    'rrsig.signature_inception': { name: 'Signature Inception', type: 'abstime', timeFormat: 'utc' },
    'rrsig.key_tag': { name: 'Key Tag', type: 'uint16' },
    'rrsig.signers_name': { name: "Signer's name", type: 'string' },
    'rrsig.signature': { name: 'Signature', type: 'bytes' },
    'svcb.svcpriority': { name: 'SvcPriority', type: 'uint16' },
    'svcb.targetname': { name: 'TargetName', type: 'string' },
    'svcb.svcparam': { name: 'SvcParam', type: 'none' },
    'svcb.svcparam.key': { name: 'SvcParamKey', type: 'uint16', vals: SVCB_KEYS },
    'svcb.svcparam.value.length': { name: 'SvcParamValue length', type: 'uint16' },
    'svcb.svcparam.value': { name: 'SvcParamValue', type: 'bytes' },
    'svcb.svcparam.alpn.length': { name: 'ALPN length', type: 'uint8' },
    'svcb.svcparam.alpn': { name: 'ALPN', type: 'string' },
    'svcb.svcparam.port': { name: 'Port', type: 'uint16' },
    'svcb.svcparam.ipv4hint.ip': { name: 'IP', type: 'ipv4' },
    'svcb.svcparam.ipv6hint.ip': { name: 'IP', type: 'ipv6' },
    'svcb.svcparam.echconfig': { name: 'ECHConfig', type: 'bytes' },
    opt: { name: 'Option', type: 'none' },
    'opt.code': { name: 'Option Code', type: 'uint16', vals: DNS_OPT_CODES },
    'opt.len': { name: 'Option Length', type: 'uint16' },
    'opt.data': { name: 'Option Data', type: 'bytes' },
    data: { name: 'Data', type: 'bytes' },
    response_in: { name: 'Response In', type: 'framenum' },
    response_to: { name: 'Request In', type: 'framenum' },
    time: { name: 'Time', type: 'reltime' },
    retransmission: { name: 'Retransmission', type: 'bool', tfs: tfs('True', 'False') },
    retransmit_request_in: { name: 'Retransmitted request. Original request in', type: 'framenum' },
    retransmit_response_in: { name: 'Retransmitted response. Original response in', type: 'framenum' },
    unsolicited: { name: 'Unsolicited', type: 'bool', tfs: tfs('True', 'False') },
  });
}
export type DnsFields = ReturnType<typeof registerDnsFields>;

/** DNS, mDNS and LLMNR over UDP, with query/response matching in a single pass. */
export function createDns(reg: Registry) {
  const protos = { dns: reg.protocol('dns', 'Domain Name System'), mdns: reg.protocol('mdns', 'Multicast Domain Name System'), llmnr: reg.protocol('llmnr', 'Link-local Multicast Name Resolution') };
  const f = registerDnsFields(reg);
  // Wireshark's text-only tree items ("Queries", "Answers")
  const text = reg.fields('text', { text: { name: 'Text item', type: 'none' } }).text;
  const txs = new Map<string, Tx>();
  // subtree depth, so that an exception can close what it left open
  let depth = 0;
  const open = (p: Packet, ...a: Parameters<Packet['open']>): TreeNode | undefined => {
    depth++;
    return p.open(...a);
  };
  const close = (p: Packet): void => {
    depth--;
    p.close();
  };

  function dissectMessage(p: Packet, data: Uint8Array, off: number, end: number, flavor: DnsFlavor, convKey: string): number {
    const fl = FLAVOR[flavor];
    const base = off;
    const mdns = flavor === 'mdns';
    const llmnr = flavor === 'llmnr';
    p.protocols.push(fl.proto);
    if (p.wantCols) p.colProtocol = fl.col;
    const len = end - off;
    const isResp = len >= 3 && (data[off + 2]! & 0x80) !== 0;
    let info = '';
    const setInfo = (s: string) => {
      info = s;
      if (p.wantCols) p.colInfo = s;
    };
    depth = 0;
    open(p, protos[flavor], data.subarray(off, end), off, len, 0, () => `${fl.title} (${isResp ? 'response' : 'query'})`);
    let o = off;
    const need = (n: number) => {
      if (o + n > end) throw new DnsTruncated();
    };
    const name = (at: number): DnsName => readName(data, base, at, end);
    try {
      need(2);
      const id = u16(data, off);
      p.add(f.id, id, off, 2);
      need(4);
      const flags = u16(data, off + 2);
      const opcode = (flags >> 11) & 15;
      const rcode = flags & 15;
      const opText = opcodeText(opcode);
      setInfo(`${DNS_OPCODES[opcode] ?? `Unknown operation (${opcode})`}${isResp ? ' response' : ''} ${hex4(id)}${isResp && rcode !== 0 ? ` ${DNS_RCODES[rcode] ?? `Unknown error (${rcode})`}` : ''}`);
      open(p, f.flags, flags, off + 2, 2, 0, () => `Flags: ${hex4(flags)} ${opText}${isResp ? ` response, ${DNS_RCODES[rcode] ?? 'Unknown error'}` : ''}`);
      const bit = (id: number, mask: number) => p.add(id, (flags & mask) !== 0, off + 2, 2);
      bit(f['flags.response'], 0x8000);
      p.add(f['flags.opcode'], opcode, off + 2, 2);
      if (llmnr) {
        bit(f['flags.conflict'], 0x0400);
        bit(f['flags.truncated'], 0x0200);
        bit(f['flags.tentative'], 0x0100);
        if (isResp) p.add(f['flags.rcode'], rcode, off + 2, 2);
      } else {
        if (isResp) bit(f['flags.authoritative'], 0x0400);
        bit(f['flags.truncated'], 0x0200);
        bit(f['flags.recdesired'], 0x0100);
        if (isResp) bit(f['flags.recavail'], 0x0080);
        bit(f['flags.z'], 0x0040);
        // queries carry the AD bit only when it is set (RFC 6840 5.7)
        if (isResp) bit(f['flags.authenticated'], 0x0020);
        else if (flags & 0x20) p.add(f['flags.authenticated'], true, off + 2, 2, 0, '.... .... ..1. .... = AD bit: Set');
        bit(f['flags.checkdisable'], 0x0010);
        if (isResp) p.add(f['flags.rcode'], rcode, off + 2, 2);
      }
      close(p);
      const update = opcode === 5;
      o = off + 4;
      const count = (id: number): number => {
        need(2);
        const v = u16(data, o);
        p.add(id, v, o, 2);
        o += 2;
        return v;
      };
      const qd = count(update ? f['count.zones'] : f['count.queries']);
      const an = count(update ? f['count.prerequisites'] : f['count.answers']);
      const ns = count(update ? f['count.updates'] : f['count.auth_rr']);
      const ar = count(f['count.add_rr']);
      o = off + 12;

      if (qd > 0) {
        open(p, text, null, o, 0, 0, update ? 'Zone' : 'Queries');
        for (let i = 0; i < qd; i++) {
          const n = name(o);
          need(n.used + 4);
          const t = u16(data, o + n.used);
          const c = u16(data, o + n.used + 2);
          const cls = mdns ? c & 0x7fff : c;
          const qu = mdns && (c & 0x8000) !== 0;
          const start = o;
          open(p, text, null, start, n.used + 4, 0, () => `${n.text}: type ${typeShort(t)}, class ${classShort(cls)}${mdns ? `, ${qu ? '"QU"' : '"QM"'} question` : ''}`);
          p.add(f['qry.name'], n.text, o, n.used);
          p.add(f['qry.name.len'], n.len, o, n.used, GENERATED);
          p.add(f['count.labels'], n.labels, o, n.used, GENERATED);
          o += n.used;
          p.add(f['qry.type'], t, o, 2);
          p.add(f['qry.class'], cls, o + 2, 2);
          if (mdns) p.add(f['qry.qu'], qu, o + 2, 2);
          o += 4;
          close(p);
          setInfo(`${info} ${typeShort(t)} ${n.text}${mdns ? `, ${qu ? '"QU"' : '"QM"'} question` : ''}`);
        }
        close(p);
      }
      const sections: [number, string][] = [[an, update ? 'Prerequisites' : 'Answers'], [ns, update ? 'Updates' : 'Authoritative nameservers'], [ar, 'Additional records']];
      for (const [count, title] of sections) {
        if (count === 0) continue;
        open(p, text, null, o, 0, 0, title);
        for (let i = 0; i < count; i++) {
          o = dissectRr(p, data, base, o, end, mdns, (s) => setInfo(info + s));
        }
        close(p);
      }
      // request/response matching (Wireshark: same conversation and transaction ID)
      const key = `${convKey}|${id}`;
      const tx = inErrorPacket(p) ? undefined : txs.get(key);
      if (inErrorPacket(p)) {
        if (isResp) p.add(f.unsolicited, true, 0, 0, GENERATED);
      } else if (!isResp) {
        if (tx && tx.response === undefined) {
          p.add(f.retransmission, true, 0, 0, GENERATED);
          p.add(f.retransmit_request_in, tx.query, 0, 0, GENERATED);
          p.expert('note', 'Sequence', `DNS query retransmission. Original request in frame ${tx.query}`);
        } else {
          txs.set(key, { query: p.num, ts: p.ts });
        }
      } else if (tx) {
        if (tx.response !== undefined && tx.response !== p.num) {
          p.add(f.retransmission, true, 0, 0, GENERATED);
          p.add(f.retransmit_response_in, tx.response, 0, 0, GENERATED);
          p.expert('note', 'Sequence', `DNS response retransmission. Original response in frame ${tx.response}`);
        } else {
          tx.response = p.num;
          p.add(f.response_to, tx.query, 0, 0, GENERATED);
          p.add(f.time, diffNs(p.ts, tx.ts), 0, 0, GENERATED);
        }
      } else {
        p.add(f.unsolicited, true, 0, 0, GENERATED);
      }
      close(p);
    } catch (e) {
      if (!(e instanceof DnsTruncated)) throw e;
      while (depth > 0) close(p);
      if (p.wantCols) p.colInfo = info;
      markMalformed(reg, p, fl.col);
    }
    return len;
  }

  function dissectRr(p: Packet, data: Uint8Array, base: number, o: number, end: number, mdns: boolean, addInfo: (s: string) => void): number {
    let limit = end;
    const need = (at: number, n: number) => {
      if (at + n > limit) throw new DnsTruncated();
    };
    const n = readName(data, base, o, end);
    const start = o;
    let q = o + n.used;
    need(q, 10);
    const t = u16(data, q);
    const c = u16(data, q + 2);
    const ttl = u32(data, q + 4);
    const rdlen = u16(data, q + 8);
    const isOpt = t === 41;
    const cls = mdns && !isOpt ? c & 0x7fff : c;
    const flush = mdns && (c & 0x8000) !== 0;
    const rd = q + 10;
    const rdEnd = rd + rdlen;
    const ts = typeShort(t);
    // the type goes to Info first; the whole RDATA must be there before any field is shown
    addInfo(` ${ts}${flush ? ', cache flush' : ''}`);
    need(rd, rdlen);
    let label = isOpt ? `${n.text}: type OPT` : `${n.text}: type ${ts}, class ${classShort(cls)}${flush ? ', cache flush' : ''}`;
    let summary = '';
    const node = open(p, text, null, start, Math.min(rdEnd, end) - start, 0, () => label);
    if (t === 33) {
      // SRV owner names are _Service._Proto.Name
      const parts = n.text.split('.');
      p.add(f['srv.service'], parts[0]!.replace(/^_/, ''), o, n.used);
      p.add(f['srv.proto'], parts[1] ?? '', o, n.used);
      p.add(f['srv.name'], parts.slice(2).join('.'), o, n.used);
    } else {
      p.add(f['resp.name'], n.text, o, n.used);
    }
    p.add(f['resp.type'], t, q, 2);
    if (isOpt) {
      p.add(f['rr.udp_payload_size'], mdns ? c & 0x7fff : c, q + 2, 2, 0, mdns ? `UDP payload size: 0x${(c & 0x7fff).toString(16).padStart(4, '0')}` : undefined);
      if (mdns) p.add(f['resp.cache_flush'], flush, q + 2, 2);
      p.add(f['resp.ext_rcode'], ttl >>> 24, q + 4, 1);
      p.add(f['resp.edns0_version'], (ttl >>> 16) & 0xff, q + 5, 1);
      const z = ttl & 0xffff;
      open(p, f['resp.z'], z, q + 6, 2);
      p.add(f['resp.z.do'], (z & 0x8000) !== 0, q + 6, 2);
      p.add(f['resp.z.reserved'], z & 0x7fff, q + 6, 2);
      close(p);
    } else {
      p.add(f['resp.class'], cls, q + 2, 2);
      if (mdns) p.add(f['resp.cache_flush'], flush, q + 2, 2);
      p.add(f['resp.ttl'], ttl, q + 4, 4, 0, () => `Time to live: ${ttl}${ttl > 0 ? ` (${durationText(ttl)})` : ''}`);
    }
    p.add(f['resp.len'], rdlen, q + 8, 2);
    limit = rdEnd;
    const nameIn = (at: number) => {
      const r = readName(data, base, at, end);
      return r;
    };
    switch (t) {
      case 1:
        if (rdlen >= 4) {
          const a = u32(data, rd);
          p.add(f.a, a, rd, 4);
          summary = ipv4Text(a);
          label += `, addr ${summary}`;
        }
        break;
      case 28:
        if (rdlen >= 16) {
          const a = data.subarray(rd, rd + 16);
          p.add(f.aaaa, a, rd, 16);
          summary = ipv6Text(a);
          label += `, addr ${summary}`;
        }
        break;
      case 2: case 5: case 12: case 39: {
        const r = nameIn(rd);
        const id = t === 2 ? f.ns : t === 5 ? f.cname : t === 12 ? f['ptr.domain_name'] : f.dname;
        p.add(id, r.text, rd, r.used);
        summary = r.text;
        label += t === 2 ? `, ns ${r.text}` : t === 5 ? `, cname ${r.text}` : t === 12 ? `, ${r.text}` : `, dname ${r.text}`;
        break;
      }
      case 15: {
        need(rd, 2);
        const pref = u16(data, rd);
        p.add(f['mx.preference'], pref, rd, 2);
        const r = nameIn(rd + 2);
        p.add(f['mx.mail_exchange'], r.text, rd + 2, r.used);
        summary = `${pref} ${r.text}`;
        label += `, preference ${pref}, mx ${r.text}`;
        break;
      }
      case 6: {
        const m = nameIn(rd);
        p.add(f['soa.mname'], m.text, rd, m.used);
        const r = nameIn(rd + m.used);
        p.add(f['soa.rname'], r.text, rd + m.used, r.used);
        let x = rd + m.used + r.used;
        need(x, 20);
        p.add(f['soa.serial_number'], u32(data, x), x, 4);
        const dur = (id: number, nm: string, at: number) => {
          const v = u32(data, at);
          p.add(id, v, at, 4, 0, () => `${nm}: ${v} (${durationText(v)})`);
        };
        dur(f['soa.refresh_interval'], 'Refresh Interval', x + 4);
        dur(f['soa.retry_interval'], 'Retry Interval', x + 8);
        dur(f['soa.expire_limit'], 'Expire limit', x + 12);
        dur(f['soa.minimum_ttl'], 'Minimum TTL', x + 16);
        x += 20;
        summary = m.text;
        label += `, mname ${m.text}`;
        break;
      }
      case 16: case 99: {
        let x = rd;
        while (x < rdEnd) {
          const l = data[x]!;
          need(x + 1, l);
          p.add(t === 16 ? f['txt.length'] : f['spf.length'], l, x, 1);
          p.add(t === 16 ? f.txt : f.spf, txtString(data.subarray(x + 1, x + 1 + l)), x + 1, l);
          x += 1 + l;
        }
        break;
      }
      case 13: {
        need(rd, 1);
        const cl = data[rd]!;
        need(rd + 1, cl);
        p.add(f['hinfo.cpu_length'], cl, rd, 1);
        p.add(f['hinfo.cpu'], txtString(data.subarray(rd + 1, rd + 1 + cl)), rd + 1, cl);
        const oo = rd + 1 + cl;
        need(oo, 1);
        const ol = data[oo]!;
        need(oo + 1, ol);
        p.add(f['hinfo.os_length'], ol, oo, 1);
        p.add(f['hinfo.os'], txtString(data.subarray(oo + 1, oo + 1 + ol)), oo + 1, ol);
        summary = `${txtString(data.subarray(rd + 1, rd + 1 + cl))} ${txtString(data.subarray(oo + 1, oo + 1 + ol))}`;
        break;
      }
      case 33: {
        need(rd, 6);
        const pr = u16(data, rd);
        const w = u16(data, rd + 2);
        const port = u16(data, rd + 4);
        p.add(f['srv.priority'], pr, rd, 2);
        p.add(f['srv.weight'], w, rd + 2, 2);
        p.add(f['srv.port'], port, rd + 4, 2);
        const r = nameIn(rd + 6);
        p.add(f['srv.target'], r.text, rd + 6, r.used);
        summary = `${pr} ${w} ${port} ${r.text}`;
        label += `, priority ${pr}, weight ${w}, port ${port}, target ${r.text}`;
        break;
      }
      case 41: {
        let x = rd;
        while (x < rdEnd) {
          need(x, 4);
          const code = u16(data, x);
          const ol = u16(data, x + 2);
          need(x + 4, ol);
          open(p, f.opt, null, x, 4 + ol, 0, () => `Option: ${DNS_OPT_CODES[code] ?? 'Unknown'}`);
          p.add(f['opt.code'], code, x, 2);
          p.add(f['opt.len'], ol, x + 2, 2);
          if (ol > 0) p.add(f['opt.data'], data.subarray(x + 4, x + 4 + ol), x + 4, ol);
          close(p);
          x += 4 + ol;
        }
        break;
      }
      case 46: {
        need(rd, 18);
        p.add(f['rrsig.type_covered'], u16(data, rd), rd, 2);
        p.add(f['rrsig.algorithm'], data[rd + 2]!, rd + 2, 1);
        p.add(f['rrsig.labels'], data[rd + 3]!, rd + 3, 1);
        const ot = u32(data, rd + 4);
        p.add(f['rrsig.original_ttl'], ot, rd + 4, 4, 0, () => `Original TTL: ${ot} (${durationText(ot)})`);
        p.add(f['rrsig.signature_expiration'], { s: u32(data, rd + 8), ns: 0 }, rd + 8, 4);
        p.add(f['rrsig.signature_inception'], { s: u32(data, rd + 12), ns: 0 }, rd + 12, 4);
        p.add(f['rrsig.key_tag'], u16(data, rd + 16), rd + 16, 2);
        const r = nameIn(rd + 18);
        p.add(f['rrsig.signers_name'], r.text, rd + 18, r.used);
        const so = rd + 18 + r.used;
        if (rdEnd > so) p.add(f['rrsig.signature'], data.subarray(so, rdEnd), so, rdEnd - so);
        break;
      }
      case 64: case 65: {
        need(rd, 2);
        const pr = u16(data, rd);
        p.add(f['svcb.svcpriority'], pr, rd, 2);
        const r = nameIn(rd + 2);
        p.add(f['svcb.targetname'], r.text, rd + 2, r.used);
        let x = rd + 2 + r.used;
        while (x < rdEnd) {
          need(x, 4);
          const key = u16(data, x);
          const vl = u16(data, x + 2);
          need(x + 4, vl);
          open(p, f['svcb.svcparam'], null, x, 4 + vl, 0, () => `SvcParam: ${SVCB_KEYS[key] ?? `key${key}`}`);
          p.add(f['svcb.svcparam.key'], key, x, 2);
          p.add(f['svcb.svcparam.value.length'], vl, x + 2, 2);
          const v = x + 4;
          if (key === 1) {
            for (let y = v; y < v + vl; ) {
              const al = data[y]!;
              need(y + 1, al);
              p.add(f['svcb.svcparam.alpn.length'], al, y, 1);
              p.add(f['svcb.svcparam.alpn'], txtString(data.subarray(y + 1, y + 1 + al)), y + 1, al);
              y += 1 + al;
            }
          } else if (key === 3 && vl === 2) {
            p.add(f['svcb.svcparam.port'], u16(data, v), v, 2);
          } else if (key === 4) {
            for (let y = v; y + 4 <= v + vl; y += 4) p.add(f['svcb.svcparam.ipv4hint.ip'], u32(data, y), y, 4);
          } else if (key === 6) {
            for (let y = v; y + 16 <= v + vl; y += 16) p.add(f['svcb.svcparam.ipv6hint.ip'], data.subarray(y, y + 16), y, 16);
          } else if (key === 5) {
            p.add(f['svcb.svcparam.echconfig'], data.subarray(v, v + vl), v, vl);
          } else if (vl > 0) {
            p.add(f['svcb.svcparam.value'], data.subarray(v, v + vl), v, vl);
          }
          close(p);
          x += 4 + vl;
        }
        break;
      }
      default:
        if (rdlen > 0) p.add(f.data, data.subarray(rd, rdEnd), rd, rdlen);
    }
    close(p);
    void node;
    q = rdEnd;
    if (summary) addInfo(` ${summary}`);
    return q;
  }

  /** A UDP port dissector for one flavour (53 → DNS, 5353 → mDNS, 5355 → LLMNR). */
  function udp(flavor: DnsFlavor) {
    return (p: Packet, data: Uint8Array, off: number, end: number, info: { srcport: number; dstport: number; net: NetInfo }): number => {
      const a = `${info.net.srcText}/${info.srcport}`;
      const b = `${info.net.dstText}/${info.dstport}`;
      const conv = `u|${a < b ? `${a}|${b}` : `${b}|${a}`}`;
      return dissectMessage(p, data, off, end, flavor, conv);
    };
  }

  return { udp, dissectMessage, fields: f };
}

/** Character-strings (TXT, HINFO, ALPN) as Wireshark shows them: the bytes as UTF-8, invalid sequences replaced. */
function txtString(b: Uint8Array): string {
  for (let i = 0; i < b.length; i++) if (b[i]! >= 0x80) return new TextDecoder('utf-8').decode(b);
  return String.fromCharCode(...b);
}
