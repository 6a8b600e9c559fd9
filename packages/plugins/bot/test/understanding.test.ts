import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  Bm25Index,
  bigramSegmenter,
  createSentimentAnalyzer,
  createTokenizer,
  createUnderstander,
  defaultSegmenter,
  detectIntent,
  detectLocale,
  DEFAULT_RERANKER,
  EntryClassifier,
  isHandoffRequest,
  RERANK_FEATURES,
  normalize,
  type KbEntry,
} from '../src/index.js';
import { KB } from './fixtures/kb.js';

describe('normalize', () => {
  it('folds full width, case, traditional characters and punctuation', () => {
    expect(normalize('ＡＢＣ１２３！')).toBe('abc123');
    expect(normalize('我的貨什麼時候發？')).toBe('我的货什么时候发');
    expect(normalize('11.11 預售, OK?')).toBe('11.11 预售 ok');
  });
});

describe('tokenizer', () => {
  const tokenizer = createTokenizer();
  it('loads jieba', () => {
    expect(defaultSegmenter().kind).toBe('jieba');
  });
  it('maps synonyms across languages onto one term', () => {
    const a = tokenizer.tokenize('我的包裹到哪了').words;
    const b = tokenizer.tokenize('where is my parcel').words;
    const c = tokenizer.tokenize('我的 package 在哪').words;
    expect(a).toContain('快递');
    expect(b).toContain('快递');
    expect(c).toContain('快递');
    expect(tokenizer.tokenize('我要退钱').words).toContain('退款');
    expect(tokenizer.tokenize('invoice please').words).toContain('发票');
  });
  it('rewrites common typos', () => {
    expect(tokenizer.tokenize('怎么开发漂').words).toContain('发票');
  });
  it('falls back to character bigrams when jieba is unavailable', () => {
    const t = createTokenizer({ segmenter: bigramSegmenter });
    expect(t.segmenter.kind).toBe('bigram');
    expect(t.tokenize('运费怎么算').words).toEqual(['运费', '费怎', '怎么', '么算']);
    const u = createUnderstander(KB, { tokenizer: t });
    expect(u.understand('运费怎么算').entry?.id).toBe('ship-fee');
  });
});

describe('handoff requests', () => {
  it.each(['人工', '转人工', '我要找人工客服', '真人', 'human', 'agent', 'real person please', 'talk to a human', 'connect me to an agent', '叫你们经理出来', '别跟我机器人说话', '有没有活人啊'])('"%s" asks for a person', (q) => {
    expect(isHandoffRequest(q)).toBe(true);
  });
  it.each(['人工客服几点上班', '不用转人工了', 'agents hours?', '客服电话是多少', 'i dont need a human', '你是机器人吗', 'when can i talk to customer service'])('"%s" does not', (q) => {
    expect(isHandoffRequest(q)).toBe(false);
  });
});

describe('handoff request families', () => {
  // Verb × person families, not listed phrases: every combination must read as a request.
  const verbs = ['帮我转', '我要找', '给我接', '请转接', '麻烦安排'];
  const people = ['人工', '真人', '客服', '小二', '专员', '客服专员'];
  it.each(verbs.flatMap((v) => people.map((p) => `${v}${p}`)))('"%s" asks for a person', (q) => {
    expect(isHandoffRequest(q)).toBe(true);
  });
  it.each(['I want to speak with a real person', 'can i chat with someone', 'get me a manager', 'I need a human', 'stop the bot', 'please escalate this', '我要和人说话 不要机器人', '人工客服在哪 快点给我接', '换个人来'])('"%s" asks for a person', (q) => {
    expect(isHandoffRequest(q)).toBe(true);
  });
  it.each(['给我客服电话', '找客服几点上班', '安装需要人工费吗', '人工智能', '找人来安装可以吗', 'do i need a person to sign for it'])('"%s" is a question, not a request', (q) => {
    expect(isHandoffRequest(q)).toBe(false);
  });
});

describe('re-ranker', () => {
  it('ships weights for exactly the features it computes', () => {
    expect(DEFAULT_RERANKER.features).toEqual([...RERANK_FEATURES]);
    expect(DEFAULT_RERANKER.weights).toHaveLength(RERANK_FEATURES.length);
  });
  it('reports a probability, the lexical confidence and the features of each candidate', () => {
    const u = createUnderstander(KB);
    const [top] = u.search('运费怎么算');
    expect(top?.entry.id).toBe('ship-fee');
    expect(top?.features).toHaveLength(RERANK_FEATURES.length);
    expect(top!.confidence).toBeGreaterThan(0);
    expect(top!.confidence).toBeLessThan(1);
    expect(top!.lexical).toBeCloseTo(1, 3);
  });
  it('can be switched off: the confidence is then the lexical one', () => {
    const u = createUnderstander(KB, { reranker: false });
    const [top] = u.search('运费怎么算');
    expect(top!.confidence).toBe(top!.lexical);
    expect(u.thresholds.answer).toBe(0.5);
  });
  it('refuses weights trained for other features', () => {
    expect(() => createUnderstander(KB, { reranker: { ...DEFAULT_RERANKER, features: ['confidence'] } })).toThrow(/reranker weights/);
  });
  it('answers a verbatim question of an entry whatever the thresholds', () => {
    const strict = createUnderstander(KB, { thresholds: { answer: 0.999, suggest: 0.99, margin: 1 } });
    expect(strict.understand('运费怎么算？').entry?.id).toBe('ship-fee');
  });
});

