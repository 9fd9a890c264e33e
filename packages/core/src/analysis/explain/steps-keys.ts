/**
 * Key steps: ClientKeyExchange, the derived secrets (from the decryption session), the
 * ChangeCipherSpec / Finished checks, NewSessionTicket, application data and alerts.
 */
import { trafficKeys } from '../../crypto/tls13.ts';
import { firstBytes, isTls13, message, nums, type ExplainContext } from './context.ts';
import { hex, type Step, type Values } from './model.ts';

export function clientKeyExchangeStep(ctx: ExplainContext): Step | undefined {
  const m = message(ctx, 16, true);
  if (!m) return undefined;
  const epms = firstBytes(m, 'tls.handshake.epms');
  const point = firstBytes(m, 'tls.handshake.client_point');
  const yc = firstBytes(m, 'tls.handshake.yc');
  const values: Values = epms
    ? { kind: 'RSA', encrypted_premaster: hex(epms), encrypted_premaster_length: epms.length }
    : point
      ? { kind: 'ECDHE', client_public: hex(point), client_public_length: point.length }
      : yc
        ? { kind: 'DHE', client_public: hex(yc), client_public_length: yc.length }
        : { kind: 'other' };
  return { id: 'client_key_exchange', frames: [m.frame], values };
}

export interface KeysResult {
  readonly step: Step;
  readonly master?: string;
  readonly premaster?: string;
  readonly traffic?: Record<string, string>;
}

/** What the decryption session derived; the source of the keys. */
export function keysStep(ctx: ExplainContext): KeysResult | undefined {
  const s = ctx.session;
  if (!ctx.keys) return undefined;
  const frames: number[] = [];
  const cke = message(ctx, 16, true);
  if (cke) frames.push(cke.frame);
  else if (s?.resumed) {
    const sh = ctx.facts.messages.find((m) => m.type === 2 && !m.fromClient);
    if (sh) frames.push(sh.frame);
  }
  const st = s?.status ?? { code: 'handshake_not_captured', text: 'no ClientHello for this connection' };
  const values: Values = {
    status: st.code,
    status_text: st.text,
    client_random: s?.clientRandom ? hex(s.clientRandom) : null,
    server_random: s?.serverRandom ? hex(s.serverRandom) : null,
    tls13: isTls13(s?.version),
    version: s?.version ? '0x' + s.version.toString(16).padStart(4, '0') : null,
    prf_hash: s?.suite?.prfHash ?? null,
  };
  if (!s) return { step: { id: 'keys', frames, values } };
  const out: { master?: string; premaster?: string; traffic?: Record<string, string> } = {};
  if (isTls13(s.version)) {
    const t = s.tls13;
    const secrets: Record<string, string> = {};
    const keys: Values[] = [];
    const add = (name: string, v: Uint8Array | undefined) => {
      if (!v) return;
      secrets[name] = hex(v);
      if (s.suite && s.suite.cipher.kind !== 'unsupported') {
        const k = trafficKeys(ctx.keys!.crypto, s.suite.prfHash, v, s.suite.keyLen);
        keys.push({ secret: name, key: hex(k.key), iv: hex(k.iv) });
      }
    };
    add('client_early', t.clientEarlyTraffic);
    add('client_handshake', t.clientHandshakeTraffic);
    add('server_handshake', t.serverHandshakeTraffic);
    add('client_application', t.clientTraffic);
    add('server_application', t.serverTraffic);
    values.source = Object.keys(secrets).length ? 'keylog' : null;
    values.traffic_secrets = secrets;
    values.traffic_keys = keys;
    const { client_early: _e, ...traffic } = secrets;
    if (Object.keys(traffic).length) out.traffic = traffic;
    const sh = ctx.facts.messages.find((m) => m.type === 2 && !m.fromClient);
    if (sh) frames.push(sh.frame);
  } else {
    const cr = s.clientRandom;
    const logged = cr && ctx.keys.keylog.masterSecret(cr);
    const pmsLogged = cr && ctx.keys.keylog.premasterSecret(cr);
    values.source = logged ? 'keylog_master' : s.premaster ? (pmsLogged ? 'keylog_premaster' : 'rsa_key') : s.master ? 'session_cache' : null;
    values.resumed = s.resumed;
    values.extended_master_secret = s.extendedMasterSecret;
    values.pre_master_secret = s.premaster ? hex(s.premaster) : null;
    values.pre_master_version = s.premaster && s.premaster.length === 48 ? '0x' + hex(s.premaster.subarray(0, 2)) : null;
    values.master_secret = s.master ? hex(s.master) : null;
    const kb = s.keyBlock;
    values.key_block = kb
      ? {
        client_write_mac_key: hex(kb.clientMacKey), server_write_mac_key: hex(kb.serverMacKey),
        client_write_key: hex(kb.clientKey), server_write_key: hex(kb.serverKey),
        client_write_iv: hex(kb.clientIv), server_write_iv: hex(kb.serverIv),
      }
      : null;
    if (s.master) out.master = hex(s.master);
    if (s.premaster) out.premaster = hex(s.premaster);
  }
  return { step: { id: 'keys', frames, values }, ...out };
}

