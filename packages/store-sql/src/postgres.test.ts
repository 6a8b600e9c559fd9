import { storeConformance } from '@kefu/testing';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PG_URL, dropSchema, pgAvailable, uniqueSchema } from '../test/helpers.js';
import { sqlStoreSuite } from '../test/sql-suite.js';
import { createPostgresStore } from './index.js';

const available = await pgAvailable();

/** A store in a schema of its own, dropped after the test. */
async function open(schema: string) {
  const store = createPostgresStore({ connectionString: PG_URL, schema, maxConnections: 4 });
  await store.init();
  return store;
}

if (available) {
  storeConformance('postgres', async () => {
    const schema = uniqueSchema();
    return { store: await open(schema), reopen: () => open(schema), cleanup: () => dropSchema(schema) };
  });
  sqlStoreSuite('postgres', async () => {
    const schema = uniqueSchema();
    return { store: await open(schema), another: () => open(schema), cleanup: () => dropSchema(schema) };
  });
  describe('PostgreSQL store on a pool the caller owns', () => {
    it('uses the pool, keeps it open after close(), and keeps its tables in the schema', async () => {
      const schema = uniqueSchema();
      const pool = new pg.Pool({ connectionString: PG_URL, max: 2 });
      try {
        const store = createPostgresStore({ pool, schema });
        await store.init();
        const c = await store.createContact({ id: 'c1', tenantId: 'default', identities: [], identifiers: [], tier: 'normal', tags: [], attributes: {}, createdAt: 1, updatedAt: 2 });
        expect(await store.getContact('default', 'c1')).toEqual(c);
        await store.close();
        const { rows } = await pool.query('select table_name from information_schema.tables where table_schema = $1 order by table_name', [schema]);
        expect(rows.map((r: { table_name: string }) => r.table_name)).toEqual(expect.arrayContaining(['contacts', 'conversations', 'kefu_migrations', 'messages']));
        const count = await pool.query(`select count(*)::int as n from "${schema}".contacts`);
        expect(count.rows[0].n).toBe(1);
      } finally {
        await pool.end();
        await dropSchema(schema);
      }
    });
  });
} else {
  describe('PostgreSQL store', () => {
    it.skip(`PostgreSQL unreachable at ${PG_URL}: set KEFU_TEST_PG_URL`, () => {});
  });
}
