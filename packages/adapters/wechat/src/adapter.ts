import { createHash, randomBytes } from 'node:crypto';
import {
  type Adapter,
  type AdapterCapabilities,
  type AdapterContext,
  type Card,
  type Conversation,
  type ConversationStatus,
  DEFAULT_TENANT,
  ErrorCodes,
  type InboundEnvelope,
  KefuError,
  type OutboundMessage,
  type Part,
  type ReceiveResult,
  type SendResult,
  cardToText,
  isKefuError,
  partToText,
} from '@kefu/core';
import { type FetchLike, RETRYABLE_ERRORS, WechatApiClient, errcodeOf } from './api.js';
import { type CardPlan, planCard } from './cards.js';
import {
  OFFICIAL_API_BASE_URL,
  type OfficialAccountConfig,
  WECOM_API_BASE_URL,
  WECOM_STATE_MAPS,
  type WechatAccountConfig,
  type WecomKfAccountConfig,
  type WecomServiceState,
  validateAccount,
} from './config.js';
import { WechatCipher, signatureEquals, wechatSignature } from './crypto.js';
import { WechatErrorCodes } from './errors.js';
import { type InboundItem, type KfMessage, type MenuChoice, normalizeKf, normalizeOfficial } from './inbound.js';
import { EVENT_WINDOW, MESSAGE_WINDOW, ServiceWindows } from './window.js';
import { assertNoDeclarations, extractEncrypt, field, parseWechatXml } from './xml.js';

declare module '@kefu/core' {
  interface KefuEvents {
    /** A send to a WeChat user found the 48 h / 5-message window closed (and no template fallback applied). */
    'wechat.window_closed': { conversation: Conversation; messageId: string; accountId: string; errcode?: number };
  }
}

/** Options of {@link createWechatAdapter}. */
export interface WechatAdapterOptions {
  /** The channel name. Default `wechat`. Create a second adapter with `wecom` to route the products apart. */
  channel?: string;
  /** The accounts served; more can be added with `addAccount()`. */
  accounts?: WechatAccountConfig[];
  /** The fetch used for every API call and media download. Default: global `fetch`. */
  fetch?: FetchLike;
  /** Largest webhook body accepted. Default 64 KiB (WeChat messages are a few KiB). */
  maxBodyBytes?: number;
  /** How far a webhook's `timestamp` may be from now. Default 5 minutes. */
  timestampToleranceMs?: number;
  /**
   * How long a webhook waits for the message to be stored before answering. Default 4 s (WeChat
   * gives up after 5 s and retries; the retry is deduplicated). On timeout the answer is 503.
   */
  ackTimeoutMs?: number;
  /** Timeout of one API call. Default 10 s. */
  apiTimeoutMs?: number;
  /** Refresh an access token this long before it expires. Default 5 minutes. */
  tokenRefreshEarlyMs?: number;
  /** Largest image uploaded as media. Default 2 MiB (the WeCom limit; Official Accounts take 10 MiB). */
  maxMediaBytes?: number;
  /** Longest wait for the UnionID look-up on a first message. Default 1.5 s. */
  unionIdTimeoutMs?: number;
}

/** The WeChat adapter: a Kefu {@link Adapter} plus account management and a few operations. */
export interface WechatAdapter extends Adapter {
  /**
   * Handles `GET` (URL verification) and `POST` (messages) for every account. Mount it under
   * `/webhooks/<channel>/<accountId>`: the last path segment names the account.
   */
  handleWebhook(request: Request): Promise<Response>;
  /** Adds an account (also after start). Throws `KEFU_INVALID_INPUT` or `KEFU_DUPLICATE_REGISTRATION`. */
  addAccount(account: WechatAccountConfig): void;
  /** Removes an account; its conversations stay. True when one was removed. */
  removeAccount(accountId: string): boolean;
  readonly accounts: readonly WechatAccountConfig[];
  /** The API client (token holder) of a started account. */
  api(accountId: string): WechatApiClient;
  /** Pulls a WeCom kf account's new messages now (what a `kf_msg_or_event` callback triggers). Answers how many were handled. */
  syncKf(accountId: string, openKfId: string, callbackToken?: string): Promise<number>;
  /** Resolves when background work (pulls, welcome messages, state changes) is done. */
  idle(): Promise<void>;
}

interface Runtime {
  config: WechatAccountConfig;
  tenantId: string;
  cipher: WechatCipher | undefined;
  api: WechatApiClient;
}

type Unit = { type: 'text'; text: string } | { type: 'image'; url: string; mediaId?: string } | { type: 'card'; card: Card; plan: CardPlan };

interface Progress {
  done: number;
  ids: string[];
}

const MAX_TEXT_BYTES = 2000;
const WINDOW_ERRORS = new Set([45015, 45047, 95018]);

const httpStatusOf = (code: string): number => {
  switch (code) {
    case WechatErrorCodes.SIGNATURE_INVALID:
    case WechatErrorCodes.TIMESTAMP_STALE:
    case WechatErrorCodes.RECEIVER_MISMATCH:
      return 401;
    case WechatErrorCodes.DECRYPT_FAILED:
    case WechatErrorCodes.XML_INVALID:
    case WechatErrorCodes.XML_FORBIDDEN:
    case ErrorCodes.INVALID_INPUT:
      return 400;
    case WechatErrorCodes.BODY_TOO_LARGE:
      return 413;
    case WechatErrorCodes.UNKNOWN_ACCOUNT:
      return 404;
    case ErrorCodes.NOT_STARTED:
      return 503;
    default:
      return 500;
  }
};

