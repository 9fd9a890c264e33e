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
