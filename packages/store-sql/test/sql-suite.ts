import { type Contact, type Conversation, DEFAULT_TENANT, type Store, isKefuError, newId } from '@kefu/core';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type KefuSqlMigration, type SqlStore, requireSql } from '../src/index.js';

/** Opens a fresh SQL store; `another` opens a second store on the same database (a second node). */
export type SqlStoreFactory = () => Promise<{ store: SqlStore; another: () => Promise<SqlStore>; cleanup: () => Promise<void> }>;

const T0 = Date.UTC(2026, 0, 1);

export function contact(tenantId = DEFAULT_TENANT, overrides: Partial<Contact> = {}): Contact {
  return { id: newId(), tenantId, name: 'Li Lei', identities: [{ channel: 'web', externalId: `v-${newId()}` }], identifiers: [], tier: 'normal', tags: [], attributes: {}, createdAt: T0, updatedAt: T0, ...overrides };
}

export function conversation(c: Contact, overrides: Partial<Conversation> = {}): Conversation {
  return { id: newId(), tenantId: c.tenantId, contactId: c.id, channel: 'web', address: c.identities[0]!.externalId, status: 'bot', priority: 0, tags: [], lastSeq: 0, attributes: {}, openedAt: T0, lastMessageAt: T0, updatedAt: T0, ...overrides };
}

export function text(conv: Conversation, body: string, extra: { dedupeKey?: string; createdAt?: number } = {}) {
  return { tenantId: conv.tenantId, conversationId: conv.id, direction: 'inbound' as const, author: { role: 'customer' as const }, text: body, parts: [{ type: 'text' as const, text: body }], channel: conv.channel, createdAt: T0 + 1, ...extra };
}

export async function seed(store: Store, tenantId = DEFAULT_TENANT): Promise<Conversation> {
  const c = await store.createContact(contact(tenantId));
  return store.createConversation(conversation(c));
}

