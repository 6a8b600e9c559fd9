import { type Conversation, createApp, createMemoryStore, type KefuApp, type Message, type Store } from '@kefu/core';
import { FakeClock } from '@kefu/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createPhoneAdapter, defaultIvr, type PhoneAdapter, type PhoneAdapterOptions } from '../adapter.js';
import type { LiveCall } from '../shared.js';
import { createTwilioHttpClient } from '../twilio.js';
import { ACCOUNT_SID, AUTH_TOKEN, FakeTwilioApi, parseTwiml, PUBLIC_URL, says, twilioPost } from './fake-twilio.js';

const OUR_NUMBER = '+8675500000001';
const CALLER = '+8613800138000';
const V = (route: string) => `${PUBLIC_URL}/webhooks/phone${route}`;
let counter = 0;
const newCallSid = () => 'CA' + (++counter).toString(16).padStart(32, '0');
// Tuesday 2026-03-10 11:00 in Shanghai.
const OPEN_TIME = Date.UTC(2026, 2, 10, 3, 0);

interface Harness {
  api: FakeTwilioApi;
  app: KefuApp;
  phone: PhoneAdapter;
  store: Store;
  clock: FakeClock;
}

let current: Harness | undefined;

afterEach(async () => {
  await current?.app.close();
  await current?.api.close();
  current = undefined;
});

async function setup(options: Partial<PhoneAdapterOptions> = {}, before?: (app: KefuApp) => void): Promise<Harness> {
  const api = await new FakeTwilioApi().start();
  const store = createMemoryStore();
  const clock = new FakeClock(OPEN_TIME);
  const app = createApp({ store, clock });
  const phone = createPhoneAdapter({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    publicUrl: PUBLIC_URL,
    numbers: [OUR_NUMBER],
    httpClient: createTwilioHttpClient({ apiBase: api.url }),
    ...options,
  });
  before?.(app);
  app.adapter(phone).adapter(phone.sms);
  await app.start();
  current = { api, app, phone, store, clock };
  return current;
}

async function post(h: Harness, url: string, params: Record<string, string>) {
  const res = await twilioPost(h.phone.handleWebhook, url, params);
  const body = await res.text();
  return { status: res.status, body, twiml: res.headers.get('content-type')?.includes('xml') ? parseTwiml(body) : undefined };
}

async function startCall(h: Harness, sid = newCallSid()) {
  const r = await post(h, V('/voice'), { CallSid: sid, AccountSid: ACCOUNT_SID, From: CALLER, To: OUR_NUMBER, CallStatus: 'ringing', Direction: 'inbound' });
  expect(r.status).toBe(200);
  const conversation = (await h.store.listConversations({ channel: 'phone' }))[0]!;
  return { sid, conversation, twiml: r.twiml! };
}

async function messages(h: Harness, conversationId: string): Promise<Message[]> {
  return h.store.listMessages(conversationId, { limit: 1000 });
}

async function events(h: Harness, conversationId: string): Promise<Array<{ name: string; data: Record<string, unknown> | undefined; message: Message }>> {
  return (await messages(h, conversationId)).flatMap((m) => m.parts.flatMap((p) => (p.type === 'event' ? [{ name: p.name, data: p.data, message: m }] : [])));
}

async function liveCall(h: Harness, id: string): Promise<LiveCall> {
  return (await h.store.getConversation(id))!.attributes.call as LiveCall;
}

function gatherAction(twiml: Record<string, any>): string {
  return twiml.Gather['@_action'] as string;
}

async function addAgent(h: Harness, id: string, attributes: Record<string, unknown>, teams: string[] = ['after-sales']) {
  await h.app.agents.upsert({ id, name: id, role: 'agent', teams, skills: {}, languages: ['zh-CN'], capacity: 2, attributes });
}

