import { createApp, createMemoryStore, isKefuError, type KefuApp, type Store } from '@kefu/core';
import { adapterConformance, FakeClock } from '@kefu/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createPhoneAdapter, type PhoneAdapter } from '../adapter.js';
import type { OutboundCall } from '../calls.js';
import { phoneConfigFromEnv } from '../config.js';
import { smsInfo, splitSms, splitSmsSegments } from '../sms-split.js';
import { createTwilioHttpClient } from '../twilio.js';
import { ACCOUNT_SID, AUTH_TOKEN, FakeTwilioApi, parseTwiml, PUBLIC_URL, twilioPost } from './fake-twilio.js';

const OUR = '+14155550100';
const CUSTOMER = '+14155550123';
const S = (route: string) => `${PUBLIC_URL}/webhooks/sms${route}`;
let n = 0;
const msgSid = () => 'SM' + (++n).toString(16).padStart(32, '0');

interface H {
  api: FakeTwilioApi;
  app: KefuApp;
  phone: PhoneAdapter;
  store: Store;
  clock: FakeClock;
  /** Twilio sids of the messages sent so far, in order. */
  sids: string[];
}
let h: H | undefined;
afterEach(async () => {
  await h?.app.close();
  await h?.api.close();
  h = undefined;
});

async function setup(extra: Partial<Parameters<typeof createPhoneAdapter>[0]> = {}): Promise<H> {
  const api = await new FakeTwilioApi().start();
  const store = createMemoryStore();
  const clock = new FakeClock();
  const app = createApp({ store, clock });
  const phone = createPhoneAdapter({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, publicUrl: PUBLIC_URL, numbers: [OUR], httpClient: createTwilioHttpClient({ apiBase: api.url }), ...extra });
  app.adapter(phone).adapter(phone.sms);
  await app.start();
  h = { api, app, phone, store, clock, sids: [] };
  return h;
}

async function inbound(x: H, body: string, extra: Record<string, string> = {}) {
  const res = await twilioPost(x.phone.sms.handleWebhook, S('/inbound'), { MessageSid: msgSid(), AccountSid: ACCOUNT_SID, From: CUSTOMER, To: OUR, Body: body, NumMedia: '0', ...extra });
  expect(res.status).toBe(200);
  expect(parseTwiml(await res.text())).toEqual({});
  return (await x.store.findOpenConversation('default', 'sms', CUSTOMER))!;
}

/** Twilio posts a status callback to the URL the adapter gave messages.create. */
async function status(x: H, index: number, MessageStatus: string, extra: Record<string, string> = {}) {
  const req = x.api.created('Messages')[index]!;
  return twilioPost(x.phone.sms.handleWebhook, req.params.get('StatusCallback')!, { MessageSid: x.sids[index]!, MessageStatus, AccountSid: ACCOUNT_SID, ...extra });
}

async function sendAndWait(x: H, conversationId: string, parts: Parameters<KefuApp['send']>[1]) {
  const message = await x.app.send(conversationId, parts, { author: { role: 'agent', id: 'a1' } });
  await x.app.idle();
  const stored = (await x.store.getMessage(message.id))!;
  x.sids.push(...((stored.meta?.sms as { sids?: string[] } | undefined)?.sids ?? []));
  return stored;
}

