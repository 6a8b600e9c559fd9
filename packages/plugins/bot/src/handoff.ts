import { normalize } from './normalize.js';

// Handoff detection looks for a *request* for a person, not for a topic that mentions people.
//
//   request  = a request verb (转/找/叫/接/要/安排 …, talk/speak/connect/transfer …) followed by
//              a person (人工, 真人, 客服, 店长, 负责人, 懂行的人, human, agent, manager …), or a
//              person followed by "come / talk to me" (让负责人联系我, 把经理叫来), or "is there a
//              real person", or a refusal of the bot (不想跟机器聊, this bot isn't helping).
//   not one  = the person word is followed by a thing about them (客服电话, 人工费, 人工激活,
//              真人实拍, 人工智能), the message asks about hours (人工客服几点上班), asks about the
//              bot itself (你是真人吗, are you a real person), or negates the request (不用转人工).
//
// Decisions taken for the look-alikes (eval/handoff-tune.jsonl follows them):
// - A complaint *about someone* ("快递员态度不好怎么投诉", bare "我要投诉") is a question the
//   knowledge base answers (service-complaint); a *threat* to go to an outside body or to the
//   public (12315, 消协, 平台, 曝光, 差评) is anger, scored in sentiment.ts.
// - Greetings ("有人吗", "anyone there?", "老板在吗") are greetings: 老板/掌柜 are also how shoppers
//   address the shop, so they count as a person only after a request verb or "你们".
// - "你是真人吗" / "are you a real person?" asks what the bot is (service-robot), not for a person.
//
// Anger (swearing, insults, threats) is not detected here: it is the sentiment analyser's job.

/** People a customer asks for. Longest first so the alternation prefers "人工客服" to "人工". */
const PEOPLE = [
  '人工客服', '人工服务', '人工坐席', '人工台', '人工窗口', '人工', '真人客服', '真人', '活人', '人类', '真的人',
  '客服专员', '客服人员', '客服经理', '客服主管', '售后客服', '售后人员', '售后的人', '同事', '其他客服', '别的客服',
  '专员', '专人', '坐席', '工作人员',
];
/** People the customer also *addresses* ("请客服帮我查一下", "小姐姐，有货吗"): a request only when
 * nothing but "come / talk to me" follows ("找客服", "给我转小二", "找个客服跟我说"). */
const ADDRESSED = ['客服小姐姐', '客服小哥哥', '客服小哥', '客服', '小二', '小姐姐', '小哥哥'];
/** People in charge: can stand alone after a verb ("叫店长出来", "你们主管呢"). */
const BOSSES = ['负责人', '主管', '经理', '领导', '上级', '店长', '能管事的', '管事的', '能做主的人', '能做主的', '说了算的人', '说了算的'];
/** A department before a boss: 售后经理, 客服主管, 店铺负责人. */
const DEPARTMENT = '(?:售后|客服|店铺|门店|部门|运营|退款)?';
/** Words that are also how shoppers address the shop ("老板，还有货吗"): a person only with 你们 or a verb. */
const VOCATIVE = ['老板娘', '老板', '掌柜的', '掌柜', '店主', '店家', '商家', '卖家'];
/** "懂行的人", "能听懂的人": a person described by what the bot lacks. */
const KNOWING = '(?:懂行|懂|专业|明白|能听懂|听得懂|能做主|说了算|管事|负责|靠谱|能解决问题|客服|售后|你们)';
const KNOWER = `${KNOWING}的?人`;

const alt = (words: readonly string[]) => `(?:${words.join('|')})`;
const PERSON = alt(PEOPLE);
const BOSS = `${DEPARTMENT}${alt(BOSSES)}`;
const ADDRESSEE = alt(ADDRESSED);
const ANY_PERSON = `(?:${PERSON}|${ADDRESSEE}|${BOSS}|${alt(VOCATIVE)}|${KNOWER})`;
/** What may follow a requested person: the end, a particle, or "come / talk / handle". Anything
 * else (电话, 费, 激活, 实拍, 智能, 几点 …) makes the phrase a thing about people, not a request. */