describe('inbound call and IVR', () => {
  it('answers an incoming call with the start menu of the IVR definition', async () => {
    const h = await setup();
    const { sid, conversation, twiml } = await startCall(h);
    const main = defaultIvr.menus.main!;
    const gather = twiml.Gather;
    expect(says(gather)).toEqual([main.prompt['zh-CN']]);
    expect(gather['@_numDigits']).toBe('1');
    expect(gather['@_input']).toBe('dtmf speech');
    expect(gather['@_language']).toBe('cmn-Hans-CN');
    expect(gather['@_speechTimeout']).toBe('auto');
    for (const word of main.options.flatMap((o) => o.speech?.['zh-CN'] ?? [])) expect(gather['@_hints']).toContain(word);
    expect(gatherAction(twiml)).toBe(`${V('/gather')}?menu=main&a=1&s=1`);
    expect(twiml.Redirect['#text']).toBe(`${V('/menu')}?menu=main&a=2&s=1`);
    expect(gather.Say[0]['@_voice']).toBe('Polly.Zhiyu');

    expect(conversation.channel).toBe('phone');
    expect(conversation.address).toBe(CALLER);
    expect(conversation.status).toBe('bot'); // The IVR holds the call; the router has not run.
    const contact = (await h.store.getContact(conversation.tenantId, conversation.contactId))!;
    expect(contact.identifiers).toContainEqual({ kind: 'phone', value: CALLER });
    expect(await liveCall(h, conversation.id)).toMatchObject({ sid, state: 'in-progress', from: CALLER, to: OUR_NUMBER, menu: 'main' });
    expect((await events(h, conversation.id)).map((e) => e.name)).toEqual(['call.started']);
  });

  it('links the caller to the contact known elsewhere by the verified phone number', async () => {
    const h = await setup();
    const web = await h.app.receive({ channel: 'web', address: 'visitor-1', sender: { externalId: 'visitor-1', identifiers: [{ kind: 'phone', value: CALLER }] }, parts: [{ type: 'text', text: 'hi' }] });
    const { conversation } = await startCall(h);
    expect(conversation.contactId).toBe(web.contact.id);
  });

  it('walks the IVR by DTMF: order status read out from the commerce service, then back to the menu', async () => {
    const lookups: unknown[] = [];
    const h = await setup({}, (app) =>
      app.provide('commerce' as never, {
        async findOrders(query: unknown) {
          lookups.push(query);
          return [{ id: '2026031001', status: 'shipped', statusText: { 'zh-CN': '已发货', 'en-US': 'shipped' } }];
        },
      } as never),
    );
    const { sid, conversation, twiml } = await startCall(h);
    const r = await post(h, gatherAction(twiml), { CallSid: sid, From: CALLER, To: OUR_NUMBER, Digits: '1' });
    expect(r.status).toBe(200);
    expect(lookups).toEqual([{ tenantId: 'default', phone: CALLER, limit: 3 }]);
    expect(says(r.twiml)).toEqual(['您的订单 2 0 2 6 0 3 1 0 0 1 当前状态：已发货。']);
    expect(gatherAction(r.twiml!)).toBe(`${V('/gather')}?menu=main&a=1&s=2`);
    const evs = await events(h, conversation.id);
    expect(evs.find((e) => e.name === 'call.menu_choice')?.data).toMatchObject({ menu: 'main', input: 'dtmf', digits: '1', key: '1', action: 'intent', matched: true });
    expect(evs.find((e) => e.name === 'call.order_status')?.data).toMatchObject({ orders: [{ id: '2026031001', status: 'shipped' }] });
    expect((await h.store.getConversation(conversation.id))!.attributes.intent).toBe('order-status');
    // Events are internal: never sent to the caller.
    expect(h.api.created('Messages')).toHaveLength(0);
  });

  it('asks for the order number when the caller has no orders under their number', async () => {
    const h = await setup({ commerce: { findOrders: async () => [], getOrder: async (id) => (id === '777' ? { id: '777', status: 'paid' } : undefined) } });
    const { sid, twiml } = await startCall(h);
    const ask = await post(h, gatherAction(twiml), { CallSid: sid, From: CALLER, To: OUR_NUMBER, Digits: '1' });
    expect(says(ask.twiml!.Gather)).toEqual(['请输入您的订单号，以井号键结束。']);
    expect(ask.twiml!.Gather['@_finishOnKey']).toBe('#');
    const found = await post(h, ask.twiml!.Gather['@_action'], { CallSid: sid, From: CALLER, To: OUR_NUMBER, Digits: '777' });
    expect(says(found.twiml)).toEqual(['您的订单 7 7 7 当前状态：paid。']);
    const missing = await post(h, ask.twiml!.Gather['@_action'], { CallSid: sid, From: CALLER, To: OUR_NUMBER, Digits: '123' });
    expect(says(missing.twiml)).toEqual(['抱歉，没有找到相关订单。']);
  });

  it('walks the IVR by speech: a confident "售后" routes to the after-sales agent and dials their phone', async () => {
    const h = await setup();
    await addAgent(h, 'li', { phone: '+8613900000001' });
    await h.app.agents.setPresence('li', 'online');
    const { sid, conversation, twiml } = await startCall(h);
    const r = await post(h, gatherAction(twiml), { CallSid: sid, From: CALLER, To: OUR_NUMBER, SpeechResult: '我想办理售后。', Confidence: '0.92' });
    expect(says(r.twiml)).toEqual(['正在为您转接客服，请稍候。']);
    const dial = r.twiml!.Dial;
    expect(dial.Number[0]['#text']).toBe('+8613900000001');
    expect(dial['@_action']).toBe(`${V('/dial')}?agent=li&s=2`);
    expect(dial['@_answerOnBridge']).toBe('true');
    expect(dial.Number[0]['@_statusCallback']).toBe(`${V('/agent-leg')}?agent=li&s=2`);
    const conv = (await h.store.getConversation(conversation.id))!;
    expect(conv.status).toBe('assigned');
    expect(conv.assigneeId).toBe('li');
    expect(conv.teamId).toBe('after-sales');
    expect(await liveCall(h, conversation.id)).toMatchObject({ state: 'ringing', agentId: 'li' });
    const choice = (await events(h, conversation.id)).find((e) => e.name === 'call.menu_choice')!;
    expect(choice.data).toMatchObject({ input: 'speech', speech: '我想办理售后。', confidence: 0.92, key: '2', action: 'agent' });
    expect(choice.message.text).toBe('我想办理售后。');
    expect(choice.message.direction).toBe('internal');

    // The agent answers: the console sees the call in progress with the agent.
    await post(h, dial.Number[0]['@_statusCallback'], { CallSid: 'CA' + 'f'.repeat(32), ParentCallSid: sid, CallStatus: 'in-progress' });
    expect(await liveCall(h, conversation.id)).toMatchObject({ state: 'in-progress', agentId: 'li' });
    const after = await post(h, dial['@_action'], { CallSid: sid, DialCallStatus: 'completed', DialCallDuration: '95' });
    expect(after.twiml).toHaveProperty('Hangup');
    expect((await events(h, conversation.id)).find((e) => e.name === 'call.agent_finished')?.data).toMatchObject({ agentId: 'li', durationSec: 95 });
  });

  it('treats low-confidence and unmatched speech as not understood and replays the menu', async () => {
    const h = await setup();
    const { sid, twiml } = await startCall(h);
    const low = await post(h, gatherAction(twiml), { CallSid: sid, SpeechResult: '售后', Confidence: '0.1' });
    expect(says(low.twiml)).toEqual(['抱歉，这不是有效的选项。']);
    expect(gatherAction(low.twiml!)).toBe(`${V('/gather')}?menu=main&a=2&s=2`);
    const silent = await post(h, low.twiml!.Redirect['#text'], { CallSid: sid });
    expect(says(silent.twiml)).toEqual(['抱歉，没有听到您的选择。']);
    expect(gatherAction(silent.twiml!)).toContain('a=3');
  });

  it('switches to English on 9 and speaks English prompts with English recognition', async () => {
    const h = await setup();
    const { sid, conversation, twiml } = await startCall(h);
    const r = await post(h, gatherAction(twiml), { CallSid: sid, Digits: '9' });
    expect(says(r.twiml!.Gather)).toEqual([defaultIvr.menus.main!.prompt['en-US']]);
    expect(r.twiml!.Gather['@_language']).toBe('en-US');
    expect(r.twiml!.Gather.Say[0]['@_voice']).toBe('Polly.Joanna');
    expect((await h.store.getConversation(conversation.id))!.language).toBe('en-US');
    const speech = await post(h, gatherAction(r.twiml!), { CallSid: sid, SpeechResult: 'I want an agent please', Confidence: '0.8' });
    expect(says(speech.twiml)).toEqual(['All our agents are busy. Please hold and we will be with you shortly.']);
  });
});

