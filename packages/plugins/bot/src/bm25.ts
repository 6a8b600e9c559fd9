import type { Tokenizer, Tokens } from './tokenize.js';

/** One searchable question: the main question or a similar question of an entry. */
interface Doc {
  entry: number;
  words: Map<string, number>;
  wordLen: number;
  chars: Map<string, number>;
  charLen: number;
}

/** The postings of one term, frozen after the build. */
interface Postings {
  docs: Int32Array;
  tfs: Float64Array;
  idf: number;
}

/** The `k` highest-scoring documents, kept in a min-heap. */
class TopK {
  readonly #heap: number[] = [];
  constructor(
    readonly k: number,
    readonly scores: Float64Array,
  ) {}

  offer(doc: number): void {
    const h = this.#heap;
    const s = this.scores;
    if (h.length < this.k) {
      h.push(doc);
      let i = h.length - 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (s[h[parent]!]! <= s[h[i]!]!) break;
        [h[parent], h[i]] = [h[i]!, h[parent]!];
        i = parent;
      }
    } else if (s[doc]! > s[h[0]!]!) {
      h[0] = doc;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && s[h[l]!]! < s[h[m]!]!) m = l;
        if (r < h.length && s[h[r]!]! < s[h[m]!]!) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
  }

  items(): number[] {
    return this.#heap;
  }
}

/** A scored entry. */
export interface Hit {
  /** Index of the entry in the indexed list. */
  entry: number;
  /** BM25 score of the entry's best-matching question. */
  score: number;
  /** 0–1: how much of the question's (idf-weighted) meaning the best question covers, and vice versa. */
  confidence: number;
  /** Index of the best-matching question among the entry's questions. */
  doc: number;
  /** Coverage of the best question: word view query/question share, character view query/question share. */
  coverage: { wq: number; wd: number; cq: number; cd: number };
  /** How many of the entry's questions made the shortlist (an entry several questions agree on is safer). */
  support: number;
}

/** Tuning knobs of the index. */
export interface Bm25Options {
  k1?: number;
  b?: number;
  /** Weight of the character view next to the word view. */
  charWeight?: number;
}

/**
 * An inverted index over every question and similar question. A query touches only the postings
 * of its own terms, so its cost grows with the number of matching questions, not the size of the
 * knowledge base. An entry scores as its best question.
 */
export class Bm25Index {
  readonly #docs: Doc[] = [];
  readonly #words = new Map<string, Array<[doc: number, tf: number]>>();
  readonly #chars = new Map<string, Array<[doc: number, tf: number]>>();
  readonly #k1: number;
  readonly #b: number;
  readonly #charWeight: number;
  #avgWords = 1;
  #avgChars = 1;
  #scores = new Float64Array(0);
  #frozen = false;
  readonly #wordPostings = new Map<string, Postings>();
  readonly #charPostings = new Map<string, Postings>();
  #wordNorms = new Float64Array(0);
  #charNorms = new Float64Array(0);
  /** Per question, the idf mass of its words and of its characters: constant, so summed once at freeze. */
  #wordMass = new Float64Array(0);
  #charMass = new Float64Array(0);
  readonly tokenizer: Tokenizer;

