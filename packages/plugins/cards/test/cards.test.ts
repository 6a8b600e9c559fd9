import { type Card, type KefuApp, type Message, cardToText, createApp, createMemoryStore } from '@kefu/core';
import { buildDemoShop, commercePlugin, createDemoCommerceProvider } from '@kefu/plugin-commerce';
import { FakeClock, createTestAdapter } from '@kefu/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { cardsPlugin, choicesCard, couponCard, createProfileRecommender, logisticsCard, manualCard, orderCard, productCard, productListCard, promotionCard, refundListCard, signAction, verifyAction } from '../src/index.js';

const SECRET = 'test-secret-0123456789';
const NOW = Date.UTC(2026, 10, 11, 2);
const shop = buildDemoShop(NOW);
const product = shop.products.find((p) => p.id === 'he-003')!;
const order = (id: string) => shop.orders.find((o) => o.id === id)!;

describe('card builders', () => {
  const all: Array<[string, Card]> = [
    ['product', productCard(product, 'zh')],
    ['product_list', productListCard(shop.products.slice(0, 3), 'en', 'brands: sony')],
    ['order (unpaid)', orderCard(order('O20261110'), 'zh', { payUrl: '/shop/checkout.html?order=O20261110' })],
    ['order (shipped)', orderCard(order('O20261108'), 'en')],
    ['refund list', refundListCard([order('O20261101'), order('O20261108')], 'zh')],
    ['logistics', logisticsCard(shop.tracking[0]!, 'zh')],
    ['coupon', couponCard(shop.coupons[0]!, 'en')],
    ['promotion', promotionCard(product, { productId: product.id, price: product.price, final: 200_000, discounts: [{ title: { zh: '立减', en: 'Off' }, amount: 49_900 }], gifts: [{ zh: '收纳包', en: 'Case' }] }, 'zh')],
    ['manual (known model)', manualCard(product, 'en', 'WH-1000XM5')],
    ['choices', choicesCard('尺码?', ['S', 'M', 'L'])],
  ];
  it.each(all)('%s has a title and a readable text fallback', (_name, card) => {
    expect(card.title.length).toBeGreaterThan(0);
    const text = cardToText(card);
    expect(text.split('\n').length).toBeGreaterThan(1);
    (card.actions ?? []).forEach((a, i) => expect(text).toContain(`${i + 1}. ${a.label}`));
  });

  it('offers actions that follow the order status', () => {
    const ids = (id: string) => orderCard(order(id), 'en', { payUrl: '/pay' }).actions!.map((a) => a.id);
    expect(ids('O20261110')).toEqual(['order.pay', 'order.cancel', 'agent.ask']);
    expect(ids('O20261109')).toEqual(['order.cancel', 'order.refund', 'agent.ask']);
    expect(ids('O20261108')).toEqual(['order.track', 'order.refund', 'agent.ask']);
    expect(ids('O20261105')).toEqual(['agent.ask']);
  });

  it('asks for the model when the product comes in several and none is known', () => {
    const multi = { ...product, manual: [{ model: 'A', title: 'A', steps: ['x'] }, { model: 'B', title: 'B', steps: ['y'] }] };
    const card = manualCard(multi, 'zh');
    expect(card.kind).toBe('choices');
    expect(card.actions!.map((a) => a.label)).toEqual(['A', 'B']);
    expect(manualCard(multi, 'zh', 'B').text).toContain('1. y');
  });
});

