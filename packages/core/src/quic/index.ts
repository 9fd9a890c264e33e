/** QUIC (RFC 9000/9001/9369): dissection, decryption and the TLS handshake inside CRYPTO frames. */
import type { Engine } from '../engine.ts';
import { createQuic, type QuicDissector } from './dissector.ts';

export { createQuic, type QuicDissector } from './dissector.ts';
export { initialKeys, initialSecrets, packetKeys, headerMask, removeHeaderProtection, decodePacketNumber, decryptPayload, encryptPayload, type PacketKeys } from './keys.ts';
export { versionInfo, QUIC_V1, QUIC_V2 } from './versions.ts';
export { CryptoStream } from './crypto-stream.ts';

const byEngine = new WeakMap<Engine, QuicDissector>();

/** Registers QUIC on UDP port 443 and as a UDP heuristic (once per engine). */
export function installQuic(engine: Engine): QuicDissector {
  let q = byEngine.get(engine);
  if (!q) {
    q = createQuic(engine, engine.tls);
    engine.udp.port(443, q.dissect);
    engine.udp.heuristic(q.heuristic);
    byEngine.set(engine, q);
  }
  return q;
}

/** The QUIC dissector of an engine, if installed. */
export function quicOf(engine: Engine): QuicDissector | undefined {
  return byEngine.get(engine);
}
