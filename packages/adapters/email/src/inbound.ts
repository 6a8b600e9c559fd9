import { createHash } from 'node:crypto';
import { type AdapterContext, DEFAULT_TENANT, ErrorCodes, type InboundEnvelope, KefuError, type Logger, type Part } from '@kefu/core';
import { type ParsedMail, simpleParser } from 'mailparser';
import { type SaveAttachment, checkAttachment } from './attachments.js';
import { type AutomaticKind, type DeliveryReport, type HeaderLines, detectAutomatic, headerValues, parseDeliveryReport } from './automatic.js';
import { EmailErrorCodes } from './errors.js';
import { messageIdList, normalizeAddress } from './headers.js';
import { sanitizeEmailHtml } from './html.js';
import type { EmailMailbox } from './options.js';
import { visibleReplyText } from './quotes.js';
import { type ThreadState, type ThreadStore, baseSubject, threadToken } from './threads.js';
import { type EmailTrustOptions, type TrustResult, checkSender } from './trust.js';

/** How a mail reached the adapter. */
export interface MailDelivery {
  /** The mailbox(es) it was addressed to, with the plus tag used, if any. */
  targets: Array<{ mailbox: EmailMailbox; tag?: string }>;
  /** SMTP `MAIL FROM` or the `Return-Path` header; `''` is the null sender. */
  envelopeFrom: string | undefined;
  /** The SMTP AUTH user, when the session authenticated. */
  smtpUser?: string;
  via: 'smtp' | 'imap';
}

/** What happened to one mail for one mailbox. */
export type InboundOutcome =
  | { status: 'stored'; conversationId: string; messageId: string; duplicate: boolean; automatic?: AutomaticKind }
  | { status: 'rejected'; reason: string };

/** The email part of `Message.meta` (`meta.email`) of an inbound mail. */
export interface EmailMessageMeta {
  messageId: string;
  subject: string;
  from: string;
  fromName?: string;
  to: string[];
  cc: string[];
  date?: number;
  inReplyTo?: string;
  references: string[];
  mailbox: string;
  /** The whole text, quotes and signature included (the agent view shows only `text`). */
  fullText: string;
  /** The HTML body, sanitised for display. */
  html?: string;
  /** How the sender was checked. */
  auth: TrustResult;
  /** How this mail was threaded: `in-reply-to`, `references`, `subject-token`, `plus-address` or `new`. */
  threadedBy: string;
  rejectedAttachments?: Array<{ filename: string; reason: string }>;
  /** For a bounce: what the delivery status notification said. */
  deliveryReport?: DeliveryReport;
  via: 'smtp' | 'imap';
}

/** Settings of the inbound side, resolved from the adapter options. */
export interface InboundSettings {
  trust: EmailTrustOptions;
  onClosed: 'reopen' | 'new';
  allowRemoteImages: boolean;
  attachmentMaxBytes: number;
  attachmentTypes: readonly string[];
  saveAttachment: SaveAttachment;
}

