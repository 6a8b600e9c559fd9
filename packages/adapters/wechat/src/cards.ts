import { type Card, type CardAction, cardToText } from '@kefu/core';

/** A mini program a card opens (`card.data.miniprogram`). */
export interface MiniprogramTarget {
  appid: string;
  pagepath: string;
  /** An uploaded thumbnail; otherwise `card.imageUrl` is uploaded. */
  thumbMediaId?: string;
}

/** One entry of a menu message. */
export type MenuItem = { kind: 'click'; action: CardAction } | { kind: 'view'; url: string; label: string };

/**
 * How a card goes out on WeChat, independent of the product. The Official Account and WeCom
 * serializers turn a plan into their own JSON.
 */
export type CardPlan =
  | { type: 'miniprogram'; title: string; target: MiniprogramTarget; thumbUrl?: string }
  | { type: 'menu'; head: string; items: MenuItem[]; tail?: string }
  | { type: 'news'; title: string; description: string; url: string; picUrl?: string }
  | { type: 'text'; text: string };

/** The mini program target of a card, when `data.miniprogram` holds a valid one. */
export function miniprogramOf(card: Card): MiniprogramTarget | undefined {
  const data = card.data as { miniprogram?: Partial<MiniprogramTarget> } | undefined;
  const mp = data && typeof data === 'object' ? data.miniprogram : undefined;
  if (!mp || typeof mp.appid !== 'string' || typeof mp.pagepath !== 'string') return undefined;
  return { appid: mp.appid, pagepath: mp.pagepath, ...(typeof mp.thumbMediaId === 'string' ? { thumbMediaId: mp.thumbMediaId } : {}) };
}

function body(card: Card): string {
  const lines = [card.title];
  if (card.subtitle) lines.push(card.subtitle);
  if (card.text) lines.push(card.text);
  for (const f of card.fields ?? []) lines.push(`${f.label}: ${f.value}`);
  return lines.join('\n');
}

/**
 * Picks the WeChat rendering of a generic card, most specific first:
 * `data.miniprogram` → mini program page; clickable actions → menu message (each click comes
 * back tied to its choice); a url or image → news (one article); otherwise text. A card with
 * `items` (a list) goes out as text, since a custom news message holds one article only (45008).
 */
export function planCard(card: Card): CardPlan {
  const target = miniprogramOf(card);
  if (target && !card.items?.length) return { type: 'miniprogram', title: card.title, target, ...(card.imageUrl ? { thumbUrl: card.imageUrl } : {}) };
  const actions = card.actions ?? [];
  const clickable = actions.filter((a) => a.type !== 'link');
  if (clickable.length > 0 && !card.items?.length) {
    const items: MenuItem[] = actions.map((a) =>
      a.type === 'link' && a.url ? { kind: 'view', url: a.url, label: a.label } : { kind: 'click', action: a },
    );
    return { type: 'menu', head: body(card), items, ...(card.url ? { tail: card.url } : {}) };
  }
  const url = card.url ?? card.imageUrl;
  if (url && !card.items?.length) {
    const description = [card.subtitle, card.text, ...(card.fields ?? []).map((f) => `${f.label}: ${f.value}`)].filter(Boolean).join('\n');
    return { type: 'news', title: card.title, description, url, ...(card.imageUrl ? { picUrl: card.imageUrl } : {}) };
  }
  return { type: 'text', text: cardToText(card) };
}
