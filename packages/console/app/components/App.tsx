/** The console's root: sign-in or the three-column workspace (one column on phones). */
import type { JSX } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Controller } from '../controller.js';
import { ConsoleContext, useConsole, useConsoleState } from '../hooks.js';
import { type Locale, type MessageKey, isMessageKey, translator } from '../i18n.js';
import type { ConsoleStore } from '../store.js';
import { ConversationPane, Tabs } from './Conversation.js';
import { CustomerPanel } from './CustomerPanel.js';
import { CloseIcon } from './icons.js';
import { Login } from './Login.js';
import { Sidebar } from './Sidebar.js';
import { TransferDialog } from './TransferDialog.js';
import { SupervisorView } from './Workspace.js';

/** Which column a phone shows; wide screens show all of them. */
type Pane = 'list' | 'chat' | 'customer';

function Notice(): JSX.Element | null {
  const { t, controller } = useConsole();
  const { notice } = useConsoleState();
  if (!notice) return null;
  const key = `error.${notice.code}`;
  return (
    <div class="notice" role="alert">
      <span>{isMessageKey(key) ? t(key as MessageKey) : t('error.generic', { message: notice.message })}</span>
      <button type="button" class="icon-button" onClick={() => controller.dismissNotice()} aria-label={t('error.dismiss')}>
        <CloseIcon size={14} />
      </button>
    </div>
  );
}

function Workspace(): JSX.Element {
  const { controller, store } = useConsole();
  const state = useConsoleState();
  const [pane, setPane] = useState<Pane>('list');
  const [transfer, setTransfer] = useState<string>();
  const [customerOpen, setCustomerOpen] = useState(false);
  const [supervising, setSupervising] = useState(false);

  const open = (id: string): void => {
    setSupervising(false);
    void controller.open(id);
    setPane('chat');
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') {
        if (customerOpen) setCustomerOpen(false);
        else if (pane !== 'list') setPane(pane === 'customer' ? 'chat' : 'list');
        return;
      }
      // Alt+↑/↓ walks through the open conversations.
      if (e.altKey && (e.key === 'ArrowUp' || e.key === 'ArrowDown')) {
        const { open: tabs, active } = store.getState();
        if (tabs.length === 0) return;
        e.preventDefault();
        const at = active ? tabs.indexOf(active) : -1;
        const next = tabs[(at + (e.key === 'ArrowDown' ? 1 : tabs.length - 1)) % tabs.length]!;
        void controller.open(next);
      }
    };
    const onFocus = (): void => store.dispatch({ type: 'focus', focused: true });
    const onBlur = (): void => store.dispatch({ type: 'focus', focused: false });
    const onOnline = (): void => controller.reconnect();
    window.addEventListener('keydown', onKey);
    window.addEventListener('focus', onFocus);
    window.addEventListener('blur', onBlur);
    window.addEventListener('online', onOnline);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('focus', onFocus);
      window.removeEventListener('blur', onBlur);
      window.removeEventListener('online', onOnline);
    };
  }, [pane, customerOpen]);

  const unread = Object.values(state.views).reduce((n, v) => n + v.unread, 0);
  useEffect(() => {
    document.title = `${unread > 0 ? `(${unread}) ` : ''}${document.title.replace(/^\(\d+\) /, '')}`;
  }, [unread]);

  return (
    <div class={`workspace pane-${pane} ${customerOpen ? 'customer-open' : ''}`}>
      <Sidebar onOpen={open} onSupervise={() => (setSupervising(true), setPane('chat'))} />
      <main class="main">
        {supervising ? <SupervisorView onOpen={open} onClose={() => setSupervising(false)} /> : <><Tabs onOpen={open} />
        <ConversationPane onBack={() => setPane('list')} onCustomer={() => (window.matchMedia('(max-width: 760px)').matches ? setPane('customer') : setCustomerOpen(!customerOpen))} onTransfer={() => state.active && setTransfer(state.active)} /></>}
      </main>
      {state.active && !supervising && (
        <CustomerPanel
          onClose={() => {
            setCustomerOpen(false);
            if (pane === 'customer') setPane('chat');
          }}
          onOpen={open}
        />
      )}
      {transfer && <TransferDialog conversationId={transfer} onClose={() => setTransfer(undefined)} />}
      <Notice />
    </div>
  );
}

/** Where the agent's language choice is remembered. */
export const LOCALE_KEY = 'kefu.console.locale';

/** The root component. */
export function App({ store, controller, initialLocale }: { store: ConsoleStore; controller: Controller; initialLocale: Locale }): JSX.Element {
  const [locale, setLocaleState] = useState<Locale>(initialLocale);
  const [restoring, setRestoring] = useState(true);
  const t = useMemo(() => translator(locale), [locale]);
  const setLocale = (next: Locale): void => {
    localStorage.setItem(LOCALE_KEY, next);
    setLocaleState(next);
  };
  useEffect(() => {
    document.documentElement.lang = locale === 'zh' ? 'zh-CN' : 'en';
    document.title = t('app.name');
  }, [locale]);
  useEffect(() => {
    void controller.restore().finally(() => setRestoring(false));
  }, []);
  const value = useMemo(() => ({ store, controller, locale, t, setLocale }), [store, controller, locale, t]);
  return (
    <ConsoleContext.Provider value={value}>
      <Root restoring={restoring} />
    </ConsoleContext.Provider>
  );
}

function Root({ restoring }: { restoring: boolean }): JSX.Element | null {
  const state = useConsoleState();
  if (restoring && !state.me) return null;
  return state.me ? <Workspace /> : <Login />;
}
