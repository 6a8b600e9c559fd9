import { type Card, type CardAction, type Conversation, DEFAULT_TENANT, ErrorCodes, KefuError, type Message, type OutboundMessage, type Part, type SendResult } from '@kefu/core';
import twilio from 'twilio';
import { PhoneErrorCodes } from './errors.js';
import { META_KEY, type PhoneShared } from './shared.js';
import { splitSms } from './sms-split.js';
import { describeTwilioError, isE164, requireParams, toDeliveryError, type TwilioRequest, WebhookError, xmlResponse } from './twilio.js';

/** Keywords that opt a number out of SMS (case-insensitive, whole message). */
export const STOP_KEYWORDS = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'OPTOUT', '退订', 'TD'];
/** Keywords that opt a number back in. */
export const START_KEYWORDS = ['START', 'UNSTOP', 'YES', 'SUBSCRIBE', '订阅'];

/** A numbered choice remembered on a sent message (`meta.sms.choices`). */
export interface SmsChoice {
  n: number;
  actionId: string;
  label: string;
  type: CardAction['type'];
  value?: string;
  cardMessageId: string;
}

/** What the adapter keeps in `message.meta.sms` of a sent message. */
export interface SmsSendMeta {
  sids: string[];
  segments: number;
  choices?: SmsChoice[];
}

interface DeliveryState {
  messageId: string;
  tenantId: string;
  sids: Record<string, string>;
  reported?: boolean;
}

const KV_OPTOUT = 'kefu.phone.sms-optout';
const KV_DELIVERY = 'kefu.phone.sms-delivery';
const KV_SID = 'kefu.phone.sms-sid';
const TTL = 14 * 24 * 3600_000;

function cardLines(card: Card, choices: SmsChoice[], messageId: string): string[] {
  const lines = [card.title];
  if (card.subtitle) lines.push(card.subtitle);
  if (card.text) lines.push(card.text);
  for (const f of card.fields ?? []) lines.push(`${f.label}: ${f.value}`);
  for (const item of card.items ?? []) lines.push(`- ${cardLines(item, choices, messageId).join(' / ')}`);
  if (card.url) lines.push(card.url);
  for (const action of card.actions ?? []) {
    const n = choices.length + 1;
    choices.push({ n, actionId: action.id, label: action.label, type: action.type, ...(action.value !== undefined ? { value: action.value } : {}), cardMessageId: messageId });
    lines.push(action.type === 'link' && action.url ? `${n}. ${action.label}: ${action.url}` : `${n}. ${action.label}`);
  }
  return lines;
}

/**
 * Renders a message for SMS: text as is, cards as text with choices numbered across the whole
 * message (so "2" means one thing), images as MMS media.
 */
export function renderSms(message: Pick<Message, 'id' | 'parts'>): { body: string; mediaUrls: string[]; choices: SmsChoice[] } {
  const choices: SmsChoice[] = [];
  const blocks: string[] = [];
  const mediaUrls: string[] = [];
  for (const part of message.parts) {
    switch (part.type) {
      case 'text':
        blocks.push(part.text);
        break;
      case 'card':
        blocks.push(cardLines(part.card, choices, message.id).join('\n'));
        break;
      case 'image':
        mediaUrls.push(part.url);
        if (part.alt) blocks.push(part.alt);
        break;
      case 'file':
        blocks.push(`${part.name}: ${part.url}`);
        break;
      case 'audio':
        blocks.push(part.transcript ?? part.url);
        break;
      case 'location':
        blocks.push(`${part.label ? part.label + ' ' : ''}(${part.latitude}, ${part.longitude})`);
        break;
      default:
        break;
    }
  }
  return { body: blocks.filter((b) => b !== '').join('\n'), mediaUrls, choices };
}

/** SMS sending, delivery reports, opt-out and inbound handling shared by both adapters. */
export class SmsService {
  readonly #shared: PhoneShared;
  readonly #maxSegments: number;

  constructor(shared: PhoneShared, maxSegments: number) {
    this.#shared = shared;
    this.#maxSegments = maxSegments;
  }

