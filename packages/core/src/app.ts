import type { Adapter, AdapterContext } from './adapter.js';
import { type Clock, systemClock } from './clock.js';
import { ErrorCodes, KefuError, isKefuError } from './errors.js';
import type { HttpRoute } from './http.js';
import { type EventName, type KefuEvents, type Listener, SafeEmitter } from './events.js';
import { newId } from './ids.js';
import { KeyedQueue } from './keyed-queue.js';
import { detect as detectWithTinyld } from 'tinyld/light';
import { type Logger, silentLogger } from './logger.js';
import {
  type Agent,
  type Author,
  type Contact,
  type Conversation,
  DEFAULT_TENANT,
  type Identity,
  type InboundEnvelope,
  type Message,
  type Part,
  type Presence,
  type ReceiveResult,
  type VerifiedIdentifier,
} from './model.js';
import type { Disposer, HandoffRequest, Middleware, PipelineContext, Plugin } from './plugin.js';
import { plainText, renderForCapabilities } from './render.js';
import { Router, type RouterOptions, type RoutingDecision } from './router.js';
import { Scheduler, type SchedulerOptions } from './scheduler.js';
import { assertTransition } from './status.js';
import type { ConversationPatch, Store } from './store.js';

/**
 * Services that plugins provide (`app.services.commerce`, ...). Empty in core; plugins add
 * members by declaration merging:
 *
 * @example
 * declare module '@kefu/core' { interface KefuServices { commerce: CommerceProvider } }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface KefuServices {}

/** Options of {@link createApp}. */
export interface AppOptions {
  store: Store;
  logger?: Logger;
  clock?: Clock;
  router?: RouterOptions;
  scheduler?: SchedulerOptions;
  /** This node's name (scheduler leases). Default: a random id. */
  nodeId?: string;
  /** Default setup timeout of a plugin. Default 10 s. */
  pluginTimeoutMs?: number;
  /** Timeout of each step of `close()`. Default 10 s. */
  closeTimeoutMs?: number;
  /** Outbound attempts before a message is failed. Default 6. */
  maxSendAttempts?: number;
  /** Backoff before the n-th retry (ms). Default 1 s · 2^(n-1), at most 5 min. */
  sendBackoff?: (attempt: number) => number;
  /**
   * Detects the language of a conversation from its first messages when the channel did not say
   * (ISO 639-1 code, e.g. `zh`, `en`). Default: tinyld. `false` turns it off.
   */
  detectLanguage?: ((text: string) => string | undefined) | false;
  /** Computes a contact's tier (from spend, credit, entry context...) on each inbound message. */
  tierOf?: (input: { contact: Contact; envelope: InboundEnvelope; app: KefuApp }) => string | undefined | Promise<string | undefined>;
}

/** One entry of a contact's audit trail (merges, splits, edits by agents). */
export interface ContactAuditEntry {
  at: number;
  action: 'merged' | 'merged-into' | 'split' | 'split-from' | 'updated';
  by?: string;
  details: Record<string, unknown>;
}

/** Options of {@link KefuApp.send}. */
export interface SendOptions {
  author?: Author;
  tenantId?: string;
  /** `internal` stores a note agents see and the customer does not. Default `outbound`. */
  direction?: 'outbound' | 'internal';
  /** Throw `KEFU_CAPABILITY_UNSUPPORTED` instead of rendering unsupported parts as text. */
  strict?: boolean;
  meta?: Record<string, unknown>;
}

/** The lifecycle states of an app. */
export type AppState = 'registering' | 'starting' | 'started' | 'closing' | 'closed';

/** Conversation operations for agents, the server and plugins. */
export interface ConversationOps {
  get(id: string, tenantId?: string): Promise<Conversation>;
  /** Routes a bot conversation to a human (the bot's handoff outside the pipeline). */
  handoff(id: string, request: HandoffRequest, tenantId?: string): Promise<RoutingDecision>;
  /** An agent accepts a queued conversation. */
  accept(id: string, agentId: string, tenantId?: string): Promise<Conversation>;
  /** Transfers to an agent or a team, with an internal note. */
  transfer(id: string, to: { agentId?: string; teamId?: string; force?: boolean }, options?: { note?: string; by?: Author; tenantId?: string }): Promise<Conversation>;
  close(id: string, options?: { reason?: string; tenantId?: string }): Promise<Conversation>;
  /** Changes tags, priority, language, attributes (not status: use the operations above). */
  update(id: string, patch: Omit<ConversationPatch, 'status' | 'assigneeId'>, tenantId?: string): Promise<Conversation>;
  queuePosition(id: string): number | undefined;
}

/** Agent operations. */
export interface AgentOps {
  /** Registers or updates an agent; capacity defaults to `router.defaultCapacity` and is clamped to `router.maxCapacity`. */
  upsert(agent: Omit<Agent, 'createdAt' | 'updatedAt' | 'presence' | 'attributes' | 'tenantId' | 'capacity'> & Partial<Pick<Agent, 'presence' | 'attributes' | 'tenantId' | 'capacity'>>): Promise<Agent>;
  /** Records agent activity (postpones auto-away). */
  touch(agentId: string, tenantId?: string): void;
  setPresence(agentId: string, presence: Presence, tenantId?: string): Promise<Agent>;
  list(tenantId?: string): Promise<Agent[]>;
}

/** Contact operations. */
export interface ContactOps {
  get(id: string, tenantId?: string): Promise<Contact>;
  /** Merges `sourceId` into `targetId` (explicit, audited through `contact.merged`). */
  merge(targetId: string, sourceId: string, options?: { tenantId?: string; reason?: string; by?: string }): Promise<Contact>;
  /**
   * Splits identities (and the conversations on them) off a contact into a new contact: the
   * undo of a wrong merge. Identifiers listed move too. Audited through `contact.split`.
   */
  split(contactId: string, part: { identities: Identity[]; identifiers?: VerifiedIdentifier[]; by?: string }, tenantId?: string): Promise<{ source: Contact; created: Contact }>;
  /** The contact's audit trail, oldest first. */
  audit(contactId: string, tenantId?: string): Promise<ContactAuditEntry[]>;
  update(id: string, patch: Partial<Pick<Contact, 'name' | 'tier' | 'tags' | 'attributes'>>, tenantId?: string): Promise<Contact>;
}

