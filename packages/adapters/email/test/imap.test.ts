import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type InboundEnvelope, type KefuApp, type Message, type Store, createApp } from '@kefu/core';
import { createSqliteStore } from '@kefu/store-sql';
import { ImapFlow } from 'imapflow';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type EmailAdapter, type EmailImapOptions, createEmailAdapter } from '../src/index.js';
import { type Dovecot, ensureDovecot, startDovecot } from './dovecot.js';
import { type Relay, SUPPORT, eventually, startRelay } from './helpers.js';

let dovecot: Dovecot | undefined;
let unavailable: string | undefined;

beforeAll(async () => {
  if (!ensureDovecot()) unavailable = 'dovecot-imapd is not installed and could not be installed';
  else {
    try {
      dovecot = await startDovecot();
    } catch (error) {
      unavailable = `dovecot did not start: ${(error as Error).message}`;
    }
  }
  if (unavailable) {
    if (process.env.CI) throw new Error(`IMAP tests need dovecot in CI: ${unavailable}`);
    console.warn(`\n⚠️  SKIPPING the IMAP tests of @kefu/adapter-email: ${unavailable}. Run packages/adapters/email/scripts/install-dovecot.sh.\n`);
  }
}, 300_000);

afterAll(async () => {
  await dovecot?.stop();
});

let tmp: string | undefined;
const running: Array<{ app: KefuApp }> = [];
let relay: Relay | undefined;
let client: ImapFlow | undefined;

afterEach(async () => {
  for (const r of running.splice(0)) await r.app.close();
  await client?.logout().catch(() => undefined);
  client = undefined;
  await relay?.close();
  relay = undefined;
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  tmp = undefined;
});

