import { type Adapter, type AdapterCapabilities, DEFAULT_TENANT, ErrorCodes, KefuError } from '@kefu/core';
import twilio from 'twilio';
import { CallPlacer, type OutboundCall, type PlaceCallRequest } from './calls.js';
import { PhoneErrorCodes } from './errors.js';
import { type IvrDefinition, type ResolvedIvr, validateIvr } from './ivr.js';
import { type IvrIntentHandler, type PhoneCommerceService, type PhoneNumberConfig, PhoneShared, registerClaimMiddleware, type ResolvedNumber } from './shared.js';
import { SmsService } from './sms.js';
import { createTwilioClient, errorResponse, isE164, type TwilioClient, type TwilioHttpClient, verifyTwilioRequest, WebhookError } from './twilio.js';
import { VoiceFlow } from './voice.js';

/** Options of {@link createPhoneAdapter}. */
export interface PhoneAdapterOptions {
  /** Twilio Account SID (`AC…`). */
  accountSid: string;
  /** Twilio auth token: signs webhooks and authenticates REST calls. */
  authToken: string;
  /**
   * The public base URL Twilio reaches, e.g. `https://kefu.example.com`. Signatures are checked
   * against this plus the request's path and query, so proxies may rewrite host and scheme.
   */
  publicUrl: string;
  /** Your Twilio numbers (E.164 strings, or objects with tenant and IVR). More with `addNumber()`. */
  numbers: Array<string | PhoneNumberConfig>;
  /** The IVR of numbers that have none. Default: {@link defaultIvr}. */
  ivr?: IvrDefinition;
  /** Custom IVR intents by name (`{ type: 'intent', intent: 'opening-hours' }`). */
  intents?: Record<string, IvrIntentHandler>;
  /** Order lookups for the `order-status` intent. Default: `app.services.commerce` when provided. */
  commerce?: PhoneCommerceService;
  /** A ready `twilio` client (wins over `httpClient` and `apiBase`). */
  client?: TwilioClient;
  /** A custom HTTP client for the `twilio` library (offline tests, proxies). */
  httpClient?: TwilioHttpClient;
  /** Send REST calls to this base URL instead of `https://api.twilio.com`. */
  apiBase?: string;
  /** Where the voice webhooks are mounted. Default `/webhooks/phone`. */
  voicePath?: string;
  /** Where the SMS webhooks are mounted. Default `/webhooks/sms`. */
  smsPath?: string;
  /** Seconds an agent's phone rings before the caller is offered voicemail / call-back. Default 20. */
  dialTimeoutSeconds?: number;
  /** Longest voicemail in seconds. Default 120. */
  voicemailMaxSeconds?: number;
  /** Ask Twilio to transcribe voicemails (English only on Twilio's side). Default true. */
  transcribeVoicemail?: boolean;
  /** A call-back request is due this long after it was made (or after opening time). Default 15 min. */
  callbackDelayMs?: number;
  /** Pull a caller out of the queue by REST as soon as an agent is assigned. Default true. */
  redirectOnAssign?: boolean;
  /** Outbound calls in flight at once for the account; more wait. Default 5. */
  maxConcurrentCalls?: number;
  /** Attempts of an outbound call (busy, no-answer, rate limited). Default 3. */
  callMaxAttempts?: number;
  /** Delay between outbound call attempts. Default 5 min. */
  callRetryDelayMs?: number;
  /** Segments per SMS sent (longer texts become several SMS). Default 10. */
  smsMaxSegments?: number;
  /** Largest webhook body accepted. Default 64 KiB. */
  maxBodyBytes?: number;
}

/** The SMS half: channel `sms`, inbound SMS/MMS, outbound through `messages.create`. */
export interface SmsAdapter extends Adapter {
  readonly channel: 'sms';
  handleWebhook(request: Request): Promise<Response>;
  /** Sends a text outside any conversation; throws `KEFU_PHONE_SMS_OPTED_OUT` for opted-out numbers. */
  sendText(input: { to: string; text: string; from?: string; tenantId?: string }): Promise<string[]>;
  /** True when the number replied STOP (and not START since). */
  isOptedOut(number: string, tenantId?: string): Promise<boolean>;
}

