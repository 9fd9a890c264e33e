import type { Registry } from '../fields/registry.ts';
import type { TcpConversation, TcpPayloadHandler } from '../transport/tcp/index.ts';
import { latin1, type TlsUpgrade } from './upgrade.ts';

/**
 * LDAP (TCP 389 and 3268), as far as TLS needs (RFC 4511): each LDAPMessage is a BER
 * SEQUENCE of a message ID and a protocol operation. An ExtendedRequest named
 * 1.3.6.1.4.1.1466.20037 (StartTLS, RFC 4511 §4.14) followed by an ExtendedResponse with
 * resultCode success(0) switches the rest of the stream to TLS.
 */
export const LDAP_PORTS = [389, 3268];
const START_TLS_OID = '1.3.6.1.4.1.1466.20037';

const OPS: Record<number, string> = {
  0: 'bindRequest', 1: 'bindResponse', 2: 'unbindRequest', 3: 'searchRequest', 4: 'searchResEntry', 5: 'searchResDone',
  6: 'modifyRequest', 7: 'modifyResponse', 8: 'addRequest', 9: 'addResponse', 10: 'delRequest', 11: 'delResponse',
  12: 'modDNRequest', 13: 'modDNResponse', 14: 'compareRequest', 15: 'compareResponse', 16: 'abandonRequest',
  19: 'searchResRef', 23: 'extendedReq', 24: 'extendedResp', 25: 'intermediateResponse',
};

/** Operations whose body is an LDAPResult. */
const RESPONSES = new Set([1, 5, 7, 9, 11, 13, 15, 24]);
const SCOPES: Record<number, string> = { 0: 'baseObject', 1: 'singleLevel', 2: 'wholeSubtree' };
/** resultCode names (RFC 4511 §4.1.9). */
const RESULTS: Record<number, string> = {
  0: 'success', 1: 'operationsError', 2: 'protocolError', 3: 'timeLimitExceeded', 4: 'sizeLimitExceeded', 5: 'compareFalse',
  6: 'compareTrue', 7: 'authMethodNotSupported', 8: 'strongerAuthRequired', 10: 'referral', 11: 'adminLimitExceeded',
  12: 'unavailableCriticalExtension', 13: 'confidentialityRequired', 14: 'saslBindInProgress', 16: 'noSuchAttribute',
  17: 'undefinedAttributeType', 18: 'inappropriateMatching', 19: 'constraintViolation', 20: 'attributeOrValueExists',
  21: 'invalidAttributeSyntax', 32: 'noSuchObject', 33: 'aliasProblem', 34: 'invalidDNSyntax', 36: 'aliasDereferencingProblem',
  48: 'inappropriateAuthentication', 49: 'invalidCredentials', 50: 'insufficientAccessRights', 51: 'busy', 52: 'unavailable',
  53: 'unwillingToPerform', 54: 'loopDetect', 64: 'namingViolation', 65: 'objectClassViolation', 66: 'notAllowedOnNonLeaf',
  67: 'notAllowedOnRDN', 68: 'entryAlreadyExists', 69: 'objectClassModsProhibited', 71: 'affectsMultipleDSAs', 80: 'other',
};

interface Tlv {
  tag: number;
  /** Start and end of the value. */
  start: number;
  end: number;
}

/** One BER TLV at `o` (single-byte tags, definite lengths up to 4 bytes); undefined when it does not fit. */
function tlv(d: Uint8Array, o: number, end: number): Tlv | undefined {
  if (o + 2 > end) return undefined;
  const tag = d[o]!;
  let len = d[o + 1]!;
  let s = o + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || s + n > end) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + d[s + i]!;
    s += n;
  }
  if (s + len > end) return undefined;
  return { tag, start: s, end: s + len };
}

function uint(d: Uint8Array, t: Tlv): number {
  let v = 0;
  for (let i = t.start; i < t.end && i < t.start + 6; i++) v = v * 256 + d[i]!;
  return v;
}

