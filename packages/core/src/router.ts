import { type BusinessHours, isOpen } from './business-hours.js';
import type { Clock } from './clock.js';
import { ErrorCodes, KefuError } from './errors.js';
import type { KefuEvents } from './events.js';
import { KeyedQueue } from './keyed-queue.js';
import type { Logger } from './logger.js';
import type { Agent, Contact, Conversation, ConversationStatus, Presence } from './model.js';
import type { HandoffRequest } from './plugin.js';
import type { Scheduler } from './scheduler.js';
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
  /** With `open`: the business-hours schedule to check (a key of `RouterOptions.schedules`). */
  schedule?: string;
  /** Match only inside (`true`) or outside (`false`) the schedule's hours. */
  open?: boolean;
}

/** Who should serve: a team, a skill set, a dedicated agent, or a mix (all must hold). */
export interface RoutingTarget {
  teamId?: string;
  skills?: string[];
  /** Lowest level (1–5) each of `skills` must have. Default 1. */
  minSkillLevel?: number;
  agentId?: string;
  language?: string;
  /** After waiting this long in the queue, agents of `teamId` may take the conversation too. */
  overflow?: { afterMs: number; teamId: string };
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
  /** The least busy candidates (at most five; the chosen one is always among them). */
  candidates: Array<{ agentId: string; load: number; capacity: number }>;
  /** How many agents were eligible. */
  candidateCount?: number;
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
  /** Business hours by name (usually a team id), for rules with `match.open`. */
  schedules?: Record<string, BusinessHours>;
  /** Queue priority by contact tier. Default `{ vip: 10 }`. */
  tierPriority?: Record<string, number>;
  /** Queue priority by intent. Default `{ complaint: 20, refund: 15 }`. */
  intentPriority?: Record<string, number>;
  /**
   * The dedicated agent (专属客服): `contact.attributes.accountManager`, else the last agent who
   * served the contact within `windowMs`, gets the first offer; after `timeoutMs` in the queue
   * the conversation falls back to the rules. `false` turns it off.
   */
  dedicated?: false | { windowMs?: number; timeoutMs?: number; attribute?: string };
  /** Requeue an assigned conversation when its agent leaves a customer message unanswered this long. */
  reassignAfterMs?: number;
  /** Set an online agent `away` after this long without activity. */
  autoAwayMs?: number;
  /** Capacity of an agent registered without one. Default 5. */
  defaultCapacity?: number;
  /** Hard limit on any agent's capacity. Default 20. */
  maxCapacity?: number;
}

interface QueueEntry {
  conversationId: string;
  tenantId: string;
  target: RoutingTarget;
  priority: number;
  queuedAt: number;
  overflowed?: boolean;
  /** Insertion counter: a unique tie-break, so every entry has one exact place. */
  order: number;
}

interface QueueBucket {
  tenantId: string;
  target: RoutingTarget;
  /** Service order: priority desc, then queuedAt asc, then order asc. */
  entries: QueueEntry[];
}

/** True when `a` is served before `b`. */
function servedBefore(a: QueueEntry, b: QueueEntry): boolean {
  return a.priority > b.priority || (a.priority === b.priority && (a.queuedAt < b.queuedAt || (a.queuedAt === b.queuedAt && a.order < b.order)));
}