const THEN =
  '(?=$|\\s|[吗呢吧啊呀哈嘛啦了哦喔么嘞]|来|过来|出来|跟我|和我|与我|同我|给我|帮|处理|解决|回答|解答|回复|说|聊|谈|讲|沟通|对话|对接|联系我|介入|接手|接|在|本人|谢谢|可以吗|可不可以|行吗|行不行|好吗|好不好|咨询|协助|帮助|跟进|问(?:问|一下|下|个|点|些|几)|请教|确认|核实|了解|please|pls|plz)';
const THEN_STRICT = '(?=$|\\s|[吗呢吧啊呀哈嘛啦了哦喔么嘞]|来|过来|出来|跟我|和我|说话|聊|沟通|对接|本人|谢谢|please|pls|plz)';
/** A measure word or possessive between a verb and its person ("找个", "叫一位", "找你们的"). */
const MEASURE = '(?:一?个|一位|一下|下|位)?(?:你们的?|你们家的?|你家的?)?';
/** Request verbs, including modal frames around them ("能帮我转", "可以找", "麻烦安排"). */
const VERB = '(?:转接|转给|转到|转|接通|接|找到|找|叫|喊|换|安排|呼叫|请求|申请|派|来|要|需要|给我|请|可以|能否|能不能|要见|见|求助|问问|问一下|请教)(?:到|给|至)?';
/** The same without 联系/见: "怎么联系客服" asks for contact details, "找客服" asks for a person. */
const VERB_ADDRESSED = '(?:转接|转给|转到|转|接通|接|找到|找|叫|喊|换|安排|呼叫|请求|申请|派|来|要|需要|给我|请|可以|能否|能不能)(?:到|给|至)?';

