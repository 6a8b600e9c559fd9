import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer as createHttpServer } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { DEFAULT_TENANT, ErrorCodes, type HttpRoute, type KefuApp, KefuError, isKefuError } from '@kefu/core';
import pino, { type Logger as PinoLogger } from 'pino';
import type { z } from 'zod';
import { type ServerMountableAdapter, toFetchRequest, writeFetchResponse } from './adapters.js';
import { AgentHub } from './agent-hub.js';
import { apiRoutes } from './api.js';
import { type AgentsAuth, type ApiKey, type Principal, createAgentsAuth, requireRole } from './auth.js';
import { ServerErrorCodes, errorBody, httpStatusOf, unauthorized } from './errors.js';
import { type HttpMethod, PathRouter, parseJson, readBody, sendJson } from './http.js';
import { buildOpenApi } from './openapi.js';
import type { ScryptParams } from './passwords.js';
import type { RouteDef } from './routes.js';
import { type StaticMount, serveStatic } from './static.js';

/** The server's version, shown in the OpenAPI document. */
export const SERVER_VERSION = '0.1.0';

/** Options of {@link createServer}. */
export interface ServerOptions {
  /** The Kefu app with its adapters and plugins registered; the server starts and closes it. */
  app: KefuApp;
  /** Default 3000. Use 0 for a free port. */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /** The URL people and channel providers reach the server at. Default: the listening URL. */
  publicUrl?: string;
  /** HS256 secret for agent tokens (at least 16 characters). */
  jwtSecret: string | Uint8Array;
  /** Server-to-server keys, sent as `X-Api-Key`. */
  apiKeys?: ApiKey[];
  /** Folders served as static files under URL prefixes. */
  static?: StaticMount[];
  /** A pino logger. Default: pino to stdout at `KEFU_LOG_LEVEL` (info; silent under vitest). */
  logger?: PinoLogger;
  /** Agent token lifetime in seconds. Default 12 h. */
  tokenTtlSeconds?: number;
  /** Largest JSON body of an API request. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Largest webhook body. Default 1 MiB. */
  webhookMaxBodyBytes?: number;
  /** Agent socket tuning. */
  agentSocket?: { bufferSize?: number; presenceGraceMs?: number; heartbeatMs?: number; maxPayload?: number };
  /** scrypt cost of password hashes (lower it only in tests). */
  scrypt?: ScryptParams;
  /** Longest wait for requests in flight (and for connections) at `close()`. Default 10 s. */
  closeTimeoutMs?: number;
}

/** A running (or ready to start) Kefu server. */
export interface KefuServer {
  /** Starts the app (when not started yet) and listens. */
  start(): Promise<{ url: string }>;
  /**
   * Graceful shutdown: stops accepting, closes agent sockets (1001), lets requests in flight
   * finish, then closes the app (adapters first, the store last). Idempotent.
   */
  close(): Promise<void>;
  /** Agent passwords, tokens and API keys. */
  readonly agentsAuth: AgentsAuth;
  /** The listening URL once started. */
  readonly url: string | undefined;
  readonly httpServer: Server;
  readonly logger: PinoLogger;
  /** The OpenAPI 3.1 document served at `/api/v1/openapi.json`. */
  readonly openapi: Record<string, unknown>;
}

const API_PREFIX = '/api/v1';
const AGENT_SOCKET_PATH = `${API_PREFIX}/agent/ws`;
const REQUEST_ID = /^[\w.:-]{1,128}$/;

interface ApiHandler {
  def: RouteDef;
}

function validation(error: z.ZodError, where: string): KefuError {
  return new KefuError(ErrorCodes.INVALID_INPUT, `Invalid ${where}: ${error.issues.map((i) => `${i.path.join('.') || where} ${i.message}`).join('; ')}`, {
    details: { in: where, issues: error.issues.map((i) => ({ path: i.path.map(String), code: i.code, message: i.message })) },
  });
}

function parseWith<T extends z.ZodType>(schema: T | undefined, input: unknown, where: string): z.output<T> | undefined {
  if (!schema) return undefined;
  const result = schema.safeParse(input);
  if (!result.success) throw validation(result.error, where);
  return result.data;
}

/**
 * Creates the Kefu server around an app: the REST API under `/api/v1`, the agent socket at
 * `/api/v1/agent/ws`, adapter webhooks under `/webhooks/<channel>/*`, adapter sockets on
 * `/ws/<channel>`, adapter routes, static folders, `/healthz` and `/readyz`.
 *
 * @example
 * const app = createApp({ store: createMemoryStore() })
 * const server = createServer({ app, port: 3000, jwtSecret: process.env.KEFU_JWT_SECRET! })
 * const { url } = await server.start()
 * process.on('SIGTERM', () => server.close())
 */
