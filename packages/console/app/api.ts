/**
 * The REST client of the console: one function per route of the spec, JSON in and out, errors
 * turned into {@link ApiError} with the server's `KEFU_*` code.
 */
import type { Agent, AgentWithLoad, AuditEntry, Contact, Contact360, ContactProfile, Conversation, ConversationItem, Message, Part, Presence, RoutingInfo, ShopProduct, SupervisorView, Team, TransferTargets } from './protocol.js';
import type { QuickReplyItem } from './workspace.js';

/** A failed call: the server's error code (or `KEFU_NETWORK` when it never answered) and HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Options of {@link createApi}. */
export interface ApiOptions {
  /** Where the REST API lives, e.g. `/api/v1` or `https://kefu.example.com/api/v1`. */
  base: string;
  /** The agent's JWT, read on every call so a new sign-in takes effect at once. */
  token: () => string | undefined;
  /** Called on a 401, so the console can go back to sign-in. */
  onUnauthorized?: () => void;
  fetch?: typeof fetch;
}

/** A transfer target: an agent, a team, or both, with an optional note for agents. */
export interface TransferRequest {
  agentId?: string;
  teamId?: string;
  note?: string;
}

/** The REST client. */
export type Api = ReturnType<typeof createApi>;

/** Creates the REST client. */
export function createApi(options: ApiOptions) {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = options.token();
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await doFetch(`${options.base}${path}`, { method, headers, body: body === undefined ? null : JSON.stringify(body) });
    } catch (error) {
      throw new ApiError('KEFU_NETWORK', error instanceof Error ? error.message : String(error), 0);
    }
    const json = (await res.json().catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined;
    if (!res.ok) {
      if (res.status === 401 && path !== '/auth/login') options.onUnauthorized?.();
      throw new ApiError(json?.error?.code ?? `HTTP_${res.status}`, json?.error?.message ?? res.statusText, res.status);
    }
    return json as T;
  }

  const enc = encodeURIComponent;
  return {
    login: (email: string, password: string) => call<{ token: string; agent: Agent }>('POST', '/auth/login', { email, password }),
    me: () => call<{ agent: Agent }>('GET', '/me'),
    setPresence: (presence: Presence) => call<{ agent: Agent }>('PUT', '/me/presence', { presence }),
    agents: () => call<{ items: AgentWithLoad[] }>('GET', '/agents'),
    teams: () => call<{ items: Team[] }>('GET', '/teams'),
    conversations: (query: { status?: string; assignee?: string; contactId?: string; limit?: number } = {}) => {
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.set(k, String(v));
      const q = qs.toString();
      return call<{ items: ConversationItem[] }>('GET', `/conversations${q ? `?${q}` : ''}`);
    },
    conversation: (id: string) => call<ConversationItem>('GET', `/conversations/${enc(id)}`),
    messages: (id: string, query: { afterSeq?: number; beforeSeq?: number; limit?: number } = {}) => {
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.set(k, String(v));
      const q = qs.toString();
      return call<{ items: Message[] }>('GET', `/conversations/${enc(id)}/messages${q ? `?${q}` : ''}`);
    },
    send: (id: string, body: { text?: string; parts?: Part[]; internal?: boolean }) => call<{ message: Message }>('POST', `/conversations/${enc(id)}/messages`, body),
    accept: (id: string) => call<{ conversation: Conversation }>('POST', `/conversations/${enc(id)}/accept`, {}),
    transfer: (id: string, body: TransferRequest) => call<{ conversation: Conversation }>('POST', `/conversations/${enc(id)}/transfer`, body),
    close: (id: string) => call<{ conversation: Conversation }>('POST', `/conversations/${enc(id)}/close`, {}),
    contact: (id: string) => call<ContactProfile>('GET', `/contacts/${enc(id)}`),
    // Workspace plugin (@kefu/plugin-workspace), commerce and cards routes: absent plugins answer 404.
    contact360: (id: string) => call<Contact360>('GET', `/workspace/contacts/${enc(id)}/360`),
    editTags: (id: string, body: { add?: string[]; remove?: string[] }) => call<{ contact: Contact }>('PATCH', `/workspace/contacts/${enc(id)}/tags`, body),
    merge: (id: string, sourceId: string) => call<{ contact: Contact; audit: AuditEntry[] }>('POST', `/workspace/contacts/${enc(id)}/merge`, { sourceId }),
    split: (id: string, identities: Array<{ channel: string; externalId: string }>) => call<{ source: Contact; created: Contact; audit: AuditEntry[] }>('POST', `/workspace/contacts/${enc(id)}/split`, { identities }),
    audit: (id: string) => call<{ items: AuditEntry[] }>('GET', `/workspace/contacts/${enc(id)}/audit`),
    quickReplies: () => call<{ items: QuickReplyItem[] }>('GET', '/workspace/quick-replies'),
    useQuickReply: (id: string, conversationId: string) => call<{ text: string; missing: string[]; usage: number }>('POST', `/workspace/quick-replies/${enc(id)}/use`, { conversationId }),
    routing: (id: string) => call<RoutingInfo>('GET', `/workspace/conversations/${enc(id)}/routing`),
    assist: (id: string) => call<{ available: boolean; text: string | null; items: Array<{ entryId: string; question: string; answer: string; confidence: number }> }>('GET', `/workspace/conversations/${enc(id)}/assist`),
    supervisor: () => call<SupervisorView>('GET', '/workspace/supervisor'),
    transferTargets: () => call<TransferTargets>('GET', '/workspace/transfer-targets'),
    products: (q: string) => call<{ items: ShopProduct[] }>('GET', `/commerce/products?q=${enc(q)}&limit=8`),
    sendCard: (body: { conversationId: string; kind: string; ref?: string; query?: string }) => call<{ message: Message }>('POST', '/cards/send', body),
  };
}
