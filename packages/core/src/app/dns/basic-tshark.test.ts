/**
 * ARP, ICMP, ICMPv6 and DNS/mDNS/LLMNR against tshark 4.0 on the real captures under
 * /work/shared/captures (or $TLSLENS_CAPTURES): for every frame of these protocols the
 * Protocol and Info columns and `-T fields` output of their fields must be identical
 * (single pass, like `tshark -r`). Skipped when tshark or the captures are missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../engine.ts';
import { readCaptureSync } from '../../capture/index.ts';
import { DEFAULT_FIELDS_OPTIONS, FieldsFormatter } from '../../output/fields.ts';

const CAPTURES = process.env.TLSLENS_CAPTURES ?? '/work/shared/captures';
const FILES = [
  'ndpi/pcap/alexa-app.pcapng', 'foxio-ja4/pcap/v6.pcap', 'suricata-verify/tests/tls/tls-subjectaltname/input.pcap', 'ndpi/pcap/teams.pcap',
  'foxio-ja4/pcap/latest.pcapng', 'ndpi/pcap/tls_certificate_too_long.pcap', 'foxio-ja4/pcap/tls3.pcapng', 'ndpi/pcap/netflix.pcap',
  'ndpi/pcap/1kxun.pcap', 'ndpi/pcap/instagram.pcap', 'suricata-verify/tests/tls/tls13-draft18/tls13_draft18.pcap', 'arkime/pcap/curl-enabled-tls13.pcap',
  'snet/decrypt_by_keylog/tls1.3_curl_google.pcap', 'suricata-verify/tests/tls-extra-alert/input.pcap', 'arkime/pcap/cloudshark-dtls1.pcap',
  'suricata-verify/tests/tls/tls-cert-issuer/tls.pcap', 'wireshark-dfilter-2013/ipv6.pcap',
];
const FILTER = 'arp or icmp or icmpv6 or dns or mdns or llmnr';
const PROTOS = new Set(['arp', 'icmp', 'icmpv6', 'dns', 'mdns', 'llmnr']);
const FIELDS = [
  'frame.protocols',
  'arp.hw.type', 'arp.proto.type', 'arp.hw.size', 'arp.proto.size', 'arp.opcode', 'arp.src.hw_mac', 'arp.src.proto_ipv4', 'arp.dst.hw_mac', 'arp.dst.proto_ipv4', 'arp.isgratuitous', 'arp.isprobe', 'arp.isannouncement',
  'icmp.type', 'icmp.code', 'icmp.checksum', 'icmp.checksum.status', 'icmp.ident', 'icmp.ident_le', 'icmp.seq', 'icmp.seq_le', 'icmp.resp_to', 'icmp.resptime', 'icmp.data_time_relative', 'icmp.mtu', 'icmp.unused', 'icmp.redir_gw',
  'ip.src', 'ip.dst', 'ip.len', 'udp.srcport', 'udp.length', 'tcp.srcport', 'tcp.dstport', 'tcp.seq', 'data.len',
  'icmpv6.type', 'icmpv6.code', 'icmpv6.checksum', 'icmpv6.checksum.status', 'icmpv6.reserved', 'icmpv6.echo.identifier', 'icmpv6.echo.sequence_number', 'icmpv6.resp_to',
  'icmpv6.nd.ns.target_address', 'icmpv6.nd.na.target_address', 'icmpv6.nd.na.flag', 'icmpv6.nd.na.flag.r', 'icmpv6.nd.na.flag.s', 'icmpv6.nd.na.flag.o',
  'icmpv6.opt.type', 'icmpv6.opt.length', 'icmpv6.opt.linkaddr', 'icmpv6.opt.src_linkaddr', 'icmpv6.opt.target_linkaddr', 'icmpv6.opt.prefix', 'icmpv6.opt.mtu',
  'icmpv6.nd.ra.cur_hop_limit', 'icmpv6.nd.ra.flag', 'icmpv6.nd.ra.router_lifetime', 'icmpv6.mld.multicast_address', 'icmpv6.mldr.nb_mcast_records', 'icmpv6.mldr.mar.record_type', 'icmpv6.mldr.mar.multicast_address',
  'dns.id', 'dns.flags', 'dns.flags.response', 'dns.flags.opcode', 'dns.flags.authoritative', 'dns.flags.truncated', 'dns.flags.recdesired', 'dns.flags.recavail', 'dns.flags.z',
  'dns.flags.authenticated', 'dns.flags.checkdisable', 'dns.flags.rcode', 'dns.flags.conflict', 'dns.flags.tentative',
  'dns.count.queries', 'dns.count.answers', 'dns.count.auth_rr', 'dns.count.add_rr', 'dns.qry.name', 'dns.qry.name.len', 'dns.count.labels', 'dns.qry.type', 'dns.qry.class', 'dns.qry.qu',
  'dns.resp.name', 'dns.resp.type', 'dns.resp.class', 'dns.resp.cache_flush', 'dns.resp.ttl', 'dns.resp.len', 'dns.a', 'dns.aaaa', 'dns.cname', 'dns.ptr.domain_name', 'dns.ns',
  'dns.mx.preference', 'dns.mx.mail_exchange', 'dns.txt', 'dns.txt.length', 'dns.soa.mname', 'dns.soa.rname', 'dns.soa.serial_number', 'dns.soa.minimum_ttl',
  'dns.srv.service', 'dns.srv.proto', 'dns.srv.name', 'dns.srv.target', 'dns.srv.port', 'dns.resp.ext_rcode', 'dns.resp.edns0_version', 'dns.resp.z', 'dns.resp.z.do',
  'dns.opt.code', 'dns.opt.len', 'dns.opt.data', 'dns.response_to', 'dns.time', 'dns.retransmission', 'dns.retransmit_request_in', 'dns.retransmit_response_in', 'dns.unsolicited',
  'dns.rrsig.type_covered', 'dns.rrsig.signers_name', 'dns.svcb.svcpriority', 'dns.svcb.targetname', 'dns.svcb.svcparam.key', 'dns.svcb.svcparam.alpn', 'dns.data',
];
/**
 * Known differences, by file and frame: the TCP header quoted in an ICMP error is shown
 * without running TCP (and so TLS) on it, which would disturb the stream's state.
 */
