import type { Tokenizer, Tokens } from './tokenize.js';

/** Tuning knobs of {@link EntryClassifier}. */
export interface ClassifierOptions {
  /** Weight of a Chinese character or character pair next to a word (1). Default 0.5. */
  charWeight?: number;
  /** Additive smoothing of the per-entry term weights. Default 0.05. */
  alpha?: number;
  /**
   * Single characters found in more than this share of the questions are not features: they
   * say little and their postings would make every query visit most entries. Default 0.05.
   */
  maxCharShare?: number;
  /** The same for words and character pairs. Default 0.1. */
  maxShare?: number;
}

const MIN_CAP = 50;

/** A classification: read it before the classifier's next call. */
export interface Posterior {
  /** The posterior of an entry (0 when it shares nothing with the query). */
  of(entry: number): number;
  /** The `k` most probable entries that pass `keep`, best first. */
  best(k: number, keep: (entry: number) => boolean): number[];
}

/** Postings of one feature: the entries that use it and their (idf-weighted, normalised) weight. */
interface FeaturePostings {
  entries: Int32Array;
  logRatio: Float64Array;
}

/**
 * A multinomial naive-Bayes classifier over the entries of a knowledge base, trained on every
 * question and similar question of each entry (the knowledge base *is* the training data, so it
 * retrains on every reload in a fraction of the index build).
 *
 * Why next to BM25: retrieval scores an entry by its single best question, so a customer whose
 * words are spread over several of an entry's paraphrases ("包裹" in one, "到哪了" in another)
 * matches none of them well. The classifier pools an entry's vocabulary: on the knowledge base's
 * leave-questions-out rows it ranks the right entry first 77 % of the time against 68 % for
 * best-question retrieval (docs/bot.md, round 4). Its posterior is a re-ranker feature, and its
 * best entries join the shortlist.
 *
 * Features are the tokenizer's words (weight 1), Chinese characters and adjacent character pairs
 * (`charWeight`), each counted once per question, weighted by idf and normalised per question
 * (the TWCNB transforms of Rennie et al., 2003, which make naive Bayes competitive on short text).
 */
export class EntryClassifier {
  readonly #postings = new Map<string, FeaturePostings>();
  /** log(alpha / (total_c + alpha·V)): the weight of a known feature an entry never uses. */
  readonly #unseen: Float64Array;
  readonly #charWeight: number;
  // Scratch space of posteriors(): a score per entry and the entries touched, reset after each query.
  readonly #scores: Float64Array;
  readonly #touched: Int32Array;
  #count = 0;

