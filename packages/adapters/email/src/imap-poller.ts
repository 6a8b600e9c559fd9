import type { Clock, Logger, Store, TimerHandle } from '@kefu/core';
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import type { InboundOutcome, MailDelivery } from './inbound.js';
import type { EmailImapOptions, EmailMailbox } from './options.js';

/** Where an IMAP folder was read up to; kept in the store so a restart neither loses nor repeats mail. */
export interface ImapCursor {
  uidValidity: string;
  lastUid: number;
}

const NS_CURSOR = 'kefu.email.imap';
const BATCH = 20;

/**
 * Reads one mailbox over IMAP: on connect and on every `EXISTS` (IDLE) it fetches the UIDs after
 * the stored cursor, hands each mail to the pipeline, advances the cursor, then flags the mail
 * `\Seen` or moves it. A changed UIDVALIDITY restarts from the beginning (the pipeline's dedupe
 * by Message-ID keeps that from storing anything twice). Disconnects reconnect with backoff.
 */
export class ImapPoller {
  #stopped = false;
  #client: ImapFlow | undefined;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  /** Set when something asked for a sync while none could be woken (a sync was running). */
  #kicked = false;
  #sleepTimer: TimerHandle | undefined;
  #synced: Array<() => void> = [];
  readonly #imap: EmailImapOptions;
  readonly #key: string;

