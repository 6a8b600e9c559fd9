import { randomUUID } from 'node:crypto';
import { FakeClock, type TestAdapter, createTestAdapter } from '@kefu/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebAdapterOptions } from '../src/index.js';
import type { ServerFrame } from '../src/protocol.js';
import { type Client, type Harness, connect, startHarness } from './harness.js';

let h: Harness | undefined;
let chat: TestAdapter;
let clock: FakeClock;
const open: Client[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) c.close();
  await h?.close();
  h = undefined;
});

const visitor = () => `v_${randomUUID().replace(/-/g, '')}`;
type QueueFrame = Extract<ServerFrame, { type: 'queue' }>;
const lastQueue = (c: Client): QueueFrame | undefined => c.of('queue').at(-1);

/** The web gateway and a second channel (`chat`) on one app with a fake clock. */
async function start(options: WebAdapterOptions = {}): Promise<Harness> {
  clock = new FakeClock(Date.now());
  chat = createTestAdapter({ channel: 'chat' });
  h = await startHarness({ heartbeatMs: 0, ...options }, { clock }, {}, (app) => void app.adapter(chat));
  return h;
}

async function client(id: string): Promise<Client> {
  const c = await connect(h!, { visitor: id });
  open.push(c);
  return c;
}

/** A visitor who wrote once and is now queued. */
async function queuedVisitor(id = visitor()): Promise<{ c: Client; id: string; conversationId: string }> {
  const c = await client(id);
  c.send({ type: 'message', clientId: 'm1', text: 'anyone there?' });
  const ack = await c.ack('m1');
  await c.until((fs) => fs.find((f) => f.type === 'queue'), 'queue frame');
  return { c, id, conversationId: ack.conversationId };
}

/** Closes a client and waits until the gateway saw it go. */
async function leave(c: Client): Promise<void> {
  const before = h!.web.connectionCount;
  c.close();
  await expect.poll(() => h!.web.connectionCount).toBe(before - 1);
}

describe('queue position and estimated wait', () => {
  it('sends the estimate with the position and refreshes both on any change of the queue', async () => {
    await start();
    const first = await queuedVisitor();
    // No agent online and no measured wait yet: 60 s per position.
    expect(lastQueue(first.c)).toEqual({ type: 'queue', position: 1, estimatedWaitSeconds: 60 });

    // A VIP on another channel jumps the queue: only `queue.changed` tells the web gateway.
    await chat.inject({ from: 'vip-1', text: 'my refund!', sender: { tier: 'vip' } });
    await first.c.until((fs) => fs.findLast((f) => f.type === 'queue')?.position === 2 || undefined, 'pushed back to 2');
    expect(lastQueue(first.c)).toEqual({ type: 'queue', position: 2, estimatedWaitSeconds: 120 });
    await clock.advance(30_000);

    // An agent comes online and takes the VIP, who waited 30 s: the estimate now uses that wait.
    await h!.app.agents.upsert({ id: 'a1', name: 'Mei', role: 'agent', teams: [], skills: {}, languages: [], capacity: 1 });
    await h!.app.agents.setPresence('a1', 'online');
    await first.c.until((fs) => fs.findLast((f) => f.type === 'queue')?.position === 1 || undefined, 'back to 1');
    expect(lastQueue(first.c)).toEqual({ type: 'queue', position: 1, estimatedWaitSeconds: 30 });

    // A reconnecting widget gets the current position and estimate at once.
    const again = await client(first.id);
    await again.until((fs) => fs.find((f) => f.type === 'queue'), 'queue on welcome');
    expect(lastQueue(again)).toEqual({ type: 'queue', position: 1, estimatedWaitSeconds: 30 });
  });
});

describe('leaving the queue', () => {
  it('closes a queued conversation with reason "customer left" once the grace period passes', async () => {
    await start({ leaveQueueAfterMs: 10_000 });
    const reasons: Array<string | undefined> = [];
    h!.app.on('conversation.closed', ({ reason }) => void reasons.push(reason));
    const v = await queuedVisitor();
    await leave(v.c);
    await clock.advance(9_999);
    expect((await h!.store.getConversation(v.conversationId))?.status).toBe('queued');
    await clock.advance(1);
    await expect.poll(async () => (await h!.store.getConversation(v.conversationId))?.status).toBe('closed');
    expect(reasons).toEqual(['customer left']);
    expect(h!.app.conversations.queuePosition(v.conversationId)).toBeUndefined();
  });

  it('keeps the place of a visitor who comes back in time, or who still has another tab open', async () => {
    await start({ leaveQueueAfterMs: 10_000 });
    const v = await queuedVisitor();
    const secondTab = await client(v.id);
    await leave(v.c);
    await clock.advance(20_000);
    expect((await h!.store.getConversation(v.conversationId))?.status).toBe('queued');

    await leave(secondTab);
    await clock.advance(5_000);
    const back = await client(v.id);
    await back.until((fs) => fs.find((f) => f.type === 'queue'), 'queue on welcome');
    await clock.advance(20_000);
    expect((await h!.store.getConversation(v.conversationId))?.status).toBe('queued');
    expect(lastQueue(back)?.position).toBe(1);
  });

  it('leaves conversations that are not queued alone', async () => {
    await start({ leaveQueueAfterMs: 10_000 });
    const v = await queuedVisitor();
    await h!.app.agents.upsert({ id: 'a1', name: 'Mei', role: 'agent', teams: [], skills: {}, languages: [], capacity: 1 });
    await h!.app.conversations.accept(v.conversationId, 'a1');
    await v.c.until((fs) => fs.find((f) => f.type === 'agent'), 'agent');
    await leave(v.c);
    await clock.advance(60_000);
    expect((await h!.store.getConversation(v.conversationId))?.status).toBe('assigned');
  });
});
