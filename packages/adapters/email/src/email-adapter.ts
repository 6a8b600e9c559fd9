import type { AddressInfo } from 'node:net';
import {
  type Adapter,
  type AdapterContext,
  type Contact,
  type Conversation,
  DEFAULT_TENANT,
  ErrorCodes,
  KefuError,
  type Logger,
  type OutboundMessage,
  type SendResult,
  silentLogger,
} from '@kefu/core';
import nodemailer, { type Transporter } from 'nodemailer';
import { DEFAULT_ATTACHMENT_TYPES, dataUrlAttachment } from './attachments.js';
import { isNoReplyAddress } from './automatic.js';
import { EmailErrorCodes } from './errors.js';
import { domainOf, headerSafe, isPlainAddress, normalizeAddress, splitPlusAddress } from './headers.js';
import { ImapPoller } from './imap-poller.js';
import { InboundProcessor, type MailDelivery, type InboundOutcome, type ThreadWrites } from './inbound.js';
import type { EmailAdapterOptions, EmailMailbox } from './options.js';
import { renderMail } from './outbound-render.js';
import { SmtpReceiver } from './smtp-receiver.js';
import { ThreadStore, type ThreadState, baseSubject, threadToken } from './threads.js';

/** The email adapter: the {@link Adapter} contract plus what operators and tests need. */
export interface EmailAdapter extends Adapter {
  readonly channel: 'email';
  /** Where the SMTP receiver listens, once started (port 0 picks a free port). */
  readonly receiverAddress: AddressInfo | undefined;
  /**
   * Hands one raw mail to the pipeline as if it arrived for `to` (a mailbox address): for a
   * relay that posts mail over HTTP, or for replaying stored mail.
   */
  receiveRaw(raw: Buffer | string, delivery: { to: string; envelopeFrom?: string }): Promise<InboundOutcome[]>;
  /** Runs an IMAP check of every polled mailbox now and resolves when each finished one. */
  syncImap(): Promise<void>;
}

const DEFAULT_MAX_MESSAGE = 25 * 1024 * 1024;
const DEFAULT_MAX_ATTACHMENT = 10 * 1024 * 1024;
const REPLY_PREFIX = /^\s*(re|回复|回覆|答复)\s*[:：]/i;

/** Classifies a nodemailer error: 5xx is permanent, everything else may pass. */
function deliveryError(error: unknown): KefuError {
  const e = error as { responseCode?: number; response?: string; code?: string; message?: string };
  const code = typeof e?.responseCode === 'number' ? e.responseCode : undefined;
  const message = e?.response ?? e?.message ?? String(error);
  if (code !== undefined && code >= 500 && code < 600) {
    return new KefuError(ErrorCodes.DELIVERY_FAILED, `The mail relay refused the mail: ${message}`, { cause: error, details: { responseCode: code, smtpCode: e.code } });
  }
  return new KefuError(ErrorCodes.DELIVERY_RETRYABLE, `Sending the mail failed for now: ${message}`, { cause: error, details: { ...(code ? { responseCode: code } : {}), smtpCode: e?.code } });
}

function validate(options: EmailAdapterOptions): Map<string, EmailMailbox> {
  if (!options || !Array.isArray(options.mailboxes) || options.mailboxes.length === 0) {
    throw new KefuError(EmailErrorCodes.INVALID_OPTIONS, 'createEmailAdapter needs at least one mailbox');
  }
  const map = new Map<string, EmailMailbox>();
  for (const mailbox of options.mailboxes) {
    const address = normalizeAddress(mailbox.address ?? '');
    if (!isPlainAddress(address) || address.includes('+')) throw new KefuError(EmailErrorCodes.INVALID_OPTIONS, `Mailbox address "${mailbox.address}" is not a plain address`, { details: { address: mailbox.address } });
    if (map.has(address)) throw new KefuError(EmailErrorCodes.INVALID_OPTIONS, `Mailbox "${address}" is configured twice`);
    if (mailbox.imap && (!mailbox.imap.host || !mailbox.imap.auth?.user)) throw new KefuError(EmailErrorCodes.INVALID_OPTIONS, `IMAP of "${address}" needs host and auth.user`);
    map.set(address, { ...mailbox, address });
  }
  if (!options.transport && !options.smtp) throw new KefuError(EmailErrorCodes.INVALID_OPTIONS, 'createEmailAdapter needs `smtp` options or a `transport` to send mail');
  return map;
}

