/** The middle column: open-conversation tabs, the active conversation's header, history and composer. */
import type { JSX } from 'preact';
import { useEffect, useLayoutEffect, useRef } from 'preact/hooks';
import { useConsole, useConsoleState, useNow } from '../hooks.js';
import type { MessageKey } from '../i18n.js';
import { type ConversationView, waitStart } from '../state.js';
import { Avatar, Channel, EntryChips, WaitTimer, customerName, useChannelName, usePageName } from './common.js';
import { BackIcon, ChannelIcon, CloseIcon, InboxIcon, LockIcon, SendIcon, TransferIcon, UserIcon } from './icons.js';
import { MessageView } from './MessageView.js';
import { AssistBar, HandoffBanner, QuickReplyMenu, useQuickReplies } from './Workspace.js';
import { filterQuickReplies, insertQuickReply, slashQuery } from '../workspace.js';
import { callElapsedMs, callLook, callOf, formatCallDuration, isLive } from '../calls.js';
import { useState } from 'preact/hooks';

/** The strip of open conversations. */
export function Tabs({ onOpen }: { onOpen: (id: string) => void }): JSX.Element | null {
  const { t, controller } = useConsole();
  const state = useConsoleState();
  if (state.open.length === 0) return null;
  return (
    <div class="tabs" role="tablist" aria-label={t('tabs.label')}>
      {state.open.map((id) => {
        const view = state.views[id];
        const name = view ? customerName(view.contact, view.conversation, t('customer.anonymous')) : id;
        const active = state.active === id;
        return (
          <div key={id} class={`tab ${active ? 'tab-active' : ''}`}>
            <button type="button" role="tab" aria-selected={active} class="tab-open" onClick={() => onOpen(id)}>
              {view && <Channel channel={view.conversation.channel} size={12} />}
              <span class="tab-name">{name}</span>
              {view && view.unread > 0 && <span class="badge badge-small">{view.unread}</span>}
              {view && <WaitTimer since={waitStart(view)} compact />}
            </button>
            <button type="button" class="tab-close" aria-label={t('tabs.close', { name })} onClick={() => controller.closeTab(id)}>
              <CloseIcon size={12} />
            </button>
          </div>
        );
      })}
    </div>
  );
}

function Header({ view, onBack, onCustomer, onTransfer }: { view: ConversationView; onBack: () => void; onCustomer: () => void; onTransfer: () => void }): JSX.Element {
  const { t, controller } = useConsole();
  const state = useConsoleState();
  const c = view.conversation;
  const name = customerName(view.contact, c, t('customer.anonymous'));
  const channelName = useChannelName();
  const assignee = c.assigneeId === state.me?.id ? t('assigned.you') : c.assigneeId ? t('assigned.to', { name: state.agents.find((a) => a.id === c.assigneeId)?.name ?? c.assigneeId }) : undefined;
  return (
    <header class="conv-head">
      <button type="button" class="icon-button only-mobile" onClick={onBack} aria-label={t('action.back')}>
        <BackIcon size={18} />
      </button>
      <Avatar id={c.contactId} name={name} size={40} />
      <div class="conv-title">
        <h1>{name}</h1>
        <div class="conv-sub">
          <span class="conv-channel">
            <ChannelIcon channel={c.channel} size={13} />
            {channelName(c.channel)}
          </span>
          <span class={`pill pill-${c.status}`}>{t(`status.${c.status}` as MessageKey)}</span>
          {assignee && <span class="muted">{assignee}</span>}
          <WaitTimer since={waitStart(view)} />
        </div>
        <EntryChips conversation={c} />
      </div>
      <div class="conv-actions">
        <button type="button" class="icon-button hide-wide" onClick={onCustomer} aria-label={t('action.customer')}>
          <UserIcon size={18} />
        </button>
        {c.status === 'queued' && (
          <button type="button" class="btn btn-primary" onClick={() => void controller.accept(c.id)}>
            {t('action.accept')}
          </button>
        )}
        {c.status !== 'closed' && (
          <button type="button" class="btn" onClick={onTransfer}>
            <TransferIcon size={15} />
            <span class="btn-label">{t('action.transfer')}</span>
          </button>
        )}
        {c.status !== 'closed' && (
          <button type="button" class="btn" onClick={() => void controller.close(c.id)}>
            <CloseIcon size={15} />
            <span class="btn-label">{t('action.close')}</span>
          </button>
        )}
      </div>
    </header>
  );
}

