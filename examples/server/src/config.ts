import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EmailAdapterOptions } from '@kefu/adapter-email';
import { type PhoneAdapterOptions, phoneConfigFromEnv } from '@kefu/adapter-phone';
import { type WechatAccountConfig, wechatAccountsFromEnv } from '@kefu/adapter-wechat';
import { KefuError } from '@kefu/core';

/** The repository root (`examples/server/src` → three levels up): the default home of `./data`. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Error codes of the example server (beyond the packages' own). */
export const ExampleErrorCodes = {
  /** An environment variable has a value the server cannot use (a port that is not a number, a half-configured channel). */
  CONFIG_INVALID: 'KEFU_EXAMPLE_CONFIG_INVALID',
} as const;

/** Email settings read from the environment (see the README's table). */
export type ExampleEmailOptions = Pick<EmailAdapterOptions, 'mailboxes' | 'smtp' | 'receiver' | 'trust'>;

/** Options of {@link createExampleServer}; {@link exampleOptionsFromEnv} reads them from the environment. */
export interface ExampleServerOptions {
  /** Folder of the SQLite file, uploads and generated secrets. Created when missing. */
  dataDir: string;
  /** Default 3000; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The URL shoppers, agents and channel providers reach the server at. Default: the listening URL. */
  publicUrl?: string;
  /** HS256 secret of agent tokens. Default: generated once and kept in `<dataDir>/secrets.json`. */
  jwtSecret?: string;
  /** Secret that signs card buttons. Default: generated once (secrets.json). */
  cardsSecret?: string;
  /** Secret of widget identity tokens (the shop signs logged-in shoppers with it). Default: generated once (secrets.json). */
  widgetSecret?: string;
  /** Secret of the signed commerce webhook (`POST /webhooks/commerce`). Default: generated once (secrets.json). */
  commerceWebhookSecret?: string;
  /** A server-to-server API key (`X-Api-Key`, admin role). Default: none. */
  apiKey?: string;
  /** Origins (besides the server's own) allowed to open the widget socket, e.g. your shop. */
  allowedOrigins?: string[];
  /** One password for every demo login instead of generated ones (screenshots, workshops). */
  demoPassword?: string;
  /** Seed the demo teams, agents and router rules. Default true. */
  demo?: boolean;
  /** WeChat Official Accounts / WeCom kf apps. Default none (channel off). */
  wechat?: WechatAccountConfig[];
  /** Email channel. Default none (channel off). */
  email?: ExampleEmailOptions;
  /** Twilio voice + SMS. Default none (channel off). */
  phone?: PhoneAdapterOptions;
  /** Log level of the server's pino logger. Default `info` (`KEFU_LOG_LEVEL`). */
  logLevel?: string;
  /** scrypt cost of agent passwords; lower it only in tests. */
  scrypt?: { N: number; r: number; p: number };
}

function invalid(message: string, details: Record<string, unknown>): KefuError {
  return new KefuError(ExampleErrorCodes.CONFIG_INVALID, message, { details });
}

