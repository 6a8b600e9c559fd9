import { request as httpRequest } from 'node:http';
import { type AppOptions, type KefuApp, type Store, createApp, createMemoryStore } from '@kefu/core';
import { type TestAdapter, createTestAdapter } from '@kefu/testing';
import pino from 'pino';
import { WebSocket } from 'ws';
import { type KefuServer, type ServerOptions, createServer } from '../src/index.js';

export const JWT_SECRET = 'test-secret-that-is-long-enough';
export const PASSWORD = 'correct horse battery';

export interface Harness {
  app: KefuApp;
  server: KefuServer;
  url: string;
  chat: TestAdapter;
  tokens: Record<'alice' | 'bob' | 'sue' | 'ada' | 'zoe', string>;
  api(path: string, init?: { method?: string; token?: string; apiKey?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

/**
 * A started server on 127.0.0.1:0 around an app with a test channel (`chat`, with typing) and
 * agents: alice and bob (agents), sue (supervisor), ada (admin) in tenant `default`; zoe (agent)
 * in tenant `other`.
 */
export async function startHarness(overrides: Partial<ServerOptions> & { store?: Store; setup?: (app: KefuApp) => void; appOptions?: Omit<AppOptions, 'store'> } = {}): Promise<Harness> {
  const { store, setup, appOptions, ...serverOptions } = overrides;
  const app = createApp({ ...appOptions, store: store ?? createMemoryStore() });
  const chat = createTestAdapter({ channel: 'chat', capabilities: { typing: true } });
  app.adapter(chat);
  setup?.(app);
  const server = createServer({
    app,
    port: 0,
    jwtSecret: JWT_SECRET,
    logger: pino({ level: 'silent' }),
    scrypt: { N: 1024, r: 8, p: 1 },
    apiKeys: [{ key: 'k-default-admin', name: 'shop-backend' }, { key: 'k-other-agent', name: 'other-bot', tenantId: 'other', role: 'agent' }],
    ...serverOptions,
  });
  const { url } = await server.start();
  const people = [
    { id: 'alice', role: 'agent', tenantId: 'default', teams: ['presales'] },
    { id: 'bob', role: 'agent', tenantId: 'default', teams: ['aftersales'] },
    { id: 'sue', role: 'supervisor', tenantId: 'default', teams: [] },
    { id: 'ada', role: 'admin', tenantId: 'default', teams: [] },
    { id: 'zoe', role: 'agent', tenantId: 'other', teams: [] },
  ] as const;
  await app.store.upsertTeam({ id: 'presales', tenantId: 'default', name: 'Pre-sales', attributes: {} });
  await app.store.upsertTeam({ id: 'aftersales', tenantId: 'default', name: 'After-sales', attributes: {} });
  for (const p of people) {
    await app.agents.upsert({ id: p.id, tenantId: p.tenantId, name: p.id.toUpperCase(), email: `${p.id}@example.com`, role: p.role, teams: [...p.teams], skills: {}, languages: ['en'], capacity: 3 });
    await server.agentsAuth.setPassword(p.tenantId, p.id, PASSWORD);
  }
  const api: Harness['api'] = async (path, init = {}) => {
    const headers: Record<string, string> = { ...init.headers };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    if (init.apiKey) headers['x-api-key'] = init.apiKey;
    if (init.body !== undefined) headers['content-type'] ??= 'application/json';
    const res = await fetch(`${url}${path}`, {
      method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'),
      headers,
      ...(init.body !== undefined ? { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) } : {}),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, body, headers: res.headers };
  };
  const tokens = {} as Harness['tokens'];
  for (const p of people) {
    const r = await api('/api/v1/auth/login', { body: { email: `${p.id}@example.com`, password: PASSWORD } });
    if (r.status !== 200) throw new Error(`login of ${p.id} failed: ${JSON.stringify(r.body)}`);
    tokens[p.id] = r.body.token;
  }
  return { app, server, url, chat, tokens, api, close: () => server.close() };
}

/** A raw HTTP GET that does not normalize the path (fetch would resolve `..`). */
export function rawGet(url: string, path: string): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** An agent socket client that records frames and waits for them. */
export class AgentClient {
  readonly frames: any[] = [];
  readonly ws: WebSocket;
  closeCode: number | undefined;
  readonly closed: Promise<number>;
  readonly #waiters: Array<{ test: (f: any) => boolean; resolve: (f: any) => void; from: number }> = [];

  constructor(url: string, token: string, query = '') {
    this.ws = new WebSocket(`${url.replace(/^http/, 'ws')}/api/v1/agent/ws?token=${encodeURIComponent(token)}${query}`);
    this.ws.on('message', (data) => {
      const frame = JSON.parse(data.toString());
      this.frames.push(frame);
      for (const w of [...this.#waiters]) if (w.test(frame)) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        w.resolve(frame);
      }
    });
    this.closed = new Promise((resolve) => this.ws.on('close', (code) => resolve((this.closeCode = code))));
    this.ws.on('error', () => {});
  }

  /** Resolves with the first frame (already received or coming) that passes `test`. */
  waitFor(test: (f: any) => boolean, timeoutMs = 5000): Promise<any> {
    const seen = this.frames.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching frame; got ${JSON.stringify(this.frames.map((f) => f.event ?? f.type))}`)), timeoutMs);
      this.#waiters.push({ test, from: this.frames.length, resolve: (f) => { clearTimeout(timer); resolve(f); } });
    });
  }

  event(name: string, conversationId?: string): Promise<any> {
    return this.waitFor((f) => f.type === 'event' && f.event === name && (!conversationId || f.data.conversation?.id === conversationId || f.data.conversationId === conversationId));
  }

  send(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }

  events(): any[] {
    return this.frames.filter((f) => f.type === 'event');
  }

  async close(): Promise<void> {
    if (this.ws.readyState === this.ws.CLOSED) return;
    this.ws.close();
    await this.closed;
  }
}

/** Connects an agent and waits for the hello. */
export async function connectAgent(url: string, token: string, query = ''): Promise<AgentClient> {
  const c = new AgentClient(url, token, query);
  await c.waitFor((f) => f.type === 'hello');
  return c;
}
