import { ErrorCodes, KefuError } from '@kefu/core';
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import { PhoneErrorCodes } from './errors.js';

/** The Twilio REST client type of the `twilio` library. */
export type TwilioClient = twilio.Twilio;
/** The HTTP client type the `twilio` library accepts as `httpClient`. */
export type TwilioHttpClient = twilio.RequestClient;

/** Options of {@link createTwilioHttpClient}. */
export interface TwilioHttpClientOptions {
  /**
   * Where the REST API lives, e.g. `http://127.0.0.1:4010` for a local fake or an egress proxy.
   * Every request to `https://*.twilio.com` is sent there with the same path and query.
   */
  apiBase: string;
  /** Request timeout in ms. Default 30 000. */
  timeout?: number;
}

/**
 * A `twilio` HTTP client that sends every API request to `apiBase` instead of
 * `https://api.twilio.com` (the library's `edge`/`region` options cannot name another host).
 * Used for offline tests against a fake Twilio API and for deployments behind an egress proxy.
 */
export function createTwilioHttpClient(options: TwilioHttpClientOptions): TwilioHttpClient {
  const base = new URL(options.apiBase);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new KefuError(PhoneErrorCodes.CONFIG_INVALID, `apiBase must be an http(s) URL (got "${options.apiBase}")`);
  const prefix = base.pathname.replace(/\/$/, '');
  class RewritingRequestClient extends twilio.RequestClient {
    override request<TData>(opts: RequestClient.RequestOptions<TData>) {
      const target = new URL(opts.uri);
      const uri = `${base.protocol}//${base.host}${prefix}${target.pathname}${target.search}`;
      return super.request<TData>({ ...opts, uri });
    }
  }
  // keepAlive off: a test's fake server closes cleanly, and a proxy sees one request per socket.
  return new RewritingRequestClient({ keepAlive: false, ...(options.timeout ? { timeout: options.timeout } : {}) });
}

/** Credentials and transport of the Twilio REST client. */
export interface TwilioClientOptions {
  accountSid: string;
  authToken: string;
  /** A ready client (tests, shared clients). Wins over the fields below. */
  client?: TwilioClient;
  /** A custom HTTP client for the library. */
  httpClient?: TwilioHttpClient;
  /** Send REST calls to this base URL instead of api.twilio.com ({@link createTwilioHttpClient}). */
  apiBase?: string;
}

/** Builds the `twilio` REST client from options. */
export function createTwilioClient(options: TwilioClientOptions): TwilioClient {
  if (options.client) return options.client;
  const httpClient = options.httpClient ?? (options.apiBase ? createTwilioHttpClient({ apiBase: options.apiBase }) : undefined);
  return twilio(options.accountSid, options.authToken, { ...(httpClient ? { httpClient } : {}), autoRetry: false });
}

/** The form parameters of a verified webhook. Repeated names keep the last value in `params`. */
export interface TwilioRequest {
  params: Record<string, string>;
  /** The path below the adapter's webhook base path, e.g. `/voice`. */
  route: string;
  query: URLSearchParams;
}

/** A coded error answered as an HTTP status. */
export class WebhookError extends KefuError {
  readonly status: number;
  constructor(status: number, code: string, message: string, details?: Record<string, unknown>) {
    super(code, message, details ? { details } : {});
    this.status = status;
  }
}

/** Builds the coded HTTP answer of a webhook error. */
export function errorResponse(error: WebhookError): Response {
  return new Response(JSON.stringify({ error: error.toJSON() }), { status: error.status, headers: { 'content-type': 'application/json; charset=utf-8' } });
}