const errorResponse = (status: number, code: string, message: string) =>
  new Response(JSON.stringify({ error: { code, message } }), { status, headers: { 'content-type': 'application/json; charset=utf-8' } });

const textResponse = (body: string) => new Response(body, { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' } });

/** Splits text into pieces of at most `max` UTF-8 bytes, on code point boundaries. */
export function splitUtf8(text: string, max: number = MAX_TEXT_BYTES): string[] {
  if (Buffer.byteLength(text) <= max) return [text];
  const out: string[] = [];
  let current = '';
  let size = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch);
    if (size + n > max) {
      out.push(current);
      current = '';
      size = 0;
    }
    current += ch;
    size += n;
  }
  if (current) out.push(current);
  return out;
}

async function readBody(request: Request, max: number): Promise<string> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > max) throw new KefuError(WechatErrorCodes.BODY_TOO_LARGE, `The body exceeds ${max} bytes`, { details: { max } });
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      throw new KefuError(WechatErrorCodes.BODY_TOO_LARGE, `The body exceeds ${max} bytes`, { details: { max } });
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const windowClosed = (accountId: string, errcode?: number, cause?: unknown) =>
  new KefuError(WechatErrorCodes.WINDOW_CLOSED, `The customer-service window to this user is closed${errcode ? ` (WeChat ${errcode})` : ''}: they must write first`, {
    ...(cause ? { cause } : {}),
    details: { accountId, ...(errcode ? { errcode } : {}) },
  });

/**
 * Creates the WeChat adapter: Official Accounts (公众号) and WeCom WeChat Customer Service
 * (微信客服) accounts on one channel, each account on its own webhook path.
 *
 * @example
 * const wechat = createWechatAdapter({ accounts: wechatAccountsFromEnv(process.env) })
 * app.adapter(wechat)
 * // server: POST|GET /webhooks/wechat/:accountId → wechat.handleWebhook(request)
 */