const ZH_REQUESTS: RegExp[] = [
  // 1. Verb × person: 转人工, 找个真人客服, 给我接店长, 申请人工介入, 要真人.
  new RegExp(`${VERB}${MEASURE}(?:${PERSON}|${BOSS})${THEN}`),
  new RegExp(`${VERB_ADDRESSED}${MEASURE}${ADDRESSEE}${THEN_STRICT}`),
  // 2. Verb × vocative person: "叫你们老板来", "找你们掌柜" — but not "老板，这个还有货吗".
  new RegExp(`(?:叫|找|喊|请|让|接|要见|见)(?:一下|下)?(?:你们的?|你们家的?)${alt(VOCATIVE)}${THEN}`),
  // 3. Someone made to come or answer: 让负责人联系我, 把你们经理叫来, 能让懂行的人来回答吗.
  new RegExp(`(?:让|请|派|叫|喊|把)(?:一?个|一位)?(?:你们的?|你们家的?)?${ANY_PERSON}(?:来|过来|出来|跟我|和我|回答|回复我|处理|联系我|叫来|找来|喊来|叫出来|给我(?:回|打)(?:个)?电话|回(?:个)?电话|打(?:个)?电话给我)`),
  // 3b. "帮我联系你们的售后", "给我联系一下负责人": the customer asks the bot to fetch someone.
  new RegExp(`(?:帮我|给我|麻烦|替我)(?:联系|叫|找|转|接)(?:上|到)?(?:一下|下)?(?:你们的?|你们家的?)?(?:${PERSON}|${ADDRESSEE}|${BOSS}|售后)${THEN_STRICT}`),
  // 4. Talking to a person: 跟真人说话, 我要跟你们老板说, 想跟店主本人聊, 和人工客服沟通.
  new RegExp(`(?:跟|和|与|同)(?:一?个|你们的?|你们家的?)?(?:真|活)?(?:${ANY_PERSON}|人)(?:的)?(?:本人)?(?:直接|当面|亲自|单独|好好)?(?:说|聊|谈|讲|沟通|对话|对接|联系|交流|确认|核实|咨询|请教|商量|反映|解释|通话|通电话|打电话|见面|面谈)`),
  // 5. A bare 人 after a request verb, at the end or before "come / talk": 叫个人来, 来个人,
  //    我要找人, 换个能听懂的人来 — not 找人来安装, 找人代收, 要个人发票.
  new RegExp(`(?:叫|找|来|派|换|要|喊)(?:一?个|一位|位)?(?:活|真|${KNOWING}的?)?人(?=$|\\s|[吧啊呀呢哈嘛!]|来(?:$|\\s|[吧啊呀吗]|回答|处理|说|跟我|和我|对接|解决)|过来|出来|跟我|和我|说话|回答|处理|对接)`),
  // 6. Where or who is the person: 人工在哪里, 你们主管呢, 真人客服在吗, 你们的负责人是谁 (not
  //    "客服在吗" or "老板在吗", greetings).
  new RegExp(`(?:${PERSON}|${BOSS}|你们的?${alt(VOCATIVE)})(?:客服|服务)?(?:呢|在哪|在哪里|在哪儿|在不在|在吗|人呢|去哪了|出来)`),
  new RegExp(`${BOSS}是谁`),
  // 6b. A person named earlier, then "让他来跟我说" / "叫他联系我".
  new RegExp(`${ANY_PERSON}.*(?:让|叫|请)(?:他|她|他们)(?:来|过来|出来|跟我|和我|联系我|给我回电话|回电话)`),
  // 6c. "有没有人可以帮我处理", "有人能跟我说一下吗" — not "有没有人买过".
  /(?:有没有|有)(?:人|谁)(?:可以|能|来)(?:帮我|帮忙|处理|解决|回答|跟我|和我|管)/,
  // 6d. Passed on to whoever handles it: "把我转给专门负责退款的人", "转给负责的部门".
  /转(?:给|到|接给?)(?:[^\s，。]{0,10}的)?(?:人|同事|部门)(?=$|\s|[吧啊呀吗]|来|处理)/,
  // 7. Is there a person: 有没有负责人, 有真人吗, 有没有人工啊 — not 有没有真人实拍.
  new RegExp(`(?:有没有|有无|还有没有|有)(?:一?个)?(?:你们的?)?(?:人工|真人|活人|人类|${BOSS})(?:客服|服务)?(?=$|\\s|[吗啊呀吧呢么]|在|可以|能|跟|和|来|说|聊|没有?)`),
  // 7a. "你们没有真人客服的吗", "没有人工吗": asked as a question, a reproach and a request (not the
  //     statement "现在没人工 我先留言").
  /(?:没有|没)(?:一个|个)?(?:人工|真人|活人)(?:客服|服务)?(?:的)?(?:吗|么|啊|呀)/,
  // 7b. 人工 / 真人 / 活人 are words for a person that shoppers use only to ask for one: any use that
  //     is followed by "come / talk / where / a particle" is a request (人工呢, 人工客服帮我看看,
  //     真人在线吗); 人工费, 人工智能, 真人实拍, 真人秀 are followed by something else.
  //     Not after 没/找不到/给 ("现在没人工 我先留言", "留言给人工": a question about messages).
  //     Nor after 联系 or 是 ("退款是不是要联系人工", "退款是人工处理吗": how things are done).
  new RegExp(`(?<!没|没有|找不到|联系不上|联系|无|给|像|(?<!还)是)(?:人工|真人|活人)(?:客服|服务|坐席)?(?:小姐姐|小哥哥|小哥)?${THEN}`),
  // 8. Refusing the bot: 我不想跟机器聊, 别跟我机器人说话, 别让机器人回了, 不要自动回复 — not 不想用机器洗.
  /(?:不想|不要|不愿意?|别|不跟|不和|不用|拒绝|受够了?)(?:再)?(?:跟|和|同|用|让|听)?(?:我|你|你这个|这个|你们的?)?(?:机器人|机器|自动回复|智能客服|ai客服|ai|bot|robot|程序|话术|模板)(?:人)?(?=$|\s|[了吧啊呀]|回复|回答|回|说|聊|答|敷衍|糊弄|打发|应付|忽悠|搪塞|对话|废话|浪费时间|瞎扯|扯)/,
  // 8b. Telling the bot to stop: 机器人能不能别回了, 自动回复不要再说了.
  /(?:机器人|自动回复|智能客服|bot)[^\s]{0,6}(?:别|不要|不用)(?:再)?(?:回|回复|回答|说|答)/,
  // 9. The bot is useless: 机器人没用, 这个问题机器人解决不了, 人工智障 — not 扫地机器人不行了.
  /(?<!扫地|擦窗|拖地|玩具|早教|陪伴|编程|炒菜|洗碗|积木|送餐)(?:机器人|自动回复|智能客服|ai客服|人工智障)(?:真|太|好|根本|完全|就是|也|都)?(?:没用|没有用|听不懂|不懂|答非所问|不行|太笨|好笨|真笨|废物|解决不了|帮不了|说不清|不靠谱|有什么用)|人工智障|你(?:根本|完全|是不是|都)?(?:听不懂|答非所问)|听不懂人话/,
  // 10. Swap the speaker: 换个人来, 换人工, 还是让人工来吧 (not "是机器人还是真人", asked above).
  /换(?:个|一个)?(?:人|真人|人工)(?:来|跟|和|回|说|吧|$)|(?:还是|直接)(?:让|找|跟|和|转)(?:人工|真人)/,
  // 11. "给我接", "帮我转过去": the person is implied.
  /(?:给我|帮我)(?:转|接)(?:过去|一下|吧|啊)?$/,
  // 12. Supervisor brought out: 客服主管出来, 经理本人.
  new RegExp(`(?:${BOSS}|客服)(?:出来|本人)`),
];

