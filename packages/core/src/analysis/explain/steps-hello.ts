/** Steps 1–3: the TCP handshake, the ClientHello, the (HelloRetryRequest and) ServerHello. */
import {
  cipherSuite, extensionName, groupName, isGrease, versionName, versionShortName,
} from '../../tls/registry/index.ts';
import type { HsMessage } from './collector.ts';
import { firstBytes, firstNum, iso, isTls13, nums, round3, strs, fieldOf, type ExplainContext } from './context.ts';
import { hex, hex4, type Step, type Values, type Value } from './model.ts';

const SYN = 0x02;
const ACK = 0x10;

export function tcpHandshakeStep(ctx: ExplainContext): Step {
  const t = ctx.facts.tcp;
  const syn = t.find((x) => x.fromClient && x.flags & SYN && !(x.flags & ACK));
  const synAck = t.find((x) => !x.fromClient && x.flags & SYN && x.flags & ACK);
  const ack = synAck && t.find((x) => x.fromClient && x.frame > synAck.frame && x.flags & ACK && !(x.flags & SYN));
  if (!syn || !synAck || syn.seqRaw === undefined || synAck.seqRaw === undefined) {
    return { id: 'tcp_handshake', frames: [], values: { captured: false, client: ctx.summary.client, server: ctx.summary.server } };
  }
  const values: Values = {
    captured: true,
    client: ctx.summary.client,
    server: ctx.summary.server,
    syn_frame: syn.frame,
    synack_frame: synAck.frame,
    ack_frame: ack?.frame ?? null,
    client_isn: syn.seqRaw,
    server_isn: synAck.seqRaw,
    synack_ack: synAck.ackRaw ?? null,
    ack_seq: ack?.seqRaw ?? null,
    ack_ack: ack?.ackRaw ?? null,
    relative: {
      syn_seq: syn.seq ?? 0,
      synack_seq: synAck.seq ?? 0,
      synack_ack: synAck.ack ?? 1,
      ack_seq: ack?.seq ?? null,
      ack_ack: ack?.ack ?? null,
    },
    rtt_ms: round3(synAck.ms - syn.ms),
    client_mss: syn.mss ?? null,
    server_mss: synAck.mss ?? null,
  };
  if (ack) values.initial_rtt_ms = round3(ack.ms - syn.ms);
  return { id: 'tcp_handshake', frames: [syn.frame, synAck.frame, ...(ack ? [ack.frame] : [])], values };
}

/** Post-quantum hybrid and pure ML-KEM groups (IANA TLS Supported Groups, draft-kwiatkowski-tls-ecdhe-mlkem). */
export function isPostQuantum(group: number): boolean {
  return [0x11eb, 0x11ec, 0x11ed, 0x0200, 0x0201, 0x0202, 0x6399, 0x639a].includes(group) || /MLKEM|Kyber/i.test(groupName(group));
}

export function suiteParts(code: number): Values {
  const cs = cipherSuite(code);
  if (!cs) return { code: hex4(code), name: isGrease(code) ? 'GREASE' : `Unknown (${hex4(code)})`, grease: isGrease(code) };
  return {
    code: hex4(code), name: cs.name, tls13: cs.tls13, scsv: cs.scsv, grease: false,
    key_exchange: cs.tls13 ? null : cs.kx, authentication: cs.tls13 ? null : cs.auth,
    cipher: cs.cipher, key_bits: cs.keyBits, mode: cs.mode, mac: cs.mac, prf: cs.prf, export: cs.export,
  };
}

/** The session ticket the ClientHello offers (extension 35's body), if any. */
function offeredTicket(ch: HsMessage): Uint8Array | undefined {
  const types = nums(ch, 'tls.handshake.extension.type');
  const lens = nums(ch, 'tls.handshake.extension.len');
  const i = types.indexOf(35);
  const len = i >= 0 ? lens[i] ?? 0 : 0;
  if (len === 0) return undefined;
  return fieldOf(ch, 'tls.handshake.extension.data').find((d): d is Uint8Array => d instanceof Uint8Array && d.length === len);
}

