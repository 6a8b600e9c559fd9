import { type KefuApp, createApp, createMemoryStore } from '@kefu/core';
import { createBotPlugin } from '@kefu/plugin-bot';
import { commercePlugin, createDemoCommerceProvider } from '@kefu/plugin-commerce';
import { type TestAdapter, createTestAdapter } from '@kefu/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { workspacePlugin } from '../src/index.js';
import { call } from './harness.js';

const ann = { id: 'ann', tenantId: 'default', role: 'agent' as const, name: 'Ann' };
const bob = { id: 'bob', tenantId: 'default', role: 'agent' as const, name: 'Bob' };
const sue = { id: 'sue', tenantId: 'default', role: 'supervisor' as const, name: 'Sue' };
const other = { id: 'oz', tenantId: 'acme', role: 'supervisor' as const, name: 'Oz' };

let app: KefuApp;
let chat: TestAdapter;

async function setup(extra: (a: KefuApp) => void = () => {}) {
  const store = createMemoryStore();
  chat = createTestAdapter();
  app = createApp({ store, router: { rules: [{ name: 'vip', match: { tier: 'vip' }, target: { skills: ['vip'] }, priority: 10 }] } });
  app.adapter(chat).use(workspacePlugin);
  extra(app);
  await app.start();
  await app.agents.upsert({ id: 'ann', name: 'Ann', role: 'agent', teams: ['pre'], skills: { vip: 3 }, languages: ['zh'], capacity: 2 });
  await app.agents.upsert({ id: 'bob', name: 'Bob', role: 'agent', teams: ['post'], skills: {}, languages: ['zh'], capacity: 3 });
  await app.agents.upsert({ id: 'sue', name: 'Sue', role: 'supervisor', teams: [], skills: {}, languages: ['zh'], capacity: 5 });
  await app.agents.upsert({ id: 'oz', tenantId: 'acme', name: 'Oz', role: 'supervisor', teams: [], skills: {}, languages: ['zh'], capacity: 5 });
  await app.store.upsertTeam({ id: 'pre', tenantId: 'default', name: 'Pre-sales', attributes: {} });
}

afterEach(async () => {
  await app?.close();
});

