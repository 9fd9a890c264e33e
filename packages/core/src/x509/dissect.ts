/**
 * The certificate dissector: adds Wireshark's x509af/x509if/x509sat/x509ce/pkcs1/pkix*
 * fields for one DER certificate, in the order tshark 4.0 adds them, with absolute offsets.
 * Malformed DER ends the dissection of that certificate with an expert note, never an
 * exception.
 */
import { hexBytes } from '../fields/format.ts';
import type { Packet } from '../packet.ts';
import { DerError, TAG, children, expect, oidText, readTlv, smallInt, stringValue, type Tlv } from './der.ts';

const sv = (b: Uint8Array, t: Tlv): string => cString(stringValue(b, t));
import type { X509Fields } from './fields.ts';
import { oidName } from './oids.ts';

const DS_CHOICE: Record<number, [number, string]> = {
  [TAG.T61String]: [0, 'teletexString'],
  [TAG.PrintableString]: [1, 'printableString'],
  [TAG.UniversalString]: [2, 'universalString'],
  [TAG.BMPString]: [3, 'bmpString'],
  [TAG.UTF8String]: [4, 'uTF8String'],
};

/** Attribute types whose value is a DirectoryString (X.520, EV jurisdiction names, RFC 4519). */
const DIRECTORY_STRING_ATTRS = new Set([
  '2.5.4.3', '2.5.4.4', '2.5.4.7', '2.5.4.8', '2.5.4.9', '2.5.4.10', '2.5.4.11', '2.5.4.12', '2.5.4.13', '2.5.4.15',
  '2.5.4.17', '2.5.4.18', '2.5.4.41', '2.5.4.42', '2.5.4.43', '2.5.4.44', '2.5.4.65', '2.5.4.97',
  '1.3.6.1.4.1.311.60.2.1.1', '1.3.6.1.4.1.311.60.2.1.2',
]);

function plural(n: number): string {
  return `${n} item${n === 1 ? '' : 's'}`;
}

/** Wireshark's UTCTime text: "2014-09-24 10:08:05 (UTC)". */
export function utcTimeText(s: string): string {
  const m = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?(Z|[+-]\d{4})$/.exec(s);
  if (!m) return s;
  const y = Number(m[1]) < 50 ? '20' + m[1] : '19' + m[1];
  const secs = m[6] !== undefined ? `:${m[6]}` : '';
  const zone = m[7] === 'Z' ? 'UTC' : `UTC${m[7]!.slice(0, 3)}:${m[7]!.slice(3)}`;
  return `${y}-${m[2]}-${m[3]} ${m[4]}:${m[5]}${secs} (${zone})`;
}

class CertDissector {
  private depth = 0;
  constructor(private readonly p: Packet, private readonly b: Uint8Array, private readonly f: X509Fields) {}

  private open(id: number, value: import('../fields/types.ts').FieldValue, off: number, len: number, label?: () => string): void {
    this.p.open(id, value, off, len, 0, this.p.tree ? label : undefined);
    this.depth++;
  }
  private close(): void {
    this.p.close();
    this.depth--;
  }
  closeAll(): void {
    while (this.depth > 0) this.close();
  }
  private add(id: number, value: import('../fields/types.ts').FieldValue, off: number, len: number, label?: () => string): void {
    this.p.add(id, value, off, len, 0, this.p.tree ? label : undefined);
  }
  private bytes(t: Tlv, from = t.vstart): Uint8Array {
    return this.b.subarray(from, t.end);
  }

  certificate(off: number, end: number): void {
    const { b, f } = this;
    const cert = expect(b, off, end, TAG.SEQUENCE, 'Certificate');
    const parts = children(b, cert, 3);
    if (parts.length !== 3) throw new DerError('Certificate must have 3 elements', cert.start);
    const [tbs, sigAlg, sig] = parts as [Tlv, Tlv, Tlv];
    if (tbs.tag !== TAG.SEQUENCE) throw new DerError('tbsCertificate is not a SEQUENCE', tbs.start);
    this.open(f.af.signedCertificate_element, null, tbs.start, tbs.end - tbs.start);
    this.tbs(tbs);
    this.close();
    this.algorithmIdentifier(sigAlg, f.af.algorithmIdentifier_element, 'algorithmIdentifier');
    this.bitString(sig, f.af.encrypted);
  }

