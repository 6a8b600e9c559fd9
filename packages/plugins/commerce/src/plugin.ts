import { timingSafeEqual } from 'node:crypto';
import { type Contact, type Conversation, DEFAULT_TENANT, type KefuApp, KefuError, type Plugin, isKefuError } from '@kefu/core';
import { signCommerceRequest } from './http-provider.js';
import { type CommerceProvider, CommerceErrors, type Coupon, type Customer, type Order } from './provider.js';

/** Buying stages of a conversation (for lists, filters, routing and conversion metrics). */
export type BuyingStage = 'consulted-not-ordered' | 'ordered-not-paid' | 'paid' | 'after-sale';

/** A commerce event as the merchant posts it to `/webhooks/commerce`. */
export interface CommerceEvent {
  /** Unique event id: a retried delivery with the same id is applied once. */
  id: string;
  type: 'order.created' | 'order.paid' | 'order.shipped' | 'order.refunded';
  tenantId?: string;
  order: Pick<Order, 'id' | 'customerId' | 'status' | 'total'> & Partial<Order>;
  at?: number;
}

/** The customer profile an agent sees. */
export interface CommerceProfile {
  customer: Customer;
  orders: Order[];
  coupons: Coupon[];
  stats: { orderCount: number; spend: number; averageOrderValue: number };
  stage: BuyingStage;
}

declare module '@kefu/core' {
  interface KefuServices {
    /** The shop: the provider's methods plus Kefu-side helpers. */
    commerce: CommerceService;
  }
  interface KefuEvents {
    /** A signed commerce event arrived and was linked to the customer's contact. */
    'commerce.event': { event: CommerceEvent; contact?: Contact; conversations: Conversation[] };
  }
}

/** `app.services.commerce`: the provider plus helpers that know Kefu's contacts. */
export interface CommerceService extends CommerceProvider {
  readonly provider: CommerceProvider;
  /** The shop's customer id of a contact (its verified `shopUserId`), if any. */
  customerIdOf(contact: Contact): string | undefined;
  /** Orders, coupons and spend of a contact, or undefined when the contact is not a known customer. */
  profile(contact: Contact): Promise<CommerceProfile | undefined>;
}

/** Options of {@link commercePlugin}. */
export interface CommercePluginOptions {
  provider: CommerceProvider;
  /** Secret of the signed commerce webhook; without it the webhook is not mounted. */
  webhookSecret?: string;
  /** Accepted clock skew of webhook timestamps. Default 300 s. */
  webhookToleranceSeconds?: number;
  /** Largest webhook body. Default 64 KiB. */
  maxWebhookBytes?: number;
}

const DAY = 86_400_000;

/** Classifies a customer's buying stage from their most recent order of the last 30 days. */
export function classifyStage(orders: readonly Pick<Order, 'status' | 'createdAt'>[], now: number): BuyingStage {
  let latest: Pick<Order, 'status' | 'createdAt'> | undefined;
  for (const o of orders) if (now - o.createdAt < 30 * DAY && o.status !== 'cancelled' && (!latest || o.createdAt > latest.createdAt)) latest = o;
  if (!latest) return 'consulted-not-ordered';
  if (latest.status === 'unpaid') return 'ordered-not-paid';
  if (latest.status === 'paid' || latest.status === 'shipped') return 'paid';
  return 'after-sale';
}

const STAGE_OF_EVENT: Record<CommerceEvent['type'], BuyingStage> = {
  'order.created': 'ordered-not-paid',
  'order.paid': 'paid',
  'order.shipped': 'paid',
  'order.refunded': 'after-sale',
};

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const errorResponse = (status: number, code: string, message: string) => json(status, { error: { code, message } });

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function makeService(app: KefuApp, provider: CommerceProvider): CommerceService {
  const customerIdOf = (contact: Contact) => contact.identifiers.find((i) => i.kind === 'shopUserId')?.value;
  // Every provider method, bound, so `app.services.commerce.getOrder(...)` works as the provider's.
  const bound = Object.fromEntries(
    (Object.keys(provider) as Array<keyof CommerceProvider>).filter((k) => typeof provider[k] === 'function').map((k) => [k, (provider[k] as (...a: unknown[]) => unknown).bind(provider)]),
  ) as unknown as CommerceProvider;
  return {
    ...bound,
    provider,
    customerIdOf,
    async profile(contact) {
      const customerId = customerIdOf(contact);
      if (!customerId) return undefined;
      const customer = await provider.getCustomer(contact.tenantId, customerId);
      if (!customer) return undefined;
      const [orders, coupons] = await Promise.all([provider.listOrders(contact.tenantId, customerId), provider.availableCoupons(contact.tenantId, customerId)]);
      const counted = orders.filter((o) => o.status !== 'cancelled' && o.status !== 'unpaid');
      const spend = counted.reduce((s, o) => s + o.total, 0);
      return {
        customer,
        orders,
        coupons,
        stats: { orderCount: counted.length, spend, averageOrderValue: counted.length ? Math.round(spend / counted.length) : 0 },
        stage: classifyStage(orders, app.clock.now()),
      };
    },
  };
}

/**
 * The commerce plugin: provides `app.services.commerce`, tags each new conversation of a known
 * customer with its buying stage, takes signed commerce events at `POST /webhooks/commerce`, and
 * gives agents catalog and profile routes under `/api/v1/commerce`.
 */
