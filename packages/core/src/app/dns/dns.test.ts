import { test } from 'node:test';
import assert from 'node:assert/strict';
import { be16, be32, dnsName, eth, ipv4, run, udp } from './_testpkt.ts';
import { readName, DnsTruncated } from './names.ts';

const A = '10.0.0.1';
const B = '10.0.0.2';
const hdr = (id: number, flags: number, qd = 1, an = 0, ns = 0, ar = 0) => [...be16(id), ...be16(flags), ...be16(qd), ...be16(an), ...be16(ns), ...be16(ar)];
const q = (name: number[], t = 1, c = 1) => [...name, ...be16(t), ...be16(c)];
const rr = (name: number[], t: number, rd: number[], c = 1, ttl = 300) => [...name, ...be16(t), ...be16(c), ...be32(ttl), ...be16(rd.length), ...rd];
const query = (body: number[], sp = 40000, dp = 53) => eth(ipv4(A, B, 17, udp(sp, dp, body)));
const reply = (body: number[], sp = 53, dp = 40000) => eth(ipv4(B, A, 17, udp(sp, dp, body)));
const EX = dnsName('example', 'com');
const P = [0xc0, 0x0c];

test('DNS query and response: Info, fields, matching', () => {
  const answers = [
    rr(P, 1, [93, 184, 216, 34]),
    rr(P, 28, [...Array(15).fill(0), 1]),
    rr(P, 5, dnsName('alias', 'example', 'net')),
    rr(P, 15, [...be16(10), 2, 0x6d, 0x78, ...P]),
    rr(P, 16, [5, ...[...'hello'].map((c) => c.charCodeAt(0))]),
    rr(P, 6, [...P, ...dnsName('admin'), ...be32(1), ...be32(3600), ...be32(600), ...be32(86400), ...be32(60)]),
    rr(P, 33, [...be16(1), ...be16(2), ...be16(443), ...P]),
    rr([0], 41, [...be16(10), ...be16(8), ...Array(8).fill(0)], 1232, 0x8000),
  ];
  const { v, info, packets } = run([query([...hdr(0x1234, 0x0100), ...q(EX)]), reply([...hdr(0x1234, 0x8180, 1, answers.length), ...q(EX), ...answers.flat()]), reply([...hdr(0x9999, 0x8183), ...q(EX)])]);
  assert.equal(info(1), 'Standard query 0x1234 A example.com');
  assert.equal(info(2), 'Standard query response 0x1234 A example.com A 93.184.216.34 AAAA ::1 CNAME alias.example.net MX 10 mx.example.com TXT SOA example.com SRV 1 2 443 example.com OPT');
  assert.equal(info(3), 'Standard query response 0x9999 No such name A example.com');
  assert.equal(packets[0]!.colProtocol, 'DNS');
  assert.equal(packets[0]!.protocols.join(':'), 'eth:ethertype:ip:udp:dns');
  assert.deepEqual([v(1, 'dns.id'), v(1, 'dns.flags'), v(1, 'dns.qry.name'), v(1, 'dns.qry.name.len'), v(1, 'dns.count.labels'), v(1, 'dns.qry.class')], [['0x1234'], ['0x0100'], ['example.com'], ['11'], ['2'], ['0x0001']]);
  // queries show neither the response-only flags nor a clear AD bit
  assert.deepEqual([v(1, 'dns.flags.authoritative'), v(1, 'dns.flags.authenticated'), v(1, 'dns.flags.rcode'), v(1, 'dns.flags.recdesired')], [[], [], [], ['1']]);
  assert.deepEqual(v(2, 'dns.resp.type'), ['1', '28', '5', '15', '16', '6', '33', '41']);
  // SRV owner names go to dns.srv.*, not dns.resp.name
  assert.equal(v(2, 'dns.resp.name').length, 7);
  assert.deepEqual([v(2, 'dns.a'), v(2, 'dns.aaaa'), v(2, 'dns.cname'), v(2, 'dns.mx.mail_exchange'), v(2, 'dns.txt'), v(2, 'dns.soa.rname'), v(2, 'dns.srv.port')], [['93.184.216.34'], ['::1'], ['alias.example.net'], ['mx.example.com'], ['hello'], ['admin'], ['443']]);
  assert.deepEqual([v(2, 'dns.rr.udp_payload_size'), v(2, 'dns.resp.z.do'), v(2, 'dns.opt.code'), v(2, 'dns.resp.ttl').length], [['1232'], ['1'], ['10'], 7]);
  assert.deepEqual([v(2, 'dns.response_to'), v(2, 'dns.time'), v(3, 'dns.unsolicited')], [['1'], ['1.250000000'], ['1']]);
});

