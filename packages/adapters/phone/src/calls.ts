import { type AdapterContext, DEFAULT_TENANT, KefuError, newId } from '@kefu/core';
import twilio from 'twilio';
import { PhoneErrorCodes } from './errors.js';
import { describeTwilioError, isE164, type TwilioClient } from './twilio.js';

/** Twilio's call statuses, plus `pending` while Kefu waits for a free slot or a retry. */
export type OutboundCallStatus = 'pending' | 'queued' | 'initiated' | 'ringing' | 'in-progress' | 'completed' | 'busy' | 'no-answer' | 'canceled' | 'failed';

/** How a finished call ended. `machine`: answered by voicemail / a fax (machine detection). */
export type OutboundCallOutcome = 'answered' | 'machine' | 'busy' | 'no-answer' | 'canceled' | 'failed';

/** What {@link PlaceCallRequest.statusCallback} and the `call.updated` event receive. */
export interface OutboundCall {
  /** Kefu's id of the call (stable across retries; each attempt gets a new Twilio `sid`). */
  id: string;
  tenantId: string;
  to: string;
  from: string;
  status: OutboundCallStatus;
  /** Twilio CallSid of the current attempt. */
  sid?: string;
  attempts: number;
  maxAttempts: number;
  /** Twilio's answering machine detection result (`human`, `machine_start`, `machine_end_beep`, `fax`, `unknown`). */
  answeredBy?: string;
  outcome?: OutboundCallOutcome;
  durationSec?: number;
  error?: { code: string; message: string; twilioCode?: number };
  conversationId?: string;
  meta?: Record<string, unknown>;
  /** Every status seen, in order (across attempts). */
  history: Array<{ status: OutboundCallStatus; at: number; attempt: number; answeredBy?: string }>;
  nextAttemptAt?: number;
  createdAt: number;
  updatedAt: number;
}

/** A call to place with {@link CallPlacer.placeCall}. */
export interface PlaceCallRequest {
  /** E.164 number to call. */
  to: string;
  /** Caller id (one of your Twilio numbers). Default: the adapter's first voice number of the tenant. */
  from?: string;
  /** Text read to the callee (`<Say>`), in `language` (default `zh-CN`). Give this or `twimlUrl` or `twiml`. */
  script?: string;
  language?: string;
  /** A URL serving the call's TwiML. */
  twimlUrl?: string;
  /** Ready TwiML for the call. */
  twiml?: string;
  /** Called on every status change (and once more when the call is final). */
  statusCallback?: (call: OutboundCall) => void | Promise<void>;
  /** Twilio answering machine detection: `Enable` or `DetectMessageEnd`. */
  machineDetection?: 'Enable' | 'DetectMessageEnd';
  /** Report machine detection asynchronously (the call starts before detection ends). */
  asyncAmd?: boolean;
  /** Attempts in all for busy / no-answer / rate limits. Default from the adapter (3). */
  maxAttempts?: number;
  /** Ring time in seconds before no-answer. Default 30. */
  timeoutSeconds?: number;
  tenantId?: string;
  conversationId?: string;
  meta?: Record<string, unknown>;
}

/** The parts of a request kept with the call so a retry can replay it. */
type StoredRequest = Pick<PlaceCallRequest, 'script' | 'language' | 'twiml' | 'twimlUrl' | 'machineDetection' | 'asyncAmd' | 'timeoutSeconds'>;

const FINAL: ReadonlySet<OutboundCallStatus> = new Set(['completed', 'busy', 'no-answer', 'canceled', 'failed']);
const RETRY_JOB = 'kefu.phone.call-retry';
const KV = 'kefu.phone.outbound';
const KV_SID = 'kefu.phone.outbound-sid';
const TTL = 7 * 24 * 3600_000;

declare module '@kefu/core' {
  interface KefuEvents {
    /** An outbound call placed through the phone adapter changed status. */
    'call.updated': { call: OutboundCall };
  }
}

