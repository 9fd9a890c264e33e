/** The findings of a connection: what is deprecated, weak or wrong, from the steps already built. */
import { cipherSuite } from '../../tls/registry/index.ts';
import type { Certificate } from '../../x509/certificate.ts';
import { certLabel } from '../../x509/validate.ts';
import type { ExplainContext } from './context.ts';
import type { CertProblem, Finding, Step } from './model.ts';

const DEPRECATED = new Set([0x0002, 0x0300, 0x0301, 0x0302]);

export function findings(ctx: ExplainContext, steps: readonly Step[], chain: readonly Certificate[], problems: readonly CertProblem[] | undefined): Finding[] {
  const out: Finding[] = [];
  const h = ctx.summary;
  const step = (id: string) => steps.find((s) => s.id === id);
  if (h.versionCode !== undefined && DEPRECATED.has(h.versionCode)) out.push({ code: 'deprecated_version', severity: 'high', params: { version: h.version ?? '' } });
  else if (step('client_hello')?.values.sslv2_connection === true) out.push({ code: 'deprecated_version', severity: 'high', params: { version: 'SSLv2' } });
  const cs = h.cipherSuiteCode !== undefined ? cipherSuite(h.cipherSuiteCode) : undefined;
  if (cs && !cs.tls13) {
    if (['RSA', 'DH', 'ECDH', 'PSK', 'RSA_PSK', 'NULL'].includes(cs.kx)) out.push({ code: 'no_forward_secrecy', severity: 'medium', params: { suite: cs.name, key_exchange: cs.kx } });
    if (/^(RC4|DES|3DES|NULL|RC2|IDEA)/.test(cs.cipher) || cs.export || cs.mac === 'MD5') out.push({ code: 'weak_cipher', severity: 'high', params: { suite: cs.name, cipher: cs.cipher } });
    else if (cs.mode === 'CBC') {
      const sh = step('server_hello');
      const etm = ((sh?.values.extensions ?? []) as string[]).includes('encrypt_then_mac');
      out.push({ code: 'cbc_mode', severity: etm ? 'info' : 'low', params: { suite: cs.name, encrypt_then_mac: etm } });
    }
  }
  if (problems && problems.length) out.push({ code: 'certificate_invalid', severity: 'high', params: { problems: problems.map((p) => p.code) } });
  chain.forEach((c, i) => {
    const isAnchorSelf = i === chain.length - 1 && c.selfIssued && i > 0;
    if (!isAnchorSelf && /sha1|md5/i.test(c.signatureAlgorithm.name)) out.push({ code: 'sha1_signature', severity: 'medium', params: { subject: certLabel(c), algorithm: c.signatureAlgorithm.name } });
    const k = c.publicKey;
    if ((k.algorithm === 'RSA' || k.algorithm === 'DSA') && k.bits < 2048) out.push({ code: 'short_key', severity: 'high', params: { subject: certLabel(c), algorithm: k.algorithm, bits: k.bits } });
    if (k.algorithm === 'EC' && k.bits < 224) out.push({ code: 'short_key', severity: 'high', params: { subject: certLabel(c), algorithm: k.algorithm, bits: k.bits } });
  });
  const ske = step('server_key_exchange');
  if (ske && typeof ske.values.dh_bits === 'number' && ske.values.dh_bits < 2048) out.push({ code: 'short_key', severity: 'high', params: { subject: 'ServerKeyExchange', algorithm: 'DH', bits: ske.values.dh_bits } });
  if (ske && ske.values.signature_verified === false) out.push({ code: 'key_exchange_signature', severity: 'high', params: { frame: ske.frames[0] ?? null, message: String(ske.values.signature_message) } });
  if (ske && ske.values.signature_hash === 'sha1') out.push({ code: 'sha1_signature', severity: 'medium', params: { subject: 'ServerKeyExchange', algorithm: String(ske.values.signature_algorithm) } });
  if (!h.sni) out.push({ code: 'no_sni', severity: 'info', params: {} });
  if (h.alpnOffered.length === 0) out.push({ code: 'no_alpn', severity: 'info', params: {} });
  for (const a of h.alerts) {
    if (a.level === 'Fatal' || (a.level !== 'encrypted' && a.description !== 'Close Notify')) {
      out.push({ code: 'alert', severity: a.level === 'Fatal' ? 'high' : 'low', params: { from: a.from, frame: a.frame, level: a.level, description: a.description } });
    }
  }
  if (!h.complete) out.push({ code: 'handshake_incomplete', severity: 'high', params: { server_hello: h.version !== undefined } });
  const fin = step('finished');
  for (const side of ['client', 'server'] as const) {
    const v = fin?.values[side] as { verified?: boolean | null; frame?: number | null } | undefined;
    if (v && v.verified === false) out.push({ code: 'finished_mismatch', severity: 'high', params: { side, frame: v.frame ?? null } });
  }
  const s = ctx.session;
  if (ctx.keys && s) {
    const st = s.status;
    if (st.code === 'record_failure' && s.failure) out.push({ code: 'decryption_failed', severity: 'medium', params: { frame: s.failure.frame, record: s.failure.record, reason: s.failure.reason } });
    else if (st.code !== 'decrypted' && st.code !== 'pending') out.push({ code: 'not_decrypted', severity: 'info', params: { status: st.code, text: st.text } });
  }
  return out;
}
