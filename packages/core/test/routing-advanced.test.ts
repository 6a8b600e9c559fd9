import { FakeClock, createTestAdapter } from '@kefu/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type KefuApp, type RouterOptions, type RoutingDecision, createApp, createMemoryStore, isKefuError, isOpen } from '../src/index.js';

let app: KefuApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const T0 = Date.UTC(2026, 10, 11, 2, 0); // 10:00 in Shanghai, a Wednesday

async function boot(router: RouterOptions = {}, clock = new FakeClock(T0)) {
  const adapter = createTestAdapter({ channel: 'web' });
  app = createApp({ store: createMemoryStore({ clock }), clock, router }).adapter(adapter);
  await app.start();
  return { app, adapter, clock };
}
const online = async (a: KefuApp, id: string, extra: Record<string, unknown> = {}) => {
  await a.agents.upsert({ id, name: id, role: 'agent', teams: [], skills: {}, languages: ['zh'], ...extra });
  await a.agents.setPresence(id, 'online');
};
const routing = async (a: KefuApp, id: string) => (await a.conversations.get(id)).attributes.routing as RoutingDecision;

describe('business hours', () => {
  const humans = { timeZone: 'Asia/Shanghai', hours: [{ days: [1, 2, 3, 4, 5, 6, 7], open: '07:00', close: '24:00' }], closedOn: ['2026-11-12'] };
  it.each([
    [Date.UTC(2026, 10, 11, 2, 0), true], // 10:00
    [Date.UTC(2026, 10, 10, 22, 59), false], // 06:59
    [Date.UTC(2026, 10, 10, 23, 0), true], // 07:00
    [Date.UTC(2026, 10, 11, 15, 59), true], // 23:59
    [Date.UTC(2026, 10, 12, 4, 0), false], // a closed day
  ])('isOpen(%s) = %s', (time, open) => {
    expect(isOpen(humans, time)).toBe(open);
  });

  it('routes by business hours of a schedule', async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 10, 20, 0)); // 04:00 in Shanghai
    const { adapter, app } = await boot(
      {
        schedules: { humans },
        rules: [
          { name: 'night', match: { schedule: 'humans', open: false }, target: { teamId: 'night-shift' } },
          { name: 'day', match: { schedule: 'humans', open: true }, target: { teamId: 'day-shift' } },
        ],
      },
      clock,
    );
    const night = await adapter.inject({ from: 'v1', text: 'hello there' });
    expect((await routing(app, night.conversation.id)).rule).toBe('night');
    await clock.advance(6 * 3_600_000); // 10:00
    const day = await adapter.inject({ from: 'v2', text: 'hello there' });
    expect((await routing(app, day.conversation.id)).rule).toBe('day');
  });
});

describe('skills, capacity, language', () => {
  it('requires skill levels', async () => {
    const { adapter, app } = await boot({ rules: [{ name: 'overseas', match: { tags: ['overseas'] }, target: { skills: ['overseas'], minSkillLevel: 3 } }] });
    await online(app, 'junior', { skills: { overseas: 2 } });
    await online(app, 'senior', { skills: { overseas: 4 } });
    const r = await adapter.inject({ from: 'v1', text: 'customs?', sender: { tags: ['overseas'] } });
    expect(r.conversation.assigneeId).toBe('senior');
  });

  it('gives agents a default capacity of 5 and clamps it to the hard limit', async () => {
    const { app } = await boot({ maxCapacity: 8 });
    expect((await app.agents.upsert({ id: 'a', name: 'a', role: 'agent', teams: [], skills: {}, languages: [] })).capacity).toBe(5);
    expect((await app.agents.upsert({ id: 'b', name: 'b', role: 'agent', teams: [], skills: {}, languages: [], capacity: 50 })).capacity).toBe(8);
  });

  it('detects the language when the customer did not state it and routes by it', async () => {
    const { adapter, app } = await boot({ rules: [{ name: 'english', match: { language: 'en' }, target: { teamId: 'en' } }] });
    await online(app, 'zh-agent', { teams: ['zh'] });
    await online(app, 'en-agent', { teams: ['en'], languages: ['en'] });
    const r = await adapter.inject({ from: 'v1', text: 'Hello, where is my parcel please?' });
    expect(r.conversation.language).toBe('en');
    expect(r.conversation.assigneeId).toBe('en-agent');
    const zh = await adapter.inject({ from: 'v2', text: '你好，我的快递到哪里了' });
    expect(zh.conversation.language).toBe('zh');
  });
});

