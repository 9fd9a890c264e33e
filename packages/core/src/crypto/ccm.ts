/**
 * AES-CCM (RFC 3610 / NIST SP 800-38C) on top of @noble/ciphers' AES-ECB and AES-CBC
 * (noble has no CCM). Supports nonces of 7–13 bytes and tags of 4–16 bytes; TLS uses a
 * 12-byte nonce and 16- or 8-byte tags (RFC 6655, RFC 8446).
 */
import { cbc, ecb } from '@noble/ciphers/aes.js';
import { equalBytes } from './bytes.ts';

function ccmCore(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, msg: Uint8Array, tagLen: number): { tag: Uint8Array; keystream: Uint8Array } {
  const n = nonce.length;
  if (n < 7 || n > 13) throw new Error('CCM nonce must be 7..13 bytes');
  if (tagLen < 4 || tagLen > 16 || tagLen % 2 !== 0) throw new Error('bad CCM tag length');
  const L = 15 - n;
  // B0 ‖ encoded AAD ‖ message, each part padded to 16 bytes.
  let aadHdr = 0;
  if (aad.length > 0) aadHdr = aad.length < 0xff00 ? 2 : 6;
  const aadBlocks = aad.length > 0 ? Math.ceil((aadHdr + aad.length) / 16) * 16 : 0;
  const msgBlocks = Math.ceil(msg.length / 16) * 16;
  const buf = new Uint8Array(16 + aadBlocks + msgBlocks);
  buf[0] = (aad.length > 0 ? 0x40 : 0) | (((tagLen - 2) / 2) << 3) | (L - 1);
  buf.set(nonce, 1);
  for (let i = 0, len = msg.length; i < L; i++, len = Math.floor(len / 256)) buf[15 - i] = len & 0xff;
  if (aad.length > 0) {
    if (aadHdr === 2) {
      buf[16] = aad.length >> 8;
      buf[17] = aad.length & 0xff;
    } else {
      buf[16] = 0xff;
      buf[17] = 0xfe;
      buf[18] = aad.length >>> 24;
      buf[19] = (aad.length >>> 16) & 0xff;
      buf[20] = (aad.length >>> 8) & 0xff;
      buf[21] = aad.length & 0xff;
    }
    buf.set(aad, 16 + aadHdr);
  }
  buf.set(msg, 16 + aadBlocks);
  const mac = cbc(key, new Uint8Array(16), { disablePadding: true }).encrypt(buf);
  const t = mac.subarray(mac.length - 16, mac.length - 16 + tagLen);
  // Counter blocks A0 (for the tag), A1… (for the message).
  const nCtr = 1 + Math.ceil(msg.length / 16);
  const ctrs = new Uint8Array(nCtr * 16);
  for (let c = 0; c < nCtr; c++) {
    const o = c * 16;
    ctrs[o] = L - 1;
    ctrs.set(nonce, o + 1);
    for (let i = 0, v = c; i < L; i++, v = Math.floor(v / 256)) ctrs[o + 15 - i] = v & 0xff;
  }
  const ks = ecb(key, { disablePadding: true }).encrypt(ctrs);
  const tag = new Uint8Array(tagLen);
  for (let i = 0; i < tagLen; i++) tag[i] = t[i]! ^ ks[i]!;
  return { tag, keystream: ks.subarray(16) };
}

function xorKs(data: Uint8Array, ks: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! ^ ks[i]!;
  return out;
}

export function ccmEncrypt(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array, tagLen: number): Uint8Array {
  const { tag, keystream } = ccmCore(key, nonce, aad, pt, tagLen);
  const out = new Uint8Array(pt.length + tagLen);
  out.set(xorKs(pt, keystream));
  out.set(tag, pt.length);
  return out;
}

export function ccmDecrypt(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array, tagLen: number): Uint8Array | null {
  if (sealed.length < tagLen) return null;
  const ct = sealed.subarray(0, sealed.length - tagLen);
  // The keystream does not depend on the message, so derive it from a dummy pass first.
  const n = nonce.length;
  const L = 15 - n;
  const nCtr = 1 + Math.ceil(ct.length / 16);
  const ctrs = new Uint8Array(nCtr * 16);
  for (let c = 0; c < nCtr; c++) {
    const o = c * 16;
    ctrs[o] = L - 1;
    ctrs.set(nonce, o + 1);
    for (let i = 0, v = c; i < L; i++, v = Math.floor(v / 256)) ctrs[o + 15 - i] = v & 0xff;
  }
  const ks = ecb(key, { disablePadding: true }).encrypt(ctrs);
  const pt = xorKs(ct, ks.subarray(16));
  const { tag } = ccmCore(key, nonce, aad, pt, tagLen);
  return equalBytes(tag, sealed.subarray(ct.length)) ? pt : null;
}
