/**
 * Error codes of `@kefu/adapter-phone`. Each is a stable `KEFU_*` string, thrown as a
 * `KefuError` from `@kefu/core`; the package README lists what to do about each one.
 */
export const PhoneErrorCodes = {
  /** A webhook carried no `X-Twilio-Signature`, or one that does not match the public URL and body. Answered with 403. */
  SIGNATURE_INVALID: 'KEFU_PHONE_SIGNATURE_INVALID',
  /** A signed webhook lacks a parameter Twilio always sends (`CallSid`, `From`, ...), or is not a form POST. Answered with 400. */
  BAD_REQUEST: 'KEFU_PHONE_BAD_REQUEST',
  /** A webhook body is larger than `maxBodyBytes`. Answered with 413. */
  PAYLOAD_TOO_LARGE: 'KEFU_PHONE_PAYLOAD_TOO_LARGE',
  /** A webhook was addressed to a number (`To`) that is not configured on this adapter. Answered with 404. */
  NUMBER_UNKNOWN: 'KEFU_PHONE_NUMBER_UNKNOWN',
  /** An IVR definition is malformed (unknown menu, duplicate key, missing translation, ...). */
  IVR_INVALID: 'KEFU_PHONE_IVR_INVALID',
  /** The adapter options or environment are incomplete or malformed. */
  CONFIG_INVALID: 'KEFU_PHONE_CONFIG_INVALID',
  /** The customer replied STOP (or 退订): no SMS may be sent to this number until they reply START. */
  SMS_OPTED_OUT: 'KEFU_PHONE_SMS_OPTED_OUT',
  /** Twilio reported an SMS as undelivered or failed (the Twilio `ErrorCode` is in the message). */
  SMS_UNDELIVERED: 'KEFU_PHONE_SMS_UNDELIVERED',
  /** Twilio refused to place a call for good (e.g. 21211 invalid number); `details.twilioCode` says why. */
  CALL_FAILED: 'KEFU_PHONE_CALL_FAILED',
  /** The adapter is used before `start()` or after `stop()`. */
  NOT_STARTED: 'KEFU_PHONE_NOT_STARTED',
  /** The number comes from the server's configuration (environment), not the API: change it there. */
  NUMBER_FROM_CONFIG: 'KEFU_PHONE_NUMBER_FROM_CONFIG',
} as const;

/** One of {@link PhoneErrorCodes}. */
export type PhoneErrorCode = (typeof PhoneErrorCodes)[keyof typeof PhoneErrorCodes];
