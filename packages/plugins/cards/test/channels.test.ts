import { renderMail } from '@kefu/adapter-email';
import { renderSms } from '@kefu/adapter-phone';
import { planCard } from '@kefu/adapter-wechat';
import { type Card, renderForCapabilities } from '@kefu/core';
import { buildDemoShop } from '@kefu/plugin-commerce';
import { describe, expect, it } from 'vitest';
import { choicesCard, couponCard, logisticsCard, manualCard, orderCard, productCard, productListCard, promotionCard, refundListCard } from '../src/index.js';

// One rendering test per card kind per channel: each kind is pushed through each channel's real
// renderer and must keep its title and every action in a form the channel can answer.
const shop = buildDemoShop(Date.UTC(2026, 10, 11));
const product = shop.products.find((p) => p.id === 'he-003')!;
const quote = { productId: product.id, price: product.price, final: 200_000, discounts: [{ title: { zh: '立减', en: 'Off' }, amount: 49_900 }], gifts: [] };
const kinds: Array<[string, Card, 'menu' | 'news' | 'text']> = [
  ['product', productCard(product, 'zh', quote), 'menu'],
  ['product_list', productListCard(shop.products.slice(8, 11), 'zh', 'brands: apple'), 'text'],
  ['order', orderCard(shop.orders.find((o) => o.id === 'O20261110')!, 'zh', { payUrl: 'https://shop.example.com/pay' }), 'menu'],
  ['refunds', refundListCard(shop.orders.filter((o) => o.customerId === 'u1001').slice(0, 2), 'en'), 'text'],
  ['logistics', logisticsCard(shop.tracking[0]!, 'zh'), 'menu'],
  ['coupon', couponCard(shop.coupons[0]!, 'en'), 'menu'],
  ['promotion', promotionCard(product, quote, 'zh'), 'news'],
  ['manual', manualCard(product, 'en', 'WH-1000XM5'), 'news'],
  ['choices', choicesCard('尺码？', ['S', 'M', 'L']), 'menu'],
];
// Postback values stand in for signed tokens here.
const signed = (card: Card): Card => ({ ...card, actions: card.actions?.map((a) => (a.type === 'postback' ? { ...a, value: `token-${a.id}` } : a)) });

describe.each(kinds)('%s card', (_kind, raw, wechatType) => {
  const card = signed(raw);
  const part = { type: 'card' as const, card };

  it('web widget: sent as a rich card, untouched', () => {
    expect(renderForCapabilities([part], { text: true, images: true, cards: true })).toEqual([part]);
  });

  it(`WeChat: rendered as ${wechatType}`, () => {
    const plan = planCard(card);
    expect(plan.type).toBe(wechatType);
    if (plan.type === 'menu') {
      expect(plan.head).toContain(card.title);
      const clicks = plan.items.filter((i) => i.kind === 'click').map((i) => (i.kind === 'click' ? i.action.id : ''));
      expect(clicks).toEqual((card.actions ?? []).filter((a) => a.type !== 'link').map((a) => a.id));
    } else if (plan.type === 'news') {
      expect(plan.title).toBe(card.title);
      expect(plan.url).toMatch(/^(https?:|\/|data:)/);
    } else {
      expect(plan.text).toContain(card.title);
    }
  });

  it('email: HTML with buttons as signed links, and a plain-text part', async () => {
    const mail = await renderMail([part], { messageId: 'm1', mailbox: 'support@shop.example.com', subject: 'Your order', signActionUrl: (_id, action) => `https://kefu.example.com/cards/action?t=${action.value}` });
    expect(mail.text).toContain(card.title);
    expect(mail.html).toContain(card.title.replace(/&/g, '&amp;'));
    for (const a of card.actions ?? []) {
      if (a.type === 'postback') expect(mail.html).toContain(`/cards/action?t=${a.value}`);
      expect(mail.html).toContain(a.label.replace(/&/g, '&amp;'));
    }
    expect(mail.html).not.toMatch(/<script/i);
  });

  it('SMS and voice: text with numbered choices', () => {
    const sms = renderSms({ id: 'm1', parts: [part] });
    expect(sms.body).toContain(card.title);
    for (const a of card.actions ?? []) {
      const choice = sms.choices.find((c) => c.actionId === a.id && c.label === a.label);
      expect(choice, `choice for ${a.id}`).toBeDefined();
      expect(sms.body).toContain(`${choice!.n}`);
      expect(sms.body).toContain(a.label);
    }
    const textOnly = renderForCapabilities([part], { text: true });
    expect(textOnly[0]).toMatchObject({ type: 'text' });
    (card.actions ?? []).forEach((a, i) => expect((textOnly[0] as { text: string }).text).toContain(`${i + 1}. ${a.label}`));
  });
});
