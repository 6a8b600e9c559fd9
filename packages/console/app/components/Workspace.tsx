/**
 * Workspace features over @kefu/plugin-workspace, commerce and cards routes: the customer 360,
 * the shop panel, quick replies, agent assist, the bot's handoff summary and the supervisor view.
 * Each asks the server itself and hides when its plugin is absent (404).
 */
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import { useConsole, useConsoleState, useNow } from '../hooks.js';
import { type MessageKey, formatTime, isMessageKey } from '../i18n.js';
import type { AuditEntry, Contact360, Conversation, RoutingDecision, RoutingInfo, ShopProduct, SupervisorView as SupervisorData } from '../protocol.js';
import { isSupervisor } from '../state.js';
import { type QuickReplyItem, type TagKind, couponBlocked, filterQuickReplies, formatDuration, formatMoney, makeTag, mayEditTag, queueLabel, tagKindOf, tagLabel } from '../workspace.js';
import { Avatar, Channel, EntrySection, customerName, useChannelName, usePageName } from './common.js';
import { CheckIcon, CloseIcon, TagIcon } from './icons.js';

/** Loads `load()` when `key` changes; `undefined` while loading, `null` when the route is absent. */
function useRemote<T>(key: string | undefined, load: () => Promise<T>, refresh = 0): [T | null | undefined, () => void] {
  const { controller } = useConsole();
  const [value, setValue] = useState<T | null | undefined>(undefined);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!key) return;
    let live = true;
    load().then(
      (v) => live && setValue(v),
      (e) => {
        if (!live) return;
        // 404: the plugin is not mounted, the part hides. Anything else is worth telling the agent.
        if (!(e instanceof ApiError && e.status === 404)) controller.report(e);
        setValue(null);
      },
    );
    return () => {
      live = false;
    };
  }, [key, tick, refresh]);
  return [value, () => setTick((n) => n + 1)];
}

/** The bot's handoff summary and intent, on top of a conversation it handed over. */
export function HandoffBanner({ conversation }: { conversation: Conversation }): JSX.Element | null {
  const { t } = useConsole();
  const h = conversation.attributes.handoff as { reason?: string; intent?: string; summary?: string } | undefined;
  if (!h) return null;
  return (
    <div class="handoff" role="note">
      <strong>{t('ws.handoff')}</strong>
      {h.intent && <span class="chip">{t('ws.handoff.intent', { intent: h.intent })}</span>}
      <span>{h.summary ?? h.reason}</span>
    </div>
  );
}

/** Suggested answers for the last customer message; one click puts one in the composer. */
export function AssistBar({ conversation, onInsert }: { conversation: Conversation; onInsert: (text: string) => void }): JSX.Element | null {
  const { t, controller } = useConsole();
  const [data] = useRemote(`${conversation.id}:${conversation.lastSeq}`, () => controller.api.assist(conversation.id));
  if (!data?.available || data.items.length === 0) return null;
  return (
    <div class="assist" aria-label={t('ws.assist')}>
      <span class="assist-title">{t('ws.assist')}</span>
      {data.items.map((s) => (
        <button key={s.entryId} type="button" class="assist-item" title={s.question} onClick={() => onInsert(s.answer)}>
          <span class="assist-answer">{s.answer}</span>
          <span class="assist-insert">{t('ws.assist.insert')}</span>
        </button>
      ))}
    </div>
  );
}

/** The quick-reply menu under the composer while the agent types `/…`. */
export function QuickReplyMenu({ items, query, selected, onPick }: { items: QuickReplyItem[]; query: string; selected: number; onPick: (r: QuickReplyItem) => void }): JSX.Element {
  const { t } = useConsole();
  const shown = filterQuickReplies(items, query);
  return (
    <div class="qr-menu" role="listbox" aria-label={t('ws.qr.title')}>
      <div class="qr-head">{t('ws.qr.title')}</div>
      {shown.length === 0 && <div class="muted small qr-empty">{t('ws.qr.empty', { q: query })}</div>}
      {shown.map((r, i) => (
        <button key={r.id} type="button" role="option" aria-selected={i === selected} class={`qr-item ${i === selected ? 'qr-on' : ''}`} onMouseDown={(e) => (e.preventDefault(), onPick(r))}>
          <span class="qr-short mono">/{r.shortcut}</span>
          <span class="qr-main">
            <span class="qr-titleline">{r.title} <span class={`chip chip-${r.scope}`}>{t(r.scope === 'team' ? 'ws.qr.team' : 'ws.qr.personal')}</span></span>
            <span class="muted small qr-text">{r.text}</span>
          </span>
          <span class="muted small">{t('ws.qr.uses', { n: r.usage })}</span>
        </button>
      ))}
    </div>
  );
}

