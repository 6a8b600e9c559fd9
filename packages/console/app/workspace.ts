/**
 * Pure helpers of the workspace features (quick replies, tags, coupons, supervision), kept out
 * of the components so they are unit-tested without a browser.
 */

/** A quick reply as the workspace API lists it. */
export interface QuickReplyItem {
  id: string;
  scope: 'personal' | 'team';
  shortcut: string;
  title: string;
  text: string;
  usage: number;
}

/**
 * The quick-reply search the agent is typing: a `/` at the start of the draft or after a space,
 * up to the caret, with no space in between. Undefined when the caret is not in such a word.
 */
export function slashQuery(text: string, caret: number = text.length): { query: string; start: number } | undefined {
  const before = text.slice(0, caret);
  const m = /(^|\s)\/([^\s/]*)$/.exec(before);
  if (!m) return undefined;
  return { query: m[2]!, start: before.length - m[2]!.length - 1 };
}

/** Replaces the `/query` word at `start` (up to the caret) by the expanded reply; returns the new text and caret. */
export function insertQuickReply(text: string, start: number, caret: number, insert: string): { text: string; caret: number } {
  const next = text.slice(0, start) + insert + text.slice(caret);
  return { text: next, caret: start + insert.length };
}

/** Ranks quick replies for what follows `/` (shortcut prefix, then shortcut/title, then text; usage breaks ties). */
export function filterQuickReplies<T extends Pick<QuickReplyItem, 'shortcut' | 'title' | 'text' | 'usage'>>(items: readonly T[], query: string, limit = 8): T[] {
  const q = query.trim().toLowerCase();
  const score = (r: T): number => {
    if (!q) return 1;
    if (r.shortcut.toLowerCase().startsWith(q)) return 4;
    if (r.shortcut.toLowerCase().includes(q) || r.title.toLowerCase().includes(q)) return 3;
    return r.text.toLowerCase().includes(q) ? 2 : 0;
  };
  return items
    .map((r) => ({ r, s: score(r) }))
    .filter((x) => x.s > 0)
    .sort((a, b) => b.s - a.s || b.r.usage - a.r.usage || a.r.shortcut.localeCompare(b.r.shortcut))
    .slice(0, limit)
    .map((x) => x.r);
}

/** The kind of a contact tag by prefix (`user:`, `biz:`, `merchant:`; anything else is `other`). */
export type TagKind = 'user' | 'biz' | 'merchant' | 'other';

/** The kind of a tag. */
export function tagKindOf(tag: string): TagKind {
  if (tag.startsWith('user:')) return 'user';
  if (tag.startsWith('biz:')) return 'biz';
  if (tag.startsWith('merchant:')) return 'merchant';
  return 'other';
}

/** The text after a tag's kind prefix (`user:学生` → `学生`). */
export function tagLabel(tag: string): string {
  return tagKindOf(tag) === 'other' ? tag : tag.slice(tag.indexOf(':') + 1);
}

/** Builds a tag from a kind and what the agent typed; undefined when empty, too long or with a comma. */
export function makeTag(kind: Exclude<TagKind, 'other'>, value: string): string | undefined {
  const v = value.trim();
  if (!v || v.length > 40 || v.includes(',')) return undefined;
  return `${kind}:${v}`;
}

/** Whether a role may change tags of this kind (merchant tags: supervisors and admins). */
export function mayEditTag(role: string | undefined, kind: TagKind): boolean {
  if (kind === 'other') return false;
  return kind !== 'merchant' || role === 'supervisor' || role === 'admin';
}

const RANK: Record<string, number> = { agent: 1, supervisor: 2, admin: 3 };

/** Why this agent may not issue a coupon (`role`), or undefined when they may. */
export function couponBlocked(role: string | undefined, issuableBy: string | undefined): 'role' | undefined {
  return (RANK[role ?? 'agent'] ?? 1) < (RANK[issuableBy ?? 'agent'] ?? 1) ? 'role' : undefined;
}

/** Money in the shop's minor units (fen) as `¥1,299.00`. */
export function formatMoney(amount: number, locale: 'en' | 'zh'): string {
  return `¥${(amount / 100).toLocaleString(locale === 'zh' ? 'zh-CN' : 'en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** A queue's label from its key (`team:pre skills:vip` → `pre · vip`). */
export function queueLabel(key: string): string {
  if (key === 'any') return '*';
  return key
    .split(' ')
    .map((p) => p.slice(p.indexOf(':') + 1).replaceAll('+', ' + '))
    .join(' · ');
}

/** Seconds as `42 s`, `3 min`, `1 h 5 min`. */
export function formatDuration(seconds: number, locale: 'en' | 'zh'): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return locale === 'zh' ? `${s} 秒` : `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return locale === 'zh' ? `${m} 分钟` : `${m} min`;
  const h = Math.floor(m / 60);
  return locale === 'zh' ? `${h} 小时 ${m % 60} 分钟` : `${h} h ${m % 60} min`;
}
