/**
 * The console's side effects: sign-in, the agent socket, list and history loading, and the
 * agent's actions. Components call it; it talks to the server and dispatches to the store.
 */
import { type Api, ApiError, type TransferRequest, createApi } from './api.js';
import type { Presence, ServerFrame } from './protocol.js';
import { type AgentSocket, type SocketLike, createAgentSocket } from './socket.js';
import { isSupervisor } from './state.js';
import type { ConsoleStore } from './store.js';

/** Where the JWT is kept: per tab, gone when the tab closes. */
export const TOKEN_KEY = 'kefu.console.token';

/** Options of {@link createController}. */
export interface ControllerOptions {
  store: ConsoleStore;
  /** REST base, e.g. `/api/v1`. */
  apiBase: string;
  /** Agent socket URL, e.g. `ws://host/api/v1/agent/ws`. */
  socketUrl: string;
  storage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
  fetch?: typeof fetch;
  createSocket?: (url: string) => SocketLike;
}

/** How long the console keeps saying "typing" after the last keystroke. */
const TYPING_IDLE_MS = 4000;

/** The console controller. */
export type Controller = ReturnType<typeof createController>;

/** Creates the controller. Nothing happens until `restore()` or `signIn()`. */
export function createController(options: ControllerOptions) {
  const { store } = options;
  const storage = options.storage ?? sessionStorage;
  let socket: AgentSocket | undefined;
  const typingOff = new Map<string, ReturnType<typeof setTimeout>>();

  const api: Api = createApi({
    base: options.apiBase,
    token: () => storage.getItem(TOKEN_KEY) ?? undefined,
    onUnauthorized: () => signOut(),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });

  function report(error: unknown): void {
    const code = error instanceof ApiError ? error.code : 'KEFU_INTERNAL';
    const message = error instanceof Error ? error.message : String(error);
    store.dispatch({ type: 'notice', notice: { code, message } });
  }

  /** Runs an action, reporting its failure instead of throwing into an event handler. */
  async function attempt<T>(work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await work();
    } catch (error) {
      report(error);
      return undefined;
    }
  }

  async function loadLists(): Promise<void> {
    const me = store.getState().me;
    const statuses = isSupervisor(me) ? 'bot,queued,assigned' : 'queued,assigned';
    const { items } = await api.conversations({ status: statuses, limit: 200 });
    store.dispatch({ type: 'lists-loaded', items });
    for (const id of store.getState().open) void loadHistory(id);
  }

  async function loadTeam(): Promise<void> {
    const [agents, teams] = await Promise.all([api.agents(), api.teams()]);
    store.dispatch({ type: 'agents', items: agents.items });
    store.dispatch({ type: 'teams', items: teams.items });
  }

  async function loadHistory(conversationId: string): Promise<void> {
    // beforeSeq answers the newest messages before it: the latest 500 of a long conversation.
    const lastSeq = store.getState().views[conversationId]?.conversation.lastSeq;
    const { items } = await api.messages(conversationId, lastSeq ? { beforeSeq: lastSeq + 1, limit: 500 } : { limit: 500 });
    store.dispatch({ type: 'history-loaded', conversationId, messages: items });
  }

  async function loadProfile(contactId: string): Promise<void> {
    const profile = await api.contact(contactId);
    store.dispatch({ type: 'profile-loaded', contactId, profile });
  }

  function onFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case 'hello': {
        const before = store.getState().lastEventId;
        store.dispatch({ type: 'hello', agent: frame.agent, lastEventId: frame.lastEventId });
        // First connect, or a server that restarted (its ids start over): load everything.
        if (before === 0 || frame.lastEventId < before) void attempt(() => Promise.all([loadLists(), loadTeam()]));
        return;
      }
      case 'resync':
        store.dispatch({ type: 'resync', ...(frame.lastEventId !== undefined ? { lastEventId: frame.lastEventId } : {}) });
        void attempt(loadLists);
        return;
      case 'event': {
        const known = frame.data?.conversation ? store.getState().views[frame.data.conversation.id] : undefined;
        store.dispatch({ type: 'event', frame });
        // A conversation new to us arrives without its contact on some events: fetch it once.
        const c = frame.data?.conversation;
        if (c && !known && !frame.data.contact) {
          void attempt(async () => {
            const item = await api.conversation(c.id);
            store.dispatch({ type: 'conversation', ...item });
          });
        }
        if (c) fillGap(c.id);
        if (frame.event.startsWith('conversation.') || frame.event === 'agent.presence_changed') scheduleTeamRefresh();
        return;
      }
      case 'error':
        store.dispatch({ type: 'notice', notice: { code: frame.code, message: frame.message } });
        return;
      case 'pong':
        return;
    }
  }

  /**
   * Fetches messages a conversation has that we never got as events: the server relays a
   * message only to agents who may see the conversation at that moment, so the first message
   * of a conversation that is queued right after it arrives comes with the `queued` event only
   * as `lastSeq`.
   */
  const filling = new Set<string>();
  function fillGap(conversationId: string): void {
    const view = store.getState().views[conversationId];
    if (!view || view.seenSeq >= view.conversation.lastSeq || filling.has(conversationId)) return;
    filling.add(conversationId);
    void attempt(async () => {
      const { items } = await api.messages(conversationId, { afterSeq: view.seenSeq, limit: 500 });
      for (const message of items) store.dispatch({ type: 'message', message });
    }).finally(() => {
      filling.delete(conversationId);
      const after = store.getState().views[conversationId];
      // More arrived while fetching (or the page was full): go again.
      if (after && after.seenSeq > view.seenSeq) fillGap(conversationId);
    });
  }

  // Agents' loads change with every assignment; refresh the transfer list at most once a second.
  let teamTimer: ReturnType<typeof setTimeout> | undefined;
  function scheduleTeamRefresh(): void {
    if (teamTimer) return;
    teamTimer = setTimeout(() => {
      teamTimer = undefined;
      void api.agents().then(({ items }) => store.dispatch({ type: 'agents', items }), () => {});
    }, 1000);
  }

  function connect(): void {
    socket?.close();
    socket = createAgentSocket({
      url: options.socketUrl,
      token: () => storage.getItem(TOKEN_KEY) ?? undefined,
      lastEventId: () => store.getState().lastEventId,
      onFrame,
      onStatus: (status) => store.dispatch({ type: 'connection', status }),
      onUnauthorized: () => signOut(),
      ...(options.createSocket ? { createSocket: options.createSocket } : {}),
    });
  }

  function signOut(): void {
    socket?.close();
    socket = undefined;
    storage.removeItem(TOKEN_KEY);
    store.dispatch({ type: 'signed-out' });
  }

  /** Tells the server the agent is typing; `on` repeats are cheap, the idle timer turns it off. */
  function typing(conversationId: string, on: boolean): void {
    const pending = typingOff.get(conversationId);
    if (pending) clearTimeout(pending);
    if (on) {
      if (!pending) socket?.send({ type: 'typing', conversationId, on: true });
      typingOff.set(
        conversationId,
        setTimeout(() => {
          typingOff.delete(conversationId);
          socket?.send({ type: 'typing', conversationId, on: false });
        }, TYPING_IDLE_MS),
      );
    } else {
      typingOff.delete(conversationId);
      if (pending) socket?.send({ type: 'typing', conversationId, on: false });
    }
  }

  return {
    api,
    /** Signs in with email and password; throws {@link ApiError} when refused. */
    async signIn(email: string, password: string): Promise<void> {
      const { token, agent } = await api.login(email, password);
      storage.setItem(TOKEN_KEY, token);
      store.dispatch({ type: 'signed-in', agent });
      connect();
    },
    /** Resumes a session kept in this tab; false when there is none or it expired. */
    async restore(): Promise<boolean> {
      if (!storage.getItem(TOKEN_KEY)) return false;
      try {
        const { agent } = await api.me();
        store.dispatch({ type: 'signed-in', agent });
        connect();
        return true;
      } catch {
        storage.removeItem(TOKEN_KEY);
        return false;
      }
    },
    signOut,
    /** Reconnects at once (the browser says the network is back). */
    reconnect: () => socket?.reconnect(),
    setPresence: (presence: Presence) =>
      attempt(async () => {
        const { agent } = await api.setPresence(presence);
        store.dispatch({ type: 'signed-in', agent: { ...store.getState().me, ...agent } });
      }).then(() => undefined),
    async open(conversationId: string): Promise<void> {
      store.dispatch({ type: 'open', conversationId });
      const state = store.getState();
      const tasks: Array<Promise<unknown>> = [];
      if (!state.messages[conversationId]) tasks.push(loadHistory(conversationId));
      let view = state.views[conversationId];
      if (!view) {
        const item = await attempt(() => api.conversation(conversationId));
        if (!item) return;
        store.dispatch({ type: 'conversation', ...item });
        view = store.getState().views[conversationId];
      }
      const contactId = view?.conversation.contactId;
      if (contactId && !state.profiles[contactId]) tasks.push(loadProfile(contactId));
      await attempt(() => Promise.all(tasks));
    },
    closeTab: (conversationId: string) => store.dispatch({ type: 'close-tab', conversationId }),
    accept: (conversationId: string) =>
      attempt(async () => {
        const { conversation } = await api.accept(conversationId);
        store.dispatch({ type: 'conversation', conversation });
      }).then(() => undefined),
    transfer: (conversationId: string, request: TransferRequest) =>
      attempt(async () => {
        const { conversation } = await api.transfer(conversationId, request);
        store.dispatch({ type: 'conversation', conversation });
        return true;
      }).then((ok) => ok === true),
    close: (conversationId: string) =>
      attempt(async () => {
        const { conversation } = await api.close(conversationId);
        store.dispatch({ type: 'conversation', conversation });
      }).then(() => undefined),
    /** Sends the conversation's draft and clears it; `internal` overrides the draft's note flag. */
    async send(conversationId: string, internal?: boolean): Promise<void> {
      const draft = store.getState().drafts[conversationId];
      const text = draft?.text.trim();
      if (!draft || !text) return;
      store.dispatch({ type: 'draft', conversationId, draft: { text: '' } });
      typing(conversationId, false);
      const sent = await attempt(() => api.send(conversationId, { text, internal: internal ?? draft.internal }));
      if (sent) store.dispatch({ type: 'message', message: sent.message });
      // Keep what the agent wrote when it could not be sent.
      else store.dispatch({ type: 'draft', conversationId, draft: { text: draft.text } });
    },
    typing,
    dismissNotice: () => store.dispatch({ type: 'notice' }),
    /** Shows a failure to the agent (for components that call `api` themselves). */
    report,
  };
}