  private tbs(tbs: Tlv): void {
    const { b, f } = this;
    const el = children(b, tbs, 16);
    let i = 0;
    let t = el[i];
    if (t && t.tag === 0xa0) {
      const v = expect(b, t.vstart, t.end, TAG.INTEGER, 'version');
      const n = smallInt(b, v);
      this.add(f.af.version, n, v.vstart, v.len);
      t = el[++i];
    }
    if (!t || t.tag !== TAG.INTEGER) throw new DerError('missing serialNumber', tbs.start);
    const serial = this.bytes(t);
    this.add(f.af.serialNumber, serial, t.vstart, t.len, () => `serialNumber: 0x${hexBytes(serial)}`);
    t = el[++i];
    if (!t) throw new DerError('missing signature', tbs.end);
    this.algorithmIdentifier(t, f.af.signature_element, 'signature');
    t = el[++i];
    if (!t) throw new DerError('missing issuer', tbs.end);
    this.name(t, f.af.issuer, f.xif.rdnSequence);
    t = el[++i];
    if (!t || t.tag !== TAG.SEQUENCE) throw new DerError('missing validity', tbs.end);
    this.open(f.af.validity_element, null, t.start, t.end - t.start);
    const times = children(b, t, 2);
    if (times.length !== 2) throw new DerError('validity must have 2 times', t.start);
    this.time(times[0]!, f.af.notBefore);
    this.time(times[1]!, f.af.notAfter);
    this.close();
    t = el[++i];
    if (!t) throw new DerError('missing subject', tbs.end);
    this.name(t, f.af.subject, f.af.rdnSequence);
    t = el[++i];
    if (!t || t.tag !== TAG.SEQUENCE) throw new DerError('missing subjectPublicKeyInfo', tbs.end);
    this.spki(t);
    for (t = el[++i]; t; t = el[++i]) {
      if (t.tag === 0x81) this.add(f.af.issuerUniqueIdentifier, this.bytes(t, t.vstart + 1), t.vstart + 1, Math.max(0, t.len - 1));
      else if (t.tag === 0x82) this.add(f.af.subjectUniqueIdentifier, this.bytes(t, t.vstart + 1), t.vstart + 1, Math.max(0, t.len - 1));
      else if (t.tag === 0xa3) this.extensions(t);
    }
  }

  private algorithmIdentifier(t: Tlv, elemId: number, label: string): void {
    const { b, f } = this;
    if (t.tag !== TAG.SEQUENCE) throw new DerError('AlgorithmIdentifier is not a SEQUENCE', t.start);
    const oidT = expect(b, t.vstart, t.end, TAG.OID, 'algorithm');
    const oid = oidText(b, oidT);
    this.open(elemId, null, t.start, t.end - t.start, () => `${label} (${oidName(oid)})`);
    this.add(f.af['algorithm.id'], oid, oidT.vstart, oidT.len, () => `Algorithm Id: ${oid} (${oidName(oid)})`);
    if (oidT.end < t.end) this.algorithmParams(oid, readTlv(b, oidT.end, t.end));
    this.close();
  }

  private algorithmParams(oid: string, t: Tlv): void {
    const { b, f } = this;
    if (t.tag === TAG.NULL) return;
    if (oid === '1.2.840.10045.2.1') {
      // ECParameters ::= CHOICE { specifiedCurve (0), namedCurve (1), implicitlyCA (2) }
      if (t.tag === TAG.OID) {
        const c = oidText(b, t);
        this.open(f.pk.ECParameters, 1, t.start, t.end - t.start);
        this.add(f.pk.namedCurve, c, t.vstart, t.len, () => `namedCurve: ${c} (${oidName(c)})`);
        this.close();
      } else if (t.tag === TAG.SEQUENCE) {
        this.open(f.pk.ECParameters, 0, t.start, t.end - t.start);
        this.specifiedCurve(t);
        this.close();
      }
    } else if (oid === '1.2.840.10040.4.1' && t.tag === TAG.SEQUENCE) {
      this.open(f.af.DSS_Params_element, null, t.start, t.end - t.start);
      const [pp, q, g] = children(b, t, 3);
      if (pp) this.add(f.af.p, this.bytes(pp), pp.vstart, pp.len);
      if (q) this.add(f.af.q, this.bytes(q), q.vstart, q.len);
      if (g) this.add(f.af.g, this.bytes(g), g.vstart, g.len);
      this.close();
    } else if (oid === '1.2.840.113549.1.1.10' && t.tag === TAG.SEQUENCE) {
      this.open(f.pk.RSASSA_PSS_params_element, null, t.start, t.end - t.start);
      for (const c of children(b, t, 4)) {
        if (c.tag === 0xa0) this.algorithmIdentifier(readTlv(b, c.vstart, c.end), f.pk.hashAlgorithm_element, 'hashAlgorithm');
        else if (c.tag === 0xa1) this.algorithmIdentifier(readTlv(b, c.vstart, c.end), f.pk.maskGenAlgorithm_element, 'maskGenAlgorithm');
        else if (c.tag === 0xa2) { const v = expect(b, c.vstart, c.end, TAG.INTEGER, 'saltLength'); this.add(f.pk.saltLength, smallInt(b, v), v.vstart, v.len); }
        else if (c.tag === 0xa3) { const v = expect(b, c.vstart, c.end, TAG.INTEGER, 'trailerField'); this.add(f.pk.trailerField, smallInt(b, v), v.vstart, v.len); }
      }
      this.close();
    }
  }

