export { createTcp, TcpConversation, type Tcp, type TcpOptions, type TcpSegment, type TcpPayloadHandler, type TcpEndHandler, type TcpCloseHandler } from './tcp.ts';
export { registerTcpFields, type TcpFields } from './fields.ts';
export * from './analysis.ts';
export { StreamReassembler, ReassemblyBudget, type FrameSpan, type AddResult } from '../../stream/reassembly.ts';
