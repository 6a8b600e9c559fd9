import { Bm25Index, type Bm25Options, type Hit } from './bm25.js';
import { type ClassifierOptions, EntryClassifier } from './classifier.js';
import { isHandoffRequest } from './handoff.js';
import { type Intent, type IntentRule, detectIntent } from './intents.js';
import { type Sentiment, type SentimentAnalyzer, type SentimentOptions, createSentimentAnalyzer } from './sentiment.js';
import { type Tokenizer, type TokenizerOptions, createTokenizer } from './tokenize.js';
import { DEFAULT_OUT_OF_SCOPE } from './out-of-scope.js';
import { DEFAULT_RERANKER, type RerankerWeights, RERANK_FEATURES, rerankFeatures, rerankProbability } from './rerank.js';
import type { KbEntry } from './types.js';

/** Confidence thresholds: at or above `answer` the bot answers, at or above `suggest` it offers "did you mean". */
export interface Thresholds {
  answer: number;
  suggest: number;
  /**
   * In the suggest band, answer anyway when the best entry leads the runner-up by at least this
   * much confidence: a clear winner is not a "did you mean" (a doubtful one is).
   */
  margin: number;
}

/** The defaults, chosen on `eval/tune.jsonl` (see docs/bot.md). */
export const DEFAULT_THRESHOLDS: Thresholds = { answer: 0.5, suggest: 0.4, margin: 0.05 };

/** The bot's top decision for one message. */
export type Decision = 'answer' | 'suggest' | 'fallback' | 'handoff';

/** Why the understanding asks for a person. */
export type UnderstandingHandoffReason = 'explicit' | 'negative_sentiment';

/** A candidate entry with its confidence. */
export interface Candidate {
  entry: KbEntry;
  /** 0–1: the re-ranker's probability that this entry answers (the lexical confidence when the re-ranker is off). */
  confidence: number;
  /** 0–1: the lexical confidence (query and question coverage). */
  lexical: number;
  /** BM25 score of the entry's best question. */
  score: number;
  /** The re-ranker's features (see `RERANK_FEATURES`). */
  features: number[];
}

/** Everything the bot understood about one message. */
export interface Understanding {
  decision: Decision;
  /** The answering entry (decision `answer`). */
  entry?: KbEntry;
  /** Confidence of the best candidate, 0–1. */
  confidence: number;
  /** Best candidates, best first (up to 3 for suggestions). */
  candidates: Candidate[];
  intent?: Intent;
  sentiment: Sentiment;
  handoffReason?: UnderstandingHandoffReason;
  /** `zh` or `en`, from the characters of the message. */
  locale: 'zh' | 'en';
}

/** Options of {@link createUnderstander}. */
export interface UnderstanderOptions {
  thresholds?: Partial<Thresholds>;
  tokenizer?: Tokenizer | TokenizerOptions;
  sentiment?: SentimentAnalyzer | SentimentOptions;
  intentRules?: IntentRule[];
  bm25?: Bm25Options;
  /** The naive-Bayes classifier over the entries (a re-ranker feature); `false` leaves it out. */
  classifier?: ClassifierOptions | false;
  /** Off-topic questions that must fall back; `false` indexes none. Default {@link DEFAULT_OUT_OF_SCOPE}. */
  outOfScope?: readonly string[] | false;
  /** Treat angry messages as a request for a person. Default true. */
  handoffOnAnger?: boolean;
  /**
   * The learned re-ranker over the shortlist ({@link DEFAULT_RERANKER}); `false` ranks and decides
   * by lexical confidence alone. With the re-ranker on, `thresholds` apply to its probability and
   * default to the ones trained with it.
   */
  reranker?: RerankerWeights | false;
}

/** Per-question context. */
export interface UnderstandContext {
  /** Only entries available on this channel answer. */
  channel?: string;
}

