/**
 * Error codes of the web adapter (the lead merges them into docs/errors.md). Each one reaches the
 * widget as an `error` frame or an HTTP error body `{ error: { code, message } }`.
 */
export const WebErrorCodes = {
  /** The request's `Origin` is not in the tenant's allowlist (HTTP 403). */
  ORIGIN_FORBIDDEN: 'KEFU_WEB_ORIGIN_FORBIDDEN',
  /** The `tenant` parameter names no tenant this adapter serves (HTTP 404). */
  TENANT_UNKNOWN: 'KEFU_WEB_TENANT_UNKNOWN',
  /** The identity token is malformed, forged, expired or signed with an unknown secret (close 4401). */
  IDENTITY_INVALID: 'KEFU_WEB_IDENTITY_INVALID',
  /** A frame is not JSON, has an unknown type or a wrong shape, or came before `hello` (close 4400). */
  FRAME_INVALID: 'KEFU_WEB_FRAME_INVALID',
  /** Too many frames; the frame was dropped (a sustained flood closes with 4429). */
  RATE_LIMITED: 'KEFU_WEB_RATE_LIMITED',
  /** The client does not read its socket fast enough (close 4408). */
  CLIENT_TOO_SLOW: 'KEFU_WEB_CLIENT_TOO_SLOW',
  /** An upload is larger than `uploads.maxBytes` (HTTP 413). */
  UPLOAD_TOO_LARGE: 'KEFU_WEB_UPLOAD_TOO_LARGE',
  /** An upload is not one of the accepted image types (checked on the bytes, HTTP 415). */
  UPLOAD_TYPE_UNSUPPORTED: 'KEFU_WEB_UPLOAD_TYPE_UNSUPPORTED',
  /** The widget bundle could not be built or read (HTTP 500). */
  WIDGET_UNAVAILABLE: 'KEFU_WEB_WIDGET_UNAVAILABLE',
} as const;

/** One of {@link WebErrorCodes}. */
export type WebErrorCode = (typeof WebErrorCodes)[keyof typeof WebErrorCodes];
