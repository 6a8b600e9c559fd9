import { ErrorCodes, KefuError, type Store } from '@kefu/core';
import type { KefuSqlAccess } from './sql-store.js';

/**
 * The SQL access of a store, for plugins that own tables. Throws `KEFU_STORE_SQL_REQUIRED`
 * for stores without SQL (the memory store), naming the feature that needs it.
 *
 * @example
 * async setup(app) {
 *   const sql = requireSql(app.store, 'plugin-tickets');
 *   await sql.migrate('tickets', [{ name: '001_tickets', up: (db) => db.schema.createTable('tickets')...execute() }]);
 * }
 */
export function requireSql(store: Store, feature?: string): KefuSqlAccess {
  if (!store.sql) {
    throw new KefuError(ErrorCodes.STORE_SQL_REQUIRED, `${feature ? `"${feature}" needs` : 'This feature needs'} a SQL store (SQLite or PostgreSQL); the "${store.kind}" store has no SQL access`, {
      details: { store: store.kind, ...(feature ? { feature } : {}) },
    });
  }
  return store.sql as KefuSqlAccess;
}
