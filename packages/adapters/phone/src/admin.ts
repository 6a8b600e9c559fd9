import { ErrorCodes, KefuError, type Plugin, managedEntriesPlugin } from '@kefu/core';
import type { PhoneAdapter } from './adapter.js';
import { PhoneErrorCodes } from './errors.js';
import type { PhoneNumberConfig } from './shared.js';

/** The store namespace of numbers added through the API (key: the voice channel, `phone`). */
export const PHONE_NUMBERS_KV = 'phone.numbers';

const E164 = /^\+[1-9]\d{6,14}$/;

function invalid(problems: string[]): KefuError {
  return new KefuError(ErrorCodes.INVALID_INPUT, `Invalid phone number: ${problems.join('; ')}`, { details: { problems } });
}

/**
 * Reads a number from a JSON body (`{ number, voice?, sms?, ivr? }`); the tenant is the caller's.
 * Throws `KEFU_INVALID_INPUT` listing every problem (the IVR is checked when the adapter adds it).
 */
export function parsePhoneNumber(input: unknown, tenantId: string): PhoneNumberConfig {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw invalid(['the body must be a JSON object']);
  const body = input as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof body.number !== 'string' || !E164.test(body.number)) problems.push(`number must be in E.164 form, e.g. +8675512345678 (got ${JSON.stringify(body.number ?? null)})`);
  for (const flag of ['voice', 'sms'] as const) if (body[flag] !== undefined && typeof body[flag] !== 'boolean') problems.push(`${flag} must be true or false`);
  if (body.voice === false && body.sms === false) problems.push('a number must serve voice, SMS or both');
  if (body.ivr !== undefined && (!body.ivr || typeof body.ivr !== 'object' || Array.isArray(body.ivr))) problems.push('ivr must be an IVR definition object');
  if (body.tenantId !== undefined && body.tenantId !== tenantId) problems.push(`tenantId must be your own tenant ("${tenantId}") or absent`);
  const unknown = Object.keys(body).filter((k) => !['number', 'voice', 'sms', 'ivr', 'tenantId'].includes(k));
  if (unknown.length) problems.push(`unknown field(s): ${unknown.join(', ')}`);
  if (problems.length) throw invalid(problems);
  return {
    number: body.number as string,
    tenantId,
    ...(typeof body.voice === 'boolean' ? { voice: body.voice } : {}),
    ...(typeof body.sms === 'boolean' ? { sms: body.sms } : {}),
    ...(body.ivr ? { ivr: body.ivr as PhoneNumberConfig['ivr'] } : {}),
  };
}

/**
 * A plugin that makes the phone adapter's numbers durable and manageable over REST (admins only):
 *
 * - `GET /api/v1/channels/phone/numbers`: the tenant's numbers, each with `source` (`config`
 *   from the adapter's options, `api` added here);
 * - `POST /api/v1/channels/phone/numbers`: adds a number (`{ number, voice?, sms?, ivr? }`); it
 *   takes calls and SMS at once and is kept in the store (`kv` namespace {@link PHONE_NUMBERS_KV});
 * - `DELETE /api/v1/channels/phone/numbers/:number` (`%2B` for the `+`): removes a number added
 *   through the API.
 *
 * Numbers carry no secret (the Twilio auth token stays in the adapter's options). Register it
 * after the adapter and before `app.start()`: it loads the stored numbers at setup.
 *
 * @example
 * const phone = createPhoneAdapter(phoneConfigFromEnv(process.env)!)
 * app.adapter(phone).adapter(phone.sms).use(phoneAdminPlugin(phone))
 */
export function phoneAdminPlugin(adapter: PhoneAdapter): Plugin {
  const channel = adapter.channel;
  return managedEntriesPlugin<PhoneNumberConfig>({
    name: `${channel}-admin`,
    path: `/api/v1/channels/${channel}/numbers`,
    kv: { namespace: PHONE_NUMBERS_KV, key: channel },
    noun: 'number',
    label: 'phone number',
    idOf: (n) => n.number,
    tenantOf: (n) => n.tenantId,
    list: () => adapter.listNumbers(),
    add: (n) => adapter.addNumber(n),
    remove: (number) => void adapter.removeNumber(number),
    parse: parsePhoneNumber,
    view: (n) => ({ ...n, tenantId: n.tenantId ?? 'default' }),
    fromConfigCode: PhoneErrorCodes.NUMBER_FROM_CONFIG,
    statusOf: { [PhoneErrorCodes.CONFIG_INVALID]: 400, [PhoneErrorCodes.IVR_INVALID]: 400 },
    docs: {
      tag: 'channels',
      list: "Lists the phone numbers of the caller's tenant",
      add: 'Adds a Twilio number (voice and/or SMS, optional IVR); it serves at once and survives restarts',
      remove: 'Removes a phone number added through the API (its conversations stay)',
      requestSchema: {
        type: 'object',
        required: ['number'],
        additionalProperties: false,
        properties: { number: { type: 'string', pattern: E164.source }, voice: { type: 'boolean' }, sms: { type: 'boolean' }, ivr: { type: 'object' }, tenantId: { type: 'string' } },
      },
    },
  });
}