/** Focuses the composer of a conversation in note mode (the banner's "add a call note"). */
function useNoteMode(conversationId: string): () => void {
  const { store } = useConsole();
  return () => {
    store.dispatch({ type: 'draft', conversationId, draft: { internal: true } });
    requestAnimationFrame(() => document.getElementById(`composer-${conversationId}`)?.focus());
  };
}

/**
 * The phone call of a conversation, live: state with its colour, a running timer (on hold: the
 * time in the queue), the caller's number, queue position, recording and transcription links, and
 * a one-click way to write an internal note while talking.
 */
export function CallBanner({ view }: { view: ConversationView }): JSX.Element | null {
  const { t } = useConsole();
  const now = useNow();
  const c = view.conversation;
  const call = callOf(c);
  const addNote = useNoteMode(c.id);
  if (!call) return null;
  const look = callLook(call);
  const elapsed = callElapsedMs(call, now);
  return (
    <section class={`call-banner call-${look.tone}`} aria-label={t('call.label')} data-call-state={call.state}>
      <span class="call-icon" aria-hidden="true">
        <ChannelIcon channel="phone" size={16} />
      </span>
      <div class="call-main">
        <div class="call-line">
          {/* Only the state is announced: a ticking timer in a live region would talk every second. */}
          <strong class="call-state" role="status">
            {t(look.label)}
          </strong>
          {elapsed !== undefined && <span class="call-timer mono">{formatCallDuration(elapsed)}</span>}
          {call.state === 'queued' && call.queuePosition !== undefined && <span class="call-pos">{t('call.position', { n: call.queuePosition })}</span>}
        </div>
        <div class="call-line call-sub">
          {call.from && <span class="mono">{t('call.from', { number: call.from })}</span>}
          {call.to && <span class="muted mono">{t('call.to', { number: call.to })}</span>}
          {call.recordingUrl && (
            <a class="call-link" href={call.recordingUrl} target="_blank" rel="noreferrer">
              {t('call.recording')}
            </a>
          )}
          {call.transcriptionUrl && (
            <a class="call-link" href={call.transcriptionUrl} target="_blank" rel="noreferrer">
              {t('call.transcription')}
            </a>
          )}
        </div>
        {call.transcriptionText && <p class="call-transcript">“{call.transcriptionText}”</p>}
      </div>
      {c.status !== 'closed' && (
        <button type="button" class={`btn btn-note call-note ${isLive(call) ? 'call-note-live' : ''}`} onClick={addNote}>
          <LockIcon size={13} /> {t('call.addNote')}
        </button>
      )}
    </section>
  );
}

