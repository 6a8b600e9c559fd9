import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEmailAdapter } from '@kefu/adapter-email';
import { createPhoneAdapter, phoneAdminPlugin } from '@kefu/adapter-phone';
import { createWechatAdapter, wechatAdminPlugin } from '@kefu/adapter-wechat';
import { createWebAdapter } from '@kefu/adapter-web';
import { buildConsole } from '@kefu/console';
import { type KefuApp, createApp } from '@kefu/core';
import { createBotPlugin } from '@kefu/plugin-bot';
import { cardsPlugin } from '@kefu/plugin-cards';
import { commercePlugin, createDemoCommerceProvider } from '@kefu/plugin-commerce';
import { type KefuServer, createServer } from '@kefu/server';
import { createSqliteStore } from '@kefu/store-sql';
import pino from 'pino';
import type { ExampleServerOptions } from './config.js';
import { DEMO_ROUTER, type DemoLogin, seedDemo } from './demo.js';
import { demoShopPlugin } from './shop-plugin.js';

/** The static demo shop (HTML, CSS, JS) and the landing page. */
export const SHOP_DIR = fileURLToPath(new URL('../shop/', import.meta.url));
const SITE_DIR = fileURLToPath(new URL('../site/', import.meta.url));

/** What a started example server answers. */
export interface ExampleServerInfo {
  /** The listening URL (or `publicUrl` when set). */
  url: string;
  shopUrl: string;
  consoleUrl: string;
  /** Demo logins (empty with `demo: false`). */
  logins: DemoLogin[];
  /** Channels served: `web` always, then `wechat`, `email`, `phone` + `sms` when configured. */
  channels: string[];
  /** Webhook URLs of the configured channels. */
  webhooks: Record<string, string>;
}

/** The composed example server. */
export interface ExampleServer {
  readonly app: KefuApp;
  readonly server: KefuServer;
  /** Starts the app and the HTTP server, seeds the demo data, answers the URLs and logins. */
  start(): Promise<ExampleServerInfo>;
  /** Graceful shutdown: stops accepting, drains, closes sockets, adapters and the store. */
  close(): Promise<void>;
}

interface Secrets {
  jwtSecret: string;
  cardsSecret: string;
  widgetSecret: string;
  commerceWebhookSecret: string;
}

/**
 * Secrets not given by the environment are generated once and kept in `<dataDir>/secrets.json`
 * (mode 600): agent tokens, card buttons and shopper sessions then survive a restart.
 */
async function loadSecrets(dataDir: string, given: Partial<Secrets>): Promise<Secrets> {
  const file = join(dataDir, 'secrets.json');
  const stored: Partial<Secrets> = existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as Partial<Secrets>) : {};
  const keys: Array<keyof Secrets> = ['jwtSecret', 'cardsSecret', 'widgetSecret', 'commerceWebhookSecret'];
  let generated = false;
  for (const key of keys) {
    if (!stored[key]) {
      stored[key] = randomBytes(32).toString('base64url');
      generated = true;
    }
  }
  if (generated) {
    await writeFile(file, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
    await chmod(file, 0o600);
  }
  return Object.fromEntries(keys.map((k) => [k, given[k] ?? stored[k]!])) as unknown as Secrets;
}

async function loadFaq(): Promise<unknown[]> {
  const path = createRequire(import.meta.url).resolve('@kefu/plugin-bot/data/faq.json');
  return JSON.parse(await readFile(path, 'utf8')) as unknown[];
}

/**
 * Composes Kefu with embedded defaults: an SQLite file under `dataDir`, the web widget on a demo
 * shop (`/shop/`), the agent console (`/console/`), the commerce demo provider, cards, the
 * bilingual FAQ bot, demo teams and agents, and WeChat / email / Twilio when their options are set.
 *
 * @example
 * const example = await createExampleServer({ dataDir: './data', port: 3000 })
 * const { shopUrl, consoleUrl, logins } = await example.start()
 * process.once('SIGTERM', () => void example.close())
 */
