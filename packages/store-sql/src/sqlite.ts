import { ErrorCodes, KefuError, type Logger, silentLogger } from '@kefu/core';
import BetterSqlite3 from 'better-sqlite3';
import type { Database, Statement } from 'better-sqlite3';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  Kysely,
  type QueryResult,
  SelectQueryNode,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import { type GroupCommitStats, GroupCommitWriter, StatementCache } from './group-commit.js';
import { messageFields } from './rows.js';
import { type AppendOutcome, type SqlEngine, type SqlStore, type SqlStoreCommonOptions, createSqlStore } from './sql-store.js';

/** Options of {@link createSqliteStore}. */
export interface SqliteStoreOptions extends SqlStoreCommonOptions {
  /** The database file. Created when missing; its folder must exist. `:memory:` is refused (reads use a second connection). */
  filename: string;
  /**
   * The most writes one commit carries. Default 1000. `1` turns group commit off (one commit,
   * one fsync per write): the benchmark's baseline.
   */
  maxBatch?: number;
  /** How long a write waits for another process's write lock, in ms. Default 5000. */
  busyTimeoutMs?: number;
}

/** The SQLite store: a {@link SqlStore} with group-commit counters. */
export interface SqliteStore extends SqlStore {
  readonly kind: 'sqlite';
  /** Commits, writes and the largest batch since the store was created (across reopenings). */
  readonly stats: GroupCommitStats;
}

interface AppendStatements {
  dedupe: Statement;
  bump: Statement;
  insert: Statement;
}

interface Connections {
  writerDb: Database;
  readerDb: Database;
  writer: GroupCommitWriter;
  writeStatements: StatementCache;
  readStatements: StatementCache;
  append?: AppendStatements;
}

/** better-sqlite3 binds numbers, strings, bigints, buffers and null; Kysely may hand booleans. */
const bindable = (params: readonly unknown[]) => params.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p));

function execute<R>(statements: StatementCache, query: CompiledQuery): QueryResult<R> {
  const stmt = statements.get(query.sql);
  const params = bindable(query.parameters);
  if (stmt.reader) return { rows: stmt.all(params) as R[] };
  const { changes, lastInsertRowid } = stmt.run(params);
  return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
}

/**
 * A Kysely connection over the group-commit writer: SELECTs outside a transaction read the
 * committed state through the reader connection; other statements join the next group commit;
 * inside a transaction every statement runs in the transaction's savepoint.
 */
class GroupCommitConnection implements DatabaseConnection {
  tx: { finish(): void; fail(error: unknown): void; done: Promise<unknown> } | undefined;
  constructor(private readonly conn: () => Connections) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const c = this.conn();
    if (this.tx) return execute<R>(c.writeStatements, query);
    if (SelectQueryNode.is(query.query)) return execute<R>(c.readStatements, query);
    return c.writer.enqueue(() => execute<R>(c.writeStatements, query));
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new KefuError(ErrorCodes.STORE_FAILED, 'Streaming queries are not supported by the Kefu SQLite store');
  }
}

/** Rejection used to roll a transaction's savepoint back; never surfaces to callers. */
const ROLLBACK = Symbol('rollback');

class GroupCommitDriver implements Driver {
  constructor(private readonly conn: () => Connections) {}
  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    return new GroupCommitConnection(this.conn);
  }
  /** A transaction is one write of the batch: it holds the batch open until it commits or rolls back. */
  beginTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as GroupCommitConnection;
    return new Promise<void>((started, failedToStart) => {
      let finish!: () => void;
      let fail!: (error: unknown) => void;
      const done = this.conn().writer.enqueue(
        () =>
          new Promise<void>((resolve, reject) => {
            finish = resolve;
            fail = reject;
            c.tx = { finish, fail, done };
            started();
          }),
      );
      // If the batch could not even begin, the transaction never started.
      done.catch(failedToStart);
    });
  }
  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as GroupCommitConnection;
    const tx = c.tx!;
    c.tx = undefined;
    tx.finish();
    await tx.done;
  }
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as GroupCommitConnection;
    const tx = c.tx;
    c.tx = undefined;
    if (!tx) return;
    tx.fail(ROLLBACK);
    await tx.done.catch(() => {});
  }
  async releaseConnection(): Promise<void> {}
  async destroy(): Promise<void> {}
}

const messageColumns = [...messageFields.map(([, column]) => column), 'dedupe_key'];

class SqliteEngine implements SqlEngine {
  readonly dialect = 'sqlite' as const;
  readonly db: Kysely<any>;
  readonly stats: GroupCommitStats = { commits: 0, writes: 0, largestBatch: 0 };
  #c: Connections | undefined;

