import { KefuError } from '@kefu/core';
import type { PhoneAdapterOptions } from './adapter.js';
import { PhoneErrorCodes } from './errors.js';

/**
 * Reads the phone adapter's settings from environment variables (the example server's way):
 *
 * | Variable | Meaning |
 * |---|---|
 * | `TWILIO_ACCOUNT_SID` | Account SID (`AC…`), required |
 * | `TWILIO_AUTH_TOKEN` | Auth token, required |
 * | `TWILIO_NUMBERS` | Comma-separated E.164 numbers, required (`+8675512345678,+14155550100`) |
 * | `KEFU_PUBLIC_URL` | Public base URL Twilio reaches (`https://kefu.example.com`), required |
 * | `TWILIO_API_BASE` | REST API base URL instead of `https://api.twilio.com` (proxy, local fake), optional |
 *
 * Returns `undefined` when `TWILIO_ACCOUNT_SID` is unset (the channel stays off), and throws
 * `KEFU_PHONE_CONFIG_INVALID` naming every missing variable when it is set but incomplete.
 */
export function phoneConfigFromEnv(env: Record<string, string | undefined>): PhoneAdapterOptions | undefined {
  const accountSid = env.TWILIO_ACCOUNT_SID?.trim();
  if (!accountSid) return undefined;
  const authToken = env.TWILIO_AUTH_TOKEN?.trim();
  const publicUrl = env.KEFU_PUBLIC_URL?.trim();
  const numbers = (env.TWILIO_NUMBERS ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  const missing = [!authToken && 'TWILIO_AUTH_TOKEN', !publicUrl && 'KEFU_PUBLIC_URL', numbers.length === 0 && 'TWILIO_NUMBERS'].filter((x): x is string => Boolean(x));
  if (missing.length) throw new KefuError(PhoneErrorCodes.CONFIG_INVALID, `TWILIO_ACCOUNT_SID is set but ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing`, { details: { missing } });
  const apiBase = env.TWILIO_API_BASE?.trim();
  return { accountSid, authToken: authToken!, publicUrl: publicUrl!, numbers, ...(apiBase ? { apiBase } : {}) };
}