describe('action tokens', () => {
  const claims = { c: 'conv-1', k: 'contact-1', a: 'order.cancel', r: 'O1', e: NOW + 1000 };
  it('verifies a good token bound to its conversation and contact', () => {
    expect(verifyAction(SECRET, signAction(SECRET, claims), { conversationId: 'conv-1', contactId: 'contact-1', now: NOW })).toMatchObject(claims);
  });
  it.each([
    ['forged signature', () => signAction('another-secret-123456', claims), {}, 'KEFU_CARD_ACTION_INVALID'],
    ['tampered claims', () => { const [, sig] = signAction(SECRET, claims).split('.'); return `${Buffer.from(JSON.stringify({ ...claims, r: 'O2' })).toString('base64url')}.${sig}`; }, {}, 'KEFU_CARD_ACTION_INVALID'],
    ['expired', () => signAction(SECRET, { ...claims, e: NOW - 1 }), {}, 'KEFU_CARD_ACTION_EXPIRED'],
    ['another customer', () => signAction(SECRET, claims), { contactId: 'contact-2' }, 'KEFU_CARD_ACTION_INVALID'],
    ['another conversation', () => signAction(SECRET, claims), { conversationId: 'conv-9' }, 'KEFU_CARD_ACTION_INVALID'],
    ['garbage', () => 'not-a-token', {}, 'KEFU_CARD_ACTION_INVALID'],
  ])('refuses a %s token', (_n, make, expected, code) => {
    expect(() => verifyAction(SECRET, make(), { ...expected, now: NOW })).toThrow(expect.objectContaining({ code }));
  });
});

