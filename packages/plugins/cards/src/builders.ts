import type { Card, CardAction } from '@kefu/core';
import { type Coupon, type Order, type OrderStatus, type PriceQuote, type Product, type Tracking, formatMoney } from '@kefu/plugin-commerce';

/** The language a card is written in. */
export type CardLocale = 'zh' | 'en';

declare module '@kefu/core' {
  interface CardKinds {
    product: { productId: string; brand: string; price: number; final?: number };
    product_list: { productIds: string[]; reason?: string };
    order: { orderId: string; status: OrderStatus; total: number };
    logistics: { orderId: string; status: Tracking['status']; trackingNumber: string };
    coupon: { couponId: string; amount: number; minSpend: number; status: Coupon['status'] };
    promotion: { productId: string; price: number; final: number };
    manual: { productId: string; model?: string };
    choices: { question: string };
  }
}

const T = {
  zh: {
    view: '查看商品', ask: '咨询这个商品', price: '价格', final: '到手价', status: '状态', total: '合计', order: '订单', pay: '去支付', cancel: '取消订单',
    refund: '申请退款', track: '查看物流', askAgent: '联系人工客服', courier: '快递员', carrier: '快递公司', number: '运单号', claim: '领取', claimed: '已领取',
    minSpend: (v: string) => (v === '¥0.00' ? '无门槛' : `满${v}可用`), expires: '有效期至', gifts: '赠品', recommend: '为您推荐', manual: '使用说明', whichModel: '请问您购买的是哪个型号？',
    statuses: { unpaid: '待付款', paid: '待发货', shipped: '已发货', delivered: '已签收', completed: '已完成', cancelled: '已取消', refunding: '退款中', refunded: '已退款' } as Record<OrderStatus, string>,
    tracking: { in_transit: '运输中', out_for_delivery: '派送中', delivered: '已签收', exception: '异常' } as Record<Tracking['status'], string>,
    refundable: '可退款的订单',
  },
  en: {
    view: 'View product', ask: 'Ask about this', price: 'Price', final: 'Final price', status: 'Status', total: 'Total', order: 'Order', pay: 'Pay now', cancel: 'Cancel order',
    refund: 'Request a refund', track: 'Track parcel', askAgent: 'Talk to an agent', courier: 'Courier', carrier: 'Carrier', number: 'Tracking no.', claim: 'Claim', claimed: 'Claimed',
    minSpend: (v: string) => (v === '¥0.00' ? 'No minimum' : `On orders over ${v}`), expires: 'Valid until', gifts: 'Gifts', recommend: 'Picked for you', manual: 'Instructions', whichModel: 'Which model did you buy?',
    statuses: { unpaid: 'Awaiting payment', paid: 'Paid, not shipped', shipped: 'Shipped', delivered: 'Delivered', completed: 'Completed', cancelled: 'Cancelled', refunding: 'Refund in progress', refunded: 'Refunded' } as Record<OrderStatus, string>,
    tracking: { in_transit: 'In transit', out_for_delivery: 'Out for delivery', delivered: 'Delivered', exception: 'Exception' } as Record<Tracking['status'], string>,
    refundable: 'Orders you can refund',
  },
};