test('DNS retransmissions and mDNS/LLMNR flavours', () => {
  const { v, info, packets } = run([
    query([...hdr(0x4444, 0x0100), ...q(EX)]),
    query([...hdr(0x4444, 0x0100), ...q(EX)]),
    reply([...hdr(0x4444, 0x8180, 1, 1), ...q(EX), ...rr(P, 1, [1, 2, 3, 4])]),
    reply([...hdr(0x4444, 0x8180, 1, 1), ...q(EX), ...rr(P, 1, [1, 2, 3, 4])]),
    query([...hdr(0, 0, 1, 1), ...q(dnsName('_x', '_tcp', 'local'), 12, 0x8001), ...rr(P, 12, [4, 0x69, 0x6e, 0x73, 0x74, ...P], 0x8001)], 5353, 5353),
    query([...hdr(0x8888, 0), ...q(dnsName('wpad'))], 50000, 5355),
  ]);
  assert.deepEqual([v(2, 'dns.retransmission'), v(2, 'dns.retransmit_request_in')], [['1'], ['1']]);
  assert.deepEqual([v(3, 'dns.response_to'), v(4, 'dns.retransmit_response_in'), v(4, 'dns.response_to')], [['1'], ['3'], []]);
  assert.equal(info(5), 'Standard query 0x0000 PTR _x._tcp.local, "QU" question PTR, cache flush inst._x._tcp.local');
  assert.deepEqual([packets[4]!.colProtocol, packets[4]!.protocols.at(-1)], ['MDNS', 'mdns']);
  assert.deepEqual([v(5, 'dns.qry.class'), v(5, 'dns.qry.qu'), v(5, 'dns.resp.cache_flush')], [['0x0001'], ['1'], ['1']]);
  assert.deepEqual([packets[5]!.colProtocol, info(6), v(6, 'dns.flags.tentative')], ['LLMNR', 'Standard query 0x8888 A wpad', ['0']]);
});

test('hostile DNS: pointer loops, bad pointers, truncation never throw or hang', () => {
  const { v, info } = run([
    query([...hdr(1, 0x0100), ...q(P)]),
    query([...hdr(2, 0x0100), ...q([1, 0x61, ...P])]),
    query([...hdr(3, 0x0100), ...q([1, 0x61, 0xc0, 0x50])]),
    query([...hdr(4, 0x0100), 5, 0x61, 0x62]),
    query([...hdr(5, 0x0100, 2), ...q(dnsName('x', 'com'))]),
    query(hdr(6, 0x0100).slice(0, 8)),
    query([...hdr(7, 0x0100), ...q(dnsName('a\x01b', 'com'))]),
    query([...hdr(8, 0x0100), ...q(dnsName('x'.repeat(63), 'y'.repeat(63), 'z'.repeat(63), 'w'.repeat(63)))]),
    reply([...hdr(9, 0x8180, 1, 1), ...q(EX), ...rr(P, 1, [1, 2, 3, 4]).slice(0, -2)]),
    reply([...hdr(10, 0x8180, 1, 1), ...q(EX), ...P, ...be16(5), ...be16(1), ...be32(1), ...be16(40), 3, 0x61, 0x62, 0x63, ...P]),
  ]);
  assert.equal(info(1), 'Standard query 0x0001 A <Name contains a pointer that loops>');
  assert.deepEqual(v(1, 'dns.qry.name.len'), ['36']);
  assert.equal(info(2), 'Standard query 0x0002 A <Name contains a pointer that loops>');
  assert.equal(info(3), 'Standard query 0x0003[Malformed Packet]');
  assert.equal(info(4), 'Standard query 0x0004[Malformed Packet]');
  assert.equal(info(5), 'Standard query 0x0005 A x.com[Malformed Packet]');
  assert.deepEqual([info(6), v(6, 'dns.count.queries'), v(6, 'dns.count.answers'), v(6, 'dns.count.auth_rr')], ['Standard query 0x0006[Malformed Packet]', ['1'], ['0'], []]);
  assert.deepEqual([v(7, 'dns.qry.name'), v(7, 'dns.qry.name.len')], [['a\\001b.com'], ['7']]);
  assert.equal(info(8), 'Standard query 0x0008 A <Name too long>');
  assert.equal(info(9), 'Standard query response 0x0009 A example.com A[Malformed Packet]');
  assert.deepEqual(v(9, 'dns.resp.name'), []);
  assert.equal(info(10), 'Standard query response 0x000a A example.com CNAME[Malformed Packet]');
});

