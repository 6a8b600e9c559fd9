import { normalize } from './normalize.js';
import { defaultSegmenter, type Segmenter } from './segment.js';

/** The sentiment of one message. */
export interface Sentiment {
  /** Sum of word weights after negation and intensifiers; below 0 is negative. */
  score: number;
  label: 'negative' | 'neutral' | 'positive';
  /** At or below the anger threshold: the customer should reach a human. */
  angry: boolean;
  /** The lexicon words that counted. */
  matched: string[];
}

/** Options of {@link createSentimentAnalyzer}. */
export interface SentimentOptions {
  /** Extra or overriding word weights (negative for bad feelings). */
  lexicon?: Record<string, number>;
  /** Score at or below which the customer counts as angry. Default -3. */
  angryAt?: number;
  segmenter?: Segmenter;
}

/** Scores messages in Chinese and English. */
export interface SentimentAnalyzer {
  analyze(text: string): Sentiment;
}

// Weights: -3 is anger or abuse, -2 strong dissatisfaction, -1 mild. Complaints about a parcel
// ("慢", "坏了") are mild on purpose: they are questions to answer, not reasons to escalate.
const LEXICON: Record<string, number> = {
  垃圾: -3, 骗子: -3, 骗人: -3, 诈骗: -3, 坑人: -3, 坑爹: -3, 黑店: -3, 气死: -3, 气死我了: -3, 恶心: -3, 无耻: -3, 滚: -3, 妈的: -3, 傻逼: -3,
  报警: -3, 12315: -3, 曝光: -3, 差劲: -3, 破东西: -3, 什么破: -3, 坑: -2, 骗: -3, 混蛋: -3, 去死: -3, 忍无可忍: -3, 愤怒: -3, 火大: -3,
  生气: -2, 过分: -2, 太过分: -3, 离谱: -2, 失望: -2, 敷衍: -2, 不负责任: -3, 烂: -2, 差: -2, 糟糕: -2, 太慢: -1, 讨厌: -2, 受够: -3, 崩溃: -2,
  // Swearing, threats to report or sue, and accusations: a customer saying these wants a person.
  他妈: -3, 他妈的: -3, 特么: -3, 尼玛: -3, 卧槽: -3, 我靠: -2, 狗屎: -3, 奸商: -3, 黑心: -3, 无良: -3, 欺负人: -3, 欺负: -2, 欺骗: -3, 骗钱: -3, 坑钱: -3,
  举报: -3, 维权: -3, 消协: -3, 消费者协会: -3, 工商局: -3, 起诉: -3, 律师: -3, 法院: -3, 差评: -2, 最差: -3, 太差: -3, 气人: -3, 可恶: -3, 受不了: -2, 忍不了: -3,
  不满: -2, 郁闷: -1, 无语: -2, 后悔: -1, 投诉: -1, 慢: -1, 烦: -1, 着急: -1, 急: -1,
  满意: 2, 喜欢: 2, 好评: 2, 不错: 2, 谢谢: 1, 感谢: 1, 棒: 2, 赞: 2, 开心: 2, 好用: 2, 舒服: 1, 给力: 2, 推荐: 1,
  scam: -3, scammer: -3, fraud: -3, idiot: -3, idiots: -3, stupid: -3, useless: -3, terrible: -3, horrible: -3, worst: -3, furious: -3, fuck: -3,
  fucking: -3, shit: -3, crap: -3, pathetic: -3, disgusting: -3, ridiculous: -2, unacceptable: -3, outrageous: -3, hate: -3, awful: -3,
  angry: -2, mad: -2, rubbish: -3, garbage: -3, liar: -3, liars: -3, cheat: -3, cheated: -3, annoyed: -2, upset: -2, disappointed: -2,
  scammers: -3, scamming: -3, ripoff: -3, incompetent: -3, nightmare: -3, lawyer: -3, sue: -3, disgusted: -3, livid: -3, unbelievable: -2,
  joke: -1, fed: -1, bullshit: -3, bs: -2, report: -1, complaint: -1, ripped: -2, robbed: -3, worthless: -3, dishonest: -3,
  bad: -1, poor: -1, slow: -1, sucks: -3, suck: -3, wtf: -3, nonsense: -2, frustrated: -2,
  good: 1, great: 2, thanks: 1, thank: 1, love: 2, perfect: 2, excellent: 2, happy: 2, nice: 1, awesome: 2, helpful: 2,
};
const NEGATORS = new Set(['不', '没', '没有', '别', '不是', '并不', '毫不', '不太', 'not', 'no', 'never', 'dont', 'isnt', 'wasnt', 'arent', 'didnt', 'doesnt', 'hardly', 'nothing']);
const INTENSIFIERS: Record<string, number> = {
  太: 1.5, 非常: 1.5, 特别: 1.5, 超: 1.5, 超级: 1.5, 极其: 2, 十分: 1.5, 真: 1.3, 真的: 1.3, 好: 1.2, 巨: 1.5, 最: 1.5, 实在: 1.5, 简直: 1.5,
  very: 1.5, so: 1.5, really: 1.3, extremely: 2, absolutely: 1.5, totally: 1.5, completely: 1.5, super: 1.5, most: 1.5,
};

