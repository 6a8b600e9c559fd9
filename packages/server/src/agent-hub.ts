import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type Agent, type Conversation, type KefuApp, type Logger, type TimerHandle, isKefuError } from '@kefu/core';
import { type WebSocket, WebSocketServer } from 'ws';
import { publicMessage } from './api.js';
import { type AgentsAuth, roleAtLeast } from './auth.js';
import { type AgentClientFrame, type AgentEventName, type AgentServerFrame, AgentSocketCloseCodes, agentSocketEvents } from './frames.js';

/** Options of the agent socket hub. */
export interface AgentHubOptions {
  app: KefuApp;
  auth: AgentsAuth;
  logger: Logger;
  /** Events kept for `resume`. Default 1000. */
  bufferSize?: number;
  /** How long an agent stays online after their last socket closed. Default 30 s. */
  presenceGraceMs?: number;
  /** WebSocket ping interval; a socket that misses one pong is dropped. Default 30 s. */
  heartbeatMs?: number;
  /** Largest frame an agent may send. Default 64 KiB. */
  maxPayload?: number;
}

interface Buffered {
  id: number;
  tenantId: string;
  /** Goes to every agent of the tenant (queued conversations, presence). */
  toAll: boolean;
  /** Agents (besides supervisors) who get it. */
  agentIds: string[];
  text: string;
}

