import {
  type Clock,
  type Contact,
  type JobRecord,
  type Logger,
  type Migration,
  type SqlAccess,
  type Store,
  ErrorCodes,
  KefuError,
  isKefuError,
  newId,
} from '@kefu/core';
import { type Compilable, type CompiledQuery, type Kysely, sql } from 'kysely';
import { runMigrations } from './migrate.js';
import {
  type SqlDialect,
  agentFields,
  contactFields,
  contactSearchText,
  containsPattern,
  conversationFields,
  jobFields,
  messageFields,
  patchToRow,
  read,
  teamFields,
  toRow,
} from './rows.js';
import { coreMigrations } from './schema.js';

/**
 * The Kysely instance plugins get from `store.sql.db`. Plugins own their tables, so the database
 * type is open; narrow it in your plugin with `db as Kysely<MyTables>`.
 */
export type KefuSqlDb = Kysely<any>;

/** A migration of a plugin that owns tables: `up` receives the transaction's Kysely instance. */
export type KefuSqlMigration = Migration<KefuSqlDb>;

/** `store.sql` of the SQL stores, with the precise Kysely type. */
export interface KefuSqlAccess extends SqlAccess {
  readonly dialect: SqlDialect;
  readonly db: KefuSqlDb;
  /**
   * Runs the namespace's pending migrations in order, once, in one transaction (all pending
   * migrations of the call are applied, or none). `core` is the namespace of Kefu's own schema.
   */
  migrate(namespace: string, migrations: KefuSqlMigration[]): Promise<void>;
}

/** What a stored message row looks like before its `seq` is known. */
export type PendingMessageRow = Record<string, unknown>;

/** The outcome of a dialect's hand-tuned append. */
export type AppendOutcome = { kind: 'appended'; seq: number } | { kind: 'duplicate'; row: Record<string, unknown> } | { kind: 'missing' };

/**
 * The dialect-specific part of a SQL store: connections and the hot append path. Everything
 * else is one Kysely implementation shared by both dialects.
 */
export interface SqlEngine {
  readonly dialect: SqlDialect;
  readonly db: Kysely<any>;
  open(): Promise<void>;
  close(): Promise<void>;
  /**
   * Dedupe, next seq, insert and conversation bump as one durable step. `row` holds every
   * message column but `seq`, JSON already encoded as text.
   */
  append(row: PendingMessageRow, dedupeKey: string | null, now: number): Promise<AppendOutcome>;
  /**
   * Runs a SELECT the store compiled once, with this call's parameters, outside any transaction
   * (it sees committed data, like the same query built by Kysely). The hot reads of the message
   * path use it: building and compiling a Kysely query costs more than running it.
   */
  select(query: CompiledQuery, parameters: readonly unknown[]): Promise<Record<string, unknown>[]>;
}

/** Stands for the n-th argument of a cached read when its query is compiled once. */
class Arg {
  constructor(readonly index: number) {}
}

const ARGS = [0, 1, 2, 3].map((i) => new Arg(i));

/**
 * A read compiled on first use, then executed with each call's arguments in place of the
 * markers; constants of the query (limits, literals) keep their compiled values. The SQL and the
 * parameters are exactly what the query builder produces for the same arguments.
 */
function cachedRead(engine: SqlEngine, build: (args: readonly Arg[]) => Compilable): (...args: unknown[]) => Promise<Record<string, unknown>[]> {
  let compiled: CompiledQuery | undefined;
  let template: readonly unknown[] = [];
  return (...args) => {
    if (!compiled) {
      compiled = build(ARGS).compile();
      template = compiled.parameters;
    }
    const parameters = template.map((p) => (p instanceof Arg ? args[p.index] : p));
    return engine.select(compiled, parameters);
  };
}

/** Options shared by both SQL stores. */
export interface SqlStoreCommonOptions {
  /** Where the store logs (slow flushes, failed batches). Default: silent. */
  logger?: Logger;
  /** Time source for `updatedAt` fields and kv TTLs. Default: the system clock. */
  clock?: Pick<Clock, 'now'>;
}

/** A SQL store: a `Store` (from `@kefu/core`) whose `sql` is always present and typed. */
export interface SqlStore extends Store {
  readonly kind: SqlDialect;
  readonly sql: KefuSqlAccess;
}