/** The voice half (channel `phone`), which also owns the numbers, outbound calls and the SMS half. */
export interface PhoneAdapter extends Adapter {
  readonly channel: 'phone';
  handleWebhook(request: Request): Promise<Response>;
  /** The SMS adapter sharing this account and these numbers: `app.adapter(phone).adapter(phone.sms)`. */
  readonly sms: SmsAdapter;
  /** Places an outbound call with status tracking, retries and the per-account concurrency limit. */
  placeCall(request: PlaceCallRequest): Promise<OutboundCall>;
  /** The stored state of an outbound call. */
  getCall(callId: string): Promise<OutboundCall | undefined>;
  /**
   * Calls a customer back for a conversation: the agent's phone (`attributes.phone`) rings
   * first, then the customer is dialled from the number they called.
   */
  callBack(conversationId: string, options: { agentId: string; tenantId?: string }): Promise<OutboundCall>;
  /** Adds (or replaces) a number at runtime; its IVR is validated first. */
  addNumber(config: string | PhoneNumberConfig): void;
  /** Removes a number; true when it was configured. */
  removeNumber(number: string): boolean;
  /** The configured numbers. */
  listNumbers(): PhoneNumberConfig[];
}

/**
 * The IVR used when none is given: 1 order status, 2 after-sales (team `after-sales`), 0 an
 * agent, 9 English / 中文.
 */
export const defaultIvr: IvrDefinition = {
  languages: ['zh-CN', 'en-US'],
  defaultLanguage: 'zh-CN',
  start: 'main',
  menus: {
    main: {
      prompt: {
        'zh-CN': '您好，欢迎致电。查询订单状态请按1，售后服务请按2，人工客服请按0。For English, press 9.',
        'en-US': 'Welcome. For order status press 1. For after-sales service press 2. To speak to an agent press 0. 中文服务请按9。',
      },
      options: [
        { key: '1', speech: { 'zh-CN': ['订单', '物流', '快递'], 'en-US': ['order', 'status', 'delivery'] }, action: { type: 'intent', intent: 'order-status' } },
        { key: '2', speech: { 'zh-CN': ['售后', '退货', '退款', '换货'], 'en-US': ['after sales', 'return', 'refund'] }, action: { type: 'agent', teamId: 'after-sales' } },
        { key: '0', speech: { 'zh-CN': ['人工', '客服'], 'en-US': ['agent', 'human', 'representative'] }, action: { type: 'agent' } },
        { key: '9', speech: { 'zh-CN': ['英文', 'english'], 'en-US': ['chinese', '中文'] }, action: { type: 'language', language: 'en-US' } },
      ],
    },
  },
};

const DEFAULT_CAPABILITIES: AdapterCapabilities = { text: true, deliveryReceipts: true, maxTextLength: 1600 };

function positiveInt(name: string, value: number | undefined, fallback: number, problems: string[]): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) problems.push(`${name} must be a positive integer`);
  return value;
}

function normalizePath(path: string): string {
  return '/' + path.replace(/^\/+|\/+$/g, '');
}

/**
 * Creates the Twilio phone adapter (channel `phone`) and its SMS twin (`.sms`, channel `sms`).
 * Two adapters because a conversation has one channel: calls thread per caller on `phone`,
 * texts per customer number on `sms`, and each channel's outbox sends its own way. They share
 * one Twilio client, one set of numbers and the opt-out list.
 *
 * @example
 * const phone = createPhoneAdapter({ ...phoneConfigFromEnv(process.env) })
 * app.adapter(phone).adapter(phone.sms)
 * // POST /webhooks/phone/voice  → phone.handleWebhook(request)
 * // POST /webhooks/sms/inbound  → phone.sms.handleWebhook(request)
 */
