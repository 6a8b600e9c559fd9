import { type Contact, type KefuApp, type KefuEvents, type Message, type Plugin, type Store, createApp, createMemoryStore } from '@kefu/core';
import { FakeClock, type TestAdapter, createTestAdapter } from '@kefu/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type BotCommerce, type BotPluginOptions, createBotPlugin } from '../src/index.js';
import { KB } from './fixtures/kb.js';

type BotEvent = 'bot.answered' | 'bot.suggested' | 'bot.fell_back' | 'bot.handed_off' | 'bot.resolved';
const BOT_EVENTS: BotEvent[] = ['bot.answered', 'bot.suggested', 'bot.fell_back', 'bot.handed_off', 'bot.resolved'];

let running: KefuApp[] = [];
afterEach(async () => {
  for (const app of running) await app.close();
  running = [];
});

async function start(options: BotPluginOptions = {}, extra: { clock?: FakeClock; store?: Store; before?: Plugin[] } = {}) {
  const store = extra.store ?? createMemoryStore(extra.clock ? { clock: extra.clock } : {});
  const adapter = createTestAdapter();
  const app = createApp({ store, ...(extra.clock ? { clock: extra.clock } : {}) });
  app.adapter(adapter);
  for (const p of extra.before ?? []) app.use(p);
  app.use(createBotPlugin({ entries: KB, llm: false, ...options }));
  const events: Array<{ name: BotEvent; payload: KefuEvents[BotEvent] }> = [];
  for (const name of BOT_EVENTS) app.on(name, (payload) => void events.push({ name, payload }));
  await app.start();
  running.push(app);
  return { app, adapter, store, events, of: (name: BotEvent) => events.filter((e) => e.name === name).map((e) => e.payload as never) };
}

async function botMessages(app: KefuApp, conversationId: string): Promise<Message[]> {
  return (await app.store.listMessages(conversationId)).filter((m) => m.author.role === 'bot');
}

async function addAgent(app: KefuApp, id = 'alice', skills: Record<string, number> = {}) {
  await app.agents.upsert({ id, name: id, role: 'agent', teams: [], skills, languages: ['zh', 'en'], capacity: 3 });
  await app.agents.setPresence(id, 'online');
}

function say(adapter: TestAdapter, from: string, text: string, sender: { tier?: string; tags?: string[] } = {}) {
  return adapter.inject({ from, text, sender });
}

