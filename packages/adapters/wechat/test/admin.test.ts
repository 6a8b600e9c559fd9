import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type KefuApp, createApp } from '@kefu/core';
import { type KefuServer, createServer } from '@kefu/server';
import { createSqliteStore } from '@kefu/store-sql';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type OfficialAccountConfig, WECHAT_ACCOUNTS_KV, createWechatAdapter, wechatAdminPlugin, wechatSignature } from '../src/index.js';
import { FakeWechat } from './fake-wechat.js';
import { OA_APP_ID, OA_SECRET, aesKey, textXml, until } from './harness.js';
import { buildWechatXml } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'kefu-wechat-admin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fake: FakeWechat | undefined;
let running: KefuServer | undefined;
afterEach(async () => {
  await running?.close();
  await fake?.close();
  running = undefined;
  fake = undefined;
});

const BASE = '/api/v1/channels/wechat/accounts';

/** A server on a SQLite file with one configured Official Account and the admin plugin. */
async function boot(filename: string, fakeUrl: string) {
  const configured: OfficialAccountConfig = { kind: 'official', id: 'env-oa', appId: OA_APP_ID, appSecret: OA_SECRET, token: 'env-token', apiBaseUrl: fakeUrl };
  const app: KefuApp = createApp({ store: createSqliteStore({ filename }) });
  const wechat = createWechatAdapter({ accounts: [configured] });
  app.adapter(wechat).use(wechatAdminPlugin(wechat));
  const server = createServer({ app, port: 0, jwtSecret: 'a-test-secret-long-enough', scrypt: { N: 1024, r: 8, p: 1 } });
  running = server;
  const { url } = await server.start();
  const tokens: Record<string, string> = {};
  for (const [id, role, tenantId] of [['ada', 'admin', 'default'], ['alice', 'agent', 'default'], ['otto', 'admin', 'other']] as const) {
    const agent = await app.agents.upsert({ id, tenantId, name: id, email: `${id}@example.com`, role, teams: [], skills: {}, languages: [], capacity: 3 });
    tokens[id] = await server.agentsAuth.issueToken(agent);
  }
  const api = async (path: string, init: { method?: string; token?: string; body?: unknown } = {}) => {
    const res = await fetch(`${url}${path}`, {
      method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'),
      headers: { ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(init.body !== undefined ? { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  /** A plaintext message to an account, signed with its token as WeChat does. */
  const post = (accountId: string, token: string, openid: string, msgId: string) => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = String(Math.floor(Math.random() * 1e9));
    const q = new URLSearchParams({ signature: wechatSignature(token, timestamp, nonce), timestamp, nonce, openid });
    return fetch(`${url}/webhooks/wechat/${accountId}?${q}`, { method: 'POST', body: buildWechatXml(textXml(openid, 'hello', msgId)), headers: { 'content-type': 'text/xml' } });
  };
  return { app, server, api, tokens, post };
}

describe('wechatAdminPlugin', () => {
  it('adds accounts over REST for admins only, masks secrets, serves them at once and after a restart', async () => {
    fake = await FakeWechat.start();
    fake.credentials.set(OA_APP_ID, OA_SECRET);
    fake.credentials.set('wx-new-shop', 'new-shop-secret');
    const filename = join(dir, 'restart.db');
    let s = await boot(filename, fake.url);
    const key = aesKey();
    const shop = { kind: 'official', id: 'shop2', appId: 'wx-new-shop', appSecret: 'new-shop-secret', token: 'shop2-token', encodingAesKey: key, mode: 'compatible', apiBaseUrl: fake.url };

    // Who may: an agent is refused, nobody without a token either.
    expect((await s.api(BASE, { token: s.tokens.alice })).status).toBe(403);
    expect((await s.api(BASE, { body: shop, token: s.tokens.alice })).status).toBe(403);
    expect((await s.api(BASE)).status).toBe(401);

    // Before the account exists its webhook is refused.
    expect((await s.post('shop2', 'shop2-token', 'openid-a', '1001')).status).toBe(404);

    const created = await s.api(BASE, { body: shop, token: s.tokens.ada });
    expect(created.status).toBe(201);
    expect(created.body.account).toMatchObject({ id: 'shop2', appSecret: '********', token: '********', encodingAesKey: '********', tenantId: 'default', source: 'api' });
    expect(created.body.webhookPath).toBe('/webhooks/wechat/shop2');
    const listed = await s.api(BASE, { token: s.tokens.ada });
    expect(listed.body.items.map((a: any) => [a.id, a.source])).toEqual([['env-oa', 'config'], ['shop2', 'api']]);
    expect(JSON.stringify(listed.body)).not.toContain('new-shop-secret');
    expect(JSON.stringify(listed.body)).not.toContain(key);
    expect(JSON.stringify(listed.body)).not.toContain('env-token');
    // Another tenant's admin sees none of them.
    expect((await s.api(BASE, { token: s.tokens.otto })).body.items).toEqual([]);

    // Usable right away: a signed message for the new account is accepted and stored; a forged one is not.
    const ok = await s.post('shop2', 'shop2-token', 'openid-a', '1002');
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('success');
    expect((await s.post('shop2', 'wrong-token', 'openid-a', '1003')).status).toBe(401);
    const stored = await until(async () => (await s.app.store.listConversations({ channel: 'wechat' })).find((c) => c.address === 'shop2:openid-a'), 'the conversation');
    expect(stored.tenantId).toBe('default');

    // Restart on the same file: the account is back and still serves.
    await s.server.close();
    s = await boot(filename, fake.url);
    expect((await s.api(BASE, { token: s.tokens.ada })).body.items.map((a: any) => a.id)).toEqual(['env-oa', 'shop2']);
    expect((await s.post('shop2', 'shop2-token', 'openid-b', '1004')).status).toBe(200);

    // Delete: configured accounts are refused, another tenant gets 404, the API one goes for good.
    const fromConfig = await s.api(`${BASE}/env-oa`, { method: 'DELETE', token: s.tokens.ada });
    expect(fromConfig.status).toBe(409);
    expect(fromConfig.body.error.code).toBe('KEFU_WECHAT_ACCOUNT_FROM_CONFIG');
    expect((await s.api(`${BASE}/shop2`, { method: 'DELETE', token: s.tokens.otto })).status).toBe(404);
    expect((await s.api(`${BASE}/shop2`, { method: 'DELETE', token: s.tokens.alice })).status).toBe(403);
    expect((await s.api(`${BASE}/shop2`, { method: 'DELETE', token: s.tokens.ada })).status).toBe(204);
    expect((await s.post('shop2', 'shop2-token', 'openid-b', '1005')).status).toBe(404);
    expect(await s.app.store.kvGet(WECHAT_ACCOUNTS_KV, 'wechat')).toEqual({ entries: [] });
    await s.server.close();
    s = await boot(filename, fake.url);
    expect((await s.api(BASE, { token: s.tokens.ada })).body.items.map((a: any) => a.id)).toEqual(['env-oa']);
  });

  it('refuses bad input with 400 and clear messages, and changes nothing', async () => {
    fake = await FakeWechat.start();
    const s = await boot(join(dir, 'bad.db'), fake.url);
    const bad = async (body: unknown, message: RegExp) => {
      const r = await s.api(BASE, { body, token: s.tokens.ada });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe('KEFU_INVALID_INPUT');
      expect(r.body.error.message).toMatch(message);
    };
    await bad('{not json', /must be JSON/);
    await bad([1, 2], /JSON object/);
    await bad({ kind: 'weibo', id: 'x', token: 't' }, /kind must be "official" or "wecom"/);
    await bad({ kind: 'official', id: 'x', token: 't', appId: 'wx1' }, /appSecret is required/);
    await bad({ kind: 'official', id: 'has space', token: 't', appId: 'wx1', appSecret: 's' }, /id must match/);
    await bad({ kind: 'official', id: 'x', token: 't', appId: 'wx1', appSecret: 's', encodingAesKey: 'short' }, /43 characters/);
    await bad({ kind: 'official', id: 'x', token: 't', appId: 'wx1', appSecret: 42 }, /appSecret must be a string/);
    await bad({ kind: 'official', id: 'x', token: 't', appId: 'wx1', appSecret: 's', apiBaseUrl: 'file:///etc/passwd' }, /apiBaseUrl must be an http\(s\) URL/);
    await bad({ kind: 'official', id: 'x', token: 't', appId: 'wx1', appSecret: 's', tenantId: 'other' }, /tenantId/);
    await bad({ kind: 'wecom', id: 'kf', token: 't', corpId: 'ww1', secret: 's' }, /encodingAesKey is required/);
    await bad({ kind: 'wecom', id: 'kf', token: 't', corpId: 'ww1', secret: 's', encodingAesKey: aesKey(), serviceStates: 'sometimes' }, /serviceStates/);
    const dup = await s.api(BASE, { body: { kind: 'official', id: 'env-oa', token: 't', appId: 'wx1', appSecret: 's' }, token: s.tokens.ada });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('KEFU_DUPLICATE_REGISTRATION');
    expect((await s.api(BASE, { token: s.tokens.ada })).body.items.map((a: any) => a.id)).toEqual(['env-oa']);
    expect(await s.app.store.kvGet(WECHAT_ACCOUNTS_KV, 'wechat')).toBeUndefined();
  });
});
