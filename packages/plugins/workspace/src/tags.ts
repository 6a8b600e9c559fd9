/** Kinds of contact tags, told apart by prefix. */
export type TagKind = 'user' | 'biz' | 'merchant' | 'other';

/** Prefix of each editable tag kind. */
export const TAG_PREFIXES = { user: 'user:', biz: 'biz:', merchant: 'merchant:' } as const;

/**
 * The kind of a tag: `user:` (what the customer is: `user:学生`), `biz:` (business state:
 * `biz:投诉中`), `merchant:` (the merchant's own segments: `merchant:黑五名单`). Other tags
 * (`brand:apple`, `price:high`, set by rules and the recommender) are `other`.
 */
export function tagKind(tag: string): TagKind {
  for (const [kind, prefix] of Object.entries(TAG_PREFIXES) as Array<[Exclude<TagKind, 'other'>, string]>) if (tag.startsWith(prefix)) return kind;
  return 'other';
}

/** Tags grouped by kind, in their original order. */
export function groupTags(tags: readonly string[]): Record<TagKind, string[]> {
  const out: Record<TagKind, string[]> = { user: [], biz: [], merchant: [], other: [] };
  for (const t of tags) out[tagKind(t)].push(t);
  return out;
}

/** A valid tag: a known prefix and 1–40 characters of value, no commas or control characters. */
export function isValidTag(tag: string): boolean {
  const kind = tagKind(tag);
  if (kind === 'other') return false;
  const value = tag.slice(TAG_PREFIXES[kind].length);
  return value.length >= 1 && value.length <= 40 && !/[,\p{Cc}]/u.test(value) && value.trim() === value;
}