describe('quick replies', () => {
  beforeEach(() => setup());

  it('keeps personal and team libraries, expands variables and counts uses', async () => {
    const mine = await call(app, 'POST', '/api/v1/workspace/quick-replies', ann, { shortcut: 'hi', title: 'Greeting', text: '您好 {customer.name}，我是 {agent.name}' });
    expect(mine.status).toBe(200);
    expect(mine.json.quickReply).toMatchObject({ scope: 'personal', ownerId: 'ann', usage: 0 });
    // Agents may not write the team library; supervisors may.
    expect((await call(app, 'POST', '/api/v1/workspace/quick-replies', ann, { scope: 'team', shortcut: 'ship', text: 'x' })).status).toBe(403);
    const team = await call(app, 'POST', '/api/v1/workspace/quick-replies', sue, { scope: 'team', shortcut: 'ship', title: 'Shipping', text: '订单 {order.id} 已发货' });
    expect(team.status).toBe(200);

    expect((await call(app, 'GET', '/api/v1/workspace/quick-replies', ann)).json.items.map((r: any) => r.shortcut).sort()).toEqual(['hi', 'ship']);
    // Bob sees the team reply, not Ann's personal one, and cannot change or delete it.
    expect((await call(app, 'GET', '/api/v1/workspace/quick-replies', bob)).json.items.map((r: any) => r.shortcut)).toEqual(['ship']);
    expect((await call(app, 'DELETE', `/api/v1/workspace/quick-replies/${mine.json.quickReply.id}`, bob)).status).toBe(404);
    expect((await call(app, 'PATCH', `/api/v1/workspace/quick-replies/${team.json.quickReply.id}`, bob, { text: 'hacked' })).status).toBe(403);

    const { conversation } = await chat.inject({ from: 'c1', text: '在吗', sender: { name: '王小明' }, entry: { pageType: 'order', orderId: 'O1' } });
    const used = await call(app, 'POST', `/api/v1/workspace/quick-replies/${mine.json.quickReply.id}/use`, ann, { conversationId: conversation.id });
    expect(used.json).toMatchObject({ text: '您好 王小明，我是 Ann', missing: [], usage: 1 });
    const ship = await call(app, 'POST', `/api/v1/workspace/quick-replies/${team.json.quickReply.id}/use`, bob, { conversationId: conversation.id });
    expect(ship.json.text).toBe('订单 O1 已发货');
    // Without a conversation, unknown values stay visible and are listed.
    const bare = await call(app, 'POST', `/api/v1/workspace/quick-replies/${team.json.quickReply.id}/use`, bob, {});
    expect(bare.json).toMatchObject({ text: '订单 {order.id} 已发货', missing: ['order.id'], usage: 2 });
    // Search ranks shortcut prefixes first and sorts by usage.
    const found = await call(app, 'GET', '/api/v1/workspace/quick-replies?q=sh', ann);
    expect(found.json.items.map((r: any) => [r.shortcut, r.usage])).toEqual([['ship', 2]]);
  });

  it('refuses bad input and changes nothing', async () => {
    const bad = [
      [{ shortcut: 'has space', text: 'x' }, 'KEFU_INVALID_INPUT'],
      [{ shortcut: 'ok' }, 'KEFU_INVALID_INPUT'],
      [{ shortcut: 'ok', text: 'hello {custmer.name}' }, 'KEFU_INVALID_INPUT'],
      [{ shortcut: 'ok', text: 'x'.repeat(2001) }, 'KEFU_INVALID_INPUT'],
      [{ scope: 'global', shortcut: 'ok', text: 'x' }, 'KEFU_INVALID_INPUT'],
      ['{not json', 'KEFU_INVALID_INPUT'],
      [[1, 2], 'KEFU_INVALID_INPUT'],
    ] as const;
    for (const [body, code] of bad) {
      const res = await call(app, 'POST', '/api/v1/workspace/quick-replies', ann, body);
      expect(res.status, JSON.stringify(body).slice(0, 40)).toBe(400);
      expect(res.json.error.code).toBe(code);
    }
    expect((await call(app, 'POST', '/api/v1/workspace/quick-replies', ann, { shortcut: 'dup', text: 'a' })).status).toBe(200);
    const dup = await call(app, 'POST', '/api/v1/workspace/quick-replies', ann, { shortcut: 'dup', text: 'b' });
    expect([dup.status, dup.json.error.code]).toEqual([409, 'KEFU_WORKSPACE_SHORTCUT_TAKEN']);
    expect((await call(app, 'GET', '/api/v1/workspace/quick-replies', ann)).json.items).toHaveLength(1);
  });

  it('keeps tenants apart', async () => {
    const team = await call(app, 'POST', '/api/v1/workspace/quick-replies', sue, { scope: 'team', shortcut: 'ship', text: 'x' });
    expect((await call(app, 'GET', '/api/v1/workspace/quick-replies', other)).json.items).toEqual([]);
    expect((await call(app, 'DELETE', `/api/v1/workspace/quick-replies/${team.json.quickReply.id}`, other)).status).toBe(404);
    expect((await call(app, 'GET', '/api/v1/workspace/quick-replies', ann)).json.items).toHaveLength(1);
  });
});

