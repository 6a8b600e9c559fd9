import { ErrorCodes, KefuError, KeyedQueue, silentLogger } from '@kefu/core';
import { CompiledQuery, Kysely, PostgresDialect, type PostgresPool } from 'kysely';
import pg from 'pg';
import { messageFields } from './rows.js';
import { type AppendOutcome, type SqlEngine, type SqlStore, type SqlStoreCommonOptions, createSqlStore } from './sql-store.js';

/** Options of {@link createPostgresStore}: give `connectionString` or `pool`. */
export interface PostgresStoreOptions extends SqlStoreCommonOptions {
  /** e.g. `postgres://kefu@db:5432/kefu`. The store creates (and ends) its own pool. */
  connectionString?: string;
  /**
   * A pool you own (the store never ends it). Give the store a pool of its own: it sets
   * `search_path` on the connections it uses when `schema` is set.
   */
  pool?: pg.Pool;
  /** Schema holding Kefu's tables; created when missing. Default: the connection's `search_path` (usually `public`). */
  schema?: string;
  /** Size of the pool the store creates from `connectionString`. Default 10. */
  maxConnections?: number;
}

const INT8_OID = 20;

/** int8 (bigint) columns hold millisecond timestamps and counters: parse them to numbers. */
const typeParsers = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text'))) as typeof pg.types.getTypeParser,
};

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * The append as ONE statement (one round trip, one implicit transaction): the dedupe probe, the
 * `last_seq` bump and the insert. The UPDATE takes the conversation's row lock, so appends to one
 * conversation are serialized across every node and `seq` stays ordered and gap-free. A duplicate
 * that races past the probe hits the unique dedupe index, which aborts the whole statement (the
 * bump included, so no gap) and the append is retried once to return the first message.
 */
function appendStatement(row: Record<string, unknown>, dedupeKey: string | null, now: number): CompiledQuery {
  const params: unknown[] = [];
  const p = (value: unknown, cast: string) => {
    params.push(value);
    return `$${params.length}::${cast}`;
  };
  const tenant = p(row.tenant_id, 'text');
  const key = p(dedupeKey, 'text');
  const conversation = p(row.conversation_id, 'text');
  const createdAt = p(row.created_at, 'bigint');
  const at = p(now, 'bigint');
  const values = messageFields.map(([, column, kind]) => {
    if (column === 'seq') return 'bumped.last_seq';
    if (column === 'tenant_id') return tenant;
    if (column === 'conversation_id') return conversation;
    if (column === 'created_at') return createdAt;
    return p(row[column], kind === 'json' ? 'jsonb' : kind === 'num' ? 'bigint' : 'text');
  });
  const text = `with dup as (
  select id from messages where tenant_id = ${tenant} and dedupe_key = ${key}
), bumped as (
  update conversations set last_seq = last_seq + 1, last_message_at = greatest(last_message_at, ${createdAt}), updated_at = ${at}
  where id = ${conversation} and tenant_id = ${tenant} and not exists (select 1 from dup)
  returning last_seq
), ins as (
  insert into messages (${messageFields.map(([, c]) => c).join(', ')}, dedupe_key)
  select ${values.join(', ')}, ${key} from bumped
  returning seq
)
select (select id from dup) as dup_id, (select seq from ins) as seq`;
  return CompiledQuery.raw(text, params);
}

class PostgresEngine implements SqlEngine {
  readonly dialect = 'postgres' as const;
  readonly db: Kysely<any>;
  #closed = false;
  /**
   * Appends to one conversation leave this node in call order. Without it, two appends racing on
   * different pool connections could take the row lock in either order.
   */
  readonly #order = new KeyedQueue();

  constructor(private readonly options: PostgresStoreOptions) {
    const own = !options.pool;
    const pool: PostgresPool = options.pool
      ? // Kysely ends the pool it is given on destroy; a pool the caller owns must survive close().
        { connect: () => options.pool!.connect(), end: async () => {} }
      : new pg.Pool({ connectionString: options.connectionString, max: options.maxConnections ?? 10, types: typeParsers });
    if (own) (pool as pg.Pool).on('error', () => {}); // an idle client's error resurfaces on its next query
    const schema = options.schema;
    this.db = new Kysely<any>({
      dialect: new PostgresDialect({
        pool,
        ...(schema ? { onCreateConnection: async (conn) => void (await conn.executeQuery(CompiledQuery.raw(`set search_path to ${quoteIdent(schema)}`))) } : {}),
      }),
    });
  }

  async open(): Promise<void> {
    if (this.#closed) throw new KefuError(ErrorCodes.STORE_FAILED, 'A closed PostgreSQL store cannot be reopened: create a new one');
    if (this.options.schema) await this.db.executeQuery(CompiledQuery.raw(`create schema if not exists ${quoteIdent(this.options.schema)}`));
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#order.idle();
    await this.db.destroy();
  }

  async select(query: CompiledQuery, parameters: readonly unknown[]): Promise<Record<string, unknown>[]> {
    // Compiled once by the store: only the parameters change (Kysely runs it as it would have built it).
    const result = await this.db.executeQuery<Record<string, unknown>>({ ...query, parameters });
    return result.rows;
  }

  append(row: Record<string, unknown>, dedupeKey: string | null, now: number): Promise<AppendOutcome> {
    return this.#order.run(row.conversation_id as string, () => this.#append(row, dedupeKey, now));
  }

  async #append(row: Record<string, unknown>, dedupeKey: string | null, now: number): Promise<AppendOutcome> {
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await this.db.executeQuery<{ dup_id: string | null; seq: number | string | null }>(appendStatement(row, dedupeKey, now));
        const out = result.rows[0];
        if (out?.dup_id) {
          const existing = await this.db.selectFrom('messages').selectAll().where('id', '=', out.dup_id).executeTakeFirstOrThrow();
          return { kind: 'duplicate', row: existing };
        }
        if (out?.seq === null || out?.seq === undefined) return { kind: 'missing' };
        return { kind: 'appended', seq: Number(out.seq) };
      } catch (error) {
        const e = error as { code?: string; constraint?: string };
        if (attempt === 0 && e.code === '23505' && e.constraint === 'messages_dedupe') continue;
        throw error;
      }
    }
  }
}

/**
 * The scale-out store on PostgreSQL (`pg`). Several Kefu nodes can share one database: appends
 * stay ordered and gap-free per conversation, dedupe holds across nodes, and scheduler jobs are
 * claimed with `FOR UPDATE SKIP LOCKED` so each runs on one node.
 *
 * @example
 * const store = createPostgresStore({ connectionString: process.env.DATABASE_URL, schema: 'kefu' });
 * const app = createApp({ store });
 * await app.start();
 */
export function createPostgresStore(options: PostgresStoreOptions): SqlStore {
  if (!options || (!options.connectionString && !options.pool) || (options.connectionString && options.pool)) {
    throw new KefuError(ErrorCodes.INVALID_INPUT, 'createPostgresStore needs exactly one of connectionString or pool');
  }
  if (options.schema !== undefined && !/^[A-Za-z_][A-Za-z0-9_$]{0,62}$/.test(options.schema)) {
    throw new KefuError(ErrorCodes.INVALID_INPUT, `Invalid schema name "${options.schema}"`, { details: { schema: options.schema } });
  }
  const engine = new PostgresEngine(options);
  return createSqlStore(engine, { ...options, logger: (options.logger ?? silentLogger).child({ store: 'postgres' }) });
}
