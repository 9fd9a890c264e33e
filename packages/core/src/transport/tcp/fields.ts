import type { Registry } from '../../fields/registry.ts';
import type { FieldSpec } from '../../fields/types.ts';

/** TCP option kinds as Wireshark names them (tcp.option_kind value names). */
export const TCP_OPTION_KINDS: Record<number, string> = {
  0: 'End of Option List', 1: 'No-Operation', 2: 'Maximum Segment Size', 3: 'Window Scale', 4: 'SACK Permitted',
  5: 'SACK', 6: 'Echo', 7: 'Echo Reply', 8: 'Time Stamp Option', 9: 'Partial Order Connection Permitted',
  10: 'Partial Order Service Profile', 11: 'CC', 12: 'CC.NEW', 13: 'CC.ECHO', 14: 'TCP Alternate Checksum Request',
  15: 'TCP Alternate Checksum Data', 16: 'Skeeter', 17: 'Bubba', 18: 'Trailer Checksum Option',
  19: 'MD5 Signature Option', 20: 'SCPS Capabilities', 21: 'Selective Negative Acknowledgements',
  22: 'Record Boundaries', 23: 'Corruption experienced', 24: 'SNAP', 25: 'Unassigned', 26: 'TCP Compression Filter',
  27: 'Quick-Start Response', 28: 'User Timeout Option', 29: 'TCP Authentication Option', 30: 'Multipath TCP',
  34: 'TCP Fast Open Cookie', 69: 'Encryption Negotiation', 172: 'Accurate ECN Order 0', 174: 'Accurate ECN Order 1',
  253: 'RFC3692-style Experiment 1', 254: 'RFC3692-style Experiment 2',
};

const CHECKSUM_STATUS = { 0: 'Bad', 1: 'Good', 2: 'Unverified', 3: 'Not present', 4: 'Illegal' };

const flag = (name: string, mask: number): FieldSpec => ({ name, type: 'bool', mask, maskWidth: 12 });
const none = (name: string): FieldSpec => ({ name, type: 'none' });
const u8 = (name: string): FieldSpec => ({ name, type: 'uint8' });
const u16 = (name: string): FieldSpec => ({ name, type: 'uint16' });
const u32 = (name: string, unit?: string): FieldSpec => (unit ? { name, type: 'uint32', unit } : { name, type: 'uint32' });
const frame = (name: string): FieldSpec => ({ name, type: 'framenum' });
const rel = (name: string): FieldSpec => ({ name, type: 'reltime' });
const proto = (name: string): FieldSpec => ({ name, type: 'protocol' });

