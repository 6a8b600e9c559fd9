import { randomUUID } from 'node:crypto';
import { FakeClock } from '@kefu/testing';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCodes, WebErrorCodes, signIdentityToken } from '../src/index.js';
import { Client, type Harness, connect, startHarness } from './harness.js';

const SECRET = 'test-widget-secret-0123456789';
let h: Harness | undefined;
const open: Client[] = [];

afterEach(async () => {
  for (const c of open.splice(0)) c.close();
  await h?.close();
  h = undefined;
});

async function client(query: Record<string, string> = {}, hello: Record<string, unknown> = {}, origin?: string): Promise<Client> {
  const c = await connect(h!, query, hello, origin ?? h!.origin);
  open.push(c);
  return c;
}

const visitor = () => `v_${randomUUID().replace(/-/g, '')}`;
const inSeconds = (s: number) => Math.floor(Date.now() / 1000) + s;

async function allMessages(): Promise<number> {
  const conversations = await h!.store.listConversations({ tenantId: 'default' });
  let n = 0;
  for (const c of conversations) n += (await h!.store.listMessages(c.id, { limit: 10_000 })).length;
  return n;
}

describe('messages', () => {
  it('acks with id and seq only once the message is durable', async () => {
    h = await startHarness();
    const v = visitor();
    const c = await client({ visitor: v }, { entry: { pageType: 'product', productId: 'sku-1', url: 'https://shop.example/p/1', locale: 'zh-CN' } });
    expect(c.of('welcome')[0]).toMatchObject({ visitorId: v, verified: false });
    c.send({ type: 'message', clientId: 'c-1', text: '你好，有货吗？' });
    const ack = await c.ack('c-1');
    // At ack time the message is readable from the store under the acked id and seq.
    const stored = await h.store.getMessage(ack.id);
    expect(stored).toMatchObject({ seq: ack.seq, conversationId: ack.conversationId, externalId: 'c-1', text: '你好，有货吗？', direction: 'inbound' });
    const conversation = await h.store.getConversation(ack.conversationId);
    expect(conversation).toMatchObject({ channel: 'web', address: v, entry: { pageType: 'product', productId: 'sku-1' }, language: 'zh-CN' });
    // The sender also gets its own message in the seq-ordered stream.
    await c.until((fs) => fs.some((f) => f.type === 'message' && f.message.id === ack.id), 'echo');
  });

  it('stores a resent clientId once and acks it again with the same id', async () => {
    h = await startHarness();
    const v = visitor();
    const c = await client({ visitor: v });
    c.send({ type: 'message', clientId: 'dup-1', text: 'hello' });
    const first = await c.ack('dup-1');
    c.close();
    const again = await client({ visitor: v }, { lastSeq: first.seq, conversationId: first.conversationId });
    again.send({ type: 'message', clientId: 'dup-1', text: 'hello' });
    const second = await again.ack('dup-1');
    expect(second).toMatchObject({ id: first.id, seq: first.seq, duplicate: true });
    expect(await allMessages()).toBe(1);
  });

  it('rejects a message without text or parts with an error frame and stores nothing', async () => {
    h = await startHarness();
    const c = await client({ visitor: visitor() });
    c.send({ type: 'message', clientId: 'empty' });
    const err = await c.until((fs) => fs.find((f) => f.type === 'error'));
    expect(err).toMatchObject({ code: 'KEFU_INVALID_INPUT', clientId: 'empty' });
    expect(await allMessages()).toBe(0);
  });

  it('sends outbound messages to every tab of the visitor and echoes a tab’s message to the others', async () => {
    h = await startHarness();
    const v = visitor();
    const a = await client({ visitor: v });
    const b = await client({ visitor: v });
    a.send({ type: 'message', clientId: 'tab-a', text: 'from tab a' });
    const ack = await a.ack('tab-a');
    await b.until((fs) => fs.some((f) => f.type === 'message' && f.message.id === ack.id), 'echo in tab b');
    const reply = await h.app.send(ack.conversationId, 'Hi, this is support', { author: { role: 'agent', id: 'a1', name: 'Mei' } });
    for (const tab of [a, b]) {
      await tab.until((fs) => fs.some((f) => f.type === 'message' && f.message.id === reply.id), 'reply');
      const seqs = tab.of('message').map((f) => f.message.seq);
      expect(seqs).toEqual([...new Set(seqs)].sort((x, y) => x - y));
    }
  });

  it('keeps an outbound message for a visitor with no open socket as sent and delivers it on resume', async () => {
    h = await startHarness();
    const v = visitor();
    const c = await client({ visitor: v });
    c.send({ type: 'message', clientId: 'm1', text: 'hi' });
    const ack = await c.ack('m1');
    c.close();
    await c.closedPromise;
    const reply = await h.app.send(ack.conversationId, 'answer while away');
    await h.app.idle();
    expect((await h.store.getMessage(reply.id))?.status).toBe('sent');
    const back = await client({ visitor: v }, { lastSeq: ack.seq, conversationId: ack.conversationId });
    await back.until((fs) => fs.some((f) => f.type === 'message' && f.message.id === reply.id), 'reply on resume');
  });
});

