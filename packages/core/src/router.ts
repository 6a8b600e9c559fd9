import type { Clock } from './clock.js';
import { ErrorCodes, KefuError } from './errors.js';
import type { KefuEvents } from './events.js';
import { KeyedQueue } from './keyed-queue.js';
import type { Logger } from './logger.js';
import type { Agent, Contact, Conversation, ConversationStatus, Presence } from './model.js';
import type { HandoffRequest } from './plugin.js';
import type { Store } from './store.js';

/** Conditions a rule matches on. Every given field must match; arrays mean "any of". */
export interface RuleMatch {
  tenantId?: string | string[];
  channel?: string | string[];
  /** The contact's tier (`vip`, `normal`, `partner`, ...). */
  tier?: string | string[];
  /** Every tag must be on the contact or the conversation. */
  tags?: string[];
  /** The entry context's page type (`product`, `checkout`, `order`, `help`). */
  pageType?: string | string[];
  /** The entry context's product category. */
  category?: string | string[];
  language?: string | string[];
  /** The intent a bot set when handing off. */
  intent?: string | string[];
}

/** Who should serve: a team, a skill set, a dedicated agent, or a mix (all must hold). */
export interface RoutingTarget {
  teamId?: string;
  skills?: string[];
  agentId?: string;
  language?: string;
}

/** A routing rule. Rules are evaluated in order; the first that matches decides. */
export interface RoutingRule {
  name: string;
  match?: RuleMatch;
  /** A custom condition, checked after `match`. */
  when?: (input: RoutingInput) => boolean;
  target: RoutingTarget;
  /** Queue priority for conversations this rule routes (higher first). */
  priority?: number;
}

/** What the router decides on. */
export interface RoutingInput {
  conversation: Conversation;
  contact: Contact;
  handoff?: HandoffRequest;
}

/** A recorded routing decision, kept on the conversation (`attributes.routing`) and emitted. */
export interface RoutingDecision {
  rule?: string;
  target: RoutingTarget;
  priority: number;
  candidates: Array<{ agentId: string; load: number; capacity: number }>;
  chosen?: string;
  strategy: string;
  outcome: 'assigned' | 'queued';
  reason: string;
  at: number;
}

/** An agent as the router tracks it. */
export interface AgentState {
  agent: Agent;
  /** Conversations assigned now. */
  load: number;
  /** When the agent last got a conversation (0 = never). */
  lastAssignedAt: number;
}

/** Picks one agent among eligible candidates (all online with free capacity). */
export interface RoutingStrategy {
  readonly name: string;
  pick(candidates: readonly AgentState[], input: RoutingInput): AgentState | undefined;
}

/** Fewest conversations relative to capacity; ties go to the one idle longest. */
export const leastBusy: RoutingStrategy = {
  name: 'least-busy',
  pick(candidates) {
    let best: AgentState | undefined;
    for (const c of candidates) {
      if (!best) best = c;
      else {
        const a = c.load / c.agent.capacity;
        const b = best.load / best.agent.capacity;
        if (a < b || (a === b && c.lastAssignedAt < best.lastAssignedAt)) best = c;
      }
    }
    return best;
  },
};

/** The agent who has waited longest since their last assignment. */
export const longestIdle: RoutingStrategy = {
  name: 'longest-idle',
  pick(candidates) {
    let best: AgentState | undefined;
    for (const c of candidates) if (!best || c.lastAssignedAt < best.lastAssignedAt) best = c;
    return best;
  },
};

/** Takes turns in agent id order. */
export function roundRobin(): RoutingStrategy {
  let last = '';
  return {
    name: 'round-robin',
    pick(candidates) {
      if (candidates.length === 0) return undefined;
      const sorted = [...candidates].sort((a, b) => (a.agent.id < b.agent.id ? -1 : 1));
      const next = sorted.find((c) => c.agent.id > last) ?? sorted[0]!;
      last = next.agent.id;
      return next;
    },
  };
}

/** Router options of `createApp`. */
export interface RouterOptions {
  rules?: RoutingRule[];
  strategy?: RoutingStrategy;
  /** Target when no rule matches. Default: any agent. */
  defaultTarget?: RoutingTarget;
  /** Put an agent's conversations back in the queue when they go offline. Default false. */
  requeueOnOffline?: boolean;
}

interface QueueEntry {
  conversationId: string;
  tenantId: string;
  target: RoutingTarget;
  priority: number;
  queuedAt: number;
}

/** What the router needs from the app. */
export interface RouterHost {
  store: Store;
  clock: Clock;
  logger: Logger;
  emit<E extends keyof KefuEvents>(event: E, payload: KefuEvents[E]): void;
}

