import { randomUUID } from 'node:crypto';
import { type Agent, type Contact, type Conversation, type HttpRoute, KefuError, type Message, type Plugin, type RouteContext, type RoutingDecision, isKefuError } from '@kefu/core';
import { type QuickReply, expandVariables, searchQuickReplies, unknownVariables } from './quick-replies.js';
import { TAG_PREFIXES, groupTags, isValidTag, tagKind } from './tags.js';

/** Error codes of the workspace routes (besides core's `KEFU_NOT_FOUND`, `KEFU_INVALID_INPUT`). */
export const WorkspaceErrors = {
  /** The caller's role may not do this (team quick replies, merchant tags, merge/split need a supervisor). */
  FORBIDDEN: 'KEFU_FORBIDDEN',
  /** A quick reply with this shortcut already exists in that library. */
  SHORTCUT_TAKEN: 'KEFU_WORKSPACE_SHORTCUT_TAKEN',
  /** A library is full (`maxQuickReplies`). */
  LIBRARY_FULL: 'KEFU_WORKSPACE_LIBRARY_FULL',
} as const;

/** Options of {@link workspacePlugin}. */
export interface WorkspacePluginOptions {
  /** Most quick replies per library (personal or team). Default 500. */
  maxQuickReplies?: number;
  /** Longest quick-reply text. Default 2000 characters. */
  maxQuickReplyLength?: number;
  /** Previous conversations the customer 360 lists. Default 20. */
  historyLimit?: number;
}

/** The path prefix of every workspace route. */
export const WORKSPACE_PREFIX = '/api/v1/workspace';

const ROLE_RANK: Record<Agent['role'], number> = { agent: 1, supervisor: 2, admin: 3 };
const NS = 'workspace.quick-replies';
const SHORTCUT = /^[\p{L}\p{N}_-]{1,32}$/u;

type Caller = NonNullable<RouteContext['agent']>;

const json = (status: number, body: unknown): Response => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

const invalid = (message: string, details?: Record<string, unknown>) => new KefuError('KEFU_INVALID_INPUT', message, details ? { details } : {});
const forbidden = (message: string) => new KefuError(WorkspaceErrors.FORBIDDEN, message);

const STATUS: Record<string, number> = {
  KEFU_INVALID_INPUT: 400,
  KEFU_FORBIDDEN: 403,
  KEFU_NOT_FOUND: 404,
  KEFU_ILLEGAL_TRANSITION: 409,
  [WorkspaceErrors.SHORTCUT_TAKEN]: 409,
  [WorkspaceErrors.LIBRARY_FULL]: 409,
};

function roleOf(ctx: RouteContext): Agent['role'] {
  // API keys come without an agent; the server already checked their role against the route's.
  return ctx.agent?.role ?? 'admin';
}

function requireAgent(ctx: RouteContext): Caller {
  if (!ctx.agent) throw forbidden('This route needs a signed-in agent, not an API key');
  return ctx.agent;
}

async function readJson(request: Request): Promise<Record<string, unknown>> {
  const raw = await request.text();
  if (raw.length > 65_536) throw invalid('The body is larger than 64 KiB');
  if (!raw) return {};
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw invalid('The body is not valid JSON');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalid('The body must be a JSON object');
  return body as Record<string, unknown>;
}

function str(body: Record<string, unknown>, key: string, opts: { required?: boolean; max: number }): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) {
    if (opts.required) throw invalid(`"${key}" is required`, { field: key });
    return undefined;
  }
  if (typeof v !== 'string' || (opts.required && v.trim() === '')) throw invalid(`"${key}" must be a non-empty string`, { field: key });
  if (v.length > opts.max) throw invalid(`"${key}" is longer than ${opts.max} characters`, { field: key });
  return v;
}

function stringArray(v: unknown, key: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string') || v.length > 50) throw invalid(`"${key}" must be an array of at most 50 strings`, { field: key });
  return v as string[];
}

/** What agents (not supervisors) see of a routing decision: the outcome, not the other candidates. */
function agentView(d: RoutingDecision): Partial<RoutingDecision> {
  const { candidates: _c, ...rest } = d;
  return rest;
}

