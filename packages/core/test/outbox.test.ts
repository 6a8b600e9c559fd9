import { FakeClock, createTestAdapter } from '@kefu/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type KefuApp, KefuError, createApp, createMemoryStore, isKefuError } from '../src/index.js';

const apps: KefuApp[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
});

function track(app: KefuApp) {
  apps.push(app);
  return app;
}

describe('outbox', () => {
  it('sends through the adapter and marks the message sent with the channel id', async () => {
    const adapter = createTestAdapter({ channel: 'web' });
    const app = track(createApp({ store: createMemoryStore() }).adapter(adapter));
    const sentEvents: string[] = [];
    app.on('message.sent', ({ message }) => void sentEvents.push(message.id));
    await app.start();
    const { conversation } = await adapter.inject({ from: 'v1', text: 'hi' });
    const message = await app.send(conversation.id, 'hello', { author: { role: 'agent', id: 'a1' } });
    expect(message.status).toBe('pending');
    await app.idle();
    const stored = await app.store.getMessage(message.id);
    expect(stored).toMatchObject({ status: 'sent', attempts: 1, externalId: 'web-out-1' });
    expect(sentEvents).toEqual([message.id]);
    expect((await app.store.getConversation(conversation.id))?.firstResponseAt).toBeTypeOf('number');
  });

  it('retries with backoff and then succeeds', async () => {
    const clock = new FakeClock();
    const adapter = createTestAdapter({
      channel: 'web',
      onSend: (_c, _o, attempt) => {
        if (attempt < 3) throw new Error(`network down (attempt ${attempt})`);
      },
    });
    const app = track(createApp({ store: createMemoryStore({ clock }), clock }).adapter(adapter));
    await app.start();
    const { conversation } = await adapter.inject({ from: 'v1', text: 'hi' });
    const message = await app.send(conversation.id, 'hello');
    await app.idle();
    expect(await app.store.getMessage(message.id)).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: clock.now() + 1000 });
    await clock.advance(1000);
    await app.idle();
    expect(await app.store.getMessage(message.id)).toMatchObject({ status: 'pending', attempts: 2 });
    await clock.advance(2000);
    await app.idle();
    expect(await app.store.getMessage(message.id)).toMatchObject({ status: 'sent', attempts: 3 });
    expect(adapter.sent.length).toBe(1);
  });

  it('marks a permanent failure failed at once with the reason', async () => {
    const adapter = createTestAdapter({
      channel: 'web',
      onSend: () => {
        throw new KefuError('KEFU_DELIVERY_FAILED', 'recipient blocked us');
      },
    });
    const app = track(createApp({ store: createMemoryStore() }).adapter(adapter));
    const failures: string[] = [];
    app.on('message.failed', ({ error }) => void failures.push(error.message));
    await app.start();
    const { conversation } = await adapter.inject({ from: 'v1', text: 'hi' });
    const message = await app.send(conversation.id, 'hello');
    await app.idle();
    expect(await app.store.getMessage(message.id)).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'KEFU_DELIVERY_FAILED' } });
    expect(failures).toEqual(['recipient blocked us']);
  });

  it('gives up after the last attempt', async () => {
    const clock = new FakeClock();
    const adapter = createTestAdapter({ channel: 'web', onSend: () => { throw new Error('always down'); } });
    const app = track(createApp({ store: createMemoryStore({ clock }), clock, maxSendAttempts: 3 }).adapter(adapter));
    await app.start();
    const { conversation } = await adapter.inject({ from: 'v1', text: 'hi' });
    const message = await app.send(conversation.id, 'hello');
    await app.idle();
    await clock.advance(60_000);
    await app.idle();
    expect(await app.store.getMessage(message.id)).toMatchObject({ status: 'failed', attempts: 3 });
  });

  it('resumes pending messages after a restart', async () => {
    const store = createMemoryStore();
    let down = true;
    const first = createTestAdapter({ channel: 'web', onSend: () => { if (down) throw new Error('down'); } });
    const app1 = createApp({ store }).adapter(first);
    await app1.start();
    const { conversation } = await first.inject({ from: 'v1', text: 'hi' });
    const m1 = await app1.send(conversation.id, 'first');
    const m2 = await app1.send(conversation.id, 'second');
    await app1.idle();
    await app1.close();
    expect((await (await reopen(store)).listPendingOutbound()).map((m) => m.id)).toEqual([m1.id, m2.id]);

    down = false;
    const second = createTestAdapter({ channel: 'web' });
    // The retry would be due in a second; a restart must not wait longer than the schedule says.
    const app2 = track(createApp({ store, sendBackoff: () => 0 }).adapter(second));
    await app2.start();
    await second.waitForSent(2);
    await app2.idle();
    expect(second.sent.map((s) => s.outbound.text).sort()).toEqual(['first', 'second']);
    expect((await store.getMessage(m1.id))?.status).toBe('sent');
  });

  it('renders what the channel cannot show as text, or refuses in strict mode', async () => {
    const adapter = createTestAdapter({ channel: 'sms' });
    const app = track(createApp({ store: createMemoryStore() }).adapter(adapter));
    await app.start();
    const { conversation } = await adapter.inject({ from: '+861', text: 'hi' });
    const card = { type: 'card' as const, card: { kind: 'order', title: 'Order #42', fields: [{ label: 'Total', value: '¥99' }], actions: [{ id: 'pay', label: 'Pay', type: 'postback' as const }, { id: 'cancel', label: 'Cancel', type: 'postback' as const }] } };
    await expect(app.send(conversation.id, [card], { strict: true })).rejects.toSatisfy((e) => isKefuError(e, 'KEFU_CAPABILITY_UNSUPPORTED'));
    await app.send(conversation.id, [{ type: 'text', text: 'Your order:' }, card]);
    await app.idle();
    expect(adapter.sent[0]!.outbound.parts).toEqual([{ type: 'text', text: 'Your order:\nOrder #42\nTotal: ¥99\n1. Pay\n2. Cancel' }]);
    await expect(app.typing(conversation.id, true)).rejects.toSatisfy((e) => isKefuError(e, 'KEFU_CAPABILITY_UNSUPPORTED'));
  });

  it('stores internal notes without sending them', async () => {
    const adapter = createTestAdapter({ channel: 'web' });
    const app = track(createApp({ store: createMemoryStore() }).adapter(adapter));
    await app.start();
    const { conversation } = await adapter.inject({ from: 'v1', text: 'hi' });
    const note = await app.send(conversation.id, 'VIP, be nice', { direction: 'internal', author: { role: 'agent', id: 'a1' } });
    await app.idle();
    expect(note).toMatchObject({ direction: 'internal', seq: 2 });
    expect(adapter.sent).toEqual([]);
  });
});

async function reopen(store: ReturnType<typeof createMemoryStore>) {
  await store.init();
  return store;
}
