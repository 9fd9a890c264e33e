import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CAPTURES = `${ROOT}../shared/captures`;
export const CLI = `${ROOT}packages/cli/dist/tlslens.mjs`;

export function haveTshark(): boolean {
  return spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
}
export function haveCaptures(): boolean {
  return existsSync(`${CAPTURES}/CASES.tsv`);
}

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function tlslens(args: readonly string[], input?: Uint8Array): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', input, maxBuffer: 256 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function tshark(args: readonly string[]): Run {
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 256 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Why a test that needs tshark and the shared captures is skipped, or false when it can run. */
export function oracleSkip(): string | false {
  if (!haveCaptures()) return 'public captures not found at ../shared/captures';
  if (!haveTshark()) return 'tshark is not installed (apt-get install -y tshark)';
  return false;
}
