import { signIdentityToken } from '@kefu/adapter-web';
import type { Plugin } from '@kefu/core';
import type { CommerceProvider, Customer, Order, Product } from '@kefu/plugin-commerce';

/** Options of {@link demoShopPlugin}. */
export interface DemoShopPluginOptions {
  provider: CommerceProvider;
  /** The widget's identity secret: the shop signs its signed-in shopper with it. */
  widgetSecret: string;
  /** Lifetime of identity tokens the shop hands to its pages. Default 1 h. */
  tokenTtlSeconds?: number;
}

/** A product as the shop pages show it. */
export type ShopProduct = Pick<Product, 'id' | 'name' | 'brand' | 'category' | 'price' | 'stock' | 'models'>;

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' } });
const notFound = (message: string) => json(404, { error: { code: 'KEFU_NOT_FOUND', message } });

/**
 * The demo shop's backend, as a merchant's own shop would have it: the catalog for the pages,
 * and a "signed-in shopper" session that hands the page a short-lived widget identity token.
 * The demo lets anyone pick one of the seeded customers — a real shop signs the user of its
 * own session instead (see docs/widget.md, Identity).
 */
export function demoShopPlugin(options: DemoShopPluginOptions): Plugin {
  const { provider, widgetSecret } = options;
  const ttl = options.tokenTtlSeconds ?? 3600;
  const publicProduct = (p: Product): ShopProduct => ({ id: p.id, name: p.name, brand: p.brand, category: p.category, price: p.price, stock: p.stock, ...(p.models ? { models: p.models } : {}) });
  return {
    name: 'demo-shop',
    dependencies: ['commerce'],
    setup(app) {
      app.httpRoute({
        method: 'GET',
        path: '/shop/api/catalog',
        auth: 'public',
        async handler(_request, { tenantId }) {
          const products = await provider.searchProducts(tenantId, { limit: 200 });
          return json(200, { products: products.map(publicProduct) });
        },
      });
      app.httpRoute({
        method: 'GET',
        path: '/shop/api/session/:customerId',
        auth: 'public',
        async handler(_request, { tenantId, params }) {
          const customer: Customer | undefined = await provider.getCustomer(tenantId, params.customerId ?? '');
          if (!customer) return notFound(`No demo customer "${params.customerId}"`);
          const orders: Order[] = await provider.listOrders(tenantId, customer.id);
          const token = signIdentityToken(
            { uid: customer.id, name: customer.name, tier: customer.tier, tags: customer.tags, exp: Math.floor(app.clock.now() / 1000) + ttl },
            widgetSecret,
          );
          return json(200, { customer: { id: customer.id, name: customer.name, tier: customer.tier }, orders, token });
        },
      });
    },
  };
}