describe('SMS', () => {
  it('threads inbound SMS and MMS per customer number with a verified phone identifier', async () => {
    const x = await setup();
    const c1 = await inbound(x, '我的订单到哪了？');
    const c2 = await inbound(x, '', { NumMedia: '2', MediaUrl0: 'https://api.twilio.com/m/ME1', MediaContentType0: 'image/jpeg', MediaUrl1: 'https://api.twilio.com/m/ME2', MediaContentType1: 'application/pdf' });
    expect(c2.id).toBe(c1.id);
    const msgs = await x.store.listMessages(c1.id);
    expect(msgs.map((m) => m.parts.map((p) => p.type))).toEqual([['text'], ['image', 'file']]);
    expect(msgs[1]!.parts[0]).toMatchObject({ url: 'https://api.twilio.com/m/ME1', mimeType: 'image/jpeg' });
    const contact = (await x.store.getContact('default', c1.contactId))!;
    expect(contact.identifiers).toContainEqual({ kind: 'phone', value: CUSTOMER });
    expect((await x.store.getConversation(c1.id))!.attributes.twilioNumber).toBe(OUR);
  });

  it('sends replies through messages.create with a status callback and reflects delivered / failed', async () => {
    const x = await setup();
    const conv = await inbound(x, 'hi');
    const sent = await sendAndWait(x, conv.id, '您的包裹已发货');
    const create = x.api.created('Messages')[0]!;
    expect(create.params.get('To')).toBe(CUSTOMER);
    expect(create.params.get('From')).toBe(OUR);
    expect(create.params.get('Body')).toBe('您的包裹已发货');
    expect(create.params.get('StatusCallback')).toBe(`${S('/status')}?m=${sent.id}`);
    expect(sent.status).toBe('sent');
    expect(sent.externalId).toMatch(/^SM[0-9a-f]{32}$/);
    expect((await status(x, 0, 'sent')).status).toBe(204);
    expect((await x.store.getMessage(sent.id))!.status).toBe('sent');
    await status(x, 0, 'delivered');
    expect((await x.store.getMessage(sent.id))!.status).toBe('delivered');

    const failed = await sendAndWait(x, conv.id, 'second');
    const seen: string[] = [];
    x.app.on('message.failed', ({ error }) => void seen.push(error.code));
    await status(x, 1, 'undelivered', { ErrorCode: '30003' });
    const after = (await x.store.getMessage(failed.id))!;
    expect(after.status).toBe('failed');
    expect(after.error).toMatchObject({ code: 'KEFU_PHONE_SMS_UNDELIVERED' });
    expect(after.error!.message).toContain('30003');
    expect(after.meta?.twilioErrorCode).toBe(30003);
    expect(seen).toEqual(['KEFU_PHONE_SMS_UNDELIVERED']);
  });

  it('splits long texts into whole-word segments and reports delivery when every part arrived', async () => {
    const x = await setup({ smsMaxSegments: 1 });
    const conv = await inbound(x, 'hi');
    const long = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' '); // 409 GSM-7 characters: 3 segments
    const sent = await sendAndWait(x, conv.id, long);
    const bodies = x.api.created('Messages').map((r) => r.params.get('Body')!);
    expect(bodies.length).toBe(3);
    expect(bodies.join('')).toBe(long);
    for (const b of bodies) expect(smsInfo(b).units).toBeLessThanOrEqual(153);
    for (const b of bodies.slice(0, -1)) expect(b.endsWith(' ')).toBe(true);
    await status(x, 0, 'delivered');
    await status(x, 1, 'delivered');
    expect((await x.store.getMessage(sent.id))!.status).toBe('sent');
    await status(x, 2, 'delivered');
    expect((await x.store.getMessage(sent.id))!.status).toBe('delivered');
  });

  it('honours STOP / 退订 and START: recorded, outbound blocked with a coded error, then allowed again', async () => {
    const x = await setup();
    const conv = await inbound(x, ' stop ');
    // "STOP" opens no work for agents: the router did not run.
    expect(conv.status).toBe('bot');
    expect(await x.phone.sms.isOptedOut(CUSTOMER)).toBe(true);
    const events = (await x.store.listMessages(conv.id)).flatMap((m) => m.parts).filter((p) => p.type === 'event');
    expect(events).toEqual([{ type: 'event', name: 'sms.opted_out', data: { keyword: 'stop', number: CUSTOMER } }]);

    const blocked = await sendAndWait(x, conv.id, 'promo');
    expect(blocked.status).toBe('failed');
    expect(blocked.error!.message).toContain('KEFU_PHONE_SMS_OPTED_OUT');
    await expect(x.phone.sms.sendText({ to: CUSTOMER, text: 'notice' })).rejects.toSatisfy((e) => isKefuError(e, 'KEFU_PHONE_SMS_OPTED_OUT'));
    expect(x.api.created('Messages')).toHaveLength(0);

    await inbound(x, 'START');
    expect(await x.phone.sms.isOptedOut(CUSTOMER)).toBe(false);
    expect(await x.phone.sms.sendText({ to: CUSTOMER, text: 'welcome back' })).toHaveLength(1);
    await inbound(x, '退订');
    expect(await x.phone.sms.isOptedOut(CUSTOMER)).toBe(true);
  });

  it('renders cards as numbered text and maps a numbered reply back to the card action', async () => {
    const x = await setup();
    const conv = await inbound(x, 'order?');
    const card = await sendAndWait(x, conv.id, [
      { type: 'card', card: { kind: 'order', title: '订单 #1001', fields: [{ label: '状态', value: '待付款' }], actions: [{ id: 'pay', label: '去支付', type: 'postback' }, { id: 'cancel', label: '取消订单', type: 'postback', value: '1001' }] } },
    ]);
    expect(x.api.created('Messages')[0]!.params.get('Body')).toBe('订单 #1001\n状态: 待付款\n1. 去支付\n2. 取消订单');
    await inbound(x, ' 2 ');
    const last = (await x.store.listMessages(conv.id)).at(-1)!;
    expect(last.parts).toEqual([{ type: 'action', actionId: 'cancel', label: '取消订单', value: '1001', cardMessageId: card.id }]);
    await inbound(x, '7');
    expect((await x.store.listMessages(conv.id)).at(-1)!.parts).toEqual([{ type: 'text', text: '7' }]);
  });

  it('fails an invalid number for good (21211) and retries a rate-limited send (20429)', async () => {
    const x = await setup();
    const conv = await inbound(x, 'hi');
    x.api.invalidNumbers.add(CUSTOMER);
    const bad = await sendAndWait(x, conv.id, 'x');
    expect(bad.status).toBe('failed');
    expect(bad.error).toMatchObject({ code: 'KEFU_DELIVERY_FAILED' });
    expect(bad.error!.message).toContain('21211');
    x.api.invalidNumbers.clear();

    x.api.failNext.push({ status: 429, code: 20429, message: 'Too Many Requests' });
    const limited = await sendAndWait(x, conv.id, 'later');
    expect(limited.status).toBe('pending');
    expect(limited.error!.message).toContain('20429');
    await x.clock.advance(1000);
    await x.app.scheduler.runDue();
    await x.app.idle();
    expect((await x.store.getMessage(limited.id))!.status).toBe('sent');
  });

  it('rejects forged and unsigned SMS webhooks without storing anything', async () => {
    const x = await setup();
    const params = { MessageSid: msgSid(), From: CUSTOMER, To: OUR, Body: 'hi' };
    expect((await twilioPost(x.phone.sms.handleWebhook, S('/inbound'), params, { signature: 'AAAA' })).status).toBe(403);
    expect((await twilioPost(x.phone.sms.handleWebhook, S('/inbound'), params, { signature: null })).status).toBe(403);
    expect((await twilioPost(x.phone.sms.handleWebhook, S('/inbound'), params, { signedUrl: 'http://10.1.2.3:3000/webhooks/sms/inbound' })).status).toBe(403);
    expect((await twilioPost(x.phone.sms.handleWebhook, S('/inbound'), { From: CUSTOMER, To: OUR })).status).toBe(400);
    expect(await x.store.listConversations({})).toHaveLength(0);
  });
});

