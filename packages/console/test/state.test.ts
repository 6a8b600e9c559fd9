import { describe, expect, it } from 'vitest';
import { type ConsoleState, type Action, initialState, listCounts, listViews, reducer, waitLevel, waitStart, waitingSinceFromHistory } from '../app/state.js';
import { T0, agent, contact, conversation, event, message, reply } from './fixtures.js';

function run(...actions: Action[]): ConsoleState {
  return actions.reduce(reducer, initialState());
}

const signedIn: Action[] = [
  { type: 'signed-in', agent: agent() },
  { type: 'hello', agent: agent(), lastEventId: 10 },
];

describe('wait-time colouring', () => {
  it.each([
    [0, 'ok'],
    [29_999, 'ok'],
    [30_000, 'warn'],
    [179_999, 'warn'],
    [180_000, 'late'],
    [3_600_000, 'late'],
  ] as const)('%i ms is %s', (ms, level) => {
    expect(waitLevel(ms)).toBe(level);
  });

  it('a queued conversation waits since it was queued; an assigned one since its oldest unanswered message', () => {
    const s = run(...signedIn, { type: 'lists-loaded', items: [
      { conversation: conversation({ id: 'q', queuedAt: T0 + 5 }), contact: contact() },
      { conversation: conversation({ id: 'a', status: 'assigned', assigneeId: 'alice', lastSeq: 1 }), contact: contact(), lastMessage: message(1, { conversationId: 'a' }) },
      { conversation: conversation({ id: 'b', status: 'assigned', assigneeId: 'alice', lastSeq: 2 }), contact: contact(), lastMessage: reply(2, { conversationId: 'b' }) },
    ] });
    expect(waitStart(s.views.q!)).toBe(T0 + 5);
    expect(waitStart(s.views.a!)).toBe(T0 + 1000);
    expect(waitStart(s.views.b!)).toBeUndefined();
  });

  it('counts from the first customer message after the last agent reply; notes and bot answers do not stop it', () => {
    const history = [
      message(1),
      reply(2),
      message(3),
      message(4),
      reply(5, { direction: 'internal', author: { role: 'agent', id: 'alice' } }),
      reply(6, { author: { role: 'bot', id: 'faq' } }),
    ];
    expect(waitingSinceFromHistory(history)).toBe(T0 + 3000);
    expect(waitingSinceFromHistory([...history, reply(7)])).toBeUndefined();
    expect(waitingSinceFromHistory([])).toBeUndefined();
  });

  it('an agent reply by event stops the timer and a new customer message starts it again', () => {
    let s = run(...signedIn, { type: 'lists-loaded', items: [{ conversation: conversation({ status: 'assigned', assigneeId: 'alice', lastSeq: 1 }), lastMessage: message(1) }] });
    expect(waitStart(s.views.c1!)).toBe(T0 + 1000);
    s = reducer(s, { type: 'event', frame: event(11, 'message.created', { message: reply(2) }) });
    expect(waitStart(s.views.c1!)).toBeUndefined();
    s = reducer(s, { type: 'event', frame: event(12, 'message.received', { message: message(3) }) });
    expect(waitStart(s.views.c1!)).toBe(T0 + 3000);
  });
});