/** Behaviour both SQL dialects must share beyond the store conformance suite. */
export function sqlStoreSuite(name: string, factory: SqlStoreFactory): void {
  describe(`SQL store: ${name}`, () => {
    let store: SqlStore;
    let another: () => Promise<SqlStore>;
    let cleanup: () => Promise<void>;
    const others: SqlStore[] = [];

    beforeEach(async () => {
      ({ store, another, cleanup } = await factory());
    });
    afterEach(async () => {
      for (const s of others.splice(0)) await s.close();
      await store.close();
      await cleanup();
    });
    const second = async () => {
      const s = await another();
      others.push(s);
      return s;
    };

    describe('migrations', () => {
      it('runs a namespace once, in order, and records each migration', async () => {
        const ran: string[] = [];
        const migrations: KefuSqlMigration[] = [
          {
            name: '001_tickets',
            async up(db) {
              ran.push('001');
              await db.schema.createTable('tickets').addColumn('id', 'text', (c) => c.primaryKey()).addColumn('title', 'text', (c) => c.notNull()).execute();
            },
          },
          {
            name: '002_ticket_priority',
            async up(db) {
              ran.push('002');
              // Depends on 001: fails if the order were wrong.
              await db.schema.alterTable('tickets').addColumn('priority', 'integer', (c) => c.notNull().defaultTo(0)).execute();
            },
          },
        ];
        await store.sql.migrate('tickets', migrations);
        await store.sql.migrate('tickets', migrations);
        expect(ran).toEqual(['001', '002']);
        const applied = await store.sql.db.selectFrom('kefu_migrations').select(['namespace', 'name']).where('namespace', '=', 'tickets').orderBy('name').execute();
        expect(applied).toEqual([
          { namespace: 'tickets', name: '001_tickets' },
          { namespace: 'tickets', name: '002_ticket_priority' },
        ]);
        // A new migration appended later runs alone; core is a namespace like any other.
        await store.sql.migrate('tickets', [...migrations, { name: '003_index', up: (db) => db.schema.createIndex('tickets_priority').on('tickets').column('priority').execute() }]);
        expect(ran).toEqual(['001', '002']);
        expect((await store.sql.db.selectFrom('kefu_migrations').select('name').where('namespace', '=', 'core').execute()).map((r) => r.name)).toEqual(['001_core']);
      });

      it('keeps namespaces apart: the same migration name in two namespaces runs in each', async () => {
        const make = (table: string): KefuSqlMigration[] => [{ name: '001_init', up: (db) => db.schema.createTable(table).addColumn('id', 'text').execute() }];
        await store.sql.migrate('alpha', make('alpha_things'));
        await store.sql.migrate('beta', make('beta_things'));
        await store.sql.db.insertInto('alpha_things').values({ id: 'a' }).execute();
        await store.sql.db.insertInto('beta_things').values({ id: 'b' }).execute();
        expect(await store.sql.db.selectFrom('beta_things').selectAll().execute()).toEqual([{ id: 'b' }]);
      });

      it('rolls back every pending migration of a call when one fails, and can run again once fixed', async () => {
        const first: KefuSqlMigration = { name: '001_a', up: (db) => db.schema.createTable('rollback_a').addColumn('id', 'text').execute() };
        const broken: KefuSqlMigration = {
          name: '002_b',
          async up(db) {
            await db.schema.createTable('rollback_b').addColumn('id', 'text').execute();
            throw new Error('boom');
          },
        };
        const error = await store.sql.migrate('rb', [first, broken]).catch((e: unknown) => e);
        expect(isKefuError(error, 'KEFU_MIGRATION_FAILED')).toBe(true);
        expect((error as { details?: Record<string, unknown> }).details).toMatchObject({ namespace: 'rb', migration: '002_b' });
        expect(await store.sql.db.selectFrom('kefu_migrations').selectAll().where('namespace', '=', 'rb').execute()).toEqual([]);
        // Neither table exists: the DDL of both migrations was rolled back.
        await expect(store.sql.db.selectFrom('rollback_a').selectAll().execute()).rejects.toThrow();
        await expect(store.sql.db.selectFrom('rollback_b').selectAll().execute()).rejects.toThrow();
        const fixed: KefuSqlMigration = { name: '002_b', up: (db) => db.schema.createTable('rollback_b').addColumn('id', 'text').execute() };
        await store.sql.migrate('rb', [first, fixed]);
        expect((await store.sql.db.selectFrom('kefu_migrations').select('name').where('namespace', '=', 'rb').orderBy('name').execute()).map((r) => r.name)).toEqual(['001_a', '002_b']);
        // The store still works after the failed batch.
        const conv = await seed(store);
        expect((await store.appendMessage(text(conv, 'still fine'))).message.seq).toBe(1);
      });

      it('refuses a database that has migrations the code does not know, and malformed migrations', async () => {
        await store.sql.migrate('ns', [
          { name: '001', up: async () => {} },
          { name: '002', up: async () => {} },
        ]);
        await expect(store.sql.migrate('ns', [{ name: '001', up: async () => {} }])).rejects.toSatisfy((e) => isKefuError(e, 'KEFU_MIGRATION_FAILED'));
        const dup = [
          { name: '003', up: async () => {} },
          { name: '003', up: async () => {} },
        ];
        await expect(store.sql.migrate('ns', dup)).rejects.toSatisfy((e) => isKefuError(e, 'KEFU_INVALID_INPUT'));
        await expect(store.sql.migrate('', [])).rejects.toSatisfy((e) => isKefuError(e, 'KEFU_INVALID_INPUT'));
        await expect(store.sql.migrate('ns', [{ name: '', up: async () => {} }])).rejects.toSatisfy((e) => isKefuError(e, 'KEFU_INVALID_INPUT'));
      });
    });

    describe('plugin tables', () => {
      it('a plugin migrates its table and uses it through store.sql.db, with transactions', async () => {
        const sqlAccess = requireSql(store, 'plugin-tickets');
        expect(sqlAccess.dialect).toBe(name);
        await sqlAccess.migrate('tickets', [
          {
            name: '001_tickets',
            up: (db) =>
              db.schema
                .createTable('plugin_tickets')
                .addColumn('id', 'text', (c) => c.primaryKey())
                .addColumn('tenant_id', 'text', (c) => c.notNull())
                .addColumn('title', 'text', (c) => c.notNull())
                .addColumn('created_at', 'bigint', (c) => c.notNull())
                .execute(),
          },
        ]);
        const db = sqlAccess.db;
        await db.insertInto('plugin_tickets').values({ id: 't1', tenant_id: DEFAULT_TENANT, title: '退货', created_at: T0 }).execute();
        await db.transaction().execute(async (trx) => {
          await trx.insertInto('plugin_tickets').values({ id: 't2', tenant_id: DEFAULT_TENANT, title: 'refund', created_at: T0 + 1 }).execute();
          await trx.updateTable('plugin_tickets').set({ title: '退货 (urgent)' }).where('id', '=', 't1').execute();
        });
        // A failing transaction leaves nothing behind.
        await expect(
          db.transaction().execute(async (trx) => {
            await trx.insertInto('plugin_tickets').values({ id: 't3', tenant_id: DEFAULT_TENANT, title: 'x', created_at: T0 }).execute();
            throw new Error('abort');
          }),
        ).rejects.toThrow('abort');
        const rows = await db.selectFrom('plugin_tickets').select(['id', 'title', 'created_at']).orderBy('id').execute();
        expect(rows.map((r) => ({ ...r, created_at: Number(r.created_at) }))).toEqual([
          { id: 't1', title: '退货 (urgent)', created_at: T0 },
          { id: 't2', title: 'refund', created_at: T0 + 1 },
        ]);
        const count = await db.selectFrom('plugin_tickets').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
        expect(Number(count.n)).toBe(2);
      });

      it('joins plugin tables with core tables', async () => {
        const conv = await seed(store);
        await store.sql.migrate('notes', [{ name: '001', up: (db) => db.schema.createTable('notes').addColumn('conversation_id', 'text').addColumn('body', 'text').execute() }]);
        await store.sql.db.insertInto('notes').values({ conversation_id: conv.id, body: 'VIP' }).execute();
        const row = await store.sql.db.selectFrom('notes').innerJoin('conversations', 'conversations.id', 'notes.conversation_id').select(['notes.body', 'conversations.channel']).executeTakeFirst();
        expect(row).toEqual({ body: 'VIP', channel: 'web' });
      });
    });

    describe('tenant isolation', () => {
      it('keeps dedupe keys, open conversations, pending outbound, jobs and contacts per tenant', async () => {
        const a = await seed(store, 'tenant-a');
        const bContact = await store.createContact(contact('tenant-b', { identities: a.address ? [{ channel: 'web', externalId: a.address }] : [] }));
        const b = await store.createConversation(conversation(bContact, { address: a.address }));
        const ma = await store.appendMessage(text(a, 'a', { dedupeKey: 'web:same' }));
        const mb = await store.appendMessage(text(b, 'b', { dedupeKey: 'web:same' }));
        expect(mb.duplicate).toBe(false);
        expect(mb.message.id).not.toBe(ma.message.id);
        expect((await store.findOpenConversation('tenant-a', 'web', a.address))?.id).toBe(a.id);
        expect((await store.findOpenConversation('tenant-b', 'web', a.address))?.id).toBe(b.id);
        expect((await store.findContactByIdentity('tenant-b', { channel: 'web', externalId: a.address }))?.id).toBe(bContact.id);
        await store.appendMessage({ ...text(a, 'out'), direction: 'outbound', status: 'pending' });
        expect((await store.listPendingOutbound({ tenantId: 'tenant-b' })).length).toBe(0);
        expect((await store.listPendingOutbound({ tenantId: 'tenant-a' })).length).toBe(1);
        await store.scheduleJob({ tenantId: 'tenant-a', key: 'k', name: 'j', runAt: T0, payload: 1 });
        const bJob = await store.scheduleJob({ tenantId: 'tenant-b', key: 'k', name: 'j', runAt: T0, payload: 2 });
        expect(bJob.payload).toBe(2);
        expect(await store.cancelJob('tenant-c', 'k')).toBe(false);
        expect(await store.getMessage(ma.message.id, 'tenant-b')).toBeUndefined();
        expect(await store.getConversation(a.id, 'tenant-b')).toBeUndefined();
        await expect(store.mergeContacts('tenant-b', bContact.id, a.contactId)).rejects.toSatisfy((e) => isKefuError(e, 'KEFU_NOT_FOUND'));
        expect((await store.listContacts('tenant-b')).map((c) => c.id)).toEqual([bContact.id]);
      });
    });

    describe('errors and lifecycle', () => {
      it('maps database failures to KEFU_STORE_FAILED and keeps the cause', async () => {
        const c = await store.createContact(contact());
        const error = await store.createContact(c).catch((e: unknown) => e);
        expect(isKefuError(error, 'KEFU_STORE_FAILED')).toBe(true);
        expect((error as Error).cause).toBeDefined();
        await expect(store.appendMessage(text(conversation(c), 'nowhere'))).rejects.toSatisfy((e) => isKefuError(e, 'KEFU_NOT_FOUND'));
        await expect(store.updateMessage('nope', { status: 'sent' })).rejects.toSatisfy((e) => isKefuError(e, 'KEFU_NOT_FOUND'));
      });

      it('a failing write rejects only its own promise; writes around it are committed', async () => {
        const c = await store.createContact(contact());
        const conv = await store.createConversation(conversation(c));
        const results = await Promise.allSettled([store.appendMessage(text(conv, 'before')), store.createContact(c), store.appendMessage(text(conv, 'after'))]);
        expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
        expect((await store.listMessages(conv.id)).map((m) => [m.seq, m.text])).toEqual([
          [1, 'before'],
          [2, 'after'],
        ]);
      });

      it('refuses operations after close, and close is idempotent', async () => {
        const s = await second();
        await s.close();
        await s.close();
        await expect(s.getContact(DEFAULT_TENANT, 'x')).rejects.toSatisfy((e) => isKefuError(e, 'KEFU_STORE_FAILED'));
        await expect(s.sql.migrate('x', [])).rejects.toSatisfy((e) => isKefuError(e, 'KEFU_STORE_FAILED'));
      });
    });

    describe('several nodes on one database', () => {
      it('claims each due job on one node only', async () => {
        const node2 = await second();
        for (let i = 0; i < 40; i++) await store.scheduleJob({ tenantId: DEFAULT_TENANT, key: `k${i}`, name: 'j', runAt: T0 + i, payload: i });
        const claims = await Promise.all([
          store.claimDueJobs(T0 + 100, { limit: 15, owner: 'n1', leaseMs: 60_000 }),
          node2.claimDueJobs(T0 + 100, { limit: 15, owner: 'n2', leaseMs: 60_000 }),
          store.claimDueJobs(T0 + 100, { limit: 15, owner: 'n1', leaseMs: 60_000 }),
          node2.claimDueJobs(T0 + 100, { limit: 15, owner: 'n2', leaseMs: 60_000 }),
        ]);
        const ids = claims.flat().map((j) => j.payload);
        expect(ids.length).toBe(40);
        expect(new Set(ids).size).toBe(40);
      });

      it('keeps seq gap-free and dedupe exact when two nodes append to the same conversations', async () => {
        const node2 = await second();
        const convs = [await seed(store), await seed(store)];
        const writes = [];
        for (let i = 0; i < 30; i++) {
          for (const conv of convs) {
            // Every message is sent to both nodes, as a webhook retried on another node would be.
            writes.push(store.appendMessage(text(conv, `m${i}`, { dedupeKey: `${conv.id}:${i}` })));
            writes.push(node2.appendMessage(text(conv, `m${i}`, { dedupeKey: `${conv.id}:${i}` })));
          }
        }
        const results = await Promise.all(writes);
        expect(results.filter((r) => !r.duplicate).length).toBe(60);
        for (const conv of convs) {
          const list = await store.listMessages(conv.id, { limit: 1000 });
          expect(list.map((m) => m.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
          expect(new Set(list.map((m) => m.text)).size).toBe(30);
          expect((await node2.getConversation(conv.id))?.lastSeq).toBe(30);
        }
      });
    });
  });
}
