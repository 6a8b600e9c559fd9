import type { Hit } from './bm25.js';
import type { IntentName } from './intents.js';
import { RERANKER_WEIGHTS } from './reranker-weights.js';

/**
 * A logistic-regression re-ranker over the BM25 shortlist. Its weights are learned offline by
 * `scripts/train-reranker.ts` on the evaluation sets (cross-validated, see docs/bot.md) and shipped
 * in `reranker-weights.ts`; no outside model is involved. It turns the lexical signals of each
 * candidate into one probability that the candidate is the right answer, which both orders the
 * shortlist and decides answer / suggest / fallback.
 */
export interface RerankerWeights {
  /** Names of the features, in the order of `weights` (a guard against a stale weights file). */
  features: readonly string[];
  weights: readonly number[];
  bias: number;
  /** Probability thresholds chosen with the weights. */
  thresholds: { answer: number; suggest: number; margin: number };
}

/** The default, trained weights. */
export const DEFAULT_RERANKER: RerankerWeights = RERANKER_WEIGHTS;

/** Names of the features {@link rerankFeatures} computes, in order. */
export const RERANK_FEATURES = [
  'confidence',
  'wordQueryCoverage',
  'wordQuestionCoverage',
  'charQueryCoverage',
  'charQuestionCoverage',
  'bm25Relative',
  'gapToBest',
  'leadOverNext',
  'isLexicalBest',
  'support',
  'offTopic',
  'intentAgrees',
  'intentDisagrees',
  'classifierPosterior',
  'isClassifierBest',
  'classifierOffTopic',
] as const;

// Which knowledge-base categories each intent speaks about (agreement is a hint, not a rule).
const INTENT_CATEGORIES: Partial<Record<string, readonly string[]>> = {
  logistics: ['shipping', 'order'],
  order_status: ['order', 'shipping', 'presale'],
  refund: ['refunds', 'returns', 'presale'],
  invoice: ['invoices', 'warranty'],
  change_address: ['shipping', 'account', 'order'],
  recommend: ['product', 'promotions'],
};

/** One shortlisted candidate as the re-ranker sees it. */
export interface RerankInput {
  hit: Hit;
  category?: string | undefined;
  /** The naive-Bayes classifier's posterior for this entry (0 when it shares nothing with the query). */
  posterior?: number;
  /** Whether this entry is the classifier's best real entry. */
  classifierBest?: boolean;
}

/**
 * The feature vector of every candidate of one shortlist (ordered by lexical confidence, best
 * first). `offTopic` is the confidence of the best off-topic question, `classifierOffTopic` the
 * classifier's posterior for the off-topic class.
 */
export function rerankFeatures(shortlist: readonly RerankInput[], offTopic: number, intent: IntentName | undefined, classifierOffTopic = 0): number[][] {
  const best = shortlist[0]?.hit.confidence ?? 0;
  const maxScore = Math.max(1e-9, ...shortlist.map((c) => c.hit.score));
  return shortlist.map((c, i) => {
    const h = c.hit;
    const next = shortlist[i + 1]?.hit.confidence ?? 0;
    const agrees = intent ? (INTENT_CATEGORIES[intent]?.includes(c.category ?? '') ? 1 : 0) : 0;
    return [
      h.confidence,
      h.coverage.wq,
      h.coverage.wd,
      h.coverage.cq,
      h.coverage.cd,
      h.score / maxScore,
      h.confidence - best,
      i === 0 ? h.confidence - next : 0,
      i === 0 ? 1 : 0,
      Math.log1p(h.support),
      offTopic,
      agrees,
      intent && !agrees ? 1 : 0,
      c.posterior ?? 0,
      c.classifierBest ? 1 : 0,
      classifierOffTopic,
    ];
  });
}

/** The probability the model gives one feature vector. */
export function rerankProbability(model: RerankerWeights, x: readonly number[]): number {
  let z = model.bias;
  for (let i = 0; i < x.length; i++) z += (model.weights[i] ?? 0) * x[i]!;
  return 1 / (1 + Math.exp(-z));
}