const PERSON_EN =
  '(?:real |live |actual |human |another )?(?:human(?: being)?s?|person|people|agent|representative|rep|operator|staff(?: member)?|manager|supervisor|(?:store |shop )?owner|boss|seller|someone(?: real| in charge)?|somebody(?: real)?|anyone real|customer (?:service|support|care)(?: agent| staff| rep| person| representative| team)?|support(?: staff| team| agent)?|customer care|help ?desk|service desk|your (?:team|staff|manager|boss|supervisor))';
const EN_REQUESTS: RegExp[] = [
  // talk / speak / connect / transfer / hand … to … a person: "put me through to someone", "hand me over to a human".
  new RegExp(`\\b(?:talk|speak|chat|connect(?:ed)?|transfer(?:red)?|put|get|switch|pass|hand|escalate(?:d)?|route)\\b.*\\b(?:to|with)\\b(?: (?:a|an|the|your|some|one of your))? ${PERSON_EN}\\b`),
  /\b(?:real|live|actual) (?:person|human|agent|people|one)\b/,
  /\b(?:human|agent|person|representative|operator)s? (?:please|pls|plz|now|asap)\b/,
  // need / want a person — but "need a person to sign for it" is a delivery question.
  /\b(?:want|need|get|like|request|prefer) (?:to (?:talk|speak|chat) (?:to|with) )?(?:a |an |the |your |some )?(?:real |live |actual )?(?:human|agent|representative|operator|manager|supervisor|person|staff member|customer (?:service|support) (?:agent|staff|rep|person|representative))\b(?! (?:to (?:sign|receive|collect|pick|be)|who (?:can|will) (?:sign|receive|collect|pick)|at home|home|there|present|else)\b)/,
  /\b(?:reach|contact|get hold of|get through to) (?:a |an )?(?:real |actual |live )?(?:human|person|agent|representative)\b/,
  // Someone to call back: "can someone call me back", "have a manager contact me".
  /\b(?:someone|somebody|anyone|a (?:real )?person|an agent|a human|a manager|your (?:team|staff|manager|support))\b.{0,12}\b(?:call|contact|phone|ring|email) me\b/,
  // Not wanting the bot: "i dont want the bot", "no bot please".
  /\b(?:dont|do not) want (?:to (?:talk|speak|chat) (?:to|with) )?(?:a |an |the |this |your )?(?:bot|robot|machine|chatbot|ai|automated)/,
  /\bhuman being\b/,
  /\bnot (?:a|an|the)? ?(?:bot|robot|machine)\b/,
  /\b(?:get|give|bring|find|put) me (?:through to )?(?:a|an|the|your)? ?(?:real |live |actual )?(?:human|agent|manager|supervisor|representative|rep|person|operator|someone)\b/,
  // "is there a person there", "anyone real", "someone in charge", "someone from your team".
  /\b(?:is|are) there (?:a|an|any) (?:real |actual |live )?(?:person|human|humans|people|agent|representative|operator|manager)\b/,
  /\b(?:someone|somebody|anyone|anybody|a person|a human) (?:i|we) (?:can|could) (?:talk|speak|chat)\b/,
  /\b(?:someone|somebody|anyone|anybody) (?:real|human|alive|in charge|(?:from|at|on|in) (?:your |the )?(?:team|company|store|shop|support|office|customer (?:service|support|care)))\b/,
  // Refusing the bot: "stop the bot", "this bot isn't helping", "useless bot".
  /\b(?:stop|no more|enough of|done with|tired of|sick of) (?:the |this |your |talking to (?:a |the |this )?)?(?:bot|robot|machine|automated|auto reply|chatbot)/,
  /\b(?:bot|chatbot|robot|machine|ai)\b (?:is |isnt |is not |doesnt |does not |cant |cannot |can not |not |is so |is totally |is completely )(?:helping|helpful|working for me|understand|getting it|useless|stupid|dumb|help)/,
  /\b(?:useless|stupid|dumb|annoying) (?:bot|chatbot|robot|machine)\b/,
  /\bescalate\b/,
  /^(?:please |pls |plz )?transfer(?: me)?(?: please| pls| plz| now)?$/,
];