function matchesOne(value: string | undefined, expected: string | string[] | undefined): boolean {
  if (expected === undefined) return true;
  if (value === undefined) return false;
  return Array.isArray(expected) ? expected.includes(value) : expected === value;
}

/** True when a rule's `match` holds for the input. */
export function ruleMatches(match: RuleMatch | undefined, { conversation, contact, handoff }: RoutingInput): boolean {
  if (!match) return true;
  const tags = new Set([...contact.tags, ...conversation.tags]);
  return (
    matchesOne(conversation.tenantId, match.tenantId) &&
    matchesOne(conversation.channel, match.channel) &&
    matchesOne(contact.tier, match.tier) &&
    (match.tags ?? []).every((t) => tags.has(t)) &&
    matchesOne(conversation.entry?.pageType, match.pageType) &&
    matchesOne(conversation.entry?.category, match.category) &&
    matchesOne(conversation.language, match.language) &&
    matchesOne(handoff?.intent ?? (conversation.attributes.intent as string | undefined), match.intent)
  );
}

/** True when the agent can serve the target (ignoring presence and load). */
export function agentFitsTarget(agent: Agent, target: RoutingTarget): boolean {
  if (target.agentId && agent.id !== target.agentId) return false;
  if (target.teamId && !agent.teams.includes(target.teamId)) return false;
  if (target.skills && !target.skills.every((s) => (agent.skills[s] ?? 0) > 0)) return false;
  if (target.language && !agent.languages.includes(target.language)) return false;
  return true;
}

/**
 * The first router: rules → target, a strategy among online agents with free capacity, and a
 * priority queue that is re-evaluated when an agent frees up or comes online (never by polling).
 * All state changes are serialized so two events cannot assign one agent past capacity.
 */
export class Router {
  readonly #host: RouterHost;
  readonly #rules: RoutingRule[];
  readonly #strategy: RoutingStrategy;
  readonly #defaultTarget: RoutingTarget;
  readonly #requeueOnOffline: boolean;
  readonly #agents = new Map<string, AgentState>();
  /** Sorted: priority desc, then queuedAt asc. */
  #queue: QueueEntry[] = [];
  readonly #lock = new KeyedQueue();

  constructor(host: RouterHost, options: RouterOptions = {}) {
    this.#host = host;
    this.#rules = options.rules ?? [];
    this.#strategy = options.strategy ?? leastBusy;
    this.#defaultTarget = options.defaultTarget ?? {};
    this.#requeueOnOffline = options.requeueOnOffline ?? false;
  }

