import type { Agent, Contact, Conversation, Message } from '@kefu/core';
import type { EventFrame } from '../app/protocol.js';

export const T0 = 1_700_000_000_000;

export function agent(overrides: Partial<Agent> = {}): Agent {
  return { id: 'alice', tenantId: 'default', name: 'Alice', email: 'alice@example.com', role: 'agent', teams: [], skills: {}, languages: ['en'], capacity: 5, presence: 'online', attributes: {}, createdAt: T0, updatedAt: T0, ...overrides };
}

export function conversation(overrides: Partial<Conversation> = {}): Conversation {
  return { id: 'c1', tenantId: 'default', contactId: 'p1', channel: 'web', address: 'v-1234', status: 'queued', priority: 0, tags: [], lastSeq: 0, attributes: {}, openedAt: T0, queuedAt: T0, lastMessageAt: T0, updatedAt: T0, ...overrides };
}

export function contact(overrides: Partial<Contact> = {}): Contact {
  return { id: 'p1', tenantId: 'default', name: 'Wang Fang', identities: [{ channel: 'web', externalId: 'v-1234' }], identifiers: [], tier: 'normal', tags: [], attributes: {}, createdAt: T0, updatedAt: T0, ...overrides };
}

export function message(seq: number, overrides: Partial<Message> = {}): Message {
  const customer = (overrides.direction ?? 'inbound') === 'inbound';
  return {
    id: `m${seq}`,
    tenantId: 'default',
    conversationId: 'c1',
    seq,
    direction: 'inbound',
    author: customer ? { role: 'customer', id: 'p1' } : { role: 'agent', id: 'alice' },
    text: `message ${seq}`,
    parts: [{ type: 'text', text: `message ${seq}` }],
    channel: 'web',
    status: customer ? 'received' : 'sent',
    attempts: 0,
    createdAt: T0 + seq * 1000,
    ...overrides,
  };
}

export function reply(seq: number, overrides: Partial<Message> = {}): Message {
  return message(seq, { direction: 'outbound', author: { role: 'agent', id: 'alice', name: 'Alice' }, status: 'sent', ...overrides });
}

export function event(id: number, name: string, data: EventFrame['data']): EventFrame {
  return { type: 'event', id, event: name, data };
}