describe('answers from the knowledge base', () => {
  it('answers, claims the conversation and emits bot.answered', async () => {
    const { app, adapter, of } = await start();
    const r = await say(adapter, 'u1', '请问包邮吗？');
    expect(r.conversation.status).toBe('bot');
    const [reply] = await botMessages(app, r.conversation.id);
    expect(reply?.text).toBe('满 99 元包邮，不满收 8 元运费。');
    expect(reply?.meta?.bot).toMatchObject({ entryId: 'ship-fee', source: 'kb' });
    expect(of('bot.answered')).toEqual([expect.objectContaining({ entryId: 'ship-fee', source: 'kb', conversation: expect.objectContaining({ id: r.conversation.id }) })]);
  });

  it('gives tier, tag and language variants (千人千面)', async () => {
    const { app, adapter } = await start();
    const vip = await adapter.inject({ from: 'vip', text: '包邮吗', sender: { tier: 'vip', identifiers: [{ kind: 'shopUserId', value: 'v1' }] } });
    const fresh = await say(adapter, 'new', '包邮吗', { tags: ['new'] });
    const english = await say(adapter, 'en', 'is shipping free?');
    const vipEnglish = await adapter.inject({ from: 'vip-en', text: 'is shipping free?', sender: { tier: 'vip', identifiers: [{ kind: 'shopUserId', value: 'v2' }] } });
    expect((await botMessages(app, vip.conversation.id))[0]?.text).toBe('VIP 会员全场包邮。');
    expect((await botMessages(app, fresh.conversation.id))[0]?.text).toBe('新客首单包邮。');
    expect((await botMessages(app, english.conversation.id))[0]?.text).toBe('Free shipping from ¥99; otherwise ¥8.');
    expect((await botMessages(app, vipEnglish.conversation.id))[0]?.text).toBe('As a VIP every order ships free.');
  });

  it('offers "did you mean" as a card with reply buttons, and a pressed button is answered', async () => {
    const { app, adapter, of } = await start({ understanding: { thresholds: { answer: 0.99, suggest: 0.2, margin: 1 } }, unansweredLimit: 0 });
    const r = await say(adapter, 'u1', '发票怎么弄 公司用');
    const [card] = await botMessages(app, r.conversation.id);
    const part = card?.parts[0];
    expect(part?.type).toBe('card');
    if (part?.type !== 'card') throw new Error('no card');
    expect(part.card.kind).toBe('suggestions');
    expect(part.card.actions?.length).toBeGreaterThan(0);
    expect(part.card.actions?.every((a) => a.type === 'reply' && a.value)).toBe(true);
    expect(of('bot.suggested')[0]).toMatchObject({ entryIds: expect.arrayContaining(['invoice-how']) });
    const pressed = part.card.actions!.find((a) => a.id === 'kb:invoice-how')!;
    await adapter.inject({ from: 'u1', parts: [{ type: 'action', actionId: pressed.id, value: pressed.value! }] });
    const replies = await botMessages(app, r.conversation.id);
    expect(replies.at(-1)?.text).toBe('在订单详情申请电子发票。');
  });
});

describe('handoff', () => {
  it('hands off on an explicit request with the summary, and steps back once assigned', async () => {
    const { app, adapter, of } = await start();
    await addAgent(app);
    await say(adapter, 'u1', '退款多久到账');
    const r = await say(adapter, 'u1', '转人工');
    expect(r.conversation.status).toBe('assigned');
    expect(r.conversation.assigneeId).toBe('alice');
    const handoff = r.conversation.attributes.handoff as { reason: string; summary: string };
    expect(handoff.reason).toBe('explicit');
    expect(handoff.summary).toContain('reason: explicit');
    expect(handoff.summary).toContain('customer: 退款多久到账');
    expect(handoff.summary).toContain('bot: 审核后 1–3 天原路退回。');
    expect(of('bot.handed_off')).toEqual([expect.objectContaining({ reason: 'explicit', summary: handoff.summary })]);
    const before = (await botMessages(app, r.conversation.id)).length;
    await say(adapter, 'u1', '包邮吗');
    expect((await botMessages(app, r.conversation.id)).length).toBe(before);
  });

  it('hands off after N unanswered turns', async () => {
    const { app, adapter, of } = await start({ unansweredLimit: 2 });
    const first = await say(adapter, 'u1', '今天天气怎么样');
    expect(first.conversation.status).toBe('bot');
    expect((await botMessages(app, first.conversation.id))[0]?.text).toContain('抱歉，我还没理解');
    expect(of('bot.fell_back')).toHaveLength(1);
    const second = await say(adapter, 'u1', '给我讲个笑话');
    expect(second.conversation.status).toBe('queued');
    expect(of('bot.handed_off')[0]).toMatchObject({ reason: 'unanswered' });
  });

  it('answering resets the unanswered count', async () => {
    const { adapter } = await start({ unansweredLimit: 2 });
    await say(adapter, 'u1', '今天天气怎么样');
    await say(adapter, 'u1', '包邮吗');
    const r = await say(adapter, 'u1', '给我讲个笑话');
    expect(r.conversation.status).toBe('bot');
  });

  it('hands angry customers over with priority', async () => {
    const { adapter, of } = await start({ angryPriority: 30 });
    const r = await say(adapter, 'u1', '等了十天还没到，你们这些骗子，垃圾服务！！');
    expect(r.conversation.status).toBe('queued');
    expect(r.conversation.priority).toBe(30);
    expect(of('bot.handed_off')[0]).toMatchObject({ reason: 'negative_sentiment' });
  });

  it('sends configured tiers straight to a person', async () => {
    const { adapter, of } = await start({ humanTiers: ['vip'] });
    const r = await adapter.inject({ from: 'v', text: '包邮吗', sender: { tier: 'vip', identifiers: [{ kind: 'shopUserId', value: 'v1' }] } });
    expect(r.conversation.status).toBe('queued');
    expect(of('bot.handed_off')[0]).toMatchObject({ reason: 'tier' });
  });

  it('hands off intents that need a person, with the skills for the router', async () => {
    const { app, adapter, of } = await start({ handoffIntents: ['change_address'], skills: { byIntent: { change_address: ['logistics'] } } });
    const decisions: KefuEvents['routing.decided'][] = [];
    app.on('routing.decided', (d) => void decisions.push(d));
    await addAgent(app, 'bob', { logistics: 3 });
    await addAgent(app, 'carol', {});
    const r = await say(adapter, 'u1', '地址填错了，改成上海市浦东新区1号');
    expect(r.conversation.assigneeId).toBe('bob');
    expect(decisions[0]?.decision.target.skills).toEqual(['logistics']);
    expect(of('bot.handed_off')[0]).toMatchObject({ reason: 'intent', intent: 'change_address' });
    expect((r.conversation.attributes.handoff as { summary: string }).summary).toContain('address=上海市浦东新区1号');
  });
});

