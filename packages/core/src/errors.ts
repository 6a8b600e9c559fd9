/**
 * Every error Kefu throws on purpose is a {@link KefuError} with a stable string code.
 * Codes never change meaning; `docs/errors.md` lists each one with what to do about it.
 */
export const ErrorCodes = {
  /** A plugin's declared dependency was not registered before it. */
  PLUGIN_DEPENDENCY_MISSING: 'KEFU_PLUGIN_DEPENDENCY_MISSING',
  /** A plugin's setup did not finish within its timeout. */
  PLUGIN_TIMEOUT: 'KEFU_PLUGIN_TIMEOUT',
  /** A plugin's setup threw. */
  PLUGIN_SETUP_FAILED: 'KEFU_PLUGIN_SETUP_FAILED',
  /** Two plugins (or adapters) share a name. */
  DUPLICATE_REGISTRATION: 'KEFU_DUPLICATE_REGISTRATION',
  /** `use`, `adapter`, `route` or `on` was called after `start()`. */
  ALREADY_STARTED: 'KEFU_ALREADY_STARTED',
  /** An operation needs a started app. */
  NOT_STARTED: 'KEFU_NOT_STARTED',
  /** The app was closed. */
  CLOSED: 'KEFU_CLOSED',
  /** A conversation status change that the state machine forbids. */
  ILLEGAL_TRANSITION: 'KEFU_ILLEGAL_TRANSITION',
  /** A conversation, contact, message, agent or team does not exist (in this tenant). */
  NOT_FOUND: 'KEFU_NOT_FOUND',
  /** The input does not have the required shape. */
  INVALID_INPUT: 'KEFU_INVALID_INPUT',
  /** No adapter is registered for the conversation's channel. */
  ADAPTER_MISSING: 'KEFU_ADAPTER_MISSING',
  /** The channel cannot do what was asked and no fallback applies. */
  CAPABILITY_UNSUPPORTED: 'KEFU_CAPABILITY_UNSUPPORTED',
  /** A send failed and may succeed later (network, rate limit); the outbox retries. */
  DELIVERY_RETRYABLE: 'KEFU_DELIVERY_RETRYABLE',
  /** A send failed for good (invalid recipient, window closed); the message is marked failed. */
  DELIVERY_FAILED: 'KEFU_DELIVERY_FAILED',
  /** A service (`app.services.x`) was requested but no plugin provides it. */
  SERVICE_MISSING: 'KEFU_SERVICE_MISSING',
  /** The store failed or was used wrongly. */
  STORE_FAILED: 'KEFU_STORE_FAILED',
  /** A feature needs a SQL store (SQLite or PostgreSQL); the memory store cannot hold plugin tables. */
  STORE_SQL_REQUIRED: 'KEFU_STORE_SQL_REQUIRED',
  /** A migration failed or the database schema is newer than the code. */
  MIGRATION_FAILED: 'KEFU_MIGRATION_FAILED',
  /** A record belongs to another tenant. */
  TENANT_MISMATCH: 'KEFU_TENANT_MISMATCH',
  /** An agent has no free capacity for another conversation. */
  AGENT_AT_CAPACITY: 'KEFU_AGENT_AT_CAPACITY',
  /** A scheduled job has no handler. */
  JOB_HANDLER_MISSING: 'KEFU_JOB_HANDLER_MISSING',
  /** A step of the lifecycle (close, stop) did not finish within its timeout. */
  TIMEOUT: 'KEFU_TIMEOUT',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** Options for {@link KefuError}. */
export interface KefuErrorOptions {
  /** The error that caused this one; always kept. */
  cause?: unknown;
  /** Machine-readable details (ids, limits) for logs and API answers. */
  details?: Record<string, unknown>;
}

/**
 * The one error class of Kefu. `code` is stable across versions; `message` is for people.
 *
 * @example
 * try { await app.send(id, [{ type: 'text', text: 'hi' }]) }
 * catch (err) { if (isKefuError(err, 'KEFU_NOT_FOUND')) ... }
 */
export class KefuError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: KefuErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KefuError';
    this.code = code;
    this.details = options.details;
  }

  /** A JSON shape suitable for API answers (no stack, no cause). */
  toJSON(): { code: string; message: string; details?: Record<string, unknown> } {
    return this.details ? { code: this.code, message: this.message, details: this.details } : { code: this.code, message: this.message };
  }
}

/** True when `err` is a {@link KefuError}, optionally with the given code. */
export function isKefuError(err: unknown, code?: string): err is KefuError {
  return err instanceof KefuError && (code === undefined || err.code === code);
}
