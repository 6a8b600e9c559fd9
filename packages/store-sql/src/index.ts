/**
 * @kefu/store-sql — Kefu's SQL stores: SQLite (embedded default, WAL + `synchronous=FULL` with
 * group commit) and PostgreSQL (scale-out), one Kysely implementation of the `Store` contract.
 * Plugins own tables through `store.sql.migrate(namespace, migrations)`.
 *
 * @packageDocumentation
 * @module @kefu/store-sql
 */
export { createSqliteStore, type SqliteStore, type SqliteStoreOptions } from './sqlite.js';
export { createPostgresStore, type PostgresStoreOptions } from './postgres.js';
export type { GroupCommitStats } from './group-commit.js';
export type { KefuSqlAccess, KefuSqlDb, KefuSqlMigration, SqlStore, SqlStoreCommonOptions } from './sql-store.js';
export type { SqlDialect } from './rows.js';
export { requireSql } from './require-sql.js';