/**
 * A lexicon scorer with negation ("不满意" flips 满意) and intensifiers ("非常生气" weighs 1.5×).
 * Repeated exclamation marks intensify a negative message. Measured in `eval/sentiment.jsonl`.
 */
export function createSentimentAnalyzer(options: SentimentOptions = {}): SentimentAnalyzer {
  const lexicon = { ...LEXICON, ...options.lexicon };
  const angryAt = options.angryAt ?? -3;
  const segmenter = options.segmenter ?? defaultSegmenter();
  return {
    analyze(text) {
      const exclamations = (text.match(/[!！]/g) ?? []).length;
      // Negation and intensifiers reach within a clause only: "还不发货，垃圾" is not "不垃圾".
      const clauses = text.split(/[，,。.!！?？;；、\n]+/);
      const tokens: string[] = [];
      for (const clause of clauses) {
        tokens.push('\u0000');
        for (const m of normalize(clause).matchAll(/[\u3400-\u9fff]+|[a-z0-9]+/g)) {
          if (/[\u3400-\u9fff]/.test(m[0])) tokens.push(...segmenter.cut(m[0]));
          else tokens.push(m[0]);
        }
      }
      let score = 0;
      const matched: string[] = [];
      for (let i = 0; i < tokens.length; i++) {
        let token = tokens[i]!;
        let weight = lexicon[token];
        // Two-character stems inside longer words ("差劲了", "气死人") still count.
        if (weight === undefined && /[\u3400-\u9fff]{3,}/.test(token)) {
          for (const key of [token.slice(0, 2), token.slice(-2)]) if (lexicon[key] !== undefined && Math.abs(lexicon[key]!) >= 2) { weight = lexicon[key]; token = key; break; }
        }
        if (weight === undefined) continue;
        let factor = 1;
        let start = i;
        while (start > 0 && i - start < 3 && tokens[start - 1] !== '\u0000') start--;
        for (let j = start; j < i; j++) {
          const prev = tokens[j]!;
          if (NEGATORS.has(prev)) factor *= -1;
          else if (INTENSIFIERS[prev]) factor *= INTENSIFIERS[prev]!;
        }
        // A negated negative word ("not bad", "不差") turns mildly positive rather than fully.
        if (factor < 0 && weight < 0) factor = -0.5 * Math.abs(factor);
        score += weight * factor;
        matched.push(token);
      }
      if (score < 0 && exclamations >= 2) score *= 1.5;
      const label = score <= -1 ? 'negative' : score >= 1 ? 'positive' : 'neutral';
      return { score, label, angry: score <= angryAt, matched };
    },
  };
}
