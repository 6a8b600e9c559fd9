import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type KefuApp, createApp } from '@kefu/core';
import { type KefuServer, createServer } from '@kefu/server';
import { createSqliteStore } from '@kefu/store-sql';
import twilio from 'twilio';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createPhoneAdapter } from '../adapter.js';
import { PHONE_NUMBERS_KV, phoneAdminPlugin } from '../admin.js';
import { createTwilioHttpClient } from '../twilio.js';
import { ACCOUNT_SID, AUTH_TOKEN, FakeTwilioApi, PUBLIC_URL, parseTwiml } from './fake-twilio.js';

const dir = mkdtempSync(join(tmpdir(), 'kefu-phone-admin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CONFIGURED = '+14155550100';
const NEW = '+8675512345678';
const CALLER = '+14155550123';
const BASE = '/api/v1/channels/phone/numbers';

let fake: FakeTwilioApi | undefined;
let running: KefuServer | undefined;
afterEach(async () => {
  await running?.close();
  await fake?.close();
  running = undefined;
  fake = undefined;
});

/** A server on a SQLite file with one configured number and the admin plugin. */
async function boot(filename: string) {
  fake ??= await new FakeTwilioApi().start();
  const app: KefuApp = createApp({ store: createSqliteStore({ filename }) });
  const phone = createPhoneAdapter({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, publicUrl: PUBLIC_URL, numbers: [CONFIGURED], httpClient: createTwilioHttpClient({ apiBase: fake.url }) });
  app.adapter(phone).adapter(phone.sms).use(phoneAdminPlugin(phone));
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
  /** An incoming call to `to`, signed by Twilio over the public URL and delivered to this server. */
  const call = async (to: string, callSid: string) => {
    const params = { CallSid: callSid, AccountSid: ACCOUNT_SID, From: CALLER, To: to, CallStatus: 'ringing', Direction: 'inbound' };
    const signature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${PUBLIC_URL}/webhooks/phone/voice`, params);
    const res = await fetch(`${url}/webhooks/phone/voice`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, body: new URLSearchParams(params).toString() });
    return { status: res.status, text: await res.text() };
  };
  return { app, server, api, tokens, call };
}

const callSid = (n: number) => `CA${n.toString(16).padStart(32, '0')}`;

describe('phoneAdminPlugin', () => {
  it('adds numbers over REST for admins only, serves them at once and after a restart', async () => {
    const filename = join(dir, 'restart.db');
    let s = await boot(filename);
    expect((await s.api(BASE, { token: s.tokens.alice })).status).toBe(403);
    expect((await s.api(BASE, { body: { number: NEW }, token: s.tokens.alice })).status).toBe(403);
    expect((await s.api(BASE)).status).toBe(401);
    expect((await s.call(NEW, callSid(1))).status).toBe(404);

    const created = await s.api(BASE, { body: { number: NEW, sms: false }, token: s.tokens.ada });
    expect(created.status).toBe(201);
    expect(created.body.number).toEqual({ number: NEW, sms: false, tenantId: 'default', source: 'api' });
    expect((await s.api(BASE, { token: s.tokens.ada })).body.items.map((n: any) => [n.number, n.source])).toEqual([[CONFIGURED, 'config'], [NEW, 'api']]);
    expect((await s.api(BASE, { token: s.tokens.otto })).body.items).toEqual([]);

    // Usable right away: Twilio's signed call to the new number is answered with the IVR.
    const answered = await s.call(NEW, callSid(2));
    expect(answered.status).toBe(200);
    expect(parseTwiml(answered.text).Gather).toBeDefined();
    expect((await s.app.store.listConversations({ channel: 'phone' })).map((c) => c.address)).toEqual([CALLER]);

    await s.server.close();
    s = await boot(filename);
    expect((await s.api(BASE, { token: s.tokens.ada })).body.items.map((n: any) => n.number)).toEqual([CONFIGURED, NEW]);
    expect((await s.call(NEW, callSid(3))).status).toBe(200);

    const fromConfig = await s.api(`${BASE}/${encodeURIComponent(CONFIGURED)}`, { method: 'DELETE', token: s.tokens.ada });
    expect(fromConfig.status).toBe(409);
    expect(fromConfig.body.error.code).toBe('KEFU_PHONE_NUMBER_FROM_CONFIG');
    expect((await s.api(`${BASE}/${encodeURIComponent(NEW)}`, { method: 'DELETE', token: s.tokens.otto })).status).toBe(404);
    expect((await s.api(`${BASE}/${encodeURIComponent(NEW)}`, { method: 'DELETE', token: s.tokens.ada })).status).toBe(204);
    expect((await s.call(NEW, callSid(4))).status).toBe(404);
    await s.server.close();
    s = await boot(filename);
    expect((await s.api(BASE, { token: s.tokens.ada })).body.items.map((n: any) => n.number)).toEqual([CONFIGURED]);
  });

  it('refuses bad input with 400 and clear messages, and changes nothing', async () => {
    const s = await boot(join(dir, 'bad.db'));
    const bad = async (body: unknown, message: RegExp) => {
      const r = await s.api(BASE, { body, token: s.tokens.ada });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.message).toMatch(message);
    };
    await bad('{nope', /must be JSON/);
    await bad({ number: '0755 1234 5678' }, /E\.164/);
    await bad({ number: NEW, voice: 'yes' }, /voice must be true or false/);
    await bad({ number: NEW, voice: false, sms: false }, /voice, SMS or both/);
    await bad({ number: NEW, tenantId: 'other' }, /tenantId/);
    await bad({ number: NEW, authToken: 'x' }, /unknown field\(s\): authToken/);
    const ivr = await s.api(BASE, { body: { number: NEW, ivr: { start: 'nowhere', menus: {} } }, token: s.tokens.ada });
    expect(ivr.status).toBe(400);
    expect(ivr.body.error.code).toBe('KEFU_PHONE_IVR_INVALID');
    const dup = await s.api(BASE, { body: { number: CONFIGURED }, token: s.tokens.ada });
    expect(dup.status).toBe(409);
    expect((await s.api(BASE, { token: s.tokens.ada })).body.items.map((n: any) => n.number)).toEqual([CONFIGURED]);
    expect(await s.app.store.kvGet(PHONE_NUMBERS_KV, 'phone')).toBeUndefined();
    expect((await s.call(NEW, callSid(9))).status).toBe(404);
  });
});