async function readBody(request: Request, maxBytes: number): Promise<string> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw new WebhookError(413, PhoneErrorCodes.PAYLOAD_TOO_LARGE, `The webhook body is larger than ${maxBytes} bytes`);
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new WebhookError(413, PhoneErrorCodes.PAYLOAD_TOO_LARGE, `The webhook body is larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Reads and verifies one Twilio webhook. The signed URL is rebuilt from the configured public
 * base URL plus the request's path and query, so it holds behind proxies that rewrite the host
 * or scheme. Nothing else is looked at before the signature checks out.
 */
export async function verifyTwilioRequest(
  request: Request,
  options: { authToken: string; publicUrl: string; basePath: string; maxBodyBytes: number },
): Promise<TwilioRequest> {
  if (request.method !== 'POST') throw new WebhookError(405, PhoneErrorCodes.BAD_REQUEST, `Twilio webhooks are POSTed (got ${request.method})`);
  const body = await readBody(request, options.maxBodyBytes);
  const signature = request.headers.get('x-twilio-signature');
  if (!signature) throw new WebhookError(403, PhoneErrorCodes.SIGNATURE_INVALID, 'The request has no X-Twilio-Signature header');
  const url = new URL(request.url);
  const signedUrl = options.publicUrl.replace(/\/+$/, '') + url.pathname + url.search;
  const form = new URLSearchParams(body);
  const signed: Record<string, string | string[]> = {};
  for (const [name, value] of form) {
    const prior = signed[name];
    signed[name] = prior === undefined ? value : Array.isArray(prior) ? [...prior, value] : [prior, value];
  }
  if (!twilio.validateRequest(options.authToken, signature, signedUrl, signed)) {
    throw new WebhookError(403, PhoneErrorCodes.SIGNATURE_INVALID, 'The X-Twilio-Signature does not match this URL and body');
  }
  const type = request.headers.get('content-type') ?? '';
  if (body !== '' && !type.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    throw new WebhookError(400, PhoneErrorCodes.BAD_REQUEST, `Expected a form body (got "${type}")`);
  }
  const params: Record<string, string> = {};
  for (const [name, value] of form) params[name] = value;
  const route = url.pathname.startsWith(options.basePath) ? url.pathname.slice(options.basePath.length) || '/' : url.pathname;
  return { params, route, query: url.searchParams };
}

/** Throws `KEFU_PHONE_BAD_REQUEST` (400) unless every named parameter is present and non-empty. */
export function requireParams(params: Record<string, string>, names: readonly string[]): void {
  const missing = names.filter((n) => !params[n]);
  if (missing.length) throw new WebhookError(400, PhoneErrorCodes.BAD_REQUEST, `Missing parameters: ${missing.join(', ')}`, { missing });
}

/** A TwiML (or other XML) answer. */
export function xmlResponse(xml: string): Response {
  return new Response(xml, { status: 200, headers: { 'content-type': 'text/xml; charset=utf-8' } });
}

/** What a Twilio REST error says, whatever threw it. */
export interface TwilioFailure {
  /** Twilio's error code (21211 invalid number, 20429 too many requests, ...), when it gave one. */
  twilioCode?: number;
  status?: number;
  message: string;
  retryable: boolean;
}

const PERMANENT_CODES = new Set([21211, 21212, 21214, 21217, 21401, 21407, 21408, 21421, 21606, 21610, 21612, 21614, 21660]);

/** Classifies an error from the `twilio` library: rate limits, 5xx and network errors may pass. */
export function describeTwilioError(error: unknown): TwilioFailure {
  const e = error as { code?: unknown; status?: unknown; message?: unknown };
  const twilioCode = typeof e?.code === 'number' ? e.code : undefined;
  const status = typeof e?.status === 'number' ? e.status : undefined;
  const message = typeof e?.message === 'string' ? e.message : String(error);
  if (twilioCode !== undefined && PERMANENT_CODES.has(twilioCode)) return { twilioCode, ...(status ? { status } : {}), message, retryable: false };
  const retryable = status === undefined || status === 429 || status >= 500 || twilioCode === 20429;
  return { ...(twilioCode !== undefined ? { twilioCode } : {}), ...(status !== undefined ? { status } : {}), message, retryable };
}

/** Maps a failed send to the outbox's retry contract. */
export function toDeliveryError(error: unknown, what: string): KefuError {
  const f = describeTwilioError(error);
  const text = `${what} failed${f.twilioCode ? ` (Twilio ${f.twilioCode})` : f.status ? ` (HTTP ${f.status})` : ''}: ${f.message}`;
  return new KefuError(f.retryable ? ErrorCodes.DELIVERY_RETRYABLE : ErrorCodes.DELIVERY_FAILED, text, {
    cause: error,
    details: { ...(f.twilioCode ? { twilioCode: f.twilioCode } : {}), ...(f.status ? { status: f.status } : {}) },
  });
}

/** True for an E.164 number (`+` and 8–15 digits). */
export function isE164(value: string): boolean {
  return /^\+[1-9]\d{6,14}$/.test(value);
}
