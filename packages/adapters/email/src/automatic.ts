/**
 * Detection of automatic mail: out-of-office replies, bounces (DSN), mailing lists, bulk mail
 * and no-reply senders. Such mail is stored (agents may want to see it) but marked
 * `meta.automatic`, and neither the bot nor automatic messages ever answer it: answering a
 * robot is how mail loops start.
 */

/** Why a mail counts as automatic. */
export type AutomaticKind = 'bounce' | 'auto-reply' | 'receipt' | 'list' | 'bulk' | 'no-reply';

/** The raw header lines of a mail, lower-cased keys, unfolded values, in order. */
export type HeaderLines = ReadonlyArray<{ key: string; value: string }>;

/** The values of one header, in order. */
export function headerValues(lines: HeaderLines, key: string): string[] {
  return lines.filter((l) => l.key === key).map((l) => l.value);
}

const NO_REPLY_LOCAL = /^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|donotreply|noreply-[\w.-]*|bounces?(\+[^@]*)?|notifications?)$/i;
const AUTO_REPLY_SUBJECT = /^\s*(auto(matic)?[\s_-]*(reply|response|antwort)|out of (the )?office|abwesenheit|自动回复|自動回覆|自动答复|休假回复)\b|^\s*(自动回复|自動回覆|自动答复)/i;

/** True for addresses that nobody reads (mailer-daemon, noreply, ...). */
export function isNoReplyAddress(address: string): boolean {
  const local = address.slice(0, address.lastIndexOf('@'));
  return NO_REPLY_LOCAL.test(local);
}

/** What {@link detectAutomatic} looks at. */
export interface AutomaticInput {
  headers: HeaderLines;
  /** The full `Content-Type` value of the top-level entity. */
  contentType: string;
  /** The envelope sender (SMTP `MAIL FROM` or `Return-Path`): `''` for the null sender, undefined when unknown. */
  envelopeFrom: string | undefined;
  from: string | undefined;
  subject: string;
}

/** The kind of automatic mail, or undefined for mail a person wrote. */
export function detectAutomatic(input: AutomaticInput): AutomaticKind | undefined {
  const type = input.contentType.toLowerCase();
  if (type.startsWith('multipart/report')) {
    return /report-type\s*=\s*"?disposition-notification/.test(type) ? 'receipt' : 'bounce';
  }
  const first = (key: string) => headerValues(input.headers, key)[0]?.trim().toLowerCase();
  const autoSubmitted = first('auto-submitted');
  if (autoSubmitted && !autoSubmitted.startsWith('no')) return autoSubmitted.startsWith('auto-replied') ? 'auto-reply' : 'bulk';
  if (first('x-autoreply') !== undefined || first('x-autorespond') !== undefined || first('x-autoresponse') !== undefined) return 'auto-reply';
  const precedence = first('precedence');
  if (precedence === 'auto_reply') return 'auto-reply';
  if (precedence === 'bulk' || precedence === 'junk') return 'bulk';
  if (precedence === 'list') return 'list';
  if (first('list-id') !== undefined || first('list-unsubscribe') !== undefined) return 'list';
  if (input.envelopeFrom === '') {
    // The null sender is for DSNs and other mail that must not be answered (RFC 5321 §4.5.5).
    return input.from && isNoReplyAddress(input.from) ? 'bounce' : 'auto-reply';
  }
  if (input.from && isNoReplyAddress(input.from)) return /^(mailer-daemon|postmaster)@/i.test(input.from) ? 'bounce' : 'no-reply';
  // Some providers (notably several Chinese webmails) send out-of-office replies without any header.
  if (AUTO_REPLY_SUBJECT.test(input.subject)) return 'auto-reply';
  return undefined;
}

/** What a delivery status notification says about one original message. */
export interface DeliveryReport {
  /** `failed`, `delayed`, `delivered`, `relayed`, `expanded` (RFC 3464). */
  action: string;
  /** The enhanced status code, e.g. `5.1.1`. */
  status?: string;
  diagnostic?: string;
  recipient?: string;
  /** The `Message-ID` of the original (our outbound) mail, when the DSN includes it. */
  originalMessageId?: string;
}

/**
 * Reads a DSN from its parts: `message/delivery-status` (per-recipient fields) and the returned
 * original (`message/rfc822` or `text/rfc822-headers`) for the original Message-ID.
 */
export function parseDeliveryReport(parts: ReadonlyArray<{ contentType: string; content: Buffer }>, text = ''): DeliveryReport | undefined {
  const statusPart = parts.find((p) => p.contentType.toLowerCase() === 'message/delivery-status');
  const original = parts.find((p) => /^(message\/rfc822|text\/rfc822-headers|message\/global-headers|message\/global)$/i.test(p.contentType));
  // mailparser treats message/delivery-status as text and merges it into the body text.
  const statusText = statusPart ? statusPart.content.toString('utf8') : /^Action\s*:/im.test(text) ? text : undefined;
  if (!statusText && !original) return undefined;
  const fields = new Map<string, string>();
  if (statusText) {
    // Per-message fields come first, then one block per recipient; the recipient fields win.
    for (const line of statusText.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
      const m = /^([A-Za-z-]+)\s*:\s*(.*)$/.exec(line);
      if (m) fields.set(m[1]!.toLowerCase(), m[2]!.trim());
    }
  }
  let originalMessageId: string | undefined;
  if (original) {
    const head = original.content.toString('utf8').split(/\r?\n\r?\n/)[0] ?? '';
    const m = /^message-id\s*:\s*(<[^<>\s]+>)/im.exec(head.replace(/\r?\n[ \t]+/g, ' '));
    if (m) originalMessageId = m[1];
  }
  const recipient = fields.get('final-recipient') ?? fields.get('original-recipient');
  return {
    action: (fields.get('action') ?? 'unknown').toLowerCase(),
    ...(fields.get('status') ? { status: fields.get('status')! } : {}),
    ...(fields.get('diagnostic-code') ? { diagnostic: fields.get('diagnostic-code')! } : {}),
    ...(recipient ? { recipient: recipient.replace(/^rfc822\s*;\s*/i, '') } : {}),
    ...(originalMessageId ? { originalMessageId } : {}),
  };
}