function History({ view }: { view: ConversationView }): JSX.Element {
  const { t } = useConsole();
  const state = useConsoleState();
  const now = useNow();
  const page = usePageName();
  const channelName = useChannelName();
  const c = view.conversation;
  const messages = state.messages[c.id];
  const ref = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const typing = state.customerTyping[c.id];
  useLayoutEffect(() => {
    const el = ref.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [messages?.length, typing, c.id]);
  const name = customerName(view.contact, c, t('customer.anonymous'));
  return (
    <div class="history" ref={ref} onScroll={(e) => {
      const el = e.currentTarget as HTMLDivElement;
      stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
    }}>
      <HandoffBanner conversation={c} />
      <div class="entry-card">
        <ChannelIcon channel={c.channel} size={16} />
        <div>
          <div class="entry-title">
            {t('history.start')} · {channelName(c.channel)}
            {c.entry?.pageType ? ` · ${page(c.entry.pageType)}` : ''}
          </div>
          {c.entry && (c.entry.title || c.entry.url) && (
            <div class="entry-detail">
              {c.entry.url ? <a href={c.entry.url} target="_blank" rel="noreferrer">{c.entry.title ?? c.entry.url}</a> : c.entry.title}
            </div>
          )}
          <EntryChips conversation={c} />
        </div>
      </div>
      {!messages ? (
        <p class="muted center">{t('history.loading')}</p>
      ) : (
        <ol class="messages" role="log" aria-live="polite" aria-label={t('history.label')}>
          {messages.map((m) => (
            <MessageView key={m.id} message={m} now={now} />
          ))}
        </ol>
      )}
      {typing && (
        <div class="typing" role="status">
          <span class="typing-dots" aria-hidden="true"><i /><i /><i /></span>
          {t('typing.customer', { name })}
        </div>
      )}
    </div>
  );
}

function Composer({ view }: { view: ConversationView }): JSX.Element {
  const { t, controller, store } = useConsole();
  const state = useConsoleState();
  const c = view.conversation;
  const onCall = callOf(c) !== undefined;
  // While a call goes on, what the agent types is usually a note about it: notes are the default there.
  const draft = state.drafts[c.id] ?? { text: '', internal: onCall };
  const ref = useRef<HTMLTextAreaElement>(null);
  const mine = c.status === 'assigned' && c.assigneeId === state.me?.id;
  // Anyone may leave a note; only the assignee replies to the customer.
  const internal = draft.internal || !mine;
  const canWrite = c.status !== 'closed';
  const [replies, reloadReplies] = useQuickReplies();
  const [caret, setCaret] = useState(0);
  const [selected, setSelected] = useState(0);
  const [missing, setMissing] = useState<string[]>([]);
  const slash = slashQuery(draft.text, caret);
  const matches = slash ? filterQuickReplies(replies, slash.query) : [];
  const setText = (text: string, at: number): void => {
    store.dispatch({ type: 'draft', conversationId: c.id, draft: { text } });
    setCaret(at);
    requestAnimationFrame(() => {
      ref.current?.focus();
      ref.current?.setSelectionRange(at, at);
    });
  };
  // Expands the reply's variables on the server (which also counts the use) and puts it in place of "/query".
  const pick = (r: { id: string }): void => {
    if (!slash) return;
    const { start } = slash;
    void controller.api.useQuickReply(r.id, c.id).then(({ text, missing: gaps }) => {
      const current = store.getState().drafts[c.id]?.text ?? '';
      const out = insertQuickReply(current, start, Math.min(caret, current.length), text);
      setMissing(gaps);
      setText(out.text, out.caret);
      reloadReplies();
    }, controller.report);
  };
  const insertAnswer = (text: string): void => {
    const current = store.getState().drafts[c.id]?.text ?? '';
    const next = current.trim() ? `${current.trimEnd()}\n${text}` : text;
    setText(next, next.length);
  };
  useEffect(() => {
    if (canWrite) ref.current?.focus();
  }, [c.id, canWrite]);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, 200)}px`;
  }, [draft.text, c.id]);
  if (!canWrite) return <div class="composer composer-disabled">{t('composer.closed')}</div>;
  const send = (): void => void controller.send(c.id, internal);
  const setInternal = (value: boolean): void => store.dispatch({ type: 'draft', conversationId: c.id, draft: { internal: value } });
  return (
    <form class={`composer ${internal ? 'composer-note' : ''}`} onSubmit={(e) => { e.preventDefault(); send(); }}>
      {mine && <AssistBar conversation={c} onInsert={insertAnswer} />}
      {slash && <QuickReplyMenu items={replies} query={slash.query} selected={Math.min(selected, Math.max(0, matches.length - 1))} onPick={pick} />}
      <div class="composer-modes" role="radiogroup" aria-label={t('composer.label')}>
        <button type="button" role="radio" aria-checked={!internal} disabled={!mine} class={`mode ${!internal ? 'mode-on' : ''}`} onClick={() => setInternal(false)}>
          {t('composer.label')}
        </button>
        <button type="button" role="radio" aria-checked={internal} class={`mode mode-note ${internal ? 'mode-on' : ''}`} onClick={() => setInternal(true)}>
          <LockIcon size={12} /> {t('composer.note')}
        </button>
        {!mine && c.status === 'queued' && <span class="muted small">{t('composer.acceptFirst')}</span>}
        {onCall && internal && <span class="muted small">{t('call.noteHint')}</span>}
      </div>
      <label class="sr-only" for={`composer-${c.id}`}>
        {internal ? t('composer.note') : t('composer.label')}
      </label>
      <textarea
        id={`composer-${c.id}`}
        ref={ref}
        rows={2}
        value={draft.text}
        placeholder={internal ? t('composer.notePlaceholder') : t('composer.placeholder')}
        onInput={(e) => {
          const text = (e.currentTarget as HTMLTextAreaElement).value;
          setCaret((e.currentTarget as HTMLTextAreaElement).selectionStart ?? text.length);
          setSelected(0);
          if (missing.length) setMissing([]);
          store.dispatch({ type: 'draft', conversationId: c.id, draft: { text } });
          if (!internal) controller.typing(c.id, text.length > 0);
        }}
        onKeyUp={(e) => setCaret((e.currentTarget as HTMLTextAreaElement).selectionStart ?? 0)}
        onClick={(e) => setCaret((e.currentTarget as HTMLTextAreaElement).selectionStart ?? 0)}
        onKeyDown={(e) => {
          // In the quick-reply menu: ↑/↓ move, Enter or Tab picks, Esc closes.
          if (slash && matches.length > 0 && !e.isComposing) {
            if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
              e.preventDefault();
              setSelected((i) => (i + (e.key === 'ArrowDown' ? 1 : matches.length - 1)) % matches.length);
              return;
            }
            if (e.key === 'Enter' || e.key === 'Tab') {
              e.preventDefault();
              pick(matches[Math.min(selected, matches.length - 1)]!);
              return;
            }
          }
          if (e.key !== 'Enter' || e.isComposing) return;
          // Enter sends, Shift+Enter is a new line, Ctrl/Cmd+Enter always sends.
          if (e.shiftKey && !(e.ctrlKey || e.metaKey)) return;
          e.preventDefault();
          send();
        }}
      />
      <div class="composer-foot">
        <span class="muted small hint">{missing.length ? <span class="wait-warn">{t('ws.qr.missing', { vars: missing.map((v) => `{${v}}`).join(', ') })}</span> : <>{t('ws.qr.hint')} · Enter ↵ · Shift+Enter ⏎</>}</span>
        <button type="submit" class={`btn ${internal ? 'btn-note' : 'btn-primary'}`} disabled={draft.text.trim() === ''}>
          <SendIcon size={15} />
          {internal ? t('composer.sendNote') : t('composer.send')}
        </button>
      </div>
    </form>
  );
}

/** The active conversation, or an empty state. */
export function ConversationPane(props: { onBack: () => void; onCustomer: () => void; onTransfer: () => void }): JSX.Element {
  const { t } = useConsole();
  const state = useConsoleState();
  const view = state.active ? state.views[state.active] : undefined;
  if (!view) {
    return (
      <div class="empty">
        <InboxIcon size={40} />
        <h2>{t('empty.title')}</h2>
        <p>{t('empty.text')}</p>
      </div>
    );
  }
  return (
    <section class="conversation" aria-label={customerName(view.contact, view.conversation, t('customer.anonymous'))}>
      <Header view={view} {...props} />
      <CallBanner view={view} />
      <History view={view} />
      <Composer view={view} />
    </section>
  );
}
