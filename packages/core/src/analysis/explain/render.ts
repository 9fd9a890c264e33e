/** Lays an Explanation out as terminal text, Markdown or JSON, in English or Simplified Chinese. */
import { EN } from './catalogue-en.ts';
import { ZH } from './catalogue-zh.ts';
import type { Catalogue, Lang } from './catalogue.ts';
import type { Explanation } from './model.ts';

export type ExplainFormat = 'text' | 'markdown' | 'json';

export function catalogue(lang: Lang): Catalogue {
  return lang === 'zh' ? ZH : EN;
}

/** "zh" when a locale string (LANG, LC_ALL…) names Chinese, else "en". */
export function langFromLocale(locale: string | undefined): Lang {
  return locale && /^zh/i.test(locale) ? 'zh' : 'en';
}

/** Control characters from the capture (SNI, URIs…) shown as \xNN, never sent to the terminal. */
const clean = (s: string): string => s.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);

export function renderText(ex: Explanation, lang: Lang): string {
  return clean(textOf(ex, lang));
}

function textOf(ex: Explanation, lang: Lang): string {
  const c = catalogue(lang);
  const out: string[] = [c.heading(ex), ''];
  ex.steps.forEach((s, i) => {
    const fr = c.frames(s.frames);
    out.push(`${i + 1}. ${c.title(s.id)}${fr ? `  (${fr})` : ''}`);
    for (const l of c.lines(s, ex)) out.push(`   ${l}`);
    out.push('');
  });
  return out.join('\n');
}

export function renderMarkdown(ex: Explanation, lang: Lang): string {
  const c = catalogue(lang);
  const out: string[] = [`# ${c.heading(ex)}`, ''];
  ex.steps.forEach((s, i) => {
    const fr = c.frames(s.frames);
    out.push(`## ${i + 1}. ${c.title(s.id)}${fr ? ` (${fr})` : ''}`, '');
    let inList = false;
    for (const l of c.lines(s, ex)) {
      const item = /^ {2}/.test(l);
      if (item) {
        out.push(`- ${l.trim().replace(/^[•]\s*/, '')}`);
        inList = true;
      } else {
        if (inList) out.push('');
        out.push(l, '');
        inList = false;
      }
    }
    if (inList) out.push('');
  });
  return out.join('\n').replace(/\n{3,}/g, '\n\n');
}

/** The same story as data: the model, each step with its title and sentences in the chosen language. */
export function explanationJson(ex: Explanation, lang: Lang): Record<string, unknown> {
  const c = catalogue(lang);
  return {
    lang,
    ...ex,
    steps: ex.steps.map((s) => ({ id: s.id, title: c.title(s.id), frames: s.frames, values: s.values, text: c.lines(s, ex) })),
    certificate: ex.certificate
      ? { valid: ex.certificate.valid, problems: ex.certificate.problems.map((p) => ({ code: p.code, text: c.problem(p), message: p.message, params: p.params })) }
      : null,
    findings: ex.findings.map((f) => ({ ...f, text: c.finding(f) })),
  };
}

export function renderExplanation(ex: Explanation, format: ExplainFormat, lang: Lang): string {
  if (format === 'json') return JSON.stringify(explanationJson(ex, lang), null, 2) + '\n';
  return format === 'markdown' ? clean(renderMarkdown(ex, lang)) : renderText(ex, lang);
}
