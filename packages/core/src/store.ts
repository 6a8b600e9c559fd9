import type {
  Agent,
  Contact,
  Conversation,
  ConversationStatus,
  DeliveryStatus,
  Identity,
  Message,
  Team,
  Timestamp,
  VerifiedIdentifier,
} from './model.js';

/** A message to append; the store assigns `seq` (and `id` when absent). */
export interface NewMessage extends Omit<Message, 'seq' | 'id' | 'attempts' | 'status'> {
  id?: string;
  status?: DeliveryStatus;
  attempts?: number;
  /**
   * Inbound dedupe key (`channel:externalId`). A second append with the same key in the same
   * tenant stores nothing and answers the first message with `duplicate: true`.
   */
  dedupeKey?: string;
}

/** Fields of a message that change after it was appended (outbound delivery). */
export interface MessagePatch {
  status?: DeliveryStatus;
  externalId?: string;
  error?: { code: string; message: string } | null;
  attempts?: number;
  nextAttemptAt?: Timestamp | null;
  sentAt?: Timestamp;
  meta?: Record<string, unknown>;
}

/** Fields of a conversation that change over its life. */
export type ConversationPatch = Partial<
  Pick<
    Conversation,
    | 'status'
    | 'priority'
    | 'entry'
    | 'language'
    | 'tags'
    | 'subject'
    | 'attributes'
    | 'queuedAt'
    | 'assignedAt'
    | 'firstResponseAt'
    | 'lastMessageAt'
    | 'contactId'
  >
> & {
  /** `null` clears the field. */
  assigneeId?: string | null;
  teamId?: string | null;
  closedAt?: number | null;
};

/** Fields of a contact that change. */
export type ContactPatch = Partial<Pick<Contact, 'name' | 'tier' | 'tags' | 'attributes' | 'identities' | 'identifiers' | 'mergedInto'>>;

/** A conversation query. Every filter is optional; results are newest first by `lastMessageAt`. */
export interface ConversationQuery {
  /** Omit only as the platform (cross-tenant). */
  tenantId?: string;
  status?: ConversationStatus[];
  assigneeId?: string;
  contactId?: string;
  teamId?: string;
  channel?: string;
  limit?: number;
}

/** A durable scheduler job. */
export interface JobRecord {
  id: string;
  tenantId: string;
  /** Idempotency key: one pending job per key. */
  key: string;
  name: string;
  runAt: Timestamp;
  payload: unknown;
  attempts: number;
  lastError?: string;
  /** While a node runs the job it holds a lease until this time. */
  lockedUntil?: Timestamp;
  lockedBy?: string;
  createdAt: Timestamp;
}

/** A job to schedule. */
export interface NewJob {
  tenantId: string;
  key: string;
  name: string;
  runAt: Timestamp;
  payload: unknown;
  /** Replace the pending job with the same key instead of keeping it. Default false. */
  replace?: boolean;
}

/**
 * The one storage contract of Kefu. Every implementation (memory, SQLite, PostgreSQL) passes the
 * same conformance suite in `@kefu/testing`; none may leak dialect-only behaviour.
 *
 * Every method is tenant-scoped through the records it takes; methods taking a `tenantId`
 * never return a record of another tenant.
 */
export interface Store {
  /** `memory`, `sqlite`, `postgres`, ... */
  readonly kind: string;

  /** Creates or upgrades the core schema. Idempotent. */
  init(): Promise<void>;
  /** Closes connections; waits for writes in flight. Idempotent. */
  close(): Promise<void>;

  // Contacts
  createContact(contact: Contact): Promise<Contact>;
  getContact(tenantId: string, id: string): Promise<Contact | undefined>;
  findContactByIdentity(tenantId: string, identity: Identity): Promise<Contact | undefined>;
  findContactsByIdentifier(tenantId: string, identifier: VerifiedIdentifier): Promise<Contact[]>;
  updateContact(tenantId: string, id: string, patch: ContactPatch): Promise<Contact>;
  /**
   * Moves the source contact's identities, identifiers, tags and conversations to the target and
   * marks the source `mergedInto` the target. One atomic step.
   */
  mergeContacts(tenantId: string, targetId: string, sourceId: string): Promise<Contact>;
  listContacts(tenantId: string, options?: { limit?: number; search?: string }): Promise<Contact[]>;

