import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createSentimentAnalyzer, createUnderstander, isHandoffRequest } from '../src/index.js';
import { KB } from './fixtures/kb.js';

// Round 4 of handoff detection: request families, indirect forms, typos, mixed Chinese/English,
// threats and insults — and the look-alikes that must stay questions.

describe('handoff: request verb × person families', () => {
  const verbs = ['能帮我转', '可以找', '麻烦叫', '我想找', '给我接', '请安排'];
  const people = ['人工', '真人客服', '店长', '负责人', '客服经理', '售后人员'];
  it.each(verbs.flatMap((v) => people.map((p) => `${v}${p}`)))('"%s" asks for a person', (q) => {
    expect(isHandoffRequest(q)).toBe(true);
  });
});

describe('handoff: indirect and modal requests', () => {
  it.each([
    '能让懂行的人来回答吗',
    '你们有没有负责人',
    '叫你们店长出来',
    '把你们经理叫来',
    '让你们负责人联系我',
    '我要跟你们老板说',
    '找你们掌柜',
    '我想直接和商家沟通',
    '你听不懂，换个能听懂的人来',
    '和你说不清楚，找个人跟我对接',
    '有没有人可以帮我处理一下',
    '能不能把我转给专门负责退款的人',
    '你们的负责人是谁，让他来跟我说',
    '你们没有真人客服的吗',
    '人工呢？？',
    '喂喂，有真人吗',
    '可以人工服务吗',
    '我想要人工客服协助',
    '这种情况你处理不了吧，转给同事吧',
  ])('"%s" asks for a person', (q) => {
    expect(isHandoffRequest(q)).toBe(true);
  });
});

describe('handoff: refusing the bot', () => {
  it.each(['我不想跟机器聊', '不要自动回复，要人', '别机器人了，来个人', '机器人没用，转人工', '别再用机器人应付我了', '机器人能不能别回了', "this bot isn't helping, i need a person", "i don't want the bot"])(
    '"%s" asks for a person',
    (q) => {
      expect(isHandoffRequest(q)).toBe(true);
    },
  );
});

describe('handoff: repetition, typos and pinyin', () => {
  it.each(['人工人工人工', '人工客服 人工客服', '转人工转人工', '转人公', '人宫', '转仁工谢谢', '人公客服', '找人宫', '转……人……工', 'zhuan rengong', 'ren工', '在线人工', 'can i talk to a humen', 'trasnfer me to an agent'])(
    '"%s" asks for a person',
    (q) => {
      expect(isHandoffRequest(q)).toBe(true);
    },
  );
});

describe('handoff: English and mixed', () => {
  it.each([
    "i'd like to talk to someone",
    'is there a person there',
    'is there someone i can talk to',
    'pls transfer',
    'let me speak to your supervisor',
    'can someone from your team call me',
    'hand me over to a human',
    'i want to talk to the store owner',
    "i'd like to be transferred to customer service",
    'i want to reach a human',
    'can someone call me back',
    '找个 agent 来',
    '给我接 manager',
    'transfer to 人工客服',
    '我要talk to a human',
    '我想 speak to 客服',
    'human 客服',
    '别用bot回复了，找人来',
  ])('"%s" asks for a person', (q) => {
    expect(isHandoffRequest(q)).toBe(true);
  });
});