const KNOWN: Record<string, number[]> = { 'foxio-ja4/pcap/latest.pcapng': [32, 33, 34, 35, 36] };

const hasTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
const files = existsSync(CAPTURES) ? FILES.filter((f) => existsSync(join(CAPTURES, f))) : [];

function tshark(file: string): Promise<string> {
  const args = ['-n', '-r', file, '-Y', FILTER, '-T', 'fields', '-e', 'frame.number', '-e', '_ws.col.Protocol', '-e', '_ws.col.Info', ...FIELDS.flatMap((f) => ['-e', f])];
  return new Promise((resolve, reject) => execFile('tshark', args, { maxBuffer: 64 << 20 }, (err, out) => (err ? reject(err) : resolve(out))));
}

function ours(file: string): string {
  const engine = new Engine();
  const fmt = new FieldsFormatter(engine.reg, FIELDS, { ...DEFAULT_FIELDS_OPTIONS });
  const want = new Uint8Array(engine.reg.size);
  for (const f of fmt.fields) want[f.id] = 1;
  let num = 0;
  let out = '';
  for (const ev of readCaptureSync(readFileSync(file))) {
    if (ev.kind !== 'frame') continue;
    const p = engine.dissect(ev.frame, ++num, { fields: want, tree: false, columns: true });
    if (!p.protocols.some((x) => PROTOS.has(x))) continue;
    out += `${num}\t${p.colProtocol}\t${p.colInfo}\t${fmt.line(p, (f) => p.labelOf(f.id))}`;
  }
  return out;
}

test('ARP/ICMP/ICMPv6/DNS match tshark on real captures', { skip: !hasTshark ? 'tshark not installed' : files.length === 0 ? `no captures under ${CAPTURES}` : false }, async () => {
  const expected = await Promise.all(files.map((f) => tshark(join(CAPTURES, f))));
  let frames = 0;
  const problems: string[] = [];
  files.forEach((f, i) => {
    const skip = new Set(KNOWN[f] ?? []);
    const keep = (s: string) => s.split('\n').filter((l) => l !== '' && !skip.has(Number(l.split('\t')[0])));
    const a = keep(expected[i]!);
    const b = keep(ours(join(CAPTURES, f)));
    frames += a.length;
    if (a.length !== b.length) problems.push(`${f}: ${a.length} frames in tshark, ${b.length} here`);
    for (let j = 0; j < Math.min(a.length, b.length) && problems.length < 20; j++) {
      if (a[j] === b[j]) continue;
      const x = a[j]!.split('\t');
      const y = b[j]!.split('\t');
      const names = ['frame.number', 'col.Protocol', 'col.Info', ...FIELDS];
      const k = x.findIndex((v, n) => v !== y[n]);
      problems.push(`${f} frame ${x[0]}: ${names[k]}: tshark ${JSON.stringify(x[k])}, tlslens ${JSON.stringify(y[k])}`);
    }
  });
  assert.deepEqual(problems, []);
  assert.ok(frames > 500, `only ${frames} frames compared`);
});