/** The Kefu application: plugins, adapters, middleware, events, and the pipeline they compose. */
export interface KefuApp {
  readonly store: Store;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly state: AppState;
  readonly router: Router;
  readonly scheduler: Scheduler;
  /** Services provided by plugins; reading a missing one throws `KEFU_SERVICE_MISSING`. */
  readonly services: KefuServices;
  readonly conversations: ConversationOps;
  readonly agents: AgentOps;
  readonly contacts: ContactOps;

  use<O>(plugin: Plugin<O>, ...options: O extends void ? [] : [O]): this;
  adapter(adapter: Adapter): this;
  /** Adds a middleware to the inbound pipeline. */
  route(middleware: Middleware): this;
  /** Contributes an HTTP route for a server to mount (see {@link HttpRoute}). */
  httpRoute(route: HttpRoute): this;
  /** The HTTP routes plugins contributed. */
  readonly httpRoutes: readonly HttpRoute[];
  on<E extends EventName>(event: E, listener: Listener<E>): () => void;
  emit<E extends EventName>(event: E, payload: KefuEvents[E]): void;
  /** Makes a service available as `app.services[name]`. */
  provide<K extends keyof KefuServices>(name: K, service: KefuServices[K]): void;
  hasService(name: keyof KefuServices | string): boolean;
  /** The adapter of a channel, if registered. */
  getAdapter(channel: string): Adapter | undefined;
  readonly adapters: readonly Adapter[];

  start(): Promise<void>;
  close(): Promise<void>;

  /** The inbound pipeline. */
  receive(envelope: InboundEnvelope, options?: { onDurable?: (result: ReceiveResult) => void }): Promise<ReceiveResult>;
  /** Sends parts to the customer through the outbox. Resolves when the message is durable (pending). */
  send(conversationId: string, parts: Part[] | string, options?: SendOptions): Promise<Message>;
  /** Shows a typing indicator on the channel; `KEFU_CAPABILITY_UNSUPPORTED` when it has none. */
  typing(conversationId: string, on: boolean, tenantId?: string): Promise<void>;
  /** Resolves when no inbound message or outbound send is in flight (tests, shutdown). */
  idle(): Promise<void>;
}

const OUTBOX_RETRY_JOB = 'kefu.outbox.retry';

function withTimeout<T>(promise: Promise<T>, ms: number, clock: Clock, error: () => KefuError): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimeout(() => reject(error()), ms);
    promise.then(
      (v) => {
        clock.clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clock.clearTimeout(timer);
        reject(e);
      },
    );
  });
}

interface Registration {
  plugin: Plugin<unknown>;
  options: unknown;
}

class App implements KefuApp {
  readonly store: Store;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly router: Router;
  readonly scheduler: Scheduler;
  readonly services: KefuServices;
  readonly conversations: ConversationOps;
  readonly agents: AgentOps;
  readonly contacts: ContactOps;