export function clientHelloStep(ctx: ExplainContext, ch: HsMessage): Step {
  const random = firstBytes(ch, 'tls.handshake.random');
  const sid = firstBytes(ch, 'tls.handshake.session_id') ?? new Uint8Array(0);
  // an SSL 2.0-format ClientHello lists 3-byte cipher specs; those with a zero first byte are SSL 3.0/TLS suites
  const specs = nums(ch, 'tls.handshake.cipherspec');
  const sslv2Format = ch.record?.version === 0x0002 || (random === undefined && specs.length > 0);
  const suites = sslv2Format ? specs.filter((x) => x <= 0xffff) : nums(ch, 'tls.handshake.ciphersuite');
  const exts = nums(ch, 'tls.handshake.extension.type');
  const versions = nums(ch, 'tls.handshake.extensions.supported_version');
  const groups = nums(ch, 'tls.handshake.extensions_key_share_group');
  const shareLens = nums(ch, 'tls.handshake.extensions_key_share_key_exchange_length');
  const shareKeys = fieldOf(ch, 'tls.handshake.extensions_key_share_key_exchange');
  const supportedGroups = nums(ch, 'tls.handshake.extensions_supported_group');
  const grease = [...new Set([...suites, ...exts, ...versions, ...groups, ...supportedGroups].filter(isGrease))].map(hex4);
  const gmt = random && random.length >= 4 ? ((random[0]! << 24) >>> 0) + (random[1]! << 16) + (random[2]! << 8) + random[3]! : undefined;
  const deltaDays = gmt !== undefined ? (gmt * 1000 - ch.ms) / 86_400_000 : undefined;
  const offers13 = versions.includes(0x0304) || versions.some((v) => (v & 0xff00) === 0x7f00);
  const ticket = offeredTicket(ch);
  const values: Values = {
    sslv2_format: sslv2Format,
    sslv2_cipher_specs: sslv2Format ? specs.length : null,
    sslv2_connection: ctx.summary.versionCode === 0x0002 || ctx.facts.messages.some((m) => !m.fromClient && m.record?.version === 0x0002),
    record_content_type: ch.record?.type ?? 22,
    record_version: ch.record ? hex4(ch.record.version) : null,
    record_version_name: ch.record ? versionShortName(ch.record.version) : null,
    handshake_type: 1,
    length: ch.length ?? null,
    legacy_version: firstNum(ch, 'tls.handshake.version') !== undefined ? hex4(firstNum(ch, 'tls.handshake.version')!) : null,
    legacy_version_name: firstNum(ch, 'tls.handshake.version') !== undefined ? versionShortName(firstNum(ch, 'tls.handshake.version')!) : null,
    random: random ? hex(random) : null,
    gmt_unix_time: gmt ?? null,
    gmt_time: gmt !== undefined ? iso(gmt * 1000) : null,
    gmt_delta_days: deltaDays !== undefined ? Math.round(deltaDays * 10) / 10 : null,
    gmt_plausible: deltaDays !== undefined ? Math.abs(deltaDays) <= 1 : null,
    capture_time: iso(ch.ms),
    session_id: hex(sid),
    session_id_length: sid.length,
    offers_tls13: offers13,
    cipher_suite_count: suites.filter((s) => !isGrease(s)).length,
    cipher_suites: suites.map(suiteParts),
    sni: ctx.summary.sni ?? null,
    alpn: strs(ch, 'tls.handshake.extensions_alpn_str'),
    supported_versions: versions.filter((v) => !isGrease(v)).map(versionShortName),
    key_shares: groups.map((g, i) => {
      const k = shareKeys[i];
      return { group: hex4(g), name: isGrease(g) ? 'GREASE' : groupName(g), length: shareLens[i] ?? null, public: k instanceof Uint8Array ? hex(k) : null, post_quantum: isPostQuantum(g), grease: isGrease(g) };
    }),
    supported_groups: supportedGroups.filter((g) => !isGrease(g)).map(groupName),
    grease,
    extensions: exts.map((e) => (isGrease(e) ? `GREASE (${hex4(e)})` : extensionName(e))),
    session_ticket_offered: ticket !== undefined,
    session_ticket_length: ticket?.length ?? 0,
    psk_offered: exts.includes(41),
    extended_master_secret_offered: exts.includes(23),
    early_data_offered: exts.includes(42),
  };
  const hellos = ctx.facts.messages.filter((m) => m.type === 1 && m.fromClient);
  if (hellos.length > 1) values.second_client_hello_frame = hellos[1]!.frame;
  return { id: 'client_hello', frames: [ch.frame], values };
}

const HRR = 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c';

export function isHrr(m: HsMessage): boolean {
  const r = firstBytes(m, 'tls.handshake.random');
  return (r !== undefined && hex(r) === HRR) || firstNum(m, 'tls.handshake.extensions_key_share_selected_group') !== undefined;
}