/** Settings of the outbound call placer. */
export interface CallPlacerOptions {
  client: TwilioClient;
  /** Calls in flight at once for this account; more wait their turn. */
  maxConcurrent: number;
  maxAttempts: number;
  /** Delay before retrying busy / no-answer / rate-limited calls. */
  retryDelayMs: number;
  /** Builds the public URL of the outbound status webhook for one call. */
  statusUrl: (callId: string) => string;
  defaultFrom: (tenantId: string) => string | undefined;
  voiceFor: (language: string) => { voice?: string; sayLanguage?: string };
}

/**
 * Places outbound calls with status tracking, retries for busy / no-answer / rate limits
 * (durable, through the app's scheduler) and a per-account limit of calls in flight.
 */
export class CallPlacer {
  readonly #o: CallPlacerOptions;
  #ctx: AdapterContext | undefined;
  readonly #active = new Set<string>();
  readonly #waiting: string[] = [];
  readonly #listeners = new Map<string, PlaceCallRequest['statusCallback']>();
  readonly #requests = new Map<string, StoredRequest>();

  constructor(options: CallPlacerOptions) {
    this.#o = options;
  }

  start(ctx: AdapterContext): void {
    this.#ctx = ctx;
    ctx.app.scheduler.define<{ callId: string }>(RETRY_JOB, async ({ callId }) => {
      const call = await this.get(callId);
      if (call && call.status === 'pending') await this.#dispatch(call);
    });
  }

  stop(): void {
    this.#ctx = undefined;
  }

  get #c(): AdapterContext {
    if (!this.#ctx) throw new KefuError(PhoneErrorCodes.NOT_STARTED, 'The phone adapter is not started');
    return this.#ctx;
  }

  /** Calls placed and not yet final (the per-account limit counts these). */
  get inFlight(): number {
    return this.#active.size;
  }

  /** The stored record of a call. */
  get(callId: string): Promise<OutboundCall | undefined> {
    return this.#c.store.kvGet<OutboundCall>(KV, callId);
  }

  /**
   * Places a call. Resolves with the call once Twilio accepted it (`queued`), or as `pending`
   * when the concurrency limit or a rate limit makes it wait. Rejects with
   * `KEFU_PHONE_CALL_FAILED` when Twilio refuses it for good (invalid number, ...), and with
   * `KEFU_INVALID_INPUT` for a malformed request.
   */
  async placeCall(request: PlaceCallRequest): Promise<OutboundCall> {
    const ctx = this.#c;
    const tenantId = request.tenantId ?? DEFAULT_TENANT;
    const problems: string[] = [];
    if (typeof request.to !== 'string' || !isE164(request.to)) problems.push('to must be an E.164 number');
    const sources = [request.script, request.twimlUrl, request.twiml].filter((x) => x !== undefined);
    if (sources.length !== 1) problems.push('give exactly one of script, twimlUrl, twiml');
    if (request.twimlUrl !== undefined && !/^https?:\/\//.test(request.twimlUrl)) problems.push('twimlUrl must be an http(s) URL');
    const from = request.from ?? this.#o.defaultFrom(tenantId);
    if (!from) problems.push('from is required (no voice number is configured for this tenant)');
    const maxAttempts = request.maxAttempts ?? this.#o.maxAttempts;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) problems.push('maxAttempts must be a positive integer');
    if (problems.length) throw new KefuError('KEFU_INVALID_INPUT', `Invalid call request: ${problems.join('; ')}`, { details: { problems } });
    const now = ctx.clock.now();
    const call: OutboundCall = {
      id: newId(now),
      tenantId,
      to: request.to,
      from: from!,
      status: 'pending',
      attempts: 0,
      maxAttempts,
      history: [],
      ...(request.conversationId ? { conversationId: request.conversationId } : {}),
      ...(request.meta ? { meta: request.meta } : {}),
      createdAt: now,
      updatedAt: now,
    };
    if (request.statusCallback) this.#listeners.set(call.id, request.statusCallback);
    this.#requests.set(call.id, {
      ...(request.script !== undefined ? { script: request.script } : {}),
      ...(request.language ? { language: request.language } : {}),
      ...(request.twiml !== undefined ? { twiml: request.twiml } : {}),
      ...(request.twimlUrl !== undefined ? { twimlUrl: request.twimlUrl } : {}),
      ...(request.machineDetection ? { machineDetection: request.machineDetection } : {}),
      ...(request.asyncAmd ? { asyncAmd: true } : {}),
      ...(request.timeoutSeconds ? { timeoutSeconds: request.timeoutSeconds } : {}),
    });
    await this.#save(call);
    // The request itself is stored with the call so a retry after a restart can replay it.
    await ctx.store.kvSet(`${KV}.request`, call.id, this.#requests.get(call.id), { ttlMs: TTL });
    const placed = await this.#dispatch(call);
    if (placed.status === 'failed') {
      throw new KefuError(PhoneErrorCodes.CALL_FAILED, `Twilio refused the call to ${call.to}: ${placed.error?.message}`, { details: { callId: call.id, twilioCode: placed.error?.twilioCode } });
    }
    return placed;
  }