describe('resume', () => {
  it('replays every visible message after lastSeq: no gap, no duplicate, no internal note', async () => {
    h = await startHarness();
    const v = visitor();
    const c = await client({ visitor: v });
    c.send({ type: 'message', clientId: 'r1', text: 'one' });
    const ack = await c.ack('r1');
    const m2 = await h.app.send(ack.conversationId, 'two', { author: { role: 'agent', id: 'a1' } });
    await c.until((fs) => fs.some((f) => f.type === 'message' && f.message.seq === m2.seq), 'm2');
    c.close();
    await c.closedPromise;
    const note = await h.app.send(ack.conversationId, 'internal: VIP, be nice', { direction: 'internal', author: { role: 'agent', id: 'a1' } });
    const m4 = await h.app.send(ack.conversationId, 'four');
    const m5 = await h.app.send(ack.conversationId, 'five');
    const back = await client({ visitor: v }, { lastSeq: m2.seq, conversationId: ack.conversationId });
    await back.until((fs) => fs.some((f) => f.type === 'message' && f.message.id === m5.id), 'm5');
    const m6 = await h.app.send(ack.conversationId, 'six');
    await back.until((fs) => fs.some((f) => f.type === 'message' && f.message.id === m6.id), 'm6');
    const seqs = back.of('message').map((f) => f.message.seq);
    expect(seqs).toEqual([m4.seq, m5.seq, m6.seq]);
    expect(back.of('message').some((f) => f.message.id === note.id)).toBe(false);
    expect(note.seq).toBe(m2.seq + 1);
  });

  it('sends the history (without internal notes) to a widget that opens without lastSeq', async () => {
    h = await startHarness();
    const v = visitor();
    const c = await client({ visitor: v });
    c.send({ type: 'message', clientId: 'h1', text: 'one' });
    const ack = await c.ack('h1');
    await h.app.send(ack.conversationId, 'note', { direction: 'internal' });
    await h.app.send(ack.conversationId, 'reply');
    c.close();
    const reload = await client({ visitor: v });
    expect(reload.of('welcome')[0]).toMatchObject({ conversationId: ack.conversationId });
    await reload.until((fs) => fs.filter((f) => f.type === 'message').length === 2, 'history');
    expect(reload.of('message').map((f) => f.message.text)).toEqual(['one', 'reply']);
  });
});

describe('typing, queue and agent', () => {
  it('forwards customer typing as an app event and agent typing to the widget', async () => {
    h = await startHarness();
    const c = await client({ visitor: visitor() });
    c.send({ type: 'message', clientId: 't1', text: 'hi' });
    const ack = await c.ack('t1');
    const events: Array<{ on: boolean; conversationId: string }> = [];
    h.app.on('customer.typing', ({ conversation, on }) => void events.push({ on, conversationId: conversation.id }));
    c.send({ type: 'typing', on: true });
    await expect.poll(() => events).toEqual([{ on: true, conversationId: ack.conversationId }]);
    await h.app.agents.upsert({ id: 'a1', name: 'Mei', role: 'agent', teams: [], skills: {}, languages: [], capacity: 5 });
    await h.app.conversations.accept(ack.conversationId, 'a1');
    await h.app.typing(ack.conversationId, true);
    const typing = await c.until((fs) => fs.find((f) => f.type === 'typing'));
    expect(typing).toEqual({ type: 'typing', on: true, name: 'Mei' });
  });

  it('tells a queued visitor its position and then the name of the agent who serves it', async () => {
    h = await startHarness();
    const first = await client({ visitor: visitor() });
    first.send({ type: 'message', clientId: 'q1', text: 'first in line' });
    const ack1 = await first.ack('q1');
    const second = await client({ visitor: visitor() });
    second.send({ type: 'message', clientId: 'q2', text: 'second in line' });
    await second.ack('q2');
    await first.until((fs) => fs.find((f) => f.type === 'queue' && f.position === 1), 'position 1');
    await second.until((fs) => fs.find((f) => f.type === 'queue' && f.position === 2), 'position 2');
    await h.app.agents.upsert({ id: 'a1', name: 'Mei', role: 'agent', teams: [], skills: {}, languages: [], capacity: 1 });
    await h.app.conversations.accept(ack1.conversationId, 'a1');
    await first.until((fs) => fs.find((f) => f.type === 'agent' && f.name === 'Mei'), 'agent name');
    await second.until((fs) => fs.find((f) => f.type === 'queue' && f.position === 1), 'moved up to 1');
  });
});

