import type { Logger } from '@kefu/core';
import type { Database, Statement } from 'better-sqlite3';

/** Counters of a group-commit writer, for tests and benchmarks. */
export interface GroupCommitStats {
  /** Transactions committed. */
  commits: number;
  /** Write operations run (each in its own savepoint). */
  writes: number;
  /** The most operations one commit carried. */
  largestBatch: number;
}

interface WriteOp {
  run(): unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

const isThenable = (v: unknown): v is PromiseLike<unknown> => typeof (v as { then?: unknown } | null)?.then === 'function';

/**
 * Group commit on one better-sqlite3 connection. Writes queued in the same tick (and those that
 * arrive while a batch runs) share ONE `BEGIN IMMEDIATE … COMMIT`; each write runs in its own
 * savepoint so that a failing write rejects only its own promise. Every promise settles only
 * after the COMMIT returned, i.e. after the WAL was fsync'd (`synchronous=FULL`).
 *
 * better-sqlite3 blocks the thread for the fsync, so the cost of a commit is paid once per batch
 * instead of once per write: that is the whole gain.
 */
export class GroupCommitWriter {
  readonly stats: GroupCommitStats;
  #queue: WriteOp[] = [];
  #scheduled = false;
  #flushing: Promise<void> | undefined;
  readonly #db: Database;
  readonly #maxBatch: number;
  readonly #logger: Logger;
  readonly #begin: Statement;
  readonly #commit: Statement;
  readonly #rollback: Statement;
  readonly #savepoint: Statement;
  readonly #release: Statement;
  readonly #rollbackTo: Statement;

  constructor(db: Database, options: { maxBatch: number; logger: Logger; stats?: GroupCommitStats }) {
    this.#db = db;
    this.stats = options.stats ?? { commits: 0, writes: 0, largestBatch: 0 };
    this.#maxBatch = Math.max(1, options.maxBatch);
    this.#logger = options.logger;
    this.#begin = db.prepare('BEGIN IMMEDIATE');
    this.#commit = db.prepare('COMMIT');
    this.#rollback = db.prepare('ROLLBACK');
    this.#savepoint = db.prepare('SAVEPOINT kefu_op');
    this.#release = db.prepare('RELEASE kefu_op');
    this.#rollbackTo = db.prepare('ROLLBACK TO kefu_op');
  }

  /**
   * Queues a write. `run` executes inside the batch transaction (it may be async: the batch waits
   * for it, which is how a Kysely transaction joins a batch). Resolves after the commit.
   */
  enqueue<T>(run: () => T | Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ run, resolve: resolve as (v: unknown) => void, reject });
      if (!this.#flushing) this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#startFlush();
    });
  }

  /** Resolves once every queued write has been committed (or rejected). */
  async drain(): Promise<void> {
    while (this.#flushing || this.#queue.length > 0 || this.#scheduled) {
      if (this.#flushing) await this.#flushing;
      else await new Promise<void>((r) => setImmediate(r));
    }
  }

  #startFlush(): void {
    if (this.#flushing) return;
    this.#flushing = (async () => {
      try {
        await this.#runBatch(this.#queue.splice(0, this.#maxBatch));
      } finally {
        this.#flushing = undefined;
        // The next batch starts on a later turn of the event loop, never in this one: writes that
        // arrive meanwhile join it, and timers and I/O are not starved by a steady stream of writes.
        if (this.#queue.length > 0) this.#schedule();
      }
    })();
  }

  async #runBatch(batch: WriteOp[]): Promise<void> {
    try {
      this.#begin.run();
    } catch (error) {
      this.#logger.error({ err: error, writes: batch.length }, 'sqlite: could not begin a write transaction');
      for (const op of batch) op.reject(error);
      return;
    }
    const outcomes: Outcome[] = [];
    for (const op of batch) {
      this.#savepoint.run();
      try {
        let value = op.run();
        if (isThenable(value)) value = await value;
        this.#release.run();
        outcomes.push({ ok: true, value });
      } catch (error) {
        outcomes.push({ ok: false, error });
        if (!this.#db.inTransaction) {
          // SQLite rolled the whole transaction back (disk full, I/O error): nothing of the batch survived.
          this.#fail(batch, outcomes, error);
          return;
        }
        this.#rollbackTo.run();
        this.#release.run();
      }
    }
    try {
      this.#commit.run();
    } catch (error) {
      if (this.#db.inTransaction) {
        try {
          this.#rollback.run();
        } catch {
          // The connection is unusable; the next BEGIN reports it.
        }
      }
      this.#fail(batch, outcomes, error);
      return;
    }
    this.stats.commits++;
    this.stats.writes += batch.length;
    if (batch.length > this.stats.largestBatch) this.stats.largestBatch = batch.length;
    batch.forEach((op, i) => {
      const o = outcomes[i]!;
      if (o.ok) op.resolve(o.value);
      else op.reject(o.error);
    });
  }

  /** Rejects a whole batch: each write with its own error, or with the batch's error. */
  #fail(batch: WriteOp[], outcomes: Outcome[], error: unknown): void {
    this.#logger.error({ err: error, writes: batch.length }, 'sqlite: a group commit failed; its writes are rejected');
    batch.forEach((op, i) => {
      const o = outcomes[i];
      op.reject(o && !o.ok ? o.error : error);
    });
  }
}

/** A small cache of prepared statements per connection (Kysely compiles to stable SQL text). */
export class StatementCache {
  #map = new Map<string, Statement>();
  constructor(private readonly db: Database) {}

  get(sqlText: string): Statement {
    let stmt = this.#map.get(sqlText);
    if (!stmt) {
      if (this.#map.size >= 500) this.#map.clear();
      stmt = this.db.prepare(sqlText);
      this.#map.set(sqlText, stmt);
    }
    return stmt;
  }
}
