import { type AdapterContext, type Conversation, ErrorCodes, isKefuError, type Part } from '@kefu/core';
import twilio from 'twilio';
import type VoiceResponse from 'twilio/lib/twiml/VoiceResponse.js';
import type { CallPlacer } from './calls.js';
import { PhoneErrorCodes } from './errors.js';
import { fill, findMenu, hintsFor, type IvrAction, isOpen, LEAVE_MESSAGE_MENU, type LocalizedText, matchSpeech, nextOpening, type ResolvedIvr } from './ivr.js';
import { type CallRecord, type IvrIntentHandler, type LiveCall, META_KEY, type PhoneCommerceService, type PhoneOrderSummary, type PhoneShared } from './shared.js';
import type { SmsService } from './sms.js';
import { isE164, requireParams, type TwilioRequest, WebhookError, xmlResponse } from './twilio.js';

/** Voice settings of the phone adapter. */
export interface VoiceSettings {
  dialTimeoutSeconds: number;
  voicemailMaxSeconds: number;
  transcribeVoicemail: boolean;
  callbackDelayMs: number;
  redirectOnAssign: boolean;
  intents: Record<string, IvrIntentHandler>;
  commerce: PhoneCommerceService | undefined;
  defaultIvr: ResolvedIvr;
}

const KV_CALL = 'kefu.phone.call';
const KV_RECORDING = 'kefu.phone.recording';
const CALL_TTL = 2 * 24 * 3600_000;
/** The scheduler job that marks a call-back request due. */
export const CALLBACK_JOB = 'kefu.phone.callback-due';
const FINAL_CALL = new Set(['completed', 'busy', 'no-answer', 'failed', 'canceled']);

type Sayer = { say(attributes: VoiceResponse.SayAttributes, message: string): unknown };

/** The inbound voice flow: IVR, queue, agent dialling, voicemail, call-backs and call events. */
export class VoiceFlow {
  readonly #shared: PhoneShared;
  readonly #s: VoiceSettings;
  readonly #placer: CallPlacer;
  readonly #sms: SmsService;
  #unsubscribe: (() => void) | undefined;

  constructor(shared: PhoneShared, settings: VoiceSettings, placer: CallPlacer, sms: SmsService) {
    this.#shared = shared;
    this.#s = settings;
    this.#placer = placer;
    this.#sms = sms;
  }

