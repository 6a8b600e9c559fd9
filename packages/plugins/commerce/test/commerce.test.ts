import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type KefuApp, createApp, createMemoryStore, isKefuError } from '@kefu/core';
import { createTestAdapter } from '@kefu/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type CommerceEvent, buildDemoShop, classifyStage, commercePlugin, createDemoCommerceProvider, createHttpCommerceProvider, signCommerceRequest } from '../src/index.js';

const NOW = Date.UTC(2026, 10, 11, 2);
const clock = { now: () => NOW, setTimeout: (f: () => void, ms: number) => setTimeout(f, ms), clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout) };

describe('demo shop', () => {
  it('has at least 40 products across categories and brands, named in Chinese and English, and orders in every state', () => {
    const shop = buildDemoShop(NOW);
    expect(shop.products.length).toBeGreaterThanOrEqual(40);
    expect(new Set(shop.products.map((p) => p.category)).size).toBeGreaterThanOrEqual(5);
    expect(new Set(shop.products.map((p) => p.brand)).size).toBeGreaterThanOrEqual(15);
    expect(shop.products.every((p) => /[\u4e00-\u9fff]/.test(p.name.zh) && /[a-z]/i.test(p.name.en))).toBe(true);
    expect(new Set(shop.orders.map((o) => o.status))).toEqual(new Set(['unpaid', 'paid', 'shipped', 'delivered', 'completed', 'cancelled', 'refunding', 'refunded']));
    expect(shop.tracking.every((t) => t.events.length >= 3 && t.courier?.phone)).toBe(true);
  });
});

describe('demo provider', () => {
  it('cancels an unpaid order once, refuses a shipped one, and keeps state in the store', async () => {
    const store = createMemoryStore();
    const shop = createDemoCommerceProvider({ store, clock });
    expect((await shop.cancelOrder('default', 'O20261110', 'u1001')).status).toBe('cancelled');
    expect((await shop.cancelOrder('default', 'O20261110', 'u1001')).status).toBe('cancelled');
    await expect(shop.cancelOrder('default', 'O20261108', 'u1001')).rejects.toSatisfy((e) => isKefuError(e, 'KEFU_COMMERCE_REFUSED'));
    await expect(shop.cancelOrder('default', 'O20261110', 'u1002')).rejects.toSatisfy((e) => isKefuError(e, 'KEFU_NOT_FOUND'));
    const again = createDemoCommerceProvider({ store, clock });
    expect((await again.getOrder('default', 'O20261110'))?.status).toBe('cancelled');
    expect((await again.getOrder('other-tenant', 'O20261110'))?.status).toBe('unpaid');
  });

  it('claims a coupon idempotently and applies promotions and the best coupon to a quote', async () => {
    const shop = createDemoCommerceProvider({ store: createMemoryStore(), clock });
    await shop.claimCoupon('default', 'u1003', 'C-NEW20');
    await shop.claimCoupon('default', 'u1003', 'C-NEW20');
    expect((await shop.availableCoupons('default', 'u1003')).some((c) => c.id === 'C-NEW20')).toBe(false);
    const q = await shop.quote('default', 'he-003', 'u1003'); // ¥2499 headphones: 10 % off, ¥200 off, ¥20 coupon
    expect(q.price).toBe(249_900);
    expect(q.discounts.map((d) => d.amount)).toEqual([24_990, 20_000, 2_000]);
    expect(q.final).toBe(249_900 - 24_990 - 20_000 - 2_000);
    expect(q.gifts).toEqual([{ zh: '耳机收纳包', en: 'Carrying case' }]);
  });

  it('finds products by text in either language, brand and price band', async () => {
    const shop = createDemoCommerceProvider({ store: createMemoryStore(), clock });
    expect((await shop.searchProducts('default', { text: '耳机' })).every((p) => p.category === 'headphones')).toBe(true);
    expect((await shop.searchProducts('default', { text: 'headphones', brand: 'sony' })).map((p) => p.id)).toEqual(['he-003', 'he-004']);
    expect((await shop.searchProducts('default', { text: 'WH-1000XM5' })).map((p) => p.id)).toEqual(['he-003']);
    expect((await shop.searchProducts('default', { category: 'phones', maxPrice: 300_000 })).every((p) => p.price <= 300_000)).toBe(true);
  });
});

describe('buying stage', () => {
  it.each([
    [[], 'consulted-not-ordered'],
    [[{ status: 'unpaid', createdAt: NOW }], 'ordered-not-paid'],
    [[{ status: 'unpaid', createdAt: NOW - 5000 }, { status: 'shipped', createdAt: NOW }], 'paid'],
    [[{ status: 'delivered', createdAt: NOW - 5000 }, { status: 'unpaid', createdAt: NOW }], 'ordered-not-paid'],
    [[{ status: 'cancelled', createdAt: NOW }], 'consulted-not-ordered'],
    [[{ status: 'delivered', createdAt: NOW - 86_400_000 }], 'after-sale'],
    [[{ status: 'completed', createdAt: NOW - 90 * 86_400_000 }], 'consulted-not-ordered'],
  ] as const)('%j → %s', (orders, stage) => {
    expect(classifyStage(orders as never, NOW)).toBe(stage);
  });
});

