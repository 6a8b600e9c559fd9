/**
 * The session model: contacts, conversations, messages and their parts.
 * Every record carries a `tenantId`; {@link DEFAULT_TENANT} is used when none is given.
 */

/** The tenant used when a caller does not name one. */
export const DEFAULT_TENANT = 'default';

/** Milliseconds since the Unix epoch. Portable across stores and JSON. */
export type Timestamp = number;

/** Who wrote a message. */
export type AuthorRole = 'customer' | 'agent' | 'bot' | 'system';

/** The author of a message. `id` is the agent id, the bot's name or the contact id. */
export interface Author {
  role: AuthorRole;
  id?: string;
  name?: string;
}

/**
 * `inbound`: from the customer. `outbound`: to the customer (goes through the outbox).
 * `internal`: notes and system records that agents see and the customer never does.
 */
export type MessageDirection = 'inbound' | 'outbound' | 'internal';

/**
 * `received`: an inbound message, stored. `pending`: outbound, waiting in the outbox.
 * `sent`: the channel accepted it. `delivered`: the channel confirmed delivery. `failed`: given up.
 */
export type DeliveryStatus = 'received' | 'pending' | 'sent' | 'delivered' | 'failed';

/** A button or choice on a card. */
export interface CardAction {
  /** Stable id of the action within the card (e.g. `cancel`, `pay`). */
  id: string;
  label: string;
  /**
   * `postback`: sends the action back to the server (signed by the cards plugin).
   * `link`: opens `url`. `reply`: sends `value` as if the customer typed it.
   */
  type: 'postback' | 'link' | 'reply';
  value?: string;
  url?: string;
  style?: 'primary' | 'default' | 'danger';
}

/**
 * Card kinds by name. Empty in core; plugins add kinds by declaration merging:
 *
 * @example
 * declare module '@kefu/core' {
 *   interface CardKinds { product: { productId: string; price: number } }
 * }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface CardKinds {}

/** The name of a card kind: any registered kind, or a free string for generic cards. */
export type CardKind = keyof CardKinds | (string & {});

/**
 * A rich message. The generic fields (title, text, image, fields, actions) are always enough for
 * a renderer that does not know the kind to degrade gracefully; `data` holds the kind's own shape.
 */
export interface Card<K extends CardKind = CardKind> {
  kind: K;
  title: string;
  subtitle?: string;
  text?: string;
  imageUrl?: string;
  url?: string;
  fields?: Array<{ label: string; value: string }>;
  actions?: CardAction[];
  /** Several cards shown together (a product list); renderers may show them as a carousel. */
  items?: Card[];
  data?: K extends keyof CardKinds ? CardKinds[K] : unknown;
}

/** The typed pieces of a message. */
export type Part =
  | { type: 'text'; text: string }
  | { type: 'image'; url: string; alt?: string; mimeType?: string; size?: number; mediaId?: string }
  | { type: 'file'; url: string; name: string; mimeType?: string; size?: number }
  | { type: 'audio'; url: string; mimeType?: string; durationMs?: number; transcript?: string }
  | { type: 'location'; latitude: number; longitude: number; label?: string }
  | { type: 'card'; card: Card }
  /** The customer pressed a card button or picked a choice. */
  | { type: 'action'; actionId: string; value?: string; label?: string; cardMessageId?: string; token?: string }
  /** A channel event (subscribe, call answered, ...), kept in the conversation's history. */
  | { type: 'event'; name: string; data?: Record<string, unknown> };

export type PartType = Part['type'];

/** A stored message. */
export interface Message {
  id: string;
  tenantId: string;
  conversationId: string;
  /** Position in the conversation, from 1, without gaps. */
  seq: number;
  direction: MessageDirection;
  author: Author;
  /** The plain-text rendering, always present (the fallback of every channel). */
  text: string;
  parts: Part[];
  channel: string;
  /** The channel's own id (inbound: for dedupe; outbound: set once sent). */
  externalId?: string;
  status: DeliveryStatus;
  error?: { code: string; message: string };
  /** Outbound send attempts so far. */
  attempts: number;
  nextAttemptAt?: Timestamp;
  createdAt: Timestamp;
  sentAt?: Timestamp;
  /** Free metadata (plugin annotations, action token ids, ...). */
  meta?: Record<string, unknown>;
  /** The untouched channel payload (inbound). */
  raw?: unknown;
}