// Questions about when people are available are questions, not requests ("when can I talk to an agent").
const ABOUT_HOURS = [
  // A time word next to the person, either way round: 人工客服几点上班, 客服工作时间, 几点有人工.
  /(?:人工|客服|真人|工作人员|有人).{0,12}(?:几点|什么时候|啥时候|嘛时候|啥时|几时|时间|上班|下班|放假|休息|值班|24小时|在线时间|在线到)/,
  /(?:几点|什么时候|啥时候|嘛时候|啥时|几时)(?:上班|下班|有|才有|能|可以)?.{0,6}(?:人工|客服|真人|有人)/,
  // "晚上还有人工客服吗" asks whether people work evenings; "等了一晚上 转人工" is a request.
  /(?:晚上|夜里|夜间|半夜|凌晨|周末|周六|周日|星期[六天日]|礼拜[六天日]|节假日|假日|假期|过年|春节|国庆|中午).{0,4}(?:还有|有没有|有)(?:人工|客服|真人)/,
  // A time named anywhere, then "还有人工客服吗": "我晚上十一点以后才有空，那时候还有人工客服吗".
  /(?:晚上|夜里|半夜|凌晨|白天|中午|周末|节假日|假期|过年|春节|国庆|[0-9一二三四五六七八九十]+点|那时候?).*(?:还有|有没有)(?:人工|客服|真人)(?:客服)?(?:吗|么|嘛|呢)?$/,
  /\b(?:when|what time|hours|opening|midnight|overnight|24 ?7|around the clock)\b/,
  /\b(?:tonight|at night|weekends?|holidays?)\b.{0,20}\?|\b(?:is|are) (?:there|anyone|someone)\b.{0,30}\b(?:tonight|at night|weekends?|holidays?)\b/,
];
const NEGATED = [
  /(?:不用|不要|不需要|无需|别|没必要|不是要|不是想|并不想|不想)(?:再)?(?:转|找|帮我转|跟|和)?(?:人工|真人)/,
  // "dont need a human", "no, i dont want to talk to an agent" — a few words may come between.
  /\b(?:dont|do not|no need to|no need for|never mind the|no)\b(?: (?!but\b)\w+){0,4} (?:a |an |the )?(?:human|agent|person|representative)\b/,
];
// A clause asking what the bot is ("你是真人吗", "are you a real person?") is dropped before the
// request patterns run, so "你是机器人吧？我要找人" still reads the request after it.
const ABOUT_BOT = [
  // "真人吗", "感觉不像真人", "你是人工智障吗": what the bot is, not a request.
  /^(?:真人|活人)(?:吗|么|嘛)$|(?:不像|像)(?:个)?(?:真人|人工|活人|机器人)|(?:你|您)(?:是不是|是)?(?:人工智障|智障)(?:吗|吧|啊)?/g,
  // "X还是Y" first: "你是机器人还是真人" must go whole, not leave "还是真人" behind.
  /(?:你|您)?(?:是)?(?:ai|机器人|机器|自动回复|程序)还是(?:真人|人工|活人|人)(?:吗|啊|呢)?|(?:你|您)?(?:是)?(?:真人|人工|活人)还是(?:ai|机器人|机器|自动回复|程序)(?:吗|啊|呢)?/g,
  /(?:你|您)(?:到底|究竟)?(?:是不是|是)(?:一个|个)?(?:真人|人工|机器人|真的人|活人|ai|人)(?:吗|吧|么|啊|呢)?/g,
  // "是真人吗", "是不是真人在回复", "模特是真人吗": is X a person — not a request for one.
  /(?:是不是|是)(?:一个|个)?(?:真人|人工|机器人|真的人|活人)(?:在回复|在回答|在聊|回复的|回答的)?(?:吗|吧|么|啊|呢)?(?=$|\s)/g,
  /\b(?:are|r) (?:you|u) (?:a |an )?(?:real |actual |live )?(?:person|human|bot|robot|machine|ai)\b/g,
  /\bam i (?:talking|chatting|speaking) (?:to|with) (?:a |an )?(?:real |actual |live )?(?:person|human|bot|robot|machine|ai)\b/g,
  /\b(?:is|are) (?:the |this |that |your )?(?!there\b)\w+ (?:a |an )(?:real|actual) (?:person|human)\b/g,
  /\b(?:is|are) (?:this|it|that) (?:a |an )?(?:real |actual |live )?(?:person|human|bot|robot|machine|ai)(?: or (?:a |an )?(?:real |actual |live )?(?:person|human|bot|robot|machine|ai))?\b/g,
];
// 人工 as labour in a price ("安装费包含人工吗", "人工费") is a cost question.
const ABOUT_LABOUR = /(?:费|收费|价格?)(?:里)?(?:包含|包括|含|算|加)人工|人工(?:费|成本|价)|(?:包含|包括|含)人工/;
// Leaving a message for people ("可以留言让人工回复吗") is the message question, unless refused ("不想留言").
const ABOUT_MESSAGE = /(?<!不想|不要|别|不)(?:留言|留个言|留个?消息|leave (?:a )?message)/;
// Asking for a number or address to reach people ("打电话能找到人工吗 号码多少", "what's your phone
// number") is a contact question the knowledge base answers.
const ABOUT_CONTACT = [/(?:电话|号码|热线|邮箱|微信号)(?:是)?(?:多少|是什么|几号|发我|给我)|号码多少/, /\bwhat(?: is|s) (?:your|the) (?:phone|number|email|hotline)/];
// Whole messages that are a request on their own once fillers are stripped (and repeated: "人工人工").
const BARE = new Set(['人工', '人工客服', '人工服务', '真人', '真人客服', '客服', '转人工', '转人工客服', '接人工', '换人工', '活人', '人呢', '坐席', '转坐席', 'human', 'agent', 'person', 'a human', 'an agent', 'real person', 'live agent', 'human agent', 'representative', 'operator', 'customer service', 'staff']);
// "在线人工", "人工客户服务", "专属客服": a person word with a modifier and nothing else.
const BARE_FORM = /^(?:在线|专属|线上)?(?:人工|真人)(?:客服|服务|坐席|客户服务|客服服务)?$|^(?:在线|专属)(?:人工|真人)?客服$/;
const FILLER = /^(?:请|麻烦|帮我|给我|我要|我想|我需要|要|求求了|求|快|赶紧|喂|(?:please|pls|plz|i want|i need|give me|get me|can i have|a|an)\s+)|(?:谢谢|吧|呢|啊+|呀|好吗|行吗|\s+(?:please|pls|plz|thanks|thank you|now))$/g;