/** Registers every TCP field tlslens fills, with Wireshark 4.0's names, types and bases. */
export function registerTcpFields(reg: Registry) {
  const p = reg.protocol('tcp', 'Transmission Control Protocol');
  const f = reg.fields('tcp', {
    srcport: u16('Source Port'),
    dstport: u16('Destination Port'),
    port: u16('Source or Destination Port'),
    stream: u32('Stream index'),
    completeness: { name: 'Conversation completeness', type: 'uint8' },
    len: u32('TCP Segment Len'),
    seq: u32('Sequence Number'),
    seq_raw: u32('Sequence Number (raw)'),
    nxtseq: u32('Next Sequence Number'),
    ack: u32('Acknowledgment Number'),
    ack_raw: u32('Acknowledgment number (raw)'),
    hdr_len: u8('Header Length'),
    flags: { name: 'Flags', type: 'uint16', base: 'hex', mask: 0xfff, maskWidth: 16 },
    'flags.res': flag('Reserved', 0xe00),
    'flags.ae': flag('Accurate ECN', 0x100),
    'flags.cwr': flag('Congestion Window Reduced', 0x80),
    'flags.ece': flag('ECN-Echo', 0x40),
    'flags.urg': flag('Urgent', 0x20),
    'flags.ack': flag('Acknowledgment', 0x10),
    'flags.push': flag('Push', 0x8),
    'flags.reset': flag('Reset', 0x4),
    'flags.syn': flag('Syn', 0x2),
    'flags.fin': flag('Fin', 0x1),
    'flags.str': { name: 'TCP Flags', type: 'string' },
    window_size_value: u16('Window'),
    window_size: u32('Calculated window size'),
    window_size_scalefactor: { name: 'Window size scaling factor', type: 'int32' },
    checksum: { name: 'Checksum', type: 'uint16', base: 'hex' },
    'checksum.status': { name: 'Checksum Status', type: 'uint8', vals: CHECKSUM_STATUS },
    urgent_pointer: u16('Urgent Pointer'),
    options: { name: 'TCP Options', type: 'bytes' },
    option_kind: { name: 'Kind', type: 'uint8', vals: TCP_OPTION_KINDS },
    option_len: u8('Length'),
    'options.nop': proto('TCP Option - No-Operation (NOP)'),
    'options.eol': proto('TCP Option - End of Option List (EOL)'),
    'options.mss': proto('TCP Option - Maximum segment size'),
    'options.mss_val': u16('MSS Value'),
    'options.wscale': proto('TCP Option - Window scale'),
    'options.wscale.shift': u8('Shift count'),
    'options.wscale.multiplier': u16('Multiplier'),
    'options.sack_perm': proto('TCP Option - SACK permitted'),
    'options.sack': proto('TCP Option - SACK'),
    'options.sack_le': u32('TCP SACK Left Edge'),
    'options.sack_re': u32('TCP SACK Right Edge'),
    'options.sack.count': u8('TCP SACK Count'),
    'options.timestamp': proto('TCP Option - Timestamps'),
    'options.timestamp.tsval': u32('Timestamp value'),
    'options.timestamp.tsecr': u32('Timestamp echo reply'),
    'options.tfo': proto('TCP Option - TCP Fast Open'),
    'options.tfo.request': none('Fast Open Cookie Request'),
    'options.tfo.cookie': { name: 'Fast Open Cookie', type: 'bytes' },
    'options.md5': proto('TCP Option - TCP MD5 signature'),
    'options.md5.digest': { name: 'MD5 digest', type: 'bytes' },
    'options.unknown': proto('TCP Option - Unknown'),
    'options.unknown.payload': { name: 'Payload', type: 'bytes' },
    'option.len.invalid': none('Invalid length for option'),
    analysis: none('SEQ/ACK analysis'),
    'analysis.flags': none('TCP Analysis Flags'),
    'analysis.retransmission': none('This frame is a (suspected) retransmission'),
    'analysis.fast_retransmission': none('This frame is a (suspected) fast retransmission'),
    'analysis.spurious_retransmission': none('This frame is a (suspected) spurious retransmission'),
    'analysis.out_of_order': none('This frame is a (suspected) out-of-order segment'),
    'analysis.reused_ports': none('A new tcp session is started with the same ports as an earlier session in this trace'),
    'analysis.lost_segment': none('Previous segment(s) not captured (common at capture start)'),
    'analysis.ack_lost_segment': none("ACKed segment that wasn't captured (common at capture start)"),
    'analysis.window_update': none('TCP window update'),
    'analysis.window_full': none('TCP window specified by the receiver is now completely full'),
    'analysis.keep_alive': none('TCP keep-alive segment'),
    'analysis.keep_alive_ack': none('ACK to a TCP keep-alive segment'),
    'analysis.zero_window_probe': none('TCP Zero Window Probe'),
    'analysis.zero_window': none('TCP Zero Window segment'),
    'analysis.zero_window_probe_ack': none('ACK to a TCP Zero Window Probe'),
    'analysis.duplicate_ack': none('Duplicate ACK'),
    'analysis.duplicate_ack_num': u32('Duplicate ACK #'),
    'analysis.duplicate_ack_frame': frame('Duplicate to the ACK in frame'),
    'analysis.acks_frame': frame('This is an ACK to the segment in frame'),
    'analysis.ack_rtt': rel('The RTT to ACK the segment was'),
    'analysis.initial_rtt': rel('iRTT'),
    'analysis.rto': rel('The RTO for this segment was'),
    'analysis.rto_frame': frame('RTO based on delta from frame'),
    'analysis.bytes_in_flight': u32('Bytes in flight'),
    'analysis.push_bytes_sent': u32('Bytes sent since last PSH flag'),
    time_relative: rel('Time since first frame in this TCP stream'),
    time_delta: rel('Time since previous frame in this TCP stream'),
    payload: { name: 'TCP payload', type: 'bytes' },
    segment_data: { name: 'TCP segment data', type: 'bytes' },
    'connection.syn': none('Connection establish request (SYN)'),
    'connection.synack': none('Connection establish acknowledge (SYN+ACK)'),
    'connection.fin': none('Connection finish (FIN)'),
    'connection.rst': none('Connection reset (RST)'),
    'connection.fin_active': none('This frame initiates the connection closing'),
    'connection.fin_passive': none('This frame undergoes the connection closing'),
    'ack.nonzero': none('The acknowledgment number field is nonzero while the ACK flag is not set'),
    'urgent_pointer.non_zero': none('The urgent pointer field is nonzero while the URG flag is not set'),
    'bogus_header_length': none('Bogus TCP Header length'),
    'reassembled_in': frame('Reassembled PDU in frame'),
    'reassembled.length': u32('Reassembled TCP length'),
    'reassembled.data': { name: 'Reassembled TCP Data', type: 'bytes' },
    segment: frame('TCP Segment'),
    segments: none('Reassembled TCP Segments'),
    'segment.count': u32('Segment count'),
  });
  return { proto: p, ...f };
}

export type TcpFields = ReturnType<typeof registerTcpFields>;
