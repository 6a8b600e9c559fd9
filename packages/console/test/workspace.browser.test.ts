/**
 * Issues 4 and 5 end to end: a real @kefu/server with the web adapter, commerce, cards and
 * workspace plugins; agents in Chromium, shoppers over the widget WebSocket protocol from Node
 * (the same frames the widget sends), a test adapter standing in for SMS.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { type Card, type KefuApp, type Message, createApp, createMemoryStore } from '@kefu/core';
import { createWebAdapter, signIdentityToken } from '@kefu/adapter-web';
import { cardsPlugin, productListCard } from '@kefu/plugin-cards';
import { commercePlugin, createDemoCommerceProvider } from '@kefu/plugin-commerce';
import { workspacePlugin } from '@kefu/plugin-workspace';
import { type KefuServer, createServer } from '@kefu/server';
import { type TestAdapter, createTestAdapter } from '@kefu/testing';
import type { Browser, Page } from 'playwright-core';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildConsole } from '../src/index.js';
import { launchChromium } from './harness.js';

const SECRET = 'widget-identity-secret-for-tests';
const PASSWORD = 'kefu-demo-pass';
// Screenshots go to docs/ only when asked, so a test run leaves the repository unchanged.
const SHOTS = process.env.UPDATE_SCREENSHOTS ? fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url)) : undefined;

let browser: Browser | undefined;
let app: KefuApp;
let server: KefuServer;
let sms: TestAdapter;
let url: string;
let dir: string;
let shopDir: string;
const sockets: WebSocket[] = [];

/** A shopper speaking the widget protocol. */
async function shopper(visitor: string, claims: { uid: string; name: string; tier?: string; tags?: string[] } | undefined, entry: Record<string, string>) {
  const token = claims ? signIdentityToken({ ...claims, exp: Math.floor(Date.now() / 1000) + 3600 }, SECRET) : undefined;
  const ws = new WebSocket(`${url.replace('http', 'ws')}/ws/web?tenant=default&visitor=${visitor}${token ? `&token=${token}` : ''}`, { headers: { origin: url } });
  sockets.push(ws);
  const frames: any[] = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (data) => {
    frames.push(JSON.parse(String(data)));
    for (const w of waiters.splice(0)) w();
  });
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  ws.send(JSON.stringify({ type: 'hello', visitorId: visitor, ...(token ? { token } : {}), entry }));
  const waitFor = async <T>(pick: (f: any) => T | undefined, what: string): Promise<T> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      for (const f of frames) {
        const v = pick(f);
        if (v !== undefined) return v;
      }
      if (Date.now() > deadline) throw new Error(`shopper ${visitor} never got ${what}: ${JSON.stringify(frames.slice(-3)).slice(0, 1500)}`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 200);
      });
    }
  };
  const cardOf = (f: any): { message: Message; card: Card } | undefined => {
    const card = f.type === 'message' ? f.message.parts.find((p: any) => p.type === 'card')?.card : undefined;
    return card ? { message: f.message, card } : undefined;
  };
  return {
    frames,
    say: async (text: string) => {
      const clientId = randomUUID();
      ws.send(JSON.stringify({ type: 'message', clientId, text }));
      return waitFor((f) => (f.type === 'ack' && f.clientId === clientId ? (f.conversationId as string) : undefined), `ack of "${text}"`);
    },
    press: (card: { message: Message; card: Card }, actionId: string) => {
      const action = [card.card, ...(card.card.items ?? [])].flatMap((c) => c.actions ?? []).find((a) => a.id === actionId);
      if (!action?.value) throw new Error(`no action ${actionId} on ${card.card.kind}`);
      ws.send(JSON.stringify({ type: 'action', clientId: randomUUID(), actionId, token: action.value, cardMessageId: card.message.id }));
    },
    message: (text: string) => waitFor((f) => (f.type === 'message' && f.message.text === text ? (f.message as Message) : undefined), `"${text}"`),
    card: (test: (card: Card, message: Message) => boolean, what: string) => waitFor((f) => { const c = cardOf(f); return c && test(c.card, c.message) ? c : undefined; }, what),
  };
}

