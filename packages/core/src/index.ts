/**
 * @kefu/core — the app, the inbound pipeline, the outbox, the session model, the router, the
 * scheduler, the plugin lifecycle and the contracts every adapter, plugin and store implements.
 *
 * @packageDocumentation
 * @module @kefu/core
 */
export * from './adapter.js';
export * from './app.js';
export * from './business-hours.js';
export * from './clock.js';
export * from './errors.js';
export * from './events.js';
export * from './http.js';
export * from './ids.js';
export * from './keyed-queue.js';
export * from './logger.js';
export * from './managed-entries.js';
export * from './memory-store.js';
export * from './model.js';
export * from './plugin.js';
export * from './render.js';
export * from './router.js';
export * from './scheduler.js';
export * from './status.js';
export * from './store.js';