export function createServer(options: ServerOptions): KefuServer {
  const { app } = options;
  if (!app) throw new KefuError(ErrorCodes.INVALID_INPUT, 'createServer needs an app');
  const logger: PinoLogger = options.logger ?? pino({ name: 'kefu', level: process.env.KEFU_LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info') });
  const auth = createAgentsAuth({ app, jwtSecret: options.jwtSecret, ...(options.apiKeys ? { apiKeys: options.apiKeys } : {}), ...(options.tokenTtlSeconds ? { tokenTtlSeconds: options.tokenTtlSeconds } : {}), ...(options.scrypt ? { scrypt: options.scrypt } : {}) });
  const hub = new AgentHub({ app, auth, logger: logger.child({ component: 'agent-socket' }), ...options.agentSocket });
  const maxBody = options.maxBodyBytes ?? 1024 * 1024;
  const maxWebhookBody = options.webhookMaxBodyBytes ?? 1024 * 1024;
  const closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
  const mounts = (options.static ?? []).map((m) => ({ ...m, prefix: `/${m.prefix.replace(/^\/+|\/+$/g, '')}` }));

  let url: string | undefined;
  let publicUrl = options.publicUrl;
  let closing = false;
  let closed: Promise<void> | undefined;
  let inFlight = 0;
  let drained: (() => void) | undefined;
  const sockets = new Set<Socket>();

  let openapiDoc: Record<string, unknown> | undefined;
  const routes = apiRoutes({ app, auth, openapi: () => openapi() });
  const openapi = () => (openapiDoc ??= buildOpenApi(routes, { version: SERVER_VERSION, ...(publicUrl ? { serverUrl: publicUrl } : {}) }, app.httpRoutes));
  const api = new PathRouter<ApiHandler>();
  for (const def of routes) api.add(def.method, def.path, { def });
  const adapterRoutes = new PathRouter<ServerMountableAdapter['httpRoutes'] extends Array<infer R> | undefined ? R : never>();

  // Routes plugins contributed through `app.httpRoute()` (commerce webhook, card links, workspace API).
  const pluginRoutes = new PathRouter<HttpRoute>();

  const adapterOf = (channel: string) => app.getAdapter(channel) as ServerMountableAdapter | undefined;

  async function authenticate(req: IncomingMessage): Promise<Principal> {
    const header = req.headers.authorization;
    if (header) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match) throw unauthorized('Authorization must be "Bearer <token>"');
      const { agent } = await auth.verifyToken(match[1]!);
      return { kind: 'agent', tenantId: agent.tenantId, role: agent.role, agent };
    }
    const key = req.headers['x-api-key'];
    if (typeof key === 'string' && key) {
      const principal = auth.verifyApiKey(key);
      if (!principal) throw unauthorized('Unknown API key');
      return principal;
    }
    throw unauthorized('Send "Authorization: Bearer <token>" or "X-Api-Key"');
  }

  // Any authenticated agent request is activity: it postpones auto-away (router `autoAwayMs`).
  function touchAgent(principal: Principal): void {
    if (principal.kind === 'agent') app.agents.touch(principal.agent.id, principal.agent.tenantId);
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, path: string, search: URLSearchParams, log: PinoLogger): Promise<void> {
    const found = api.match(req.method ?? 'GET', path.slice(API_PREFIX.length) || '/');
    if (!found) throw new KefuError(ErrorCodes.NOT_FOUND, `No route ${req.method} ${path}`, { details: { path } });
    if ('methodNotAllowed' in found) {
      res.setHeader('allow', found.allowed.join(', '));
      throw new KefuError(ServerErrorCodes.METHOD_NOT_ALLOWED, `${req.method} is not allowed on ${path}`, { details: { allowed: found.allowed } });
    }
    const { def } = found.handler;
    const principal = def.auth === 'public' ? undefined : await authenticate(req);
    if (principal && def.auth !== 'public') requireRole(principal, def.auth);
    if (principal) touchAgent(principal);
    const params = parseWith(def.params, found.params, 'path parameters');
    const query = parseWith(def.query, Object.fromEntries(search), 'query');
    let body: unknown;
    if (def.body) {
      const raw = await readBody(req, maxBody);
      const type = req.headers['content-type'] ?? '';
      if (raw.length > 0 && !/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) throw new KefuError(ErrorCodes.INVALID_INPUT, 'The body must be application/json', { details: { contentType: type } });
      // Bodies of action routes (accept, close) are optional: no body means `{}`.
      body = parseWith(def.body, parseJson(raw) ?? {}, 'body');
    }
    let requestLog = log;
    const result = await def.handler({
      principal: principal as Principal,
      params,
      query,
      body,
      req,
      get log() {
        return requestLog;
      },
      bindConversation(conversationId) {
        requestLog = requestLog.child({ conversationId });
        (res as ServerResponse & { kefuLog?: PinoLogger }).kefuLog = requestLog;
      },
    });
    sendJson(res, def.status ?? 200, result);
  }

  async function handleWebhook(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    const channel = path.split('/')[2];
    const adapter = channel ? adapterOf(channel) : undefined;
    if (!adapter?.handleWebhook) return false;
    const request = await toFetchRequest(req, publicUrl ?? url ?? 'http://localhost', maxWebhookBody);
    const response = await adapter.handleWebhook(request);
    await writeFetchResponse(response, res, req.method === 'HEAD');
    return true;
  }

  async function handleAdapterRoute(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    const found = adapterRoutes.match(req.method ?? 'GET', path);
    if (!found || 'methodNotAllowed' in found) return false;
    const request = await toFetchRequest(req, publicUrl ?? url ?? 'http://localhost', maxBody);
    await writeFetchResponse(await found.handler.handler(request), res, req.method === 'HEAD');
    return true;
  }

  async function handlePluginRoute(req: IncomingMessage, res: ServerResponse, path: string, search: URLSearchParams): Promise<boolean> {
    const found = pluginRoutes.match(req.method ?? 'GET', path);
    if (!found || 'methodNotAllowed' in found) return false;
    const route = found.handler;
    let context: Parameters<HttpRoute['handler']>[1];
    if (route.auth === 'public') {
      context = { params: found.params, tenantId: search.get('tenant') ?? DEFAULT_TENANT };
    } else {
      const principal = await authenticate(req);
      requireRole(principal, route.auth);
      touchAgent(principal);
      context = {
        params: found.params,
        tenantId: principal.tenantId,
        ...(principal.kind === 'agent' ? { agent: { id: principal.agent.id, tenantId: principal.agent.tenantId, role: principal.agent.role, name: principal.agent.name } } : {}),
      };
    }
    const request = await toFetchRequest(req, publicUrl ?? url ?? 'http://localhost', route.path.startsWith('/webhooks/') ? maxWebhookBody : maxBody);
    await writeFetchResponse(await route.handler(request, context), res, req.method === 'HEAD');
    return true;
  }

  async function handleStatic(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    for (const mount of mounts) {
      if (path === mount.prefix && mount.prefix !== '/') {
        res.writeHead(301, { location: `${mount.prefix}/${req.url?.includes('?') ? req.url.slice(req.url.indexOf('?')) : ''}` });
        res.end();
        return true;
      }
      const base = mount.prefix === '/' ? '/' : `${mount.prefix}/`;
      if (!path.startsWith(base)) continue;
      const outcome = await serveStatic(mount, path.slice(base.length), req, res);
      if (outcome === 'served') return true;
      if (outcome === 'forbidden') throw new KefuError(ServerErrorCodes.FORBIDDEN, 'Path outside the served folder');
      if (outcome === 'bad-request') throw new KefuError(ErrorCodes.INVALID_INPUT, 'Malformed path');
    }
    return false;
  }

  async function readyCheck(): Promise<boolean> {
    if (closing || app.state !== 'started') return false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([app.store.kvGet('server', 'readyz'), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('store timeout')), 2000)))]);
      return true;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const incomingId = req.headers['x-request-id'];
    const reqId = typeof incomingId === 'string' && REQUEST_ID.test(incomingId) ? incomingId : randomUUID();
    const log = logger.child({ reqId });
    res.setHeader('x-request-id', reqId);
    inFlight++;
    res.on('close', () => {
      const final = (res as ServerResponse & { kefuLog?: PinoLogger }).kefuLog ?? log;
      final.info({ method: req.method, path: req.url?.split('?')[0], status: res.statusCode, ms: Math.round((performance.now() - started) * 10) / 10 }, 'request');
      if (--inFlight === 0) drained?.();
    });
    const rawUrl = req.url ?? '/';
    let parsed: URL;
    try {
      parsed = new URL(rawUrl, 'http://x');
    } catch {
      sendJson(res, 400, errorBody(new KefuError(ErrorCodes.INVALID_INPUT, 'Malformed URL')));
      return;
    }
    const path = parsed.pathname;
    try {
      if (closing) {
        res.setHeader('connection', 'close');
        throw new KefuError(ServerErrorCodes.UNAVAILABLE, 'The server is shutting down');
      }
      if (path === '/healthz') return sendJson(res, 200, { ok: true });
      if (path === '/readyz') {
        const ok = await readyCheck();
        return sendJson(res, ok ? 200 : 503, { ok });
      }
      if (await handlePluginRoute(req, res, path, parsed.searchParams)) return;
      if (path === API_PREFIX || path.startsWith(`${API_PREFIX}/`)) return await handleApi(req, res, path, parsed.searchParams, log);
      if (path.startsWith('/webhooks/') && (await handleWebhook(req, res, path))) return;
      if (await handleAdapterRoute(req, res, path)) return;
      if (await handleStatic(req, res, path)) return;
      throw new KefuError(ErrorCodes.NOT_FOUND, `Nothing at ${path}`, { details: { path } });
    } catch (error) {
      const status = httpStatusOf(error);
      if (status >= 500 && !isKefuError(error, ServerErrorCodes.UNAVAILABLE)) log.error({ err: error, path }, 'request failed');
      if (res.headersSent) {
        res.destroy();
        return;
      }
      // A body we refused to read must not be parsed as the next request on this connection.
      if (status === 413) res.setHeader('connection', 'close');
      sendJson(res, status, errorBody(error));
    }
  }

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const reject = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (closing) return reject(503, 'Service Unavailable');
    let parsed: URL;
    try {
      parsed = new URL(req.url ?? '/', 'http://x');
    } catch {
      return reject(400, 'Bad Request');
    }
    socket.on('error', (error) => logger.debug({ err: error }, 'upgrade socket error'));
    if (parsed.pathname === AGENT_SOCKET_PATH) {
      hub.handleUpgrade(req, socket, head, parsed).catch((error) => {
        logger.error({ err: error }, 'agent socket upgrade failed');
        socket.destroy();
      });
      return;
    }
    const m = /^\/ws\/([^/]+)\/?$/.exec(parsed.pathname);
    const adapter = m ? adapterOf(decodeURIComponent(m[1]!)) : undefined;
    if (adapter?.handleUpgrade) {
      adapter.handleUpgrade(req, socket, head);
      return;
    }
    reject(404, 'Not Found');
  }

  const httpServer = createHttpServer({ requestTimeout: 60_000 }, (req, res) => void onRequest(req, res));
  httpServer.on('upgrade', onUpgrade);
  httpServer.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  httpServer.on('clientError', (error, socket) => {
    logger.debug({ err: error }, 'client error');
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });

  const server: KefuServer = {
    agentsAuth: auth,
    httpServer,
    logger,
    get url() {
      return url;
    },
    get openapi() {
      return openapi();
    },
    async start() {
      if (url) return { url };
      if (app.state === 'registering') await app.start();
      for (const adapter of app.adapters as ServerMountableAdapter[]) {
        for (const r of adapter.httpRoutes ?? []) adapterRoutes.add(r.method.toUpperCase() as HttpMethod, r.path, r);
      }
      for (const r of app.httpRoutes) pluginRoutes.add(r.method, r.path, r);
      hub.start();
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(options.port ?? 3000, options.host ?? '127.0.0.1', () => {
          httpServer.off('error', reject);
          resolve();
        });
      });
      const address = httpServer.address();
      const port = typeof address === 'object' && address ? address.port : options.port;
      const host = options.host ?? '127.0.0.1';
      url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
      publicUrl ??= url;
      openapiDoc = undefined;
      logger.info({ url, publicUrl }, 'kefu server listening');
      return { url };
    },
    close() {
      closed ??= (async () => {
        closing = true;
        const stopped = new Promise<void>((resolve) => httpServer.close(() => resolve()));
        httpServer.closeIdleConnections();
        await hub.close(closeTimeoutMs);
        if (inFlight > 0) {
          let timer: ReturnType<typeof setTimeout> | undefined;
          await Promise.race([new Promise<void>((r) => (drained = r)), new Promise<void>((r) => (timer = setTimeout(r, closeTimeoutMs)))]);
          clearTimeout(timer);
        }
        await app.close();
        // Adapter sockets are closed by app.close(); whatever is left now is stuck.
        httpServer.closeIdleConnections();
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([stopped, new Promise<void>((r) => (timer = setTimeout(r, Math.min(closeTimeoutMs, 2000))))]);
        clearTimeout(timer);
        for (const socket of sockets) socket.destroy();
        if (httpServer.listening) await stopped;
        logger.info('kefu server closed');
      })();
      return closed;
    },
  };
  return server;
}