  constructor(
    private readonly mailbox: EmailMailbox,
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly maxMessageBytes: number,
    private readonly handle: (raw: Buffer, delivery: MailDelivery) => Promise<InboundOutcome[]>,
    private readonly logger: Logger,
  ) {
    this.#imap = mailbox.imap!;
    this.#key = `${mailbox.address}\u0000${this.#imap.host}\u0000${this.#imap.auth.user}\u0000${this.#imap.folder ?? 'INBOX'}`;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Resolves after the next complete sync (tests, manual "check now"). */
  syncNow(): Promise<void> {
    return new Promise((resolve) => {
      this.#synced.push(resolve);
      this.#kick();
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#kick();
    if (this.#sleepTimer !== undefined) this.clock.clearTimeout(this.#sleepTimer);
    // Let the mail in hand finish (stored, cursor saved, flagged) before logging out; a session
    // stuck connecting to a dead server is cut after a grace period.
    const grace = new Promise<void>((resolve) => this.clock.setTimeout(resolve, 5000));
    await Promise.race([this.#loop, grace]);
    const client = this.#client;
    if (client) await client.logout().catch(() => client.close());
    await this.#loop;
    for (const r of this.#synced.splice(0)) r();
  }

  #kick(): void {
    if (this.#wake) this.#wake();
    else this.#kicked = true;
  }

  #sleep(ms: number): Promise<void> {
    if (this.#kicked) {
      this.#kicked = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        if (this.#sleepTimer !== undefined) this.clock.clearTimeout(this.#sleepTimer);
        this.#sleepTimer = undefined;
        this.#wake = undefined;
        resolve();
      };
      this.#wake = done;
      this.#sleepTimer = this.clock.setTimeout(done, ms);
    });
  }

  #createClient(): ImapFlow {
    const imap = this.#imap;
    const secure = imap.secure ?? true;
    const options: ImapFlowOptions = {
      host: imap.host,
      port: imap.port ?? (secure ? 993 : 143),
      secure,
      auth: { user: imap.auth.user, ...(imap.auth.pass !== undefined ? { pass: imap.auth.pass } : {}), ...(imap.auth.accessToken ? { accessToken: imap.auth.accessToken } : {}) },
      logger: false,
      ...(imap.tls ? { tls: imap.tls } : {}),
    };
    return imap.createClient ? imap.createClient(options) : new ImapFlow(options);
  }

  async #run(): Promise<void> {
    const minMs = this.#imap.reconnect?.minMs ?? 1000;
    const maxMs = this.#imap.reconnect?.maxMs ?? 60_000;
    let failures = 0;
    while (!this.#stopped) {
      const client = this.#createClient();
      this.#client = client;
      // imapflow emits 'error' on socket problems; without a listener it would crash the process.
      client.on('error', (error: Error) => this.logger.warn({ err: error, mailbox: this.mailbox.address }, 'email: IMAP connection error'));
      let closed = false;
      client.on('close', () => {
        closed = true;
        this.#wake?.();
      });
      client.on('exists', () => this.#kick());
      try {
        await client.connect();
        const lock = await client.getMailboxLock(this.#imap.folder ?? 'INBOX');
        try {
          failures = 0;
          while (!this.#stopped && !closed) {
            await this.#sync(client);
            for (const r of this.#synced.splice(0)) r();
            if (this.#stopped || closed) break;
            // IDLE while we wait (the next command ends it); EXISTS, close and stop() wake us early.
            if (client.capabilities.has('IDLE')) void client.idle().catch(() => undefined);
            await this.#sleep(this.#imap.pollIntervalMs ?? 60_000);
          }
        } finally {
          lock.release();
        }
      } catch (error) {
        if (!this.#stopped) this.logger.warn({ err: error, mailbox: this.mailbox.address }, 'email: IMAP session failed; reconnecting');
      } finally {
        if (this.#client === client) this.#client = undefined;
        if (!closed) await client.logout().catch(() => client.close());
      }
      if (this.#stopped) break;
      failures++;
      // A mail that arrived on the dead session is read after reconnecting anyway: keep the backoff.
      this.#kicked = false;
      await this.#sleep(Math.min(maxMs, minMs * 2 ** (failures - 1)));
    }
  }

  async #sync(client: ImapFlow): Promise<void> {
    const box = client.mailbox;
    if (!box) return;
    const uidValidity = String(box.uidValidity);
    let cursor = await this.store.kvGet<ImapCursor>(NS_CURSOR, this.#key);
    if (!cursor || cursor.uidValidity !== uidValidity) {
      if (cursor) this.logger.warn({ mailbox: this.mailbox.address, before: cursor.uidValidity, now: uidValidity }, 'email: UIDVALIDITY changed; reading the folder again (dedupe skips known mail)');
      cursor = { uidValidity, lastUid: 0 };
    }
    const limit = this.#imap.maxMessageBytes ?? this.maxMessageBytes;
    for (;;) {
      // `n:*` always includes the newest message, even below n: filter by UID.
      const listed = await client.fetchAll(`${cursor.lastUid + 1}:*`, { uid: true, size: true }, { uid: true });
      const pending = listed.filter((m) => m.uid > cursor!.lastUid).sort((a, b) => a.uid - b.uid).slice(0, BATCH);
      if (pending.length === 0) return;
      for (const item of pending) {
        if (this.#stopped) return;
        if ((item.size ?? 0) > limit) {
          this.logger.warn({ mailbox: this.mailbox.address, uid: item.uid, size: item.size }, 'email: IMAP mail over the size limit skipped');
        } else {
          const message = await client.fetchOne(String(item.uid), { uid: true, source: true }, { uid: true });
          if (message && message.source) {
            // Throws on transient failures: the cursor stays, and the next session retries this UID.
            const outcomes = await this.handle(message.source, { targets: [{ mailbox: this.mailbox }], envelopeFrom: undefined, via: 'imap' });
            for (const o of outcomes) if (o.status === 'rejected') this.logger.warn({ mailbox: this.mailbox.address, uid: item.uid, reason: o.reason }, 'email: IMAP mail refused');
          }
        }
        cursor = { uidValidity, lastUid: item.uid };
        await this.store.kvSet(NS_CURSOR, this.#key, cursor);
        await this.#afterStore(client, item.uid);
      }
    }
  }

  async #afterStore(client: ImapFlow, uid: number): Promise<void> {
    const after = this.#imap.afterStore ?? 'seen';
    try {
      if (after === 'seen') await client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
      else await client.messageMove(String(uid), after.moveTo, { uid: true });
    } catch (error) {
      // The cursor already moved on, so a failed flag never makes a mail come in twice.
      this.logger.warn({ err: error, uid }, 'email: IMAP flag/move failed');
    }
  }
}