/** Loads the quick replies once per sign-in. */
export function useQuickReplies(): [QuickReplyItem[], () => void] {
  const { controller } = useConsole();
  const state = useConsoleState();
  const [data, reload] = useRemote(state.me?.id, () => controller.api.quickReplies());
  return [data?.items ?? [], reload];
}

const KINDS: Array<Exclude<TagKind, 'other'>> = ['user', 'biz', 'merchant'];

function Tags({ profile, onChange }: { profile: Contact360; onChange: () => void }): JSX.Element {
  const { t, controller } = useConsole();
  const state = useConsoleState();
  const [kind, setKind] = useState<Exclude<TagKind, 'other'>>('user');
  const [value, setValue] = useState('');
  const role = state.me?.role;
  const c = profile.contact;
  const edit = async (body: { add?: string[]; remove?: string[] }) => {
    try {
      await controller.api.editTags(c.id, body);
      onChange();
    } catch (e) {
      controller.report(e);
    }
  };
  const groups: TagKind[] = ['user', 'biz', 'merchant', 'other'];
  return (
    <section class="panel-section">
      <h3>{t('customer.tags')}</h3>
      {c.tags.length === 0 && <p class="muted small">{t('customer.noTags')}</p>}
      {groups.map((g) => {
        const tags = c.tags.filter((x) => tagKindOf(x) === g);
        if (tags.length === 0) return null;
        return (
          <div key={g} class="tag-group">
            <span class="muted small tag-kind">{t(`ws.tags.${g}` as MessageKey)}</span>
            <ul class="tags">
              {tags.map((tag) => (
                <li key={tag} class={`tag tag-${g}`}>
                  <TagIcon size={11} /> {tagLabel(tag)}
                  {mayEditTag(role, g) && (
                    <button type="button" class="tag-x" aria-label={t('ws.tags.remove', { tag })} onClick={() => void edit({ remove: [tag] })}>
                      <CloseIcon size={10} />
                    </button>
                  )}
                </li>
              ))}
            </ul>
          </div>
        );
      })}
      <form
        class="tag-add"
        onSubmit={(e) => {
          e.preventDefault();
          const tag = makeTag(kind, value);
          if (tag) void edit({ add: [tag] }).then(() => setValue(''));
        }}
      >
        <select aria-label={t('ws.tags.add')} value={kind} onChange={(e) => setKind((e.currentTarget as HTMLSelectElement).value as typeof kind)}>
          {KINDS.map((k) => (
            <option key={k} value={k} disabled={!mayEditTag(role, k)} title={!mayEditTag(role, k) ? t('ws.tags.merchantOnly') : undefined}>
              {t(`ws.tags.${k}` as MessageKey)}
            </option>
          ))}
        </select>
        <input value={value} maxLength={40} placeholder={t('ws.tags.placeholder')} aria-label={t('ws.tags.placeholder')} onInput={(e) => setValue((e.currentTarget as HTMLInputElement).value)} />
        <button type="submit" class="btn btn-small" disabled={!makeTag(kind, value)}>
          {t('ws.tags.add')}
        </button>
      </form>
    </section>
  );
}

function Audit({ contactId, refresh }: { contactId: string; refresh: number }): JSX.Element | null {
  const { t, controller, locale } = useConsole();
  const [data] = useRemote(contactId, () => controller.api.audit(contactId), refresh);
  const items: AuditEntry[] = data?.items ?? [];
  if (items.length === 0) return null;
  return (
    <ul class="audit">
      {items.map((e, i) => {
        const other = String(e.details.sourceId ?? e.details.targetId ?? e.details.createdId ?? e.details.contactId ?? '');
        return (
          <li key={i} class="small">
            <span class="muted">{formatTime(e.at, locale, Date.now())}</span> {e.by ?? ''} {t(`ws.audit.${e.action}` as MessageKey, { other })}
          </li>
        );
      })}
    </ul>
  );
}

