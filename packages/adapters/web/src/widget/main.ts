/**
 * The Kefu chat widget: one script tag on any page. Vanilla TypeScript in a shadow root, so no
 * framework and no CSS crosses between the widget and the host page.
 *
 *   <script src="https://kefu.example/widget.js" data-tenant="default" data-page-type="product" data-product-id="sku-1" async></script>
 *
 * or `window.KefuWidget.init({ server, tenant, entry, ... })` with `data-manual` on the tag.
 */
import type { Card, CardAction, EntryContext } from '@kefu/core';
import type { ClientFrame, ServerFrame, WidgetMessage } from '../protocol.js';
import { type WidgetStrings, stringsFor } from './i18n.js';
import { styles } from './styles.js';

/** Options of `KefuWidget.init`. */
export interface WidgetOptions {
  /** Base URL of the Kefu server. Default: where widget.js was loaded from. */
  server?: string;
  tenant?: string;
  /** A merchant-signed identity token for a logged-in shopper. */
  token?: string;
  entry?: EntryContext;
  /** `zh` or `en`; default from `navigator.language`. */
  language?: string;
  strings?: Partial<WidgetStrings>;
  /** Brand colour (any CSS colour). Default `#2563eb`. */
  brandColor?: string;
  title?: string;
  position?: 'right' | 'left';
  /** Open the panel right away. */
  open?: boolean;
}

/** The global API (`window.KefuWidget`). */
export interface KefuWidgetApi {
  init(options?: WidgetOptions): void;
  open(): void;
  close(): void;
  /** Tells the server the visitor moved (single-page apps): stored as the browsing trail. */
  setEntry(entry: EntryContext): void;
  destroy(): void;
}

type Pending = { clientId: string; frame: ClientFrame; row: HTMLElement; acked: boolean };

const ICON = {
  chat: '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.4A8 8 0 1 1 21 12z"/></svg>',
  close: '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" aria-hidden="true"><path d="M6 6l12 12M18 6L6 18"/></svg>',
  send: '<svg viewBox="0 0 24 24" fill="currentColor" aria-hidden="true"><path d="M3.4 20.4l17.5-7.5a1 1 0 0 0 0-1.8L3.4 3.6a1 1 0 0 0-1.4 1.1L4 11l9 1-9 1-2 6.3a1 1 0 0 0 1.4 1.1z"/></svg>',
  image: '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><rect x="3" y="3" width="18" height="18" rx="3"/><circle cx="8.5" cy="8.5" r="1.5"/><path d="M21 15l-5-5L5 21"/></svg>',
  agent: '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" aria-hidden="true"><circle cx="12" cy="8" r="4"/><path d="M4 21a8 8 0 0 1 16 0"/></svg>',
};

const CLOSE_UNAUTHORIZED = 4401;
const CLOSE_RATE_LIMITED = 4429;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function randomId(prefix: string): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return prefix + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function storage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}

/** Readable text on the brand colour: dark on light brands, white on dark ones. */
function onColor(color: string): string {
  const probe = el('span');
  probe.style.color = color;
  document.body.appendChild(probe);
  const rgb = getComputedStyle(probe).color.match(/\d+/g)?.map(Number) ?? [37, 99, 235];
  probe.remove();
  const [r = 0, g = 0, b = 0] = rgb;
  return (r * 299 + g * 587 + b * 114) / 1000 > 160 ? '#111827' : '#ffffff';
}

function safeUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url, location.href);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

