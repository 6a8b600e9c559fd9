import { normalize } from './normalize.js';

// A request for a person, not a question about people ("人工客服几点上班" is a question).
// Families rather than phrases: a request verb (请/帮我/我要/给我 + 转/找/接/叫/安排 …) followed by a
// person (人工, 真人, 客服, 小二, 专员, 小姐姐 …), unless what follows the person is a thing about them
// ("客服电话", "人工几点上班") — that is a question, answered from the knowledge base.
const PERSON = '(?:人工客服|人工服务|人工|真人客服|真人|活人|人类|真的人|客服专员|客服人员|客服小姐姐|客服小哥|客服|小二|专员|工作人员|售后人员|小姐姐|小哥哥)';
const NOT_ABOUT = '(?!电话|热线|号码|邮箱|微信|时间|几点|上班|下班|工作时间|在线时间|费|智能)';
const REQUEST_PATTERNS: RegExp[] = [
  new RegExp(`(转|接|找|叫|换|安排|呼叫|接通|转接|请求|来)(一?个|一位|一下|下|位)?(你们的?)?${PERSON}${NOT_ABOUT}`),
  new RegExp(`(我要|我想要|给我|帮我|请|麻烦|需要|我需要)(转|接|找|叫|换|安排|来)?(一?个|一位|一下|位)?${PERSON}${NOT_ABOUT}`),
  new RegExp(`(让|请|派|叫)(一?个|一位)?(你们的?)?${PERSON}(来|过来|跟|和|出来|回复|处理|接)`),
  /(跟|和|与|同)(一?个|你们的?)?(真|活)?人(说话|聊|沟通|谈|讲|对话)/,
  /(不要|别|不想|不跟|不和|不用)(再)?(跟|和|用|让)?(你)?(这个)?(的)?(机器人|机器|自动回复|ai|bot)(了|回复|回答|说|聊|敷衍)?$/,
  /换(个|一个)?人(来|跟|和|回|说|吧|$)/,
  /(给我|帮我)(转|接)(过去|一下|吧|啊)?$/,
  /(人工|真人|活人)(客服)?(呢|在哪|在不在|在吗|人呢)/,
  /(转|接|找|要|换|叫|来|给我|需要|请求)(一?个|一下|下)?(人工|真人|活人|人类|真的人)(?!费|智能)/,
  /转(接)?(到)?(人工|客服)/,
  /(让|请|派)(一?个)?(真人|人工|活人|客服)(来|跟|和|出来)/,
  /找(一?个|下)?(你们的?)?客服$/,
  /(人工|真人)(客服|服务)?(呢|在哪|在不在|在吗|有吗|吗|吧|呀|啊)+$/,
  /(有没有|有无|还有没有)(一?个)?(活人|真人|人工)/,
  /(叫|找|让|请)(你们)?(的)?(客服)?(主管|经理|领导|负责人|店长)/,
  /(客服|主管|经理|领导)(出来|本人)/,
  /(跟|和|与|同)(你们)?(的)?(人工|真人|活人)?(客服|真人|人工|活人)(本人)?(说|聊|沟通|谈|讲|对话|联系)/,
  /(别|不要|不想)(再)?(用|跟|和|让)?(我|你)?(这个)?(的)?机器人?(说|聊|回|敷衍)/,
  /(talk|speak|chat|connect|transfer|put|get|switch|pass)\b.*\b(to|with)\b.*\b(human|person|people|agent|representative|rep|operator|staff|someone|somebody|customer service)/,
  /\b(real|live|actual) (person|human|agent|people)\b/,
  /\b(human|agent|person|representative|operator)s? (please|pls|plz|now)\b/,
  /\b(want|need|get) (a|an|the)? ?(human|agent|representative|operator|manager|supervisor)\b/,
  /\bhuman being\b/,
  /\bnot (a|an|the)? ?(bot|robot|machine)\b/,
  /\b(get|give|bring|find|put) me (through to )?(a|an|the|your)? ?(real |live |actual )?(human|agent|manager|supervisor|representative|rep|person|operator|someone)\b/,
  /\b(need|want|like|request) (to (talk|speak|chat) (to|with) )?(a|an|the|your)? ?(real |live |actual )?(human|agent|manager|supervisor|representative|operator|staff member|customer (service|support) (agent|staff|rep|person|representative))\b/,
  /\b(stop|no more|enough of|done with) (the |this |your )?(bot|robot|machine|automated|auto reply)/,
  /\bescalate\b/,
];
// Questions about when people are available are questions, not requests ("when can I talk to an agent").
const ABOUT_HOURS = [
  /(几点|什么时候|啥时候|时间|上班|下班|24小时)/,
  // "晚上还有人工客服吗" asks whether people work evenings; "等了一晚上 转人工" is a request.
  /(晚上|夜里|夜间|半夜|凌晨|周末|节假日|假期|过年).{0,4}(还有|有没有|有)(人工|客服|真人)/,
  /\b(when|what time|hours|opening)\b/,
  /\b(tonight|at night|weekends?|holidays?)\b.{0,20}\?|\b(is|are) (there|anyone|someone)\b.{0,30}\b(tonight|at night|weekends?|holidays?)\b/,
];
const NEGATED = [/(不用|不要|不需要|无需|别)(转|找)?(人工|真人)/, /\b(dont|do not|no need to|no) (need )?(a |an )?(human|agent|person)/];
// Whole messages that are a request on their own once fillers are stripped.
const BARE = new Set(['人工', '人工客服', '人工服务', '真人', '真人客服', '客服', '转人工', '转人工客服', '人工人工', '人工人工人工', 'human', 'agent', 'person', 'a human', 'an agent', 'real person', 'live agent', 'human agent', 'representative', 'operator', 'customer service', 'staff', '活人', '人呢']);
const FILLER = /^(?:请|麻烦|帮我|给我|我要|我想|我需要|要|求|快|赶紧|(?:please|pls|plz|i want|i need|give me|get me|can i have|a|an)\s+)|(?:谢谢|吧|呢|啊|呀|好吗|行吗|\s+(?:please|pls|plz|thanks|thank you|now))$/g;

/**
 * True when the customer asks for a person ("人工", "转人工", "真人", "human", "agent",
 * "real person", ...), false for questions about the service ("人工客服几点上班") and for
 * negations ("不用转人工").
 */
export function isHandoffRequest(text: string): boolean {
  const t = normalize(text);
  if (!t) return false;
  if (NEGATED.some((p) => p.test(t))) return false;
  let bare = t;
  for (let i = 0; i < 3; i++) bare = bare.replace(FILLER, '').trim();
  if (BARE.has(bare) || BARE.has(bare.replace(/\s+/g, ''))) return true;
  if (ABOUT_HOURS.some((p) => p.test(t))) return false;
  return REQUEST_PATTERNS.some((p) => p.test(t) || p.test(t.replace(/\s+/g, '')));
}