  constructor(
    private readonly options: SqliteStoreOptions,
    private readonly logger: Logger,
  ) {
    const conn = () => {
      if (!this.#c) throw new KefuError(ErrorCodes.STORE_FAILED, 'The SQLite store is not open');
      return this.#c;
    };
    const dialect: Dialect = {
      createAdapter: () => new SqliteAdapter(),
      createDriver: () => new GroupCommitDriver(conn),
      createIntrospector: (db) => new SqliteIntrospector(db),
      createQueryCompiler: () => new SqliteQueryCompiler(),
    };
    this.db = new Kysely<any>({ dialect });
  }

  async open(): Promise<void> {
    const { filename } = this.options;
    const writerDb = new BetterSqlite3(filename);
    try {
      writerDb.pragma('journal_mode = WAL');
      // FULL: every commit fsyncs the WAL, so a resolved write survives power loss, not only kill -9.
      writerDb.pragma('synchronous = FULL');
      writerDb.pragma(`busy_timeout = ${this.options.busyTimeoutMs ?? 5000}`);
      const readerDb = new BetterSqlite3(filename);
      readerDb.pragma(`busy_timeout = ${this.options.busyTimeoutMs ?? 5000}`);
      readerDb.pragma('query_only = ON');
      // The counters are shared across reopenings of the same store.
      const writer = new GroupCommitWriter(writerDb, { maxBatch: this.options.maxBatch ?? 1000, logger: this.logger, stats: this.stats });
      this.#c = {
        writerDb,
        readerDb,
        writer,
        writeStatements: new StatementCache(writerDb),
        readStatements: new StatementCache(readerDb),
      };
    } catch (error) {
      writerDb.close();
      throw error;
    }
  }

  /** The append statements need the core tables, so they are prepared on first use. */
  #appendStatements(c: Connections): AppendStatements {
    if (!c.append) {
      c.append = {
        dedupe: c.writerDb.prepare('SELECT * FROM messages WHERE tenant_id = ? AND dedupe_key = ?'),
        bump: c.writerDb.prepare(
          'UPDATE conversations SET last_seq = last_seq + 1, last_message_at = max(last_message_at, ?), updated_at = ? WHERE id = ? AND tenant_id = ? RETURNING last_seq',
        ),
        insert: c.writerDb.prepare(`INSERT INTO messages (${messageColumns.join(', ')}) VALUES (${messageColumns.map(() => '?').join(', ')})`),
      };
    }
    return c.append;
  }

  append(row: Record<string, unknown>, dedupeKey: string | null, now: number): Promise<AppendOutcome> {
    const c = this.#c;
    if (!c) return Promise.reject(new KefuError(ErrorCodes.STORE_FAILED, 'The SQLite store is not open'));
    // Raw prepared statements: this path runs once per message, Kysely's compile step would dominate it.
    return c.writer.enqueue((): AppendOutcome => {
      const s = this.#appendStatements(c);
      if (dedupeKey !== null) {
        const existing = s.dedupe.get(row.tenant_id, dedupeKey) as Record<string, unknown> | undefined;
        if (existing) return { kind: 'duplicate', row: existing };
      }
      const bumped = s.bump.get(row.created_at, now, row.conversation_id, row.tenant_id) as { last_seq: number } | undefined;
      if (!bumped) return { kind: 'missing' };
      const values = messageFields.map(([, column]) => (column === 'seq' ? bumped.last_seq : row[column]));
      s.insert.run(...values, dedupeKey);
      return { kind: 'appended', seq: bumped.last_seq };
    });
  }

  async select(query: CompiledQuery, parameters: readonly unknown[]): Promise<Record<string, unknown>[]> {
    const c = this.#c;
    if (!c) throw new KefuError(ErrorCodes.STORE_FAILED, 'The SQLite store is not open');
    // The reader connection, like every SELECT outside a transaction: committed data only.
    return c.readStatements.get(query.sql).all(bindable(parameters)) as Record<string, unknown>[];
  }

  async close(): Promise<void> {
    const c = this.#c;
    if (!c) return;
    await c.writer.drain();
    this.#c = undefined;
    c.readerDb.close();
    c.writerDb.close();
  }
}

/**
 * The embedded default store: one SQLite file in WAL mode with `synchronous=FULL` and group
 * commit. Concurrent writes share one transaction and one fsync; each write's promise resolves
 * only after that commit is on disk. Reads use a second connection and see committed data only.
 *
 * @example
 * const store = createSqliteStore({ filename: './kefu.db' });
 * const app = createApp({ store });
 * await app.start(); // runs store.init(): opens the file and migrates the core schema
 */
export function createSqliteStore(options: SqliteStoreOptions): SqliteStore {
  if (!options || typeof options.filename !== 'string' || options.filename.length === 0) {
    throw new KefuError(ErrorCodes.INVALID_INPUT, 'createSqliteStore needs a filename');
  }
  if (options.filename === ':memory:' || options.filename.startsWith('file::memory:')) {
    throw new KefuError(ErrorCodes.INVALID_INPUT, 'The SQLite store needs a file (reads use a second connection); use createMemoryStore() for an in-memory store');
  }
  if (options.maxBatch !== undefined && !(Number.isInteger(options.maxBatch) && options.maxBatch >= 1)) {
    throw new KefuError(ErrorCodes.INVALID_INPUT, 'maxBatch must be an integer ≥ 1', { details: { maxBatch: options.maxBatch } });
  }
  const logger = (options.logger ?? silentLogger).child({ store: 'sqlite' });
  const engine = new SqliteEngine(options, logger);
  const store = createSqlStore(engine, options) as SqliteStore;
  Object.defineProperty(store, 'stats', { value: engine.stats, enumerable: true });
  return store;
}