  /** RFC 3279 SpecifiedECDomain (explicit curve parameters). */
  private specifiedCurve(t: Tlv): void {
    const { b, f } = this;
    this.open(f.pk.specifiedCurve_element, null, t.start, t.end - t.start);
    const [ver, field, curve, base, order, cof] = children(b, t, 7);
    if (ver && ver.tag === TAG.INTEGER) this.add(f.pk.version, smallIntU(b, ver), ver.vstart, ver.len);
    if (field && field.tag === TAG.SEQUENCE) {
      this.open(f.pk.fieldID_element, null, field.start, field.end - field.start);
      const [ft, prime] = children(b, field, 2);
      if (ft && ft.tag === TAG.OID) { const o = oidText(b, ft); this.add(f.pk.fieldType, o, ft.vstart, ft.len, () => `fieldType: ${o} (${oidName(o)})`); }
      if (prime && prime.tag === TAG.INTEGER) this.add(f.ber['64bit_uint_as_bytes'], this.bytes(prime), prime.vstart, prime.len);
      this.close();
    }
    if (curve && curve.tag === TAG.SEQUENCE) {
      this.open(f.pk.curve_element, null, curve.start, curve.end - curve.start);
      const [a, bb, seed] = children(b, curve, 3);
      if (a) this.add(f.pk.a, this.bytes(a), a.vstart, a.len);
      if (bb) this.add(f.pk.b, this.bytes(bb), bb.vstart, bb.len);
      if (seed && seed.tag === TAG.BIT_STRING) this.bitString(seed, f.pk.seed);
      this.close();
    }
    if (base) this.add(f.pk.base, this.bytes(base), base.vstart, base.len);
    if (order && order.tag === TAG.INTEGER) this.add(f.ber['64bit_uint_as_bytes'], this.bytes(order), order.vstart, order.len);
    if (cof && cof.tag === TAG.INTEGER) this.add(f.pk.cofactor, smallIntU(b, cof), cof.vstart, cof.len);
    this.close();
  }

  /** Name ::= CHOICE { rdnSequence }: `choiceId` (value 0) with `seqId` (item count) below. */
  private name(t: Tlv, choiceId: number, seqId: number): void {
    const { b } = this;
    if (t.tag !== TAG.SEQUENCE) throw new DerError('Name is not a SEQUENCE', t.start);
    const rdns = children(b, t, 1000);
    const texts: string[] = [];
    this.open(choiceId, 0, t.start, t.end - t.start);
    const seqNode = this.p.open(seqId, rdns.length, t.vstart, t.len);
    this.depth++;
    for (const rdn of rdns) texts.push(this.rdn(rdn));
    if (seqNode) seqNode.label = `rdnSequence: ${plural(rdns.length)} (${texts.slice().reverse().join(',')})`;
    this.close();
    this.close();
  }

  private rdn(set: Tlv): string {
    const { b, f } = this;
    if (set.tag !== TAG.SET) throw new DerError('RelativeDistinguishedName is not a SET', set.start);
    const atvs = children(b, set, 100);
    const node = this.p.open(f.xif.RDNSequence_item, atvs.length, set.vstart, set.len);
    this.depth++;
    const texts: string[] = [];
    for (const atv of atvs) {
      if (atv.tag !== TAG.SEQUENCE) throw new DerError('AttributeTypeAndValue is not a SEQUENCE', atv.start);
      const typeT = expect(b, atv.vstart, atv.end, TAG.OID, 'attribute type');
      const type = oidText(b, typeT);
      const valT = typeT.end < atv.end ? readTlv(b, typeT.end, atv.end) : undefined;
      const text = `${oidName(type)}=${valT ? sv(b, valT).replace(/\0.*$/s, '') : ''}`;
      texts.push(text);
      this.open(f.xif.RelativeDistinguishedName_item_element, null, atv.start, atv.end - atv.start, () => `RelativeDistinguishedName item (${text})`);
      this.add(f.xif.oid, type, typeT.vstart, typeT.len, () => `Object Id: ${type} (${oidName(type)})`);
      if (valT) this.attributeValue(type, valT);
      this.close();
    }
    if (node) node.label = `RDNSequence item: ${plural(atvs.length)} (${texts.join(',')})`;
    this.close();
    return texts.join('+');
  }

  private attributeValue(type: string, v: Tlv): void {
    const { b, f, p } = this;
    p.protocols.push('x509sat');
    if (type === '2.5.4.6' || type === '1.3.6.1.4.1.311.60.2.1.3') {
      this.add(f.sat.CountryName, sv(b, v), v.vstart, v.len);
    } else if (DIRECTORY_STRING_ATTRS.has(type)) {
      const c = DS_CHOICE[v.tag];
      if (!c) return;
      this.open(f.sat.DirectoryString, c[0], v.start, v.end - v.start);
      const ids = [f.sat.teletexString, f.sat.printableString, f.sat.universalString, f.sat.bmpString, f.sat.uTF8String];
      this.add(ids[c[0]]!, cString(sv(b, v)), v.vstart, v.len);
      this.close();
    } else if (type === '2.5.4.5' || type === '2.5.4.46') {
      this.add(f.sat.PrintableString, cString(sv(b, v)), v.vstart, v.len);
    } else if (type === '1.2.840.113549.1.9.1' || type === '0.9.2342.19200300.100.1.25') {
      this.add(f.sat.IA5String, cString(sv(b, v)), v.vstart, v.len);
    } else {
      p.protocols.pop();
    }
  }

