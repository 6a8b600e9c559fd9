import { type Agent, type Author, type Contact, type Conversation, type ConversationStatus, ErrorCodes, type KefuApp, KefuError, type Message, newId } from '@kefu/core';
import { type AgentsAuth, type Principal, requireAgent, requireRole, roleAtLeast } from './auth.js';
import { ServerErrorCodes, forbidden, notFound } from './errors.js';
import { type RouteDef, route } from './routes.js';
import * as S from './schemas.js';

/** A message as the API and the agent socket send it: without the channel's `raw` payload. */
export type PublicMessage = Omit<Message, 'raw'>;

/** Drops `raw` (channel payloads may hold secrets and are large). */
export function publicMessage(message: Message): PublicMessage {
  const { raw: _raw, ...rest } = message;
  return rest;
}

const ALL_STATUSES: ConversationStatus[] = ['bot', 'queued', 'assigned', 'closed'];

function authorOf(principal: Principal): Author {
  return principal.kind === 'agent' ? { role: 'agent', id: principal.agent.id, name: principal.agent.name } : { role: 'system', id: `api:${principal.name}`, name: principal.name };
}

/** True when the principal may change the conversation: supervisors and up, or its assignee. */
function mayHandle(principal: Principal, conversation: Conversation): boolean {
  if (roleAtLeast(principal.role, 'supervisor')) return true;
  return principal.kind === 'agent' && conversation.status === 'assigned' && conversation.assigneeId === principal.agent.id;
}

