/**
 * @kefu/adapter-wechat — WeChat Official Accounts (公众号) and WeCom WeChat Customer Service
 * (微信客服) as Kefu channels: verified and decrypted webhooks, the customer-service APIs with
 * their 48-hour / 5-message window, access tokens shared through the store, and card rendering.
 *
 * @packageDocumentation
 */
export * from './adapter.js';
export * from './admin.js';
export * from './api.js';
export * from './cards.js';
export * from './config.js';
export * from './crypto.js';
export * from './errors.js';
export * from './inbound.js';
export * from './window.js';
export * from './xml.js';