export async function createExampleServer(options: ExampleServerOptions): Promise<ExampleServer> {
  const { dataDir } = options;
  await mkdir(join(dataDir, 'uploads'), { recursive: true });
  const secrets = await loadSecrets(dataDir, {
    ...(options.jwtSecret ? { jwtSecret: options.jwtSecret } : {}),
    ...(options.cardsSecret ? { cardsSecret: options.cardsSecret } : {}),
    ...(options.widgetSecret ? { widgetSecret: options.widgetSecret } : {}),
    ...(options.commerceWebhookSecret ? { commerceWebhookSecret: options.commerceWebhookSecret } : {}),
  });
  const logger = pino({ name: 'kefu', level: options.logLevel ?? process.env.KEFU_LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info') });
  const store = createSqliteStore({ filename: join(dataDir, 'kefu.sqlite'), logger: logger.child({ component: 'store' }) });
  // Filled in once the server listens: card links in mail need an absolute URL.
  let baseUrl = options.publicUrl?.replace(/\/+$/, '') ?? '';

  const app = createApp({ store, logger: logger.child({ component: 'app' }), ...(options.demo === false ? {} : { router: DEMO_ROUTER }) });
  // Product links in cards must be absolute on WeChat and in mail; relative ones still work in the widget.
  const provider = createDemoCommerceProvider({ store, shopUrl: `${baseUrl}/shop` });
  app
    .use(commercePlugin, { provider, webhookSecret: secrets.commerceWebhookSecret })
    .use(cardsPlugin, { secret: secrets.cardsSecret, ...(options.publicUrl ? { publicUrl: baseUrl } : {}) })
    .use(createBotPlugin({ entries: await loadFaq(), humanTiers: ['vip'] }))
    .use(demoShopPlugin({ provider, widgetSecret: secrets.widgetSecret }));

  const channels = ['web'];
  app.adapter(
    createWebAdapter({
      allowedOrigins: options.allowedOrigins ?? [],
      identitySecret: secrets.widgetSecret,
      uploads: { dir: join(dataDir, 'uploads') },
      ...(options.publicUrl ? { publicUrl: baseUrl } : {}),
    }),
  );
  if (options.wechat?.length) {
    const wechat = createWechatAdapter({ accounts: options.wechat });
    // More accounts through the API (admins): /api/v1/channels/wechat/accounts, kept in the store.
    app.adapter(wechat).use(wechatAdminPlugin(wechat));
    channels.push('wechat');
  }
  if (options.email) {
    app.adapter(
      createEmailAdapter({
        ...options.email,
        // Card buttons in mail become signed links to the cards plugin's action page.
        signActionUrl: (_messageId, action) => `${baseUrl}/cards/action?t=${encodeURIComponent(action.value ?? '')}`,
      }),
    );
    channels.push('email');
  }
  if (options.phone) {
    const phone = createPhoneAdapter(options.phone);
    // More numbers through the API (admins): /api/v1/channels/phone/numbers, kept in the store.
    app.adapter(phone).adapter(phone.sms).use(phoneAdminPlugin(phone));
    channels.push('phone', 'sms');
  }

  const server = createServer({
    app,
    port: options.port ?? 3000,
    host: options.host ?? '127.0.0.1',
    ...(options.publicUrl ? { publicUrl: baseUrl } : {}),
    jwtSecret: secrets.jwtSecret,
    ...(options.apiKey ? { apiKeys: [{ key: options.apiKey, name: 'example-server' }] } : {}),
    static: [
      { prefix: '/console', dir: await buildConsole(), spa: true },
      { prefix: '/shop', dir: SHOP_DIR },
      { prefix: '/', dir: SITE_DIR },
    ],
    logger,
    ...(options.scrypt ? { scrypt: options.scrypt } : {}),
  });

  return {
    app,
    server,
    async start() {
      const { url } = await server.start();
      baseUrl ||= url;
      const logins = options.demo === false ? [] : await seedDemo(app, server, options.demoPassword ? { demoPassword: options.demoPassword } : {});
      const webhooks: Record<string, string> = {};
      for (const account of options.wechat ?? []) webhooks[`wechat:${account.id}`] = `${baseUrl}/webhooks/wechat/${account.id}`;
      if (options.phone) {
        webhooks['phone:voice'] = `${baseUrl}/webhooks/phone/voice`;
        webhooks['phone:status'] = `${baseUrl}/webhooks/phone/status`;
        webhooks['sms:inbound'] = `${baseUrl}/webhooks/sms/inbound`;
      }
      webhooks.commerce = `${baseUrl}/webhooks/commerce`;
      return { url: baseUrl, shopUrl: `${baseUrl}/shop/`, consoleUrl: `${baseUrl}/console/`, logins, channels, webhooks };
    },
    close: () => server.close(),
  };
}
