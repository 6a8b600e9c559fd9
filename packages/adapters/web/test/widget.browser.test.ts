import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateSync } from 'node:zlib';
import { CHROMIUM, launchChromium } from '@kefu/testing/browser';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.js';

// Without Chromium, launchChromium warns (the suite is skipped) — or throws when CI is set.
const available = existsSync(CHROMIUM) || (await launchChromium('the widget browser test')) !== undefined;

// Screenshots go to docs/ only when asked, so a test run leaves the repository unchanged.
const SHOTS = process.env.UPDATE_SCREENSHOTS ? fileURLToPath(new URL('../../../../docs/screenshots/', import.meta.url)) : mkdtempSync(join(tmpdir(), 'kefu-shots-'));

/** A real PNG (a gradient) made here, so the upload path sees proper image bytes. */
function gradientPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows: number[] = [];
  for (let y = 0; y < height; y++) {
    rows.push(0);
    for (let x = 0; x < width; x++) rows.push(30 + Math.round((x / width) * 60), 60 + Math.round((y / height) * 80), 70 + Math.round((x / width) * 120));
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.from(rows))), chunk('IEND', Buffer.alloc(0))]);
}

const page = (entry: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Aurora Headphones · Demo Shop</title>
<style>
  /* Hostile host styles: none of this may reach the widget. */
  * { font-family: Georgia, serif; } button { background: red !important; border: 4px dashed lime !important; } div { color: purple; }
  body { margin: 0; background: #f4f1ec; } main { max-width: 960px; margin: 0 auto; padding: 48px 24px; display: grid; grid-template-columns: 1fr 1fr; gap: 40px; }
  .img { aspect-ratio: 1; border-radius: 24px; background: linear-gradient(135deg, #d9cbb5, #9c8466); } h1 { font-size: 36px; margin: 0 0 8px; } .price { font-size: 24px; color: #6b4f2a; }
  nav { padding: 18px 24px; background: #1d1a16; color: #f4f1ec; font-size: 18px; }
  @media (max-width: 600px) { main { grid-template-columns: 1fr; } }
</style></head>
<body><nav>Demo Shop</nav><main><div class="img"></div><div><h1>Aurora Wireless Headphones</h1><p class="price">¥ 899</p><p>Noise cancelling, 40 h battery, USB-C.</p><button>Add to cart</button></div></main>
<script src="/widget.js" ${entry} async></script></body></html>`;

describe.skipIf(!available)('widget in Chromium', () => {
  let h: Harness;
  let browser: Browser;
  let uploads: string;

  beforeAll(async () => {
    uploads = mkdtempSync(join(tmpdir(), 'kefu-uploads-'));
    h = await startHarness({ uploads: { dir: uploads } }, {}, {
      '/shop/product.html': page('data-tenant="default" data-page-type="product" data-product-id="sku-42" data-brand-color="#0f766e"'),
    });
    browser = (await launchChromium('the widget browser test'))!;
    mkdirSync(SHOTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await h?.close();
    rmSync(uploads, { recursive: true, force: true });
  });

  async function conversationOf(text: string) {
    for (const c of await h.store.listConversations({ tenantId: 'default' })) {
      const messages = await h.store.listMessages(c.id);
      if (messages.some((m) => m.text === text)) return c;
    }
    return undefined;
  }

  it('opens from the script tag, sends with entry context, shows the reply and a card, and keeps history on reload', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US', deviceScaleFactor: 1 });
    const tab = await context.newPage();
    const errors: string[] = [];
    tab.on('pageerror', (e) => errors.push(e.message));
    await tab.goto(`${h.url}/shop/product.html`);
    const widget = tab.locator('#kefu-widget');
    const launcher = widget.locator('button.launcher');
    await expect.poll(() => launcher.getAttribute('aria-label')).toBe('Open support chat');
    // The host's hostile button style does not reach the widget.
    expect(await launcher.evaluate((b) => getComputedStyle(b).borderStyle)).not.toBe('dashed');
    await launcher.click();
    const input = widget.locator('textarea');
    await expect.poll(() => input.evaluate((n) => n === (n.getRootNode() as ShadowRoot).activeElement)).toBe(true);
    await input.fill('Hi! Is the Aurora in stock in black?');
    await input.press('Enter');
    await expect.poll(async () => (await conversationOf('Hi! Is the Aurora in stock in black?'))?.entry?.productId).toBe('sku-42');
    const conversation = (await conversationOf('Hi! Is the Aurora in stock in black?'))!;
    expect(conversation.entry).toMatchObject({ pageType: 'product', url: `${h.url}/shop/product.html` });
    // Acked: the "Sending…" note disappears.
    await expect.poll(() => widget.locator('.row.me .meta').count()).toBe(0);

    await h.app.agents.upsert({ id: 'mei', name: 'Mei', role: 'agent', teams: [], skills: {}, languages: [], capacity: 5 });
    await h.app.conversations.accept(conversation.id, 'mei');
    await h.app.send(conversation.id, 'Yes! Black is in stock and ships today. Here it is:', { author: { role: 'agent', id: 'mei', name: 'Mei' } });
    await h.app.send(
      conversation.id,
      [
        {
          type: 'card',
          card: {
            kind: 'product',
            title: 'Aurora Wireless Headphones',
            subtitle: 'Midnight Black',
            fields: [
              { label: 'Price', value: '¥ 899' },
              { label: 'Stock', value: '12 left' },
            ],
            actions: [
              { id: 'buy', label: 'Add to cart', type: 'postback', value: 'sku-42', style: 'primary' },
              { id: 'more', label: 'Show other colours', type: 'reply', value: 'Which other colours are there?' },
            ],
          },
        },
      ],
      { author: { role: 'agent', id: 'mei', name: 'Mei' } },
    );
    await expect.poll(() => widget.locator('.row.them .bubble').allTextContents()).toContain('Yes! Black is in stock and ships today. Here it is:');
    await expect.poll(() => widget.locator('.card h3').textContent()).toBe('Aurora Wireless Headphones');
    await expect.poll(() => widget.locator('header .sub').textContent()).toBe('Mei is helping you');
    // A postback button comes back as an action message.
    await widget.locator('.card-actions button', { hasText: 'Add to cart' }).click();
    await expect.poll(async () => (await h.store.listMessages(conversation.id)).some((m) => m.parts.some((p) => p.type === 'action' && p.actionId === 'buy' && p.value === 'sku-42'))).toBe(true);
    await h.app.typing(conversation.id, true);
    await expect.poll(() => widget.locator('.typing').textContent()).toBe('Mei is typing…');
    await tab.screenshot({ path: join(SHOTS, 'widget-desktop.png') });
    await h.app.typing(conversation.id, false);

    // Keyboard: Escape closes the panel and gives focus back to the launcher.
    await input.press('Escape');
    await expect.poll(() => widget.locator('section.panel').isHidden()).toBe(true);
    expect(await launcher.evaluate((n) => n === (n.getRootNode() as ShadowRoot).activeElement)).toBe(true);
    // Unread badge while closed.
    await h.app.send(conversation.id, 'Anything else I can help with?', { author: { role: 'agent', id: 'mei', name: 'Mei' } });
    await expect.poll(() => widget.locator('.badge').textContent()).toBe('1');

    // Reload: the history is intact.
    await tab.reload();
    await widget.locator('button.launcher').click();
    await expect.poll(() => widget.locator('.row.them .bubble').allTextContents()).toContain('Anything else I can help with?');
    await expect.poll(() => widget.locator('.row.me .bubble').first().textContent()).toBe('Hi! Is the Aurora in stock in black?');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('fills a 390 px phone screen, speaks Chinese for zh browsers and uploads an image', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN', deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const tab = await context.newPage();
    await tab.goto(`${h.url}/shop/product.html`);
    const widget = tab.locator('#kefu-widget');
    await expect.poll(() => widget.locator('button.launcher').getAttribute('aria-label')).toBe('打开客服聊天');
    await widget.locator('button.launcher').click();
    const panel = widget.locator('section.panel');
    const box = await panel.boundingBox();
    expect(box).toMatchObject({ x: 0, y: 0, width: 390, height: 844 });
    await widget.locator('textarea').fill('你好，这款耳机有黑色的吗？');
    await widget.locator('textarea').press('Enter');
    await expect.poll(async () => !!(await conversationOf('你好，这款耳机有黑色的吗？'))).toBe(true);
    const conversation = (await conversationOf('你好，这款耳机有黑色的吗？'))!;
    // An image through the attach button: uploaded, then sent as an image part.
    await expect.poll(() => widget.locator('button[aria-label="发送图片"]').isVisible()).toBe(true);
    const png = gradientPng(240, 160);
    await widget.locator('input[type=file]').setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: png });
    await expect.poll(async () => (await h.store.listMessages(conversation.id)).some((m) => m.parts.some((p) => p.type === 'image' && p.url.includes('/widget/files/default/')))).toBe(true);
    await expect.poll(() => widget.locator('.row.me img').count()).toBe(1);
    await h.app.agents.upsert({ id: 'lin', name: '小林', role: 'agent', teams: [], skills: {}, languages: [], capacity: 5 });
    await h.app.conversations.accept(conversation.id, 'lin');
    await h.app.send(conversation.id, '您好！黑色有现货，今天下单今天发货 😊', { author: { role: 'agent', id: 'lin', name: '小林' } });
    await expect.poll(() => widget.locator('header .sub').textContent()).toBe('客服 小林 正在为您服务');
    await expect.poll(() => widget.locator('.row.them .bubble').last().textContent()).toContain('黑色有现货');
    await tab.screenshot({ path: join(SHOTS, 'widget-mobile.png') });
    await context.close();
  });

  it('shows the top questions for the page as chips above the composer, sends a clicked one, and hides them without the route', async () => {
    const asked: string[] = [];
    const withBot = await startHarness({}, {}, { '/shop/order.html': page('data-tenant="default" data-page-type="order" data-order-id="O1"') }, (app) => {
      // A tiny stand-in for @kefu/plugin-bot's route, answering by page type and language.
      app.httpRoute({
        method: 'GET',
        path: '/api/v1/bot/top-questions',
        auth: 'public',
        async handler(request) {
          const params = new URL(request.url).searchParams;
          asked.push(`${params.get('pageType')}:${params.get('locale')}`);
          const questions = params.get('pageType') === 'order' ? ['我的快递到哪了？', '退款多久到账？'] : ['有现货吗？'];
          return new Response(JSON.stringify({ questions: questions.map((question, i) => ({ id: `q${i}`, question })) }), { headers: { 'content-type': 'application/json' } });
        },
      });
    });
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
      const tab = await context.newPage();
      await tab.goto(`${withBot.url}/shop/order.html`);
      const widget = tab.locator('#kefu-widget');
      await widget.locator('button.launcher').click();
      const chips = widget.locator('.chips .chip');
      await expect.poll(() => chips.count()).toBe(2);
      expect(await widget.locator('.chips').getAttribute('aria-label')).toBe('猜你想问');
      expect(asked).toEqual(['order:zh']);
      await chips.first().click();
      await expect.poll(() => widget.locator('.chips').isHidden()).toBe(true);
      await expect.poll(() => widget.locator('.row.me .bubble').last().textContent()).toBe('我的快递到哪了？');
      await expect
        .poll(async () => {
          const [c] = await withBot.store.listConversations({ tenantId: 'default' });
          return c ? (await withBot.store.listMessages(c.id)).map((m) => m.text) : [];
        })
        .toContain('我的快递到哪了？');
      await context.close();

      // The first harness has no such route: 404, and no chips.
      const plain = await browser.newContext({ locale: 'en-US' });
      const other = await plain.newPage();
      await other.goto(`${h.url}/shop/product.html`);
      const w = other.locator('#kefu-widget');
      await w.locator('button.launcher').click();
      await expect.poll(() => w.locator('textarea').isVisible()).toBe(true);
      await other.waitForLoadState('networkidle');
      expect(await w.locator('.chips .chip').count()).toBe(0);
      expect(await w.locator('.chips').isHidden()).toBe(true);
      await plain.close();
    } finally {
      await withBot.close();
    }
  });
});
