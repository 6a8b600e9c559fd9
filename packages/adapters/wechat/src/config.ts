import { type ConversationStatus, ErrorCodes, KefuError, type OutboundMessage, type Conversation } from '@kefu/core';

/** Default API hosts. Point `apiBaseUrl` at a local fake in tests. */
export const OFFICIAL_API_BASE_URL = 'https://api.weixin.qq.com';
export const WECOM_API_BASE_URL = 'https://qyapi.weixin.qq.com';

/** What a template message says when the customer-service window is closed. */
export interface TemplateFallback {
  /** The template id from the Official Account's template library. */
  templateId: string;
  /** A page the template opens (e.g. the conversation in your web widget). */
  url?: string;
  miniprogram?: { appid: string; pagepath: string };
  /**
   * The template's `data` for this message. Default: `{ content: { value: <text> } }` — match
   * your template's keywords here.
   */
  data?: (input: { outbound: OutboundMessage; conversation: Conversation }) => Record<string, { value: string; color?: string }>;
}

/** An Official Account (公众号, service account). */
export interface OfficialAccountConfig {
  kind: 'official';
  /** The account's id in Kefu: the webhook path segment (`/webhooks/<channel>/<id>`) and address prefix. `[A-Za-z0-9_-]+`. */
  id: string;
  /** The tenant its conversations belong to. Default `default`. */
  tenantId?: string;
  appId: string;
  appSecret: string;
  /** The Token configured in 服务器配置. */
  token: string;
  /** The EncodingAESKey (43 characters) for compatible and safe modes. */
  encodingAesKey?: string;
  /**
   * `plain` accepts plaintext messages only; `compatible` accepts both; `safe` accepts only
   * encrypted ones. Default: `safe` with an EncodingAESKey, `plain` without.
   */
  mode?: 'plain' | 'compatible' | 'safe';
  /** The account's original id (`gh_…`); when set, messages addressed to another are refused. */
  originalId?: string;
  apiBaseUrl?: string;
  /** Sends a template message when the customer-service window is closed. */
  templateFallback?: TemplateFallback;
  /** Looks up the UnionID through `/cgi-bin/user/info` on a user's first message. Default true. */
  resolveUnionId?: boolean;
}

/** WeCom service states (`service_state`): 0 new, 1 bot, 2 queued, 3 served by a servicer, 4 ended. */
export type WecomServiceState = 0 | 1 | 2 | 3 | 4;

/**
 * Kefu status → WeCom service state. `api` (the default) keeps WeCom in state 1 while Kefu serves
 * (WeCom accepts `send_msg` only in states 0 and 1) and ends the session on close. `mirror`
 * shows queued/assigned in WeCom too (2/3) — only for setups where servicers answer from the
 * WeCom client. `null` leaves the state alone.
 */
export const WECOM_STATE_MAPS = {
  api: { bot: 1, queued: 1, assigned: 1, closed: 4 },
  mirror: { bot: 1, queued: 2, assigned: 3, closed: 4 },
} as const satisfies Record<string, Record<ConversationStatus, WecomServiceState | null>>;

/** A WeCom "WeChat Customer Service" (微信客服) corp app. */
export interface WecomKfAccountConfig {
  kind: 'wecom';
  /** The account's id in Kefu (webhook path segment and address prefix). `[A-Za-z0-9_-]+`. */
  id: string;
  tenantId?: string;
  corpId: string;
  /** The secret of the app allowed to call the kf APIs. */
  secret: string;
  /** The callback Token. */
  token: string;
  /** The callback EncodingAESKey (WeCom callbacks are always encrypted). */
  encodingAesKey: string;
  apiBaseUrl?: string;
  /** Only these kf accounts (`open_kfid`) are served; default all. */
  openKfIds?: string[];
  /** Sent through `send_msg_on_event` when a customer enters a session with a welcome code. */
  welcomeText?: string;
  /** Kefu status → service state. A name from {@link WECOM_STATE_MAPS} or your own table. Default `api`. */
  serviceStates?: keyof typeof WECOM_STATE_MAPS | Partial<Record<ConversationStatus, WecomServiceState | null>>;
  /** The WeCom userid of a Kefu agent (state 3 needs one). Default: the agent's `attributes.wecomUserId`. */
  servicerUserId?: (agentId: string, tenantId: string) => string | undefined | Promise<string | undefined>;
}

/** One account served by the adapter. */
export type WechatAccountConfig = OfficialAccountConfig | WecomKfAccountConfig;

const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Checks an account's configuration; throws `KEFU_INVALID_INPUT` listing every problem. */
export function validateAccount(account: WechatAccountConfig): void {
  const problems: string[] = [];
  if (!account || typeof account !== 'object') throw new KefuError(ErrorCodes.INVALID_INPUT, 'An account must be an object');
  if (typeof account.id !== 'string' || !ID.test(account.id)) problems.push('id must match [A-Za-z0-9_-]{1,64}');
  if (!account.token) problems.push('token is required');
  if (account.kind === 'official') {
    if (!account.appId) problems.push('appId is required');
    if (!account.appSecret) problems.push('appSecret is required');
    if (account.encodingAesKey !== undefined && account.encodingAesKey.length !== 43) problems.push('encodingAesKey must have 43 characters');
    if ((account.mode === 'safe' || account.mode === 'compatible') && !account.encodingAesKey) problems.push(`mode "${account.mode}" needs an encodingAesKey`);
  } else if (account.kind === 'wecom') {
    if (!account.corpId) problems.push('corpId is required');
    if (!account.secret) problems.push('secret is required');
    if (!account.encodingAesKey || account.encodingAesKey.length !== 43) problems.push('encodingAesKey (43 characters) is required');
  } else problems.push('kind must be "official" or "wecom"');
  if (problems.length) {
    throw new KefuError(ErrorCodes.INVALID_INPUT, `Invalid WeChat account "${(account as { id?: string }).id}": ${problems.join('; ')}`, { details: { problems } });
  }
}

