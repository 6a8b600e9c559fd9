import { normalize } from './normalize.js';
import { type Segmenter, defaultSegmenter } from './segment.js';
import { DEFAULT_PHRASES, DEFAULT_SYNONYMS } from './synonyms.js';

/** What a question becomes for retrieval. */
export interface Tokens {
  /** Normalised text. */
  text: string;
  /** Words after segmentation, synonym mapping and stop-word removal. */
  words: string[];
  /** Chinese characters (minus particles): a second, typo-tolerant view of the same text. */
  chars: string[];
}

/** Options of {@link createTokenizer}. */
export interface TokenizerOptions {
  /** Synonym groups added to (and overriding) the defaults; the first word of a group is its term. */
  synonyms?: ReadonlyArray<readonly string[]>;
  /** Phrase rewrites applied before segmentation (typos, multi-word English terms). */
  phrases?: ReadonlyArray<readonly [string, string]>;
  /** Replace the default tables instead of extending them. */
  replaceDefaults?: boolean;
  segmenter?: Segmenter;
}

/** Turns text into retrieval tokens. One instance serves the index and every query. */
export interface Tokenizer {
  readonly segmenter: Segmenter;
  tokenize(text: string): Tokens;
  /** The canonical term of a word (its synonym group head), or the word itself. */
  canonical(word: string): string;
}

const EN_STOP = new Set(
  'a an the i me my mine you your yours u ur is are am was were be been do does did will would shall should to of for in on at it its this that these those and or but please pls plz what we our us with from there have has had any some im just about if need want wanna d s m ll re ve my myself yes ok okay then than also get got let lets make which who whom whose not yet still already now just really usual usually thing stuff some any way possible like would guys'.split(' '),
);
const ZH_STOP = new Set(
  '的 了 吗 呢 吧 啊 呀 哦 嘛 么 哈 嗯 啦 呐 哇 亲 我 你 您 他 她 它 我们 你们 咱 是 在 有 和 与 及 就 都 也 还 又 要 想 会 请 请问 麻烦 一下 一个 个 这 那 这个 那个 这些 什么 吗 了吗 我要 我想 想要 需要 后 之后 以后 才 等 一般 平时 大概 弄 搞 具体 刚刚 刚 亲 这边 那边 请问 一些 起来 出来 过来 呢 啦 哈 么 吗 就 又 再 一样 然后 还能 还可以 得 掉 呢 帮 帮我 给 给我 我的 你的 把 被 让 对 从 向 到底 一直 现在 已经 还是 还有 就是 不是 有什么 有没有 是不是 有啥 但是 可是 所以 然后 因为 如果 的话 一般 大概 多少 谁 自己 下 上 里 中 得 地 着 过 很 太 非常 挺 蛮 比较 最 更 一点 点 不 没 没有 别 事 东西 问题 情况 时候 好 好的 行 可 吧'.split(' '),
);
const ZH_STOP_CHARS = new Set([...'的了吗呢吧啊呀哦嘛么哈嗯啦亲我你您是在有和就都也还要想会请问一下个这那什么哪把被让给帮很太不没别得地着过']);

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;
const RUNS = /[\u3400-\u9fff\uf900-\ufaff]+|[a-z0-9][a-z0-9.]*/g;

/** A light English stemmer (plurals, -ing, -ed); applied alike to questions and synonym tables. */
function stem(word: string): string {
  let w = word;
  if (w.length > 4 && w.endsWith('ies')) w = `${w.slice(0, -3)}y`;
  else if (w.length > 3 && w.endsWith('s') && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
  if (w.length > 5 && w.endsWith('ing')) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith('ed')) w = w.slice(0, -2);
  else if (w.length > 4 && w.endsWith('e')) w = w.slice(0, -1);
  // shipp → ship, stopp → stop
  if (/([bdgmnprt])\1$/.test(w)) w = w.slice(0, -1);
  return w;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Creates the tokenizer: normalise → rewrite phrases → segment Chinese runs (jieba), split and
 * stem English words → map synonyms → drop stop words. Chinese characters are kept as a second
 * view so a typo or an unusual segmentation still overlaps.
 */
export function createTokenizer(options: TokenizerOptions = {}): Tokenizer {
  const segmenter = options.segmenter ?? defaultSegmenter();
  const groups = [...(options.replaceDefaults ? [] : DEFAULT_SYNONYMS), ...(options.synonyms ?? [])];
  const map = new Map<string, string>();
  const phraseList: Array<readonly [string, string]> = [...(options.replaceDefaults ? [] : DEFAULT_PHRASES), ...(options.phrases ?? [])];
  for (const group of groups) {
    const head = normalize(group[0] ?? '');
    if (!head) continue;
    for (const member of group) {
      const m = normalize(member);
      if (!m) continue;
      // Multi-word members ("money back") are matched as phrases before segmentation.
      if (m.includes(' ')) phraseList.push([m, head]);
      else map.set(stem(m), head);
    }
  }
  // Longest phrases first so "how many days" wins over "how".
  const phrases = phraseList
    .map(([from, to]) => [normalize(from), normalize(to)] as const)
    .filter(([from]) => from.length > 0)
    .sort((a, b) => b[0].length - a[0].length);
  const pattern = phrases.length
    ? new RegExp(phrases.map(([from]) => (CJK.test(from) ? escapeRegExp(from) : `(?<![a-z0-9])${escapeRegExp(from)}(?![a-z0-9])`)).join('|'), 'g')
    : undefined;
  const replacement = new Map(phrases.map(([from, to]) => [from, to]));

  const canonical = (word: string): string => map.get(word) ?? word;

  return {
    segmenter,
    canonical,
    tokenize(input) {
      let text = normalize(input);
      // Chinese rewrites stay inside their run so jieba segments them as it segments the entries.
      if (pattern) text = text.replace(pattern, (m) => (CJK.test(m) ? (replacement.get(m) ?? m) : ` ${replacement.get(m) ?? m} `));
      // Measurements say what a question is about better than their numbers: "175 70kg" is
      // height and weight, "m码" is a size.
      text = text
        .replace(/\b1?\d{2,3}\s*(cm|厘米)|[一1]米[一二三四五六七八九\d]+/g, ' 身高 ')
        .replace(/\d{2,3}(\.\d)?\s*(kg|公斤|斤)/g, ' 体重 ')
        .replace(/\b(xs|s|m|l|xl|xxl|\d{2})\s*码/g, ' 尺码 ');
      const words: string[] = [];
      const chars: string[] = [];
      for (const match of text.matchAll(RUNS)) {
        const run = match[0];
        if (CJK.test(run[0]!)) {
          for (const ch of run) if (!ZH_STOP_CHARS.has(ch)) chars.push(ch);
          for (const w of segmenter.cut(run)) {
            const word = w.trim();
            if (!word || ZH_STOP.has(word)) continue;
            words.push(canonical(word));
          }
        } else {
          for (const part of run.split('.')) {
            if (!part) continue;
            const word = /^[a-z]+$/.test(part) ? stem(part) : part;
            if (EN_STOP.has(part) || EN_STOP.has(word)) continue;
            words.push(canonical(word));
          }
          // Keep dotted numbers (11.11) whole as well.
          if (run.includes('.') && /\d/.test(run)) words.push(canonical(run));
        }
      }
      return { text, words, chars };
    },
  };
}