function storeError(error: unknown): KefuError {
  if (isKefuError(error)) return error;
  return new KefuError(ErrorCodes.STORE_FAILED, `Store operation failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

/** Builds the shared Store implementation over a dialect engine. */
export function createSqlStore(engine: SqlEngine, options: SqlStoreCommonOptions): SqlStore {
  const { dialect, db } = engine;
  const now = () => options.clock?.now() ?? Date.now();
  const pg = dialect === 'postgres';
  let state: 'new' | 'open' | 'closed' = 'new';
  let opening: Promise<void> | undefined;

  /** Runs one store operation: refuses when closed, maps driver errors to `KEFU_STORE_FAILED`. */
  async function op<T>(fn: () => Promise<T>): Promise<T> {
    if (state !== 'open') throw new KefuError(ErrorCodes.STORE_FAILED, state === 'closed' ? 'The store is closed' : 'The store is not initialised: call init() first');
    try {
      return await fn();
    } catch (error) {
      throw storeError(error);
    }
  }

  /** One transaction; on SQLite it joins the next group commit. */
  const tx = <T>(fn: (trx: Kysely<any>) => Promise<T>) => db.transaction().execute(fn);

  async function writeContactSideTables(trx: Kysely<any>, c: Contact): Promise<void> {
    await trx.deleteFrom('contact_identities').where('contact_id', '=', c.id).execute();
    await trx.deleteFrom('contact_identifiers').where('contact_id', '=', c.id).execute();
    if (c.identities.length > 0) {
      await trx
        .insertInto('contact_identities')
        .values(c.identities.map((i) => ({ contact_id: c.id, tenant_id: c.tenantId, channel: i.channel, external_id: i.externalId })))
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
    if (c.identifiers.length > 0) {
      await trx
        .insertInto('contact_identifiers')
        .values(c.identifiers.map((i) => ({ contact_id: c.id, tenant_id: c.tenantId, kind: i.kind, value: i.value })))
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
  }

  const contactRow = (c: Contact) => ({ ...toRow(contactFields, c), search: contactSearchText(c) });

  async function lockContact(trx: Kysely<any>, tenantId: string, id: string): Promise<Contact | undefined> {
    const row = await trx
      .selectFrom('contacts')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .$if(pg, (q) => q.forUpdate())
      .executeTakeFirst();
    return row && read.contact(dialect, row);
  }

  /** Applies a patch like the memory store: `undefined` keeps, `null` deletes. */
  function applyPatch<T extends object>(target: T, patch: object): T {
    const out = { ...target } as Record<string, unknown>;
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) continue;
      if (v === null) delete out[k];
      else out[k] = v;
    }
    return out as T;
  }

  /**
   * The reads of every inbound message (dedupe, identity, open conversation, the widget's sync),
   * compiled once. Each builder is the query the store used to build per call; `a` holds the
   * call's arguments in order. Constant limits are literals: SQLite runs `LIMIT 1` about three
   * times faster than `LIMIT ?` bound to 1 (measured with better-sqlite3 12).
   */
  const listMessagesQuery = (after: boolean, before: boolean) =>
    cachedRead(engine, (a) =>
      db
        .selectFrom('messages')
        .selectAll()
        .where('conversation_id', '=', a[0])
        .$if(after, (q) => q.where('seq', '>', a[1]))
        .$if(before, (q) => q.where('seq', '<', a[2]))
        // Before a seq: the newest `limit` messages before it; otherwise the oldest after.
        .orderBy('seq', before ? 'desc' : 'asc')
        .limit(a[3] as never),
    );
  const reads = {
    contact: cachedRead(engine, (a) => db.selectFrom('contacts').selectAll().where('tenant_id', '=', a[0]).where('id', '=', a[1])),
    contactByIdentity: cachedRead(engine, (a) =>
      db
        .selectFrom('contact_identities as i')
        .innerJoin('contacts as c', 'c.id', 'i.contact_id')
        .selectAll('c')
        .where('i.tenant_id', '=', a[0])
        .where('i.channel', '=', a[1])
        .where('i.external_id', '=', a[2])
        .where('c.merged_into', 'is', null)
        .orderBy('c.created_at')
        .orderBy('c.id')
        .limit(sql.lit(1)),
    ),
    conversation: cachedRead(engine, (a) => db.selectFrom('conversations').selectAll().where('id', '=', a[0])),
    conversationInTenant: cachedRead(engine, (a) => db.selectFrom('conversations').selectAll().where('id', '=', a[0]).where('tenant_id', '=', a[1])),
    openConversation: cachedRead(engine, (a) =>
      db
        .selectFrom('conversations')
        .selectAll()
        .where('tenant_id', '=', a[0])
        .where('channel', '=', a[1])
        .where('address', '=', a[2])
        // A literal, not a parameter: only then can the planner use the partial index
        // `conversations_open` (… WHERE status <> 'closed') instead of scanning the tenant.
        .where('status', '<>', sql.lit('closed'))
        .orderBy('opened_at', 'desc')
        .limit(sql.lit(1)),
    ),
    message: cachedRead(engine, (a) => db.selectFrom('messages').selectAll().where('id', '=', a[0])),
    messageInTenant: cachedRead(engine, (a) => db.selectFrom('messages').selectAll().where('id', '=', a[0]).where('tenant_id', '=', a[1])),
    messageByDedupeKey: cachedRead(engine, (a) => db.selectFrom('messages').selectAll().where('tenant_id', '=', a[0]).where('dedupe_key', '=', a[1])),
    /** By `(afterSeq given ? 1 : 0) + (beforeSeq given ? 2 : 0)`. */
    messages: [listMessagesQuery(false, false), listMessagesQuery(true, false), listMessagesQuery(false, true), listMessagesQuery(true, true)],
  };

  const sqlAccess: KefuSqlAccess = {
    dialect,
    db,
    migrate: (namespace, migrations) => op(() => runMigrations(db, dialect, namespace, migrations, now)),
  };

  const store: SqlStore = {
    kind: dialect,
    sql: sqlAccess,

    async init() {
      if (state === 'open') {
        await op(() => runMigrations(db, dialect, 'core', coreMigrations(dialect), now));
        return;
      }
      if (!opening) {
        opening = (async () => {
          try {
            await engine.open();
          } catch (error) {
            throw storeError(error);
          }
          state = 'open';
          try {
            await runMigrations(db, dialect, 'core', coreMigrations(dialect), now);
          } catch (error) {
            state = 'closed';
            await engine.close().catch(() => {});
            throw storeError(error);
          }
        })().finally(() => {
          opening = undefined;
        });
      }
      await opening;
    },
    async close() {
      if (state !== 'open') return;
      state = 'closed';
      await engine.close();
    },

    createContact: (contact) =>
      op(async () => {
        await tx(async (trx) => {
          await trx.insertInto('contacts').values(contactRow(contact)).execute();
          await writeContactSideTables(trx, contact);
        });
        return structuredClone(contact);
      }),
    getContact: (tenantId, id) =>
      op(async () => {
        const [row] = await reads.contact(tenantId, id);
        return row && read.contact(dialect, row);
      }),
    findContactByIdentity: (tenantId, identity) =>
      op(async () => {
        const [row] = await reads.contactByIdentity(tenantId, identity.channel, identity.externalId);
        return row && read.contact(dialect, row);
      }),
    findContactsByIdentifier: (tenantId, identifier) =>
      op(async () => {
        const rows = await db
          .selectFrom('contact_identifiers as i')
          .innerJoin('contacts as c', 'c.id', 'i.contact_id')
          .selectAll('c')
          .where('i.tenant_id', '=', tenantId)
          .where('i.kind', '=', identifier.kind)
          .where('i.value', '=', identifier.value)
          .where('c.merged_into', 'is', null)
          .orderBy('c.created_at')
          .orderBy('c.id')
          .execute();
        return rows.map((r) => read.contact(dialect, r));
      }),
    updateContact: (tenantId, id, patch) =>
      op(() =>
        tx(async (trx) => {
          const current = await lockContact(trx, tenantId, id);
          if (!current) throw new KefuError(ErrorCodes.NOT_FOUND, `No contact "${id}"`, { details: { tenantId, id } });
          const updated = applyPatch(current, { ...patch, updatedAt: now() });
          await trx.updateTable('contacts').set(contactRow(updated)).where('id', '=', id).execute();
          if (patch.identities !== undefined || patch.identifiers !== undefined) await writeContactSideTables(trx, updated);
          return updated;
        }),
      ),
    mergeContacts: (tenantId, targetId, sourceId) =>
      op(() =>
        tx(async (trx) => {
          const target = await lockContact(trx, tenantId, targetId);
          const source = await lockContact(trx, tenantId, sourceId);
          if (!target || !source) throw new KefuError(ErrorCodes.NOT_FOUND, 'Both contacts must exist in the tenant', { details: { targetId, sourceId } });
          const identities = [...target.identities];
          for (const i of source.identities) if (!identities.some((x) => x.channel === i.channel && x.externalId === i.externalId)) identities.push(i);
          const identifiers = [...target.identifiers];
          for (const i of source.identifiers) if (!identifiers.some((x) => x.kind === i.kind && x.value === i.value)) identifiers.push(i);
          const at = now();
          const merged: Contact = {
            ...target,
            identities,
            identifiers,
            tags: [...new Set([...target.tags, ...source.tags])],
            attributes: { ...source.attributes, ...target.attributes },
            updatedAt: at,
          };
          const name = target.name ?? source.name;
          if (name !== undefined) merged.name = name;
          const emptied: Contact = { ...source, mergedInto: targetId, identities: [], identifiers: [], updatedAt: at };
          await trx.updateTable('contacts').set(contactRow(merged)).where('id', '=', targetId).execute();
          await trx.updateTable('contacts').set(contactRow(emptied)).where('id', '=', sourceId).execute();
          await writeContactSideTables(trx, emptied);
          await writeContactSideTables(trx, merged);
          await trx.updateTable('conversations').set({ contact_id: targetId }).where('tenant_id', '=', tenantId).where('contact_id', '=', sourceId).execute();
          return merged;
        }),
      ),
    listContacts: (tenantId, opts = {}) =>
      op(async () => {
        const rows = await db
          .selectFrom('contacts')
          .selectAll()
          .where('tenant_id', '=', tenantId)
          .where('merged_into', 'is', null)
          .$if(!!opts.search, (q) => q.where(sql<boolean>`${sql.ref('search')} like ${containsPattern(opts.search!)} escape '\\'`))
          .orderBy('updated_at', 'desc')
          .orderBy('id', 'desc')
          .limit(opts.limit ?? 100)
          .execute();
        return rows.map((r) => read.contact(dialect, r));
      }),

    createConversation: (conversation) =>
      op(async () => {
        await db.insertInto('conversations').values(toRow(conversationFields, conversation)).execute();
        return structuredClone(conversation);
      }),
    getConversation: (id, tenantId) =>
      op(async () => {
        const [row] = await (tenantId === undefined ? reads.conversation(id) : reads.conversationInTenant(id, tenantId));
        return row && read.conversation(dialect, row);
      }),
    findOpenConversation: (tenantId, channel, address) =>
      op(async () => {
        const [row] = await reads.openConversation(tenantId, channel, address);
        return row && read.conversation(dialect, row);
      }),
    updateConversation: (id, patch, expectedStatus) =>
      op(async () => {
        const row = await db
          .updateTable('conversations')
          .set({ ...patchToRow(conversationFields, patch), updated_at: now() })
          .where('id', '=', id)
          .$if(expectedStatus !== undefined, (q) => q.where('status', '=', expectedStatus!))
          .returningAll()
          .executeTakeFirst();
        return row && read.conversation(dialect, row);
      }),
    listConversations: (query) =>
      op(async () => {
        const rows = await db
          .selectFrom('conversations')
          .selectAll()
          .$if(query.tenantId !== undefined, (q) => q.where('tenant_id', '=', query.tenantId!))
          .$if(query.status !== undefined, (q) => (query.status!.length === 0 ? q.where(sql<boolean>`1 = 0`) : q.where('status', 'in', query.status!)))
          .$if(query.assigneeId !== undefined, (q) => q.where('assignee_id', '=', query.assigneeId!))
          .$if(query.contactId !== undefined, (q) => q.where('contact_id', '=', query.contactId!))
          .$if(query.teamId !== undefined, (q) => q.where('team_id', '=', query.teamId!))
          .$if(query.channel !== undefined, (q) => q.where('channel', '=', query.channel!))
          .orderBy('last_message_at', 'desc')
          .orderBy('id', 'desc')
          .limit(query.limit ?? 100)
          .execute();
        return rows.map((r) => read.conversation(dialect, r));
      }),

    appendMessage: (input) =>
      op(async () => {
        const { dedupeKey, ...rest } = input;
        const message = { ...rest, id: rest.id ?? newId(rest.createdAt), seq: 0, status: rest.status ?? 'received', attempts: rest.attempts ?? 0 };
        const row = toRow(messageFields, message);
        const outcome = await engine.append(row, dedupeKey ?? null, now());
        if (outcome.kind === 'duplicate') return { message: read.message(dialect, outcome.row), duplicate: true };
        if (outcome.kind === 'missing') {
          throw new KefuError(ErrorCodes.NOT_FOUND, `No conversation "${input.conversationId}" in tenant "${input.tenantId}"`, {
            details: { conversationId: input.conversationId, tenantId: input.tenantId },
          });
        }
        // The row holds JSON as text whatever the dialect: decode it like SQLite does.
        return { message: read.message('sqlite', { ...row, seq: outcome.seq }), duplicate: false };
      }),
    getMessage: (id, tenantId) =>
      op(async () => {
        const [row] = await (tenantId === undefined ? reads.message(id) : reads.messageInTenant(id, tenantId));
        return row && read.message(dialect, row);
      }),
    findMessageByDedupeKey: (tenantId, dedupeKey) =>
      op(async () => {
        const [row] = await reads.messageByDedupeKey(tenantId, dedupeKey);
        return row && read.message(dialect, row);
      }),
    listMessages: (conversationId, opts = {}) =>
      op(async () => {
        const limit = opts.limit ?? 100;
        const before = opts.beforeSeq !== undefined;
        const after = opts.afterSeq !== undefined;
        const rows = await reads.messages[(after ? 1 : 0) + (before ? 2 : 0)]!(conversationId, opts.afterSeq, opts.beforeSeq, limit);
        if (before) rows.reverse();
        return rows.map((r) => read.message(dialect, r));
      }),
    updateMessage: (id, patch) =>
      op(async () => {
        const set = patchToRow(messageFields, patch);
        const q = Object.keys(set).length === 0 ? db.selectFrom('messages').selectAll().where('id', '=', id) : db.updateTable('messages').set(set).where('id', '=', id).returningAll();
        const row = await q.executeTakeFirst();
        if (!row) throw new KefuError(ErrorCodes.NOT_FOUND, `No message "${id}"`, { details: { id } });
        return read.message(dialect, row);
      }),
    listPendingOutbound: (opts = {}) =>
      op(async () => {
        const rows = await db
          .selectFrom('messages')
          .selectAll()
          .where('direction', '=', 'outbound')
          .where('status', '=', 'pending')
          .$if(opts.tenantId !== undefined, (q) => q.where('tenant_id', '=', opts.tenantId!))
          .orderBy('created_at')
          .orderBy('seq')
          .limit(opts.limit ?? 1000)
          .execute();
        return rows.map((r) => read.message(dialect, r));
      }),

    upsertAgent: (agent) =>
      op(async () => {
        const row = toRow(agentFields, agent);
        await db
          .insertInto('agents')
          .values(row)
          .onConflict((oc) => oc.columns(['tenant_id', 'id']).doUpdateSet(row))
          .execute();
        return structuredClone(agent);
      }),
    getAgent: (tenantId, id) =>
      op(async () => {
        const row = await db.selectFrom('agents').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
        return row && read.agent(dialect, row);
      }),
    listAgents: (tenantId) =>
      op(async () => {
        const rows = await db
          .selectFrom('agents')
          .selectAll()
          .$if(tenantId !== undefined, (q) => q.where('tenant_id', '=', tenantId!))
          .orderBy('id')
          .orderBy('tenant_id')
          .execute();
        return rows.map((r) => read.agent(dialect, r));
      }),
    upsertTeam: (team) =>
      op(async () => {
        const row = toRow(teamFields, team);
        await db
          .insertInto('teams')
          .values(row)
          .onConflict((oc) => oc.columns(['tenant_id', 'id']).doUpdateSet(row))
          .execute();
        return structuredClone(team);
      }),
    listTeams: (tenantId) =>
      op(async () => {
        const rows = await db
          .selectFrom('teams')
          .selectAll()
          .$if(tenantId !== undefined, (q) => q.where('tenant_id', '=', tenantId!))
          .orderBy('id')
          .orderBy('tenant_id')
          .execute();
        return rows.map((r) => read.team(dialect, r));
      }),

    scheduleJob: (job) =>
      op(() =>
        tx(async (trx) => {
          const record: JobRecord = { id: newId(), tenantId: job.tenantId, key: job.key, name: job.name, runAt: job.runAt, payload: job.payload, attempts: 0, createdAt: now() };
          const row = toRow(jobFields, record);
          // The unique (tenant, key) index decides between concurrent schedulers, on any node.
          const { id: _keep, tenant_id: _t, key: _k, ...replacement } = row;
          await trx
            .insertInto('jobs')
            .values(row)
            .onConflict((oc) => {
              const target = oc.columns(['tenant_id', 'key']);
              return job.replace ? target.doUpdateSet(replacement) : target.doNothing();
            })
            .execute();
          const stored = await trx.selectFrom('jobs').selectAll().where('tenant_id', '=', job.tenantId).where('key', '=', job.key).executeTakeFirstOrThrow();
          return read.job(dialect, stored);
        }),
      ),
    cancelJob: (tenantId, key) =>
      op(async () => {
        const res = await db.deleteFrom('jobs').where('tenant_id', '=', tenantId).where('key', '=', key).executeTakeFirst();
        return Number(res.numDeletedRows) > 0;
      }),
    claimDueJobs: (at, { limit, owner, leaseMs }) =>
      op(async () => {
        // PostgreSQL: SKIP LOCKED lets nodes claim disjoint sets at once. SQLite: the write lock
        // of the group-commit transaction serializes claims, across processes too.
        const due = db
          .selectFrom('jobs')
          .select('id')
          .where('run_at', '<=', at)
          .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', at)]))
          .orderBy('run_at')
          .orderBy('id')
          .limit(limit)
          .$if(pg, (q) => q.forUpdate().skipLocked());
        const rows = await db.updateTable('jobs').set({ locked_until: at + leaseMs, locked_by: owner }).where('id', 'in', due).returningAll().execute();
        return rows.map((r) => read.job(dialect, r)).sort((a, b) => a.runAt - b.runAt || (a.id < b.id ? -1 : 1));
      }),
    completeJob: (id) =>
      op(async () => {
        await db.deleteFrom('jobs').where('id', '=', id).execute();
      }),
    retryJob: (id, runAt, error) =>
      op(async () => {
        await db
          .updateTable('jobs')
          .set((eb) => ({ run_at: runAt, attempts: eb('attempts', '+', 1), last_error: error, locked_until: null, locked_by: null }))
          .where('id', '=', id)
          .execute();
      }),
    nextJobTime: () =>
      op(async () => {
        const row = await db
          .selectFrom('jobs')
          .select(sql<number | string | null>`min(case when locked_until is not null and locked_until > run_at then locked_until else run_at end)`.as('t'))
          .executeTakeFirst();
        return row?.t === null || row?.t === undefined ? undefined : Number(row.t);
      }),

    kvGet: <T>(namespace: string, key: string) =>
      op(async () => {
        const row = await db.selectFrom('kv').select(['value', 'expires_at']).where('namespace', '=', namespace).where('key', '=', key).executeTakeFirst();
        if (!row) return undefined;
        if (row.expires_at !== null && Number(row.expires_at) <= now()) return undefined;
        const v = dialect === 'sqlite' ? JSON.parse(row.value as string) : row.value;
        return v as T;
      }),
    kvSet: (namespace, key, value, opts = {}) =>
      op(async () => {
        const row = { namespace, key, value: JSON.stringify(value === undefined ? null : value), expires_at: opts.ttlMs !== undefined ? now() + opts.ttlMs : null };
        await db
          .insertInto('kv')
          .values(row)
          .onConflict((oc) => oc.columns(['namespace', 'key']).doUpdateSet({ value: row.value, expires_at: row.expires_at }))
          .execute();
      }),
    kvDelete: (namespace, key) =>
      op(async () => {
        await db.deleteFrom('kv').where('namespace', '=', namespace).where('key', '=', key).execute();
      }),
  };
  return store;
}
