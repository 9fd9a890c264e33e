/** Wireshark 4.0's `quic.*` fields (names, types, bases and masks as `tshark -G fields` lists them). */
import type { Registry } from '../fields/registry.ts';
import type { FieldSpec } from '../fields/types.ts';

const FRAME_TYPES: Record<number, string> = {
  0x00: 'PADDING', 0x01: 'PING', 0x02: 'ACK', 0x03: 'ACK', 0x04: 'RESET_STREAM', 0x05: 'STOP_SENDING', 0x06: 'CRYPTO',
  0x07: 'NEW_TOKEN', 0x08: 'STREAM', 0x09: 'STREAM', 0x0a: 'STREAM', 0x0b: 'STREAM', 0x0c: 'STREAM', 0x0d: 'STREAM',
  0x0e: 'STREAM', 0x0f: 'STREAM', 0x10: 'MAX_DATA', 0x11: 'MAX_STREAM_DATA', 0x12: 'MAX_STREAMS (BIDI)',
  0x13: 'MAX_STREAMS (UNI)', 0x14: 'DATA_BLOCKED', 0x15: 'STREAM_DATA_BLOCKED', 0x16: 'STREAMS_BLOCKED (BIDI)',
  0x17: 'STREAMS_BLOCKED (UNI)', 0x18: 'NEW_CONNECTION_ID', 0x19: 'RETIRE_CONNECTION_ID', 0x1a: 'PATH_CHALLENGE',
  0x1b: 'PATH_RESPONSE', 0x1c: 'CONNECTION_CLOSE', 0x1d: 'CONNECTION_CLOSE', 0x1e: 'HANDSHAKE_DONE',
  0x30: 'DATAGRAM', 0x31: 'DATAGRAM', 0xaf: 'ACK_FREQUENCY', 0x02f5: 'TIME_STAMP',
};

