/**
 * Trains the re-ranker (logistic regression over the shortlist features) on the evaluation sets
 * that have already been seen, reports k-fold cross-validated accuracy next to the lexical ranking
 * on the same folds, and writes the weights trained on all of them to src/reranker-weights.ts.
 *
 *   npx tsx --conditions=kefu-source packages/plugins/bot/scripts/train-reranker.ts [--write]
 *
 * holdout-r4.jsonl is not read here: it is the set round 4's figure in docs/bot.md is honest on (it
 * lived outside the repository until its final run, and the shipped weights were trained without
 * it). A round 5 starts by writing a new held-back set; only then may r4 join SEEN.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEFAULT_OUT_OF_SCOPE } from '../src/out-of-scope.js';
import { createUnderstander } from '../src/understand.js';
import { RERANK_FEATURES, type RerankerWeights, rerankProbability } from '../src/rerank.js';
import type { KbEntry } from '../src/types.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const SEEN = ['tune', 'holdout', 'holdout-blind', 'holdout-c', 'holdout-d', 'holdout-final', 'holdout-r3'];
const FOLDS = 5;
const SUGGEST_BAND = 0.1;
const round2 = (v: number) => Math.round(v * 100) / 100;
const lexT = { answer: 0.5, suggest: 0.4, margin: 0.05 };
const kb: KbEntry[] = JSON.parse(readFileSync(`${root}data/faq.json`, 'utf8'));
const lexical = createUnderstander(kb, { reranker: false });

interface Row {
  expect: string;
  handoff: boolean;
  ids: string[];
  lexical: number[];
  x: number[][];
}
const rows: Row[] = [];
for (const set of SEEN) {
  for (const line of readFileSync(`${root}eval/${set}.jsonl`, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const c = JSON.parse(line) as { q: string; expect: string };
    const u = lexical.understand(c.q);
    const shortlist = lexical.search(c.q, 8);
    rows.push({ expect: c.expect, handoff: u.decision === 'handoff', ids: shortlist.map((s) => s.entry.id), lexical: shortlist.map((s) => s.lexical), x: shortlist.map((s) => s.features) });
  }
}

// Leave-questions-out on the knowledge base itself: each entry's questions are split into folds,
// and a question is asked of an index built without its fold. That is what an unseen paraphrase
// looks like (the entry is there, this wording is not), and it gives ~1,300 rows that no eval set
// shaped. Held-out off-topic questions must fall back.
const KB_FOLDS = 6;
const kbRows: Row[] = [];
for (let f = 0; f < KB_FOLDS; f++) {
  const asked: Array<{ q: string; expect: string }> = [];
  const reduced: KbEntry[] = kb.map((e) => {
    const all = [e.question, ...(e.similar ?? [])];
    const keep = all.filter((q, i) => (i + e.id.length) % KB_FOLDS !== f);
    for (const q of all) if (!keep.includes(q)) asked.push({ q, expect: e.id });
    return { ...e, question: keep[0] ?? e.question, similar: keep.slice(1) };
  });
  const oos = DEFAULT_OUT_OF_SCOPE.filter((_, i) => i % KB_FOLDS !== f);
  for (const q of DEFAULT_OUT_OF_SCOPE.filter((_, i) => i % KB_FOLDS === f)) asked.push({ q, expect: 'fallback' });
  const u = createUnderstander(reduced, { reranker: false, outOfScope: oos });
  for (const c of asked) {
    const d = u.understand(c.q);
    const shortlist = u.search(c.q, 8);
    kbRows.push({ expect: c.expect, handoff: d.decision === 'handoff', ids: shortlist.map((s) => s.entry.id), lexical: shortlist.map((s) => s.lexical), x: shortlist.map((s) => s.features) });
  }
}
{
  const m = pickThresholds(kbRows, train(kbRows));
  console.log(`trained on ${kbRows.length} knowledge-base leave-out rows only → seen eval sets: re-ranker ${(accuracy(rows, m, m.thresholds) * 100).toFixed(1)} %, lexical ${(accuracy(rows, undefined, lexT) * 100).toFixed(1)} %; KB leave-out itself lexical ${(accuracy(kbRows, undefined, lexT) * 100).toFixed(1)} %, re-ranker in-sample ${(accuracy(kbRows, m, m.thresholds) * 100).toFixed(1)} %`);
}

// Deterministic shuffle so the folds are the same on every run.
let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const order = rows.map((_, i) => i).sort(() => rand() - 0.5);
const fold = new Map(order.map((r, i) => [r, i % FOLDS]));

function train(data: Row[]): Omit<RerankerWeights, 'thresholds'> {
  const n = RERANK_FEATURES.length;
  const w = new Array<number>(n).fill(0);
  let b = 0;
  const samples: Array<[number[], number]> = [];
  for (const r of data) if (!r.handoff) r.x.forEach((x, i) => samples.push([x, r.ids[i] === r.expect ? 1 : 0]));
  const lr = 2;
  const l2 = 1e-3;
  for (let epoch = 0; epoch < 1500; epoch++) {
    const gw = new Array<number>(n).fill(0);
    let gb = 0;
    for (const [x, y] of samples) {
      const p = rerankProbability({ features: RERANK_FEATURES, weights: w, bias: b, thresholds: { answer: 0, suggest: 0, margin: 0 } }, x);
      const e = p - y;
      for (let i = 0; i < n; i++) gw[i]! += e * x[i]!;
      gb += e;
    }
    for (let i = 0; i < n; i++) w[i] = w[i]! - lr * (gw[i]! / samples.length + l2 * w[i]!);
    b -= lr * (gb / samples.length);
  }
  return { features: [...RERANK_FEATURES], weights: w.map((v) => Math.round(v * 1e4) / 1e4), bias: Math.round(b * 1e4) / 1e4 };
}

/** The label the bot would give a row: same decision rule as understand(). */
function decide(r: Row, model: RerankerWeights | undefined, t: RerankerWeights['thresholds']): string {
  if (r.handoff) return 'handoff';
  const offTopic = r.x[0]?.[10] ?? 0;
  if (!r.ids.length || offTopic > Math.max(...r.lexical)) return 'fallback';
  if (r.lexical[0]! >= 0.999 && (r.lexical[1] ?? 0) < 0.999) return r.ids[0]!;
  const scored = r.ids.map((id, i) => ({ id, p: model ? rerankProbability(model, r.x[i]!) : r.lexical[i]!, l: r.lexical[i]! }));
  if (model) scored.sort((a, b) => b.p - a.p || b.l - a.l);
  const top = scored[0]!;
  const lead = top.p - (scored[1]?.p ?? 0);
  if (top.p >= t.answer || (top.p >= t.suggest && lead >= t.margin)) return top.id;
  if (top.p >= t.suggest) return `suggest:${top.id}`;
  return 'fallback';
}
function accuracy(data: Row[], model: RerankerWeights | undefined, t: RerankerWeights['thresholds']): number {
  return data.filter((r) => decide(r, model, t) === r.expect).length / data.length;
}

