/**
 * @kefu/example-server — Kefu composed with embedded defaults and demo data: an SQLite file, the
 * web widget on a demo shop, the agent console, the commerce demo, cards and the bilingual bot,
 * plus WeChat / email / Twilio when configured. `createExampleServer()` is what `pnpm start` runs.
 *
 * @packageDocumentation
 */
export { createExampleServer, SHOP_DIR, type ExampleServer, type ExampleServerInfo } from './server.js';
export { exampleOptionsFromEnv, emailOptionsFromEnv, ExampleErrorCodes, REPO_ROOT, type ExampleEmailOptions, type ExampleServerOptions } from './config.js';
export { DEMO_AGENTS, DEMO_ROUTER, DEMO_TEAMS, seedDemo, type DemoAgent, type DemoLogin, type DemoTeam } from './demo.js';
export { demoShopPlugin, type DemoShopPluginOptions, type ShopProduct } from './shop-plugin.js';
