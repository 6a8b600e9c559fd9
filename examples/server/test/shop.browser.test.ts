import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Conversation } from '@kefu/core';
import { DEMO_PASSWORD, call, launchChromium, login, startExample, until } from './helpers.js';

// The README's screenshots are refreshed only on request (UPDATE_SCREENSHOTS=1), so a test run leaves
// the tree clean; otherwise they go to a temp folder and are still taken (the steps are the test).
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS ? fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url)) : `${mkdtempSync(join(tmpdir(), 'kefu-shots-'))}/`;

let browser: Browser | undefined;
let running: Awaited<ReturnType<typeof startExample>>;

beforeAll(async () => {
  browser = await launchChromium();
  running = await startExample();
});
afterAll(async () => {
  await browser?.close();
  await running?.close();
});

const widgetOf = (page: Page): Locator => page.locator('#kefu-widget');

async function openShopper(url: string, viewport = { width: 1280, height: 860 }): Promise<Page> {
  const context = await browser!.newContext({ locale: 'zh-CN', viewport });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  await page.goto(url);
  return page;
}

describe('the demo shop with the widget and the console', () => {
  it('a shopper asks from a product page; an agent sees it queued, accepts, replies; history survives a reload', { timeout: 60_000 }, async (ctx) => {
    if (!browser) return ctx.skip();
    const base = running.info.url;

    // The agent: 李强 of after-sales signs in to the console (English browser). Product pages
    // route to pre-sales, so the conversation waits in the queue he sees until he accepts it.
    const agentContext = await browser.newContext({ locale: 'en-US', viewport: { width: 1440, height: 900 } });
    agentContext.setDefaultTimeout(10_000);
    const agent = await agentContext.newPage();
    await agent.goto(running.info.consoleUrl);
    await agent.getByLabel('Email').fill('li@kefu.demo');
    await agent.getByLabel('Password').fill(DEMO_PASSWORD);
    await agent.getByRole('button', { name: 'Sign in' }).click();
    await agent.getByRole('status').filter({ hasText: 'Live' }).waitFor();

    // The shopper: a Chinese browser on the Sony headphones page.
    const shopper = await openShopper(`${running.info.shopUrl}product.html?id=he-003`);
    await shopper.getByRole('heading', { name: '索尼 WH-1000XM5 头戴式降噪耳机' }).waitFor();
    const widget = widgetOf(shopper);
    await expect.poll(() => widget.locator('button.launcher').getAttribute('aria-label')).toBe('打开客服聊天');
    await widget.locator('button.launcher').click();
    await widget.locator('textarea').fill('我要人工客服');
    await widget.locator('textarea').press('Enter');
    await widget.locator('.row.me .bubble', { hasText: '我要人工客服' }).waitFor();

    // Stored with the entry context and queued for pre-sales.
    const token = await login(base, 'supervisor@kefu.demo');
    const queued = await until(async () => {
      const { body } = await call<{ items: Array<{ conversation: Conversation }> }>(base, token, 'GET', '/conversations?status=queued');
      return body.items.find((i) => i.conversation.entry?.productId === 'he-003')?.conversation;
    }, 'the queued conversation');
    expect(queued.entry).toMatchObject({ pageType: 'product', productId: 'he-003', locale: 'zh-CN' });
    expect(queued.teamId ?? (queued.attributes.routing as { target?: { teamId?: string } })?.target?.teamId).toBe('pre-sales');

    // The agent sees it in the queue, with the product the shopper came from.
    // The list shows the latest message (the bot's handoff note) and the entry page.
    await agent.getByRole('tab', { name: /Queue/ }).click();
    const queuedRow = agent.locator('button.row').filter({ hasText: /Product/ }).first();
    await queuedRow.waitFor();
    await queuedRow.click();
    const head = agent.locator('.conv-head');
    await head.getByText('he-003').waitFor();
    await head.getByText('索尼 WH-1000XM5 头戴式降噪耳机', { exact: false }).first().waitFor();
    await agent.getByRole('button', { name: 'Accept' }).click();
    await agent.locator('.conv-head .pill-assigned').waitFor();
    const composer = agent.getByRole('textbox', { name: 'Reply' });
    await composer.fill('您好，我是李强。这款耳机有现货，今天下单明天到。');
    await composer.press('Enter');

    // The shopper sees the reply.
    await widget.locator('.row.them .bubble', { hasText: '我是李强' }).waitFor();
    const assigned = await call<{ conversation: Conversation }>(base, token, 'GET', `/conversations/${queued.id}`);
    expect(assigned.body.conversation).toMatchObject({ status: 'assigned', assigneeId: 'li' });

    mkdirSync(SCREENSHOTS, { recursive: true });
    await shopper.screenshot({ path: `${SCREENSHOTS}shop-desktop.png` });
    await agent.screenshot({ path: `${SCREENSHOTS}shop-console.png` });

    // A reload keeps the conversation: same visitor, full history.
    await shopper.reload();
    await widget.locator('button.launcher').click();
    await widget.locator('.row.me .bubble', { hasText: '我要人工客服' }).waitFor();
    await widget.locator('.row.them .bubble', { hasText: '我是李强' }).waitFor();
    const mine = await widget.locator('.row.me .bubble').allTextContents();
    expect(mine.filter((t) => t === '我要人工客服')).toHaveLength(1);
    await agentContext.close();
    await shopper.context().close();
  });

  it('a product page on a phone (390 px): the widget fills the screen and the bot answers the FAQ', async (ctx) => {
    if (!browser) return ctx.skip();
    const shopper = await openShopper(`${running.info.shopUrl}product.html?id=ph-003`, { width: 390, height: 844 });
    await shopper.getByRole('heading', { name: '华为 Mate 70 手机' }).waitFor();
    await shopper.screenshot({ path: `${SCREENSHOTS}shop-mobile-page.png` });
    const widget = widgetOf(shopper);
    await widget.locator('button.launcher').click();
    await widget.locator('textarea').fill('下单后多久发货？');
    await widget.locator('textarea').press('Enter');
    await widget.locator('.row.them .bubble', { hasText: '48 小时' }).waitFor();
    await shopper.screenshot({ path: `${SCREENSHOTS}shop-mobile.png` });
    await shopper.context().close();
  });

  it('the order page needs the signed-in shopper, and tells the widget which order', async (ctx) => {
    if (!browser) return ctx.skip();
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 860 } });
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    await page.goto(`${running.info.shopUrl}order.html?id=O20261108`);
    await page.getByRole('button', { name: 'Sign in as Wang Xiaoming (VIP)' }).click();
    await page.getByText('O20261108').first().waitFor();
    await page.getByRole('heading', { name: 'Order details' }).waitFor();
    const widget = widgetOf(page);
    await widget.locator('button.launcher').click();
    await widget.locator('textarea').fill('Where is my parcel?');
    await widget.locator('textarea').press('Enter');
    const token = await login(running.info.url, 'admin@kefu.demo');
    const conversation = await until(async () => {
      const { body } = await call<{ items: Array<{ conversation: Conversation; contact: { identifiers: Array<{ kind: string; value: string }>; tier: string } }> }>(running.info.url, token, 'GET', '/conversations?status=bot,queued,assigned');
      return body.items.find((i) => i.conversation.entry?.orderId === 'O20261108');
    }, 'the order conversation');
    expect(conversation.contact.identifiers).toContainEqual({ kind: 'shopUserId', value: 'u1001' });
    expect(conversation.contact.tier).toBe('vip');
    // On their own order page, the chat opens with the order's card.
    await widget.locator('.card', { hasText: 'O20261108' }).waitFor();
    await context.close();
  });
});
