/**
 * @kefu/plugin-bot — the Kefu bot: a knowledge base with tier/tag variants, Chinese and English
 * understanding (jieba segmentation, BM25 with synonyms, confidence thresholds), intents with
 * slots, sentiment, handoff to humans, business hours, and an optional grounded LLM.
 *
 * @packageDocumentation
 */
export * from './commerce.js';
export * from './shop.js';
export * from './errors.js';
export * from './evaluate.js';
export * from './handoff.js';
export * from './hours.js';
export * from './intents.js';
export * from './kb.js';
export * from './knowledge-base.js';
export * from './llm.js';
export * from './normalize.js';
export * from './out-of-scope.js';
export * from './plugin.js';
export * from './segment.js';
export * from './sentiment.js';
export * from './synonyms.js';
export * from './tokenize.js';
export * from './types.js';
export * from './understand.js';
export { Bm25Index, type Bm25Options, type Hit } from './bm25.js';
export { type ClassifierOptions, EntryClassifier, type Posterior } from './classifier.js';
export { DEFAULT_RERANKER, RERANK_FEATURES, type RerankInput, type RerankerWeights, rerankFeatures, rerankProbability } from './rerank.js';
