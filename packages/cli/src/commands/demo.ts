/** `tlslens demo`: records real TLS sessions on loopback and shows them (being written). */
export async function demoCommand(argv: readonly string[]): Promise<number> {
  void argv;
  process.stderr.write('tlslens demo: not available yet\n');
  return 1;
}
