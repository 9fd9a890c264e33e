/** TLS crypto: backend interface, pure backend, key schedules, record protection. */
export * from './types.ts';
export { createPureCrypto, legacyBlockCipher } from './pure.ts';
export { concatBytes, equalBytes, fromHex, toHex, seqBytes } from './bytes.ts';
export {
  SSL3, TLS10, TLS11, TLS12, TLS13, fixedIvLen, keyBlockLen, macLen, recordIvLen, suiteParamsFromRegistry, tagLen,
  type RecordCipher, type SuiteParams,
} from './suite.ts';
export {
  deriveKeyBlock, extendedMasterSecret, finishedVerifyData, handshakeHash, masterSecret, pHash, prf, prfTls10, prfTls12,
  ssl3Generate, type KeyBlock,
} from './prf.ts';
export {
  Tls13KeySchedule, deriveSecret, finishedKey, finishedVerifyData13, hkdfExpand, hkdfExpandLabel, hkdfExtract, messageHashPrefix,
  nextTrafficSecret, resumptionPsk, trafficKeys, transcriptHash, type Tls13Hash, type TrafficKeys,
} from './tls13.ts';
export {
  RecordDecoder, RecordEncoder, type DirectionKeys, type EncryptOptions, type RecordResult, type RecordStateOptions,
} from './record.ts';
export { loadRsaPrivateKey, rsaDecryptWith, rsaKeyFromPkcs1, rsaKeyFromComponents, rsaKeyMatchesModulus, pkcs1Unpad, type RsaKeyResult } from './rsa.ts';
export { Rc4 } from './rc4.ts';
export { Des } from './des.ts';
export { Seed } from './seed.ts';
export { Idea } from './idea.ts';
export { Rc2 } from './rc2.ts';
export { ccmDecrypt, ccmEncrypt } from './ccm.ts';