function MergeSplit({ profile, onChange }: { profile: Contact360; onChange: () => void }): JSX.Element {
  const { t, controller } = useConsole();
  const [source, setSource] = useState('');
  const [refresh, setRefresh] = useState(0);
  const c = profile.contact;
  const done = () => {
    setRefresh((n) => n + 1);
    onChange();
  };
  return (
    <section class="panel-section">
      <h3>{t('ws.audit')}</h3>
      <form
        class="tag-add"
        onSubmit={(e) => {
          e.preventDefault();
          if (!source.trim()) return;
          void controller.api.merge(c.id, source.trim()).then(() => (setSource(''), done()), controller.report);
        }}
      >
        <input value={source} placeholder={t('ws.merge.placeholder')} aria-label={t('ws.merge')} onInput={(e) => setSource((e.currentTarget as HTMLInputElement).value)} />
        <button type="submit" class="btn btn-small" disabled={!source.trim()}>
          {t('ws.merge.submit')}
        </button>
      </form>
      {c.identities.length > 1 && (
        <ul class="identities">
          {c.identities.map((id) => (
            <li key={`${id.channel}:${id.externalId}`}>
              <Channel channel={id.channel} />
              <span class="mono id-value">{id.externalId}</span>
              <button type="button" class="btn btn-small" onClick={() => void controller.api.split(c.id, [id]).then(done, controller.report)}>
                {t('ws.split')}
              </button>
            </li>
          ))}
        </ul>
      )}
      <Audit contactId={c.id} refresh={refresh} />
    </section>
  );
}

/** What decided a routing step: its rule, else the kind of step (transfer, accept, queue). */
function decidedBy(t: ReturnType<typeof useConsole>['t'], r: Partial<RoutingDecision>): string {
  if (r.rule) return r.rule;
  const key = `ws.routing.by.${r.strategy}`;
  return isMessageKey(key) ? t(key as MessageKey) : t('ws.routing.none');
}

