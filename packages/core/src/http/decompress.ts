/**
 * Synchronous body decoding for Content-Encoding: gzip / x-gzip, deflate (zlib or raw, as
 * servers send both), br (brotli) and chains of them ("gzip, br"), with an output cap
 * against decompression bombs. Browser-safe: fflate and a pure-JS brotli decoder.
 */
import { gunzipSync, inflateSync, unzlibSync } from 'fflate';
import { decompress as brotliDecompress } from 'brotli/decompress';

/** Default cap on a decoded body (bytes). */
export const DEFAULT_MAX_DECODED = 32 * 1024 * 1024;

export type DecodeResult =
  | { ok: true; data: Uint8Array }
  | { ok: false; reason: 'unsupported' | 'failed' | 'bomb'; message: string; data?: Uint8Array };

/** Decodes one coding; returns undefined for "identity"/unknown codings it does not know. */
function decodeOne(coding: string, input: Uint8Array, cap: number): DecodeResult {
  switch (coding) {
    case 'gzip':
    case 'x-gzip':
      return guarded(input, cap, (out) => gunzipSync(input, out ? { out } : undefined));
    case 'deflate':
    case 'x-deflate':
      // RFC 9110 says zlib-wrapped; some servers send raw deflate
      return guarded(input, cap, (out) => {
        const zlib = input.length >= 2 && (input[0]! & 0x0f) === 8 && ((input[0]! << 8) | input[1]!) % 31 === 0;
        return zlib ? unzlibSync(input, out ? { out } : undefined) : inflateSync(input, out ? { out } : undefined);
      });
    case 'br':
      return brotli(input, cap);
    case 'identity':
    case '':
      return { ok: true, data: input };
    default:
      return { ok: false, reason: 'unsupported', message: `Unsupported content encoding "${coding}"` };
  }
}

/**
 * fflate allocates its own growing buffer; to cap it, run with a fixed output buffer of
 * `cap + 1` bytes only when the plain run would exceed the cap. fflate throws when a
 * fixed buffer is too small, which we report as a bomb.
 */
function guarded(input: Uint8Array, cap: number, run: (out?: Uint8Array) => Uint8Array): DecodeResult {
  // a first try with a buffer sized from the input keeps memory bounded even for bombs
  const guess = Math.min(cap, Math.max(64 * 1024, input.length * 16));
  try {
    const out = run(new Uint8Array(guess));
    if (out.length < guess) return { ok: true, data: out.slice() };
  } catch (e) {
    if (!isSmallBuffer(e)) return { ok: false, reason: 'failed', message: `Decompression failed: ${(e as Error).message}` };
  }
  if (guess >= cap) return { ok: false, reason: 'bomb', message: `Decompressed body exceeds the ${cap}-byte cap (decompression bomb?)` };
  try {
    const out = run(new Uint8Array(cap + 1));
    if (out.length <= cap) return { ok: true, data: out.slice() };
  } catch (e) {
    if (!isSmallBuffer(e)) return { ok: false, reason: 'failed', message: `Decompression failed: ${(e as Error).message}` };
  }
  return { ok: false, reason: 'bomb', message: `Decompressed body exceeds the ${cap}-byte cap (decompression bomb?)` };
}

function isSmallBuffer(e: unknown): boolean {
  const m = (e as Error)?.message ?? '';
  // fflate: "invalid length/literal" is corrupt data; a too-small fixed buffer throws code 1 ("unexpected EOF") or RangeError
  return e instanceof RangeError || /buffer|offset|out of bounds/i.test(m);
}

function brotli(input: Uint8Array, cap: number): DecodeResult {
  let size = Math.min(cap + 1, Math.max(64 * 1024, input.length * 16));
  for (;;) {
    try {
      const out = brotliDecompress(input, size);
      if (out.length <= cap) return { ok: true, data: out };
      return { ok: false, reason: 'bomb', message: `Decompressed body exceeds the ${cap}-byte cap (decompression bomb?)` };
    } catch (e) {
      const m = (e as Error)?.message ?? '';
      if (/not large enough/.test(m)) {
        if (size > cap) return { ok: false, reason: 'bomb', message: `Decompressed body exceeds the ${cap}-byte cap (decompression bomb?)` };
        size = Math.min(cap + 1, size * 4);
        continue;
      }
      return { ok: false, reason: 'failed', message: `Decompression failed: ${m || String(e)}` };
    }
  }
}

/**
 * Decodes a body according to a Content-Encoding header value (codings applied in
 * order, so decoded in reverse).
 */
export function decodeBody(contentEncoding: string, body: Uint8Array, cap = DEFAULT_MAX_DECODED): DecodeResult {
  const codings = contentEncoding.toLowerCase().split(',').map((c) => c.trim()).filter((c) => c !== '');
  let data = body;
  for (let i = codings.length - 1; i >= 0; i--) {
    const r = decodeOne(codings[i]!, data, cap);
    if (!r.ok) return r;
    data = r.data;
  }
  return { ok: true, data };
}
