/**
 * The console's state and its reducer: pure functions of (state, action), so every rule the
 * agent relies on — unread counts, waiting timers, replayed events, drafts — is unit-tested
 * without a browser.
 */
import type { Agent, AgentWithLoad, Contact, ContactProfile, Conversation, ConversationItem, EventFrame, Message, Team } from './protocol.js';

/** The lists in the sidebar. `all` is offered to supervisors and admins only. */
export type ListName = 'queued' | 'mine' | 'all';

/** The buying stages `@kefu/plugin-commerce` sets on `conversation.attributes.stage`. */
export const STAGES = ['consulted-not-ordered', 'ordered-not-paid', 'paid', 'after-sale'] as const;

/** A buying stage. */
export type Stage = (typeof STAGES)[number];

/** The stage filter of the lists: every conversation, or one stage. */
export type StageFilter = 'all' | Stage;

/** The buying stage of a conversation, when the commerce plugin set a known one. */
export function stageOf(conversation: Conversation): Stage | undefined {
  const s = conversation.attributes?.stage;
  return (STAGES as readonly unknown[]).includes(s) ? (s as Stage) : undefined;
}

/** The socket's state as the agent sees it. */
export type ConnectionStatus = 'connecting' | 'live' | 'reconnecting' | 'offline';

/** A conversation as the console tracks it. */
export interface ConversationView {
  conversation: Conversation;
  contact?: Contact;
  lastMessage?: Message;
  queuePosition?: number;
  /** Customer messages the agent has not seen (`unreadSeqs.length`). */
  unread: number;
  /** Their seqs: a message delivered twice (echo, replay) counts once. */
  unreadSeqs: number[];
  /** Messages at or below this seq were on screen when the agent last read the conversation. */
  readSeq: number;
  /** The highest message seq applied. */
  seenSeq: number;
  /** When the oldest customer message no agent answered yet arrived. */
  waitingSince?: number;
}

/** What the agent has typed but not sent, per conversation. */
export interface Draft {
  text: string;
  internal: boolean;
}

/** Everything the console shows. */
export interface ConsoleState {
  me?: Agent;
  views: Record<string, ConversationView>;
  /** Loaded histories, in seq order. Absent = not loaded yet. */
  messages: Record<string, Message[]>;
  profiles: Record<string, ContactProfile>;
  /** Conversations open as tabs, in the order they were opened. */
  open: string[];
  active?: string;
  drafts: Record<string, Draft>;
  customerTyping: Record<string, boolean>;
  /** The id of the last event applied; sent as `resume` after a reconnect. */
  lastEventId: number;
  /**
   * After a reconnect the server replays events in (after, upTo] in answer to `resume`, while new
   * events (above `upTo`) may already arrive live: replays in this window are applied even when a
   * newer live event came first.
   */
  replayWindow?: { after: number; upTo: number };
  connection: ConnectionStatus;
  /** Whether the page has focus: messages arriving in the active conversation then count as read. */
  focused: boolean;
  agents: AgentWithLoad[];
  teams: Team[];
  list: ListName;
  /** Which buying stage the lists show. */
  stage: StageFilter;
  /** The last failure worth telling the agent about. */
  notice?: { code: string; message: string };
}

/** Everything that changes the state. */
export type Action =
  | { type: 'signed-in'; agent: Agent }
  | { type: 'signed-out' }
  | { type: 'hello'; agent: Agent; lastEventId: number }
  | { type: 'resync'; lastEventId?: number }
  | { type: 'lists-loaded'; items: ConversationItem[] }
  | { type: 'history-loaded'; conversationId: string; messages: Message[] }
  | { type: 'profile-loaded'; contactId: string; profile: ContactProfile }
  | { type: 'event'; frame: EventFrame }
  | { type: 'conversation'; conversation: Conversation; contact?: Contact; queuePosition?: number }
  | { type: 'message'; message: Message }
  | { type: 'open'; conversationId: string }
  | { type: 'close-tab'; conversationId: string }
  | { type: 'draft'; conversationId: string; draft: Partial<Draft> }
  | { type: 'connection'; status: ConnectionStatus }
  | { type: 'focus'; focused: boolean }
  | { type: 'agents'; items: AgentWithLoad[] }
  | { type: 'teams'; items: Team[] }
  | { type: 'list'; list: ListName }
  | { type: 'stage'; stage: StageFilter }
  | { type: 'notice'; notice?: { code: string; message: string } };