class Widget {
  readonly #o: Required<Pick<WidgetOptions, 'server' | 'tenant'>> & WidgetOptions;
  readonly #t: WidgetStrings;
  readonly #host: HTMLElement;
  readonly #root: ShadowRoot;
  #ws: WebSocket | undefined;
  #visitorId: string;
  #conversationId: string | undefined;
  #lastSeq: number | undefined;
  #pending: Pending[] = [];
  #rows = new Map<string, HTMLElement>();
  #unread = 0;
  #isOpen = false;
  #attempt = 0;
  #stopped = false;
  #connected = false;
  #uploads = false;
  #pingTimer: number | undefined;
  #retryTimer: number | undefined;
  #typingTimer: number | undefined;
  #typingSent = false;
  #entry: EntryContext;
  // Elements
  #launcher!: HTMLButtonElement;
  #badge!: HTMLElement;
  #panel!: HTMLElement;
  #log!: HTMLElement;
  #empty!: HTMLElement;
  #banner!: HTMLElement;
  #status!: HTMLElement;
  #avatar!: HTMLElement;
  #typing!: HTMLElement;
  #input!: HTMLTextAreaElement;
  #send!: HTMLButtonElement;
  #attach!: HTMLButtonElement;
  #file!: HTMLInputElement;
  #live!: HTMLElement;
  #chips!: HTMLElement;
  #chipsLoaded = false;
  #wrap: HTMLElement;

