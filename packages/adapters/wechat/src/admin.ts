import { ErrorCodes, KefuError, type Plugin, isKefuError, managedEntriesPlugin } from '@kefu/core';
import type { WechatAdapter } from './adapter.js';
import { type OfficialAccountConfig, WECOM_STATE_MAPS, type WechatAccountConfig, type WecomKfAccountConfig, validateAccount } from './config.js';
import { WechatErrorCodes } from './errors.js';

/** The store namespace of accounts added through the API (key: the channel). */
export const WECHAT_ACCOUNTS_KV = 'wechat.accounts';

const SECRET_FIELDS = ['appSecret', 'secret', 'token', 'encodingAesKey'] as const;
/** Shown instead of a secret: long enough to see that one is set, nothing of its value. */
export const MASKED_SECRET = '********';
const MAX_STRING = 512;

/** Masks the secrets of an account for an answer. */
export function maskWechatAccount(account: WechatAccountConfig): WechatAccountConfig {
  const copy: Record<string, unknown> = { ...account };
  for (const field of SECRET_FIELDS) if (typeof copy[field] === 'string' && copy[field]) copy[field] = MASKED_SECRET;
  return copy as unknown as WechatAccountConfig;
}

function invalid(problems: string[]): KefuError {
  return new KefuError(ErrorCodes.INVALID_INPUT, `Invalid WeChat account: ${problems.join('; ')}`, { details: { problems } });
}

/**
 * Reads an account from a JSON body: only the fields a JSON configuration can hold (no functions),
 * each with its type checked, then {@link validateAccount}. Throws `KEFU_INVALID_INPUT` listing
 * every problem.
 */
export function parseWechatAccount(input: unknown, tenantId: string): WechatAccountConfig {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw invalid(['the body must be a JSON object']);
  const body = input as Record<string, unknown>;
  const problems: string[] = [];
  const str = (name: string, required: boolean): string | undefined => {
    const v = body[name];
    if (v === undefined || v === null || v === '') {
      if (required) problems.push(`${name} is required`);
      return undefined;
    }
    if (typeof v !== 'string') problems.push(`${name} must be a string`);
    else if (v.length > MAX_STRING) problems.push(`${name} must have at most ${MAX_STRING} characters`);
    else return v;
    return undefined;
  };
  const url = (name: string): string | undefined => {
    const v = str(name, false);
    if (v === undefined) return undefined;
    try {
      if (!/^https?:$/.test(new URL(v).protocol)) problems.push(`${name} must be an http(s) URL`);
    } catch {
      problems.push(`${name} must be an http(s) URL`);
    }
    return v;
  };
  if (body.tenantId !== undefined && body.tenantId !== tenantId) problems.push(`tenantId must be your own tenant ("${tenantId}") or absent`);
  const kind = body.kind;
  const id = str('id', true);
  const token = str('token', true);
  const encodingAesKey = str('encodingAesKey', kind === 'wecom');
  const apiBaseUrl = url('apiBaseUrl');
  let account: WechatAccountConfig | undefined;
  if (kind === 'official') {
    const mode = body.mode;
    if (mode !== undefined && mode !== 'plain' && mode !== 'compatible' && mode !== 'safe') problems.push('mode must be "plain", "compatible" or "safe"');
    const originalId = str('originalId', false);
    if (body.resolveUnionId !== undefined && typeof body.resolveUnionId !== 'boolean') problems.push('resolveUnionId must be true or false');
    let templateFallback: OfficialAccountConfig['templateFallback'];
    const t = body.templateFallback;
    if (t !== undefined) {
      const tf = t as Record<string, unknown>;
      if (!t || typeof t !== 'object' || typeof tf.templateId !== 'string' || !tf.templateId) problems.push('templateFallback must be { templateId, url? }');
      else if (tf.url !== undefined && typeof tf.url !== 'string') problems.push('templateFallback.url must be a string');
      else templateFallback = { templateId: tf.templateId, ...(typeof tf.url === 'string' ? { url: tf.url } : {}) };
    }
    account = {
      kind,
      id: id ?? '',
      tenantId,
      appId: str('appId', true) ?? '',
      appSecret: str('appSecret', true) ?? '',
      token: token ?? '',
      ...(encodingAesKey !== undefined ? { encodingAesKey } : {}),
      ...(mode !== undefined ? { mode: mode as OfficialAccountConfig['mode'] } : {}),
      ...(originalId !== undefined ? { originalId } : {}),
      ...(apiBaseUrl !== undefined ? { apiBaseUrl } : {}),
      ...(templateFallback ? { templateFallback } : {}),
      ...(typeof body.resolveUnionId === 'boolean' ? { resolveUnionId: body.resolveUnionId } : {}),
    };
  } else if (kind === 'wecom') {
    const welcomeText = str('welcomeText', false);
    let openKfIds: string[] | undefined;
    if (body.openKfIds !== undefined) {
      if (!Array.isArray(body.openKfIds) || !body.openKfIds.every((k) => typeof k === 'string' && k.length > 0 && k.length <= 128)) problems.push('openKfIds must be a list of open_kfid strings');
      else openKfIds = body.openKfIds as string[];
    }
    const states = body.serviceStates;
    if (states !== undefined && !(typeof states === 'string' && Object.hasOwn(WECOM_STATE_MAPS, states))) problems.push(`serviceStates must be one of ${Object.keys(WECOM_STATE_MAPS).join(', ')}`);
    account = {
      kind,
      id: id ?? '',
      tenantId,
      corpId: str('corpId', true) ?? '',
      secret: str('secret', true) ?? '',
      token: token ?? '',
      encodingAesKey: encodingAesKey ?? '',
      ...(apiBaseUrl !== undefined ? { apiBaseUrl } : {}),
      ...(welcomeText !== undefined ? { welcomeText } : {}),
      ...(openKfIds ? { openKfIds } : {}),
      ...(states !== undefined ? { serviceStates: states as keyof typeof WECOM_STATE_MAPS } : {}),
    } satisfies WecomKfAccountConfig;
  } else problems.push('kind must be "official" or "wecom"');
  if (problems.length || !account) throw invalid(problems);
  try {
    validateAccount(account);
  } catch (error) {
    if (isKefuError(error, ErrorCodes.INVALID_INPUT)) throw invalid(((error.details as { problems?: string[] } | undefined)?.problems ?? [error.message]) as string[]);
    throw error;
  }
  return account;
}

