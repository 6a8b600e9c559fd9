/**
 * The console in Debian Chromium against a real @kefu/server: sign in, go away, see a customer
 * queue live, open the conversation with its entry context, accept, reply with Enter, and the
 * channel receives the reply; an internal note never reaches the channel.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENTS, type ConsoleHarness, PASSWORD, launchChromium, startConsoleServer } from './harness.js';

let harness: ConsoleHarness;
let browser: Browser | undefined;

beforeAll(async () => {
  browser = await launchChromium();
  if (browser) harness = await startConsoleServer({ channels: ['web'] });
});

afterAll(async () => {
  await browser?.close();
  await harness?.close();
});

async function signIn(page: Page, email: string): Promise<void> {
  await page.goto(harness.consoleUrl);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
}

describe('agent console in Chromium', () => {
  it('signs in, sees a queued conversation live, accepts it and replies', async (ctx) => {
    if (!browser) return ctx.skip();
    const page = await browser.newPage({ locale: 'en-US', viewport: { width: 1440, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    // A wrong password is refused with a message, and nothing else happens.
    await page.goto(harness.consoleUrl);
    await page.getByLabel('Email').fill(AGENTS[0].email);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Email or password is not right.');

    await signIn(page, AGENTS[0].email);
    expect(await page.evaluate(() => sessionStorage.getItem('kefu.console.token'))).toMatch(/^ey/);

    // Away: the router finds nobody online, so the next customer waits in the queue.
    await page.getByLabel('Status').selectOption('away');
    await expect.poll(async () => (await harness.app.agents.list('default')).find((a) => a.id === 'alice')?.presence).toBe('away');

    const web = harness.channels.web!;
    const { conversation } = await web.inject({
      from: 'visitor-42',
      text: 'Hi, are the wireless earbuds in stock?',
      sender: { name: 'Li Lei' },
      entry: { pageType: 'product', productId: 'SKU-1001', title: 'Wireless Earbuds Pro' },
    });
    expect(conversation.status).toBe('queued');

    const row = page.getByRole('button', { name: /Li Lei/ }).first();
    await row.waitFor();
    expect(await page.getByRole('tab', { name: /Queue/ }).textContent()).toContain('1');
    await row.click();

    // History with its entry context, then accept.
    const history = page.getByRole('log', { name: 'Messages' });
    await history.getByText('Hi, are the wireless earbuds in stock?').waitFor();
    await page.locator('.conv-head').getByText('Wireless Earbuds Pro').waitFor();
    await page.locator('.conv-head').getByText('SKU-1001').waitFor();
    await page.getByRole('button', { name: 'Accept' }).click();
    await page.locator('.conv-head .pill-assigned').waitFor();
    expect((await harness.app.conversations.get(conversation.id)).assigneeId).toBe('alice');

    // An internal note stays inside.
    const composer = page.getByRole('textbox', { name: 'Reply' });
    await page.getByRole('radio', { name: 'Internal note' }).click();
    await page.getByRole('textbox', { name: 'Internal note' }).fill('VIP? check stock in warehouse B');
    await page.keyboard.press('Enter');
    await history.locator('.msg-note').getByText('VIP? check stock in warehouse B').waitFor();
    await page.getByRole('radio', { name: 'Reply' }).click();

    // Shift+Enter is a new line, Enter sends.
    await composer.fill('Yes, they are in stock.');
    // The customer's channel hears that the agent is typing.
    await expect.poll(() => web.typingCalls).toContainEqual({ conversationId: conversation.id, on: true });
    await composer.press('Shift+Enter');
    await composer.pressSequentially('Ships today.');
    await composer.press('Enter');
    const [sent] = await web.waitForSent(1);
    expect(sent!.outbound.message.text).toBe('Yes, they are in stock.\nShips today.');
    expect(sent!.outbound.message.author).toMatchObject({ role: 'agent', id: 'alice' });
    expect(web.sent).toHaveLength(1);
    await history.getByText('Ships today.', { exact: false }).waitFor();
    expect(await composer.inputValue()).toBe('');

    // The customer answers: it arrives live in the open conversation.
    await web.inject({ from: 'visitor-42', text: 'Great, thanks!' });
    await history.getByText('Great, thanks!').waitFor();

    expect(errors).toEqual([]);
    await page.close();
  });

  it('follows a Chinese browser and switches language', async (ctx) => {
    if (!browser) return ctx.skip();
    const page = await browser.newPage({ locale: 'zh-CN' });
    await page.goto(harness.consoleUrl);
    await page.getByRole('button', { name: '登录' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    await page.getByRole('button', { name: '语言' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.close();
  });

  it('is usable at 390 px: list first, then the conversation with a way back', async (ctx) => {
    if (!browser) return ctx.skip();
    const page = await browser.newPage({ locale: 'en-US', viewport: { width: 390, height: 844 } });
    await signIn(page, AGENTS[2].email);
    await page.getByRole('tab', { name: /Mine/ }).click();
    await page.getByRole('tab', { name: /All/ }).click();
    const row = page.getByRole('button', { name: /Li Lei/ }).first();
    await row.click();
    await page.getByRole('log', { name: 'Messages' }).getByText('Great, thanks!').waitFor();
    expect(await page.locator('.sidebar').isVisible()).toBe(false);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390);
    await page.getByRole('button', { name: 'Back' }).click();
    await row.waitFor();
    await page.close();
  });
});
