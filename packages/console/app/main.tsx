/** The console's browser entry: reads the page's configuration and mounts the app. */
import { render } from 'preact';
import { App, LOCALE_KEY } from './components/App.js';
import { createController } from './controller.js';
import { type Locale, pickLocale } from './i18n.js';
import { createStore } from './store.js';
import './styles.css';

// The server may point the console elsewhere with <meta name="kefu-api" content="...">.
const apiBase = new URL(document.querySelector<HTMLMetaElement>('meta[name="kefu-api"]')?.content || '/api/v1', location.href);
const socketUrl = new URL(`${apiBase.pathname.replace(/\/$/, '')}/agent/ws`, apiBase);
socketUrl.protocol = apiBase.protocol === 'https:' ? 'wss:' : 'ws:';

const store = createStore();
const controller = createController({ store, apiBase: apiBase.href.replace(/\/$/, ''), socketUrl: socketUrl.href });
const saved = localStorage.getItem(LOCALE_KEY);
const locale: Locale = saved === 'zh' || saved === 'en' ? saved : pickLocale(navigator.language);

render(<App store={store} controller={controller} initialLocale={locale} />, document.getElementById('app')!);
