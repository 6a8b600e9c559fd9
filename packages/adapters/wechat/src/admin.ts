import { ErrorCodes, type HttpRoute, KefuError, type KefuApp, type Plugin, type RouteContext, isKefuError } from '@kefu/core';
import type { WechatAdapter } from './adapter.js';
import { type OfficialAccountConfig, WECOM_STATE_MAPS, type WechatAccountConfig, type WecomKfAccountConfig, validateAccount } from './config.js';
import { WechatErrorCodes } from './errors.js';

/** The store namespace of accounts added through the API (key: the channel). */
export const WECHAT_ACCOUNTS_KV = 'wechat.accounts';

/** What a GET answers for one account: the configuration with every secret masked. */
export type MaskedWechatAccount = WechatAccountConfig & { source: 'config' | 'api' };

const SECRET_FIELDS = ['appSecret', 'secret', 'token', 'encodingAesKey'] as const;
/** Shown instead of a secret: long enough to see that one is set, nothing of its value. */
export const MASKED_SECRET = '********';
const MAX_STRING = 512;

interface StoredAccounts {
  accounts: WechatAccountConfig[];
}

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

const STATUS: Record<string, number> = {
  [ErrorCodes.INVALID_INPUT]: 400,
  [ErrorCodes.NOT_FOUND]: 404,
  [ErrorCodes.DUPLICATE_REGISTRATION]: 409,
  [WechatErrorCodes.ACCOUNT_FROM_CONFIG]: 409,
};

/** Answers a coded error in the server's shape (`{ error: { code, message, details? } }`). */
function answer(handler: (request: Request, context: RouteContext) => Promise<Response>): HttpRoute['handler'] {
  return async (request, context) => {
    try {
      return await handler(request, context);
    } catch (error) {
      if (isKefuError(error) && STATUS[error.code]) return Response.json({ error: error.toJSON() }, { status: STATUS[error.code]! });
      throw error;
    }
  };
}

async function readJson(request: Request): Promise<unknown> {
  const text = await request.text();
  try {
    return JSON.parse(text);
  } catch {
    throw invalid(['the body must be JSON']);
  }
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
  const base = `/api/v1/channels/${channel}/accounts`;
  return {
    name: `${channel}-admin`,
    async setup(app: KefuApp) {
      const fromConfig = new Set(adapter.accounts.map((a) => a.id));
      const apiAdded = new Set<string>();
      let writes: Promise<unknown> = Promise.resolve();
      // One writer at a time: the accounts of a channel are one stored document.
      const update = (change: (accounts: WechatAccountConfig[]) => WechatAccountConfig[]) => {
        const next = writes.then(async () => {
          const stored = (await app.store.kvGet<StoredAccounts>(WECHAT_ACCOUNTS_KV, channel))?.accounts ?? [];
          await app.store.kvSet(WECHAT_ACCOUNTS_KV, channel, { accounts: change(stored) } satisfies StoredAccounts);
        });
        writes = next.catch(() => undefined);
        return next;
      };

      for (const account of (await app.store.kvGet<StoredAccounts>(WECHAT_ACCOUNTS_KV, channel))?.accounts ?? []) {
        if (fromConfig.has(account.id)) {
          app.logger.warn({ accountId: account.id, channel }, 'a stored WeChat account has the id of a configured one; the configured one wins');
          continue;
        }
        try {
          adapter.addAccount(account);
          apiAdded.add(account.id);
        } catch (error) {
          app.logger.error({ err: error, accountId: account.id, channel }, 'a stored WeChat account is invalid; skipped');
        }
      }

      const ofTenant = (tenantId: string) => adapter.accounts.filter((a) => (a.tenantId ?? 'default') === tenantId);
      const view = (a: WechatAccountConfig): MaskedWechatAccount => ({ ...maskWechatAccount(a), source: apiAdded.has(a.id) ? 'api' : 'config' });

      app.httpRoute({
        method: 'GET',
        path: base,
        auth: 'admin',
        tag: 'channels',
        summary: `Lists the ${channel} accounts of the caller's tenant (secrets masked)`,
        handler: answer(async (_request, { tenantId }) => Response.json({ items: ofTenant(tenantId).map(view) })),
      });
      app.httpRoute({
        method: 'POST',
        path: base,
        auth: 'admin',
        tag: 'channels',
        summary: `Adds a ${channel} account (Official Account or WeCom kf); it serves webhooks at once and survives restarts`,
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
        handler: answer(async (request, { tenantId }) => {
          const account = parseWechatAccount(await readJson(request), tenantId);
          if (adapter.accounts.some((a) => a.id === account.id)) {
            throw new KefuError(ErrorCodes.DUPLICATE_REGISTRATION, `A WeChat account "${account.id}" exists already`, { details: { accountId: account.id } });
          }
          await update((accounts) => [...accounts.filter((a) => a.id !== account.id), account]);
          adapter.addAccount(account);
          apiAdded.add(account.id);
          return Response.json({ account: view(account), webhookPath: `/webhooks/${channel}/${account.id}` }, { status: 201 });
        }),
      });
      app.httpRoute({
        method: 'DELETE',
        path: `${base}/:id`,
        auth: 'admin',
        tag: 'channels',
        summary: `Removes a ${channel} account added through the API (its conversations stay)`,
        handler: answer(async (_request, { tenantId, params }) => {
          const id = params.id ?? '';
          const account = ofTenant(tenantId).find((a) => a.id === id);
          // Another tenant's account answers like a missing one.
          if (!account) throw new KefuError(ErrorCodes.NOT_FOUND, `No WeChat account "${id}"`, { details: { accountId: id } });
          if (!apiAdded.has(id)) throw new KefuError(WechatErrorCodes.ACCOUNT_FROM_CONFIG, `The WeChat account "${id}" comes from the server's configuration; remove it there`, { details: { accountId: id } });
          await update((accounts) => accounts.filter((a) => a.id !== id));
          adapter.removeAccount(id);
          apiAdded.delete(id);
          return new Response(null, { status: 204 });
        }),
      });
    },
  };
}
