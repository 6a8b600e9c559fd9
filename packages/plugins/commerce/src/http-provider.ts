import { createHmac } from 'node:crypto';
import { type Clock, KefuError, systemClock } from '@kefu/core';
import { type CommerceProvider, CommerceErrors, type Coupon, type Customer, type Order, type PriceQuote, type Product, type Promotion, type Tracking } from './provider.js';

/** Options of {@link createHttpCommerceProvider}. */
export interface HttpCommerceOptions {
  /** The merchant's API root, e.g. `https://shop.example.com/kefu`. */
  baseUrl: string;
  /** Shared secret for the request signature. */
  secret: string;
  /** Per-attempt timeout. Default 3000 ms. */
  timeoutMs?: number;
  /** Extra attempts after a timeout, network error or 5xx. Default 2. */
  retries?: number;
  /** Consecutive failed calls that open the circuit. Default 5. */
  breakerThreshold?: number;
  /** How long the circuit stays open before one trial call. Default 30 000 ms. */
  breakerCooldownMs?: number;
  fetch?: typeof fetch;
  clock?: Clock;
}

/** Signs a request the way the merchant verifies it: HMAC-SHA256 over `timestamp.METHOD.path.body`. */
export function signCommerceRequest(secret: string, timestamp: string, method: string, pathWithQuery: string, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${method}.${pathWithQuery}.${body}`).digest('hex');
}

type Shape = 'object' | 'array';

/**
 * A commerce provider that calls the merchant's own REST endpoints (the contract is in
 * docs/commerce.md). Requests are signed; each call has a timeout and retries; after repeated
 * failures a circuit breaker answers `KEFU_COMMERCE_UNAVAILABLE` at once instead of piling up
 * waits while the merchant system is down.
 */
export function createHttpCommerceProvider(options: HttpCommerceOptions): CommerceProvider & { readonly circuit: 'closed' | 'open' | 'half-open' } {
  const base = new URL(options.baseUrl.endsWith('/') ? options.baseUrl : options.baseUrl + '/');
  const doFetch = options.fetch ?? fetch;
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.timeoutMs ?? 3000;
  const retries = options.retries ?? 2;
  const threshold = options.breakerThreshold ?? 5;
  const cooldown = options.breakerCooldownMs ?? 30_000;
  let failures = 0;
  let openUntil = 0;

  const unavailable = (message: string, cause?: unknown) => new KefuError(CommerceErrors.UNAVAILABLE, message, cause === undefined ? {} : { cause });

  async function call<T>(tenantId: string, method: 'GET' | 'POST', path: string, opts: { body?: unknown; query?: Record<string, string | number | undefined>; shape: Shape; optional?: boolean }): Promise<T | undefined> {
    if (failures >= threshold && clock.now() < openUntil) throw unavailable('The merchant system is unavailable (circuit open)');
    const url = new URL(path.replace(/^\//, ''), base);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const body = opts.body === undefined ? '' : JSON.stringify(opts.body);
    let lastError: unknown;
    for (let attempt = 0; attempt <= retries; attempt++) {
      const timestamp = String(Math.floor(clock.now() / 1000));
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), timeoutMs);
      try {
        const res = await doFetch(url, {
          method,
          headers: {
            'content-type': 'application/json',
            'x-kefu-tenant': tenantId,
            'x-kefu-timestamp': timestamp,
            'x-kefu-signature': signCommerceRequest(options.secret, timestamp, method, url.pathname + url.search, body),
          },
          ...(body ? { body } : {}),
          signal: controller.signal,
        });
        const text = await res.text();
        if (res.status >= 500) {
          lastError = unavailable(`The merchant system answered ${res.status}`);
          continue;
        }
        failures = 0;
        if (res.status === 404 && opts.optional) return undefined;
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch (error) {
          throw new KefuError(CommerceErrors.BAD_RESPONSE, `The merchant system answered invalid JSON for ${method} ${url.pathname}`, { cause: error });
        }
        if (res.status === 404) throw new KefuError('KEFU_NOT_FOUND', (json as { message?: string })?.message ?? `Not found: ${url.pathname}`);
        if (res.status >= 400) throw new KefuError(CommerceErrors.REFUSED, (json as { message?: string })?.message ?? `The merchant system refused (${res.status})`, { details: { status: res.status } });
        const ok = opts.shape === 'array' ? Array.isArray(json) : json !== null && typeof json === 'object' && !Array.isArray(json);
        if (!ok) throw new KefuError(CommerceErrors.BAD_RESPONSE, `The merchant system answered ${Array.isArray(json) ? 'an array' : typeof json} where ${opts.shape === 'array' ? 'an array' : 'an object'} was expected (${method} ${url.pathname})`);
        return json as T;
      } catch (error) {
        if (error instanceof KefuError && error.code !== CommerceErrors.UNAVAILABLE) throw error;
        lastError = error;
      } finally {
        clearTimeout(timer);
      }
    }
    failures++;
    if (failures >= threshold) openUntil = clock.now() + cooldown;
    if (lastError instanceof KefuError) throw lastError;
    throw unavailable(`The merchant system did not answer ${method} ${url.pathname}`, lastError);
  }
  const must = <T>(v: T | undefined): T => {
    if (v === undefined) throw new KefuError(CommerceErrors.BAD_RESPONSE, 'The merchant system answered nothing');
    return v;
  };
  const enc = encodeURIComponent;

  return {
    get circuit() {
      if (failures < threshold) return 'closed';
      return clock.now() < openUntil ? 'open' : 'half-open';
    },
    getCustomer: (t, id) => call<Customer>(t, 'GET', `customers/${enc(id)}`, { shape: 'object', optional: true }),
    searchProducts: async (t, q) => must(await call<Product[]>(t, 'GET', 'products', { shape: 'array', query: { text: q.text, category: q.category, brand: q.brand, minPrice: q.minPrice, maxPrice: q.maxPrice, limit: q.limit } })),
    getProduct: (t, id) => call<Product>(t, 'GET', `products/${enc(id)}`, { shape: 'object', optional: true }),
    listOrders: async (t, customerId) => must(await call<Order[]>(t, 'GET', `customers/${enc(customerId)}/orders`, { shape: 'array' })),
    getOrder: (t, id) => call<Order>(t, 'GET', `orders/${enc(id)}`, { shape: 'object', optional: true }),
    cancelOrder: async (t, id, customerId) => must(await call<Order>(t, 'POST', `orders/${enc(id)}/cancel`, { shape: 'object', body: { customerId } })),
    payLink: async (t, id) => must(await call<{ url: string }>(t, 'GET', `orders/${enc(id)}/pay-link`, { shape: 'object' })).url,
    refundableOrders: async (t, customerId) => must(await call<Order[]>(t, 'GET', `customers/${enc(customerId)}/refundable-orders`, { shape: 'array' })),
    requestRefund: async (t, id, customerId, reason) => must(await call<Order>(t, 'POST', `orders/${enc(id)}/refund`, { shape: 'object', body: { customerId, reason } })),
    tracking: (t, id) => call<Tracking>(t, 'GET', `orders/${enc(id)}/tracking`, { shape: 'object', optional: true }),
    availableCoupons: async (t, customerId) => must(await call<Coupon[]>(t, 'GET', `customers/${enc(customerId)}/coupons`, { shape: 'array' })),
    claimCoupon: async (t, customerId, couponId) => must(await call<Coupon>(t, 'POST', `customers/${enc(customerId)}/coupons/${enc(couponId)}/claim`, { shape: 'object', body: {} })),
    promotions: async (t, productId) => must(await call<Promotion[]>(t, 'GET', 'promotions', { shape: 'array', query: { productId } })),
    quote: async (t, productId, customerId) => must(await call<PriceQuote>(t, 'GET', `products/${enc(productId)}/quote`, { shape: 'object', query: { customerId } })),
  };
}