export function createPhoneAdapter(options: PhoneAdapterOptions): PhoneAdapter {
  const problems: string[] = [];
  if (!options || typeof options !== 'object') throw new KefuError(PhoneErrorCodes.CONFIG_INVALID, 'createPhoneAdapter needs options');
  if (!options.client && (typeof options.accountSid !== 'string' || !/^AC[0-9a-fA-F]{32}$/.test(options.accountSid))) problems.push('accountSid must look like AC followed by 32 hex digits');
  if (typeof options.authToken !== 'string' || options.authToken.length < 8) problems.push('authToken is required');
  let publicUrl = '';
  try {
    const u = new URL(options.publicUrl);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('protocol');
    if (u.search || u.hash) problems.push('publicUrl must not have a query or fragment');
    publicUrl = u.origin + u.pathname.replace(/\/+$/, '');
  } catch {
    problems.push(`publicUrl must be an absolute http(s) URL (got ${JSON.stringify(options.publicUrl)})`);
  }
  if (!Array.isArray(options.numbers) || options.numbers.length === 0) problems.push('numbers must list at least one Twilio number');
  const dialTimeoutSeconds = positiveInt('dialTimeoutSeconds', options.dialTimeoutSeconds, 20, problems);
  const voicemailMaxSeconds = positiveInt('voicemailMaxSeconds', options.voicemailMaxSeconds, 120, problems);
  const maxConcurrentCalls = positiveInt('maxConcurrentCalls', options.maxConcurrentCalls, 5, problems);
  const callMaxAttempts = positiveInt('callMaxAttempts', options.callMaxAttempts, 3, problems);
  const callRetryDelayMs = positiveInt('callRetryDelayMs', options.callRetryDelayMs, 5 * 60_000, problems);
  const callbackDelayMs = options.callbackDelayMs ?? 15 * 60_000;
  if (!Number.isFinite(callbackDelayMs) || callbackDelayMs < 0) problems.push('callbackDelayMs must be a number ≥ 0');
  const smsMaxSegments = positiveInt('smsMaxSegments', options.smsMaxSegments, 10, problems);
  const maxBodyBytes = positiveInt('maxBodyBytes', options.maxBodyBytes, 64 * 1024, problems);
  if (problems.length) throw new KefuError(PhoneErrorCodes.CONFIG_INVALID, `Invalid phone adapter options: ${problems.join('; ')}`, { details: { problems } });

  const intents = options.intents ?? {};
  const knownIntents = Object.keys(intents);
  const baseIvr: ResolvedIvr = validateIvr(options.ivr ?? defaultIvr, knownIntents);
  const shared = new PhoneShared(createTwilioClient(options), {
    publicUrl,
    voicePath: normalizePath(options.voicePath ?? '/webhooks/phone'),
    smsPath: normalizePath(options.smsPath ?? '/webhooks/sms'),
    maxBodyBytes,
    authToken: options.authToken,
  });
  const configs = new Map<string, PhoneNumberConfig>();

  const addNumber = (input: string | PhoneNumberConfig) => {
    const config: PhoneNumberConfig = typeof input === 'string' ? { number: input } : input;
    if (!config || typeof config.number !== 'string' || !isE164(config.number)) {
      throw new KefuError(PhoneErrorCodes.CONFIG_INVALID, `A number must be in E.164 form (got ${JSON.stringify(config?.number ?? input)})`);
    }
    const resolved: ResolvedNumber = {
      number: config.number,
      tenantId: config.tenantId ?? DEFAULT_TENANT,
      ivr: config.ivr ? validateIvr(config.ivr, knownIntents) : baseIvr,
      voice: config.voice ?? true,
      sms: config.sms ?? true,
    };
    shared.numbers.set(config.number, resolved);
    configs.set(config.number, config);
  };
  for (const n of options.numbers) addNumber(n);

  const sms = new SmsService(shared, smsMaxSegments);
  const placer = new CallPlacer({
    client: shared.client,
    maxConcurrent: maxConcurrentCalls,
    maxAttempts: callMaxAttempts,
    retryDelayMs: callRetryDelayMs,
    statusUrl: (callId) => shared.url('voice', '/outbound/status', { call: callId }),
    defaultFrom: (tenantId) => shared.defaultNumber(tenantId, 'voice'),
    voiceFor: (language) => baseIvr.voices[language] ?? {},
  });
  const voice = new VoiceFlow(
    shared,
    {
      dialTimeoutSeconds,
      voicemailMaxSeconds,
      transcribeVoicemail: options.transcribeVoicemail ?? true,
      callbackDelayMs,
      redirectOnAssign: options.redirectOnAssign ?? true,
      intents,
      commerce: options.commerce,
      defaultIvr: baseIvr,
    },
    placer,
    sms,
  );

  /** Verifies, dispatches and turns coded failures into HTTP answers. */
  const webhook = async (request: Request, basePath: string, dispatch: (r: Awaited<ReturnType<typeof verifyTwilioRequest>>) => Promise<Response>): Promise<Response> => {
    try {
      const verified = await verifyTwilioRequest(request, { authToken: options.authToken, publicUrl, basePath, maxBodyBytes });
      if (!shared.started) throw new WebhookError(503, PhoneErrorCodes.NOT_STARTED, 'The phone adapter is not started');
      return await dispatch(verified);
    } catch (error) {
      if (error instanceof WebhookError) return errorResponse(error);
      if (error instanceof KefuError && error.code === ErrorCodes.NOT_FOUND) return errorResponse(new WebhookError(404, error.code, error.message));
      shared.started && shared.ctx.app.emit('error', { error, source: 'phone:webhook' });
      return errorResponse(new WebhookError(500, ErrorCodes.STORE_FAILED, 'The webhook could not be processed'));
    }
  };

  let smsStarted = false;
  const smsAdapter: SmsAdapter = {
    channel: 'sms',
    capabilities: { ...DEFAULT_CAPABILITIES, images: true },
    start(ctx) {
      if (smsStarted) return;
      smsStarted = true;
      shared.attach(ctx);
      registerClaimMiddleware(ctx);
    },
    stop() {
      if (!smsStarted) return;
      smsStarted = false;
      shared.detach();
    },
    async send(conversation, outbound) {
      const configured = conversation.attributes.twilioNumber;
      const from = typeof configured === 'string' && shared.findNumber(configured, 'sms') ? configured : shared.defaultNumber(conversation.tenantId, 'sms');
      return sms.sendMessage(conversation, outbound, from);
    },
    handleWebhook(request) {
      return webhook(request, shared.settings.smsPath, (r) => {
        if (r.route === '/inbound') return sms.onInbound(r);
        if (r.route === '/status') return sms.onStatus(r);
        throw new WebhookError(404, ErrorCodes.NOT_FOUND, `No SMS webhook at ${r.route}`);
      });
    },
    sendText: (input) => sms.sendText(input),
    isOptedOut: (number, tenantId) => sms.isOptedOut(number, tenantId),
  };

  let phoneStarted = false;
  const phone: PhoneAdapter = {
    channel: 'phone',
    // Text sent in a phone conversation reaches the caller as SMS from the number they called.
    capabilities: { ...DEFAULT_CAPABILITIES },
    sms: smsAdapter,
    start(ctx) {
      if (phoneStarted) return;
      phoneStarted = true;
      shared.attach(ctx);
      registerClaimMiddleware(ctx);
      placer.start(ctx);
      voice.start(ctx);
    },
    stop() {
      if (!phoneStarted) return;
      phoneStarted = false;
      voice.stop();
      placer.stop();
      shared.detach();
    },
    async send(conversation, outbound) {
      const call = conversation.attributes.call as { to?: string } | undefined;
      const from = call?.to && shared.findNumber(call.to, 'sms') ? call.to : shared.defaultNumber(conversation.tenantId, 'sms');
      return sms.sendMessage(conversation, outbound, from);
    },
    handleWebhook(request) {
      return webhook(request, shared.settings.voicePath, (r) => voice.handle(r));
    },
    placeCall: (request) => placer.placeCall(request),
    getCall: (callId) => placer.get(callId),
    async callBack(conversationId, { agentId, tenantId }) {
      const { app, store } = shared.ctx;
      const conversation = await app.conversations.get(conversationId, tenantId);
      const agent = await store.getAgent(conversation.tenantId, agentId);
      if (!agent) throw new KefuError(ErrorCodes.NOT_FOUND, `No agent "${agentId}"`);
      const agentPhone = agent.attributes.phone;
      if (typeof agentPhone !== 'string' || !isE164(agentPhone)) throw new KefuError(ErrorCodes.INVALID_INPUT, `Agent "${agentId}" has no attributes.phone in E.164 form`);
      if (!isE164(conversation.address)) throw new KefuError(ErrorCodes.INVALID_INPUT, `The conversation address "${conversation.address}" is not a phone number`);
      const called = (conversation.attributes.call as { to?: string } | undefined)?.to;
      const from = called && shared.findNumber(called, 'voice') ? called : shared.defaultNumber(conversation.tenantId, 'voice');
      const vr = new twilio.twiml.VoiceResponse();
      vr.dial({ ...(from ? { callerId: from } : {}), answerOnBridge: true }).number(conversation.address);
      const call = await placer.placeCall({ to: agentPhone, ...(from ? { from } : {}), twiml: vr.toString(), tenantId: conversation.tenantId, conversationId, meta: { kind: 'callback', agentId } });
      const latest = await app.conversations.get(conversationId, conversation.tenantId);
      await app.conversations.update(conversationId, { attributes: { ...latest.attributes, callback: { ...(latest.attributes.callback as object | undefined), status: 'dialing', callId: call.id, agentId } } }, conversation.tenantId);
      return call;
    },
    addNumber,
    removeNumber(number) {
      configs.delete(number);
      return shared.numbers.delete(number);
    },
    listNumbers: () => [...configs.values()],
  };
  return phone;
}
