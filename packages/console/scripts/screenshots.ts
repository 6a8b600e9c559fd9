/**
 * Takes the console screenshots of docs/screenshots (desktop 1440×900, mobile 390×844) against a
 * real server with demo conversations. Run: pnpm --filter @kefu/console screenshots
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Part } from '@kefu/core';
import type { Page } from 'playwright-core';
import { cardsPlugin } from '@kefu/plugin-cards';
import { commercePlugin, createDemoCommerceProvider } from '@kefu/plugin-commerce';
import { workspacePlugin } from '@kefu/plugin-workspace';
import { AGENTS, PASSWORD, launchChromium, startConsoleServer } from '../test/harness.js';

const out = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));
mkdirSync(out, { recursive: true });

// Everything goes to the after-sales team, whose agent is offline: the queue stays visible.
// With the demo shop and the workspace plugin, as the example server runs.
const h = await startConsoleServer({
  channels: ['web', 'wechat', 'email'],
  router: { rules: [{ name: 'demo', target: { teamId: 'aftersales' } }] },
  setup: (app) => {
    app.use(commercePlugin, { provider: createDemoCommerceProvider({ store: app.store, clock: app.clock }) });
    app.use(cardsPlugin, { secret: 'screenshots-cards-secret', autoProductCard: false });
    app.use(workspacePlugin);
  },
});
const web = h.channels.web!;
const wechat = h.channels.wechat!;
const email = h.channels.email!;
const at = async (secondsAgo: number, work: () => Promise<unknown>) => {
  h.clock.behindMs = secondsAgo * 1000;
  await work();
};
const alice = { role: 'agent', id: 'alice', name: 'Alice Chen' } as const;
const earbuds = `data:image/svg+xml,${encodeURIComponent("<svg xmlns='http://www.w3.org/2000/svg' width='560' height='280'><defs><linearGradient id='g' x1='0' y1='0' x2='1' y2='1'><stop offset='0' stop-color='#eef2ff'/><stop offset='1' stop-color='#dbe4ff'/></linearGradient></defs><rect width='560' height='280' fill='url(#g)'/><circle cx='230' cy='140' r='54' fill='#fff' stroke='#3b5bdb' stroke-width='6'/><circle cx='330' cy='140' r='54' fill='#fff' stroke='#3b5bdb' stroke-width='6'/><rect x='218' y='176' width='22' height='58' rx='11' fill='#3b5bdb'/><rect x='320' y='176' width='22' height='58' rx='11' fill='#3b5bdb'/></svg>")}`;
const vip = { identifiers: [{ kind: 'shopUserId', value: 'u1001' }], tier: 'vip', tags: ['user:repeat buyer', 'biz:prefers SF Express', 'brand:apple'] };

// Wang Fang: a VIP who chatted on WeChat last week and now writes from the product page.
await at(7 * 86400, () => wechat.inject({ from: 'oWx-8a9f2c', text: '我的订单什么时候发货？', sender: { name: 'Wang Fang', ...vip } }));
const old = (await h.app.store.listConversations({ tenantId: 'default', limit: 10 }))[0]!;
await at(7 * 86400 - 60, () => h.app.conversations.close(old.id));
const entry = { pageType: 'product', productId: 'SKU-1001', title: 'Wireless Earbuds Pro', url: 'https://shop.example/p/sku-1001' };
// The pages the widget reported before she opened the chat (the web adapter keeps them in attributes.browsingTrail).
const now = Date.now();
const browsingTrail = [
  { pageType: 'home', title: 'Home', url: 'https://shop.example/', at: now - 1_500_000 },
  { pageType: 'product', title: 'Studio Headphones', url: 'https://shop.example/p/sku-0990', at: now - 1_100_000 },
  { pageType: 'product', title: 'Wireless Earbuds Pro', url: 'https://shop.example/p/sku-1001', at: now - 600_000 },
];
await at(420, () => web.inject({ from: 'v-7f3a', text: 'Hi! Do the Wireless Earbuds Pro come in white? And do they work with Android?', sender: { name: 'Wang Fang', ...vip }, entry }));
const wf = (await h.app.store.listConversations({ tenantId: 'default', status: ['queued'], limit: 10 })).find((c) => c.channel === 'web')!;
const wang = await h.app.contacts.get(wf.contactId);
await h.app.contacts.update(wang.id, { attributes: { ...wang.attributes, browsingTrail } });
await at(400, () => h.app.conversations.accept(wf.id, 'alice'));
await at(380, () => h.app.send(wf.id, 'Hi Wang Fang, thanks for waiting! Yes — they come in white and pair with any Android or iPhone over Bluetooth 5.3.', { author: alice }));
const card: Part = {
  type: 'card',
  card: {
    kind: 'product',
    title: 'Wireless Earbuds Pro — White',
    subtitle: 'SKU-1001-W · In stock',
    imageUrl: earbuds,
    fields: [{ label: 'Price', value: '¥ 599' }, { label: 'Delivery', value: 'Tomorrow, SF Express' }],
    actions: [{ id: 'buy', label: 'Add to cart', type: 'postback', style: 'primary' }, { id: 'more', label: 'Details', type: 'link', url: 'https://shop.example/p/sku-1001' }],
  },
};
await at(370, () => h.app.send(wf.id, [card], { author: alice }));
await at(300, () => h.app.send(wf.id, 'VIP since 2021 — offer the 10% loyalty coupon if she hesitates.', { author: alice, direction: 'internal' }));
await at(52, () => web.inject({ from: 'v-7f3a', text: 'Perfect. Is there a coupon for members? I might take two pairs.', sender: { name: 'Wang Fang', ...vip }, entry }));

// Li Lei on WeChat: answered, nothing waiting.
await at(900, () => wechat.inject({ from: 'oWx-33b1', text: '你好，我想改一下收货地址', sender: { name: '李雷' }, entry: { pageType: 'order', orderId: 'ORD-20250611-0042' } }));
const ll = (await h.app.store.listConversations({ tenantId: 'default', status: ['queued'], limit: 10 })).find((c) => c.channel === 'wechat')!;
await at(880, () => h.app.conversations.accept(ll.id, 'alice'));
await at(860, () => h.app.send(ll.id, '好的，请把新地址发给我，我来帮您修改。', { author: alice }));
await at(700, () => wechat.inject({ from: 'oWx-33b1', text: '上海市浦东新区世纪大道 100 号', sender: { name: '李雷' } }));
await at(690, () => h.app.send(ll.id, '已为您修改，预计明天送达。', { author: alice }));

// The queue: one late (red), one getting close (amber), one just in.
await at(250, () => web.inject({ from: 'v-19c2', text: 'My payment failed twice at checkout, can you help?', sender: { name: 'Zhang Wei', tier: 'normal' }, entry: { pageType: 'checkout', title: 'Checkout', url: 'https://shop.example/checkout' } }));
await at(41, () => email.inject({ from: 'emily@example.com', text: 'Hello, I would like to return order ORD-7781, the size is wrong.', sender: { name: 'Emily Carter', identifiers: [{ kind: 'email', value: 'emily@example.com' }] }, entry: { pageType: 'order', orderId: 'ORD-7781' } }));
await at(9, () => web.inject({ from: 'v-5d0e', text: 'Is the 65W charger compatible with the X2 laptop?', sender: { name: 'Olivia Park' }, entry: { pageType: 'product', productId: 'SKU-2040', title: '65W GaN Charger' } }));
h.clock.behindMs = 0;

const browser = (await launchChromium())!;

async function signIn(page: Page): Promise<void> {
  await page.goto(h.consoleUrl);
  await page.getByLabel('Email').fill(AGENTS[0].email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
}

try {
  const desktop = await browser.newPage({ locale: 'en-US', viewport: { width: 1440, height: 900 } });
  await signIn(desktop);
  await desktop.getByRole('tab', { name: /Mine/ }).click();
  await desktop.getByRole('button', { name: /李雷/ }).click();
  await desktop.getByRole('button', { name: /Wang Fang/ }).click();
  await desktop.getByText('Previous conversations').waitFor();
  await desktop.getByRole('tab', { name: /Queue/ }).click();
  await desktop.getByRole('textbox', { name: 'Reply' }).fill('Yes! As a VIP you get 10% off — I’ll add the coupon to your cart.');
  await desktop.waitForTimeout(400);
  await desktop.screenshot({ path: `${out}console-desktop.png` });

  const mobile = await browser.newPage({ locale: 'en-US', viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  await signIn(mobile);
  await mobile.screenshot({ path: `${out}console-mobile-list.png` });
  await mobile.getByRole('tab', { name: /Mine/ }).click();
  await mobile.getByRole('button', { name: /Wang Fang/ }).click();
  await mobile.getByRole('log').waitFor();
  await mobile.waitForTimeout(400);
  await mobile.screenshot({ path: `${out}console-mobile.png` });

  const zh = await browser.newPage({ locale: 'zh-CN', viewport: { width: 1440, height: 900 } });
  await zh.goto(h.consoleUrl);
  await zh.getByLabel('邮箱').fill(AGENTS[0].email);
  await zh.getByLabel('密码').fill(PASSWORD);
  await zh.getByRole('button', { name: '登录' }).click();
  await zh.getByRole('tab', { name: /我的/ }).click();
  await zh.getByRole('button', { name: /李雷/ }).click();
  await zh.waitForTimeout(400);
  await zh.screenshot({ path: `${out}console-desktop-zh.png` });
  console.log(`screenshots written to ${out}`);
} finally {
  await browser.close();
  await h.close();
}