describe('cards plugin', () => {
  let app: KefuApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function boot(channel = 'web', capabilities: { cards?: boolean } = { cards: true }) {
    const clock = new FakeClock(NOW);
    const store = createMemoryStore({ clock });
    const adapter = createTestAdapter({ channel, capabilities });
    app = createApp({ store, clock }).adapter(adapter).use(commercePlugin, { provider: createDemoCommerceProvider({ store, clock }) }).use(cardsPlugin, { secret: SECRET });
    await app.start();
    return { app, adapter, store, clock };
  }
  const lastCard = (adapter: ReturnType<typeof createTestAdapter>) => {
    const sent = adapter.sent.at(-1)!.outbound;
    return { message: sent.message, card: (sent.message.parts.find((p) => p.type === 'card') as { card: Card }).card };
  };
  const press = (adapter: ReturnType<typeof createTestAdapter>, from: string, message: Message, actionId: string, extra: object = {}) => {
    const card = (message.parts.find((p) => p.type === 'card') as { card: Card }).card;
    const action = card.actions!.find((a) => a.id === actionId)!;
    return adapter.inject({ from, parts: [{ type: 'action', actionId, token: action.value!, cardMessageId: message.id }], sender: { identifiers: [{ kind: 'shopUserId', value: 'u1001' }] }, ...extra });
  };

  it('pops a product card with the final price when a conversation opens on a product page', async () => {
    const { adapter, app } = await boot();
    await adapter.inject({ from: 'v1', text: '你好', entry: { pageType: 'product', productId: 'he-003', locale: 'zh-CN' } });
    await app.idle();
    const { card } = lastCard(adapter);
    expect(card).toMatchObject({ kind: 'product', title: product.name.zh, data: { productId: 'he-003' } });
    expect(card.fields!.map((f) => f.label)).toEqual(['价格', '到手价']);
  });

  it('shows the customer\'s own order when the conversation opens on an order page, and cancels it with the button', async () => {
    const { adapter, app } = await boot();
    await adapter.inject({ from: 'v1', text: 'hi', entry: { pageType: 'order', orderId: 'O20261110', locale: 'en' }, sender: { identifiers: [{ kind: 'shopUserId', value: 'u1001' }] } });
    await app.idle();
    const { message, card } = lastCard(adapter);
    expect(card).toMatchObject({ kind: 'order', data: { orderId: 'O20261110', status: 'unpaid' } });
    await press(adapter, 'v1', message, 'order.cancel');
    await app.idle();
    const updated = lastCard(adapter);
    expect(updated.card.data).toMatchObject({ status: 'cancelled' });
    expect(updated.message.meta).toMatchObject({ replaces: message.id });
    expect((await app.services.commerce.getOrder('default', 'O20261110'))?.status).toBe('cancelled');
  });

  it('refuses a replayed button and says so, changing nothing', async () => {
    const { adapter, app } = await boot();
    await adapter.inject({ from: 'v1', text: 'hi', entry: { pageType: 'order', orderId: 'O20261110' }, sender: { identifiers: [{ kind: 'shopUserId', value: 'u1001' }] } });
    await app.idle();
    const { message } = lastCard(adapter);
    await press(adapter, 'v1', message, 'order.cancel');
    await app.idle();
    const count = adapter.sent.length;
    await press(adapter, 'v1', message, 'order.cancel');
    await app.idle();
    expect(adapter.sent.length).toBe(count + 1);
    expect(adapter.sent.at(-1)!.outbound.text).toBe('这个操作已经处理过了。');
  });

  it('refuses a button pressed by another customer, and an expired one', async () => {
    const { adapter, app, clock } = await boot();
    await adapter.inject({ from: 'v1', text: 'hi', entry: { pageType: 'order', orderId: 'O20261110' }, sender: { identifiers: [{ kind: 'shopUserId', value: 'u1001' }] } });
    await app.idle();
    const { message } = lastCard(adapter);
    // Another visitor replays the token in their own conversation.
    await press(adapter, 'intruder', message, 'order.cancel', { sender: {} });
    await app.idle();
    expect(adapter.sent.at(-1)!.outbound.text).toBe('这个按钮已失效，请重新获取。');
    await clock.advance(8 * 86_400_000);
    await press(adapter, 'v1', message, 'order.cancel');
    await app.idle();
    expect(adapter.sent.at(-1)!.outbound.text).toBe('这个按钮已过期，请重新获取。');
    expect((await app.services.commerce.getOrder('default', 'O20261110'))?.status).toBe('unpaid');
  });

  it('hands off to a human from "ask an agent"', async () => {
    const { adapter, app } = await boot();
    await adapter.inject({ from: 'v1', text: 'hi', entry: { pageType: 'order', orderId: 'O20261108' }, sender: { identifiers: [{ kind: 'shopUserId', value: 'u1001' }] } });
    await app.idle();
    const r = await press(adapter, 'v1', lastCard(adapter).message, 'agent.ask');
    expect(r.conversation.status).toBe('queued');
    expect(r.conversation.attributes.handoff).toMatchObject({ intent: 'human' });
  });

  it('maps a numbered reply on a text-only channel back to the card action', async () => {
    const { adapter, app } = await boot('sms', {});
    const r = await adapter.inject({ from: '+8613800001001', text: 'hi', sender: { identifiers: [{ kind: 'shopUserId', value: 'u1001' }] } });
    await app.services.cards.send(r.conversation.id, orderCard(order('O20261108'), 'zh'));
    await app.idle();
    expect(adapter.sent.at(-1)!.outbound.text).toContain('1. 查看物流');
    await adapter.inject({ from: '+8613800001001', text: ' 1 ', sender: { identifiers: [{ kind: 'shopUserId', value: 'u1001' }] } });
    await app.idle();
    expect(adapter.sent.at(-1)!.outbound.text).toContain('顺丰速运');
    expect(adapter.sent.at(-1)!.outbound.text).toContain('陈师傅');
  });

  it('claims a coupon from its card', async () => {
    const { adapter, app } = await boot();
    const r = await adapter.inject({ from: 'v1', text: 'hi', sender: { identifiers: [{ kind: 'shopUserId', value: 'u1001' }] } });
    const sent = await app.services.cards.send(r.conversation.id, couponCard(shop.coupons[0]!, 'zh'), { author: { role: 'agent', id: 'a1' } });
    await app.idle();
    await press(adapter, 'v1', sent, 'coupon.claim');
    await app.idle();
    expect(lastCard(adapter).card).toMatchObject({ kind: 'coupon', data: { status: 'claimed' } });
    expect((await app.services.commerce.availableCoupons('default', 'u1001')).some((c) => c.id === shop.coupons[0]!.id)).toBe(false);
  });

  it('lets agents send cards and issue coupons only within their role', async () => {
    const { adapter, app } = await boot();
    const r = await adapter.inject({ from: 'v1', text: 'hi', sender: { identifiers: [{ kind: 'shopUserId', value: 'u1001' }] } });
    const route = app.httpRoutes.find((x) => x.path === '/api/v1/cards/send')!;
    const call = (body: object, role: 'agent' | 'supervisor' | 'admin' = 'agent') =>
      route.handler(new Request('http://x/api/v1/cards/send', { method: 'POST', body: JSON.stringify(body) }), { params: {}, tenantId: 'default', agent: { id: 'a1', tenantId: 'default', role, name: 'A' } });
    expect((await call({ conversationId: r.conversation.id, kind: 'coupon', ref: 'C-NEW20' })).status).toBe(200);
    const refused = await call({ conversationId: r.conversation.id, kind: 'coupon', ref: 'C-SORRY50' });
    expect(refused.status).toBe(403);
    expect((await refused.json()).error.code).toBe('KEFU_CARD_COUPON_NOT_ALLOWED');
    expect((await call({ conversationId: r.conversation.id, kind: 'coupon', ref: 'C-SORRY50' }, 'supervisor')).status).toBe(200);
    expect((await call({ conversationId: r.conversation.id, kind: 'order', ref: 'O20261102' })).status).toBe(404); // someone else's order
    expect((await call({ conversationId: r.conversation.id, kind: 'nonsense' })).status).toBe(400);
    expect((await call({ conversationId: r.conversation.id, kind: 'recommend', query: '耳机' })).status).toBe(200);
  });

  it('runs an email action link once', async () => {
    const { adapter, app } = await boot();
    const r = await adapter.inject({ from: 'v1', text: 'hi', sender: { identifiers: [{ kind: 'shopUserId', value: 'u1001' }] } });
    const signed = app.services.cards.sign(orderCard(order('O20261110'), 'zh'), r.conversation);
    const token = signed.actions!.find((a) => a.id === 'order.cancel')!.value!;
    const route = app.httpRoutes.find((x) => x.path === '/cards/action')!;
    const open = () => route.handler(new Request(`http://x${app.services.cards.actionUrl(token)}`), { params: {}, tenantId: 'default' });
    expect((await open()).status).toBe(200);
    expect((await open()).status).toBe(409);
    expect((await route.handler(new Request('http://x/cards/action?t=forged.token'), { params: {}, tenantId: 'default' })).status).toBe(400);
    expect((await app.services.commerce.getOrder('default', 'O20261110'))?.status).toBe('cancelled');
  });
});