test('readName terminates on every pointer pattern', () => {
  // a chain of pointers each pointing to the previous one, and random garbage
  const buf = new Uint8Array(4096);
  for (let i = 0; i < buf.length; i += 2) {
    buf[i] = 0xc0 | ((i - 2) >> 8 & 0x3f);
    buf[i + 1] = (i - 2) & 0xff;
  }
  buf[0] = 0xc0;
  buf[1] = 0x02;
  const r = readName(buf, 0, 4094, buf.length);
  assert.equal(r.text, '<Name contains a pointer that loops>');
  let seed = 7;
  for (let n = 0; n < 2000; n++) {
    const b = Uint8Array.from({ length: 64 }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
    try {
      readName(b, 0, n % 64, b.length);
    } catch (e) {
      assert.ok(e instanceof DnsTruncated);
    }
  }
});

test('fuzz: mutated DNS/ICMP/ICMPv6/ARP frames never raise a dissector exception', async () => {
  const { icmp, icmp6, hex } = await import('./_testpkt.ts');
  const seeds = [
    query([...hdr(0x1234, 0x0100), ...q(EX)]),
    reply([...hdr(0x1234, 0x8180, 1, 3, 0, 1), ...q(EX), ...rr(P, 5, dnsName('a', 'b')), ...rr(P, 33, [0, 1, 0, 2, 1, 187, ...P]), ...rr(P, 65, [0, 1, 0, 0, 1, 0, 3, 2, 0x68, 0x32]), ...rr([0], 41, [0, 10, 0, 2, 1, 2], 4096)]),
    query([...hdr(0, 0, 1), ...q(dnsName('x', 'local'), 12, 0x8001)], 5353, 5353),
    eth(ipv4(A, B, 1, icmp(3, 3, [0, 0, 0, 0], ipv4(B, A, 17, udp(1, 53, [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1]))))),
    eth(ipv4(A, B, 1, icmp(8, 0, [0, 1, 0, 1], [1, 2, 3, 4, 5, 6, 7, 8, 9]))),
    eth(icmp6('fe80::1', 'fe80::2', 136, 0, [0x60, 0, 0, 0, ...Array(15).fill(0), 2, 2, 1, 0, 17, 34, 51, 68, 85]), 0x86dd),
    eth(icmp6('fe80::1', 'ff02::16', 143, 0, [0, 0, 0, 1, 4, 1, 0, 1, ...Array(16).fill(0xff), ...Array(16).fill(1), 1, 2, 3, 4]), 0x86dd),
    eth([...hex('0001 0800 06 04 0001 001122334455 0a000002 000000000000 0a000001')], 0x0806),
  ];
  let seed = 12345;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
  const frames: number[][] = [];
  for (let i = 0; i < 3000; i++) {
    const f = [...seeds[i % seeds.length]!];
    const muts = 1 + rnd(4);
    for (let m = 0; m < muts; m++) {
      const at = 14 + rnd(f.length - 14);
      const kind = rnd(3);
      if (kind === 0) f[at] = rnd(256);
      else if (kind === 1) f.length = Math.max(15, at);
      else f[at] = 0xc0;
    }
    frames.push(f);
  }
  const { packets } = run(frames);
  const bugs = packets.flatMap((p) => p.experts.filter((e) => e.message.startsWith('Dissector exception')).map((e) => `${p.num}: ${e.message}`));
  assert.deepEqual(bugs, []);
});
