/**
 * A plain data model of an X.509 certificate (RFC 5280), for chain validation and the
 * `handshakes`/`certs` commands. `parseCertificate` throws a DerError on malformed DER.
 */
import { hexBytes, ipv4Text, ipv6Text } from '../fields/format.ts';
import { DerError, TAG, children, expect, oidText, readTlv, stringValue, timeValue, type Tlv } from './der.ts';
import { sha1, sha256 } from './hash.ts';
import { ATTR_SHORT, oidName } from './oids.ts';

export interface Attribute {
  readonly oid: string;
  /** Short name for RFC 4514 strings (CN, O, …) or the dotted OID. */
  readonly short: string;
  readonly value: string;
}

export interface DistinguishedName {
  /** RDNs in DER order (usually C first), each a set of attributes. */
  readonly rdns: readonly (readonly Attribute[])[];
  /** RFC 4514 string: most specific first ("CN=example.com,O=Example,C=US"). */
  readonly text: string;
  /** The DER of the Name, for exact issuer/subject comparison. */
  readonly der: Uint8Array;
  /** The first value of an attribute (e.g. get('2.5.4.3') for the CN). */
  get(oid: string): string | undefined;
}

export type KeyAlgorithm = 'RSA' | 'RSA-PSS' | 'EC' | 'Ed25519' | 'Ed448' | 'X25519' | 'X448' | 'DSA' | 'unknown';

export interface PublicKeyInfo {
  readonly algorithm: KeyAlgorithm;
  readonly oid: string;
  /** Modulus size for RSA/DSA, field size for EC, 256/456 for Ed25519/Ed448. */
  readonly bits: number;
  /** "P-256", "P-384", "P-521", or the curve OID's name. */
  readonly curve?: string;
  readonly exponent?: number;
  /** DER of the whole SubjectPublicKeyInfo (what crypto APIs import). */
  readonly spki: Uint8Array;
  /** The BIT STRING contents (without the unused-bits octet). */
  readonly key: Uint8Array;
}

export interface Extension {
  readonly oid: string;
  readonly name: string;
  readonly critical: boolean;
  /** The extnValue OCTET STRING contents. */
  readonly value: Uint8Array;
}

export interface KeyUsage {
  readonly digitalSignature: boolean;
  readonly contentCommitment: boolean;
  readonly keyEncipherment: boolean;
  readonly dataEncipherment: boolean;
  readonly keyAgreement: boolean;
  readonly keyCertSign: boolean;
  readonly cRLSign: boolean;
  readonly encipherOnly: boolean;
  readonly decipherOnly: boolean;
}

export interface SubjectAltNames {
  readonly dns: string[];
  readonly ip: string[];
  readonly email: string[];
  readonly uri: string[];
  readonly dirNames: string[];
  readonly other: string[];
}

export interface AlgorithmId {
  readonly oid: string;
  readonly name: string;
  /** DER of the parameters, if any (NULL included). */
  readonly params?: Uint8Array;
}

export interface NameConstraints {
  readonly permitted: { type: 'dns' | 'ip' | 'email' | 'uri' | 'dirName' | 'other'; value: string }[];
  readonly excluded: { type: 'dns' | 'ip' | 'email' | 'uri' | 'dirName' | 'other'; value: string }[];
}

export interface Certificate {
  readonly der: Uint8Array;
  /** 1, 2 or 3. */
  readonly version: number;
  /** Serial number as lowercase hex (as in the DER, leading 00 kept). */
  readonly serialNumber: string;
  readonly signatureAlgorithm: AlgorithmId;
  readonly issuer: DistinguishedName;
  readonly subject: DistinguishedName;
  /** Validity in epoch milliseconds. */
  readonly notBefore: number;
  readonly notAfter: number;
  readonly publicKey: PublicKeyInfo;
  readonly extensions: readonly Extension[];
  readonly san: SubjectAltNames;
  readonly basicConstraints?: { readonly ca: boolean; readonly pathLen?: number; readonly critical: boolean };
  readonly keyUsage?: KeyUsage;
  readonly extKeyUsage?: readonly string[];
  readonly subjectKeyId?: Uint8Array;
  readonly authorityKeyId?: Uint8Array;
  readonly crlDistributionPoints: readonly string[];
  readonly ocsp: readonly string[];
  readonly caIssuers: readonly string[];
  readonly policies: readonly string[];
  /** Embedded SCTs (RFC 6962): count and log IDs (hex). */
  readonly scts?: { readonly count: number; readonly logIds: readonly string[] };
  readonly nameConstraints?: NameConstraints;
  /** DER of tbsCertificate: the signed bytes. */
  readonly tbs: Uint8Array;
  readonly signature: Uint8Array;
  readonly sha1: string;
  readonly sha256: string;
  /** Issuer and subject names are byte-identical. */
  readonly selfIssued: boolean;
}