/** The state before sign-in. */
export function initialState(): ConsoleState {
  return {
    views: {},
    messages: {},
    profiles: {},
    open: [],
    drafts: {},
    customerTyping: {},
    lastEventId: 0,
    connection: 'connecting',
    focused: true,
    agents: [],
    teams: [],
    list: 'queued',
    stage: 'all',
  };
}

/** Whether this agent may see every conversation of the tenant. */
export function isSupervisor(agent: Agent | undefined): boolean {
  return agent?.role === 'supervisor' || agent?.role === 'admin';
}

function isCustomerMessage(m: Message): boolean {
  return m.direction === 'inbound' && m.author.role === 'customer';
}

/** An agent's reply to the customer ends the wait; internal notes and bot answers do not. */
function isAgentReply(m: Message): boolean {
  return m.direction === 'outbound' && m.author.role === 'agent';
}

/**
 * When the customer started waiting, from a full history: the first customer message after the
 * last agent reply, or undefined when the agent spoke last.
 */
export function waitingSinceFromHistory(messages: readonly Message[]): number | undefined {
  let since: number | undefined;
  for (const m of messages) {
    if (isAgentReply(m)) since = undefined;
    else if (isCustomerMessage(m) && since === undefined) since = m.createdAt;
  }
  return since;
}

/**
 * When the customer's wait started for the timer: a queued conversation waits since it was
 * queued (nobody serves it yet); an assigned one since its oldest unanswered message.
 */
export function waitStart(view: ConversationView): number | undefined {
  const c = view.conversation;
  if (c.status === 'queued') return c.queuedAt ?? view.waitingSince ?? c.openedAt;
  if (c.status === 'assigned') return view.waitingSince;
  return undefined;
}

/** The colour of a waiting timer against the 30-second answer and 3-minute response targets. */
export type WaitLevel = 'ok' | 'warn' | 'late';

/** Service targets in milliseconds (JD's 30-second answer rate, Taobao's 3-minute response rate). */
export const WAIT_TARGETS = { warnMs: 30_000, lateMs: 180_000 } as const;

/** The level of a wait of `ms` milliseconds: amber from 30 s, red from 3 min. */
export function waitLevel(ms: number): WaitLevel {
  if (ms >= WAIT_TARGETS.lateMs) return 'late';
  if (ms >= WAIT_TARGETS.warnMs) return 'warn';
  return 'ok';
}

function isVisible(state: ConsoleState, conversationId: string): boolean {
  return state.focused && state.active === conversationId;
}

/** Inserts or replaces a message by id, keeping seq order. */
export function upsertMessage(list: readonly Message[], message: Message): Message[] {
  const at = list.findIndex((m) => m.id === message.id);
  if (at >= 0) {
    const next = list.slice();
    next[at] = message;
    return next;
  }
  const next = list.slice();
  let i = next.length;
  while (i > 0 && next[i - 1]!.seq > message.seq) i--;
  next.splice(i, 0, message);
  return next;
}

function emptyView(conversation: Conversation): ConversationView {
  return { conversation, unread: 0, unreadSeqs: [], readSeq: 0, seenSeq: 0 };
}

function withConversation(state: ConsoleState, conversation: Conversation, contact?: Contact, queuePosition?: number): ConsoleState {
  const prev = state.views[conversation.id];
  // Events and REST answers can cross: never let an older copy overwrite a newer one.
  const keep = prev && prev.conversation.updatedAt > conversation.updatedAt;
  const view: ConversationView = {
    ...(prev ?? emptyView(conversation)),
    conversation: keep ? prev.conversation : conversation,
  };
  if (contact) view.contact = contact;
  if (queuePosition !== undefined) view.queuePosition = queuePosition;
  if (view.conversation.status !== 'queued') delete view.queuePosition;
  return { ...state, views: { ...state.views, [conversation.id]: view } };
}

function withMessage(state: ConsoleState, message: Message): ConsoleState {
  const id = message.conversationId;
  const prev = state.views[id];
  const history = state.messages[id];
  const messages = history ? { ...state.messages, [id]: upsertMessage(history, message) } : state.messages;
  if (!prev) return { ...state, messages };
  const fresh = message.seq > prev.seenSeq;
  const view: ConversationView = { ...prev };
  if (isCustomerMessage(message)) {
    if (isVisible(state, id)) view.readSeq = Math.max(view.readSeq, message.seq);
    else if (message.seq > view.readSeq && !view.unreadSeqs.includes(message.seq)) {
      view.unreadSeqs = [...view.unreadSeqs, message.seq];
      view.unread = view.unreadSeqs.length;
    }
  }
  if (fresh) {
    view.seenSeq = message.seq;
    view.lastMessage = message;
    if (isCustomerMessage(message)) {
      view.waitingSince ??= message.createdAt;
    } else if (isAgentReply(message)) {
      delete view.waitingSince;
    }
  } else if (view.lastMessage?.id === message.id) {
    // A status change (sent, delivered, failed) of the latest message.
    view.lastMessage = message;
  }
  const customerTyping = isCustomerMessage(message) && state.customerTyping[id] ? { ...state.customerTyping, [id]: false } : state.customerTyping;
  return { ...state, messages, customerTyping, views: { ...state.views, [id]: view } };
}

