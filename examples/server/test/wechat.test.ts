import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WechatCipher, buildWechatXml, wechatSignature } from '@kefu/adapter-wechat';
import type { Conversation, Message, Part } from '@kefu/core';
// The WeChat adapter's own fake of api.weixin.qq.com: real HTTP, real JSON and error codes.
import { FakeWechat } from '../../../packages/adapters/wechat/test/fake-wechat.js';
import { DEMO_PASSWORD, call, login, startExample, until } from './helpers.js';
import { exampleOptionsFromEnv } from '../src/index.js';

const APP_ID = 'wx5823bf96d3bd56c7';
const APP_SECRET = 'oa-secret-for-tests';
const TOKEN = 'oa-token';
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const OPENID = 'oUser-0001';

let fake: FakeWechat;
let running: Awaited<ReturnType<typeof startExample>>;

beforeAll(async () => {
  fake = await FakeWechat.start();
  fake.credentials.set(APP_ID, APP_SECRET);
  // Configured the way an operator does it: environment variables.
  const fromEnv = exampleOptionsFromEnv({
    KEFU_DATA_DIR: '/unused',
    KEFU_WECHAT_APP_ID: APP_ID,
    KEFU_WECHAT_APP_SECRET: APP_SECRET,
    KEFU_WECHAT_TOKEN: TOKEN,
    KEFU_WECHAT_ENCODING_AES_KEY: AES_KEY,
    KEFU_WECHAT_MODE: 'safe',
    KEFU_WECHAT_API_BASE_URL: fake.url,
  });
  expect(fromEnv.wechat).toHaveLength(1);
  running = await startExample({ wechat: fromEnv.wechat! });
});
afterAll(async () => {
  await running?.close();
  await fake?.close();
});

/** POSTs a message exactly as WeChat does in safe mode: AES-encrypted, `signature` + `msg_signature`. */
async function postEncrypted(fields: Record<string, string | number>): Promise<Response> {
  // WeChat opens the 48-hour / 5-message customer-service window when the user writes.
  fake.userMessaged(APP_ID, OPENID);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = String(Math.floor(Math.random() * 1e9));
  const encrypted = new WechatCipher(AES_KEY, APP_ID).encrypt(buildWechatXml(fields));
  const query = new URLSearchParams({
    signature: wechatSignature(TOKEN, timestamp, nonce),
    timestamp,
    nonce,
    openid: OPENID,
    encrypt_type: 'aes',
    msg_signature: wechatSignature(TOKEN, timestamp, nonce, encrypted),
  });
  return fetch(`${running.info.url}/webhooks/wechat/oa?${query}`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml' },
    body: `<xml><ToUserName><![CDATA[gh_demo]]></ToUserName><Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>`,
  });
}

const text = (content: string, msgId: string, extra: Record<string, string> = {}) => ({ ToUserName: 'gh_demo', FromUserName: OPENID, CreateTime: Math.floor(Date.now() / 1000), MsgType: 'text', Content: content, MsgId: msgId, ...extra });

