import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  type Adapter,
  type AdapterCapabilities,
  type AdapterContext,
  type Conversation,
  DEFAULT_TENANT,
  type EntryContext,
  type InboundEnvelope,
  KefuError,
  type Message,
  type Part,
  type ReceiveResult,
  type SendResult,
  type TimerHandle,
  isKefuError,
} from '@kefu/core';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { WebErrorCodes } from './errors.js';
import { parseClientFrame } from './frames.js';
import type { HttpRoute } from './http.js';
import { type VerifiedShopper, verifyIdentityToken } from './identity.js';
import type { ActionFrame, ClientFrame, HelloFrame, MessageFrame, ServerFrame, WidgetMessage } from './protocol.js';
import { CloseCodes } from './protocol.js';
import { type BucketState, type RateLimitOptions, takeToken } from './rate-limit.js';
import { type UploadOptions, createUploadRoutes } from './uploads.js';
import { type WidgetAssetOptions, createWidgetRoute } from './widget-asset.js';

/** Per-tenant settings of the widget gateway. */
export interface WebTenantConfig {
  /** Origins (`https://shop.example`) allowed to open the widget, in addition to the global list. */
  allowedOrigins?: string[];
  /** Secret(s) that sign identity tokens (HMAC-SHA256 or JWT HS256). Several allow rotation. */
  identitySecret?: string | string[];
  /** Refuse anonymous visitors: only shoppers with a valid identity token may chat. Default false. */
  requireIdentity?: boolean;
}

/** Options of {@link createWebAdapter}. */
export interface WebAdapterOptions {
  /**
   * The tenants served, by id, or a lookup (which may be async). A connection naming another
   * tenant is refused with HTTP 404. Default: only the `default` tenant.
   */
  tenants?: Record<string, WebTenantConfig> | ((tenantId: string) => WebTenantConfig | undefined | Promise<WebTenantConfig | undefined>);
  /** Origins allowed for every tenant; `'*'` allows any (development only). Default none. */
  allowedOrigins?: string[];
  /** Also allow pages served from the same host as the gateway (`Origin` host = `Host`). Default true. */
  allowSameOrigin?: boolean;
  /** Identity secret for tenants that set none. */
  identitySecret?: string | string[];
  /** Largest frame in bytes; larger ones close the socket (1009). Default 64 KiB. */
  maxPayload?: number;
  /** Longest message text in characters. Default 5000. */
  maxTextLength?: number;
  /** Per-connection frame rate limit. Default 10 frames/s, burst 20, close after 20 dropped. */
  rateLimit?: RateLimitOptions;
  /** Interval of WebSocket pings; a socket that missed the previous pong is terminated. Default 30 s; 0 disables. */
  heartbeatMs?: number;
  /** A socket whose send buffer grows past this many bytes is closed with 4408. Default 1 MiB. */
  maxBufferedBytes?: number;
  /** Messages replayed to a widget that opens without `lastSeq` (page load). Default 100. */
  historyLimit?: number;
  /** Page views kept in the contact's `attributes.browsingTrail`. Default 20. */
  trailLength?: number;
  /** Image uploads (`POST /widget/upload`); off unless a directory is given. */
  uploads?: UploadOptions | false;
  /** The public base URL of the server (`https://kefu.example`), used for upload URLs. Default: from the request. */
  publicUrl?: string;
  /** How `/widget.js` is served. */
  widget?: WidgetAssetOptions;
  /**
   * When the last socket of a visitor whose conversation is queued closes, the conversation is
   * closed (reason `customer left`) after this many ms unless the visitor comes back. Default
   * 120 000 (two minutes: a page reload or a flaky mobile connection must not lose the place).
   */
  leaveQueueAfterMs?: number;
}

/** The web adapter: an {@link Adapter} plus the WebSocket upgrade handler and HTTP routes the server mounts. */
export interface WebAdapter extends Adapter {
  readonly channel: 'web';
  /** Handles an HTTP upgrade for `/ws/web` (call it from the Node server's `upgrade` event). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Routes to mount as is: `GET /widget.js`, `POST /widget/upload`, `GET /widget/files/*` (a trailing `*` matches any rest). */
  readonly httpRoutes: HttpRoute[];
  /** Open widget sockets. */
  readonly connectionCount: number;
}

interface TrailEntry extends EntryContext {
  at: number;
}

/**
 * One widget socket. Idle sockets are most of what a busy shop holds (BENCHMARKS.md scenario 2),
 * so this record stays lean: the rate-limit bucket is inline, the socket's handlers are shared
 * functions (no closures per socket), the trail and the frame chain exist only when used.
 */