describe('business hours', () => {
  const businessHours = { timeZone: 'Asia/Shanghai', weekly: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [['09:00', '18:00']]])) } as BotPluginOptions['businessHours'];

  it('outside hours says so, offers to leave a message, and queues the message', async () => {
    // 02:00 in Shanghai.
    const clock = new FakeClock(Date.UTC(2026, 10, 10, 18, 0));
    const { app, adapter, of } = await start({ businessHours }, { clock });
    const r = await say(adapter, 'u1', '人工');
    expect(r.conversation.status).toBe('bot');
    const [closed, card] = (await botMessages(app, r.conversation.id))[0]!.parts;
    expect(closed).toEqual({ type: 'text', text: expect.stringContaining('每天 09:00–18:00') });
    expect(card).toMatchObject({ type: 'card', card: { kind: 'leave-message', actions: [{ type: 'reply', value: '留言' }] } });
    await say(adapter, 'u1', '留言');
    expect((await botMessages(app, r.conversation.id)).at(-1)?.text).toContain('请留下您的问题');
    const left = await say(adapter, 'u1', '订单 2026111100123 想改成顺丰，谢谢');
    expect(left.conversation.status).toBe('queued');
    expect(of('bot.handed_off')[0]).toMatchObject({ reason: 'left_message' });
    expect((await botMessages(app, r.conversation.id)).at(-1)?.text).toContain('已收到您的留言');
  });

  it('inside hours hands off as usual', async () => {
    // 10:00 in Shanghai.
    const clock = new FakeClock(Date.UTC(2026, 10, 11, 2, 0));
    const { adapter, of } = await start({ businessHours }, { clock });
    const r = await say(adapter, 'u1', '人工');
    expect(r.conversation.status).toBe('queued');
    expect(of('bot.handed_off')[0]).toMatchObject({ reason: 'explicit' });
  });

  it('refuses a malformed schedule', () => {
    expect(() => createBotPlugin({ businessHours: { timeZone: 'Mars/Olympus', weekly: {} } })).toThrowError(expect.objectContaining({ code: 'KEFU_BOT_INVALID_OPTIONS' }));
    expect(() => createBotPlugin({ businessHours: { timeZone: 'Asia/Shanghai', weekly: { mon: [['18:00', '09:00']] } } })).toThrowError(expect.objectContaining({ code: 'KEFU_BOT_INVALID_OPTIONS' }));
  });
});

