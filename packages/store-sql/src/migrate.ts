import { ErrorCodes, KefuError, type Migration, isKefuError } from '@kefu/core';
import { type Kysely, sql } from 'kysely';
import type { SqlDialect } from './rows.js';

/** One advisory lock id for every Kefu migration on a PostgreSQL database ("kefu" in ASCII). */
const PG_MIGRATION_LOCK = 0x6b656675;

/**
 * Runs the namespace's pending migrations, in the order given, in ONE transaction: either every
 * pending migration of this call is applied and recorded in `kefu_migrations`, or none is.
 * On PostgreSQL an advisory lock makes nodes that start together migrate one after the other.
 */
export async function runMigrations(db: Kysely<any>, dialect: SqlDialect, namespace: string, migrations: Migration<Kysely<any>>[], now: () => number): Promise<void> {
  if (typeof namespace !== 'string' || namespace.length === 0) throw new KefuError(ErrorCodes.INVALID_INPUT, 'A migration namespace must be a non-empty string');
  const names = new Set<string>();
  for (const m of migrations) {
    if (!m || typeof m.name !== 'string' || m.name.length === 0 || typeof m.up !== 'function') {
      throw new KefuError(ErrorCodes.INVALID_INPUT, `Every migration of "${namespace}" needs a name and an up() function`, { details: { namespace } });
    }
    if (names.has(m.name)) throw new KefuError(ErrorCodes.INVALID_INPUT, `Migration "${m.name}" appears twice in "${namespace}"`, { details: { namespace, migration: m.name } });
    names.add(m.name);
  }

  await db.transaction().execute(async (trx) => {
    if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${PG_MIGRATION_LOCK})`.execute(trx);
    await trx.schema
      .createTable('kefu_migrations')
      .ifNotExists()
      .addColumn('namespace', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('applied_at', dialect === 'postgres' ? 'bigint' : 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('kefu_migrations_pk', ['namespace', 'name'])
      .execute();
    const applied = new Set((await trx.selectFrom('kefu_migrations').select('name').where('namespace', '=', namespace).execute()).map((r) => r.name as string));
    const unknown = [...applied].filter((n) => !names.has(n));
    if (unknown.length > 0) {
      throw new KefuError(ErrorCodes.MIGRATION_FAILED, `The database has migrations of "${namespace}" that this code does not know (${unknown.join(', ')}): it is newer than the code`, {
        details: { namespace, unknown },
      });
    }
    for (const m of migrations) {
      if (applied.has(m.name)) continue;
      try {
        await m.up(trx);
      } catch (error) {
        if (isKefuError(error, ErrorCodes.MIGRATION_FAILED)) throw error;
        throw new KefuError(ErrorCodes.MIGRATION_FAILED, `Migration "${namespace}/${m.name}" failed: ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
          details: { namespace, migration: m.name },
        });
      }
      await trx.insertInto('kefu_migrations').values({ namespace, name: m.name, applied_at: now() }).execute();
    }
  });
}