const SPECS = {
  'connection.number': { name: 'Connection Number', type: 'uint32' },
  packet_length: { name: 'Packet Length', type: 'uint32' },
  header_form: { name: 'Header Form', type: 'uint8', mask: 0x80, maskWidth: 8, vals: { 0: 'Short Header', 1: 'Long Header' } },
  fixed_bit: { name: 'Fixed Bit', type: 'bool', mask: 0x40, maskWidth: 8, tfs: ['True', 'False'] },
  'long.packet_type': { name: 'Packet Type', type: 'uint8', mask: 0x30, maskWidth: 8, vals: { 0: 'Initial', 1: '0-RTT', 2: 'Handshake', 3: 'Retry' } },
  'long.packet_type_v2': { name: 'Packet Type', type: 'uint8', mask: 0x30, maskWidth: 8, vals: { 0: 'Retry', 1: 'Initial', 2: '0-RTT', 3: 'Handshake' } },
  'long.reserved': { name: 'Reserved', type: 'uint8', mask: 0x0c, maskWidth: 8 },
  packet_number_length: { name: 'Packet Number Length', type: 'uint8', mask: 0x03, maskWidth: 8, vals: { 0: '1 bytes', 1: '2 bytes', 2: '3 bytes', 3: '4 bytes' } },
  version: { name: 'Version', type: 'uint32', base: 'hex' },
  dcil: { name: 'Destination Connection ID Length', type: 'uint8' },
  dcid: { name: 'Destination Connection ID', type: 'bytes' },
  scil: { name: 'Source Connection ID Length', type: 'uint8' },
  scid: { name: 'Source Connection ID', type: 'bytes' },
  token_length: { name: 'Token Length', type: 'uint64' },
  token: { name: 'Token', type: 'bytes' },
  length: { name: 'Length', type: 'uint64' },
  packet_number: { name: 'Packet Number', type: 'uint64' },
  supported_version: { name: 'Supported Version', type: 'uint32', base: 'hex' },
  'vn.unused': { name: 'Unused', type: 'uint8', base: 'hex', mask: 0x7f, maskWidth: 8 },
  short: { name: 'QUIC Short Header', type: 'none' },
  spin_bit: { name: 'Spin Bit', type: 'bool', mask: 0x20, maskWidth: 8, tfs: ['True', 'False'] },
  'short.reserved': { name: 'Reserved', type: 'uint8', mask: 0x18, maskWidth: 8 },
  key_phase: { name: 'Key Phase Bit', type: 'bool', mask: 0x04, maskWidth: 8, tfs: ['True', 'False'] },
  payload: { name: 'Payload', type: 'bytes' },
  protected_payload: { name: 'Protected Payload', type: 'bytes' },
  remaining_payload: { name: 'Remaining Payload', type: 'bytes' },
  odcil: { name: 'Original Destination Connection ID Length', type: 'uint8' },
  odcid: { name: 'Original Destination Connection ID', type: 'bytes' },
  retry_token: { name: 'Retry Token', type: 'bytes' },
  retry_integrity_tag: { name: 'Retry Integrity Tag', type: 'bytes' },
  frame: { name: 'Frame', type: 'none' },
  // tshark prints this range-string field in decimal with -T fields; the tree label shows hex
  frame_type: { name: 'Frame Type', type: 'uint64', vals: FRAME_TYPES },
  padding_length: { name: 'Padding Length', type: 'uint32' },
  'ack.largest_acknowledged': { name: 'Largest Acknowledged', type: 'uint64' },
  'ack.ack_delay': { name: 'ACK Delay', type: 'uint64' },
  'ack.ack_range_count': { name: 'ACK Range Count', type: 'uint64' },
  'ack.first_ack_range': { name: 'First ACK Range', type: 'uint64' },
  'ack.gap': { name: 'Gap', type: 'uint64' },
  'ack.ack_range': { name: 'ACK Range', type: 'uint64' },
  'ack.ect0_count': { name: 'ECT(0) Count', type: 'uint64' },
  'ack.ect1_count': { name: 'ECT(1) Count', type: 'uint64' },
  'ack.ecn_ce_count': { name: 'ECN-CE Count', type: 'uint64' },
  'rsts.stream_id': { name: 'Stream ID', type: 'uint64' },
  'rsts.application_error_code': { name: 'Application Error code', type: 'uint64' },
  'rsts.final_size': { name: 'Final Size', type: 'uint64' },
  'ss.stream_id': { name: 'Stream ID', type: 'uint64' },
  'ss.application_error_code': { name: 'Application Error code', type: 'uint64' },
  'crypto.offset': { name: 'Offset', type: 'uint64' },
  'crypto.length': { name: 'Length', type: 'uint64' },
  'crypto.crypto_data': { name: 'Crypto Data', type: 'none' },
  'crypto.fragment.count': { name: 'Fragment count', type: 'uint32' },
  'crypto.reassembled_in': { name: 'Reassembled PDU in frame', type: 'framenum' },
  'nt.length': { name: '(Token) Length', type: 'uint64' },
  'nt.token': { name: 'Token', type: 'bytes' },
  'stream.fin': { name: 'Fin', type: 'bool', mask: 0x01, maskWidth: 8 },
  'stream.len': { name: 'Len(gth)', type: 'bool', mask: 0x02, maskWidth: 8 },
  'stream.off': { name: 'Off(set)', type: 'bool', mask: 0x04, maskWidth: 8 },
  'stream.stream_id': { name: 'Stream ID', type: 'uint64' },
  'stream.initiator': { name: 'Stream initiator', type: 'uint64', mask: 0x1, maskWidth: 8, vals: { 0: 'Client-initiated', 1: 'Server-initiated' } },
  'stream.direction': { name: 'Stream direction', type: 'uint64', mask: 0x2, maskWidth: 8, vals: { 0: 'Bidirectional', 1: 'Unidirectional' } },
  'stream.offset': { name: 'Offset', type: 'uint64' },
  'stream.length': { name: 'Length', type: 'uint64' },
  stream_data: { name: 'Stream Data', type: 'bytes' },
  'md.maximum_data': { name: 'Maximum Data', type: 'uint64' },
  'msd.stream_id': { name: 'Stream ID', type: 'uint64' },
  'msd.maximum_stream_data': { name: 'Maximum Stream Data', type: 'uint64' },
  'ms.max_streams': { name: 'Max Streams', type: 'uint64' },
  'sb.stream_data_limit': { name: 'Stream Data Limit', type: 'uint64' },
  'sdb.stream_id': { name: 'Stream ID', type: 'uint64' },
  'sib.stream_limit': { name: 'Stream Limit', type: 'uint64' },
  'nci.retire_prior_to': { name: 'Retire Prior To', type: 'uint64' },
  'nci.sequence': { name: 'Sequence', type: 'uint64' },
  'nci.connection_id.length': { name: 'Connection ID Length', type: 'uint8' },
  'nci.connection_id': { name: 'Connection ID', type: 'bytes' },
  'nci.stateless_reset_token': { name: 'Stateless Reset Token', type: 'bytes' },
  'rci.sequence': { name: 'Sequence', type: 'uint64' },
  'path_challenge.data': { name: 'Data', type: 'bytes' },
  'path_response.data': { name: 'Data', type: 'bytes' },
  'cc.error_code': { name: 'Error code', type: 'uint64' },
  'cc.error_code.app': { name: 'Application Error code', type: 'uint64' },
  'cc.error_code.tls_alert': { name: 'TLS Alert Description', type: 'uint8' },
  'cc.frame_type': { name: 'Frame Type', type: 'uint64' },
  'cc.reason_phrase.length': { name: 'Reason phrase Length', type: 'uint64' },
  'cc.reason_phrase': { name: 'Reason phrase', type: 'string' },
  'dg.length': { name: 'Datagram Length', type: 'uint64' },
  dg: { name: 'Datagram', type: 'bytes' },
  'af.sequence_number': { name: 'Sequence Number', type: 'uint64' },
  'af.ack_eliciting_threshold': { name: 'Ack-Eliciting Threshold', type: 'uint64' },
  'af.request_max_ack_delay': { name: 'Request Max Ack Delay', type: 'uint64' },
  ts: { name: 'Time Stamp', type: 'uint64' },
  'connection.unknown': { name: 'Unknown QUIC connection. Missing Initial Packet or migrated connection?', type: 'none' },
  'ft.unknown': { name: 'Unknown Frame Type', type: 'none' },
  decryption_failed: { name: 'Failed to decrypt handshake', type: 'none' },
  protocol_violation: { name: 'Invalid data according to the protocol', type: 'none' },
  bad_retry: { name: 'Retry Integrity Tag verification failure', type: 'none' },
  coalesced_padding_data: { name: 'Coalesced Padding Data', type: 'none' },
  retransmission: { name: 'This QUIC frame has a reused stream offset (retransmission?)', type: 'none' },
  overlap: { name: 'This QUIC frame overlaps a previous frame in the stream', type: 'none' },
} satisfies Record<string, FieldSpec>;