describe('WeChat Official Account (safe mode) through the example server', () => {
  it('an encrypted message reaches an agent; the reply and a card go out through the customer-service API; the menu choice comes back tied to its card', { timeout: 60_000 }, async () => {
    expect(running.info.channels).toContain('wechat');
    expect(running.info.webhooks['wechat:oa']).toBe(`${running.info.url}/webhooks/wechat/oa`);
    const res = await postEncrypted(text('我要人工客服', '900001'));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('success');

    // 李强 (after-sales: the WeChat channel's team) sees it queued through the REST API.
    const token = await login(running.info.url, 'li@kefu.demo', DEMO_PASSWORD);
    const item = await until(async () => {
      const { body } = await call<{ items: Array<{ conversation: Conversation; lastMessage?: Message }> }>(running.info.url, token, 'GET', '/conversations?status=queued');
      return body.items.find((i) => i.conversation.channel === 'wechat');
    }, 'the WeChat conversation in the queue');
    const conversation = item.conversation;
    expect(conversation.address).toBe(`oa:${OPENID}`);
    const history = await call<{ items: Message[] }>(running.info.url, token, 'GET', `/conversations/${conversation.id}/messages`);
    expect(history.body.items[0]).toMatchObject({ direction: 'inbound', text: '我要人工客服', externalId: 'oa:900001' });

    // A retry of the same message (WeChat retries when slow) is stored once.
    expect((await postEncrypted(text('我要人工客服', '900001'))).status).toBe(200);

    expect((await call(running.info.url, token, 'POST', `/conversations/${conversation.id}/accept`)).status).toBe(200);
    const reply = await call<{ message: Message }>(running.info.url, token, 'POST', `/conversations/${conversation.id}/messages`, { text: '您好，我是李强，请问有什么可以帮您？' });
    expect(reply.status).toBe(201);
    const sentReply = await until(() => fake.custom.find((r) => (r.body.text as { content?: string } | undefined)?.content === '您好，我是李强，请问有什么可以帮您？'), 'the reply at the fake customer-service API');
    expect(sentReply.owner).toBe(APP_ID);
    expect(sentReply.body).toEqual({ touser: OPENID, msgtype: 'text', text: { content: '您好，我是李强，请问有什么可以帮您？' } });

    // A product card with a signed "ask about this" button → a msgmenu.
    const sentCard = await fetch(`${running.info.url}/api/v1/cards/send`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ conversationId: conversation.id, kind: 'product', ref: 'he-003' }),
    });
    expect(sentCard.status).toBe(200);
    const cardMessage = ((await sentCard.json()) as { message: Message }).message;
    const menu = await until(() => fake.custom.find((r) => r.body.msgtype === 'msgmenu'), 'the msgmenu at the fake API');
    const body = menu.body as { touser: string; msgmenu: { head_content: string; list: Array<{ id: string; content: string }>; tail_content?: string } };
    expect(body.touser).toBe(OPENID);
    expect(body.msgmenu.head_content).toContain('索尼 WH-1000XM5');
    const choice = body.msgmenu.list.find((i) => i.content === '咨询这个商品')!;
    expect(choice).toBeDefined();
    expect(body.msgmenu.tail_content).toContain('/shop/product.html?id=he-003');

    // The shopper taps the choice: WeChat sends a text message carrying bizmsgmenuid.
    expect((await postEncrypted(text(choice.content, '900002', { bizmsgmenuid: choice.id }))).status).toBe(200);
    const tapped = await until(async () => {
      const { body: page } = await call<{ items: Message[] }>(running.info.url, token, 'GET', `/conversations/${conversation.id}/messages`);
      return page.items.find((m) => m.externalId === 'oa:900002');
    }, 'the menu choice in the conversation');
    const action = tapped.parts.find((p): p is Extract<Part, { type: 'action' }> => p.type === 'action');
    expect(action).toMatchObject({ type: 'action', actionId: 'product.ask', label: '咨询这个商品', cardMessageId: cardMessage.id });

    const all = await call<{ items: Message[] }>(running.info.url, token, 'GET', `/conversations/${conversation.id}/messages?limit=500`);
    expect(all.body.items.filter((m) => m.externalId === 'oa:900001')).toHaveLength(1);
  });

  it('refuses a forged msg_signature and stores nothing', async () => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = '12345';
    const encrypted = new WechatCipher(AES_KEY, APP_ID).encrypt(buildWechatXml(text('伪造', '900099')));
    const query = new URLSearchParams({ signature: wechatSignature(TOKEN, timestamp, nonce), timestamp, nonce, encrypt_type: 'aes', msg_signature: 'f'.repeat(40) });
    const res = await fetch(`${running.info.url}/webhooks/wechat/oa?${query}`, { method: 'POST', body: `<xml><Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>` });
    expect(res.status).toBe(401);
    const token = await login(running.info.url, 'admin@kefu.demo');
    const { body } = await call<{ items: Array<{ conversation: Conversation }> }>(running.info.url, token, 'GET', '/conversations?status=bot,queued,assigned,closed');
    for (const { conversation } of body.items) {
      const { body: page } = await call<{ items: Message[] }>(running.info.url, token, 'GET', `/conversations/${conversation.id}/messages`);
      expect(page.items.some((m) => m.externalId?.endsWith('900099'))).toBe(false);
    }
  });
});