describe('HTTP provider against a fake merchant server', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => {
    server?.closeAllConnections();
    return server ? server.close(() => r()) : r();
  }));

  async function merchant(handler: (req: { method: string; url: string; headers: Record<string, string | string[] | undefined>; body: string }) => { status: number; body?: string; delayMs?: number }) {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const answer = handler({ method: req.method!, url: req.url!, headers: req.headers, body });
        setTimeout(() => {
          if (res.destroyed) return;
          res.writeHead(answer.status, { 'content-type': 'application/json' });
          res.end(answer.body ?? '');
        }, answer.delayMs ?? 0);
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/kefu`;
  }

  it('signs requests and reads the documented answers', async () => {
    const seen: string[] = [];
    const demo = buildDemoShop(NOW);
    const base = await merchant(({ method, url, headers, body }) => {
      const expected = signCommerceRequest('s3cret', String(headers['x-kefu-timestamp']), method, url, body);
      if (headers['x-kefu-signature'] !== expected) return { status: 401, body: '{"message":"bad signature"}' };
      seen.push(`${method} ${url} tenant=${headers['x-kefu-tenant']}`);
      if (url === '/kefu/orders/O20261108') return { status: 200, body: JSON.stringify(demo.orders.find((o) => o.id === 'O20261108')) };
      if (url === '/kefu/orders/missing') return { status: 404, body: '{"message":"no such order"}' };
      if (url === '/kefu/orders/O20261110/cancel') return { status: 200, body: JSON.stringify({ ...demo.orders.find((o) => o.id === 'O20261110'), status: 'cancelled' }) };
      if (url.startsWith('/kefu/products?')) return { status: 200, body: JSON.stringify(demo.products.slice(0, 2)) };
      return { status: 404, body: '{}' };
    });
    const provider = createHttpCommerceProvider({ baseUrl: base, secret: 's3cret' });
    expect((await provider.getOrder('shop-a', 'O20261108'))?.status).toBe('shipped');
    expect(await provider.getOrder('shop-a', 'missing')).toBeUndefined();
    expect((await provider.cancelOrder('shop-a', 'O20261110', 'u1001')).status).toBe('cancelled');
    expect((await provider.searchProducts('shop-a', { text: '耳机', limit: 2 })).length).toBe(2);
    expect(seen).toEqual([
      'GET /kefu/orders/O20261108 tenant=shop-a',
      'GET /kefu/orders/missing tenant=shop-a',
      'POST /kefu/orders/O20261110/cancel tenant=shop-a',
      `GET /kefu/products?text=${encodeURIComponent('耳机')}&limit=2 tenant=shop-a`,
    ]);
  });

  it('refuses with the merchant message on 409', async () => {
    const base = await merchant(() => ({ status: 409, body: '{"message":"already shipped"}' }));
    const provider = createHttpCommerceProvider({ baseUrl: base, secret: 's' });
    await expect(provider.cancelOrder('t', 'o', 'c')).rejects.toSatisfy((e) => isKefuError(e, 'KEFU_COMMERCE_REFUSED') && (e as Error).message === 'already shipped');
  });

  it('times out a slow merchant, retries, and reports it unavailable', async () => {
    let calls = 0;
    const base = await merchant(() => {
      calls++;
      return { status: 200, body: '[]', delayMs: 500 };
    });
    const provider = createHttpCommerceProvider({ baseUrl: base, secret: 's', timeoutMs: 50, retries: 1 });
    await expect(provider.listOrders('t', 'u1')).rejects.toSatisfy((e) => isKefuError(e, 'KEFU_COMMERCE_UNAVAILABLE'));
    expect(calls).toBe(2);
  });

  it('opens the circuit after repeated failures and answers at once while open', async () => {
    let calls = 0;
    const base = await merchant(() => {
      calls++;
      return { status: 503 };
    });
    const provider = createHttpCommerceProvider({ baseUrl: base, secret: 's', retries: 0, breakerThreshold: 3, breakerCooldownMs: 60_000 });
    for (let i = 0; i < 3; i++) await expect(provider.listOrders('t', 'u1')).rejects.toSatisfy((e) => isKefuError(e, 'KEFU_COMMERCE_UNAVAILABLE'));
    expect(provider.circuit).toBe('open');
    await expect(provider.listOrders('t', 'u1')).rejects.toSatisfy((e) => isKefuError(e, 'KEFU_COMMERCE_UNAVAILABLE') && /circuit/.test((e as Error).message));
    expect(calls).toBe(3);
  });

  it('refuses a server that is down (connection refused)', async () => {
    const provider = createHttpCommerceProvider({ baseUrl: 'http://127.0.0.1:9/kefu', secret: 's', retries: 0, timeoutMs: 500 });
    await expect(provider.getOrder('t', 'x')).rejects.toSatisfy((e) => isKefuError(e, 'KEFU_COMMERCE_UNAVAILABLE'));
  });

  it.each([
    ['invalid JSON', '{not json'],
    ['an array for an object', '[]'],
    ['a string for an array', '"nope"'],
  ])('answers a malformed response (%s) with a coded error', async (_name, body) => {
    const base = await merchant(() => ({ status: 200, body }));
    const provider = createHttpCommerceProvider({ baseUrl: base, secret: 's' });
    const call = body === '"nope"' ? provider.listOrders('t', 'u') : provider.getOrder('t', 'o');
    await expect(call).rejects.toSatisfy((e) => isKefuError(e, 'KEFU_COMMERCE_BAD_RESPONSE'));
  });
});

describe('commerce plugin', () => {
  let app: KefuApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function boot() {
    const store = createMemoryStore();
    const adapter = createTestAdapter({ channel: 'web' });
    app = createApp({ store }).adapter(adapter).use(commercePlugin, { provider: createDemoCommerceProvider({ store }), webhookSecret: 'wh-secret' });
    await app.start();
    const route = app.httpRoutes.find((r) => r.path === '/webhooks/commerce')!;
    const post = (event: unknown, opts: { secret?: string; timestamp?: number; raw?: string } = {}) => {
      const body = opts.raw ?? JSON.stringify(event);
      const ts = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
      const req = new Request('http://localhost/webhooks/commerce', {
        method: 'POST',
        body,
        headers: { 'x-kefu-timestamp': ts, 'x-kefu-signature': signCommerceRequest(opts.secret ?? 'wh-secret', ts, 'POST', '/webhooks/commerce', body) },
      });
      return route.handler(req, { params: {}, tenantId: 'default' });
    };
    return { app, adapter, store, post };
  }

  it('classifies a new conversation of a known customer and provides the service with a profile', async () => {
    const { adapter, app } = await boot();
    const r = await adapter.inject({ from: 'v1', text: '在吗', sender: { identifiers: [{ kind: 'shopUserId', value: 'u1002' }] } });
    expect((await app.conversations.get(r.conversation.id)).attributes.stage).toBe('ordered-not-paid');
    const profile = await app.services.commerce.profile(r.contact);
    expect(profile?.customer.name).toBe('李娜');
    expect(profile?.stats.orderCount).toBe(2);
    const anon = await adapter.inject({ from: 'v2', text: 'hi' });
    expect((await app.conversations.get(anon.conversation.id)).attributes.stage).toBe('consulted-not-ordered');
  });

  it('links a signed order event to the customer\'s open conversation, once', async () => {
    const { adapter, app, post } = await boot();
    const r = await adapter.inject({ from: 'v1', text: 'hi', sender: { identifiers: [{ kind: 'shopUserId', value: 'u1005' }] } });
    const linked: string[] = [];
    app.on('commerce.event', ({ event, conversations }) => void linked.push(`${event.type}:${conversations.length}`));
    const event: CommerceEvent = { id: 'evt-1', type: 'order.created', order: { id: 'O-NEW', customerId: 'u1005', status: 'unpaid', total: 9900 } };
    const first = await post(event);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ ok: true, linked: 1 });
    expect(await (await post(event)).json()).toEqual({ ok: true, duplicate: true });
    expect(linked).toEqual(['order.created:1']);
    const c = await app.conversations.get(r.conversation.id);
    expect(c.attributes).toMatchObject({ stage: 'ordered-not-paid', lastOrderEvent: { type: 'order.created', orderId: 'O-NEW' } });
  });

  it.each([
    ['a wrong signature', { secret: 'guess' }, 401],
    ['a stale timestamp', { timestamp: Math.floor(Date.now() / 1000) - 3600 }, 401],
    ['malformed JSON', { raw: '{"id":' }, 400],
  ])('rejects %s and changes nothing', async (_name, opts, status) => {
    const { app, post, adapter } = await boot();
    const r = await adapter.inject({ from: 'v1', text: 'hi', sender: { identifiers: [{ kind: 'shopUserId', value: 'u1005' }] } });
    const res = await post({ id: 'evt-x', type: 'order.paid', order: { id: 'O1', customerId: 'u1005', status: 'paid', total: 1 } }, opts);
    expect(res.status).toBe(status);
    expect((await res.json()).error.code).toMatch(/^KEFU_/);
    expect((await app.conversations.get(r.conversation.id)).attributes.stage).toBe('consulted-not-ordered');
    expect(await app.store.kvGet('commerce-events', 'default:evt-x')).toBeUndefined();
  });

  it('rejects an unknown event type', async () => {
    const { post } = await boot();
    const res = await post({ id: 'e', type: 'order.exploded', order: { id: 'O1', customerId: 'u1', status: 'paid', total: 1 } });
    expect(res.status).toBe(400);
  });
});