describe('event application', () => {
  it('a queued conversation event adds it to the queue with its contact', () => {
    const s = run(...signedIn, { type: 'event', frame: event(11, 'conversation.queued', { conversation: conversation(), contact: contact() }) });
    expect(listViews(s, 'queued').map((v) => v.conversation.id)).toEqual(['c1']);
    expect(s.views.c1!.contact?.name).toBe('Wang Fang');
    expect(s.lastEventId).toBe(11);
  });

  it('ignores replayed events at or below the last applied id', () => {
    let s = run(...signedIn, { type: 'event', frame: event(11, 'conversation.queued', { conversation: conversation() }) });
    s = reducer(s, { type: 'event', frame: event(12, 'message.received', { message: message(1), conversation: conversation({ lastSeq: 1 }) }) });
    const again = reducer(s, { type: 'event', frame: event(12, 'message.received', { message: message(1), conversation: conversation({ lastSeq: 1 }) }) });
    expect(again).toBe(s);
    expect(s.views.c1!.unread).toBe(1);
  });

  it('applies replays after a reconnect even when a newer live event arrived first', () => {
    let s = run(...signedIn, { type: 'event', frame: event(11, 'conversation.queued', { conversation: conversation() }) });
    // Reconnect: the server is at 14; 12..14 come as replays, 15 came live before them.
    s = reducer(s, { type: 'hello', agent: agent(), lastEventId: 14 });
    s = reducer(s, { type: 'event', frame: event(15, 'message.received', { message: message(2) }) });
    s = reducer(s, { type: 'event', frame: event(12, 'message.received', { message: message(1) }) });
    expect(s.views.c1!.unread).toBe(2);
    expect(s.lastEventId).toBe(15);
    // Outside the window, an old id is still a duplicate.
    expect(reducer(s, { type: 'event', frame: event(11, 'conversation.queued', { conversation: conversation() }) })).toBe(s);
  });

  it('takes the server cursor after a restart (its ids start again)', () => {
    let s = run(...signedIn, { type: 'event', frame: event(50, 'conversation.queued', { conversation: conversation() }) });
    s = reducer(s, { type: 'hello', agent: agent(), lastEventId: 2 });
    expect(s.lastEventId).toBe(2);
    s = reducer(s, { type: 'event', frame: event(3, 'message.received', { message: message(1) }) });
    expect(s.views.c1!.unread).toBe(1);
  });

  it('never lets an older copy of a conversation overwrite a newer one', () => {
    let s = run(...signedIn, { type: 'event', frame: event(11, 'conversation.assigned', { conversation: conversation({ status: 'assigned', assigneeId: 'alice', updatedAt: T0 + 10 }) }) });
    s = reducer(s, { type: 'lists-loaded', items: [{ conversation: conversation({ status: 'queued', updatedAt: T0 + 5 }) }] });
    expect(s.views.c1!.conversation.status).toBe('assigned');
    expect(listViews(s, 'mine')).toHaveLength(1);
    expect(listViews(s, 'queued')).toHaveLength(0);
  });

  it('moves a conversation from the queue to mine on assignment, and out of both on close', () => {
    let s = run(...signedIn, { type: 'event', frame: event(11, 'conversation.queued', { conversation: conversation() }) });
    s = reducer(s, { type: 'event', frame: event(12, 'conversation.assigned', { conversation: conversation({ status: 'assigned', assigneeId: 'alice', updatedAt: T0 + 1 }) }) });
    expect(listCounts(s)).toMatchObject({ queued: { count: 0 }, mine: { count: 1 } });
    s = reducer(s, { type: 'event', frame: event(13, 'conversation.closed', { conversation: conversation({ status: 'closed', assigneeId: 'alice', updatedAt: T0 + 2 }) }) });
    expect(listCounts(s)).toMatchObject({ queued: { count: 0 }, mine: { count: 0 } });
  });

  it('updates a message in place when its delivery status changes', () => {
    let s = run(...signedIn, { type: 'lists-loaded', items: [{ conversation: conversation({ status: 'assigned', assigneeId: 'alice' }) }] });
    s = reducer(s, { type: 'history-loaded', conversationId: 'c1', messages: [message(1)] });
    s = reducer(s, { type: 'event', frame: event(11, 'message.created', { message: reply(2, { status: 'pending' }) }) });
    s = reducer(s, { type: 'event', frame: event(12, 'message.sent', { message: reply(2, { status: 'sent' }) }) });
    expect(s.messages.c1!.map((m) => [m.seq, m.status])).toEqual([[1, 'received'], [2, 'sent']]);
    expect(s.views.c1!.lastMessage?.status).toBe('sent');
  });

  it('keeps history in seq order whatever order messages arrive in, without duplicates', () => {
    let s = run(...signedIn, { type: 'lists-loaded', items: [{ conversation: conversation() }] });
    s = reducer(s, { type: 'history-loaded', conversationId: 'c1', messages: [message(1), message(3)] });
    s = reducer(s, { type: 'message', message: message(2) });
    s = reducer(s, { type: 'history-loaded', conversationId: 'c1', messages: [message(2), message(3)] });
    expect(s.messages.c1!.map((m) => m.seq)).toEqual([1, 2, 3]);
  });

  it('tracks the customer typing and clears it when their message arrives', () => {
    let s = run(...signedIn, { type: 'lists-loaded', items: [{ conversation: conversation() }] });
    s = reducer(s, { type: 'event', frame: event(11, 'typing', { conversationId: 'c1', role: 'customer', on: true }) });
    expect(s.customerTyping.c1).toBe(true);
    s = reducer(s, { type: 'event', frame: event(12, 'message.received', { message: message(1) }) });
    expect(s.customerTyping.c1).toBe(false);
  });

  it('updates my presence and the agents list from presence events', () => {
    let s = run(...signedIn, { type: 'agents', items: [{ ...agent(), load: 1 }, { ...agent({ id: 'bob', name: 'Bob' }), load: 0 }] });
    s = reducer(s, { type: 'event', frame: event(11, 'agent.presence_changed', { agent: agent({ presence: 'away' }) }) });
    s = reducer(s, { type: 'event', frame: event(12, 'agent.presence_changed', { agent: agent({ id: 'bob', name: 'Bob', presence: 'offline' }) }) });
    expect(s.me?.presence).toBe('away');
    expect(s.agents.map((a) => [a.id, a.presence, a.load])).toEqual([['alice', 'away', 1], ['bob', 'offline', 0]]);
  });
});