export function ccsStep(ctx: ExplainContext): Step | undefined {
  const c = ctx.facts.ccs;
  if (c.length === 0) return undefined;
  const client = c.find((x) => x.fromClient);
  const server = c.find((x) => !x.fromClient);
  return {
    id: 'change_cipher_spec',
    frames: [...new Set(c.map((x) => x.frame))].sort((a, b) => a - b),
    values: { client_frame: client?.frame ?? null, server_frame: server?.frame ?? null, tls13_compat: isTls13(ctx.summary.versionCode) },
  };
}

export interface FinishedResult {
  readonly step: Step;
  readonly client: boolean | null;
  readonly server: boolean | null;
}

export function finishedStep(ctx: ExplainContext): FinishedResult | undefined {
  const fin = (client: boolean) => ctx.facts.messages.find((m) => m.type === 20 && m.fromClient === client);
  const tls13 = isTls13(ctx.summary.versionCode);
  const side = (client: boolean): Values => {
    const m = fin(client);
    const verified = ctx.facts.finishedVerified.find((x) => x.fromClient === client)?.ok ?? ctx.session?.finished[client ? 'client' : 'server'] ?? null;
    const vd = ctx.session?.verifyData[client ? 'client' : 'server'];
    if (m) {
      return { frame: m.frame, encrypted: false, verify_data: vd ? hex(vd.received) : null, computed: vd ? hex(vd.computed) : null, length: vd?.received.length ?? null, verified };
    }
    // not readable: the first protected record of that side after its ChangeCipherSpec (TLS ≤ 1.2) / its first flight
    const ccs = ctx.facts.ccs.find((x) => x.fromClient === client);
    const rec = ctx.facts.records.find((r) => r.fromClient === client && (tls13 ? r.outer === 23 : ccs && r.frame >= ccs.frame && r.outer === 22));
    return { frame: rec?.frame ?? null, encrypted: true, verify_data: null, computed: null, length: null, verified };
  };
  const c = side(true);
  const s = side(false);
  if (c.frame === null && s.frame === null) return undefined;
  const frames = [s.frame, c.frame].filter((x): x is number => typeof x === 'number').sort((a, b) => a - b);
  const v = (x: Values) => (typeof x.verified === 'boolean' ? x.verified : null);
  return { step: { id: 'finished', frames, values: { client: c, server: s, tls13 } }, client: v(c), server: v(s) };
}

export function newSessionTicketStep(ctx: ExplainContext): Step | undefined {
  const list = ctx.facts.messages.filter((m) => m.type === 4 && !m.fromClient);
  if (list.length === 0) return undefined;
  const tickets = list.map((m) => ({
    frame: m.frame,
    lifetime: nums(m, 'tls.handshake.session_ticket_lifetime_hint')[m.nth] ?? null,
    length: nums(m, 'tls.handshake.session_ticket_length')[m.nth] ?? null,
  }));
  return {
    id: 'new_session_ticket',
    frames: [...new Set(list.map((m) => m.frame))],
    values: { count: list.length, tickets, tls13: isTls13(ctx.summary.versionCode) },
  };
}

export function applicationDataStep(ctx: ExplainContext): Step | undefined {
  const f = ctx.facts;
  const tls13 = isTls13(ctx.summary.versionCode);
  const decrypted = f.decryptedRecords > 0;
  const app = f.records.filter((r) => (r.type === 23) && (!tls13 || r.outer === 23 || r.type === 23));
  // TLS 1.3 without keys: every protected record counts (the encrypted handshake included)
  const recs = tls13 && !decrypted ? f.records.filter((r) => r.outer === 23 && r.type === undefined) : app;
  if (recs.length === 0 && !f.request) return undefined;
  const dir = (client: boolean) => {
    const r = recs.filter((x) => x.fromClient === client);
    return { records: r.length, bytes: r.reduce((a, x) => a + x.length, 0), sizes: r.slice(0, 8).map((x) => x.length) };
  };
  const frames = [...new Set([...recs.map((r) => r.frame)])].sort((a, b) => a - b);
  const values: Values = {
    client: dir(true),
    server: dir(false),
    decrypted,
    includes_encrypted_handshake: tls13 && !decrypted,
    alpn: ctx.summary.alpn ?? null,
    request: f.request ? { ...f.request } : null,
    response: f.response ? { ...f.response } : null,
  };
  return { id: 'application_data', frames: frames.slice(0, 1).concat(frames.length > 1 ? [frames[frames.length - 1]!] : []), values };
}

export function alertsStep(ctx: ExplainContext): Step | undefined {
  const a = ctx.summary.alerts;
  if (a.length === 0) return undefined;
  return {
    id: 'alerts',
    frames: [...new Set(a.map((x) => x.frame))],
    values: { alerts: a.map((x) => ({ from: x.from, frame: x.frame, level: x.level, description: x.description, encrypted: x.level === 'encrypted' })) },
  };
}