function toHeaderLines(lines: ParsedMail['headerLines']): HeaderLines {
  return lines.map((l) => ({ key: l.key.toLowerCase(), value: l.line.slice(l.line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim() }));
}

function addresses(value: ParsedMail['to']): string[] {
  const list = Array.isArray(value) ? value : value ? [value] : [];
  return list.flatMap((a) => a.value.map((v) => v.address).filter((x): x is string => !!x).map(normalizeAddress));
}

/** Binary-safe copy of the MIME source for `Message.raw`: UTF-8 text when it is, base64 otherwise. */
function rawSource(raw: Buffer): { encoding: 'utf8' | 'base64'; rfc822: string } {
  const text = raw.toString('utf8');
  return Buffer.from(text, 'utf8').equals(raw) ? { encoding: 'utf8', rfc822: text } : { encoding: 'base64', rfc822: raw.toString('base64') };
}

/** The pending thread-state write of a conversation, awaited by `send()` so a bot's instant reply threads. */
export type ThreadWrites = Map<string, Promise<void>>;

/**
 * Turns raw mail into envelopes: parse (mailparser, charsets via iconv-lite), detect automatic
 * mail, thread, strip quotes, sanitise, check attachments and the sender, then `ctx.receive`.
 */
export class InboundProcessor {
  constructor(
    private readonly ctx: AdapterContext,
    private readonly threads: ThreadStore,
    private readonly settings: InboundSettings,
    private readonly threadWrites: ThreadWrites,
    private readonly logger: Logger,
  ) {}

  /**
   * Processes one raw mail for each target mailbox. Throws only for transient failures (the
   * store is down): the SMTP receiver answers 4xx and IMAP retries the same UID later.
   */
  async process(raw: Buffer, delivery: MailDelivery): Promise<InboundOutcome[]> {
    let parsed: ParsedMail;
    try {
      parsed = await simpleParser(raw, { skipImageLinks: true, keepCidLinks: true, maxHtmlLengthToParse: 2_000_000 });
    } catch (error) {
      this.logger.warn({ err: error }, 'email: unparseable mail refused');
      return delivery.targets.map(() => ({ status: 'rejected', reason: 'malformed message' }));
    }
    const out: InboundOutcome[] = [];
    for (const target of delivery.targets) out.push(await this.#forMailbox(raw, parsed, target, delivery));
    return out;
  }

  async #forMailbox(raw: Buffer, parsed: ParsedMail, target: MailDelivery['targets'][number], delivery: MailDelivery): Promise<InboundOutcome> {
    const { mailbox } = target;
    const tenantId = mailbox.tenantId ?? DEFAULT_TENANT;
    const headers = toHeaderLines(parsed.headerLines ?? []);
    const fromEntry = parsed.from?.value.find((v) => v.address);
    const envelopeFrom = delivery.envelopeFrom ?? (headerValues(headers, 'return-path')[0]?.replace(/[<>\s]/g, '') || undefined);
    // A mail without a From (the null sender of a DSN often has one; broken mail may not) gets the envelope sender.
    const from = normalizeAddress(fromEntry?.address ?? (envelopeFrom || `mailer-daemon@${mailbox.address.split('@')[1]}`));
    const fromName = fromEntry?.name?.trim() || undefined;
    const subject = (parsed.subject ?? '').trim();
    const messageId = messageIdList(parsed.messageId)[0] ?? `<${createHash('sha256').update(raw).digest('hex').slice(0, 32)}@kefu.invalid>`;
    const inReplyTo = messageIdList(parsed.inReplyTo)[0];
    const references = messageIdList(parsed.references);
    const contentType = headerValues(headers, 'content-type')[0] ?? 'text/plain';
    const automatic = detectAutomatic({ headers, contentType, envelopeFrom, from, subject });
    const report = automatic === 'bounce' ? parseDeliveryReport(parsed.attachments.map((a) => ({ contentType: a.contentType, content: a.content })), parsed.text ?? '') : undefined;

    // Threading: In-Reply-To, References newest first, the subject token, the plus tag.
    const candidates = [...(report?.originalMessageId ? [report.originalMessageId] : []), ...(inReplyTo ? [inReplyTo] : []), ...[...references].reverse()];
    let conversationId: string | undefined;
    let threadedBy = 'new';
    let bouncedOutbound: string | undefined;
    for (const [i, id] of candidates.entries()) {
      const entry = await this.threads.byMessageId(tenantId, id);
      if (!entry) continue;
      conversationId = entry.conversationId;
      if (report && id === report.originalMessageId) bouncedOutbound = entry.outboundMessageId;
      threadedBy = id === inReplyTo && i <= 1 ? 'in-reply-to' : 'references';
      break;
    }
    if (!conversationId) {
      const token = /\[#([a-z0-9]{6,12})\]/i.exec(subject)?.[1];
      const byToken = token ? await this.threads.byToken(tenantId, token) : undefined;
      if (byToken) [conversationId, threadedBy] = [byToken, 'subject-token'];
      else if (target.tag) {
        const byTag = await this.threads.byToken(tenantId, target.tag);
        if (byTag) [conversationId, threadedBy] = [byTag, 'plus-address'];
      }
    }
    let known: Awaited<ReturnType<AdapterContext['store']['getConversation']>>;
    if (conversationId) {
      known = await this.ctx.store.getConversation(await this.threads.latest(conversationId), tenantId);
      if (!known || known.channel !== 'email') [known, threadedBy] = [undefined, 'new'];
    }

    const fullText = (parsed.text ?? '').replace(/\r\n?/g, '\n').trim();
    const visible = automatic ? fullText : visibleReplyText(fullText);
    const parts: Part[] = [];
    if (visible) parts.push({ type: 'text', text: visible });
    const rejectedAttachments: Array<{ filename: string; reason: string }> = [];
    const externalId = `${mailbox.address}/${messageId}`;
    for (const [i, a] of parsed.attachments.entries()) {
      // Inline images of the HTML (logos, signatures) and the parts of a DSN are not files the customer sent.
      if (a.related || a.contentType.startsWith('message/') || a.contentType === 'text/rfc822-headers') continue;
      const filename = (a.filename ?? `attachment-${i + 1}`).replace(/[\\/\u0000-\u001f]/g, '_');
      const reason = checkAttachment({ filename, contentType: a.contentType, content: a.content }, { maxBytes: this.settings.attachmentMaxBytes, allowedTypes: this.settings.attachmentTypes });
      if (reason) {
        rejectedAttachments.push({ filename, reason });
        continue;
      }
      const url = await this.settings.saveAttachment({ filename, contentType: a.contentType, size: a.content.length, content: a.content, messageExternalId: externalId });
      parts.push(a.contentType.startsWith('image/') ? { type: 'image', url, alt: filename, mimeType: a.contentType, size: a.content.length } : { type: 'file', url, name: filename, mimeType: a.contentType, size: a.content.length });
    }
    if (parts.length === 0) parts.push({ type: 'text', text: subject || '(empty message)' });

    const auth = await checkSender({ from, headers, envelopeFrom, ...(delivery.smtpUser ? { smtpUser: delivery.smtpUser } : {}) }, this.settings.trust);
    const html = typeof parsed.html === 'string' && parsed.html ? sanitizeEmailHtml(parsed.html, { allowRemoteImages: this.settings.allowRemoteImages }) : undefined;
    const emailMeta: EmailMessageMeta = {
      messageId,
      subject,
      from,
      ...(fromName ? { fromName } : {}),
      to: addresses(parsed.to),
      cc: addresses(parsed.cc),
      ...(parsed.date && !Number.isNaN(parsed.date.getTime()) ? { date: parsed.date.getTime() } : {}),
      ...(inReplyTo ? { inReplyTo } : {}),
      references,
      mailbox: mailbox.address,
      fullText,
      ...(html ? { html } : {}),
      auth,
      threadedBy,
      ...(rejectedAttachments.length ? { rejectedAttachments } : {}),
      ...(report ? { deliveryReport: report } : {}),
      via: delivery.via,
    };
    const address = known?.address ?? `${from}|${mailbox.address}|${messageId}`;
    const envelope: InboundEnvelope = {
      channel: 'email',
      tenantId,
      address,
      externalId,
      sender: {
        // Unverified senders are keyed apart: a forged From must not reach the real person's contact.
        externalId: auth.verified ? from : `unverified:${from}`,
        ...(fromName ? { name: fromName } : {}),
        ...(auth.verified ? { identifiers: [{ kind: 'email', value: from }] } : {}),
      },
      parts,
      ...(known ? { conversationId: known.id, onClosed: this.settings.onClosed } : {}),
      meta: { email: emailMeta, ...(automatic ? { automatic: true, automaticKind: automatic } : {}) },
      raw: { ...rawSource(raw), envelopeFrom: envelopeFrom ?? null, via: delivery.via },
    };

    let result;
    try {
      result = await this.ctx.receive(envelope, {
        onDurable: (r) => {
          if (r.duplicate) return;
          // Registered before the middleware runs, so a bot reply in the same pipeline awaits it.
          const write = this.#recordThread(r.conversation.id, known?.id, { tenantId, mailbox, from, fromName, subject, messageId, references, automatic }).catch((error) =>
            this.logger.error({ err: error, conversationId: r.conversation.id }, 'email: thread state not saved'),
          );
          this.threadWrites.set(r.conversation.id, write);
          void write.then(() => {
            if (this.threadWrites.get(r.conversation.id) === write) this.threadWrites.delete(r.conversation.id);
          });
        },
      });
    } catch (error) {
      if (error instanceof KefuError && error.code === ErrorCodes.INVALID_INPUT) return { status: 'rejected', reason: error.message };
      throw error;
    }
    await this.threadWrites.get(result.conversation.id);
    if (!result.duplicate && !result.conversation.subject && subject) {
      await this.ctx.store.updateConversation(result.conversation.id, { subject: baseSubject(subject) });
    }
    if (!result.duplicate && bouncedOutbound && report?.action === 'failed') {
      await this.ctx
        .reportDelivery(bouncedOutbound, 'failed', { code: EmailErrorCodes.BOUNCED, message: [report.status, report.diagnostic ?? 'The mail bounced'].filter(Boolean).join(' ') })
        .catch((error) => this.logger.warn({ err: error, messageId: bouncedOutbound }, 'email: bounce could not be recorded'));
    }
    return { status: 'stored', conversationId: result.conversation.id, messageId: result.message.id, duplicate: result.duplicate, ...(automatic ? { automatic } : {}) };
  }

  async #recordThread(
    conversationId: string,
    previousId: string | undefined,
    mail: { tenantId: string; mailbox: EmailMailbox; from: string; fromName: string | undefined; subject: string; messageId: string; references: string[]; automatic: AutomaticKind | undefined },
  ): Promise<void> {
    const existing = await this.threads.get(conversationId);
    const previous = !existing && previousId && previousId !== conversationId ? await this.threads.get(previousId) : undefined;
    const base = existing ?? previous;
    const state: ThreadState = {
      tenantId: mail.tenantId,
      mailbox: base?.mailbox ?? mail.mailbox.address,
      // Automatic mail (a bounce from mailer-daemon) must not change where replies go.
      customer: base && mail.automatic ? base.customer : mail.automatic ? base?.customer ?? mail.from : mail.from,
      ...((mail.automatic ? base?.customerName : mail.fromName ?? base?.customerName) ? { customerName: (mail.automatic ? base?.customerName : mail.fromName ?? base?.customerName)! } : {}),
      subject: base?.subject || baseSubject(mail.subject),
      token: existing?.token ?? threadToken(conversationId),
      references: [...new Set([...(base?.references ?? mail.references), mail.messageId])],
      lastInboundAutomatic: mail.automatic !== undefined,
    };
    await this.threads.put(conversationId, state);
    await this.threads.mapMessageId(mail.tenantId, mail.messageId, { conversationId });
    if (previous && previousId) await this.threads.put(previousId, { ...previous, supersededBy: conversationId });
  }
}
