/**
 * The capture loop the analysis commands share: secrets blocks go to the engine, every frame is
 * dissected with the same `wanted` set and handed to `each` (returning true stops early), and
 * the engine is finished at the end, also when the capture is damaged.
 */
import { TlsLensError, readCaptureBatches, type Engine, type Packet, type Registry } from '@tlslens/core';

export type Chunks = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
export interface Wanted {
  fields: Uint8Array;
  tree: boolean;
  columns: boolean;
}

/**
 * One pass; resolves to the message of the read error that ended it, or undefined. `wanted` may
 * depend on the frame number (the detail tree for some frames only).
 */
export async function eachPacket(input: Chunks, engine: Engine, wanted: Wanted | ((num: number) => Wanted), count: number | undefined,
  each: (p: Packet) => boolean | void): Promise<string | undefined> {
  let num = 0;
  try {
    for await (const batch of readCaptureBatches(input, { onFormat: (f) => engine.setFileFormat(f) })) {
      for (const ev of batch) {
        if (ev.kind === 'secrets') {
          // a pcapng Decryption Secrets Block: keys for the frames that follow
          engine.addSecrets(ev.secrets.type, ev.secrets.data);
          continue;
        }
        if (ev.kind !== 'frame') continue;
        num++;
        if (each(engine.dissect(ev.frame, num, typeof wanted === 'function' ? wanted(num) : wanted)) === true) return undefined;
        if (count !== undefined && num >= count) return undefined;
      }
    }
  } catch (e) {
    if (!(e instanceof TlsLensError)) throw e;
    return e.message;
  } finally {
    engine.finish();
  }
  return undefined;
}

/** Fields whose values do not depend on TLS decryption (the frame and the layers up to TCP/UDP). */
const BELOW_TLS = /^(eth|ip|ipv6|tcp|udp|vlan|sll|arp|icmp|icmpv6)(\.|$)|^frame\.(?!protocols$)/;
/** Fields of TLS itself and its certificates (decryption shows more of them, not the protocols above). */
const TLS_ITSELF = /^(tls|x509\w*|pkix\w*|pkcs\w*)(\.|$)/;

/**
 * What a display filter's fields need from the dissection: decryption (TLS fields of encrypted
 * handshakes…) and the application protocols inside TLS (HTTP…). Unknown kinds need both.
 */
export function filterNeeds(fields: readonly number[], reg: Registry): { decryption: boolean; application: boolean } {
  let decryption = false;
  let application = false;
  for (const id of fields) {
    const name = reg.get(id).abbrev;
    if (BELOW_TLS.test(name)) continue;
    decryption = true;
    if (!TLS_ITSELF.test(name) || name === 'tls.app_data_proto') application = true;
  }
  return { decryption, application };
}
