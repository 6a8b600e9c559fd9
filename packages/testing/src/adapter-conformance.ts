import { type Adapter, type KefuApp, type Message, type Part, type Store, createApp, createMemoryStore, isKefuError } from '@kefu/core';
import { afterEach, describe, expect, it } from 'vitest';

/** One instance of an adapter wired to a fake of its channel, for the conformance suite. */
export interface AdapterUnderTest {
  adapter: Adapter;
  /**
   * Makes the channel deliver one inbound text message from `from` with the channel's message id
   * `externalId`, through the adapter's real entry point (webhook, socket, SMTP, ...). Resolves
   * once the channel's request finished (the adapter may still be processing).
   */
  deliverInbound(input: { from: string; text: string; externalId: string }): Promise<void>;
  /** Texts the fake channel has received from the adapter for `address`, oldest first. */
  delivered(address: string): Promise<string[]>;
  /** A part this adapter cannot send, to check the coded error; omit when it sends everything. */
  unsupportedPart?: Part;
  /** Called after the test, after the app was closed. */
  cleanup?(): Promise<void>;
}

/** Builds a fresh adapter and channel fake for each test. `store` is the app's store. */
export type AdapterHarness = (context: { store: Store }) => Promise<AdapterUnderTest>;

async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The adapter conformance suite: start/stop idempotent, inbound → stored message, outbound →
 * delivered, dedupe of the channel's message id, and a coded error for what the channel cannot
 * do. Every adapter runs it unchanged with a harness that speaks its channel's real wire format.
 */
export function adapterConformance(name: string, harness: AdapterHarness): void {
  describe(`Adapter conformance: ${name}`, () => {
    let app: KefuApp | undefined;
    let under: AdapterUnderTest | undefined;

    afterEach(async () => {
      await app?.close();
      await under?.cleanup?.();
      app = undefined;
      under = undefined;
    });

    async function boot() {
      const store = createMemoryStore();
      under = await harness({ store });
      app = createApp({ store });
      app.adapter(under.adapter);
      await app.start();
      return { app, under, store };
    }

    async function inboundMessages(store: Store, channel: string): Promise<Message[]> {
      const conversations = await store.listConversations({ channel, limit: 1000 });
      const all: Message[] = [];
      for (const c of conversations) all.push(...(await store.listMessages(c.id, { limit: 1000 })).filter((m) => m.direction === 'inbound'));
      return all;
    }

    it('declares a channel and text capability', async () => {
      const { under } = await boot();
      expect(typeof under.adapter.channel).toBe('string');
      expect(under.adapter.channel.length).toBeGreaterThan(0);
      expect(under.adapter.capabilities.text).toBe(true);
    });

    it('starts once and stops idempotently', async () => {
      const { app, under } = await boot();
      await under.adapter.stop();
      await under.adapter.stop();
      await app.close();
      await app.close();
      expect(app.state).toBe('closed');
    });

    it('turns an inbound message into a stored message on a conversation', async () => {
      const { under, store } = await boot();
      await under.deliverInbound({ from: 'conformance-user-1', text: 'hello 你好', externalId: 'conf-ext-1' });
      const [message] = await eventually(async () => {
        const list = await inboundMessages(store, under.adapter.channel);
        return list.length > 0 ? list : undefined;
      }, 'the inbound message to be stored');
      expect(message!.text).toContain('hello 你好');
      expect(message!.status).toBe('received');
      expect(message!.author.role).toBe('customer');
    });

    it('stores a message the channel delivers twice only once', async () => {
      const { app, under, store } = await boot();
      await under.deliverInbound({ from: 'conformance-user-2', text: 'once', externalId: 'conf-ext-2' });
      await eventually(async () => ((await inboundMessages(store, under.adapter.channel)).length > 0 ? true : undefined), 'the first delivery');
      await under.deliverInbound({ from: 'conformance-user-2', text: 'once', externalId: 'conf-ext-2' });
      await app.idle();
      // The channel may hand the retry to the pipeline after its request returned (WeChat answers first).
      await new Promise((r) => setTimeout(r, 100));
      await app.idle();
      expect((await inboundMessages(store, under.adapter.channel)).length).toBe(1);
    });

    it('delivers an outbound message to the channel and marks it sent', async () => {
      const { app, under, store } = await boot();
      await under.deliverInbound({ from: 'conformance-user-3', text: 'need help', externalId: 'conf-ext-3' });
      const [inbound] = await eventually(async () => {
        const list = await inboundMessages(store, under.adapter.channel);
        return list.length > 0 ? list : undefined;
      }, 'the inbound message');
      const conversation = await app.conversations.get(inbound!.conversationId);
      const sent = await app.send(conversation.id, 'we are on it', { author: { role: 'agent', id: 'agent-1' } });
      const stored = await eventually(async () => {
        const m = await store.getMessage(sent.id);
        return m && m.status !== 'pending' ? m : undefined;
      }, 'the outbound message to leave the outbox');
      expect(stored.status === 'sent' || stored.status === 'delivered').toBe(true);
      const texts = await eventually(async () => {
        const t = await under.delivered(conversation.address);
        return t.some((x) => x.includes('we are on it')) ? t : undefined;
      }, 'the channel to receive the reply');
      expect(texts.some((x) => x.includes('we are on it'))).toBe(true);
    });

    it('answers what the channel cannot do with a coded error', async () => {
      const { app, under, store } = await boot();
      await under.deliverInbound({ from: 'conformance-user-4', text: 'hi', externalId: 'conf-ext-4' });
      const [inbound] = await eventually(async () => {
        const list = await inboundMessages(store, under.adapter.channel);
        return list.length > 0 ? list : undefined;
      }, 'the inbound message');
      const id = inbound!.conversationId;
      const before = (await store.listMessages(id, { limit: 1000 })).length;
      if (under.unsupportedPart) {
        await expect(app.send(id, [under.unsupportedPart], { strict: true })).rejects.toSatisfy((e) => isKefuError(e, 'KEFU_CAPABILITY_UNSUPPORTED'));
        expect((await store.listMessages(id, { limit: 1000 })).length).toBe(before);
      }
      if (!under.adapter.capabilities.typing) {
        await expect(app.typing(id, true)).rejects.toSatisfy((e) => isKefuError(e, 'KEFU_CAPABILITY_UNSUPPORTED'));
      } else {
        await expect(app.typing(id, true)).resolves.toBeUndefined();
      }
    });
  });
}
