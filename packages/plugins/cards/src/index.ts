/**
 * @kefu/plugin-cards — commerce cards (product, recommendation, order, logistics, coupon,
 * promotion, manual, choices) with signed single-use actions and per-channel fallbacks.
 *
 * @packageDocumentation
 * @module @kefu/plugin-cards
 */
export * from './builders.js';
export * from './plugin.js';
export * from './recommender.js';
export * from './tokens.js';
