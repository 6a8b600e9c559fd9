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
  // Round 4. Insult nouns and swearing: a customer calling the shop these wants a person, like 骗子.
  废物: -3, 饭桶: -3, 白痴: -3, 智障: -3, 脑残: -3, 神经病: -3, 蠢货: -3, 蠢猪: -3, 人渣: -3, 畜生: -3, 狗东西: -3, 狗屁: -3, 王八蛋: -3,
  流氓: -3, 强盗: -3, 土匪: -3, 吸血鬼: -3, 滚蛋: -3, 滚犊子: -3, 草泥马: -3, 艹: -3, 我操: -3, 坑货: -3,
  // Accusations of cheating and outrage at unfairness: 欺诈, 霸王条款, 明抢, 岂有此理, 态度恶劣, 耍我.
  欺诈: -3, 诈骗犯: -3, 骗局: -3, 蒙人: -3, 霸王条款: -3, 明抢: -3, 抢钱: -3, 睁眼说瞎话: -3, 说瞎话: -3, 太坑: -3, 坑死: -3, 烂透: -3,
  岂有此理: -3, 欺人太甚: -3, 不像话: -2, 太不像话: -3, 恶劣: -3, 缺德: -3, 耍赖: -3, 耍我: -3, 玩我: -3, 受气: -3, 气笑: -3, 气炸: -3,
  不讲理: -2, 不讲道理: -2, 丢人: -2, 寒心: -2, 心寒: -2, 恼火: -2, 抓狂: -2, 拉黑: -2, 凭什么: -1, 怎么回事: -1,
  // Being ignored, fobbed off or mocked: strong dissatisfaction, anger once combined ("呵呵" is
  // contempt in Chinese chat, not laughter).
  糊弄: -2, 忽悠: -2, 摆设: -2, 踢皮球: -2, 推卸: -2, 耍: -1, 装死: -3, 呵呵: -2, 可真行: -2, 一问三不知: -3, 血汗钱: -2,
  满意: 2, 喜欢: 2, 不差: 1, 好评: 2, 不错: 2, 谢谢: 1, 感谢: 1, 棒: 2, 赞: 2, 开心: 2, 好用: 2, 舒服: 1, 给力: 2, 推荐: 1,
  scam: -3, scammer: -3, fraud: -3, idiot: -3, idiots: -3, stupid: -3, useless: -3, terrible: -3, horrible: -3, worst: -3, furious: -3, fuck: -3,
  fucking: -3, shit: -3, crap: -3, pathetic: -3, disgusting: -3, ridiculous: -2, unacceptable: -3, outrageous: -3, hate: -3, awful: -3,
  angry: -2, mad: -2, rubbish: -3, garbage: -3, liar: -3, liars: -3, cheat: -3, cheated: -3, annoyed: -2, upset: -2, disappointed: -2,
  scammers: -3, scamming: -3, ripoff: -3, incompetent: -3, nightmare: -3, lawyer: -3, sue: -3, disgusted: -3, livid: -3, unbelievable: -2,
  joke: -1, fed: -1, bullshit: -3, bs: -2, report: -1, complaint: -1, ripped: -2, robbed: -3, worthless: -3, dishonest: -3,
  bad: -1, poor: -1, slow: -1, sucks: -3, suck: -3, wtf: -3, nonsense: -2, frustrated: -2,
  clown: -3, clowns: -3, moron: -3, morons: -3, dumb: -2, thief: -3, thieves: -3, crooks: -3, crook: -3, disgrace: -3, shameful: -3,
  pissed: -3, damn: -2, dammit: -3, hell: -2, excuses: -1, fraudulent: -3, ridiculously: -2, appalling: -3, atrocious: -3, lousy: -2,
  robbery: -3, lying: -3, scammed: -3, conned: -3, fuming: -3, outraged: -3, infuriating: -3, unprofessional: -2, cheaters: -3, crooked: -3,
  sham: -3, misleading: -2, ffs: -3,
  good: 1, great: 2, thanks: 1, thank: 1, love: 2, perfect: 2, excellent: 2, happy: 2, nice: 1, awesome: 2, helpful: 2,
  fantastic: 2, wonderful: 2, amazing: 2, brilliant: 2,
};

