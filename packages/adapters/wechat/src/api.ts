import { createHash } from 'node:crypto';
import { type Clock, ErrorCodes, KefuError, type Logger, type Store, isKefuError } from '@kefu/core';
import { WechatErrorCodes } from './errors.js';

/** The Fetch API function the adapter calls WeChat with (injectable for tests and proxies). */
export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

/** Error codes meaning "this access token is not valid": refresh once and retry once. */
export const TOKEN_ERRORS: ReadonlySet<number> = new Set([40001, 40014, 42001]);
/** Error codes worth a retry later (system busy, rate limits). */
export const RETRYABLE_ERRORS: ReadonlySet<number> = new Set([-1, 45009, 45011, 45033, 45035]);

/** What the API client needs to know about an account. */
export interface ApiCredentials {
  /** `official`: `/cgi-bin/token` with appid+secret. `wecom`: `/cgi-bin/gettoken` with corpid+corpsecret. */
  kind: 'official' | 'wecom';
  /** AppID or CorpID. */
  appId: string;
  secret: string;
  apiBaseUrl: string;
}

/** Dependencies of {@link WechatApiClient}. */
export interface ApiClientDeps {
  fetch: FetchLike;
  store: Store;
  clock: Clock;
  logger: Logger;
  /** Refresh this long before the token expires. */
  refreshEarlyMs: number;
  /** Timeout of one HTTP call. */
  timeoutMs: number;
}

interface StoredToken {
  token: string;
  expiresAt: number;
}

/** The answer envelope every WeChat API shares. */
export interface ApiAnswer {
  errcode?: number;
  errmsg?: string;
  [key: string]: unknown;
}

const KV = 'wechat.token';

/**
 * One API client per account: the account's only access-token refresher. The token lives in the
 * store (`kvSet` with its expiry) so every node of a cluster shares it; within a node concurrent
 * callers share one refresh (single-flight). A call that fails with 40001/40014/42001 drops the
 * token, refreshes once and retries once.
 */
export class WechatApiClient {
  readonly #creds: ApiCredentials;
  readonly #deps: ApiClientDeps;
  readonly #tokenKey: string;
  #refreshing: Promise<string> | undefined;
  /** Token fetches so far (observability and tests). */
  tokenFetches = 0;

  constructor(creds: ApiCredentials, deps: ApiClientDeps) {
    this.#creds = creds;
    this.#deps = deps;
    // The secret is part of the key: two WeCom apps of one corp have two tokens.
    const secretHash = createHash('sha1').update(creds.secret).digest('hex').slice(0, 10);
    this.#tokenKey = `${creds.kind}:${creds.appId}:${secretHash}`;
  }

  /** A valid access token: the stored one, or a fresh one when it is missing or about to expire. */
  async token(): Promise<string> {
    const stored = await this.#deps.store.kvGet<StoredToken>(KV, this.#tokenKey);
    if (stored && stored.expiresAt - this.#deps.refreshEarlyMs > this.#deps.clock.now()) return stored.token;
    return this.#refresh();
  }

  #refresh(): Promise<string> {
    this.#refreshing ??= this.#fetchToken().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #fetchToken(): Promise<string> {
    const { kind, appId, secret } = this.#creds;
    const query: Record<string, string> =
      kind === 'official' ? { grant_type: 'client_credential', appid: appId, secret } : { corpid: appId, corpsecret: secret };
    const path = kind === 'official' ? '/cgi-bin/token' : '/cgi-bin/gettoken';
    this.tokenFetches++;
    let answer: ApiAnswer;
    try {
      answer = await this.#http('GET', path, query);
    } catch (error) {
      throw new KefuError(WechatErrorCodes.TOKEN_FAILED, `Could not get an access token for ${appId}: ${(error as Error).message}`, { cause: error, details: { appId } });
    }
    const token = answer['access_token'];
    if (typeof token !== 'string' || !token || (answer.errcode ?? 0) !== 0) {
      throw new KefuError(WechatErrorCodes.TOKEN_FAILED, `WeChat refused an access token for ${appId}: ${answer.errcode} ${answer.errmsg ?? ''}`.trim(), {
        details: { appId, errcode: answer.errcode, errmsg: answer.errmsg },
      });
    }
    const expiresIn = typeof answer['expires_in'] === 'number' ? answer['expires_in'] : 7200;
    const expiresAt = this.#deps.clock.now() + expiresIn * 1000;
    await this.#deps.store.kvSet(KV, this.#tokenKey, { token, expiresAt } satisfies StoredToken, { ttlMs: expiresIn * 1000 });
    return token;
  }

