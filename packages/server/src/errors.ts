import { ErrorCodes, KefuError, isKefuError } from '@kefu/core';

/**
 * Error codes the server adds to core's `ErrorCodes`. Every HTTP error answer carries one
 * of these or a core code in `{ error: { code, message, details } }`.
 */
export const ServerErrorCodes = {
  /** No credentials, a bad password, or an expired, forged or unknown token or API key. */
  UNAUTHORIZED: 'KEFU_UNAUTHORIZED',
  /** The caller is authenticated but their role does not allow the operation. */
  FORBIDDEN: 'KEFU_FORBIDDEN',
  /** The request body is larger than the configured limit. */
  PAYLOAD_TOO_LARGE: 'KEFU_PAYLOAD_TOO_LARGE',
  /** The path exists but not with this HTTP method. */
  METHOD_NOT_ALLOWED: 'KEFU_METHOD_NOT_ALLOWED',
  /** A record with this id or e-mail already exists. */
  ALREADY_EXISTS: 'KEFU_ALREADY_EXISTS',
  /** The server is shutting down and takes no new requests. */
  UNAVAILABLE: 'KEFU_UNAVAILABLE',
  /** An unexpected failure; the log has the details under the request id. */
  INTERNAL: 'KEFU_INTERNAL',
} as const;

/** HTTP status of each code the server answers with. Unknown codes answer 500 (or 400 for input). */
const statusByCode: Record<string, number> = {
  [ServerErrorCodes.UNAUTHORIZED]: 401,
  [ServerErrorCodes.FORBIDDEN]: 403,
  [ServerErrorCodes.PAYLOAD_TOO_LARGE]: 413,
  [ServerErrorCodes.METHOD_NOT_ALLOWED]: 405,
  [ServerErrorCodes.ALREADY_EXISTS]: 409,
  [ServerErrorCodes.UNAVAILABLE]: 503,
  [ServerErrorCodes.INTERNAL]: 500,
  [ErrorCodes.INVALID_INPUT]: 400,
  [ErrorCodes.NOT_FOUND]: 404,
  [ErrorCodes.TENANT_MISMATCH]: 404,
  [ErrorCodes.ILLEGAL_TRANSITION]: 409,
  [ErrorCodes.AGENT_AT_CAPACITY]: 409,
  [ErrorCodes.CAPABILITY_UNSUPPORTED]: 422,
  [ErrorCodes.ADAPTER_MISSING]: 422,
  [ErrorCodes.CLOSED]: 503,
  [ErrorCodes.NOT_STARTED]: 503,
};

/** The HTTP status for an error thrown by a handler (a KefuError code maps to its status). */
export function httpStatusOf(error: unknown): number {
  if (isKefuError(error)) return statusByCode[error.code] ?? 500;
  return 500;
}

/** The JSON error body: `{ error: { code, message, details? } }`. Unexpected errors hide their message. */
export function errorBody(error: unknown): { error: { code: string; message: string; details?: Record<string, unknown> } } {
  if (isKefuError(error) && statusByCode[error.code] !== undefined) return { error: error.toJSON() };
  return { error: { code: ServerErrorCodes.INTERNAL, message: 'Internal server error' } };
}

/** Shorthand for a 401. */
export function unauthorized(message = 'Authentication required'): KefuError {
  return new KefuError(ServerErrorCodes.UNAUTHORIZED, message);
}

/** Shorthand for a 403. */
export function forbidden(message: string, details?: Record<string, unknown>): KefuError {
  return new KefuError(ServerErrorCodes.FORBIDDEN, message, details ? { details } : {});
}

/** Shorthand for a 404 that never tells whether the record exists in another tenant. */
export function notFound(what: string, id: string): KefuError {
  return new KefuError(ErrorCodes.NOT_FOUND, `No ${what} "${id}"`, { details: { [`${what}Id`]: id } });
}