describe('sentiment', () => {
  const analyzer = createSentimentAnalyzer();
  it('handles negation and intensifiers', () => {
    expect(analyzer.analyze('我很满意').label).toBe('positive');
    expect(analyzer.analyze('我不满意').label).toBe('negative');
    expect(analyzer.analyze('not bad at all').score).toBeGreaterThan(0);
    expect(analyzer.analyze('生气').score).toBeGreaterThan(analyzer.analyze('非常生气').score);
    expect(analyzer.analyze('还不发货，垃圾商家').angry).toBe(true);
    expect(analyzer.analyze('奸商，我要去消协投诉').angry).toBe(true);
    expect(analyzer.analyze('you are scammers and I will call my lawyer').angry).toBe(true);
    expect(analyzer.analyze('给个差评').angry).toBe(false);
  });
  it('is at least 85 % right on the labelled set (eval/sentiment.jsonl)', () => {
    const cases = readFileSync(new URL('../eval/sentiment.jsonl', import.meta.url), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { text: string; label: string });
    expect(cases.length).toBeGreaterThanOrEqual(60);
    const right = cases.filter((c) => analyzer.analyze(c.text).label === c.label).length;
    expect(right / cases.length).toBeGreaterThanOrEqual(0.85);
  });
});

describe('intents', () => {
  it('detects each business intent with its slots', () => {
    expect(detectIntent('我的快递到哪了 订单号 2026111100123')).toEqual({ name: 'logistics', slots: { orderId: '2026111100123' } });
    expect(detectIntent('where is my parcel?')?.name).toBe('logistics');
    expect(detectIntent('订单发货了吗')?.name).toBe('order_status');
    expect(detectIntent('我要退款')?.name).toBe('refund');
    expect(detectIntent('I want my money back')?.name).toBe('refund');
    expect(detectIntent('开个增值税专票')).toEqual({ name: 'invoice', slots: { invoiceKind: 'vat' } });
    expect(detectIntent('invoice please')?.slots.invoiceKind).toBe('normal');
    expect(detectIntent('地址填错了，改成上海市浦东新区1号')).toEqual({ name: 'change_address', slots: { address: '上海市浦东新区1号' } });
    const rec = detectIntent('推荐一款300元以内的耳机');
    expect(rec?.name).toBe('recommend');
    expect(rec?.slots.budget).toBe(300);
    expect(detectIntent('你好')).toBeUndefined();
  });
});

describe('understanding', () => {
  const u = createUnderstander(KB);
  it('answers, suggests or falls back by confidence', () => {
    const answer = u.understand('包邮吗？');
    expect(answer.decision).toBe('answer');
    expect(answer.entry?.id).toBe('ship-fee');
    expect(answer.confidence).toBeGreaterThanOrEqual(u.thresholds.answer);
    expect(u.understand('Is shipping free').entry?.id).toBe('ship-fee');
    expect(u.understand('今天天气怎么样').decision).toBe('fallback');
    expect(u.understand('转人工').decision).toBe('handoff');
    expect(u.understand('你们这些骗子，垃圾服务').handoffReason).toBe('negative_sentiment');
  });
  it('answers in the suggest band when the best entry clearly leads, and suggests when it does not', () => {
    const lenient = createUnderstander(KB, { thresholds: { answer: 0.99, suggest: 0.2, margin: 0 } });
    const r = lenient.understand('发票怎么弄 公司用');
    expect(r.decision).toBe('answer');
    expect(r.entry?.id).toMatch(/^invoice-/);
    const close = createUnderstander(KB, { thresholds: { answer: 0.99, suggest: 0.2, margin: 0.99 } });
    expect(close.understand('发票怎么弄 公司用').decision).toBe('suggest');
  });
  it('reads "ship to the us" as a country and evening-hours questions as questions', () => {
    const u = createUnderstander(JSON.parse(readFileSync(new URL('../data/faq.json', import.meta.url), 'utf8')) as KbEntry[]);
    expect(u.understand('can you ship to the US?').candidates[0]?.entry.id).toBe('ship-overseas');
    expect(u.understand('晚上还有人工客服吗').decision).not.toBe('handoff');
    expect(u.understand('等了一晚上了 给我转人工').decision).toBe('handoff');
  });
  it('suggests the top entries between the thresholds', () => {
    const strict = createUnderstander(KB, { thresholds: { answer: 0.99, suggest: 0.2, margin: 1 } });
    const r = strict.understand('发票怎么弄 公司用');
    expect(r.decision).toBe('suggest');
    expect(r.candidates[0]?.entry.id).toMatch(/^invoice-/);
    expect(r.candidates.length).toBeLessThanOrEqual(3);
  });
  it('never answers with disabled entries or entries of other channels', () => {
    expect(u.understand('会员日是哪天').entry?.id).not.toBe('disabled');
    expect(u.understand('公众号怎么关注', { channel: 'web' }).entry?.id).not.toBe('wechat-only');
    expect(u.understand('公众号怎么关注', { channel: 'wechat' }).entry?.id).toBe('wechat-only');
  });
  it('falls back when an off-topic question matches better than any entry', () => {
    const without = createUnderstander(KB, { outOfScope: false });
    expect(without.understand('怎么选股票').decision).not.toBe('fallback');
    const withList = createUnderstander(KB, { outOfScope: ['怎么选股票'] });
    const r = withList.understand('怎么选股票');
    expect(r.decision).toBe('fallback');
    expect(r.candidates.every((c) => KB.includes(c.entry))).toBe(true);
    expect(withList.understand('尺码怎么选').entry?.id).toBe('size-chart');
  });
  it('detects the locale of a message', () => {
    expect(detectLocale('where is my parcel')).toBe('en');
    expect(detectLocale('我的 refund 呢')).toBe('zh');
  });
});

