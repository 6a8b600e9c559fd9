import type { Agent, HttpRoute, KefuApp } from '@kefu/core';

const RANK = { public: 0, agent: 1, supervisor: 2, admin: 3 } as const;

/**
 * Calls a plugin route the way a server mounts it: matches method and path (with `:params`),
 * refuses callers below the route's `auth` with 403 as @kefu/server does, then runs the handler
 * with a real Fetch `Request`.
 */
export async function call(app: KefuApp, method: HttpRoute['method'], url: string, caller: Pick<Agent, 'id' | 'tenantId' | 'role' | 'name'>, body?: unknown): Promise<{ status: number; json: any }> {
  const path = new URL(url, 'http://kefu.test').pathname;
  for (const route of app.httpRoutes) {
    if (route.method !== method) continue;
    const names: string[] = [];
    const re = new RegExp(`^${route.path.replace(/:([a-zA-Z]+)/g, (_, n: string) => (names.push(n), '([^/]+)'))}$`);
    const m = re.exec(path);
    if (!m) continue;
    if (RANK[caller.role] < RANK[route.auth]) return { status: 403, json: { error: { code: 'KEFU_FORBIDDEN' } } };
    const params = Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]));
    const init: RequestInit = { method, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) };
    const res = await route.handler(new Request(new URL(url, 'http://kefu.test'), init), { params, tenantId: caller.tenantId, agent: caller });
    return { status: res.status, json: await res.json() };
  }
  return { status: 404, json: { error: { code: 'KEFU_NOT_FOUND' } } };
}
