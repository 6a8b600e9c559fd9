import { normalize } from './normalize.js';

/** Business intents the bot understands with slots. */
export type IntentName = 'order_status' | 'logistics' | 'refund' | 'invoice' | 'change_address' | 'recommend' | (string & {});

/** A detected intent and its slots. */
export interface Intent {
  name: IntentName;
  slots: IntentSlots;
}

/** Values picked out of the question. */
export interface IntentSlots {
  /** An order number (8–24 digits, or letters then digits). */
  orderId?: string;
  /** A budget in yuan ("300元", "under 200"). */
  budget?: number;
  /** An address after "改成" / "change to". */
  address?: string;
  /** Invoice kind: `vat` for 专票, `normal` otherwise. */
  invoiceKind?: 'vat' | 'normal';
  /** Free keywords for the recommender ("礼物", "运动"). */
  keywords?: string[];
}

/** A rule: the first rule whose pattern matches names the intent. */
export interface IntentRule {
  name: IntentName;
  pattern: RegExp;
}

/** The built-in rules, in order: "退款到哪了" is about a refund, "订单到哪了" about logistics. */
export const DEFAULT_INTENT_RULES: IntentRule[] = [
  { name: 'change_address', pattern: /(改|修改|更改|换|填错|写错|change|update|wrong).{0,8}(地址|address)|(地址|address).{0,6}(改|错|change|wrong)/ },
  { name: 'invoice', pattern: /(发票|发漂|开票|专票|普票|抬头|invoice|fapiao)/ },
  { name: 'refund', pattern: /(退款|退钱|退费|退货|取消订单|不想要了|refund|money back|return (it|this|my)|cancel (my|the|this)? ?order)/ },
  { name: 'logistics', pattern: /(快递|物流|包裹|快件|到哪|在哪|到了没|到没到|还没到|签收|parcel|package|tracking|track|where.{0,20}(order|package|parcel|stuff|delivery)|wheres my)/ },
  { name: 'order_status', pattern: /(订单|发货|发了没|发出|order status|my order|shipped|ship(ping)? status)/ },
  { name: 'recommend', pattern: /(推荐|有什么好|买什么|送什么|挑一|recommend|suggest|best seller|what should i buy|gift (for|idea))/ },
];

const ORDER_ID = /(?:订单号?|order(?:\s*(?:no|number|id))?)?\s*[:：#]?\s*\b([a-z]{0,4}\d{8,24})\b/i;
const BUDGET = /(\d{2,6})\s*(?:元|块|rmb|yuan|¥)|(?:预算|budget|under|below|以内|不超过)\s*(\d{2,6})|[¥￥]\s*(\d{2,6})/i;

/** Detects the business intent of a question and its slots, or `undefined`. */
export function detectIntent(text: string, rules: IntentRule[] = DEFAULT_INTENT_RULES): Intent | undefined {
  const raw = text.normalize('NFKC');
  const t = normalize(text);
  const rule = rules.find((r) => r.pattern.test(t));
  if (!rule) return undefined;
  const slots: IntentSlots = {};
  const order = ORDER_ID.exec(raw);
  if (order?.[1]) slots.orderId = order[1];
  if (rule.name === 'recommend') {
    const budget = BUDGET.exec(raw);
    const value = budget && (budget[1] ?? budget[2] ?? budget[3]);
    if (value) slots.budget = Number(value);
    const keywords = t.split(/\s+|推荐|一下|有什么|好的|送|给|recommend|something|for|me|a|some/).filter((w) => w.length > 1);
    if (keywords.length) slots.keywords = keywords.slice(0, 5);
  }
  if (rule.name === 'invoice') slots.invoiceKind = /(专票|专用|vat)/.test(t) ? 'vat' : 'normal';
  if (rule.name === 'change_address') {
    const to = /(?:改成|改为|改到|换成|change (?:it )?to|update (?:it )?to)\s*[:：]?\s*(.+)$/i.exec(raw);
    if (to?.[1]) slots.address = to[1].trim();
  }
  return { name: rule.name, slots };
}