/** The test's own IMAP client, to APPEND mail as an MTA would deliver it and to read flags. */
async function imapClient(user: string): Promise<ImapFlow> {
  const c = new ImapFlow({ host: '127.0.0.1', port: dovecot!.port, secure: false, auth: { user, pass: dovecot!.password }, logger: false });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

let seq = 0;
function mail(text: string, extra = ''): string {
  seq++;
  return [`From: Nina <nina@customer.test>`, `To: ${SUPPORT}`, `Subject: imap ${seq}`, `Message-ID: <imap-${seq}-${Date.now()}@customer.test>`, extra, '', text, ''].filter((l, i) => l !== '' || i > 3).join('\r\n');
}

async function boot(store: Store, folderUser: string, imap: Partial<EmailImapOptions> = {}): Promise<{ app: KefuApp; adapter: EmailAdapter; received: InboundEnvelope[] }> {
  relay ??= await startRelay();
  const adapter = createEmailAdapter({
    mailboxes: [{ address: SUPPORT, imap: { host: '127.0.0.1', port: dovecot!.port, secure: false, auth: { user: folderUser, pass: dovecot!.password }, reconnect: { minMs: 100, maxMs: 500 }, ...imap } }],
    smtp: { host: '127.0.0.1', port: relay.port, secure: false, ignoreTLS: true },
  });
  const app = createApp({ store });
  const received: InboundEnvelope[] = [];
  // Count what the adapter hands to the pipeline, to tell "not repeated" from "repeated but deduped".
  const receive = app.receive.bind(app);
  app.receive = (envelope, options) => {
    received.push(envelope);
    return receive(envelope, options);
  };
  app.adapter(adapter);
  await app.start();
  running.push({ app });
  return { app, adapter, received };
}

async function inbound(store: Store): Promise<Message[]> {
  const all: Message[] = [];
  for (const c of await store.listConversations({ channel: 'email', limit: 1000 })) all.push(...(await store.listMessages(c.id, { limit: 1000 })).filter((m) => m.direction === 'inbound'));
  return all.sort((a, b) => a.createdAt - b.createdAt);
}

async function waitForInbound(store: Store, count: number): Promise<Message[]> {
  return eventually(async () => {
    const list = await inbound(store);
    return list.length >= count ? list : undefined;
  }, `${count} inbound messages`, 15_000);
}

describe('IMAP polling against dovecot', () => {
  it('reads mail, flags it seen, and across a restart neither loses nor repeats mail', async (ctx) => {
    if (!dovecot) return ctx.skip();
    tmp = mkdtempSync(join(tmpdir(), 'kefu-email-imap-'));
    const user = `restart${Date.now()}`;
    client = await imapClient(user);
    await client.append('INBOX', mail('first'));
    await client.append('INBOX', mail('second'));

    const storeA = createSqliteStore({ filename: join(tmp, 'kefu.db') });
    const a = await boot(storeA, user);
    const firstTwo = await waitForInbound(storeA, 2);
    expect(firstTwo.map((m) => m.text)).toEqual(['first', 'second']);
    expect((firstTwo[0]!.meta!.email as { via: string }).via).toBe('imap');
    // While it runs, IDLE delivers new mail without a restart.
    await client.append('INBOX', mail('third'));
    await waitForInbound(storeA, 3);
    expect(a.received.length).toBe(3);
    await a.app.close();

    // Mail that arrives while Kefu is down.
    await client.append('INBOX', mail('fourth'));
    await client.append('INBOX', mail('fifth'));
    const storeB = createSqliteStore({ filename: join(tmp, 'kefu.db') });
    const b = await boot(storeB, user);
    const all = await waitForInbound(storeB, 5);
    await b.adapter.syncImap();
    expect(all.map((m) => m.text)).toEqual(['first', 'second', 'third', 'fourth', 'fifth']);
    // The second run handed only the two new mails to the pipeline: the UID cursor held.
    expect(b.received.map((e) => e.text ?? (e.parts[0] as { text: string }).text)).toEqual(['fourth', 'fifth']);

    // Everything stored is flagged \Seen on the server.
    await client.mailboxOpen('INBOX');
    const flags = await client.fetchAll('1:*', { uid: true, flags: true }, { uid: true });
    expect(flags.length).toBe(5);
    expect(flags.map((m) => [m.uid, m.flags?.has("\\Seen")])).toEqual([[1, true], [2, true], [3, true], [4, true], [5, true]]);
  });

  it('moves stored mail to a folder when configured, and replies to IMAP mail go out by SMTP', async (ctx) => {
    if (!dovecot) return ctx.skip();
    const user = `move${Date.now()}`;
    client = await imapClient(user);
    await client.mailboxCreate('Kefu');
    await client.append('INBOX', mail('please move me'));
    const { createMemoryStore } = await import('@kefu/core');
    const store = createMemoryStore();
    const { app } = await boot(store, user, { afterStore: { moveTo: 'Kefu' } });
    const [message] = await waitForInbound(store, 1);
    await eventually(async () => ((await client!.status('INBOX', { messages: true })).messages === 0 ? true : undefined), 'INBOX to be empty');
    expect((await client.status('Kefu', { messages: true })).messages).toBe(1);
    await app.send(message!.conversationId, 'Moved and answered.', { author: { role: 'agent', id: 'a1' } });
    const [out] = await relay!.waitFor(1);
    expect(out!.to).toEqual(['nina@customer.test']);
    expect(out!.parsed.inReplyTo).toBe((message!.meta!.email as { messageId: string }).messageId);
  });

  it('reconnects after the IMAP server restarts, and re-reads a folder whose UIDVALIDITY changed without storing twice', async (ctx) => {
    if (!dovecot) return ctx.skip();
    const user = `reconnect${Date.now()}`;
    client = await imapClient(user);
    await client.append('INBOX', mail('before restart'));
    const { createMemoryStore } = await import('@kefu/core');
    const store = createMemoryStore();
    const { received } = await boot(store, user);
    await waitForInbound(store, 1);
    await client.logout().catch(() => undefined);
    await dovecot.restart();
    client = await imapClient(user);
    await client.append('INBOX', mail('after restart'));
    const all = await waitForInbound(store, 2);
    expect(all.map((m) => m.text)).toEqual(['before restart', 'after restart']);

    // A server that renumbered the folder: the cursor's UIDVALIDITY no longer matches.
    const key = `${SUPPORT}\u0000127.0.0.1\u0000${user}\u0000INBOX`;
    await store.kvSet('kefu.email.imap', key, { uidValidity: '1', lastUid: 99 });
    await client.append('INBOX', mail('after renumbering'));
    const three = await waitForInbound(store, 3);
    expect(three.map((m) => m.text)).toEqual(['before restart', 'after restart', 'after renumbering']);
    // The replay handed the old mails again, and the pipeline's dedupe stored them once.
    expect(received.length).toBeGreaterThan(3);
    expect((await inbound(store)).length).toBe(3);
  });
});