function RoutingSection({ conversationId, refresh }: { conversationId: string; refresh: string }): JSX.Element | null {
  const { t, locale, controller } = useConsole();
  const [data] = useRemote<RoutingInfo>(`${conversationId}:${refresh}`, () => controller.api.routing(conversationId));
  const r = data?.routing;
  if (!r) return null;
  const earlier = (data.history ?? []).slice(0, -1).reverse().slice(0, 3);
  return (
    <section class="panel-section">
      <h3>{t('ws.routing')}</h3>
      <dl class="kv routing">
        <dt>{t('ws.routing.rule')}</dt>
        <dd class="strong">{decidedBy(t, r)}</dd>
        {r.candidates && (
          <>
            <dt>{t('ws.routing.candidates')}</dt>
            <dd>{r.candidates.length ? r.candidates.map((c) => `${c.agentId} ${c.load}/${c.capacity}`).join(', ') : '—'}</dd>
          </>
        )}
        <dt>{t('ws.routing.reason')}</dt>
        <dd class="small">{r.reason}</dd>
      </dl>
      {earlier.length > 0 && (
        <ol class="routing-history">
          {earlier.map((d, i) => (
            <li key={i} class="small">
              <span class="muted">{d.at ? formatTime(d.at, locale, Date.now()) : ''}</span> <span class="strong">{decidedBy(t, d)}</span> · <span class="muted">{d.reason}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

/** The shop panel: the customer's orders and coupons, product search, cards in one click. */
function ShopPanel({ profile, conversation }: { profile: Contact360; conversation: Conversation }): JSX.Element {
  const { t, controller, locale, store } = useConsole();
  const state = useConsoleState();
  const [q, setQ] = useState('');
  const [products, setProducts] = useState<ShopProduct[]>();
  const [sent, setSent] = useState<string>();
  const shop = profile.commerce;
  const send = (kind: string, ref?: string, query?: string) =>
    void controller.api.sendCard({ conversationId: conversation.id, kind, ...(ref ? { ref } : {}), ...(query ? { query } : {}) }).then(({ message }) => {
      store.dispatch({ type: 'message', message });
      setSent(`${kind}:${ref ?? ''}`);
    }, controller.report);
  const search = (text: string) => void controller.api.products(text).then((r) => setProducts(r.items), controller.report);
  // Start with the catalog's first page, so one click sends something even before a search.
  useEffect(() => search(''), [conversation.id]);
  const name = (n: { zh: string; en: string }) => (locale === 'zh' ? n.zh : n.en);
  const open = conversation.status !== 'closed';
  return (
    <div class="shop">
      {shop ? (
        <>
          <section class="panel-section">
            <div class="stats">
              <div><span class="stat">{formatMoney(shop.stats.spend, locale)}</span><span class="muted small">{t('ws.spend')}</span></div>
              <div><span class="stat">{shop.stats.orderCount}</span><span class="muted small">{t('ws.orderCount')}</span></div>
              <div><span class="stat">{formatMoney(shop.stats.averageOrderValue, locale)}</span><span class="muted small">{t('ws.aov')}</span></div>
            </div>
          </section>
          <section class="panel-section">
            <h3>{t('ws.orders')}</h3>
            {shop.orders.length === 0 && <p class="muted small">{t('ws.orders.none')}</p>}
            <ul class="orders">
              {shop.orders.map((o) => (
                <li key={o.id} class="order">
                  <div class="order-top">
                    <span class="mono">{o.id}</span>
                    <span class={`pill pill-order-${o.status}`}>{o.status}</span>
                    <span class="strong">{formatMoney(o.total, locale)}</span>
                  </div>
                  <div class="muted small">{o.items.map((i) => `${name(i.name)} ×${i.quantity}`).join('，')}</div>
                  {open && (
                    <div class="order-actions">
                      <button type="button" class="btn btn-small" data-send={`order:${o.id}`} onClick={() => send('order', o.id)}>{t('ws.send.order')}</button>
                      {o.trackingNumber && <button type="button" class="btn btn-small" onClick={() => send('logistics', o.id)}>{t('ws.send.logistics')}</button>}
                      {sent === `order:${o.id}` && <span class="ok small"><CheckIcon size={12} /> {t('ws.sent')}</span>}
                    </div>
                  )}
                </li>
              ))}
            </ul>
          </section>
          <section class="panel-section">
            <h3>{t('ws.coupons')}</h3>
            <ul class="coupons">
              {shop.coupons.map((cp) => {
                const blocked = couponBlocked(state.me?.role, cp.issuableBy);
                const reason = blocked ? t('ws.coupon.role', { role: t(`ws.role.${cp.issuableBy ?? 'agent'}` as MessageKey) }) : undefined;
                return (
                  <li key={cp.id} class="coupon">
                    <span class="coupon-amount">{formatMoney(cp.amount, locale)}</span>
                    <span class="coupon-main small">{name(cp.title)}</span>
                    <button type="button" class="btn btn-small btn-primary" data-coupon={cp.id} disabled={!open || !!blocked} title={reason} onClick={() => send('coupon', cp.id)}>
                      {t('ws.send.coupon')}
                    </button>
                    {reason && <span class="muted small coupon-why">{reason}</span>}
                    {sent === `coupon:${cp.id}` && <span class="ok small"><CheckIcon size={12} /> {t('ws.sent')}</span>}
                  </li>
                );
              })}
            </ul>
          </section>
        </>
      ) : (
        <p class="muted small panel-section">{profile.commerceError ? t('ws.commerce.down') : t('ws.commerce.unknown')}</p>
      )}
      <section class="panel-section">
        <h3>{t('ws.products')}</h3>
        <form class="tag-add" onSubmit={(e) => (e.preventDefault(), search(q))}>
          <input type="search" value={q} placeholder={t('ws.products.search')} aria-label={t('ws.products.search')} onInput={(e) => setQ((e.currentTarget as HTMLInputElement).value)} />
          {open && <button type="button" class="btn btn-small" onClick={() => send('recommend', undefined, q || undefined)}>{t('ws.send.recommend')}</button>}
        </form>
        {products && products.length === 0 && <p class="muted small">{t('ws.products.none')}</p>}
        <ul class="products">
          {(products ?? []).map((p) => (
            <li key={p.id} class="product">
              {p.imageUrl ? <img src={p.imageUrl} alt="" loading="lazy" /> : <span class="product-img" />}
              <span class="product-main">
                <span class="small strong">{name(p.name)}</span>
                <span class="muted small">{p.brand} · {formatMoney(p.price, locale)}</span>
              </span>
              {open && (
                <span class="product-actions">
                  <button type="button" class="btn btn-small" onClick={() => send('product', p.id)}>{t('ws.send.product')}</button>
                  <button type="button" class="btn btn-small" onClick={() => send('promotion', p.id)}>{t('ws.send.promotion')}</button>
                </span>
              )}
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}

/** The customer 360 (with the shop tab when commerce is present), or `fallback` without the workspace plugin. */
export function Customer360({ onOpen, fallback }: { onOpen: (id: string) => void; fallback: JSX.Element }): JSX.Element | null {
  const { t, locale, controller } = useConsole();
  const state = useConsoleState();
  const channelName = useChannelName();
  const page = usePageName();
  const [tab, setTab] = useState<'customer' | 'shop'>('customer');
  const view = state.active ? state.views[state.active] : undefined;
  const contactId = view?.conversation.contactId;
  const [profile, reload] = useRemote(contactId, () => controller.api.contact360(contactId!), view?.conversation.updatedAt ?? 0);
  if (!view) return null;
  if (profile === null) return fallback;
  if (!profile) return <p class="muted center">…</p>;
  const c = view.conversation;
  const contact = profile.contact;
  const name = customerName(contact, c, t('customer.anonymous'));
  const tierKey = `tier.${contact.tier}`;
  const now = Date.now();
  const stage = profile.stage ?? (c.attributes.stage as string | undefined);
  return (
    <>
      <div class="customer-card">
        <Avatar id={c.contactId} name={name} size={56} />
        <div class="customer-name">{name}</div>
        <div class="badges">
          <span class={`tier tier-${contact.tier} tier-large`}>{isMessageKey(tierKey) ? t(tierKey as MessageKey) : contact.tier}</span>
          {stage && isMessageKey(`ws.stage.${stage}`) && <span class={`stage stage-${stage}`}>{t(`ws.stage.${stage}` as MessageKey)}</span>}
        </div>
        <div class="muted small mono">{contact.id}</div>
      </div>
      {profile.commerceAvailable && (
        <div class="seg" role="tablist">
          <button type="button" role="tab" aria-selected={tab === 'customer'} class={tab === 'customer' ? 'seg-on' : ''} onClick={() => setTab('customer')}>{t('ws.tab.customer')}</button>
          <button type="button" role="tab" aria-selected={tab === 'shop'} class={tab === 'shop' ? 'seg-on' : ''} onClick={() => setTab('shop')}>{t('ws.tab.shop')}</button>
        </div>
      )}
      {tab === 'shop' && profile.commerceAvailable ? (
        <ShopPanel profile={profile} conversation={c} />
      ) : (
        <>
          <section class="panel-section">
            <h3>{t('customer.identities')}</h3>
            <ul class="identities">
              {contact.identities.map((id) => (
                <li key={`${id.channel}:${id.externalId}`}>
                  <Channel channel={id.channel} />
                  <span class="id-channel">{channelName(id.channel)}</span>
                  <span class="mono id-value" title={id.externalId}>{id.externalId}</span>
                </li>
              ))}
              {contact.identifiers.map((id) => (
                <li key={`${id.kind}:${id.value}`} class="verified">
                  <CheckIcon size={14} />
                  <span class="id-channel">{id.kind}</span>
                  <span class="mono id-value">{id.value}</span>
                </li>
              ))}
            </ul>
          </section>
          <Tags profile={profile} onChange={reload} />
          {c.entry && <EntrySection entry={c.entry} />}
          <section class="panel-section">
            <h3>{t('ws.trail')}</h3>
            {profile.browsingTrail.length === 0 ? (
              <p class="muted small">{t('ws.trail.empty')}</p>
            ) : (
              <ol class="trail">
                {profile.browsingTrail.slice(-8).reverse().map((p, i) => (
                  <li key={i} class="small">
                    <span class="trail-dot" />
                    <span>{p.title ?? page(p.pageType) ?? p.url}</span>
                    {p.at && <span class="muted"> · {formatTime(p.at, locale, now)}</span>}
                  </li>
                ))}
              </ol>
            )}
          </section>
          <section class="panel-section">
            <h3>{t('customer.previous')}</h3>
            <ul class="previous">
              {profile.conversations.filter((r) => r.conversation.id !== c.id).map(({ conversation: p, lastMessage }) => (
                <li key={p.id}>
                  <button type="button" class="previous-row" onClick={() => onOpen(p.id)} title={t('ws.previous.open')}>
                    <Channel channel={p.channel} />
                    <span class="previous-main">
                      <span>{lastMessage?.text ?? p.subject ?? channelName(p.channel)}</span>
                      <span class="muted small">{channelName(p.channel)} · {formatTime(p.openedAt, locale, now)} · {t(`status.${p.status}` as MessageKey)}</span>
                    </span>
                  </button>
                </li>
              ))}
              {profile.conversations.length <= 1 && <p class="muted small">{t('customer.noPrevious')}</p>}
            </ul>
          </section>
          <RoutingSection conversationId={c.id} refresh={String(c.updatedAt)} />
          {isSupervisor(state.me) && <MergeSplit profile={profile} onChange={reload} />}
        </>
      )}
    </>
  );
}

/** All queues with their waits and estimates, and every agent's load with each conversation's routing decision. */
export function SupervisorView({ onOpen, onClose }: { onOpen: (id: string) => void; onClose: () => void }): JSX.Element {
  const { t, locale, controller } = useConsole();
  const now = useNow();
  const [data, setData] = useState<SupervisorData>();
  useEffect(() => {
    let live = true;
    const load = () => void controller.api.supervisor().then((d) => live && setData(d), controller.report);
    load();
    const timer = setInterval(load, 5000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);
  const level = (ms: number) => (ms >= 180_000 ? 'late' : ms >= 30_000 ? 'warn' : 'ok');
  return (
    <section class="supervisor" aria-label={t('ws.sup.title')}>
      <header class="conv-head">
        <div class="conv-title">
          <h1>{t('ws.sup.title')}</h1>
          {data && <div class="conv-sub muted">{t('ws.sup.online', { n: data.totals.online })} · {t('ws.sup.capacity', { load: data.totals.load, capacity: data.totals.capacity })}</div>}
        </div>
        <button type="button" class="btn" onClick={onClose}>{t('ws.sup.back')}</button>
      </header>
      <div class="sup-body">
        <h2 class="section-title">{t('ws.sup.queues')}</h2>
        {data && data.queues.length === 0 && <p class="muted">{t('ws.sup.empty')}</p>}
        {data?.queues.map((q) => {
          const age = now - data.at;
          return (
            <div key={q.key} class="sup-card">
              <div class="sup-card-head">
                <span class="strong">{queueLabel(q.key)}</span>
                <span class={`wait wait-${level(q.longestWaitMs + age)}`}>{t('ws.sup.waiting', { n: q.items.length, t: formatDuration((q.longestWaitMs + age) / 1000, locale) })}</span>
              </div>
              <ul class="sup-list">
                {q.items.map((i) => (
                  <li key={i.conversationId}>
                    <button type="button" class="sup-row" onClick={() => onOpen(i.conversationId)}>
                      <span class="mono small">#{i.position}</span>
                      {i.channel && <Channel channel={i.channel} />}
                      <span class="sup-name">{i.customer ?? t('customer.anonymous')}</span>
                      <span class={`wait wait-${level(i.waitMs + age)}`}>{formatDuration((i.waitMs + age) / 1000, locale)}</span>
                      <span class="chip">{t('ws.sup.prio', { n: i.priority })}</span>
                      {i.estimatedWaitSeconds !== null && <span class="muted small">{t('ws.sup.eta', { t: formatDuration(i.estimatedWaitSeconds, locale) })}</span>}
                      <span class="muted small sup-reason">{i.routing?.rule ? `${t('ws.routing.rule')}: ${i.routing.rule} · ` : ''}{i.routing?.reason}</span>
                    </button>
                  </li>
                ))}
              </ul>
            </div>
          );
        })}
        <h2 class="section-title">{t('ws.sup.agents')}</h2>
        <div class="sup-agents">
          {data?.agents.map((a) => (
            <div key={a.id} class="sup-card">
              <div class="sup-card-head">
                <Avatar id={a.id} name={a.name} size={28} />
                <span class="strong">{a.name}</span>
                <span class={`presence-dot presence-${a.presence}`} aria-hidden="true" />
                <span class="muted small">{t(`presence.${a.presence}` as MessageKey)}</span>
                <span class="load">
                  <span class="load-bar"><span style={{ width: `${Math.min(100, (a.load / Math.max(1, a.capacity)) * 100)}%` }} /></span>
                  <span class="small">{t('transfer.load', { load: a.load, capacity: a.capacity })}</span>
                </span>
              </div>
              <ul class="sup-list">
                {a.conversations.map((c) => (
                  <li key={c.conversationId}>
                    <button type="button" class="sup-row" onClick={() => onOpen(c.conversationId)}>
                      <Channel channel={c.channel} />
                      <span class="sup-name">{c.customer ?? t('customer.anonymous')}</span>
                      <span class="chip">{t('ws.sup.prio', { n: c.priority })}</span>
                      <span class="muted small sup-reason">{c.routing?.rule ? `${t('ws.routing.rule')}: ${c.routing.rule} · ` : ''}{c.routing?.reason}</span>
                    </button>
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </div>
      </div>
    </section>
  );
}
