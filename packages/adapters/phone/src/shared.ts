import { type AdapterContext, DEFAULT_TENANT, KefuError, KeyedQueue, type Middleware } from '@kefu/core';
import { PhoneErrorCodes } from './errors.js';
import type { IvrDefinition, LocalizedText, ResolvedIvr } from './ivr.js';
import type { TwilioClient } from './twilio.js';

/** One of your Twilio numbers and what it serves. */
export interface PhoneNumberConfig {
  /** The number in E.164 form, e.g. `+8675512345678`. */
  number: string;
  /** The tenant whose conversations this number opens. Default `default`. */
  tenantId?: string;
  /** The IVR callers to this number hear. Default: the adapter's `ivr`. */
  ivr?: IvrDefinition;
  /** The number takes calls. Default true. */
  voice?: boolean;
  /** The number takes and sends SMS. Default true. */
  sms?: boolean;
}

/** A configured number with its IVR validated. */
export interface ResolvedNumber {
  number: string;
  tenantId: string;
  ivr: ResolvedIvr;
  voice: boolean;
  sms: boolean;
}

/** An order as the IVR reads it out. */
export interface PhoneOrderSummary {
  id: string;
  /** Machine status (`paid`, `shipped`, ...). */
  status: string;
  /** What to say for the status, per language or as one text (e.g. "已发货，预计明天送达"). */
  statusText?: string | LocalizedText;
}

/**
 * The part of the commerce service the IVR's `order-status` intent needs. The commerce plugin
 * provides `app.services.commerce`; any object with these methods fits (give one of them).
 */
export interface PhoneCommerceService {
  /** Recent orders of the customer with this phone number, newest first. */
  findOrders?(query: { tenantId: string; phone: string; limit: number }): Promise<PhoneOrderSummary[]>;
  /** One order by the id the caller typed. */
  getOrder?(orderId: string, options: { tenantId: string }): Promise<PhoneOrderSummary | undefined>;
}

/** What a custom IVR intent handler gets. */
export interface IvrIntentContext {
  tenantId: string;
  conversationId: string;
  callSid: string;
  /** The caller's number. */
  from: string;
  /** Your number that was called. */
  to: string;
  language: string;
}

/** A custom IVR intent: answers the text to say (one string, or one per language). */
export type IvrIntentHandler = (call: IvrIntentContext) => string | LocalizedText | Promise<string | LocalizedText>;

/** Where a call stands, as the console shows it (`conversation.attributes.call.state`). */
export type LiveCallState = 'in-progress' | 'ringing' | 'queued' | 'voicemail' | 'completed';

/** The live call kept on `conversation.attributes.call` (every change emits `conversation.updated`). */
export interface LiveCall {
  sid: string;
  state: LiveCallState;
  from: string;
  to: string;
  startedAt: number;
  /** The menu the caller is in. */
  menu?: string;
  /** The agent being dialled or talking. */
  agentId?: string;
  queuedAt?: number;
  queuePosition?: number;
  endedAt?: number;
  durationSec?: number;
  /** Twilio's final `CallStatus` (`completed`, `busy`, `no-answer`, ...). */
  endStatus?: string;
  /** The voicemail recording (Twilio `RecordingUrl`), once recorded. */
  recordingUrl?: string;
  /** The transcription resource (Twilio `TranscriptionUrl`), once transcribed. */
  transcriptionUrl?: string;
  /** The transcribed text, once transcribed. */
  transcriptionText?: string;
}

/** Per-call state kept in the store while the call lasts. */
export interface CallRecord {
  sid: string;
  tenantId: string;
  conversationId: string;
  from: string;
  to: string;
  language: string;
  startedAt: number;
}

/** Envelope `meta` key that marks phone-owned messages (the IVR routes them, not the router). */
export const META_KEY = 'kefuPhone';

const claimedApps = new WeakSet<object>();

/**
 * Registers (once per app) the middleware that claims call events and opt-out keywords, so
 * the router does not hand a conversation to an agent while the caller is still in the IVR.
 * Adapters start after plugins, so this runs last in the chain.
 */
export function registerClaimMiddleware(ctx: AdapterContext): void {
  if (claimedApps.has(ctx.app)) return;
  claimedApps.add(ctx.app);
  const middleware: Middleware = async (pipeline, next) => {
    const meta = pipeline.envelope.meta?.[META_KEY] as { claim?: boolean } | undefined;
    if (meta?.claim) {
      pipeline.claim('phone');
      return;
    }
    await next();
  };
  ctx.app.route(middleware);
}

/** Resolved adapter settings shared by the phone and SMS adapters. */
export interface SharedSettings {
  publicUrl: string;
  voicePath: string;
  smsPath: string;
  maxBodyBytes: number;
  authToken: string;
}

/** State both adapters share: the Twilio client, the numbers and the running context. */
export class PhoneShared {
  readonly client: TwilioClient;
  readonly settings: SharedSettings;
  readonly numbers = new Map<string, ResolvedNumber>();
  /** Serializes work per call / per message so attribute read-modify-writes do not race. */
  readonly serial = new KeyedQueue();
  #ctx: AdapterContext | undefined;
  #starts = 0;

  constructor(client: TwilioClient, settings: SharedSettings) {
    this.client = client;
    this.settings = settings;
  }

  attach(ctx: AdapterContext): void {
    this.#ctx = ctx;
    this.#starts++;
  }

  /** Detaches once both adapters that attached have stopped. */
  detach(): void {
    if (this.#starts > 0) this.#starts--;
    if (this.#starts === 0) this.#ctx = undefined;
  }

  get started(): boolean {
    return this.#ctx !== undefined;
  }

  get ctx(): AdapterContext {
    if (!this.#ctx) throw new KefuError(PhoneErrorCodes.NOT_STARTED, 'The phone adapter is not started');
    return this.#ctx;
  }

  /** The absolute public URL of one of our webhooks. */
  url(kind: 'voice' | 'sms', route: string, query?: Record<string, string | number | undefined>): string {
    const base = this.settings.publicUrl.replace(/\/+$/, '') + (kind === 'voice' ? this.settings.voicePath : this.settings.smsPath) + route;
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) q.set(k, String(v));
    const s = q.toString();
    return s ? `${base}?${s}` : base;
  }

  findNumber(to: string | undefined, kind: 'voice' | 'sms'): ResolvedNumber | undefined {
    const n = to ? this.numbers.get(to) : undefined;
    return n && n[kind] ? n : undefined;
  }

  /** The first number of a tenant that serves `kind`. */
  defaultNumber(tenantId: string = DEFAULT_TENANT, kind: 'voice' | 'sms'): string | undefined {
    for (const n of this.numbers.values()) if (n.tenantId === tenantId && n[kind]) return n.number;
    return undefined;
  }

  /** Runs `fn` once per key (Twilio may repeat a webhook); true when it ran. */
  async once(key: string, fn: () => Promise<void>): Promise<boolean> {
    const { store } = this.ctx;
    if (await store.kvGet('kefu.phone.seen', key)) return false;
    await fn();
    await store.kvSet('kefu.phone.seen', key, 1, { ttlMs: 2 * 24 * 3600_000 });
    return true;
  }
}