export function createLdap(reg: Registry, upgrade: TlsUpgrade): TcpPayloadHandler {
  const proto = reg.protocol('ldap', 'Lightweight Directory Access Protocol');
  const f = reg.fields('ldap', {
    LDAPMessage_element: { name: 'LDAPMessage', type: 'none' },
    messageID: { name: 'messageID', type: 'uint32' },
    protocolOp: { name: 'protocolOp', type: 'uint32', vals: OPS },
    requestName: { name: 'requestName', type: 'string' },
    resultCode: { name: 'resultCode', type: 'uint32', vals: RESULTS },
  });
  const pending = new WeakMap<TcpConversation, boolean>();
  /** searchResEntry messages seen per message ID (searchResDone shows the count). */
  const entries = new WeakMap<TcpConversation, Map<number, number>>();

  // the protocol's own bytes: before the switch, and what TLS decrypts after it
  const dissect: TcpPayloadHandler = (p, data, off, end, seg) => {
    const first = tlv(data, off, end);
    if (!first || first.tag !== 0x30) return 0;
    p.protocols.push('ldap');
    p.proto(proto, data, off, end - off);
    const info: string[] = [];
    let o = off;
    for (let m = tlv(data, o, end); m && m.tag === 0x30; m = tlv(data, o, end)) {
      p.add(f.LDAPMessage_element, null, o, m.end - o);
      const id = tlv(data, m.start, m.end);
      const op = id && id.tag === 0x02 ? tlv(data, id.end, m.end) : undefined;
      if (!id || !op || (op.tag & 0xc0) !== 0x40) break;
      const msgId = uint(data, id);
      const opNum = op.tag & 0x1f;
      p.add(f.messageID, msgId, id.start, id.end - id.start);
      p.add(f.protocolOp, opNum, op.start, op.end - op.start);
      let extra = '';
      if (opNum === 23) {
        const name = tlv(data, op.start, op.end);
        if (name && name.tag === 0x80) {
          const oid = latin1(data, name.start, name.end);
          p.add(f.requestName, oid, name.start, name.end - name.start);
          if (oid === START_TLS_OID) {
            extra = 'LDAP_START_TLS_OID ';
            pending.set(seg.conv, true);
          } else extra = `${oid} `;
        }
      } else if (RESPONSES.has(opNum)) {
        // LDAPResult: resultCode, matchedDN, diagnosticMessage
        const rc = tlv(data, op.start, op.end);
        if (rc && rc.tag === 0x0a) {
          const code = uint(data, rc);
          p.add(f.resultCode, code, rc.start, rc.end - rc.start);
          const dn = tlv(data, rc.end, op.end);
          const diag = dn ? tlv(data, dn.end, op.end) : undefined;
          const text = diag && diag.end > diag.start ? latin1(data, diag.start, diag.end) : '';
          if (opNum !== 24) extra = `${RESULTS[code] ?? `Unknown (${code})`} ${text ? `(${text}) ` : ''}`;
          if (opNum === 5) {
            const n = entries.get(seg.conv)?.get(msgId) ?? 0;
            extra += ` [${n} result${n === 1 ? '' : 's'}]`;
          }
          if (opNum === 24 && pending.get(seg.conv)) {
            pending.delete(seg.conv);
            if (code === 0) upgrade.start(seg.conv, p.num, payload);
          }
        }
      } else if (opNum === 0 || opNum === 3 || opNum === 4) {
        // bindRequest: version, name, authentication; searchRequest: baseObject, scope; searchResEntry: objectName
        let t = tlv(data, op.start, op.end);
        if (t && opNum === 0) t = tlv(data, t.end, op.end);
        if (t && t.tag === 0x04) {
          const name = latin1(data, t.start, t.end) || '<ROOT>';
          const next = tlv(data, t.end, op.end);
          extra = `"${name}" `;
          if (opNum === 0 && next) extra += `${next.tag === 0x80 ? 'simple' : next.tag === 0xa3 ? 'sasl' : 'unknown'} `;
          if (opNum === 3 && next && next.tag === 0x0a) extra += `${SCOPES[uint(data, next)] ?? 'unknown'} `;
          if (opNum === 4) {
            let perConv = entries.get(seg.conv);
            if (!perConv) entries.set(seg.conv, (perConv = new Map()));
            if (perConv.size > 4096) perConv.clear();
            perConv.set(msgId, (perConv.get(msgId) ?? 0) + 1);
          }
        }
      }
      info.push(`${OPS[opNum] ?? `protocolOp ${opNum}`}(${msgId}) ${extra}`);
      o = m.end;
    }
    p.close();
    if (p.wantCols) {
      p.colProtocol = 'LDAP';
      p.colInfo = info.length ? info.join(', ') : 'Unknown';
    }
    return end - off;
  };
  const payload = { protoName: 'Lightweight Directory Access Protocol', handle: dissect };
  return (p, data, off, end, seg) => upgrade.handle(p, data, off, end, seg) ?? dissect(p, data, off, end, seg);
}