// Typos of 人工 from pinyin input (ren gong → 人公, 人宫, 人攻, 仁工, 认工), only where a request
// would put 人工 (after 转/找/接…, alone, or before 客服) so 主人公 or 个人公司 stay untouched.
const TYPO_RENGONG = /(^|[\s转找接要叫换求]|给我)(?:人[公宫攻功共弓]|[仁认]工|ren ?工|人 ?gong|ren ?gong)(?=$|\s|客服|服务|[啊呀吧呢吗谢请快])/g;
// Pinyin typed without converting: "zhuan rengong", "rengong kefu".
const PINYIN: Array<[RegExp, string]> = [[/\bzhuan ?ren ?gong\b/g, '转人工'], [/\bren ?gong(?: ?ke ?fu)?\b/g, '人工'], [/\bzhen ?ren\b/g, '真人']];
const TYPO_EN = /\b(?:humen|huamn|humna|hooman|humam)\b/g;
const TYPO_EN_OTHER: Array<[RegExp, string]> = [[/\b(?:trasnfer|tranfer|transfet|tansfer)\b/g, 'transfer'], [/\b(?:agnet|agant|agen)\b/g, 'agent'], [/\brepres[a-z]*tive\b/g, 'representative']];
// In a mixed message the English words are read as the Chinese ones, so "找个 agent 来", "给我接
// manager", "transfer to 人工客服" and "no need 转人工" meet the same Chinese patterns.
const MIXED: Array<[RegExp, string]> = [
  [/\bno need(?: to)?\b/g, '不用'],
  [/\b(?:transfer|connect|put)(?: me)?(?: through)?(?: to)?\b/g, '转'],
  [/\b(?:talk|speak|chat)(?: to| with)\b/g, '找'],
  [/\b(?:live agent|real person|human agent|human(?! hair)|agent|representative|operator)\b/g, '人工'],
  [/\b(?:customer service|customer support|cs)\b/g, '客服'],
  [/\b(?:manager|supervisor|boss|owner)\b/g, '经理'],
  [/\b(?:chatbot|bot|robot|ai)\b/g, '机器人'],
  [/\b(?:please|pls|plz|thanks|thank you)\b/g, ' '],
];