describe('outbound calls', () => {
  async function statusCb(x: H, call: OutboundCall, params: Record<string, string>) {
    const url = x.api.created('Calls').at(-1)!.params.get('StatusCallback')!;
    const res = await twilioPost(x.phone.handleWebhook, url, { CallSid: call.sid!, AccountSid: ACCOUNT_SID, ...params });
    expect(res.status).toBe(204);
    return (await x.phone.getCall(call.id))!;
  }

  it('creates the call with TwiML, status callbacks and machine detection, and tracks its status sequence', async () => {
    const x = await setup();
    const seen: string[] = [];
    const call = await x.phone.placeCall({ to: CUSTOMER, script: '您的订单已发货', machineDetection: 'DetectMessageEnd', statusCallback: (c) => void seen.push(c.status) });
    expect(call.status).toBe('queued');
    const req = x.api.created('Calls')[0]!;
    expect(req.params.get('From')).toBe(OUR);
    expect(req.params.get('MachineDetection')).toBe('DetectMessageEnd');
    expect(req.params.getAll('StatusCallbackEvent')).toEqual(['initiated', 'ringing', 'answered', 'completed']);
    const twiml = parseTwiml(req.params.get('Twiml')!);
    expect(twiml.Say[0]).toMatchObject({ '#text': '您的订单已发货', '@_voice': 'Polly.Zhiyu' });
    await statusCb(x, call, { CallStatus: 'initiated' });
    await statusCb(x, call, { CallStatus: 'ringing' });
    await statusCb(x, call, { CallStatus: 'in-progress', AnsweredBy: 'machine_end_beep' });
    const done = await statusCb(x, call, { CallStatus: 'completed', CallDuration: '21', AnsweredBy: 'machine_end_beep' });
    expect(done.history.map((s) => s.status)).toEqual(['queued', 'initiated', 'ringing', 'in-progress', 'completed']);
    expect(done).toMatchObject({ status: 'completed', outcome: 'machine', answeredBy: 'machine_end_beep', durationSec: 21 });
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual(['queued', 'initiated', 'ringing', 'in-progress', 'completed']);
  });

  it('retries busy and no-answer calls through the scheduler until attempts run out', async () => {
    const x = await setup({ callMaxAttempts: 2, callRetryDelayMs: 60_000 });
    const call = await x.phone.placeCall({ to: CUSTOMER, twimlUrl: 'https://shop.example.com/twiml/notice' });
    expect(x.api.created('Calls')[0]!.params.get('Url')).toBe('https://shop.example.com/twiml/notice');
    const busy = await statusCb(x, call, { CallStatus: 'busy' });
    expect(busy.status).toBe('pending');
    expect(x.api.created('Calls')).toHaveLength(1);
    await x.clock.advance(60_000);
    await x.app.scheduler.runDue();
    expect(x.api.created('Calls')).toHaveLength(2);
    const second = (await x.phone.getCall(call.id))!;
    expect(second.attempts).toBe(2);
    const final = await statusCb(x, second, { CallStatus: 'no-answer' });
    expect(final).toMatchObject({ status: 'no-answer', outcome: 'no-answer', attempts: 2 });
  });

  it('rejects an invalid number (21211) with a coded error and retries a rate limit (20429)', async () => {
    const x = await setup({ callRetryDelayMs: 1000 });
    x.api.invalidNumbers.add('+14155550999');
    await expect(x.phone.placeCall({ to: '+14155550999', script: 'hi' })).rejects.toSatisfy((e) => isKefuError(e, 'KEFU_PHONE_CALL_FAILED') && e.details?.twilioCode === 21211);
    x.api.failNext.push({ status: 429, code: 20429, message: 'Too Many Requests' });
    const limited = await x.phone.placeCall({ to: CUSTOMER, script: 'hi' });
    expect(limited).toMatchObject({ status: 'pending', error: { twilioCode: 20429 } });
    await x.clock.advance(1000);
    await x.app.scheduler.runDue();
    expect((await x.phone.getCall(limited.id))!.status).toBe('queued');
    await expect(x.phone.placeCall({ to: 'not-a-number', script: 'hi' })).rejects.toSatisfy((e) => isKefuError(e, 'KEFU_INVALID_INPUT'));
  });

  it('keeps to the per-account concurrency limit', async () => {
    const x = await setup({ maxConcurrentCalls: 1 });
    const first = await x.phone.placeCall({ to: CUSTOMER, script: 'one' });
    const second = await x.phone.placeCall({ to: '+14155550124', script: 'two' });
    expect(second.status).toBe('pending');
    expect(x.api.created('Calls')).toHaveLength(1);
    await statusCb(x, first, { CallStatus: 'completed', CallDuration: '5' });
    await expect.poll(() => x.api.created('Calls').length).toBe(2);
    await expect.poll(async () => (await x.phone.getCall(second.id))!.status).toBe('queued');
  });
});

