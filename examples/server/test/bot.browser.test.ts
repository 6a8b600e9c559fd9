import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Conversation } from '@kefu/core';
import { DEMO_PASSWORD, call, launchChromium, login, startExample, until } from './helpers.js';

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

it('a signed-in shopper asks where the parcel is, gets the logistics card, asks for a person and the agent sees the bot summary', { timeout: 60_000 }, async (ctx) => {
  if (!browser) return ctx.skip();
  const base = running.info.url;
  const shopperContext = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 860 } });
  shopperContext.setDefaultTimeout(10_000);
  const shopper = await shopperContext.newPage();
  await shopper.goto(`${running.info.shopUrl}order.html?id=O20261108`);
  await shopper.getByRole('button', { name: 'Sign in as Wang Xiaoming (VIP)' }).click();
  await shopper.getByRole('heading', { name: 'Order details' }).waitFor();
  const widget = shopper.locator('#kefu-widget');
  await widget.locator('button.launcher').click();
  await widget.locator('textarea').fill('我的快递到哪了');
  await widget.locator('textarea').press('Enter');

  // The bot looks up u1001's latest shipped order (O20261108) and answers with its logistics card.
  const card = widget.locator('.card', { hasText: '顺丰速运' });
  await card.waitFor();
  await expect.poll(() => card.textContent()).toContain('陈师傅');
  const stations = await card.textContent();
  expect(stations).toMatch(/SF|顺丰/);

  await widget.locator('textarea').fill('转人工');
  await widget.locator('textarea').press('Enter');
  const token = await login(base, 'supervisor@kefu.demo');
  const queued = await until(async () => {
    const { body } = await call<{ items: Array<{ conversation: Conversation }> }>(base, token, 'GET', '/conversations?status=queued');
    return body.items.find((i) => i.conversation.entry?.orderId === 'O20261108' && i.conversation.attributes.handoff)?.conversation;
  }, 'the handed-off conversation');
  const handoff = queued.attributes.handoff as { reason: string; summary: string };
  // u1001 is a VIP: the example sends VIPs to a person as soon as the bot cannot self-serve them.
  expect(handoff.reason).toBe('tier');
  expect(handoff.summary).toContain('我的快递到哪了');

  // The agent opens it from the queue: the console shows the bot's summary on top.
  const agentContext = await browser.newContext({ locale: 'en-US', viewport: { width: 1440, height: 900 } });
  agentContext.setDefaultTimeout(10_000);
  const agent = await agentContext.newPage();
  await agent.goto(running.info.consoleUrl);
  await agent.getByLabel('Email').fill('supervisor@kefu.demo');
  await agent.getByLabel('Password').fill(DEMO_PASSWORD);
  await agent.getByRole('button', { name: 'Sign in' }).click();
  await agent.getByRole('status').filter({ hasText: 'Live' }).waitFor();
  await agent.getByRole('tab', { name: /Queue/ }).click();
  await agent.locator('button.row').first().waitFor();
  await agent.locator('button.row').filter({ hasText: /O20261108|转人工|Order/ }).first().click();
  const banner = agent.locator('.handoff');
  await banner.waitFor();
  await expect.poll(() => banner.textContent()).toContain('我的快递到哪了');
  await agent.getByRole('button', { name: 'Accept' }).click();
  await agent.locator('.conv-head .pill-assigned').waitFor();
  await agentContext.close();
  await shopperContext.close();
});
