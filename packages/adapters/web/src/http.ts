/**
 * An HTTP route the server mounts as is (Fetch API, so it fits any Node server). A `path` ending
 * in `/*` matches every path under that prefix.
 */
export interface HttpRoute {
  method: 'GET' | 'POST' | 'HEAD';
  path: string;
  handler(request: Request): Promise<Response>;
}

/** A JSON error answer in the API's shape: `{ error: { code, message } }`. */
export function jsonError(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ error: { code, message } }), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } });
}

/**
 * Finds the route for a request among `routes` (a helper for servers that mount routes
 * themselves): exact paths first, then `/*` prefixes.
 */
export function matchRoute(routes: readonly HttpRoute[], method: string, pathname: string): HttpRoute | undefined {
  const m = method === 'HEAD' ? 'GET' : method;
  return (
    routes.find((r) => r.method === m && r.path === pathname) ??
    routes.find((r) => r.method === m && r.path.endsWith('/*') && pathname.startsWith(r.path.slice(0, -1)))
  );
}
