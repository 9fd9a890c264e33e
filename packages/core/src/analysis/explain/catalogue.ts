/** What a message catalogue provides (catalogue-en.ts, catalogue-zh.ts), and shared formatting. */
import type { CertProblem, Explanation, Finding, Step, StepId } from './model.ts';

export type Lang = 'en' | 'zh';

export interface Catalogue {
  readonly lang: Lang;
  /** The first line: which connection. */
  heading(ex: Explanation): string;
  title(id: StepId): string;
  /** "frame 4", "frames 4, 6"; "帧 4". */
  frames(frames: readonly number[]): string;
  /** The lines of one step (may be empty). */
  lines(step: Step, ex: Explanation): string[];
  problem(p: CertProblem): string;
  finding(f: Finding): string;
}

/** Loose view of step values inside the catalogues (the builders fix their shapes). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type V = Record<string, any>;

/** Long hex shortened for text: the first `keep` bytes, "…", and the length. */
export function shortHex(h: string | null | undefined, keep = 16): string {
  if (!h) return '';
  return h.length <= keep * 2 + 8 ? h : `${h.slice(0, keep * 2)}…`;
}

export function list(items: readonly unknown[], sep = ', '): string {
  return items.map(String).join(sep);
}

/** Why a key-block part is empty, in the catalogue's language. */
export interface NoKeyPartText {
  readonly aead: string;
  readonly explicitIv: string;
  readonly none: string;
}

const KEY_BLOCK_PARTS = ['client_write_MAC_key', 'server_write_MAC_key', 'client_write_key', 'server_write_key', 'client_write_IV', 'server_write_IV'];

/** The language-neutral value lines of the keys step: randoms, master secret, then the key block parts (when `kb`). */
export function secretValueLines(v: V, kb: V | null, empty: NoKeyPartText): string[] {
  const L = [`  client_random = ${v.client_random}`, `  server_random = ${v.server_random}`, `  master_secret = ${v.master_secret}`];
  if (!kb) return L;
  for (const k of KEY_BLOCK_PARTS) {
    const h = kb[k.toLowerCase()] as string;
    L.push(`  ${k} = ${h || (k.includes('MAC') ? empty.aead : kb.client_write_mac_key ? empty.explicitIv : empty.none)}`);
  }
  return L;
}
