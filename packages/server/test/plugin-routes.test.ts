import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const echo = (auth: 'public' | 'agent' | 'supervisor') => ({
  method: 'GET' as const,
  path: `/api/v1/echo-${auth}/:id`,
  auth,
  async handler(request: Request, ctx: { params: Record<string, string>; tenantId: string; agent?: { id: string } }) {
    return Response.json({ id: ctx.params.id, tenantId: ctx.tenantId, agent: ctx.agent?.id ?? null, q: new URL(request.url).searchParams.get('q') });
  },
});

describe('routes contributed by plugins (app.httpRoute)', () => {
  it('mounts public routes with the tenant from the query', async () => {
    h = await startHarness({ setup: (app) => void app.httpRoute(echo('public')) });
    const r = await h.api('/api/v1/echo-public/42?tenant=shop-a&q=hi');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ id: '42', tenantId: 'shop-a', agent: null, q: 'hi' });
  });

  it('authenticates agent routes and passes the agent and their tenant', async () => {
    h = await startHarness({ setup: (app) => void app.httpRoute(echo('agent')) });
    expect((await h.api('/api/v1/echo-agent/1')).status).toBe(401);
    expect((await h.api('/api/v1/echo-agent/1', { token: 'forged.token.value' })).status).toBe(401);
    const ok = await h.api('/api/v1/echo-agent/1', { token: h.tokens.zoe });
    expect(ok.body).toEqual({ id: '1', tenantId: 'other', agent: 'zoe', q: null });
  });

  it('enforces the route role', async () => {
    h = await startHarness({ setup: (app) => void app.httpRoute(echo('supervisor')) });
    const refused = await h.api('/api/v1/echo-supervisor/1', { token: h.tokens.alice });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('KEFU_FORBIDDEN');
    expect((await h.api('/api/v1/echo-supervisor/1', { token: h.tokens.sue })).status).toBe(200);
  });

  it('lists plugin routes in the OpenAPI document', async () => {
    h = await startHarness({
      setup: (app) => {
        app.httpRoute({ ...echo('agent'), summary: 'Echo for tests', tag: 'echo' });
        app.httpRoute({ method: 'POST', path: '/webhooks/echo', auth: 'public', handler: async () => new Response('ok') });
      },
    });
    const doc = (await h.api('/api/v1/openapi.json')).body;
    expect(doc.paths['/echo-agent/{id}'].get).toMatchObject({ summary: 'Echo for tests', tags: ['echo'], parameters: [{ name: 'id', in: 'path' }] });
    expect(doc.paths['/webhooks/echo'].post.security).toEqual([]);
    expect(doc.paths['/webhooks/echo'].servers).toEqual([{ url: h.url }]);
  });

  it('leaves the built-in API alone', async () => {
    h = await startHarness({ setup: (app) => void app.httpRoute(echo('agent')) });
    expect((await h.api('/api/v1/me', { token: h.tokens.alice })).body.agent.id).toBe('alice');
  });
});