describe('configuration and SMS length rules', () => {
  it('reads the environment', () => {
    expect(phoneConfigFromEnv({})).toBeUndefined();
    expect(phoneConfigFromEnv({ TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: AUTH_TOKEN, TWILIO_NUMBERS: `${OUR}, +8675500000001`, KEFU_PUBLIC_URL: PUBLIC_URL, TWILIO_API_BASE: 'http://127.0.0.1:9' })).toEqual({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      publicUrl: PUBLIC_URL,
      numbers: [OUR, '+8675500000001'],
      apiBase: 'http://127.0.0.1:9',
    });
    expect(() => phoneConfigFromEnv({ TWILIO_ACCOUNT_SID: ACCOUNT_SID })).toThrow(/TWILIO_AUTH_TOKEN, KEFU_PUBLIC_URL, TWILIO_NUMBERS are missing/);
  });

  it('rejects bad adapter options and IVR definitions with coded errors', () => {
    const base = { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, publicUrl: PUBLIC_URL, numbers: [OUR] };
    expect(() => createPhoneAdapter({ ...base, publicUrl: 'kefu.example.com' })).toThrow(expect.objectContaining({ code: 'KEFU_PHONE_CONFIG_INVALID' }));
    expect(() => createPhoneAdapter({ ...base, numbers: ['5550100'] })).toThrow(expect.objectContaining({ code: 'KEFU_PHONE_CONFIG_INVALID' }));
    let problems: string[] = [];
    try {
      createPhoneAdapter({
        ...base,
        ivr: {
          languages: ['zh-CN', 'en-US'],
          defaultLanguage: 'zh-CN',
          start: 'main',
          menus: {
            main: {
              prompt: { 'zh-CN': '请选择' } as Record<string, string>,
              options: [
                { key: '1', action: { type: 'menu', menu: 'nowhere' } },
                { key: '1', action: { type: 'intent', intent: 'weather' } },
                { key: '#', action: { type: 'agent' } },
              ],
            },
          },
          businessHours: { timeZone: 'Mars/Olympus', windows: [{ days: ['mon'], open: '18:00', close: '09:00' }] },
        },
      });
    } catch (e) {
      expect(isKefuError(e, 'KEFU_PHONE_IVR_INVALID')).toBe(true);
      problems = (e as { details: { problems: string[] } }).details.problems;
    }
    expect(problems.join('\n')).toMatch(/prompt has no en-US text/);
    expect(problems.join('\n')).toMatch(/unknown menu "nowhere"/);
    expect(problems.join('\n')).toMatch(/key "1" is used twice/);
    expect(problems.join('\n')).toMatch(/key must be one of 0-9 or \*/);
    expect(problems.join('\n')).toMatch(/Mars\/Olympus/);
    expect(problems.join('\n')).toMatch(/open before it closes/);
  });

  it('counts GSM-7 and UCS-2 segments and never cuts inside a character', () => {
    expect(smsInfo('a'.repeat(160))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(smsInfo('a'.repeat(161)).segments).toBe(2);
    expect(smsInfo('€'.repeat(80))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(smsInfo('你'.repeat(70))).toEqual({ encoding: 'UCS-2', units: 70, segments: 1 });
    expect(smsInfo('你'.repeat(71)).segments).toBe(2);
    const chinese = '您好'.repeat(40);
    const segs = splitSmsSegments(chinese);
    expect(segs.map((s) => s.length)).toEqual([67, 13]);
    const emoji = '👍'.repeat(40); // 80 UTF-16 units: 2 segments; no pair split in half
    const parts = splitSmsSegments(emoji);
    expect(parts.join('')).toBe(emoji);
    for (const p of parts) expect([...p].every((ch) => ch === '👍')).toBe(true);
    expect(splitSms('a '.repeat(400), 2).length).toBe(3);
  });
});

adapterConformance('sms (Twilio)', async ({ store }) => {
  const api = await new FakeTwilioApi().start();
  const numbers = new Map<string, string>();
  const numberFor = (from: string) => {
    if (!numbers.has(from)) numbers.set(from, `+1415555${String(1000 + numbers.size).padStart(4, '0')}`);
    return numbers.get(from)!;
  };
  void store;
  const phone = createPhoneAdapter({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, publicUrl: PUBLIC_URL, numbers: [OUR], httpClient: createTwilioHttpClient({ apiBase: api.url }) });
  return {
    adapter: phone.sms,
    async deliverInbound({ from, text, externalId }) {
      const res = await twilioPost(phone.sms.handleWebhook, S('/inbound'), { MessageSid: `SM${Buffer.from(externalId).toString('hex').padEnd(32, '0').slice(0, 32)}`, From: numberFor(from), To: OUR, Body: text, NumMedia: '0' });
      if (res.status !== 200) throw new Error(`inbound webhook answered ${res.status}`);
    },
    async delivered(address) {
      return api.created('Messages').filter((r) => r.params.get('To') === address).map((r) => r.params.get('Body') ?? '');
    },
    cleanup: () => api.close(),
  };
});
