/** PEM ⇄ DER (RFC 7468), without Node APIs. */

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INV = new Int16Array(256).fill(-1);
for (let i = 0; i < 64; i++) B64_INV[B64.charCodeAt(i)] = i;

export function base64Decode(s: string): Uint8Array {
  const out = new Uint8Array(Math.floor((s.length * 3) / 4));
  let n = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < s.length; i++) {
    const v = B64_INV[s.charCodeAt(i) & 0xff]!;
    if (v < 0 || s.charCodeAt(i) > 0xff) continue; // whitespace and '='
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, n);
}

export function base64Encode(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 3) {
    const x = (b[i]! << 16) | ((b[i + 1] ?? 0) << 8) | (b[i + 2] ?? 0);
    s += B64[(x >> 18) & 63]! + B64[(x >> 12) & 63]! + (i + 1 < b.length ? B64[(x >> 6) & 63]! : '=') + (i + 2 < b.length ? B64[x & 63]! : '=');
  }
  return s;
}

/** All blocks of a PEM text with the given label (default CERTIFICATE; TRUSTED CERTIFICATE too). */
export function pemDecodeAll(text: string, label = 'CERTIFICATE'): Uint8Array[] {
  const out: Uint8Array[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[1] === label || (label === 'CERTIFICATE' && m[1] === 'TRUSTED CERTIFICATE')) {
      // drop RFC 1421 headers ("Proc-Type: …") if any
      const body = m[2]!.replace(/^[^\n:]*:[^\n]*$/gm, '');
      out.push(base64Decode(body));
    }
  }
  return out;
}

export function pemEncode(der: Uint8Array, label = 'CERTIFICATE'): string {
  const b = base64Encode(der);
  const lines: string[] = [];
  for (let i = 0; i < b.length; i += 64) lines.push(b.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
