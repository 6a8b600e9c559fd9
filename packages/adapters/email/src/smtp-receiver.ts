import type { AddressInfo } from 'node:net';
import type { Logger } from '@kefu/core';
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import { normalizeAddress, splitPlusAddress } from './headers.js';
import type { InboundOutcome, MailDelivery } from './inbound.js';
import type { EmailMailbox, EmailReceiverOptions } from './options.js';

/** An SMTP reply with a code (smtp-server sends `responseCode` and the message). */
function smtpError(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}

/** Collects the DATA stream; answers undefined when the size limit was passed. */
function readAll(stream: NodeJS.ReadableStream & { sizeExceeded?: boolean }): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => {
      // Past the limit smtp-server keeps reading to the end; stop buffering what we will refuse.
      if (!stream.sizeExceeded) chunks.push(c);
    });
    stream.on('error', reject);
    stream.on('end', () => resolve(stream.sizeExceeded ? undefined : Buffer.concat(chunks)));
  });
}

/**
 * The SMTP receiver: accepts mail for configured mailboxes only (others get 550), enforces the
 * size limit (552), answers 451 when storing failed so the sender retries, and 554 for mail
 * that cannot be parsed. Optional STARTTLS and AUTH.
 */
export class SmtpReceiver {
  #server: SMTPServer | undefined;
  #address: AddressInfo | undefined;

  constructor(
    private readonly options: EmailReceiverOptions,
    private readonly mailboxes: ReadonlyMap<string, EmailMailbox>,
    private readonly maxMessageBytes: number,
    private readonly handle: (raw: Buffer, delivery: MailDelivery) => Promise<InboundOutcome[]>,
    private readonly logger: Logger,
  ) {}

  get address(): AddressInfo | undefined {
    return this.#address;
  }

  #target(address: string): MailDelivery['targets'][number] | undefined {
    const { base, tag } = splitPlusAddress(normalizeAddress(address));
    const mailbox = this.mailboxes.get(base);
    return mailbox ? { mailbox, ...(tag ? { tag } : {}) } : undefined;
  }

  async start(): Promise<void> {
    const { auth, tls } = this.options;
    const disabled = [...(tls ? [] : ['STARTTLS']), ...(auth ? [] : ['AUTH'])];
    const serverOptions: SMTPServerOptions = {
      ...(this.options.name ? { name: this.options.name } : {}),
      banner: 'Kefu',
      size: this.maxMessageBytes,
      logger: false,
      disableReverseLookup: true,
      maxClients: this.options.maxClients ?? 100,
      // Idle clients (pooled senders) must not hold up stop() for long.
      closeTimeout: 3000,
      disabledCommands: disabled,
      authOptional: !auth?.required,
      allowInsecureAuth: auth?.allowInsecure ?? false,
      ...(tls ? { key: tls.key, cert: tls.cert, ...(tls.ca ? { ca: tls.ca } : {}) } : {}),
      onAuth: (credentials, _session, callback) => {
        const user = credentials.username ?? '';
        const password = credentials.password ?? '';
        const known = auth?.users?.[user];
        Promise.resolve(known !== undefined ? known === password : auth?.check ? auth.check(user, password) : false).then(
          (ok) => (ok ? callback(null, { user }) : callback(smtpError(535, '5.7.8 Authentication failed'))),
          (error) => {
            this.logger.error({ err: error }, 'email: AUTH check failed');
            callback(smtpError(454, '4.7.0 Temporary authentication failure'));
          },
        );
      },
      onRcptTo: (address, _session, callback) => {
        if (!this.#target(address.address)) return callback(smtpError(550, '5.1.1 No such mailbox here'));
        callback();
      },
      onData: (stream, session: SMTPServerSession, callback) => {
        readAll(stream).then(
          async (raw) => {
            if (!raw) return callback(smtpError(552, `5.3.4 Message too big (limit ${this.maxMessageBytes} bytes)`));
            const targets = new Map<string, MailDelivery['targets'][number]>();
            for (const rcpt of session.envelope.rcptTo) {
              const t = this.#target(rcpt.address);
              if (t && !targets.has(t.mailbox.address)) targets.set(t.mailbox.address, t);
            }
            const mailFrom = session.envelope.mailFrom;
            try {
              const outcomes = await this.handle(raw, {
                targets: [...targets.values()],
                envelopeFrom: mailFrom ? mailFrom.address : '',
                ...(session.user ? { smtpUser: String(session.user) } : {}),
                via: 'smtp',
              });
              const rejected = outcomes.find((o) => o.status === 'rejected');
              if (rejected && outcomes.every((o) => o.status === 'rejected')) return callback(smtpError(554, `5.6.0 ${rejected.reason}`));
              callback(null, 'Queued by Kefu');
            } catch (error) {
              this.logger.error({ err: error }, 'email: storing an inbound mail failed; asking the sender to retry');
              callback(smtpError(451, '4.3.0 Temporary failure, try again later'));
            }
          },
          (error) => {
            this.logger.warn({ err: error }, 'email: DATA stream failed');
            callback(smtpError(451, '4.3.0 Temporary failure, try again later'));
          },
        );
      },
    };
    const server = new SMTPServer(serverOptions);
    server.on('error', (error) => this.logger.warn({ err: error }, 'email: SMTP receiver connection error'));
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(this.options.port ?? 25, this.options.host ?? '0.0.0.0', () => {
        server.server.off('error', reject);
        resolve();
      });
    });
    this.#address = server.server.address() as AddressInfo;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
