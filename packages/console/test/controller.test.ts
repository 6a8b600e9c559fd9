/**
 * The controller and agent socket in Node against a real @kefu/server: sign-in, live events,
 * and a reconnect that resumes from the last event id without losing or repeating anything.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createController } from '../app/controller.js';
import type { SocketLike } from '../app/socket.js';
import { createAgentSocket } from '../app/socket.js';
import { listViews } from '../app/state.js';
import { type ConsoleStore, createStore } from '../app/store.js';
import { AGENTS, type ConsoleHarness, PASSWORD, startConsoleServer } from './harness.js';

let h: ConsoleHarness;
const cleanups: Array<() => void> = [];

beforeAll(async () => {
  h = await startConsoleServer({ channels: ['web'], router: { rules: [{ name: 'to-aftersales', target: { teamId: 'aftersales' } }] } });
});
afterAll(() => h.close());
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function memoryStorage(): Storage {
  const m = new Map<string, string>();
  return { getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, v), removeItem: (k) => void m.delete(k) } as Storage;
}

/**
 * A socket factory whose connections after the first wait for `release()`: the test decides
 * when a reconnect goes through, so "events happened while disconnected" needs no sleeping.
 */
function gatedSockets() {
  let calls = 0;
  let release!: () => void;
  let gate = Promise.resolve();
  const factory = (url: string): SocketLike => {
    calls++;
    const proxy: SocketLike & { real?: WebSocket } = {
      get readyState() {
        return proxy.real?.readyState ?? 0;
      },
      send: (data) => proxy.real?.send(data),
      close: (code, reason) => (proxy.real ? proxy.real.close(code, reason) : proxy.onclose?.({ code: code ?? 1000 })),
      onopen: null,
      onmessage: null,
      onclose: null,
      onerror: null,
    };
    void gate.then(() => {
      const ws = new WebSocket(url);
      proxy.real = ws;
      ws.onopen = (e) => proxy.onopen?.(e);
      ws.onmessage = (e) => proxy.onmessage?.({ data: e.data });
      ws.onclose = (e) => proxy.onclose?.({ code: e.code, reason: e.reason });
      ws.onerror = (e) => proxy.onerror?.(e);
    });
    return proxy;
  };
  return {
    factory,
    get calls() {
      return calls;
    },
    hold() {
      gate = new Promise((r) => (release = r));
    },
    release: () => release(),
  };
}

function until(store: ConsoleStore, test: () => boolean, what: string): Promise<void> {
  if (test()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (unsubscribe(), reject(new Error(`timed out waiting for ${what}`))), 5000);
    const unsubscribe = store.subscribe(() => {
      if (!test()) return;
      clearTimeout(timer);
      unsubscribe();
      resolve();
    });
  });
}