describe('recommender', () => {
  it('answers the same question differently for two profiles', async () => {
    const provider = createDemoCommerceProvider({ store: createMemoryStore() });
    const rec = createProfileRecommender(provider);
    const base = { id: 'c', tenantId: 'default', name: 'x', identities: [], tier: 'normal', attributes: {}, createdAt: 0, updatedAt: 0 };
    const appleFan = { ...base, identifiers: [{ kind: 'shopUserId', value: 'u1001' }], tags: ['brand:apple', 'price:high'] };
    const budget = { ...base, identifiers: [], tags: ['brand:edifier', 'price:low'] };
    const a = await rec.recommend({ tenantId: 'default', contact: appleFan, query: '推荐个耳机' });
    const b = await rec.recommend({ tenantId: 'default', contact: budget, query: 'recommend headphones' });
    expect(a.products.every((p) => p.category === 'headphones')).toBe(true);
    expect(a.products[0]!.brand).toBe('Apple');
    expect(b.products[0]!.brand).toBe('Edifier');
    expect(a.products.map((p) => p.id)).not.toEqual(b.products.map((p) => p.id));
  });

  it('mixes price bands when asked', async () => {
    const rec = createProfileRecommender(createDemoCommerceProvider({ store: createMemoryStore() }));
    const contact = { id: 'c', tenantId: 'default', identities: [], identifiers: [], tier: 'normal', tags: [], attributes: {}, createdAt: 0, updatedAt: 0 };
    const { products } = await rec.recommend({ tenantId: 'default', contact, category: 'phones', priceMix: { low: 1, mid: 1, high: 1 } });
    const prices = products.map((p) => p.price);
    expect(products.length).toBe(3);
    expect(new Set(prices).size).toBe(3);
    expect(Math.max(...prices)).toBeGreaterThan(Math.min(...prices) * 2);
  });
});