// Phrases the word lexicon cannot see (a word split by jieba, a threat spread over a clause).
// Matched on the normalised message with the spaces between Chinese characters removed; each adds
// its weight once. A phrase right after a negation ("我不会给你们差评") does not count.
const OUTSIDE = '(?:12315|315|消协|消费者协会|工商局?|市场监管局?|监管局|黑猫投诉|黑猫|媒体|记者|电视台|法院|律师|公安|派出所|平台|微博|小红书|抖音|朋友圈|网上|知乎|贴吧)';
const THREAT_LEAD = '(?:我要|我会|我就|我去|我马上|我现在就|我一定|我已经|信不信我|不然|否则|要不然|等着|就去|立刻)';
const PHRASES: Array<[RegExp, number]> = [
  // Threats to go outside or to the public: 去平台投诉, 投诉到消协, 我要在微博曝光你们, 发到小红书让大家看看.
  [new RegExp(`(?:投诉|举报|告|曝光|反映|起诉)(?:到|给|去)?(?:你们)?${OUTSIDE}`), -3],
  [new RegExp(`${THREAT_LEAD}.{0,6}(?:去|到|向|找|打|上|发到|发在|在)${OUTSIDE}.{0,8}(?:投诉|举报|告|曝光|反映|起诉|维权|揭露|发帖|让大家|评理)`), -3],
  [/(?:发到|发在|挂到|挂在)(?:网上|微博|小红书|抖音|朋友圈|知乎|贴吧).{0,8}(?:让大家|曝光|看看)/, -3],
  // A bad review as a threat: 给你们差评, 等着吃差评 — not "给个差评" or "怎么给差评".
  [/(?:给你们|给你家|给你|吃|等着吃|必须|一定|绝对|肯定|我就|就)(?:打|留|写|给)?(?:个|一个)?(?:大大的|一星|1星|零星|0星)?(?:的)?差评|给你们(?:打|留|写)?(?:一星|1星|零星|0星|零分)/, -3],
  // Conditional threats: 再不退款我就投诉, 不解决我就去告你们.
  [/(?:再不|不给|不解决|不处理|不退|不然|否则|要不然|再拖|再这样).{0,12}(?:就|我就|我要|我会).{0,10}(?:投诉|举报|曝光|差评|起诉|报警|告|维权|12315|消协|平台|report)/, -3],
  [/(?:曝光|起诉|举报|告)(?!诉)(?:你们|你家|你们家)/, -3],
  // Insults: 你们是猪吗, 一群傻x, 干点人事, 你们还是人吗, 瞎了眼, 迟早倒闭, 吞我的钱.
  [/(?:是|像|都是|就是)(?:一群|一帮)?(?:猪|狗|傻子|傻瓜|笨蛋)(?:吗|吧|啊|一样|$)/, -3],
  [/傻[x×b逼比叉]|(?<![a-z])sb(?![a-z])|tmd|nmd|(?<![a-z])tm(?=[\u3400-\u9fff])/, -3],
  [/(?:干点|不干|干不干)人事|(?:你们|还)是人吗|(?:你们|还)是不是人(?!工)|瞎了(?:狗)?眼|(?:迟早|早晚|活该|赶紧)(?:倒闭|关门|完蛋)|(?:吞|黑|坑|骗)(?:了)?我的?(?:血汗)?钱/, -3],
  // Swearing, whatever jieba makes of it: 去你妈的, 妈的 (split 妈/的), 他妈, 特么, 卧槽.
  [/去你(?:妈|大爷)|你妈的?|操你|日你|(?<![我你他她爸姑舅姨岳后老])妈的|(?:他|你)妈的|他妈|特么|尼玛|卧槽|我靠|草泥马/, -3],
  // Calling the shop a useless or bad thing: 你们的客服就是个摆设, 你们就是一群废物, 烂店, 破平台.
  [/(?:你们|客服|商家|店家|卖家|这店|这家店)(?:的客服)?(?:就|简直|纯|真|都|根本|完全)?是(?:个|一个|一群|一帮|群)?(?:死人|摆设|废物|饭桶|骗子|垃圾|白痴|智障|傻子|强盗|土匪|流氓|吸血鬼|奸商|黑店|笑话)/, -3],
  [/(?:烂|破|黑|垃圾)(?:店|店铺|商家|平台|服务|客服|公司)/, -3],
  // Patience run out: 我已经忍你们很久了, 受够你们了.
  [/忍(?:了)?你们|忍(?:了)?(?:很久|好久|半天|太久)|受够(?:了)?你们/, -3],
  // Legal threats: 等着吃官司, 告上法庭.
  [/(?:吃|打)官司|告上法庭|法庭见|仲裁/, -3],
  // Going public without the word 曝光: 等着，我马上发微博.
  [new RegExp(`${THREAT_LEAD}.{0,6}(?:发|上|去|到|在)(?:微博|抖音|小红书|朋友圈|网上|知乎|贴吧|媒体|电视台)`), -3],
  // Shamelessness and "as bad as it gets": 还要不要脸, 烂到家了, 差到极点.
  [/不要脸|要不要脸|没脸没皮|(?:烂|差|坑|垃圾|恶心)(?:到家|到极点|透了|到爆|爆了)/, -3],
  [/脑子(?:是不是|真的?|有点|都)?(?:有病|进水|坏了|有问题|秀逗)|有没有(?:脑子|良心)|没(?:长)?脑子|没有良心|有病吧|(?<![a-z])(?:有病|神经病)(?:啊|吗)?$/, -3],
  // "X死了" on a bad feeling is strong: 无语死了, 坑死人了 (not 急死了 or 烦死了 about promo SMS: annoyance).
  [/(?:坑|气|无语|恶心)死(?:我|人)?/, -3],
  [/(?:要你们|要你|留着你们)(?:有)?(?:什么|啥|何)用|一点用(?:都|也)?没有|没有?一点用|屁用/, -3],
  [/(?:什么|啥)(?:破|烂|鬼|垃圾|狗屁)(?:东西|玩意|服务|店|质量|快递|客服|平台)|什么玩意/, -2],
  // Rhetorical outrage: 有没有搞错, 搞什么鬼, 什么态度, 你们怎么做生意的.
  [/有没有搞错|搞什么(?:鬼|飞机|名堂)?(?:啊|呢|吗)?$|搞什么(?:鬼|飞机|名堂)|什么态度|怎么做(?:生意|事)的|会不会做生意/, -2],
  [/\bshame on you\b|\bhow dare you\b|\bwhat kind of (?:service|shop|store|company|business) is this\b|\bare you serious\b|\bnever (?:buying|ordering|shopping) (?:here |from you )?again\b/, -3],
  // Exasperation and being pushed around: 我要疯了, 好欺负, 欺负消费者; repeated failure (第三次了) adds.
  [/(?:要|快|快要|都要|被你们(?:逼|气))疯了|疯掉|装死|装聋作哑/, -3],
  [/欺负(?:人|消费者|顾客|我们|我)|好欺负/, -3],
  [/第[二三四五六七八九十几]次|[两三四五六七八九十几]次(?:了|都|还|又)/, -1],
  // Shameless, and telling everyone: 也好意思卖, 告诉所有朋友.
  [/(?:也|还|居然)好意思|(?:告诉|让)(?:所有|全部|身边的?)(?:朋友|人)|让(?:大家|所有人)(?:都)?(?:知道|看看)/, -3],
  [/\bcon (?:artist|artists|man|men)\b|\bgo to hell\b|\b(?:a )?joke of a\b/, -3],
  [/\b(?:you|they) lied\b|\bfalse advertising\b|\bfor (?:gods|christs) sake\b/, -3],
  [/没人理|没人管|不理人|没人回|半天不回|不回消息|爱答不理|踢皮球|互相推|(?:就|都|也)不管了|不管不顾/, -2],
  // Praise jieba splits ("很/好/用", "挺/好"): mildly positive.
  [/(?:很|挺|非常|真|太)好(?:用|看|吃|穿|的)?(?!慢|贵|难|差|久|奇)/, 2],
  // English threats: report you / this store, the BBB, a chargeback, a one-star review, going public.
  [/\breport(?:ing|ed)? ?(?:(?:you|this|your|the (?:store|shop|seller|company))\b(?! (?:problem|issue|bug|error|item|product)\b)|你们)/, -3],
  [/\b(?:bbb|better business bureau|consumer (?:protection|council|rights)|ftc|trading standards|small claims|lawsuit|chargeback|charge back|dispute the charge|legal action)\b/, -3],
  [/\b(?:leave|give|post|write|leaving|giving|posting|writing)\b.{0,15}\b(?:(?:1|one|zero|0) star|bad review|negative review|terrible review)/, -3],
  [/\b(?:i will|ill|im going to|im gonna|gonna|i am going to|will)\b.{0,10}\b(?:post|share|expose|put)\b.{0,25}\b(?:twitter|facebook|reddit|tiktok|instagram|social media|online|internet|youtube)\b/, -3],
  // English idioms: "sick and tired", "fed up", "what the hell", "rip off", "you are a joke".
  [/\bsick and tired\b|\bfed up\b|\bpissed off\b|\bwhat the (?:hell|fuck|heck)\b|\bscrew (?:you|this|them|your)\b|\brip ?off\b|\bripped off\b|\bpiece of (?:shit|crap|junk|garbage)\b/, -3],
  [/\b(?:is|are|such) a (?:joke|disgrace|circus|clown show)\b|\bthanks for nothing\b|\bare you kidding me\b/, -3],
];
const CENSORED = /\bf[*#@]+(?:k|ck|ing)?(?![a-z])|\bf[*#@]*ck|\bsh[*#@]t\b|\b(?:stfu|fk off|fu)\b|\bwtf\b/;
// Sarcasm: praise said with these ("oh great, another week of waiting", "真是好服务啊…呵呵") is
// blame, so when the message also complains, its positive words count against it.
const SARCASM = /\b(?:oh|just|how|so) (?:great|wonderful|fantastic|perfect|lovely|nice|brilliant)\b|\byeah right\b|呵呵|可真行|真有你们的|服了你们/;
const GRIEVANCE = /\b(?:another|again|still|yet|no one|nobody|never|waiting|waited|late)\b|还没|又|都没|没人|半个月|一个月|几天了/;
// --- What looks like anger but is not: a question about a scam call, a complaint question, a joke,
// anger at a courier, a thing named with an anger word.
// A question whether *someone else* is a scam ("收到自称客服的电话，是骗子吗", "is this text a scam?")
// is a security question, not an accusation of the shop: its scam words are not counted.
const FRAUD_CONTEXT = /自称|冒充|假冒|陌生(?:电话|号码|短信|链接)|(?:收到|接到)[^，,。!！?？]{0,10}(?:短信|电话|来电|链接|邮件|消息)/;
const FRAUD_ASKED = /(?:是不是|会不会是|算不算)(?:骗子|诈骗|骗局)|(?:是)?(?:骗子|诈骗|骗局)(?:吗|吧|啊|呀|\?|？)/g;
const FRAUD_QUESTION_EN = /\b(?:is|was|are) (?:this|that|it|these|they) (?:text|message|sms|email|e mail|call|link|website|site|number|texts|messages|emails|calls|text message|phone call)s?\b.{0,40}?\b(?:a |an )?(?:scam|fraud|phishing|fake)\b/g;
// "诈骗电话", "scam call": a kind of call, not an accusation.
const FRAUD_THING = /诈骗(?=电话|短信|链接|信息|消息)|\bscam (?=calls?|texts?|messages?|emails?|links?|sites?|websites?|sms)/g;
// Anger at a third party ("快递员态度很恶劣，我要投诉他") is not anger at the shop: it weighs half
// unless the shop is named too ("快递员态度恶劣，你们也不管").
const THIRD_PARTY = /快递员|快递小哥|配送员|送货员|司机|驿站|快递公司|物流公司|邮政|\b(?:courier|driver|delivery (?:guy|man|person))\b/;
const SHOP_TARGET = /你们|商家|店家|卖家|店铺|客服|这家店|\byou\b|\byour (?:shop|store)\b/;
// Asking how or where to complain ("怎么投诉", "投诉在哪里提") is the complaint question the knowledge
// base answers: the feeling in it weighs half, so "受不了了 投诉在哪里提" is answered, while "太垃圾了
// 我要投诉" (no question) still reaches a person.
const COMPLAINT_QUESTION = /(?:咋|怎么|如何|怎样|在哪|哪里|去哪)(?:才能|可以)?(?:投诉|举报|反映|提投诉)|(?:投诉|举报)(?:渠道|入口|方式|在哪|哪里|怎么|咋)|\bhow (?:do|can) i (?:complain|report|file a complaint)\b/;
// Laughter ("哈哈", "lol") marks a joke: "你是人工智障吗 哈哈" teases the bot.
const LAUGHTER = /哈哈|hhh|\b(?:lol|haha\w*|lmao)\b/;
// Things named with an anger word: 垃圾邮件 is the spam folder, not an insult.
const THINGS = /垃圾(?=邮件|箱|桶|袋|分类|短信|广告|信息)/g;

const NEGATORS = new Set(['不', '没', '没有', '别', '不要', '不是', '并不', '毫不', '不太', 'not', 'no', 'never', 'dont', 'isnt', 'wasnt', 'arent', 'didnt', 'doesnt', 'hardly', 'nothing']);
// Imperatives: "别糊弄我", "不要骗我" forbid what the customer is going through — they keep a
// negative word negative instead of flipping it like "不差".
const PROHIBITIVES = new Set(['别', '不要']);
const INTENSIFIERS: Record<string, number> = {
  太: 1.5, 非常: 1.5, 特别: 1.5, 超: 1.5, 超级: 1.5, 极其: 2, 十分: 1.5, 真: 1.3, 真的: 1.3, 好: 1.2, 巨: 1.5, 最: 1.5, 实在: 1.5, 简直: 1.5,
  very: 1.5, so: 1.5, really: 1.3, extremely: 2, absolutely: 1.5, totally: 1.5, completely: 1.5, super: 1.5, most: 1.5,
};

/**
 * A lexicon scorer with negation ("不满意" flips 满意) and intensifiers ("非常生气" weighs 1.5×),
 * plus phrases the words cannot carry (threats to go to 12315 or the public, insults, swearing,
 * sarcasm). Repeated exclamation marks intensify a negative message; a complaint question, a joke
 * or anger at a courier weighs half. Measured in `eval/sentiment.jsonl` and, through the handoff
 * decision, in `eval/handoff-tune.jsonl`.
 */
export function createSentimentAnalyzer(options: SentimentOptions = {}): SentimentAnalyzer {
  const lexicon = { ...LEXICON, ...options.lexicon };
  const angryAt = options.angryAt ?? -3;
  // Strong Chinese words, also looked for as plain substrings: jieba splits some of them ("去/死",
  // "妈/的") depending on their neighbours, and a word it splits would otherwise be missed.
  // 妈的 is left to the phrase list, which tells "他妈的" from "我妈的生日".
  const strongZh = Object.entries(lexicon).filter(([w, v]) => v <= -2 && /^[\u3400-\u9fff]{2,}$/.test(w) && w !== '妈的').sort((a, b) => b[0].length - a[0].length);
  const segmenter = options.segmenter ?? defaultSegmenter();
  return {
    analyze(raw) {
      let text = raw.normalize('NFKC').toLowerCase();
      if (FRAUD_CONTEXT.test(text)) text = text.replace(FRAUD_ASKED, ' ');
      text = text.replace(FRAUD_THING, ' ');
      text = text.replace(FRAUD_QUESTION_EN, ' ').replace(THINGS, ' ');
      // Censored swearing ("f*** you", "sh*t") loses its stars in normalisation: read it first.
      const censored = CENSORED.exec(text);
      const exclamations = (text.match(/[!！]/g) ?? []).length;
      // Negation and intensifiers reach within a clause only: "还不发货，垃圾" is not "不垃圾".
      const clauses = text.split(/[，,。.!！?？;；、\n]+/);
      const tokens: string[] = [];
      // Where each token starts in `joined` (Chinese tokens end to end, '|' between runs), for the
      // substring pass below.
      const starts: number[] = [];
      let joined = '';
      for (const clause of clauses) {
        tokens.push('\u0000');
        starts.push(-1);
        joined += '|';
        for (const m of normalize(clause).matchAll(/[\u3400-\u9fff]+|[a-z0-9]+/g)) {
          if (/[\u3400-\u9fff]/.test(m[0])) {
            for (const piece of segmenter.cut(m[0])) {
              tokens.push(piece);
              starts.push(joined.length);
              joined += piece;
            }
            joined += '|';
          } else {
            tokens.push(m[0]);
            starts.push(-1);
          }
        }
      }
      const bounds = new Set<number>();
      for (let i = 0; i < tokens.length; i++) if (starts[i]! >= 0) bounds.add(starts[i]!).add(starts[i]! + tokens[i]!.length);
      const covered: Array<[number, number]> = [];
      const contributions: Array<{ token: string; value: number }> = [];
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
        let negated = false;
        for (let j = start; j < i; j++) {
          const prev = tokens[j]!;
          if (PROHIBITIVES.has(prev) && weight < 0) continue;
          if (NEGATORS.has(prev)) {
            factor *= -1;
            negated = true;
          } else if (INTENSIFIERS[prev] && !negated) factor *= INTENSIFIERS[prev]!;
          // An intensifier under a negation softens rather than strengthens: "not very happy" is
          // mild, "非常不满意" (intensifier first) is strong.
        }
        // A negated negative word ("not bad", "不差") turns mildly positive rather than fully.
        if (factor < 0 && weight < 0) factor = -0.5 * Math.abs(factor);
        contributions.push({ token, value: weight * factor });
        if (starts[i]! >= 0) covered.push([starts[i]!, starts[i]! + tokens[i]!.length]);
      }
      const compact = normalize(text).replace(/(?<=[\u3400-\u9fff]) (?=[\u3400-\u9fff])/g, '');
      for (const [pattern, weight] of PHRASES) {
        const m = pattern.exec(compact);
        if (!m) continue;
        // 别 forbids rather than negates: "别装死" stays negative, like "别糊弄我" above.
        const before = compact.slice(Math.max(0, m.index - 3), m.index);
        if (/(?:不|没|不会|不想|不是|不太)$/.test(before) || (weight > 0 && /别$/.test(before))) continue;
        contributions.push({ token: m[0], value: weight });
      }
      if (censored) contributions.push({ token: censored[0], value: -3 });
      // A strong word jieba split into whole tokens ("去|死", "妈|的") — but not one that cuts through
      // a token ("气炸" in "空气|炸锅", "我操" in "我|操作") or overlaps one already scored ("不满" in "不|满意").
      for (const [word, weight] of strongZh) {
        const at = joined.indexOf(word);
        const end = at + word.length;
        if (at < 0 || !bounds.has(at) || !bounds.has(end) || covered.some(([a, b]) => a < end && at < b)) continue;
        if (/[不没]$/.test(joined.slice(Math.max(0, at - 2), at))) continue;
        contributions.push({ token: word, value: weight });
        covered.push([at, end]);
      }
      const sarcastic = SARCASM.test(compact) && (GRIEVANCE.test(compact) || contributions.some((c) => c.value < 0 && !SARCASM.test(c.token)));
      let score = 0;
      const matched: string[] = [];
      for (const c of contributions) {
        score += sarcastic && c.value > 0 ? -c.value : c.value;
        matched.push(c.token);
      }
      if (score < 0 && exclamations >= 2) score *= 1.5;
      if (score < 0 && ((THIRD_PARTY.test(compact) && !SHOP_TARGET.test(compact)) || COMPLAINT_QUESTION.test(compact) || LAUGHTER.test(compact))) score *= 0.5;
      const label = score <= -1 ? 'negative' : score >= 1 ? 'positive' : 'neutral';
      return { score, label, angry: score <= angryAt, matched };
    },
  };
}