const CURVES: Record<string, [string, number]> = {
  '1.2.840.10045.3.1.7': ['P-256', 256],
  '1.3.132.0.34': ['P-384', 384],
  '1.3.132.0.35': ['P-521', 521],
  '1.3.132.0.33': ['P-224', 224],
  '1.3.132.0.10': ['secp256k1', 256],
  '1.2.840.10045.3.1.1': ['P-192', 192],
  '1.3.36.3.3.2.8.1.1.7': ['brainpoolP256r1', 256],
  '1.3.36.3.3.2.8.1.1.11': ['brainpoolP384r1', 384],
  '1.3.36.3.3.2.8.1.1.13': ['brainpoolP512r1', 512],
};

function escape4514(v: string): string {
  return v.replace(/([,+"\\<>;])/g, '\\$1').replace(/^([ #])/, '\\$1').replace(/ $/, '\\ ');
}

export function parseName(b: Uint8Array, t: Tlv): DistinguishedName {
  if (t.tag !== TAG.SEQUENCE) throw new DerError('Name is not a SEQUENCE', t.start);
  const rdns: Attribute[][] = [];
  for (const set of children(b, t, 1000)) {
    if (set.tag !== TAG.SET) throw new DerError('RDN is not a SET', set.start);
    const rdn: Attribute[] = [];
    for (const atv of children(b, set, 100)) {
      const typeT = expect(b, atv.vstart, atv.end, TAG.OID, 'attribute type');
      const oid = oidText(b, typeT);
      const v = typeT.end < atv.end ? readTlv(b, typeT.end, atv.end) : undefined;
      rdn.push({ oid, short: ATTR_SHORT.get(oid) ?? oid, value: v ? stringValue(b, v) : '' });
    }
    rdns.push(rdn);
  }
  const text = rdns.slice().reverse().map((r) => r.map((a) => `${a.short}=${escape4514(a.value)}`).join('+')).join(',');
  return {
    rdns, text, der: b.subarray(t.start, t.end),
    get(oid: string) {
      for (const r of rdns) for (const a of r) if (a.oid === oid) return a.value;
      return undefined;
    },
  };
}

function algorithmId(b: Uint8Array, t: Tlv): AlgorithmId {
  if (t.tag !== TAG.SEQUENCE) throw new DerError('AlgorithmIdentifier is not a SEQUENCE', t.start);
  const o = expect(b, t.vstart, t.end, TAG.OID, 'algorithm');
  const oid = oidText(b, o);
  return { oid, name: oidName(oid), ...(o.end < t.end ? { params: b.subarray(o.end, t.end) } : {}) };
}

function bitLength(b: Uint8Array): number {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  if (i === b.length) return 0;
  return (b.length - i - 1) * 8 + (32 - Math.clz32(b[i]!));
}

function publicKeyInfo(b: Uint8Array, t: Tlv): PublicKeyInfo {
  const [algT, keyT] = children(b, t, 2);
  if (!algT || !keyT || keyT.tag !== TAG.BIT_STRING || keyT.len < 1) throw new DerError('bad SubjectPublicKeyInfo', t.start);
  const alg = algorithmId(b, algT);
  const key = b.subarray(keyT.vstart + 1, keyT.end);
  const spki = b.subarray(t.start, t.end);
  const base = { oid: alg.oid, spki, key };
  switch (alg.oid) {
    case '1.2.840.113549.1.1.1':
    case '1.2.840.113549.1.1.10': {
      const seq = expect(key, 0, key.length, TAG.SEQUENCE, 'RSAPublicKey');
      const [n, e] = children(key, seq, 2);
      if (!n || !e) throw new DerError('bad RSAPublicKey', seq.start);
      let exp = 0;
      for (let i = e.vstart; i < e.end && i < e.vstart + 6; i++) exp = exp * 256 + key[i]!;
      return { ...base, algorithm: alg.oid.endsWith('.10') ? 'RSA-PSS' : 'RSA', bits: bitLength(key.subarray(n.vstart, n.end)), exponent: exp };
    }
    case '1.2.840.10045.2.1': {
      let curve = 'explicit';
      let bits = key.length > 1 ? ((key.length - 1) / 2) * 8 : 0;
      if (alg.params && alg.params[0] === TAG.OID) {
        const c = oidText(alg.params, readTlv(alg.params, 0, alg.params.length));
        const k = CURVES[c];
        curve = k ? k[0] : oidName(c);
        if (k) bits = k[1];
      }
      return { ...base, algorithm: 'EC', bits, curve };
    }
    case '1.3.101.112': return { ...base, algorithm: 'Ed25519', bits: 256, curve: 'Ed25519' };
    case '1.3.101.113': return { ...base, algorithm: 'Ed448', bits: 456, curve: 'Ed448' };
    case '1.3.101.110': return { ...base, algorithm: 'X25519', bits: 256, curve: 'X25519' };
    case '1.3.101.111': return { ...base, algorithm: 'X448', bits: 448, curve: 'X448' };
    case '1.2.840.10040.4.1': {
      let bits = 0;
      if (alg.params && alg.params[0] === TAG.SEQUENCE) {
        const s = readTlv(alg.params, 0, alg.params.length);
        const pT = children(alg.params, s, 3)[0];
        if (pT) bits = bitLength(alg.params.subarray(pT.vstart, pT.end));
      }
      return { ...base, algorithm: 'DSA', bits };
    }
    default: return { ...base, algorithm: 'unknown', bits: key.length * 8 };
  }
}

type GN = { type: 'dns' | 'ip' | 'email' | 'uri' | 'dirName' | 'other'; value: string };
function generalName(b: Uint8Array, t: Tlv): GN {
  switch (t.tag & 0x1f) {
    case 1: return { type: 'email', value: stringValue(b, t) };
    case 2: return { type: 'dns', value: stringValue(b, t) };
    case 6: return { type: 'uri', value: stringValue(b, t) };
    case 7: {
      const v = b.subarray(t.vstart, t.end);
      if (v.length === 4) return { type: 'ip', value: ipv4Text(((v[0]! << 24) >>> 0) + (v[1]! << 16) + (v[2]! << 8) + v[3]!) };
      if (v.length === 16) return { type: 'ip', value: ipv6Text(v) };
      if (v.length === 8) return { type: 'ip', value: `${ipv4Text(((v[0]! << 24) >>> 0) + (v[1]! << 16) + (v[2]! << 8) + v[3]!)}/${ipv4Text(((v[4]! << 24) >>> 0) + (v[5]! << 16) + (v[6]! << 8) + v[7]!)}` };
      if (v.length === 32) return { type: 'ip', value: `${ipv6Text(v.subarray(0, 16))}/${ipv6Text(v.subarray(16))}` };
      return { type: 'ip', value: hexBytes(v) };
    }
    case 4: return { type: 'dirName', value: parseName(b, readTlv(b, t.vstart, t.end)).text };
    default: return { type: 'other', value: hexBytes(b.subarray(t.vstart, t.end)) };
  }
}

export function parseCertificate(der: Uint8Array): Certificate {
  const b = der;
  const cert = expect(b, 0, b.length, TAG.SEQUENCE, 'Certificate');
  const [tbsT, sigAlgT, sigT] = children(b, cert, 3);
  if (!tbsT || !sigAlgT || !sigT || sigT.tag !== TAG.BIT_STRING || sigT.len < 1) throw new DerError('Certificate must be SEQUENCE { tbs, algorithm, signature }', 0);
  const el = children(b, tbsT, 16);
  let i = 0;
  let version = 1;
  if (el[0]?.tag === 0xa0) {
    const v = expect(b, el[0].vstart, el[0].end, TAG.INTEGER, 'version');
    version = b[v.end - 1]! + 1;
    i++;
  }
  const serialT = el[i++];
  const tbsAlgT = el[i++];
  const issuerT = el[i++];
  const validityT = el[i++];
  const subjectT = el[i++];
  const spkiT = el[i++];
  if (!serialT || serialT.tag !== TAG.INTEGER || !tbsAlgT || !issuerT || !validityT || !subjectT || !spkiT) throw new DerError('incomplete tbsCertificate', tbsT.start);
  const [nb, na] = children(b, validityT, 2);
  if (!nb || !na) throw new DerError('bad validity', validityT.start);
  const issuer = parseName(b, issuerT);
  const subject = parseName(b, subjectT);
  const extensions: Extension[] = [];
  for (; i < el.length; i++) {
    const t = el[i]!;
    if (t.tag !== 0xa3) continue;
    const seq = expect(b, t.vstart, t.end, TAG.SEQUENCE, 'Extensions');
    for (const e of children(b, seq, 1000)) {
      const [idT, a, c] = children(b, e, 3);
      if (!idT || idT.tag !== TAG.OID) throw new DerError('bad Extension', e.start);
      const crit = a?.tag === TAG.BOOLEAN && a.len > 0 && b[a.vstart] !== 0;
      const val = a?.tag === TAG.BOOLEAN ? c : a;
      if (!val || val.tag !== TAG.OCTET_STRING) throw new DerError('Extension without value', e.start);
      const oid = oidText(b, idT);
      extensions.push({ oid, name: oidName(oid), critical: crit, value: b.subarray(val.vstart, val.end) });
    }
  }
  const san: SubjectAltNames = { dns: [], ip: [], email: [], uri: [], dirNames: [], other: [] };
  let basicConstraints: Certificate['basicConstraints'];
  let keyUsage: KeyUsage | undefined;
  let extKeyUsage: string[] | undefined;
  let subjectKeyId: Uint8Array | undefined;
  let authorityKeyId: Uint8Array | undefined;
  let scts: Certificate['scts'];
  let nameConstraints: NameConstraints | undefined;
  const crl: string[] = [];
  const ocsp: string[] = [];
  const caIssuers: string[] = [];
  const policies: string[] = [];
  for (const e of extensions) {
    const v = e.value;
    switch (e.oid) {
      case '2.5.29.17': {
        for (const n of children(v, expect(v, 0, v.length, TAG.SEQUENCE, 'SAN'))) {
          const g = generalName(v, n);
          ({ dns: san.dns, ip: san.ip, email: san.email, uri: san.uri, dirName: san.dirNames, other: san.other })[g.type].push(g.value);
        }
        break;
      }
      case '2.5.29.19': {
        let ca = false;
        let pathLen: number | undefined;
        for (const c of children(v, expect(v, 0, v.length, TAG.SEQUENCE, 'basicConstraints'), 2)) {
          if (c.tag === TAG.BOOLEAN) ca = c.len > 0 && v[c.vstart] !== 0;
          else if (c.tag === TAG.INTEGER && c.len <= 4) { pathLen = 0; for (let k = c.vstart; k < c.end; k++) pathLen = pathLen * 256 + v[k]!; }
        }
        basicConstraints = { ca, critical: e.critical, ...(pathLen !== undefined ? { pathLen } : {}) };
        break;
      }
      case '2.5.29.15': {
        const t = expect(v, 0, v.length, TAG.BIT_STRING, 'keyUsage');
        const b0 = t.len > 1 ? v[t.vstart + 1]! : 0;
        const b1 = t.len > 2 ? v[t.vstart + 2]! : 0;
        keyUsage = {
          digitalSignature: !!(b0 & 0x80), contentCommitment: !!(b0 & 0x40), keyEncipherment: !!(b0 & 0x20), dataEncipherment: !!(b0 & 0x10),
          keyAgreement: !!(b0 & 0x08), keyCertSign: !!(b0 & 0x04), cRLSign: !!(b0 & 0x02), encipherOnly: !!(b0 & 0x01), decipherOnly: !!(b1 & 0x80),
        };
        break;
      }
      case '2.5.29.37':
        extKeyUsage = children(v, expect(v, 0, v.length, TAG.SEQUENCE, 'extKeyUsage')).filter((k) => k.tag === TAG.OID).map((k) => oidText(v, k));
        break;
      case '2.5.29.14': {
        const t = expect(v, 0, v.length, TAG.OCTET_STRING, 'subjectKeyIdentifier');
        subjectKeyId = v.subarray(t.vstart, t.end);
        break;
      }
      case '2.5.29.35':
        for (const c of children(v, expect(v, 0, v.length, TAG.SEQUENCE, 'authorityKeyIdentifier'), 3)) if (c.tag === 0x80) authorityKeyId = v.subarray(c.vstart, c.end);
        break;
      case '2.5.29.31':
        for (const dp of children(v, expect(v, 0, v.length, TAG.SEQUENCE, 'cRLDistributionPoints'))) {
          for (const c of children(v, dp, 3)) {
            if (c.tag !== 0xa0) continue;
            const n = readTlv(v, c.vstart, c.end);
            if (n.tag === 0xa0) for (const g of children(v, n)) { const x = generalName(v, g); if (x.type === 'uri') crl.push(x.value); }
          }
        }
        break;
      case '1.3.6.1.5.5.7.1.1':
        for (const ad of children(v, expect(v, 0, v.length, TAG.SEQUENCE, 'authorityInfoAccess'))) {
          const [m, loc] = children(v, ad, 2);
          if (!m || !loc || m.tag !== TAG.OID) continue;
          const g = generalName(v, loc);
          const method = oidText(v, m);
          if (method === '1.3.6.1.5.5.7.48.1') ocsp.push(g.value);
          else if (method === '1.3.6.1.5.5.7.48.2') caIssuers.push(g.value);
        }
        break;
      case '2.5.29.32':
        for (const pi of children(v, expect(v, 0, v.length, TAG.SEQUENCE, 'certificatePolicies'))) {
          const id = children(v, pi, 2)[0];
          if (id && id.tag === TAG.OID) policies.push(oidText(v, id));
        }
        break;
      case '1.3.6.1.4.1.11129.2.4.2': {
        const t = expect(v, 0, v.length, TAG.OCTET_STRING, 'SCT list');
        const logIds: string[] = [];
        let o = t.vstart + 2;
        while (o + 2 <= t.end) {
          const len = (v[o]! << 8) | v[o + 1]!;
          if (o + 2 + len > t.end || len < 33) break;
          logIds.push(hexBytes(v.subarray(o + 3, o + 35)));
          o += 2 + len;
        }
        scts = { count: logIds.length, logIds };
        break;
      }
      case '2.5.29.30': {
        const nc: NameConstraints = { permitted: [], excluded: [] };
        for (const c of children(v, expect(v, 0, v.length, TAG.SEQUENCE, 'nameConstraints'), 2)) {
          const list = c.tag === 0xa0 ? nc.permitted : nc.excluded;
          for (const s of children(v, c)) { const base = children(v, s, 3)[0]; if (base) list.push(generalName(v, base)); }
        }
        nameConstraints = nc;
        break;
      }
    }
  }
  const hex = (x: Uint8Array) => hexBytes(x, ':');
  return {
    der, version,
    serialNumber: hexBytes(b.subarray(serialT.vstart, serialT.end)),
    signatureAlgorithm: algorithmId(b, sigAlgT),
    issuer, subject,
    notBefore: timeValue(b, nb), notAfter: timeValue(b, na),
    publicKey: publicKeyInfo(b, spkiT),
    extensions, san,
    ...(basicConstraints ? { basicConstraints } : {}),
    ...(keyUsage ? { keyUsage } : {}),
    ...(extKeyUsage ? { extKeyUsage } : {}),
    ...(subjectKeyId ? { subjectKeyId } : {}),
    ...(authorityKeyId ? { authorityKeyId } : {}),
    crlDistributionPoints: crl, ocsp, caIssuers, policies,
    ...(scts ? { scts } : {}),
    ...(nameConstraints ? { nameConstraints } : {}),
    tbs: b.subarray(tbsT.start, tbsT.end),
    signature: b.subarray(sigT.vstart + 1, sigT.end),
    sha1: hex(sha1(der)),
    sha256: hex(sha256(der)),
    selfIssued: bytesEqual(issuer.der, subject.der),
  };
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Parses, returning undefined instead of throwing on malformed DER. */
export function tryParseCertificate(der: Uint8Array): Certificate | undefined {
  try {
    return parseCertificate(der);
  } catch (e) {
    if (e instanceof DerError) return undefined;
    throw e;
  }
}
