import { normalize } from './normalize.js';

// A request for a person, not a question about people ("人工客服几点上班" is a question).
const REQUEST_PATTERNS: RegExp[] = [
  /(转|接|找|要|换|叫|来|给我|需要|请求)(一?个|一下|下)?(人工|真人|活人|人类|真的人)/,
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