describe('controller against the real server', () => {
  it('signs in, loads lists, applies live events, and resumes after a dropped socket', async () => {
    const store = createStore();
    const sockets = gatedSockets();
    const controller = createController({ store, apiBase: `${h.url}/api/v1`, socketUrl: `${h.url.replace(/^http/, 'ws')}/api/v1/agent/ws`, storage: memoryStorage(), createSocket: sockets.factory });
    cleanups.push(() => controller.signOut());

    await expect(controller.signIn(AGENTS[0].email, 'wrong-password')).rejects.toMatchObject({ status: 401 });
    expect(store.getState().me).toBeUndefined();

    const web = h.channels.web!;
    const before = await web.inject({ from: 'v-before', text: 'Queued before sign-in', sender: { name: 'Early Bird' } });
    await controller.signIn(AGENTS[0].email, PASSWORD);
    await until(store, () => store.getState().connection === 'live' && listViews(store.getState(), 'queued').length === 1, 'the queue to load');
    expect(store.getState().views[before.conversation.id]!.contact?.name).toBe('Early Bird');

    // Live.
    const live = await web.inject({ from: 'v-live', text: 'Hello live', sender: { name: 'Live Customer' } });
    await until(store, () => store.getState().views[live.conversation.id]?.lastMessage?.text === 'Hello live', 'the live message');

    // Drop the socket and hold the reconnect; events happen meanwhile.
    sockets.hold();
    controller.reconnect();
    await until(store, () => store.getState().connection === 'reconnecting', 'reconnecting');
    const lastBefore = store.getState().lastEventId;
    await web.inject({ from: 'v-live', text: 'While you were away 1' });
    await web.inject({ from: 'v-live', text: 'While you were away 2' });
    const missed = await web.inject({ from: 'v-gap', text: 'New while away', sender: { name: 'Gap Customer' } });
    sockets.release();
    await until(store, () => store.getState().views[live.conversation.id]?.lastMessage?.text === 'While you were away 2' && !!store.getState().views[missed.conversation.id], 'the replay');

    const state = store.getState();
    expect(sockets.calls).toBe(2);
    expect(state.lastEventId).toBeGreaterThan(lastBefore);
    expect(state.views[live.conversation.id]!.unread).toBe(3);
    expect(state.views[missed.conversation.id]!.conversation.status).toBe('queued');
    expect(listViews(state, 'queued').map((v) => v.conversation.id).sort()).toEqual([before.conversation.id, live.conversation.id, missed.conversation.id].sort());

    // Open, accept, reply: the REST answers and the events agree.
    await controller.open(live.conversation.id);
    expect(store.getState().messages[live.conversation.id]!.map((m) => m.text)).toEqual(['Hello live', 'While you were away 1', 'While you were away 2']);
    expect(store.getState().views[live.conversation.id]!.unread).toBe(0);
    await controller.accept(live.conversation.id);
    store.dispatch({ type: 'draft', conversationId: live.conversation.id, draft: { text: '  Sorry for the wait!  ' } });
    await controller.send(live.conversation.id);
    const [sent] = await web.waitForSent(1);
    expect(sent!.outbound.message.text).toBe('Sorry for the wait!');
    expect(store.getState().drafts[live.conversation.id]!.text).toBe('');
    expect(listViews(store.getState(), 'mine').map((v) => v.conversation.id)).toEqual([live.conversation.id]);
  });

  it('reports a refused action as a notice and keeps the draft of a failed send', async () => {
    const store = createStore();
    const controller = createController({ store, apiBase: `${h.url}/api/v1`, socketUrl: `${h.url.replace(/^http/, 'ws')}/api/v1/agent/ws`, storage: memoryStorage(), createSocket: (u) => new WebSocket(u) as unknown as SocketLike });
    cleanups.push(() => controller.signOut());
    await controller.signIn(AGENTS[1].email, PASSWORD);
    const { conversation } = await h.channels.web!.inject({ from: 'v-closed', text: 'hi' });
    await h.app.conversations.close(conversation.id);
    await controller.accept(conversation.id);
    expect(store.getState().notice?.code).toBe('KEFU_ILLEGAL_TRANSITION');
    store.dispatch({ type: 'draft', conversationId: conversation.id, draft: { text: 'keep me' } });
    await controller.send(conversation.id);
    expect(store.getState().drafts[conversation.id]!.text).toBe('keep me');
  });
});

describe('agent socket', () => {
  it('stops and asks for sign-in on a refused token (4401) instead of reconnecting', async () => {
    let unauthorized = 0;
    let created = 0;
    const statuses: string[] = [];
    await new Promise<void>((resolve) => {
      const socket = createAgentSocket({
        url: `${h.url.replace(/^http/, 'ws')}/api/v1/agent/ws`,
        token: () => 'not-a-jwt',
        lastEventId: () => 0,
        onFrame: () => {},
        onStatus: (s) => statuses.push(s),
        onUnauthorized: () => {
          unauthorized++;
          resolve();
        },
        createSocket: (u) => (created++, new WebSocket(u) as unknown as SocketLike),
        minDelayMs: 1,
      });
      cleanups.push(() => socket.close());
    });
    expect(unauthorized).toBe(1);
    expect(created).toBe(1);
    expect(statuses).toEqual(['connecting', 'offline']);
  });
});
