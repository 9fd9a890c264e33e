/** Display filters with Wireshark 4.x syntax: compile once, match many packets. */
export { compileFilter, formatFilterError } from './compile.ts';
export type { CompiledFilter, GetFn } from './compile.ts';