interface Connection {
  ws: WebSocket;
  agent: Agent;
  /** The newest event id when the hello was sent: later events reached this socket live. */
  helloId: number;
  alive: boolean;
  expiry?: ReturnType<typeof setTimeout>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The agent WebSocket: authenticates with the agent JWT, relays app events by role and
 * assignment, numbers them, keeps the last ones in a ring buffer for `resume`, and drives
 * presence (online on connect, offline after a grace period once the last socket closed).
 */
export class AgentHub {
  readonly #app: KefuApp;
  readonly #auth: AgentsAuth;
  readonly #log: Logger;
  readonly #wss: WebSocketServer;
  readonly #bufferSize: number;
  readonly #graceMs: number;
  readonly #heartbeatMs: number;
  readonly #connections = new Set<Connection>();
  readonly #graceTimers = new Map<string, TimerHandle>();
  /** Ring buffer of relayed events, oldest first. */
  readonly #buffer: Buffered[] = [];
  /** Conversations known to be queued: the event that takes one out of the queue goes to everyone who saw it there. */
  readonly #queued = new Set<string>();
  readonly #unsubscribe: Array<() => void> = [];
  /**
   * Ids start at the current time in microseconds-ish (ms · 1000) so that they keep increasing
   * across a restart: a client's old `lastEventId` is then always older than the new buffer and
   * gets a clean `resync` instead of a wrong replay.
   */
  #lastId = Date.now() * 1000;
  /** Every event after `#floor` is still in the buffer. */
  #floor = this.#lastId;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  constructor(options: AgentHubOptions) {
    this.#app = options.app;
    this.#auth = options.auth;
    this.#log = options.logger;
    this.#bufferSize = options.bufferSize ?? 1000;
    this.#graceMs = options.presenceGraceMs ?? 30_000;
    this.#heartbeatMs = options.heartbeatMs ?? 30_000;
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayload ?? 64 * 1024 });
  }

  /** Number of open agent sockets. */
  get size(): number {
    return this.#connections.size;
  }

  /** Subscribes to app events; call after the app started. */
  start(): void {
    for (const entry of this.#app.router.queued()) this.#queued.add(entry.conversationId);
    for (const event of agentSocketEvents) {
      this.#unsubscribe.push(this.#app.on(event, (payload) => this.#onAppEvent(event, payload as unknown as Record<string, unknown>)));
    }
    this.#unsubscribe.push(this.#app.on('customer.typing', (p) => this.#onTyping(p.conversation, p.on)));
    this.#heartbeat = setInterval(() => this.#beat(), this.#heartbeatMs);
    this.#heartbeat.unref();
  }

  /** Handles an upgrade on the agent socket path. `url.searchParams.token` carries the JWT. */
  async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): Promise<void> {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    const token = url.searchParams.get('token') ?? '';
    let agent: Agent | undefined;
    let exp = 0;
    let reason = 'Missing token';
    if (token) {
      try {
        const verified = await this.#auth.verifyToken(token);
        agent = verified.agent;
        exp = verified.claims.exp;
      } catch (error) {
        reason = isKefuError(error) ? error.message : 'Invalid token';
      }
    }
    if (socket.destroyed) return;
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      // Browsers cannot read an HTTP 401 on a WebSocket handshake: accept, then close with 4401.
      if (!agent || this.#closed) {
        ws.close(AgentSocketCloseCodes.UNAUTHORIZED, reason.slice(0, 120));
        return;
      }
      const resumeFrom = Number(url.searchParams.get('lastEventId'));
      void this.#open(ws, agent, exp, Number.isFinite(resumeFrom) && url.searchParams.has('lastEventId') ? resumeFrom : undefined);
    });
  }

  async #open(ws: WebSocket, agent: Agent, exp: number, resumeFrom: number | undefined): Promise<void> {
    const conn: Connection = { ws, agent, helloId: this.#lastId, alive: true };
    const key = `${agent.tenantId}\u0000${agent.id}`;
    const firstSocket = ![...this.#connections].some((c) => c.agent.id === agent.id && c.agent.tenantId === agent.tenantId);
    this.#connections.add(conn);
    const msUntilExpiry = exp * 1000 - this.#app.clock.now();
    conn.expiry = setTimeout(() => ws.close(AgentSocketCloseCodes.UNAUTHORIZED, 'Token expired'), Math.min(Math.max(msUntilExpiry, 0), 2 ** 31 - 1));
    conn.expiry.unref();
    ws.on('pong', () => {
      conn.alive = true;
    });
    ws.on('message', (data, isBinary) => void this.#onFrame(conn, isBinary ? undefined : data.toString()));
    ws.on('close', () => this.#onClose(conn, key));
    ws.on('error', (error) => this.#log.debug({ err: error, agentId: agent.id }, 'agent socket error'));
    const grace = this.#graceTimers.get(key);
    if (grace !== undefined) {
      this.#app.clock.clearTimeout(grace);
      this.#graceTimers.delete(key);
    }
    this.#send(conn, { type: 'hello', agent, lastEventId: conn.helloId });
    if (resumeFrom !== undefined) this.#resume(conn, resumeFrom);
    // A reload must not undo a deliberate "away": only the first socket (or an offline agent) goes online.
    const current = this.#app.router.agentState(agent.id)?.agent ?? agent;
    if (firstSocket || current.presence === 'offline') {
      try {
        await this.#app.agents.setPresence(agent.id, 'online', agent.tenantId);
      } catch (error) {
        this.#log.warn({ err: error, agentId: agent.id }, 'could not set presence on connect');
      }
    }
    this.#log.info({ agentId: agent.id, tenantId: agent.tenantId }, 'agent socket open');
  }

  #onClose(conn: Connection, key: string): void {
    this.#connections.delete(conn);
    if (conn.expiry) clearTimeout(conn.expiry);
    if (this.#closed) return;
    const still = [...this.#connections].some((c) => c.agent.id === conn.agent.id && c.agent.tenantId === conn.agent.tenantId);
    if (still || this.#graceTimers.has(key)) return;
    this.#graceTimers.set(
      key,
      this.#app.clock.setTimeout(() => {
        this.#graceTimers.delete(key);
        this.#app.agents.setPresence(conn.agent.id, 'offline', conn.agent.tenantId).catch((error) => this.#log.warn({ err: error, agentId: conn.agent.id }, 'could not set presence offline'));
      }, this.#graceMs),
    );
  }

  async #onFrame(conn: Connection, text: string | undefined): Promise<void> {
    let frame: AgentClientFrame;
    try {
      const parsed: unknown = text === undefined ? undefined : JSON.parse(text);
      if (!isRecord(parsed) || typeof parsed.type !== 'string') throw new Error('not an object with a type');
      frame = parsed as AgentClientFrame;
    } catch {
      this.#send(conn, { type: 'error', code: 'KEFU_INVALID_INPUT', message: 'Frames are JSON text objects with a "type"' });
      return;
    }
    const { agent } = conn;
    // Every frame but the heartbeat is the agent acting: it postpones auto-away.
    if (frame.type !== 'ping') this.#app.agents.touch(agent.id, agent.tenantId);
    try {
      switch (frame.type) {
        case 'ping':
          this.#send(conn, { type: 'pong' });
          return;
        case 'resume':
          if (typeof frame.lastEventId !== 'number' || !Number.isFinite(frame.lastEventId)) throw new TypeError('resume needs a numeric lastEventId');
          this.#resume(conn, frame.lastEventId);
          return;
        case 'presence':
          if (!['online', 'away', 'offline'].includes(frame.presence)) throw new TypeError('presence must be online, away or offline');
          conn.agent = await this.#app.agents.setPresence(agent.id, frame.presence, agent.tenantId);
          return;
        case 'typing': {
          if (typeof frame.conversationId !== 'string' || typeof frame.on !== 'boolean') throw new TypeError('typing needs conversationId and on');
          const c = await this.#app.store.getConversation(frame.conversationId, agent.tenantId);
          if (!c) {
            this.#send(conn, { type: 'error', code: 'KEFU_NOT_FOUND', message: `No conversation "${frame.conversationId}"` });
            return;
          }
          if (!roleAtLeast(agent.role, 'supervisor') && c.assigneeId !== agent.id) {
            this.#send(conn, { type: 'error', code: 'KEFU_FORBIDDEN', message: 'Only the assigned agent can type in this conversation' });
            return;
          }
          try {
            await this.#app.typing(c.id, frame.on, agent.tenantId);
          } catch (error) {
            // Typing is best effort: a channel without the capability simply shows nothing.
            if (!isKefuError(error, 'KEFU_CAPABILITY_UNSUPPORTED')) throw error;
          }
          return;
        }
        default:
          this.#send(conn, { type: 'error', code: 'KEFU_INVALID_INPUT', message: `Unknown frame type "${String((frame as { type: unknown }).type)}"` });
      }
    } catch (error) {
      if (error instanceof TypeError) this.#send(conn, { type: 'error', code: 'KEFU_INVALID_INPUT', message: error.message });
      else if (isKefuError(error)) this.#send(conn, { type: 'error', code: error.code, message: error.message });
      else {
        this.#log.error({ err: error, agentId: agent.id }, 'agent frame failed');
        this.#send(conn, { type: 'error', code: 'KEFU_INTERNAL', message: 'Internal error' });
      }
    }
  }

  /** Replays the buffered events after `lastEventId` up to the hello, or asks for a resync. */
  #resume(conn: Connection, lastEventId: number): void {
    if (lastEventId < this.#floor || lastEventId > this.#lastId) {
      this.#send(conn, { type: 'resync', lastEventId: this.#lastId });
      return;
    }
    for (const entry of this.#buffer) {
      if (entry.id > lastEventId && entry.id <= conn.helloId && this.#visible(entry, conn.agent)) conn.ws.send(entry.text);
    }
  }

  #visible(entry: Pick<Buffered, 'tenantId' | 'toAll' | 'agentIds'>, agent: Agent): boolean {
    if (entry.tenantId !== agent.tenantId) return false;
    return entry.toAll || roleAtLeast(agent.role, 'supervisor') || entry.agentIds.includes(agent.id);
  }

  #onAppEvent(event: AgentEventName, payload: Record<string, unknown>): void {
    if (this.#closed) return;
    const conversation = payload.conversation as Conversation | undefined;
    const agentIds: string[] = [];
    let tenantId: string;
    let toAll = false;
    if (conversation) {
      tenantId = conversation.tenantId;
      if (conversation.assigneeId) agentIds.push(conversation.assigneeId);
      for (const k of ['previousAgentId', 'from', 'agentId'] as const) if (typeof payload[k] === 'string') agentIds.push(payload[k] as string);
      const to = payload.to as { agentId?: string } | undefined;
      if (to?.agentId) agentIds.push(to.agentId);
      const wasQueued = this.#queued.has(conversation.id);
      if (conversation.status === 'queued') this.#queued.add(conversation.id);
      else this.#queued.delete(conversation.id);
      toAll = conversation.status === 'queued' || wasQueued;
    } else if (payload.agent) {
      const agent = payload.agent as Agent;
      tenantId = agent.tenantId;
      toAll = true;
      for (const c of this.#connections) if (c.agent.id === agent.id && c.agent.tenantId === agent.tenantId) c.agent = agent;
    } else {
      // Tenant-wide notices (`queue.changed`).
      tenantId = payload.tenantId as string;
      toAll = true;
    }
    const data = payload.message ? { ...payload, message: publicMessage(payload.message as never) } : payload;
    this.#publish(event, data, { tenantId, toAll, agentIds }, true);
  }

  #onTyping(c: Conversation, on: boolean): void {
    if (this.#closed) return;
    // Typing is ephemeral: numbered like every event, but not kept for replay.
    this.#publish('typing', { conversationId: c.id, role: 'customer', on }, { tenantId: c.tenantId, toAll: c.status === 'queued', agentIds: c.assigneeId ? [c.assigneeId] : [] }, false);
  }

  #publish(event: AgentEventName, data: unknown, route: Pick<Buffered, 'tenantId' | 'toAll' | 'agentIds'>, keep: boolean): void {
    const id = ++this.#lastId;
    const text = JSON.stringify({ type: 'event', id, event, data });
    if (keep) {
      this.#buffer.push({ id, tenantId: route.tenantId, toAll: route.toAll, agentIds: route.agentIds, text });
      if (this.#buffer.length > this.#bufferSize) this.#floor = this.#buffer.shift()!.id;
    }
    // Serialized once per event; encoded to UTF-8 once as well when several sockets get it
    // (`ws` would encode the string again for each socket).
    let frame: string | Buffer = text;
    let sent = 0;
    for (const conn of this.#connections) {
      if (!this.#visible(route, conn.agent)) continue;
      if (sent++ === 1) frame = Buffer.from(text);
      conn.ws.send(frame, { binary: false });
    }
  }

  #send(conn: Connection, frame: AgentServerFrame): void {
    if (conn.ws.readyState === conn.ws.OPEN) conn.ws.send(JSON.stringify(frame));
  }

  #beat(): void {
    for (const conn of this.#connections) {
      if (!conn.alive) {
        conn.ws.terminate();
        continue;
      }
      conn.alive = false;
      conn.ws.ping();
    }
  }

  /** Closes every agent socket with 1001 and stops relaying. Presence is left as is (a restart resets it). */
  async close(timeoutMs = 5000): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    for (const off of this.#unsubscribe.splice(0)) off();
    for (const t of this.#graceTimers.values()) this.#app.clock.clearTimeout(t);
    this.#graceTimers.clear();
    const closing = [...this.#connections].map(
      (conn) =>
        new Promise<void>((resolve) => {
          if (conn.ws.readyState === conn.ws.CLOSED) return resolve();
          conn.ws.once('close', () => resolve());
          conn.ws.close(AgentSocketCloseCodes.GOING_AWAY, 'Server shutting down');
        }),
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([Promise.all(closing), new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    for (const conn of this.#connections) conn.ws.terminate();
    this.#wss.close();
  }
}
