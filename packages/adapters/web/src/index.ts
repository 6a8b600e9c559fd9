/**
 * @kefu/adapter-web — the web chat channel: a WebSocket gateway for the embeddable widget
 * (origin allowlist, signed shopper identity, rate limit, heartbeat, durable acks, resume by seq)
 * and the widget bundle itself, served at `/widget.js`.
 *
 * @packageDocumentation
 */
export { type WebAdapter, type WebAdapterOptions, type WebTenantConfig, createWebAdapter } from './adapter.js';
export { WebErrorCodes, type WebErrorCode } from './errors.js';
export { type HttpRoute, matchRoute } from './http.js';
export { type IdentityClaims, type VerifiedShopper, signIdentityToken, verifyIdentityToken } from './identity.js';
export * from './protocol.js';
export type { RateLimitOptions } from './rate-limit.js';
export { type UploadOptions, sniffImageType } from './uploads.js';
export type { WidgetAssetOptions } from './widget-asset.js';
export { type WidgetBuild, buildWidget } from './widget-build.js';
