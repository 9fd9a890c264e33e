/**
 * `tlslens explain`: one TLS connection narrated step by step (collector → model → catalogue → render).
 * Browser-safe.
 */
export { ExplainCollector, type StreamFacts } from './collector.ts';
export { buildExplanation, originFrames, originPass, type ExplainOptions } from './build.ts';
export type { Explanation, Step, StepId, Finding, FindingCode, CertProblem, Values, Value } from './model.ts';
export { renderExplanation, renderText, renderMarkdown, explanationJson, catalogue, langFromLocale, type ExplainFormat } from './render.ts';
export type { Catalogue, Lang } from './catalogue.ts';
