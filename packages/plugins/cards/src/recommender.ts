import type { Contact } from '@kefu/core';
import type { CommerceProvider, Product } from '@kefu/plugin-commerce';

/** How many products of each price band a recommendation mixes. */
export interface PriceMix {
  low?: number;
  mid?: number;
  high?: number;
}

/** A recommendation request. */
export interface RecommendRequest {
  tenantId: string;
  contact: Contact;
  /** What the customer asked ("推荐个耳机", "recommend headphones"). */
  query?: string;
  category?: string;
  /** Default 3. */
  count?: number;
  /** Optional band mix; default: the customer's own band first. */
  priceMix?: PriceMix;
}

/** Picks products for a customer. Pluggable: pass your own to the cards plugin. */
export interface Recommender {
  recommend(request: RecommendRequest): Promise<{ products: Product[]; reason: string }>;
}

const CATEGORY_WORDS: Array<[RegExp, string]> = [
  [/耳机|耳麦|降噪|headphone|earbud|earphone/i, 'headphones'],
  [/手机|phone|iphone|mobile/i, 'phones'],
  [/奶粉|纸尿裤|尿不湿|母婴|宝宝|婴儿|推车|baby|diaper|formula|stroller/i, 'baby'],
  [/护肤|精华|面霜|美妆|化妆|吹风|牙刷|skincare|serum|cream|beauty/i, 'beauty'],
  [/鞋|衣|羽绒|裤|外套|shoe|sneaker|jacket|coat|legging/i, 'apparel'],
];

/** The category a free-text question is about, if it names one. */
export function categoryOf(text: string): string | undefined {
  return CATEGORY_WORDS.find(([re]) => re.test(text))?.[1];
}

type Band = 'low' | 'mid' | 'high';

function bands(products: Product[]): (p: Product) => Band {
  const prices = products.map((p) => p.price).sort((a, b) => a - b);
  const lo = prices[Math.floor(prices.length / 3)] ?? 0;
  const hi = prices[Math.floor((2 * prices.length) / 3)] ?? 0;
  return (p) => (p.price < lo ? 'low' : p.price >= hi ? 'high' : 'mid');
}

/**
 * The default recommender: brand affinity from the contact's `brand:*` tags and order history,
 * price band from `price:*` tags or past spend, category from the question or the browsing trail
 * (`contact.attributes.trail`). Two customers asking the same question get different answers.
 */
export function createProfileRecommender(provider: CommerceProvider): Recommender {
  return {
    async recommend({ tenantId, contact, query, category, count = 3, priceMix }) {
      const trail = (contact.attributes.trail as Array<{ category?: string; productId?: string }> | undefined) ?? [];
      const wantedCategory = category ?? (query ? categoryOf(query) : undefined) ?? trail.findLast((t) => t.category)?.category;
      const all = await provider.searchProducts(tenantId, { ...(wantedCategory ? { category: wantedCategory } : {}), limit: 200 });
      const brands = new Set(contact.tags.filter((t) => t.startsWith('brand:')).map((t) => t.slice(6).toLowerCase()));
      let band = contact.tags.find((t) => t.startsWith('price:'))?.slice(6) as Band | undefined;
      const customerId = contact.identifiers.find((i) => i.kind === 'shopUserId')?.value;
      if (customerId) {
        const orders = await provider.listOrders(tenantId, customerId).catch(() => []);
        for (const o of orders) for (const it of o.items) {
          const p = await provider.getProduct(tenantId, it.productId).catch(() => undefined);
          if (p) brands.add(p.brand.toLowerCase());
        }
        if (!band && orders.length) {
          const avg = orders.reduce((s, o) => s + o.total, 0) / orders.length;
          band = avg > 300_000 ? 'high' : avg > 80_000 ? 'mid' : 'low';
        }
      }
      const bandOf = bands(all);
      const viewed = new Set(trail.map((t) => t.productId).filter(Boolean));
      const score = (p: Product) => (brands.has(p.brand.toLowerCase()) ? 4 : 0) + (band && bandOf(p) === band ? 2 : 0) + (viewed.has(p.id) ? 1 : 0) + p.stock / 10_000;
      const ranked = [...all].sort((a, b) => score(b) - score(a));
      let products: Product[];
      if (priceMix) {
        products = [];
        for (const b of ['low', 'mid', 'high'] as const) products.push(...ranked.filter((p) => bandOf(p) === b).slice(0, priceMix[b] ?? 0));
      } else {
        products = ranked.slice(0, count);
      }
      const reasonParts = [brands.size ? `brands: ${[...brands].join(', ')}` : '', band ? `price band: ${band}` : '', wantedCategory ? `category: ${wantedCategory}` : ''].filter(Boolean);
      return { products, reason: reasonParts.join('; ') || 'popular picks' };
    },
  };
}
