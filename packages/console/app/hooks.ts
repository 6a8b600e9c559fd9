/** Preact hooks shared by the components. */
import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import type { Controller } from './controller.js';
import type { Locale, Translate } from './i18n.js';
import type { ConsoleState } from './state.js';
import type { ConsoleStore } from './store.js';

/** What every component may reach: the store, the controller and the UI language. */
export interface ConsoleContextValue {
  store: ConsoleStore;
  controller: Controller;
  locale: Locale;
  t: Translate;
  setLocale: (locale: Locale) => void;
}

/** The console context. */
export const ConsoleContext = createContext<ConsoleContextValue>(null as unknown as ConsoleContextValue);

/** The console context value. */
export function useConsole(): ConsoleContextValue {
  return useContext(ConsoleContext);
}

/** The store's state; re-renders on every change. */
export function useConsoleState(): ConsoleState {
  const { store } = useConsole();
  const [state, setState] = useState(store.getState());
  useEffect(() => {
    setState(store.getState());
    return store.subscribe(() => setState(store.getState()));
  }, [store]);
  return state;
}

// One shared one-second ticker for every waiting timer, instead of one interval each.
const tickers = new Set<(now: number) => void>();
let tick: ReturnType<typeof setInterval> | undefined;

/** The current time, updated every second while the component is mounted. */
export function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    tickers.add(setNow);
    tick ??= setInterval(() => {
      const at = Date.now();
      for (const t of tickers) t(at);
    }, 1000);
    return () => {
      tickers.delete(setNow);
      if (tickers.size === 0 && tick) {
        clearInterval(tick);
        tick = undefined;
      }
    };
  }, []);
  return now;
}