  #serial<T>(task: () => Promise<T>): Promise<T> {
    return this.#lock.run('router', task);
  }

  /** Rebuilds agent loads and the queue from the store (at start). */
  async load(): Promise<void> {
    await this.#serial(async () => {
      const { store } = this.#host;
      this.#agents.clear();
      for (const agent of await store.listAgents()) {
        // Presence is live state: after a restart nobody is online until they connect again.
        this.#agents.set(agent.id, { agent: { ...agent, presence: 'offline' }, load: 0, lastAssignedAt: 0 });
      }
      for (const c of await store.listConversations({ status: ['assigned'], limit: 1_000_000 })) {
        const state = c.assigneeId ? this.#agents.get(c.assigneeId) : undefined;
        if (state) {
          state.load++;
          state.lastAssignedAt = Math.max(state.lastAssignedAt, c.assignedAt ?? 0);
        }
      }
      this.#queue = [];
      for (const c of await store.listConversations({ status: ['queued'], limit: 1_000_000 })) {
        const routing = c.attributes.routing as RoutingDecision | undefined;
        this.#insert({ conversationId: c.id, tenantId: c.tenantId, target: routing?.target ?? {}, priority: c.priority, queuedAt: c.queuedAt ?? c.openedAt });
      }
    });
  }

  /** Registers or updates an agent (presence kept unless given). */
  async upsertAgent(agent: Agent): Promise<Agent> {
    return this.#serial(async () => {
      const saved = await this.#host.store.upsertAgent(agent);
      const state = this.#agents.get(agent.id);
      if (state) state.agent = saved;
      else this.#agents.set(agent.id, { agent: saved, load: 0, lastAssignedAt: 0 });
      if (saved.presence === 'online') await this.#drainFor(saved.id);
      return saved;
    });
  }

  /** The agent's live state. */
  agentState(agentId: string): AgentState | undefined {
    return this.#agents.get(agentId);
  }

  /** All agents' live states (of a tenant). */
  agentStates(tenantId?: string): AgentState[] {
    return [...this.#agents.values()].filter((s) => !tenantId || s.agent.tenantId === tenantId);
  }

  /** Changes presence; coming online pulls from the queue, going offline may requeue. */
  async setPresence(tenantId: string, agentId: string, presence: Presence): Promise<Agent> {
    return this.#serial(async () => {
      const state = this.#agents.get(agentId);
      if (!state || state.agent.tenantId !== tenantId) throw new KefuError(ErrorCodes.NOT_FOUND, `No agent "${agentId}" in tenant "${tenantId}"`);
      const previous = state.agent.presence;
      if (previous === presence) return state.agent;
      state.agent = await this.#host.store.upsertAgent({ ...state.agent, presence, updatedAt: this.#host.clock.now() });
      this.#host.emit('agent.presence_changed', { agent: state.agent, previous });
      if (presence === 'online') await this.#drainFor(agentId);
      else if (presence === 'offline' && this.#requeueOnOffline) await this.#requeueAgent(state);
      return state.agent;
    });
  }

  /** Decides the target of a conversation and assigns it or queues it. */
  async route(input: RoutingInput): Promise<RoutingDecision> {
    return this.#serial(() => this.#route(input));
  }

  async #route(input: RoutingInput, forcedTarget?: RoutingTarget): Promise<RoutingDecision> {
    const { conversation, handoff } = input;
    const now = this.#host.clock.now();
    const rule = forcedTarget ? undefined : this.#rules.find((r) => ruleMatches(r.match, input) && (!r.when || r.when(input)));
    const target: RoutingTarget = forcedTarget ?? {
      ...(rule?.target ?? this.#defaultTarget),
      ...(handoff?.teamId ? { teamId: handoff.teamId } : {}),
      ...(handoff?.skills ? { skills: handoff.skills } : {}),
    };
    const priority = Math.max(conversation.priority, rule?.priority ?? 0, handoff?.priority ?? 0);
    const candidates = this.#candidates(conversation.tenantId, target);
    const chosen = this.#strategy.pick(candidates, input);
    const decision: RoutingDecision = {
      ...(rule ? { rule: rule.name } : {}),
      target,
      priority,
      candidates: candidates.map((c) => ({ agentId: c.agent.id, load: c.load, capacity: c.agent.capacity })),
      ...(chosen ? { chosen: chosen.agent.id } : {}),
      strategy: this.#strategy.name,
      outcome: chosen ? 'assigned' : 'queued',
      reason: chosen
        ? `${rule ? `rule "${rule.name}"` : forcedTarget ? 'transfer' : 'no rule matched'}; ${this.#strategy.name} picked ${chosen.agent.id} of ${candidates.length}`
        : `${rule ? `rule "${rule.name}"` : forcedTarget ? 'transfer' : 'no rule matched'}; no agent online with free capacity`,
      at: now,
    };
    this.#host.emit('routing.decided', { conversation, decision });
    if (chosen) {
      await this.#assign(conversation, chosen, decision);
    } else {
      await this.#enqueue(conversation, decision);
    }
    return decision;
  }

  #candidates(tenantId: string, target: RoutingTarget): AgentState[] {
    const out: AgentState[] = [];
    for (const s of this.#agents.values()) {
      if (s.agent.tenantId === tenantId && s.agent.presence === 'online' && s.load < s.agent.capacity && agentFitsTarget(s.agent, target)) out.push(s);
    }
    return out;
  }

  async #assign(conversation: Conversation, state: AgentState, decision: RoutingDecision | undefined, expected?: ConversationStatus): Promise<Conversation | undefined> {
    const now = this.#host.clock.now();
    const previousAgentId = conversation.assigneeId;
    const updated = await this.#host.store.updateConversation(
      conversation.id,
      {
        status: 'assigned',
        assigneeId: state.agent.id,
        assignedAt: now,
        priority: decision?.priority ?? conversation.priority,
        ...(decision?.target.teamId ? { teamId: decision.target.teamId } : {}),
        attributes: decision ? { ...conversation.attributes, routing: decision } : conversation.attributes,
      },
      expected ?? conversation.status,
    );
    if (!updated) return undefined; // Changed meanwhile (closed by the customer, taken by someone): leave it.
    this.#removeFromQueue(conversation.id);
    state.load++;
    state.lastAssignedAt = now;
    if (previousAgentId && previousAgentId !== state.agent.id) this.#release(previousAgentId);
    this.#host.emit('conversation.assigned', { conversation: updated, agentId: state.agent.id, ...(previousAgentId && previousAgentId !== state.agent.id ? { previousAgentId } : {}), ...(decision ? { decision } : {}) });
    return updated;
  }

  async #enqueue(conversation: Conversation, decision: RoutingDecision): Promise<void> {
    const now = this.#host.clock.now();
    const queuedAt = conversation.status === 'queued' ? (conversation.queuedAt ?? now) : now;
    const updated = await this.#host.store.updateConversation(
      conversation.id,
      { status: 'queued', queuedAt, priority: decision.priority, assigneeId: null, ...(decision.target.teamId ? { teamId: decision.target.teamId } : {}), attributes: { ...conversation.attributes, routing: decision } },
      conversation.status,
    );
    if (!updated) return;
    if (conversation.status === 'assigned' && conversation.assigneeId) this.#release(conversation.assigneeId);
    this.#removeFromQueue(conversation.id);
    this.#insert({ conversationId: conversation.id, tenantId: conversation.tenantId, target: decision.target, priority: decision.priority, queuedAt });
    this.#host.emit('conversation.queued', { conversation: updated, decision });
  }

  #insert(entry: QueueEntry): void {
    const q = this.#queue;
    let lo = 0;
    let hi = q.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = q[mid]!;
      if (m.priority > entry.priority || (m.priority === entry.priority && m.queuedAt <= entry.queuedAt)) lo = mid + 1;
      else hi = mid;
    }
    q.splice(lo, 0, entry);
  }

  #removeFromQueue(conversationId: string): void {
    const i = this.#queue.findIndex((e) => e.conversationId === conversationId);
    if (i >= 0) this.#queue.splice(i, 1);
  }

  #release(agentId: string): void {
    const s = this.#agents.get(agentId);
    if (s && s.load > 0) s.load--;
  }

  /** Serves the queue for one agent while they have capacity: highest priority, longest waiting first. */
  async #drainFor(agentId: string): Promise<void> {
    const state = this.#agents.get(agentId);
    while (state && state.agent.presence === 'online' && state.load < state.agent.capacity) {
      const entry = this.#queue.find((e) => e.tenantId === state.agent.tenantId && agentFitsTarget(state.agent, e.target));
      if (!entry) return;
      this.#removeFromQueue(entry.conversationId);
      const conversation = await this.#host.store.getConversation(entry.conversationId);
      if (!conversation || conversation.status !== 'queued') continue;
      const decision: RoutingDecision = {
        ...((conversation.attributes.routing as RoutingDecision | undefined)?.rule ? { rule: (conversation.attributes.routing as RoutingDecision).rule! } : {}),
        target: entry.target,
        priority: entry.priority,
        candidates: [{ agentId, load: state.load, capacity: state.agent.capacity }],
        chosen: agentId,
        strategy: 'queue',
        outcome: 'assigned',
        reason: `queue: ${agentId} became available; waited ${this.#host.clock.now() - entry.queuedAt} ms`,
        at: this.#host.clock.now(),
      };
      await this.#assign(conversation, state, decision, 'queued');
    }
  }

  async #requeueAgent(state: AgentState): Promise<void> {
    const assigned = await this.#host.store.listConversations({ tenantId: state.agent.tenantId, status: ['assigned'], assigneeId: state.agent.id, limit: 10_000 });
    for (const c of assigned) {
      const contact = await this.#host.store.getContact(c.tenantId, c.contactId);
      if (!contact) continue;
      const previous = c.attributes.routing as RoutingDecision | undefined;
      // Back to the same target, minus the agent who left.
      const target = { ...(previous?.target ?? {}), agentId: undefined };
      delete target.agentId;
      await this.#route({ conversation: c, contact }, target);
    }
  }

  /** Called by the app when a conversation leaves an agent (closed): frees capacity and serves the queue. */
  async conversationEnded(conversation: Conversation, previousStatus: ConversationStatus, previousAssignee: string | undefined): Promise<void> {
    await this.#serial(async () => {
      if (previousStatus === 'queued') this.#removeFromQueue(conversation.id);
      if (previousStatus === 'assigned' && previousAssignee) {
        this.#release(previousAssignee);
        await this.#drainFor(previousAssignee);
      }
    });
  }

  /**
   * Transfers a conversation to an agent (who must have free capacity unless `force`) or to a
   * team (assigned by strategy or queued for that team).
   */
  async transfer(conversationId: string, to: { agentId?: string; teamId?: string; force?: boolean }, tenantId?: string): Promise<Conversation> {
    return this.#serial(async () => {
      const { store } = this.#host;
      const conversation = await store.getConversation(conversationId, tenantId);
      if (!conversation) throw new KefuError(ErrorCodes.NOT_FOUND, `No conversation "${conversationId}"`);
      if (conversation.status === 'closed') throw new KefuError(ErrorCodes.ILLEGAL_TRANSITION, 'A closed conversation cannot be transferred', { details: { conversationId } });
      const contact = await store.getContact(conversation.tenantId, conversation.contactId);
      if (!contact) throw new KefuError(ErrorCodes.NOT_FOUND, `No contact "${conversation.contactId}"`);
      if (to.agentId) {
        const state = this.#agents.get(to.agentId);
        if (!state || state.agent.tenantId !== conversation.tenantId) throw new KefuError(ErrorCodes.NOT_FOUND, `No agent "${to.agentId}"`);
        if (!to.force && state.load >= state.agent.capacity) {
          throw new KefuError(ErrorCodes.AGENT_AT_CAPACITY, `Agent "${to.agentId}" has no free capacity`, { details: { load: state.load, capacity: state.agent.capacity } });
        }
        const decision: RoutingDecision = {
          target: { agentId: to.agentId },
          priority: conversation.priority,
          candidates: [{ agentId: to.agentId, load: state.load, capacity: state.agent.capacity }],
          chosen: to.agentId,
          strategy: 'transfer',
          outcome: 'assigned',
          reason: `transfer to agent ${to.agentId}`,
          at: this.#host.clock.now(),
        };
        const updated = await this.#assign(conversation, state, decision);
        if (!updated) throw new KefuError(ErrorCodes.ILLEGAL_TRANSITION, 'The conversation changed during the transfer', { details: { conversationId } });
        return updated;
      }
      if (to.teamId) {
        await this.#route({ conversation, contact }, { teamId: to.teamId });
        return (await store.getConversation(conversationId))!;
      }
      throw new KefuError(ErrorCodes.INVALID_INPUT, 'A transfer needs an agentId or a teamId');
    });
  }

  /** Assigns a queued (or bot) conversation to a given agent (an agent accepting from the queue). */
  async assignTo(conversationId: string, agentId: string, tenantId?: string): Promise<Conversation> {
    return this.#serial(async () => {
      const conversation = await this.#host.store.getConversation(conversationId, tenantId);
      if (!conversation) throw new KefuError(ErrorCodes.NOT_FOUND, `No conversation "${conversationId}"`);
      const state = this.#agents.get(agentId);
      if (!state || state.agent.tenantId !== conversation.tenantId) throw new KefuError(ErrorCodes.NOT_FOUND, `No agent "${agentId}"`);
      if (conversation.status === 'assigned' && conversation.assigneeId === agentId) return conversation;
      if (conversation.status !== 'queued' && conversation.status !== 'bot') {
        throw new KefuError(ErrorCodes.ILLEGAL_TRANSITION, `Only a queued or bot conversation can be accepted (it is ${conversation.status})`, { details: { conversationId, status: conversation.status } });
      }
      if (state.load >= state.agent.capacity) throw new KefuError(ErrorCodes.AGENT_AT_CAPACITY, `Agent "${agentId}" has no free capacity`);
      const decision: RoutingDecision = {
        target: { agentId },
        priority: conversation.priority,
        candidates: [{ agentId, load: state.load, capacity: state.agent.capacity }],
        chosen: agentId,
        strategy: 'accept',
        outcome: 'assigned',
        reason: `accepted by ${agentId}`,
        at: this.#host.clock.now(),
      };
      const updated = await this.#assign(conversation, state, decision);
      if (!updated) throw new KefuError(ErrorCodes.ILLEGAL_TRANSITION, 'The conversation changed meanwhile', { details: { conversationId } });
      return updated;
    });
  }

  /** 1-based position of a queued conversation among those of its tenant, or undefined. */
  queuePosition(conversationId: string): number | undefined {
    const entry = this.#queue.find((e) => e.conversationId === conversationId);
    if (!entry) return undefined;
    let pos = 0;
    for (const e of this.#queue) {
      if (e.tenantId === entry.tenantId) pos++;
      if (e === entry) return pos;
    }
    return undefined;
  }

  /** The queue of a tenant in service order. */
  queued(tenantId?: string): Array<{ conversationId: string; priority: number; queuedAt: number; target: RoutingTarget }> {
    return this.#queue.filter((e) => !tenantId || e.tenantId === tenantId).map(({ conversationId, priority, queuedAt, target }) => ({ conversationId, priority, queuedAt, target }));
  }
}
