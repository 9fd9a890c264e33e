/**
 * Which TLS connections can still show `tlslens certs` something new, so that the others need no
 * more decryption (Engine.decryptStream). The certificates shown are the first chain each side
 * presents (HandshakeCollector keeps only that), and they come in the handshake: once a
 * connection's client and server Finished messages are seen, its later records (application
 * data) are left encrypted. Only two rare cases present a chain after that: a TLS ≤ 1.2
 * renegotiation and TLS 1.3 post-handshake client authentication (RFC 8446 §4.6.2, which the
 * client offers with its post_handshake_auth extension). `lateChains` waits for them: a TLS 1.3
 * connection is then done only when its client did not offer post-handshake authentication or
 * has presented its chain, a TLS ≤ 1.2 one when both sides have presented theirs; the others are
 * decrypted to the end. Feed every packet, in capture order, dissected with `fields` wanted.
 * Browser-safe.
 */
import type { Registry } from '../../fields/registry.ts';
import type { FieldValue } from '../../fields/types.ts';
import type { Packet } from '../../packet.ts';

const NAMES = ['tcp.stream', 'tcp.srcport', 'tcp.dstport', 'tls.handshake.type', 'tls.handshake.certificate',
  'tls.handshake.extension.type', 'tls.handshake.extensions.supported_version'] as const;

/** post_handshake_auth (RFC 8446 §4.2.6). */
const EXT_POST_HANDSHAKE_AUTH = 49;

interface Progress {
  /** "srcport>dstport" of the ClientHello. */
  client: string;
  tls13: boolean;
  pha: boolean;
  /** Finished seen from the client, the server. */
  finished: [boolean, boolean];
  /** A non-empty Certificate seen from the client, the server. */
  chain: [boolean, boolean];
}

const isTls13 = (v: FieldValue): boolean => typeof v === 'number' && (v === 0x0304 || (v & 0xff00) === 0x7f00 || (v & 0xff00) === 0xfb00);

export class ChainProgress {
  /** Field ids `add` reads: mark them wanted. */
  readonly fields: readonly number[];
  private readonly id: Record<(typeof NAMES)[number], number>;
  private readonly conns = new Map<number, Progress>();
  private readonly done = new Set<number>();

  constructor(reg: Registry, private readonly lateChains = false) {
    const id = {} as Record<(typeof NAMES)[number], number>;
    for (const n of NAMES) id[n] = reg.find(n)?.id ?? -1;
    this.id = id;
    this.fields = Object.values(id).filter((x) => x >= 0);
  }

  /** False once nothing of the connection's records can change the chains shown. */
  needsDecryption(stream: number): boolean {
    return !this.done.has(stream);
  }

  add(p: Packet): void {
    const types = this.vals(p, 'tls.handshake.type');
    if (types.length === 0) return;
    const t = p.protocols.indexOf('tcp');
    const icmp = p.protocols.findIndex((x) => x === 'icmp' || x === 'icmpv6');
    if (t < 0 || (icmp >= 0 && icmp < t)) return; // (TCP quoted in an ICMP error)
    const stream = this.vals(p, 'tcp.stream')[0];
    const sp = this.vals(p, 'tcp.srcport')[0];
    const dp = this.vals(p, 'tcp.dstport')[0];
    if (typeof stream !== 'number' || typeof sp !== 'number' || typeof dp !== 'number' || this.done.has(stream)) return;
    const dir = `${sp}>${dp}`;
    let c = this.conns.get(stream);
    if (types.includes(1) && !c) {
      c = { client: dir, tls13: false, pha: false, finished: [false, false], chain: [false, false] };
      this.conns.set(stream, c);
    }
    // (no ClientHello seen, or both directions look the same: keep decrypting)
    if (!c || sp === dp) return;
    const side = dir === c.client ? 0 : 1;
    if (side === 0 && types.includes(1)) c.pha ||= this.vals(p, 'tls.handshake.extension.type').includes(EXT_POST_HANDSHAKE_AUTH);
    if (side === 1 && types.includes(2)) c.tls13 ||= this.vals(p, 'tls.handshake.extensions.supported_version').some(isTls13);
    if (types.includes(11) && this.vals(p, 'tls.handshake.certificate').some((v) => v instanceof Uint8Array)) c.chain[side] = true;
    if (types.includes(20)) c.finished[side] = true;
    if (c.finished[0] && c.finished[1] && (!this.lateChains || (c.tls13 ? !c.pha || c.chain[0] : c.chain[0] && c.chain[1]))) {
      this.done.add(stream);
      this.conns.delete(stream);
    }
  }

  private vals(p: Packet, name: (typeof NAMES)[number]): readonly FieldValue[] {
    const i = this.id[name];
    return (i >= 0 ? p.values(i) : undefined) ?? [];
  }
}
