/**
 * @kefu/adapter-email — the email channel of Kefu: SMTP out (nodemailer), SMTP and IMAP in,
 * threading by Message-ID, References, subject token and plus-address, quote stripping,
 * automatic-mail detection and sender verification.
 *
 * @packageDocumentation
 */
export { type EmailAdapter, createEmailAdapter } from './email-adapter.js';
export type { EmailAdapterOptions, EmailAttachmentOptions, EmailImapOptions, EmailMailbox, EmailReceiverOptions } from './options.js';
export { DEFAULT_ATTACHMENT_TYPES, type InboundAttachment, type SaveAttachment, dataUrlAttachment } from './attachments.js';
export { type AutomaticKind, type DeliveryReport, detectAutomatic, isNoReplyAddress, parseDeliveryReport } from './automatic.js';
export { EmailErrorCodes } from './errors.js';
export { type SanitizeOptions, sanitizeEmailHtml } from './html.js';
export type { EmailMessageMeta, InboundOutcome } from './inbound.js';
export { type RenderContext, type RenderedMail, type SignActionUrl, renderMail } from './outbound-render.js';
export { visibleReplyText } from './quotes.js';
export type { ImapCursor } from './imap-poller.js';
export { type AuthMethod, type EmailTrustOptions, type TrustInput, type TrustResult, checkSender } from './trust.js';