  private time(t: Tlv, id: number): void {
    const { b, f } = this;
    if (t.tag === TAG.UTCTime) {
      this.open(id, 0, t.start, t.end - t.start);
      const txt = utcTimeText(sv(b, t));
      this.add(f.af.utcTime, txt, t.vstart, t.len);
      this.close();
    } else if (t.tag === TAG.GeneralizedTime) {
      this.open(id, 1, t.start, t.end - t.start);
      const s = sv(b, t);
      const m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?(?:[.,](\d+))?Z?$/.exec(s);
      if (m) {
        const secs = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)) / 1000;
        const ns = m[7] ? Math.round(Number('0.' + m[7]) * 1e9) : 0;
        this.add(f.af.generalizedTime, { s: secs, ns }, t.vstart, t.len);
      }
      this.close();
    } else throw new DerError('Time is neither UTCTime nor GeneralizedTime', t.start);
  }

  private spki(t: Tlv): void {
    const { b, f } = this;
    this.open(f.af.subjectPublicKeyInfo_element, null, t.start, t.end - t.start);
    const [alg, key] = children(b, t, 2);
    if (!alg || !key) throw new DerError('incomplete SubjectPublicKeyInfo', t.start);
    this.algorithmIdentifier(alg, f.af.algorithm_element, 'algorithm');
    const algOid = oidText(b, expect(b, alg.vstart, alg.end, TAG.OID, 'algorithm'));
    if (key.tag !== TAG.BIT_STRING || key.len < 1) throw new DerError('subjectPublicKey is not a BIT STRING', key.start);
    if (algOid === '1.2.840.113549.1.1.1') {
      // the RSA key is dissected as RSAPublicKey, without the padding item
      this.open(f.af.subjectPublicKey, this.bytes(key, key.vstart + 1), key.vstart + 1, key.len - 1);
      try {
        const seq = expect(b, key.vstart + 1, key.end, TAG.SEQUENCE, 'RSAPublicKey');
        const [n, e] = children(b, seq, 2);
        if (n) this.add(f.pk.modulus, this.bytes(n), n.vstart, n.len, () => `modulus: 0x${hexBytes(this.bytes(n))}`);
        if (e) this.add(f.pk.publicExponent, e.len <= 4 ? Number(BigInt.asIntN(32, BigInt(smallIntU(b, e)))) : 0, e.vstart, e.len);
      } finally {
        this.close();
      }
    } else {
      this.bitString(key, f.af.subjectPublicKey);
    }
    this.close();
  }

  /** A BIT STRING: "Padding" (unused bits) then the bytes. */
  private bitString(t: Tlv, id: number): number {
    const { b, f } = this;
    if (t.tag !== TAG.BIT_STRING || t.len < 1) throw new DerError('expected a BIT STRING', t.start);
    this.add(f.ber['bitstring.padding'], b[t.vstart]!, t.vstart, 1);
    this.add(id, this.bytes(t, t.vstart + 1), t.vstart + 1, t.len - 1);
    return t.vstart + 1;
  }

  private extensions(wrap: Tlv): void {
    const { b, f } = this;
    const seq = expect(b, wrap.vstart, wrap.end, TAG.SEQUENCE, 'Extensions');
    const exts = children(b, seq, 1000);
    this.open(f.af.extensions, exts.length, seq.vstart, seq.len, () => `extensions: ${plural(exts.length)}`);
    for (const ext of exts) {
      if (ext.tag !== TAG.SEQUENCE) throw new DerError('Extension is not a SEQUENCE', ext.start);
      const [idT, a, c] = children(b, ext, 3);
      if (!idT || idT.tag !== TAG.OID) throw new DerError('Extension without extnID', ext.start);
      const id = oidText(b, idT);
      this.open(f.af.Extension_element, null, ext.start, ext.end - ext.start, () => `Extension (${oidName(id)})`);
      this.add(f.af['extension.id'], id, idT.vstart, idT.len, () => `Extension Id: ${id} (${oidName(id)})`);
      let val = a;
      if (a && a.tag === TAG.BOOLEAN) {
        this.add(f.af.critical, a.len > 0 && b[a.vstart] !== 0, a.vstart, a.len);
        val = c;
      }
      if (!val || val.tag !== TAG.OCTET_STRING) throw new DerError('Extension without extnValue', ext.start);
      this.extensionValue(id, val.vstart, val.end);
      this.close();
    }
    this.close();
  }

  private extensionValue(id: string, off: number, end: number): void {
    const { b, f, p } = this;
    if (off >= end) return;
    switch (id) {
      case '2.5.29.14': {
        p.protocols.push('x509ce');
        const t = expect(b, off, end, TAG.OCTET_STRING, 'SubjectKeyIdentifier');
        this.add(f.ce.SubjectKeyIdentifier, this.bytes(t), t.vstart, t.len);
        return;
      }
      case '2.5.29.35': {
        p.protocols.push('x509ce');
        const t = expect(b, off, end, TAG.SEQUENCE, 'AuthorityKeyIdentifier');
        this.open(f.ce.AuthorityKeyIdentifier_element, null, t.start, t.end - t.start);
        for (const c of children(b, t, 3)) {
          if (c.tag === 0x80) this.add(f.ce.keyIdentifier, this.bytes(c), c.vstart, c.len);
          else if (c.tag === 0xa1) this.generalNames(c, f.ce.authorityCertIssuer);
          else if (c.tag === 0x82) this.add(f.ce.authorityCertSerialNumber, this.bytes(c), c.vstart, c.len);
        }
        this.close();
        return;
      }
      case '2.5.29.19': {
        p.protocols.push('x509ce');
        const t = expect(b, off, end, TAG.SEQUENCE, 'BasicConstraints');
        this.open(f.ce.BasicConstraintsSyntax_element, null, t.start, t.end - t.start, () => `BasicConstraintsSyntax${t.len === 0 ? ' [0 length]' : ''}`);
        for (const c of children(b, t, 2)) {
          if (c.tag === TAG.BOOLEAN) this.add(f.ce.cA, c.len > 0 && b[c.vstart] !== 0, c.vstart, c.len);
          else if (c.tag === TAG.INTEGER) this.add(f.ce.pathLenConstraint, smallIntU(b, c), c.vstart, c.len);
        }
        this.close();
        return;
      }
      case '2.5.29.15': {
        p.protocols.push('x509ce');
        const t = expect(b, off, end, TAG.BIT_STRING, 'KeyUsage');
        if (t.len < 1) return;
        this.add(f.ber['bitstring.padding'], b[t.vstart]!, t.vstart, 1);
        const v = this.bytes(t, t.vstart + 1);
        this.open(f.ce.KeyUsage, v, t.vstart + 1, t.len - 1);
        const b0 = v[0] ?? 0;
        const ids = [f.ce['KeyUsage.digitalSignature'], f.ce['KeyUsage.contentCommitment'], f.ce['KeyUsage.keyEncipherment'], f.ce['KeyUsage.dataEncipherment'],
          f.ce['KeyUsage.keyAgreement'], f.ce['KeyUsage.keyCertSign'], f.ce['KeyUsage.cRLSign'], f.ce['KeyUsage.encipherOnly']];
        for (let i = 0; i < 8; i++) this.add(ids[i]!, (b0 & (0x80 >> i)) !== 0, t.vstart + 1, Math.min(1, t.len - 1));
        this.add(f.ce['KeyUsage.decipherOnly'], ((v[1] ?? 0) & 0x80) !== 0, t.vstart + 2, v.length > 1 ? 1 : 0);
        this.close();
        return;
      }
      case '2.5.29.37': {
        p.protocols.push('x509ce');
        const t = expect(b, off, end, TAG.SEQUENCE, 'ExtKeyUsage');
        const ks = children(b, t, 1000);
        this.open(f.ce.KeyPurposeIDs, ks.length, t.vstart, t.len, () => `KeyPurposeIDs: ${plural(ks.length)}`);
        for (const k of ks) {
          if (k.tag !== TAG.OID) continue;
          const o = oidText(b, k);
          this.add(f.ce.KeyPurposeId, o, k.vstart, k.len, () => `KeyPurposeId: ${o} (${oidName(o)})`);
        }
        this.close();
        return;
      }
      case '2.5.29.17':
      case '2.5.29.18': {
        p.protocols.push('x509ce');
        this.generalNames(expect(b, off, end, TAG.SEQUENCE, 'GeneralNames'), f.ce.GeneralNames);
        return;
      }
      case '2.5.29.31':
      case '2.5.29.46': {
        p.protocols.push('x509ce');
        const t = expect(b, off, end, TAG.SEQUENCE, 'CRLDistributionPoints');
        const dps = children(b, t, 1000);
        this.open(f.ce.CRLDistPointsSyntax, dps.length, t.vstart, t.len, () => `CRLDistPointsSyntax: ${plural(dps.length)}`);
        for (const dp of dps) {
          this.open(f.ce.DistributionPoint_element, null, dp.start, dp.end - dp.start);
          for (const c of children(b, dp, 3)) {
            if (c.tag === 0xa0) {
              const n = readTlv(b, c.vstart, c.end);
              this.open(f.ce.distributionPoint, n.tag === 0xa0 ? 0 : 1, n.start, n.end - n.start);
              if (n.tag === 0xa0) this.generalNames(n, f.ce.fullName);
              this.close();
            } else if (c.tag === 0x81) this.add(f.ce.reasons, this.bytes(c, c.vstart + 1), c.vstart + 1, Math.max(0, c.len - 1));
            else if (c.tag === 0xa2) this.generalNames(c, f.ce.cRLIssuer);
          }
          this.close();
        }
        this.close();
        return;
      }
      case '2.5.29.32':
      case '1.3.6.1.4.1.311.21.10': {
        p.protocols.push('x509ce');
        this.policies(expect(b, off, end, TAG.SEQUENCE, 'CertificatePolicies'));
        return;
      }
      case '2.5.29.30': {
        p.protocols.push('x509ce');
        const t = expect(b, off, end, TAG.SEQUENCE, 'NameConstraints');
        this.open(f.ce.NameConstraintsSyntax_element, null, t.start, t.end - t.start);
        for (const c of children(b, t, 2)) {
          const subs = children(b, c, 1000);
          this.open(c.tag === 0xa0 ? f.ce.permittedSubtrees : f.ce.excludedSubtrees, subs.length, c.vstart, c.len);
          for (const s of subs) {
            this.open(f.ce.GeneralSubtree_element, null, s.start, s.end - s.start);
            const parts = children(b, s, 3);
            if (parts[0]) this.generalName(parts[0], f.ce.base);
            for (const q of parts.slice(1)) {
              if (q.tag === 0x80) this.add(f.ce.minimum, smallIntU(b, q), q.vstart, q.len);
              else if (q.tag === 0x81) this.add(f.ce.maximum, smallIntU(b, q), q.vstart, q.len);
            }
            this.close();
          }
          this.close();
        }
        this.close();
        return;
      }
      case '1.3.6.1.5.5.7.1.1':
      case '1.3.6.1.5.5.7.1.11': {
        p.protocols.push('pkix1implicit');
        const t = expect(b, off, end, TAG.SEQUENCE, 'AuthorityInfoAccess');
        const ads = children(b, t, 1000);
        this.open(f.pim.AuthorityInfoAccessSyntax, ads.length, t.vstart, t.len, () => `AuthorityInfoAccessSyntax: ${plural(ads.length)}`);
        for (const ad of ads) {
          this.open(f.pim.AccessDescription_element, null, ad.start, ad.end - ad.start);
          const [m, loc] = children(b, ad, 2);
          if (m && m.tag === TAG.OID) {
            const o = oidText(b, m);
            this.add(f.pim.accessMethod, o, m.vstart, m.len, () => `accessMethod: ${o} (${oidName(o)})`);
          }
          if (loc) this.generalName(loc, f.pim.accessLocation);
          this.close();
        }
        this.close();
        return;
      }
      case '1.3.6.1.4.1.11129.2.4.2': {
        const t = expect(b, off, end, TAG.OCTET_STRING, 'SignedCertificateTimestampList');
        this.sctList(t.vstart, t.end);
        return;
      }
      case '1.3.6.1.4.1.311.21.1': {
        p.protocols.push('x509sat');
        const t = expect(b, off, end, TAG.INTEGER, 'CAVersion');
        this.add(f.sat.Integer, t.len <= 4 ? Number(BigInt.asIntN(32, BigInt(smallIntU(b, t)))) : 0, t.vstart, t.len);
        return;
      }
      case '1.3.6.1.4.1.311.21.2': {
        p.protocols.push('x509sat');
        const t = expect(b, off, end, TAG.OCTET_STRING, 'OctetString');
        this.add(f.sat.OctetString, this.bytes(t), t.vstart, t.len);
        return;
      }
      case '1.3.6.1.4.1.311.20.2': {
        p.protocols.push('x509sat');
        const t = readTlv(b, off, end);
        this.add(f.sat.BMPString, sv(b, t), t.vstart, t.len);
        return;
      }
      case '1.3.6.1.4.1.311.21.7': {
        p.protocols.push('x509ce');
        const t = expect(b, off, end, TAG.SEQUENCE, 'CertificateTemplate');
        this.open(f.ce.CertificateTemplate_element, null, t.start, t.end - t.start);
        let ints = 0;
        for (const c of children(b, t, 3)) {
          if (c.tag === TAG.OID) { const o = oidText(b, c); this.add(f.ce.templateID, o, c.vstart, c.len); }
          else if (c.tag === TAG.INTEGER) {
            const n = c.len <= 4 ? Number(BigInt.asIntN(32, BigInt(smallIntU(b, c)))) : 0;
            this.add(ints++ === 0 ? f.ce.templateMajorVersion : f.ce.templateMinorVersion, n, c.vstart, c.len);
          }
        }
        this.close();
        return;
      }
      case '2.16.840.1.113730.1.1': {
        p.protocols.push('ns_cert_exts');
        const t = expect(b, off, end, TAG.BIT_STRING, 'CertType');
        if (t.len < 1) return;
        this.add(f.ber['bitstring.padding'], b[t.vstart]!, t.vstart, 1);
        const v = this.bytes(t, t.vstart + 1);
        this.open(f.ns.CertType, v, t.vstart + 1, t.len - 1);
        const bits = f.nsbits;
        const ids = [bits['CertType.ssl.client'], bits['CertType.ssl.server'], bits['CertType.smime'], bits['CertType.object.signing'],
          bits['CertType.reserved.for.future.use'], bits['CertType.ssl.ca'], bits['CertType.smime.ca'], bits['CertType.object.signing.ca']];
        for (let i = 0; i < 8; i++) this.add(ids[i]!, ((v[0] ?? 0) & (0x80 >> i)) !== 0, t.vstart + 1, Math.min(1, v.length));
        this.close();
        return;
      }
      case '2.16.840.1.113730.1.2': case '2.16.840.1.113730.1.3': case '2.16.840.1.113730.1.4':
      case '2.16.840.1.113730.1.8': case '2.16.840.1.113730.1.12': case '2.16.840.1.113730.1.13': {
        p.protocols.push('ns_cert_exts');
        const t = readTlv(b, off, end);
        const which = { '2.16.840.1.113730.1.2': f.ns.BaseUrl, '2.16.840.1.113730.1.3': f.ns.RevocationUrl, '2.16.840.1.113730.1.4': f.ns.CaRevocationUrl,
          '2.16.840.1.113730.1.8': f.ns.CaPolicyUrl, '2.16.840.1.113730.1.12': f.ns.SslServerName, '2.16.840.1.113730.1.13': f.ns.Comment }[id]!;
        this.add(which, sv(b, t), t.vstart, t.len);
        return;
      }
      default:
        return;
    }
  }

  private policies(t: Tlv): void {
    const { b, f, p } = this;
    const pis = children(b, t, 1000);
    this.open(f.ce.CertificatePoliciesSyntax, pis.length, t.vstart, t.len, () => `CertificatePoliciesSyntax: ${plural(pis.length)}`);
    for (const pi of pis) {
      this.open(f.ce.PolicyInformation_element, null, pi.start, pi.end - pi.start);
      const [idT, quals] = children(b, pi, 2);
      if (idT && idT.tag === TAG.OID) {
        const o = oidText(b, idT);
        this.add(f.ce.policyIdentifier, o, idT.vstart, idT.len, () => `policyIdentifier: ${o} (${oidName(o)})`);
      }
      if (quals && quals.tag === TAG.SEQUENCE) {
        const qs = children(b, quals, 100);
        this.open(f.ce.policyQualifiers, qs.length, quals.vstart, quals.len, () => `policyQualifiers: ${plural(qs.length)}`);
        for (const q of qs) {
          this.open(f.ce.PolicyQualifierInfo_element, null, q.start, q.end - q.start);
          const [qid, qv] = children(b, q, 2);
          if (qid && qid.tag === TAG.OID) {
            const o = oidText(b, qid);
            this.add(f.ce.id, o, qid.vstart, qid.len, () => `Id: ${o} (${oidName(o)})`);
            if (qv && o === '1.3.6.1.5.5.7.2.1') {
              p.protocols.push('pkix1explicit');
              this.add(f.pex.DirectoryString, sv(b, qv), qv.vstart, qv.len);
            } else if (qv && o === '1.3.6.1.5.5.7.2.2' && qv.tag === TAG.SEQUENCE) {
              p.protocols.push('pkix1implicit');
              this.userNotice(qv);
            }
          }
          this.close();
        }
        this.close();
      }
      this.close();
    }
    this.close();
  }

  private displayText(t: Tlv, choiceId: number): void {
    const { b, f } = this;
    const map: Record<number, [number, number]> = {
      [TAG.IA5String]: [0, f.pim.ia5String], [TAG.VisibleString]: [1, f.pim.visibleString],
      [TAG.BMPString]: [2, f.pim.bmpString], [TAG.UTF8String]: [3, f.pim.utf8String],
    };
    const c = map[t.tag];
    if (!c) return;
    this.open(choiceId, c[0], t.start, t.end - t.start);
    this.add(c[1], sv(b, t), t.vstart, t.len);
    this.close();
  }

  private userNotice(t: Tlv): void {
    const { b, f } = this;
    this.open(f.pim.UserNotice_element, null, t.start, t.end - t.start);
    for (const c of children(b, t, 2)) {
      if (c.tag === TAG.SEQUENCE) {
        this.open(f.pim.noticeRef_element, null, c.start, c.end - c.start);
        const [org, nums] = children(b, c, 2);
        if (org) this.displayText(org, f.pim.organization);
        if (nums && nums.tag === TAG.SEQUENCE) {
          const ns = children(b, nums, 100);
          this.open(f.pim.noticeNumbers, ns.length, nums.vstart, nums.len);
          for (const n of ns) if (n.tag === TAG.INTEGER) this.add(f.pim.noticeNumbers_item, n.len <= 4 ? Number(BigInt.asIntN(32, BigInt(smallIntU(b, n)))) : 0, n.vstart, n.len);
          this.close();
        }
        this.close();
      } else this.displayText(c, f.pim.explicitText);
    }
    this.close();
  }

  private generalNames(t: Tlv, listId: number): void {
    const { b, f } = this;
    const names = children(b, t, 10000);
    this.open(listId, names.length, t.vstart, t.len, () => `${this.p.tree ? '' : ''}${nameOfList(listId, f)}: ${plural(names.length)}`);
    for (const n of names) this.generalName(n, f.ce.GeneralName);
    this.close();
  }

  /** One GeneralName: the CHOICE item `choiceId` (AIA uses accessLocation and shows no GeneralName wrapper). */
  private generalName(t: Tlv, choiceId: number): void {
    const { b, f } = this;
    const kind = t.tag & 0x1f;
    const wrap = choiceId !== f.pim.accessLocation;
    if (wrap) this.open(choiceId, kind, t.vstart, t.len);
    else this.open(choiceId, kind, t.start, t.end - t.start);
    switch (kind) {
      case 0: {
        this.open(f.ce.otherName_element, null, t.vstart, t.len);
        const typeT = expect(b, t.vstart, t.end, TAG.OID, 'otherName type-id');
        const o = oidText(b, typeT);
        this.add(f.ce.type_id, o, typeT.vstart, typeT.len, () => `type-id: ${o} (${oidName(o)})`);
        if (typeT.end < t.end) {
          const ex = readTlv(b, typeT.end, t.end);
          if (ex.tag === 0xa0 && ex.len > 0) {
            const v = readTlv(b, ex.vstart, ex.end);
            if (o === '1.3.6.1.5.5.7.8.5') this.add(f.pq.XmppAddr, sv(b, v), v.vstart, v.len);
            else if (o === '1.3.6.1.5.5.7.8.7') this.add(f.pq.SRVName, sv(b, v), v.vstart, v.len);
          }
        }
        this.close();
        break;
      }
      case 1: this.add(f.ce.rfc822Name, sv(b, t), t.vstart, t.len); break;
      case 2: this.add(f.ce.dNSName, sv(b, t), t.vstart, t.len); break;
      case 4: {
        const n = readTlv(b, t.vstart, t.end);
        this.name(n, f.ce.directoryName, f.xif.rdnSequence);
        break;
      }
      case 6: this.add(f.ce.uniformResourceIdentifier, sv(b, t), t.vstart, t.len); break;
      case 7: {
        const v = b.subarray(t.vstart, t.end);
        if (t.len === 4) this.add(f.ce['IPAddress.ipv4'], ((v[0]! << 24) >>> 0) + (v[1]! << 16) + (v[2]! << 8) + v[3]!, t.vstart, 4);
        else if (t.len === 16) this.add(f.ce['IPAddress.ipv6'], v, t.vstart, 16);
        else this.add(f.ce.iPAddress, v, t.vstart, t.len);
        break;
      }
      case 8: this.add(f.ce.registeredID, oidText(b, t), t.vstart, t.len); break;
      default: break;
    }
    this.close();
  }

  /** RFC 6962 SignedCertificateTimestampList, dissected with the TLS dissector's fields. */
  private sctList(off: number, end: number): void {
    const { b, f } = this;
    if (end - off < 2) throw new DerError('SCT list too short', off);
    const total = (b[off]! << 8) | b[off + 1]!;
    this.add(f.tls['sct.scts_length'], total, off, 2);
    let o = off + 2;
    const stop = Math.min(end, o + total);
    while (o + 2 <= stop) {
      const len = (b[o]! << 8) | b[o + 1]!;
      const s = o + 2;
      const e = s + len;
      if (e > stop || len < 47) throw new DerError('SCT past the end of the list', o);
      this.add(f.tls['sct.sct_length'], len, o, 2);
      this.add(f.tls['sct.sct_version'], b[s]!, s, 1);
      this.add(f.tls['sct.sct_logid'], b.subarray(s + 1, s + 33), s + 1, 32);
      let ms = 0;
      for (let i = 0; i < 8; i++) ms = ms * 256 + b[s + 33 + i]!;
      this.add(f.tls['sct.sct_timestamp'], { s: Math.floor(ms / 1000), ns: (ms % 1000) * 1e6 }, s + 33, 8);
      const extLen = (b[s + 41]! << 8) | b[s + 42]!;
      this.add(f.tls['sct.sct_extensions_length'], extLen, s + 41, 2);
      let q = s + 43;
      if (extLen > 0) {
        if (q + extLen > e) throw new DerError('SCT extensions past the end', q);
        this.add(f.tls['sct.sct_extensions'], null, q, extLen);
        q += extLen;
      }
      if (q + 4 > e) throw new DerError('SCT signature past the end', q);
      const alg = (b[q]! << 8) | b[q + 1]!;
      this.open(f.tls['handshake.sig_hash_alg'], alg, q, 2);
      this.add(f.tls['handshake.sig_hash_hash'], b[q]!, q, 1);
      this.add(f.tls['handshake.sig_hash_sig'], b[q + 1]!, q + 1, 1);
      this.close();
      const sigLen = (b[q + 2]! << 8) | b[q + 3]!;
      this.add(f.tls['sct.sct_signature_length'], sigLen, q + 2, 2);
      if (q + 4 + sigLen > e) throw new DerError('SCT signature past the end', q);
      this.add(f.tls['sct.sct_signature'], b.subarray(q + 4, q + 4 + sigLen), q + 4, sigLen);
      o = e;
    }
  }
}

