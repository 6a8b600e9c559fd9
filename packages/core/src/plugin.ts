import type { KefuApp } from './app.js';
import type { Logger } from './logger.js';
import type { Contact, Conversation, InboundEnvelope, Message, Part } from './model.js';

/** What a plugin's setup may return: run at `close()`, last-in-first-out. */
export type Disposer = () => void | Promise<void>;

/**
 * A plugin: a small object with a name. Set up in registration order at `start()`; each
 * dependency must be registered before it.
 *
 * @example
 * const greet: Plugin<{ text: string }> = {
 *   name: 'greet',
 *   setup(app, { text }) {
 *     app.route(async (ctx, next) => { if (ctx.isNewConversation) await ctx.reply(text); await next() })
 *   },
 * }
 */
export interface Plugin<Options = void> {
  readonly name: string;
  /** Names of plugins that must be registered (and so set up) before this one. */
  readonly dependencies?: readonly string[];
  /** Setup timeout in ms (default: the app's `pluginTimeoutMs`, 10 s). */
  readonly timeoutMs?: number;
  setup(app: KefuApp, options: Options): void | Disposer | Promise<void | Disposer>;
}

/** Why a conversation leaves the bot for a human. */
export interface HandoffRequest {
  reason: string;
  intent?: string;
  summary?: string;
  skills?: string[];
  teamId?: string;
  priority?: number;
}

/** The context of one inbound message in the middleware chain. */
export interface PipelineContext {
  readonly app: KefuApp;
  readonly envelope: InboundEnvelope;
  readonly message: Message;
  /** The conversation; middleware that changes it through the app sees the change here. */
  conversation: Conversation;
  contact: Contact;
  /** True when this message opened the conversation. */
  readonly isNewConversation: boolean;
  readonly logger: Logger;
  /** Per-message state shared between middleware. */
  readonly state: Record<string, unknown>;
  /** Set by `claim()`: a middleware (the bot) took care of the message. */
  readonly handledBy: string | undefined;
  /** Marks the message as handled so the pipeline does not route the conversation to a human. */
  claim(by: string): void;
  /** Sends an outbound message in this conversation (as the bot unless another author is given). */
  reply(parts: Part[] | string, author?: Message['author']): Promise<Message>;
  /** Asks for a human: the conversation is routed after the chain. */
  handoff(request: HandoffRequest): void;
  readonly handoffRequest: HandoffRequest | undefined;
}

/** Middleware on the awaited pipeline (koa/Hono style). */
export type Middleware = (ctx: PipelineContext, next: () => Promise<void>) => Promise<void>;