function pickThresholds(data: Row[], model: Omit<RerankerWeights, 'thresholds'>): RerankerWeights {
  let best: RerankerWeights = { ...model, thresholds: { answer: 0.5, suggest: 0.4, margin: 0.05 } };
  let bestAcc = -1;
  for (let answer = 0.1; answer <= 0.9; answer += 0.05) {
    // The product keeps a "did you mean" band below the answer threshold; accuracy alone would
    // close it (a suggestion never counts as correct), so its width is fixed, not searched.
    for (const suggest of [answer - SUGGEST_BAND]) {
      for (const margin of [0.02, 0.05, 0.1, 0.2, 1]) {
        const t = { answer: round2(answer), suggest: round2(suggest), margin };
        const acc = accuracy(data, { ...model, thresholds: t }, t);
        if (acc > bestAcc + 1e-9) ((bestAcc = acc), (best = { ...model, thresholds: t }));
      }
    }
  }
  return best;
}

let cvRerank = 0;
let cvLexical = 0;
for (let k = 0; k < FOLDS; k++) {
  const trainRows = [...kbRows, ...rows.filter((_, i) => fold.get(i) !== k)];
  const testRows = rows.filter((_, i) => fold.get(i) === k);
  const model = pickThresholds(trainRows, train(trainRows));
  const a = accuracy(testRows, model, model.thresholds);
  const l = accuracy(testRows, undefined, lexT);
  cvRerank += a * testRows.length;
  cvLexical += l * testRows.length;
  console.log(`fold ${k}: re-ranker ${(a * 100).toFixed(1)} %  lexical ${(l * 100).toFixed(1)} %  (${testRows.length} cases, thresholds ${JSON.stringify(model.thresholds)})`);
}
console.log(`${FOLDS}-fold cross-validated top-1 on ${rows.length} seen cases: re-ranker ${((cvRerank / rows.length) * 100).toFixed(1)} %, lexical ${((cvLexical / rows.length) * 100).toFixed(1)} %`);

const final = pickThresholds([...kbRows, ...rows], train([...kbRows, ...rows]));
console.log('trained on all seen sets:', JSON.stringify(final), `in-sample ${(accuracy(rows, final, final.thresholds) * 100).toFixed(1)} %`);
if (process.argv.includes('--write')) {
  writeFileSync(
    `${root}src/reranker-weights.ts`,
    `import type { RerankerWeights } from './rerank.js';\n\n// Generated by scripts/train-reranker.ts — do not edit by hand.\nexport const RERANKER_WEIGHTS: RerankerWeights = ${JSON.stringify(final)};\n`,
  );
}