function withAgent(state: ConsoleState, agent: Agent): ConsoleState {
  const me = state.me?.id === agent.id ? { ...state.me, ...agent } : state.me;
  const agents = state.agents.map((a) => (a.id === agent.id ? { ...a, ...agent } : a));
  return { ...state, me, agents };
}

function readView(state: ConsoleState, id: string | undefined): ConsoleState {
  const view = id ? state.views[id] : undefined;
  if (!id || !view || (view.unread === 0 && view.readSeq >= view.seenSeq)) return state;
  return { ...state, views: { ...state.views, [id]: { ...view, unread: 0, unreadSeqs: [], readSeq: view.seenSeq } } };
}

/** Applies one realtime event. Events at or below `lastEventId` (replays) change nothing. */
export function applyEvent(state: ConsoleState, frame: EventFrame): ConsoleState {
  const w = state.replayWindow;
  const replayed = w !== undefined && frame.id > w.after && frame.id <= w.upTo;
  if (frame.id <= state.lastEventId && !replayed) return state;
  let next: ConsoleState = { ...state, lastEventId: Math.max(state.lastEventId, frame.id) };
  const data = frame.data ?? {};
  if (frame.event === 'typing') {
    if (data.conversationId && data.role !== 'agent') {
      next = { ...next, customerTyping: { ...next.customerTyping, [data.conversationId]: data.on === true } };
    }
    return next;
  }
  if (frame.event === 'agent.presence_changed') return data.agent ? withAgent(next, data.agent) : next;
  if (data.conversation) next = withConversation(next, data.conversation, data.contact);
  if (data.message) next = withMessage(next, data.message);
  return next;
}