describe('priorities', () => {
  it('serves VIPs and complaints before others, then by waiting time', async () => {
    const { adapter, app, clock } = await boot();
    const normal = await adapter.inject({ from: 'n', text: 'hi' });
    await clock.advance(1000);
    const vip = await adapter.inject({ from: 'v', text: 'hi', sender: { tier: 'vip', identifiers: [{ kind: 'shopUserId', value: 'u-vip' }] } });
    await clock.advance(1000);
    const complaint = await adapter.inject({ from: 'c', text: 'hi' });
    await app.conversations.update(complaint.conversation.id, { attributes: { ...complaint.conversation.attributes, intent: 'complaint' } });
    await app.conversations.handoff(complaint.conversation.id, { reason: 'angry', intent: 'complaint' });
    const order = app.router.queued().map((q) => q.conversationId);
    expect(order).toEqual([complaint.conversation.id, vip.conversation.id, normal.conversation.id]);
    expect(app.router.estimatedWaitSeconds(normal.conversation.id)).toBe(180);
  });
});

describe('dedicated agent', () => {
  it('offers a returning customer to the agent who served them last', async () => {
    const { adapter, app } = await boot();
    await online(app, 'a1');
    const first = await adapter.inject({ from: 'v1', text: 'hi' });
    expect(first.conversation.assigneeId).toBe('a1');
    await app.conversations.close(first.conversation.id);
    await online(app, 'a2');
    const again = await adapter.inject({ from: 'v1', text: 'me again' });
    expect(again.conversation.assigneeId).toBe('a1');
    expect((await routing(app, again.conversation.id)).rule).toBe('dedicated');
  });

  it('offers the account manager first and falls back after the timeout', async () => {
    const { adapter, app, clock } = await boot({ dedicated: { timeoutMs: 30_000 } });
    await app.agents.upsert({ id: 'manager', name: 'm', role: 'agent', teams: [], skills: {}, languages: [] });
    await online(app, 'other');
    const seed = await adapter.inject({ from: 'vip1', text: 'x', sender: { identifiers: [{ kind: 'shopUserId', value: 'u9' }] } });
    await app.conversations.close(seed.conversation.id);
    await app.contacts.update(seed.contact.id, { attributes: { accountManager: 'manager' } });
    const r = await adapter.inject({ from: 'vip1', text: 'need help' });
    expect(r.conversation.status).toBe('queued');
    expect((await routing(app, r.conversation.id)).target).toEqual({ agentId: 'manager' });
    await clock.advance(30_000);
    await app.scheduler.runDue();
    const after = await app.conversations.get(r.conversation.id);
    expect(after.assigneeId).toBe('other');
    expect((after.attributes.routing as RoutingDecision).reason).toContain('dedicated agent did not take it in time');
  });
});