  async isOptedOut(number: string, tenantId: string = DEFAULT_TENANT): Promise<boolean> {
    const record = await this.#shared.ctx.store.kvGet<{ optedOut: boolean }>(KV_OPTOUT, `${tenantId}:${number}`);
    return record?.optedOut === true;
  }

  async #setOptOut(tenantId: string, number: string, optedOut: boolean, keyword: string): Promise<void> {
    await this.#shared.ctx.store.kvSet(KV_OPTOUT, `${tenantId}:${number}`, { optedOut, keyword, at: this.#shared.ctx.clock.now() });
  }

  #optedOutError(to: string): KefuError {
    return new KefuError(PhoneErrorCodes.SMS_OPTED_OUT, `${to} replied STOP; no SMS may be sent until they reply START`, { details: { to } });
  }

  /** Sends the chunks not yet in `sids` (an earlier attempt may have sent some), pushing each new sid. */
  async #create(input: { to: string; from: string; chunks: string[]; mediaUrls: string[]; statusCallback: string; sids: string[] }): Promise<string[]> {
    const { sids } = input;
    for (let i = sids.length; i < input.chunks.length; i++) {
      const created = await this.#shared.client.messages.create({
        to: input.to,
        from: input.from,
        body: input.chunks[i]!,
        statusCallback: input.statusCallback,
        ...(i === 0 && input.mediaUrls.length ? { mediaUrl: input.mediaUrls } : {}),
      });
      sids.push(created.sid);
    }
    return sids;
  }

  /** Sends an outbox message of a conversation as SMS from `from`. */
  async sendMessage(conversation: Conversation, outbound: OutboundMessage, from: string | undefined): Promise<SendResult> {
    const { ctx } = this.#shared;
    const to = conversation.address;
    if (!isE164(to)) throw new KefuError(ErrorCodes.DELIVERY_FAILED, `SMS needs an E.164 number (the conversation address is "${to}")`);
    if (!from) throw new KefuError(ErrorCodes.DELIVERY_FAILED, `No SMS number is configured for tenant "${conversation.tenantId}"`);
    if (await this.isOptedOut(to, conversation.tenantId)) {
      // The outbox only treats KEFU_DELIVERY_FAILED as permanent; the opt-out code travels in the message and details.
      const e = this.#optedOutError(to);
      throw new KefuError(ErrorCodes.DELIVERY_FAILED, `${PhoneErrorCodes.SMS_OPTED_OUT}: ${e.message}`, { cause: e, details: { reason: PhoneErrorCodes.SMS_OPTED_OUT, to } });
    }
    const message = outbound.message;
    const { body, mediaUrls, choices } = renderSms(message);
    const text = body || (mediaUrls.length ? '' : outbound.text);
    const chunks = text ? splitSms(text, this.#maxSegments) : [''];
    const previous = (message.meta?.sms as SmsSendMeta | undefined)?.sids ?? [];
    const sids = [...previous];
    try {
      await this.#create({ to, from, chunks, mediaUrls, statusCallback: this.#statusUrl(conversation.channel, message.id), sids });
    } catch (error) {
      // Remember partial progress so a retry does not send the first chunks twice.
      if (sids.length > previous.length) await ctx.store.updateMessage(message.id, { meta: { ...message.meta, sms: { sids, segments: chunks.length } satisfies SmsSendMeta } });
      const f = describeTwilioError(error);
      if (f.twilioCode === 21610) await this.#setOptOut(conversation.tenantId, to, true, 'carrier:21610');
      throw toDeliveryError(error, `SMS to ${to}`);
    }
    const meta: SmsSendMeta = { sids, segments: chunks.length, ...(choices.length ? { choices } : {}) };
    await ctx.store.updateMessage(message.id, { meta: { ...message.meta, sms: meta } });
    await ctx.store.kvSet(KV_DELIVERY, message.id, { messageId: message.id, tenantId: conversation.tenantId, sids: Object.fromEntries(sids.map((s) => [s, 'queued'])) } satisfies DeliveryState, { ttlMs: TTL });
    for (const sid of sids) await ctx.store.kvSet(KV_SID, sid, message.id, { ttlMs: TTL });
    return { externalId: sids[0]! };
  }

  #statusUrl(channel: string, messageId: string): string {
    return channel === 'sms' ? this.#shared.url('sms', '/status', { m: messageId }) : this.#shared.url('voice', '/sms-status', { m: messageId });
  }

  /**
   * Sends a text outside any conversation (notices from plugins). Throws
   * `KEFU_PHONE_SMS_OPTED_OUT` when the number opted out.
   */
  async sendText(input: { to: string; text: string; from?: string; tenantId?: string }): Promise<string[]> {
    const tenantId = input.tenantId ?? DEFAULT_TENANT;
    if (!isE164(input.to)) throw new KefuError(ErrorCodes.INVALID_INPUT, `to must be an E.164 number (got "${input.to}")`);
    if (typeof input.text !== 'string' || input.text === '') throw new KefuError(ErrorCodes.INVALID_INPUT, 'text must be a non-empty string');
    const from = input.from ?? this.#shared.defaultNumber(tenantId, 'sms');
    if (!from) throw new KefuError(PhoneErrorCodes.CONFIG_INVALID, `No SMS number is configured for tenant "${tenantId}"`);
    if (await this.isOptedOut(input.to, tenantId)) throw this.#optedOutError(input.to);
    try {
      return await this.#create({ to: input.to, from, chunks: splitSms(input.text, this.#maxSegments), mediaUrls: [], statusCallback: this.#shared.url('sms', '/status'), sids: [] });
    } catch (error) {
      throw toDeliveryError(error, `SMS to ${input.to}`);
    }
  }

  /** A delivery status callback (`MessageSid`, `MessageStatus`, `ErrorCode`). */
  async onStatus(request: TwilioRequest): Promise<Response> {
    const { params } = request;
    requireParams(params, ['MessageSid', 'MessageStatus']);
    const { ctx } = this.#shared;
    const messageId = request.query.get('m') ?? (await ctx.store.kvGet<string>(KV_SID, params.MessageSid!));
    if (!messageId) return new Response(null, { status: 204 }); // A text sent with sendText: nothing to reflect.
    await this.#shared.serial.run(`sms:${messageId}`, async () => {
      const state = await ctx.store.kvGet<DeliveryState>(KV_DELIVERY, messageId);
      if (!state || state.reported || !(params.MessageSid! in state.sids)) return;
      state.sids[params.MessageSid!] = params.MessageStatus!;
      const statuses = Object.values(state.sids);
      const failed = params.MessageStatus === 'failed' || params.MessageStatus === 'undelivered';
      if (failed) {
        const code = params.ErrorCode ? Number(params.ErrorCode) : undefined;
        state.reported = true;
        await ctx.store.kvSet(KV_DELIVERY, messageId, state, { ttlMs: TTL });
        if (code === 21610) {
          const message = await ctx.store.getMessage(messageId);
          const conversation = message && (await ctx.store.getConversation(message.conversationId));
          if (conversation) await this.#setOptOut(conversation.tenantId, conversation.address, true, 'carrier:21610');
        }
        await ctx.reportDelivery(messageId, 'failed', {
          code: PhoneErrorCodes.SMS_UNDELIVERED,
          message: `Twilio reported the SMS ${params.MessageStatus}${code !== undefined ? ` (error ${code})` : ''}`,
        });
        const message = await ctx.store.getMessage(messageId);
        if (message && code !== undefined) await ctx.store.updateMessage(messageId, { meta: { ...message.meta, twilioErrorCode: code } });
        return;
      }
      await ctx.store.kvSet(KV_DELIVERY, messageId, state, { ttlMs: TTL });
      if (statuses.every((s) => s === 'delivered' || s === 'read')) {
        state.reported = true;
        await ctx.store.kvSet(KV_DELIVERY, messageId, state, { ttlMs: TTL });
        await ctx.reportDelivery(messageId, 'delivered');
      }
    });
    return new Response(null, { status: 204 });
  }

  /** An inbound SMS / MMS (`MessageSid`, `From`, `To`, `Body`, `NumMedia`, `MediaUrl{N}`). */
  async onInbound(request: TwilioRequest): Promise<Response> {
    const { params } = request;
    requireParams(params, ['MessageSid', 'From', 'To']);
    const number = this.#shared.findNumber(params.To, 'sms');
    if (!number) throw new WebhookError(404, PhoneErrorCodes.NUMBER_UNKNOWN, `No SMS number ${params.To} is configured`, { to: params.To });
    const { ctx } = this.#shared;
    const from = params.From!;
    const body = params.Body ?? '';
    const keyword = body.trim().toUpperCase();
    const optOutType = (params.OptOutType ?? '').toUpperCase();
    const wasOut = await this.isOptedOut(from, number.tenantId);
    const isStop = optOutType === 'STOP' || STOP_KEYWORDS.includes(keyword);
    // "YES" is an ordinary answer unless the number is opted out.
    const isStart = !isStop && (optOutType === 'START' || (START_KEYWORDS.includes(keyword) && (keyword !== 'YES' || wasOut)));
    const sender = { externalId: from, ...(isE164(from) ? { identifiers: [{ kind: 'phone', value: from }] } : {}) };
    const base = { channel: 'sms', tenantId: number.tenantId, address: from, externalId: params.MessageSid!, sender, raw: params };

    if (isStop || isStart) {
      await this.#setOptOut(number.tenantId, from, isStop, keyword || optOutType);
      await ctx.receive({
        ...base,
        parts: [{ type: 'event', name: isStop ? 'sms.opted_out' : 'sms.opted_in', data: { keyword: body.trim(), number: from } }],
        text: body,
        meta: { [META_KEY]: { claim: true } },
      });
      return xmlResponse(new twilio.twiml.MessagingResponse().toString());
    }

    const parts: Part[] = [];
    const count = Math.min(Number(params.NumMedia ?? 0) || 0, 10);
    const media: Part[] = [];
    for (let i = 0; i < count; i++) {
      const url = params[`MediaUrl${i}`];
      if (!url) continue;
      const mimeType = params[`MediaContentType${i}`] ?? 'application/octet-stream';
      if (mimeType.startsWith('image/')) media.push({ type: 'image', url, mimeType });
      else if (mimeType.startsWith('audio/')) media.push({ type: 'audio', url, mimeType });
      else media.push({ type: 'file', url, name: `attachment-${i + 1}`, mimeType });
    }
    const choice = /^\s*\d{1,2}\s*$/.test(body) ? await this.#findChoice(number.tenantId, from, Number(body.trim())) : undefined;
    if (choice) parts.push({ type: 'action', actionId: choice.actionId, label: choice.label, cardMessageId: choice.cardMessageId, ...(choice.value !== undefined ? { value: choice.value } : {}) });
    else if (body) parts.push({ type: 'text', text: body });
    parts.push(...media);
    if (parts.length === 0) parts.push({ type: 'text', text: '' });
    const result = await ctx.receive({ ...base, parts, text: body, meta: { sms: { to: params.To, numMedia: count } } });
    if (result.conversation.attributes.twilioNumber !== params.To) {
      const fresh = await ctx.store.getConversation(result.conversation.id);
      if (fresh) await ctx.app.conversations.update(fresh.id, { attributes: { ...fresh.attributes, twilioNumber: params.To } }, fresh.tenantId);
    }
    return xmlResponse(new twilio.twiml.MessagingResponse().toString());
  }

  /** The numbered choice `n` of the last card sent to this number, if any. */
  async #findChoice(tenantId: string, from: string, n: number): Promise<SmsChoice | undefined> {
    const { store } = this.#shared.ctx;
    const conversation = await store.findOpenConversation(tenantId, 'sms', from);
    if (!conversation) return undefined;
    const recent = await store.listMessages(conversation.id, { beforeSeq: conversation.lastSeq + 1, limit: 30 });
    for (let i = recent.length - 1; i >= 0; i--) {
      const m = recent[i]!;
      const choices = (m.meta?.sms as SmsSendMeta | undefined)?.choices;
      if (m.direction === 'outbound' && choices) return choices.find((c) => c.n === n);
    }
    return undefined;
  }
}
