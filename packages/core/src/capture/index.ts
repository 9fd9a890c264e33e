export type {
  CaptureEvent,
  CaptureFormat,
  CaptureFrame,
  CaptureInterface,
  CaptureSecrets,
  DetectedFormat,
} from './types.ts';
export { detectFormat } from './detect.ts';
export { readCapture, readCaptureBatches, readCaptureSync, type ReadCaptureOptions } from './read.ts';
export { CaptureParser, DEFAULT_MAX_BLOCK_LENGTH, type ParserOptions } from './parser.ts';
export {
  PcapngWriter,
  SECRETS_TYPE_TLS_KEYLOG,
  type PcapngInterfaceOptions,
  type PcapngPacket,
  type PcapngWriterOptions,
} from './writer.ts';
