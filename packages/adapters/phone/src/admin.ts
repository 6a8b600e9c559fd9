import { ErrorCodes, type HttpRoute, KefuError, type KefuApp, type Plugin, type RouteContext, isKefuError } from '@kefu/core';
import type { PhoneAdapter } from './adapter.js';
import { PhoneErrorCodes } from './errors.js';
import type { PhoneNumberConfig } from './shared.js';

/** The store namespace of numbers added through the API (key: the voice channel, `phone`). */
export const PHONE_NUMBERS_KV = 'phone.numbers';

/** What a GET answers for one number. */
export type PhoneNumberView = PhoneNumberConfig & { tenantId: string; source: 'config' | 'api' };

interface StoredNumbers {
  numbers: PhoneNumberConfig[];
}

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

const STATUS: Record<string, number> = {
  [ErrorCodes.INVALID_INPUT]: 400,
  [PhoneErrorCodes.CONFIG_INVALID]: 400,
  [PhoneErrorCodes.IVR_INVALID]: 400,
  [ErrorCodes.NOT_FOUND]: 404,
  [ErrorCodes.DUPLICATE_REGISTRATION]: 409,
  [PhoneErrorCodes.NUMBER_FROM_CONFIG]: 409,
};

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
  const base = `/api/v1/channels/${channel}/numbers`;
  return {
    name: `${channel}-admin`,
    async setup(app: KefuApp) {
      const fromConfig = new Set(adapter.listNumbers().map((n) => n.number));
      const apiAdded = new Set<string>();
      let writes: Promise<unknown> = Promise.resolve();
      // One writer at a time: the numbers of a channel are one stored document.
      const update = (change: (numbers: PhoneNumberConfig[]) => PhoneNumberConfig[]) => {
        const next = writes.then(async () => {
          const stored = (await app.store.kvGet<StoredNumbers>(PHONE_NUMBERS_KV, channel))?.numbers ?? [];
          await app.store.kvSet(PHONE_NUMBERS_KV, channel, { numbers: change(stored) } satisfies StoredNumbers);
        });
        writes = next.catch(() => undefined);
        return next;
      };

      for (const config of (await app.store.kvGet<StoredNumbers>(PHONE_NUMBERS_KV, channel))?.numbers ?? []) {
        if (fromConfig.has(config.number)) {
          app.logger.warn({ number: config.number }, 'a stored phone number is also configured; the configured one wins');
          continue;
        }
        try {
          adapter.addNumber(config);
          apiAdded.add(config.number);
        } catch (error) {
          app.logger.error({ err: error, number: config.number }, 'a stored phone number is invalid; skipped');
        }
      }

      const ofTenant = (tenantId: string) => adapter.listNumbers().filter((n) => (n.tenantId ?? 'default') === tenantId);
      const view = (n: PhoneNumberConfig): PhoneNumberView => ({ ...n, tenantId: n.tenantId ?? 'default', source: apiAdded.has(n.number) ? 'api' : 'config' });

      app.httpRoute({
        method: 'GET',
        path: base,
        auth: 'admin',
        tag: 'channels',
        summary: "Lists the phone numbers of the caller's tenant",
        handler: answer(async (_request, { tenantId }) => Response.json({ items: ofTenant(tenantId).map(view) })),
      });
      app.httpRoute({
        method: 'POST',
        path: base,
        auth: 'admin',
        tag: 'channels',
        summary: 'Adds a Twilio number (voice and/or SMS, optional IVR); it serves at once and survives restarts',
        requestSchema: {
          type: 'object',
          required: ['number'],
          additionalProperties: false,
          properties: { number: { type: 'string', pattern: E164.source }, voice: { type: 'boolean' }, sms: { type: 'boolean' }, ivr: { type: 'object' }, tenantId: { type: 'string' } },
        },
        handler: answer(async (request, { tenantId }) => {
          let body: unknown;
          try {
            body = JSON.parse(await request.text());
          } catch {
            throw invalid(['the body must be JSON']);
          }
          const config = parsePhoneNumber(body, tenantId);
          if (adapter.listNumbers().some((n) => n.number === config.number)) {
            throw new KefuError(ErrorCodes.DUPLICATE_REGISTRATION, `The number ${config.number} is configured already`, { details: { number: config.number } });
          }
          // Added first: an invalid IVR throws here, before anything is stored.
          adapter.addNumber(config);
          try {
            await update((numbers) => [...numbers.filter((n) => n.number !== config.number), config]);
          } catch (error) {
            adapter.removeNumber(config.number);
            throw error;
          }
          apiAdded.add(config.number);
          return Response.json({ number: view(config) }, { status: 201 });
        }),
      });
      app.httpRoute({
        method: 'DELETE',
        path: `${base}/:number`,
        auth: 'admin',
        tag: 'channels',
        summary: 'Removes a phone number added through the API (its conversations stay)',
        handler: answer(async (_request, { tenantId, params }) => {
          const number = params.number ?? '';
          // Another tenant's number answers like a missing one.
          if (!ofTenant(tenantId).some((n) => n.number === number)) throw new KefuError(ErrorCodes.NOT_FOUND, `No phone number "${number}"`, { details: { number } });
          if (!apiAdded.has(number)) throw new KefuError(PhoneErrorCodes.NUMBER_FROM_CONFIG, `The number ${number} comes from the server's configuration; remove it there`, { details: { number } });
          await update((numbers) => numbers.filter((n) => n.number !== number));
          adapter.removeNumber(number);
          apiAdded.delete(number);
          return new Response(null, { status: 204 });
        }),
      });
    },
  };
}