function nameOfList(id: number, f: X509Fields): string {
  if (id === f.ce.authorityCertIssuer) return 'authorityCertIssuer';
  if (id === f.ce.fullName) return 'fullName';
  if (id === f.ce.cRLIssuer) return 'cRLIssuer';
  return 'GeneralNames';
}

/** Unsigned value of a small INTEGER (up to 6 bytes; larger ones give 0). */
function smallIntU(b: Uint8Array, t: Tlv): number {
  if (t.len > 7) return 0;
  let v = 0;
  for (let i = t.vstart; i < t.end; i++) v = v * 256 + b[i]!;
  return v;
}

/** Wireshark stops a string at a NUL (and notes "Trailing stray characters"). */
function cString(s: string): string {
  const z = s.indexOf('\0');
  return z < 0 ? s : s.slice(0, z);
}

/**
 * Dissects one DER certificate at data[offset, offset + length) into `p`. Returns false
 * (after adding an expert note) when the DER is malformed; what was decoded stays.
 */
export function dissectCertificate(p: Packet, data: Uint8Array, offset: number, length: number, fields: X509Fields): boolean {
  const d = new CertDissector(p, data, fields);
  try {
    d.certificate(offset, Math.min(data.length, offset + length));
    return true;
  } catch (e) {
    d.closeAll();
    if (e instanceof DerError) {
      p.expert('warn', 'malformed', `Malformed certificate: ${e.message} (offset ${e.offset})`);
      return false;
    }
    throw e;
  }
}