  #state: AppState = 'registering';
  readonly #plugins: Registration[] = [];
  readonly #adapters = new Map<string, Adapter>();
  readonly #startedAdapters: Adapter[] = [];
  readonly #middleware: Middleware[] = [];
  readonly #httpRoutes: HttpRoute[] = [];
  readonly #disposers: Array<{ name: string; dispose: Disposer }> = [];
  readonly #services = new Map<string, unknown>();
  readonly #emitter: SafeEmitter;
  readonly #inbound = new KeyedQueue();
  readonly #outbound = new KeyedQueue();
  readonly #options: AppOptions;
  readonly #maxSendAttempts: number;
  readonly #backoff: (attempt: number) => number;
  readonly #detectLanguage: ((text: string) => string | undefined) | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: AppOptions) {
    this.#options = options;
    this.store = options.store;
    this.logger = options.logger ?? silentLogger;
    this.clock = options.clock ?? systemClock;
    this.#maxSendAttempts = options.maxSendAttempts ?? 6;
    this.#backoff = options.sendBackoff ?? ((n) => Math.min(300_000, 1000 * 2 ** (n - 1)));
    this.#detectLanguage =
      options.detectLanguage === false
        ? undefined
        : (options.detectLanguage ??
          ((text: string) => {
            // Too little text guesses wrong; a later message will decide.
            if (text.trim().length < 2) return undefined;
            // The script settles most messages at no cost; tinyld (~0.4 ms a call) decides the rest.
            if (/[\u3040-\u30ff]/.test(text)) return 'ja';
            if (/[\uac00-\ud7af]/.test(text)) return 'ko';
            if (/[\u4e00-\u9fff]/.test(text)) return 'zh';
            return detectWithTinyld(text) || undefined;
          }));
    this.#emitter = new SafeEmitter((error, source) => this.logger.error({ err: error, source }, 'event listener failed'));
    this.scheduler = new Scheduler(
      this.store,
      this.clock,
      options.nodeId ?? newId(),
      (error, job) => this.#reportError(error, `job:${job.name}`),
      options.scheduler,
    );
    this.router = new Router({ store: this.store, clock: this.clock, logger: this.logger, scheduler: this.scheduler, emit: (e, p) => this.emit(e, p) }, options.router);
    this.scheduler.define<{ messageId: string }>(OUTBOX_RETRY_JOB, async ({ messageId }) => {
      const message = await this.store.getMessage(messageId);
      if (message && message.status === 'pending') await this.#dispatch(message);
    });
    const services = this.#services;
    this.services = new Proxy({} as KefuServices, {
      get(_t, name) {
        if (typeof name !== 'string') return undefined;
        if (!services.has(name)) throw new KefuError(ErrorCodes.SERVICE_MISSING, `No plugin provides the service "${name}"`, { details: { service: name } });
        return services.get(name);
      },
      has: (_t, name) => typeof name === 'string' && services.has(name),
      ownKeys: () => [...services.keys()],
      getOwnPropertyDescriptor: (_t, name) => (typeof name === 'string' && services.has(name) ? { enumerable: true, configurable: true, value: services.get(name) } : undefined),
    });
    this.conversations = this.#conversationOps();
    this.agents = this.#agentOps();
    this.contacts = this.#contactOps();
  }

  get state(): AppState {
    return this.#state;
  }

  get adapters(): readonly Adapter[] {
    return [...this.#adapters.values()];
  }

  #assertRegistering(what: string): void {
    if (this.#state !== 'registering' && this.#state !== 'starting') {
      throw new KefuError(ErrorCodes.ALREADY_STARTED, `Cannot register ${what} after start()`, { details: { state: this.#state } });
    }
  }

  use<O>(plugin: Plugin<O>, ...options: O extends void ? [] : [O]): this {
    this.#assertRegistering(`plugin "${plugin?.name}"`);
    if (!plugin || typeof plugin.name !== 'string' || typeof plugin.setup !== 'function') {
      throw new KefuError(ErrorCodes.INVALID_INPUT, 'A plugin needs a name and a setup function');
    }
    if (this.#plugins.some((r) => r.plugin.name === plugin.name)) {
      throw new KefuError(ErrorCodes.DUPLICATE_REGISTRATION, `Plugin "${plugin.name}" is registered twice`, { details: { plugin: plugin.name } });
    }
    this.#plugins.push({ plugin: plugin as Plugin<unknown>, options: options[0] });
    return this;
  }

  adapter(adapter: Adapter): this {
    this.#assertRegistering(`adapter "${adapter?.channel}"`);
    if (this.#adapters.has(adapter.channel)) {
      throw new KefuError(ErrorCodes.DUPLICATE_REGISTRATION, `An adapter for channel "${adapter.channel}" is registered twice`, { details: { channel: adapter.channel } });
    }
    this.#adapters.set(adapter.channel, adapter);
    return this;
  }

  route(middleware: Middleware): this {
    this.#assertRegistering('middleware');
    this.#middleware.push(middleware);
    return this;
  }

  httpRoute(route: HttpRoute): this {
    this.#assertRegistering(`route ${route?.method} ${route?.path}`);
    if (this.#httpRoutes.some((r) => r.method === route.method && r.path === route.path)) {
      throw new KefuError(ErrorCodes.DUPLICATE_REGISTRATION, `HTTP route ${route.method} ${route.path} is registered twice`);
    }
    this.#httpRoutes.push(route);
    return this;
  }

  get httpRoutes(): readonly HttpRoute[] {
    return [...this.#httpRoutes];
  }

  on<E extends EventName>(event: E, listener: Listener<E>): () => void {
    return this.#emitter.on(event, listener);
  }

  emit<E extends EventName>(event: E, payload: KefuEvents[E]): void {
    this.#emitter.emit(event, payload);
  }

  provide<K extends keyof KefuServices>(name: K, service: KefuServices[K]): void {
    if (this.#services.has(name as string)) throw new KefuError(ErrorCodes.DUPLICATE_REGISTRATION, `Service "${String(name)}" is provided twice`);
    this.#services.set(name as string, service);
  }

  hasService(name: string): boolean {
    return this.#services.has(name);
  }

  getAdapter(channel: string): Adapter | undefined {
    return this.#adapters.get(channel);
  }

  #reportError(error: unknown, source: string): void {
    this.logger.error({ err: error, source }, 'background failure');
    if (this.#emitter.listenerCount('error') > 0) this.emit('error', { error, source });
  }

  // Lifecycle

  async start(): Promise<void> {
    if (this.#state !== 'registering') throw new KefuError(ErrorCodes.ALREADY_STARTED, 'start() was called twice', { details: { state: this.#state } });
    this.#state = 'starting';
    try {
      await this.store.init();
      const setUp = new Set<string>();
      // A plugin may register further plugins in its setup: the list can grow while we walk it.
      for (let i = 0; i < this.#plugins.length; i++) {
        const { plugin, options } = this.#plugins[i]!;
        for (const dep of plugin.dependencies ?? []) {
          if (!setUp.has(dep)) {
            throw new KefuError(ErrorCodes.PLUGIN_DEPENDENCY_MISSING, `Plugin "${plugin.name}" depends on "${dep}", which is not registered before it`, {
              details: { plugin: plugin.name, missing: dep },
            });
          }
        }
        const timeoutMs = plugin.timeoutMs ?? this.#options.pluginTimeoutMs ?? 10_000;
        let disposer: void | Disposer;
        try {
          disposer = await withTimeout(
            Promise.resolve().then(() => plugin.setup(this, options)),
            timeoutMs,
            this.clock,
            () => new KefuError(ErrorCodes.PLUGIN_TIMEOUT, `Plugin "${plugin.name}" did not finish setup within ${timeoutMs} ms`, { details: { plugin: plugin.name, timeoutMs } }),
          );
        } catch (error) {
          if (isKefuError(error)) throw error;
          throw new KefuError(ErrorCodes.PLUGIN_SETUP_FAILED, `Plugin "${plugin.name}" failed to set up: ${(error as Error)?.message ?? error}`, { cause: error, details: { plugin: plugin.name } });
        }
        if (typeof disposer === 'function') this.#disposers.push({ name: plugin.name, dispose: disposer });
        setUp.add(plugin.name);
      }
      await this.router.load();
      await this.scheduler.start();
      // Adapters start last: by then every plugin's middleware and service is in place.
      for (const adapter of this.#adapters.values()) {
        await adapter.start(this.#adapterContext());
        this.#startedAdapters.push(adapter);
      }
      this.#state = 'started';
      await this.#resumeOutbox();
    } catch (error) {
      await this.#shutdown().catch((e) => this.logger.error({ err: e }, 'cleanup after failed start failed'));
      this.#state = 'closed';
      throw error;
    }
  }

  close(): Promise<void> {
    if (this.#state === 'registering') {
      this.#state = 'closed';
      return this.store.close();
    }
    this.#closing ??= (async () => {
      this.#state = 'closing';
      await this.#shutdown();
      this.#state = 'closed';
    })();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    const ms = this.#options.closeTimeoutMs ?? 10_000;
    const step = async (name: string, fn: () => unknown) => {
      try {
        await withTimeout(Promise.resolve().then(fn), ms, this.clock, () => new KefuError(ErrorCodes.TIMEOUT, `${name} did not finish within ${ms} ms`));
      } catch (error) {
        this.logger.error({ err: error, step: name }, 'close step failed');
      }
    };
    // Sockets first: stop taking new input, then let work in flight finish.
    for (const adapter of [...this.#startedAdapters].reverse()) await step(`adapter ${adapter.channel} stop`, () => adapter.stop());
    this.#startedAdapters.length = 0;
    await step('scheduler stop', () => this.scheduler.stop());
    await step('pipeline drain', () => this.idle());
    while (this.#disposers.length > 0) {
      const { name, dispose } = this.#disposers.pop()!;
      await step(`plugin ${name} dispose`, dispose);
    }
    await step('store close', () => this.store.close());
  }

  async idle(): Promise<void> {
    while (this.#inbound.size > 0 || this.#outbound.size > 0) {
      await this.#inbound.idle();
      await this.#outbound.idle();
    }
  }

  #adapterContext(): AdapterContext {
    return {
      app: this,
      store: this.store,
      logger: this.logger,
      clock: this.clock,
      receive: (envelope, options) => this.receive(envelope, options),
      reportDelivery: (messageId, status, error) => this.#reportDelivery(messageId, status, error),
    };
  }

  #assertStarted(): void {
    if (this.#state === 'started') return;
    if (this.#state === 'closing' || this.#state === 'closed') throw new KefuError(ErrorCodes.CLOSED, 'The app is closed');
    if (this.#state !== 'starting') throw new KefuError(ErrorCodes.NOT_STARTED, 'Call start() first');
  }

  // Inbound pipeline

  async receive(envelope: InboundEnvelope, options: { onDurable?: (result: ReceiveResult) => void } = {}): Promise<ReceiveResult> {
    this.#assertStarted();
    validateEnvelope(envelope);
    const tenantId = envelope.tenantId ?? DEFAULT_TENANT;
    const dedupeKey = envelope.externalId ? `${envelope.channel}:${envelope.externalId}` : undefined;
    if (dedupeKey) {
      const seen = await this.store.findMessageByDedupeKey(tenantId, dedupeKey);
      if (seen) return this.#duplicate(seen, options);
    }
    const key = envelope.conversationId ?? `${tenantId}\u0000${envelope.channel}\u0000${envelope.address}`;
    return this.#inbound.run(key, () => this.#receiveSerialized(envelope, tenantId, dedupeKey, options));
  }

  async #duplicate(message: Message, options: { onDurable?: (result: ReceiveResult) => void }): Promise<ReceiveResult> {
    const conversation = await this.store.getConversation(message.conversationId, message.tenantId);
    const contact = conversation && (await this.store.getContact(message.tenantId, conversation.contactId));
    if (!conversation || !contact) throw new KefuError(ErrorCodes.STORE_FAILED, 'A stored message has no conversation or contact', { details: { messageId: message.id } });
    const result = { message, conversation, contact, duplicate: true };
    options.onDurable?.(result);
    return result;
  }

  async #receiveSerialized(envelope: InboundEnvelope, tenantId: string, dedupeKey: string | undefined, options: { onDurable?: (result: ReceiveResult) => void }): Promise<ReceiveResult> {
    const now = this.clock.now();
    let contact = await this.#resolveContact(envelope, tenantId, now);
    const opened = await this.#findOrOpenConversation(envelope, tenantId, contact, now);
    let conversation = opened.conversation;
    const parts = envelope.parts;
    const { message, duplicate } = await this.store.appendMessage({
      ...(dedupeKey ? { dedupeKey } : {}),
      tenantId,
      conversationId: conversation.id,
      direction: 'inbound',
      author: { role: 'customer', id: contact.id, ...(contact.name ? { name: contact.name } : {}) },
      text: envelope.text ?? plainText(parts),
      parts,
      channel: envelope.channel,
      ...(envelope.externalId ? { externalId: envelope.externalId } : {}),
      status: 'received',
      createdAt: now,
      ...(envelope.meta ? { meta: envelope.meta } : {}),
      ...(envelope.raw !== undefined ? { raw: envelope.raw } : {}),
    });
    if (duplicate) return this.#duplicate(message, options);
    conversation = { ...conversation, lastSeq: message.seq, lastMessageAt: message.createdAt };
    // Only the first messages decide: a conversation whose language stays unknown must not pay for
    // detection on every message.
    if (!conversation.language && this.#detectLanguage && message.seq <= 3) {
      const language = this.#detectLanguage(message.text);
      if (language) conversation = (await this.store.updateConversation(conversation.id, { language })) ?? conversation;
    }
    if (this.#options.tierOf) {
      try {
        const tier = await this.#options.tierOf({ contact, envelope, app: this });
        if (tier && tier !== contact.tier) contact = await this.store.updateContact(tenantId, contact.id, { tier });
      } catch (error) {
        this.#reportError(error, 'tierOf');
      }
    }
    if (conversation.status === 'assigned') await this.router.customerWaiting(conversation);
    const result: ReceiveResult = { message, conversation, contact, duplicate: false };
    try {
      options.onDurable?.(result);
    } catch (error) {
      this.#reportError(error, 'receive:onDurable');
    }
    this.emit('message.received', { message, conversation, contact });

    const ctx = this.#pipelineContext(envelope, message, conversation, contact, opened.isNew);
    // Middleware (replies, handoffs, plugins writing the store) and routing change the stored
    // conversation; without them the pipeline changed nothing since the append.
    let changed = this.#middleware.length > 0;
    await this.#runMiddleware(ctx);
    conversation = ctx.conversation;
    contact = ctx.contact;
    try {
      if (ctx.handoffRequest && (conversation.status === 'bot' || conversation.status === 'queued')) {
        changed = true;
        await this.#handoff(conversation, contact, ctx.handoffRequest);
      } else if (conversation.status === 'bot' && !ctx.handledBy && envelope.route !== false) {
        changed = true;
        await this.router.route({ conversation, contact });
      }
    } catch (error) {
      this.#reportError(error, 'routing');
    }
    // Unchanged: the append's own update is known (the store keeps the later `lastMessageAt`).
    const latest = changed
      ? ((await this.store.getConversation(conversation.id)) ?? conversation)
      : { ...conversation, lastMessageAt: Math.max(opened.conversation.lastMessageAt, message.createdAt) };
    return { message, conversation: latest, contact, duplicate: false };
  }

  async #handoff(conversation: Conversation, contact: Contact, request: HandoffRequest): Promise<RoutingDecision> {
    const attributes = {
      ...conversation.attributes,
      handoff: { reason: request.reason, ...(request.intent ? { intent: request.intent } : {}), ...(request.summary ? { summary: request.summary } : {}), at: this.clock.now() },
      ...(request.intent ? { intent: request.intent } : {}),
    };
    const updated = (await this.store.updateConversation(conversation.id, { attributes })) ?? conversation;
    return this.router.route({ conversation: updated, contact, handoff: request });
  }

  async #runMiddleware(ctx: PipelineContext): Promise<void> {
    const chain = this.#middleware;
    const dispatch = async (i: number): Promise<void> => {
      const mw = chain[i];
      if (!mw) return;
      let called = false;
      await mw(ctx, async () => {
        if (called) throw new KefuError(ErrorCodes.INVALID_INPUT, 'next() called twice in one middleware');
        called = true;
        await dispatch(i + 1);
      });
    };
    try {
      await dispatch(0);
    } catch (error) {
      // A plugin's bug never breaks ingestion: the message is stored and will be routed.
      this.#reportError(error, 'middleware');
    }
  }

  #pipelineContext(envelope: InboundEnvelope, message: Message, conversation: Conversation, contact: Contact, isNew: boolean): PipelineContext {
    let handledBy: string | undefined;
    let handoffRequest: HandoffRequest | undefined;
    const app = this;
    const ctx: PipelineContext = {
      app,
      envelope,
      message,
      conversation,
      contact,
      isNewConversation: isNew,
      logger: this.logger.child({ conversationId: conversation.id, messageId: message.id }),
      state: {},
      get handledBy() {
        return handledBy;
      },
      claim(by) {
        handledBy = by;
      },
      async reply(parts, author) {
        const sent = await app.send(ctx.conversation.id, parts, { author: author ?? { role: 'bot', id: handledBy ?? 'bot' }, tenantId: ctx.conversation.tenantId });
        return sent;
      },
      handoff(request) {
        handoffRequest = request;
      },
      get handoffRequest() {
        return handoffRequest;
      },
    };
    return ctx;
  }

  async #resolveContact(envelope: InboundEnvelope, tenantId: string, now: number): Promise<Contact> {
    const { store } = this;
    const identity = { channel: envelope.channel, externalId: envelope.sender.externalId };
    const identifiers = envelope.sender.identifiers ?? [];
    let contact = await store.findContactByIdentity(tenantId, identity);
    // Verified identifiers link this channel identity to a contact known elsewhere.
    const linked: Contact[] = [];
    for (const identifier of identifiers) {
      for (const c of await store.findContactsByIdentifier(tenantId, identifier)) if (!linked.some((l) => l.id === c.id)) linked.push(c);
    }
    linked.sort((a, b) => a.createdAt - b.createdAt);
    if (!contact && linked[0]) contact = linked[0];
    if (!contact) {
      contact = await store.createContact({
        id: newId(now),
        tenantId,
        ...(envelope.sender.name ? { name: envelope.sender.name } : {}),
        identities: [identity],
        identifiers: dedupeIdentifiers(identifiers),
        tier: envelope.sender.tier ?? 'normal',
        tags: envelope.sender.tags ?? [],
        attributes: envelope.sender.attributes ?? {},
        createdAt: now,
        updatedAt: now,
      });
      this.emit('contact.created', { contact });
      return contact;
    }
    // Merge other contacts that share a verified identifier: they are the same person.
    for (const other of linked) {
      if (other.id === contact.id) continue;
      const [target, source] = other.createdAt <= contact.createdAt ? [other, contact] : [contact, other];
      const merged = await store.mergeContacts(tenantId, target.id, source.id);
      this.emit('contact.merged', { target: merged, source, reason: 'verified identifier matched' });
      contact = merged;
    }
    const patch: Partial<Contact> = {};
    if (!contact.identities.some((i) => i.channel === identity.channel && i.externalId === identity.externalId)) patch.identities = [...contact.identities, identity];
    const newIdentifiers = identifiers.filter((x) => !contact!.identifiers.some((y) => y.kind === x.kind && y.value === x.value));
    if (newIdentifiers.length) patch.identifiers = dedupeIdentifiers([...contact.identifiers, ...newIdentifiers]);
    if (envelope.sender.name && envelope.sender.name !== contact.name) patch.name = envelope.sender.name;
    // Verified senders (signed widget tokens) may carry tier and tags from the shop.
    if (identifiers.length && envelope.sender.tier && envelope.sender.tier !== contact.tier) patch.tier = envelope.sender.tier;
    if (envelope.sender.tags?.some((t) => !contact!.tags.includes(t))) patch.tags = [...new Set([...contact.tags, ...envelope.sender.tags])];
    // Attributes from a verified sender (the shop's own profile data) refresh the contact's.
    const attrs = envelope.sender.attributes;
    if (identifiers.length && attrs && Object.entries(attrs).some(([k, v]) => JSON.stringify(contact!.attributes[k]) !== JSON.stringify(v))) patch.attributes = { ...contact.attributes, ...attrs };
    if (Object.keys(patch).length) {
      contact = await store.updateContact(tenantId, contact.id, patch);
      this.emit('contact.updated', { contact });
    }
    return contact;
  }

  async #findOrOpenConversation(envelope: InboundEnvelope, tenantId: string, contact: Contact, now: number): Promise<{ conversation: Conversation; isNew: boolean }> {
    const { store } = this;
    if (envelope.conversationId) {
      const known = await store.getConversation(envelope.conversationId, tenantId);
      if (known && known.status !== 'closed') return { conversation: known, isNew: false };
      if (known && (envelope.onClosed ?? 'reopen') === 'reopen') {
        assertTransition('closed', 'bot', known.id);
        const reopened = await store.updateConversation(known.id, { status: 'bot', closedAt: null, assigneeId: null }, 'closed');
        if (reopened) {
          this.emit('conversation.reopened', { conversation: reopened });
          return { conversation: reopened, isNew: false };
        }
      }
    } else {
      const open = await store.findOpenConversation(tenantId, envelope.channel, envelope.address);
      if (open) return { conversation: open, isNew: false };
    }
    const conversation = await store.createConversation({
      id: newId(now),
      tenantId,
      contactId: contact.id,
      channel: envelope.channel,
      address: envelope.address,
      status: 'bot',
      priority: 0,
      ...(envelope.entry ? { entry: envelope.entry } : {}),
      ...(envelope.language ?? envelope.entry?.locale ? { language: envelope.language ?? envelope.entry!.locale! } : {}),
      tags: [],
      lastSeq: 0,
      attributes: envelope.conversationId ? { previousConversationId: envelope.conversationId } : {},
      openedAt: now,
      lastMessageAt: now,
      updatedAt: now,
    });
    this.emit('conversation.opened', { conversation, contact });
    return { conversation, isNew: true };
  }

  // Outbound: the outbox

  async send(conversationId: string, parts: Part[] | string, options: SendOptions = {}): Promise<Message> {
    this.#assertStarted();
    const normalized: Part[] = typeof parts === 'string' ? [{ type: 'text', text: parts }] : parts;
    if (!Array.isArray(normalized) || normalized.length === 0) throw new KefuError(ErrorCodes.INVALID_INPUT, 'send() needs at least one part');
    const conversation = await this.store.getConversation(conversationId, options.tenantId);
    if (!conversation) throw new KefuError(ErrorCodes.NOT_FOUND, `No conversation "${conversationId}"`, { details: { conversationId } });
    const direction = options.direction ?? 'outbound';
    const author = options.author ?? { role: 'system' };
    if (direction === 'outbound') {
      if (conversation.status === 'closed') throw new KefuError(ErrorCodes.ILLEGAL_TRANSITION, 'Cannot send to a closed conversation', { details: { conversationId } });
      const adapter = this.#adapters.get(conversation.channel);
      if (!adapter) throw new KefuError(ErrorCodes.ADAPTER_MISSING, `No adapter for channel "${conversation.channel}"`, { details: { channel: conversation.channel } });
      if (options.strict) renderForCapabilities(normalized, adapter.capabilities, { strict: true, channel: adapter.channel });
    }
    const now = this.clock.now();
    const { message } = await this.store.appendMessage({
      tenantId: conversation.tenantId,
      conversationId,
      direction,
      author,
      text: plainText(normalized),
      parts: normalized,
      channel: conversation.channel,
      status: direction === 'outbound' ? 'pending' : 'sent',
      createdAt: now,
      ...(options.meta ? { meta: options.meta } : {}),
    });
    let current: Conversation = { ...conversation, lastSeq: message.seq, lastMessageAt: now };
    if (direction === 'outbound' && author.role === 'agent' && !conversation.firstResponseAt) {
      current = (await this.store.updateConversation(conversationId, { firstResponseAt: now })) ?? current;
    }
    if (direction === 'outbound' && author.role === 'agent' && author.id) await this.router.agentAnswered(current, author.id);
    this.emit('message.created', { message, conversation: current });
    if (direction === 'outbound') void this.#dispatch(message);
    return message;
  }

  #dispatch(message: Message): Promise<void> {
    return this.#outbound.run(message.conversationId, async () => {
      try {
        await this.#attempt(message);
      } catch (error) {
        this.#reportError(error, 'outbox');
      }
    });
  }

  async #attempt(pending: Message): Promise<void> {
    // Re-read: a retry job and a resume may race for the same message.
    const message = await this.store.getMessage(pending.id);
    if (!message || message.status !== 'pending') return;
    const conversation = await this.store.getConversation(message.conversationId);
    if (!conversation) return;
    const adapter = this.#adapters.get(conversation.channel);
    const attempts = message.attempts + 1;
    try {
      if (!adapter) throw new KefuError(ErrorCodes.ADAPTER_MISSING, `No adapter for channel "${conversation.channel}"`);
      const contact = await this.store.getContact(conversation.tenantId, conversation.contactId);
      if (!contact) throw new KefuError(ErrorCodes.DELIVERY_FAILED, 'The conversation has no contact');
      const parts = renderForCapabilities(message.parts, adapter.capabilities, { channel: adapter.channel });
      const result = await adapter.send(conversation, { message, parts, text: plainText(parts), contact });
      const sent = await this.store.updateMessage(message.id, {
        status: result.status ?? 'sent',
        attempts,
        sentAt: this.clock.now(),
        nextAttemptAt: null,
        error: null,
        ...(result.externalId ? { externalId: result.externalId } : {}),
      });
      this.emit('message.sent', { message: sent, conversation });
    } catch (error) {
      // An adapter marks a failure permanent with its own code through `details.permanent`.
      const permanent =
        isKefuError(error, ErrorCodes.DELIVERY_FAILED) ||
        isKefuError(error, ErrorCodes.ADAPTER_MISSING) ||
        isKefuError(error, ErrorCodes.CAPABILITY_UNSUPPORTED) ||
        (isKefuError(error) && error.details?.permanent === true);
      const info = { code: isKefuError(error) ? error.code : ErrorCodes.DELIVERY_RETRYABLE, message: error instanceof Error ? error.message : String(error) };
      if (permanent || attempts >= this.#maxSendAttempts) {
        const failed = await this.store.updateMessage(message.id, { status: 'failed', attempts, error: info, nextAttemptAt: null });
        this.emit('message.failed', { message: failed, conversation, error: info });
        return;
      }
      const nextAttemptAt = this.clock.now() + this.#backoff(attempts);
      await this.store.updateMessage(message.id, { attempts, error: info, nextAttemptAt });
      await this.scheduler.at(nextAttemptAt, OUTBOX_RETRY_JOB, { messageId: message.id }, { key: `outbox:${message.id}:${attempts}`, tenantId: message.tenantId });
    }
  }

  async #resumeOutbox(): Promise<void> {
    const pending = await this.store.listPendingOutbound({ limit: 100_000 });
    for (const message of pending) {
      if (message.nextAttemptAt && message.nextAttemptAt > this.clock.now()) {
        // A retry is due later; make sure its job exists (keyed, so this is idempotent).
        await this.scheduler.at(message.nextAttemptAt, OUTBOX_RETRY_JOB, { messageId: message.id }, { key: `outbox:${message.id}:${message.attempts}`, tenantId: message.tenantId });
      } else {
        void this.#dispatch(message);
      }
    }
  }

  async #reportDelivery(messageId: string, status: 'delivered' | 'failed', error?: { code: string; message: string }): Promise<void> {
    const message = await this.store.getMessage(messageId);
    if (!message) throw new KefuError(ErrorCodes.NOT_FOUND, `No message "${messageId}"`);
    const conversation = await this.store.getConversation(message.conversationId);
    if (!conversation) return;
    const updated = await this.store.updateMessage(messageId, { status, ...(error ? { error } : {}) });
    if (status === 'delivered') this.emit('message.delivered', { message: updated, conversation });
    else this.emit('message.failed', { message: updated, conversation, error: error ?? { code: ErrorCodes.DELIVERY_FAILED, message: 'The channel reported a failure' } });
  }

  async typing(conversationId: string, on: boolean, tenantId?: string): Promise<void> {
    const conversation = await this.store.getConversation(conversationId, tenantId);
    if (!conversation) throw new KefuError(ErrorCodes.NOT_FOUND, `No conversation "${conversationId}"`);
    const adapter = this.#adapters.get(conversation.channel);
    if (!adapter) throw new KefuError(ErrorCodes.ADAPTER_MISSING, `No adapter for channel "${conversation.channel}"`);
    if (!adapter.capabilities.typing || !adapter.typing) {
      throw new KefuError(ErrorCodes.CAPABILITY_UNSUPPORTED, `The ${adapter.channel} adapter has no typing indicator`, { details: { channel: adapter.channel, capability: 'typing' } });
    }
    await adapter.typing(conversation, on);
  }

  // Operations

  #conversationOps(): ConversationOps {
    const get = async (id: string, tenantId?: string) => {
      const c = await this.store.getConversation(id, tenantId);
      if (!c) throw new KefuError(ErrorCodes.NOT_FOUND, `No conversation "${id}"`, { details: { conversationId: id } });
      return c;
    };
    return {
      get,
      handoff: async (id, request, tenantId) => {
        const c = await get(id, tenantId);
        if (c.status !== 'bot' && c.status !== 'queued') throw new KefuError(ErrorCodes.ILLEGAL_TRANSITION, `Only a bot or queued conversation can be handed off (it is ${c.status})`);
        const contact = await this.store.getContact(c.tenantId, c.contactId);
        if (!contact) throw new KefuError(ErrorCodes.NOT_FOUND, `No contact "${c.contactId}"`);
        return this.#handoff(c, contact, request);
      },
      accept: (id, agentId, tenantId) => this.router.assignTo(id, agentId, tenantId),
      transfer: async (id, to, options = {}) => {
        const before = await get(id, options.tenantId);
        const after = await this.router.transfer(id, to, options.tenantId);
        if (options.note) {
          await this.send(id, [{ type: 'text', text: options.note }], { direction: 'internal', author: options.by ?? { role: 'system' }, tenantId: after.tenantId, meta: { transfer: to } });
        }
        this.emit('conversation.transferred', { conversation: after, ...(before.assigneeId ? { from: before.assigneeId } : {}), to: { ...(to.agentId ? { agentId: to.agentId } : {}), ...(to.teamId ? { teamId: to.teamId } : {}) }, ...(options.note ? { note: options.note } : {}) });
        return after;
      },
      close: async (id, options = {}) => {
        const c = await get(id, options.tenantId);
        assertTransition(c.status, 'closed', id);
        const closed = await this.store.updateConversation(id, { status: 'closed', closedAt: this.clock.now() }, c.status);
        if (!closed) throw new KefuError(ErrorCodes.ILLEGAL_TRANSITION, 'The conversation changed meanwhile', { details: { conversationId: id } });
        await this.router.conversationEnded(closed, c.status, c.assigneeId);
        this.emit('conversation.closed', { conversation: closed, ...(options.reason ? { reason: options.reason } : {}) });
        return closed;
      },
      update: async (id, patch, tenantId) => {
        await get(id, tenantId);
        const { status: _s, assigneeId: _a, ...safe } = patch as ConversationPatch;
        const updated = await this.store.updateConversation(id, safe);
        if (!updated) throw new KefuError(ErrorCodes.NOT_FOUND, `No conversation "${id}"`);
        this.emit('conversation.updated', { conversation: updated });
        return updated;
      },
      queuePosition: (id) => this.router.queuePosition(id),
    };
  }

  #agentOps(): AgentOps {
    return {
      upsert: async (input) => {
        const now = this.clock.now();
        const tenantId = input.tenantId ?? DEFAULT_TENANT;
        const existing = await this.store.getAgent(tenantId, input.id);
        const routerOptions = this.#options.router ?? {};
        const capacity = Math.max(1, Math.min(input.capacity ?? existing?.capacity ?? routerOptions.defaultCapacity ?? 5, routerOptions.maxCapacity ?? 20));
        return this.router.upsertAgent({
          presence: existing?.presence ?? 'offline',
          attributes: existing?.attributes ?? {},
          createdAt: existing?.createdAt ?? now,
          ...input,
          capacity,
          tenantId,
          updatedAt: now,
        } as Agent);
      },
      touch: (agentId, tenantId = DEFAULT_TENANT) => this.router.touch(tenantId, agentId),
      setPresence: (agentId, presence, tenantId = DEFAULT_TENANT) => this.router.setPresence(tenantId, agentId, presence),
      list: (tenantId) => this.store.listAgents(tenantId),
    };
  }

  #contactOps(): ContactOps {
    const audit = async (tenantId: string, contactId: string, entry: Omit<ContactAuditEntry, 'at'>) => {
      const key = `${tenantId}:${contactId}`;
      const list = (await this.store.kvGet<ContactAuditEntry[]>('contact-audit', key)) ?? [];
      await this.store.kvSet('contact-audit', key, [...list, { at: this.clock.now(), ...entry }]);
    };
    const get = async (id: string, tenantId = DEFAULT_TENANT) => {
      const c = await this.store.getContact(tenantId, id);
      if (!c) throw new KefuError(ErrorCodes.NOT_FOUND, `No contact "${id}"`, { details: { contactId: id } });
      return c;
    };
    return {
      get,
      merge: async (targetId, sourceId, options = {}) => {
        const tenantId = options.tenantId ?? DEFAULT_TENANT;
        if (targetId === sourceId) throw new KefuError(ErrorCodes.INVALID_INPUT, 'A contact cannot be merged into itself');
        await get(targetId, tenantId);
        const source = await get(sourceId, tenantId);
        const merged = await this.store.mergeContacts(tenantId, targetId, sourceId);
        const details = { targetId, sourceId, reason: options.reason ?? 'manual', identities: source.identities, identifiers: source.identifiers };
        await audit(tenantId, targetId, { action: 'merged', ...(options.by ? { by: options.by } : {}), details });
        await audit(tenantId, sourceId, { action: 'merged-into', ...(options.by ? { by: options.by } : {}), details });
        this.emit('contact.merged', { target: merged, source, reason: options.reason ?? 'manual' });
        return merged;
      },
      split: async (contactId, part, tenantId = DEFAULT_TENANT) => {
        const source = await get(contactId, tenantId);
        const has = (i: Identity) => source.identities.some((x) => x.channel === i.channel && x.externalId === i.externalId);
        if (!part.identities.length || !part.identities.every(has)) throw new KefuError(ErrorCodes.INVALID_INPUT, 'Split only identities the contact has, at least one', { details: { contactId } });
        if (part.identities.length === source.identities.length) throw new KefuError(ErrorCodes.INVALID_INPUT, 'A split must leave the contact at least one identity');
        const moving = (i: Identity) => part.identities.some((x) => x.channel === i.channel && x.externalId === i.externalId);
        const movingId = (v: VerifiedIdentifier) => (part.identifiers ?? []).some((x) => x.kind === v.kind && x.value === v.value);
        const now = this.clock.now();
        const created = await this.store.createContact({
          id: newId(now),
          tenantId,
          ...(source.name ? { name: source.name } : {}),
          identities: source.identities.filter(moving),
          identifiers: source.identifiers.filter(movingId),
          tier: 'normal',
          tags: [],
          attributes: { splitFrom: contactId },
          createdAt: now,
          updatedAt: now,
        });
        const updated = await this.store.updateContact(tenantId, contactId, { identities: source.identities.filter((i) => !moving(i)), identifiers: source.identifiers.filter((v) => !movingId(v)) });
        // Conversations follow the identity they were held on (address = channel identity).
        for (const c of await this.store.listConversations({ tenantId, contactId, limit: 10_000 })) {
          if (part.identities.some((i) => i.channel === c.channel && i.externalId === c.address)) await this.store.updateConversation(c.id, { contactId: created.id });
        }
        const details = { sourceId: contactId, createdId: created.id, identities: part.identities, identifiers: part.identifiers ?? [] };
        await audit(tenantId, contactId, { action: 'split', ...(part.by ? { by: part.by } : {}), details });
        await audit(tenantId, created.id, { action: 'split-from', ...(part.by ? { by: part.by } : {}), details });
        this.emit('contact.split', { source: updated, created, ...(part.by ? { by: part.by } : {}) });
        return { source: updated, created };
      },
      audit: async (contactId, tenantId = DEFAULT_TENANT) => (await this.store.kvGet<ContactAuditEntry[]>('contact-audit', `${tenantId}:${contactId}`)) ?? [],
      update: async (id, patch, tenantId = DEFAULT_TENANT) => {
        await get(id, tenantId);
        const updated = await this.store.updateContact(tenantId, id, patch);
        await audit(tenantId, id, { action: 'updated', details: { fields: Object.keys(patch) } });
        this.emit('contact.updated', { contact: updated });
        return updated;
      },
    };
  }
}

