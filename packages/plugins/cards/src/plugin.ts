import { type Author, type Card, type Contact, type Conversation, type HandoffRequest, type KefuApp, KefuError, type Message, type Part, type Plugin, isKefuError } from '@kefu/core';
import type { CommerceService } from '@kefu/plugin-commerce';
import { type CardLocale, couponCard, logisticsCard, manualCard, orderCard, productCard, productListCard, promotionCard, refundListCard } from './builders.js';
import { type Recommender, createProfileRecommender } from './recommender.js';
import { type ActionClaims, CardErrors, signAction, verifyAction } from './tokens.js';

/** What an action handler gets. */
export interface ActionInput {
  app: KefuApp;
  claims: ActionClaims;
  conversation: Conversation;
  contact: Contact;
  /** The shop customer id (verified `shopUserId`), when the contact has one. */
  customerId: string | undefined;
  locale: CardLocale;
  /** The message that carried the card, to be replaced by the updated card. */
  cardMessageId: string | undefined;
}

/** What an action handler answers: cards or text to send, and/or a request for a human. */
export interface ActionResult {
  reply?: Part[];
  handoff?: HandoffRequest;
}

/** Runs one card action (`order.cancel`, ...). Must be idempotent. */
export type ActionHandler = (input: ActionInput) => Promise<ActionResult>;

/** `app.services.cards`. */
export interface CardsService {
  /** Signs the card's postback actions for this conversation and sends it. */
  send(conversationId: string, card: Card, options?: { author?: Author; tenantId?: string }): Promise<Message>;
  /** Signs a card's postback actions for a conversation (for adapters that send cards themselves). */
  sign(card: Card, conversation: Pick<Conversation, 'id' | 'contactId'>): Card;
  /** Registers or replaces the handler of an action id. */
  registerAction(actionId: string, handler: ActionHandler): void;
  /** Verifies a token (signature, expiry, single use) and runs its action. */
  runAction(token: string, expected: { conversationId?: string; contactId?: string; cardMessageId?: string }): Promise<ActionResult & { claims: ActionClaims }>;
  /** An absolute link that runs an action from outside a chat (email buttons). */
  actionUrl(token: string): string;
  readonly recommender: Recommender;
  /** The language to write cards in for a conversation. */
  localeOf(conversation: Conversation): CardLocale;
}

declare module '@kefu/core' {
  interface KefuServices {
    cards: CardsService;
  }
  interface KefuEvents {
    /** A card action ran. */
    'card.action': { conversationId: string; actionId: string; ref: string; ok: boolean; code?: string };
  }
}

/** Options of {@link cardsPlugin}. */
export interface CardsPluginOptions {
  /** Secret for action tokens (at least 16 characters). */
  secret: string;
  /** How long a card's buttons work. Default 7 days. */
  actionTtlMs?: number;
  /** Send a product card when a conversation opens on a product page. Default true. */
  autoProductCard?: boolean;
  /** Send an order card when a conversation opens on an order page of the customer's order. Default true. */
  autoOrderCard?: boolean;
  /** Public base URL for action links in email. Default ''. */
  publicUrl?: string;
  recommender?: Recommender;
}

const ROLE_RANK = { agent: 1, supervisor: 2, admin: 3 } as const;
const MESSAGES = {
  zh: { invalid: '这个按钮已失效，请重新获取。', used: '这个操作已经处理过了。', expired: '这个按钮已过期，请重新获取。', login: '请先登录商城账号再操作订单。', refused: (m: string) => `操作未成功：${m}` },
  en: { invalid: 'This button is no longer valid. Please ask again.', used: 'This was already done.', expired: 'This button has expired. Please ask again.', login: 'Please sign in to your shop account to manage orders.', refused: (m: string) => `That did not work: ${m}` },
};

