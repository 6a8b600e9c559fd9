/**
 * Routing decisions (issue 4): the @kefu/core router with 1,000 online agents and 10,000 queued
 * conversations, on the memory store (this measures the decision, not the store). Timed one by
 * one: a new conversation that is queued (its team is full), a new conversation that is assigned
 * (least busy of its team), a queue drain (an agent frees up and takes the next fitting
 * conversation) and a drain that finds nothing (the whole queue is read). Baseline: a bare loop
 * doing the same candidate filtering, pick and queue insert/scan on plain arrays.
 */
import { type Contact, type Conversation, DEFAULT_TENANT, type KefuApp, type RoutingRule, type RoutingTarget, type Store, createApp, createMemoryStore, newId } from '@kefu/core';
import { type Figure, type Scenario, figureFromRuns, median } from '../lib.js';

const AGENTS = 1000;
/** Agents 0..899 sell (team `sales`), 900..999 take checkout questions (team `checkout`). */
const SALES_AGENTS = 900;
const CAPACITY = 5;
const QUEUED = 10_000;

const rules: RoutingRule[] = [
  { name: 'vip', match: { tier: 'vip' }, target: { teamId: 'sales', skills: ['presale'], minSkillLevel: 4 }, priority: 10 },
  { name: 'checkout', match: { pageType: 'checkout' }, target: { teamId: 'checkout', language: 'zh' }, priority: 5 },
  { name: 'product', match: { pageType: ['product', 'help'] }, target: { teamId: 'sales', skills: ['presale'] } },
];

/** Agent i's teams, skills and languages: sales agents with presale levels 1–5, one in ten also speaks English. */
function profile(i: number): { teams: string[]; skills: Record<string, number>; languages: string[] } {
  const sales = i < SALES_AGENTS;
  return { teams: [sales ? 'sales' : 'checkout'], skills: sales ? { presale: 1 + (i % 5) } : { payment: 3 }, languages: i % 10 === 0 ? ['zh', 'en'] : ['zh'] };
}

interface Timings {
  queued: number[];
  assigned: number[];
  drain: number[];
  /** Closing a conversation whose agent fits nothing in the queue: the drain scans all of it. */
  scan: number[];
}

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0;
}

let seq = 0;
async function newConversation(store: Store, pageType: string, tier = 'normal'): Promise<{ conversation: Conversation; contact: Contact }> {
  const now = Date.now();
  const id = `c${++seq}`;
  const contact = await store.createContact({ id: newId(), tenantId: DEFAULT_TENANT, identities: [{ channel: 'web', externalId: id }], identifiers: [], tier, tags: [], attributes: {}, createdAt: now, updatedAt: now });
  const conversation = await store.createConversation({ id: newId(), tenantId: DEFAULT_TENANT, contactId: contact.id, channel: 'web', address: id, status: 'bot', priority: 0, entry: { pageType }, language: 'zh', tags: [], lastSeq: 0, attributes: {}, openedAt: now, lastMessageAt: now, updatedAt: now });
  return { conversation, contact };
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) * 1000;
}

/**
 * The core router through the app's public surface, one app per run: every sales agent full,
 * 10,000 conversations queued behind them, then the timed decisions.
 */
