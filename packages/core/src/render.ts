import type { AdapterCapabilities } from './adapter.js';
import { ErrorCodes, KefuError } from './errors.js';
import type { Card, Part } from './model.js';

/** The plain-text rendering of a card: title, text, fields and numbered actions. */
export function cardToText(card: Card): string {
  const lines: string[] = [card.title];
  if (card.subtitle) lines.push(card.subtitle);
  if (card.text) lines.push(card.text);
  for (const f of card.fields ?? []) lines.push(`${f.label}: ${f.value}`);
  for (const item of card.items ?? []) lines.push(`- ${cardToText(item).split('\n').join(' / ')}`);
  if (card.url) lines.push(card.url);
  (card.actions ?? []).forEach((a, i) => lines.push(a.type === 'link' && a.url ? `${i + 1}. ${a.label}: ${a.url}` : `${i + 1}. ${a.label}`));
  return lines.join('\n');
}

/** The plain-text rendering of one part, or undefined for parts that have none (events). */
export function partToText(part: Part): string | undefined {
  switch (part.type) {
    case 'text':
      return part.text;
    case 'image':
      return part.alt ? `[${part.alt}] ${part.url}` : part.url;
    case 'file':
      return `${part.name}: ${part.url}`;
    case 'audio':
      return part.transcript ?? part.url;
    case 'location':
      return `${part.label ? part.label + ' ' : ''}(${part.latitude}, ${part.longitude})`;
    case 'card':
      return cardToText(part.card);
    case 'action':
      return part.label ?? part.value ?? part.actionId;
    case 'event':
      return undefined;
  }
}

/** The `text` of a message: every part's plain text, one per line. */
export function plainText(parts: readonly Part[]): string {
  return parts
    .map(partToText)
    .filter((t): t is string => t !== undefined && t !== '')
    .join('\n');
}

/** The capability a part needs on a channel, if any beyond text. */
export function requiredCapability(part: Part): keyof AdapterCapabilities | undefined {
  switch (part.type) {
    case 'image':
      return 'images';
    case 'file':
      return 'files';
    case 'audio':
      return 'audio';
    case 'card':
      return 'cards';
    case 'location':
      return 'location';
    default:
      return undefined;
  }
}

/**
 * Renders parts for a channel by its declared capabilities: what the channel cannot show falls
 * back to text (a card becomes its title, fields and numbered actions). Events are never sent.
 * With `strict`, an unsupported part throws `KEFU_CAPABILITY_UNSUPPORTED` instead.
 */
export function renderForCapabilities(parts: readonly Part[], capabilities: AdapterCapabilities, options: { strict?: boolean; channel?: string } = {}): Part[] {
  const out: Part[] = [];
  for (const part of parts) {
    if (part.type === 'event' || part.type === 'action') continue;
    const needed = requiredCapability(part);
    if (!needed || capabilities[needed]) {
      out.push(part);
      continue;
    }
    if (options.strict) {
      throw new KefuError(ErrorCodes.CAPABILITY_UNSUPPORTED, `The ${options.channel ?? 'channel'} adapter cannot send ${part.type} parts`, {
        details: { channel: options.channel, part: part.type, capability: needed },
      });
    }
    const text = partToText(part);
    if (text) out.push({ type: 'text', text });
  }
  // Adjacent text parts are merged so text-only channels send one message, not several.
  return out.reduce<Part[]>((acc, p) => {
    const last = acc[acc.length - 1];
    if (p.type === 'text' && last?.type === 'text') acc[acc.length - 1] = { type: 'text', text: `${last.text}\n${p.text}` };
    else acc.push(p);
    return acc;
  }, []);
}
