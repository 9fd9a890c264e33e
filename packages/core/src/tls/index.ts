export { createTls, installTls, versionColumn, type TlsDissector } from './dissector.ts';
export { registerTlsFields, type TlsFields } from './fields.ts';
export { TlsConn, type TlsDecryptionInfo } from './state.ts';
export { ja3Full, ja3sFull, ja4, type HelloInfo } from './ja.ts';
export { md5, md5Hex, sha256, sha256Hex } from './hash.ts';