describe('bad input', () => {
  it('refuses a foreign Origin with HTTP 403 before the upgrade', async () => {
    h = await startHarness({ allowedOrigins: ['https://shop.example'] });
    const c = new Client(`${h.wsUrl}?tenant=default&visitor=${visitor()}`, 'https://evil.example');
    await expect(c.opened).rejects.toThrow('HTTP 403');
    expect(c.httpStatus).toBe(403);
    const ok = await client({ visitor: visitor() }, {}, 'https://shop.example');
    expect(ok.of('welcome')).toHaveLength(1);
    const none = new Client(`${h.wsUrl}?tenant=default`, undefined);
    await expect(none.opened).rejects.toThrow('HTTP 403');
    expect(await allMessages()).toBe(0);
  });

  it('refuses an unknown tenant with HTTP 404', async () => {
    h = await startHarness({ tenants: { shop1: {} } });
    const c = new Client(`${h.wsUrl}?tenant=nope&visitor=${visitor()}`, h.origin);
    await expect(c.opened).rejects.toThrow('HTTP 404');
    const known = await client({ tenant: 'shop1', visitor: visitor() });
    known.send({ type: 'message', clientId: 'x1', text: 'hi' });
    const ack = await known.ack('x1');
    expect((await h.store.getConversation(ack.conversationId))?.tenantId).toBe('shop1');
  });

  it('closes with 1009 on a frame over maxPayload and stores nothing', async () => {
    h = await startHarness({ maxPayload: 1024 });
    const c = await client({ visitor: visitor() });
    c.send({ type: 'message', clientId: 'big', text: 'x'.repeat(2000) });
    expect(await c.closedPromise).toBe(1009);
    expect(await allMessages()).toBe(0);
  });

  it('closes with 4400 on malformed JSON, a frame before hello, or an unknown frame type', async () => {
    h = await startHarness();
    const c = await client({ visitor: visitor() });
    c.send('{"type":"message",');
    expect(await c.closedPromise).toBe(CloseCodes.MALFORMED);
    expect(c.of('error')[0]).toMatchObject({ code: WebErrorCodes.FRAME_INVALID });

    const early = new Client(`${h.wsUrl}?tenant=default&visitor=${visitor()}`, h.origin);
    open.push(early);
    await early.opened;
    early.send({ type: 'message', clientId: 'early', text: 'before hello' });
    expect(await early.closedPromise).toBe(CloseCodes.MALFORMED);

    const odd = await client({ visitor: visitor() });
    odd.send({ type: 'message', clientId: 'card', parts: [{ type: 'card', card: { kind: 'x', title: 'spoof' } }] });
    expect(await odd.closedPromise).toBe(CloseCodes.MALFORMED);
    expect(await allMessages()).toBe(0);
  });

  it('closes with 4401 on a forged or expired identity token and stores nothing', async () => {
    h = await startHarness({ identitySecret: SECRET });
    const forged = signIdentityToken({ uid: 'u1', exp: inSeconds(3600) }, 'not-the-secret');
    const tampered = (() => {
      const good = signIdentityToken({ uid: 'u1', tier: 'normal', exp: inSeconds(3600) }, SECRET);
      const [, sig] = good.split('.');
      return `${Buffer.from(JSON.stringify({ uid: 'u1', tier: 'vip', exp: inSeconds(3600) })).toString('base64url')}.${sig}`;
    })();
    const expired = signIdentityToken({ uid: 'u1', exp: inSeconds(-10) }, SECRET);
    const expiredJwt = await new SignJWT({ name: 'Li' }).setProtectedHeader({ alg: 'HS256' }).setSubject('u1').setExpirationTime(inSeconds(-10)).sign(new TextEncoder().encode(SECRET));
    const noneJwt = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'u1', exp: inSeconds(60) })).toString('base64url')}.`;
    for (const token of [forged, tampered, expired, expiredJwt, noneJwt]) {
      const viaQuery = new Client(`${h.wsUrl}?tenant=default&visitor=${visitor()}&token=${encodeURIComponent(token)}`, h.origin);
      open.push(viaQuery);
      expect(await viaQuery.closedPromise).toBe(CloseCodes.UNAUTHORIZED);
      expect(viaQuery.of('error')[0]).toMatchObject({ code: WebErrorCodes.IDENTITY_INVALID });
      const viaHello = await client({ visitor: visitor() }, { token });
      expect(await viaHello.closedPromise).toBe(CloseCodes.UNAUTHORIZED);
    }
    expect(await h.store.listContacts('default')).toHaveLength(0);
    expect(await allMessages()).toBe(0);
  });

  it('never lets a frame pick the conversation: a foreign conversationId is ignored', async () => {
    h = await startHarness();
    const victim = await client({ visitor: visitor() });
    victim.send({ type: 'message', clientId: 'secret', text: 'my address is 1 Secret Rd' });
    const victimAck = await victim.ack('secret');
    const attacker = await client({ visitor: visitor() }, { lastSeq: 0, conversationId: victimAck.conversationId });
    expect(attacker.of('welcome')[0]?.conversationId).toBeUndefined();
    attacker.send({ type: 'message', clientId: 'evil', text: 'injected', conversationId: victimAck.conversationId });
    const evilAck = await attacker.ack('evil');
    expect(evilAck.conversationId).not.toBe(victimAck.conversationId);
    // Reusing the victim's clientId does not reveal anything about the victim's message.
    attacker.send({ type: 'message', clientId: 'secret', text: 'probe' });
    const probe = await attacker.until((fs) => fs.find((f) => f.type === 'error' && f.clientId === 'secret'), 'probe refused');
    expect(JSON.stringify(probe)).not.toContain(victimAck.conversationId);
    const victimMessages = await h.store.listMessages(victimAck.conversationId);
    expect(victimMessages.map((m) => m.text)).toEqual(['my address is 1 Secret Rd']);
    expect(attacker.frames.some((f) => f.type === 'message' && f.message.conversationId === victimAck.conversationId)).toBe(false);
  });

  it('drops frames past the rate limit, stores nothing beyond it and closes a flood with 4429', async () => {
    // A clock that does not move: the bucket never refills, so the limit is exact.
    h = await startHarness({ rateLimit: { perSecond: 10, burst: 20, closeAfterDropped: 20 } }, { clock: new FakeClock(Date.now()) });
    const c = await client({ visitor: visitor() });
    for (let i = 0; i < 100; i++) c.send({ type: 'message', clientId: `f${i}`, text: `flood ${i}` });
    expect(await c.closedPromise).toBe(CloseCodes.RATE_LIMITED);
    // hello took one token of the burst of 20; the 19 accepted messages are stored, no more.
    await expect.poll(allMessages).toBe(19);
    await h.app.idle();
    expect(await allMessages()).toBe(19);
    expect(c.of('ack').length).toBeLessThanOrEqual(19);
    expect(c.of('error').filter((e) => e.code === WebErrorCodes.RATE_LIMITED).length).toBeGreaterThan(0);
  });
});

describe('verified identity', () => {
  it('turns an HMAC token into a verified contact with shopUserId, tier and tags', async () => {
    h = await startHarness({ identitySecret: SECRET });
    const token = signIdentityToken({ uid: 'u_42', name: 'Li Lei', tier: 'vip', tags: ['returning', 'wholesale'], exp: inSeconds(600) }, SECRET);
    const c = await client({ visitor: visitor(), token });
    expect(c.of('welcome')[0]).toMatchObject({ verified: true });
    c.send({ type: 'message', clientId: 'vip-1', text: 'where is my order?' });
    const ack = await c.ack('vip-1');
    const conversation = await h.store.getConversation(ack.conversationId);
    expect(conversation?.address).toBe('shop:u_42');
    const contact = await h.store.getContact('default', conversation!.contactId);
    expect(contact).toMatchObject({ name: 'Li Lei', tier: 'vip', identifiers: [{ kind: 'shopUserId', value: 'u_42' }] });
    expect(contact?.tags).toEqual(expect.arrayContaining(['returning', 'wholesale']));
  });

  it('accepts a JWT (HS256) in hello and reaches the same conversation from another device', async () => {
    h = await startHarness({ tenants: { default: { identitySecret: ['old-secret', SECRET] } } });
    const jwt = await new SignJWT({ name: 'Han Meimei', tier: 'gold', tags: ['app'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('u_7').setExpirationTime(inSeconds(600)).sign(new TextEncoder().encode(SECRET));
    const phone = await client({ visitor: visitor() }, { token: jwt });
    phone.send({ type: 'message', clientId: 'jwt-1', text: 'hello from my phone' });
    const ack = await phone.ack('jwt-1');
    const laptop = await client({ visitor: visitor() }, { token: jwt });
    expect(laptop.of('welcome')[0]).toMatchObject({ verified: true, conversationId: ack.conversationId });
    await laptop.until((fs) => fs.some((f) => f.type === 'message' && f.message.id === ack.id), 'history on laptop');
    const contact = (await h.store.findContactsByIdentifier('default', { kind: 'shopUserId', value: 'u_7' }))[0];
    expect(contact).toMatchObject({ tier: 'gold', name: 'Han Meimei' });
  });

  it('refuses anonymous visitors when the tenant requires identity', async () => {
    h = await startHarness({ tenants: { default: { identitySecret: SECRET, requireIdentity: true } } });
    const anon = await client({ visitor: visitor() });
    expect(await anon.closedPromise).toBe(CloseCodes.UNAUTHORIZED);
  });
});

describe('browsing trail and connection health', () => {
  it('stores page views as the contact’s browsing trail', async () => {
    h = await startHarness();
    const c = await client({ visitor: visitor() }, { entry: { pageType: 'product', productId: 'sku-9', url: 'https://shop.example/p/9' } });
    c.send({ type: 'page', entry: { pageType: 'checkout', url: 'https://shop.example/checkout' } });
    c.send({ type: 'message', clientId: 'p1', text: 'can I pay later?' });
    const ack = await c.ack('p1');
    const conversation = await h.store.getConversation(ack.conversationId);
    expect(conversation?.entry).toMatchObject({ pageType: 'checkout' });
    await expect
      .poll(async () => ((await h!.store.getContact('default', conversation!.contactId))?.attributes.browsingTrail as Array<{ pageType: string }> | undefined)?.map((p) => p.pageType))
      .toEqual(['product', 'checkout']);
    c.send({ type: 'page', entry: { pageType: 'order', orderId: 'o-1' } });
    await expect
      .poll(async () => ((await h!.store.getContact('default', conversation!.contactId))?.attributes.browsingTrail as unknown[] | undefined)?.length)
      .toBe(3);
  });

  it('answers ping frames and terminates a socket that stops answering WebSocket pings', async () => {
    h = await startHarness({ heartbeatMs: 40 });
    const c = await client({ visitor: visitor() });
    c.send({ type: 'ping' });
    await c.until((fs) => fs.find((f) => f.type === 'pong'), 'pong');
    // Stop reading: the client's pongs stop, the server must give up on it.
    (c.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    await expect.poll(() => h!.web.connectionCount, { timeout: 5000 }).toBe(0);
  });

  it('closes a client that does not read (bufferedAmount over the limit) with 4408', async () => {
    h = await startHarness({ maxBufferedBytes: 256 * 1024, heartbeatMs: 0 });
    const c = await client({ visitor: visitor() });
    c.send({ type: 'message', clientId: 's1', text: 'hi' });
    const ack = await c.ack('s1');
    const socket = (c.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();
    for (let i = 0; i < 200 && h.web.connectionCount > 0; i++) {
      await h.app.send(ack.conversationId, `${i} ${'z'.repeat(60_000)}`);
      await new Promise((r) => setImmediate(r));
    }
    socket.resume();
    expect(await c.closedPromise).toBe(CloseCodes.TOO_SLOW);
  });
});