async function coreRun(samples: number, log: (m: string) => void): Promise<Timings & { dedicatedLookup: number[] }> {
  const store = createMemoryStore();
  // The dedicated-agent lookup is a store query (a full scan on the memory store): it is timed apart.
  const app: KefuApp = createApp({ store, detectLanguage: false, router: { rules, dedicated: false, defaultCapacity: CAPACITY } });
  await app.start();
  try {
    for (let i = 0; i < AGENTS; i++) {
      await app.agents.upsert({ id: `a${i}`, name: `Agent ${i}`, email: `a${i}@bench.invalid`, role: 'agent', ...profile(i) });
      await app.agents.setPresence(`a${i}`, 'online');
    }
    const t0 = performance.now();
    const sales: string[] = [];
    for (let i = 0; i < SALES_AGENTS * CAPACITY; i++) {
      const input = await newConversation(store, 'product');
      await app.router.route(input);
      sales.push(input.conversation.id);
    }
    // The queue: product pages, one in ten a VIP (served first, by agents with presale ≥ 4).
    for (let i = 0; i < QUEUED; i++) await app.router.route(await newConversation(store, 'product', i % 10 === 0 ? 'vip' : 'normal'));
    const queued = app.router.queued().length;
    if (queued !== QUEUED) throw new Error(`expected ${QUEUED} queued, got ${queued}`);
    log(`core: ${AGENTS} agents online, ${sales.length} assigned, ${queued} queued (setup ${((performance.now() - t0) / 1000).toFixed(1)} s)`);

    const out = { queued: [] as number[], assigned: [] as number[], drain: [] as number[], scan: [] as number[], dedicatedLookup: [] as number[] };
    for (let i = 0; i < samples; i++) {
      const input = await newConversation(store, 'product');
      out.queued.push(await timed(() => app.router.route(input)));
    }
    const checkout: string[] = [];
    for (let i = 0; i < samples; i++) {
      const input = await newConversation(store, 'checkout');
      out.assigned.push(await timed(() => app.router.route(input)));
      checkout.push(input.conversation.id);
    }
    if (app.router.agentStates().filter((s) => s.agent.teams.includes('checkout')).reduce((n, s) => n + s.load, 0) !== samples) throw new Error('checkout conversations were not all assigned');
    // A sales agent frees up: close() releases them and the drain hands them the next fitting conversation.
    for (let i = 0; i < samples; i++) out.drain.push(await timed(() => app.conversations.close(sales[i]!)));
    if (app.router.queued().length !== QUEUED) throw new Error(`the queue did not drain: ${app.router.queued().length} left`);
    // A checkout agent frees up: nothing in the queue fits them, so the drain reads all of it.
    for (let i = 0; i < samples; i++) out.scan.push(await timed(() => app.conversations.close(checkout[i]!)));
    const { contact } = await newConversation(store, 'product');
    for (let i = 0; i < samples; i++) out.dedicatedLookup.push(await timed(() => store.listConversations({ tenantId: DEFAULT_TENANT, contactId: contact.id, limit: 20 })));
    return out;
  } finally {
    await app.close();
  }
}

// The baseline: the same decisions on plain arrays, no store, no events.

interface PlainAgent {
  id: string;
  tenantId: string;
  online: boolean;
  load: number;
  capacity: number;
  lastAssignedAt: number;
  teams: string[];
  skills: Record<string, number>;
  languages: string[];
}

interface PlainEntry {
  id: string;
  tenantId: string;
  target: RoutingTarget;
  priority: number;
  queuedAt: number;
}

function fits(a: PlainAgent, t: RoutingTarget): boolean {
  if (t.agentId && a.id !== t.agentId) return false;
  if (t.teamId && !a.teams.includes(t.teamId)) return false;
  if (t.skills && !t.skills.every((s) => (a.skills[s] ?? 0) >= (t.minSkillLevel ?? 1))) return false;
  if (t.language && !a.languages.includes(t.language)) return false;
  return true;
}

