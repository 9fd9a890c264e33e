#!/usr/bin/env node
// Entry point: the bundled CLI built by `npm run build` (run by `npm ci` through `prepare`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const dist = fileURLToPath(new URL('../dist/tlslens.mjs', import.meta.url));
if (!existsSync(dist)) {
  process.stderr.write('tlslens: not built yet; run `npm run build` at the repository root\n');
  process.exit(2);
}
await import(dist);