describe('unread counting', () => {
  const base = (): ConsoleState => run(...signedIn, { type: 'lists-loaded', items: [{ conversation: conversation({ id: 'c1' }) }, { conversation: conversation({ id: 'c2', contactId: 'p2' }) }] });

  it('counts customer messages of conversations the agent is not looking at', () => {
    let s = base();
    s = reducer(s, { type: 'open', conversationId: 'c1' });
    s = reducer(s, { type: 'event', frame: event(11, 'message.received', { message: message(1, { conversationId: 'c2' }) }) });
    s = reducer(s, { type: 'event', frame: event(12, 'message.received', { message: message(2, { conversationId: 'c2' }) }) });
    s = reducer(s, { type: 'event', frame: event(13, 'message.received', { message: message(1, { conversationId: 'c1' }) }) });
    expect(s.views.c2!.unread).toBe(2);
    expect(s.views.c1!.unread).toBe(0);
    expect(listCounts(s).queued).toEqual({ count: 2, unread: 2 });
  });

  it('does not count the agent’s own replies, notes or echoes of a message already seen', () => {
    let s = base();
    s = reducer(s, { type: 'event', frame: event(11, 'message.received', { message: message(1, { conversationId: 'c2' }) }) });
    s = reducer(s, { type: 'event', frame: event(12, 'message.created', { message: reply(2, { conversationId: 'c2' }) }) });
    s = reducer(s, { type: 'event', frame: event(13, 'message.created', { message: reply(3, { conversationId: 'c2', direction: 'internal' }) }) });
    s = reducer(s, { type: 'message', message: message(1, { conversationId: 'c2' }) });
    expect(s.views.c2!.unread).toBe(1);
  });

  it('counts messages in the active conversation while the window has no focus, and clears them on focus', () => {
    let s = reducer(base(), { type: 'open', conversationId: 'c1' });
    s = reducer(s, { type: 'focus', focused: false });
    s = reducer(s, { type: 'event', frame: event(11, 'message.received', { message: message(1) }) });
    expect(s.views.c1!.unread).toBe(1);
    s = reducer(s, { type: 'focus', focused: true });
    expect(s.views.c1!.unread).toBe(0);
  });

  it('opening a conversation reads it', () => {
    let s = reducer(base(), { type: 'event', frame: event(11, 'message.received', { message: message(1, { conversationId: 'c2' }) }) });
    s = reducer(s, { type: 'open', conversationId: 'c2' });
    expect(s.views.c2!.unread).toBe(0);
  });

  it('a list row whose last message is from the customer starts with one unread', () => {
    const s = run(...signedIn, { type: 'lists-loaded', items: [{ conversation: conversation({ lastSeq: 3 }), lastMessage: message(3) }] });
    expect(s.views.c1!.unread).toBe(1);
  });
});

