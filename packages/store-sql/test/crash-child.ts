/**
 * The crash test's child: opens the SQLite file, creates conversations, then appends under load
 * forever, writing `ack <messageId> <conversationId> <seq> <n>` to stdout for every append whose
 * promise resolved. The parent kills it with SIGKILL at a moment of its choosing.
 */
import { DEFAULT_TENANT, newId } from '@kefu/core';
import { createSqliteStore } from '../src/index.js';

const [filename, conversationsArg = '6', inFlightArg = '64'] = process.argv.slice(2);
const store = createSqliteStore({ filename: filename! });
await store.init();

const conversations: string[] = [];
for (let i = 0; i < Number(conversationsArg); i++) {
  const now = Date.now();
  const contact = await store.createContact({ id: newId(), tenantId: DEFAULT_TENANT, identities: [{ channel: 'web', externalId: `v${i}` }], identifiers: [], tier: 'normal', tags: [], attributes: {}, createdAt: now, updatedAt: now });
  const conv = await store.createConversation({ id: newId(), tenantId: DEFAULT_TENANT, contactId: contact.id, channel: 'web', address: `v${i}`, status: 'bot', priority: 0, tags: [], lastSeq: 0, attributes: {}, openedAt: now, lastMessageAt: now, updatedAt: now });
  conversations.push(conv.id);
  process.stdout.write(`conv ${conv.id}\n`);
}

const issued = new Map(conversations.map((id) => [id, 0]));
let next = 0;

/** One writer: appends, reports the resolved append, repeats. */
async function writer(): Promise<void> {
  for (;;) {
    const conversationId = conversations[next++ % conversations.length]!;
    const n = issued.get(conversationId)! + 1;
    issued.set(conversationId, n);
    const { message } = await store.appendMessage({
      tenantId: DEFAULT_TENANT,
      conversationId,
      direction: 'inbound',
      author: { role: 'customer' },
      text: `n${n}`,
      parts: [{ type: 'text', text: `n${n}` }],
      channel: 'web',
      createdAt: Date.now(),
      dedupeKey: `${conversationId}:${n}`,
    });
    process.stdout.write(`ack ${message.id} ${conversationId} ${message.seq} ${n}\n`);
  }
}

process.stdout.write('ready\n');
await Promise.all(Array.from({ length: Number(inFlightArg) }, writer));
