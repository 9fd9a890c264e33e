export {
  FlowBuilder, tcpFlagsText, endpointText, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN,
  type FlowType, type FlowAddresses, type FlowNodeKey, type FlowOptions, type FlowNode, type FlowItem, type FlowGraph,
} from './model.ts';
export { renderFlowText } from './text.ts';
export { renderFlowSvg, xmlEscape, type FlowSvgOptions } from './svg.ts';