export function createWechatAdapter(options: WechatAdapterOptions = {}): WechatAdapter {
  const channel = options.channel ?? 'wechat';
  const fetchImpl: FetchLike = options.fetch ?? ((input, init) => fetch(input, init));
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;
  const toleranceMs = options.timestampToleranceMs ?? 5 * 60_000;
  const ackTimeoutMs = options.ackTimeoutMs ?? 4000;
  const maxMediaBytes = options.maxMediaBytes ?? 2 * 1024 * 1024;
  const unionIdTimeoutMs = options.unionIdTimeoutMs ?? 1500;
  const configs = new Map<string, WechatAccountConfig>();
  const runtimes = new Map<string, Runtime>();
  const tasks = new Set<Promise<unknown>>();
  const syncs = new Map<string, { running: Promise<number>; again?: string | null }>();
  let ctx: AdapterContext | undefined;
  let windows: ServiceWindows | undefined;
  let unsubscribe: Array<() => void> = [];

  for (const account of options.accounts ?? []) addAccount(account);

  function addAccount(account: WechatAccountConfig): void {
    validateAccount(account);
    if (configs.has(account.id)) throw new KefuError(ErrorCodes.DUPLICATE_REGISTRATION, `WeChat account "${account.id}" is configured twice`, { details: { accountId: account.id } });
    configs.set(account.id, account);
    if (ctx) runtimes.set(account.id, buildRuntime(account, ctx));
  }

  function buildRuntime(config: WechatAccountConfig, context: AdapterContext): Runtime {
    const official = config.kind === 'official';
    const api = new WechatApiClient(
      {
        kind: config.kind,
        appId: official ? config.appId : config.corpId,
        secret: official ? config.appSecret : config.secret,
        apiBaseUrl: config.apiBaseUrl ?? (official ? OFFICIAL_API_BASE_URL : WECOM_API_BASE_URL),
      },
      { fetch: fetchImpl, store: context.store, clock: context.clock, logger: context.logger.child({ wechatAccount: config.id }), refreshEarlyMs: options.tokenRefreshEarlyMs ?? 5 * 60_000, timeoutMs: options.apiTimeoutMs ?? 10_000 },
    );
    const cipher = config.encodingAesKey ? new WechatCipher(config.encodingAesKey, official ? config.appId : config.corpId) : undefined;
    return { config, tenantId: config.tenantId ?? DEFAULT_TENANT, cipher, api };
  }

  function track<T>(promise: Promise<T>, source: string): Promise<T> {
    const guarded = promise.catch((error) => {
      reportError(error, source);
      return undefined;
    });
    tasks.add(guarded);
    void guarded.finally(() => tasks.delete(guarded));
    return promise;
  }

  function reportError(error: unknown, source: string): void {
    if (!ctx) return;
    ctx.logger.error({ err: error, source }, 'wechat background work failed');
    ctx.app.emit('error', { error, source: `wechat:${source}` });
  }

  function live(): AdapterContext {
    if (!ctx) throw new KefuError(ErrorCodes.NOT_STARTED, 'The WeChat adapter is not started');
    return ctx;
  }

  function runtimeOf(accountId: string): Runtime {
    const rt = runtimes.get(accountId);
    if (!rt) throw new KefuError(WechatErrorCodes.UNKNOWN_ACCOUNT, `No WeChat account "${accountId}"`, { details: { accountId } });
    return rt;
  }

  function resolveAccount(url: URL): Runtime | undefined {
    const segments = url.pathname.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
    const last = segments[segments.length - 1];
    if (last && runtimes.has(last)) return runtimes.get(last);
    // A single account may also be mounted at /webhooks/<channel> itself.
    if (runtimes.size === 1 && (last === channel || last === undefined)) return [...runtimes.values()][0];
    return undefined;
  }

  function checkFresh(timestamp: string): void {
    const ts = Number(timestamp);
    const now = live().clock.now();
    if (!Number.isFinite(ts) || Math.abs(now - ts * 1000) > toleranceMs) {
      throw new KefuError(WechatErrorCodes.TIMESTAMP_STALE, `The request timestamp is outside the ${toleranceMs / 1000} s window`, { details: { timestamp } });
    }
  }

  const menuKey = (accountId: string, menuId: string) => `${accountId}:${menuId}`;
  const lookupFor = (accountId: string) => async (menuId: string) => live().store.kvGet<MenuChoice>('wechat.menu', menuKey(accountId, menuId));

  /** Hands an envelope to the pipeline; resolves as soon as it is stored. */
  function receiveDurable(envelope: InboundEnvelope): Promise<ReceiveResult> {
    const context = live();
    return new Promise<ReceiveResult>((resolve, reject) => {
      track(context.receive(envelope, { onDurable: resolve }).then(resolve, reject), 'receive');
    });
  }

  async function unionIdOf(rt: Runtime, openid: string): Promise<string | undefined> {
    const config = rt.config as OfficialAccountConfig;
    if (config.resolveUnionId === false) return undefined;
    const store = live().store;
    const key = `${config.appId}:${openid}`;
    const cached = await store.kvGet<{ unionid: string | null }>('wechat.unionid', key);
    if (cached) return cached.unionid ?? undefined;
    try {
      const lookup = rt.api.call('GET', '/cgi-bin/user/info', undefined, { openid, lang: 'zh_CN' });
      const answer = await withTimeoutOf(lookup, unionIdTimeoutMs);
      if (!answer) return undefined;
      const unionid = typeof answer['unionid'] === 'string' ? answer['unionid'] : null;
      await store.kvSet('wechat.unionid', key, { unionid }, { ttlMs: 24 * 3600_000 });
      return unionid ?? undefined;
    } catch (error) {
      live().logger.warn({ err: error, accountId: config.id }, 'UnionID look-up failed; continuing without it');
      return undefined;
    }
  }

  /** Resolves with `undefined` when `promise` takes longer than `ms`. */
  function withTimeoutOf<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
    const clock = live().clock;
    return new Promise((resolve, reject) => {
      const timer = clock.setTimeout(() => resolve(undefined), ms);
      promise.then(
        (v) => (clock.clearTimeout(timer), resolve(v)),
        (e) => (clock.clearTimeout(timer), reject(e)),
      );
    });
  }

  async function openWindow(item: Extract<InboundItem, { kind: 'message' }>, address: string): Promise<void> {
    if (!item.opensWindow || !windows) return;
    await windows.open(address, item.at, item.opensWindow === 'message' ? MESSAGE_WINDOW : EVENT_WINDOW, item.envelope.externalId ?? String(item.at));
  }

  // Official Account webhook

  async function officialWebhook(rt: Runtime, request: Request, url: URL): Promise<Response> {
    const config = rt.config as OfficialAccountConfig;
    const q = url.searchParams;
    const timestamp = q.get('timestamp') ?? '';
    const nonce = q.get('nonce') ?? '';
    if (!timestamp || !nonce || !signatureEquals(wechatSignature(config.token, timestamp, nonce), q.get('signature'))) {
      throw new KefuError(WechatErrorCodes.SIGNATURE_INVALID, 'The signature does not match this account\'s token');
    }
    if (request.method === 'GET') return textResponse(q.get('echostr') ?? '');
    checkFresh(timestamp);
    const raw = await readBody(request, maxBodyBytes);
    assertNoDeclarations(raw);
    const mode = config.mode ?? (config.encodingAesKey ? 'safe' : 'plain');
    let xmlText: string;
    if (q.get('encrypt_type') === 'aes') {
      if (!rt.cipher || mode === 'plain') throw new KefuError(ErrorCodes.INVALID_INPUT, 'An encrypted message reached an account without an EncodingAESKey');
      const encrypted = extractEncrypt(raw);
      if (!encrypted) throw new KefuError(WechatErrorCodes.XML_INVALID, 'The encrypted envelope has no <Encrypt> value');
      if (!signatureEquals(wechatSignature(config.token, timestamp, nonce, encrypted), q.get('msg_signature'))) {
        throw new KefuError(WechatErrorCodes.SIGNATURE_INVALID, 'The msg_signature does not match this message');
      }
      xmlText = rt.cipher.decrypt(encrypted);
    } else {
      if (mode === 'safe') throw new KefuError(WechatErrorCodes.SIGNATURE_INVALID, 'This account accepts encrypted (safe mode) messages only');
      xmlText = raw;
    }
    const xml = parseWechatXml(xmlText);
    if (config.originalId && field(xml, 'ToUserName') !== config.originalId) {
      throw new KefuError(WechatErrorCodes.RECEIVER_MISMATCH, 'The message is addressed to another account', { details: { toUserName: field(xml, 'ToUserName') } });
    }
    const item = await normalizeOfficial({ id: config.id, tenantId: rt.tenantId, channel }, xml, lookupFor(config.id));
    if (item.kind === 'ignore') return textResponse('success');
    if (item.kind === 'template-report') {
      await templateReport(rt, item.msgId, item.status);
      return textResponse('success');
    }
    const event = item.envelope.parts[0]?.type === 'event' ? item.envelope.parts[0].name : undefined;
    if (event !== 'wechat.unsubscribe') {
      const unionid = await unionIdOf(rt, item.userId);
      if (unionid) item.envelope.sender.identifiers = [{ kind: 'unionid', value: unionid }];
    }
    await openWindow(item, item.envelope.address);
    const stored = await withTimeoutOf(receiveDurable(item.envelope), ackTimeoutMs).catch((error) => {
      reportError(error, 'receive');
      return undefined;
    });
    // Not stored in time: no `success`, so WeChat retries and the retry is deduplicated.
    if (!stored) return errorResponse(503, ErrorCodes.STORE_FAILED, 'The message could not be stored in time');
    return textResponse('success');
  }

  async function templateReport(rt: Runtime, msgId: string, status: string): Promise<void> {
    const context = live();
    const messageId = await context.store.kvGet<string>('wechat.template', `${rt.config.id}:${msgId}`);
    if (!messageId) return;
    if (status === 'success') await context.reportDelivery(messageId, 'delivered');
    else await context.reportDelivery(messageId, 'failed', { code: ErrorCodes.DELIVERY_FAILED, message: `Template message ${status}` });
  }

  // WeCom kf webhook

  async function wecomWebhook(rt: Runtime, request: Request, url: URL): Promise<Response> {
    const config = rt.config as WecomKfAccountConfig;
    const cipher = rt.cipher!;
    const q = url.searchParams;
    const timestamp = q.get('timestamp') ?? '';
    const nonce = q.get('nonce') ?? '';
    const signature = q.get('msg_signature');
    if (request.method === 'GET') {
      const echostr = q.get('echostr') ?? '';
      if (!timestamp || !nonce || !echostr || !signatureEquals(wechatSignature(config.token, timestamp, nonce, echostr), signature)) {
        throw new KefuError(WechatErrorCodes.SIGNATURE_INVALID, 'The msg_signature does not match');
      }
      return textResponse(cipher.decrypt(echostr));
    }
    if (!timestamp || !nonce) throw new KefuError(WechatErrorCodes.SIGNATURE_INVALID, 'The request is not signed');
    checkFresh(timestamp);
    const raw = await readBody(request, maxBodyBytes);
    assertNoDeclarations(raw);
    const encrypted = extractEncrypt(raw);
    if (!encrypted) throw new KefuError(WechatErrorCodes.XML_INVALID, 'The callback has no <Encrypt> value');
    if (!signatureEquals(wechatSignature(config.token, timestamp, nonce, encrypted), signature)) {
      throw new KefuError(WechatErrorCodes.SIGNATURE_INVALID, 'The msg_signature does not match this message');
    }
    const xml = parseWechatXml(cipher.decrypt(encrypted));
    if (field(xml, 'Event') === 'kf_msg_or_event') {
      const openKfId = field(xml, 'OpenKfId');
      const token = field(xml, 'Token');
      if (openKfId && (!config.openKfIds || config.openKfIds.includes(openKfId))) {
        // Acknowledge at once; the messages are pulled (and stored) in the background.
        track(syncKf(config.id, openKfId, token), 'sync_msg');
      }
    }
    return textResponse('success');
  }

  function syncKf(accountId: string, openKfId: string, callbackToken?: string): Promise<number> {
    const key = `${accountId}:${openKfId}`;
    const running = syncs.get(key);
    if (running) {
      // A pull is under way: run once more after it with the newest callback token.
      running.again = callbackToken ?? null;
      return running.running;
    }
    const entry: { running: Promise<number>; again?: string | null } = { running: Promise.resolve(0) };
    entry.running = (async () => {
      let total = 0;
      let token: string | undefined = callbackToken;
      try {
        for (;;) {
          total += await pullKf(runtimeOf(accountId), openKfId, token);
          if (entry.again === undefined) break;
          token = entry.again ?? undefined;
          delete entry.again;
        }
      } finally {
        syncs.delete(key);
      }
      return total;
    })();
    syncs.set(key, entry);
    return entry.running;
  }

  async function pullKf(rt: Runtime, openKfId: string, token: string | undefined): Promise<number> {
    const store = live().store;
    const cursorKey = `${rt.config.id}:${openKfId}`;
    let cursor = await store.kvGet<string>('wecom.cursor', cursorKey);
    let handled = 0;
    for (let page = 0; page < 1000; page++) {
      const answer = await rt.api.call('POST', '/cgi-bin/kf/sync_msg', { ...(cursor ? { cursor } : {}), ...(token ? { token } : {}), limit: 1000, open_kfid: openKfId });
      const list = Array.isArray(answer['msg_list']) ? (answer['msg_list'] as KfMessage[]) : [];
      for (const m of list) {
        await handleKfMessage(rt, m);
        handled++;
      }
      // The cursor moves only after the page is stored: a crash re-pulls it, and msgid dedupes.
      const next = answer['next_cursor'];
      if (typeof next === 'string' && next) {
        cursor = next;
        await store.kvSet('wecom.cursor', cursorKey, cursor);
      }
      if (!answer['has_more']) break;
    }
    return handled;
  }

  async function handleKfMessage(rt: Runtime, m: KfMessage): Promise<void> {
    const context = live();
    const config = rt.config as WecomKfAccountConfig;
    if (m.origin === 5) return; // written by a servicer in the WeCom client: not mirrored (see README).
    if (m.msgtype === 'event' && m.event) {
      const kind = m.event.event_type;
      if (kind === 'msg_send_fail') return kfSendFailed(rt, m);
      if (kind === 'session_status_change') return kfSessionChanged(rt, m);
      if (kind !== 'enter_session') return;
    }
    const item = await normalizeKf({ id: config.id, tenantId: rt.tenantId, channel }, m, lookupFor(config.id));
    if (item.kind !== 'message') return;
    await openWindow(item, item.envelope.address);
    const welcome = m.event?.event_type === 'enter_session' ? m.event.welcome_code : undefined;
    if (welcome) await context.store.kvSet('wecom.welcome', item.envelope.address, welcome, { ttlMs: 20_000 });
    const result = await receiveDurable(item.envelope);
    if (welcome && config.welcomeText && !result.duplicate) {
      track(context.app.send(result.conversation.id, config.welcomeText, { author: { role: 'bot', id: 'wechat-welcome' }, tenantId: rt.tenantId }), 'welcome');
    }
  }

  async function kfSendFailed(rt: Runtime, m: KfMessage): Promise<void> {
    const context = live();
    const failId = m.event?.fail_msgid;
    if (!failId) return;
    const messageId = await context.store.kvGet<string>('wecom.sent', `${rt.config.id}:${failId}`);
    const failType = m.event?.fail_type;
    const user = m.event?.external_userid ?? m.external_userid;
    const kfid = m.event?.open_kfid ?? m.open_kfid;
    // 4: past 48 h, 6: over 5 messages — the window is closed whatever we counted.
    if ((failType === 4 || failType === 6) && user && kfid && windows) await windows.close(`${rt.config.id}:${kfid}:${user}`);
    if (!messageId) return;
    const code = failType === 4 || failType === 6 ? WechatErrorCodes.WINDOW_CLOSED : ErrorCodes.DELIVERY_FAILED;
    await context.reportDelivery(messageId, 'failed', { code, message: `WeCom could not deliver the message (fail_type ${failType})` });
  }

  async function kfSessionChanged(rt: Runtime, m: KfMessage): Promise<void> {
    const context = live();
    const user = m.event?.external_userid ?? m.external_userid;
    const kfid = m.event?.open_kfid ?? m.open_kfid;
    if (!user || !kfid) return;
    const address = `${rt.config.id}:${kfid}:${user}`;
    if (m.event?.change_type !== 3) {
      context.logger.info({ address, changeType: m.event?.change_type }, 'WeCom session changed in the WeCom client');
      return;
    }
    // Ended in WeCom: close in Kefu without telling WeCom again.
    await context.store.kvSet('wecom.state', address, 4, { ttlMs: 48 * 3600_000 });
    const open = await context.store.findOpenConversation(rt.tenantId, channel, address);
    if (open) await context.app.conversations.close(open.id, { reason: 'wecom-session-ended', tenantId: rt.tenantId });
  }

  // WeCom service state mirroring

  async function mirrorState(conversation: Conversation, status: ConversationStatus, agentId?: string): Promise<void> {
    if (conversation.channel !== channel) return;
    const accountId = conversation.address.split(':')[0] ?? '';
    const rt = runtimes.get(accountId);
    if (!rt || rt.config.kind !== 'wecom') return;
    const [, openKfId, externalUserId] = conversation.address.split(':');
    if (!openKfId || !externalUserId) return;
    const config = rt.config;
    const table = typeof config.serviceStates === 'object' ? { ...WECOM_STATE_MAPS.api, ...config.serviceStates } : WECOM_STATE_MAPS[config.serviceStates ?? 'api'];
    const state = table[status] as WecomServiceState | null | undefined;
    if (state === null || state === undefined) return;
    const context = live();
    const last = await context.store.kvGet<number>('wecom.state', conversation.address);
    if (last === state) return;
    const body: Record<string, unknown> = { open_kfid: openKfId, external_userid: externalUserId, service_state: state };
    if (state === 3) {
      const assignee = agentId ?? conversation.assigneeId;
      const servicer = assignee ? await servicerOf(config, assignee, conversation.tenantId) : undefined;
      if (!servicer) {
        context.logger.warn({ conversationId: conversation.id, agentId: assignee }, 'no WeCom userid for the agent; service state left unchanged');
        return;
      }
      body['servicer_userid'] = servicer;
    }
    await rt.api.call('POST', '/cgi-bin/kf/service_state/trans', body);
    await context.store.kvSet('wecom.state', conversation.address, state, { ttlMs: 48 * 3600_000 });
  }

  async function servicerOf(config: WecomKfAccountConfig, agentId: string, tenantId: string): Promise<string | undefined> {
    if (config.servicerUserId) return config.servicerUserId(agentId, tenantId);
    const agent = await live().store.getAgent(tenantId, agentId);
    const id = agent?.attributes['wecomUserId'];
    return typeof id === 'string' ? id : undefined;
  }

  // Outbound

  function unitsOf(parts: readonly Part[]): Unit[] {
    const units: Unit[] = [];
    for (const part of parts) {
      if (part.type === 'text') for (const text of splitUtf8(part.text)) units.push({ type: 'text', text });
      else if (part.type === 'image') units.push({ type: 'image', url: part.url, ...(part.mediaId ? { mediaId: part.mediaId } : {}) });
      else if (part.type === 'card') units.push({ type: 'card', card: part.card, plan: planCard(part.card) });
      else {
        const text = partToText(part);
        if (text) for (const t of splitUtf8(text)) units.push({ type: 'text', text: t });
      }
    }
    return units;
  }

  async function uploadFromUrl(rt: Runtime, url: string): Promise<string> {
    const store = live().store;
    const key = `${rt.config.id}:${createHash('sha1').update(url).digest('hex')}`;
    const cached = await store.kvGet<string>('wechat.media', key);
    if (cached) return cached;
    let response: Response;
    try {
      response = await fetchImpl(url, { signal: AbortSignal.timeout(options.apiTimeoutMs ?? 10_000) });
    } catch (error) {
      throw new KefuError(ErrorCodes.DELIVERY_RETRYABLE, `Could not download ${url}`, { cause: error });
    }
    if (!response.ok) throw new KefuError(ErrorCodes.DELIVERY_FAILED, `Downloading ${url} answered HTTP ${response.status}`);
    if (Number(response.headers.get('content-length') ?? '0') > maxMediaBytes) {
      throw new KefuError(WechatErrorCodes.MEDIA_TOO_LARGE, `The image is larger than ${maxMediaBytes} bytes`, { details: { url, max: maxMediaBytes } });
    }
    const data = new Uint8Array(await response.arrayBuffer());
    if (data.byteLength > maxMediaBytes) throw new KefuError(WechatErrorCodes.MEDIA_TOO_LARGE, `The image is larger than ${maxMediaBytes} bytes`, { details: { url, max: maxMediaBytes } });
    const contentType = response.headers.get('content-type')?.split(';')[0] ?? 'image/jpeg';
    const name = decodeURIComponent(new URL(url).pathname.split('/').pop() || 'image') || 'image';
    const filename = /\.[a-z0-9]+$/i.test(name) ? name : `${name}.${contentType.split('/')[1] ?? 'jpg'}`;
    const mediaId = await rt.api.uploadMedia('image', data, filename, contentType);
    // Temporary media lives 3 days; keep it a little less.
    await store.kvSet('wechat.media', key, mediaId, { ttlMs: 60 * 3600_000 });
    return mediaId;
  }

  async function registerChoice(rt: Runtime, messageId: string, action: { id: string; label: string; value?: string }): Promise<string> {
    const menuId = randomBytes(8).toString('hex');
    const choice: MenuChoice = { messageId, actionId: action.id, label: action.label, ...(action.value !== undefined ? { value: action.value } : {}) };
    await live().store.kvSet('wechat.menu', menuKey(rt.config.id, menuId), choice, { ttlMs: 7 * 24 * 3600_000 });
    return menuId;
  }

  /** The JSON body (without recipient fields) of one unit for the account's product. */
  async function payloadOf(rt: Runtime, unit: Unit, messageId: string): Promise<Record<string, unknown>> {
    const wecom = rt.config.kind === 'wecom';
    const text = (content: string) => ({ msgtype: 'text', text: { content } });
    if (unit.type === 'text') return text(unit.text);
    if (unit.type === 'image') return { msgtype: 'image', image: { media_id: unit.mediaId ?? (await uploadFromUrl(rt, unit.url)) } };
    const { plan, card } = unit;
    switch (plan.type) {
      case 'miniprogram': {
        const thumb = plan.target.thumbMediaId ?? (plan.thumbUrl ? await uploadFromUrl(rt, plan.thumbUrl) : undefined);
        if (!thumb) return text(cardToText(card));
        return wecom
          ? { msgtype: 'miniprogram', miniprogram: { appid: plan.target.appid, title: plan.title, thumb_media_id: thumb, pagepath: plan.target.pagepath } }
          : { msgtype: 'miniprogrampage', miniprogrampage: { title: plan.title, appid: plan.target.appid, pagepath: plan.target.pagepath, thumb_media_id: thumb } };
      }
      case 'menu': {
        const list: unknown[] = [];
        const links: string[] = [];
        for (const item of plan.items) {
          if (item.kind === 'click') {
            const id = await registerChoice(rt, messageId, { id: item.action.id, label: item.action.label, ...(item.action.value !== undefined ? { value: item.action.value } : {}) });
            list.push(wecom ? { type: 'click', click: { id, content: item.action.label } } : { id, content: item.action.label });
          } else if (wecom) list.push({ type: 'view', view: { url: item.url, content: item.label } });
          else links.push(`<a href="${item.url.replace(/"/g, '%22')}">${item.label}</a>`);
        }
        const tail = [...links, ...(plan.tail ? [plan.tail] : [])].join('\n');
        return { msgtype: 'msgmenu', msgmenu: { head_content: plan.head, list, ...(tail ? { tail_content: tail } : {}) } };
      }
      case 'news': {
        if (!wecom) return { msgtype: 'news', news: { articles: [{ title: plan.title, description: plan.description, url: plan.url, ...(plan.picUrl ? { picurl: plan.picUrl } : {}) }] } };
        // A WeCom link message needs an uploaded thumbnail.
        if (!plan.picUrl) return text(cardToText(card));
        return { msgtype: 'link', link: { title: plan.title, desc: plan.description, url: plan.url, thumb_media_id: await uploadFromUrl(rt, plan.picUrl) } };
      }
      case 'text':
        return text(plan.text);
    }
  }

  async function sendUnit(rt: Runtime, conversation: Conversation, unit: Unit, messageId: string, index: number): Promise<string | undefined> {
    const context = live();
    const address = conversation.address;
    const payload = await payloadOf(rt, unit, messageId);
    if (rt.config.kind === 'wecom') {
      const [, openKfId, touser] = address.split(':');
      const msgid = `k${messageId}${index}`.slice(0, 32);
      const welcome = await context.store.kvGet<string>('wecom.welcome', address);
      if (welcome && (payload['msgtype'] === 'text' || payload['msgtype'] === 'msgmenu')) {
        // A welcome code (20 s, single use) answers an enter_session without an open window.
        await context.store.kvDelete('wecom.welcome', address);
        await rt.api.call('POST', '/cgi-bin/kf/send_msg_on_event', { code: welcome, msgid, ...payload });
        return msgid;
      }
      if (!(await windows!.isOpen(address, context.clock.now()))) throw windowClosed(rt.config.id);
      try {
        const answer = await rt.api.call('POST', '/cgi-bin/kf/send_msg', { touser, open_kfid: openKfId, msgid, ...payload });
        const sentId = typeof answer['msgid'] === 'string' ? answer['msgid'] : msgid;
        await windows!.consume(address, context.clock.now());
        await context.store.kvSet('wecom.sent', `${rt.config.id}:${sentId}`, messageId, { ttlMs: 3 * 24 * 3600_000 });
        return sentId;
      } catch (error) {
        throw await mapWindowError(rt, address, error);
      }
    }
    const touser = address.slice(rt.config.id.length + 1);
    if (!(await windows!.isOpen(address, context.clock.now()))) throw windowClosed(rt.config.id);
    try {
      await rt.api.call('POST', '/cgi-bin/message/custom/send', { touser, ...payload });
    } catch (error) {
      throw await mapWindowError(rt, address, error);
    }
    await windows!.consume(address, context.clock.now());
    return undefined;
  }

  async function mapWindowError(rt: Runtime, address: string, error: unknown): Promise<unknown> {
    const errcode = errcodeOf(error);
    if (errcode !== undefined && WINDOW_ERRORS.has(errcode)) {
      await windows!.close(address);
      return windowClosed(rt.config.id, errcode, error);
    }
    return error;
  }

  async function sendTemplate(rt: Runtime, conversation: Conversation, outbound: OutboundMessage): Promise<string> {
    const config = rt.config as OfficialAccountConfig;
    const fallback = config.templateFallback!;
    const data = fallback.data ? fallback.data({ outbound, conversation }) : { content: { value: outbound.text } };
    const answer = await rt.api.call('POST', '/cgi-bin/message/template/send', {
      touser: conversation.address.slice(config.id.length + 1),
      template_id: fallback.templateId,
      ...(fallback.url ? { url: fallback.url } : {}),
      ...(fallback.miniprogram ? { miniprogram: fallback.miniprogram } : {}),
      data,
    });
    const msgid = String(answer['msgid'] ?? '');
    if (msgid) await live().store.kvSet('wechat.template', `${config.id}:${msgid}`, outbound.message.id, { ttlMs: 7 * 24 * 3600_000 });
    return msgid;
  }

  function toDeliveryError(error: unknown): unknown {
    if (isKefuError(error, WechatErrorCodes.API_ERROR)) {
      const errcode = errcodeOf(error);
      const retry = errcode !== undefined && RETRYABLE_ERRORS.has(errcode);
      return new KefuError(retry ? ErrorCodes.DELIVERY_RETRYABLE : ErrorCodes.DELIVERY_FAILED, error.message, { cause: error, details: { errcode } });
    }
    if (isKefuError(error, WechatErrorCodes.MEDIA_TOO_LARGE)) return new KefuError(ErrorCodes.DELIVERY_FAILED, error.message, { cause: error, details: error.details ?? {} });
    if (isKefuError(error, WechatErrorCodes.TOKEN_FAILED)) return new KefuError(ErrorCodes.DELIVERY_RETRYABLE, error.message, { cause: error, details: error.details ?? {} });
    return error;
  }

  async function send(conversation: Conversation, outbound: OutboundMessage): Promise<SendResult> {
    const context = live();
    const accountId = conversation.address.split(':')[0] ?? '';
    const rt = runtimes.get(accountId);
    if (!rt) throw new KefuError(ErrorCodes.DELIVERY_FAILED, `No WeChat account "${accountId}" for this conversation`, { details: { accountId } });
    const units = unitsOf(outbound.parts);
    const messageId = outbound.message.id;
    // Units already sent by an earlier attempt are not sent again.
    const progress = (await context.store.kvGet<Progress>('wechat.progress', messageId)) ?? { done: 0, ids: [] };
    for (let i = progress.done; i < units.length; i++) {
      try {
        const id = await sendUnit(rt, conversation, units[i]!, messageId, i);
        if (id) progress.ids.push(id);
      } catch (error) {
        if (isKefuError(error, WechatErrorCodes.WINDOW_CLOSED)) {
          if (rt.config.kind === 'official' && rt.config.templateFallback) {
            const msgid = await sendTemplate(rt, conversation, outbound).catch((e) => Promise.reject(toDeliveryError(e)));
            await context.store.kvDelete('wechat.progress', messageId);
            return { externalId: `template:${msgid}` };
          }
          const errcode = error.details?.['errcode'] as number | undefined;
          context.app.emit('wechat.window_closed', { conversation, messageId, accountId, ...(errcode ? { errcode } : {}) });
          // Core retries every code but KEFU_DELIVERY_FAILED; the specific code rides in details and cause.
          throw new KefuError(ErrorCodes.DELIVERY_FAILED, `${WechatErrorCodes.WINDOW_CLOSED}: ${error.message}`, { cause: error, details: { reason: WechatErrorCodes.WINDOW_CLOSED, accountId, ...(errcode ? { errcode } : {}) } });
        }
        throw toDeliveryError(error);
      }
      progress.done = i + 1;
      if (i + 1 < units.length) await context.store.kvSet('wechat.progress', messageId, progress, { ttlMs: 24 * 3600_000 });
    }
    await context.store.kvDelete('wechat.progress', messageId);
    return progress.ids.length ? { externalId: progress.ids.join(',') } : {};
  }

  const capabilities: AdapterCapabilities = { text: true, images: true, cards: true, files: false, audio: false, location: false, typing: false };

  const adapter: WechatAdapter = {
    channel,
    capabilities,
    get accounts() {
      return [...configs.values()];
    },
    addAccount,
    removeAccount(accountId) {
      runtimes.delete(accountId);
      return configs.delete(accountId);
    },
    api(accountId) {
      return runtimeOf(accountId).api;
    },
    start(context) {
      if (ctx) return;
      ctx = context;
      windows = new ServiceWindows(context.store);
      for (const config of configs.values()) runtimes.set(config.id, buildRuntime(config, context));
      const mirror = (conversation: Conversation, status: ConversationStatus, agentId?: string) => {
        if (conversation.channel === channel) track(mirrorState(conversation, status, agentId), 'service_state');
      };
      unsubscribe = [
        context.app.on('conversation.opened', ({ conversation }) => mirror(conversation, conversation.status)),
        context.app.on('conversation.reopened', ({ conversation }) => mirror(conversation, conversation.status)),
        context.app.on('conversation.queued', ({ conversation }) => mirror(conversation, 'queued')),
        context.app.on('conversation.assigned', ({ conversation, agentId }) => mirror(conversation, 'assigned', agentId)),
        context.app.on('conversation.closed', ({ conversation }) => mirror(conversation, 'closed')),
      ];
    },
    async stop() {
      if (!ctx) return;
      for (const off of unsubscribe) off();
      unsubscribe = [];
      await adapter.idle();
      ctx = undefined;
      runtimes.clear();
    },
    send,
    syncKf,
    async idle() {
      while (tasks.size > 0) await Promise.allSettled([...tasks]);
    },
    async handleWebhook(request) {
      try {
        live();
        const url = new URL(request.url);
        const rt = resolveAccount(url);
        if (!rt) throw new KefuError(WechatErrorCodes.UNKNOWN_ACCOUNT, 'No WeChat account is configured for this path', { details: { path: url.pathname } });
        if (request.method !== 'GET' && request.method !== 'POST') return errorResponse(405, ErrorCodes.INVALID_INPUT, 'Only GET and POST are accepted');
        return rt.config.kind === 'official' ? await officialWebhook(rt, request, url) : await wecomWebhook(rt, request, url);
      } catch (error) {
        const code = isKefuError(error) ? error.code : 'KEFU_INTERNAL';
        const status = httpStatusOf(code);
        if (status >= 500) ctx?.logger.error({ err: error }, 'wechat webhook failed');
        else ctx?.logger.warn({ code, message: (error as Error).message }, 'wechat webhook refused');
        return errorResponse(status, code, status >= 500 ? 'Internal error' : (error as Error).message);
      }
    },
  };
  return adapter;
}