describe('inverted index', () => {
  it('finds the right entry among 10,000', () => {
    const tokenizer = createTokenizer();
    const questions = Array.from({ length: 10_000 }, (_, i) => ({ entry: i, text: `商品编号 sku${i} 的颜色 尺码 库存 问题` }));
    questions.push({ entry: 10_000, text: '增值税专用发票怎么开' });
    const index = new Bm25Index(tokenizer, questions);
    const hits = index.search(tokenizer.tokenize('sku4242 有库存吗'), 3);
    expect(hits[0]?.entry).toBe(4242);
    expect(index.search(tokenizer.tokenize('专用发票'), 1)[0]?.entry).toBe(10_000);
  });
});

describe('EntryClassifier (naive Bayes over each entry’s pooled questions)', () => {
  const tokenizer = createTokenizer();
  // Entry 0 says "parcel" in one question and "where is it" in another; entry 1 has a single
  // question sharing one word with the query. Best-question retrieval sees the query half-covered
  // by either; pooled vocabulary sees entry 0 using both of its words.
  const questions = [
    { entry: 0, text: '包裹怎么还没收到' },
    { entry: 0, text: '东西现在到哪了' },
    { entry: 0, text: '查一下物流信息' },
    { entry: 1, text: '包裹可以放门口吗' },
    { entry: 2, text: '发票怎么开' },
  ];
  const classifier = new EntryClassifier(tokenizer, questions, 3);

  it('ranks the entry whose questions together use the query’s words first', () => {
    const p = classifier.classify(tokenizer.tokenize('我的包裹到哪了'));
    expect(p.best(3, () => true)[0]).toBe(0);
    expect(p.of(0)).toBeGreaterThan(p.of(1));
  });

  it('gives posteriors that sum to one over the entries sharing a feature, and 0 to the others', () => {
    const p = classifier.classify(tokenizer.tokenize('包裹到哪了'));
    const total = [0, 1, 2].reduce((s, e) => s + p.of(e), 0);
    expect(total).toBeCloseTo(1, 6);
    expect(p.of(2)).toBe(0);
  });

  it('shares nothing with an unrelated query and honours the keep filter', () => {
    expect(classifier.classify(tokenizer.tokenize('zzz qqq')).best(3, () => true)).toEqual([]);
    const p = classifier.classify(tokenizer.tokenize('我的包裹到哪了'));
    expect(p.best(1, (e) => e !== 0)).toEqual([1]);
  });

  it('joins the shortlist when no single question matches, and can be switched off', () => {
    const kb: KbEntry[] = [
      { id: 'where', question: '包裹怎么还没收到', similar: ['东西现在到哪了', '查一下物流信息'], answer: 'a' },
      { id: 'door', question: '包裹可以放门口吗', answer: 'b' },
      { id: 'invoice', question: '发票怎么开', answer: 'c' },
    ];
    const withClassifier = createUnderstander(kb, { outOfScope: false });
    const top = withClassifier.search('我的包裹到哪了', 3)[0]!;
    expect(top.entry.id).toBe('where');
    expect(top.features[RERANK_FEATURES.indexOf('classifierPosterior')]).toBeGreaterThan(0.5);
    expect(top.features[RERANK_FEATURES.indexOf('isClassifierBest')]).toBe(1);
    const without = createUnderstander(kb, { outOfScope: false, classifier: false });
    expect(without.search('我的包裹到哪了', 3)[0]!.features[RERANK_FEATURES.indexOf('classifierPosterior')]).toBe(0);
  });
});