interface Connection extends BucketState {
  readonly ws: WebSocket;
  readonly tenantId: string;
  readonly tenant: WebTenantConfig;
  /** The Host of the upgrade request, kept only when uploads are on (to recognise our own image URLs). */
  readonly requestHost: string | undefined;
  visitorId: string;
  /** The conversation address: the visitor id, or `shop:<userId>` when verified. */
  address: string;
  shopper: VerifiedShopper | undefined;
  /** `hello` processed and welcome sent. */
  ready: boolean;
  greeted: boolean;
  entry: EntryContext | undefined;
  trail: TrailEntry[] | undefined;
  conversationId: string | undefined;
  /** Every visible message up to this seq has been sent to this socket (or was internal). */
  sentSeq: number;
  /** A conversation opened by another tab while this one was still greeting. */
  lateConversationId: string | undefined;
  syncing: boolean;
  syncAgain: boolean;
  dropped: number;
  alive: boolean;
  closed: boolean;
  /** Serializes frames up to durability so messages keep their order; undefined when nothing is pending. */
  work: Promise<void> | undefined;
  queuePosition: number | undefined;
  /** The last estimate sent, to send a `queue` frame only when something changed. */
  queueWait: number | undefined;
}

const CAPABILITIES: AdapterCapabilities = { text: true, images: true, cards: true, typing: true };
const VISITOR_ID = /^[A-Za-z0-9_-]{8,64}$/;
const PAGE_SIZE = 200;

function toWidgetMessage(m: Message): WidgetMessage {
  const { raw: _raw, meta: _meta, attempts: _a, nextAttemptAt: _n, error: _e, ...rest } = m;
  return rest;
}

function groupKey(tenantId: string, address: string): string {
  return `${tenantId}\u0000${address}`;
}

/** The connection a socket belongs to, set once at connection; lets the socket handlers be shared functions. */
const CONNECTION = Symbol('kefu.web.connection');
type ConnectedSocket = WebSocket & { [CONNECTION]?: Connection };

/**
 * A string that owns its characters. A query parameter is a slice of the whole request URL, and
 * V8 keeps the URL alive as long as the slice lives — for the life of the socket.
 */
function ownString(s: string): string {
  return s.length > 12 ? Buffer.from(s, 'utf8').toString('utf8') : s;
}