describe('contacts', () => {
  beforeEach(() => setup());

  it('edits tags by kind; merchant tags need a supervisor', async () => {
    const { contact } = await chat.inject({ from: 'c1', text: 'hi', sender: { tags: ['brand:apple'] } });
    const res = await call(app, 'PATCH', `/api/v1/workspace/contacts/${contact.id}/tags`, ann, { add: ['user:学生', 'biz:投诉中'] });
    expect(res.status).toBe(200);
    expect(res.json.tags).toEqual({ user: ['user:学生'], biz: ['biz:投诉中'], merchant: [], other: ['brand:apple'] });
    expect((await call(app, 'PATCH', `/api/v1/workspace/contacts/${contact.id}/tags`, ann, { add: ['merchant:黑五'] })).status).toBe(403);
    expect((await call(app, 'PATCH', `/api/v1/workspace/contacts/${contact.id}/tags`, sue, { add: ['merchant:黑五'], remove: ['biz:投诉中'] })).json.contact.tags).toEqual(['brand:apple', 'user:学生', 'merchant:黑五']);
    for (const body of [{ add: ['plain'] }, { add: ['user:'] }, { add: 'user:x' }, {}, { add: ['user:a,b'] }]) {
      expect((await call(app, 'PATCH', `/api/v1/workspace/contacts/${contact.id}/tags`, sue, body)).status).toBe(400);
    }
    expect((await call(app, 'PATCH', `/api/v1/workspace/contacts/${contact.id}/tags`, other, { add: ['user:x'] })).status).toBe(404);
    expect((await app.contacts.get(contact.id)).tags).toEqual(['brand:apple', 'user:学生', 'merchant:黑五']);
  });

  it('merges and splits for supervisors only, with the audit trail', async () => {
    const a = await chat.inject({ from: 'web-1', text: 'hi' });
    const b = await chat.inject({ from: 'mail-1', text: 'hello' });
    expect((await call(app, 'POST', `/api/v1/workspace/contacts/${a.contact.id}/merge`, ann, { sourceId: b.contact.id })).status).toBe(403);
    expect((await call(app, 'POST', `/api/v1/workspace/contacts/${a.contact.id}/merge`, sue, {})).status).toBe(400);
    expect((await call(app, 'POST', `/api/v1/workspace/contacts/${a.contact.id}/merge`, other, { sourceId: b.contact.id })).status).toBe(404);
    const merged = await call(app, 'POST', `/api/v1/workspace/contacts/${a.contact.id}/merge`, sue, { sourceId: b.contact.id, reason: 'same phone' });
    expect(merged.status).toBe(200);
    expect(merged.json.contact.identities).toHaveLength(2);
    expect(merged.json.audit).toEqual([expect.objectContaining({ action: 'merged', by: 'sue' })]);

    expect((await call(app, 'POST', `/api/v1/workspace/contacts/${a.contact.id}/split`, sue, { identities: [{ channel: 'test', externalId: 'nope' }] })).status).toBe(400);
    expect((await call(app, 'POST', `/api/v1/workspace/contacts/${a.contact.id}/split`, sue, { identities: 'x' })).status).toBe(400);
    expect((await call(app, 'POST', `/api/v1/workspace/contacts/${a.contact.id}/split`, ann, { identities: [{ channel: 'test', externalId: 'mail-1' }] })).status).toBe(403);
    const split = await call(app, 'POST', `/api/v1/workspace/contacts/${a.contact.id}/split`, sue, { identities: [{ channel: 'test', externalId: 'mail-1' }] });
    expect(split.status).toBe(200);
    expect(split.json.created.identities).toEqual([{ channel: 'test', externalId: 'mail-1' }]);
    const audit = await call(app, 'GET', `/api/v1/workspace/contacts/${a.contact.id}/audit`, ann);
    expect(audit.json.items.map((e: any) => e.action)).toEqual(['merged', 'split']);
  });

  it('answers the customer 360 across channels, with no commerce provider', async () => {
    const first = await chat.inject({ from: 'c1', text: 'first', entry: { pageType: 'product', productId: 'p1' } });
    await app.conversations.close(first.conversation.id);
    await chat.inject({ from: 'c1', text: 'second' });
    const res = await call(app, 'GET', `/api/v1/workspace/contacts/${first.contact.id}/360`, ann);
    expect(res.json.conversations.map((r: any) => r.lastMessage.text)).toEqual(['second', 'first']);
    expect(res.json).toMatchObject({ channels: ['test'], commerce: null, commerceAvailable: false, browsingTrail: [] });
    expect((await call(app, 'GET', `/api/v1/workspace/contacts/${first.contact.id}/360`, other)).status).toBe(404);
  });
});

