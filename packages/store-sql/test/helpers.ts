import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** A fresh temp folder and its removal. */
export function tempDir(prefix = 'kefu-sql-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export const PG_URL = process.env.KEFU_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * True when PostgreSQL answers. When it does not: a loud warning and `false` (tests skip),
 * except under CI where a missing database is a failure.
 */
export async function pgAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch (error) {
    if (process.env.CI) throw new Error(`PostgreSQL is required under CI but unreachable at ${PG_URL}: ${(error as Error).message}`);
    console.warn(`\n⚠️  SKIPPING PostgreSQL store tests: cannot reach ${PG_URL} (${(error as Error).message}). Set KEFU_TEST_PG_URL.\n`);
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** A unique schema name for one test. */
export const uniqueSchema = () => `kefu_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;

/** Drops a test schema and everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}