describe('tabs and drafts', () => {
  it('keeps a draft per conversation and switches tabs without losing them', () => {
    let s = run(...signedIn, { type: 'lists-loaded', items: [{ conversation: conversation({ id: 'c1' }) }, { conversation: conversation({ id: 'c2' }) }] });
    s = reducer(s, { type: 'open', conversationId: 'c1' });
    s = reducer(s, { type: 'draft', conversationId: 'c1', draft: { text: 'Hello' } });
    s = reducer(s, { type: 'open', conversationId: 'c2' });
    s = reducer(s, { type: 'draft', conversationId: 'c2', draft: { text: 'Checking', internal: true } });
    s = reducer(s, { type: 'open', conversationId: 'c1' });
    expect(s.open).toEqual(['c1', 'c2']);
    expect(s.active).toBe('c1');
    expect(s.drafts).toEqual({ c1: { text: 'Hello', internal: false }, c2: { text: 'Checking', internal: true } });
  });

  it('closing the active tab activates its neighbour, closing the last leaves none', () => {
    let s = run(...signedIn, { type: 'open', conversationId: 'a' }, { type: 'open', conversationId: 'b' }, { type: 'open', conversationId: 'c' }, { type: 'open', conversationId: 'b' });
    s = reducer(s, { type: 'close-tab', conversationId: 'b' });
    expect([s.open, s.active]).toEqual([['a', 'c'], 'c']);
    s = reducer(s, { type: 'close-tab', conversationId: 'c' });
    s = reducer(s, { type: 'close-tab', conversationId: 'a' });
    expect([s.open, s.active]).toEqual([[], undefined]);
  });

  it('keeps an open conversation after a resync that no longer lists it', () => {
    let s = run(...signedIn, { type: 'lists-loaded', items: [{ conversation: conversation({ id: 'c1' }) }, { conversation: conversation({ id: 'c2' }) }] });
    s = reducer(s, { type: 'open', conversationId: 'c1' });
    s = reducer(s, { type: 'lists-loaded', items: [] });
    expect(Object.keys(s.views)).toEqual(['c1']);
  });
});

describe('lists', () => {
  it('sorts by priority, then the longest wait', () => {
    const s = run(...signedIn, { type: 'lists-loaded', items: [
      { conversation: conversation({ id: 'late', queuedAt: T0 }) },
      { conversation: conversation({ id: 'new', queuedAt: T0 + 60_000 }) },
      { conversation: conversation({ id: 'vip', queuedAt: T0 + 90_000, priority: 10 }) },
    ] });
    expect(listViews(s, 'queued').map((v) => v.conversation.id)).toEqual(['vip', 'late', 'new']);
  });

  it('offers "all" to supervisors only', () => {
    const items = [{ conversation: conversation({ status: 'assigned', assigneeId: 'bob' }) }];
    const asAgent = run(...signedIn, { type: 'lists-loaded', items });
    const asSupervisor = run({ type: 'signed-in', agent: agent({ role: 'supervisor' }) }, { type: 'lists-loaded', items });
    expect(listCounts(asAgent).all.count).toBe(0);
    expect(listCounts(asSupervisor).all.count).toBe(1);
    expect(listCounts(asSupervisor).mine.count).toBe(0);
  });
});
