import { SignJWT } from 'jose';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, JWT_SECRET, PASSWORD, startHarness } from './helpers.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const secret = new TextEncoder().encode(JWT_SECRET);

async function queuedConversation(from = 'cust-1', text = 'Hello, is this in stock?') {
  const { conversation } = await h.chat.inject({ from, text });
  return conversation;
}

describe('auth', () => {
  it('logs in with the right password and answers the agent with a 12 h token', async () => {
    const r = await h.api('/api/v1/auth/login', { body: { email: 'ALICE@example.com', password: PASSWORD } });
    expect(r.status).toBe(200);
    expect(r.body.agent).toMatchObject({ id: 'alice', role: 'agent', tenantId: 'default' });
    const [, payload] = r.body.token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    expect(claims).toMatchObject({ sub: 'alice', tid: 'default', role: 'agent' });
    expect(claims.exp - claims.iat).toBe(12 * 3600);
    const me = await h.api('/api/v1/me', { token: r.body.token });
    expect(me.body.agent.id).toBe('alice');
  });

  it('refuses a wrong password and an unknown e-mail alike', async () => {
    const bad = await h.api('/api/v1/auth/login', { body: { email: 'alice@example.com', password: 'wrong password' } });
    const unknown = await h.api('/api/v1/auth/login', { body: { email: 'nobody@example.com', password: PASSWORD } });
    for (const r of [bad, unknown]) {
      expect(r.status).toBe(401);
      expect(r.body.error).toEqual({ code: 'KEFU_UNAUTHORIZED', message: 'Wrong e-mail or password' });
    }
  });

  it('refuses requests without credentials, with an expired token, a forged token or an unsigned one', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ tid: 'default', role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setSubject('ada').setIssuedAt(now - 7200).setExpirationTime(now - 60).sign(secret);
    const forged = await new SignJWT({ tid: 'default', role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setSubject('ada').setIssuedAt(now).setExpirationTime(now + 600).sign(new TextEncoder().encode('another-secret-of-enough-length'));
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'ada', tid: 'default', role: 'admin', iat: now, exp: now + 600 })).toString('base64url')}.`;
    const none = await h.api('/api/v1/conversations');
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('KEFU_UNAUTHORIZED');
    const e = await h.api('/api/v1/conversations', { token: expired });
    expect(e.status).toBe(401);
    expect(e.body.error.message).toMatch(/expired/);
    for (const token of [forged, unsigned, 'not-a-jwt']) {
      const r = await h.api('/api/v1/conversations', { token });
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe('KEFU_UNAUTHORIZED');
    }
    const badKey = await h.api('/api/v1/conversations', { apiKey: 'nope' });
    expect(badKey.status).toBe(401);
  });

  it('takes the role from the stored agent, not from the token claims', async () => {
    const now = Math.floor(Date.now() / 1000);
    // Signed with the real secret but claiming admin for an agent: the stored role wins.
    const lying = await new SignJWT({ tid: 'default', role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setIssuedAt(now).setExpirationTime(now + 600).sign(secret);
    const r = await h.api('/api/v1/teams', { token: lying, body: { name: 'Hackers' } });
    expect(r.status).toBe(403);
  });
});

describe('roles', () => {
  it('lets only admins create and change agents; the new agent can log in', async () => {
    const body = { name: 'Neo', email: 'neo@example.com', password: 'neo-password-1', role: 'agent', teams: ['presales'], languages: ['zh', 'en'], capacity: 2 };
    for (const who of ['alice', 'sue'] as const) {
      const r = await h.api('/api/v1/agents', { token: h.tokens[who], body });
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('KEFU_FORBIDDEN');
    }
    expect((await h.app.store.listAgents('default')).some((a) => a.email === 'neo@example.com')).toBe(false);
    const created = await h.api('/api/v1/agents', { token: h.tokens.ada, body });
    expect(created.status).toBe(201);
    expect(created.body.agent).toMatchObject({ name: 'Neo', tenantId: 'default', capacity: 2, presence: 'offline' });
    const again = await h.api('/api/v1/agents', { token: h.tokens.ada, body });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('KEFU_ALREADY_EXISTS');
    const login = await h.api('/api/v1/auth/login', { body: { email: 'neo@example.com', password: 'neo-password-1' } });
    expect(login.status).toBe(200);
    const patched = await h.api(`/api/v1/agents/${created.body.agent.id}`, { method: 'PATCH', token: h.tokens.ada, body: { capacity: 4, password: 'new-password-2' } });
    expect(patched.status).toBe(200);
    expect(patched.body.agent.capacity).toBe(4);
    expect((await h.api('/api/v1/auth/login', { body: { email: 'neo@example.com', password: 'neo-password-1' } })).status).toBe(401);
    expect((await h.api('/api/v1/auth/login', { body: { email: 'neo@example.com', password: 'new-password-2' } })).status).toBe(200);
  });

  it('lists agents with their load and teams for everyone; teams are created by admins', async () => {
    const agents = await h.api('/api/v1/agents', { token: h.tokens.alice });
    expect(agents.body.items.map((a: any) => a.id).sort()).toEqual(['ada', 'alice', 'bob', 'sue']);
    expect(agents.body.items[0]).toHaveProperty('load', 0);
    expect((await h.api('/api/v1/teams', { token: h.tokens.alice, body: { name: 'VIP' } })).status).toBe(403);
    const team = await h.api('/api/v1/teams', { token: h.tokens.ada, body: { id: 'vip', name: 'VIP' } });
    expect(team.status).toBe(201);
    const teams = await h.api('/api/v1/teams', { token: h.tokens.bob });
    expect(teams.body.items.map((t: any) => t.id).sort()).toEqual(['aftersales', 'presales', 'vip']);
  });

  it('lets supervisors merge contacts and not agents', async () => {
    const a = await h.chat.inject({ from: 'c-a', text: 'one' });
    const b = await h.chat.inject({ from: 'c-b', text: 'two' });
    const denied = await h.api(`/api/v1/contacts/${a.contact.id}/merge`, { token: h.tokens.alice, body: { sourceId: b.contact.id } });
    expect(denied.status).toBe(403);
    expect((await h.app.store.getContact('default', b.contact.id))?.mergedInto).toBeUndefined();
    const merged = await h.api(`/api/v1/contacts/${a.contact.id}/merge`, { token: h.tokens.sue, body: { sourceId: b.contact.id } });
    expect(merged.status).toBe(200);
    expect(merged.body.contact.identities).toHaveLength(2);
  });

  it('accepts API keys scoped to their tenant and role', async () => {
    const c = await queuedConversation();
    const list = await h.api('/api/v1/conversations', { apiKey: 'k-default-admin' });
    expect(list.status).toBe(200);
    expect(list.body.items.map((i: any) => i.conversation.id)).toContain(c.id);
    const me = await h.api('/api/v1/me', { apiKey: 'k-default-admin' });
    expect(me.status).toBe(403);
    const otherTenant = await h.api(`/api/v1/conversations/${c.id}`, { apiKey: 'k-other-agent' });
    expect(otherTenant.status).toBe(404);
    const asAgent = await h.api('/api/v1/teams', { apiKey: 'k-other-agent', body: { name: 'x' } });
    expect(asAgent.status).toBe(403);
  });
});

describe('validation', () => {
  it('answers 400 KEFU_INVALID_INPUT with the zod issues and changes nothing', async () => {
    const c = await queuedConversation();
    await h.api(`/api/v1/conversations/${c.id}/accept`, { token: h.tokens.alice, body: {} });
    const before = (await h.app.store.listMessages(c.id)).length;
    const empty = await h.api(`/api/v1/conversations/${c.id}/messages`, { token: h.tokens.alice, body: {} });
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe('KEFU_INVALID_INPUT');
    expect(empty.body.error.details.issues[0]).toMatchObject({ path: ['text'] });
    const wrongType = await h.api(`/api/v1/conversations/${c.id}/messages`, { token: h.tokens.alice, body: { parts: [{ type: 'image' }] } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error.details.issues.length).toBeGreaterThan(0);
    const malformed = await h.api(`/api/v1/conversations/${c.id}/messages`, { token: h.tokens.alice, body: '{"text": "hi"' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.message).toMatch(/JSON/);
    const notJson = await h.api(`/api/v1/conversations/${c.id}/messages`, { token: h.tokens.alice, body: 'text=hi', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(notJson.status).toBe(400);
    const badQuery = await h.api('/api/v1/conversations?status=open&limit=abc', { token: h.tokens.sue });
    expect(badQuery.status).toBe(400);
    expect(badQuery.body.error.details.in).toBe('query');
    expect((await h.app.store.listMessages(c.id)).length).toBe(before);
    expect(h.chat.sent).toHaveLength(0);
  });

  it('answers 404 for unknown routes and 405 for wrong methods', async () => {
    const r = await h.api('/api/v1/nope', { token: h.tokens.alice });
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('KEFU_NOT_FOUND');
    const m = await h.api('/api/v1/queue', { method: 'DELETE', token: h.tokens.alice });
    expect(m.status).toBe(405);
    expect(m.headers.get('allow')).toBe('GET');
  });

  it('refuses an API body over the limit with 413', async () => {
    const r = await h.api('/api/v1/auth/login', { body: { email: 'a@b.c', password: 'x'.repeat(1024 * 1024 + 10) } });
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe('KEFU_PAYLOAD_TOO_LARGE');
  });
});

describe('tenancy', () => {
  it('answers 404 to an agent of another tenant for every conversation route', async () => {
    const c = await queuedConversation();
    const zoe = h.tokens.zoe;
    const attempts = [
      h.api(`/api/v1/conversations/${c.id}`, { token: zoe }),
      h.api(`/api/v1/conversations/${c.id}/messages`, { token: zoe }),
      h.api(`/api/v1/conversations/${c.id}/messages`, { token: zoe, body: { text: 'hi', internal: true } }),
      h.api(`/api/v1/conversations/${c.id}/accept`, { token: zoe, body: {} }),
      h.api(`/api/v1/conversations/${c.id}/close`, { token: zoe, body: {} }),
      h.api(`/api/v1/conversations/${c.id}/transfer`, { token: zoe, body: { agentId: 'zoe' } }),
      h.api(`/api/v1/conversations/${c.id}`, { method: 'PATCH', token: zoe, body: { tags: ['x'] } }),
      h.api(`/api/v1/contacts/${c.contactId}`, { token: zoe }),
    ];
    for (const r of await Promise.all(attempts)) {
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe('KEFU_NOT_FOUND');
    }
    const list = await h.api('/api/v1/conversations', { token: zoe });
    expect(list.body.items).toEqual([]);
    expect((await h.api('/api/v1/queue', { token: zoe })).body.items).toEqual([]);
    const after = await h.app.store.getConversation(c.id);
    expect(after).toMatchObject({ status: 'queued', tags: [] });
    expect(after?.assigneeId).toBeUndefined();
  });
});

describe('conversation flows', () => {
  it('accepts, replies, transfers and closes; illegal moves answer 409', async () => {
    const c = await queuedConversation();
    const q = await h.api('/api/v1/conversations?status=queued', { token: h.tokens.alice });
    expect(q.body.items).toHaveLength(1);
    expect(q.body.items[0]).toMatchObject({ conversation: { id: c.id, status: 'queued' }, queuePosition: 1, lastMessage: { text: 'Hello, is this in stock?' } });
    expect(q.body.items[0].lastMessage).not.toHaveProperty('raw');

    // Bob may not reply to a conversation that is not his.
    const early = await h.api(`/api/v1/conversations/${c.id}/messages`, { token: h.tokens.bob, body: { text: 'me first' } });
    expect(early.status).toBe(403);

    const accepted = await h.api(`/api/v1/conversations/${c.id}/accept`, { method: 'POST', token: h.tokens.alice });
    expect(accepted.status).toBe(200);
    expect(accepted.body.conversation).toMatchObject({ status: 'assigned', assigneeId: 'alice' });
    const taken = await h.api(`/api/v1/conversations/${c.id}/accept`, { token: h.tokens.bob, body: {} });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('KEFU_ILLEGAL_TRANSITION');

    const reply = await h.api(`/api/v1/conversations/${c.id}/messages`, { token: h.tokens.alice, body: { text: 'Yes, 3 left.' } });
    expect(reply.status).toBe(201);
    expect(reply.body.message).toMatchObject({ direction: 'outbound', author: { role: 'agent', id: 'alice' }, text: 'Yes, 3 left.' });
    const [sent] = await h.chat.waitForSent(1);
    expect(sent!.outbound.text).toBe('Yes, 3 left.');
    expect(sent!.conversation.id).toBe(c.id);

    const note = await h.api(`/api/v1/conversations/${c.id}/messages`, { token: h.tokens.bob, body: { text: 'FYI: VIP', internal: true } });
    expect(note.status).toBe(201);
    expect(note.body.message.direction).toBe('internal');

    const mine = await h.api('/api/v1/conversations?assignee=me', { token: h.tokens.alice });
    expect(mine.body.items.map((i: any) => i.conversation.id)).toEqual([c.id]);
    const bobs = await h.api('/api/v1/conversations', { token: h.tokens.bob });
    expect(bobs.body.items).toEqual([]);
    const all = await h.api('/api/v1/conversations', { token: h.tokens.sue });
    expect(all.body.items).toHaveLength(1);

    const byBob = await h.api(`/api/v1/conversations/${c.id}/transfer`, { token: h.tokens.bob, body: { agentId: 'bob' } });
    expect(byBob.status).toBe(403);
    const moved = await h.api(`/api/v1/conversations/${c.id}/transfer`, { token: h.tokens.alice, body: { agentId: 'bob', note: 'Order question, over to you' } });
    expect(moved.status).toBe(200);
    expect(moved.body.conversation).toMatchObject({ status: 'assigned', assigneeId: 'bob' });
    const noTeam = await h.api(`/api/v1/conversations/${c.id}/transfer`, { token: h.tokens.bob, body: { teamId: 'ghosts' } });
    expect(noTeam.status).toBe(404);

    const history = await h.api(`/api/v1/conversations/${c.id}/messages`, { token: h.tokens.bob });
    expect(history.body.items.map((m: any) => [m.seq, m.direction])).toEqual([
      [1, 'inbound'],
      [2, 'outbound'],
      [3, 'internal'],
      [4, 'internal'],
    ]);
    const page = await h.api(`/api/v1/conversations/${c.id}/messages?afterSeq=2&limit=1`, { token: h.tokens.bob });
    expect(page.body.items.map((m: any) => m.seq)).toEqual([3]);

    const tagged = await h.api(`/api/v1/conversations/${c.id}`, { method: 'PATCH', token: h.tokens.bob, body: { tags: ['order'], priority: 5 } });
    expect(tagged.body.conversation).toMatchObject({ tags: ['order'], priority: 5 });

    const closedByAlice = await h.api(`/api/v1/conversations/${c.id}/close`, { token: h.tokens.alice, body: {} });
    expect(closedByAlice.status).toBe(403);
    const closed = await h.api(`/api/v1/conversations/${c.id}/close`, { token: h.tokens.bob, body: {} });
    expect(closed.status).toBe(200);
    expect(closed.body.conversation.status).toBe('closed');
    const twice = await h.api(`/api/v1/conversations/${c.id}/close`, { token: h.tokens.sue, body: {} });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('KEFU_ILLEGAL_TRANSITION');
    const acceptClosed = await h.api(`/api/v1/conversations/${c.id}/accept`, { token: h.tokens.alice, body: {} });
    expect(acceptClosed.status).toBe(409);
    const replyClosed = await h.api(`/api/v1/conversations/${c.id}/messages`, { token: h.tokens.sue, body: { text: 'still there?' } });
    expect(replyClosed.status).toBe(409);
    const transferClosed = await h.api(`/api/v1/conversations/${c.id}/transfer`, { token: h.tokens.sue, body: { agentId: 'alice' } });
    expect(transferClosed.status).toBe(409);

    const contact = await h.api(`/api/v1/contacts/${c.contactId}`, { token: h.tokens.alice });
    expect(contact.body.conversations.map((x: any) => x.id)).toEqual([c.id]);
    const patchedContact = await h.api(`/api/v1/contacts/${c.contactId}`, { method: 'PATCH', token: h.tokens.alice, body: { tier: 'vip', tags: ['repeat'] } });
    expect(patchedContact.body.contact).toMatchObject({ tier: 'vip', tags: ['repeat'] });
    const search = await h.api('/api/v1/contacts?search=cust', { token: h.tokens.alice });
    expect(search.status).toBe(200);
  });

  it('answers 409 KEFU_AGENT_AT_CAPACITY when a transfer target is full, unless a supervisor forces it', async () => {
    await h.app.agents.upsert({ id: 'bob', tenantId: 'default', name: 'BOB', email: 'bob@example.com', role: 'agent', teams: [], skills: {}, languages: [], capacity: 1 });
    const bobs = await queuedConversation('cap-1');
    expect((await h.api(`/api/v1/conversations/${bobs.id}/accept`, { method: 'POST', token: h.tokens.bob })).status).toBe(200);
    const c = await queuedConversation('cap-2');
    await h.api(`/api/v1/conversations/${c.id}/accept`, { method: 'POST', token: h.tokens.alice });
    const full = await h.api(`/api/v1/conversations/${c.id}/transfer`, { token: h.tokens.alice, body: { agentId: 'bob' } });
    expect(full.status).toBe(409);
    expect(full.body.error.code).toBe('KEFU_AGENT_AT_CAPACITY');
    const agentForce = await h.api(`/api/v1/conversations/${c.id}/transfer`, { token: h.tokens.alice, body: { agentId: 'bob', force: true } });
    expect(agentForce.status).toBe(403);
    const forced = await h.api(`/api/v1/conversations/${c.id}/transfer`, { token: h.tokens.sue, body: { agentId: 'bob', force: true } });
    expect(forced.body.conversation.assigneeId).toBe('bob');
  });

  it('shows the queue in service order and lets presence pull from it', async () => {
    const a = await queuedConversation('q-1');
    const b = await queuedConversation('q-2');
    const queue = await h.api('/api/v1/queue', { token: h.tokens.alice });
    expect(queue.body.items.map((i: any) => [i.conversationId, i.position])).toEqual([
      [a.id, 1],
      [b.id, 2],
    ]);
    const online = await h.api('/api/v1/me/presence', { method: 'PUT', token: h.tokens.alice, body: { presence: 'online' } });
    expect(online.body.agent.presence).toBe('online');
    expect((await h.app.store.getConversation(a.id))?.assigneeId).toBe('alice');
    const bad = await h.api('/api/v1/me/presence', { method: 'PUT', token: h.tokens.alice, body: { presence: 'busy' } });
    expect(bad.status).toBe(400);
  });
});

describe('logs', () => {
  it('writes one line per request with the request id and the conversation id', async () => {
    await h.close();
    const lines: any[] = [];
    const stream = { write: (line: string) => void lines.push(JSON.parse(line)) };
    h = await startHarness({ logger: pino({ level: 'info' }, stream) });
    const c = await queuedConversation();
    await h.api(`/api/v1/conversations/${c.id}`, { token: h.tokens.sue, headers: { 'x-request-id': 'trace-7' } });
    await expect.poll(() => lines.find((l) => l.reqId === 'trace-7')).toMatchObject({ msg: 'request', conversationId: c.id, method: 'GET', status: 200 });
    expect(JSON.stringify(lines)).not.toContain(PASSWORD);
  });
});

describe('meta', () => {
  it('serves an OpenAPI 3.1 document built from the schemas', async () => {
    const r = await h.api('/api/v1/openapi.json');
    expect(r.status).toBe(200);
    expect(r.body.openapi).toBe('3.1.0');
    expect(Object.keys(r.body.paths)).toEqual(expect.arrayContaining(['/auth/login', '/conversations/{id}/accept', '/contacts/{id}/merge', '/queue']));
    const send = r.body.paths['/conversations/{id}/messages'].post;
    expect(send.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/SendMessageRequest' });
    expect(send.responses['201']).toBeDefined();
    expect(r.body.components.schemas.Message.properties).toHaveProperty('seq');
    expect(r.body.components.schemas.Message.properties).not.toHaveProperty('raw');
    // Defaults are optional for clients.
    expect(r.body.components.schemas.CreateAgentRequest.required).not.toContain('capacity');
    const list = r.body.paths['/conversations'].get.parameters.map((p: any) => p.name);
    expect(list).toEqual(['status', 'assignee', 'contactId', 'stage', 'limit']);
  });

  it('answers /healthz and /readyz, and keeps the caller request id', async () => {
    const health = await h.api('/healthz');
    expect(health).toMatchObject({ status: 200, body: { ok: true } });
    const ready = await h.api('/readyz', { headers: { 'x-request-id': 'req-42' } });
    expect(ready).toMatchObject({ status: 200, body: { ok: true } });
    expect(ready.headers.get('x-request-id')).toBe('req-42');
    const generated = await h.api('/healthz', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