function json(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

/**
 * The cards plugin: signed single-use card actions (cancel, refund, track, claim, ask an agent),
 * automatic product and order cards from the entry page, numbered replies on text channels,
 * personalised recommendations, and agent routes to send cards and issue coupons by role.
 */
export const cardsPlugin: Plugin<CardsPluginOptions> = {
  name: 'cards',
  dependencies: ['commerce'],
  setup(app, options) {
    if (!options?.secret || options.secret.length < 16) throw new KefuError('KEFU_INVALID_INPUT', 'The cards plugin needs a secret of at least 16 characters');
    const { secret } = options;
    const ttl = options.actionTtlMs ?? 7 * 86_400_000;
    const commerce = (): CommerceService => app.services.commerce;
    const recommender = options.recommender ?? createProfileRecommender(commerce());
    const handlers = new Map<string, ActionHandler>();

    const localeOf = (c: Conversation): CardLocale => ((c.language ?? c.entry?.locale ?? 'zh').toLowerCase().startsWith('en') ? 'en' : 'zh');
    const needCustomer = (input: ActionInput) => {
      if (!input.customerId) throw new KefuError(CardErrors.ACTION_INVALID, MESSAGES[input.locale].login);
      return input.customerId;
    };

    const sign = (card: Card, conversation: Pick<Conversation, 'id' | 'contactId'>): Card => {
      const exp = app.clock.now() + ttl;
      const signOne = (c: Card): Card => ({
        ...c,
        ...(c.actions ? { actions: c.actions.map((a) => (a.type === 'postback' ? { ...a, value: signAction(secret, { c: conversation.id, k: conversation.contactId, a: a.id, r: a.value ?? '', e: exp }) } : a)) } : {}),
        ...(c.items ? { items: c.items.map(signOne) } : {}),
      });
      return signOne(card);
    };
    const send = async (conversationId: string, card: Card, opts: { author?: Author; tenantId?: string; meta?: Record<string, unknown> } = {}) => {
      const conversation = await app.conversations.get(conversationId, opts.tenantId);
      return app.send(conversationId, [{ type: 'card', card: sign(card, conversation) }], {
        author: opts.author ?? { role: 'bot', id: 'cards' },
        tenantId: conversation.tenantId,
        meta: { cardKind: card.kind, ...opts.meta },
      });
    };

    handlers.set('order.cancel', async (input) => {
      const order = await commerce().cancelOrder(input.conversation.tenantId, input.claims.r, needCustomer(input));
      return { reply: [{ type: 'card', card: orderCard(order, input.locale) }] };
    });
    handlers.set('order.refund', async (input) => {
      const order = await commerce().requestRefund(input.conversation.tenantId, input.claims.r, needCustomer(input), 'requested in chat');
      return { reply: [{ type: 'card', card: orderCard(order, input.locale) }] };
    });
    handlers.set('order.track', async (input) => {
      const order = await commerce().getOrder(input.conversation.tenantId, input.claims.r);
      if (!order || order.customerId !== needCustomer(input)) throw new KefuError('KEFU_NOT_FOUND', 'No such order for this customer');
      const tracking = await commerce().tracking(input.conversation.tenantId, order.id);
      if (!tracking) throw new KefuError('KEFU_NOT_FOUND', 'No tracking for this order yet');
      return { reply: [{ type: 'card', card: logisticsCard(tracking, input.locale) }] };
    });
    handlers.set('coupon.claim', async (input) => {
      const coupon = await commerce().claimCoupon(input.conversation.tenantId, needCustomer(input), input.claims.r);
      return { reply: [{ type: 'card', card: couponCard(coupon, input.locale) }] };
    });
    handlers.set('agent.ask', async (input) => ({ handoff: { reason: 'customer asked for an agent from a card', intent: 'human', summary: `Pressed "ask an agent" on ${input.claims.r}` } }));
    handlers.set('product.ask', async (input) => {
      const product = await commerce().getProduct(input.conversation.tenantId, input.claims.r);
      return { handoff: { reason: 'customer asked about a product', intent: 'product', summary: product ? `${product.name.zh} / ${product.name.en} (${product.id})` : input.claims.r } };
    });

    const runAction: CardsService['runAction'] = async (token, expected) => {
      const claims = verifyAction(secret, token, { ...expected, now: app.clock.now() });
      const handler = handlers.get(claims.a);
      if (!handler) throw new KefuError(CardErrors.ACTION_UNKNOWN, `No handler for card action "${claims.a}"`);
      const usedKey = claims.j;
      if (await app.store.kvGet('card-actions', usedKey)) throw new KefuError(CardErrors.ACTION_USED, 'This card action was already used');
      await app.store.kvSet('card-actions', usedKey, { at: app.clock.now(), action: claims.a }, { ttlMs: Math.max(1000, claims.e - app.clock.now()) });
      const conversation = await app.conversations.get(claims.c);
      const contact = await app.contacts.get(claims.k, conversation.tenantId);
      const input: ActionInput = { app, claims, conversation, contact, customerId: commerce().customerIdOf(contact), locale: localeOf(conversation), cardMessageId: expected.cardMessageId };
      const result = await handler(input);
      app.emit('card.action', { conversationId: conversation.id, actionId: claims.a, ref: claims.r, ok: true });
      return { ...result, claims };
    };

    const service: CardsService = {
      send: (id, card, opts) => send(id, card, opts ?? {}),
      sign,
      registerAction: (id, handler) => void handlers.set(id, handler),
      runAction,
      actionUrl: (token) => `${options.publicUrl ?? ''}/cards/action?t=${encodeURIComponent(token)}`,
      recommender,
      localeOf,
    };
    app.provide('cards', service);

    /** The action a message carries: a pressed button, or a number typed on a text-only channel. */
    async function actionOf(message: Message, conversation: Conversation): Promise<{ token: string; cardMessageId?: string } | undefined> {
      const part = message.parts.find((p): p is Extract<Part, { type: 'action' }> => p.type === 'action');
      if (part) {
        const token = part.token ?? part.value;
        return token ? { token, ...(part.cardMessageId ? { cardMessageId: part.cardMessageId } : {}) } : undefined;
      }
      const n = /^\s*(\d{1,2})\s*$/.exec(message.text)?.[1];
      if (!n || app.getAdapter(conversation.channel)?.capabilities.cards) return undefined;
      const recent = await app.store.listMessages(conversation.id, { beforeSeq: message.seq, limit: 20 });
      for (const m of recent.reverse()) {
        if (m.direction !== 'outbound') continue;
        const card = m.parts.find((p): p is Extract<Part, { type: 'card' }> => p.type === 'card')?.card;
        if (!card) continue;
        const action = card.actions?.[Number(n) - 1];
        if (action?.type === 'postback' && action.value) return { token: action.value, cardMessageId: m.id };
        return undefined;
      }
      return undefined;
    }

    app.route(async (ctx, next) => {
      const action = await actionOf(ctx.message, ctx.conversation);
      if (action) {
        const locale = localeOf(ctx.conversation);
        try {
          const result = await runAction(action.token, { conversationId: ctx.conversation.id, contactId: ctx.contact.id, ...(action.cardMessageId ? { cardMessageId: action.cardMessageId } : {}) });
          if (result.handoff) ctx.handoff(result.handoff);
          else ctx.claim('cards');
          for (const part of result.reply ?? []) {
            if (part.type === 'card') await send(ctx.conversation.id, part.card, { meta: action.cardMessageId ? { replaces: action.cardMessageId } : {} });
            else await ctx.reply([part]);
          }
        } catch (error) {
          ctx.claim('cards');
          const code = isKefuError(error) ? error.code : 'KEFU_CARD_ACTION_FAILED';
          app.emit('card.action', { conversationId: ctx.conversation.id, actionId: 'unknown', ref: '', ok: false, code });
          const m = MESSAGES[locale];
          const text =
            code === CardErrors.ACTION_USED ? m.used : code === CardErrors.ACTION_EXPIRED ? m.expired : code === CardErrors.ACTION_INVALID || code === CardErrors.ACTION_UNKNOWN ? (error as Error).message === m.login ? m.login : m.invalid : m.refused((error as Error).message);
          await ctx.reply([{ type: 'text', text }], { role: 'system' });
        }
        return next();
      }
      if (ctx.isNewConversation) {
        const { entry } = ctx.conversation;
        try {
          const locale = localeOf(ctx.conversation);
          const tenantId = ctx.conversation.tenantId;
          if ((options.autoProductCard ?? true) && entry?.pageType === 'product' && entry.productId) {
            const product = await commerce().getProduct(tenantId, entry.productId);
            const customerId = commerce().customerIdOf(ctx.contact);
            if (product) await send(ctx.conversation.id, productCard(product, locale, await commerce().quote(tenantId, product.id, customerId)));
          }
          const customerId = commerce().customerIdOf(ctx.contact);
          if ((options.autoOrderCard ?? true) && entry?.pageType === 'order' && entry.orderId && customerId) {
            const order = await commerce().getOrder(tenantId, entry.orderId);
            if (order && order.customerId === customerId) {
              const payUrl = order.status === 'unpaid' ? await commerce().payLink(tenantId, order.id) : undefined;
              await send(ctx.conversation.id, orderCard(order, locale, payUrl ? { payUrl } : {}));
            }
          }
        } catch (error) {
          ctx.logger.warn({ err: error }, 'automatic card failed');
        }
      }
      await next();
    });

    app.httpRoute({
      method: 'POST',
      path: '/api/v1/cards/send',
      auth: 'agent',
      async handler(request, { agent, tenantId }) {
        let body: { conversationId?: string; kind?: string; ref?: string; model?: string; query?: string };
        try {
          body = (await request.json()) as typeof body;
        } catch {
          return json(400, { error: { code: 'KEFU_INVALID_INPUT', message: 'The body is not valid JSON' } });
        }
        if (!body?.conversationId || !body.kind) return json(400, { error: { code: 'KEFU_INVALID_INPUT', message: 'conversationId and kind are required' } });
        try {
          const conversation = await app.conversations.get(body.conversationId, tenantId);
          const contact = await app.contacts.get(conversation.contactId, tenantId);
          const locale = localeOf(conversation);
          const customerId = commerce().customerIdOf(contact);
          const c = commerce();
          let card: Card | undefined;
          const ref = body.ref ?? '';
          switch (body.kind) {
            case 'product': {
              const p = await c.getProduct(tenantId, ref);
              if (p) card = productCard(p, locale, await c.quote(tenantId, p.id, customerId));
              break;
            }
            case 'promotion': {
              const p = await c.getProduct(tenantId, ref);
              if (p) card = promotionCard(p, await c.quote(tenantId, p.id, customerId), locale);
              break;
            }
            case 'manual': {
              const p = await c.getProduct(tenantId, ref);
              if (p) card = manualCard(p, locale, body.model);
              break;
            }
            case 'order':
            case 'logistics': {
              const o = await c.getOrder(tenantId, ref);
              if (o && o.customerId === customerId) {
                if (body.kind === 'order') card = orderCard(o, locale, o.status === 'unpaid' ? { payUrl: await c.payLink(tenantId, o.id) } : {});
                else {
                  const t = await c.tracking(tenantId, o.id);
                  if (t) card = logisticsCard(t, locale);
                }
              }
              break;
            }
            case 'refunds':
              if (customerId) card = refundListCard(await c.refundableOrders(tenantId, customerId), locale);
              break;
            case 'coupon': {
              const coupon = (await c.availableCoupons(tenantId, customerId ?? '')).find((x) => x.id === ref);
              if (coupon) {
                const needed = ROLE_RANK[coupon.issuableBy ?? 'agent'];
                if (ROLE_RANK[agent?.role ?? 'agent'] < needed) {
                  return json(403, { error: { code: CardErrors.COUPON_NOT_ALLOWED, message: `Only a ${coupon.issuableBy} may issue coupon ${coupon.id}` } });
                }
                card = couponCard(coupon, locale);
              }
              break;
            }
            case 'recommend': {
              const { products, reason } = await recommender.recommend({ tenantId, contact, ...(body.query ? { query: body.query } : {}) });
              card = productListCard(products, locale, reason);
              break;
            }
            default:
              return json(400, { error: { code: 'KEFU_INVALID_INPUT', message: `Unknown card kind "${body.kind}"` } });
          }
          if (!card) return json(404, { error: { code: 'KEFU_NOT_FOUND', message: `Nothing to send for ${body.kind} "${ref}" to this customer` } });
          const message = await send(conversation.id, card, { author: { role: 'agent', ...(agent ? { id: agent.id, name: agent.name } : {}) }, tenantId });
          return json(200, { message });
        } catch (error) {
          if (isKefuError(error, 'KEFU_NOT_FOUND')) return json(404, { error: error.toJSON() });
          if (isKefuError(error, 'KEFU_ILLEGAL_TRANSITION')) return json(409, { error: error.toJSON() });
          throw error;
        }
      },
    });

    app.httpRoute({
      method: 'GET',
      path: '/cards/action',
      auth: 'public',
      async handler(request) {
        const token = new URL(request.url).searchParams.get('t') ?? '';
        const page = (status: number, title: string) =>
          new Response(`<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title><body style="font:16px system-ui;padding:2rem;text-align:center"><p>${title}</p>`, {
            status,
            headers: { 'content-type': 'text/html; charset=utf-8' },
          });
        try {
          const result = await runAction(token, {});
          if (result.handoff) await app.conversations.handoff(result.claims.c, result.handoff).catch(() => undefined);
          for (const part of result.reply ?? []) if (part.type === 'card') await send(result.claims.c, part.card);
          return page(200, '✓ 已完成 / Done');
        } catch (error) {
          const code = isKefuError(error) ? error.code : '';
          if (code === CardErrors.ACTION_USED) return page(409, '这个操作已经处理过了 / This was already done');
          if (code === CardErrors.ACTION_EXPIRED) return page(410, '链接已过期 / This link has expired');
          if (code.startsWith('KEFU_CARD_') || code === 'KEFU_NOT_FOUND') return page(400, '链接无效 / This link is not valid');
          return page(502, '操作未成功，请稍后再试 / That did not work, please try later');
        }
      },
    });
  },
};
