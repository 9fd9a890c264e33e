export {
  synthesizeTcp,
  internetChecksum,
  parseIPv4,
  parseMac,
  absTimeDiffNs,
  type TcpChunk,
  type TcpConversation,
  type TcpEndpoint,
  type SynthFrame,
  type SynthOptions,
} from './tcp-conversation.ts';
export { buildPcapng, type PcapngBuildInput } from './pcapng.ts';
