/** What a dropped or picked file is, from its first bytes (no core import: this runs on the page). */

/** pcap (either byte order, µs or ns), pcapng, or gzip. */
export function isCapture(head: Uint8Array): boolean {
  if (head.length < 4) return false;
  const m = ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0;
  if (head[0] === 0x1f && head[1] === 0x8b) return true;
  return [0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0x0a0d0d0a, 0xa1b2cd34, 0x34cdb2a1].includes(m);
}

/** A PEM/DER private key, else an NSS key log (SSLKEYLOGFILE). */
export function keyKind(data: Uint8Array): 'keylog' | 'rsa' {
  const head = new TextDecoder('latin1').decode(data.subarray(0, 4096));
  if (/-----BEGIN (RSA |ENCRYPTED )?PRIVATE KEY-----/.test(head)) return 'rsa';
  if (data[0] === 0x30 && !/CLIENT_RANDOM|_TRAFFIC_SECRET|EXPORTER_SECRET/.test(head)) return 'rsa';
  return 'keylog';
}

/** True for an encrypted PEM key (it needs a password). */
export function isEncryptedPem(data: Uint8Array): boolean {
  const head = new TextDecoder('latin1').decode(data.subarray(0, 4096));
  return /ENCRYPTED PRIVATE KEY|Proc-Type: 4,ENCRYPTED/.test(head);
}