  /**
   * `questions` are tokenized with `tokenizer` unless they carry their tokens already (the
   * understander tokenizes once for this and the BM25 index); queries must use the same tokenizer.
   */
  constructor(tokenizer: Tokenizer, questions: ReadonlyArray<{ entry: number; text: string; tokens?: Tokens }>, entryCount: number, options: ClassifierOptions = {}) {
    this.#charWeight = options.charWeight ?? 0.5;
    const alpha = options.alpha ?? 0.05;
    this.#scores = new Float64Array(entryCount);
    this.#touched = new Int32Array(entryCount);
    const maxCharShare = options.maxCharShare ?? 0.05;
    const maxShare = options.maxShare ?? 0.1;
    const docs = questions.map((q) => ({ entry: q.entry, features: this.#features(q.tokens ?? tokenizer.tokenize(q.text)) }));
    const df = new Map<string, number>();
    for (const d of docs) for (const f of d.features.keys()) df.set(f, (df.get(f) ?? 0) + 1);
    const n = Math.max(1, docs.length);
    // A small knowledge base keeps every feature: the shares only bite where postings get long.
    const dropped = (f: string) => (df.get(f) ?? 0) > Math.max(MIN_CAP, n * (f.startsWith('c:') ? maxCharShare : maxShare));
    const weights = new Map<string, Map<number, number>>();
    const totals = new Float64Array(entryCount);
    for (const d of docs) {
      let norm = 0;
      const v: Array<[string, number]> = [];
      for (const [f, x] of d.features) {
        if (dropped(f)) continue;
        const w = x * Math.log(n / (df.get(f) ?? 1));
        if (w <= 0) continue;
        v.push([f, w]);
        norm += w * w;
      }
      norm = Math.sqrt(norm) || 1;
      for (const [f, w] of v) {
        let byEntry = weights.get(f);
        if (!byEntry) weights.set(f, (byEntry = new Map()));
        byEntry.set(d.entry, (byEntry.get(d.entry) ?? 0) + w / norm);
        totals[d.entry] = totals[d.entry]! + w / norm;
      }
    }
    const vocabulary = weights.size;
    this.#unseen = totals.map((t) => Math.log(alpha / (t + alpha * vocabulary)));
    for (const [f, byEntry] of weights) {
      const entries = new Int32Array(byEntry.size);
      const logRatio = new Float64Array(byEntry.size);
      let i = 0;
      for (const [e, w] of byEntry) {
        entries[i] = e;
        // log P(f|e) − log P(unseen f|e): what using the feature adds to the entry's score.
        logRatio[i] = Math.log((w + alpha) / alpha);
        i++;
      }
      this.#postings.set(f, { entries, logRatio });
    }
  }

  /**
   * Classifies a query. The posterior of each entry that shares at least one feature with it (the
   * others are negligible), normalised over those entries. The result reads scratch space the next
   * call reuses: use it before classifying again (every caller does, synchronously) — this keeps a
   * 10,000-entry knowledge base from allocating a map of thousands of entries per question.
   */
  classify(tokens: Tokens): Posterior {
    const scores = this.#scores;
    const touched = this.#touched;
    for (let i = 0; i < this.#count; i++) scores[touched[i]!] = 0;
    let count = 0;
    let mass = 0;
    for (const [f, x] of this.#features(tokens)) {
      const p = this.#postings.get(f);
      if (!p) continue;
      mass += x;
      const { entries, logRatio } = p;
      for (let i = 0; i < entries.length; i++) {
        const e = entries[i]!;
        if (scores[e] === 0) touched[count++] = e;
        // + a hair so an entry whose features all weigh 0 still counts as touched.
        scores[e] = scores[e]! + x * logRatio[i]! + 1e-12;
      }
    }
    this.#count = count;
    let max = -Infinity;
    for (let i = 0; i < count; i++) {
      const e = touched[i]!;
      const total = scores[e]! + mass * this.#unseen[e]!;
      scores[e] = total;
      if (total > max) max = total;
    }
    let z = 0;
    for (let i = 0; i < count; i++) {
      const e = touched[i]!;
      const v = Math.exp(scores[e]! - max);
      scores[e] = v;
      z += v;
    }
    for (let i = 0; i < count; i++) scores[touched[i]!] = scores[touched[i]!]! / z + Number.MIN_VALUE;
    return {
      of: (entry) => scores[entry] ?? 0,
      best: (k, keep) => {
        const best: Array<[number, number]> = [];
        for (let i = 0; i < count; i++) {
          const e = touched[i]!;
          const v = scores[e]!;
          if (best.length === k && v <= best[k - 1]![1]) continue;
          if (!keep(e)) continue;
          let j = best.length;
          while (j > 0 && best[j - 1]![1] < v) j--;
          best.splice(j, 0, [e, v]);
          if (best.length > k) best.pop();
        }
        return best.map(([e]) => e);
      },
    };
  }

  /** The features of a question or query: words, characters and character pairs, each once. */
  #features(t: Tokens): Map<string, number> {
    const out = new Map<string, number>();
    for (const w of t.words) out.set(`w:${w}`, 1);
    for (const c of t.chars) out.set(`c:${c}`, this.#charWeight);
    for (let i = 0; i + 1 < t.chars.length; i++) out.set(`b:${t.chars[i]}${t.chars[i + 1]}`, this.#charWeight);
    return out;
  }
}