function baselineRun(samples: number): Timings {
  const agents: PlainAgent[] = Array.from({ length: AGENTS }, (_, i) => ({ id: `a${i}`, tenantId: DEFAULT_TENANT, online: true, load: 0, capacity: CAPACITY, lastAssignedAt: 0, ...profile(i) }));
  const queue: PlainEntry[] = [];
  let clock = 0;
  const decide = (target: RoutingTarget, priority: number): PlainAgent | undefined => {
    let best: PlainAgent | undefined;
    for (const a of agents) {
      if (a.tenantId !== DEFAULT_TENANT || !a.online || a.load >= a.capacity || !fits(a, target)) continue;
      if (!best || a.load / a.capacity < best.load / best.capacity || (a.load / a.capacity === best.load / best.capacity && a.lastAssignedAt < best.lastAssignedAt)) best = a;
    }
    if (best) {
      best.load++;
      best.lastAssignedAt = ++clock;
      return best;
    }
    const entry: PlainEntry = { id: `q${clock}`, tenantId: DEFAULT_TENANT, target, priority, queuedAt: ++clock };
    let lo = 0;
    let hi = queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = queue[mid]!;
      if (m.priority > priority || (m.priority === priority && m.queuedAt <= entry.queuedAt)) lo = mid + 1;
      else hi = mid;
    }
    queue.splice(lo, 0, entry);
    return undefined;
  };
  const product = rules[2]!.target;
  const vip = rules[0]!.target;
  const checkout = rules[1]!.target;
  const holders: PlainAgent[] = [];
  for (let i = 0; i < SALES_AGENTS * CAPACITY; i++) holders.push(decide(product, 0)!);
  for (let i = 0; i < QUEUED; i++) decide(i % 10 === 0 ? vip : product, i % 10 === 0 ? 10 : 0);
  const time = (fn: () => void) => {
    const t0 = performance.now();
    fn();
    return (performance.now() - t0) * 1000;
  };
  const out: Timings = { queued: [], assigned: [], drain: [], scan: [] };
  for (let i = 0; i < samples; i++) out.queued.push(time(() => decide(product, 0)));
  for (let i = 0; i < samples; i++) {
    out.assigned.push(time(() => decide(checkout, 5)!.load--));
  }
  const free = (agent: PlainAgent) => () => {
    agent.load--;
    const at = queue.findIndex((e) => e.tenantId === agent.tenantId && fits(agent, e.target));
    if (at >= 0) {
      queue.splice(at, 1);
      agent.load++;
    }
  };
  for (let i = 0; i < samples; i++) out.drain.push(time(free(holders[i]!)));
  const checkoutAgent = agents[AGENTS - 1]!;
  for (let i = 0; i < samples; i++) {
    checkoutAgent.load++;
    out.scan.push(time(free(checkoutAgent)));
  }
  return out;
}

export const scenario: Scenario = {
  name: 'routing',
  description: `routing decisions in the @kefu/core router: ${AGENTS} agents online, ${QUEUED.toLocaleString('en-US')} queued conversations (memory store), vs the same filtering on plain arrays`,
  async run({ quick, log }) {
    const samples = quick ? 200 : 400;
    const runs = quick ? 1 : 3;
    const core: Array<Timings & { dedicatedLookup: number[] }> = [];
    const base: Timings[] = [];
    for (let r = 0; r < runs; r++) {
      log(`run ${r + 1}/${runs}`);
      core.push(await coreRun(samples, log));
      base.push(baselineRun(samples));
    }
    const figures: Figure[] = [];
    const names = {
      queued: 'new conversation → queued (its team is full)',
      assigned: 'new conversation → assigned (least busy of 100)',
      drain: 'agent frees up → next from the queue (close + drain)',
      scan: 'agent frees up, nothing in the queue fits (close + full scan)',
    } as const;
    for (const kind of ['queued', 'assigned', 'drain', 'scan'] as const) {
      for (const p of [0.5, 0.99] as const) {
        const values = core.map((t) => percentile(t[kind], p));
        const b = median(base.map((t) => percentile(t[kind], p)));
        figures.push(figureFromRuns(`routing.${kind}.p${p * 100}`, 'µs', values, { baseline: { name: 'plain arrays', value: b }, note: `${names[kind]}${p === 0.99 ? '; target ≤ 1,000 µs' : ''}` }));
      }
    }
    figures.push(
      figureFromRuns('routing.dedicated-lookup.memory-store.p50', 'µs', core.map((t) => percentile(t.dedicatedLookup, 0.5)), {
        note: 'listConversations by contact over ~15k conversations: added to every decision when the dedicated agent is on (the default)',
      }),
    );
    return figures;
  },
};