/**
 * A plugin that makes the WeChat adapter's accounts durable and manageable over REST (admins only):
 *
 * - `GET /api/v1/channels/<channel>/accounts`: the tenant's accounts, secrets masked, each with
 *   `source` (`config` from the adapter's options, `api` added here);
 * - `POST /api/v1/channels/<channel>/accounts`: adds an account (the JSON fields of
 *   {@link OfficialAccountConfig} / {@link WecomKfAccountConfig}); it serves webhooks at once and
 *   is kept in the store (`kv` namespace {@link WECHAT_ACCOUNTS_KV}) for the next start;
 * - `DELETE /api/v1/channels/<channel>/accounts/:id`: removes an account added through the API.
 *
 * Register it after the adapter and before `app.start()`: it loads the stored accounts into the
 * adapter at setup. The secrets (AppSecret, Token, EncodingAESKey) are stored as given: protect
 * the store (database access, backups) like the server's environment.
 *
 * @example
 * const wechat = createWechatAdapter({ accounts: wechatAccountsFromEnv() })
 * app.adapter(wechat).use(wechatAdminPlugin(wechat))
 */
export function wechatAdminPlugin(adapter: WechatAdapter): Plugin {
  const channel = adapter.channel;
  return managedEntriesPlugin<WechatAccountConfig>({
    name: `${channel}-admin`,
    path: `/api/v1/channels/${channel}/accounts`,
    kv: { namespace: WECHAT_ACCOUNTS_KV, key: channel },
    noun: 'account',
    label: 'WeChat account',
    idOf: (a) => a.id,
    tenantOf: (a) => a.tenantId,
    list: () => [...adapter.accounts],
    add: (a) => adapter.addAccount(a),
    remove: (id) => void adapter.removeAccount(id),
    parse: parseWechatAccount,
    view: (a) => maskWechatAccount(a) as unknown as Record<string, unknown>,
    created: (a) => ({ webhookPath: `/webhooks/${channel}/${a.id}` }),
    fromConfigCode: WechatErrorCodes.ACCOUNT_FROM_CONFIG,
    docs: {
      tag: 'channels',
      list: `Lists the ${channel} accounts of the caller's tenant (secrets masked)`,
      add: `Adds a ${channel} account (Official Account or WeCom kf); it serves webhooks at once and survives restarts`,
      remove: `Removes a ${channel} account added through the API (its conversations stay)`,
      requestSchema: {
          type: 'object',
          required: ['kind', 'id', 'token'],
          properties: {
            kind: { enum: ['official', 'wecom'] },
            id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
            token: { type: 'string' },
            encodingAesKey: { type: 'string', minLength: 43, maxLength: 43 },
            apiBaseUrl: { type: 'string', format: 'uri' },
            appId: { type: 'string' },
            appSecret: { type: 'string' },
            mode: { enum: ['plain', 'compatible', 'safe'] },
            originalId: { type: 'string' },
            resolveUnionId: { type: 'boolean' },
            templateFallback: { type: 'object', properties: { templateId: { type: 'string' }, url: { type: 'string' } }, required: ['templateId'] },
            corpId: { type: 'string' },
            secret: { type: 'string' },
            openKfIds: { type: 'array', items: { type: 'string' } },
            welcomeText: { type: 'string' },
            serviceStates: { enum: Object.keys(WECOM_STATE_MAPS) },
          },
        },
    },
  });
}
