import { join } from 'node:path';
import { createMemoryStore, isKefuError } from '@kefu/core';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../test/helpers.js';
import { contact, conversation, seed, text } from '../test/sql-suite.js';
import { type SqliteStore, createPostgresStore, createSqliteStore, requireSql } from './index.js';

describe('SQLite group commit', () => {
  let tmp: ReturnType<typeof tempDir>;
  let filename: string;
  const open: SqliteStore[] = [];
  const make = async (options: { maxBatch?: number } = {}) => {
    const s = createSqliteStore({ filename, ...options });
    await s.init();
    open.push(s);
    return s;
  };

  beforeEach(() => {
    tmp = tempDir();
    filename = join(tmp.dir, 'kefu.db');
  });
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    tmp.remove();
  });

  it('shares commits between concurrent appends, and every resolved append is on disk after reopening', async () => {
    const store = await make();
    const convs = await Promise.all(Array.from({ length: 8 }, () => seed(store)));
    const before = { ...store.stats };
    const writes = [];
    for (let i = 0; i < 50; i++) for (const conv of convs) writes.push(store.appendMessage(text(conv, `m${i}`)));
    const results = await Promise.all(writes);
    const commits = store.stats.commits - before.commits;
    expect(store.stats.writes - before.writes).toBe(400);
    expect(commits).toBeGreaterThanOrEqual(1);
    expect(commits).toBeLessThan(400 / 10);
    expect(store.stats.largestBatch).toBeGreaterThan(1);
    await store.close();

    const reopened = await make();
    for (const { message } of results) expect((await reopened.getMessage(message.id))?.seq).toBe(message.seq);
    for (const conv of convs) {
      expect((await reopened.listMessages(conv.id, { limit: 100 })).map((m) => m.text)).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));
    }
  });

  it('commits once per write with maxBatch 1 (the benchmark baseline)', async () => {
    const store = await make({ maxBatch: 1 });
    const conv = await seed(store);
    const before = store.stats.commits;
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.appendMessage(text(conv, `m${i}`))));
    expect(store.stats.commits - before).toBe(20);
    expect((await store.listMessages(conv.id)).map((m) => m.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('rolls back only the failing write of a batch (savepoints)', async () => {
    const store = await make();
    const c = await store.createContact(contact());
    const conv = await store.createConversation(conversation(c));
    await store.sql.migrate('t', [{ name: '001', up: (db) => db.schema.createTable('uniq').addColumn('k', 'text', (col) => col.primaryKey()).execute() }]);
    await store.sql.db.insertInto('uniq').values({ k: 'taken' }).execute();
    const before = store.stats.commits;
    // Issued in one tick: one batch, one commit.
    const results = await Promise.allSettled([
      store.appendMessage(text(conv, 'a')),
      store.sql.db.insertInto('uniq').values({ k: 'taken' }).execute(),
      store.sql.db.insertInto('uniq').values({ k: 'new' }).execute(),
      store.appendMessage(text(conv, 'b')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(store.stats.commits - before).toBe(1);
    expect((await store.sql.db.selectFrom('uniq').select('k').orderBy('k').execute()).map((r) => r.k)).toEqual(['new', 'taken']);
    expect((await store.listMessages(conv.id)).map((m) => m.text)).toEqual(['a', 'b']);
  });

  it('reads see committed data only: a write is invisible until its promise resolves', async () => {
    const store = await make();
    const conv = await seed(store);
    const pending = store.appendMessage(text(conv, 'x'));
    // The write is queued for the next batch; a read issued now must not see it.
    expect(await store.listMessages(conv.id)).toEqual([]);
    const { message } = await pending;
    expect((await store.listMessages(conv.id)).map((m) => m.id)).toEqual([message.id]);
  });

  it('uses WAL with synchronous=FULL on the writer', async () => {
    const store = await make();
    // A transaction runs on the writer connection.
    const mode = await store.sql.db.transaction().execute(async (trx) => ({
      journal: (await sql<{ journal_mode: string }>`PRAGMA journal_mode`.execute(trx)).rows[0]?.journal_mode,
      synchronous: (await sql<{ synchronous: number }>`PRAGMA synchronous`.execute(trx)).rows[0]?.synchronous,
    }));
    expect(mode).toEqual({ journal: 'wal', synchronous: 2 });
  });
});

describe('bad input to the factories', () => {
  it('createSqliteStore refuses a missing filename, :memory: and a bad maxBatch', () => {
    for (const bad of [{ filename: '' }, { filename: ':memory:' }, { filename: '/tmp/x.db', maxBatch: 0 }, { filename: '/tmp/x.db', maxBatch: 1.5 }]) {
      expect(() => createSqliteStore(bad)).toThrow(expect.objectContaining({ code: 'KEFU_INVALID_INPUT' }));
    }
  });

  it('createPostgresStore needs exactly one of connectionString or pool, and a safe schema name', () => {
    expect(() => createPostgresStore({})).toThrow(expect.objectContaining({ code: 'KEFU_INVALID_INPUT' }));
    expect(() => createPostgresStore({ connectionString: 'postgres://x@127.0.0.1/x', schema: 'bad"; drop table x; --' })).toThrow(expect.objectContaining({ code: 'KEFU_INVALID_INPUT' }));
  });

  it('a store that was never initialised refuses work with a coded error', async () => {
    const tmp = tempDir();
    try {
      const store = createSqliteStore({ filename: join(tmp.dir, 'x.db') });
      await expect(store.getContact('default', 'x')).rejects.toSatisfy((e) => isKefuError(e, 'KEFU_STORE_FAILED'));
    } finally {
      tmp.remove();
    }
  });

  it('requireSql refuses a store without SQL access', () => {
    expect(() => requireSql(createMemoryStore(), 'plugin-tickets')).toThrow(expect.objectContaining({ code: 'KEFU_STORE_SQL_REQUIRED', details: { store: 'memory', feature: 'plugin-tickets' } }));
  });
});
