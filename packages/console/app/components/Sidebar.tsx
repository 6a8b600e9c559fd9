/** The left column: who I am and my presence, the lists with their counts, and the rows. */
import type { JSX } from 'preact';
import { useConsole, useConsoleState } from '../hooks.js';
import type { MessageKey } from '../i18n.js';
import { formatTime } from '../i18n.js';
import type { Presence } from '../protocol.js';
import { callLook, callOf, isLive } from '../calls.js';
import { type ConversationView, type ListName, STAGES, type StageFilter, isSupervisor, listCounts, listViews, stageOf, waitStart } from '../state.js';
import { Avatar, Channel, WaitTimer, customerName, usePageName } from './common.js';
import { ChannelIcon, InboxIcon } from './icons.js';

function Row({ view, active, onOpen }: { view: ConversationView; active: boolean; onOpen: (id: string) => void }): JSX.Element {
  const { t, locale } = useConsole();
  const page = usePageName();
  const c = view.conversation;
  const name = customerName(view.contact, c, t('customer.anonymous'));
  const preview = view.lastMessage ? (view.lastMessage.direction === 'internal' ? `${t('message.note')}: ` : '') + view.lastMessage.text : (c.entry?.title ?? '');
  const tier = view.contact?.tier;
  const stage = stageOf(c);
  const call = callOf(c);
  const look = call && isLive(call) ? callLook(call) : undefined;
  return (
    <li>
      <button type="button" class={`row ${active ? 'row-active' : ''} ${view.unread > 0 ? 'row-unread' : ''}`} aria-current={active ? 'true' : undefined} onClick={() => onOpen(c.id)}>
        <span class="row-avatar">
          <Avatar id={c.contactId} name={name} />
          <span class="row-channel">
            <Channel channel={c.channel} size={11} />
          </span>
        </span>
        <span class="row-main">
          <span class="row-top">
            <span class="row-name">{name}</span>
            {tier && tier !== 'normal' && <span class={`tier tier-${tier}`}>{tier.toUpperCase()}</span>}
            <span class="row-time">{formatTime(c.lastMessageAt, locale, Date.now())}</span>
          </span>
          <span class="row-preview">{preview || '\u00a0'}</span>
          <span class="row-bottom">
            {look && (
              <span class={`row-call call-${look.tone}`} data-call-state={call!.state}>
                <ChannelIcon channel="phone" size={11} />
                {t(look.label)}
              </span>
            )}
            {stage && <span class={`stage stage-small stage-${stage}`}>{t(`ws.stage.${stage}` as MessageKey)}</span>}
            {c.entry?.pageType && <span class="row-page">{page(c.entry.pageType)}</span>}
            {view.queuePosition !== undefined && <span class="row-pos">{t('list.position', { n: view.queuePosition })}</span>}
            <WaitTimer since={waitStart(view)} compact />
            {view.unread > 0 && (
              <span class="badge" aria-label={t('list.unread', { n: view.unread })}>
                {view.unread}
              </span>
            )}
          </span>
        </span>
      </button>
    </li>
  );
}

const PRESENCES: Presence[] = ['online', 'away', 'offline'];

/** The sidebar. `onOpen` opens a conversation (and, on phones, shows it). */
export function Sidebar({ onOpen, onSupervise }: { onOpen: (id: string) => void; onSupervise: () => void }): JSX.Element {
  const { t, controller, store, locale, setLocale } = useConsole();
  const state = useConsoleState();
  const me = state.me!;
  const counts = listCounts(state);
  const lists: ListName[] = isSupervisor(me) ? ['queued', 'mine', 'all'] : ['queued', 'mine'];
  const rows = listViews(state, state.list);
  const liveCalls = Object.values(state.views).filter((v) => v.conversation.status !== 'closed' && isLive(callOf(v.conversation))).length;
  return (
    <aside class="sidebar" aria-label={t('lists.label')}>
      <header class="brand">
        <span class="logo" aria-hidden="true">客</span>
        <span class="brand-name">{t('app.name')}</span>
        <span class={`conn conn-${state.connection}`} role="status">
          <span class="dot" aria-hidden="true" />
          {t(`conn.${state.connection}` as MessageKey)}
        </span>
      </header>
      <div class="me">
        <Avatar id={me.id} name={me.name} size={32} />
        <div class="me-text">
          <div class="me-name">{me.name}</div>
          <div class="me-role">{me.email}</div>
        </div>
        <label class="presence">
          <span class="sr-only">{t('presence.label')}</span>
          <span class={`presence-dot presence-${me.presence}`} aria-hidden="true" />
          <select value={me.presence} onChange={(e) => void controller.setPresence((e.currentTarget as HTMLSelectElement).value as Presence)}>
            {PRESENCES.map((p) => (
              <option key={p} value={p}>
                {t(`presence.${p}` as MessageKey)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div class="lists" role="tablist" aria-label={t('lists.label')}>
        {lists.map((list) => (
          <button
            type="button"
            role="tab"
            key={list}
            id={`tab-${list}`}
            aria-selected={state.list === list}
            aria-controls="list-panel"
            class={`list-tab ${state.list === list ? 'list-tab-active' : ''}`}
            onClick={() => store.dispatch({ type: 'list', list })}
          >
            {t(`list.${list}` as MessageKey)}
            <span class={`count ${counts[list].unread > 0 ? 'count-unread' : ''}`}>{counts[list].count}</span>
          </button>
        ))}
      </div>
      <div class="list-filters">
        <label class="stage-filter">
          <span class="small muted">{t('list.stage')}</span>
          <select value={state.stage} onChange={(e) => store.dispatch({ type: 'stage', stage: (e.currentTarget as HTMLSelectElement).value as StageFilter })}>
            <option value="all">{t('list.stage.all')}</option>
            {STAGES.map((s) => (
              <option key={s} value={s}>
                {t(`ws.stage.${s}` as MessageKey)}
              </option>
            ))}
          </select>
        </label>
        {liveCalls > 0 && (
          <span class="live-calls call-live" role="status">
            <ChannelIcon channel="phone" size={12} />
            {t('list.liveCalls', { n: liveCalls })}
          </span>
        )}
      </div>
      <div class="list" id="list-panel" role="tabpanel" aria-labelledby={`tab-${state.list}`}>
        {rows.length === 0 ? (
          <div class="list-empty">
            <InboxIcon size={28} />
            <p>{state.stage !== 'all' ? t('list.empty.stage') : t(`list.empty.${state.list}` as MessageKey)}</p>
          </div>
        ) : (
          <ul>
            {rows.map((view) => (
              <Row key={view.conversation.id} view={view} active={state.active === view.conversation.id} onOpen={onOpen} />
            ))}
          </ul>
        )}
      </div>
      <footer class="sidebar-foot">
        {isSupervisor(me) && (
          <button type="button" class="link sup-link" onClick={onSupervise}>
            {t('ws.sup.open')}
          </button>
        )}
        <button type="button" class="link" onClick={() => setLocale(locale === 'zh' ? 'en' : 'zh')} aria-label={t('lang.label')} lang={locale === 'zh' ? 'en' : 'zh'}>
          {t('lang.switch')}
        </button>
        <button type="button" class="link" onClick={() => controller.signOut()}>
          {t('signout')}
        </button>
      </footer>
    </aside>
  );
}
