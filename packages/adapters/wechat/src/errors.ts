/**
 * The error codes of `@kefu/adapter-wechat`. Core's codes cover the rest (`KEFU_DELIVERY_FAILED`,
 * `KEFU_INVALID_INPUT`, ...). Each is listed with what to do in the package README.
 */
export const WechatErrorCodes = {
  /** `signature` or `msg_signature` does not match the account's token: the request is forged or the token is wrong. */
  SIGNATURE_INVALID: 'KEFU_WECHAT_SIGNATURE_INVALID',
  /** The request's `timestamp` is outside the freshness window (a replay, or a skewed clock). */
  TIMESTAMP_STALE: 'KEFU_WECHAT_TIMESTAMP_STALE',
  /** The ciphertext does not decrypt with the account's EncodingAESKey, or its padding/length is wrong. */
  DECRYPT_FAILED: 'KEFU_WECHAT_DECRYPT_FAILED',
  /** The id inside the ciphertext is not this account's AppID / CorpID. */
  RECEIVER_MISMATCH: 'KEFU_WECHAT_RECEIVER_MISMATCH',
  /** The body is not well-formed XML, or lacks required fields. */
  XML_INVALID: 'KEFU_WECHAT_XML_INVALID',
  /** The body carries a DOCTYPE or ENTITY declaration (XXE, entity expansion): refused unread. */
  XML_FORBIDDEN: 'KEFU_WECHAT_XML_FORBIDDEN',
  /** The body is larger than `maxBodyBytes`. */
  BODY_TOO_LARGE: 'KEFU_WECHAT_BODY_TOO_LARGE',
  /** The webhook path names no configured account. */
  UNKNOWN_ACCOUNT: 'KEFU_WECHAT_UNKNOWN_ACCOUNT',
  /** The 48-hour / 5-message window to this user is closed (45015, 45047, 95018) and no fallback applies. */
  WINDOW_CLOSED: 'KEFU_WECHAT_WINDOW_CLOSED',
  /** The WeChat API answered an error code (in `details.errcode`). */
  API_ERROR: 'KEFU_WECHAT_API_ERROR',
  /** An access token could not be obtained (wrong AppID/secret, IP not whitelisted). */
  TOKEN_FAILED: 'KEFU_WECHAT_TOKEN_FAILED',
  /** A media file to upload is larger than the platform accepts. */
  MEDIA_TOO_LARGE: 'KEFU_WECHAT_MEDIA_TOO_LARGE',
  /** The account comes from the server's configuration (environment), not the API: change it there. */
  ACCOUNT_FROM_CONFIG: 'KEFU_WECHAT_ACCOUNT_FROM_CONFIG',
} as const;

/** One of {@link WechatErrorCodes}. */
export type WechatErrorCode = (typeof WechatErrorCodes)[keyof typeof WechatErrorCodes];
