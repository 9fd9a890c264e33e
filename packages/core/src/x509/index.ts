export { registerX509Fields, type X509Fields } from './fields.ts';
export { dissectCertificate, utcTimeText } from './dissect.ts';
export {
  parseCertificate, tryParseCertificate, parseName, bytesEqual,
  type Certificate, type DistinguishedName, type PublicKeyInfo, type Extension, type KeyUsage, type SubjectAltNames, type AlgorithmId, type KeyAlgorithm,
} from './certificate.ts';
export {
  validateChain, matchHostname, dnsNameMatches, parseCaBundle, certLabel, certSignatureScheme, tlsSignatureScheme,
  verifyServerKeyExchange, verifyCertificateVerify13,
  type ValidationOptions, type ChainResult, type Problem, type ProblemCode, type HandshakeSignatureResult,
} from './validate.ts';
export { pemDecodeAll, pemEncode, base64Decode, base64Encode } from './pem.ts';
export { sha1, sha256 } from './hash.ts';
export { OID_NAMES, oidName } from './oids.ts';
export { DerError, readTlv, type Tlv } from './der.ts';
