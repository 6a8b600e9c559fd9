import { type Decision, type Understander, type UnderstanderOptions, createUnderstander } from './understand.js';
import type { KbEntry } from './types.js';

/** One evaluation case: `expect` is an entry id, `handoff` or `fallback`. */
export interface EvalCase {
  q: string;
  expect: string;
}

/** How one case went. */
export interface EvalResult {
  q: string;
  expect: string;
  /** The entry id, `handoff`, `fallback`, or `suggest:<id>` for a "did you mean". */
  got: string;
  decision: Decision;
  confidence: number;
  correct: boolean;
  ms: number;
}

/** The figures of an evaluation run (the `--json` output of `kefu bot eval`). */
export interface EvalReport {
  total: number;
  correct: number;
  accuracy: number;
  handoffPrecision: number;
  handoffRecall: number;
  answerRate: number;
  suggestRate: number;
  fallbackRate: number;
  handoffRate: number;
  /** Share of entry cases whose expected entry is among the suggestions or the answer. */
  top3Recall: number;
  p50Ms: number;
  p99Ms: number;
  failures: EvalResult[];
}

/** Percentile of sorted numbers (nearest rank). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** What the bot's top decision names: an entry id, `handoff`, `fallback` or `suggest:<id>`. */
export function decisionLabel(u: ReturnType<Understander['understand']>): string {
  if (u.decision === 'answer') return u.entry!.id;
  if (u.decision === 'suggest') return `suggest:${u.candidates[0]?.entry.id ?? ''}`;
  return u.decision;
}

/**
 * Runs every case through the same understanding the plugin uses. A case is correct only when the
 * top decision equals `expect`: a "did you mean" with the right entry first is not an answer and
 * counts as wrong (`top3Recall` reports those separately).
 */
export function evaluate(entries: readonly KbEntry[] | Understander, cases: readonly EvalCase[], options: UnderstanderOptions = {}): EvalReport {
  const understander = 'understand' in entries ? entries : createUnderstander(entries, options);
  // Warm up: the first call pays for lazy initialisation, which is not per-question latency.
  understander.understand('warm up 预热');
  const results: EvalResult[] = [];
  for (const c of cases) {
    const start = performance.now();
    const u = understander.understand(c.q);
    const ms = performance.now() - start;
    const got = decisionLabel(u);
    results.push({ q: c.q, expect: c.expect, got, decision: u.decision, confidence: Math.round(u.confidence * 1000) / 1000, correct: got === c.expect, ms });
  }
  const total = results.length;
  const correct = results.filter((r) => r.correct).length;
  const predictedHandoff = results.filter((r) => r.decision === 'handoff');
  const expectedHandoff = results.filter((r) => r.expect === 'handoff');
  const entryCases = results.filter((r) => r.expect !== 'handoff' && r.expect !== 'fallback');
  const inTop3 = entryCases.filter((r) => {
    const u = understander.understand(r.q);
    return u.candidates.some((c) => c.entry.id === r.expect) || u.entry?.id === r.expect;
  }).length;
  const times = results.map((r) => r.ms).sort((a, b) => a - b);
  const rate = (n: number) => (total ? round(n / total) : 0);
  return {
    total,
    correct,
    accuracy: rate(correct),
    handoffPrecision: predictedHandoff.length ? round(predictedHandoff.filter((r) => r.expect === 'handoff').length / predictedHandoff.length) : 1,
    handoffRecall: expectedHandoff.length ? round(expectedHandoff.filter((r) => r.decision === 'handoff').length / expectedHandoff.length) : 1,
    answerRate: rate(results.filter((r) => r.decision === 'answer').length),
    suggestRate: rate(results.filter((r) => r.decision === 'suggest').length),
    fallbackRate: rate(results.filter((r) => r.decision === 'fallback').length),
    handoffRate: rate(predictedHandoff.length),
    top3Recall: entryCases.length ? round(inTop3 / entryCases.length) : 1,
    p50Ms: round(percentile(times, 50), 4),
    p99Ms: round(percentile(times, 99), 4),
    failures: results.filter((r) => !r.correct),
  };
}

function round(n: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
