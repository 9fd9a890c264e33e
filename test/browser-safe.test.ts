// The core library must run in a browser: no node: modules, nothing from the CLI package,
// and it must bundle for the browser platform.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ROOT } from './helpers.ts';

function sources(dir: string, out: string[] = []): string[] {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) {
      if (n !== 'vectors') sources(p, out);
    } else if (n.endsWith('.ts') && !n.endsWith('.test.ts') && !n.startsWith('_test')) out.push(p);
  }
  return out;
}

test('core sources import no node: modules and nothing from the CLI', () => {
  const bad: string[] = [];
  for (const f of sources(join(ROOT, 'packages/core/src'))) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
      const spec = m[1]!;
      if (spec.startsWith('node:') || spec.includes('/cli/') || ['fs', 'path', 'crypto', 'zlib', 'os', 'child_process'].includes(spec)) bad.push(`${f}: ${spec}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('core bundles for the browser platform', async () => {
  const r = await build({
    entryPoints: [join(ROOT, 'packages/core/src/index.ts')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    logLevel: 'silent',
  });
  assert.equal(r.errors.length, 0);
  assert.ok(r.outputFiles[0]!.contents.length > 10000);
});
