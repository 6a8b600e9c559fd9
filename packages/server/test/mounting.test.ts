import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AdapterContext, KefuApp } from '@kefu/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import type { ServerMountableAdapter } from '../src/index.js';
import { type Harness, connectAgent, rawGet, startHarness } from './helpers.js';

/** A tiny channel that takes JSON webhooks, a socket on /ws/hook, and two HTTP routes of its own. */
function hookAdapter() {
  let ctx: AdapterContext | undefined;
  const calls: Request[] = [];
  const wss = new WebSocketServer({ noServer: true });
  let release: () => void = () => {};
  let markStarted: () => void = () => {};
  const slowStarted = new Promise<void>((r) => (markStarted = r));
  let stopped = 0;
  const adapter: ServerMountableAdapter = {
    channel: 'hook',
    capabilities: { text: true },
    start(c) {
      ctx = c;
    },
    async send() {
      return {};
    },
    async handleWebhook(request) {
      calls.push(request);
      if (request.method === 'GET') return new Response(new URL(request.url).searchParams.get('echostr') ?? '', { headers: { 'content-type': 'text/plain' } });
      const body = (await request.json()) as { from: string; text: string; id: string };
      const result = await ctx!.receive({ channel: 'hook', address: body.from, externalId: body.id, sender: { externalId: body.from }, parts: [{ type: 'text', text: body.text }] });
      const headers = new Headers({ 'content-type': 'application/json' });
      headers.append('set-cookie', 'a=1');
      headers.append('set-cookie', 'b=2');
      return new Response(JSON.stringify({ ok: true, seq: result.message.seq, path: new URL(request.url).pathname }), { status: 202, headers });
    },
    handleUpgrade(req, socket, head) {
      wss.handleUpgrade(req, socket, head, (ws) => {
        ws.on('message', (d) => ws.send(`echo:${d.toString()}`));
      });
    },
    httpRoutes: [
      { method: 'GET', path: '/widget.js', handler: async () => new Response('console.log("widget")', { headers: { 'content-type': 'text/javascript' } }) },
      {
        method: 'GET',
        path: '/slow',
        handler: async () => {
          markStarted();
          await new Promise<void>((r) => (release = r));
          return new Response('finally');
        },
      },
    ],
    stop() {
      stopped++;
      for (const c of wss.clients) c.close(1001);
      wss.close();
      ctx = undefined;
    },
  };
  return {
    adapter,
    calls,
    slowStarted,
    release: () => release(),
    get stopped() {
      return stopped;
    },
  };
}