/** Understands questions against one knowledge base. Immutable: a new knowledge base means a new understander. */
export interface Understander {
  readonly entries: readonly KbEntry[];
  readonly thresholds: Thresholds;
  readonly tokenizer: Tokenizer;
  understand(text: string, context?: UnderstandContext): Understanding;
  /** The best `limit` entries for a text, whatever their confidence (agent assist). */
  search(text: string, limit?: number, context?: UnderstandContext): Candidate[];
}

// Candidates the re-ranker weighs per question (it returns fewer).
const SHORTLIST = 8;
// The classifier's best entries that join the shortlist when retrieval did not find them.
const CLASSIFIER_SHORTLIST = 2;
// Lexical confidence of a verbatim match (both coverages complete), allowing for rounding.
const EXACT = 0.999;

let sharedTokenizer: Tokenizer | undefined;
let sharedSentiment: SentimentAnalyzer | undefined;

/** Detects the language of a message: Chinese when Chinese characters carry a fair share of it. */
export function detectLocale(text: string): 'zh' | 'en' {
  const cjk = (text.match(/[\u3400-\u9fff]/g) ?? []).length;
  const latinWords = (text.match(/[a-zA-Z]+/g) ?? []).length;
  return cjk > 0 && cjk * 2 >= latinWords ? 'zh' : latinWords > 0 ? 'en' : 'zh';
}

/** Whether an entry may answer in this context (its channel list, when it has one). */
function available(entry: KbEntry, context: UnderstandContext): boolean {
  return !context.channel || !entry.channels?.length || entry.channels.includes(context.channel);
}

/**
 * Builds the understanding of a knowledge base: an inverted BM25 index over every question and
 * similar question, plus handoff detection, sentiment and intents. The CLI's `bot eval` and the
 * plugin both call this, so the figures in docs/bot.md are the bot's own.
 */
