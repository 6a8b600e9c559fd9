import { createTestAdapter } from '@kefu/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type KefuApp, type Store, createApp, createMemoryStore, isKefuError } from '../src/index.js';

let app: KefuApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function boot(setup?: (a: KefuApp) => void) {
  const store: Store = createMemoryStore();
  const adapter = createTestAdapter({ channel: 'web' });
  app = createApp({ store });
  app.adapter(adapter);
  setup?.(app);
  await app.start();
  return { app, store, adapter };
}

describe('inbound pipeline', () => {
  it('stores a message on a new conversation for a new contact and emits in order', async () => {
    const events: string[] = [];
    const { adapter, store } = await boot((a) => {
      a.on('contact.created', () => void events.push('contact.created'));
      a.on('conversation.opened', () => void events.push('conversation.opened'));
      a.on('message.received', () => void events.push('message.received'));
    });
    const r = await adapter.inject({ from: 'v1', text: '你好', entry: { pageType: 'product', productId: 'p-9', locale: 'zh-CN' } });
    expect(r.duplicate).toBe(false);
    expect(r.message).toMatchObject({ seq: 1, text: '你好', direction: 'inbound', status: 'received', channel: 'web' });
    expect(r.conversation).toMatchObject({ channel: 'web', address: 'v1', entry: { pageType: 'product', productId: 'p-9' }, language: 'zh-CN' });
    expect(r.contact.identities).toEqual([{ channel: 'web', externalId: 'v1' }]);
    expect(events).toEqual(['contact.created', 'conversation.opened', 'message.received']);
    expect((await store.listMessages(r.conversation.id)).length).toBe(1);
  });

  it('stores a message with the same external id only once', async () => {
    const { adapter, store } = await boot();
    const first = await adapter.inject({ from: 'v1', text: 'hi', externalId: 'm-1' });
    const second = await adapter.inject({ from: 'v1', text: 'hi', externalId: 'm-1' });
    const concurrent = await Promise.all([adapter.inject({ from: 'v1', text: 'x', externalId: 'm-2' }), adapter.inject({ from: 'v1', text: 'x', externalId: 'm-2' })]);
    expect(second.duplicate).toBe(true);
    expect(second.message.id).toBe(first.message.id);
    expect(concurrent.filter((r) => r.duplicate).length).toBe(1);
    expect((await store.listMessages(first.conversation.id)).map((m) => m.text)).toEqual(['hi', 'x']);
  });

  it('keeps per-conversation order under hundreds of interleaved concurrent receives', async () => {
    const { adapter, store } = await boot();
    const visitors = Array.from({ length: 20 }, (_, i) => `visitor-${i}`);
    const perVisitor = 25;
    const all = [];
    for (let n = 0; n < perVisitor; n++) for (const v of visitors) all.push(adapter.inject({ from: v, text: `${v}#${n}`, externalId: `${v}-${n}` }));
    const results = await Promise.all(all);
    expect(results.length).toBe(visitors.length * perVisitor);
    const conversations = await store.listConversations({ limit: 100 });
    expect(conversations.length).toBe(visitors.length);
    for (const c of conversations) {
      const list = await store.listMessages(c.id, { limit: 1000 });
      expect(list.map((m) => m.seq)).toEqual(Array.from({ length: perVisitor }, (_, i) => i + 1));
      expect(list.map((m) => m.text)).toEqual(Array.from({ length: perVisitor }, (_, i) => `${c.address}#${i}`));
    }
  });

  it('links channel identities through verified identifiers, never through unverified data', async () => {
    const { adapter } = await boot();
    const web = await adapter.inject({ from: 'v1', text: 'a', sender: { identifiers: [{ kind: 'shopUserId', value: 'u-7' }], name: 'Li' } });
    const sameShopUser = await adapter.inject({ from: 'v2', text: 'b', sender: { identifiers: [{ kind: 'shopUserId', value: 'u-7' }] } });
    const sameNameOnly = await adapter.inject({ from: 'v3', text: 'c', sender: { name: 'Li' } });
    expect(sameShopUser.contact.id).toBe(web.contact.id);
    expect(sameShopUser.contact.identities.map((i) => i.externalId).sort()).toEqual(['v1', 'v2']);
    expect(sameNameOnly.contact.id).not.toBe(web.contact.id);
  });

  it('refreshes attributes from a verified sender, never from an unverified one', async () => {
    const { adapter } = await boot();
    await adapter.inject({ from: 'v1', text: 'a', sender: { identifiers: [{ kind: 'shopUserId', value: 'u-1' }], attributes: { level: 1 } } });
    const verified = await adapter.inject({ from: 'v1', text: 'b', sender: { identifiers: [{ kind: 'shopUserId', value: 'u-1' }], attributes: { level: 2 } } });
    expect(verified.contact.attributes).toEqual({ level: 2 });
    const anonymous = await adapter.inject({ from: 'v1', text: 'c', sender: { attributes: { level: 99 } } });
    expect(anonymous.contact.attributes).toEqual({ level: 2 });
  });

  it('merges two known contacts when a verified identifier proves they are one person', async () => {
    const merges: string[] = [];
    const { adapter, store } = await boot((a) => a.on('contact.merged', ({ target, source }) => void merges.push(`${source.id}->${target.id}`)));
    const a = await adapter.inject({ from: 'phone-user', text: 'a', sender: { identifiers: [{ kind: 'phone', value: '+8613800000001' }] } });
    const b = await adapter.inject({ from: 'v-b', text: 'b' });
    const proven = await adapter.inject({ from: 'v-b', text: 'c', sender: { identifiers: [{ kind: 'phone', value: '+8613800000001' }] } });
    expect(proven.contact.id).toBe(a.contact.id);
    expect(merges).toEqual([`${b.contact.id}->${a.contact.id}`]);
    expect((await store.getConversation(b.conversation.id))?.contactId).toBe(a.contact.id);
  });

  it('runs the middleware chain in order and routes unclaimed conversations to a human', async () => {
    const order: string[] = [];
    const { adapter } = await boot((a) => {
      a.route(async (ctx, next) => {
        order.push('1 before');
        await next();
        order.push('1 after');
      });
      a.route(async (ctx, next) => {
        order.push(`2 new=${ctx.isNewConversation}`);
        await next();
      });
    });
    const r = await adapter.inject({ from: 'v1', text: 'hi' });
    expect(order).toEqual(['1 before', '2 new=true', '1 after']);
    expect(r.conversation.status).toBe('queued');
  });

  it('keeps a claimed conversation with the bot, and hands it off when asked', async () => {
    const { adapter, app } = await boot((a) =>
      a.route(async (ctx, next) => {
        ctx.claim('bot');
        if (ctx.message.text === '人工') ctx.handoff({ reason: 'asked for a human', intent: 'human', summary: 'wants a person' });
        else await ctx.reply('我是机器人');
        await next();
      }),
    );
    const first = await adapter.inject({ from: 'v1', text: '你好' });
    expect(first.conversation.status).toBe('bot');
    await app.idle();
    expect(adapter.sent.map((s) => s.outbound.text)).toEqual(['我是机器人']);
    expect(adapter.sent[0]!.outbound.message.author).toEqual({ role: 'bot', id: 'bot' });
    const second = await adapter.inject({ from: 'v1', text: '人工' });
    expect(second.conversation.status).toBe('queued');
    expect(second.conversation.attributes.handoff).toMatchObject({ reason: 'asked for a human', intent: 'human', summary: 'wants a person' });
  });

  it('a throwing middleware does not lose the message or break routing', async () => {
    const errors: string[] = [];
    const { adapter, store } = await boot((a) => {
      a.on('error', ({ source }) => void errors.push(source));
      a.route(async () => {
        throw new Error('plugin bug');
      });
    });
    const r = await adapter.inject({ from: 'v1', text: 'still here' });
    expect((await store.getMessage(r.message.id))?.text).toBe('still here');
    expect(r.conversation.status).toBe('queued');
    expect(errors).toEqual(['middleware']);
  });

  it('acknowledges through onDurable before the middleware chain runs', async () => {
    const order: string[] = [];
    const { app } = await boot((a) =>
      a.route(async (_ctx, next) => {
        order.push('middleware');
        await next();
      }),
    );
    await app.receive({ channel: 'web', address: 'v1', sender: { externalId: 'v1' }, parts: [{ type: 'text', text: 'x' }] }, { onDurable: (r) => void order.push(`durable seq=${r.message.seq}`) });
    expect(order).toEqual(['durable seq=1', 'middleware']);
  });

  it('rejects a malformed envelope with a coded error and stores nothing', async () => {
    const { app, store } = await boot();
    for (const bad of [
      { channel: 'web', address: '', sender: { externalId: 'v' }, parts: [] },
      { channel: 'web', address: 'a', sender: {}, parts: [] },
      { channel: '', address: 'a', sender: { externalId: 'v' }, parts: [] },
      { channel: 'web', address: 'a', sender: { externalId: 'v' }, parts: 'nope' },
    ]) {
      await expect(app.receive(bad as never)).rejects.toSatisfy((e) => isKefuError(e, 'KEFU_INVALID_INPUT'));
    }
    expect(await store.listConversations({})).toEqual([]);
  });

  it('threads into a known conversation and reopens it when closed', async () => {
    const { adapter, app } = await boot();
    const first = await adapter.inject({ from: 'mail-thread-1', text: 'q' });
    await app.conversations.close(first.conversation.id);
    const reopened = await adapter.inject({ from: 'mail-thread-1', text: 'one more', conversationId: first.conversation.id });
    expect(reopened.conversation.id).toBe(first.conversation.id);
    expect(reopened.message.seq).toBe(2);
    await app.conversations.close(first.conversation.id);
    const fresh = await adapter.inject({ from: 'mail-thread-1', text: 'new', conversationId: first.conversation.id, onClosed: 'new' });
    expect(fresh.conversation.id).not.toBe(first.conversation.id);
    expect(fresh.conversation.attributes.previousConversationId).toBe(first.conversation.id);
  });

  it('keeps every record in its tenant', async () => {
    const { adapter, store } = await boot();
    const a = await adapter.inject({ from: 'same-visitor', text: 'a', tenantId: 'shop-a' });
    const b = await adapter.inject({ from: 'same-visitor', text: 'b', tenantId: 'shop-b' });
    expect(a.contact.id).not.toBe(b.contact.id);
    expect(a.conversation.id).not.toBe(b.conversation.id);
    expect(a.message.tenantId).toBe('shop-a');
    expect((await store.listConversations({ tenantId: 'shop-a' })).map((c) => c.id)).toEqual([a.conversation.id]);
  });
});

describe('conversation status machine', () => {
  it('rejects illegal transitions with a coded error and changes nothing', async () => {
    const { adapter, app, store } = await boot();
    const r = await adapter.inject({ from: 'v1', text: 'hi' });
    await app.conversations.close(r.conversation.id);
    await expect(app.conversations.close(r.conversation.id)).rejects.toSatisfy((e) => isKefuError(e, 'KEFU_ILLEGAL_TRANSITION'));
    await expect(app.conversations.transfer(r.conversation.id, { agentId: 'x' })).rejects.toSatisfy((e) => isKefuError(e, 'KEFU_ILLEGAL_TRANSITION'));
    await expect(app.conversations.handoff(r.conversation.id, { reason: 'x' })).rejects.toSatisfy((e) => isKefuError(e, 'KEFU_ILLEGAL_TRANSITION'));
    await expect(app.send(r.conversation.id, 'late')).rejects.toSatisfy((e) => isKefuError(e, 'KEFU_ILLEGAL_TRANSITION'));
    expect((await store.getConversation(r.conversation.id))?.status).toBe('closed');
  });
});
