import { ErrorCodes, KefuError } from './errors.js';
import { newId } from './ids.js';
import type { Agent, Contact, Conversation, Identity, Message, Team, VerifiedIdentifier } from './model.js';
import type { ContactPatch, ConversationPatch, ConversationQuery, JobRecord, MessagePatch, NewJob, NewMessage, Store } from './store.js';

const clone = <T>(v: T): T => structuredClone(v);

/** Copies a patch without its `undefined` fields; `null` clears a field. */
function applyPatch<T extends object>(target: T, patch: object): T {
  const out = { ...target } as Record<string, unknown>;
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    if (v === null) delete out[k];
    else out[k] = clone(v);
  }
  return out as T;
}

/**
 * A store in memory: fast, dependency-free, for tests and experiments. It keeps nothing across
 * restarts and has no SQL access, so plugins that own tables need a SQL store.
 */
export function createMemoryStore(options: { clock?: { now(): number } } = {}): Store {
  const now = () => options.clock?.now() ?? Date.now();
  const contacts = new Map<string, Contact>();
  const conversations = new Map<string, Conversation>();
  /** Conversation ids by contact: the dedicated-agent lookup runs on every routing decision. */
  const byContact = new Map<string, Set<string>>();
  const indexContact = (id: string, from: string | undefined, to: string | undefined) => {
    if (from === to) return;
    if (from) byContact.get(from)?.delete(id);
    if (to) {
      let set = byContact.get(to);
      if (!set) byContact.set(to, (set = new Set()));
      set.add(id);
    }
  };
  const messages = new Map<string, Message>();
  const messagesByConversation = new Map<string, Message[]>();
  const dedupe = new Map<string, string>();
  const agents = new Map<string, Agent>();
  const teams = new Map<string, Team>();
  const jobs = new Map<string, JobRecord>();
  const kv = new Map<string, { value: unknown; expiresAt?: number }>();
  let closed = false;

  const live = () => {
    if (closed) throw new KefuError(ErrorCodes.STORE_FAILED, 'The store is closed');
  };
  const contactIn = (tenantId: string, id: string) => {
    const c = contacts.get(id);
    return c && c.tenantId === tenantId ? c : undefined;
  };
  const tenantKey = (tenantId: string, key: string) => `${tenantId}\u0000${key}`;

  const store: Store = {
    kind: 'memory',
    async init() {
      closed = false;
    },
    async close() {
      closed = true;
    },

    async createContact(contact) {
      live();
      if (contacts.has(contact.id)) throw new KefuError(ErrorCodes.STORE_FAILED, `Contact "${contact.id}" exists`);
      contacts.set(contact.id, clone(contact));
      return clone(contact);
    },
    async getContact(tenantId, id) {
      live();
      const c = contactIn(tenantId, id);
      return c && clone(c);
    },
    async findContactByIdentity(tenantId, identity: Identity) {
      live();
      for (const c of contacts.values()) {
        if (c.tenantId === tenantId && !c.mergedInto && c.identities.some((i) => i.channel === identity.channel && i.externalId === identity.externalId)) return clone(c);
      }
      return undefined;
    },
    async findContactsByIdentifier(tenantId, identifier: VerifiedIdentifier) {
      live();
      return [...contacts.values()]
        .filter((c) => c.tenantId === tenantId && !c.mergedInto && c.identifiers.some((i) => i.kind === identifier.kind && i.value === identifier.value))
        .sort((a, b) => a.createdAt - b.createdAt)
        .map(clone);
    },
    async updateContact(tenantId, id, patch: ContactPatch) {
      live();
      const c = contactIn(tenantId, id);
      if (!c) throw new KefuError(ErrorCodes.NOT_FOUND, `No contact "${id}"`);
      const updated = applyPatch(c, { ...patch, updatedAt: now() });
      contacts.set(id, updated);
      return clone(updated);
    },
    async mergeContacts(tenantId, targetId, sourceId) {
      live();
      const target = contactIn(tenantId, targetId);
      const source = contactIn(tenantId, sourceId);
      if (!target || !source) throw new KefuError(ErrorCodes.NOT_FOUND, 'Both contacts must exist in the tenant', { details: { targetId, sourceId } });
      const identities = [...target.identities];
      for (const i of source.identities) if (!identities.some((x) => x.channel === i.channel && x.externalId === i.externalId)) identities.push(i);
      const identifiers = [...target.identifiers];
      for (const i of source.identifiers) if (!identifiers.some((x) => x.kind === i.kind && x.value === i.value)) identifiers.push(i);
      const merged: Contact = {
        ...target,
        identities,
        identifiers,
        tags: [...new Set([...target.tags, ...source.tags])],
        attributes: { ...source.attributes, ...target.attributes },
        name: target.name ?? source.name,
        updatedAt: now(),
      } as Contact;
      if (merged.name === undefined) delete merged.name;
      contacts.set(targetId, merged);
      contacts.set(sourceId, { ...source, mergedInto: targetId, identities: [], identifiers: [], updatedAt: now() });
      for (const id of [...(byContact.get(sourceId) ?? [])]) {
        const conv = conversations.get(id)!;
        conversations.set(id, { ...conv, contactId: targetId });
        indexContact(id, sourceId, targetId);
      }
      return clone(merged);
    },
    async listContacts(tenantId, opts = {}) {
      live();
      const q = opts.search?.toLowerCase();
      return [...contacts.values()]
        .filter((c) => c.tenantId === tenantId && !c.mergedInto)
        .filter((c) => !q || (c.name ?? '').toLowerCase().includes(q) || c.identities.some((i) => i.externalId.toLowerCase().includes(q)) || c.identifiers.some((i) => i.value.toLowerCase().includes(q)))
        .sort((a, b) => b.updatedAt - a.updatedAt)
        .slice(0, opts.limit ?? 100)
        .map(clone);
    },

    async createConversation(conversation) {
      live();
      if (conversations.has(conversation.id)) throw new KefuError(ErrorCodes.STORE_FAILED, `Conversation "${conversation.id}" exists`);
      conversations.set(conversation.id, clone(conversation));
      indexContact(conversation.id, undefined, conversation.contactId);
      return clone(conversation);
    },
    async getConversation(id, tenantId) {
      live();
      const c = conversations.get(id);
      return c && (!tenantId || c.tenantId === tenantId) ? clone(c) : undefined;
    },
    async findOpenConversation(tenantId, channel, address) {
      live();
      let found: Conversation | undefined;
      for (const c of conversations.values()) {
        if (c.tenantId === tenantId && c.channel === channel && c.address === address && c.status !== 'closed' && (!found || c.openedAt > found.openedAt)) found = c;
      }
      return found && clone(found);
    },
    async updateConversation(id, patch: ConversationPatch, expectedStatus) {
      live();
      const c = conversations.get(id);
      if (!c) return undefined;
      if (expectedStatus && c.status !== expectedStatus) return undefined;
      const updated = applyPatch(c, { ...patch, updatedAt: now() });
      conversations.set(id, updated);
      indexContact(id, c.contactId, updated.contactId);
      return clone(updated);
    },
    async listConversations(query: ConversationQuery) {
      live();
      const pool = query.contactId ? [...(byContact.get(query.contactId) ?? [])].map((id) => conversations.get(id)!) : [...conversations.values()];
      return pool
        .filter(
          (c) =>
            (!query.tenantId || c.tenantId === query.tenantId) &&
            (!query.status || query.status.includes(c.status)) &&
            (!query.assigneeId || c.assigneeId === query.assigneeId) &&
            (!query.contactId || c.contactId === query.contactId) &&
            (!query.teamId || c.teamId === query.teamId) &&
            (!query.channel || c.channel === query.channel),
        )
        .sort((a, b) => b.lastMessageAt - a.lastMessageAt || (a.id < b.id ? 1 : -1))
        .slice(0, query.limit ?? 100)
        .map(clone);
    },

    async appendMessage(input: NewMessage) {
      live();
      const { dedupeKey, ...rest } = input;
      if (dedupeKey) {
        const existing = dedupe.get(tenantKey(input.tenantId, dedupeKey));
        if (existing) return { message: clone(messages.get(existing)!), duplicate: true };
      }
      const conv = conversations.get(input.conversationId);
      if (!conv || conv.tenantId !== input.tenantId) throw new KefuError(ErrorCodes.NOT_FOUND, `No conversation "${input.conversationId}" in tenant "${input.tenantId}"`);
      if (rest.id && messages.has(rest.id)) throw new KefuError(ErrorCodes.STORE_FAILED, `Message "${rest.id}" exists`);
      const seq = conv.lastSeq + 1;
      const message: Message = { ...clone(rest), id: rest.id ?? newId(rest.createdAt), seq, status: rest.status ?? 'received', attempts: rest.attempts ?? 0 };
      conversations.set(conv.id, { ...conv, lastSeq: seq, lastMessageAt: Math.max(conv.lastMessageAt, message.createdAt), updatedAt: now() });
      messages.set(message.id, message);
      let list = messagesByConversation.get(conv.id);
      if (!list) messagesByConversation.set(conv.id, (list = []));
      list.push(message);
      if (dedupeKey) dedupe.set(tenantKey(input.tenantId, dedupeKey), message.id);
      return { message: clone(message), duplicate: false };
    },
    async getMessage(id, tenantId) {
      live();
      const m = messages.get(id);
      return m && (!tenantId || m.tenantId === tenantId) ? clone(m) : undefined;
    },
    async findMessageByDedupeKey(tenantId, dedupeKey) {
      live();
      const id = dedupe.get(tenantKey(tenantId, dedupeKey));
      return id ? clone(messages.get(id)!) : undefined;
    },
    async listMessages(conversationId, opts = {}) {
      live();
      const all = messagesByConversation.get(conversationId) ?? [];
      const limit = opts.limit ?? 100;
      let list = all.filter((m) => (opts.afterSeq === undefined || m.seq > opts.afterSeq) && (opts.beforeSeq === undefined || m.seq < opts.beforeSeq));
      // Before a seq: the newest `limit` messages before it; otherwise the oldest after.
      list = opts.beforeSeq !== undefined ? list.slice(-limit) : list.slice(0, limit);
      return list.map(clone);
    },
    async updateMessage(id, patch: MessagePatch) {
      live();
      const m = messages.get(id);
      if (!m) throw new KefuError(ErrorCodes.NOT_FOUND, `No message "${id}"`);
      const updated = applyPatch(m, patch);
      messages.set(id, updated);
      const list = messagesByConversation.get(m.conversationId)!;
      list[list.findIndex((x) => x.id === id)] = updated;
      return clone(updated);
    },
    async listPendingOutbound(opts = {}) {
      live();
      return [...messages.values()]
        .filter((m) => m.direction === 'outbound' && m.status === 'pending' && (!opts.tenantId || m.tenantId === opts.tenantId))
        .sort((a, b) => a.createdAt - b.createdAt || a.seq - b.seq)
        .slice(0, opts.limit ?? 1000)
        .map(clone);
    },

    async upsertAgent(agent) {
      live();
      agents.set(tenantKey(agent.tenantId, agent.id), clone(agent));
      return clone(agent);
    },
    async getAgent(tenantId, id) {
      live();
      const a = agents.get(tenantKey(tenantId, id));
      return a && clone(a);
    },
    async listAgents(tenantId) {
      live();
      return [...agents.values()].filter((a) => !tenantId || a.tenantId === tenantId).sort((a, b) => (a.id < b.id ? -1 : 1)).map(clone);
    },
    async upsertTeam(team) {
      live();
      teams.set(tenantKey(team.tenantId, team.id), clone(team));
      return clone(team);
    },
    async listTeams(tenantId) {
      live();
      return [...teams.values()].filter((t) => !tenantId || t.tenantId === tenantId).sort((a, b) => (a.id < b.id ? -1 : 1)).map(clone);
    },

    async scheduleJob(job: NewJob) {
      live();
      const k = tenantKey(job.tenantId, job.key);
      const existing = jobs.get(k);
      if (existing && !job.replace) return clone(existing);
      const record: JobRecord = { id: existing?.id ?? newId(), tenantId: job.tenantId, key: job.key, name: job.name, runAt: job.runAt, payload: clone(job.payload), attempts: 0, createdAt: now() };
      jobs.set(k, record);
      return clone(record);
    },
    async cancelJob(tenantId, key) {
      live();
      return jobs.delete(tenantKey(tenantId, key));
    },
    async claimDueJobs(at, { limit, owner, leaseMs }) {
      live();
      const due = [...jobs.values()]
        .filter((j) => j.runAt <= at && (!j.lockedUntil || j.lockedUntil <= at))
        .sort((a, b) => a.runAt - b.runAt)
        .slice(0, limit);
      for (const j of due) {
        j.lockedUntil = at + leaseMs;
        j.lockedBy = owner;
      }
      return due.map(clone);
    },
    async completeJob(id) {
      live();
      for (const [k, j] of jobs) if (j.id === id) jobs.delete(k);
    },
    async retryJob(id, runAt, error) {
      live();
      for (const j of jobs.values()) {
        if (j.id !== id) continue;
        j.runAt = runAt;
        j.attempts++;
        j.lastError = error;
        delete j.lockedUntil;
        delete j.lockedBy;
      }
    },
    async nextJobTime() {
      live();
      let min: number | undefined;
      for (const j of jobs.values()) {
        const t = Math.max(j.runAt, j.lockedUntil ?? 0);
        if (min === undefined || t < min) min = t;
      }
      return min;
    },

    async kvGet<T>(namespace: string, key: string) {
      live();
      const e = kv.get(tenantKey(namespace, key));
      if (!e) return undefined;
      if (e.expiresAt !== undefined && e.expiresAt <= now()) {
        kv.delete(tenantKey(namespace, key));
        return undefined;
      }
      return clone(e.value) as T;
    },
    async kvSet(namespace, key, value, opts = {}) {
      live();
      kv.set(tenantKey(namespace, key), { value: clone(value), ...(opts.ttlMs !== undefined ? { expiresAt: now() + opts.ttlMs } : {}) });
    },
    async kvDelete(namespace, key) {
      live();
      kv.delete(tenantKey(namespace, key));
    },
  };
  return store;
}