export type QuicFields = Record<keyof typeof SPECS, number> & { readonly proto: number };

export function registerQuicFields(reg: Registry): QuicFields {
  const proto = reg.protocol('quic', 'QUIC IETF');
  return { ...reg.fields('quic', SPECS as Record<keyof typeof SPECS, FieldSpec>), proto };
}

/** The tree label of a frame type, as Wireshark shows it: "Frame Type: CRYPTO (0x0000000000000006)". */
export function frameTypeLabel(t: number): string {
  return `Frame Type: ${FRAME_TYPES[t] ?? 'Unknown'} (0x${t.toString(16).padStart(16, '0')})`;
}

/** Short frame names for the Info column. */
export function frameInfoName(t: number): string {
  switch (t) {
    case 0x00: return 'PADDING';
    case 0x01: return 'PING';
    case 0x02: return 'ACK';
    case 0x03: return 'ACK_ECN';
    case 0x04: return 'RS';
    case 0x05: return 'SS';
    case 0x06: return 'CRYPTO';
    case 0x07: return 'NT';
    case 0x10: return 'MD';
    case 0x11: return 'MSD';
    case 0x12: case 0x13: return 'MS';
    case 0x14: return 'DB';
    case 0x15: return 'SDB';
    case 0x16: case 0x17: return 'SB';
    case 0x18: return 'NCI';
    case 0x19: return 'RCI';
    case 0x1a: return 'PC';
    case 0x1b: return 'PR';
    case 0x1c: case 0x1d: return 'CC';
    case 0x1e: return 'DONE';
    case 0x30: case 0x31: return 'DG';
    case 0xaf: return 'AF';
    case 0x02f5: return 'TS';
    default: return 'UNKNOWN';
  }
}