/** Normalises for handoff matching: typos of 人工 fixed, English read as Chinese in mixed text. */
function prepare(text: string): { t: string; en: string } {
  const en = TYPO_EN_OTHER.reduce((acc, [from, to]) => acc.replace(from, to), normalize(text).replace(TYPO_EN, 'human'));
  let t = PINYIN.reduce((acc, [from, to]) => acc.replace(from, to), en).replace(TYPO_RENGONG, '$1人工');
  if (/[\u3400-\u9fff]/.test(t) && /[a-z]{2,}/.test(t)) {
    for (const [from, to] of MIXED) t = t.replace(from, to);
    // Drop the spaces the mapping left between Chinese characters ("找个 人工 来" → "找个人工来").
    t = t.replace(/\s+/g, ' ').replace(/(?<=[\u3400-\u9fff]) (?=[\u3400-\u9fff])/g, '').trim();
  }
  return { t, en };
}

/** True when the message is nothing but a request word, possibly repeated ("人工人工人工"). */
function isBare(t: string): boolean {
  let bare = t;
  for (let i = 0; i < 3; i++) bare = bare.replace(FILLER, '').trim();
  const compact = bare.replace(/\s+/g, '');
  if (BARE.has(bare) || BARE.has(compact) || BARE_FORM.test(compact)) return true;
  const repeated = /^(.+?)\1+$/.exec(compact);
  return !!repeated && BARE.has(repeated[1]!);
}

/**
 * True when the customer asks for a person ("人工", "转人工", "叫你们店长出来", "能让懂行的人来回答吗",
 * "is there a person there", "pls transfer"), false for questions about the service ("人工客服几点上班",
 * "客服电话"), about the bot ("你是真人吗"), about things made by people ("人工费", "真人实拍"), and for
 * negations ("不用转人工").
 */
export function isHandoffRequest(text: string): boolean {
  const { t, en } = prepare(text);
  if (!t) return false;
  if (NEGATED.some((p) => p.test(t))) return false;
  if (isBare(t)) return true;
  // The Chinese patterns read the prepared text (English mapped in mixed messages), the English
  // ones the text as typed ("我要talk to a human").
  const drop = (s: string) => ABOUT_BOT.reduce((acc, p) => acc.replace(p, ' '), s).trim();
  const rest = drop(t);
  const restEn = drop(en);
  if (!rest) return false;
  if ([...ABOUT_HOURS, ...ABOUT_CONTACT, ABOUT_LABOUR, ABOUT_MESSAGE].some((p) => p.test(rest) || p.test(restEn))) return false;
  const compact = rest.replace(/\s+/g, '');
  return ZH_REQUESTS.some((p) => p.test(rest) || p.test(compact)) || EN_REQUESTS.some((p) => p.test(restEn));
}