/**
 * Reads accounts from environment variables (the example server's configuration).
 *
 * One Official Account: `KEFU_WECHAT_APP_ID`, `KEFU_WECHAT_APP_SECRET`, `KEFU_WECHAT_TOKEN`,
 * optional `KEFU_WECHAT_ENCODING_AES_KEY`, `KEFU_WECHAT_MODE`, `KEFU_WECHAT_ORIGINAL_ID`,
 * `KEFU_WECHAT_API_BASE_URL`, `KEFU_WECHAT_TEMPLATE_ID`, `KEFU_WECHAT_TEMPLATE_URL`,
 * `KEFU_WECHAT_TENANT`, `KEFU_WECHAT_ACCOUNT_ID` (default `oa`).
 *
 * One WeCom kf app: `KEFU_WECOM_CORP_ID`, `KEFU_WECOM_SECRET`, `KEFU_WECOM_TOKEN`,
 * `KEFU_WECOM_ENCODING_AES_KEY`, optional `KEFU_WECOM_API_BASE_URL`, `KEFU_WECOM_WELCOME_TEXT`,
 * `KEFU_WECOM_OPEN_KFIDS` (comma-separated), `KEFU_WECOM_STATES` (`api`|`mirror`),
 * `KEFU_WECOM_TENANT`, `KEFU_WECOM_ACCOUNT_ID` (default `kf`).
 *
 * More accounts: `KEFU_WECHAT_ACCOUNTS=shop1,shop2` and the same variables with the account id
 * upper-cased after the product: `KEFU_WECHAT_SHOP1_APP_ID`, ... (or `KEFU_WECOM_SHOP2_CORP_ID`, ...).
 *
 * Answers `[]` when nothing is configured; throws `KEFU_INVALID_INPUT` naming the missing
 * variables when an account is half-configured.
 */
export function wechatAccountsFromEnv(env: Record<string, string | undefined> = process.env): WechatAccountConfig[] {
  const accounts: WechatAccountConfig[] = [];
  const missing: string[] = [];
  const read = (prefix: string) => (name: string) => {
    const v = env[`${prefix}_${name}`];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const need = (prefix: string, get: (n: string) => string | undefined, name: string): string => {
    const v = get(name);
    if (v === undefined) missing.push(`${prefix}_${name}`);
    return v ?? '';
  };
  const official = (prefix: string, id: string): void => {
    const get = read(prefix);
    if (!get('APP_ID') && !get('APP_SECRET') && !get('TOKEN')) return;
    const aes = get('ENCODING_AES_KEY');
    const mode = get('MODE');
    const templateId = get('TEMPLATE_ID');
    const templateUrl = get('TEMPLATE_URL');
    accounts.push({
      kind: 'official',
      id: get('ACCOUNT_ID') ?? id,
      appId: need(prefix, get, 'APP_ID'),
      appSecret: need(prefix, get, 'APP_SECRET'),
      token: need(prefix, get, 'TOKEN'),
      ...(aes ? { encodingAesKey: aes } : {}),
      ...(mode === 'plain' || mode === 'compatible' || mode === 'safe' ? { mode } : {}),
      ...(get('ORIGINAL_ID') ? { originalId: get('ORIGINAL_ID')! } : {}),
      ...(get('API_BASE_URL') ? { apiBaseUrl: get('API_BASE_URL')! } : {}),
      ...(get('TENANT') ? { tenantId: get('TENANT')! } : {}),
      ...(templateId ? { templateFallback: { templateId, ...(templateUrl ? { url: templateUrl } : {}) } } : {}),
    });
  };
  const wecom = (prefix: string, id: string): void => {
    const get = read(prefix);
    if (!get('CORP_ID') && !get('SECRET') && !get('TOKEN')) return;
    const states = get('STATES');
    accounts.push({
      kind: 'wecom',
      id: get('ACCOUNT_ID') ?? id,
      corpId: need(prefix, get, 'CORP_ID'),
      secret: need(prefix, get, 'SECRET'),
      token: need(prefix, get, 'TOKEN'),
      encodingAesKey: need(prefix, get, 'ENCODING_AES_KEY'),
      ...(get('API_BASE_URL') ? { apiBaseUrl: get('API_BASE_URL')! } : {}),
      ...(get('WELCOME_TEXT') ? { welcomeText: get('WELCOME_TEXT')! } : {}),
      ...(get('OPEN_KFIDS') ? { openKfIds: get('OPEN_KFIDS')!.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
      ...(states === 'api' || states === 'mirror' ? { serviceStates: states } : {}),
      ...(get('TENANT') ? { tenantId: get('TENANT')! } : {}),
    });
  };
  official('KEFU_WECHAT', 'oa');
  wecom('KEFU_WECOM', 'kf');
  for (const id of (env['KEFU_WECHAT_ACCOUNTS'] ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const upper = id.toUpperCase().replace(/-/g, '_');
    const before = accounts.length;
    official(`KEFU_WECHAT_${upper}`, id);
    wecom(`KEFU_WECOM_${upper}`, id);
    if (accounts.length === before) missing.push(`KEFU_WECHAT_${upper}_APP_ID or KEFU_WECOM_${upper}_CORP_ID`);
  }
  if (missing.length) {
    throw new KefuError(ErrorCodes.INVALID_INPUT, `WeChat configuration is incomplete; set ${missing.join(', ')}`, { details: { missing } });
  }
  for (const a of accounts) validateAccount(a);
  return accounts;
}