  async #request(callId: string): Promise<StoredRequest | undefined> {
    return this.#requests.get(callId) ?? (await this.#c.store.kvGet<StoredRequest>(`${KV}.request`, callId));
  }

  async #dispatch(call: OutboundCall): Promise<OutboundCall> {
    if (this.#active.size >= this.#o.maxConcurrent) {
      if (!this.#waiting.includes(call.id)) this.#waiting.push(call.id);
      return call;
    }
    const ctx = this.#c;
    const request = await this.#request(call.id);
    if (!request) return this.#finish(call, 'failed', { code: PhoneErrorCodes.CALL_FAILED, message: 'The call request was lost' });
    this.#active.add(call.id);
    const attempt = call.attempts + 1;
    try {
      const twiml = request.twiml ?? (request.script !== undefined ? this.#scriptTwiml(request.script, request.language ?? 'zh-CN') : undefined);
      const created = await this.#o.client.calls.create({
        to: call.to,
        from: call.from,
        ...(twiml !== undefined ? { twiml } : { url: request.twimlUrl! }),
        statusCallback: this.#o.statusUrl(call.id),
        statusCallbackMethod: 'POST',
        statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
        ...(request.timeoutSeconds ? { timeout: request.timeoutSeconds } : {}),
        ...(request.machineDetection ? { machineDetection: request.machineDetection } : {}),
        ...(request.machineDetection && request.asyncAmd ? { asyncAmd: 'true', asyncAmdStatusCallback: this.#o.statusUrl(call.id), asyncAmdStatusCallbackMethod: 'POST' } : {}),
      });
      const status = (created.status as OutboundCallStatus) ?? 'queued';
      const { nextAttemptAt: _n, error: _e, ...rest } = call;
      const next: OutboundCall = { ...rest, sid: created.sid, attempts: attempt, status, updatedAt: ctx.clock.now(), history: [...call.history, { status, at: ctx.clock.now(), attempt }] };
      await ctx.store.kvSet(KV_SID, created.sid, call.id, { ttlMs: TTL });
      await this.#save(next);
      this.#notify(next);
      return next;
    } catch (error) {
      this.#active.delete(call.id);
      const f = describeTwilioError(error);
      const info = { code: PhoneErrorCodes.CALL_FAILED, message: f.message, ...(f.twilioCode ? { twilioCode: f.twilioCode } : {}) };
      const tried = { ...call, attempts: attempt };
      if (f.retryable && attempt < call.maxAttempts) {
        const pending = await this.#scheduleRetry({ ...tried, error: info });
        this.#release();
        return pending;
      }
      const failed = await this.#finish(tried, 'failed', info);
      this.#release();
      return failed;
    }
  }

  #scriptTwiml(script: string, language: string): string {
    const vr = new twilio.twiml.VoiceResponse();
    const v = this.#o.voiceFor(language);
    vr.say({ ...(v.voice ? { voice: v.voice as never } : {}), ...(v.sayLanguage ? { language: v.sayLanguage as never } : {}) }, script);
    return vr.toString();
  }

  async #scheduleRetry(call: OutboundCall): Promise<OutboundCall> {
    const ctx = this.#c;
    const nextAttemptAt = ctx.clock.now() + this.#o.retryDelayMs;
    const { sid: _s, ...rest } = call;
    const pending: OutboundCall = { ...rest, status: 'pending', nextAttemptAt, updatedAt: ctx.clock.now(), history: [...call.history, { status: 'pending', at: ctx.clock.now(), attempt: call.attempts }] };
    await this.#save(pending);
    await ctx.app.scheduler.at(nextAttemptAt, RETRY_JOB, { callId: call.id }, { key: `phone-call:${call.id}:${call.attempts}`, tenantId: call.tenantId });
    this.#notify(pending);
    return pending;
  }

  async #finish(call: OutboundCall, status: OutboundCallStatus, error?: OutboundCall['error'], outcome?: OutboundCallOutcome): Promise<OutboundCall> {
    const ctx = this.#c;
    const { nextAttemptAt: _n, ...rest } = call;
    const done: OutboundCall = {
      ...rest,
      status,
      outcome: outcome ?? (status === 'completed' ? 'answered' : (status as OutboundCallOutcome)),
      ...(error ? { error } : {}),
      updatedAt: ctx.clock.now(),
      history: call.history.at(-1)?.status === status ? call.history : [...call.history, { status, at: ctx.clock.now(), attempt: call.attempts }],
    };
    await this.#save(done);
    this.#notify(done);
    this.#listeners.delete(call.id);
    this.#requests.delete(call.id);
    return done;
  }

  /** Frees a slot and starts the next waiting call. */
  #release(): void {
    while (this.#waiting.length > 0 && this.#active.size < this.#o.maxConcurrent) {
      const next = this.#waiting.shift()!;
      void this.get(next)
        .then((call) => (call && call.status === 'pending' ? this.#dispatch(call) : undefined))
        .catch((error) => this.#ctx?.app.emit('error', { error, source: 'phone:placeCall' }));
    }
  }

  /** Handles a status callback (`CallStatus`, `AnsweredBy`, `CallDuration`) for one of our calls. */
  async onStatus(callId: string, params: Record<string, string>): Promise<OutboundCall | undefined> {
    const call = await this.get(callId);
    if (!call || (params.CallSid && call.sid && params.CallSid !== call.sid)) return undefined; // a stale attempt
    const ctx = this.#c;
    const status = (params.CallStatus as OutboundCallStatus | undefined) ?? call.status;
    const answeredBy = params.AnsweredBy || call.answeredBy;
    const duration = params.CallDuration ? Number(params.CallDuration) : undefined;
    if (FINAL.has(call.status)) return call;
    const updated: OutboundCall = {
      ...call,
      status,
      ...(answeredBy ? { answeredBy } : {}),
      ...(duration !== undefined && Number.isFinite(duration) ? { durationSec: duration } : {}),
      updatedAt: ctx.clock.now(),
      history: call.history.at(-1)?.status === status && !params.AnsweredBy ? call.history : [...call.history, { status, at: ctx.clock.now(), attempt: call.attempts, ...(params.AnsweredBy ? { answeredBy: params.AnsweredBy } : {}) }],
    };
    if (!FINAL.has(status)) {
      await this.#save(updated);
      this.#notify(updated);
      return updated;
    }
    this.#active.delete(call.id);
    let result: OutboundCall;
    if ((status === 'busy' || status === 'no-answer') && call.attempts < call.maxAttempts) {
      result = await this.#scheduleRetry(updated);
    } else {
      const machine = answeredBy !== undefined && /^(machine|fax)/.test(answeredBy);
      result = await this.#finish(updated, status, status === 'failed' ? { code: PhoneErrorCodes.CALL_FAILED, message: 'Twilio reported the call failed' } : undefined, status === 'completed' && machine ? 'machine' : undefined);
    }
    this.#release();
    return result;
  }

  #notify(call: OutboundCall): void {
    const ctx = this.#ctx;
    if (!ctx) return;
    ctx.app.emit('call.updated', { call });
    const listener = this.#listeners.get(call.id);
    if (listener) {
      Promise.resolve()
        .then(() => listener(call))
        .catch((error) => ctx.app.emit('error', { error, source: 'phone:statusCallback' }));
    }
  }

  #save(call: OutboundCall): Promise<void> {
    return this.#c.store.kvSet(KV, call.id, call, { ttlMs: TTL });
  }
}
