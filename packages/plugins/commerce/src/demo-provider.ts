import { type Clock, KefuError, KeyedQueue, type Store, systemClock } from '@kefu/core';
import { type DemoShop, buildDemoShop } from './demo-shop.js';
import { type CommerceProvider, CommerceErrors, type Coupon, type Order, type PriceQuote, type Product } from './provider.js';

/** Options of {@link createDemoCommerceProvider}. */
export interface DemoCommerceOptions {
  store: Store;
  clock?: Clock;
  /** Where product pages live (the example server's demo shop). Default `/shop`. */
  shopUrl?: string;
}

const NAMESPACE = 'commerce-demo';

/**
 * A commerce provider over a seeded demo shop kept in the store, so cancelled orders and claimed
 * coupons survive a restart. Each tenant gets its own copy of the shop on first use.
 */
export function createDemoCommerceProvider(options: DemoCommerceOptions): CommerceProvider & { shop(tenantId: string): Promise<DemoShop> } {
  const { store } = options;
  const clock = options.clock ?? systemClock;
  const writes = new KeyedQueue();

  const load = async (tenantId: string): Promise<DemoShop> => {
    const existing = await store.kvGet<DemoShop>(NAMESPACE, tenantId);
    if (existing) return existing;
    const shop = buildDemoShop(clock.now(), options.shopUrl);
    await store.kvSet(NAMESPACE, tenantId, shop);
    return shop;
  };
  /** Read-modify-write of one tenant's shop, one at a time. */
  const update = <T>(tenantId: string, change: (shop: DemoShop) => T): Promise<T> =>
    writes.run(tenantId, async () => {
      const shop = await load(tenantId);
      const result = change(shop);
      await store.kvSet(NAMESPACE, tenantId, shop);
      return result;
    });
  const refused = (message: string, details?: Record<string, unknown>) => new KefuError(CommerceErrors.REFUSED, message, details ? { details } : {});
  const ownOrder = (shop: DemoShop, orderId: string, customerId: string): Order => {
    const order = shop.orders.find((o) => o.id === orderId);
    if (!order || order.customerId !== customerId) throw new KefuError('KEFU_NOT_FOUND', `No order "${orderId}" for this customer`, { details: { orderId } });
    return order;
  };
  const matches = (p: Product, text: string) => {
    const t = text.toLowerCase();
    return [p.name.zh, p.name.en, p.brand, p.category, ...(p.models ?? [])].some((s) => s.toLowerCase().includes(t) || t.includes(s.toLowerCase()));
  };

  return {
    shop: load,
    async getCustomer(tenantId, customerId) {
      return (await load(tenantId)).customers.find((c) => c.id === customerId);
    },
    async searchProducts(tenantId, q) {
      const { products } = await load(tenantId);
      return products
        .filter(
          (p) =>
            (!q.text || matches(p, q.text)) &&
            (!q.category || p.category === q.category) &&
            (!q.brand || p.brand.toLowerCase() === q.brand.toLowerCase()) &&
            (q.minPrice === undefined || p.price >= q.minPrice) &&
            (q.maxPrice === undefined || p.price <= q.maxPrice),
        )
        .slice(0, q.limit ?? 20);
    },
    async getProduct(tenantId, productId) {
      return (await load(tenantId)).products.find((p) => p.id === productId);
    },
    async listOrders(tenantId, customerId) {
      return (await load(tenantId)).orders.filter((o) => o.customerId === customerId).sort((a, b) => b.createdAt - a.createdAt);
    },
    async getOrder(tenantId, orderId) {
      return (await load(tenantId)).orders.find((o) => o.id === orderId);
    },
    cancelOrder(tenantId, orderId, customerId) {
      return update(tenantId, (shop) => {
        const order = ownOrder(shop, orderId, customerId);
        if (order.status === 'cancelled') return order; // idempotent
        if (order.status !== 'unpaid' && order.status !== 'paid') throw refused(`Order ${orderId} is ${order.status} and can no longer be cancelled`, { status: order.status });
        order.status = 'cancelled';
        return order;
      });
    },
    async payLink(tenantId, orderId) {
      const order = (await load(tenantId)).orders.find((o) => o.id === orderId);
      if (!order) throw new KefuError('KEFU_NOT_FOUND', `No order "${orderId}"`);
      if (order.status !== 'unpaid') throw refused(`Order ${orderId} is ${order.status}, not waiting for payment`);
      return `${options.shopUrl ?? '/shop'}/checkout.html?order=${encodeURIComponent(orderId)}`;
    },
    async refundableOrders(tenantId, customerId) {
      return (await load(tenantId)).orders.filter((o) => o.customerId === customerId && ['paid', 'shipped', 'delivered', 'completed'].includes(o.status) && clock.now() - o.createdAt < 30 * 86_400_000);
    },
    requestRefund(tenantId, orderId, customerId, reason) {
      return update(tenantId, (shop) => {
        const order = ownOrder(shop, orderId, customerId);
        if (order.status === 'refunding' || order.status === 'refunded') return order; // idempotent
        if (!['paid', 'shipped', 'delivered', 'completed'].includes(order.status)) throw refused(`Order ${orderId} is ${order.status} and cannot be refunded`, { status: order.status });
        order.status = 'refunding';
        order.refundReason = reason;
        return order;
      });
    },
    async tracking(tenantId, orderId) {
      return (await load(tenantId)).tracking.find((t) => t.orderId === orderId);
    },
    async availableCoupons(tenantId, customerId) {
      const shop = await load(tenantId);
      const claimed = new Set((shop.claimed[customerId] ?? []).map((c) => c.id));
      return shop.coupons.filter((c) => !claimed.has(c.id) && c.expiresAt > clock.now());
    },
    claimCoupon(tenantId, customerId, couponId) {
      return update(tenantId, (shop) => {
        const coupon = shop.coupons.find((c) => c.id === couponId);
        if (!coupon) throw new KefuError('KEFU_NOT_FOUND', `No coupon "${couponId}"`);
        const mine = (shop.claimed[customerId] ??= []);
        const already = mine.find((c) => c.id === couponId);
        if (already) return already; // idempotent: claiming twice keeps one coupon
        if (coupon.expiresAt <= clock.now()) throw refused(`Coupon ${couponId} has expired`);
        const claimed: Coupon = { ...coupon, status: 'claimed' };
        mine.push(claimed);
        return claimed;
      });
    },
    async promotions(tenantId, productId) {
      return (await load(tenantId)).promotions.filter((p) => p.endsAt > clock.now() && (!productId || p.productIds.length === 0 || p.productIds.includes(productId)));
    },
    async quote(tenantId, productId, customerId): Promise<PriceQuote> {
      const shop = await load(tenantId);
      const product = shop.products.find((p) => p.id === productId);
      if (!product) throw new KefuError('KEFU_NOT_FOUND', `No product "${productId}"`);
      const discounts: PriceQuote['discounts'] = [];
      const gifts: PriceQuote['gifts'] = [];
      let price = product.price;
      for (const promo of await this.promotions(tenantId, productId)) {
        const off = promo.amountOff ?? Math.round((price * (promo.percentOff ?? 0)) / 100);
        if (off > 0) {
          discounts.push({ title: promo.title, amount: off });
          price -= off;
        }
        if (promo.gift) gifts.push(promo.gift);
      }
      if (customerId) {
        const best = (shop.claimed[customerId] ?? []).filter((c) => c.status === 'claimed' && c.minSpend <= price).sort((a, b) => b.amount - a.amount)[0];
        if (best) {
          discounts.push({ title: best.title, amount: best.amount });
          price -= best.amount;
        }
      }
      return { productId, price: product.price, final: Math.max(0, price), discounts, gifts };
    },
  };
}
