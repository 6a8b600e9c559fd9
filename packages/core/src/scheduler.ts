import type { Clock, TimerHandle } from './clock.js';
import { DEFAULT_TENANT } from './model.js';
import type { JobRecord, Store } from './store.js';

/** Runs one job. Throwing retries it with backoff. */
export type JobHandler<P = unknown> = (payload: P, job: JobRecord) => void | Promise<void>;

/** Options of {@link Scheduler.at}. */
export interface ScheduleOptions {
  /** Idempotency key: scheduling the same key again keeps the first job. Default: a new unique key. */
  key?: string;
  tenantId?: string;
  /** Replace a pending job with the same key (move a reminder). */
  replace?: boolean;
}

/** Scheduler settings. */
export interface SchedulerOptions {
  /** How long a node holds a job while running it. Default 60 s. */
  leaseMs?: number;
  /** Attempts before a failing job is dropped (reported on `error`). Default 5. */
  maxAttempts?: number;
  /** How often to look for jobs scheduled by other nodes. Default 30 s. */
  recheckMs?: number;
}

/**
 * Durable timers in the store: nudges, reminders, SLA checks, outbox retries. A restart loses
 * none (due jobs run at start); on a cluster, a job is leased to one node at a time.
 * One timer is armed for the earliest job; scheduling an earlier job re-arms it.
 */
export class Scheduler {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #owner: string;
  readonly #handlers = new Map<string, JobHandler<never>>();
  readonly #leaseMs: number;
  readonly #maxAttempts: number;
  readonly #recheckMs: number;
  readonly #onError: (error: unknown, job: JobRecord) => void;
  #timer: TimerHandle | undefined;
  #armedFor: number | undefined;
  #running = false;
  #tick: Promise<void> = Promise.resolve();
  #again = false;
  #counter = 0;

  constructor(store: Store, clock: Clock, owner: string, onError: (error: unknown, job: JobRecord) => void, options: SchedulerOptions = {}) {
    this.#store = store;
    this.#clock = clock;
    this.#owner = owner;
    this.#onError = onError;
    this.#leaseMs = options.leaseMs ?? 60_000;
    this.#maxAttempts = options.maxAttempts ?? 5;
    this.#recheckMs = options.recheckMs ?? 30_000;
  }

  /** Registers the handler of a job name (before or after start). */
  define<P>(name: string, handler: JobHandler<P>): void {
    this.#handlers.set(name, handler as JobHandler<never>);
  }

  /** Schedules `job` at `time` (ms epoch or Date) with `payload`. Resolves when durable. */
  async at<P>(time: number | Date, job: string, payload: P, options: ScheduleOptions = {}): Promise<JobRecord> {
    const runAt = typeof time === 'number' ? time : time.getTime();
    const record = await this.#store.scheduleJob({
      tenantId: options.tenantId ?? DEFAULT_TENANT,
      key: options.key ?? `${job}:${this.#clock.now()}:${++this.#counter}:${Math.random().toString(36).slice(2)}`,
      name: job,
      runAt,
      payload,
      ...(options.replace ? { replace: true } : {}),
    });
    if (this.#running) this.#arm(record.runAt);
    return record;
  }

  /** Schedules `job` after `ms` milliseconds. */
  in<P>(ms: number, job: string, payload: P, options: ScheduleOptions = {}): Promise<JobRecord> {
    return this.at(this.#clock.now() + ms, job, payload, options);
  }

  /** Cancels the pending job with this key. True when there was one. */
  cancel(key: string, tenantId: string = DEFAULT_TENANT): Promise<boolean> {
    return this.#store.cancelJob(tenantId, key);
  }

  /** Starts running due jobs (those that came due while stopped run now). */
  async start(): Promise<void> {
    this.#running = true;
    await this.#runDue();
  }

  /** Stops the timer and waits for jobs in progress. */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedFor = undefined;
    await this.#tick;
  }

  /** Runs due jobs now (tests with a fake clock call this after advancing). */
  runDue(): Promise<void> {
    return this.#runDue();
  }

  #arm(runAt: number): void {
    if (!this.#running) return;
    const now = this.#clock.now();
    const at = Math.min(runAt, now + this.#recheckMs);
    if (this.#armedFor !== undefined && this.#armedFor <= at) return;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#armedFor = at;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#armedFor = undefined;
      void this.#runDue();
    }, at - now);
  }

  #runDue(): Promise<void> {
    // One pass at a time; a request during a pass runs one more pass after it.
    if (this.#busy) {
      this.#again = true;
      return this.#tick;
    }
    this.#busy = true;
    this.#tick = (async () => {
      try {
        do {
          this.#again = false;
          await this.#pass();
        } while (this.#again && this.#running);
      } finally {
        this.#busy = false;
      }
      if (this.#running) {
        const next = await this.#store.nextJobTime();
        this.#arm(next ?? this.#clock.now() + this.#recheckMs);
      }
    })();
    return this.#tick;
  }

  #busy = false;

  async #pass(): Promise<void> {
    for (;;) {
      const now = this.#clock.now();
      const jobs = await this.#store.claimDueJobs(now, { limit: 50, owner: this.#owner, leaseMs: this.#leaseMs });
      if (jobs.length === 0) return;
      await Promise.all(jobs.map((job) => this.#runJob(job)));
      if (!this.#running) return;
    }
  }

  async #runJob(job: JobRecord): Promise<void> {
    const handler = this.#handlers.get(job.name);
    try {
      if (!handler) throw Object.assign(new Error(`No handler for job "${job.name}"`), { code: 'KEFU_JOB_HANDLER_MISSING' });
      await handler(job.payload as never, job);
      await this.#store.completeJob(job.id);
    } catch (error) {
      this.#onError(error, job);
      if (job.attempts + 1 >= this.#maxAttempts) {
        await this.#store.completeJob(job.id);
      } else {
        const backoff = Math.min(60_000 * 30, 1000 * 2 ** job.attempts);
        await this.#store.retryJob(job.id, this.#clock.now() + backoff, error instanceof Error ? error.message : String(error));
      }
    }
  }
}
