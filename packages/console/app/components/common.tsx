/** Small shared pieces: avatar, waiting timer, channel label, entry context. */
import type { JSX } from 'preact';
import { useConsole, useNow } from '../hooks.js';
import { type MessageKey, formatWait, isMessageKey } from '../i18n.js';
import type { Contact, Conversation } from '../protocol.js';
import { waitLevel } from '../state.js';
import { ChannelIcon, ClockIcon, PageIcon } from './icons.js';

const AVATAR_HUES = [212, 262, 152, 28, 340, 190, 100, 300];

/** Initials on a calm colour derived from the id, so one customer keeps one colour. */
export function Avatar({ id, name, size = 36 }: { id: string; name: string; size?: number }): JSX.Element {
  let hash = 0;
  for (let i = 0; i < id.length; i++) hash = (hash * 31 + id.charCodeAt(i)) | 0;
  const hue = AVATAR_HUES[Math.abs(hash) % AVATAR_HUES.length]!;
  const initials = name.trim().slice(0, /[\u4e00-\u9fff]/.test(name) ? 1 : 2).toUpperCase() || '?';
  return (
    <span class="avatar" aria-hidden="true" style={{ width: size, height: size, background: `hsl(${hue} 60% 93%)`, color: `hsl(${hue} 45% 32%)`, fontSize: size * 0.4 }}>
      {initials}
    </span>
  );
}

/** The customer's display name: their name, or "Visitor" and a short address. */
export function customerName(contact: Contact | undefined, conversation: Conversation, anonymous: string): string {
  if (contact?.name) return contact.name;
  return `${anonymous} ${conversation.address.slice(-4).toUpperCase()}`;
}

/** The translated name of a channel, or the channel id itself. */
export function useChannelName(): (channel: string) => string {
  const { t } = useConsole();
  return (channel) => {
    const key = `channel.${channel}`;
    return isMessageKey(key) ? t(key) : channel;
  };
}

/** The translated name of a page type. */
export function usePageName(): (pageType: string | undefined) => string | undefined {
  const { t } = useConsole();
  return (pageType) => {
    if (!pageType) return undefined;
    const key = `page.${pageType}`;
    return isMessageKey(key) ? t(key as MessageKey) : pageType;
  };
}

/** A channel icon with its name for screen readers. */
export function Channel({ channel, size = 14 }: { channel: string; size?: number }): JSX.Element {
  const name = useChannelName();
  return (
    <span class={`channel channel-${channel}`} title={name(channel)}>
      <ChannelIcon channel={channel} size={size} title={name(channel)} />
    </span>
  );
}

/** A live waiting timer: grey, then amber at 30 s, red at 3 min. */
export function WaitTimer({ since, compact = false }: { since: number | undefined; compact?: boolean }): JSX.Element | null {
  const now = useNow();
  const { t } = useConsole();
  if (since === undefined) return null;
  const ms = Math.max(0, now - since);
  const level = waitLevel(ms);
  return (
    <span class={`wait wait-${level}`} title={t('list.waiting', { t: formatWait(ms) })}>
      <ClockIcon size={12} />
      <span class="sr-only">{compact ? t('list.waiting', { t: '' }) : ''}</span>
      {formatWait(ms)}
    </span>
  );
}

/** Where the customer came from: page type, title, product and order ids. */
export function EntryChips({ conversation }: { conversation: Conversation }): JSX.Element | null {
  const { t } = useConsole();
  const page = usePageName();
  const entry = conversation.entry;
  if (!entry) return null;
  return (
    <ul class="chips" aria-label={t('entry.label')}>
      {entry.pageType && <li class="chip chip-page">{page(entry.pageType)}</li>}
      {entry.productId && (
        <li class="chip" title={entry.title}>
          {t('entry.product')} · {entry.title ? `${entry.title} ` : ''}
          <span class="mono">{entry.productId}</span>
        </li>
      )}
      {entry.orderId && (
        <li class="chip">
          {t('entry.order')} · <span class="mono">{entry.orderId}</span>
        </li>
      )}
    </ul>
  );
}

/** The entry page of a conversation, as a panel section (page type, title, product, order, link). */
export function EntrySection({ entry, showUrl = false }: { entry: NonNullable<Conversation['entry']>; showUrl?: boolean }): JSX.Element {
  const { t } = useConsole();
  const page = usePageName();
  return (
    <section class="panel-section">
      <h3>{t('customer.entry')}</h3>
      <div class="entry-block">
        <PageIcon size={16} />
        <div>
          <div>{page(entry.pageType) ?? t('entry.page')}</div>
          {entry.title && <div class="strong">{entry.title}</div>}
          <dl class="kv">
            {entry.productId && (<><dt>{t('entry.product')}</dt><dd class="mono">{entry.productId}</dd></>)}
            {entry.orderId && (<><dt>{t('entry.order')}</dt><dd class="mono">{entry.orderId}</dd></>)}
          </dl>
          {showUrl && entry.url && <a class="small" href={entry.url} target="_blank" rel="noreferrer">{entry.url}</a>}
        </div>
      </div>
    </section>
  );
}
