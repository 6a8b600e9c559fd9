import type { Agent } from '@kefu/core';
import { FakeClock } from '@kefu/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, connectAgent, startHarness } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const MINUTE = 60_000;

describe('auto-away follows agent activity', () => {
  it('keeps an agent who acts (REST and socket frames) online and sends an idle one away', async () => {
    const clock = new FakeClock(Date.now());
    h = await startHarness({ appOptions: { clock, router: { autoAwayMs: MINUTE } } });
    const { api, tokens, app } = h;
    const wentAway = new Map<string, Agent>();
    app.on('agent.presence_changed', ({ agent }) => void (agent.presence === 'away' && wentAway.set(agent.id, agent)));
    const awayOf = (id: string) =>
      new Promise<void>((resolve) => {
        if (wentAway.has(id)) return resolve();
        const off = app.on('agent.presence_changed', ({ agent }) => {
          if (agent.id === id && agent.presence === 'away') {
            off();
            resolve();
          }
        });
      });
    for (const who of ['alice', 'bob'] as const) expect((await api('/api/v1/me/presence', { method: 'PUT', body: { presence: 'online' }, token: tokens[who] })).status).toBe(200);

    await clock.advance(40_000);
    expect((await api('/api/v1/conversations', { token: tokens.alice })).status).toBe(200); // alice acts over REST
    const bobAway = awayOf('bob');
    await clock.advance(30_000); // bob idle 70 s > 60 s
    await bobAway;
    expect((await app.store.getAgent('default', 'bob'))?.presence).toBe('away');
    expect(wentAway.has('alice')).toBe(false);

    // A socket frame (here typing) is activity as well; a ping is not. t = 70 s: connecting counts.
    const socket = await connectAgent(h.url, tokens.alice);
    await clock.advance(20_000); // t = 90 s
    socket.send({ type: 'typing', conversationId: 'no-such-conversation', on: true });
    await socket.waitFor((f) => f.type === 'error' && f.code === 'KEFU_NOT_FOUND');
    await clock.advance(50_000); // t = 140 s: 70 s after connecting, 50 s after the frame
    expect(wentAway.has('alice')).toBe(false);
    const aliceAway = awayOf('alice');
    socket.send({ type: 'ping' });
    await socket.waitFor((f) => f.type === 'pong');
    await clock.advance(15_000); // t = 155 s: 65 s after the last real frame, pings do not count
    await aliceAway;
    await socket.close();
  });
});

describe('GET /conversations?stage=', () => {
  it('filters by buying stage, refuses an unknown stage and documents the filter', async () => {
    h = await startHarness();
    const made: Record<string, string> = {};
    for (const [from, stage] of [['c1', 'paid'], ['c2', 'ordered-not-paid'], ['c3', 'paid'], ['c4', undefined]] as const) {
      const { conversation } = await h.chat.inject({ from, text: `hi from ${from}` });
      if (stage) await h.app.conversations.update(conversation.id, { attributes: { ...conversation.attributes, stage } });
      made[from] = conversation.id;
    }
    const paid = await h.api('/api/v1/conversations?stage=paid', { token: h.tokens.sue });
    expect(paid.status).toBe(200);
    expect(paid.body.items.map((i: any) => i.conversation.id).sort()).toEqual([made.c1, made.c3].sort());
    const unpaid = await h.api('/api/v1/conversations?stage=ordered-not-paid&limit=5', { token: h.tokens.alice });
    expect(unpaid.body.items.map((i: any) => i.conversation.id)).toEqual([made.c2]);
    const all = await h.api('/api/v1/conversations', { token: h.tokens.sue });
    expect(all.body.items).toHaveLength(4);
    const limited = await h.api('/api/v1/conversations?stage=paid&limit=1', { token: h.tokens.sue });
    expect(limited.body.items).toHaveLength(1);

    const bad = await h.api('/api/v1/conversations?stage=shipped', { token: h.tokens.sue });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('KEFU_INVALID_INPUT');
    expect(bad.body.error.message).toMatch(/stage/);

    const doc = (await h.api('/api/v1/openapi.json')).body;
    const stageParam = doc.paths['/conversations'].get.parameters.find((p: any) => p.name === 'stage');
    expect(stageParam.schema.enum).toEqual(['consulted-not-ordered', 'ordered-not-paid', 'paid', 'after-sale']);
  });
});
