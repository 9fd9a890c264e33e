/**
 * QUIC frames (RFC 9000 §19, RFC 9221 DATAGRAM, the ACK_FREQUENCY and TIME_STAMP extensions)
 * of one decrypted packet payload, as Wireshark's `quic.*` fields. Malformed frames stop the
 * parse with an expert note; nothing here throws on bad input.
 */
import { GENERATED, type Packet } from '../packet.ts';
import type { QuicFields } from './fields.ts';
import { frameInfoName, frameTypeLabel } from './fields.ts';
import { readVarint, varintValue, type Varint } from './varint.ts';

export interface FrameSink {
  /** A CRYPTO frame: data at stream offset `offset` (b[at, at + len)). */
  crypto(offset: number, b: Uint8Array, at: number, len: number): void;
}

class Truncated extends Error {}

/** Dissects the frames in b[o, end); returns the Info column parts (frame names). */
export function dissectFrames(p: Packet, f: QuicFields, b: Uint8Array, o: number, end: number, sink: FrameSink): string[] {
  const info: string[] = [];
  const vi = (at: number): Varint => {
    const v = readVarint(b, at, end);
    if (!v) throw new Truncated();
    return v;
  };
  /** Reads a varint field, adds it and returns the position after it. */
  const field = (id: number, at: number): [number, Varint] => {
    const v = vi(at);
    p.add(id, varintValue(v), at, v.len);
    return [at + v.len, v];
  };
  const bytes = (id: number, at: number, n: number): number => {
    if (at + n > end) throw new Truncated();
    p.add(id, b.subarray(at, at + n), at, n);
    return at + n;
  };
  while (o < end) {
    const start = o;
    const tv = readVarint(b, o, end);
    if (!tv) {
      p.add(f.protocol_violation, null, o, end - o);
      p.expert('error', 'Malformed', 'QUIC frame type runs past the end of the packet');
      return info;
    }
    const t = tv.value;
    if (t === 0x00) {
      let q = o;
      while (q < end && b[q] === 0) q++;
      const n = q - o;
      p.open(f.frame, null, o, n, 0, `PADDING Length: ${n}`);
      p.add(f.frame_type, 0, o, 1, 0, p.tree ? frameTypeLabel(0) : undefined);
      p.add(f.padding_length, n, o, n, GENERATED);
      p.close();
      info.push('PADDING');
      o = q;
      continue;
    }
    const name = t >= 0x08 && t <= 0x0f ? 'STREAM' : frameInfoName(t);
    const node = p.open(f.frame, null, o, 0, 0, name === 'UNKNOWN' ? 'Unknown Frame Type' : name);
    let infoName = name;
    try {
      p.add(f.frame_type, varintValue(tv), o, tv.len, 0, p.tree ? frameTypeLabel(t) : undefined);
      o += tv.len;
      let v: Varint;
      switch (t) {
        case 0x01: case 0x1e: break;
        case 0x02: case 0x03: {
          [o] = field(f['ack.largest_acknowledged'], o);
          [o] = field(f['ack.ack_delay'], o);
          [o, v] = field(f['ack.ack_range_count'], o);
          [o] = field(f['ack.first_ack_range'], o);
          for (let i = 0; i < v.value; i++) {
            [o] = field(f['ack.gap'], o);
            [o] = field(f['ack.ack_range'], o);
          }
          if (t === 0x03) {
            [o] = field(f['ack.ect0_count'], o);
            [o] = field(f['ack.ect1_count'], o);
            [o] = field(f['ack.ecn_ce_count'], o);
          }
          break;
        }
        case 0x04:
          [o, v] = field(f['rsts.stream_id'], o);
          infoName = `RS(${v.value})`;
          [o] = field(f['rsts.application_error_code'], o);
          [o] = field(f['rsts.final_size'], o);
          break;
        case 0x05:
          [o, v] = field(f['ss.stream_id'], o);
          infoName = `SS(${v.value})`;
          [o] = field(f['ss.application_error_code'], o);
          break;
        case 0x06: {
          let off: Varint;
          [o, off] = field(f['crypto.offset'], o);
          [o, v] = field(f['crypto.length'], o);
          if (o + v.value > end) throw new Truncated();
          p.add(f['crypto.crypto_data'], null, o, v.value);
          sink.crypto(off.value, b, o, v.value);
          o += v.value;
          break;
        }
        case 0x07:
          [o, v] = field(f['nt.length'], o);
          o = bytes(f['nt.token'], o, v.value);
          break;
        case 0x08: case 0x09: case 0x0a: case 0x0b: case 0x0c: case 0x0d: case 0x0e: case 0x0f: {
          const bits = t & 0x07;
          p.add(f['stream.fin'], (bits & 1) !== 0, start + tv.len - 1, 1);
          p.add(f['stream.len'], (bits & 2) !== 0, start + tv.len - 1, 1);
          p.add(f['stream.off'], (bits & 4) !== 0, start + tv.len - 1, 1);
          let id: Varint;
          [o, id] = field(f['stream.stream_id'], o);
          p.add(f['stream.initiator'], id.value & 1, o - id.len, id.len);
          p.add(f['stream.direction'], (id.value >> 1) & 1, o - id.len, id.len);
          infoName = `STREAM(${id.value})`;
          if (bits & 4) [o] = field(f['stream.offset'], o);
          let n = end - o;
          if (bits & 2) {
            [o, v] = field(f['stream.length'], o);
            n = v.value;
          }
          o = bytes(f.stream_data, o, n);
          break;
        }
        case 0x10: [o] = field(f['md.maximum_data'], o); break;
        case 0x11:
          [o] = field(f['msd.stream_id'], o);
          [o] = field(f['msd.maximum_stream_data'], o);
          break;
        case 0x12: case 0x13: [o] = field(f['ms.max_streams'], o); break;
        case 0x14: [o] = field(f['sb.stream_data_limit'], o); break;
        case 0x15:
          [o] = field(f['sdb.stream_id'], o);
          [o] = field(f['sb.stream_data_limit'], o);
          break;
        case 0x16: case 0x17: [o] = field(f['sib.stream_limit'], o); break;
        case 0x18: {
          [o] = field(f['nci.sequence'], o);
          [o] = field(f['nci.retire_prior_to'], o);
          if (o >= end) throw new Truncated();
          const n = b[o]!;
          p.add(f['nci.connection_id.length'], n, o, 1);
          o = bytes(f['nci.connection_id'], o + 1, n);
          o = bytes(f['nci.stateless_reset_token'], o, 16);
          break;
        }
        case 0x19: [o] = field(f['rci.sequence'], o); break;
        case 0x1a: o = bytes(f['path_challenge.data'], o, 8); break;
        case 0x1b: o = bytes(f['path_response.data'], o, 8); break;
        case 0x1c: case 0x1d: {
          let code: Varint;
          if (t === 0x1c) {
            [o, code] = field(f['cc.error_code'], o);
            if (code.value >= 0x100 && code.value <= 0x1ff) p.add(f['cc.error_code.tls_alert'], code.value & 0xff, o - code.len, code.len);
            [o] = field(f['cc.frame_type'], o);
          } else {
            [o] = field(f['cc.error_code.app'], o);
          }
          [o, v] = field(f['cc.reason_phrase.length'], o);
          if (o + v.value > end) throw new Truncated();
          p.add(f['cc.reason_phrase'], new TextDecoder().decode(b.subarray(o, o + v.value)), o, v.value);
          o += v.value;
          break;
        }
        case 0x30: case 0x31: {
          let n = end - o;
          if (t === 0x31) {
            [o, v] = field(f['dg.length'], o);
            n = v.value;
          }
          o = bytes(f.dg, o, n);
          break;
        }
        case 0xaf:
          [o] = field(f['af.sequence_number'], o);
          [o] = field(f['af.ack_eliciting_threshold'], o);
          [o] = field(f['af.request_max_ack_delay'], o);
          if (o >= end) throw new Truncated();
          o += 1;
          break;
        case 0x02f5: [o] = field(f.ts, o); break;
        default:
          p.add(f['ft.unknown'], null, start, end - start);
          p.expert('note', 'Undecoded', `Unknown QUIC frame type 0x${t.toString(16)}`);
          info.push('UNKNOWN');
          return info;
      }
      info.push(infoName);
    } catch (e) {
      if (!(e instanceof Truncated)) throw e;
      p.add(f.protocol_violation, null, start, end - start);
      p.expert('error', 'Malformed', `QUIC ${name} frame runs past the end of the packet`);
      info.push(infoName);
      return info;
    } finally {
      p.close();
      if (node) (node as { length: number }).length = o - start;
    }
  }
  return info;
}
