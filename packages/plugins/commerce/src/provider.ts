/**
 * The commerce provider contract: what Kefu needs from a shop. A merchant implements it (or
 * serves the HTTP contract that `createHttpCommerceProvider` calls); the demo provider implements
 * it over a seeded shop. Every method is scoped to a tenant (the merchant).
 */

/** Money in the shop's currency, in minor units (fen/cents) to avoid float drift. */
export type Money = number;

/** A product in the catalog. */
export interface Product {
  id: string;
  /** Chinese and English names. */
  name: { zh: string; en: string };
  brand: string;
  category: string;
  price: Money;
  imageUrl: string;
  url: string;
  /** Model numbers the product comes in (used to match manuals to what a customer bought). */
  models?: string[];
  tags?: string[];
  stock: number;
  /** Manual / instructions by model: short steps. */
  manual?: Array<{ model: string; title: string; steps: string[] }>;
}

/** A customer as the shop knows them. */
export interface Customer {
  id: string;
  name: string;
  phone?: string;
  email?: string;
  /** Shop credit score (e.g. 0–1000). */
  credit: number;
  tier: 'vip' | 'normal' | 'partner' | (string & {});
  tags: string[];
}

/** Order states, in their usual order. */
export type OrderStatus = 'unpaid' | 'paid' | 'shipped' | 'delivered' | 'completed' | 'cancelled' | 'refunding' | 'refunded';

/** One order line. */
export interface OrderItem {
  productId: string;
  name: { zh: string; en: string };
  model?: string;
  quantity: number;
  price: Money;
  imageUrl?: string;
}

/** An order. */
export interface Order {
  id: string;
  customerId: string;
  status: OrderStatus;
  items: OrderItem[];
  total: Money;
  createdAt: number;
  paidAt?: number;
  shippedAt?: number;
  trackingNumber?: string;
  address?: string;
  refundReason?: string;
}

/** One logistics station on the way. */
export interface TrackingEvent {
  at: number;
  station: string;
  description: { zh: string; en: string };
}

/** The logistics of an order. */
export interface Tracking {
  orderId: string;
  carrier: string;
  trackingNumber: string;
  courier?: { name: string; phone: string };
  status: 'in_transit' | 'out_for_delivery' | 'delivered' | 'exception';
  events: TrackingEvent[];
}

/** A coupon template (available to claim) or a claimed coupon. */
export interface Coupon {
  id: string;
  title: { zh: string; en: string };
  /** Discount in minor units. */
  amount: Money;
  /** Minimum spend in minor units. */
  minSpend: Money;
  expiresAt: number;
  status: 'available' | 'claimed' | 'used' | 'expired';
  /** Who may issue it from the console: the lowest role. */
  issuableBy?: 'agent' | 'supervisor' | 'admin';
}

/** A running promotion. */
export interface Promotion {
  id: string;
  title: { zh: string; en: string };
  /** Products it applies to; empty = all. */
  productIds: string[];
  /** Percentage off (0–100) or fixed amount off in minor units. */
  percentOff?: number;
  amountOff?: Money;
  gift?: { zh: string; en: string };
  endsAt: number;
}

/** The price of a product after promotions and the customer's best coupon. */
export interface PriceQuote {
  productId: string;
  price: Money;
  final: Money;
  discounts: Array<{ title: { zh: string; en: string }; amount: Money }>;
  gifts: Array<{ zh: string; en: string }>;
}

/** Filters for a catalog search. */
export interface ProductQuery {
  text?: string;
  category?: string;
  brand?: string;
  minPrice?: Money;
  maxPrice?: Money;
  limit?: number;
}

/** What Kefu needs from a shop. */
export interface CommerceProvider {
  getCustomer(tenantId: string, customerId: string): Promise<Customer | undefined>;
  searchProducts(tenantId: string, query: ProductQuery): Promise<Product[]>;
  getProduct(tenantId: string, productId: string): Promise<Product | undefined>;
  listOrders(tenantId: string, customerId: string): Promise<Order[]>;
  getOrder(tenantId: string, orderId: string): Promise<Order | undefined>;
  /** Cancels an unpaid or paid-not-shipped order. Throws `KEFU_COMMERCE_REFUSED` otherwise. */
  cancelOrder(tenantId: string, orderId: string, customerId: string): Promise<Order>;
  /** A link where the customer pays an unpaid order. */
  payLink(tenantId: string, orderId: string): Promise<string>;
  /** Orders of the customer that can still be refunded. */
  refundableOrders(tenantId: string, customerId: string): Promise<Order[]>;
  requestRefund(tenantId: string, orderId: string, customerId: string, reason: string): Promise<Order>;
  tracking(tenantId: string, orderId: string): Promise<Tracking | undefined>;
  availableCoupons(tenantId: string, customerId: string): Promise<Coupon[]>;
  claimCoupon(tenantId: string, customerId: string, couponId: string): Promise<Coupon>;
  promotions(tenantId: string, productId?: string): Promise<Promotion[]>;
  quote(tenantId: string, productId: string, customerId?: string): Promise<PriceQuote>;
}

/** Commerce error codes. */
export const CommerceErrors = {
  /** The shop refused the operation (cancel a shipped order, claim a coupon twice). */
  REFUSED: 'KEFU_COMMERCE_REFUSED',
  /** The merchant system did not answer in time, answered 5xx, or the circuit is open. */
  UNAVAILABLE: 'KEFU_COMMERCE_UNAVAILABLE',
  /** The merchant system answered something that is not the documented contract. */
  BAD_RESPONSE: 'KEFU_COMMERCE_BAD_RESPONSE',
  /** A commerce webhook had a bad or missing signature, or a stale timestamp. */
  BAD_SIGNATURE: 'KEFU_COMMERCE_BAD_SIGNATURE',
} as const;

/** Formats minor units as a price string (`¥1,299.00`). */
export function formatMoney(amount: Money, currency = '¥'): string {
  return `${currency}${(amount / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}