function refuseUpgrade(socket: Duplex, status: number, reason: string, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/**
 * Creates the web channel: the widget gateway on `ws` and the HTTP routes for the widget bundle
 * and image uploads. Register it with `app.adapter(web)`, then let the server pass upgrades of
 * `/ws/web` to `web.handleUpgrade` and mount `web.httpRoutes`.
 *
 * @example
 * const web = createWebAdapter({ allowedOrigins: ['https://shop.example'], identitySecret: process.env.KEFU_WIDGET_SECRET })
 * app.adapter(web)
 * httpServer.on('upgrade', (req, socket, head) => web.handleUpgrade(req, socket, head))
 */
export function createWebAdapter(options: WebAdapterOptions = {}): WebAdapter {
  const maxPayload = options.maxPayload ?? 64 * 1024;
  const limits = { maxTextLength: options.maxTextLength ?? 5000 };
  const rate = { perMs: (options.rateLimit?.perSecond ?? 10) / 1000, burst: options.rateLimit?.burst ?? 20, closeAfterDropped: options.rateLimit?.closeAfterDropped ?? 20 };
  const heartbeatMs = options.heartbeatMs ?? 30_000;
  const maxBuffered = options.maxBufferedBytes ?? 1024 * 1024;
  const historyLimit = options.historyLimit ?? 100;
  const trailLength = options.trailLength ?? 20;
  const uploadsEnabled = !!options.uploads;
  const leaveQueueAfterMs = options.leaveQueueAfterMs ?? 120_000;
  const tenants = options.tenants ?? { [DEFAULT_TENANT]: {} };

  const wss = new WebSocketServer({ noServer: true, maxPayload, perMessageDeflate: false, clientTracking: false });
  /**
   * A visitor's sockets (tabs), by tenant, then conversation address. Replaced, never mutated
   * (copy on write), so a loop over a group is safe while sockets join or leave; an array of one
   * is what almost every visitor has, and it costs a fraction of a Set.
   */
  const groups = new Map<string, Map<string, readonly Connection[]>>();
  const all = new Set<Connection>();
  const unsubscribe: Array<() => void> = [];
  let ctx: AdapterContext | undefined;
  let heartbeat: TimerHandle | undefined;
  /** Grace timers of queued visitors who left, by group key. */
  const leaving = new Map<string, TimerHandle>();

  const uploadRoutes = createUploadRoutes(options.uploads ?? false, { publicUrl: options.publicUrl, resolveTenant: (id) => resolveTenant(id), originAllowed: (o, host, t) => originAllowed(o, host, t) });
  const httpRoutes: HttpRoute[] = [createWidgetRoute(options.widget ?? {}), ...uploadRoutes];

  async function resolveTenant(tenantId: string): Promise<WebTenantConfig | undefined> {
    if (typeof tenants === 'function') return tenants(tenantId);
    return Object.hasOwn(tenants, tenantId) ? tenants[tenantId] : undefined;
  }

  function originAllowed(origin: string | undefined, host: string | undefined, tenant: WebTenantConfig): boolean {
    if (!origin) return false;
    const list = [...(options.allowedOrigins ?? []), ...(tenant.allowedOrigins ?? [])];
    if (list.includes('*') || list.includes(origin)) return true;
    if (options.allowSameOrigin === false || !host) return false;
    try {
      return new URL(origin).host === host;
    } catch {
      return false;
    }
  }

  function secretsOf(tenant: WebTenantConfig): string[] {
    const s = tenant.identitySecret ?? options.identitySecret ?? [];
    return typeof s === 'string' ? [s] : [...s];
  }

  // Sending

  function closeConn(conn: Connection, code: number, reason: string): void {
    if (conn.closed) return;
    conn.closed = true;
    conn.ws.close(code, reason);
    // A client that does not answer the close handshake (or reads nothing) is cut off.
    const timer = setTimeout(() => conn.ws.terminate(), 5000);
    timer.unref();
    conn.ws.once('close', () => clearTimeout(timer));
  }

  function sendFrame(conn: Connection, frame: ServerFrame): void {
    if (conn.closed || conn.ws.readyState !== WebSocket.OPEN) return;
    conn.ws.send(JSON.stringify(frame));
    if (conn.ws.bufferedAmount > maxBuffered) {
      ctx?.logger.warn({ tenantId: conn.tenantId, visitorId: conn.visitorId, buffered: conn.ws.bufferedAmount }, 'widget client too slow, closing');
      closeConn(conn, CloseCodes.TOO_SLOW, WebErrorCodes.CLIENT_TOO_SLOW);
    }
  }

  function sendError(conn: Connection, error: unknown, clientId?: string): void {
    const code = isKefuError(error) ? error.code : 'KEFU_STORE_FAILED';
    const message = isKefuError(error) ? error.message : 'The message could not be stored';
    sendFrame(conn, { type: 'error', code, message, ...(clientId ? { clientId } : {}) });
  }

  function groupOf(tenantId: string, address: string): readonly Connection[] | undefined {
    return groups.get(tenantId)?.get(address);
  }

  function join(conn: Connection): void {
    const key = groupKey(conn.tenantId, conn.address);
    const grace = leaving.get(key);
    if (grace !== undefined) {
      // The visitor came back (a reload, a new tab) within the grace period: keep their place.
      ctx?.clock.clearTimeout(grace);
      leaving.delete(key);
    }
    let byAddress = groups.get(conn.tenantId);
    if (!byAddress) groups.set(conn.tenantId, (byAddress = new Map()));
    const list = byAddress.get(conn.address);
    if (!list) byAddress.set(conn.address, [conn]);
    else if (!list.includes(conn)) byAddress.set(conn.address, [...list, conn]);
  }

  function leave(conn: Connection): void {
    all.delete(conn);
    const byAddress = groups.get(conn.tenantId);
    const list = byAddress?.get(conn.address);
    if (!byAddress || !list?.includes(conn)) return;
    const rest = list.filter((c) => c !== conn);
    if (rest.length > 0) {
      byAddress.set(conn.address, rest);
      return;
    }
    byAddress.delete(conn.address);
    if (byAddress.size === 0) groups.delete(conn.tenantId);
    if (conn.conversationId) startLeaving(conn.tenantId, conn.address, conn.conversationId);
  }

  /** The last socket of a queued visitor closed: close the conversation unless they come back in time. */
  function startLeaving(tenantId: string, address: string, conversationId: string): void {
    const context = ctx;
    const key = groupKey(tenantId, address);
    if (!context || leaving.has(key) || context.app.conversations.queuePosition(conversationId) === undefined) return;
    leaving.set(
      key,
      context.clock.setTimeout(() => {
        leaving.delete(key);
        if (ctx !== context || groupOf(tenantId, address)) return;
        void (async () => {
          const conversation = await context.store.getConversation(conversationId, tenantId);
          if (conversation?.status !== 'queued') return;
          await context.app.conversations.close(conversationId, { reason: 'customer left', tenantId });
        })().catch((err) => context.logger.warn({ err, conversationId }, 'could not close the conversation of a visitor who left the queue'));
      }, leaveQueueAfterMs),
    );
  }

  /** The `queue` frame of a conversation: position and estimated wait (undefined when not queued). */
  function queueFrame(conversationId: string): Extract<ServerFrame, { type: 'queue' }> | undefined {
    const position = ctx?.app.conversations.queuePosition(conversationId);
    if (position === undefined || !ctx) return undefined;
    const wait = ctx.app.router.estimatedWaitSeconds(conversationId);
    return { type: 'queue', position, ...(wait !== undefined ? { estimatedWaitSeconds: wait } : {}) };
  }

  /** Sends the queue frame when the position or the estimate changed (or always with `force`). */
  function sendQueue(conn: Connection, frame: Extract<ServerFrame, { type: 'queue' }> | undefined, force = false): void {
    if (!frame) {
      conn.queuePosition = undefined;
      conn.queueWait = undefined;
      return;
    }
    if (!force && frame.position === conn.queuePosition && frame.estimatedWaitSeconds === conn.queueWait) return;
    conn.queuePosition = frame.position;
    conn.queueWait = frame.estimatedWaitSeconds;
    sendFrame(conn, frame);
  }

  /**
   * Brings a socket up to date from the store: every visible message after `sentSeq`, in seq
   * order. Reading from the store (instead of trusting event order) is what makes resume free of
   * gaps and duplicates: internal notes take seqs too, and events may arrive out of order.
   */
  function requestSync(conn: Connection): void {
    if (conn.syncing) {
      conn.syncAgain = true;
      return;
    }
    conn.syncing = true;
    void (async () => {
      try {
        do {
          conn.syncAgain = false;
          await syncOnce(conn);
        } while (conn.syncAgain && !conn.closed);
      } catch (error) {
        ctx?.logger.error({ err: error, visitorId: conn.visitorId }, 'widget sync failed');
      } finally {
        conn.syncing = false;
      }
    })();
  }

  async function syncOnce(conn: Connection): Promise<void> {
    const conversationId = conn.conversationId;
    if (!conversationId || !ctx) return;
    for (;;) {
      const page = await ctx.store.listMessages(conversationId, { afterSeq: conn.sentSeq, limit: PAGE_SIZE });
      if (conn.conversationId !== conversationId || conn.closed) return;
      for (const m of page) {
        if (m.seq <= conn.sentSeq) continue;
        if (m.direction !== 'internal') sendFrame(conn, { type: 'message', message: toWidgetMessage(m) });
        conn.sentSeq = m.seq;
      }
      if (page.length < PAGE_SIZE) return;
    }
  }

  /** A message was appended to a web conversation: push it to that visitor's sockets. */
  function onAppended(message: Message, conversation: Conversation): void {
    if (conversation.channel !== 'web') return;
    const set = groupOf(conversation.tenantId, conversation.address);
    if (!set) return;
    for (const conn of set) {
      if (!conn.ready) {
        conn.lateConversationId = conversation.id;
        continue;
      }
      if (conn.conversationId !== conversation.id) {
        // A new conversation on this address (the previous one was closed): follow it from the start.
        conn.conversationId = conversation.id;
        conn.sentSeq = 0;
        sendQueue(conn, undefined);
        requestSync(conn);
        continue;
      }
      pushOrSync(conn, message);
    }
  }

  /**
   * Sends a message of the socket's conversation straight from the event when it is the next
   * one the socket needs (no store read); anything else (a gap, a sync in progress) goes
   * through `requestSync`, which reads the store in seq order.
   */
  function pushOrSync(conn: Connection, message: Message): void {
    if (message.seq <= conn.sentSeq) return;
    if (!conn.syncing && message.seq === conn.sentSeq + 1) {
      if (message.direction !== 'internal') sendFrame(conn, { type: 'message', message: toWidgetMessage(message) });
      conn.sentSeq = message.seq;
    } else requestSync(conn);
  }

  async function agentName(conversation: Conversation): Promise<string | undefined> {
    if (!conversation.assigneeId || !ctx) return undefined;
    const agent = await ctx.store.getAgent(conversation.tenantId, conversation.assigneeId);
    return agent?.name;
  }

  function broadcast(conversation: Conversation, frame: ServerFrame): void {
    for (const conn of groupOf(conversation.tenantId, conversation.address) ?? []) {
      if (conn.ready) sendFrame(conn, frame);
    }
  }

  /** Queue positions move when anyone in the tenant's queue is served: refresh the waiting widgets. */
  function refreshQueue(tenantId: string): void {
    if (!ctx) return;
    for (const conn of all) {
      if (conn.tenantId !== tenantId || !conn.ready || conn.queuePosition === undefined || !conn.conversationId) continue;
      sendQueue(conn, queueFrame(conn.conversationId));
    }
  }

  function subscribe(context: AdapterContext): void {
    const { app } = context;
    unsubscribe.push(
      app.on('message.created', ({ message, conversation }) => onAppended(message, conversation)),
      app.on('message.received', ({ message, conversation }) => onAppended(message, conversation)),
      app.on('conversation.queued', ({ conversation }) => {
        if (conversation.channel !== 'web') return;
        const frame = queueFrame(conversation.id);
        for (const conn of groupOf(conversation.tenantId, conversation.address) ?? []) {
          if (conn.ready && frame) sendQueue(conn, frame, true);
        }
        refreshQueue(conversation.tenantId);
      }),
      // Any change of the tenant's queue (someone served, left, re-queued, an agent online) moves
      // positions and estimates.
      app.on('queue.changed', ({ tenantId }) => refreshQueue(tenantId)),
      // The estimate divides by the agents online: it moves when one comes or goes.
      app.on('agent.presence_changed', ({ agent }) => refreshQueue(agent.tenantId)),
      app.on('conversation.assigned', async ({ conversation }) => {
        refreshQueue(conversation.tenantId);
        if (conversation.channel !== 'web') return;
        for (const conn of groupOf(conversation.tenantId, conversation.address) ?? []) sendQueue(conn, undefined);
        const name = await agentName(conversation);
        if (name) broadcast(conversation, { type: 'agent', name });
      }),
      app.on('conversation.closed', ({ conversation }) => {
        refreshQueue(conversation.tenantId);
        if (conversation.channel !== 'web') return;
        for (const conn of groupOf(conversation.tenantId, conversation.address) ?? []) sendQueue(conn, undefined);
        broadcast(conversation, { type: 'closed', conversationId: conversation.id });
      }),
    );
  }

  // Inbound

  async function persistTrail(conn: Connection): Promise<void> {
    if (!ctx || !conn.trail?.length) return;
    const contact = await ctx.store.findContactByIdentity(conn.tenantId, { channel: 'web', externalId: senderId(conn) });
    if (!contact) return;
    await ctx.app.contacts.update(contact.id, { attributes: { ...contact.attributes, browsingTrail: conn.trail } }, conn.tenantId);
  }

  function recordPage(conn: Connection, entry: EntryContext): void {
    conn.entry = entry;
    const visit = { ...entry, at: ctx?.clock.now() ?? Date.now() };
    // Most sockets see one page: an array of exactly one, not a growable one.
    if (!conn.trail) conn.trail = [visit];
    else conn.trail.push(visit);
    if (conn.trail.length > trailLength) conn.trail.splice(0, conn.trail.length - trailLength);
  }

  function senderId(conn: Connection): string {
    return conn.shopper ? `shop:${conn.shopper.userId}` : conn.visitorId;
  }

  function envelopeFor(conn: Connection, externalId: string, parts: Part[], raw: unknown, text?: string): InboundEnvelope {
    const shopper = conn.shopper;
    return {
      channel: 'web',
      tenantId: conn.tenantId,
      // The address comes from the verified identity of the socket, never from the frame.
      address: conn.address,
      externalId,
      sender: {
        externalId: senderId(conn),
        ...(shopper
          ? { identifiers: [{ kind: 'shopUserId', value: shopper.userId }], ...(shopper.name ? { name: shopper.name } : {}), ...(shopper.tier ? { tier: shopper.tier } : {}), tags: shopper.tags }
          : {}),
      },
      parts,
      ...(text !== undefined ? { text } : {}),
      ...(conn.entry ? { entry: conn.entry } : {}),
      ...(conn.entry?.locale ? { language: conn.entry.locale } : {}),
      raw,
    };
  }

  /** Hands an envelope to the pipeline; resolves once it is durable (or refused), acking the client. */
  function receiveAndAck(conn: Connection, clientId: string, envelope: InboundEnvelope): Promise<void> {
    const context = ctx!;
    return new Promise<void>((resolve) => {
      const onDurable = (result: ReceiveResult) => {
        resolve();
        const { message, conversation } = result;
        if (conversation.tenantId !== conn.tenantId || conversation.address !== conn.address) {
          // The client id was used by another visitor: say nothing about their conversation.
          sendFrame(conn, { type: 'error', code: WebErrorCodes.FRAME_INVALID, message: 'This clientId was already used', clientId });
          return;
        }
        const firstMessage = conn.conversationId === undefined;
        if (conn.conversationId !== conversation.id) {
          conn.conversationId = conversation.id;
          conn.sentSeq = 0;
        }
        sendFrame(conn, { type: 'ack', clientId, id: message.id, seq: message.seq, conversationId: conversation.id, ...(result.duplicate ? { duplicate: true } : {}) });
        // Other tabs (and this one) get the message itself in seq order.
        for (const other of groupOf(conn.tenantId, conn.address) ?? []) {
          if (other.ready && other.conversationId !== conversation.id) {
            other.conversationId = conversation.id;
            other.sentSeq = 0;
          }
          if (!other.ready) continue;
          // A duplicate is an old message: the socket catches up from the store.
          if (result.duplicate) requestSync(other);
          else pushOrSync(other, message);
        }
        if (firstMessage && !result.duplicate) persistTrail(conn).catch((err) => context.logger.warn({ err }, 'storing the browsing trail failed'));
      };
      context.receive(envelope, { onDurable }).catch((error) => {
        resolve();
        context.logger.warn({ err: error, visitorId: conn.visitorId }, 'widget message refused');
        sendError(conn, error, clientId);
      });
    });
  }

  function onMessageFrame(conn: Connection, frame: MessageFrame): Promise<void> | void {
    const parts: Part[] = [...(frame.text ? [{ type: 'text' as const, text: frame.text }] : []), ...(frame.parts ?? [])];
    if (parts.length === 0) {
      sendFrame(conn, { type: 'error', code: 'KEFU_INVALID_INPUT', message: 'A message needs text or parts', clientId: frame.clientId });
      return;
    }
    for (const part of parts) {
      if (part.type === 'image' && !isOwnUpload(conn, part.url)) {
        sendFrame(conn, { type: 'error', code: 'KEFU_INVALID_INPUT', message: 'Images must be uploaded through /widget/upload', clientId: frame.clientId });
        return;
      }
    }
    return receiveAndAck(conn, frame.clientId, envelopeFor(conn, frame.clientId, parts, frame));
  }

  function onActionFrame(conn: Connection, frame: ActionFrame): Promise<void> {
    const part: Part = {
      type: 'action',
      actionId: frame.actionId,
      ...(frame.value !== undefined ? { value: frame.value } : {}),
      ...(frame.label !== undefined ? { label: frame.label } : {}),
      ...(frame.token !== undefined ? { token: frame.token } : {}),
      ...(frame.cardMessageId !== undefined ? { cardMessageId: frame.cardMessageId } : {}),
    };
    return receiveAndAck(conn, frame.clientId, envelopeFor(conn, frame.clientId, [part], frame));
  }

  function isOwnUpload(conn: Connection, url: string): boolean {
    if (!uploadsEnabled) return false;
    try {
      const u = new URL(url);
      const hosts = [conn.requestHost, options.publicUrl ? new URL(options.publicUrl).host : undefined];
      return (u.protocol === 'http:' || u.protocol === 'https:') && hosts.includes(u.host) && u.pathname.startsWith(`/widget/files/${encodeURIComponent(conn.tenantId)}/`);
    } catch {
      return false;
    }
  }

  async function onHello(conn: Connection, frame: HelloFrame, tenant: WebTenantConfig): Promise<void> {
    const context = ctx!;
    if (conn.closed) return;
    if (frame.visitorId && frame.visitorId !== conn.visitorId) {
      // The query named one visitor and the frame another: refuse rather than pick one.
      if (!VISITOR_ID.test(frame.visitorId)) throw new KefuError(WebErrorCodes.FRAME_INVALID, 'Invalid visitorId');
      throw new KefuError(WebErrorCodes.FRAME_INVALID, 'visitorId differs from the connection URL');
    }
    if (frame.token && !conn.shopper) {
      try {
        conn.shopper = await verifyIdentityToken(frame.token, secretsOf(tenant), context.clock.now());
        conn.address = `shop:${conn.shopper.userId}`;
      } catch (error) {
        sendError(conn, error);
        closeConn(conn, CloseCodes.UNAUTHORIZED, WebErrorCodes.IDENTITY_INVALID);
        return;
      }
    }
    if (tenant.requireIdentity && !conn.shopper) {
      sendFrame(conn, { type: 'error', code: WebErrorCodes.IDENTITY_INVALID, message: 'This shop requires a signed identity token' });
      closeConn(conn, CloseCodes.UNAUTHORIZED, WebErrorCodes.IDENTITY_INVALID);
      return;
    }
    if (conn.closed) return;
    if (frame.entry) recordPage(conn, frame.entry);
    join(conn);
    const open = await context.store.findOpenConversation(conn.tenantId, 'web', conn.address);
    if (conn.closed) return;
    let name: string | undefined;
    let queued: Extract<ServerFrame, { type: 'queue' }> | undefined;
    if (open) {
      conn.conversationId = open.id;
      const resumable = frame.lastSeq !== undefined && (frame.conversationId === undefined || frame.conversationId === open.id) && frame.lastSeq <= open.lastSeq;
      conn.sentSeq = resumable ? frame.lastSeq! : Math.max(0, open.lastSeq - historyLimit);
      name = await agentName(open);
      queued = open.status === 'queued' ? queueFrame(open.id) : undefined;
    } else if (conn.lateConversationId) {
      conn.conversationId = conn.lateConversationId;
      conn.sentSeq = 0;
    }
    conn.ready = true;
    sendFrame(conn, {
      type: 'welcome',
      visitorId: conn.visitorId,
      verified: !!conn.shopper,
      uploads: uploadsEnabled,
      ...(conn.conversationId ? { conversationId: conn.conversationId } : {}),
      ...(name ? { agentName: name } : {}),
    });
    if (queued) sendQueue(conn, queued, true);
    requestSync(conn);
    if (open && frame.entry) await persistTrail(conn);
  }

  async function onTyping(conn: Connection, on: boolean): Promise<void> {
    if (!conn.conversationId || !ctx) return;
    const conversation = await ctx.store.getConversation(conn.conversationId, conn.tenantId);
    if (conversation && conversation.status !== 'closed') ctx.app.emit('customer.typing', { conversation, on });
  }

  function handleFrame(conn: Connection, frame: ClientFrame, tenant: WebTenantConfig): Promise<void> | void {
    if (!conn.greeted) {
      if (frame.type !== 'hello') throw new KefuError(WebErrorCodes.FRAME_INVALID, 'The first frame must be hello');
      conn.greeted = true;
      return onHello(conn, frame, tenant);
    }
    switch (frame.type) {
      case 'hello':
        throw new KefuError(WebErrorCodes.FRAME_INVALID, 'hello was already sent');
      case 'message':
        return onMessageFrame(conn, frame);
      case 'action':
        return onActionFrame(conn, frame);
      case 'typing':
        void onTyping(conn, frame.on).catch((err) => ctx?.logger.warn({ err }, 'typing failed'));
        return;
      case 'page':
        recordPage(conn, frame.entry);
        void persistTrail(conn).catch((err) => ctx?.logger.warn({ err }, 'storing the browsing trail failed'));
        return;
      case 'ping':
        sendFrame(conn, { type: 'pong' });
        return;
    }
  }

  function onConnection(ws: WebSocket, tenantId: string, tenant: WebTenantConfig, visitorId: string, shopper: VerifiedShopper | undefined, requestHost: string | undefined): void {
    const context = ctx!;
    const ownVisitorId = ownString(visitorId);
    const conn: Connection = {
      ws,
      tenantId,
      tenant,
      requestHost: uploadsEnabled ? requestHost : undefined,
      visitorId: ownVisitorId,
      address: shopper ? `shop:${shopper.userId}` : ownVisitorId,
      shopper,
      ready: false,
      greeted: false,
      entry: undefined,
      trail: undefined,
      conversationId: undefined,
      sentSeq: 0,
      lateConversationId: undefined,
      syncing: false,
      syncAgain: false,
      tokens: rate.burst,
      at: context.clock.now(),
      dropped: 0,
      alive: true,
      closed: false,
      work: undefined,
      queuePosition: undefined,
      queueWait: undefined,
    };
    (ws as ConnectedSocket)[CONNECTION] = conn;
    all.add(conn);
    ws.on('pong', onSocketPong);
    ws.on('close', onSocketClose);
    ws.on('error', onSocketError);
    ws.on('message', onSocketMessage);
    // A token in the URL was verified before the upgrade; refusals after it carry a close code.
  }

  // The socket handlers: one function each for every socket (`this` is the socket), not closures per socket.

  function onSocketPong(this: ConnectedSocket): void {
    const conn = this[CONNECTION];
    if (conn) conn.alive = true;
  }

  function onSocketClose(this: ConnectedSocket): void {
    const conn = this[CONNECTION];
    if (!conn) return;
    conn.closed = true;
    leave(conn);
  }

  function onSocketError(this: ConnectedSocket, err: Error): void {
    ctx?.logger.debug({ err, visitorId: this[CONNECTION]?.visitorId }, 'widget socket error');
  }

  function onSocketMessage(this: ConnectedSocket, data: RawData, isBinary: boolean): void {
    const conn = this[CONNECTION];
    const context = ctx;
    if (!conn || conn.closed || !context) return;
    conn.alive = true;
    // The limit is checked before parsing: a flood costs us a counter, not JSON work or storage.
    if (!takeToken(conn, rate.perMs, rate.burst, context.clock.now())) {
      conn.dropped++;
      if (conn.dropped >= rate.closeAfterDropped) {
        sendFrame(conn, { type: 'error', code: WebErrorCodes.RATE_LIMITED, message: 'Too many frames; closing' });
        closeConn(conn, CloseCodes.RATE_LIMITED, WebErrorCodes.RATE_LIMITED);
      } else sendFrame(conn, { type: 'error', code: WebErrorCodes.RATE_LIMITED, message: 'Too many frames; this one was dropped' });
      return;
    }
    conn.dropped = 0;
    let frame: ClientFrame;
    try {
      if (isBinary) throw new KefuError(WebErrorCodes.FRAME_INVALID, 'Binary frames are not accepted');
      frame = parseClientFrame(data.toString(), limits);
    } catch (error) {
      sendError(conn, error);
      closeConn(conn, CloseCodes.MALFORMED, WebErrorCodes.FRAME_INVALID);
      return;
    }
    // Frames accepted within the limit are handled even if the socket closes meanwhile: the
    // client did not get their acks, so it resends them and dedupe keeps one copy.
    const work: Promise<void> = (conn.work ?? Promise.resolve())
      .then(() => handleFrame(conn, frame, conn.tenant))
      .catch((error) => {
        sendError(conn, error);
        if (isKefuError(error, WebErrorCodes.FRAME_INVALID)) closeConn(conn, CloseCodes.MALFORMED, WebErrorCodes.FRAME_INVALID);
        else context.logger.error({ err: error, visitorId: conn.visitorId }, 'widget frame failed');
      })
      .then(() => {
        // Nothing queued behind this frame: drop the chain so an idle socket holds no promise.
        if (conn.work === work) conn.work = undefined;
      });
    conn.work = work;
  }

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    if (!ctx) return refuseUpgrade(socket, 503, 'Service Unavailable', 'KEFU_NOT_STARTED', 'The web adapter is not started');
    const url = new URL(req.url ?? '/', 'http://localhost');
    const tenantId = url.searchParams.get('tenant') || DEFAULT_TENANT;
    const tenant = await resolveTenant(tenantId);
    if (!tenant) return refuseUpgrade(socket, 404, 'Not Found', WebErrorCodes.TENANT_UNKNOWN, `Unknown tenant "${tenantId.slice(0, 100)}"`);
    const host = req.headers.host;
    if (!originAllowed(req.headers.origin, host, tenant)) {
      return refuseUpgrade(socket, 403, 'Forbidden', WebErrorCodes.ORIGIN_FORBIDDEN, `Origin ${req.headers.origin ?? '(none)'} is not allowed`);
    }
    const givenVisitor = url.searchParams.get('visitor');
    if (givenVisitor && !VISITOR_ID.test(givenVisitor)) return refuseUpgrade(socket, 400, 'Bad Request', WebErrorCodes.FRAME_INVALID, 'visitor must be 8-64 characters [A-Za-z0-9_-]');
    const visitorId = givenVisitor || randomBytes(16).toString('base64url');
    const token = url.searchParams.get('token');
    let shopper: VerifiedShopper | undefined;
    let tokenError: unknown;
    if (token) {
      try {
        shopper = await verifyIdentityToken(token, secretsOf(tenant), ctx.clock.now());
      } catch (error) {
        tokenError = error;
      }
    }
    if (socket.destroyed) return;
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (tokenError || !ctx) {
        // Accept only to say why with a close code the widget can act on; nothing is stored.
        const code = isKefuError(tokenError) ? tokenError.code : 'KEFU_NOT_STARTED';
        ws.send(JSON.stringify({ type: 'error', code, message: (tokenError as Error | undefined)?.message ?? 'The web adapter is stopped' } satisfies ServerFrame));
        ws.close(tokenError ? CloseCodes.UNAUTHORIZED : CloseCodes.GOING_AWAY, code);
        return;
      }
      onConnection(ws, tenantId, tenant, visitorId, shopper, host);
    });
  }

  function tick(): void {
    if (!ctx) return;
    for (const conn of all) {
      if (!conn.alive) {
        conn.ws.terminate();
        continue;
      }
      conn.alive = false;
      try {
        conn.ws.ping();
      } catch {
        conn.ws.terminate();
      }
    }
    heartbeat = ctx.clock.setTimeout(tick, heartbeatMs);
  }

  const adapter: WebAdapter = {
    channel: 'web',
    capabilities: CAPABILITIES,
    httpRoutes,
    get connectionCount() {
      return all.size;
    },
    start(context) {
      if (ctx) return;
      ctx = context;
      subscribe(context);
      if (heartbeatMs > 0) heartbeat = context.clock.setTimeout(tick, heartbeatMs);
    },
    async send(conversation): Promise<SendResult> {
      // The message reached open sockets at `message.created`; this catches up any that missed it.
      // With no socket open it is still `sent`: it is stored, and the widget gets it on resume.
      for (const conn of groupOf(conversation.tenantId, conversation.address) ?? []) if (conn.ready && conn.conversationId === conversation.id) requestSync(conn);
      return { status: 'sent' };
    },
    async typing(conversation, on) {
      const name = on ? await agentName(conversation) : undefined;
      broadcast(conversation, { type: 'typing', on, ...(name ? { name } : {}) });
    },
    handleUpgrade(req, socket, head) {
      upgrade(req, socket, head).catch((error) => {
        ctx?.logger.error({ err: error }, 'widget upgrade failed');
        if (!socket.destroyed) refuseUpgrade(socket, 500, 'Internal Server Error', 'KEFU_STORE_FAILED', 'The upgrade failed');
      });
    },
    async stop() {
      if (!ctx) return;
      const context = ctx;
      ctx = undefined;
      if (heartbeat !== undefined) context.clock.clearTimeout(heartbeat);
      heartbeat = undefined;
      for (const timer of leaving.values()) context.clock.clearTimeout(timer);
      leaving.clear();
      while (unsubscribe.length) unsubscribe.pop()!();
      const closing = [...all].map(
        (conn) =>
          new Promise<void>((resolve) => {
            if (conn.ws.readyState === WebSocket.CLOSED) return resolve();
            conn.ws.once('close', () => resolve());
            closeConn(conn, CloseCodes.GOING_AWAY, 'server shutting down');
          }),
      );
      await Promise.all(closing);
      groups.clear();
      all.clear();
    },
  };
  return adapter;
}