/** The REST routes (relative to `/api/v1`). */
export function apiRoutes({ app, auth, openapi }: { app: KefuApp; auth: AgentsAuth; openapi: () => unknown }): RouteDef[] {
  const { store } = app;

  const conversationIn = async (principal: Principal, id: string) => {
    const c = await store.getConversation(id, principal.tenantId);
    if (!c) throw notFound('conversation', id);
    return c;
  };
  const contactIn = async (tenantId: string, id: string) => {
    const c = await store.getContact(tenantId, id);
    if (!c) throw notFound('contact', id);
    return c;
  };
  const withLoad = (agent: Agent) => ({ ...agent, load: app.router.agentState(agent.id)?.load ?? 0 });
  const emailTaken = async (tenantId: string, email: string, exceptId?: string) =>
    (await store.listAgents(tenantId)).some((a) => a.id !== exceptId && a.email?.toLowerCase() === email.toLowerCase());
  const queuePosition = (c: Conversation) => {
    const p = c.status === 'queued' ? app.conversations.queuePosition(c.id) : undefined;
    return p === undefined ? {} : { queuePosition: p };
  };

  return [
    route({
      method: 'POST',
      path: '/auth/login',
      tag: 'auth',
      summary: 'Logs an agent in with e-mail and password',
      auth: 'public',
      body: S.LoginRequest,
      response: S.LoginResponse,
      async handler({ body }) {
        const { token, agent } = await auth.login(body.email, body.password, body.tenantId);
        return { token, agent };
      },
    }),
    route({
      method: 'GET',
      path: '/me',
      tag: 'auth',
      summary: 'The agent of the token',
      auth: 'agent',
      response: S.AgentResponse,
      async handler({ principal }) {
        return { agent: requireAgent(principal) };
      },
    }),
    route({
      method: 'PUT',
      path: '/me/presence',
      tag: 'auth',
      summary: "Sets the caller's presence (online pulls from the queue)",
      auth: 'agent',
      body: S.PresenceRequest,
      response: S.AgentResponse,
      async handler({ principal, body }) {
        const me = requireAgent(principal);
        return { agent: await app.agents.setPresence(me.id, body.presence, me.tenantId) };
      },
    }),

    // Agents and teams
    route({
      method: 'GET',
      path: '/agents',
      tag: 'agents',
      summary: "The tenant's agents with their current load",
      auth: 'agent',
      response: S.AgentList,
      async handler({ principal }) {
        return { items: (await app.agents.list(principal.tenantId)).map(withLoad) };
      },
    }),
    route({
      method: 'POST',
      path: '/agents',
      tag: 'agents',
      summary: 'Creates an agent with a password (admin)',
      auth: 'admin',
      body: S.CreateAgentRequest,
      response: S.AgentResponse,
      status: 201,
      errors: [409],
      async handler({ principal, body }) {
        const { password, id, ...fields } = body;
        const tenantId = principal.tenantId;
        if (id && (await store.getAgent(tenantId, id))) throw new KefuError(ServerErrorCodes.ALREADY_EXISTS, `Agent "${id}" exists`, { details: { agentId: id } });
        if (await emailTaken(tenantId, fields.email)) throw new KefuError(ServerErrorCodes.ALREADY_EXISTS, `An agent with e-mail "${fields.email}" exists`, { details: { email: fields.email } });
        const agent = await app.agents.upsert({ ...fields, id: id ?? newId(app.clock.now()), tenantId });
        await auth.setPassword(tenantId, agent.id, password);
        return { agent };
      },
    }),
    route({
      method: 'PATCH',
      path: '/agents/:id',
      tag: 'agents',
      summary: 'Changes an agent (admin)',
      auth: 'admin',
      params: S.IdParams,
      body: S.UpdateAgentRequest,
      response: S.AgentResponse,
      errors: [404, 409],
      async handler({ principal, params, body }) {
        const existing = await store.getAgent(principal.tenantId, params.id);
        if (!existing) throw notFound('agent', params.id);
        const { password, ...fields } = body;
        if (fields.email && (await emailTaken(principal.tenantId, fields.email, existing.id))) {
          throw new KefuError(ServerErrorCodes.ALREADY_EXISTS, `An agent with e-mail "${fields.email}" exists`, { details: { email: fields.email } });
        }
        const { createdAt: _c, updatedAt: _u, ...rest } = existing;
        const agent = Object.keys(fields).length ? await app.agents.upsert({ ...rest, ...fields }) : existing;
        if (password) await auth.setPassword(principal.tenantId, agent.id, password);
        return { agent };
      },
    }),
    route({
      method: 'GET',
      path: '/teams',
      tag: 'agents',
      summary: "The tenant's teams",
      auth: 'agent',
      response: S.TeamList,
      async handler({ principal }) {
        return { items: await store.listTeams(principal.tenantId) };
      },
    }),
    route({
      method: 'POST',
      path: '/teams',
      tag: 'agents',
      summary: 'Creates a team (admin)',
      auth: 'admin',
      body: S.CreateTeamRequest,
      response: S.TeamResponse,
      status: 201,
      errors: [409],
      async handler({ principal, body }) {
        const id = body.id ?? newId(app.clock.now());
        if ((await store.listTeams(principal.tenantId)).some((t) => t.id === id)) throw new KefuError(ServerErrorCodes.ALREADY_EXISTS, `Team "${id}" exists`, { details: { teamId: id } });
        return { team: await store.upsertTeam({ id, tenantId: principal.tenantId, name: body.name, attributes: {} }) };
      },
    }),

    // Conversations
    route({
      method: 'GET',
      path: '/conversations',
      tag: 'conversations',
      summary: 'Lists conversations, newest activity first (agents: queued and their own; supervisors: all)',
      auth: 'agent',
      query: S.ConversationListQuery,
      response: S.ConversationList,
      async handler({ principal, query }) {
        const tenantId = principal.tenantId;
        const statuses = query.status ?? ALL_STATUSES;
        let assigneeId: string | undefined;
        if (query.assignee === 'me') assigneeId = requireAgent(principal).id;
        else assigneeId = query.assignee;
        // The store cannot filter on attributes: with a stage, read up to the largest page and filter here.
        const base = { tenantId, limit: query.stage ? 500 : query.limit, ...(query.contactId ? { contactId: query.contactId } : {}) };
        let conversations: Conversation[];
        if (roleAtLeast(principal.role, 'supervisor')) {
          conversations = await store.listConversations({ ...base, status: statuses, ...(assigneeId ? { assigneeId } : {}) });
        } else {
          const me = requireAgent(principal);
          const found = new Map<string, Conversation>();
          if (statuses.includes('queued') && !assigneeId) for (const c of await store.listConversations({ ...base, status: ['queued'] })) found.set(c.id, c);
          const own = statuses.filter((s) => s !== 'queued');
          if (own.length && (!assigneeId || assigneeId === me.id)) for (const c of await store.listConversations({ ...base, status: own, assigneeId: me.id })) found.set(c.id, c);
          conversations = [...found.values()].sort((a, b) => b.lastMessageAt - a.lastMessageAt);
        }
        if (query.stage) conversations = conversations.filter((c) => c.attributes.stage === query.stage);
        conversations = conversations.slice(0, query.limit);
        const contacts = new Map<string, Contact | undefined>();
        const items = [];
        for (const conversation of conversations) {
          if (!contacts.has(conversation.contactId)) contacts.set(conversation.contactId, await store.getContact(tenantId, conversation.contactId));
          const contact = contacts.get(conversation.contactId);
          if (!contact) continue;
          const [last] = conversation.lastSeq > 0 ? await store.listMessages(conversation.id, { beforeSeq: conversation.lastSeq + 1, limit: 1 }) : [];
          items.push({ conversation, contact, ...(last ? { lastMessage: publicMessage(last) } : {}), ...queuePosition(conversation) });
        }
        return { items };
      },
    }),
    route({
      method: 'GET',
      path: '/conversations/:id',
      tag: 'conversations',
      summary: 'A conversation with its contact',
      auth: 'agent',
      params: S.IdParams,
      response: S.ConversationDetail,
      errors: [404],
      async handler({ principal, params, bindConversation }) {
        bindConversation(params.id);
        const conversation = await conversationIn(principal, params.id);
        return { conversation, contact: await contactIn(conversation.tenantId, conversation.contactId), ...queuePosition(conversation) };
      },
    }),
    route({
      method: 'GET',
      path: '/conversations/:id/messages',
      tag: 'conversations',
      summary: 'Messages in seq order (afterSeq pages forward; beforeSeq gives the newest before it)',
      auth: 'agent',
      params: S.IdParams,
      query: S.MessageListQuery,
      response: S.MessageList,
      errors: [404],
      async handler({ principal, params, query, bindConversation }) {
        bindConversation(params.id);
        await conversationIn(principal, params.id);
        const items = await store.listMessages(params.id, {
          limit: query.limit,
          ...(query.afterSeq !== undefined ? { afterSeq: query.afterSeq } : {}),
          ...(query.beforeSeq !== undefined ? { beforeSeq: query.beforeSeq } : {}),
        });
        return { items: items.map(publicMessage) };
      },
    }),
    route({
      method: 'POST',
      path: '/conversations/:id/messages',
      tag: 'conversations',
      summary: 'Sends a message to the customer (or an internal note) as the caller',
      auth: 'agent',
      params: S.IdParams,
      body: S.SendMessageRequest,
      response: S.MessageResponse,
      status: 201,
      errors: [404, 409, 422],
      async handler({ principal, params, body, bindConversation }) {
        bindConversation(params.id);
        const conversation = await conversationIn(principal, params.id);
        // Notes can be left on any conversation of the tenant; only its assignee (or a supervisor) speaks to the customer.
        if (!body.internal && !mayHandle(principal, conversation)) {
          if (conversation.status === 'closed') throw new KefuError(ErrorCodes.ILLEGAL_TRANSITION, 'Cannot send to a closed conversation', { details: { conversationId: conversation.id } });
          throw forbidden('Only the assigned agent or a supervisor can reply in this conversation', { conversationId: conversation.id, status: conversation.status });
        }
        const parts = body.parts ?? [{ type: 'text' as const, text: body.text! }];
        const message = await app.send(conversation.id, parts as Message['parts'], { author: authorOf(principal), tenantId: principal.tenantId, direction: body.internal ? 'internal' : 'outbound' });
        return { message: publicMessage(message) };
      },
    }),
    route({
      method: 'POST',
      path: '/conversations/:id/accept',
      tag: 'conversations',
      summary: 'Takes a queued (or bot) conversation',
      auth: 'agent',
      params: S.IdParams,
      body: S.AcceptRequest,
      response: S.ConversationResponse,
      errors: [404, 409],
      async handler({ principal, params, body, bindConversation }) {
        bindConversation(params.id);
        await conversationIn(principal, params.id);
        let agentId: string;
        if (body.agentId && (principal.kind !== 'agent' || body.agentId !== principal.agent.id)) {
          requireRole(principal, 'supervisor');
          agentId = body.agentId;
        } else if (principal.kind === 'agent') agentId = principal.agent.id;
        else throw new KefuError(ErrorCodes.INVALID_INPUT, 'An API key must name the agentId to accept for', { details: { field: 'agentId' } });
        return { conversation: await app.conversations.accept(params.id, agentId, principal.tenantId) };
      },
    }),
    route({
      method: 'POST',
      path: '/conversations/:id/transfer',
      tag: 'conversations',
      summary: 'Transfers to an agent or a team, with an optional internal note',
      auth: 'agent',
      params: S.IdParams,
      body: S.TransferRequest,
      response: S.ConversationResponse,
      errors: [404, 409],
      async handler({ principal, params, body, bindConversation }) {
        bindConversation(params.id);
        const conversation = await conversationIn(principal, params.id);
        if (conversation.status === 'closed') throw new KefuError(ErrorCodes.ILLEGAL_TRANSITION, 'A closed conversation cannot be transferred', { details: { conversationId: conversation.id } });
        if (!mayHandle(principal, conversation)) throw forbidden('Only the assigned agent or a supervisor can transfer this conversation', { conversationId: conversation.id });
        if (body.force) requireRole(principal, 'supervisor');
        if (body.teamId && !(await store.listTeams(principal.tenantId)).some((t) => t.id === body.teamId)) throw notFound('team', body.teamId);
        const to = body.agentId ? { agentId: body.agentId, ...(body.force ? { force: true } : {}) } : { teamId: body.teamId! };
        return { conversation: await app.conversations.transfer(params.id, to, { by: authorOf(principal), tenantId: principal.tenantId, ...(body.note ? { note: body.note } : {}) }) };
      },
    }),
    route({
      method: 'POST',
      path: '/conversations/:id/close',
      tag: 'conversations',
      summary: 'Closes a conversation',
      auth: 'agent',
      params: S.IdParams,
      body: S.CloseRequest,
      response: S.ConversationResponse,
      errors: [404, 409],
      async handler({ principal, params, body, bindConversation }) {
        bindConversation(params.id);
        const conversation = await conversationIn(principal, params.id);
        if (conversation.status !== 'closed' && !mayHandle(principal, conversation)) throw forbidden('Only the assigned agent or a supervisor can close this conversation', { conversationId: conversation.id });
        return { conversation: await app.conversations.close(params.id, { tenantId: principal.tenantId, reason: body.reason ?? `closed by ${authorOf(principal).id}` }) };
      },
    }),
    route({
      method: 'PATCH',
      path: '/conversations/:id',
      tag: 'conversations',
      summary: 'Changes tags or priority',
      auth: 'agent',
      params: S.IdParams,
      body: S.UpdateConversationRequest,
      response: S.ConversationResponse,
      errors: [404],
      async handler({ principal, params, body, bindConversation }) {
        bindConversation(params.id);
        const conversation = await conversationIn(principal, params.id);
        if (!mayHandle(principal, conversation)) throw forbidden('Only the assigned agent or a supervisor can change this conversation', { conversationId: conversation.id });
        return { conversation: await app.conversations.update(params.id, body, principal.tenantId) };
      },
    }),

    // Contacts
    route({
      method: 'GET',
      path: '/contacts',
      tag: 'contacts',
      summary: 'Lists or searches contacts',
      auth: 'agent',
      query: S.ContactListQuery,
      response: S.ContactList,
      async handler({ principal, query }) {
        return { items: await store.listContacts(principal.tenantId, { limit: query.limit, ...(query.search ? { search: query.search } : {}) }) };
      },
    }),
    route({
      method: 'GET',
      path: '/contacts/:id',
      tag: 'contacts',
      summary: 'A contact with their conversations (newest first)',
      auth: 'agent',
      params: S.IdParams,
      response: S.ContactDetail,
      errors: [404],
      async handler({ principal, params }) {
        const contact = await contactIn(principal.tenantId, params.id);
        return { contact, conversations: await store.listConversations({ tenantId: principal.tenantId, contactId: contact.id, limit: 100 }) };
      },
    }),
    route({
      method: 'PATCH',
      path: '/contacts/:id',
      tag: 'contacts',
      summary: "Changes a contact's name, tier or tags",
      auth: 'agent',
      params: S.IdParams,
      body: S.UpdateContactRequest,
      response: S.ContactResponse,
      errors: [404],
      async handler({ principal, params, body }) {
        await contactIn(principal.tenantId, params.id);
        return { contact: await app.contacts.update(params.id, body, principal.tenantId) };
      },
    }),
    route({
      method: 'POST',
      path: '/contacts/:id/merge',
      tag: 'contacts',
      summary: 'Merges another contact into this one (supervisor)',
      auth: 'supervisor',
      params: S.IdParams,
      body: S.MergeContactRequest,
      response: S.ContactResponse,
      errors: [404],
      async handler({ principal, params, body }) {
        return { contact: await app.contacts.merge(params.id, body.sourceId, { tenantId: principal.tenantId, reason: `merged by ${authorOf(principal).id}` }) };
      },
    }),

    route({
      method: 'GET',
      path: '/queue',
      tag: 'conversations',
      summary: "The tenant's queue in service order",
      auth: 'agent',
      response: S.QueueList,
      async handler({ principal }) {
        return { items: app.router.queued(principal.tenantId).map((e, i) => ({ ...e, position: i + 1 })) };
      },
    }),
    route({
      method: 'GET',
      path: '/openapi.json',
      tag: 'meta',
      summary: 'This document',
      auth: 'public',
      response: S.OkResponse,
      async handler() {
        return openapi();
      },
    }),
  ];
}
