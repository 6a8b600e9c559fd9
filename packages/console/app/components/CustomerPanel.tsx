/** The right column: who the customer is across channels, where they came from, what came before. */
import type { JSX } from 'preact';
import { useConsole, useConsoleState } from '../hooks.js';
import { type MessageKey, formatTime, isMessageKey } from '../i18n.js';
import { Avatar, Channel, EntrySection, customerName, useChannelName } from './common.js';
import { CheckIcon, CloseIcon, TagIcon } from './icons.js';
import { Customer360 } from './Workspace.js';

/** The customer panel of the active conversation. */
export function CustomerPanel({ onClose, onOpen }: { onClose: () => void; onOpen: (id: string) => void }): JSX.Element | null {
  const { t, locale } = useConsole();
  const state = useConsoleState();
  const channelName = useChannelName();
  const view = state.active ? state.views[state.active] : undefined;
  if (!view) return null;
  const c = view.conversation;
  const profile = state.profiles[c.contactId];
  const contact = profile?.contact ?? view.contact;
  const name = customerName(contact, c, t('customer.anonymous'));
  const tier = contact?.tier ?? 'normal';
  const tierKey = `tier.${tier}`;
  const previous = (profile?.conversations ?? []).filter((p) => p.id !== c.id).sort((a, b) => b.openedAt - a.openedAt);
  const now = Date.now();
  return (
    <aside class="customer" aria-label={t('customer.title')}>
      <header class="customer-head">
        <h2 class="section-title">{t('customer.title')}</h2>
        <button type="button" class="icon-button hide-wide" onClick={onClose} aria-label={t('error.dismiss')}>
          <CloseIcon size={16} />
        </button>
      </header>
      <Customer360 onOpen={onOpen} fallback={<Basic />} />
    </aside>
  );

  function Basic(): JSX.Element {
  return (
    <>
      <div class="customer-card">
        <Avatar id={c.contactId} name={name} size={56} />
        <div class="customer-name">{name}</div>
        <span class={`tier tier-${tier} tier-large`}>{isMessageKey(tierKey) ? t(tierKey as MessageKey) : tier}</span>
        {contact && <div class="muted small">{t('customer.since', { d: new Date(contact.createdAt).toLocaleDateString(locale === 'zh' ? 'zh-CN' : 'en-GB') })}</div>}
      </div>
      <section class="panel-section">
        <h3>{t('customer.identities')}</h3>
        <ul class="identities">
          {(contact?.identities ?? [{ channel: c.channel, externalId: c.address }]).map((id) => (
            <li key={`${id.channel}:${id.externalId}`}>
              <Channel channel={id.channel} />
              <span class="id-channel">{channelName(id.channel)}</span>
              <span class="mono id-value" title={id.externalId}>{id.externalId}</span>
            </li>
          ))}
          {(contact?.identifiers ?? []).map((id) => (
            <li key={`${id.kind}:${id.value}`} class="verified">
              <CheckIcon size={14} />
              <span class="id-channel">{id.kind}</span>
              <span class="mono id-value" title={id.value}>{id.value}</span>
            </li>
          ))}
        </ul>
      </section>
      <section class="panel-section">
        <h3>{t('customer.tags')}</h3>
        {contact && contact.tags.length > 0 ? (
          <ul class="tags">
            {contact.tags.map((tag) => (
              <li key={tag} class="tag">
                <TagIcon size={11} /> {tag}
              </li>
            ))}
          </ul>
        ) : (
          <p class="muted small">{t('customer.noTags')}</p>
        )}
      </section>
      {c.entry && <EntrySection entry={c.entry} showUrl />}
      <section class="panel-section">
        <h3>{t('customer.previous')}</h3>
        {previous.length === 0 ? (
          <p class="muted small">{t('customer.noPrevious')}</p>
        ) : (
          <ul class="previous">
            {previous.map((p) => (
              <li key={p.id}>
                <button type="button" class="previous-row" onClick={() => onOpen(p.id)}>
                  <Channel channel={p.channel} />
                  <span class="previous-main">
                    <span>{p.subject ?? p.entry?.title ?? channelName(p.channel)}</span>
                    <span class="muted small">{formatTime(p.openedAt, locale, now)} · {t(`status.${p.status}` as MessageKey)}</span>
                  </span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
  }
}
