// Bundles the CLI into one ESM file (fast start-up: no TypeScript at run time).
import { build } from 'esbuild';
await build({
  entryPoints: ['packages/cli/src/main.ts'],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: 'packages/cli/dist/tlslens.mjs',
  sourcemap: 'linked',
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
});

// The web UI (packages/web/dist): static files that `tlslens ui` serves.
const { build: viteBuild } = await import('vite');
await viteBuild({ root: 'packages/web', configFile: 'packages/web/vite.config.ts', logLevel: 'warn' });
