import type { Agent } from './model.js';

/** Who may call an HTTP route a plugin contributes. */
export type RouteAuth = 'public' | 'agent' | 'supervisor' | 'admin';

/** The caller of a route, as the server authenticated it. */
export interface RouteContext {
  /** Path parameters (`/orders/:id` → `{ id }`). */
  params: Record<string, string>;
  /** The caller's tenant (for `public` routes: from the `tenant` query parameter, else the default tenant). */
  tenantId: string;
  /** The authenticated agent (absent on `public` routes). */
  agent?: Pick<Agent, 'id' | 'tenantId' | 'role' | 'name'>;
}

/**
 * An HTTP route a plugin contributes (a commerce webhook, a card action link, an agent-only API).
 * Core only collects them; a server (such as `@kefu/server`) mounts them, authenticates the caller
 * according to `auth` and answers errors in its usual shape. Fetch API types keep a route usable
 * in any server.
 */
export interface HttpRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Absolute path, with `:name` parameters, e.g. `/api/v1/commerce/orders/:id`. */
  path: string;
  auth: RouteAuth;
  handler(request: Request, context: RouteContext): Promise<Response>;
  /** One line for the OpenAPI document. */
  summary?: string;
  /** OpenAPI tag (group), e.g. the plugin's name. */
  tag?: string;
  /** JSON Schema of the request body, for the OpenAPI document. */
  requestSchema?: Record<string, unknown>;
  /** JSON Schema of the answer, for the OpenAPI document. */
  responseSchema?: Record<string, unknown>;
}