describe('handoff: look-alikes are not requests', () => {
  it.each([
    // hours, phone, messages
    '人工客服周末上班吗',
    '周日有人工客服吗',
    '我晚上十一点以后才有空，那时候还有人工客服吗',
    '客服电话是24小时的吗',
    '打电话能找到人工吗 号码多少',
    '可以留言让人工回复吗',
    "what's your phone number",
    'do you have live chat on weekends',
    // negations
    '不用了，问题解决了，不需要人工',
    '我不是要找人工，我是想问运费',
    'no need 转人工 了',
    'no, i don\'t want to talk to an agent',
    // what the bot is
    '你是真人吗',
    '你是机器人还是真人',
    '感觉不像真人，你是程序吗',
    'are you a real person?',
    'is this a real person or a bot',
    'is the model a real person',
    // things made by or about people
    '需要人工激活吗',
    '安装费包含人工吗',
    '人工服务要收费吗',
    '退款是不是要联系人工',
    '有没有真人实拍',
    '真人秀同款衣服有吗',
    '这个包是人造革吗',
    '人工草坪多少钱一平',
    'do you have human hair wigs',
    'do i need someone home to sign for the delivery',
    'can i send it to a different person',
    // addressing the shop, other roles, greetings
    '老板，这个还有货吗',
    '老板在吗，能便宜点吗',
    '店长推荐的是哪款',
    '有没有负责安装的师傅',
    '能派个师傅来安装吗',
    '请客服帮我查一下物流',
    '有人吗',
    'anyone there?',
    '能换人收货吗',
    '找人代收可以吗',
    '扫地机器人不行了能保修吗',
  ])('"%s" is not a request', (q) => {
    expect(isHandoffRequest(q)).toBe(false);
  });
});

describe('anger: threats, insults, swearing, sarcasm', () => {
  const analyzer = createSentimentAnalyzer();
  it.each([
    // threats to go outside or public
    '不解决我就去平台投诉你们',
    '再拖我就去黑猫投诉',
    '信不信我给你们差评',
    '我要给你们打一星差评',
    '我要在微博曝光你们',
    '等着，我马上发微博',
    '你们等着吃官司吧',
    'i will report you to the bbb',
    "I'll leave a 1 star review everywhere",
    "I'm going to post this on twitter so everyone knows",
    '我要 report 你们',
    // insults
    '你们这帮废物',
    '你们家客服是猪吗',
    '你们的客服就是个摆设',
    '脑子有病吧你们',
    '你们还要不要脸',
    '一群傻x',
    'you people are clowns',
    "you're a bunch of con artists",
    // swearing, including what jieba splits or stars hide
    '去你妈的',
    '去死',
    '艹，又没发货',
    '太tm气人了',
    'f*** you',
    'what the hell 还没发货',
    // sarcasm and contempt
    '真是好服务啊，半个月都没人理，呵呵',
    '你们真行啊，收了钱就不管了，呵呵',
    'oh great, another week of waiting. fantastic service, really',
    // exasperation
    '别装死，赶紧给我退款',
    '真是无语死了，第三次了还是坏的',
    "I'm sick and tired of your excuses",
  ])('"%s" is angry', (q) => {
    expect(analyzer.analyze(q).angry).toBe(true);
  });
  it.each([
    '快递员态度不好怎么投诉',
    '快递员态度太差了，怎么投诉',
    '受不了了 投诉在哪里提',
    '收到自称客服的电话说要给我退款，是骗子吗',
    '收到短信说我中奖了，是不是诈骗',
    'is this email asking for my password a scam',
    'got a scam call about my order',
    '我不是骗子，为什么账号被封了',
    '下个月是我妈的生日，可以不放价签吗',
    '空气炸锅降价了能退差价吗',
    '积分少了，不是我操作的',
    '垃圾邮件里也没有发票',
    '你是人工智障吗 哈哈',
    '有点不满意包装',
    'not very happy with the size but ok',
    '给个差评',
    '我不会给你们差评的',
    '每天都收到推销短信 烦死了',
  ])('"%s" is not angry', (q) => {
    expect(analyzer.analyze(q).angry).toBe(false);
  });
});

describe('handoff on the labelled set (eval/handoff-tune.jsonl)', () => {
  it('keeps precision and recall at or above 95 %', () => {
    const u = createUnderstander(KB);
    const cases = readFileSync(new URL('../eval/handoff-tune.jsonl', import.meta.url), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { q: string; expect: 'handoff' | 'other' });
    expect(cases.length).toBeGreaterThanOrEqual(260);
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const c of cases) {
      const got = u.understand(c.q).decision === 'handoff';
      if (got && c.expect === 'handoff') tp++;
      else if (got) fp++;
      else if (c.expect === 'handoff') fn++;
    }
    expect(tp / (tp + fp)).toBeGreaterThanOrEqual(0.95);
    expect(tp / (tp + fn)).toBeGreaterThanOrEqual(0.95);
  });
});
