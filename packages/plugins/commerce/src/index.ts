/**
 * @kefu/plugin-commerce — the commerce provider contract, a seeded demo shop, an HTTP provider
 * for a merchant's own systems, signed commerce webhooks and buying-stage classification.
 *
 * @packageDocumentation
 * @module @kefu/plugin-commerce
 */
export * from './demo-provider.js';
export * from './demo-shop.js';
export * from './http-provider.js';
export * from './plugin.js';
export * from './provider.js';