  // Conversations
  createConversation(conversation: Conversation): Promise<Conversation>;
  getConversation(id: string, tenantId?: string): Promise<Conversation | undefined>;
  /** The conversation on this address that is not closed, if any. */
  findOpenConversation(tenantId: string, channel: string, address: string): Promise<Conversation | undefined>;
  /**
   * Updates a conversation. With `expectedStatus` the update happens only when the stored status
   * is that one (compare-and-set), otherwise `undefined` is returned and nothing changes.
   */
  updateConversation(id: string, patch: ConversationPatch, expectedStatus?: ConversationStatus): Promise<Conversation | undefined>;
  listConversations(query: ConversationQuery): Promise<Conversation[]>;

  // Messages
  /**
   * Appends a message durably: the promise resolves only when the message survives a crash.
   * Assigns the next `seq` of the conversation and updates its `lastSeq` and `lastMessageAt`.
   * Concurrent appends to one conversation get `seq` in call order. An `id` that exists already
   * is refused with `KEFU_STORE_FAILED`. JSON fields that are `null` (`raw`, `meta`) may read back
   * as absent on SQL stores.
   */
  appendMessage(message: NewMessage): Promise<{ message: Message; duplicate: boolean }>;
  getMessage(id: string, tenantId?: string): Promise<Message | undefined>;
  findMessageByDedupeKey(tenantId: string, dedupeKey: string): Promise<Message | undefined>;
  /** Messages in `seq` order, after `afterSeq` (exclusive) or before `beforeSeq` (the newest ones first cut). */
  listMessages(conversationId: string, options?: { afterSeq?: number; beforeSeq?: number; limit?: number }): Promise<Message[]>;
  updateMessage(id: string, patch: MessagePatch): Promise<Message>;
  /** Outbound messages still `pending`, oldest first. */
  listPendingOutbound(options?: { limit?: number; tenantId?: string }): Promise<Message[]>;

  // Agents and teams
  upsertAgent(agent: Agent): Promise<Agent>;
  getAgent(tenantId: string, id: string): Promise<Agent | undefined>;
  listAgents(tenantId?: string): Promise<Agent[]>;
  upsertTeam(team: Team): Promise<Team>;
  listTeams(tenantId?: string): Promise<Team[]>;

  // Scheduler
  /** Schedules a job; with an existing pending job of the same key, keeps it (or replaces it with `replace`). */
  scheduleJob(job: NewJob): Promise<JobRecord>;
  /** Deletes the pending job with this key. True when one was deleted. */
  cancelJob(tenantId: string, key: string): Promise<boolean>;
  /** Leases up to `limit` due jobs (runAt ≤ now, lease free) to `owner` until `now + leaseMs`. */
  claimDueJobs(now: Timestamp, options: { limit: number; owner: string; leaseMs: number }): Promise<JobRecord[]>;
  /** Deletes a finished job. */
  completeJob(id: string): Promise<void>;
  /** Releases the lease and sets the next run time after a failed attempt. */
  retryJob(id: string, runAt: Timestamp, error: string): Promise<void>;
  /** The earliest `runAt` of any job, for the scheduler's single timer. */
  nextJobTime(): Promise<Timestamp | undefined>;

  // Small state (adapter cursors, channel tokens, counters)
  kvGet<T = unknown>(namespace: string, key: string): Promise<T | undefined>;
  kvSet(namespace: string, key: string, value: unknown, options?: { ttlMs?: number }): Promise<void>;
  kvDelete(namespace: string, key: string): Promise<void>;

  /** SQL access for plugins that own tables; absent on the memory store. */
  readonly sql?: SqlAccess;
}

/** A plugin's migration: runs once per store, in order, inside a transaction where the dialect allows. */
export interface Migration<Db = unknown> {
  /** Unique and ordered within the namespace, e.g. `001_tickets`. */
  name: string;
  up(db: Db): Promise<void>;
}

/**
 * SQL access for plugins that own tables. `db` is a Kysely instance (typed `unknown` here so
 * core needs no SQL dependency; `@kefu/store-sql` exports the precise type).
 */
export interface SqlAccess {
  dialect: 'sqlite' | 'postgres';
  db: unknown;
  /** Runs the namespace's pending migrations in order; idempotent. */
  migrate(namespace: string, migrations: Migration[]): Promise<void>;
}
