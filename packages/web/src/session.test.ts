// The web UI's worker logic (CaptureSession) run in Node on the public captures with their keys:
// its packet list (pure-JS crypto, frames held in memory, DSBs replayed) must equal `tlslens read`'s
// (node:crypto, streamed), line for line, and its display-filter matches those of `read -Y`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { KeyFile, RowChunk, SessionOptions } from './protocol.ts';
import { CaptureSession } from './session.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CAPTURES = join(ROOT, '../shared/captures');
const CLI = join(ROOT, 'packages/cli/dist/tlslens.mjs');
const SKIP = !existsSync(join(CAPTURES, 'CASES.tsv')) ? 'public captures not found at ../shared/captures'
  : !existsSync(CLI) ? 'the CLI is not built (npm run build)' : false;

interface Case { file: string; args: string[] }

/**
 * The quick list, the core list's captures that need keys or options, and the RSA / decode-as
 * cases of the full list: every decryption path (key logs, RSA keys, DSBs, gzip) at a bearable cost.
 */
function cases(): Case[] {
  const parse = (tsv: string) => readFileSync(join(CAPTURES, tsv), 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => {
    const [file, opts = ''] = l.split('\t');
    return { file: file!, args: opts.match(/"[^"]*"|'[^']*'|\S+/g)?.map((a) => a.replace(/^(['"])(.*)\1$/, '$2')) ?? [] };
  });
  const keyed = (c: Case) => c.args.length > 0;
  const seen = new Set<string>();
  const out: Case[] = [];
  const picked = [
    ...parse('CASES-quick.tsv'), ...parse('CASES-core.tsv').filter(keyed),
    ...parse('CASES.tsv').filter((c) => /rsa_keys|keys_list|^-d$/.test(c.args.join('\n'))),
  ];
  for (const c of picked) {
    if (seen.has(c.file) || !existsSync(join(CAPTURES, c.file))) continue;
    seen.add(c.file);
    out.push(c);
  }
  return out;
}

/** tshark-style options → what the UI sends the worker (keys as file contents). */
function sessionInput(args: readonly string[]): { keys: KeyFile[]; options: SessionOptions } {
  const keys: KeyFile[] = [];
  const prefs: [string, string][] = [];
  const decodeAs: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const opt = args[i];
    const v = args[++i] ?? '';
    if (opt === '-d') {
      decodeAs.push(v);
      continue;
    }
    assert.equal(opt, '-o', `unexpected option ${opt}`);
    const k = v.indexOf(':');
    const [name, value] = [v.slice(0, k), v.slice(k + 1)];
    if (name === 'tls.keylog_file') keys.push({ name: value, kind: 'keylog', data: readFileSync(join(CAPTURES, value), 'utf8') });
    else if (name === 'uat' && value.startsWith('rsa_keys:')) {
      const [file, password] = [...value.slice(9).matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!);
      keys.push({ name: file!, kind: 'rsa', data: new Uint8Array(readFileSync(join(CAPTURES, file!))), ...(password ? { password } : {}) });
    } else prefs.push([name, value]);
  }
  return { keys, options: { prefs, decodeAs } };
}

function line(c: RowChunk, i: number): string {
  const num = c.start + i + 1;
  const mid = c.src[i] || c.dst[i] ? `${c.src[i]!.padStart(12)} → ${c.dst[i]!.padEnd(12)}` : '';
  return `${String(num).padStart(5)} ${c.time[i]!.padStart(10)} ${mid} ${c.proto[i]} ${c.len[i]}${c.info[i] ? ` ${c.info[i]}` : ''}`;
}

function read(args: readonly string[]): string[] {
  const r = spawnSync(process.execPath, [CLI, 'read', ...args], { cwd: CAPTURES, encoding: 'utf8', maxBuffer: 256 << 20 });
  return r.stdout.split('\n').filter((l) => l !== '');
}

const FILTER = 'tls.handshake.type == 1 || http.request || http2.type == 1 || (tls.record.content_type == 23 && frame.len > 100)';

describe('web session = tlslens read on the public captures', { skip: SKIP }, () => {
  const only = process.env.TLSLENS_WEB_CASE;
  for (const c of SKIP ? [] : cases().filter((x) => !only || x.file.includes(only))) {
    it(`${c.file} ${c.args.join(' ')}`, async () => {
      const { keys, options } = sessionInput(c.args);
      const s = new CaptureSession(keys, options);
      const lines: string[] = [];
      const r = await s.open(new Uint8Array(readFileSync(join(CAPTURES, c.file))), { cancelled: false }, (ch) => {
        for (let i = 0; i < ch.time.length; i++) lines.push(line(ch, i));
      });
      assert.equal(r.count, lines.length);
      assert.deepEqual(lines, read(['-r', c.file, ...c.args]));
      const m = await s.filter(FILTER, { cancelled: false });
      assert.deepEqual(Array.from(m.matches, String), read(['-r', c.file, ...c.args, '-Y', FILTER, '-T', 'fields', '-e', 'frame.number']));
    });
  }
});
