import { ErrorCodes, KefuError, isKefuError } from './errors.js';
import type { HttpRoute, RouteContext } from './http.js';
import { KeyedQueue } from './keyed-queue.js';
import { DEFAULT_TENANT } from './model.js';
import type { Plugin } from './plugin.js';

/**
 * How an adapter's runtime-managed entries (WeChat accounts, phone numbers) are listed, parsed,
 * added and removed. The entries given in the adapter's options are "config" entries; entries
 * added over the API are "api" entries, kept in the store and loaded again at the next start.
 */
export interface ManagedEntriesSpec<T> {
  /** Plugin name, e.g. `wechat-admin`. */
  name: string;
  /** Route base, e.g. `/api/v1/channels/wechat/accounts`; `DELETE <path>/:id` removes one. */
  path: string;
  /** Store kv place of the API entries (one document). */
  kv: { namespace: string; key: string };
  /** The answer field of one entry (`account`, `number`) and how messages name it (`WeChat account`). */
  noun: string;
  label: string;
  idOf(entry: T): string;
  tenantOf(entry: T): string | undefined;
  /** Every entry the adapter serves now. */
  list(): T[];
  /** Adds to the adapter; throws a coded error when the entry is invalid. */
  add(entry: T): void;
  remove(id: string): void;
  /** Reads an entry from a request body for the caller's tenant; throws `KEFU_INVALID_INPUT`. */
  parse(body: unknown, tenantId: string): T;
  /** What an answer shows of an entry (mask secrets here). Default: the entry. */
  view?(entry: T): Record<string, unknown>;
  /** Extra fields of the POST answer (e.g. the webhook path). */
  created?(entry: T): Record<string, unknown>;
  /** The code refusing to delete a config entry over the API. */
  fromConfigCode: string;
  /** HTTP status of adapter-specific codes thrown by `parse` or `add`. */
  statusOf?: Record<string, number>;
  /** OpenAPI summaries and the request body's JSON Schema. */
  docs: { tag: string; list: string; add: string; remove: string; requestSchema?: Record<string, unknown> };
}

/** A managed entry as the API answers it. */
export type ManagedEntryView = Record<string, unknown> & { source: 'config' | 'api' };

/**
 * A plugin that makes an adapter's entries durable and manageable over REST, admins only and
 * scoped to the caller's tenant: `GET <path>`, `POST <path>` (serves at once, kept in the store),
 * `DELETE <path>/:id` (API entries only). Register it after the adapter and before `start()`:
 * it loads the stored entries into the adapter at setup.
 */
export function managedEntriesPlugin<T>(spec: ManagedEntriesSpec<T>): Plugin {
  const status: Record<string, number> = {
    [ErrorCodes.INVALID_INPUT]: 400,
    [ErrorCodes.NOT_FOUND]: 404,
    [ErrorCodes.DUPLICATE_REGISTRATION]: 409,
    [spec.fromConfigCode]: 409,
    ...spec.statusOf,
  };
  const answer =
    (handler: (request: Request, context: RouteContext) => Promise<Response>): HttpRoute['handler'] =>
    async (request, context) => {
      try {
        return await handler(request, context);
      } catch (error) {
        if (isKefuError(error) && status[error.code]) return Response.json({ error: error.toJSON() }, { status: status[error.code]! });
        throw error;
      }
    };
  const tenantOf = (entry: T) => spec.tenantOf(entry) ?? DEFAULT_TENANT;

  return {
    name: spec.name,
    async setup(app) {
      const fromConfig = new Set(spec.list().map(spec.idOf));
      const apiAdded = new Set<string>();
      // The API entries are one stored document: one writer at a time.
      const writes = new KeyedQueue();
      const update = (change: (entries: T[]) => T[]) =>
        writes.run('entries', async () => {
          const stored = (await app.store.kvGet<{ entries: T[] }>(spec.kv.namespace, spec.kv.key))?.entries ?? [];
          await app.store.kvSet(spec.kv.namespace, spec.kv.key, { entries: change(stored) });
        });

      for (const entry of (await app.store.kvGet<{ entries: T[] }>(spec.kv.namespace, spec.kv.key))?.entries ?? []) {
        const id = spec.idOf(entry);
        if (fromConfig.has(id)) {
          app.logger.warn({ id, plugin: spec.name }, `a stored ${spec.label} is also configured; the configured one wins`);
          continue;
        }
        try {
          spec.add(entry);
          apiAdded.add(id);
        } catch (error) {
          app.logger.error({ err: error, id, plugin: spec.name }, `a stored ${spec.label} is invalid; skipped`);
        }
      }

      const ofTenant = (tenantId: string) => spec.list().filter((e) => tenantOf(e) === tenantId);
      const view = (e: T): ManagedEntryView => ({ ...(spec.view ? spec.view(e) : (e as Record<string, unknown>)), source: apiAdded.has(spec.idOf(e)) ? 'api' : 'config' });

      app.httpRoute({
        method: 'GET',
        path: spec.path,
        auth: 'admin',
        tag: spec.docs.tag,
        summary: spec.docs.list,
        handler: answer(async (_request, { tenantId }) => Response.json({ items: ofTenant(tenantId).map(view) })),
      });
      app.httpRoute({
        method: 'POST',
        path: spec.path,
        auth: 'admin',
        tag: spec.docs.tag,
        summary: spec.docs.add,
        ...(spec.docs.requestSchema ? { requestSchema: spec.docs.requestSchema } : {}),
        handler: answer(async (request, { tenantId }) => {
          let body: unknown;
          try {
            body = JSON.parse(await request.text());
          } catch {
            throw new KefuError(ErrorCodes.INVALID_INPUT, `Invalid ${spec.label}: the body must be JSON`, { details: { problems: ['the body must be JSON'] } });
          }
          const entry = spec.parse(body, tenantId);
          const id = spec.idOf(entry);
          if (spec.list().some((e) => spec.idOf(e) === id)) {
            throw new KefuError(ErrorCodes.DUPLICATE_REGISTRATION, `A ${spec.label} "${id}" exists already`, { details: { id } });
          }
          // Added first: the adapter's own checks run before anything is stored.
          spec.add(entry);
          try {
            await update((entries) => [...entries.filter((e) => spec.idOf(e) !== id), entry]);
          } catch (error) {
            spec.remove(id);
            throw error;
          }
          apiAdded.add(id);
          return Response.json({ [spec.noun]: view(entry), ...spec.created?.(entry) }, { status: 201 });
        }),
      });
      app.httpRoute({
        method: 'DELETE',
        path: `${spec.path}/:id`,
        auth: 'admin',
        tag: spec.docs.tag,
        summary: spec.docs.remove,
        handler: answer(async (_request, { tenantId, params }) => {
          const id = params.id ?? '';
          // Another tenant's entry answers like a missing one.
          if (!ofTenant(tenantId).some((e) => spec.idOf(e) === id)) throw new KefuError(ErrorCodes.NOT_FOUND, `No ${spec.label} "${id}"`, { details: { id } });
          if (!apiAdded.has(id)) throw new KefuError(spec.fromConfigCode, `The ${spec.label} "${id}" comes from the server's configuration; remove it there`, { details: { id } });
          await update((entries) => entries.filter((e) => spec.idOf(e) !== id));
          spec.remove(id);
          apiAdded.delete(id);
          return new Response(null, { status: 204 });
        }),
      });
    },
  };
}
