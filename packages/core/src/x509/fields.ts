import type { Registry } from '../fields/registry.ts';
import type { FieldSpec } from '../fields/types.ts';
import { wiresharkVals } from '../tls/registry/index.ts';

const none = (name: string): FieldSpec => ({ name, type: 'none' });
const u32 = (name: string, vals?: Record<number, string>): FieldSpec => ({ name, type: 'uint32', ...(vals ? { vals } : {}) });
const str = (name: string): FieldSpec => ({ name, type: 'string' });
const bytes = (name: string): FieldSpec => ({ name, type: 'bytes' });
const oid = (name: string): FieldSpec => ({ name, type: 'oid' });
const i32 = (name: string): FieldSpec => ({ name, type: 'int32' });
const bool = (name: string): FieldSpec => ({ name, type: 'bool' });
const u64 = (name: string): FieldSpec => ({ name, type: 'uint64' });
const bit = (name: string, mask: number): FieldSpec => ({ name, type: 'bool', mask, maskWidth: 8 });

const TIME_CHOICE = { 0: 'utcTime', 1: 'generalizedTime' };
const GENERAL_NAME = { 0: 'otherName', 1: 'rfc822Name', 2: 'dNSName', 3: 'x400Address', 4: 'directoryName', 5: 'ediPartyName', 6: 'uniformResourceIdentifier', 7: 'iPAddress', 8: 'registeredID' };
const DIRECTORY_STRING = { 0: 'teletexString', 1: 'printableString', 2: 'universalString', 3: 'bmpString', 4: 'uTF8String' };
const DISPLAY_TEXT = { 0: 'ia5String', 1: 'visibleString', 2: 'bmpString', 3: 'utf8String' };