/** A channel identity of a contact: the key a channel knows the customer by. */
export interface Identity {
  channel: string;
  externalId: string;
}

/**
 * An identifier the channel has verified (a signed shop user id, a WeChat unionid, an
 * authenticated email, a caller number). Contacts are merged only on verified identifiers.
 */
export interface VerifiedIdentifier {
  kind: 'phone' | 'email' | 'unionid' | 'shopUserId' | (string & {});
  value: string;
}

/** The customer, across channels. */
export interface Contact {
  id: string;
  tenantId: string;
  name?: string;
  identities: Identity[];
  identifiers: VerifiedIdentifier[];
  /** Service tier, e.g. `vip`, `normal`, `partner`. */
  tier: string;
  tags: string[];
  attributes: Record<string, unknown>;
  /** Set when this contact was merged into another; the target holds everything now. */
  mergedInto?: string;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

/** Where the customer started the conversation: page type, product, order, locale. */
export interface EntryContext {
  pageType?: 'product' | 'checkout' | 'order' | 'help' | 'home' | (string & {});
  url?: string;
  title?: string;
  productId?: string;
  orderId?: string;
  category?: string;
  locale?: string;
  referrer?: string;
}

/** The conversation (session) status machine: `bot → queued → assigned → closed`. */
export type ConversationStatus = 'bot' | 'queued' | 'assigned' | 'closed';

/** A conversation with one contact on one channel address. */
export interface Conversation {
  id: string;
  tenantId: string;
  contactId: string;
  channel: string;
  /** The adapter-owned key of the conversation (visitor id, openid, mail thread, phone number). */
  address: string;
  status: ConversationStatus;
  assigneeId?: string;
  teamId?: string;
  /** Higher is served first. */
  priority: number;
  entry?: EntryContext;
  language?: string;
  tags: string[];
  subject?: string;
  /** The highest `seq` appended so far. */
  lastSeq: number;
  attributes: Record<string, unknown>;
  openedAt: Timestamp;
  queuedAt?: Timestamp;
  assignedAt?: Timestamp;
  /** First message by an agent after the conversation was assigned (service metrics). */
  firstResponseAt?: Timestamp;
  closedAt?: Timestamp;
  lastMessageAt: Timestamp;
  updatedAt: Timestamp;
}

/** An agent's availability. */
export type Presence = 'online' | 'away' | 'offline';

/** A human agent as the router sees them. */
export interface Agent {
  id: string;
  tenantId: string;
  name: string;
  email?: string;
  role: 'agent' | 'supervisor' | 'admin';
  teams: string[];
  /** Skill name → level (1–5). */
  skills: Record<string, number>;
  languages: string[];
  /** Maximum concurrent conversations. */
  capacity: number;
  presence: Presence;
  attributes: Record<string, unknown>;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

/** A team of agents (pre-sales, after-sales, ...). */
export interface Team {
  id: string;
  tenantId: string;
  name: string;
  attributes: Record<string, unknown>;
}

/**
 * What an adapter hands to `receive()`: one inbound message or event, verified and normalized.
 */
export interface InboundEnvelope {
  channel: string;
  tenantId?: string;
  /** The adapter-owned key of the conversation. */
  address: string;
  /** The channel's id for this message; the pipeline drops a second message with the same id. */
  externalId?: string;
  sender: {
    /** The channel identity (visitor id, openid, email address, phone number). */
    externalId: string;
    name?: string;
    /** Identifiers the adapter verified; they link this person to the same contact elsewhere. */
    identifiers?: VerifiedIdentifier[];
    tier?: string;
    tags?: string[];
    attributes?: Record<string, unknown>;
  };
  parts: Part[];
  /** Plain text; derived from `parts` when absent. */
  text?: string;
  entry?: EntryContext;
  language?: string;
  /** Thread an inbound message into a known conversation (email replies), reopening it if closed. */
  conversationId?: string;
  /** What to do when `conversationId` names a closed conversation. Default: `reopen`. */
  onClosed?: 'reopen' | 'new';
  /**
   * `false`: store the message but do not route the conversation to a human for it (a call still
   * in the IVR, a channel event). Default: route unless a middleware claimed the message.
   */
  route?: false;
  meta?: Record<string, unknown>;
  raw?: unknown;
}

/** What `receive()` answers. */
export interface ReceiveResult {
  message: Message;
  conversation: Conversation;
  contact: Contact;
  /** True when this external id was seen before: nothing new was stored. */
  duplicate: boolean;
}