describe('routing and supervision', () => {
  beforeEach(() => setup());

  it('shows decisions (candidates to supervisors only), queues with waits, loads and transfer targets', async () => {
    await app.agents.setPresence('ann', 'online');
    const vip = await chat.inject({ from: 'v1', text: 'hi', sender: { tier: 'vip' } });
    const normal = await chat.inject({ from: 'n1', text: 'hi' });
    expect((await app.conversations.get(vip.conversation.id)).assigneeId).toBe('ann');

    const asSupervisor = await call(app, 'GET', `/api/v1/workspace/conversations/${vip.conversation.id}/routing`, sue);
    expect(asSupervisor.json.routing).toMatchObject({ rule: 'vip', chosen: 'ann', outcome: 'assigned', candidates: [{ agentId: 'ann' }] });
    const asAgent = await call(app, 'GET', `/api/v1/workspace/conversations/${vip.conversation.id}/routing`, bob);
    expect(asAgent.json.routing.rule).toBe('vip');
    expect(asAgent.json.routing.candidates).toBeUndefined();
    expect((await call(app, 'GET', `/api/v1/workspace/conversations/${vip.conversation.id}/routing`, other)).status).toBe(404);

    // Ann has one free seat: the normal shopper was assigned to her too; a third one waits.
    await chat.inject({ from: 'n2', text: 'hi' });
    const view = await call(app, 'GET', '/api/v1/workspace/supervisor', sue);
    expect(view.json.totals).toMatchObject({ queued: 1, online: 1, load: 2 });
    expect(view.json.queues[0].items[0]).toMatchObject({ position: 1, estimatedWaitSeconds: expect.any(Number), routing: expect.objectContaining({ outcome: 'queued' }) });
    expect(view.json.agents.find((a: any) => a.id === 'ann')).toMatchObject({ load: 2, capacity: 2, conversations: expect.arrayContaining([expect.objectContaining({ conversationId: normal.conversation.id })]) });
    expect((await call(app, 'GET', '/api/v1/workspace/supervisor', ann)).status).toBe(403);
    expect((await call(app, 'GET', '/api/v1/workspace/supervisor', other)).json.totals.queued).toBe(0);

    await app.agents.setPresence('bob', 'online');
    const targets = await call(app, 'GET', '/api/v1/workspace/transfer-targets', ann);
    expect(targets.json.agents.map((a: any) => [a.id, a.free])).toEqual([['bob', 2], ['sue', 5]]);
    expect(targets.json.teams).toEqual([{ id: 'pre', name: 'Pre-sales', members: 1, online: 1, free: 0 }]);
  });
});

describe('with commerce and the bot', () => {
  beforeEach(() =>
    setup((a) => {
      a.use(commercePlugin, { provider: createDemoCommerceProvider({ store: a.store, clock: a.clock }) });
      a.use(createBotPlugin({ entries: [{ id: 'ship', question: '运费怎么算', answer: '满99元包邮' }], greet: false }));
    }),
  );

  it('adds orders, spend and coupons to the 360, and suggests answers for the last customer message', async () => {
    const r = await chat.inject({ from: 'u1', text: '运费怎么算呀', sender: { identifiers: [{ kind: 'shopUserId', value: 'u1001' }] } });
    const profile = await call(app, 'GET', `/api/v1/workspace/contacts/${r.contact.id}/360`, ann);
    expect(profile.json.commerce.customer.id).toBe('u1001');
    expect(profile.json.commerce.orders.length).toBeGreaterThan(0);
    expect(profile.json.stage).toBe('ordered-not-paid');
    const assist = await call(app, 'GET', `/api/v1/workspace/conversations/${r.conversation.id}/assist`, ann);
    expect(assist.json.available).toBe(true);
    expect(assist.json.text).toBe('运费怎么算呀');
    expect(assist.json.items[0]).toMatchObject({ entryId: 'ship', answer: '满99元包邮' });
  });
});

describe('without the bot', () => {
  beforeEach(() => setup());
  it('says assist is not available', async () => {
    const r = await chat.inject({ from: 'c1', text: 'hi' });
    expect((await call(app, 'GET', `/api/v1/workspace/conversations/${r.conversation.id}/assist`, ann)).json).toEqual({ available: false, text: null, items: [] });
  });
});
