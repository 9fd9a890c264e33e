/**
 * Key options of `read` (and the commands built on it) → the engine's key input: `-o
 * tls.keylog_file:F` and `--keylog F` (merged), `-o 'uat:rsa_keys:"F","PASS"'` (repeatable),
 * `--rsa-key F[:PASS]`, and the legacy `-o tls.keys_list:IP,PORT,PROTO,FILE[;…]` (its PROTO
 * "http" also adds PORT to http.tls.port).
 */
import { readFileSync } from 'node:fs';
import { Engine, type TlsKeyInput } from '@tlslens/core';
import type { ReadArgs } from '../args.ts';
import { createNodeCrypto } from '../crypto/node-crypto.ts';

export interface LoadedKeys extends TlsKeyInput {
  /** Warnings already printed (read errors). */
  readonly warned: number;
}

function readFile(path: string, what: string, warn: (m: string) => void): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (e) {
    warn(`cannot read ${what} "${path}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return undefined;
  }
}

/** Parses the values of a tshark UAT record: "a","b",… (backslash escapes and %xx kept simple). */
export function parseUatRecord(v: string): string[] {
  const out: string[] = [];
  const re = /\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(v)) !== null && m[0] !== '') out.push(m[1]!.replace(/\\(.)/g, '$1'));
  return out;
}

export async function loadKeyOptions(
  prefs: readonly (readonly [string, string])[],
  keylogFiles: readonly string[],
  rsaKeyArgs: readonly string[],
  prefMap: Map<string, string>,
): Promise<LoadedKeys> {
  let warned = 0;
  const warn = (m: string) => {
    warned++;
    process.stderr.write(`tlslens: warning: ${m}\n`);
  };
  const keylogPaths: string[] = [];
  const rsa: { name: string; data: Uint8Array; password?: string }[] = [];
  const addRsa = (path: string, password?: string) => {
    const data = readFile(path, 'RSA key file', warn);
    if (data) rsa.push({ name: path, data: new Uint8Array(data), ...(password ? { password } : {}) });
  };
  const extraHttpPorts: string[] = [];
  for (const [k, v] of prefs) {
    if (k === 'tls.keylog_file' || k === 'ssl.keylog_file') {
      if (v !== '') keylogPaths.push(v);
    } else if (k === 'uat' && /^rsa_keys:/.test(v)) {
      const [file, password] = parseUatRecord(v.slice('rsa_keys:'.length));
      if (file) addRsa(file, password);
    } else if (k === 'tls.keys_list' || k === 'ssl.keys_list') {
      for (const entry of v.split(';')) {
        const parts = entry.split(',');
        if (parts.length < 4) continue;
        const [, port, proto, file, password] = parts.map((x) => x.trim());
        if (file) addRsa(file, password);
        if (proto === 'http' && port && port !== '0') extraHttpPorts.push(port);
      }
    }
  }
  keylogPaths.push(...keylogFiles);
  for (const a of rsaKeyArgs) {
    // FILE[:PASSWORD]; a Windows drive letter or a colon-free path stays whole
    const i = a.lastIndexOf(':');
    if (i > 1) addRsa(a.slice(0, i), a.slice(i + 1));
    else addRsa(a);
  }
  if (extraHttpPorts.length) {
    const cur = prefMap.get('http.tls.port') ?? '443';
    prefMap.set('http.tls.port', [cur, ...extraHttpPorts].join(','));
  }
  const keylogs: { name: string; text: string }[] = [];
  for (const p of [...new Set(keylogPaths)]) {
    const data = readFile(p, 'key log file', warn);
    if (data) keylogs.push({ name: p, text: data.toString('utf8') });
  }
  return { keylogs, rsaKeys: rsa, warned };
}

/**
 * The engine every command uses: preferences, decode-as rules and key material from the
 * command line (key logs, RSA keys), Node's fast crypto; warnings go to stderr.
 * `keylogFiles: false` leaves key log files to the caller (capture re-reads them as they grow).
 */
export async function engineFromArgs(args: ReadArgs, opts: { keylogFiles?: boolean } = {}): Promise<Engine> {
  const prefs = new Map(args.prefs);
  const withFiles = opts.keylogFiles !== false;
  const prefList = withFiles ? args.prefs : args.prefs.filter(([k]) => k !== 'tls.keylog_file' && k !== 'ssl.keylog_file');
  const keys = await loadKeyOptions(prefList, withFiles ? args.keylogs : [], args.rsaKeys, prefs);
  const engine = new Engine({ prefs, decodeAs: args.decodeAs, keys, crypto: createNodeCrypto() });
  for (const e of engine.decodeAsErrors) process.stderr.write(`tlslens: warning: ${e}\n`);
  for (const w of engine.keyWarnings()) process.stderr.write(`tlslens: warning: ${w}\n`);
  return engine;
}