  start(ctx: AdapterContext): void {
    ctx.app.scheduler.define<{ conversationId: string; tenantId: string }>(CALLBACK_JOB, (payload) => this.#callbackDue(payload.conversationId, payload.tenantId));
    if (this.#s.redirectOnAssign) {
      // A caller on hold leaves the queue as soon as the router assigns the conversation.
      this.#unsubscribe = ctx.app.on('conversation.assigned', async ({ conversation }) => {
        const call = conversation.attributes.call as LiveCall | undefined;
        if (conversation.channel !== 'phone' || call?.state !== 'queued') return;
        await this.#shared.client.calls(call.sid).update({ url: this.#shared.url('voice', '/connect', { s: `a${ctx.clock.now()}` }), method: 'POST' });
      });
    }
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  get #ctx(): AdapterContext {
    return this.#shared.ctx;
  }

  /** Handles one verified voice webhook. */
  async handle(request: TwilioRequest): Promise<Response> {
    const { route, params, query } = request;
    if (route === '/sms-status') return this.#sms.onStatus(request);
    if (route === '/outbound/status') {
      requireParams(params, ['CallSid']);
      const callId = query.get('call');
      if (!callId) throw new WebhookError(400, PhoneErrorCodes.BAD_REQUEST, 'Missing query parameter: call');
      await this.#placer.onStatus(callId, params);
      return new Response(null, { status: 204 });
    }
    requireParams(params, ['CallSid']);
    // The agent leg reports with its own CallSid; its parent is the caller's call.
    const routed = route === '/agent-leg' && params.ParentCallSid ? { ...request, params: { ...params, CallSid: params.ParentCallSid } } : request;
    return this.#shared.serial.run(`call:${routed.params.CallSid}`, () => this.#route(routed));
  }

  async #route(request: TwilioRequest): Promise<Response> {
    const { route, params, query } = request;
    if (route === '/voice') return this.#incoming(params);
    const record = await this.#ctx.store.kvGet<CallRecord>(KV_CALL, params.CallSid!);
    if (!record) {
      if (route === '/status' || route === '/transcription' || route === '/agent-leg') return new Response(null, { status: 204 });
      throw new WebhookError(404, ErrorCodes.NOT_FOUND, `No call ${params.CallSid} is known`, { callSid: params.CallSid });
    }
    const ivr = this.#shared.numbers.get(record.to)?.ivr ?? this.#s.defaultIvr;
    const step = query.get('s') ?? '0';
    const next = nextStep(step);
    switch (route) {
      case '/menu': {
        const menuId = query.get('menu') ?? '';
        const menu = findMenu(ivr, menuId);
        if (!menu) throw new WebhookError(400, PhoneErrorCodes.BAD_REQUEST, `Unknown menu "${menuId}"`);
        const attempt = Number(query.get('a') ?? 1);
        if (attempt > (menu.maxAttempts ?? 3)) return this.#run(record, ivr, menu.onNoInput ?? { type: 'agent' }, menuId, next);
        return xmlResponse(await this.#menu(record, ivr, menuId, attempt, next, (vr) => this.#say(vr, ivr, record, ivr.messages.noInput)));
      }
      case '/gather':
        return this.#gather(record, ivr, params, query, step, next);
      case '/order': {
        const then = query.get('then') ?? ivr.start;
        return xmlResponse(await this.#orderById(record, ivr, params.Digits ?? '', then, step, next));
      }
      case '/queue/wait':
        return xmlResponse(await this.#queueWait(record, ivr, params));
      case '/queue/result':
        requireParams(params, ['QueueResult']);
        return this.#queueResult(record, ivr, params, step, next);
      case '/connect': {
        const conversation = await this.#conversation(record);
        if (conversation.status === 'assigned' && conversation.assigneeId) return xmlResponse(await this.#dialAgent(record, ivr, conversation.assigneeId, next));
        return xmlResponse(await this.#enqueue(record, ivr, next));
      }
      case '/dial':
        requireParams(params, ['DialCallStatus']);
        return this.#dialResult(record, ivr, params, query, step, next);
      case '/agent-leg':
        if (params.CallStatus === 'in-progress') {
          const agentId = query.get('agent') ?? undefined;
          await this.#patchCall(record, { state: 'in-progress', ...(agentId ? { agentId } : {}) });
          await this.#event(record, 'call.agent_answered', { agentId }, { key: `${record.sid}:agent-leg:${step}` });
        }
        return new Response(null, { status: 204 });
      case '/recording':
        requireParams(params, ['RecordingUrl', 'RecordingSid']);
        return this.#recording(record, ivr, params);
      case '/transcription':
        requireParams(params, ['RecordingSid', 'TranscriptionStatus']);
        await this.#transcription(record, params);
        return new Response(null, { status: 204 });
      case '/status':
        requireParams(params, ['CallStatus']);
        await this.#status(record, params);
        return new Response(null, { status: 204 });
      default:
        throw new WebhookError(404, ErrorCodes.NOT_FOUND, `No voice webhook at ${route}`);
    }
  }

  // The call

  async #incoming(params: Record<string, string>): Promise<Response> {
    requireParams(params, ['CallSid', 'From', 'To']);
    const number = this.#shared.findNumber(params.To, 'voice');
    if (!number) throw new WebhookError(404, PhoneErrorCodes.NUMBER_UNKNOWN, `No voice number ${params.To} is configured`, { to: params.To });
    const ctx = this.#ctx;
    const sid = params.CallSid!;
    const from = params.From!;
    const existing = await ctx.store.kvGet<CallRecord>(KV_CALL, sid);
    const language = existing?.language ?? number.ivr.defaultLanguage;
    const result = await ctx.receive({
      channel: 'phone',
      tenantId: number.tenantId,
      address: from,
      externalId: `${sid}:start`,
      sender: { externalId: from, ...(isE164(from) ? { identifiers: [{ kind: 'phone', value: from }] } : {}), ...(params.CallerName ? { name: params.CallerName } : {}) },
      parts: [{ type: 'event', name: 'call.started', data: { callSid: sid, from, to: params.To, direction: params.Direction ?? 'inbound' } }],
      text: `Call from ${from}`,
      language,
      meta: { [META_KEY]: { claim: true, callSid: sid } },
      raw: params,
    });
    const record: CallRecord = existing ?? { sid, tenantId: number.tenantId, conversationId: result.conversation.id, from, to: params.To!, language, startedAt: ctx.clock.now() };
    await ctx.store.kvSet(KV_CALL, sid, record, { ttlMs: CALL_TTL });
    await this.#patchCall(record, { sid, state: 'in-progress', from, to: record.to, startedAt: record.startedAt, menu: number.ivr.start }, true);
    return xmlResponse(await this.#menu(record, number.ivr, number.ivr.start, 1, '1'));
  }

  async #gather(record: CallRecord, ivr: ResolvedIvr, params: Record<string, string>, query: URLSearchParams, step: string, next: string): Promise<Response> {
    const menuId = query.get('menu') ?? '';
    const menu = findMenu(ivr, menuId);
    if (!menu) throw new WebhookError(400, PhoneErrorCodes.BAD_REQUEST, `Unknown menu "${menuId}"`);
    const attempt = Number(query.get('a') ?? 1);
    const digits = params.Digits ?? '';
    const speech = params.SpeechResult ?? '';
    const confidence = params.Confidence !== undefined && params.Confidence !== '' ? Number(params.Confidence) : undefined;
    const input = digits ? 'dtmf' : speech ? 'speech' : undefined;
    const confident = confidence === undefined || !Number.isFinite(confidence) || confidence >= ivr.minSpeechConfidence;
    const option = digits ? menu.options.find((o) => o.key === digits) : speech && confident ? matchSpeech(menu, speech, record.language) : undefined;
    if (input) {
      await this.#event(
        record,
        'call.menu_choice',
        {
          menu: menuId,
          input,
          ...(digits ? { digits } : {}),
          ...(speech ? { speech } : {}),
          ...(confidence !== undefined ? { confidence } : {}),
          matched: Boolean(option),
          ...(option ? { key: option.key, action: option.action.type } : {}),
        },
        { key: `${record.sid}:gather:${step}`, ...(speech ? { text: speech } : {}), customer: true },
      );
    }
    if (!option) {
      if (attempt >= (menu.maxAttempts ?? 3)) return this.#run(record, ivr, menu.onNoInput ?? { type: 'agent' }, menuId, next);
      const sorry = input ? ivr.messages.invalidChoice : ivr.messages.noInput;
      return xmlResponse(await this.#menu(record, ivr, menuId, attempt + 1, next, (vr) => this.#say(vr, ivr, record, sorry)));
    }
    return this.#run(record, ivr, option.action, menuId, next);
  }

  async #run(record: CallRecord, ivr: ResolvedIvr, action: IvrAction, fromMenu: string, step: string): Promise<Response> {
    const vr = new twilio.twiml.VoiceResponse();
    switch (action.type) {
      case 'menu':
        return xmlResponse(await this.#menu(record, ivr, action.menu, 1, step));
      case 'language': {
        const updated = { ...record, language: action.language };
        await this.#ctx.store.kvSet(KV_CALL, record.sid, updated, { ttlMs: CALL_TTL });
        const conversation = await this.#conversation(record);
        await this.#ctx.app.conversations.update(conversation.id, { language: action.language }, conversation.tenantId);
        return xmlResponse(await this.#menu(updated, ivr, action.menu ?? ivr.start, 1, step));
      }
      case 'say':
        if (action.then) return xmlResponse(await this.#menu(record, ivr, action.then, 1, step, (v) => this.#say(v, ivr, record, action.text)));
        this.#say(vr, ivr, record, action.text);
        vr.hangup();
        return xmlResponse(vr.toString());
      case 'hangup':
        this.#say(vr, ivr, record, ivr.messages.goodbye);
        vr.hangup();
        return xmlResponse(vr.toString());
      case 'intent': {
        const conversation = await this.#conversation(record);
        await this.#ctx.app.conversations.update(conversation.id, { attributes: { ...conversation.attributes, intent: action.intent } }, conversation.tenantId);
        const then = action.then ?? fromMenu;
        if (action.intent === 'order-status') return xmlResponse(await this.#orderStatus(record, ivr, then, step));
        const handler = this.#s.intents[action.intent];
        if (!handler) return xmlResponse(await this.#connect(record, ivr, { type: 'agent', intent: action.intent }, step));
        const answer = await handler({ tenantId: record.tenantId, conversationId: record.conversationId, callSid: record.sid, from: record.from, to: record.to, language: record.language });
        return xmlResponse(await this.#menu(record, ivr, then, 1, step, (v) => this.#say(v, ivr, record, answer)));
      }
      case 'agent':
        return xmlResponse(await this.#connect(record, ivr, action, step));
      case 'voicemail':
        return xmlResponse(await this.#voicemail(record, ivr, step));
      case 'callback':
        return xmlResponse(await this.#callback(record, ivr));
    }
  }

  /** A menu: Gather with the prompt, then a Redirect that counts a silent attempt. */
  async #menu(record: CallRecord, ivr: ResolvedIvr, menuId: string, attempt: number, step: string, before?: (vr: VoiceResponse) => void): Promise<string> {
    const menu = findMenu(ivr, menuId);
    if (!menu) throw new WebhookError(400, PhoneErrorCodes.BAD_REQUEST, `Unknown menu "${menuId}"`);
    await this.#patchCall(record, { menu: menuId });
    const vr = new twilio.twiml.VoiceResponse();
    before?.(vr);
    const input = menu.input ?? ['dtmf', 'speech'];
    const voice = ivr.voices[record.language] ?? {};
    const hints = hintsFor(menu, record.language);
    const gather = vr.gather({
      input,
      action: this.#shared.url('voice', '/gather', { menu: menuId, a: attempt, s: step }),
      method: 'POST',
      numDigits: 1,
      timeout: menu.timeoutSeconds ?? 5,
      actionOnEmptyResult: false,
      // Languages are free strings in the IVR data (Twilio validates them), hence the cast below.
      ...(input.includes('speech') ? { speechTimeout: 'auto', ...(voice.gatherLanguage ? { language: voice.gatherLanguage as never } : {}), ...(hints ? { hints } : {}) } : {}),
    });
    this.#say(gather, ivr, record, menu.prompt);
    vr.redirect({ method: 'POST' }, this.#shared.url('voice', '/menu', { menu: menuId, a: attempt + 1, s: step }));
    return vr.toString();
  }

  #say(node: Sayer, ivr: ResolvedIvr, record: Pick<CallRecord, 'language'>, text: string | LocalizedText, values: Record<string, string | number> = {}): void {
    const voice = ivr.voices[record.language] ?? {};
    const raw = typeof text === 'string' ? text : (text[record.language] ?? text[ivr.defaultLanguage] ?? Object.values(text)[0] ?? '');
    // Voices and languages are free strings in the IVR data; Twilio validates them, not the type.
    node.say({ ...(voice.voice ? { voice: voice.voice as never } : {}), ...(voice.sayLanguage ? { language: voice.sayLanguage as never } : {}) }, fill(raw, values));
  }

  // Bot intents

  #commerce(): PhoneCommerceService | undefined {
    if (this.#s.commerce) return this.#s.commerce;
    const app = this.#ctx.app;
    // The commerce plugin declares the service's full type; the IVR only needs this slice of it.
    return app.hasService('commerce') ? (app.services as unknown as { commerce: PhoneCommerceService }).commerce : undefined;
  }

  #sayOrder(vr: VoiceResponse, ivr: ResolvedIvr, record: CallRecord, order: PhoneOrderSummary): void {
    const statusText = order.statusText === undefined ? order.status : typeof order.statusText === 'string' ? order.statusText : (order.statusText[record.language] ?? order.status);
    // Digits one by one: TTS would read "20251111" as a large number.
    this.#say(vr, ivr, record, ivr.messages.orderStatus, { orderId: order.id.split('').join(' '), status: statusText });
  }

  async #orderStatus(record: CallRecord, ivr: ResolvedIvr, then: string, step: string): Promise<string> {
    const commerce = this.#commerce();
    if (!commerce?.findOrders && !commerce?.getOrder) return this.#connect(record, ivr, { type: 'agent', intent: 'order-status' }, step);
    const orders = commerce.findOrders && isE164(record.from) ? await commerce.findOrders({ tenantId: record.tenantId, phone: record.from, limit: 3 }) : [];
    if (orders.length > 0) {
      await this.#event(record, 'call.order_status', { orders: orders.map((o) => ({ id: o.id, status: o.status })), lookup: 'phone' }, { key: `${record.sid}:orders:${step}` });
      return this.#menu(record, ivr, then, 1, step, (vr) => orders.forEach((o) => this.#sayOrder(vr, ivr, record, o)));
    }
    if (!commerce.getOrder) return this.#menu(record, ivr, then, 1, step, (vr) => this.#say(vr, ivr, record, ivr.messages.orderNotFound));
    const vr = new twilio.twiml.VoiceResponse();
    const gather = vr.gather({ input: ['dtmf'], action: this.#shared.url('voice', '/order', { then, s: step }), method: 'POST', finishOnKey: '#', timeout: 10, actionOnEmptyResult: false });
    this.#say(gather, ivr, record, ivr.messages.orderPrompt);
    vr.redirect({ method: 'POST' }, this.#shared.url('voice', '/menu', { menu: then, a: 1, s: step }));
    return vr.toString();
  }

  async #orderById(record: CallRecord, ivr: ResolvedIvr, digits: string, then: string, step: string, next: string): Promise<string> {
    const commerce = this.#commerce();
    const order = digits && commerce?.getOrder ? await commerce.getOrder(digits, { tenantId: record.tenantId }) : undefined;
    await this.#event(record, 'call.order_status', { lookup: 'digits', orderId: digits, found: Boolean(order), ...(order ? { orders: [{ id: order.id, status: order.status }] } : {}) }, { key: `${record.sid}:order:${step}` });
    return this.#menu(record, ivr, then, 1, next, (vr) => (order ? this.#sayOrder(vr, ivr, record, order) : this.#say(vr, ivr, record, ivr.messages.orderNotFound)));
  }

  // Humans

  async #connect(record: CallRecord, ivr: ResolvedIvr, action: Extract<IvrAction, { type: 'agent' }>, step: string): Promise<string> {
    const now = this.#ctx.clock.now();
    if (ivr.businessHours && !isOpen(ivr.businessHours, now)) {
      await this.#event(record, 'call.after_hours', {}, { key: `${record.sid}:after-hours:${step}` });
      return this.#menu(record, ivr, LEAVE_MESSAGE_MENU, 1, step, (vr) => this.#say(vr, ivr, record, ivr.messages.afterHours));
    }
    const conversation = await this.#conversation(record);
    if (conversation.status === 'assigned' && conversation.assigneeId) return this.#dialAgent(record, ivr, conversation.assigneeId, step);
    if (conversation.status === 'closed') return this.#menu(record, ivr, LEAVE_MESSAGE_MENU, 1, step);
    const decision = await this.#ctx.app.conversations.handoff(
      conversation.id,
      {
        reason: action.reason ?? 'phone-ivr',
        ...(action.teamId ? { teamId: action.teamId } : {}),
        ...(action.skills ? { skills: action.skills } : {}),
        ...(action.priority !== undefined ? { priority: action.priority } : {}),
        ...(action.intent ? { intent: action.intent } : {}),
      },
      conversation.tenantId,
    );
    if (decision.outcome === 'assigned' && decision.chosen) return this.#dialAgent(record, ivr, decision.chosen, step);
    return this.#enqueue(record, ivr, step);
  }

  async #dialAgent(record: CallRecord, ivr: ResolvedIvr, agentId: string, step: string): Promise<string> {
    const agent = await this.#ctx.store.getAgent(record.tenantId, agentId);
    const phone = typeof agent?.attributes.phone === 'string' && isE164(agent.attributes.phone) ? agent.attributes.phone : undefined;
    const client = typeof agent?.attributes.twilioClient === 'string' ? agent.attributes.twilioClient : undefined;
    if (!phone && !client) {
      await this.#event(record, 'call.agent_unreachable', { agentId, reason: 'the agent has no attributes.phone or attributes.twilioClient' }, { key: `${record.sid}:unreachable:${step}` });
      return this.#menu(record, ivr, LEAVE_MESSAGE_MENU, 1, step, (vr) => this.#say(vr, ivr, record, ivr.messages.agentUnavailable));
    }
    await this.#patchCall(record, { state: 'ringing', agentId, queuePosition: undefined });
    await this.#event(record, 'call.dialing', { agentId, ...(phone ? { number: phone } : { client }) }, { key: `${record.sid}:dial:${step}` });
    const vr = new twilio.twiml.VoiceResponse();
    this.#say(vr, ivr, record, ivr.messages.connecting);
    const dial = vr.dial({ action: this.#shared.url('voice', '/dial', { agent: agentId, s: step }), method: 'POST', timeout: this.#s.dialTimeoutSeconds, answerOnBridge: true });
    const leg = { statusCallbackEvent: ['answered' as const], statusCallback: this.#shared.url('voice', '/agent-leg', { agent: agentId, s: step }), statusCallbackMethod: 'POST' };
    if (phone) dial.number(leg, phone);
    else dial.client(leg, client!);
    return vr.toString();
  }

  async #dialResult(record: CallRecord, ivr: ResolvedIvr, params: Record<string, string>, query: URLSearchParams, step: string, next: string): Promise<Response> {
    const agentId = query.get('agent') ?? undefined;
    const status = params.DialCallStatus!;
    const durationSec = params.DialCallDuration ? Number(params.DialCallDuration) : undefined;
    if (status === 'completed' || status === 'answered') {
      await this.#event(record, 'call.agent_finished', { agentId, ...(durationSec !== undefined ? { durationSec } : {}) }, { key: `${record.sid}:dial-result:${step}` });
      const vr = new twilio.twiml.VoiceResponse();
      vr.hangup();
      return xmlResponse(vr.toString());
    }
    await this.#event(record, 'call.agent_missed', { agentId, status }, { key: `${record.sid}:dial-result:${step}` });
    await this.#patchCall(record, { state: 'in-progress', agentId: undefined });
    return xmlResponse(await this.#menu(record, ivr, LEAVE_MESSAGE_MENU, 1, next, (vr) => this.#say(vr, ivr, record, ivr.messages.agentUnavailable)));
  }

  async #enqueue(record: CallRecord, ivr: ResolvedIvr, step: string): Promise<string> {
    const conversation = await this.#conversation(record);
    const position = this.#ctx.app.conversations.queuePosition(conversation.id);
    await this.#patchCall(record, { state: 'queued', queuedAt: this.#ctx.clock.now(), agentId: undefined, ...(position !== undefined ? { queuePosition: position } : {}) });
    await this.#event(record, 'call.queued', { ...(position !== undefined ? { position } : {}), ...(conversation.teamId ? { teamId: conversation.teamId } : {}) }, { key: `${record.sid}:queued:${step}` });
    const vr = new twilio.twiml.VoiceResponse();
    this.#say(vr, ivr, record, ivr.messages.queued);
    vr.enqueue(
      { waitUrl: this.#shared.url('voice', '/queue/wait', { s: step }), waitUrlMethod: 'POST', action: this.#shared.url('voice', '/queue/result', { s: step }), method: 'POST' },
      `kefu-${record.tenantId}-${conversation.teamId ?? 'all'}`,
    );
    return vr.toString();
  }

  async #queueWait(record: CallRecord, ivr: ResolvedIvr, params: Record<string, string>): Promise<string> {
    const vr = new twilio.twiml.VoiceResponse();
    const conversation = await this.#conversation(record);
    const waited = Number(params.QueueTime ?? 0) || 0;
    if ((conversation.status === 'assigned' && conversation.assigneeId) || waited >= ivr.queue.maxWaitSeconds || conversation.status === 'closed') {
      vr.leave();
      return vr.toString();
    }
    const position = this.#ctx.app.conversations.queuePosition(conversation.id) ?? (Number(params.QueuePosition) || undefined);
    if (position !== undefined) {
      if ((conversation.attributes.call as LiveCall | undefined)?.queuePosition !== position) await this.#patchCall(record, { queuePosition: position });
      this.#say(vr, ivr, record, ivr.messages.queuePosition, { position });
    }
    if (ivr.queue.holdMusicUrl) vr.play(ivr.queue.holdMusicUrl);
    else vr.pause({ length: ivr.queue.announceEverySeconds });
    return vr.toString();
  }

  async #queueResult(record: CallRecord, ivr: ResolvedIvr, params: Record<string, string>, step: string, next: string): Promise<Response> {
    const result = params.QueueResult!;
    const queueTimeSec = Number(params.QueueTime ?? 0) || 0;
    const key = `${record.sid}:queue-result:${step}`;
    if (result === 'hangup') {
      await this.#event(record, 'call.abandoned', { queueTimeSec }, { key });
      return xmlResponse(new twilio.twiml.VoiceResponse().toString());
    }
    if (result === 'bridged' || result === 'redirected') return xmlResponse(new twilio.twiml.VoiceResponse().toString());
    const conversation = await this.#conversation(record);
    if (result === 'leave' && conversation.status === 'assigned' && conversation.assigneeId) return xmlResponse(await this.#dialAgent(record, ivr, conversation.assigneeId, next));
    await this.#event(record, 'call.wait_limit', { queueTimeSec, result }, { key });
    return xmlResponse(await this.#menu(record, ivr, LEAVE_MESSAGE_MENU, 1, next, (vr) => this.#say(vr, ivr, record, ivr.messages.agentUnavailable)));
  }

  // Voicemail and call-backs

  async #voicemail(record: CallRecord, ivr: ResolvedIvr, step: string): Promise<string> {
    await this.#patchCall(record, { state: 'voicemail', agentId: undefined });
    const vr = new twilio.twiml.VoiceResponse();
    this.#say(vr, ivr, record, ivr.messages.voicemail);
    vr.record({
      action: this.#shared.url('voice', '/recording', { s: step }),
      method: 'POST',
      maxLength: this.#s.voicemailMaxSeconds,
      playBeep: true,
      finishOnKey: '#',
      timeout: 5,
      ...(this.#s.transcribeVoicemail ? { transcribe: true, transcribeCallback: this.#shared.url('voice', '/transcription') } : {}),
    });
    this.#say(vr, ivr, record, ivr.messages.goodbye);
    vr.hangup();
    return vr.toString();
  }

  async #recording(record: CallRecord, ivr: ResolvedIvr, params: Record<string, string>): Promise<Response> {
    const ctx = this.#ctx;
    const durationSec = Number(params.RecordingDuration ?? 0) || 0;
    const recordingSid = params.RecordingSid!;
    const result = await ctx.receive({
      channel: 'phone',
      tenantId: record.tenantId,
      address: record.from,
      conversationId: record.conversationId,
      externalId: `${record.sid}:recording:${recordingSid}`,
      sender: { externalId: record.from, ...(isE164(record.from) ? { identifiers: [{ kind: 'phone', value: record.from }] } : {}) },
      parts: [
        { type: 'audio', url: params.RecordingUrl!, mimeType: 'audio/x-wav', durationMs: durationSec * 1000 },
        { type: 'event', name: 'call.voicemail', data: { callSid: record.sid, recordingSid, recordingUrl: params.RecordingUrl, durationSec } },
      ],
      text: 'Voicemail',
      meta: { [META_KEY]: { claim: true, callSid: record.sid, recordingSid } },
      raw: params,
    });
    if (!result.duplicate) {
      await ctx.store.kvSet(KV_RECORDING, recordingSid, result.message.id, { ttlMs: CALL_TTL });
      const conversation = await this.#conversation(record);
      await ctx.app.conversations.update(conversation.id, { tags: [...new Set([...conversation.tags, 'voicemail'])] }, conversation.tenantId);
      // The console's call banner links the recording.
      if (params.RecordingUrl) await this.#patchCall(record, { recordingUrl: params.RecordingUrl });
      await this.#handoffQuietly(record, { reason: 'voicemail', intent: 'voicemail' });
    }
    const vr = new twilio.twiml.VoiceResponse();
    this.#say(vr, ivr, record, ivr.messages.voicemailThanks);
    vr.hangup();
    return xmlResponse(vr.toString());
  }

  async #transcription(record: CallRecord, params: Record<string, string>): Promise<void> {
    const ctx = this.#ctx;
    const recordingSid = params.RecordingSid!;
    const text = params.TranscriptionText ?? '';
    await this.#event(
      record,
      'call.transcription',
      { recordingSid, status: params.TranscriptionStatus, ...(params.TranscriptionUrl ? { url: params.TranscriptionUrl } : {}), ...(params.RecordingUrl ? { recordingUrl: params.RecordingUrl } : {}), ...(text ? { text } : {}) },
      { key: `${record.sid}:transcription:${recordingSid}`, ...(text ? { text } : {}) },
    );
    const messageId = await ctx.store.kvGet<string>(KV_RECORDING, recordingSid);
    const message = messageId ? await ctx.store.getMessage(messageId) : undefined;
    if (message && text) await ctx.store.updateMessage(message.id, { meta: { ...message.meta, transcript: text } });
    if (params.TranscriptionUrl || text) await this.#patchCall(record, { ...(params.TranscriptionUrl ? { transcriptionUrl: params.TranscriptionUrl } : {}), ...(text ? { transcriptionText: text } : {}) });
  }

  async #callback(record: CallRecord, ivr: ResolvedIvr): Promise<string> {
    const ctx = this.#ctx;
    const now = ctx.clock.now();
    const opening = ivr.businessHours ? nextOpening(ivr.businessHours, now) : now;
    const dueAt = Math.max(opening ?? now, now) + this.#s.callbackDelayMs;
    const conversation = await this.#conversation(record);
    const callback = { number: record.from, requestedAt: now, dueAt, status: 'requested', callSid: record.sid };
    await ctx.app.conversations.update(conversation.id, { tags: [...new Set([...conversation.tags, 'callback'])], attributes: { ...conversation.attributes, callback } }, conversation.tenantId);
    await this.#event(record, 'call.callback_requested', { number: record.from, dueAt }, { key: `${record.sid}:callback` });
    await this.#handoffQuietly(record, { reason: 'callback', intent: 'callback' });
    await ctx.app.scheduler.at(dueAt, CALLBACK_JOB, { conversationId: conversation.id, tenantId: conversation.tenantId }, { key: `phone-callback:${conversation.id}`, tenantId: conversation.tenantId, replace: true });
    const vr = new twilio.twiml.VoiceResponse();
    this.#say(vr, ivr, record, ivr.messages.callbackConfirmed);
    vr.hangup();
    return vr.toString();
  }

  /** The scheduled job: the call-back is due; agents see it first in the queue. */
  async #callbackDue(conversationId: string, tenantId: string): Promise<void> {
    const app = this.#ctx.app;
    const conversation = await this.#ctx.store.getConversation(conversationId, tenantId);
    const callback = conversation?.attributes.callback as { status?: string } | undefined;
    if (!conversation || conversation.status === 'closed' || callback?.status !== 'requested') return;
    await app.conversations.update(conversationId, { priority: Math.max(conversation.priority, 1), attributes: { ...conversation.attributes, callback: { ...callback, status: 'due' } } }, tenantId);
    await app.send(conversationId, [{ type: 'event', name: 'call.callback_due', data: { number: conversation.address } }], { direction: 'internal', author: { role: 'system', id: 'phone' }, tenantId });
  }

  /** Routes the conversation to humans unless an agent already has it (voicemail, call-back). */
  async #handoffQuietly(record: CallRecord, request: { reason: string; intent: string }): Promise<void> {
    const conversation = await this.#conversation(record);
    if (conversation.status !== 'bot' && conversation.status !== 'queued') return;
    try {
      await this.#ctx.app.conversations.handoff(conversation.id, request, conversation.tenantId);
    } catch (error) {
      if (!isKefuError(error, ErrorCodes.ILLEGAL_TRANSITION)) throw error;
    }
  }

  /** Twilio's status callback of the inbound call: hang-up and duration. */
  async #status(record: CallRecord, params: Record<string, string>): Promise<void> {
    const status = params.CallStatus!;
    if (!FINAL_CALL.has(status)) return;
    const durationSec = params.CallDuration ? Number(params.CallDuration) : undefined;
    await this.#shared.once(`${record.sid}:ended`, async () => {
      await this.#patchCall(record, { state: 'completed', endedAt: this.#ctx.clock.now(), endStatus: status, queuePosition: undefined, ...(durationSec !== undefined ? { durationSec } : {}) });
      await this.#event(record, 'call.ended', { status, ...(durationSec !== undefined ? { durationSec } : {}) });
    });
  }

  // Helpers

  async #conversation(record: CallRecord): Promise<Conversation> {
    return this.#ctx.app.conversations.get(record.conversationId, record.tenantId);
  }

  /** Updates `conversation.attributes.call` (emits `conversation.updated` for the console). */
  async #patchCall(record: CallRecord, patch: Partial<LiveCall>, replace = false): Promise<void> {
    const conversation = await this.#conversation(record);
    const merged: Record<string, unknown> = { ...(replace ? {} : (conversation.attributes.call as LiveCall | undefined)), ...patch };
    for (const k of Object.keys(merged)) if (merged[k] === undefined) delete merged[k];
    await this.#ctx.app.conversations.update(conversation.id, { attributes: { ...conversation.attributes, call: merged } }, conversation.tenantId);
  }

  /**
   * Records a call event as an internal message (agents see it; it never reaches the customer
   * and does not run the bot or the router). `key` makes a repeated webhook record it once.
   */
  async #event(record: CallRecord, name: string, data: Record<string, unknown>, options: { key?: string; text?: string; customer?: boolean } = {}): Promise<void> {
    const parts: Part[] = [];
    if (options.text) parts.push({ type: 'text', text: options.text });
    const clean = Object.fromEntries(Object.entries({ callSid: record.sid, ...data }).filter(([, v]) => v !== undefined));
    parts.push({ type: 'event', name, data: clean });
    const conversation = await this.#conversation(record);
    const write = async () => {
      await this.#ctx.app.send(record.conversationId, parts, {
        direction: 'internal',
        author: options.customer ? { role: 'customer', id: conversation.contactId } : { role: 'system', id: 'phone' },
        tenantId: record.tenantId,
        meta: { [META_KEY]: { callSid: record.sid } },
      });
    };
    if (options.key) await this.#shared.once(options.key, write);
    else await write();
  }
}

function nextStep(step: string): string {
  const n = Number(step);
  return Number.isFinite(n) ? String(n + 1) : `${step}.1`;
}
