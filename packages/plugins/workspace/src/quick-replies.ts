import type { Agent, Contact, Conversation } from '@kefu/core';

/** A saved answer agents insert with `/shortcut`. */
export interface QuickReply {
  id: string;
  tenantId: string;
  /** `personal`: the owner's own library. `team`: shared with every agent of the tenant (or of `teamId`). */
  scope: 'personal' | 'team';
  /** The owner of a personal reply. */
  ownerId?: string;
  /** A team library limited to one team; absent = every agent of the tenant. */
  teamId?: string;
  /** What the agent types after `/` (letters, digits, `-`, `_`, CJK). */
  shortcut: string;
  title: string;
  /** The text, with variables such as `{customer.name}`. */
  text: string;
  /** How many times agents inserted it. */
  usage: number;
  createdBy?: string;
  createdAt: number;
  updatedAt: number;
}

/** The variables a quick reply may use. */
export const QUICK_REPLY_VARIABLES = ['customer.name', 'customer.tier', 'order.id', 'product.id', 'agent.name'] as const;

/** One of {@link QUICK_REPLY_VARIABLES}. */
export type QuickReplyVariable = (typeof QUICK_REPLY_VARIABLES)[number];

/** What variables are filled from. */
export interface VariableContext {
  contact?: Pick<Contact, 'name' | 'tier'>;
  conversation?: Pick<Conversation, 'entry' | 'attributes'>;
  agent?: Pick<Agent, 'name'>;
}

/** The value of each variable in a context; undefined when unknown. */
export function variableValues(context: VariableContext): Record<QuickReplyVariable, string | undefined> {
  const lastOrder = context.conversation?.attributes?.lastOrderEvent as { orderId?: unknown } | undefined;
  return {
    'customer.name': context.contact?.name || undefined,
    'customer.tier': context.contact?.tier || undefined,
    'order.id': context.conversation?.entry?.orderId ?? (typeof lastOrder?.orderId === 'string' ? lastOrder.orderId : undefined),
    'product.id': context.conversation?.entry?.productId,
    'agent.name': context.agent?.name || undefined,
  };
}

/**
 * Fills `{customer.name}`, `{order.id}`, `{agent.name}`... Unknown values stay as written and are
 * listed in `missing`, so the agent sees the gap instead of sending "your order  is on its way".
 */
export function expandVariables(text: string, context: VariableContext): { text: string; missing: string[] } {
  const values = variableValues(context);
  const missing = new Set<string>();
  const out = text.replace(/\{([a-z]+\.[a-z]+)\}/gi, (whole, name: string) => {
    const key = name.toLowerCase() as QuickReplyVariable;
    if (!(key in values)) return whole;
    const value = values[key];
    if (value === undefined) {
      missing.add(key);
      return whole;
    }
    return value;
  });
  return { text: out, missing: [...missing] };
}

/** Variables a text uses that are not known (typos such as `{custmer.name}`). */
export function unknownVariables(text: string): string[] {
  const known = new Set<string>(QUICK_REPLY_VARIABLES);
  return [...text.matchAll(/\{([a-z]+\.[a-z]+)\}/gi)].map((m) => m[1]!.toLowerCase()).filter((v) => !known.has(v));
}

/**
 * Ranks quick replies for a search typed after `/`: shortcut prefix first, then shortcut or title
 * containing it, then text containing it; ties by usage, then shortcut. An empty query lists all
 * by usage.
 */
export function searchQuickReplies<T extends Pick<QuickReply, 'shortcut' | 'title' | 'text' | 'usage'>>(items: readonly T[], query: string, limit = 20): T[] {
  const q = query.trim().toLowerCase();
  const score = (r: T): number => {
    if (!q) return 1;
    const s = r.shortcut.toLowerCase();
    if (s.startsWith(q)) return 4;
    if (s.includes(q) || r.title.toLowerCase().includes(q)) return 3;
    if (r.text.toLowerCase().includes(q)) return 2;
    return 0;
  };
  return items
    .map((r) => ({ r, s: score(r) }))
    .filter((x) => x.s > 0)
    .sort((a, b) => b.s - a.s || b.r.usage - a.r.usage || a.r.shortcut.localeCompare(b.r.shortcut))
    .slice(0, limit)
    .map((x) => x.r);
}