describe('while queued', () => {
  it('keeps answering and shows the queue position', async () => {
    const { app, adapter } = await start();
    const a = await say(adapter, 'a', '转人工');
    const b = await say(adapter, 'b', '人工客服');
    expect([a.conversation.status, b.conversation.status]).toEqual(['queued', 'queued']);
    await say(adapter, 'b', '包邮吗');
    const answer = (await botMessages(app, b.conversation.id)).at(-1)!;
    expect(answer.text).toContain('满 99 元包邮');
    expect(answer.text).toContain('第 2 位');
    await say(adapter, 'b', '嗯嗯');
    expect((await botMessages(app, b.conversation.id)).at(-1)?.text).toContain('第 2 位');
  });
});

describe('messages without text', () => {
  it('leaves a picture to a person but ignores channel events', async () => {
    const { adapter } = await start();
    await say(adapter, 'u1', '包邮吗');
    const event = await adapter.inject({ from: 'u1', parts: [{ type: 'event', name: 'widget.focused' }] });
    expect(event.conversation.status).toBe('bot');
    const picture = await adapter.inject({ from: 'u1', parts: [{ type: 'image', url: 'https://example.com/broken.jpg' }] });
    expect(picture.conversation.status).toBe('queued');
  });
});

describe('metrics', () => {
  it('emits bot.resolved when a conversation the bot answered closes without a human', async () => {
    const { app, adapter, of } = await start();
    const solved = await say(adapter, 'u1', '包邮吗');
    await app.conversations.close(solved.conversation.id);
    const handed = await say(adapter, 'u2', '转人工');
    await app.conversations.close(handed.conversation.id);
    const silent = await say(adapter, 'u3', '今天天气怎么样');
    await app.conversations.close(silent.conversation.id);
    expect(of('bot.resolved').map((p: { conversation: { id: string } }) => p.conversation.id)).toEqual([solved.conversation.id]);
  });
});

describe('knowledge base in the running app', () => {
  it('hot-reloads with kb.replace and rejects a bad set without changing anything', async () => {
    const { app, adapter } = await start();
    await app.services.bot.kb.replace([{ id: 'new-fee', question: '运费怎么算', similar: ['包邮吗'], answer: '全场包邮！' }]);
    const r = await say(adapter, 'u1', '包邮吗');
    expect((await botMessages(app, r.conversation.id))[0]?.text).toBe('全场包邮！');
    await expect(app.services.bot.kb.replace([{ id: 'x', question: '' }])).rejects.toMatchObject({ code: 'KEFU_BOT_INVALID_ENTRY' });
    await say(adapter, 'u1', '运费怎么算');
    expect((await botMessages(app, r.conversation.id)).at(-1)?.text).toBe('全场包邮！');
  });

  it('keeps the knowledge base across a restart', async () => {
    const store = createMemoryStore();
    const first = await start({}, { store });
    await first.app.services.bot.kb.replace([{ id: 'only', question: '营业时间', answer: '9 点到 24 点' }]);
    await first.app.close();
    running = running.filter((a) => a !== first.app);
    const second = await start({}, { store });
    expect(second.app.services.bot.kb.list().map((e) => e.id)).toEqual(['only']);
  });

  it('suggests answers to agents and lists top questions by entry page', async () => {
    const { app, adapter } = await start();
    const assist = app.services.bot.suggestFor('退款什么时候到', { tier: 'normal' });
    expect(assist[0]).toMatchObject({ entryId: 'refund-when', answer: '审核后 1–3 天原路退回。' });
    expect(assist.length).toBeLessThanOrEqual(3);
    for (let i = 0; i < 3; i++) await say(adapter, `p${i}`, '能用微信支付吗');
    const product = app.services.bot.topQuestions({ pageType: 'product' });
    expect(product.every((e) => e.stage === 'pre-sale')).toBe(true);
    expect(product[0]?.id).toBe('pay-methods');
    expect(app.services.bot.topQuestions({ pageType: 'order' }).every((e) => e.stage === 'after-sale')).toBe(true);
    expect(app.services.bot.topQuestions().length).toBeLessThanOrEqual(10);
  });

  it('greets a conversation opened without text with the "guess" card for its page', async () => {
    const { app, adapter } = await start();
    const r = await adapter.inject({ from: 'w', parts: [{ type: 'event', name: 'widget.opened' }], entry: { pageType: 'order' } });
    const [greet] = await botMessages(app, r.conversation.id);
    const part = greet?.parts[0];
    expect(part?.type === 'card' && part.card.title).toBe('猜你想问');
    const ids = (part?.type === 'card' ? (part.card.data as { entryIds: string[] }).entryIds : []).map((id) => KB.find((e) => e.id === id)?.stage);
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.every((s) => s === 'after-sale')).toBe(true);
  });
});