describe('overflow and re-routing', () => {
  it('lets another team take a conversation that waited past the threshold', async () => {
    const { adapter, app, clock } = await boot({ rules: [{ name: 'pre', target: { teamId: 'pre', overflow: { afterMs: 60_000, teamId: 'after' } } }] });
    await online(app, 'after-1', { teams: ['after'] });
    const r = await adapter.inject({ from: 'v1', text: 'hi' });
    expect(r.conversation.status).toBe('queued');
    await clock.advance(60_000);
    await app.scheduler.runDue();
    const c = await app.conversations.get(r.conversation.id);
    expect(c.assigneeId).toBe('after-1');
    expect((c.attributes.routing as RoutingDecision).reason).toContain('overflow');
  });

  it('requeues a conversation whose agent leaves the customer unanswered', async () => {
    const { adapter, app, clock } = await boot({ reassignAfterMs: 120_000, dedicated: false });
    await online(app, 'slow');
    const r = await adapter.inject({ from: 'v1', text: 'hi' });
    expect(r.conversation.assigneeId).toBe('slow');
    await online(app, 'fast');
    await adapter.inject({ from: 'v1', text: 'hello??' });
    await clock.advance(120_000);
    await app.scheduler.runDue();
    expect((await app.conversations.get(r.conversation.id)).assigneeId).toBe('fast');
  });

  it('does not requeue when the agent answered in time', async () => {
    const { adapter, app, clock } = await boot({ reassignAfterMs: 120_000 });
    await online(app, 'a1');
    const r = await adapter.inject({ from: 'v1', text: 'hi' });
    await adapter.inject({ from: 'v1', text: 'hello??' });
    await app.send(r.conversation.id, 'here!', { author: { role: 'agent', id: 'a1' } });
    await clock.advance(300_000);
    await app.scheduler.runDue();
    expect((await app.conversations.get(r.conversation.id)).assigneeId).toBe('a1');
  });

  it('sets an idle agent away', async () => {
    const { app, clock } = await boot({ autoAwayMs: 600_000 });
    await online(app, 'a1');
    await clock.advance(300_000);
    app.agents.touch('a1');
    await clock.advance(400_000);
    await app.scheduler.runDue();
    expect(app.router.agentState('a1')!.agent.presence).toBe('online');
    await clock.advance(300_000);
    await app.scheduler.runDue();
    expect(app.router.agentState('a1')!.agent.presence).toBe('away');
  });

  it('keeps the routing history with reasons', async () => {
    const { adapter, app } = await boot();
    const r = await adapter.inject({ from: 'v1', text: 'hi' });
    await online(app, 'a1');
    const history = (await app.conversations.get(r.conversation.id)).attributes.routingHistory as RoutingDecision[];
    expect(history.map((d) => d.outcome)).toEqual(['queued', 'assigned']);
    expect(history[0]!.reason).toContain('no agent online');
  });
});

describe('contacts: merge, split, audit', () => {
  it('splits a wrong merge back out, moving the conversations held on that identity', async () => {
    const { adapter, app } = await boot();
    const web = await adapter.inject({ from: 'web-visitor', text: 'a' });
    const other = await adapter.inject({ from: 'other-visitor', text: 'b' });
    await app.contacts.merge(web.contact.id, other.contact.id, { by: 'supervisor-1', reason: 'looked the same' });
    const { source, created } = await app.contacts.split(web.contact.id, { identities: [{ channel: 'web', externalId: 'other-visitor' }], by: 'supervisor-1' });
    expect(source.identities).toEqual([{ channel: 'web', externalId: 'web-visitor' }]);
    expect(created.identities).toEqual([{ channel: 'web', externalId: 'other-visitor' }]);
    expect((await app.conversations.get(other.conversation.id)).contactId).toBe(created.id);
    expect((await app.contacts.audit(web.contact.id)).map((e) => [e.action, e.by])).toEqual([
      ['merged', 'supervisor-1'],
      ['split', 'supervisor-1'],
    ]);
  });

  it('refuses a split that would leave nothing or names identities the contact lacks', async () => {
    const { adapter, app } = await boot();
    const r = await adapter.inject({ from: 'v1', text: 'a' });
    await expect(app.contacts.split(r.contact.id, { identities: [{ channel: 'web', externalId: 'v1' }] })).rejects.toSatisfy((e) => isKefuError(e, 'KEFU_INVALID_INPUT'));
    await expect(app.contacts.split(r.contact.id, { identities: [{ channel: 'web', externalId: 'nope' }] })).rejects.toSatisfy((e) => isKefuError(e, 'KEFU_INVALID_INPUT'));
  });

  it('computes the tier through a pluggable function', async () => {
    const store = createMemoryStore();
    const adapter = createTestAdapter({ channel: 'web' });
    app = createApp({ store, tierOf: ({ envelope }) => (envelope.entry?.pageType === 'checkout' ? 'vip' : undefined) }).adapter(adapter);
    await app.start();
    const r = await adapter.inject({ from: 'v1', text: 'hi', entry: { pageType: 'checkout' } });
    expect(r.contact.tier).toBe('vip');
  });
});