function list(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

function portOf(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw invalid(`${name} must be a port number (0–65535), got "${value}"`, { variable: name, value });
  return n;
}

/**
 * The email channel from the environment: on when `KEFU_EMAIL_ADDRESS` is set. Outbound through
 * `KEFU_SMTP_*`, inbound through the SMTP receiver (`KEFU_EMAIL_RECEIVER_PORT`) and/or IMAP
 * (`KEFU_IMAP_*`).
 */
export function emailOptionsFromEnv(env: Record<string, string | undefined>): ExampleEmailOptions | undefined {
  const address = env.KEFU_EMAIL_ADDRESS?.trim();
  if (!address) return undefined;
  const missing: string[] = [];
  const smtpHost = env.KEFU_SMTP_HOST?.trim();
  if (!smtpHost) missing.push('KEFU_SMTP_HOST');
  const receiverPort = env.KEFU_EMAIL_RECEIVER_PORT?.trim();
  const imapHost = env.KEFU_IMAP_HOST?.trim();
  if (imapHost && !env.KEFU_IMAP_USER) missing.push('KEFU_IMAP_USER');
  if (missing.length) throw invalid(`KEFU_EMAIL_ADDRESS is set but ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing`, { missing });
  const smtpUser = env.KEFU_SMTP_USER?.trim();
  const smtpPort = portOf('KEFU_SMTP_PORT', env.KEFU_SMTP_PORT, 587);
  const authserv = list(env.KEFU_EMAIL_TRUSTED_AUTHSERV_IDS);
  return {
    mailboxes: [
      {
        address,
        name: env.KEFU_EMAIL_NAME?.trim() || 'Kefu Demo Shop 客服',
        ...(imapHost
          ? {
              imap: {
                host: imapHost,
                port: portOf('KEFU_IMAP_PORT', env.KEFU_IMAP_PORT, 993),
                secure: env.KEFU_IMAP_SECURE !== 'false',
                auth: { user: env.KEFU_IMAP_USER!.trim(), pass: env.KEFU_IMAP_PASS ?? '' },
              },
            }
          : {}),
      },
    ],
    smtp: {
      host: smtpHost!,
      port: smtpPort,
      secure: env.KEFU_SMTP_SECURE ? env.KEFU_SMTP_SECURE === 'true' : smtpPort === 465,
      ...(smtpUser ? { auth: { user: smtpUser, pass: env.KEFU_SMTP_PASS ?? '' } } : {}),
    },
    ...(receiverPort ? { receiver: { port: portOf('KEFU_EMAIL_RECEIVER_PORT', receiverPort, 2525), host: env.KEFU_EMAIL_RECEIVER_HOST?.trim() || '0.0.0.0' } } : {}),
    ...(authserv.length ? { trust: { authservIds: authserv } } : {}),
  };
}

/**
 * Reads {@link ExampleServerOptions} from environment variables (every one is in the README).
 * Relative `KEFU_DATA_DIR` paths are resolved against the directory the command was started in
 * (`INIT_CWD` under pnpm), so `KEFU_DATA_DIR=./my-data pnpm start` means what it says.
 */
export function exampleOptionsFromEnv(env: Record<string, string | undefined> = process.env): ExampleServerOptions {
  const base = env.INIT_CWD ?? process.cwd();
  const dataDirVar = env.KEFU_DATA_DIR?.trim();
  const dataDir = dataDirVar ? (isAbsolute(dataDirVar) ? dataDirVar : resolve(base, dataDirVar)) : resolve(REPO_ROOT, 'data');
  const wechat = wechatAccountsFromEnv(env);
  const email = emailOptionsFromEnv(env);
  const phone = phoneConfigFromEnv(env);
  const pick = (name: string) => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  const options: ExampleServerOptions = {
    dataDir,
    port: portOf('PORT', env.PORT, 3000),
    host: pick('HOST') ?? '127.0.0.1',
    allowedOrigins: list(env.KEFU_ALLOWED_ORIGINS),
    demo: env.KEFU_DEMO !== 'false',
    // Request logs would bury the start banner; KEFU_LOG_LEVEL=info shows every request.
    logLevel: 'warn',
    ...(wechat.length ? { wechat } : {}),
    ...(email ? { email } : {}),
    ...(phone ? { phone } : {}),
  };
  const optional: Array<[keyof ExampleServerOptions, string]> = [
    ['publicUrl', 'KEFU_PUBLIC_URL'],
    ['jwtSecret', 'KEFU_JWT_SECRET'],
    ['cardsSecret', 'KEFU_CARDS_SECRET'],
    ['widgetSecret', 'KEFU_WIDGET_SECRET'],
    ['commerceWebhookSecret', 'KEFU_COMMERCE_WEBHOOK_SECRET'],
    ['apiKey', 'KEFU_API_KEY'],
    ['demoPassword', 'KEFU_DEMO_PASSWORD'],
    ['logLevel', 'KEFU_LOG_LEVEL'],
  ];
  for (const [key, name] of optional) {
    const v = pick(name);
    if (v !== undefined) (options as unknown as Record<string, unknown>)[key] = v;
  }
  if (options.publicUrl && !/^https?:\/\/[^/]+/.test(options.publicUrl)) throw invalid('KEFU_PUBLIC_URL must be an http(s) URL', { variable: 'KEFU_PUBLIC_URL', value: options.publicUrl });
  for (const [key, name] of [['jwtSecret', 'KEFU_JWT_SECRET'], ['cardsSecret', 'KEFU_CARDS_SECRET'], ['widgetSecret', 'KEFU_WIDGET_SECRET']] as const) {
    const v = options[key];
    if (v !== undefined && v.length < 16) throw invalid(`${name} must have at least 16 characters`, { variable: name });
  }
  return options;
}
