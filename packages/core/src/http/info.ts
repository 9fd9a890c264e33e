import type { Packet } from '../packet.ts';

/**
 * Packets whose Info column HTTP or HTTP/2 already wrote: later messages in the same
 * packet append to it instead of replacing TCP's text.
 */
export const noteInfo = new WeakSet<Packet>();
