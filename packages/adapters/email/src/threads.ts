import { createHash } from 'node:crypto';
import type { Store } from '@kefu/core';

/** What the adapter remembers about one mail thread (one conversation), in the store's kv. */
export interface ThreadState {
  tenantId: string;
  /** The mailbox (our address) the thread runs through. */
  mailbox: string;
  /** The customer's address replies go to. */
  customer: string;
  customerName?: string;
  /** The subject without `Re:` prefixes and without the token. */
  subject: string;
  /** The short token in subjects (`[#token]`) and plus-addresses (`support+token@`). */
  token: string;
  /** Message-IDs of the thread, oldest first (the last 30), for `References`. */
  references: string[];
  /** True when the newest inbound mail was automatic (out-of-office, bounce, list). */
  lastInboundAutomatic: boolean;
  /** Set when a reply to this closed thread opened a new conversation: follow it. */
  supersededBy?: string;
}

/** What a Message-ID maps to. */
export interface MessageIdEntry {
  conversationId: string;
  /** The Kefu message id of an outbound mail (to mark it failed on a bounce). */
  outboundMessageId?: string;
}

const NS_THREAD = 'kefu.email.thread';
const NS_MSGID = 'kefu.email.msgid';
const NS_TOKEN = 'kefu.email.token';
const MAX_REFERENCES = 30;

/** The short, stable token of a conversation: 8 base-32 characters of a hash of its id. */
export function threadToken(conversationId: string): string {
  const digest = createHash('sha256').update(`kefu-email-thread:${conversationId}`).digest();
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  let out = '';
  for (let i = 0; i < 8; i++) out += alphabet[digest[i]! % alphabet.length];
  return out;
}

/** Thread bookkeeping on top of `Store.kvGet/kvSet`; every key carries the tenant. */
export class ThreadStore {
  constructor(private readonly store: Store) {}

  get(conversationId: string): Promise<ThreadState | undefined> {
    return this.store.kvGet<ThreadState>(NS_THREAD, conversationId);
  }

  async put(conversationId: string, state: ThreadState): Promise<void> {
    const trimmed = { ...state, references: state.references.slice(-MAX_REFERENCES) };
    await this.store.kvSet(NS_THREAD, conversationId, trimmed);
    await this.store.kvSet(NS_TOKEN, `${state.tenantId}\u0000${state.token}`, conversationId);
  }

  mapMessageId(tenantId: string, messageId: string, entry: MessageIdEntry): Promise<void> {
    return this.store.kvSet(NS_MSGID, `${tenantId}\u0000${messageId.toLowerCase()}`, entry);
  }

  byMessageId(tenantId: string, messageId: string): Promise<MessageIdEntry | undefined> {
    return this.store.kvGet<MessageIdEntry>(NS_MSGID, `${tenantId}\u0000${messageId.toLowerCase()}`);
  }

  byToken(tenantId: string, token: string): Promise<string | undefined> {
    return this.store.kvGet<string>(NS_TOKEN, `${tenantId}\u0000${token.toLowerCase()}`);
  }

  /** Follows `supersededBy` links to the newest conversation of a thread. */
  async latest(conversationId: string): Promise<string> {
    let id = conversationId;
    for (let hops = 0; hops < 20; hops++) {
      const next = (await this.get(id))?.supersededBy;
      if (!next) break;
      id = next;
    }
    return id;
  }
}

/** Strips `Re:`/`Fwd:`/`回复：`/`答复:` prefixes and a `[#token]` from a subject. */
export function baseSubject(subject: string): string {
  let s = subject.replace(/\s*\[#[a-z0-9]{4,16}\]\s*/gi, ' ').trim();
  for (;;) {
    const next = s.replace(/^\s*(re|fw|fwd|aw|wg|sv|vs|回复|回覆|答复|转发|轉寄)\s*(\[\d+\])?\s*[:：]\s*/i, '');
    if (next === s) break;
    s = next;
  }
  return s.trim();
}
