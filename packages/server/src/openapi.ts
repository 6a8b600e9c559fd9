import type { HttpRoute } from '@kefu/core';
import { z } from 'zod';
import type { RouteDef } from './routes.js';
import { apiRegistry } from './schemas.js';

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const id = apiRegistry.get(schema)?.id;
  if (id) return ref(id);
  // Registered schemas it contains land in `$defs`; they are components already, so point there.
  const { $schema: _s, $defs: _d, ...rest } = z.toJSONSchema(schema, { io, metadata: apiRegistry, unrepresentable: 'any' }) as Record<string, unknown>;
  return JSON.parse(JSON.stringify(rest).replaceAll('"#/$defs/', '"#/components/schemas/')) as Record<string, unknown>;
}

function parametersOf(schema: z.ZodType | undefined, where: 'path' | 'query'): unknown[] {
  if (!schema) return [];
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => {
    const { description, ...rest } = s;
    return { name, in: where, required: where === 'path' || (json.required ?? []).includes(name), ...(description ? { description } : {}), schema: rest };
  });
}

const errorStatus: Record<number, string> = {
  400: 'Invalid input (KEFU_INVALID_INPUT; zod issues in details)',
  401: 'Missing, expired or forged credentials (KEFU_UNAUTHORIZED)',
  403: 'The role does not allow this (KEFU_FORBIDDEN)',
  404: 'Not found in the caller\'s tenant (KEFU_NOT_FOUND)',
  409: 'Conflict (KEFU_ILLEGAL_TRANSITION, KEFU_AGENT_AT_CAPACITY, KEFU_ALREADY_EXISTS)',
  413: 'Body too large (KEFU_PAYLOAD_TOO_LARGE)',
  422: 'The channel cannot do this (KEFU_CAPABILITY_UNSUPPORTED, KEFU_ADAPTER_MISSING)',
};

/**
 * Builds the OpenAPI 3.1 document from the route definitions: request and answer shapes come
 * from the same zod schemas that validate requests (`z.toJSONSchema`, JSON Schema 2020-12).
 */
export function buildOpenApi(routes: RouteDef[], info: { title?: string; version: string; serverUrl?: string }, pluginRoutes: readonly HttpRoute[] = []): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const root = info.serverUrl ? info.serverUrl.replace(/\/$/, '') : '';
  // Plugin routes (app.httpRoute) carry their own summary and JSON Schemas; those outside /api/v1
  // (webhooks, signed links) get a path-level server so their path stays absolute.
  for (const r of pluginRoutes) {
    const inApi = r.path.startsWith('/api/v1/');
    const path = (inApi ? r.path.slice('/api/v1'.length) : r.path).replace(/:(\w+)/g, '{$1}').replace(/\/\*$/, '/{rest}');
    const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const item = (paths[path] ??= {});
    if (!inApi) item.servers = [{ url: root || '/' }];
    item[r.method.toLowerCase()] = {
      operationId: `${r.method.toLowerCase()}${path.replace(/\{(\w+)\}/g, 'By_$1').replace(/[^\w]+(\w)/g, (_m, c: string) => c.toUpperCase())}`,
      summary: r.summary ?? `${r.method} ${r.path}`,
      tags: [r.tag ?? 'Plugins'],
      ...(r.auth === 'public' ? { security: [], description: 'Public: the route verifies its caller itself (signature or signed link).' } : { description: `Needs the ${r.auth} role or higher.` }),
      parameters: params,
      ...(r.requestSchema ? { requestBody: { required: true, content: { 'application/json': { schema: r.requestSchema } } } } : {}),
      responses: {
        '200': { description: 'OK', content: { 'application/json': { schema: r.responseSchema ?? { type: 'object' } } } },
        ...Object.fromEntries([400, ...(r.auth === 'public' ? [] : [401, 403]), 404].map((st) => [String(st), { description: errorStatus[st] ?? 'Error', content: { 'application/json': { schema: ref('Error') } } }])),
      },
    };
  }
  for (const r of routes) {
    const path = r.path.replace(/:(\w+)/g, '{$1}');
    const errors = [400, ...(r.auth === 'public' ? [] : [401, 403]), ...(r.errors ?? [])];
    const operation: Record<string, unknown> = {
      operationId: `${r.method.toLowerCase()}${path.replace(/\{(\w+)\}/g, 'By_$1').replace(/[^\w]+(\w)/g, (_m, c: string) => c.toUpperCase())}`,
      summary: r.summary,
      tags: [r.tag],
      ...(r.auth === 'public' ? { security: [] } : { description: `Needs the ${r.auth} role or higher.` }),
      parameters: [...parametersOf(r.params, 'path'), ...parametersOf(r.query, 'query')],
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(r.body, 'input') } } } } : {}),
      responses: {
        [String(r.status ?? 200)]: { description: 'OK', content: { 'application/json': { schema: r.path === '/openapi.json' ? { type: 'object' } : schemaOf(r.response, 'output') } } },
        ...Object.fromEntries([...new Set(errors)].map((s) => [String(s), { description: errorStatus[s] ?? 'Error', content: { 'application/json': { schema: ref('Error') } } }])),
      },
    };
    (paths[path] ??= {})[r.method.toLowerCase()] = operation;
  }
  // Requests are documented as clients send them (defaults optional), answers as the server sends them.
  const convert = (io: 'input' | 'output') =>
    (z.toJSONSchema(apiRegistry, { io, uri: (id) => `#/components/schemas/${id}`, unrepresentable: 'any' }) as { schemas: Record<string, Record<string, unknown>> }).schemas;
  const inputs = convert('input');
  const outputs = convert('output');
  const schemas = Object.fromEntries(
    Object.keys(outputs).map((id) => {
      const { $schema: _s, $id: _i, ...rest } = (id.endsWith('Request') ? inputs[id] : outputs[id])!;
      return [id, rest];
    }),
  );
  return {
    openapi: '3.1.0',
    info: { title: info.title ?? 'Kefu API', version: info.version, description: 'REST API of the Kefu server. Errors: `{ "error": { "code": "KEFU_...", "message", "details"? } }`. The agent WebSocket is at `/api/v1/agent/ws?token=<JWT>` (see docs/api.md).' },
    ...(info.serverUrl ? { servers: [{ url: `${info.serverUrl.replace(/\/$/, '')}/api/v1` }] } : { servers: [{ url: '/api/v1' }] }),
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Agent token from POST /auth/login' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key', description: 'Server-to-server key from the server options' },
      },
    },
    security: [{ bearer: [] }, { apiKey: [] }],
  };
}
