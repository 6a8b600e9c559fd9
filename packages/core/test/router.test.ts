import { createTestAdapter } from '@kefu/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type KefuApp, type RouterOptions, type RoutingDecision, createApp, createMemoryStore, isKefuError, longestIdle, roundRobin } from '../src/index.js';

let app: KefuApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const agent = (id: string, extra: Partial<{ teams: string[]; skills: Record<string, number>; languages: string[]; capacity: number }> = {}) => ({
  id,
  name: id,
  role: 'agent' as const,
  teams: extra.teams ?? [],
  skills: extra.skills ?? {},
  languages: extra.languages ?? ['zh'],
  capacity: extra.capacity ?? 2,
});

async function boot(router: RouterOptions = {}) {
  const adapter = createTestAdapter({ channel: 'web' });
  app = createApp({ store: createMemoryStore(), router }).adapter(adapter);
  const decisions: RoutingDecision[] = [];
  app.on('routing.decided', ({ decision }) => void decisions.push(decision));
  await app.start();
  return { app, adapter, decisions };
}

describe('router', () => {
  const rules: RouterOptions['rules'] = [
    { name: 'vip-checkout', match: { tier: 'vip', pageType: 'checkout' }, target: { teamId: 'coupon' }, priority: 10 },
    { name: 'product-page', match: { pageType: 'product' }, target: { teamId: 'sales' } },
    { name: 'english', match: { language: 'en' }, target: { skills: ['english'] } },
    { name: 'complaint', match: { tags: ['complaint'] }, target: { teamId: 'care' }, priority: 20 },
    { name: 'wechat', match: { channel: 'wechat' }, target: { teamId: 'wx' } },
  ];

  it.each([
    { name: 'tier + entry page', inject: { sender: { tier: 'vip', identifiers: [{ kind: 'shopUserId', value: 'u1' }] }, entry: { pageType: 'checkout' } }, expect: { rule: 'vip-checkout', agent: 'coupon-1', priority: 10 } },
    { name: 'entry page', inject: { entry: { pageType: 'product' } }, expect: { rule: 'product-page', agent: 'sales-1', priority: 0 } },
    { name: 'language', inject: { language: 'en' }, expect: { rule: 'english', agent: 'en-1', priority: 0 } },
    { name: 'tags', inject: { sender: { tags: ['complaint'] } }, expect: { rule: 'complaint', agent: 'care-1', priority: 20 } },
    { name: 'no rule', inject: {}, expect: { rule: undefined, agent: undefined, priority: 0 } },
  ])('routes by $name', async ({ inject, expect: want }) => {
    const { app, adapter, decisions } = await boot({ rules });
    for (const a of [agent('coupon-1', { teams: ['coupon'] }), agent('sales-1', { teams: ['sales'] }), agent('en-1', { skills: { english: 3 } }), agent('care-1', { teams: ['care'] })]) {
      await app.agents.upsert(a);
      await app.agents.setPresence(a.id, 'online');
    }
    const r = await adapter.inject({ from: 'v1', text: 'hi', ...(inject as object) });
    const d = decisions.at(-1)!;
    expect(d.rule).toBe(want.rule);
    expect(d.priority).toBe(want.priority);
    if (want.agent) {
      expect(r.conversation).toMatchObject({ status: 'assigned', assigneeId: want.agent });
      expect(d.reason).toContain(want.rule!);
    }
  });

  it('matches the tenant, product category and intent dimensions', async () => {
    const { app, adapter, decisions } = await boot({
      rules: [
        { name: 'shop-b', match: { tenantId: 'shop-b' }, target: { teamId: 'b-team' } },
        { name: 'baby', match: { category: 'baby' }, target: { teamId: 'mother-baby' } },
        { name: 'refund', match: { intent: 'refund' }, target: { teamId: 'after-sales' }, priority: 15 },
      ],
    });
    await adapter.inject({ from: 'v1', text: 'hi', tenantId: 'shop-b' });
    expect(decisions.at(-1)!.rule).toBe('shop-b');
    await adapter.inject({ from: 'v2', text: 'hi', entry: { pageType: 'product', category: 'baby' } });
    expect(decisions.at(-1)!.rule).toBe('baby');
    const r = await adapter.inject({ from: 'v3', text: 'hi' });
    expect(decisions.at(-1)!.rule).toBeUndefined();
    await app.conversations.close(r.conversation.id);
    const again = await adapter.inject({ from: 'v4', text: 'refund please' });
    await app.conversations.close(again.conversation.id);
    const claimedByBot = await app.receive({ channel: 'web', address: 'v5', sender: { externalId: 'v5' }, parts: [{ type: 'text', text: 'x' }], route: false });
    await app.conversations.handoff(claimedByBot.conversation.id, { reason: 'bot understood a refund', intent: 'refund' });
    expect(decisions.at(-1)).toMatchObject({ rule: 'refund', priority: 15 });
  });

  it('matches the channel dimension', async () => {
    const { app, decisions } = await boot({ rules });
    await app.receive({ channel: 'wechat', address: 'o1', sender: { externalId: 'o1' }, parts: [{ type: 'text', text: 'hi' }] });
    expect(decisions.at(-1)!.rule).toBe('wechat');
  });

  it('queues when nobody is online and assigns when an agent comes online (no polling)', async () => {
    const { app, adapter } = await boot();
    await app.agents.upsert(agent('a1'));
    const r = await adapter.inject({ from: 'v1', text: 'hi' });
    expect(r.conversation.status).toBe('queued');
    expect(app.conversations.queuePosition(r.conversation.id)).toBe(1);
    await app.agents.setPresence('a1', 'online');
    const c = await app.conversations.get(r.conversation.id);
    expect(c).toMatchObject({ status: 'assigned', assigneeId: 'a1' });
    expect((c.attributes.routing as RoutingDecision).reason).toContain('queue');
  });

  it('respects capacity and serves the queue by priority, then waiting time, when capacity frees', async () => {
    const { app, adapter } = await boot({ rules: [{ name: 'complaint', match: { tags: ['complaint'] }, target: {}, priority: 5 }] });
    await app.agents.upsert(agent('a1', { capacity: 1 }));
    await app.agents.setPresence('a1', 'online');
    const first = await adapter.inject({ from: 'v1', text: 'hi' });
    const normal = await adapter.inject({ from: 'v2', text: 'hi' });
    const complaint = await adapter.inject({ from: 'v3', text: 'angry', sender: { tags: ['complaint'] } });
    expect(first.conversation.assigneeId).toBe('a1');
    expect([normal.conversation.status, complaint.conversation.status]).toEqual(['queued', 'queued']);
    expect(app.conversations.queuePosition(complaint.conversation.id)).toBe(1);
    expect(app.conversations.queuePosition(normal.conversation.id)).toBe(2);
    expect(app.router.agentState('a1')!.load).toBe(1);
    await app.conversations.close(first.conversation.id);
    expect((await app.conversations.get(complaint.conversation.id)).assigneeId).toBe('a1');
    expect((await app.conversations.get(normal.conversation.id)).status).toBe('queued');
    expect(app.router.agentState('a1')!.load).toBe(1);
  });

  it('picks the least busy agent by default', async () => {
    const { app, adapter } = await boot();
    await app.agents.upsert(agent('a1', { capacity: 5 }));
    await app.agents.upsert(agent('a2', { capacity: 5 }));
    await app.agents.setPresence('a1', 'online');
    const x = await adapter.inject({ from: 'v1', text: 'hi' });
    await app.agents.setPresence('a2', 'online');
    const y = await adapter.inject({ from: 'v2', text: 'hi' });
    expect([x.conversation.assigneeId, y.conversation.assigneeId]).toEqual(['a1', 'a2']);
  });

  it('supports round robin and longest idle strategies', async () => {
    for (const [strategy, want] of [
      [roundRobin(), ['a1', 'a2', 'a1']],
      [longestIdle, ['a1', 'a2', 'a1']],
    ] as const) {
      const { app, adapter } = await boot({ strategy });
      for (const id of ['a1', 'a2']) {
        await app.agents.upsert(agent(id, { capacity: 10 }));
        await app.agents.setPresence(id, 'online');
      }
      const got = [];
      for (const v of ['v1', 'v2', 'v3']) got.push((await adapter.inject({ from: v, text: 'x' })).conversation.assigneeId);
      expect(got).toEqual(want);
      await app.close();
    }
  });

  it('transfers to an agent with capacity, refuses one at capacity, and to a team', async () => {
    const { app, adapter } = await boot();
    await app.agents.upsert(agent('a1', { teams: ['pre'] }));
    await app.agents.upsert(agent('a2', { teams: ['after'], capacity: 1 }));
    await app.agents.upsert(agent('a3', { teams: ['after'], capacity: 1 }));
    await app.agents.setPresence('a1', 'online');
    const r = await adapter.inject({ from: 'v1', text: 'hi' });
    expect(r.conversation.assigneeId).toBe('a1');
    await app.agents.setPresence('a2', 'online');
    const moved = await app.conversations.transfer(r.conversation.id, { agentId: 'a2' }, { note: 'refund question', by: { role: 'agent', id: 'a1' } });
    expect(moved.assigneeId).toBe('a2');
    expect(app.router.agentState('a1')!.load).toBe(0);
    const note = (await app.store.listMessages(r.conversation.id)).at(-1)!;
    expect(note).toMatchObject({ direction: 'internal', text: 'refund question' });
    const other = await adapter.inject({ from: 'v2', text: 'hi' });
    await expect(app.conversations.transfer(other.conversation.id, { agentId: 'a2' })).rejects.toSatisfy((e) => isKefuError(e, 'KEFU_AGENT_AT_CAPACITY'));
    const toTeam = await app.conversations.transfer(other.conversation.id, { teamId: 'after' });
    expect(toTeam).toMatchObject({ status: 'queued', teamId: 'after' });
    await app.agents.setPresence('a3', 'online');
    expect((await app.conversations.get(other.conversation.id)).assigneeId).toBe('a3');
  });

  it('puts an agent\'s conversations back in the queue when they go offline (when configured)', async () => {
    const { app, adapter } = await boot({ requeueOnOffline: true });
    await app.agents.upsert(agent('a1'));
    await app.agents.upsert(agent('a2'));
    await app.agents.setPresence('a1', 'online');
    const r = await adapter.inject({ from: 'v1', text: 'hi' });
    expect(r.conversation.assigneeId).toBe('a1');
    await app.agents.setPresence('a2', 'online');
    await app.agents.setPresence('a1', 'offline');
    expect((await app.conversations.get(r.conversation.id)).assigneeId).toBe('a2');
  });

  it('rebuilds loads and the queue from the store after a restart', async () => {
    const store = createMemoryStore();
    const adapter = createTestAdapter({ channel: 'web' });
    const app1 = createApp({ store }).adapter(adapter);
    await app1.start();
    await app1.agents.upsert(agent('a1', { capacity: 1 }));
    await app1.agents.setPresence('a1', 'online');
    const first = await adapter.inject({ from: 'v1', text: 'x' });
    const queued = await adapter.inject({ from: 'v2', text: 'y' });
    await app1.close();

    app = createApp({ store }).adapter(createTestAdapter({ channel: 'web' }));
    await app.start();
    expect(app.router.agentState('a1')).toMatchObject({ load: 1, agent: { presence: 'offline' } });
    expect(app.conversations.queuePosition(queued.conversation.id)).toBe(1);
    await app.agents.setPresence('a1', 'online');
    await app.conversations.close(first.conversation.id);
    expect((await app.conversations.get(queued.conversation.id)).assigneeId).toBe('a1');
  });

  it('lets an agent accept a queued conversation, and only that', async () => {
    const { app, adapter } = await boot();
    await app.agents.upsert(agent('a1'));
    const r = await adapter.inject({ from: 'v1', text: 'x' });
    const accepted = await app.conversations.accept(r.conversation.id, 'a1');
    expect(accepted).toMatchObject({ status: 'assigned', assigneeId: 'a1' });
    await app.conversations.close(r.conversation.id);
    await expect(app.conversations.accept(r.conversation.id, 'a1')).rejects.toSatisfy((e) => isKefuError(e, 'KEFU_ILLEGAL_TRANSITION'));
    await expect(app.conversations.accept(r.conversation.id, 'nobody')).rejects.toSatisfy((e) => isKefuError(e, 'KEFU_NOT_FOUND'));
  });
});
