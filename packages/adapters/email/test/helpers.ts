import type { AddressInfo } from 'node:net';
import { type KefuApp, type Message, type Middleware, type Store, createApp, createMemoryStore } from '@kefu/core';
import { type ParsedMail, simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { type EmailAdapter, type EmailAdapterOptions, createEmailAdapter } from '../src/index.js';

/** One mail the fake relay accepted. */
export interface RelayedMail {
  from: string;
  to: string[];
  raw: Buffer;
  parsed: ParsedMail;
}

/** A local smtp-server standing in for the sending relay: records what Kefu sends. */
export interface Relay {
  port: number;
  mails: RelayedMail[];
  /** Answer RCPT TO for this address with the code (e.g. 550 permanent, 451 transient). */
  rejectRecipient: Map<string, number>;
  waitFor(count: number, timeoutMs?: number): Promise<RelayedMail[]>;
  close(): Promise<void>;
}

export async function startRelay(): Promise<Relay> {
  const mails: RelayedMail[] = [];
  const rejectRecipient = new Map<string, number>();
  const waiters: Array<() => void> = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    disableReverseLookup: true,
    closeTimeout: 500,
    onRcptTo(address, _session, callback) {
      const code = rejectRecipient.get(address.address.toLowerCase());
      if (code) return callback(Object.assign(new Error(code >= 500 ? '5.1.1 User unknown' : '4.2.0 Try later'), { responseCode: code }));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        const raw = Buffer.concat(chunks);
        mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw, parsed: await simpleParser(raw) });
        for (const w of waiters.splice(0)) w();
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    mails,
    rejectRecipient,
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (mails.length < count) {
        if (Date.now() > deadline) throw new Error(`The relay got ${mails.length} of ${count} mails`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 100);
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
      return mails.slice();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Sends one mail to the adapter's SMTP receiver with nodemailer, as a customer's MTA would. */
export async function deliver(port: number, mail: nodemailer.SendMailOptions): Promise<{ response: string }> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, tls: { rejectUnauthorized: false } });
  try {
    return (await transport.sendMail(mail)) as { response: string };
  } finally {
    transport.close();
  }
}

/** A running app with the email adapter, its relay, and a shortcut to the stored messages. */
export interface EmailWorld {
  app: KefuApp;
  store: Store;
  adapter: EmailAdapter;
  relay: Relay;
  port: number;
  inbound(): Promise<Message[]>;
  messages(conversationId: string): Promise<Message[]>;
  close(): Promise<void>;
}

export const SUPPORT = 'support@shop.test';

export async function startWorld(
  extra: Partial<EmailAdapterOptions> = {},
  setup: { middleware?: Middleware[]; store?: Store } = {},
): Promise<EmailWorld> {
  const relay = await startRelay();
  const store = setup.store ?? createMemoryStore();
  const adapter = createEmailAdapter({
    mailboxes: [{ address: SUPPORT, name: 'Shop Support 商城客服' }],
    smtp: { host: '127.0.0.1', port: relay.port, secure: false, ignoreTLS: true },
    receiver: { host: '127.0.0.1', port: 0 },
    ...extra,
  });
  // Fast retries: a transient failure's retry is due soon, and tests read the scheduled state.
  const app = createApp({ store, sendBackoff: () => 60_000 });
  app.adapter(adapter);
  for (const mw of setup.middleware ?? []) app.route(mw);
  await app.start();
  const messages = (conversationId: string) => store.listMessages(conversationId, { limit: 1000 });
  return {
    app,
    store,
    adapter,
    relay,
    port: adapter.receiverAddress!.port,
    messages,
    async inbound() {
      const all: Message[] = [];
      for (const c of await store.listConversations({ channel: 'email', limit: 1000 })) all.push(...(await messages(c.id)).filter((m) => m.direction === 'inbound'));
      return all.sort((a, b) => a.createdAt - b.createdAt || a.seq - b.seq);
    },
    async close() {
      await app.close();
      await relay.close();
    },
  };
}

/** Polls until `probe` answers something other than undefined. */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Header value of a relayed mail (first occurrence, raw). */
export function header(mail: RelayedMail, name: string): string | undefined {
  const line = mail.parsed.headerLines.find((l) => l.key === name.toLowerCase());
  return line ? line.line.slice(line.line.indexOf(':') + 1).trim() : undefined;
}