/** How many entries of a sorted list are served before `entry`. */
function rankIn(entries: QueueEntry[], entry: QueueEntry): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (servedBefore(entries[mid]!, entry)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function targetKey(tenantId: string, target: RoutingTarget): string {
  const sorted = Object.keys(target)
    .sort()
    .map((k) => [k, target[k as keyof RoutingTarget]]);
  return `${tenantId}\u0000${JSON.stringify(sorted)}`;
}

/**
 * The waiting conversations, bucketed by tenant and target. Conversations with the same target
 * wait in one sorted list, so serving an agent looks only at the head of each bucket the agent
 * fits, and a position is a binary search per bucket — never a scan of the whole queue.
 */
class WaitingQueue {
  readonly #buckets = new Map<string, QueueBucket>();
  readonly #byTenant = new Map<string, Set<string>>();
  readonly #index = new Map<string, { entry: QueueEntry; key: string }>();
  #order = 0;

  get size(): number {
    return this.#index.size;
  }

  clear(): void {
    this.#buckets.clear();
    this.#byTenant.clear();
    this.#index.clear();
  }

  has(conversationId: string): boolean {
    return this.#index.has(conversationId);
  }

  get(conversationId: string): QueueEntry | undefined {
    return this.#index.get(conversationId)?.entry;
  }

  insert(entry: Omit<QueueEntry, 'order'>): void {
    this.remove(entry.conversationId);
    const full: QueueEntry = { ...entry, order: ++this.#order };
    const key = targetKey(entry.tenantId, entry.target);
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = { tenantId: entry.tenantId, target: entry.target, entries: [] };
      this.#buckets.set(key, bucket);
      let keys = this.#byTenant.get(entry.tenantId);
      if (!keys) this.#byTenant.set(entry.tenantId, (keys = new Set()));
      keys.add(key);
    }
    bucket.entries.splice(rankIn(bucket.entries, full), 0, full);
    this.#index.set(entry.conversationId, { entry: full, key });
  }

  remove(conversationId: string): boolean {
    const found = this.#index.get(conversationId);
    if (!found) return false;
    this.#index.delete(conversationId);
    const bucket = this.#buckets.get(found.key)!;
    bucket.entries.splice(rankIn(bucket.entries, found.entry), 1);
    if (bucket.entries.length === 0) {
      this.#buckets.delete(found.key);
      this.#byTenant.get(bucket.tenantId)?.delete(found.key);
    }
    return true;
  }

  /** The next conversation to serve among the buckets whose target `fits`. */
  next(tenantId: string, fits: (target: RoutingTarget) => boolean): QueueEntry | undefined {
    let best: QueueEntry | undefined;
    for (const key of this.#byTenant.get(tenantId) ?? []) {
      const bucket = this.#buckets.get(key)!;
      const head = bucket.entries[0];
      if (head && (!best || servedBefore(head, best)) && fits(bucket.target)) best = head;
    }
    return best;
  }

  /** 1-based place among all waiting conversations of the tenant. */
  position(conversationId: string): number | undefined {
    const found = this.#index.get(conversationId);
    if (!found) return undefined;
    let ahead = 0;
    for (const key of this.#byTenant.get(found.entry.tenantId) ?? []) ahead += rankIn(this.#buckets.get(key)!.entries, found.entry);
    return ahead + 1;
  }

  /** Every waiting conversation (of a tenant) in service order. */
  list(tenantId?: string): QueueEntry[] {
    const out: QueueEntry[] = [];
    for (const bucket of this.#buckets.values()) if (!tenantId || bucket.tenantId === tenantId) out.push(...bucket.entries);
    return out.sort((a, b) => (servedBefore(a, b) ? -1 : 1));
  }
}

/** How many candidates a stored decision keeps (the count of all is kept too). */
const KEPT_CANDIDATES = 5;

function keptCandidates(candidates: readonly AgentState[], chosen: AgentState | undefined): RoutingDecision['candidates'] {
  const ranked = [...candidates].sort((a, b) => a.load / a.agent.capacity - b.load / b.agent.capacity).slice(0, KEPT_CANDIDATES);
  if (chosen && !ranked.includes(chosen)) ranked[ranked.length - 1] = chosen;
  return ranked.map((c) => ({ agentId: c.agent.id, load: c.load, capacity: c.agent.capacity }));
}

/** What the router needs from the app. */
export interface RouterHost {
  store: Store;
  clock: Clock;
  logger: Logger;
  scheduler: Scheduler;
  emit<E extends keyof KefuEvents>(event: E, payload: KefuEvents[E]): void;
}

function matchesOne(value: string | undefined, expected: string | string[] | undefined): boolean {
  if (expected === undefined) return true;
  if (value === undefined) return false;
  return Array.isArray(expected) ? expected.includes(value) : expected === value;
}

/** True when a rule's `match` holds for the input. */
export function ruleMatches(match: RuleMatch | undefined, { conversation, contact, handoff }: RoutingInput, context: { now?: number; schedules?: Record<string, BusinessHours>; target?: RoutingTarget } = {}): boolean {
  if (!match) return true;
  if (match.open !== undefined) {
    const schedule = context.schedules?.[match.schedule ?? context.target?.teamId ?? ''];
    // A rule about hours without a known schedule never matches: better no rule than a wrong one.
    if (!schedule || isOpen(schedule, context.now ?? Date.now()) !== match.open) return false;
  }
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
  if (target.skills && !target.skills.every((s) => (agent.skills[s] ?? 0) >= (target.minSkillLevel ?? 1))) return false;
  if (target.language && !agent.languages.includes(target.language)) return false;
  return true;
}

const DEDICATED_FALLBACK_JOB = 'kefu.router.dedicated-fallback';
const OVERFLOW_JOB = 'kefu.router.overflow';
const UNANSWERED_JOB = 'kefu.router.unanswered';
const AUTO_AWAY_JOB = 'kefu.router.auto-away';
const HISTORY = 10;

/**
 * The router: dedicated agent first, then rules → target, a strategy among online agents with free
 * capacity, and a priority queue that is re-evaluated when an agent frees up or comes online
 * (never by polling). Timed behaviour (dedicated fallback, overflow, unanswered customers,
 * auto-away) runs on durable scheduler jobs. All state changes are serialized so two events
 * cannot assign one agent past capacity.
 */
export class Router {
  readonly #host: RouterHost;
  readonly #options: RouterOptions;
  readonly #rules: RoutingRule[];
  readonly #strategy: RoutingStrategy;
  readonly #defaultTarget: RoutingTarget;
  readonly #agents = new Map<string, AgentState>();
  readonly #lastActivity = new Map<string, number>();
  /** Agents with an auto-away check scheduled. */
  readonly #awayArmed = new Set<string>();
  /** Moving average of queue waits per tenant (ms), for estimates. */
  readonly #avgWait = new Map<string, number>();
  readonly #queue = new WaitingQueue();
  readonly #lock = new KeyedQueue();

  constructor(host: RouterHost, options: RouterOptions = {}) {
    this.#host = host;
    this.#options = options;
    this.#rules = options.rules ?? [];
    this.#strategy = options.strategy ?? leastBusy;
    this.#defaultTarget = options.defaultTarget ?? {};
    const { scheduler } = host;
    scheduler.define<{ conversationId: string }>(DEDICATED_FALLBACK_JOB, ({ conversationId }) =>
      this.#serial(async () => {
        const c = await host.store.getConversation(conversationId);
        if (!c || c.status !== 'queued' || !(c.attributes.routing as RoutingDecision | undefined)?.target.agentId) return;
        const contact = await host.store.getContact(c.tenantId, c.contactId);
        if (contact) await this.#route({ conversation: c, contact }, undefined, { skipDedicated: true, reason: 'dedicated agent did not take it in time' });
      }),
    );
    scheduler.define<{ conversationId: string; teamId: string }>(OVERFLOW_JOB, ({ conversationId, teamId }) =>
      this.#serial(async () => {
        const entry = this.#queue.get(conversationId);
        if (!entry) return;
        this.#queue.insert({ ...entry, target: { teamId }, overflowed: true });
        this.#host.emit('queue.changed', { tenantId: entry.tenantId });
        for (const s of this.#agents.values()) if (s.agent.tenantId === entry.tenantId && s.agent.teams.includes(teamId)) await this.#drainFor(s.agent.id);
      }),
    );
    scheduler.define<{ conversationId: string; agentId: string }>(UNANSWERED_JOB, ({ conversationId, agentId }) =>
      this.#serial(async () => {
        const c = await host.store.getConversation(conversationId);
        if (!c || c.status !== 'assigned' || c.assigneeId !== agentId) return;
        const contact = await host.store.getContact(c.tenantId, c.contactId);
        const previous = c.attributes.routing as RoutingDecision | undefined;
        const target = { ...(previous?.target ?? {}) };
        delete target.agentId;
        if (contact) await this.#route({ conversation: c, contact }, target, { exclude: agentId, reason: `agent ${agentId} left the customer unanswered` });
      }),
    );
    scheduler.define<{ tenantId: string; agentId: string }>(AUTO_AWAY_JOB, async ({ tenantId, agentId }) => {
      this.#awayArmed.delete(agentId);
      const limit = options.autoAwayMs ?? Infinity;
      const idle = host.clock.now() - (this.#lastActivity.get(agentId) ?? 0);
      if (this.#agents.get(agentId)?.agent.presence !== 'online') return;
      if (idle >= limit) await this.setPresence(tenantId, agentId, 'away');
      // Active since the job was armed: check again when the idle time would run out.
      else this.#armAway(tenantId, agentId, limit - idle);
    });
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
      this.#queue.clear();
      for (const c of await store.listConversations({ status: ['queued'], limit: 1_000_000 })) {
        const routing = c.attributes.routing as RoutingDecision | undefined;
        this.#queue.insert({ conversationId: c.id, tenantId: c.tenantId, target: routing?.target ?? {}, priority: c.priority, queuedAt: c.queuedAt ?? c.openedAt });
      }
    });
  }

  /** Registers or updates an agent (presence kept unless given); capacity is clamped to `maxCapacity`. */
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
      if (presence === 'online') this.#touch(tenantId, agentId);
      if (previous === presence) return state.agent;
      state.agent = await this.#host.store.upsertAgent({ ...state.agent, presence, updatedAt: this.#host.clock.now() });
      this.#host.emit('agent.presence_changed', { agent: state.agent, previous });
      if (presence === 'online') await this.#drainFor(agentId);
      else if (presence === 'offline' && this.#options.requeueOnOffline) await this.#requeueAgent(state);
      return state.agent;
    });
  }

  /** Records agent activity (a reply, a click in the console): it postpones auto-away. */
  touch(tenantId: string, agentId: string): void {
    this.#touch(tenantId, agentId);
  }

  #touch(tenantId: string, agentId: string): void {
    this.#lastActivity.set(agentId, this.#host.clock.now());
    // One armed job per agent: it re-checks the last activity when it runs, so a busy agent costs
    // no store write per click.
    if (this.#options.autoAwayMs && !this.#awayArmed.has(agentId)) this.#armAway(tenantId, agentId, this.#options.autoAwayMs);
  }

  #armAway(tenantId: string, agentId: string, ms: number): void {
    this.#awayArmed.add(agentId);
    // Keyed by due time: re-arming from inside the running job must not reuse the running job's key
    // (completing it would delete the new one). A duplicate is harmless: the check is idempotent.
    const due = this.#host.clock.now() + ms;
    this.#host.scheduler.at(due, AUTO_AWAY_JOB, { tenantId, agentId }, { key: `auto-away:${agentId}:${due}`, tenantId }).catch((error: unknown) => {
      this.#awayArmed.delete(agentId);
      this.#host.logger.warn({ err: error, agentId }, 'could not arm the auto-away check');
    });
  }

  /** A customer wrote in an assigned conversation: start the unanswered timer (if configured). */
  async customerWaiting(conversation: Conversation): Promise<void> {
    const ms = this.#options.reassignAfterMs;
    if (!ms || conversation.status !== 'assigned' || !conversation.assigneeId) return;
    await this.#host.scheduler.in(ms, UNANSWERED_JOB, { conversationId: conversation.id, agentId: conversation.assigneeId }, { key: `unanswered:${conversation.id}`, tenantId: conversation.tenantId });
  }

  /** The agent answered: stop the unanswered timer. */
  async agentAnswered(conversation: Conversation, agentId: string): Promise<void> {
    this.#touch(conversation.tenantId, agentId);
    if (this.#options.reassignAfterMs) await this.#host.scheduler.cancel(`unanswered:${conversation.id}`, conversation.tenantId);
  }

  /** Decides the target of a conversation and assigns it or queues it. */
  async route(input: RoutingInput): Promise<RoutingDecision> {
    return this.#serial(() => this.#route(input));
  }

  async #dedicatedAgent(input: RoutingInput): Promise<string | undefined> {
    const config = this.#options.dedicated;
    if (config === false) return undefined;
    const { conversation, contact } = input;
    const manager = contact.attributes[config?.attribute ?? 'accountManager'];
    if (typeof manager === 'string' && this.#agents.get(manager)?.agent.tenantId === conversation.tenantId) return manager;
    const since = this.#host.clock.now() - (config?.windowMs ?? 7 * 86_400_000);
    const previous = await this.#host.store.listConversations({ tenantId: conversation.tenantId, contactId: contact.id, limit: 20 });
    const last = previous.find((c) => c.id !== conversation.id && c.assigneeId && (c.closedAt ?? c.lastMessageAt) >= since);
    return last?.assigneeId && this.#agents.has(last.assigneeId) ? last.assigneeId : undefined;
  }

  async #route(input: RoutingInput, forcedTarget?: RoutingTarget, opts: { skipDedicated?: boolean; exclude?: string; reason?: string } = {}): Promise<RoutingDecision> {
    const { conversation, contact, handoff } = input;
    const now = this.#host.clock.now();
    let rule: RoutingRule | undefined;
    let target: RoutingTarget;
    let dedicated: string | undefined;
    if (forcedTarget) target = forcedTarget;
    else {
      dedicated = opts.skipDedicated ? undefined : await this.#dedicatedAgent(input);
      rule = this.#rules.find((r) => ruleMatches(r.match, input, { now, ...(this.#options.schedules ? { schedules: this.#options.schedules } : {}), target: r.target }) && (!r.when || r.when(input)));
      target = {
        ...(rule?.target ?? this.#defaultTarget),
        ...(handoff?.teamId ? { teamId: handoff.teamId } : {}),
        ...(handoff?.skills ? { skills: handoff.skills } : {}),
      };
    }
    const intent = handoff?.intent ?? (conversation.attributes.intent as string | undefined);
    const priority = Math.max(
      conversation.priority,
      rule?.priority ?? 0,
      handoff?.priority ?? 0,
      (this.#options.tierPriority ?? { vip: 10 })[contact.tier] ?? 0,
      intent ? ((this.#options.intentPriority ?? { complaint: 20, refund: 15 })[intent] ?? 0) : 0,
    );
    const exclude = opts.exclude;
    const ruleTarget = target;
    if (dedicated) target = { agentId: dedicated };
    const candidates = this.#candidates(conversation.tenantId, target).filter((c) => c.agent.id !== exclude);
    const chosen = this.#strategy.pick(candidates, input);
    const why = dedicated ? `dedicated agent ${dedicated}` : rule ? `rule "${rule.name}"` : forcedTarget ? 'transfer' : 'no rule matched';
    const decision: RoutingDecision = {
      ...(dedicated ? { rule: 'dedicated' } : rule ? { rule: rule.name } : {}),
      target,
      priority,
      // A decision is stored on the conversation: keep it small however many agents qualified.
      candidates: keptCandidates(candidates, chosen),
      candidateCount: candidates.length,
      ...(chosen ? { chosen: chosen.agent.id } : {}),
      strategy: this.#strategy.name,
      outcome: chosen ? 'assigned' : 'queued',
      reason: `${opts.reason ? `${opts.reason}; ` : ''}${why}; ${chosen ? `${this.#strategy.name} picked ${chosen.agent.id} of ${candidates.length}` : 'no agent online with free capacity'}`,
      at: now,
    };
    this.#host.emit('routing.decided', { conversation, decision });
    if (chosen) {
      await this.#assign(conversation, chosen, decision);
    } else {
      await this.#enqueue(conversation, decision);
      const { tenantId } = conversation;
      if (dedicated) {
        const timeoutMs = (this.#options.dedicated || {}).timeoutMs ?? 60_000;
        await this.#host.scheduler.in(timeoutMs, DEDICATED_FALLBACK_JOB, { conversationId: conversation.id }, { key: `dedicated:${conversation.id}`, tenantId, replace: true });
      }
      const overflow = (dedicated ? ruleTarget : target).overflow;
      if (overflow) await this.#host.scheduler.in(overflow.afterMs, OVERFLOW_JOB, { conversationId: conversation.id, teamId: overflow.teamId }, { key: `overflow:${conversation.id}`, tenantId, replace: true });
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

  #withHistory(conversation: Conversation, decision: RoutingDecision | undefined): Record<string, unknown> {
    if (!decision) return conversation.attributes;
    const history = ((conversation.attributes.routingHistory as RoutingDecision[] | undefined) ?? []).concat(decision).slice(-HISTORY);
    return { ...conversation.attributes, routing: decision, routingHistory: history };
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
        attributes: this.#withHistory(conversation, decision),
      },
      expected ?? conversation.status,
    );
    if (!updated) return undefined; // Changed meanwhile (closed by the customer, taken by someone): leave it.
    if (conversation.status === 'queued' && conversation.queuedAt) {
      const waited = now - conversation.queuedAt;
      const avg = this.#avgWait.get(conversation.tenantId);
      this.#avgWait.set(conversation.tenantId, avg === undefined ? waited : avg * 0.8 + waited * 0.2);
    }
    if (this.#removeFromQueue(conversation.id)) this.#host.emit('queue.changed', { tenantId: conversation.tenantId });
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
      { status: 'queued', queuedAt, priority: decision.priority, assigneeId: null, ...(decision.target.teamId ? { teamId: decision.target.teamId } : {}), attributes: this.#withHistory(conversation, decision) },
      conversation.status,
    );
    if (!updated) return;
    if (conversation.status === 'assigned' && conversation.assigneeId) this.#release(conversation.assigneeId);
    this.#queue.insert({ conversationId: conversation.id, tenantId: conversation.tenantId, target: decision.target, priority: decision.priority, queuedAt });
    this.#host.emit('conversation.queued', { conversation: updated, decision });
    this.#host.emit('queue.changed', { tenantId: conversation.tenantId });
  }

  #removeFromQueue(conversationId: string): boolean {
    return this.#queue.remove(conversationId);
  }

  #release(agentId: string): void {
    const s = this.#agents.get(agentId);
    if (s && s.load > 0) s.load--;
  }

  /** Serves the queue for one agent while they have capacity: highest priority, longest waiting first. */
  async #drainFor(agentId: string): Promise<void> {
    const state = this.#agents.get(agentId);
    while (state && state.agent.presence === 'online' && state.load < state.agent.capacity) {
      const entry = this.#queue.next(state.agent.tenantId, (target) => agentFitsTarget(state.agent, target));
      if (!entry) return;
      this.#removeFromQueue(entry.conversationId);
      const conversation = await this.#host.store.getConversation(entry.conversationId);
      if (!conversation || conversation.status !== 'queued') continue;
      const previous = conversation.attributes.routing as RoutingDecision | undefined;
      const now = this.#host.clock.now();
      const decision: RoutingDecision = {
        ...(previous?.rule ? { rule: previous.rule } : {}),
        target: entry.target,
        priority: entry.priority,
        candidates: [{ agentId, load: state.load, capacity: state.agent.capacity }],
        chosen: agentId,
        strategy: 'queue',
        outcome: 'assigned',
        reason: `queue: ${agentId} became available${entry.overflowed ? ' (overflow)' : ''}; waited ${now - entry.queuedAt} ms`,
        at: now,
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
      const target = { ...(previous?.target ?? {}) };
      delete target.agentId;
      await this.#route({ conversation: c, contact }, target, { exclude: state.agent.id, reason: `agent ${state.agent.id} went offline` });
    }
  }

  /** Called by the app when a conversation leaves an agent (closed): frees capacity and serves the queue. */
  async conversationEnded(conversation: Conversation, previousStatus: ConversationStatus, previousAssignee: string | undefined): Promise<void> {
    await this.#serial(async () => {
      if (previousStatus === 'queued' && this.#removeFromQueue(conversation.id)) this.#host.emit('queue.changed', { tenantId: conversation.tenantId });
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
        await this.#route({ conversation, contact }, { teamId: to.teamId }, { reason: `transfer to team ${to.teamId}` });
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
      this.#touch(conversation.tenantId, agentId);
      const updated = await this.#assign(conversation, state, decision);
      if (!updated) throw new KefuError(ErrorCodes.ILLEGAL_TRANSITION, 'The conversation changed meanwhile', { details: { conversationId } });
      return updated;
    });
  }

  /** 1-based position of a queued conversation among those of its tenant, or undefined. */
  queuePosition(conversationId: string): number | undefined {
    return this.#queue.position(conversationId);
  }

  /**
   * A rough estimate of the wait in seconds: position × the tenant's recent average wait per
   * conversation ÷ online agents (60 s per position until there is a measured average).
   */
  estimatedWaitSeconds(conversationId: string): number | undefined {
    const position = this.queuePosition(conversationId);
    const entry = this.#queue.get(conversationId);
    if (position === undefined || !entry) return undefined;
    const online = this.agentStates(entry.tenantId).filter((s) => s.agent.presence === 'online').length;
    const perConversation = this.#avgWait.get(entry.tenantId) ?? 60_000;
    return Math.round((position * perConversation) / Math.max(1, online) / 1000);
  }

  /** The queue of a tenant in service order. */
  queued(tenantId?: string): Array<{ conversationId: string; priority: number; queuedAt: number; target: RoutingTarget }> {
    return this.#queue.list(tenantId).map(({ conversationId, priority, queuedAt, target }) => ({ conversationId, priority, queuedAt, target }));
  }
}
