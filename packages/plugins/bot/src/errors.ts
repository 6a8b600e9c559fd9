/** Error codes of @kefu/plugin-bot (listed in the package README). */
export const BotErrorCodes = {
  /** A knowledge-base entry (or a whole set given to `replace`) is invalid; `details.rejected` lists the rows. */
  INVALID_ENTRY: 'KEFU_BOT_INVALID_ENTRY',
  /** An import file is not valid JSON / CSV / Markdown of the expected shape. */
  IMPORT_FORMAT: 'KEFU_BOT_IMPORT_FORMAT',
  /** The LLM provider failed (HTTP error, timeout, malformed answer); the bot answers from the knowledge base. */
  LLM_FAILED: 'KEFU_BOT_LLM_FAILED',
  /** Bot options are invalid (thresholds, business hours, time zone). */
  INVALID_OPTIONS: 'KEFU_BOT_INVALID_OPTIONS',
} as const;