/** The fields of the certificate dissector, with Wireshark's names and types (tshark 4.0). */
export function registerX509Fields(reg: Registry) {
  const af = reg.fields('x509af', {
    signedCertificate_element: none('signedCertificate'),
    version: { name: 'version', type: 'int32', vals: { 0: 'v1', 1: 'v2', 2: 'v3' } },
    serialNumber: bytes('serialNumber'),
    signature_element: none('signature'),
    'algorithm.id': oid('Algorithm Id'),
    issuer: u32('issuer', { 0: 'rdnSequence' }),
    rdnSequence: u32('rdnSequence'),
    validity_element: none('validity'),
    notBefore: u32('notBefore', TIME_CHOICE),
    notAfter: u32('notAfter', TIME_CHOICE),
    utcTime: str('utcTime'),
    generalizedTime: { name: 'generalizedTime', type: 'abstime' },
    subject: u32('subject', { 0: 'rdnSequence' }),
    subjectPublicKeyInfo_element: none('subjectPublicKeyInfo'),
    algorithm_element: none('algorithm'),
    subjectPublicKey: bytes('subjectPublicKey'),
    issuerUniqueIdentifier: bytes('issuerUniqueIdentifier'),
    subjectUniqueIdentifier: bytes('subjectUniqueIdentifier'),
    extensions: u32('extensions'),
    Extension_element: none('Extension'),
    'extension.id': oid('Extension Id'),
    critical: bool('critical'),
    extnValue: bytes('extnValue'),
    algorithmIdentifier_element: none('algorithmIdentifier'),
    encrypted: bytes('encrypted'),
    DSS_Params_element: none('DSS-Params'),
    p: bytes('p'),
    q: bytes('q'),
    g: bytes('g'),
  });
  const xif = reg.fields('x509if', {
    rdnSequence: u32('rdnSequence'),
    RDNSequence_item: u32('RDNSequence item'),
    RelativeDistinguishedName_item_element: none('RelativeDistinguishedName item'),
    oid: oid('Object Id'),
  });
  const sat = reg.fields('x509sat', {
    CountryName: str('CountryName'),
    DirectoryString: u32('DirectoryString', DIRECTORY_STRING),
    teletexString: str('teletexString'),
    printableString: str('printableString'),
    universalString: str('universalString'),
    bmpString: str('bmpString'),
    uTF8String: str('uTF8String'),
    PrintableString: str('PrintableString'),
    IA5String: str('IA5String'),
    BMPString: str('BMPString'),
    Integer: i32('Integer'),
    OctetString: bytes('OctetString'),
  });
  const ce = reg.fields('x509ce', {
    SubjectKeyIdentifier: bytes('SubjectKeyIdentifier'),
    AuthorityKeyIdentifier_element: none('AuthorityKeyIdentifier'),
    keyIdentifier: bytes('keyIdentifier'),
    authorityCertIssuer: u32('authorityCertIssuer'),
    authorityCertSerialNumber: bytes('authorityCertSerialNumber'),
    BasicConstraintsSyntax_element: none('BasicConstraintsSyntax'),
    cA: bool('cA'),
    pathLenConstraint: u64('pathLenConstraint'),
    KeyUsage: bytes('KeyUsage'),
    'KeyUsage.digitalSignature': bit('digitalSignature', 0x80),
    'KeyUsage.contentCommitment': bit('contentCommitment', 0x40),
    'KeyUsage.keyEncipherment': bit('keyEncipherment', 0x20),
    'KeyUsage.dataEncipherment': bit('dataEncipherment', 0x10),
    'KeyUsage.keyAgreement': bit('keyAgreement', 0x08),
    'KeyUsage.keyCertSign': bit('keyCertSign', 0x04),
    'KeyUsage.cRLSign': bit('cRLSign', 0x02),
    'KeyUsage.encipherOnly': bit('encipherOnly', 0x01),
    'KeyUsage.decipherOnly': bit('decipherOnly', 0x80),
    KeyPurposeIDs: u32('KeyPurposeIDs'),
    KeyPurposeId: oid('KeyPurposeId'),
    GeneralNames: u32('GeneralNames'),
    GeneralName: u32('GeneralName', GENERAL_NAME),
    otherName_element: none('otherName'),
    type_id: oid('type-id'),
    rfc822Name: str('rfc822Name'),
    dNSName: str('dNSName'),
    directoryName: u32('directoryName', { 0: 'rdnSequence' }),
    uniformResourceIdentifier: str('uniformResourceIdentifier'),
    iPAddress: bytes('iPAddress'),
    'IPAddress.ipv4': { name: 'iPAddress', type: 'ipv4' },
    'IPAddress.ipv6': { name: 'iPAddress', type: 'ipv6' },
    registeredID: oid('registeredID'),
    CRLDistPointsSyntax: u32('CRLDistPointsSyntax'),
    DistributionPoint_element: none('DistributionPoint'),
    distributionPoint: u32('distributionPoint', { 0: 'fullName', 1: 'nameRelativeToCRLIssuer' }),
    fullName: u32('fullName'),
    reasons: bytes('reasons'),
    cRLIssuer: u32('cRLIssuer'),
    CertificatePoliciesSyntax: u32('CertificatePoliciesSyntax'),
    PolicyInformation_element: none('PolicyInformation'),
    policyIdentifier: oid('policyIdentifier'),
    policyQualifiers: u32('policyQualifiers'),
    PolicyQualifierInfo_element: none('PolicyQualifierInfo'),
    id: oid('Id'),
    NameConstraintsSyntax_element: none('NameConstraintsSyntax'),
    permittedSubtrees: u32('permittedSubtrees'),
    excludedSubtrees: u32('excludedSubtrees'),
    GeneralSubtree_element: none('GeneralSubtree'),
    base: u32('base', GENERAL_NAME),
    minimum: u64('minimum'),
    maximum: u64('maximum'),
    CertificateTemplate_element: none('CertificateTemplate'),
    templateID: oid('templateID'),
    templateMajorVersion: i32('templateMajorVersion'),
    templateMinorVersion: i32('templateMinorVersion'),
  });
  const pk = reg.fields('pkcs1', {
    modulus: bytes('modulus'),
    publicExponent: i32('publicExponent'),
    ECParameters: u32('ECParameters', { 0: 'specifiedCurve', 1: 'namedCurve', 2: 'implicitlyCA' }),
    namedCurve: oid('namedCurve'),
    RSASSA_PSS_params_element: none('RSASSA-PSS-params'),
    hashAlgorithm_element: none('hashAlgorithm'),
    maskGenAlgorithm_element: none('maskGenAlgorithm'),
    saltLength: i32('saltLength'),
    trailerField: i32('trailerField'),
    specifiedCurve_element: none('specifiedCurve'),
    version: { name: 'version', type: 'int32', vals: { 1: 'ecpVer1' } },
    fieldID_element: none('fieldID'),
    fieldType: oid('fieldType'),
    curve_element: none('curve'),
    a: bytes('a'),
    b: bytes('b'),
    seed: bytes('seed'),
    base: bytes('base'),
    cofactor: i32('cofactor'),
  });
  const pex = reg.fields('pkix1explicit', {
    DirectoryString: str('DirectoryString'),
  });
  const pim = reg.fields('pkix1implicit', {
    AuthorityInfoAccessSyntax: u32('AuthorityInfoAccessSyntax'),
    AccessDescription_element: none('AccessDescription'),
    accessMethod: oid('accessMethod'),
    accessLocation: u32('accessLocation', GENERAL_NAME),
    UserNotice_element: none('UserNotice'),
    noticeRef_element: none('noticeRef'),
    organization: u32('organization', DISPLAY_TEXT),
    noticeNumbers: u32('noticeNumbers'),
    noticeNumbers_item: i32('noticeNumbers item'),
    explicitText: u32('explicitText', DISPLAY_TEXT),
    ia5String: str('ia5String'),
    visibleString: str('visibleString'),
    bmpString: str('bmpString'),
    utf8String: str('utf8String'),
  });
  const pq = reg.fields('pkixqualified', {
    XmppAddr: str('XmppAddr'),
    SRVName: str('SRVName'),
  });
  const ns = reg.fields('ns_cert_exts', {
    CertType: bytes('CertType'),
    Comment: str('Comment'),
    CaPolicyUrl: str('CaPolicyUrl'),
    CaRevocationUrl: str('CaRevocationUrl'),
    BaseUrl: str('BaseUrl'),
    RevocationUrl: str('RevocationUrl'),
    SslServerName: str('SslServerName'),
  });
  const nsbits = reg.fields('ns.cert.exts', {
    'CertType.ssl.client': bit('ssl-client', 0x80),
    'CertType.ssl.server': bit('ssl-server', 0x40),
    'CertType.smime': bit('smime', 0x20),
    'CertType.object.signing': bit('object-signing', 0x10),
    'CertType.reserved.for.future.use': bit('reserved-for-future-use', 0x08),
    'CertType.ssl.ca': bit('ssl-ca', 0x04),
    'CertType.smime.ca': bit('smime-ca', 0x02),
    'CertType.object.signing.ca': bit('object-signing-ca', 0x01),
  });
  const ber = reg.fields('ber', {
    'bitstring.padding': { name: 'Padding', type: 'uint8' },
    '64bit_uint_as_bytes': bytes('64bits unsigned integer'),
  });
  const tls = reg.fields('tls', {
    'sct.scts_length': { name: 'Serialized SCT List Length', type: 'uint16' },
    'sct.sct_length': { name: 'Serialized SCT Length', type: 'uint16' },
    'sct.sct_version': { name: 'SCT Version', type: 'uint8' },
    'sct.sct_logid': bytes('Log ID'),
    'sct.sct_timestamp': { name: 'Timestamp', type: 'abstime', timeFormat: 'utc' },
    'sct.sct_extensions_length': { name: 'Extensions length', type: 'uint16' },
    'sct.sct_extensions': none('Extensions'),
    'sct.sct_signature_length': { name: 'Signature Length', type: 'uint16' },
    'sct.sct_signature': bytes('Signature'),
    'handshake.sig_hash_alg': { name: 'Signature Algorithm', type: 'uint16', base: 'hex', vals: wiresharkVals('tls.handshake.sig_hash_alg') },
    'handshake.sig_hash_hash': { name: 'Signature Hash Algorithm Hash', type: 'uint8', vals: wiresharkVals('tls.handshake.sig_hash_hash') },
    'handshake.sig_hash_sig': { name: 'Signature Hash Algorithm Signature', type: 'uint8', vals: wiresharkVals('tls.handshake.sig_hash_sig') },
  });
  const all = [af, xif, sat, ce, pk, pex, pim, pq, ns, nsbits, ber, tls].flatMap((o) => Object.values(o) as number[]);
  return { af, xif, sat, ce, pk, pex, pim, pq, ns, nsbits, ber, tls, all };
}

export type X509Fields = ReturnType<typeof registerX509Fields>;