/** A queue key: the target a conversation waits for (`team:pre-sales`, `skills:vip+coupon`, `any`). */
export function queueKey(target: RoutingDecision['target']): string {
  if (target.agentId) return `agent:${target.agentId}`;
  const parts: string[] = [];
  if (target.teamId) parts.push(`team:${target.teamId}`);
  if (target.skills?.length) parts.push(`skills:${[...target.skills].sort().join('+')}`);
  if (target.language) parts.push(`lang:${target.language}`);
  return parts.join(' ') || 'any';
}

/**
 * The workspace plugin: the HTTP API behind the agent console's workspace — quick replies
 * (personal and team, variables, usage counts), contact tags by kind, manual merge and split with
 * their audit trail, routing decisions, the supervisor view, transfer targets, the customer 360
 * and agent assist. Every route is under {@link WORKSPACE_PREFIX}, tenant-scoped by the caller.
 */
export const workspacePlugin: Plugin<WorkspacePluginOptions | void> = {
  name: 'workspace',
  setup(app, options) {
    const opts = options ?? {};
    const maxReplies = opts.maxQuickReplies ?? 500;
    const maxLength = opts.maxQuickReplyLength ?? 2000;
    const historyLimit = opts.historyLimit ?? 20;

    const add = (method: HttpRoute['method'], path: string, auth: HttpRoute['auth'], fn: (request: Request, ctx: RouteContext) => Promise<unknown>) =>
      app.httpRoute({
        method,
        path: `${WORKSPACE_PREFIX}${path}`,
        auth,
        async handler(request, ctx) {
          try {
            return json(200, await fn(request, ctx));
          } catch (error) {
            if (isKefuError(error) && STATUS[error.code]) return json(STATUS[error.code]!, { error: error.toJSON() });
            throw error;
          }
        },
      });

    // Quick replies live in the store's key-value space: one record per library. Writes to one
    // library are serialized in this process so concurrent usage counts are not lost.
    const locks = new Map<string, Promise<unknown>>();
    const withLibrary = async <T>(key: string, work: (items: QuickReply[]) => Promise<{ items?: QuickReply[]; result: T }>): Promise<T> => {
      const previous = locks.get(key) ?? Promise.resolve();
      const run = previous.catch(() => undefined).then(async () => {
        const items = (await app.store.kvGet<QuickReply[]>(NS, key)) ?? [];
        const out = await work(items);
        if (out.items) await app.store.kvSet(NS, key, out.items);
        return out.result;
      });
      locks.set(key, run);
      try {
        return await run;
      } finally {
        if (locks.get(key) === run) locks.delete(key);
      }
    };
    const teamKey = (tenantId: string) => `${tenantId}:team`;
    const personalKey = (tenantId: string, agentId: string) => `${tenantId}:agent:${agentId}`;
    const libraryOf = (r: Pick<QuickReply, 'scope' | 'tenantId' | 'ownerId'>) => (r.scope === 'team' ? teamKey(r.tenantId) : personalKey(r.tenantId, r.ownerId!));

    const visibleReplies = async (tenantId: string, agent: Caller | undefined): Promise<QuickReply[]> => {
      const team = (await app.store.kvGet<QuickReply[]>(NS, teamKey(tenantId))) ?? [];
      const full = agent ? await app.store.getAgent(tenantId, agent.id) : undefined;
      const teams = new Set(full?.teams ?? []);
      const mine = agent ? ((await app.store.kvGet<QuickReply[]>(NS, personalKey(tenantId, agent.id))) ?? []) : [];
      return [...mine, ...team.filter((r) => !r.teamId || !agent || ROLE_RANK[agent.role] >= 2 || teams.has(r.teamId))];
    };
    const findReply = async (ctx: RouteContext, id: string): Promise<QuickReply> => {
      const found = (await visibleReplies(ctx.tenantId, ctx.agent)).find((r) => r.id === id);
      if (!found) throw new KefuError('KEFU_NOT_FOUND', `No quick reply "${id}"`);
      return found;
    };
    const mayEdit = (ctx: RouteContext, r: QuickReply) => (r.scope === 'team' ? ROLE_RANK[roleOf(ctx)] >= 2 : r.ownerId === ctx.agent?.id);

    add('GET', '/quick-replies', 'agent', async (request, ctx) => {
      const q = new URL(request.url).searchParams;
      const all = await visibleReplies(ctx.tenantId, ctx.agent);
      const scope = q.get('scope');
      const items = scope === 'team' || scope === 'personal' ? all.filter((r) => r.scope === scope) : all;
      return { items: searchQuickReplies(items, q.get('q') ?? '', Math.min(200, Math.max(1, Number(q.get('limit')) || 200))) };
    });

    const parseReply = (body: Record<string, unknown>, partial: boolean) => {
      const shortcut = str(body, 'shortcut', { required: !partial, max: 32 });
      if (shortcut !== undefined && !SHORTCUT.test(shortcut)) throw invalid('"shortcut" is 1–32 letters, digits, "-" or "_"', { field: 'shortcut' });
      const text = str(body, 'text', { required: !partial, max: maxLength });
      const title = str(body, 'title', { max: 80 });
      const teamId = str(body, 'teamId', { max: 64 });
      if (text !== undefined) {
        const unknown = unknownVariables(text);
        if (unknown.length) throw invalid(`Unknown variables: ${unknown.map((v) => `{${v}}`).join(', ')}`, { field: 'text', unknown });
      }
      return { shortcut, text, title, teamId };
    };

    add('POST', '/quick-replies', 'agent', async (request, ctx) => {
      const body = await readJson(request);
      const scope = body.scope ?? 'personal';
      if (scope !== 'personal' && scope !== 'team') throw invalid('"scope" is "personal" or "team"', { field: 'scope' });
      if (scope === 'team' && ROLE_RANK[roleOf(ctx)] < 2) throw forbidden('Only supervisors and admins edit the team library');
      const agent = scope === 'personal' ? requireAgent(ctx) : ctx.agent;
      const p = parseReply(body, false);
      const now = app.clock.now();
      const reply: QuickReply = {
        id: randomUUID(),
        tenantId: ctx.tenantId,
        scope,
        ...(scope === 'personal' ? { ownerId: agent!.id } : {}),
        ...(scope === 'team' && p.teamId ? { teamId: p.teamId } : {}),
        shortcut: p.shortcut!,
        title: p.title ?? p.shortcut!,
        text: p.text!,
        usage: 0,
        ...(agent ? { createdBy: agent.id } : {}),
        createdAt: now,
        updatedAt: now,
      };
      return withLibrary(libraryOf(reply), async (items) => {
        if (items.length >= maxReplies) throw new KefuError(WorkspaceErrors.LIBRARY_FULL, `A library holds at most ${maxReplies} quick replies`);
        if (items.some((r) => r.shortcut === reply.shortcut)) throw new KefuError(WorkspaceErrors.SHORTCUT_TAKEN, `"/${reply.shortcut}" exists already`);
        return { items: [...items, reply], result: { quickReply: reply } };
      });
    });

    add('PATCH', '/quick-replies/:id', 'agent', async (request, ctx) => {
      const body = await readJson(request);
      const existing = await findReply(ctx, ctx.params.id!);
      if (!mayEdit(ctx, existing)) throw forbidden(existing.scope === 'team' ? 'Only supervisors and admins edit the team library' : 'This quick reply is not yours');
      const p = parseReply(body, true);
      return withLibrary(libraryOf(existing), async (items) => {
        const i = items.findIndex((r) => r.id === existing.id);
        if (i < 0) throw new KefuError('KEFU_NOT_FOUND', `No quick reply "${existing.id}"`);
        if (p.shortcut && items.some((r) => r.shortcut === p.shortcut && r.id !== existing.id)) throw new KefuError(WorkspaceErrors.SHORTCUT_TAKEN, `"/${p.shortcut}" exists already`);
        const updated: QuickReply = { ...items[i]!, ...(p.shortcut ? { shortcut: p.shortcut } : {}), ...(p.text ? { text: p.text } : {}), ...(p.title ? { title: p.title } : {}), updatedAt: app.clock.now() };
        return { items: items.map((r, j) => (j === i ? updated : r)), result: { quickReply: updated } };
      });
    });

    add('DELETE', '/quick-replies/:id', 'agent', async (_request, ctx) => {
      const existing = await findReply(ctx, ctx.params.id!);
      if (!mayEdit(ctx, existing)) throw forbidden(existing.scope === 'team' ? 'Only supervisors and admins edit the team library' : 'This quick reply is not yours');
      return withLibrary(libraryOf(existing), async (items) => ({ items: items.filter((r) => r.id !== existing.id), result: { ok: true } }));
    });

    // Insert: expands the variables for a conversation and counts the use.
    add('POST', '/quick-replies/:id/use', 'agent', async (request, ctx) => {
      const body = await readJson(request);
      const conversationId = str(body, 'conversationId', { max: 128 });
      const existing = await findReply(ctx, ctx.params.id!);
      let conversation: Conversation | undefined;
      let contact: Contact | undefined;
      if (conversationId) {
        conversation = await app.conversations.get(conversationId, ctx.tenantId);
        contact = await app.contacts.get(conversation.contactId, ctx.tenantId);
      }
      const expanded = expandVariables(existing.text, { ...(contact ? { contact } : {}), ...(conversation ? { conversation } : {}), ...(ctx.agent ? { agent: ctx.agent } : {}) });
      const usage = await withLibrary(libraryOf(existing), async (items) => {
        const next = items.map((r) => (r.id === existing.id ? { ...r, usage: r.usage + 1 } : r));
        return { items: next, result: next.find((r) => r.id === existing.id)?.usage ?? existing.usage + 1 };
      });
      if (ctx.agent) app.agents.touch(ctx.agent.id, ctx.tenantId);
      return { ...expanded, usage };
    });

    // Tags by kind: agents edit user and business tags, merchant tags need a supervisor.
    add('PATCH', '/contacts/:id/tags', 'agent', async (request, ctx) => {
      const body = await readJson(request);
      const addTags = stringArray(body.add, 'add');
      const removeTags = stringArray(body.remove, 'remove');
      if (addTags.length + removeTags.length === 0) throw invalid('Give "add" and/or "remove"');
      const bad = [...addTags, ...removeTags].filter((t) => !isValidTag(t));
      if (bad.length) throw invalid(`Tags start with ${Object.values(TAG_PREFIXES).join(', ')} and have 1–40 characters: ${bad.join(', ')}`, { tags: bad });
      if (ROLE_RANK[roleOf(ctx)] < 2 && [...addTags, ...removeTags].some((t) => tagKind(t) === 'merchant')) throw forbidden('Only supervisors and admins change merchant tags');
      const contact = await app.contacts.get(ctx.params.id!, ctx.tenantId);
      const remove = new Set(removeTags);
      const tags = [...new Set([...contact.tags.filter((t) => !remove.has(t)), ...addTags])];
      if (tags.length > 100) throw invalid('A contact has at most 100 tags');
      const updated = await app.contacts.update(contact.id, { tags }, ctx.tenantId);
      if (ctx.agent) app.agents.touch(ctx.agent.id, ctx.tenantId);
      return { contact: updated, tags: groupTags(updated.tags) };
    });

    add('POST', '/contacts/:id/merge', 'supervisor', async (request, ctx) => {
      const body = await readJson(request);
      const sourceId = str(body, 'sourceId', { required: true, max: 128 })!;
      const reason = str(body, 'reason', { max: 200 });
      const contact = await app.contacts.merge(ctx.params.id!, sourceId, { tenantId: ctx.tenantId, reason: reason ?? 'manual', ...(ctx.agent ? { by: ctx.agent.id } : {}) });
      return { contact, audit: await app.contacts.audit(contact.id, ctx.tenantId) };
    });

    add('POST', '/contacts/:id/split', 'supervisor', async (request, ctx) => {
      const body = await readJson(request);
      const identities = body.identities;
      if (!Array.isArray(identities) || identities.length === 0 || identities.some((i) => !i || typeof i.channel !== 'string' || typeof i.externalId !== 'string')) {
        throw invalid('"identities" must be a non-empty array of { channel, externalId }', { field: 'identities' });
      }
      const identifiers = body.identifiers;
      if (identifiers !== undefined && (!Array.isArray(identifiers) || identifiers.some((i) => !i || typeof i.kind !== 'string' || typeof i.value !== 'string'))) {
        throw invalid('"identifiers" must be an array of { kind, value }', { field: 'identifiers' });
      }
      const source = await app.contacts.get(ctx.params.id!, ctx.tenantId);
      const missing = (identities as Array<{ channel: string; externalId: string }>).filter((i) => !source.identities.some((s) => s.channel === i.channel && s.externalId === i.externalId));
      if (missing.length) throw invalid('Some identities are not on this contact', { missing });
      const result = await app.contacts.split(
        source.id,
        { identities: identities.map((i: { channel: string; externalId: string }) => ({ channel: i.channel, externalId: i.externalId })), ...(identifiers ? { identifiers } : {}), ...(ctx.agent ? { by: ctx.agent.id } : {}) },
        ctx.tenantId,
      );
      return { ...result, audit: await app.contacts.audit(source.id, ctx.tenantId) };
    });

    add('GET', '/contacts/:id/audit', 'agent', async (_request, ctx) => {
      const contact = await app.contacts.get(ctx.params.id!, ctx.tenantId);
      return { items: await app.contacts.audit(contact.id, ctx.tenantId) };
    });

    // The customer 360: every identity, tags by kind, previous conversations on all channels,
    // browsing trail, buying stage and, with a commerce provider, orders, spend and coupons.
    add('GET', '/contacts/:id/360', 'agent', async (_request, ctx) => {
      const contact = await app.contacts.get(ctx.params.id!, ctx.tenantId);
      const conversations = await app.store.listConversations({ tenantId: ctx.tenantId, contactId: contact.id, limit: historyLimit });
      const rows = await Promise.all(
        conversations
          .sort((a, b) => b.openedAt - a.openedAt || Number(a.status === 'closed') - Number(b.status === 'closed'))
          .map(async (c) => {
            const [last] = await app.store.listMessages(c.id, { beforeSeq: c.lastSeq + 1, limit: 1 });
            return { conversation: c, ...(last ? { lastMessage: stripRaw(last) } : {}) };
          }),
      );
      let commerce: unknown = null;
      let commerceError: string | undefined;
      if (app.hasService('commerce')) {
        try {
          commerce = (await (app.services as unknown as { commerce: { profile(c: Contact): Promise<unknown> } }).commerce.profile(contact)) ?? null;
        } catch (error) {
          // The shop being down must not hide the rest of the customer.
          commerceError = isKefuError(error) ? error.code : 'KEFU_COMMERCE_UNAVAILABLE';
        }
      }
      const trail = Array.isArray(contact.attributes.browsingTrail) ? contact.attributes.browsingTrail : [];
      const open = conversations.find((c) => c.status !== 'closed');
      return {
        contact,
        tags: groupTags(contact.tags),
        channels: [...new Set(contact.identities.map((i) => i.channel))],
        conversations: rows,
        browsingTrail: trail,
        stage: (commerce as { stage?: string } | null)?.stage ?? (open?.attributes.stage as string | undefined) ?? null,
        commerce,
        ...(commerceError ? { commerceError } : {}),
        commerceAvailable: app.hasService('commerce'),
      };
    });

    add('GET', '/conversations/:id/routing', 'agent', async (_request, ctx) => {
      const c = await app.conversations.get(ctx.params.id!, ctx.tenantId);
      const supervisor = ROLE_RANK[roleOf(ctx)] >= 2;
      const current = c.attributes.routing as RoutingDecision | undefined;
      const history = (c.attributes.routingHistory as RoutingDecision[] | undefined) ?? [];
      const shape = (d: RoutingDecision) => (supervisor ? d : agentView(d));
      return {
        routing: current ? shape(current) : null,
        history: history.map(shape),
        handoff: c.attributes.handoff ?? null,
        queuePosition: c.status === 'queued' ? (app.conversations.queuePosition(c.id) ?? null) : null,
        estimatedWaitSeconds: c.status === 'queued' ? (app.router.estimatedWaitSeconds(c.id) ?? null) : null,
      };
    });

    add('GET', '/supervisor', 'supervisor', async (_request, ctx) => {
      const now = app.clock.now();
      const queued = app.router.queued(ctx.tenantId);
      const conversations = await Promise.all(queued.map((q) => app.store.getConversation(q.conversationId, ctx.tenantId)));
      const assigned = await app.store.listConversations({ tenantId: ctx.tenantId, status: ['assigned'], limit: 5000 });
      // Names for the rows: one contact lookup per distinct contact.
      const names = new Map<string, string | undefined>();
      for (const c of [...conversations, ...assigned]) if (c && !names.has(c.contactId)) names.set(c.contactId, (await app.store.getContact(ctx.tenantId, c.contactId))?.name);
      const queues = new Map<string, { key: string; target: RoutingDecision['target']; items: unknown[]; longestWaitMs: number }>();
      queued.forEach((q, i) => {
        const c = conversations[i];
        const key = queueKey(q.target);
        const queue = queues.get(key) ?? { key, target: q.target, items: [], longestWaitMs: 0 };
        const waitMs = now - q.queuedAt;
        queue.items.push({
          conversationId: q.conversationId,
          contactId: c?.contactId,
          customer: c ? (names.get(c.contactId) ?? null) : null,
          channel: c?.channel,
          priority: q.priority,
          queuedAt: q.queuedAt,
          waitMs,
          position: app.conversations.queuePosition(q.conversationId) ?? null,
          estimatedWaitSeconds: app.router.estimatedWaitSeconds(q.conversationId) ?? null,
          routing: c?.attributes.routing ?? null,
          handoff: c?.attributes.handoff ?? null,
        });
        queue.longestWaitMs = Math.max(queue.longestWaitMs, waitMs);
        queues.set(key, queue);
      });
      const agents = app.router.agentStates(ctx.tenantId).map((s) => ({
        id: s.agent.id,
        name: s.agent.name,
        role: s.agent.role,
        presence: s.agent.presence,
        teams: s.agent.teams,
        skills: s.agent.skills,
        languages: s.agent.languages,
        load: s.load,
        capacity: s.agent.capacity,
        conversations: assigned
          .filter((c) => c.assigneeId === s.agent.id)
          .map((c) => ({ conversationId: c.id, contactId: c.contactId, customer: names.get(c.contactId) ?? null, channel: c.channel, priority: c.priority, assignedAt: c.assignedAt ?? null, routing: c.attributes.routing ?? null })),
      }));
      return {
        at: now,
        queues: [...queues.values()],
        agents,
        totals: {
          queued: queued.length,
          online: agents.filter((a) => a.presence === 'online').length,
          load: agents.reduce((n, a) => n + a.load, 0),
          capacity: agents.filter((a) => a.presence === 'online').reduce((n, a) => n + a.capacity, 0),
        },
      };
    });

    add('GET', '/transfer-targets', 'agent', async (_request, ctx) => {
      const states = app.router.agentStates(ctx.tenantId);
      const agents = states
        .filter((s) => s.agent.id !== ctx.agent?.id)
        .map((s) => ({ id: s.agent.id, name: s.agent.name, presence: s.agent.presence, teams: s.agent.teams, skills: s.agent.skills, languages: s.agent.languages, load: s.load, capacity: s.agent.capacity, free: Math.max(0, s.agent.capacity - s.load) }))
        .sort((a, b) => Number(b.presence === 'online') - Number(a.presence === 'online') || b.free - a.free || a.name.localeCompare(b.name));
      const teams = (await app.store.listTeams(ctx.tenantId)).map((t) => {
        const members = states.filter((s) => s.agent.teams.includes(t.id));
        const online = members.filter((s) => s.agent.presence === 'online');
        return { id: t.id, name: t.name, members: members.length, online: online.length, free: online.reduce((n, s) => n + Math.max(0, s.agent.capacity - s.load), 0) };
      });
      return { agents, teams };
    });

    add('GET', '/conversations/:id/assist', 'agent', async (request, ctx) => {
      const c = await app.conversations.get(ctx.params.id!, ctx.tenantId);
      if (!app.hasService('bot')) return { available: false, text: null, items: [] };
      const recent = await app.store.listMessages(c.id, { beforeSeq: c.lastSeq + 1, limit: 20 });
      const last = [...recent].reverse().find((m) => m.direction === 'inbound' && m.author.role === 'customer' && m.text.trim());
      const bot = (app.services as unknown as { bot: { suggestFor?: (text: string, o?: Record<string, unknown>) => unknown[] } }).bot;
      if (!last || typeof bot.suggestFor !== 'function') return { available: typeof bot.suggestFor === 'function', text: last?.text ?? null, items: [] };
      const contact = await app.contacts.get(c.contactId, ctx.tenantId);
      const limit = Math.min(5, Math.max(1, Number(new URL(request.url).searchParams.get('limit')) || 3));
      return { available: true, text: last.text, messageId: last.id, items: bot.suggestFor(last.text, { limit, channel: c.channel, tier: contact.tier, tags: contact.tags }) };
    });
  },
};

function stripRaw(m: Message): Omit<Message, 'raw'> {
  const { raw: _raw, ...rest } = m;
  return rest;
}