export function createUnderstander(entries: readonly KbEntry[], options: UnderstanderOptions = {}): Understander {
  const tokenizer =
    options.tokenizer && 'tokenize' in options.tokenizer
      ? options.tokenizer
      : options.tokenizer
        ? createTokenizer(options.tokenizer)
        : (sharedTokenizer ??= createTokenizer());
  const sentiment =
    options.sentiment && 'analyze' in options.sentiment
      ? options.sentiment
      : options.sentiment
        ? createSentimentAnalyzer(options.sentiment)
        : (sharedSentiment ??= createSentimentAnalyzer());
  const reranker = options.reranker === false ? undefined : (options.reranker ?? DEFAULT_RERANKER);
  if (reranker && reranker.features.join() !== RERANK_FEATURES.join()) throw new Error('reranker weights do not match the features this version computes');
  const thresholds: Thresholds = { ...(reranker ? reranker.thresholds : DEFAULT_THRESHOLDS), ...options.thresholds };
  const active = entries.filter((e) => e.enabled !== false);
  const questions: Array<{ entry: number; text: string }> = [];
  active.forEach((e, i) => {
    questions.push({ entry: i, text: e.question });
    for (const s of e.similar ?? []) questions.push({ entry: i, text: s });
  });
  // Off-topic questions form one more entry, past the end of `active`; it never answers.
  const outOfScope = active.length;
  for (const text of options.outOfScope === false ? [] : (options.outOfScope ?? DEFAULT_OUT_OF_SCOPE)) questions.push({ entry: outOfScope, text });
  // Tokenized once for both models: segmentation is most of the build time.
  const tokenized = questions.map((q) => ({ ...q, tokens: tokenizer.tokenize(q.text) }));
  const index = new Bm25Index(tokenizer, tokenized, options.bm25);
  const classifier = options.classifier === false ? undefined : new EntryClassifier(tokenizer, tokenized, outOfScope + 1, options.classifier);
  const handoffOnAnger = options.handoffOnAnger ?? true;

  const rank = (text: string, limit: number, context: UnderstandContext): { candidates: Candidate[]; offTopic: number } => {
    // The re-ranker looks at a wider shortlist than it returns: the right entry is often 2nd–5th lexically.
    const shortlist = Math.max(limit, SHORTLIST);
    const tokens = tokenizer.tokenize(text);
    const hits = index.search(tokens, shortlist * 2 + 1);
    const posterior = classifier?.classify(tokens);
    const kept: Array<{ hit: Hit; entry: KbEntry }> = [];
    let offTopic = 0;
    for (const hit of hits) {
      if (hit.entry === outOfScope) {
        offTopic = Math.max(offTopic, hit.confidence);
        continue;
      }
      const entry = active[hit.entry]!;
      if (!available(entry, context)) continue;
      kept.push({ hit, entry });
      if (kept.length >= shortlist) break;
    }
    // The classifier pools each entry's vocabulary; its best entries join the shortlist even when
    // no single question of theirs matched well (with empty lexical evidence: the re-ranker weighs it).
    const byPosterior = posterior?.best(CLASSIFIER_SHORTLIST, (e) => e !== outOfScope && available(active[e]!, context)) ?? [];
    for (const e of byPosterior) {
      if (!kept.some((k) => k.hit.entry === e)) kept.push({ hit: { entry: e, score: 0, confidence: 0, doc: -1, coverage: { wq: 0, wd: 0, cq: 0, cd: 0 }, support: 0 }, entry: active[e]! });
    }
    const classifierBest = byPosterior[0];
    // Lexical order first (confidence accounts for what the question leaves unmatched); the
    // features are relative to it.
    kept.sort((a, b) => b.hit.confidence - a.hit.confidence || b.hit.score - a.hit.score);
    const features = rerankFeatures(
      kept.map((k) => ({ hit: k.hit, category: k.entry.category, posterior: posterior?.of(k.hit.entry) ?? 0, classifierBest: k.hit.entry === classifierBest })),
      offTopic,
      detectIntent(text, options.intentRules)?.name,
      posterior?.of(outOfScope) ?? 0,
    );
    const out: Candidate[] = kept.map((k, i) => {
      const x = features[i]!;
      return { entry: k.entry, confidence: reranker ? rerankProbability(reranker, x) : k.hit.confidence, lexical: k.hit.confidence, score: k.hit.score, features: x };
    });
    if (reranker) out.sort((a, b) => b.confidence - a.confidence || b.lexical - a.lexical);
    return { candidates: out.slice(0, limit), offTopic };
  };
  const search = (text: string, limit = 3, context: UnderstandContext = {}): Candidate[] => rank(text, limit, context).candidates;

  return {
    entries: active,
    thresholds,
    tokenizer,
    search,
    understand(text, context = {}) {
      const mood = sentiment.analyze(text);
      const locale = detectLocale(text);
      const intent = detectIntent(text, options.intentRules);
      const base = { sentiment: mood, locale, ...(intent ? { intent } : {}) };
      if (isHandoffRequest(text)) return { decision: 'handoff', handoffReason: 'explicit', confidence: 1, candidates: [], ...base };
      if (handoffOnAnger && mood.angry) return { decision: 'handoff', handoffReason: 'negative_sentiment', confidence: 1, candidates: [], ...base };
      const { candidates, offTopic } = rank(text, 3, context);
      const top = candidates[0];
      const confidence = top?.confidence ?? 0;
      if (offTopic > Math.max(0, ...candidates.map((c) => c.lexical))) return { decision: 'fallback', confidence, candidates, ...base };
      // A question of the knowledge base asked word for word (a pressed "did you mean" button, a
      // top-question chip) is that entry, whatever the thresholds.
      if (top && top.lexical >= EXACT && (candidates[1]?.lexical ?? 0) < EXACT) return { decision: 'answer', entry: top.entry, confidence, candidates, ...base };
      const lead = confidence - (candidates[1]?.confidence ?? 0);
      if (top && (confidence >= thresholds.answer || (confidence >= thresholds.suggest && lead >= thresholds.margin))) return { decision: 'answer', entry: top.entry, confidence, candidates, ...base };
      if (top && confidence >= thresholds.suggest) {
        return { decision: 'suggest', confidence, candidates: candidates.filter((c) => c.confidence >= thresholds.suggest * 0.6), ...base };
      }
      return { decision: 'fallback', confidence, candidates, ...base };
    },
  };
}