/** The console's reducer. */
export function reducer(state: ConsoleState, action: Action): ConsoleState {
  switch (action.type) {
    case 'signed-in':
      return { ...state, me: action.agent, list: 'queued' };
    case 'signed-out':
      return { ...initialState(), focused: state.focused };
    case 'hello': {
      const next: ConsoleState = { ...state, me: action.agent, connection: 'live' };
      delete next.replayWindow;
      // First connect, or a server that restarted and counts events from scratch: start from its cursor.
      if (state.lastEventId === 0 || action.lastEventId < state.lastEventId) next.lastEventId = action.lastEventId;
      else if (action.lastEventId > state.lastEventId) next.replayWindow = { after: state.lastEventId, upTo: action.lastEventId };
      return next;
    }
    case 'resync': {
      // The server cannot replay that far back; the lists are refetched, events resume from its cursor.
      const next: ConsoleState = { ...state, lastEventId: action.lastEventId ?? state.lastEventId };
      delete next.replayWindow;
      return next;
    }
    case 'lists-loaded': {
      let next: ConsoleState = state;
      const listed = new Set<string>();
      for (const item of action.items) {
        listed.add(item.conversation.id);
        next = withConversation(next, item.conversation, item.contact, item.queuePosition);
        const view = next.views[item.conversation.id]!;
        const last = item.lastMessage;
        if (last && last.seq > view.seenSeq) {
          const fresh: ConversationView = { ...view, lastMessage: last, seenSeq: last.seq };
          if (isCustomerMessage(last)) {
            // Without the history we only know the newest message is the customer's: one unread at least.
            if (!isVisible(next, view.conversation.id) && last.seq > view.readSeq && !view.unreadSeqs.includes(last.seq)) {
              fresh.unreadSeqs = [...view.unreadSeqs, last.seq];
              fresh.unread = fresh.unreadSeqs.length;
            }
            fresh.waitingSince ??= last.createdAt;
          } else if (isAgentReply(last)) delete fresh.waitingSince;
          next = { ...next, views: { ...next.views, [item.conversation.id]: fresh } };
        }
      }
      // After a resync, conversations the server no longer lists for us leave the lists, unless open.
      const views: Record<string, ConversationView> = {};
      for (const [id, view] of Object.entries(next.views)) if (listed.has(id) || next.open.includes(id)) views[id] = view;
      return { ...next, views };
    }
    case 'history-loaded': {
      let list = state.messages[action.conversationId] ?? [];
      for (const m of action.messages) list = upsertMessage(list, m);
      const next = { ...state, messages: { ...state.messages, [action.conversationId]: list } };
      const view = next.views[action.conversationId];
      if (!view) return next;
      const last = list[list.length - 1];
      const refreshed: ConversationView = { ...view, seenSeq: Math.max(view.seenSeq, last?.seq ?? 0) };
      if (last && last.seq >= view.seenSeq) refreshed.lastMessage = last;
      const since = waitingSinceFromHistory(list);
      if (since === undefined) delete refreshed.waitingSince;
      else refreshed.waitingSince = since;
      return { ...next, views: { ...next.views, [action.conversationId]: refreshed } };
    }
    case 'profile-loaded':
      return { ...state, profiles: { ...state.profiles, [action.contactId]: action.profile } };
    case 'event':
      return applyEvent(state, action.frame);
    case 'conversation':
      return withConversation(state, action.conversation, action.contact, action.queuePosition);
    case 'message':
      return withMessage(state, action.message);
    case 'open': {
      const open = state.open.includes(action.conversationId) ? state.open : [...state.open, action.conversationId];
      return readView({ ...state, open, active: action.conversationId }, action.conversationId);
    }
    case 'close-tab': {
      const at = state.open.indexOf(action.conversationId);
      if (at < 0) return state;
      const open = state.open.filter((id) => id !== action.conversationId);
      const active = state.active === action.conversationId ? open[Math.min(at, open.length - 1)] : state.active;
      const next: ConsoleState = { ...state, open };
      if (active === undefined) delete next.active;
      else next.active = active;
      return readView(next, active);
    }
    case 'draft': {
      const prev = state.drafts[action.conversationId] ?? { text: '', internal: false };
      return { ...state, drafts: { ...state.drafts, [action.conversationId]: { ...prev, ...action.draft } } };
    }
    case 'connection':
      return { ...state, connection: action.status };
    case 'focus': {
      const next = { ...state, focused: action.focused };
      return action.focused ? readView(next, next.active) : next;
    }
    case 'agents':
      return { ...state, agents: action.items };
    case 'teams':
      return { ...state, teams: action.items };
    case 'list':
      return { ...state, list: action.list };
    case 'stage':
      return { ...state, stage: action.stage };
    case 'notice': {
      const next = { ...state };
      if (action.notice) next.notice = action.notice;
      else delete next.notice;
      return next;
    }
  }
}

/** Queue order: higher priority first, then the longest wait, then the most recent activity. */
function compareViews(a: ConversationView, b: ConversationView): number {
  if (a.conversation.priority !== b.conversation.priority) return b.conversation.priority - a.conversation.priority;
  const wa = waitStart(a) ?? Number.POSITIVE_INFINITY;
  const wb = waitStart(b) ?? Number.POSITIVE_INFINITY;
  if (wa !== wb) return wa - wb;
  return b.conversation.lastMessageAt - a.conversation.lastMessageAt;
}

/** Whether a conversation belongs in a list for this agent. */
export function inList(view: ConversationView, list: ListName, me: Agent | undefined): boolean {
  const c = view.conversation;
  if (list === 'queued') return c.status === 'queued';
  if (list === 'mine') return c.status === 'assigned' && c.assigneeId === me?.id;
  return isSupervisor(me) && c.status !== 'closed';
}

/** Whether a conversation passes the stage filter. */
export function matchesStage(view: ConversationView, stage: StageFilter): boolean {
  return stage === 'all' || stageOf(view.conversation) === stage;
}

/** The rows of a list that pass the stage filter, in service order. */
export function listViews(state: ConsoleState, list: ListName): ConversationView[] {
  return Object.values(state.views)
    .filter((v) => inList(v, list, state.me) && matchesStage(v, state.stage))
    .sort(compareViews);
}

/** Size and unread total of each list, for the sidebar badges. */
export function listCounts(state: ConsoleState): Record<ListName, { count: number; unread: number }> {
  const out: Record<ListName, { count: number; unread: number }> = {
    queued: { count: 0, unread: 0 },
    mine: { count: 0, unread: 0 },
    all: { count: 0, unread: 0 },
  };
  for (const view of Object.values(state.views)) {
    for (const list of ['queued', 'mine', 'all'] as const) {
      if (!inList(view, list, state.me)) continue;
      out[list].count++;
      out[list].unread += view.unread;
    }
  }
  return out;
}
