import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AppOptions, type KefuApp, type Store, createApp, createMemoryStore } from '@kefu/core';
import WebSocket from 'ws';
import { type WebAdapter, type WebAdapterOptions, createWebAdapter, matchRoute } from '../src/index.js';
import type { ServerFrame } from '../src/protocol.js';

/** A plain node:http server that mounts the adapter the way @kefu/server does. */
export interface Harness {
  app: KefuApp;
  web: WebAdapter;
  store: Store;
  server: Server;
  url: string;
  wsUrl: string;
  origin: string;
  close(): Promise<void>;
}

async function toRequest(req: IncomingMessage, base: string): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
  const body = chunks.length && req.method !== 'GET' && req.method !== 'HEAD' ? Buffer.concat(chunks) : undefined;
  return new Request(new URL(req.url ?? '/', base), { method: req.method ?? 'GET', headers, ...(body ? { body } : {}) });
}

/** `pages` are static HTML pages served by path (a stand-in for the shop's site). */
/** `setup` registers more adapters or plugins before the app starts. */
export async function startHarness(options: WebAdapterOptions = {}, appOptions: Partial<AppOptions> = {}, pages: Record<string, string> = {}, setup?: (app: KefuApp) => void): Promise<Harness> {
  const store = appOptions.store ?? createMemoryStore();
  const app = createApp({ ...appOptions, store });
  const web = createWebAdapter(options);
  app.adapter(web);
  setup?.(app);
  await app.start();
  let base = '';
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const pathname = new URL(req.url ?? '/', base).pathname;
    const page = pages[pathname];
    if (page !== undefined) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
      return;
    }
    const route = matchRoute(web.httpRoutes, req.method ?? 'GET', pathname);
    // Public plugin routes (app.httpRoute), mounted as @kefu/server mounts them: tenant from ?tenant=.
    const pluginRoute = route ? undefined : app.httpRoutes.find((r) => r.auth === 'public' && r.method === req.method && r.path === pathname);
    if (pluginRoute) {
      const request = await toRequest(req, base);
      const response = await pluginRoute.handler(request, { params: {}, tenantId: new URL(request.url).searchParams.get('tenant') ?? 'default' });
      res.writeHead(response.status, Object.fromEntries(response.headers)).end(Buffer.from(await response.arrayBuffer()));
      return;
    }
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    const response = await route.handler(await toRequest(req, base));
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', base).pathname === '/ws/web') web.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  return {
    app,
    web,
    store,
    server,
    url: base,
    wsUrl: `ws://127.0.0.1:${port}/ws/web`,
    origin: base,
    async close() {
      await app.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A widget-like test client: keeps every frame and waits for the ones a test expects. */
export class Client {
  readonly frames: ServerFrame[] = [];
  readonly ws: WebSocket;
  closeCode: number | undefined;
  httpStatus: number | undefined;
  readonly opened: Promise<void>;
  readonly closedPromise: Promise<number>;
  #waiters: Array<() => void> = [];

  constructor(url: string, origin: string | undefined) {
    this.ws = new WebSocket(url, origin ? { origin } : {});
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('unexpected-response', (_req, res) => {
        this.httpStatus = res.statusCode;
        reject(new Error(`HTTP ${res.statusCode}`));
      });
      this.ws.once('error', reject);
    });
    this.opened.catch(() => {});
    this.closedPromise = new Promise((resolve) => this.ws.once('close', (code) => resolve((this.closeCode = code))));
    this.ws.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as ServerFrame);
      for (const w of this.#waiters.splice(0)) w();
    });
    this.ws.on('error', () => {});
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Waits until `predicate` holds for the frames received so far. */
  async until<T>(predicate: (frames: ServerFrame[]) => T | undefined | false, what = 'frame'): Promise<T> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const found = predicate(this.frames);
      if (found) return found;
      if (this.ws.readyState === WebSocket.CLOSED && Date.now() > deadline - 4500) throw new Error(`socket closed (${this.closeCode}) while waiting for ${what}; frames: ${JSON.stringify(this.frames)}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; frames: ${JSON.stringify(this.frames)}`);
      await new Promise<void>((r) => {
        this.#waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  of<K extends ServerFrame['type']>(type: K): Array<Extract<ServerFrame, { type: K }>> {
    return this.frames.filter((f): f is Extract<ServerFrame, { type: K }> => f.type === type);
  }

  async ack(clientId: string) {
    return this.until((fs) => fs.find((f): f is Extract<ServerFrame, { type: 'ack' }> => f.type === 'ack' && f.clientId === clientId), `ack ${clientId}`);
  }

  close(): void {
    this.ws.terminate();
  }
}

/** Opens a client and completes `hello`. */
export async function connect(h: Harness, query: Record<string, string> = {}, hello: Record<string, unknown> = {}, origin: string | undefined = h.origin): Promise<Client> {
  const qs = new URLSearchParams({ tenant: 'default', ...query });
  const client = new Client(`${h.wsUrl}?${qs}`, origin);
  await client.opened;
  client.send({ type: 'hello', ...hello });
  await client.until((fs) => fs.find((f) => f.type === 'welcome' || f.type === 'error'), 'welcome');
  return client;
}
