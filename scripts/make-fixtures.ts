// Records the TLS test fixtures in test/fixtures/ with the `tlslens demo` recorder (real Node.js TLS
// sessions on loopback, TCP/IP framing rebuilt around the recorded bytes). Run from the repository root:
//   node --import tsx scripts/make-fixtures.ts
// Each run records new sessions (new randoms and keys), so the files change every time.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { demoPcapng, recordDemo, type SessionSpec } from '../packages/cli/src/demo/recorder.ts';
import { LEAF_KEY_PEM } from '../packages/cli/src/demo/certs.ts';

const DIR = 'test/fixtures';

const SESSIONS: readonly SessionSpec[] = [
  // TLS 1.2 ECDHE-RSA with AES-128-GCM; a 6 kB page so that a TLS record spans several TCP segments.
  { name: 'tls12-ecdhe-rsa-aes128gcm', minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256', http: 'http1', extraBody: 6000, clientPort: 50001 },
  // TLS 1.3 AES-128-GCM with HTTP/2.
  { name: 'tls13-aes128gcm-h2', minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256', http: 'h2', clientPort: 50002 },
  // TLS 1.3 ChaCha20-Poly1305 with HTTP/1.1.
  { name: 'tls13-chacha20', minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', ciphers: 'TLS_CHACHA20_POLY1305_SHA256', http: 'http1', clientPort: 50003 },
  // TLS 1.2 RSA key exchange, AES-256-CBC with HMAC-SHA1: decryptable with the server key alone.
  { name: 'tls12-rsa-kx-aes256cbc', minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'AES256-SHA', http: 'http1', clientPort: 50004 },
];

mkdirSync(DIR, { recursive: true });
const rec = await recordDemo({ sessions: SESSIONS });
const written: string[] = [];
const put = (name: string, data: string | Uint8Array) => {
  writeFileSync(join(DIR, name), data);
  written.push(`${name} (${typeof data === 'string' ? data.length : data.length} bytes)`);
};
for (const c of rec.connections) {
  put(`${c.spec.name}.pcapng`, demoPcapng(rec, { connections: [c], keylog: false }));
  put(`${c.spec.name}.keys`, c.keylog);
  console.log(`${c.spec.name}: ${c.tlsVersion} ${c.cipher} ALPN ${c.alpn ?? '-'}, ${c.frames.length} frames`);
}
put('tls12-rsa-kx-aes256cbc.key', LEAF_KEY_PEM);

// The two demo connections in one file with the key log inside (Decryption Secrets Block).
const demo = await recordDemo({
  sessions: [
    { name: 'demo-tls12', minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256', http: 'http1', clientPort: 50011 },
    { name: 'demo-tls13-h2', minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256', http: 'h2', clientPort: 50012 },
  ],
});
put('demo-dsb.pcapng', demoPcapng(demo));
console.log(`wrote to ${DIR}: ${written.join(', ')}`);