describe('commerce intents', () => {
  const contactSeen: Contact[] = [];
  const commerce: BotCommerce = {
    async latestShippedOrder(contact, opts) {
      contactSeen.push(contact);
      return { order: { id: opts?.orderId ?? 'O-1001', status: 'shipped' }, logistics: { courier: '中通', trackingNumber: '7788', station: '杭州转运中心 已发出', courierName: '王师傅', courierPhone: '13800000000' } };
    },
    async refundableOrders() {
      return [{ id: 'O-1', status: 'delivered', title: '羊毛围巾', total: 199 }];
    },
    async recommend(_c, query) {
      return [{ id: 'p1', title: `耳机 ≤${query.budget}`, price: 299 }];
    },
  };

  it('answers "where is my parcel" with the logistics card of the latest shipped order', async () => {
    const { app, adapter, of } = await start({ commerce });
    const r = await say(adapter, 'u1', '我的快递到哪了');
    const part = (await botMessages(app, r.conversation.id))[0]?.parts[0];
    expect(part).toMatchObject({ type: 'card', card: { kind: 'logistics', data: { orderId: 'O-1001', station: '杭州转运中心 已发出', courierPhone: '13800000000' } } });
    expect(of('bot.answered')[0]).toMatchObject({ source: 'commerce', intent: 'logistics' });
    expect(contactSeen[0]?.id).toBe(r.contact.id);
  });

  it('answers refund and recommendation intents with cards', async () => {
    const { app, adapter } = await start({ commerce });
    const refund = await say(adapter, 'u1', '我要退款');
    expect((await botMessages(app, refund.conversation.id))[0]?.parts[0]).toMatchObject({ type: 'card', card: { kind: 'order-list', items: [{ title: '羊毛围巾', actions: [{ type: 'reply' }] }] } });
    const rec = await say(adapter, 'u2', '推荐一款300元以内的耳机');
    expect((await botMessages(app, rec.conversation.id))[0]?.parts[0]).toMatchObject({ type: 'card', card: { kind: 'product-list', items: [{ title: '耳机 ≤300' }] } });
  });

  it('keeps a precise KB answer about something else', async () => {
    const { app, adapter } = await start({ commerce });
    const r = await say(adapter, 'u1', '退款多久到账？');
    expect((await botMessages(app, r.conversation.id))[0]?.text).toBe('审核后 1–3 天原路退回。');
  });

  it('uses app.services.commerce when present and answers from the KB when commerce fails', async () => {
    const broken: BotCommerce = { ...commerce, latestShippedOrder: async () => Promise.reject(new Error('shop API down')) };
    const provider: Plugin = { name: 'commerce', setup: (app) => app.provide('commerce' as never, broken as never) };
    const { app, adapter } = await start({}, { before: [provider] });
    const r = await say(adapter, 'u1', '我的快递到哪了');
    expect((await botMessages(app, r.conversation.id))[0]?.text).toBe('请在「我的订单」查看物流。');
  });
});