export const commercePlugin: Plugin<CommercePluginOptions> = {
  name: 'commerce',
  setup(app, options) {
    const service = makeService(app, options.provider);
    app.provide('commerce', service);

    app.route(async (ctx, next) => {
      if (ctx.isNewConversation && service.customerIdOf(ctx.contact)) {
        try {
          const orders = await service.listOrders(ctx.contact.tenantId, service.customerIdOf(ctx.contact)!);
          ctx.conversation = await app.conversations.update(ctx.conversation.id, { attributes: { ...ctx.conversation.attributes, stage: classifyStage(orders, app.clock.now()) } });
        } catch (error) {
          // The shop being down must not hold up the customer's message.
          ctx.logger.warn({ err: error }, 'could not classify the buying stage');
        }
      } else if (ctx.isNewConversation) {
        ctx.conversation = await app.conversations.update(ctx.conversation.id, { attributes: { ...ctx.conversation.attributes, stage: 'consulted-not-ordered' } });
      }
      await next();
    });

    if (options.webhookSecret) {
      const secret = options.webhookSecret;
      const tolerance = (options.webhookToleranceSeconds ?? 300) * 1000;
      const maxBytes = options.maxWebhookBytes ?? 65_536;
      app.httpRoute({
        method: 'POST',
        path: '/webhooks/commerce',
        auth: 'public',
        async handler(request) {
          const timestamp = request.headers.get('x-kefu-timestamp') ?? '';
          const signature = request.headers.get('x-kefu-signature') ?? '';
          const length = Number(request.headers.get('content-length') ?? '0');
          if (length > maxBytes) return errorResponse(413, 'KEFU_PAYLOAD_TOO_LARGE', `The body exceeds ${maxBytes} bytes`);
          const body = await request.text();
          if (Buffer.byteLength(body) > maxBytes) return errorResponse(413, 'KEFU_PAYLOAD_TOO_LARGE', `The body exceeds ${maxBytes} bytes`);
          const url = new URL(request.url);
          const expected = signCommerceRequest(secret, timestamp, 'POST', url.pathname + url.search, body);
          if (!signature || !safeEqual(signature, expected)) return errorResponse(401, CommerceErrors.BAD_SIGNATURE, 'The commerce event signature is wrong or missing');
          if (!/^\d+$/.test(timestamp) || Math.abs(app.clock.now() - Number(timestamp) * 1000) > tolerance) {
            return errorResponse(401, CommerceErrors.BAD_SIGNATURE, 'The commerce event timestamp is outside the accepted window');
          }
          let event: CommerceEvent;
          try {
            event = JSON.parse(body) as CommerceEvent;
          } catch {
            return errorResponse(400, 'KEFU_INVALID_INPUT', 'The body is not valid JSON');
          }
          if (!event || typeof event.id !== 'string' || !(event.type in STAGE_OF_EVENT) || typeof event.order?.id !== 'string' || typeof event.order?.customerId !== 'string') {
            return errorResponse(400, 'KEFU_INVALID_INPUT', 'A commerce event needs id, a known type and order { id, customerId }');
          }
          const tenantId = event.tenantId ?? DEFAULT_TENANT;
          if (await app.store.kvGet('commerce-events', `${tenantId}:${event.id}`)) return json(200, { ok: true, duplicate: true });
          await app.store.kvSet('commerce-events', `${tenantId}:${event.id}`, true, { ttlMs: 7 * DAY });
          const [contact] = await app.store.findContactsByIdentifier(tenantId, { kind: 'shopUserId', value: event.order.customerId });
          const conversations: Conversation[] = [];
          if (contact) {
            const open = await app.store.listConversations({ tenantId, contactId: contact.id, status: ['bot', 'queued', 'assigned'], limit: 20 });
            for (const c of open) {
              conversations.push(await app.conversations.update(c.id, { attributes: { ...c.attributes, stage: STAGE_OF_EVENT[event.type], lastOrderEvent: { type: event.type, orderId: event.order.id, at: event.at ?? app.clock.now() } } }, tenantId));
            }
          }
          app.emit('commerce.event', { event, ...(contact ? { contact } : {}), conversations });
          return json(200, { ok: true, linked: conversations.length });
        },
      });
    }

    const wrap = (fn: (req: Request, ctx: { params: Record<string, string>; tenantId: string }) => Promise<unknown>) => async (req: Request, ctx: { params: Record<string, string>; tenantId: string }) => {
      try {
        return json(200, await fn(req, ctx));
      } catch (error) {
        if (isKefuError(error, 'KEFU_NOT_FOUND')) return errorResponse(404, error.code, error.message);
        if (isKefuError(error, CommerceErrors.REFUSED)) return errorResponse(409, error.code, error.message);
        if (isKefuError(error, CommerceErrors.UNAVAILABLE) || isKefuError(error, CommerceErrors.BAD_RESPONSE)) return errorResponse(502, (error as KefuError).code, (error as KefuError).message);
        throw error;
      }
    };
    app.httpRoute({
      method: 'GET',
      path: '/api/v1/commerce/products',
      auth: 'agent',
      handler: wrap(async (req, { tenantId }) => {
        const q = new URL(req.url).searchParams;
        return { items: await service.searchProducts(tenantId, { ...(q.get('q') ? { text: q.get('q')! } : {}), ...(q.get('category') ? { category: q.get('category')! } : {}), limit: Math.min(50, Number(q.get('limit') ?? 20)) }) };
      }),
    });
    app.httpRoute({
      method: 'GET',
      path: '/api/v1/commerce/contacts/:contactId/profile',
      auth: 'agent',
      handler: wrap(async (_req, { params, tenantId }) => {
        const contact = await app.contacts.get(params.contactId!, tenantId);
        const profile = await service.profile(contact);
        if (!profile) throw new KefuError('KEFU_NOT_FOUND', 'This contact is not a known shop customer');
        return profile;
      }),
    });
  },
};