  constructor(options: WidgetOptions & { server: string; tenant: string }) {
    this.#o = options;
    this.#t = stringsFor(options.language ?? navigator.language, options.strings);
    this.#entry = { url: location.href, title: document.title, locale: navigator.language, ...(document.referrer ? { referrer: document.referrer } : {}), ...options.entry };
    const key = `kefu:${options.tenant}:visitor`;
    this.#visitorId = storage()?.getItem(key) ?? '';
    if (!/^[A-Za-z0-9_-]{8,64}$/.test(this.#visitorId)) {
      this.#visitorId = randomId('v');
      storage()?.setItem(key, this.#visitorId);
    }
    // A custom tag and !important inline styles: host-page rules like `div {...}` or `* {...}` cannot restyle the host.
    this.#host = el('kefu-widget' as 'div', { id: 'kefu-widget', style: 'all:initial !important;display:block !important;position:static !important' });
    this.#root = this.#host.attachShadow({ mode: 'open' });
    this.#wrap = el('div', { class: `root${options.position === 'left' ? ' left' : ''}`, lang: (options.language ?? navigator.language).toLowerCase().startsWith('zh') ? 'zh' : 'en' });
    this.#build();
    document.body.appendChild(this.#host);
    this.#connect();
    if (options.open) this.open();
  }

  #build(): void {
    const t = this.#t;
    const brand = this.#o.brandColor ?? '#2563eb';
    const style = el('style');
    style.textContent = `.root{--kefu-brand:${brand};--kefu-brand-2:color-mix(in srgb,${brand} 78%,#7c3aed);--kefu-on-brand:${onColor(brand)};--kefu-ring:color-mix(in srgb,${brand} 35%,transparent)}${styles}`;

    this.#launcher = el('button', { class: 'launcher', type: 'button', 'aria-label': t.open, 'aria-expanded': 'false', 'aria-controls': 'kefu-panel' }) as HTMLButtonElement;
    this.#launcher.innerHTML = ICON.chat;
    this.#badge = el('span', { class: 'badge', hidden: '' });
    this.#launcher.append(this.#badge);
    this.#launcher.addEventListener('click', () => (this.#isOpen ? this.close() : this.open()));

    this.#panel = el('section', { class: 'panel', id: 'kefu-panel', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'kefu-title', hidden: '' });
    const header = el('header');
    this.#avatar = el('div', { class: 'avatar off' });
    this.#avatar.innerHTML = ICON.agent;
    const head = el('div', { class: 'head' });
    head.append(el('h2', { id: 'kefu-title' }, this.#o.title ?? t.title));
    this.#status = el('p', { class: 'sub' }, t.connecting);
    head.append(this.#status);
    const closeBtn = el('button', { class: 'icon-btn', type: 'button', 'aria-label': t.close }) as HTMLButtonElement;
    closeBtn.innerHTML = ICON.close;
    closeBtn.addEventListener('click', () => this.close());
    header.append(this.#avatar, head, closeBtn);

    this.#banner = el('div', { class: 'banner', hidden: '', role: 'status' });
    this.#log = el('div', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', tabindex: '0', 'aria-label': this.#o.title ?? t.title });
    // The greeting stays on top of the history (seq 0 sorts before every message).
    this.#empty = el('div', { class: 'row them', 'data-seq': '0' });
    this.#empty.append(el('div', { class: 'who' }, this.#o.title ?? t.title), el('div', { class: 'bubble' }, t.empty));
    this.#log.append(this.#empty);
    this.#typing = el('div', { class: 'typing', 'aria-live': 'polite' });

    const composer = el('div', { class: 'composer' });
    this.#file = el('input', { type: 'file', accept: 'image/png,image/jpeg,image/gif,image/webp', hidden: '', tabindex: '-1', 'aria-hidden': 'true' }) as HTMLInputElement;
    this.#file.addEventListener('change', () => void this.#upload());
    this.#attach = el('button', { class: 'icon-btn', type: 'button', 'aria-label': t.attach, title: t.attach, hidden: '' }) as HTMLButtonElement;
    this.#attach.innerHTML = ICON.image;
    this.#attach.addEventListener('click', () => this.#file.click());
    this.#input = el('textarea', { rows: '1', 'aria-label': t.hint, placeholder: t.placeholder, maxlength: '5000' }) as HTMLTextAreaElement;
    this.#input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.#sendText();
      }
    });
    this.#input.addEventListener('input', () => {
      this.#input.style.height = 'auto';
      this.#input.style.height = `${Math.min(120, this.#input.scrollHeight + 2)}px`;
      this.#send.disabled = this.#input.value.trim() === '';
      this.#setTyping(this.#input.value !== '');
    });
    this.#send = el('button', { class: 'send', type: 'button', 'aria-label': t.send, title: t.send, disabled: '' }) as HTMLButtonElement;
    this.#send.innerHTML = ICON.send;
    this.#send.addEventListener('click', () => this.#sendText());
    composer.append(this.#file, this.#attach, this.#input, this.#send);
    this.#live = el('div', { class: 'sr', 'aria-live': 'assertive' });

    this.#chips = el('div', { class: 'chips', role: 'group', 'aria-label': t.guess, hidden: '' });
    this.#panel.append(header, this.#banner, this.#log, this.#typing, this.#chips, composer);
    this.#panel.addEventListener('keydown', (e) => this.#trapFocus(e));
    this.#wrap.append(this.#panel, this.#launcher, this.#live);
    this.#root.append(style, this.#wrap);
  }

  /** Keeps Tab inside the open panel and closes it on Escape (a modal dialog). */
  #trapFocus(e: KeyboardEvent): void {
    if (e.key === 'Escape') {
      e.preventDefault();
      this.close();
      return;
    }
    if (e.key !== 'Tab') return;
    const focusables = Array.from(this.#panel.querySelectorAll<HTMLElement>('button:not([disabled]):not([hidden]),textarea,[tabindex="0"]')).filter((n) => n.offsetParent !== null);
    const first = focusables[0];
    const last = focusables[focusables.length - 1];
    const active = this.#root.activeElement;
    if (e.shiftKey && active === first) {
      e.preventDefault();
      last?.focus();
    } else if (!e.shiftKey && active === last) {
      e.preventDefault();
      first?.focus();
    }
  }

  open(): void {
    if (this.#isOpen) return;
    this.#isOpen = true;
    this.#panel.hidden = false;
    this.#wrap.classList.add('open');
    this.#launcher.setAttribute('aria-expanded', 'true');
    this.#launcher.setAttribute('aria-label', this.#t.close);
    this.#unread = 0;
    this.#renderBadge();
    this.#scroll();
    this.#input.focus();
    void this.#loadChips();
  }

  /**
   * "Guess what you want to ask": the bot's top questions for this page, as chips above the
   * composer. Servers without the bot answer 404 and the chips stay hidden; so does any failure.
   */
  async #loadChips(): Promise<void> {
    if (this.#chipsLoaded) return;
    this.#chipsLoaded = true;
    const query = new URLSearchParams({ tenant: this.#o.tenant, locale: this.#wrap.lang, limit: '10' });
    if (this.#entry.pageType) query.set('pageType', this.#entry.pageType);
    try {
      const res = await fetch(new URL(`/api/v1/bot/top-questions?${query}`, this.#o.server).href);
      if (!res.ok) return;
      const body = (await res.json()) as { questions?: Array<{ question?: unknown }> };
      for (const q of body.questions ?? []) {
        if (typeof q.question !== 'string' || !q.question) continue;
        const chip = el('button', { class: 'chip', type: 'button', title: q.question }, q.question) as HTMLButtonElement;
        chip.addEventListener('click', () => {
          this.#chips.hidden = true;
          this.#sendMessage({ text: q.question as string });
        });
        this.#chips.append(chip);
      }
      this.#chips.hidden = this.#chips.childElementCount === 0;
    } catch {
      // No chips is a fine widget: the customer types instead.
    }
  }

  close(): void {
    if (!this.#isOpen) return;
    this.#isOpen = false;
    this.#panel.hidden = true;
    this.#wrap.classList.remove('open');
    this.#launcher.setAttribute('aria-expanded', 'false');
    this.#launcher.setAttribute('aria-label', this.#t.open);
    this.#setTyping(false);
    this.#launcher.focus();
  }

  setEntry(entry: EntryContext): void {
    this.#entry = { url: location.href, title: document.title, locale: navigator.language, ...entry };
    this.#frame({ type: 'page', entry: this.#entry });
  }

  destroy(): void {
    this.#stopped = true;
    window.clearTimeout(this.#retryTimer);
    window.clearInterval(this.#pingTimer);
    this.#ws?.close(1000);
    this.#host.remove();
  }

  // Connection

  #connect(): void {
    if (this.#stopped) return;
    const base = new URL(this.#o.server, location.href);
    const url = new URL('/ws/web', base);
    url.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('tenant', this.#o.tenant);
    url.searchParams.set('visitor', this.#visitorId);
    const ws = new WebSocket(url.href);
    this.#ws = ws;
    ws.onopen = () => {
      // The token travels in the first frame rather than the URL, so it stays out of access logs.
      this.#raw({
        type: 'hello',
        visitorId: this.#visitorId,
        entry: this.#entry,
        ...(this.#o.token ? { token: this.#o.token } : {}),
        ...(this.#lastSeq !== undefined && this.#conversationId ? { lastSeq: this.#lastSeq, conversationId: this.#conversationId } : {}),
      });
    };
    ws.onmessage = (e) => {
      try {
        this.#onFrame(JSON.parse(String(e.data)) as ServerFrame);
      } catch {
        // A frame we cannot read is skipped; the stream stays usable.
      }
    };
    ws.onclose = (e) => {
      if (this.#ws !== ws) return;
      this.#connected = false;
      window.clearInterval(this.#pingTimer);
      this.#avatar.classList.add('off');
      if (this.#stopped) return;
      if (e.code === CLOSE_UNAUTHORIZED || e.code === 4403) {
        this.#status.textContent = this.#t.forbidden;
        return;
      }
      this.#status.textContent = this.#t.reconnecting;
      this.#showBanner(this.#t.reconnecting, true);
      // Exponential backoff with jitter, so a server restart is not met by every widget at once.
      const base = e.code === CLOSE_RATE_LIMITED ? 10_000 : 500;
      const delay = Math.min(30_000, base * 2 ** this.#attempt++) * (0.7 + Math.random() * 0.6);
      this.#retryTimer = window.setTimeout(() => this.#connect(), delay);
    };
  }

  #raw(frame: ClientFrame): void {
    if (this.#ws?.readyState === WebSocket.OPEN) this.#ws.send(JSON.stringify(frame));
  }

  #frame(frame: ClientFrame): void {
    if (this.#connected) this.#raw(frame);
  }

  #onFrame(f: ServerFrame): void {
    switch (f.type) {
      case 'welcome':
        this.#connected = true;
        this.#attempt = 0;
        this.#uploads = f.uploads;
        this.#attach.hidden = !f.uploads;
        this.#avatar.classList.remove('off');
        this.#status.textContent = f.agentName ? this.#t.agent(f.agentName) : (this.#o.strings?.subtitle ?? this.#t.subtitle);
        this.#hideBanner();
        if (f.conversationId !== this.#conversationId) this.#lastSeq = undefined;
        this.#conversationId = f.conversationId;
        window.clearInterval(this.#pingTimer);
        this.#pingTimer = window.setInterval(() => this.#raw({ type: 'ping' }), 25_000);
        // Messages sent while offline (or whose ack was lost) go again with the same clientId: dedupe keeps one.
        for (const p of this.#pending) if (!p.acked) this.#raw(p.frame);
        break;
      case 'message':
        this.#onMessage(f.message);
        break;
      case 'ack': {
        const p = this.#pending.find((x) => x.clientId === f.clientId);
        if (!p) break;
        p.acked = true;
        this.#pending = this.#pending.filter((x) => x !== p);
        p.row.dataset.seq = String(f.seq);
        this.#rows.set(f.id, p.row);
        this.#setMeta(p.row, '');
        break;
      }
      case 'typing':
        this.#typing.textContent = f.on ? this.#t.typing(f.name) : '';
        break;
      case 'queue':
        this.#showBanner(this.#t.queue(f.position, f.estimatedWaitSeconds));
        break;
      case 'agent':
        this.#status.textContent = this.#t.agent(f.name);
        this.#hideBanner();
        break;
      case 'closed':
        this.#showBanner(this.#t.closed);
        this.#typing.textContent = '';
        break;
      case 'error':
        if (f.clientId) {
          const p = this.#pending.find((x) => x.clientId === f.clientId);
          if (p) {
            this.#pending = this.#pending.filter((x) => x !== p);
            this.#setMeta(p.row, this.#t.failed, p);
          }
        }
        break;
      case 'pong':
        break;
    }
  }

  #onMessage(m: WidgetMessage): void {
    if (m.conversationId !== this.#conversationId) {
      this.#conversationId = m.conversationId;
      this.#lastSeq = undefined;
    }
    // The server sends each conversation's messages once, in seq order; lastSeq is where to resume.
    this.#lastSeq = Math.max(this.#lastSeq ?? 0, m.seq);
    if (this.#rows.has(m.id)) return;
    const mine = m.author.role === 'customer';
    const pending = mine ? this.#pending.find((p) => p.clientId === m.externalId) : undefined;
    if (pending) {
      pending.acked = true;
      this.#pending = this.#pending.filter((p) => p !== pending);
      this.#rows.set(m.id, pending.row);
      pending.row.dataset.seq = String(m.seq);
      this.#setMeta(pending.row, '');
      return;
    }
    if (m.author.role === 'agent' || m.author.role === 'bot') this.#typing.textContent = '';
    const row = this.#renderMessage(m);
    this.#rows.set(m.id, row);
    this.#insert(row, m.seq);
    if (!mine) {
      this.#live.textContent = this.#t.newMessage(m.text.slice(0, 200));
      if (!this.#isOpen) {
        this.#unread++;
        this.#renderBadge();
      }
    }
  }

  // Rendering

  #insert(row: HTMLElement, seq: number): void {
    row.dataset.seq = String(seq);
    const after = Array.from(this.#log.children).find((c) => Number((c as HTMLElement).dataset.seq) > seq);
    this.#log.insertBefore(row, after ?? null);
    this.#scroll();
  }

  #scroll(): void {
    this.#log.scrollTop = this.#log.scrollHeight;
  }

  #renderMessage(m: Pick<WidgetMessage, 'author' | 'parts' | 'text' | 'id'>): HTMLElement {
    const role = m.author.role;
    const row = el('div', { class: `row ${role === 'customer' ? 'me' : role === 'system' ? 'system' : 'them'}` });
    if (role === 'agent' || role === 'bot') row.append(el('div', { class: 'who' }, m.author.name ?? this.#t.support));
    const parts = m.parts.length ? m.parts : [{ type: 'text' as const, text: m.text }];
    for (const part of parts) {
      if (part.type === 'text') row.append(el('div', { class: 'bubble' }, part.text));
      else if (part.type === 'image') {
        const src = safeUrl(part.url);
        if (!src) continue;
        const bubble = el('div', { class: 'bubble media' });
        const a = el('a', { href: src, target: '_blank', rel: 'noopener noreferrer' });
        a.append(el('img', { src, alt: part.alt ?? this.#t.imageAlt, loading: 'lazy' }));
        bubble.append(a);
        row.append(bubble);
      } else if (part.type === 'card') {
        const card = part.card;
        if (card.items?.length) {
          const carousel = el('div', { class: 'carousel' });
          for (const item of card.items) carousel.append(this.#renderCard(item, m.id));
          row.append(carousel);
        } else row.append(this.#renderCard(card, m.id));
      } else if (part.type === 'file') {
        const href = safeUrl(part.url);
        const bubble = el('div', { class: 'bubble' });
        if (href) bubble.append(el('a', { href, target: '_blank', rel: 'noopener noreferrer' }, part.name));
        row.append(bubble);
      } else if (part.type !== 'event' && part.type !== 'action') {
        row.append(el('div', { class: 'bubble' }, m.text));
      }
    }
    return row;
  }

  #renderCard(card: Card, messageId: string): HTMLElement {
    const node = el('article', { class: 'card' });
    const img = safeUrl(card.imageUrl);
    if (img) node.append(el('img', { src: img, alt: card.title, loading: 'lazy' }));
    const body = el('div', { class: 'card-body' });
    body.append(el('h3', {}, card.title));
    if (card.subtitle) body.append(el('div', { class: 'st' }, card.subtitle));
    if (card.text) body.append(el('p', {}, card.text));
    if (card.fields?.length) {
      const dl = el('dl');
      for (const f of card.fields) dl.append(el('dt', {}, f.label), el('dd', {}, f.value));
      body.append(dl);
    }
    node.append(body);
    if (card.actions?.length) {
      const actions = el('div', { class: 'card-actions' });
      for (const action of card.actions) {
        const button = el('button', { type: 'button', class: action.style ?? 'default' }, action.label) as HTMLButtonElement;
        button.addEventListener('click', () => this.#onAction(action, messageId));
        actions.append(button);
      }
      node.append(actions);
    }
    return node;
  }

  #onAction(action: CardAction, messageId: string): void {
    if (action.type === 'link') {
      const url = safeUrl(action.url);
      if (url) window.open(url, '_blank', 'noopener');
      return;
    }
    if (action.type === 'reply') {
      this.#sendMessage({ text: action.value ?? action.label });
      return;
    }
    const clientId = randomId('a');
    const frame: ClientFrame = { type: 'action', clientId, actionId: action.id, label: action.label, cardMessageId: messageId, ...(action.value !== undefined ? { value: action.value } : {}) };
    this.#queue(clientId, frame, this.#renderMessage({ id: clientId, author: { role: 'customer' }, parts: [{ type: 'text', text: action.label }], text: action.label }));
  }

  #setMeta(row: HTMLElement, text: string, retry?: Pending): void {
    row.querySelector('.meta')?.remove();
    if (!text) return;
    const meta = el('div', { class: `meta${retry ? ' failed' : ''}` }, text);
    if (retry) {
      const button = el('button', { type: 'button' }, this.#t.retry);
      button.addEventListener('click', () => {
        this.#setMeta(row, this.#t.sending);
        this.#pending.push({ ...retry, acked: false });
        this.#frame(retry.frame);
      });
      meta.append(button);
    }
    row.append(meta);
  }

  #renderBadge(): void {
    this.#badge.hidden = this.#unread === 0;
    this.#badge.textContent = this.#unread > 99 ? '99+' : String(this.#unread);
    this.#launcher.setAttribute('aria-label', this.#unread ? `${this.#t.open} (${this.#t.unread(this.#unread)})` : this.#isOpen ? this.#t.close : this.#t.open);
  }

  #showBanner(text: string, warn = false): void {
    this.#banner.hidden = false;
    this.#banner.className = `banner${warn ? ' warn' : ''}`;
    this.#banner.replaceChildren(el('span', { class: 'dot' }), document.createTextNode(text));
  }

  #hideBanner(): void {
    this.#banner.hidden = true;
  }

  // Sending

  #sendText(): void {
    const text = this.#input.value.trim();
    if (!text) return;
    this.#input.value = '';
    this.#input.style.height = 'auto';
    this.#send.disabled = true;
    this.#setTyping(false);
    this.#chips.hidden = true;
    this.#sendMessage({ text });
  }

  #sendMessage(content: { text?: string; parts?: Array<{ type: 'image'; url: string }> }): void {
    const clientId = randomId('c');
    const frame: ClientFrame = { type: 'message', clientId, ...content };
    const parts = [...(content.text ? [{ type: 'text' as const, text: content.text }] : []), ...(content.parts ?? [])];
    this.#queue(clientId, frame, this.#renderMessage({ id: clientId, author: { role: 'customer' }, parts, text: content.text ?? '' }));
  }

  #queue(clientId: string, frame: ClientFrame, row: HTMLElement): void {
    this.#insert(row, Number.MAX_SAFE_INTEGER);
    this.#setMeta(row, this.#t.sending);
    this.#pending.push({ clientId, frame, row, acked: false });
    this.#frame(frame);
  }

  #setTyping(on: boolean): void {
    window.clearTimeout(this.#typingTimer);
    if (on) this.#typingTimer = window.setTimeout(() => this.#setTyping(false), 4000);
    if (on === this.#typingSent) return;
    this.#typingSent = on;
    this.#frame({ type: 'typing', on });
  }

  async #upload(): Promise<void> {
    const file = this.#file.files?.[0];
    this.#file.value = '';
    if (!file || !this.#uploads) return;
    const body = new FormData();
    body.append('file', file);
    try {
      const res = await fetch(new URL(`/widget/upload?tenant=${encodeURIComponent(this.#o.tenant)}`, this.#o.server).href, { method: 'POST', body });
      if (!res.ok) throw new Error(String(res.status));
      const { url } = (await res.json()) as { url: string };
      this.#sendMessage({ parts: [{ type: 'image', url }] });
    } catch {
      this.#showBanner(this.#t.uploadFailed, true);
    }
  }
}

let instance: Widget | undefined;
const script = document.currentScript as HTMLScriptElement | null;

function fromScriptTag(tag: HTMLScriptElement | null): WidgetOptions {
  if (!tag) return {};
  const d = tag.dataset;
  const entry: EntryContext = {};
  if (d.pageType) entry.pageType = d.pageType;
  if (d.productId) entry.productId = d.productId;
  if (d.orderId) entry.orderId = d.orderId;
  if (d.category) entry.category = d.category;
  if (d.locale) entry.locale = d.locale;
  return {
    ...(tag.src ? { server: new URL(tag.src, location.href).origin } : {}),
    ...(d.server ? { server: d.server } : {}),
    ...(d.tenant ? { tenant: d.tenant } : {}),
    ...(d.token ? { token: d.token } : {}),
    ...(d.lang ? { language: d.lang } : {}),
    ...(d.brandColor ? { brandColor: d.brandColor } : {}),
    ...(d.title ? { title: d.title } : {}),
    ...(d.position === 'left' ? { position: 'left' as const } : {}),
    ...(d.open !== undefined ? { open: true } : {}),
    entry,
  };
}

const api: KefuWidgetApi = {
  init(options = {}) {
    if (instance) return;
    const base = fromScriptTag(script);
    const merged = { ...base, ...options, entry: { ...base.entry, ...options.entry } };
    const start = () => {
      instance = new Widget({ ...merged, server: merged.server ?? location.origin, tenant: merged.tenant ?? 'default' });
    };
    if (document.body) start();
    else document.addEventListener('DOMContentLoaded', start, { once: true });
  },
  open: () => instance?.open(),
  close: () => instance?.close(),
  setEntry: (entry) => instance?.setEntry(entry),
  destroy() {
    instance?.destroy();
    instance = undefined;
  },
};

declare global {
  interface Window {
    KefuWidget?: KefuWidgetApi;
  }
}

if (!window.KefuWidget) {
  window.KefuWidget = api;
  if (script && script.dataset.manual === undefined) api.init();
}
