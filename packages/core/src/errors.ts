/** Errors raised by tlslens carry a stable machine-readable `code`. */
export type ErrorCode =
  | 'CAPTURE_TRUNCATED'
  | 'CAPTURE_UNKNOWN_FORMAT'
  | 'CAPTURE_CORRUPT'
  | 'CAPTURE_EMPTY'
  | 'CAPTURE_UNSUPPORTED'
  | 'FILTER_SYNTAX'
  | 'FILTER_UNKNOWN_FIELD'
  | 'FILTER_TYPE'
  | 'FIELD_UNKNOWN'
  | 'USAGE'
  | 'NO_TLS_CONNECTION'
  | 'IO';

export class TlsLensError extends Error {
  readonly code: ErrorCode;
  /** Byte offset in the input the error refers to, when there is one. */
  readonly offset?: number;
  /** Column (0-based) in a filter string, when the error is about a filter. */
  readonly column?: number;
  readonly length?: number;
  constructor(code: ErrorCode, message: string, extra: { offset?: number; column?: number; length?: number } = {}) {
    super(message);
    this.name = 'TlsLensError';
    this.code = code;
    if (extra.offset !== undefined) this.offset = extra.offset;
    if (extra.column !== undefined) this.column = extra.column;
    if (extra.length !== undefined) this.length = extra.length;
  }
}
