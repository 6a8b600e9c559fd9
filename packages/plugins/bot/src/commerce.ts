import type { Card, Contact } from '@kefu/core';

/** An order as the bot needs it. */
export interface BotOrder {
  id: string;
  status: string;
  title?: string;
  total?: number;
  currency?: string;
  url?: string;
  createdAt?: number;
}

/** Where a shipped order is. */
export interface BotLogistics {
  courier: string;
  trackingNumber: string;
  /** The latest station or event ("杭州转运中心 已发出"). */
  station?: string;
  status?: string;
  courierName?: string;
  courierPhone?: string;
  updatedAt?: number;
}

/** A product the recommender proposes. */
export interface BotProduct {
  id: string;
  title: string;
  price?: number;
  currency?: string;
  imageUrl?: string;
  url?: string;
}

/**
 * What the bot needs from commerce (the commerce plugin provides a richer service; anything with
 * these methods works). Every method may answer nothing; the bot then answers from the knowledge base.
 */
export interface BotCommerce {
  /** The customer's latest shipped order (or the one named), with its logistics. */
  latestShippedOrder(contact: Contact, options?: { orderId?: string }): Promise<{ order: BotOrder; logistics?: BotLogistics } | undefined>;
  /** Orders the customer can still ask a refund for. */
  refundableOrders(contact: Contact): Promise<BotOrder[]>;
  /** Products to propose. */
  recommend(contact: Contact, query: { keywords?: string[]; budget?: number; productId?: string; limit?: number }): Promise<BotProduct[]>;
}

/** True when a service has the methods of {@link BotCommerce}. */
export function isBotCommerce(value: unknown): value is BotCommerce {
  const v = value as Partial<BotCommerce> | undefined;
  return !!v && typeof v.latestShippedOrder === 'function' && typeof v.refundableOrders === 'function' && typeof v.recommend === 'function';
}

function money(amount: number | undefined, currency = 'CNY'): string | undefined {
  if (amount === undefined) return undefined;
  return currency === 'CNY' ? `¥${amount.toFixed(2)}` : `${amount.toFixed(2)} ${currency}`;
}

/** The logistics card: courier, tracking number, latest station and the courier's phone. */
export function logisticsCard(order: BotOrder, logistics: BotLogistics, locale: 'zh' | 'en'): Card {
  const en = locale === 'en';
  const fields = [
    { label: en ? 'Order' : '订单', value: order.id },
    { label: en ? 'Courier' : '快递', value: `${logistics.courier} ${logistics.trackingNumber}` },
    ...(logistics.station ? [{ label: en ? 'Latest' : '最新', value: logistics.station }] : []),
    ...(logistics.courierName || logistics.courierPhone ? [{ label: en ? 'Courier contact' : '快递员', value: [logistics.courierName, logistics.courierPhone].filter(Boolean).join(' ') }] : []),
  ];
  return {
    kind: 'logistics',
    title: en ? 'Your parcel' : '您的包裹',
    ...(logistics.status ? { subtitle: logistics.status } : {}),
    fields,
    ...(order.url ? { url: order.url, actions: [{ id: 'open-order', label: en ? 'View order' : '查看订单', type: 'link' as const, url: order.url }] } : {}),
    data: { orderId: order.id, ...logistics },
  };
}

/** The refundable-orders card: one item per order with a button that asks for its refund. */
export function refundCard(orders: BotOrder[], locale: 'zh' | 'en'): Card {
  const en = locale === 'en';
  return {
    kind: 'order-list',
    title: en ? 'Which order would you like refunded?' : '请选择要退款的订单',
    items: orders.map((o) => ({
      kind: 'order',
      title: o.title ?? o.id,
      subtitle: [o.id, money(o.total, o.currency)].filter(Boolean).join(' · '),
      actions: [
        o.url
          ? { id: `refund:${o.id}`, label: en ? 'Request refund' : '申请退款', type: 'link' as const, url: o.url }
          : { id: `refund:${o.id}`, label: en ? 'Request refund' : '申请退款', type: 'reply' as const, value: en ? `refund order ${o.id}` : `申请退款 订单 ${o.id}` },
      ],
      data: { orderId: o.id },
    })),
    data: { orderIds: orders.map((o) => o.id) },
  };
}

/** The recommendation card: a product list. */
export function productsCard(products: BotProduct[], locale: 'zh' | 'en'): Card {
  return {
    kind: 'product-list',
    title: locale === 'en' ? 'You may like' : '为您推荐',
    items: products.map((p) => ({
      kind: 'product',
      title: p.title,
      ...(money(p.price, p.currency) ? { subtitle: money(p.price, p.currency)! } : {}),
      ...(p.imageUrl ? { imageUrl: p.imageUrl } : {}),
      ...(p.url ? { url: p.url, actions: [{ id: `view:${p.id}`, label: locale === 'en' ? 'View' : '查看', type: 'link' as const, url: p.url }] } : {}),
      data: { productId: p.id },
    })),
  };
}
