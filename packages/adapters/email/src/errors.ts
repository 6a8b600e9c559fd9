/**
 * Error codes of the email adapter, beyond the core `KEFU_*` codes. Each is listed in the
 * package README under "Error codes".
 */
export const EmailErrorCodes = {
  /** A delivery status notification (bounce) reported an outbound mail as failed. Set as the message's `error.code`. */
  BOUNCED: 'KEFU_EMAIL_BOUNCED',
  /** The adapter's options are invalid (no mailbox, a malformed address, IMAP without credentials). */
  INVALID_OPTIONS: 'KEFU_EMAIL_INVALID_OPTIONS',
} as const;
