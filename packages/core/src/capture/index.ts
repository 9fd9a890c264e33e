/**
 * Capture input/output (browser-safe: no node: imports).
 *
 * - `readCapture(chunks, opts?)`: async generator of CaptureEvents from an AsyncIterable (or
 *   Iterable) of Uint8Array chunks of any size; pcap (µs/ns, both byte orders, Kuznetsov
 *   variant), pcapng, and gzip of either (streamed through DecompressionStream).
 * - `readCaptureBatches(chunks, opts?)`: same, one array of events per input chunk (fastest).
 * - `readCaptureSync(bytes, opts?)`: generator over a whole in-memory file (not gzip).
 * - Frames are views into the input (or into a per-record buffer when a record straddles
 *   chunks); copy `frame.data` to keep it beyond the producer's buffer lifetime.
 * - Errors are TlsLensErrors (CAPTURE_TRUNCATED / _UNKNOWN_FORMAT / _CORRUPT / _EMPTY /
 *   _UNSUPPORTED) with `offset` (into the decompressed data for gzip), thrown after every
 *   event before the damage.
 * - `detectFormat(firstBytes)`, `PcapngWriter` (SHB, IDB, EPB, DSB).
 */
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
