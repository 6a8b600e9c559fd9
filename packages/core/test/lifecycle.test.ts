import { describe, expect, it } from 'vitest';
import { type Plugin, createApp, createMemoryStore, isKefuError } from '../src/index.js';
import { createTestAdapter } from '@kefu/testing';

describe('plugin lifecycle', () => {
  it('sets plugins up in registration order and disposes them last-in-first-out after adapters stop', async () => {
    const log: string[] = [];
    const adapter = createTestAdapter();
    const origStop = adapter.stop.bind(adapter);
    adapter.stop = () => {
      log.push('adapter stop');
      return origStop();
    };
    const plugin = (name: string, dependencies: string[] = []): Plugin => ({
      name,
      dependencies,
      setup() {
        log.push(`setup ${name}`);
        return () => {
          log.push(`dispose ${name}`);
        };
      },
    });
    const app = createApp({ store: createMemoryStore() });
    app.use(plugin('a')).use(plugin('b', ['a'])).use(plugin('c', ['a', 'b'])).adapter(adapter);
    await app.start();
    expect(adapter.started).toBe(true);
    expect(log).toEqual(['setup a', 'setup b', 'setup c']);
    await app.close();
    expect(log).toEqual(['setup a', 'setup b', 'setup c', 'adapter stop', 'dispose c', 'dispose b', 'dispose a']);
  });

  it('starts adapters only after every plugin is set up', async () => {
    const adapter = createTestAdapter();
    let startedDuringSetup: boolean | undefined;
    const app = createApp({ store: createMemoryStore() });
    app.adapter(adapter).use({ name: 'p', setup: () => void (startedDuringSetup = adapter.started) });
    await app.start();
    expect(startedDuringSetup).toBe(false);
    expect(adapter.started).toBe(true);
    await app.close();
  });

  it('refuses a plugin whose dependency is not registered before it, naming the missing plugin', async () => {
    const app = createApp({ store: createMemoryStore() });
    app.use({ name: 'tickets', dependencies: ['commerce'], setup() {} });
    const err = await app.start().catch((e) => e);
    expect(isKefuError(err, 'KEFU_PLUGIN_DEPENDENCY_MISSING')).toBe(true);
    expect(err.message).toContain('commerce');
    expect(err.details).toEqual({ plugin: 'tickets', missing: 'commerce' });
    expect(app.state).toBe('closed');
  });

  it('refuses a dependency registered after the plugin that needs it', async () => {
    const app = createApp({ store: createMemoryStore() });
    app.use({ name: 'b', dependencies: ['a'], setup() {} }).use({ name: 'a', setup() {} });
    await expect(app.start()).rejects.toSatisfy((e) => isKefuError(e, 'KEFU_PLUGIN_DEPENDENCY_MISSING'));
  });

  it('fails start with a coded error when a setup exceeds its timeout, and disposes what was set up', async () => {
    const disposed: string[] = [];
    const app = createApp({ store: createMemoryStore(), pluginTimeoutMs: 50 });
    app.use({ name: 'fast', setup: () => () => void disposed.push('fast') });
    app.use({ name: 'slow', setup: () => new Promise(() => {}) });
    const err = await app.start().catch((e) => e);
    expect(isKefuError(err, 'KEFU_PLUGIN_TIMEOUT')).toBe(true);
    expect(err.details).toMatchObject({ plugin: 'slow', timeoutMs: 50 });
    expect(disposed).toEqual(['fast']);
  });

  it('wraps a throwing setup in a coded error that keeps the cause', async () => {
    const cause = new Error('bad config');
    const app = createApp({ store: createMemoryStore() });
    app.use({ name: 'broken', setup: () => { throw cause; } });
    const err = await app.start().catch((e) => e);
    expect(isKefuError(err, 'KEFU_PLUGIN_SETUP_FAILED')).toBe(true);
    expect(err.cause).toBe(cause);
  });

  it('refuses registration after start with a coded error', async () => {
    const app = createApp({ store: createMemoryStore() });
    await app.start();
    for (const register of [
      () => app.use({ name: 'late', setup() {} }),
      () => app.adapter(createTestAdapter({ channel: 'late' })),
      () => app.route(async (_c, next) => next()),
    ]) {
      expect(register).toThrow(expect.objectContaining({ code: 'KEFU_ALREADY_STARTED' }));
    }
    await expect(app.start()).rejects.toSatisfy((e) => isKefuError(e, 'KEFU_ALREADY_STARTED'));
    await app.close();
  });

  it('refuses two plugins with one name and two adapters on one channel', () => {
    const app = createApp({ store: createMemoryStore() });
    app.use({ name: 'x', setup() {} });
    expect(() => app.use({ name: 'x', setup() {} })).toThrow(expect.objectContaining({ code: 'KEFU_DUPLICATE_REGISTRATION' }));
    app.adapter(createTestAdapter({ channel: 'web' }));
    expect(() => app.adapter(createTestAdapter({ channel: 'web' }))).toThrow(expect.objectContaining({ code: 'KEFU_DUPLICATE_REGISTRATION' }));
  });

  it('lets a plugin register further plugins, middleware and services during setup', async () => {
    const app = createApp({ store: createMemoryStore() });
    const adapter = createTestAdapter();
    app.adapter(adapter);
    app.use({
      name: 'outer',
      setup(a) {
        a.use({ name: 'inner', dependencies: ['outer'], setup: (b) => b.provide('greeting' as never, 'hi' as never) });
        a.route(async (ctx, next) => {
          ctx.claim('outer');
          await next();
        });
      },
    });
    await app.start();
    expect((app.services as Record<string, unknown>).greeting).toBe('hi');
    const r = await adapter.inject({ from: 'u1', text: 'x' });
    expect(r.conversation.status).toBe('bot');
    await app.close();
  });

  it('answers a missing service with a coded error', async () => {
    const app = createApp({ store: createMemoryStore() });
    expect(() => (app.services as Record<string, unknown>).commerce).toThrow(expect.objectContaining({ code: 'KEFU_SERVICE_MISSING' }));
    expect(app.hasService('commerce')).toBe(false);
    expect('commerce' in app.services).toBe(false);
  });

  it('close() is idempotent and refuses work afterwards', async () => {
    const app = createApp({ store: createMemoryStore() });
    const adapter = createTestAdapter();
    app.adapter(adapter);
    await app.start();
    await Promise.all([app.close(), app.close()]);
    expect(adapter.stopCount).toBe(1);
    await expect(app.send('x', 'hi')).rejects.toSatisfy((e) => isKefuError(e, 'KEFU_CLOSED'));
    await expect(adapter.inject({ from: 'u', text: 'x' })).rejects.toSatisfy((e) => isKefuError(e));
  });
});