async function signIn(email: string): Promise<Page> {
  const page = await browser!.newPage({ locale: 'en-US', viewport: { width: 1440, height: 900 } });
  await page.goto(`${url}/console/`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.conn-live').waitFor();
  return page;
}

beforeAll(async () => {
  browser = await launchChromium();
  if (!browser) return;
  dir = mkdtempSync(join(tmpdir(), 'kefu-ws-console-'));
  const consoleDir = await buildConsole({ outDir: dir, force: true, minify: false });
  shopDir = join(dir, 'shop-pages');
  mkdirSync(shopDir);
  const store = createMemoryStore();
  app = createApp({
    store,
    router: {
      dedicated: false,
      rules: [
        // A VIP at checkout goes to someone who can offer a coupon first; product pages to sales.
        { name: 'vip-checkout', match: { tier: 'vip', pageType: 'checkout' }, target: { skills: ['coupon'], minSkillLevel: 3 }, priority: 10 },
        { name: 'product-page', match: { pageType: 'product' }, target: { skills: ['sales'] } },
      ],
    },
  });
  sms = createTestAdapter({ channel: 'sms' });
  app.adapter(createWebAdapter({ identitySecret: SECRET, heartbeatMs: 0 })).adapter(sms);
  app.use(commercePlugin, { provider: createDemoCommerceProvider({ store, clock: app.clock }) });
  app.use(cardsPlugin, { secret: 'cards-secret-for-browser-tests' });
  app.use(workspacePlugin);
  // Recommendations: a tiny middleware over the cards plugin's recommender (the bot's recommend
  // intent needs a BotCommerce source the demo provider does not have).
  // A stand-in for the bot's handoff: "转人工：…" hands over with an intent and a summary.
  app.route(async (ctx, next) => {
    const asked = /^转人工[：:](.+)$/.exec(ctx.message.text);
    if (asked) ctx.handoff({ reason: 'customer asked for a person', intent: 'product_question', summary: `Asked about noise cancelling: ${asked[1]}` });
    await next();
  });
  app.route(async (ctx, next) => {
    if (/推荐|recommend/i.test(ctx.message.text)) {
      const { products, reason } = await app.services.cards.recommender.recommend({ tenantId: ctx.conversation.tenantId, contact: ctx.contact, query: ctx.message.text });
      await app.services.cards.send(ctx.conversation.id, productListCard(products, app.services.cards.localeOf(ctx.conversation), reason));
      ctx.claim('recommend');
    }
    await next();
  });
  server = createServer({ app, port: 0, jwtSecret: 'console-test-secret-long-enough', logger: pino({ level: 'silent' }), scrypt: { N: 1024, r: 8, p: 1 }, static: [{ prefix: '/console', dir: consoleDir }, { prefix: '/shop', dir: shopDir }] });
  ({ url } = await server.start());
  for (const a of [
    { id: 'ann', name: 'Ann Coupon', email: 'ann@shop.example', skills: { coupon: 4 } },
    { id: 'ben', name: 'Ben Sales', email: 'ben@shop.example', skills: { sales: 3 } },
    { id: 'sue', name: 'Sue Lead', email: 'sue@shop.example', skills: {}, role: 'supervisor' },
  ] as Array<{ id: string; name: string; email: string; skills: Record<string, number>; role?: 'supervisor' }>) {
    await app.agents.upsert({ role: 'agent', ...a, teams: [], languages: ['zh', 'en'], capacity: 5 });
    await server.agentsAuth.setPassword('default', a.id, PASSWORD);
  }
});

afterAll(async () => {
  for (const s of sockets) s.terminate();
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('workspace in Chromium', () => {
  it('issue 4: rules pick the agent, a transfer with a note, the merged cross-channel history', async (ctx) => {
    if (!browser) return ctx.skip();
    // The VIP shopper texted before over SMS, verified as the same shop user.
    const before = await sms.inject({ from: '+8613800001001', text: '短信问过：发票怎么开', sender: { identifiers: [{ kind: 'shopUserId', value: 'u1001' }] } });
    await app.conversations.close(before.conversation.id);

    // The team library has a reply with variables (created through the workspace API).
    const sueToken = await server.agentsAuth.issueToken((await app.agents.list()).find((a) => a.id === 'sue')!);
    const created = await fetch(`${url}/api/v1/workspace/quick-replies`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sueToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ scope: 'team', shortcut: 'coupon', title: 'Coupon at checkout', text: '您好 {customer.name}，我是 {agent.name}，结账时可以用券。' }),
    });
    expect(created.status).toBe(200);

    const ann = await signIn('ann@shop.example');
    const ben = await signIn('ben@shop.example');
    await expect.poll(async () => (await app.agents.list()).filter((a) => a.presence === 'online').length).toBe(2);

    const vip = await shopper('visitor-vip', { uid: 'u1001', name: '王小明', tier: 'vip' }, { pageType: 'checkout', url: `${url}/shop/checkout`, title: 'Checkout' });
    const vipConversation = await vip.say('结账的时候能用券吗？');
    const normal = await shopper('visitor-normal', undefined, { pageType: 'product', productId: 'he-001', url: `${url}/shop/p/he-001`, title: 'Headphones' });
    const normalConversation = await normal.say('转人工：这款耳机降噪怎么样？');

    await expect.poll(async () => (await app.conversations.get(vipConversation)).assigneeId).toBe('ann');
    await expect.poll(async () => (await app.conversations.get(normalConversation)).assigneeId).toBe('ben');
    expect(((await app.conversations.get(vipConversation)).attributes.routing as any).rule).toBe('vip-checkout');
    // The verified shop user id merged the SMS contact and the widget contact.
    const contact = await app.contacts.get((await app.conversations.get(vipConversation)).contactId);
    expect(contact.identities.map((i) => i.channel).sort()).toEqual(['sms', 'web']);

    // Ann sees the VIP in Mine, opens it and transfers to Ben with a note.
    await ann.getByRole('tab', { name: /Mine/ }).click();
    await ann.getByRole('button', { name: /王小明/ }).first().click();
    await ann.getByRole('log', { name: 'Messages' }).getByText('结账的时候能用券吗？').waitFor();
    await ann.locator('.routing').getByText('vip-checkout', { exact: true }).waitFor();
    await ann.getByRole('button', { name: 'Transfer' }).click();
    await ann.getByRole('dialog').locator('label', { hasText: 'Ben Sales' }).click();
    await ann.getByRole('dialog').getByRole('textbox').fill('VIP, wants a coupon at checkout');
    await ann.getByRole('dialog').getByRole('button', { name: 'Transfer' }).click();
    await expect.poll(async () => (await app.conversations.get(vipConversation)).assigneeId).toBe('ben');
    const notes = (await app.store.listMessages(vipConversation)).filter((m) => m.direction === 'internal');
    expect(notes.map((m) => m.text).join('\n')).toContain('VIP, wants a coupon at checkout');
    // Internal notes never reach the customer.
    expect(vip.frames.filter((f) => f.type === 'message' && f.message.direction === 'internal')).toEqual([]);

    // Ben gets it, with the note and the customer's earlier SMS conversation in the panel.
    await ben.getByRole('tab', { name: /Mine/ }).click();
    await ben.getByRole('button', { name: /王小明/ }).first().click();
    await ben.getByRole('log', { name: 'Messages' }).getByText('VIP, wants a coupon at checkout').waitFor();
    const panel = ben.locator('aside.customer');
    await panel.locator('.previous').getByText('短信问过：发票怎么开').waitFor();
    await panel.locator('.identities').getByText('+8613800001001').waitFor();

    // A business tag from the panel.
    await panel.getByLabel('Add tag').selectOption('biz');
    await panel.getByRole('textbox', { name: 'New tag' }).fill('wants-coupon');
    await panel.getByRole('button', { name: 'Add tag' }).click();
    await panel.locator('.tag-biz').getByText('wants-coupon').waitFor();
    expect((await app.contacts.get(contact.id)).tags).toContain('biz:wants-coupon');

    // "/" finds the team reply; Enter inserts it with the variables filled, Enter sends it.
    const composer = ben.getByRole('textbox', { name: 'Reply' });
    await composer.click();
    await composer.pressSequentially('/coup');
    await ben.locator('.qr-menu').getByText('/coupon').waitFor();
    await composer.press('Enter');
    await expect.poll(() => composer.inputValue()).toBe('您好 王小明，我是 Ben Sales，结账时可以用券。');
    await ben.screenshot({ path: join(SHOTS ?? dir, 'console-workspace-360.png') });
    await composer.press('Enter');
    expect((await vip.message('您好 王小明，我是 Ben Sales，结账时可以用券。')).author.name).toBe('Ben Sales');
    // The earlier transcript opens from the panel.
    await panel.locator('.previous').getByText('短信问过：发票怎么开').click();
    await ben.getByRole('log', { name: 'Messages' }).getByText('短信问过：发票怎么开').waitFor();
    // The other shopper came through the bot's handoff: its summary and intent head the conversation.
    await ben.getByRole('button', { name: /Visitor/ }).first().click();
    await ben.locator('.handoff').getByText('Intent: product_question').waitFor();
    await ben.locator('.handoff').getByText(/Asked about noise cancelling/).waitFor();

    // The supervisor sees every agent's load and each conversation's routing decision.
    const sue = await signIn('sue@shop.example');
    await sue.getByRole('button', { name: 'Supervisor' }).click();
    const benCard = sue.locator('.sup-card', { hasText: 'Ben Sales' });
    await benCard.getByText('2/5 chats').waitFor();
    await benCard.getByText(/Rule: product-page/).waitFor();
    await sue.screenshot({ path: join(SHOTS ?? dir, 'console-workspace-supervisor.png') });
    await ann.close();
    await ben.close();
    await sue.close();
  });

  it('issue 5 (real widget): product card, brand-following recommendation, cancel an unpaid order, a coupon from the console', async (ctx) => {
    if (!browser) return ctx.skip();
    // 李娜 (u1002, brand:xiaomi in the shop) opens the widget on a product page, signed in.
    const token = signIdentityToken({ uid: 'u1002', name: '李娜', tags: ['brand:xiaomi'], exp: Math.floor(Date.now() / 1000) + 3600 }, SECRET);
    writeFileSync(
      join(shopDir, 'he-006.html'),
      `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>Xiaomi Buds 5</title></head><body><h1>Xiaomi Buds 5</h1>
<script src="/widget.js" data-tenant="default" data-page-type="product" data-product-id="he-006" data-locale="zh-CN" data-token="${token}" async></script></body></html>`,
    );
    const shop = await browser!.newPage({ locale: 'zh-CN', viewport: { width: 1280, height: 860 } });
    const errors: string[] = [];
    shop.on('pageerror', (e) => errors.push(e.message));
    await shop.goto(`${url}/shop/he-006.html`);
    const widget = shop.locator('#kefu-widget');
    await widget.locator('button.launcher').click();
    const input = widget.locator('textarea');
    await input.fill('这个有现货吗');
    await input.press('Enter');
    // The product card of the page the chat opened from.
    const product = await app.services.commerce.getProduct('default', 'he-006');
    await widget.locator('.card h3', { hasText: product!.name.zh }).first().waitFor();

    // "推荐个耳机": cards that follow the brand tag.
    await input.fill('推荐个耳机');
    await input.press('Enter');
    const conversationId = (await app.store.listConversations({ tenantId: 'default', channel: 'web', status: ['assigned', 'queued', 'bot'] })).find((c) => c.entry?.productId === 'he-006')!.id;
    const listCard = async () => (await app.store.listMessages(conversationId)).flatMap((m) => m.parts).find((p): p is Extract<typeof p, { type: 'card' }> => p.type === 'card' && p.card.kind === 'product_list')?.card;
    await expect.poll(listCard).toBeDefined();
    const recommended = (await listCard())!.items ?? [];
    expect((recommended[0]!.data as { brand: string }).brand).toMatch(/xiaomi/i);
    await expect.poll(() => widget.locator('.card h3', { hasText: recommended[0]!.title }).count()).toBeGreaterThan(0);

    // Ben (sales) has the conversation; from the shop tab he sends the unpaid order card.
    await expect.poll(async () => (await app.conversations.get(conversationId)).assigneeId).toBe('ben');
    const ben = await signIn('ben@shop.example');
    await ben.getByRole('tab', { name: /Mine/ }).click();
    await ben.getByRole('button', { name: /李娜/ }).first().click();
    await ben.getByRole('tab', { name: 'Shop' }).click();
    await ben.locator('[data-send="order:O20261111"]').click();
    const orderCard = widget.locator('.card', { hasText: 'O20261111' });
    await orderCard.locator('.card-actions button', { hasText: '取消订单' }).click();
    // The answer is the updated card: cancelled, in the shop too.
    await widget.locator('.card', { hasText: 'O20261111' }).filter({ hasText: '已取消' }).first().waitFor();
    expect((await app.services.commerce.getOrder('default', 'O20261111'))?.status).toBe('cancelled');

    // Coupons above the agent's role are disabled with the reason; an agent-level one is sent and claimed in the widget.
    await ben.getByRole('tab', { name: 'Shop' }).click();
    const blocked = ben.locator('[data-coupon="C-SORRY50"]');
    expect(await blocked.isDisabled()).toBe(true);
    expect(await blocked.getAttribute('title')).toContain('supervisor');
    expect((await app.services.commerce.availableCoupons('default', 'u1002')).map((c) => c.id)).toContain('C-NEW20');
    await ben.locator('[data-coupon="C-NEW20"]').click();
    const coupon = widget.locator('.card', { hasText: '新人券' });
    await coupon.locator('.card-actions button', { hasText: '领取' }).click();
    await widget.locator('.card', { hasText: '新人券' }).filter({ hasText: '已领取' }).first().waitFor();
    // Claimed: no longer offered to her.
    expect((await app.services.commerce.availableCoupons('default', 'u1002')).map((c) => c.id)).not.toContain('C-NEW20');
    expect(errors).toEqual([]);
    await shop.screenshot({ path: join(SHOTS ?? dir, 'widget-commerce.png') });
    await ben.screenshot({ path: join(SHOTS ?? dir, 'console-workspace-shop.png') });
    await shop.close();
    await ben.close();
  });
});