function dedupeIdentifiers(list: VerifiedIdentifier[]): VerifiedIdentifier[] {
  const seen = new Set<string>();
  return list.filter((i) => {
    const k = `${i.kind}\u0000${i.value}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function validateEnvelope(envelope: InboundEnvelope): void {
  const problems: string[] = [];
  if (!envelope || typeof envelope !== 'object') problems.push('envelope must be an object');
  else {
    if (typeof envelope.channel !== 'string' || !envelope.channel) problems.push('channel is required');
    if (typeof envelope.address !== 'string' || !envelope.address) problems.push('address is required');
    if (!envelope.sender || typeof envelope.sender.externalId !== 'string' || !envelope.sender.externalId) problems.push('sender.externalId is required');
    if (!Array.isArray(envelope.parts)) problems.push('parts must be an array');
    if (envelope.externalId !== undefined && (typeof envelope.externalId !== 'string' || !envelope.externalId)) problems.push('externalId must be a non-empty string');
  }
  if (problems.length) throw new KefuError(ErrorCodes.INVALID_INPUT, `Invalid inbound envelope: ${problems.join('; ')}`, { details: { problems } });
}

/**
 * Creates a Kefu app.
 *
 * @example
 * const app = createApp({ store: createMemoryStore() })
 * app.adapter(myAdapter).use(myPlugin)
 * await app.start()
 */
export function createApp(options: AppOptions): KefuApp {
  if (!options?.store) throw new KefuError(ErrorCodes.INVALID_INPUT, 'createApp needs a store');
  return new App(options);
}
