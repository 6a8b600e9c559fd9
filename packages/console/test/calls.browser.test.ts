/**
 * Live calls and buying stages in Chromium against a real @kefu/server: a phone conversation
 * whose `attributes.call` goes ringing → in progress → completed (as @kefu/adapter-phone writes
 * it, through app.conversations.update) changes the banner and the list row live; the agent adds
 * a call note from the banner; the stage badge shows on rows and the stage filter narrows the list.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENTS, type ConsoleHarness, PASSWORD, launchChromium, startConsoleServer } from './harness.js';

let harness: ConsoleHarness;
let browser: Browser | undefined;

beforeAll(async () => {
  browser = await launchChromium();
  if (browser) harness = await startConsoleServer({ channels: ['web', 'phone'] });
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

const CALLER = '+8613800138000';
const OUR = '+8675512345678';

describe('live calls and buying stages in Chromium', () => {
  it('shows a call banner that follows the call live, and a note can be added from it', async (ctx) => {
    if (!browser) return ctx.skip();
    const page = await browser.newPage({ locale: 'en-US', viewport: { width: 1440, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await signIn(page, AGENTS[2].email);
    // The supervisor watches: away, so the router queues the call for everybody to see.
    await page.getByLabel('Status').selectOption('away');
    await expect.poll(async () => (await harness.app.agents.list('default')).find((a) => a.id === 'sue')?.presence).toBe('away');
    for (const a of ['alice', 'bob']) await harness.app.agents.setPresence(a, 'offline');

    const { conversation } = await harness.channels.phone!.inject({ from: CALLER, text: 'Incoming call', sender: { name: 'Caller Zhang' } });
    const setCall = async (call: Record<string, unknown>) => {
      const c = await harness.app.conversations.get(conversation.id);
      await harness.app.conversations.update(conversation.id, { attributes: { ...c.attributes, call } });
    };
    const startedAt = Date.now() - 5_000;
    await setCall({ sid: 'CA1', state: 'ringing', from: CALLER, to: OUR, startedAt, agentId: 'alice' });

    const row = page.getByRole('button', { name: /Caller Zhang/ }).first();
    await row.waitFor();
    await row.locator('.row-call[data-call-state="ringing"]').getByText('Ringing').waitFor();
    await page.locator('.live-calls').getByText('Live calls: 1').waitFor();
    await row.click();

    const banner = page.getByRole('region', { name: 'Phone call' });
    await banner.getByText('Ringing').waitFor();
    expect(await banner.getAttribute('class')).toContain('call-ringing');
    await banner.getByText(`From ${CALLER}`).waitFor();
    await banner.getByText(`to ${OUR}`).waitFor();
    // The timer runs: it starts at the call's start (5 s ago) and moves.
    const timer = banner.locator('.call-timer');
    const first = await timer.textContent();
    expect(first).toMatch(/^0:0\d$/);
    await expect.poll(() => timer.textContent(), { timeout: 4000 }).not.toBe(first);

    await setCall({ sid: 'CA1', state: 'in-progress', from: CALLER, to: OUR, startedAt, agentId: 'alice' });
    await banner.getByText('In progress').waitFor();
    expect(await banner.getAttribute('class')).toContain('call-live');
    await row.locator('.row-call[data-call-state="in-progress"]').waitFor();

    await setCall({ sid: 'CA1', state: 'queued', from: CALLER, to: OUR, startedAt, queuedAt: Date.now(), queuePosition: 2 });
    await banner.getByText('On hold').waitFor();
    await banner.getByText('#2 in queue').waitFor();

    // The note toggle is one click away from the banner, and notes are the default on a call.
    expect(await page.getByRole('radio', { name: 'Internal note' }).getAttribute('aria-checked')).toBe('true');
    await banner.getByRole('button', { name: 'Add a call note' }).click();
    const note = page.getByRole('textbox', { name: 'Internal note' });
    await expect.poll(() => note.evaluate((el) => el === document.activeElement)).toBe(true);
    await note.fill('Caller asks about refund for order 2026031001');
    await page.keyboard.press('Enter');
    const history = page.getByRole('log', { name: 'Messages' });
    await history.locator('.msg-note').getByText('Caller asks about refund for order 2026031001').waitFor();
    expect(harness.channels.phone!.sent).toHaveLength(0);

    await setCall({
      sid: 'CA1',
      state: 'completed',
      from: CALLER,
      to: OUR,
      startedAt,
      endedAt: startedAt + 84_000,
      durationSec: 84,
      endStatus: 'completed',
      recordingUrl: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1',
      transcriptionUrl: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Transcriptions/TR1',
      transcriptionText: 'Please call me back about my refund',
    });
    await banner.getByText('Call ended').waitFor();
    expect(await banner.getAttribute('class')).toContain('call-ended');
    expect(await timer.textContent()).toBe('1:24');
    expect(await banner.getByRole('link', { name: 'Recording' }).getAttribute('href')).toBe('https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1');
    expect(await banner.getByRole('link', { name: 'Transcription' }).getAttribute('href')).toContain('/Transcriptions/TR1');
    await banner.getByText('Please call me back about my refund').waitFor();
    // An ended call is no longer a live call in the list.
    await expect.poll(() => row.locator('.row-call').count()).toBe(0);
    await expect.poll(() => page.locator('.live-calls').count()).toBe(0);

    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows the buying stage on rows and filters the lists by stage, in Chinese too', async (ctx) => {
    if (!browser) return ctx.skip();
    const web = harness.channels.web!;
    const paid = (await web.inject({ from: 'v-paid', text: 'Where is my parcel?', sender: { name: 'Paid Pan' } })).conversation;
    const unpaid = (await web.inject({ from: 'v-unpaid', text: 'Can I change the size?', sender: { name: 'Unpaid Wu' } })).conversation;
    await harness.app.conversations.update(paid.id, { attributes: { ...paid.attributes, stage: 'paid' } });
    const page = await browser.newPage({ locale: 'zh-CN', viewport: { width: 1440, height: 900 } });
    await page.goto(harness.consoleUrl);
    await page.getByLabel('邮箱').fill(AGENTS[2].email);
    await page.getByLabel('密码').fill(PASSWORD);
    await page.getByRole('button', { name: '登录' }).click();
    // Sue may have taken them when her socket came online: the "all" list shows them either way.
    await page.getByRole('tab', { name: /全部/ }).click();
    const paidRow = page.getByRole('button', { name: /Paid Pan/ }).first();
    const unpaidRow = page.getByRole('button', { name: /Unpaid Wu/ }).first();
    await paidRow.locator('.stage-paid').getByText('已付款').waitFor();
    await unpaidRow.waitFor();

    await page.getByLabel('购买阶段').selectOption('paid');
    await expect.poll(() => unpaidRow.count()).toBe(0);
    await paidRow.waitFor();
    // The stage changes live (the commerce plugin saw an order): the row joins the filtered list.
    const latest = await harness.app.conversations.get(unpaid.id);
    await harness.app.conversations.update(unpaid.id, { attributes: { ...latest.attributes, stage: 'paid' } });
    await unpaidRow.locator('.stage-paid').waitFor();

    await page.getByLabel('购买阶段').selectOption('after-sale');
    await page.getByText('该购买阶段暂无会话。').waitFor();
    await page.getByLabel('购买阶段').selectOption('all');
    await paidRow.waitFor();
    await unpaidRow.waitFor();
    await page.close();
  });
});
