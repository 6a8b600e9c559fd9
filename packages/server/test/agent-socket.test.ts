import { SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentClient, type Harness, JWT_SECRET, connectAgent, startHarness } from './helpers.js';

let h: Harness;
const clients: AgentClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await h?.close();
});

async function connect(token: string, query = '') {
  const c = await connectAgent(h.url, token, query);
  clients.push(c);
  return c;
}

describe('agent socket', () => {
  it('closes with 4401 on a missing, forged or expired token', async () => {
    h = await startHarness();
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ tid: 'default', role: 'agent' }).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setIssuedAt(now - 100).setExpirationTime(now - 10).sign(new TextEncoder().encode(JWT_SECRET));
    for (const token of ['', 'forged.token.value', expired]) {
      const c = new AgentClient(h.url, token);
      expect(await c.closed).toBe(4401);
      expect(c.frames.filter((f) => f.type === 'hello')).toEqual([]);
    }
  });

  it('routes events by role and assignment, and relays typing both ways', async () => {
    h = await startHarness();
    const alice = await connect(h.tokens.alice);
    const bob = await connect(h.tokens.bob);
    const sue = await connect(h.tokens.sue);
    const zoe = await connect(h.tokens.zoe);
    expect(alice.frames[0]).toMatchObject({ type: 'hello', agent: { id: 'alice' } });
    // Connecting set everyone online, so the first conversation is assigned at once (least busy).
    await alice.waitFor((f) => f.event === 'agent.presence_changed' && f.data.agent.id === 'bob');
    await h.app.agents.setPresence('alice', 'away');
    await h.app.agents.setPresence('bob', 'away');
    await h.app.agents.setPresence('sue', 'away');
    await h.app.agents.setPresence('ada', 'away');

    const { conversation } = await h.chat.inject({ from: 'shopper', text: 'Where is my order?' });
    const queuedForBob = await bob.event('conversation.queued', conversation.id);
    expect(queuedForBob.data.conversation.status).toBe('queued');
    await alice.event('conversation.queued', conversation.id);
    const received = await sue.event('message.received', conversation.id);
    expect(received.data.message.text).toBe('Where is my order?');
    expect(received.data.message).not.toHaveProperty('raw');
    expect(received.data.contact.id).toBe(conversation.contactId);

    const accepted = await h.api(`/api/v1/conversations/${conversation.id}/accept`, { token: h.tokens.alice, body: {} });
    expect(accepted.status).toBe(200);
    // Bob saw it queued, so he learns it left the queue.
    await bob.event('conversation.assigned', conversation.id);
    await h.api(`/api/v1/conversations/${conversation.id}/messages`, { token: h.tokens.alice, body: { text: 'Let me check.' } });
    await alice.event('message.sent', conversation.id);
    await sue.event('message.sent', conversation.id);
    await h.chat.inject({ from: 'shopper', text: 'Thanks' });
    await alice.waitFor((f) => f.event === 'message.received' && f.data.message.text === 'Thanks');

    // Typing: the customer's reaches the assignee, the agent's reaches the channel.
    h.app.emit('customer.typing', { conversation: (await h.app.store.getConversation(conversation.id))!, on: true });
    const typing = await alice.waitFor((f) => f.event === 'typing');
    expect(typing.data).toEqual({ conversationId: conversation.id, role: 'customer', on: true });
    alice.send({ type: 'typing', conversationId: conversation.id, on: true });
    bob.send({ type: 'typing', conversationId: conversation.id, on: true });
    expect(await bob.waitFor((f) => f.type === 'error')).toMatchObject({ code: 'KEFU_FORBIDDEN' });
    await expect.poll(() => h.chat.typingCalls).toEqual([{ conversationId: conversation.id, on: true }]);

    await h.api(`/api/v1/conversations/${conversation.id}/close`, { token: h.tokens.alice, body: {} });
    await alice.event('conversation.closed', conversation.id);
    await sue.event('conversation.closed', conversation.id);

    // Ids only go up; Bob saw neither the reply nor the second message nor the typing; Zoe (other tenant) saw nothing of it.
    const ids = sue.events().map((f) => f.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    const bobSees = bob.events().filter((f) => f.data.conversation?.id === conversation.id || f.data.conversationId === conversation.id).map((f) => f.event);
    expect(bobSees).toEqual(['conversation.queued', 'conversation.assigned']);
    expect(zoe.events().filter((f) => f.data.conversation || f.data.conversationId)).toEqual([]);
    expect(zoe.events().every((f) => (f.data.agent?.tenantId ?? f.data.tenantId) === 'other')).toBe(true);
    // Queue changes of the tenant reach every agent of it.
    expect(bob.events().some((f) => f.event === 'queue.changed' && f.data.tenantId === 'default')).toBe(true);
  });

  it('resumes after a reconnect without gaps or duplicates, and asks for a resync when too far behind', async () => {
    h = await startHarness({ agentSocket: { bufferSize: 50 } });
    const witness = await connect(h.tokens.sue);
    let sue = await connect(h.tokens.sue);
    const first = await h.chat.inject({ from: 'r-1', text: 'one' });
    await sue.event('message.received', first.conversation.id);
    const lastSeen = sue.events().at(-1)!.id as number;
    await sue.close();

    // Events happen while Sue is away.
    const second = await h.chat.inject({ from: 'r-2', text: 'two' });
    await h.chat.inject({ from: 'r-1', text: 'one again' });
    await witness.event('message.received', second.conversation.id);
    await witness.waitFor((f) => f.event === 'message.received' && f.data.message.text === 'one again');

    sue = await connect(h.tokens.sue);
    const hello = sue.frames[0];
    sue.send({ type: 'resume', lastEventId: lastSeen });
    // An event after the hello arrives live, not again through the replay.
    const third = await h.chat.inject({ from: 'r-3', text: 'three' });
    await sue.event('message.received', third.conversation.id);
    await witness.event('message.received', third.conversation.id);
    sue.send({ type: 'ping' });
    await sue.waitFor((f) => f.type === 'pong');

    const expected = witness.events().filter((f) => f.id > lastSeen).map((f) => f.id);
    const got = sue.events().map((f) => f.id).sort((a, b) => a - b);
    expect(got).toEqual(expected);
    expect(got.filter((id) => id <= hello.lastEventId).length).toBeGreaterThan(0);

    // Too old (evicted from a 50-event buffer) → resync; a future id → resync too.
    for (let i = 0; i < 30; i++) await h.chat.inject({ from: `flood-${i}`, text: 'x' });
    await witness.waitFor((f) => f.event === 'message.received' && f.data.message.text === 'x' && f.data.conversation.address === 'flood-29');
    const late = await connect(h.tokens.sue, `&lastEventId=${lastSeen}`);
    expect(await late.waitFor((f) => f.type === 'resync')).toMatchObject({ type: 'resync' });
    late.send({ type: 'resume', lastEventId: Number.MAX_SAFE_INTEGER });
    await late.waitFor((f) => f.type === 'resync' && late.frames.filter((x) => x.type === 'resync').length === 2);
    late.send({ type: 'nonsense' });
    expect(await late.waitFor((f) => f.type === 'error')).toMatchObject({ code: 'KEFU_INVALID_INPUT' });
  });

  it('sets presence online on connect and offline after the grace period once the last socket closed', async () => {
    h = await startHarness({ agentSocket: { presenceGraceMs: 30 } });
    const sue = await connect(h.tokens.sue);
    const alice1 = await connect(h.tokens.alice);
    await sue.waitFor((f) => f.event === 'agent.presence_changed' && f.data.agent.id === 'alice' && f.data.agent.presence === 'online');
    const alice2 = await connect(h.tokens.alice);
    alice2.send({ type: 'presence', presence: 'away' });
    await sue.waitFor((f) => f.event === 'agent.presence_changed' && f.data.agent.id === 'alice' && f.data.agent.presence === 'away');
    await alice1.close();
    // A reload (a new socket while another is open) keeps "away".
    const alice3 = await connect(h.tokens.alice);
    await alice2.close();
    await alice3.close();
    const offline = await sue.waitFor((f) => f.event === 'agent.presence_changed' && f.data.agent.id === 'alice' && f.data.agent.presence === 'offline');
    expect(offline.data.previous).toBe('away');
    const aliceChanges = sue.events().filter((f) => f.event === 'agent.presence_changed' && f.data.agent.id === 'alice').map((f) => f.data.agent.presence);
    expect(aliceChanges).toEqual(['online', 'away', 'offline']);
  });

  it('closes an open socket with 4401 when its token expires', async () => {
    h = await startHarness({ tokenTtlSeconds: 2 });
    const alice = (await h.app.store.getAgent('default', 'alice'))!;
    // A fresh token (1–2 s left): the hello proves it was valid at connect time.
    const c = await connect(await h.server.agentsAuth.issueToken(alice));
    expect(c.frames[0].type).toBe('hello');
    expect(await c.closed).toBe(4401);
  });
});