const date = (ms: number, locale: CardLocale) => new Date(ms).toLocaleString(locale === 'zh' ? 'zh-CN' : 'en-GB', { timeZone: 'Asia/Shanghai', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
/** A postback action; its `value` (the reference) is replaced by a signed token when the card is sent. */
const postback = (id: string, label: string, ref: string, style: CardAction['style'] = 'default'): CardAction => ({ id, label, type: 'postback', value: ref, style });

/** A product card: image, price, final price after discounts, "view" and "ask about this". */
export function productCard(product: Product, locale: CardLocale, quote?: PriceQuote): Card<'product'> {
  const t = T[locale];
  return {
    kind: 'product',
    title: product.name[locale],
    subtitle: product.brand,
    imageUrl: product.imageUrl,
    url: product.url,
    fields: [
      { label: t.price, value: formatMoney(product.price) },
      ...(quote && quote.final !== quote.price ? [{ label: t.final, value: formatMoney(quote.final) }] : []),
    ],
    actions: [
      { id: 'product.view', label: t.view, type: 'link', url: product.url },
      postback('product.ask', t.ask, product.id, 'primary'),
    ],
    data: { productId: product.id, brand: product.brand, price: product.price, ...(quote ? { final: quote.final } : {}) },
  };
}

/** A recommendation: several product cards with a reason line. */
export function productListCard(products: Product[], locale: CardLocale, reason?: string): Card<'product_list'> {
  return {
    kind: 'product_list',
    title: T[locale].recommend,
    ...(reason ? { text: reason } : {}),
    items: products.map((p) => productCard(p, locale)),
    data: { productIds: products.map((p) => p.id), ...(reason ? { reason } : {}) },
  };
}

/** An order card with the actions its status allows: pay, cancel, refund, track, ask an agent. */
export function orderCard(order: Order, locale: CardLocale, options: { payUrl?: string } = {}): Card<'order'> {
  const t = T[locale];
  const actions: CardAction[] = [];
  if (order.status === 'unpaid' && options.payUrl) actions.push({ id: 'order.pay', label: t.pay, type: 'link', url: options.payUrl, style: 'primary' });
  if (order.status === 'unpaid' || order.status === 'paid') actions.push(postback('order.cancel', t.cancel, order.id, 'danger'));
  if (order.status === 'shipped' || order.status === 'delivered') actions.push(postback('order.track', t.track, order.id));
  if (['paid', 'shipped', 'delivered', 'completed'].includes(order.status)) actions.push(postback('order.refund', t.refund, order.id));
  actions.push(postback('agent.ask', t.askAgent, order.id));
  return {
    kind: 'order',
    title: `${t.order} ${order.id}`,
    subtitle: t.statuses[order.status],
    ...(order.items[0]?.imageUrl ? { imageUrl: order.items[0].imageUrl } : {}),
    fields: [
      ...order.items.map((it) => ({ label: `${it.name[locale]}${it.model ? ` (${it.model})` : ''}`, value: `×${it.quantity} ${formatMoney(it.price)}` })),
      { label: t.total, value: formatMoney(order.total) },
      { label: t.status, value: t.statuses[order.status] },
    ],
    actions,
    data: { orderId: order.id, status: order.status, total: order.total },
  };
}

/** Orders the customer can refund, as one card with one refund button each. */
export function refundListCard(orders: Order[], locale: CardLocale): Card<'choices'> {
  const t = T[locale];
  return {
    kind: 'choices',
    title: t.refundable,
    items: orders.map((o) => orderCard(o, locale)),
    actions: orders.map((o) => postback('order.refund', `${t.refund}: ${o.id}`, o.id)),
    data: { question: t.refundable },
  };
}

/** A logistics timeline with station, courier name and phone. */
export function logisticsCard(tracking: Tracking, locale: CardLocale): Card<'logistics'> {
  const t = T[locale];
  const events = [...tracking.events].sort((a, b) => b.at - a.at);
  return {
    kind: 'logistics',
    title: `${tracking.carrier} · ${t.tracking[tracking.status]}`,
    subtitle: `${t.number} ${tracking.trackingNumber}`,
    text: events.map((e) => `${date(e.at, locale)} ${e.station} — ${e.description[locale]}`).join('\n'),
    fields: [
      { label: t.carrier, value: tracking.carrier },
      ...(tracking.courier ? [{ label: t.courier, value: `${tracking.courier.name} ${tracking.courier.phone}` }] : []),
    ],
    actions: [postback('agent.ask', t.askAgent, tracking.orderId)],
    data: { orderId: tracking.orderId, status: tracking.status, trackingNumber: tracking.trackingNumber },
  };
}

/** A coupon with a claim button (or "claimed"). */
export function couponCard(coupon: Coupon, locale: CardLocale): Card<'coupon'> {
  const t = T[locale];
  const claimed = coupon.status === 'claimed' || coupon.status === 'used';
  return {
    kind: 'coupon',
    title: coupon.title[locale],
    subtitle: `${formatMoney(coupon.amount)} · ${t.minSpend(formatMoney(coupon.minSpend))}`,
    fields: [{ label: t.expires, value: date(coupon.expiresAt, locale) }],
    actions: claimed ? [] : [postback('coupon.claim', t.claim, coupon.id, 'primary')],
    ...(claimed ? { text: `✓ ${t.claimed}` } : {}),
    data: { couponId: coupon.id, amount: coupon.amount, minSpend: coupon.minSpend, status: coupon.status },
  };
}

/** A promotion: final price after discounts, and gifts. */
export function promotionCard(product: Product, quote: PriceQuote, locale: CardLocale): Card<'promotion'> {
  const t = T[locale];
  return {
    kind: 'promotion',
    title: product.name[locale],
    imageUrl: product.imageUrl,
    url: product.url,
    fields: [
      { label: t.price, value: formatMoney(quote.price) },
      ...quote.discounts.map((d) => ({ label: d.title[locale], value: `−${formatMoney(d.amount)}` })),
      { label: t.final, value: formatMoney(quote.final) },
      ...(quote.gifts.length ? [{ label: t.gifts, value: quote.gifts.map((g) => g[locale]).join(', ') }] : []),
    ],
    actions: [{ id: 'product.view', label: t.view, type: 'link', url: product.url }],
    data: { productId: product.id, price: quote.price, final: quote.final },
  };
}

/**
 * Instructions for the model the customer bought; when the model is unknown and the product comes
 * in several, a choice list asks which one (each choice answers with the model).
 */
export function manualCard(product: Product, locale: CardLocale, model?: string): Card<'manual'> | Card<'choices'> {
  const t = T[locale];
  const manuals = product.manual ?? [];
  const chosen = manuals.find((m) => m.model === model) ?? (manuals.length === 1 ? manuals[0] : undefined);
  if (!chosen && manuals.length > 1) {
    return { kind: 'choices', title: t.whichModel, actions: manuals.map((m) => ({ id: `manual.${m.model}`, label: m.model, type: 'reply' as const, value: `${t.manual} ${m.model}` })), data: { question: t.whichModel } };
  }
  return {
    kind: 'manual',
    title: `${t.manual}: ${chosen?.title ?? product.name[locale]}`,
    text: (chosen?.steps ?? []).map((s, i) => `${i + 1}. ${s}`).join('\n'),
    url: product.url,
    data: { productId: product.id, ...(chosen ? { model: chosen.model } : {}) },
  };
}

/** Quick-reply choices: each button answers with its text. */
export function choicesCard(question: string, options: string[]): Card<'choices'> {
  return { kind: 'choices', title: question, actions: options.map((o, i) => ({ id: `choice.${i + 1}`, label: o, type: 'reply' as const, value: o })), data: { question } };
}
