import type { Clock } from './clock.js';
import type { Logger } from './logger.js';
import type { Contact, Conversation, DeliveryStatus, InboundEnvelope, Message, Part, ReceiveResult } from './model.js';
import type { Store } from './store.js';
import type { KefuApp } from './app.js';

/**
 * What a channel can do. An adapter declares it; core renders what the channel cannot show as
 * text, and asking for a missing capability in strict mode gives `KEFU_CAPABILITY_UNSUPPORTED`.
 */
export interface AdapterCapabilities {
  /** Every channel can send text. */
  text: true;
  images?: boolean;
  files?: boolean;
  audio?: boolean;
  location?: boolean;
  /** Rich cards with buttons (the adapter renders card parts itself). */
  cards?: boolean;
  /** Typing indicators. */
  typing?: boolean;
  /** The channel reports delivery (`message.delivered`). */
  deliveryReceipts?: boolean;
  /** Longest text the channel takes in one message (the adapter splits longer ones). */
  maxTextLength?: number;
}

/** An outbound message handed to an adapter, already rendered for its capabilities. */
export interface OutboundMessage {
  message: Message;
  /** The parts to send: only those the channel supports, the rest rendered as text. */
  parts: Part[];
  /** The plain-text rendering of `parts`. */
  text: string;
  contact: Contact;
}

/** What an adapter answers for a sent message. */
export interface SendResult {
  /** The channel's id of the sent message, kept for status callbacks. */
  externalId?: string;
  /** Default `sent`. */
  status?: Extract<DeliveryStatus, 'sent' | 'delivered'>;
}

/** What an adapter gets at `start()`. */
export interface AdapterContext {
  app: KefuApp;
  store: Store;
  logger: Logger;
  clock: Clock;
  /**
   * Hands one verified inbound message to the pipeline. Resolves when it is durable and the
   * middleware chain and routing have run. `onDurable` fires as soon as it is stored, so a
   * channel can acknowledge its source before the rest of the pipeline runs.
   */
  receive(envelope: InboundEnvelope, options?: { onDurable?: (result: ReceiveResult) => void }): Promise<ReceiveResult>;
  /** Records a delivery report (a status callback) for an outbound message, by its Kefu message id. */
  reportDelivery(messageId: string, status: 'delivered' | 'failed', error?: { code: string; message: string }): Promise<void>;
}

/**
 * A channel adapter: turns a channel's raw input into envelopes and sends outbound messages.
 *
 * Lifecycle: `start(ctx)` after every plugin is set up; `stop()` first at `close()`, and it must
 * be idempotent. Transports (fetch, SMTP, Twilio client, clock) should be injectable options.
 */
export interface Adapter {
  /** The channel this adapter serves (`web`, `wechat`, `email`, `phone`, ...). */
  readonly channel: string;
  readonly capabilities: AdapterCapabilities;
  start(ctx: AdapterContext): void | Promise<void>;
  /**
   * Sends one message. Throw `KEFU_DELIVERY_RETRYABLE` (or any non-Kefu error) for a failure
   * that may pass, `KEFU_DELIVERY_FAILED` for a permanent one.
   */
  send(conversation: Conversation, outbound: OutboundMessage): Promise<SendResult>;
  /** Shows or hides a typing indicator; only with `capabilities.typing`. */
  typing?(conversation: Conversation, on: boolean): Promise<void>;
  /**
   * Handles a webhook (Fetch API `Request` → `Response`), so it mounts in any Node server.
   * The server mounts it under `/webhooks/<channel>`.
   */
  handleWebhook?(request: Request): Promise<Response>;
  stop(): void | Promise<void>;
}