  /** Drops the stored token if it is still `token` (another caller may have refreshed already). */
  async #invalidate(token: string): Promise<void> {
    const stored = await this.#deps.store.kvGet<StoredToken>(KV, this.#tokenKey);
    if (stored?.token === token) await this.#deps.store.kvDelete(KV, this.#tokenKey);
  }

  /**
   * Calls an API with the access token. Resolves with the answer when `errcode` is 0 (or absent);
   * throws `KEFU_WECHAT_API_ERROR` with `details.errcode` otherwise.
   */
  async call(method: 'GET' | 'POST', path: string, body?: unknown, query: Record<string, string> = {}): Promise<ApiAnswer> {
    return this.#withToken((token) => this.#http(method, path, { ...query, access_token: token }, body));
  }

  /** Uploads a temporary media file (`/cgi-bin/media/upload`, field `media`) and answers its `media_id`. */
  async uploadMedia(type: 'image' | 'voice' | 'video' | 'file' | 'thumb', data: Uint8Array, filename: string, contentType: string): Promise<string> {
    const answer = await this.#withToken((token) => {
      const form = new FormData();
      form.append('media', new Blob([data as Uint8Array<ArrayBuffer>], { type: contentType }), filename);
      return this.#http('POST', '/cgi-bin/media/upload', { access_token: token, type }, form);
    });
    const id = answer['media_id'] ?? answer['thumb_media_id'];
    if (typeof id !== 'string') throw new KefuError(WechatErrorCodes.API_ERROR, 'The media upload answered no media_id', { details: { answer } });
    return id;
  }

  async #withToken(run: (token: string) => Promise<ApiAnswer>): Promise<ApiAnswer> {
    const token = await this.token();
    const answer = await run(token);
    if (answer.errcode !== undefined && TOKEN_ERRORS.has(answer.errcode)) {
      this.#deps.logger.warn({ appId: this.#creds.appId, errcode: answer.errcode }, 'access token rejected; refreshing once');
      await this.#invalidate(token);
      const fresh = await this.#refresh();
      return this.#check(await run(fresh));
    }
    return this.#check(answer);
  }

  #check(answer: ApiAnswer): ApiAnswer {
    if (answer.errcode !== undefined && answer.errcode !== 0) {
      throw new KefuError(WechatErrorCodes.API_ERROR, `WeChat API error ${answer.errcode}: ${answer.errmsg ?? ''}`.trim(), {
        details: { errcode: answer.errcode, errmsg: answer.errmsg },
      });
    }
    return answer;
  }

  async #http(method: 'GET' | 'POST', path: string, query: Record<string, string>, body?: unknown): Promise<ApiAnswer> {
    const url = new URL(`${this.#creds.apiBaseUrl.replace(/\/+$/, '')}${path}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const init: RequestInit = { method, signal: AbortSignal.timeout(this.#deps.timeoutMs) };
    if (body instanceof FormData) init.body = body;
    else if (body !== undefined) {
      // WeChat wants UTF-8 JSON with Chinese kept as is (escaped \uXXXX also works, but is longer).
      init.body = JSON.stringify(body);
      init.headers = { 'content-type': 'application/json; charset=utf-8' };
    }
    let response: Response;
    try {
      response = await this.#deps.fetch(url, init);
    } catch (error) {
      throw new KefuError(ErrorCodes.DELIVERY_RETRYABLE, `WeChat API unreachable (${path}): ${(error as Error).message}`, { cause: error, details: { path } });
    }
    if (!response.ok) {
      throw new KefuError(ErrorCodes.DELIVERY_RETRYABLE, `WeChat API answered HTTP ${response.status} (${path})`, { details: { path, status: response.status } });
    }
    try {
      return (await response.json()) as ApiAnswer;
    } catch (error) {
      throw new KefuError(ErrorCodes.DELIVERY_RETRYABLE, `WeChat API answered no JSON (${path})`, { cause: error, details: { path } });
    }
  }
}

/** The WeChat `errcode` of an error thrown by {@link WechatApiClient}, if any. */
export function errcodeOf(error: unknown): number | undefined {
  if (isKefuError(error, WechatErrorCodes.API_ERROR)) {
    const code = error.details?.['errcode'];
    return typeof code === 'number' ? code : undefined;
  }
  return undefined;
}