  /** `questions` may carry their tokens already (made by the same tokenizer) so a caller building several indexes tokenizes once. */
  constructor(tokenizer: Tokenizer, questions: ReadonlyArray<{ entry: number; text: string; tokens?: Tokens }>, options: Bm25Options = {}) {
    this.tokenizer = tokenizer;
    this.#k1 = options.k1 ?? 1.2;
    this.#b = options.b ?? 0.6;
    this.#charWeight = options.charWeight ?? 0.35;
    let totalWords = 0;
    let totalChars = 0;
    for (const q of questions) {
      const t = q.tokens ?? tokenizer.tokenize(q.text);
      const doc: Doc = { entry: q.entry, words: count(t.words), wordLen: t.words.length, chars: count(t.chars), charLen: t.chars.length };
      const id = this.#docs.push(doc) - 1;
      for (const [term, tf] of doc.words) push(this.#words, term, [id, tf]);
      for (const [term, tf] of doc.chars) push(this.#chars, term, [id, tf]);
      totalWords += doc.wordLen;
      totalChars += doc.charLen;
    }
    this.#avgWords = Math.max(1, totalWords / Math.max(1, this.#docs.length));
    this.#avgChars = Math.max(1, totalChars / Math.max(1, this.#docs.length));
    this.#scores = new Float64Array(this.#docs.length);
  }

  /** Number of indexed questions. */
  get size(): number {
    return this.#docs.length;
  }

  /** Inverse document frequency; a term no question contains gets the highest value. */
  idf(term: string, chars = false): number {
    const frozen = (chars ? this.#charPostings : this.#wordPostings).get(term);
    if (frozen) return frozen.idf;
    const n = (chars ? this.#chars : this.#words).get(term)?.length ?? 0;
    const N = this.#docs.length;
    return Math.log(1 + (N - n + 0.5) / (n + 0.5));
  }

  /**
   * Replaces a Chinese word no question contains by the known words inside it (longest first),
   * so a segmentation the index never saw ("能收" in "多久能收到货") still finds "可以" and "收".
   * A word with no known part stays: it is evidence the question is about something else.
   */
  #backoff(words: string[]): string[] {
    const out: string[] = [];
    for (const word of words) {
      if (this.#words.has(word) || word.length < 2 || !/^[\u3400-\u9fff]+$/.test(word)) {
        out.push(word);
        continue;
      }
      const parts: string[] = [];
      let rest = '';
      let i = 0;
      while (i < word.length) {
        let found = '';
        for (let j = word.length; j > i; j--) {
          const piece = this.tokenizer.canonical(word.slice(i, j));
          if (this.#words.has(piece)) {
            found = piece;
            i = j;
            break;
          }
        }
        if (found) parts.push(found);
        else rest += word[i++];
      }
      // Unknown characters stay as one unknown word: evidence of another topic ("天气").
      if (rest.length >= 2) parts.push(rest);
      out.push(...(parts.length ? parts : [word]));
    }
    return out;
  }

  /** The best `limit` entries for already-tokenized text. */
  search(tokens: Tokens, limit: number): Hit[] {
    this.#freeze();
    const scores = this.#scores;
    const touched: number[] = [];
    const qWords = count(this.#backoff(tokens.words));
    const qChars = count(tokens.chars);
    // Words in more than a tenth of the questions (怎么, 可以) add little to the ranking and cost the
    // most to score; they still count in the confidence. A query made only of them is scored in full.
    // The cap is also absolute: in a 10,000-entry base a tenth is thousands of postings per word.
    const wordCap = Math.max(200, Math.min(this.#docs.length * 0.1, MAX_WORD_POSTINGS));
    const rare = [...qWords.keys()].some((t) => (this.#wordPostings.get(t)?.docs.length ?? 0) > 0 && this.#wordPostings.get(t)!.docs.length <= wordCap);
    this.#score(touched, this.#wordPostings, qWords, this.#wordNorms, 1, rare ? wordCap : Number.POSITIVE_INFINITY);
    // Characters shared by a large part of the questions carry little and cost a lot to score.
    if (this.#charWeight > 0) this.#score(touched, this.#charPostings, qChars, this.#charNorms, this.#charWeight, Math.max(50, Math.min(this.#docs.length * 0.05, MAX_CHAR_POSTINGS)));

    // Keep the best-scoring questions with a bounded heap (a full sort is what slows a large base),
    // then judge them by confidence: an entry counts as its most confident question (BM25
    // favours long questions with many shared characters, confidence does not).
    const k = Math.max(40, limit * 4);
    const heap = new TopK(k, scores);
    for (const doc of touched) heap.offer(doc);
    const best = new Map<number, Hit>();
    const weights = this.#queryWeights(qWords, qChars);
    for (const doc of heap.items()) {
      const d = this.#docs[doc]!;
      const coverage = this.#coverage(weights, doc);
      const hit: Hit = { entry: d.entry, doc, score: scores[doc]!, confidence: blend(coverage), coverage, support: 1 };
      const current = best.get(d.entry);
      if (current) hit.support = current.support + 1;
      if (!current || hit.confidence > current.confidence || (hit.confidence === current.confidence && hit.score > current.score)) best.set(d.entry, hit);
      else current.support = hit.support;
    }
    for (const doc of touched) scores[doc] = 0;
    return [...best.values()].sort((a, b) => b.confidence - a.confidence || b.score - a.score).slice(0, limit);
  }

  /** Adds the BM25 contribution of each query term (with at most `maxDf` postings) to the question scores. */
  #score(touched: number[], postings: Map<string, Postings>, terms: Map<string, number>, norms: Float64Array, weight: number, maxDf: number): void {
    const scores = this.#scores;
    const k1 = this.#k1;
    for (const term of terms.keys()) {
      const list = postings.get(term);
      if (!list || list.docs.length > maxDf) continue;
      const idf = list.idf * weight;
      const { docs, tfs } = list;
      for (let i = 0; i < docs.length; i++) {
        const doc = docs[i]!;
        const tf = tfs[i]!;
        if (scores[doc] === 0) touched.push(doc);
        scores[doc]! += (idf * tf * (k1 + 1)) / (tf + norms[doc]!);
      }
    }
  }

  /** Turns the build-time lists into typed arrays with their idf, and precomputes length norms. */
  #freeze(): void {
    if (this.#frozen) return;
    this.#frozen = true;
    const N = this.#docs.length;
    const freeze = (from: Map<string, Array<[number, number]>>, to: Map<string, Postings>) => {
      for (const [term, list] of from) {
        to.set(term, { docs: Int32Array.from(list, (p) => p[0]), tfs: Float64Array.from(list, (p) => p[1]), idf: Math.log(1 + (N - list.length + 0.5) / (list.length + 0.5)) });
      }
    };
    freeze(this.#words, this.#wordPostings);
    freeze(this.#chars, this.#charPostings);
    this.#wordNorms = Float64Array.from(this.#docs, (d) => this.#k1 * (1 - this.#b + (this.#b * d.wordLen) / this.#avgWords));
    this.#charNorms = Float64Array.from(this.#docs, (d) => this.#k1 * (1 - this.#b + (this.#b * d.charLen) / this.#avgChars));
    const mass = (terms: Map<string, number>, chars: boolean) => {
      let m = 0;
      for (const t of terms.keys()) m += this.idf(t, chars) ** IDF_POWER;
      return m;
    };
    this.#wordMass = Float64Array.from(this.#docs, (d) => mass(d.words, false));
    this.#charMass = Float64Array.from(this.#docs, (d) => mass(d.chars, true));
  }

  /** How much of the query one question covers and how much of the question the query covers, in both views. */
  #coverage(q: QueryWeights, doc: number): Hit['coverage'] {
    const d = this.#docs[doc]!;
    const w = overlap(q.words, q.wordMass, d.words, this.#wordMass[doc]!);
    const c = overlap(q.chars, q.charMass, d.chars, this.#charMass[doc]!);
    return { wq: w.q, wd: w.d, cq: c.q, cd: c.d };
  }

  /**
   * The query's terms with their weights, once per query: squared-or-plain idf (IDF_POWER)
   * sharpens the gap between topic words (发票) and generic ones (可以); a word no question
   * contains weighs half: it is unknown, not a contradiction.
   */
  #queryWeights(qWords: Map<string, number>, qChars: Map<string, number>): QueryWeights {
    const weigh = (terms: Map<string, number>, chars: boolean): Array<[string, number]> => {
      const postings = chars ? this.#chars : this.#words;
      return [...terms.keys()].map((t) => [t, this.idf(t, chars) ** IDF_POWER * (postings.has(t) ? 1 : OOV_WEIGHT)]);
    };
    const words = weigh(qWords, false);
    const chars = weigh(qChars, true);
    return { words, chars, wordMass: words.reduce((m, [, w]) => m + w, 0), charMass: chars.reduce((m, [, w]) => m + w, 0) };
  }
}

/** A query's weighted terms in both views (see `#queryWeights`). */
interface QueryWeights {
  words: Array<[string, number]>;
  chars: Array<[string, number]>;
  wordMass: number;
  charMass: number;
}

/**
 * Weighted overlap between the query and one question: the share of the query's idf mass the
 * question covers, balanced with the share of the question's mass the query covers (a question
 * with many unmatched words is a weaker match). Words and characters are blended so a typo only
 * costs part of the confidence.
 */
function overlap(query: Array<[string, number]>, qMass: number, doc: Map<string, number>, dMass: number): { q: number; d: number } {
  if (qMass === 0 || dMass === 0) return { q: 0, d: 0 };
  let shared = 0;
  for (const [t, w] of query) if (doc.has(t)) shared += w;
  return { q: shared / qMass, d: shared / dMass };
}

/** The confidence of one question from its coverage. */
function blend(c: Hit['coverage']): number {
  const words = Math.pow(c.wq, 0.6) * Math.pow(c.wd, 0.4);
  const chars = Math.pow(c.cq, 0.6) * Math.pow(c.cd, 0.4);
  // Characters only lift the confidence (typos, odd segmentation); synonyms matched as words
  // share no characters and must not be pulled down by them.
  return chars > words ? words + 0.3 * (chars - words) : words;
}

const IDF_POWER = 1;
// Absolute caps on the postings a query scores per word and per character (see search()).
const MAX_WORD_POSTINGS = 2000;
const MAX_CHAR_POSTINGS = 600;
const OOV_WEIGHT = 0.5;

function count(terms: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of terms) m.set(t, (m.get(t) ?? 0) + 1);
  return m;
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