describe('queue, voicemail and call-back', () => {
  it('queues the caller with hold prompts and connects when an agent comes online', async () => {
    const h = await setup({ ivr: { ...defaultIvr, queue: { maxWaitSeconds: 600, holdMusicUrl: 'https://cdn.example.com/hold.mp3' } } });
    await addAgent(h, 'wang', { phone: '+8613900000002' });
    const { sid, conversation, twiml } = await startCall(h);
    const r = await post(h, gatherAction(twiml), { CallSid: sid, Digits: '0' });
    expect(says(r.twiml)).toEqual(['客服正忙，请稍候，我们会尽快为您接通。']);
    const enqueue = r.twiml!.Enqueue;
    expect(enqueue['#text']).toBe('kefu-default-all');
    expect(enqueue['@_waitUrl']).toBe(`${V('/queue/wait')}?s=2`);
    expect(enqueue['@_action']).toBe(`${V('/queue/result')}?s=2`);
    expect((await h.store.getConversation(conversation.id))!.status).toBe('queued');
    expect(await liveCall(h, conversation.id)).toMatchObject({ state: 'queued', queuePosition: 1 });

    const wait = await post(h, enqueue['@_waitUrl'], { CallSid: sid, QueuePosition: '1', QueueTime: '20', QueueSid: 'QU' + '1'.repeat(32) });
    expect(says(wait.twiml)).toEqual(['您现在排在第 1 位。']);
    expect(wait.twiml!.Play[0]).toBe('https://cdn.example.com/hold.mp3');

    await h.app.agents.setPresence('wang', 'online');
    expect((await h.store.getConversation(conversation.id))!.assigneeId).toBe('wang');
    // The caller is pulled out of the queue by REST right away...
    await expect.poll(() => h.api.requests.filter((q) => q.path.endsWith(`/Calls/${sid}.json`)).length).toBe(1);
    const update = h.api.requests.find((q) => q.path.endsWith(`/Calls/${sid}.json`))!;
    expect(update.params.get('Url')).toMatch(new RegExp(`^${V('/connect')}\\?s=a\\d+$`));
    const connect = await post(h, update.params.get('Url')!, { CallSid: sid });
    expect(connect.twiml!.Dial.Number[0]['#text']).toBe('+8613900000002');
    // ...and the wait URL would let them leave too, should the redirect fail.
    const leave = await post(h, enqueue['@_waitUrl'], { CallSid: sid, QueuePosition: '1', QueueTime: '40' });
    expect(leave.twiml).toHaveProperty('Leave');
    const result = await post(h, enqueue['@_action'], { CallSid: sid, QueueResult: 'leave', QueueTime: '40' });
    expect(result.twiml!.Dial.Number[0]['#text']).toBe('+8613900000002');
  });

  it('offers voicemail after the wait limit, records it with its transcription and queues it for agents', async () => {
    const h = await setup({ ivr: { ...defaultIvr, queue: { maxWaitSeconds: 60 } } });
    const { sid, conversation, twiml } = await startCall(h);
    const queued = await post(h, gatherAction(twiml), { CallSid: sid, Digits: '0' });
    const wait = await post(h, queued.twiml!.Enqueue['@_waitUrl'], { CallSid: sid, QueuePosition: '1', QueueTime: '61' });
    expect(wait.twiml).toHaveProperty('Leave');
    const offer = await post(h, queued.twiml!.Enqueue['@_action'], { CallSid: sid, QueueResult: 'leave', QueueTime: '61' });
    expect(says(offer.twiml)).toEqual(['抱歉，客服暂时无法接听。']);
    expect(says(offer.twiml!.Gather)).toEqual(['留言请按1，预约回电请按2。']);

    const record = await post(h, gatherAction(offer.twiml!), { CallSid: sid, Digits: '1' });
    expect(says(record.twiml)[0]).toBe('请在提示音后留言，完成后请按井号键。');
    const rec = record.twiml!.Record;
    expect(rec['@_transcribe']).toBe('true');
    expect(rec['@_transcribeCallback']).toBe(V('/transcription'));
    expect(rec['@_maxLength']).toBe('120');
    expect(await liveCall(h, conversation.id)).toMatchObject({ state: 'voicemail' });

    const recordingUrl = `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT_SID}/Recordings/RE${'2'.repeat(32)}`;
    const done = await post(h, rec['@_action'], { CallSid: sid, RecordingUrl: recordingUrl, RecordingSid: 'RE' + '2'.repeat(32), RecordingDuration: '14', Digits: '#' });
    expect(says(done.twiml)).toEqual(['已收到您的留言，谢谢，再见。']);
    expect(done.twiml).toHaveProperty('Hangup');
    const voicemail = (await messages(h, conversation.id)).find((m) => m.parts.some((p) => p.type === 'audio'))!;
    expect(voicemail.direction).toBe('inbound');
    expect(voicemail.parts[0]).toMatchObject({ type: 'audio', url: recordingUrl, durationMs: 14_000 });
    const conv = (await h.store.getConversation(conversation.id))!;
    expect(conv.tags).toContain('voicemail');
    expect(conv.status).toBe('queued');
    expect(await liveCall(h, conversation.id)).toMatchObject({ state: 'voicemail', recordingUrl });

    await post(h, V('/transcription'), { CallSid: sid, RecordingSid: 'RE' + '2'.repeat(32), TranscriptionStatus: 'completed', TranscriptionText: 'Please call me about my refund', TranscriptionUrl: 'https://api.twilio.com/t/TR1', RecordingUrl: recordingUrl });
    const transcription = (await events(h, conversation.id)).find((e) => e.name === 'call.transcription')!;
    expect(transcription.data).toMatchObject({ text: 'Please call me about my refund', recordingSid: 'RE' + '2'.repeat(32) });
    expect((await h.store.getMessage(voicemail.id))!.meta?.transcript).toBe('Please call me about my refund');
    expect(await liveCall(h, conversation.id)).toMatchObject({ recordingUrl, transcriptionUrl: 'https://api.twilio.com/t/TR1', transcriptionText: 'Please call me about my refund' });
  });

  it('after hours offers voicemail or call-back; a call-back becomes a queued task with a scheduled job', async () => {
    const h = await setup({
      callbackDelayMs: 0,
      ivr: { ...defaultIvr, businessHours: { timeZone: 'Asia/Shanghai', windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], open: '09:00', close: '18:00' }] } },
    });
    // 22:00 Tuesday in Shanghai.
    await h.clock.setTime(Date.UTC(2026, 2, 10, 14, 0));
    const { sid, conversation, twiml } = await startCall(h);
    const r = await post(h, gatherAction(twiml), { CallSid: sid, Digits: '0' });
    expect(says(r.twiml)).toEqual(['现在是非工作时间。']);
    expect(says(r.twiml!.Gather)).toEqual(['留言请按1，预约回电请按2。']);
    const cb = await post(h, gatherAction(r.twiml!), { CallSid: sid, SpeechResult: '请给我回电', Confidence: '0.7' });
    expect(says(cb.twiml)).toEqual(['已为您预约回电，我们会尽快拨打这个号码联系您，再见。']);
    const conv = (await h.store.getConversation(conversation.id))!;
    expect(conv.tags).toContain('callback');
    expect(conv.status).toBe('queued');
    const opensAt = Date.UTC(2026, 2, 11, 1, 0); // Wednesday 09:00 in Shanghai
    expect(conv.attributes.callback).toMatchObject({ number: CALLER, status: 'requested', dueAt: opensAt });
    expect((await events(h, conversation.id)).some((e) => e.name === 'call.callback_requested')).toBe(true);

    await h.clock.setTime(opensAt - 60_000);
    await h.app.scheduler.runDue();
    expect(((await h.store.getConversation(conversation.id))!.attributes.callback as { status: string }).status).toBe('requested');
    await h.clock.setTime(opensAt);
    await h.app.scheduler.runDue();
    const due = (await h.store.getConversation(conversation.id))!;
    expect((due.attributes.callback as { status: string }).status).toBe('due');
    expect(due.priority).toBeGreaterThanOrEqual(1);
    expect((await events(h, conversation.id)).some((e) => e.name === 'call.callback_due')).toBe(true);
  });

  it('offers voicemail when the dialled agent does not answer', async () => {
    const h = await setup();
    await addAgent(h, 'li', { phone: '+8613900000001' });
    await h.app.agents.setPresence('li', 'online');
    const { sid, conversation, twiml } = await startCall(h);
    const dial = await post(h, gatherAction(twiml), { CallSid: sid, Digits: '2' });
    const missed = await post(h, dial.twiml!.Dial['@_action'], { CallSid: sid, DialCallStatus: 'no-answer' });
    expect(says(missed.twiml!.Gather)).toEqual(['留言请按1，预约回电请按2。']);
    expect((await events(h, conversation.id)).find((e) => e.name === 'call.agent_missed')?.data).toMatchObject({ agentId: 'li', status: 'no-answer' });
  });

  it('records the hang-up and duration from the status callback once', async () => {
    const h = await setup();
    const { sid, conversation } = await startCall(h);
    for (let i = 0; i < 2; i++) {
      const r = await post(h, V('/status'), { CallSid: sid, CallStatus: 'completed', CallDuration: '73', From: CALLER, To: OUR_NUMBER });
      expect(r.status).toBe(204);
    }
    expect(await liveCall(h, conversation.id)).toMatchObject({ state: 'completed', durationSec: 73, endStatus: 'completed' });
    expect((await events(h, conversation.id)).filter((e) => e.name === 'call.ended').map((e) => e.data)).toEqual([{ callSid: sid, status: 'completed', durationSec: 73 }]);
  });

  it('emits conversation.updated for every live call state change', async () => {
    const h = await setup();
    const states: string[] = [];
    h.app.on('conversation.updated', ({ conversation }: { conversation: Conversation }) => {
      const s = (conversation.attributes.call as LiveCall | undefined)?.state;
      if (s && states.at(-1) !== s) states.push(s);
    });
    const { sid, twiml } = await startCall(h);
    await post(h, gatherAction(twiml), { CallSid: sid, Digits: '0' });
    await post(h, V('/status'), { CallSid: sid, CallStatus: 'completed', CallDuration: '30' });
    expect(states).toEqual(['in-progress', 'queued', 'completed']);
  });

  it('lets agents add notes to a call conversation as internal messages', async () => {
    const h = await setup();
    const { conversation } = await startCall(h);
    const note = await h.app.send(conversation.id, 'Caller asked about invoice', { direction: 'internal', author: { role: 'agent', id: 'li' } });
    expect(note.status).toBe('sent');
    await h.app.idle();
    expect(h.api.created('Messages')).toHaveLength(0);
  });
});

