export { KeyLog, parseKeyLog, DSB_TLS_KEY_LOG, type KeyLogEntry, type KeyLogLabel, type KeyLogWarning, type Tls13Secrets } from './keylog.ts';