/**
 * Creates the email adapter (channel `email`): mail in through an SMTP receiver and/or IMAP
 * (IDLE), mail out through an SMTP relay (nodemailer, pooled), threaded by Message-ID,
 * References, a subject token and plus-addresses.
 *
 * @example
 * const email = createEmailAdapter({
 *   mailboxes: [{ address: 'support@shop.example', name: 'Shop Support' }],
 *   smtp: { host: 'smtp.relay.example', port: 587, auth: { user: 'kefu', pass: process.env.SMTP_PASS } },
 *   receiver: { port: 2525 },
 *   trust: { authservIds: ['mx.shop.example'] },
 * })
 * app.adapter(email)
 */
export function createEmailAdapter(options: EmailAdapterOptions): EmailAdapter {
  const mailboxes = validate(options);
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE;
  const threadWrites: ThreadWrites = new Map();
  let ctx: AdapterContext | undefined;
  let logger: Logger = silentLogger;
  let transport: Transporter | undefined;
  let ownTransport = false;
  let threads: ThreadStore | undefined;
  let inbound: InboundProcessor | undefined;
  let receiver: SmtpReceiver | undefined;
  let pollers: ImapPoller[] = [];

  const mailboxOfTenant = (tenantId: string): EmailMailbox | undefined => [...mailboxes.values()].find((m) => (m.tenantId ?? DEFAULT_TENANT) === tenantId);

  function recipientOf(contact: Contact, thread: ThreadState | undefined): { address: string; name?: string } | undefined {
    if (thread) return { address: thread.customer, ...(thread.customerName ? { name: thread.customerName } : {}) };
    const fromIdentity = contact.identities.find((i) => i.channel === 'email')?.externalId.replace(/^unverified:/, '');
    const fromIdentifier = contact.identifiers.find((i) => i.kind === 'email')?.value;
    const address = fromIdentifier ?? fromIdentity;
    return address && isPlainAddress(address) ? { address, ...(contact.name ? { name: contact.name } : {}) } : undefined;
  }

  async function handleRaw(raw: Buffer, delivery: MailDelivery): Promise<InboundOutcome[]> {
    if (!inbound) throw new KefuError(ErrorCodes.NOT_STARTED, 'The email adapter is not started');
    return inbound.process(raw, delivery);
  }

  const adapter: EmailAdapter = {
    channel: 'email',
    capabilities: { text: true, images: true, files: true, audio: true, location: true, cards: true, typing: false, deliveryReceipts: false },

    get receiverAddress() {
      return receiver?.address;
    },

    async start(context) {
      if (ctx) return;
      ctx = context;
      logger = context.logger.child({ adapter: 'email' });
      threads = new ThreadStore(context.store);
      inbound = new InboundProcessor(
        context,
        threads,
        {
          trust: options.trust ?? {},
          onClosed: options.onClosed ?? 'reopen',
          allowRemoteImages: options.allowRemoteImages ?? false,
          attachmentMaxBytes: options.attachments?.maxBytes ?? DEFAULT_MAX_ATTACHMENT,
          attachmentTypes: options.attachments?.allowedTypes ?? DEFAULT_ATTACHMENT_TYPES,
          saveAttachment: options.attachments?.save ?? dataUrlAttachment,
        },
        threadWrites,
        logger,
      );
      if (options.transport) transport = options.transport;
      else {
        transport = nodemailer.createTransport({ pool: true, ...options.smtp } as Parameters<typeof nodemailer.createTransport>[0]);
        ownTransport = true;
      }
      try {
        if (options.receiver) {
          receiver = new SmtpReceiver(options.receiver, mailboxes, maxMessageBytes, handleRaw, logger);
          await receiver.start();
        }
        pollers = [...mailboxes.values()].filter((m) => m.imap).map((m) => new ImapPoller(m, context.store, context.clock, maxMessageBytes, handleRaw, logger));
        for (const p of pollers) p.start();
      } catch (error) {
        await adapter.stop();
        throw error;
      }
    },

    async stop() {
      if (!ctx) return;
      ctx = undefined;
      const stopping = pollers.map((p) => p.stop());
      pollers = [];
      await Promise.all(stopping);
      await receiver?.stop();
      receiver = undefined;
      if (ownTransport) transport?.close();
      transport = undefined;
      ownTransport = false;
      await Promise.all(threadWrites.values());
    },

    async receiveRaw(raw, delivery) {
      const { base, tag } = splitPlusAddress(normalizeAddress(delivery.to));
      const mailbox = mailboxes.get(base);
      if (!mailbox) throw new KefuError(ErrorCodes.NOT_FOUND, `No mailbox "${delivery.to}"`, { details: { to: delivery.to } });
      return handleRaw(typeof raw === 'string' ? Buffer.from(raw) : raw, { targets: [{ mailbox, ...(tag ? { tag } : {}) }], envelopeFrom: delivery.envelopeFrom, via: 'smtp' });
    },

    async syncImap() {
      await Promise.all(pollers.map((p) => p.syncNow()));
    },

    async send(conversation: Conversation, outbound: OutboundMessage): Promise<SendResult> {
      if (!ctx || !transport || !threads) throw new KefuError(ErrorCodes.DELIVERY_RETRYABLE, 'The email adapter is not started');
      await threadWrites.get(conversation.id);
      const { message, contact } = outbound;
      const thread = await threads.get(conversation.id);
      const mailbox = (thread && mailboxes.get(thread.mailbox)) ?? mailboxOfTenant(conversation.tenantId);
      if (!mailbox) throw new KefuError(ErrorCodes.DELIVERY_FAILED, `No mailbox serves tenant "${conversation.tenantId}"`, { details: { tenantId: conversation.tenantId } });
      const to = recipientOf(contact, thread);
      if (!to || !isPlainAddress(to.address)) throw new KefuError(ErrorCodes.DELIVERY_FAILED, 'The conversation has no email address to reply to', { details: { conversationId: conversation.id } });

      const automatic = message.author.role === 'bot' || message.author.role === 'system' || message.meta?.automatic === true;
      if (automatic && (options.suppressAutomaticReplies ?? true) && (thread?.lastInboundAutomatic || isNoReplyAddress(to.address))) {
        // Answering a robot (out-of-office, bounce, list) is how mail loops start.
        throw new KefuError(ErrorCodes.DELIVERY_FAILED, 'Automatic mail is not sent in reply to automatic mail or to a no-reply address', {
          details: { reason: 'automatic-recipient', to: to.address },
        });
      }

      const domain = options.messageIdDomain ?? domainOf(mailbox.address);
      const messageId = `<${message.id}.${conversation.id}@${domain}>`;
      const token = thread?.token ?? threadToken(conversation.id);
      const metaSubject = (message.meta?.email as { subject?: unknown } | undefined)?.subject;
      const base = typeof metaSubject === 'string' && metaSubject.trim() ? baseSubject(metaSubject) : thread?.subject || conversation.subject || options.defaultSubject || `Message from ${mailbox.name ?? mailbox.address}`;
      let subject = thread && thread.references.length && !REPLY_PREFIX.test(base) ? `Re: ${base}` : base;
      if (options.subjectToken ?? true) subject = `${subject} [#${token}]`;
      subject = headerSafe(subject, 300);

      const author = message.author;
      const defaultName = author.role === 'agent' && author.name ? `${author.name} (${mailbox.name ?? mailbox.address})` : mailbox.name;
      const fromName = headerSafe(options.fromName?.(author, mailbox) ?? defaultName ?? '', 120);
      const rendered = await renderMail(outbound.parts, { messageId: message.id, mailbox: mailbox.address, subject: base, signActionUrl: options.signActionUrl });
      const references = thread?.references ?? [];
      const [local, host] = [mailbox.address.slice(0, mailbox.address.indexOf('@')), mailbox.address.slice(mailbox.address.indexOf('@') + 1)];

      // Map the Message-ID first: a reply or a bounce may arrive before sendMail returns.
      await threads.mapMessageId(conversation.tenantId, messageId, { conversationId: conversation.id, outboundMessageId: message.id });
      try {
        await transport.sendMail({
          from: { name: fromName, address: mailbox.address },
          to: { name: headerSafe(to.name ?? '', 120), address: to.address },
          ...(options.plusAddressing ? { replyTo: { name: fromName, address: `${local}+${token}@${host}` } } : {}),
          subject,
          text: rendered.text || outbound.text,
          html: rendered.html,
          messageId,
          ...(references.length ? { inReplyTo: references[references.length - 1]!, references: references.slice(-20) } : {}),
          headers: automatic ? { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' } : {},
          attachments: rendered.attachments,
          // Only http(s) and data: URLs are attached (see renderMail); never read local files.
          disableFileAccess: true,
        });
      } catch (error) {
        throw deliveryError(error);
      }
      const state: ThreadState = thread
        ? { ...thread, references: [...thread.references, messageId] }
        : {
            tenantId: conversation.tenantId,
            mailbox: mailbox.address,
            customer: to.address,
            ...(to.name ? { customerName: to.name } : {}),
            subject: base,
            token,
            references: [messageId],
            lastInboundAutomatic: false,
          };
      await threads.put(conversation.id, state).catch((error) => logger.error({ err: error, conversationId: conversation.id }, 'email: thread state not saved after send'));
      return { externalId: messageId };
    },
  };
  return adapter;
}
