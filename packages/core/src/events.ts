import { EventEmitter } from 'eventemitter3';
import type { Agent, Contact, Conversation, Message, Presence } from './model.js';
import type { RoutingDecision } from './router.js';

/**
 * The typed event dictionary (`noun.past-tense`). Events are for observers: nobody waits for a
 * listener, and one listener that throws cannot break another or the pipeline.
 *
 * Plugins add events by declaration merging:
 *
 * @example
 * declare module '@kefu/core' {
 *   interface KefuEvents { 'ticket.created': { ticketId: string } }
 * }
 */
export interface KefuEvents {
  /** An inbound message was stored (before the middleware chain ran). */
  'message.received': { message: Message; conversation: Conversation; contact: Contact };
  /** An outbound or internal message was appended (pending in the outbox for outbound). */
  'message.created': { message: Message; conversation: Conversation };
  /** The channel accepted an outbound message. */
  'message.sent': { message: Message; conversation: Conversation };
  /** The channel confirmed delivery (where it reports it). */
  'message.delivered': { message: Message; conversation: Conversation };
  /** An outbound message failed for good. */
  'message.failed': { message: Message; conversation: Conversation; error: { code: string; message: string } };
  'conversation.opened': { conversation: Conversation; contact: Contact };
  'conversation.queued': { conversation: Conversation; decision: RoutingDecision };
  'conversation.assigned': { conversation: Conversation; agentId: string; previousAgentId?: string; decision?: RoutingDecision };
  'conversation.transferred': { conversation: Conversation; from?: string; to: { agentId?: string; teamId?: string }; note?: string };
  'conversation.closed': { conversation: Conversation; reason?: string };
  /** A closed conversation was opened again (a late reply). */
  'conversation.reopened': { conversation: Conversation };
  /** Any other change (tags, priority, attributes). */
  'conversation.updated': { conversation: Conversation };
  'contact.created': { contact: Contact };
  'contact.updated': { contact: Contact };
  /** `source` was merged into `target`. */
  'contact.merged': { target: Contact; source: Contact; reason: string };
  'agent.presence_changed': { agent: Agent; previous: Presence };
  /** A customer started or stopped typing (channels that report it; servers relay it to agents). */
  'customer.typing': { conversation: Conversation; on: boolean };
  'routing.decided': { conversation: Conversation; decision: RoutingDecision };
  /** The queue of a tenant changed (positions and estimates may have moved). */
  'queue.changed': { tenantId: string };
  /** Part of a contact was split off into a new contact. */
  'contact.split': { source: Contact; created: Contact; by?: string };
  /** Errors from listeners, plugins and background work that nobody awaited. */
  error: { error: unknown; source: string };
}

/** An event name. */
export type EventName = keyof KefuEvents;

/** A listener of one event. */
export type Listener<E extends EventName> = (payload: KefuEvents[E]) => void | Promise<void>;

/** The event names of core as constants (plugins add their own). */
export const Events = {
  MessageReceived: 'message.received',
  MessageCreated: 'message.created',
  MessageSent: 'message.sent',
  MessageDelivered: 'message.delivered',
  MessageFailed: 'message.failed',
  ConversationOpened: 'conversation.opened',
  ConversationQueued: 'conversation.queued',
  ConversationAssigned: 'conversation.assigned',
  ConversationTransferred: 'conversation.transferred',
  ConversationClosed: 'conversation.closed',
  ConversationReopened: 'conversation.reopened',
  ConversationUpdated: 'conversation.updated',
  ContactCreated: 'contact.created',
  ContactUpdated: 'contact.updated',
  ContactMerged: 'contact.merged',
  AgentPresenceChanged: 'agent.presence_changed',
  CustomerTyping: 'customer.typing',
  RoutingDecided: 'routing.decided',
  QueueChanged: 'queue.changed',
  ContactSplit: 'contact.split',
  Error: 'error',
} as const satisfies Record<string, EventName>;

/**
 * An emitter whose `emit` isolates listeners: a throwing (or rejecting) listener is reported on
 * `error` and the others still run.
 */
export class SafeEmitter {
  readonly #ee = new EventEmitter();
  readonly #onListenerError: (error: unknown, source: string) => void;

  constructor(onListenerError: (error: unknown, source: string) => void) {
    this.#onListenerError = onListenerError;
  }

  on<E extends EventName>(event: E, listener: Listener<E>): () => void {
    this.#ee.on(event, listener as (p: unknown) => void);
    return () => this.#ee.off(event, listener as (p: unknown) => void);
  }

  once<E extends EventName>(event: E, listener: Listener<E>): void {
    this.#ee.once(event, listener as (p: unknown) => void);
  }

  emit<E extends EventName>(event: E, payload: KefuEvents[E]): void {
    const listeners = this.#ee.listeners(event) as Array<(p: unknown) => unknown>;
    for (const listener of listeners) {
      try {
        const result = listener(payload);
        if (result && typeof (result as Promise<unknown>).catch === 'function') {
          (result as Promise<unknown>).catch((error) => this.#report(event, error));
        }
      } catch (error) {
        this.#report(event, error);
      }
    }
  }

  listenerCount(event: EventName): number {
    return this.#ee.listenerCount(event);
  }

  #report(event: string, error: unknown): void {
    if (event === 'error') {
      // An error listener that throws must not loop; hand it to the fallback only.
      this.#onListenerError(error, 'listener:error');
      return;
    }
    const errorListeners = this.#ee.listeners('error') as Array<(p: unknown) => unknown>;
    if (errorListeners.length === 0) this.#onListenerError(error, `listener:${event}`);
    else this.emit('error', { error, source: `listener:${event}` });
  }
}
