/**
 * @kefu/testing — the conformance suites every store and adapter runs, an in-memory test
 * adapter, and a fake clock.
 *
 * @packageDocumentation
 * @module @kefu/testing
 */
export * from './adapter-conformance.js';
export * from './fake-clock.js';
export * from './store-conformance.js';
export * from './test-adapter.js';