export function helloRetryStep(hrr: HsMessage, ch2: HsMessage | undefined): Step {
  const g = firstNum(hrr, 'tls.handshake.extensions_key_share_selected_group');
  return {
    id: 'hello_retry_request',
    frames: [hrr.frame, ...(ch2 ? [ch2.frame] : [])],
    values: { selected_group: g !== undefined ? groupName(g) : null, cipher_suite: firstNum(hrr, 'tls.handshake.ciphersuite') !== undefined ? suiteParts(firstNum(hrr, 'tls.handshake.ciphersuite')!) : null, second_client_hello_frame: ch2?.frame ?? null },
  };
}

export function serverHelloStep(ctx: ExplainContext, ch: HsMessage | undefined, sh: HsMessage): Step {
  const legacy = firstNum(sh, 'tls.handshake.version');
  const sv = firstNum(sh, 'tls.handshake.extensions.supported_version');
  const version = sv ?? legacy ?? 0;
  const tls13 = isTls13(version);
  const random = firstBytes(sh, 'tls.handshake.random');
  const sid = firstBytes(sh, 'tls.handshake.session_id') ?? new Uint8Array(0);
  const chSid = firstBytes(ch, 'tls.handshake.session_id') ?? new Uint8Array(0);
  const code = firstNum(sh, 'tls.handshake.ciphersuite');
  const exts = nums(sh, 'tls.handshake.extension.type');
  const resumed = ctx.summary.resumed ?? 'no';
  let decision: string;
  if (tls13) decision = resumed === 'psk' ? 'psk' : sid.length > 0 ? 'echo' : 'none';
  else if (sid.length > 0 && hex(sid) === hex(chSid)) decision = 'resumed';
  else if (resumed === 'ticket') decision = 'ticket';
  else decision = sid.length > 0 ? 'new' : 'none';
  // the connection this one resumes (same session ID, or the ticket it offered / the PSK identity)
  let from: Value = null;
  if (resumed !== 'no') {
    const origin = (o: { stream: number; frame: number } | undefined) => (o && o.stream !== ctx.facts.stream ? { stream: o.stream, frame: o.frame } : null);
    const ticket = ch && offeredTicketHex(ch);
    const ident = ch && firstBytes(ch, 'tls.handshake.extensions.psk.identity.identity');
    from = (decision === 'resumed' ? origin(ctx.collector.sessionIds.get(hex(sid))) : null)
      ?? (ticket ? origin(ctx.collector.tickets.get(ticket)) : null)
      ?? (ident ? origin(ctx.collector.tickets.get(hex(ident))) : null);
  }
  const tail = random ? hex(random.subarray(24)) : '';
  const downgrade = tail === '444f574e47524401' ? 'TLS 1.2' : tail === '444f574e47524400' ? 'TLS 1.1 or below' : null;
  const group = firstNum(sh, 'tls.handshake.extensions_key_share_group');
  const values: Values = {
    record_content_type: sh.record?.type ?? 22,
    record_version: sh.record ? hex4(sh.record.version) : null,
    record_version_name: sh.record ? versionShortName(sh.record.version) : null,
    handshake_type: 2,
    length: sh.length ?? null,
    legacy_version: legacy !== undefined ? hex4(legacy) : null,
    version: versionShortName(version),
    version_detail: versionName(version),
    via_supported_versions: sv !== undefined,
    client_max_version: ctx.summary.clientVersion ?? null,
    random: random ? hex(random) : null,
    downgrade_sentinel: downgrade,
    session_id: hex(sid),
    session_id_length: sid.length,
    session_decision: decision,
    resumed,
    resumed_from: from,
    cipher_suite: code !== undefined ? suiteParts(code) : null,
    compression: firstNum(sh, 'tls.handshake.comp_method') ?? 0,
    alpn: ctx.summary.alpn ?? null,
    alpn_offered: ctx.summary.alpnOffered.length > 0,
    key_share_group: group !== undefined ? groupName(group) : null,
    key_share_post_quantum: group !== undefined ? isPostQuantum(group) : false,
    key_share_public: ((k) => (k ? hex(k) : null))(firstBytes(sh, 'tls.handshake.extensions_key_share_key_exchange')),
    extended_master_secret: exts.includes(23),
    extensions: exts.map(extensionName),
    hello_retry_request: ctx.summary.helloRetryRequest,
  };
  if (tls13) {
    // everything after the ServerHello is encrypted with the handshake keys (visible when decrypted)
    values.encrypted_flight = ctx.facts.messages
      .filter((m) => !m.fromClient && m.frame >= sh.frame && [8, 11, 13, 15, 20].includes(m.type))
      .map((m) => ({ type: m.type, frame: m.frame }));
  }
  return { id: 'server_hello', frames: [sh.frame], values };
}

function offeredTicketHex(ch: HsMessage): string | undefined {
  const t = offeredTicket(ch);
  return t ? hex(t) : undefined;
}