describe('webhook security', () => {
  const params = { CallSid: 'CA' + 'a'.repeat(32), From: CALLER, To: OUR_NUMBER, CallStatus: 'ringing' };

  async function nothingStored(h: Harness) {
    expect(await h.store.listConversations({})).toHaveLength(0);
  }

  it('rejects a forged signature with 403 and stores nothing', async () => {
    const h = await setup();
    const r = await twilioPost(h.phone.handleWebhook, V('/voice'), params, { signature: 'bm90IGEgc2lnbmF0dXJl' });
    expect(r.status).toBe(403);
    expect((await r.json()).error.code).toBe('KEFU_PHONE_SIGNATURE_INVALID');
    await nothingStored(h);
  });

  it('rejects a request signed with another auth token', async () => {
    const h = await setup();
    const r = await twilioPost(h.phone.handleWebhook, V('/voice'), params, { token: 'someone-elses-token-0000' });
    expect(r.status).toBe(403);
    await nothingStored(h);
  });

  it('rejects an unsigned request', async () => {
    const h = await setup();
    const r = await twilioPost(h.phone.handleWebhook, V('/voice'), params, { signature: null });
    expect(r.status).toBe(403);
    await nothingStored(h);
  });

  it('rejects a signature made for another URL (wrong host or path)', async () => {
    const h = await setup();
    for (const signedUrl of ['https://evil.example.com/webhooks/phone/voice', V('/voice?x=1'), V('/status')]) {
      const r = await twilioPost(h.phone.handleWebhook, V('/voice'), params, { signedUrl });
      expect(r.status).toBe(403);
    }
    await nothingStored(h);
  });

  it('rejects tampered parameters', async () => {
    const h = await setup();
    const signature = (await import('twilio')).default.getExpectedTwilioSignature(AUTH_TOKEN, V('/voice'), params);
    const r = await twilioPost(h.phone.handleWebhook, V('/voice'), { ...params, From: '+8613000000000' }, { signature });
    expect(r.status).toBe(403);
    await nothingStored(h);
  });

  it('answers 400 for a signed request missing parameters, 404 for an unknown number or path', async () => {
    const h = await setup();
    const missing = await twilioPost(h.phone.handleWebhook, V('/voice'), { CallSid: params.CallSid, To: OUR_NUMBER });
    expect(missing.status).toBe(400);
    expect((await missing.json()).error).toMatchObject({ code: 'KEFU_PHONE_BAD_REQUEST', details: { missing: ['From'] } });
    const noSid = await twilioPost(h.phone.handleWebhook, V('/gather?menu=main&a=1&s=1'), { Digits: '1' });
    expect(noSid.status).toBe(400);
    const unknown = await twilioPost(h.phone.handleWebhook, V('/voice'), { ...params, To: '+14155550000' });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error.code).toBe('KEFU_PHONE_NUMBER_UNKNOWN');
    const path = await twilioPost(h.phone.handleWebhook, V('/nope'), params);
    expect(path.status).toBe(404);
    await nothingStored(h);
  });

  it('rejects oversized bodies and non-POST requests', async () => {
    const h = await setup({ maxBodyBytes: 1024 });
    const big = await twilioPost(h.phone.handleWebhook, V('/voice'), { ...params, Junk: 'x'.repeat(4096) });
    expect(big.status).toBe(413);
    const get = await h.phone.handleWebhook(new Request(V('/voice')));
    expect(get.status).toBe(405);
    await nothingStored(h);
  });
});