let dir: string;
let secretFile: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kefu-static-'));
  mkdirSync(join(dir, 'console', 'assets'), { recursive: true });
  writeFileSync(join(dir, 'console', 'index.html'), '<!doctype html><title>console</title>');
  writeFileSync(join(dir, 'console', 'assets', 'index-3f9a1c2b.js'), 'export const x = 1;');
  writeFileSync(join(dir, 'console', 'style.css'), 'body{}');
  writeFileSync(join(dir, 'secret.txt'), 'TOP SECRET');
  secretFile = join(dir, 'secret.txt');
  symlinkSync(secretFile, join(dir, 'console', 'leak.txt'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let h: Harness;
let hook: ReturnType<typeof hookAdapter>;
afterEach(async () => {
  await h?.close();
});

async function start(extra: Parameters<typeof startHarness>[0] = {}) {
  hook = hookAdapter();
  h = await startHarness({ static: [{ prefix: '/console', dir: join(dir, 'console'), spa: true }], webhookMaxBodyBytes: 1024, setup: (app: KefuApp) => app.adapter(hook.adapter), ...extra });
}

describe('adapter mounting', () => {
  it('hands webhooks to the adapter as Fetch requests and writes its response back', async () => {
    await start();
    const res = await fetch(`${h.url}/webhooks/hook/inbound?x=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: 'w-1', text: 'from a webhook', id: 'ext-1' }) });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ ok: true, seq: 1, path: '/webhooks/hook/inbound' });
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(hook.calls[0]!.url).toBe(`${h.url}/webhooks/hook/inbound?x=1`);
    const verify = await fetch(`${h.url}/webhooks/hook?echostr=abc`);
    expect(await verify.text()).toBe('abc');
    const unknown = await fetch(`${h.url}/webhooks/nope`, { method: 'POST', body: '{}' });
    expect(unknown.status).toBe(404);
    // `chat` (the test adapter) has no handleWebhook.
    expect((await fetch(`${h.url}/webhooks/chat`, { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('refuses an oversized webhook body with 413 before the adapter sees it', async () => {
    await start();
    const big = JSON.stringify({ from: 'w-2', text: 'x'.repeat(2000), id: 'ext-2' });
    const res = await fetch(`${h.url}/webhooks/hook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe('KEFU_PAYLOAD_TOO_LARGE');
    // Streamed without a Content-Length: counted while reading.
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const chunked = await fetch(`${h.url}/webhooks/hook`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(hook.calls).toHaveLength(0);
    expect(await h.app.store.listConversations({ tenantId: 'default' })).toEqual([]);
  });

  it('mounts adapter routes and WebSocket upgrades on /ws/<channel>', async () => {
    await start();
    const js = await fetch(`${h.url}/widget.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript');
    expect(await js.text()).toBe('console.log("widget")');
    const ws = new WebSocket(`${h.url.replace('http', 'ws')}/ws/hook`);
    const echoed = await new Promise<string>((resolve, reject) => {
      ws.on('open', () => ws.send('hi'));
      ws.on('message', (d) => resolve(d.toString()));
      ws.on('error', reject);
    });
    expect(echoed).toBe('echo:hi');
    ws.close();
    const refused = new WebSocket(`${h.url.replace('http', 'ws')}/ws/chat`);
    const status = await new Promise<number>((resolve) => refused.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(404);
  });
});

describe('static folders', () => {
  it('serves files with content types and caching headers', async () => {
    await start();
    const index = await fetch(`${h.url}/console/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const etag = index.headers.get('etag')!;
    const again = await fetch(`${h.url}/console/`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    const asset = await fetch(`${h.url}/console/assets/index-3f9a1c2b.js`);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${h.url}/console/style.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
    const redirect = await fetch(`${h.url}/console`, { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe('/console/');
    // Single-page app fallback for client-side routes, but not for missing files.
    expect(await (await fetch(`${h.url}/console/conversations/42`)).text()).toContain('<title>console</title>');
    expect((await fetch(`${h.url}/console/missing.js`)).status).toBe(404);
  });

  it('never serves a file outside the folder', async () => {
    await start();
    for (const path of ['/console/../secret.txt', '/console/%2e%2e/secret.txt', '/console/..%2fsecret.txt', '/console/..%5csecret.txt', '/console/%2e%2e%2f%2e%2e%2fetc/passwd', '/console/leak.txt', '/console/%00index.html', `/console/${encodeURIComponent(secretFile)}`]) {
      const r = await rawGet(h.url, path);
      expect(r.body, path).not.toContain('TOP SECRET');
      expect(r.body, path).not.toContain('root:');
      expect([400, 403, 404], path).toContain(r.status);
    }
  });
});

describe('graceful close', () => {
  it('stops accepting, closes agent sockets with 1001, finishes requests in flight, then closes the app', async () => {
    await start();
    const agent = await connectAgent(h.url, h.tokens.alice);
    const slow = fetch(`${h.url}/slow`).then(async (r) => ({ status: r.status, text: await r.text() }));
    await hook.slowStarted;
    const closing = h.server.close();
    expect(await agent.closed).toBe(1001);
    // New connections are refused while the slow request is still running.
    await expect(fetch(`${h.url}/healthz`)).rejects.toThrow();
    expect(h.app.state).toBe('started');
    hook.release();
    expect(await slow).toEqual({ status: 200, text: 'finally' });
    await closing;
    expect(h.app.state).toBe('closed');
    expect(hook.stopped).toBe(1);
    await expect(h.app.store.listAgents()).rejects.toThrow(/closed/);
    await h.server.close();
  });
});
