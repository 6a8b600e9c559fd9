import type { Card, Contact, KefuApp } from '@kefu/core';
import { logisticsCard, productListCard, refundListCard } from '@kefu/plugin-cards';
import type { CardsService } from '@kefu/plugin-cards';
import type { CommerceService, Order } from '@kefu/plugin-commerce';
import { type BotCommerce, logisticsCard as botLogisticsCard, productsCard, refundCard } from './commerce.js';

/** What a commerce question asks for. */
export interface CommerceQuery {
  orderId?: string;
  keywords?: string[];
  budget?: number;
  productId?: string;
  /** The customer's own words (the recommender reads the category from them). */
  text: string;
}

/**
 * Where the bot's business answers come from: each method answers a ready card, or nothing
 * (the bot then answers from the knowledge base).
 */
export interface CommerceCards {
  logistics(contact: Contact, query: CommerceQuery, locale: 'zh' | 'en'): Promise<Card | undefined>;
  refund(contact: Contact, query: CommerceQuery, locale: 'zh' | 'en'): Promise<Card | undefined>;
  recommend(contact: Contact, query: CommerceQuery, locale: 'zh' | 'en'): Promise<Card | undefined>;
}

// Orders whose parcel is on its way or arrived: the ones "where is my parcel" can be about.
const SHIPPED: ReadonlySet<Order['status']> = new Set(['shipped', 'delivered']);

/** True when `app.services.commerce` is the commerce plugin's service (not just a {@link BotCommerce}). */
export function isShopCommerce(value: unknown): value is CommerceService {
  const v = value as Partial<CommerceService> | undefined;
  return !!v && typeof v.customerIdOf === 'function' && typeof v.listOrders === 'function' && typeof v.tracking === 'function' && typeof v.refundableOrders === 'function';
}

/**
 * Business answers from the commerce plugin (`app.services.commerce`) and, when installed, the
 * cards plugin (`app.services.cards`): its builders and recommender, so the cards look and act like
 * every other card in Kefu (signed refund buttons, "ask an agent" on the logistics card). A contact
 * with no verified shop account gets nothing here: we never guess whose orders to show.
 */
export function shopCommerceCards(app: KefuApp, commerce: CommerceService): CommerceCards {
  const cards = (): CardsService | undefined => (app.hasService('cards') ? app.services.cards : undefined);
  return {
    async logistics(contact, query, locale) {
      const customerId = commerce.customerIdOf(contact);
      if (!customerId) return undefined;
      const orders = await commerce.listOrders(contact.tenantId, customerId);
      // A named order must be the customer's own; otherwise the latest one that left the warehouse.
      const order = query.orderId
        ? orders.find((o) => o.id === query.orderId)
        : orders.filter((o) => SHIPPED.has(o.status)).sort((a, b) => (b.shippedAt ?? b.createdAt) - (a.shippedAt ?? a.createdAt))[0];
      if (!order) return undefined;
      const tracking = await commerce.tracking(contact.tenantId, order.id);
      return tracking ? logisticsCard(tracking, locale) : undefined;
    },
    async refund(contact, _query, locale) {
      const customerId = commerce.customerIdOf(contact);
      if (!customerId) return undefined;
      const orders = await commerce.refundableOrders(contact.tenantId, customerId);
      return orders.length ? refundListCard(orders, locale) : undefined;
    },
    async recommend(contact, query, locale) {
      const recommender = cards()?.recommender;
      if (!recommender) return undefined;
      const { products, reason } = await recommender.recommend({ tenantId: contact.tenantId, contact, query: query.text, count: 3 });
      return products.length ? productListCard(products, locale, reason) : undefined;
    },
  };
}

/** Business answers from a plain {@link BotCommerce} source, with the bot's own cards. */
export function botCommerceCards(source: BotCommerce): CommerceCards {
  return {
    async logistics(contact, query, locale) {
      const found = await source.latestShippedOrder(contact, query.orderId ? { orderId: query.orderId } : {});
      return found?.logistics ? botLogisticsCard(found.order, found.logistics, locale) : undefined;
    },
    async refund(contact, _query, locale) {
      const orders = await source.refundableOrders(contact);
      return orders.length ? refundCard(orders, locale) : undefined;
    },
    async recommend(contact, query, locale) {
      const products = await source.recommend(contact, {
        ...(query.keywords ? { keywords: query.keywords } : {}),
        ...(query.budget !== undefined ? { budget: query.budget } : {}),
        ...(query.productId ? { productId: query.productId } : {}),
        limit: 4,
      });
      return products.length ? productsCard(products, locale) : undefined;
    },
  };
}
