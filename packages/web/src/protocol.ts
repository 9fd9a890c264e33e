/**
 * Messages between the page (main thread) and the dissection worker. Everything here is
 * structured-clone friendly (plain objects, strings, numbers, typed arrays).
 */

export interface KeyFile {
  readonly name: string;
  /** Key log text, or an RSA private key (PEM text or DER bytes). */
  readonly kind: 'keylog' | 'rsa';
  readonly data: string | Uint8Array;
  readonly password?: string;
}

/** What tshark takes as -o and -d: preferences ("http.tls.port" → "443,8443") and decode-as rules ("tcp.port==8443,tls"). */
export interface SessionOptions {
  readonly prefs: [string, string][];
  readonly decodeAs: string[];
}

/** A packet list chunk, column by column (row i is frame start + i + 1). */
export interface RowChunk {
  readonly start: number;
  readonly time: string[];
  readonly src: string[];
  readonly dst: string[];
  readonly proto: string[];
  readonly len: Uint32Array;
  readonly info: string[];
  /** tcp.stream of the frame, -1 when none. */
  readonly stream: Int32Array;
}

/** One node of the detail tree, ready to display. */
export interface UiNode {
  /** The label as `tlslens read -V` prints it. */
  readonly label: string;
  /** Field abbreviation (tls.handshake.type), for the status line. */
  readonly field: string;
  readonly offset: number;
  readonly length: number;
  /** Index into the detail's `sources` (0 = the frame). */
  readonly src: number;
  readonly children?: UiNode[];
}

export interface UiSource {
  readonly name: string;
  readonly data: Uint8Array;
}

export interface UiError {
  readonly code: string;
  readonly message: string;
  /** Column and length in the filter text (filter errors). */
  readonly column?: number;
  readonly length?: number;
}

export interface UiConnection {
  readonly stream: number;
  readonly client: string;
  readonly server: string;
  readonly sni: string;
  readonly version: string;
  readonly cipherSuite: string;
  readonly group: string;
  readonly alpn: string;
  readonly resumed: string;
  readonly certificate: string;
  readonly decryption: string;
  readonly decryptionStatus: string;
  readonly complete: boolean;
  readonly alerts: string;
  readonly ja4: string;
  readonly firstFrame: number;
  readonly handshakeMs: number | null;
}

export interface UiHttpTransaction {
  readonly stream: number;
  readonly h2stream: number | null;
  readonly method: string;
  readonly url: string;
  readonly version: string;
  readonly status: number | null;
  readonly statusText: string;
  readonly contentType: string;
  readonly requestFrame: number;
  readonly responseFrame: number | null;
  readonly requestHeaders: { name: string; value: string }[];
  readonly responseHeaders: { name: string; value: string }[];
  readonly requestBodySize: number;
  readonly responseBodySize: number;
  /** The first bytes of the bodies, as text when they look like text. */
  readonly requestBodyPreview: string;
  readonly responseBodyPreview: string;
  readonly totalMs: number | null;
}

export type FollowMode = 'tcp' | 'tls' | 'http';

export interface UiFollow {
  readonly stream: number;
  readonly mode: FollowMode;
  readonly nodes: [string, string];
  readonly chunks: { node: 0 | 1; frame: number; data: Uint8Array }[];
}

export interface UiExplanation {
  readonly heading: string;
  readonly steps: { readonly id: string; readonly title: string; readonly frames: number[]; readonly text: string[] }[];
}

export type Request =
  | { type: 'open'; id: number; name: string; bytes: Uint8Array; keys: KeyFile[]; options: SessionOptions }
  | { type: 'filter'; id: number; text: string }
  /** Compiles a filter without running it (the filter box's colour while typing). */
  | { type: 'check'; id: number; text: string }
  | { type: 'detail'; id: number; num: number }
  | { type: 'http'; id: number }
  | { type: 'follow'; id: number; stream: number; mode: FollowMode }
  | { type: 'explain'; id: number; stream: number; lang: 'en' | 'zh' };

export type Reply =
  | { type: 'progress'; id: number; phase: string; done: number; total: number }
  | { type: 'rows'; id: number; chunk: RowChunk }
  | {
      type: 'opened'; id: number; count: number; format: string; warnings: string[];
      /** Set when the file could not be read to the end (frames before the damage are listed). */
      error?: UiError; connections: UiConnection[];
    }
  | { type: 'filtered'; id: number; text: string; matches?: Uint32Array; warnings: string[]; error?: UiError }
  | { type: 'checked'; id: number; text: string; warnings: string[]; error?: UiError }
  | { type: 'detail'; id: number; num: number; tree: UiNode[]; sources: UiSource[] }
  | { type: 'http'; id: number; transactions: UiHttpTransaction[] }
  | { type: 'follow'; id: number; follow: UiFollow }
  /** `explanation` is absent when the stream carries no TLS handshake. */
  | { type: 'explain'; id: number; stream: number; explanation?: UiExplanation }
  | { type: 'error'; id: number; error: UiError }
  | { type: 'cancelled'; id: number };
