import type { EntryContext, Part } from '@kefu/core';
import { KefuError } from '@kefu/core';
import { WebErrorCodes } from './errors.js';
import type { ClientFrame } from './protocol.js';

/** Limits a frame must respect beyond `maxPayload`. */
export interface FrameLimits {
  maxTextLength: number;
}

const ID = /^[A-Za-z0-9_.:-]{1,100}$/;

function bad(message: string): KefuError {
  return new KefuError(WebErrorCodes.FRAME_INVALID, message);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function optString(o: Record<string, unknown>, key: string, max: number): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length > max) throw bad(`"${key}" must be a string of at most ${max} characters`);
  return v;
}

function entryOf(v: unknown): EntryContext | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw bad('"entry" must be an object');
  const entry: EntryContext = {};
  // Only known keys are kept: the entry context is stored and shown to agents.
  for (const key of ['pageType', 'url', 'title', 'productId', 'orderId', 'category', 'locale', 'referrer'] as const) {
    const s = optString(v, key, key === 'url' || key === 'referrer' ? 2000 : 300);
    if (s) entry[key] = s;
  }
  return entry;
}

function partsOf(v: unknown, limits: FrameLimits): Part[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.length > 10) throw bad('"parts" must be an array of at most 10 parts');
  return v.map((p): Part => {
    if (!isObject(p)) throw bad('A part must be an object');
    if (p.type === 'text') {
      const text = optString(p, 'text', limits.maxTextLength);
      if (!text) throw bad('A text part needs "text"');
      return { type: 'text', text };
    }
    if (p.type === 'image') {
      const url = optString(p, 'url', 2000);
      if (!url) throw bad('An image part needs "url"');
      const alt = optString(p, 'alt', 300);
      return { type: 'image', url, ...(alt ? { alt } : {}) };
    }
    // Customers send text and images; cards, actions and events come from the server side only.
    throw bad(`A widget cannot send "${String(p.type)}" parts`);
  });
}

/**
 * Parses and validates one client frame. Unknown fields are dropped; a wrong shape throws
 * `KEFU_WEB_FRAME_INVALID` (the gateway closes with 4400).
 */
export function parseClientFrame(data: string, limits: FrameLimits): ClientFrame {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    throw bad('The frame is not JSON');
  }
  if (!isObject(value)) throw bad('The frame must be a JSON object');
  switch (value.type) {
    case 'hello': {
      const lastSeq = value.lastSeq;
      if (lastSeq !== undefined && lastSeq !== null && !(Number.isSafeInteger(lastSeq) && (lastSeq as number) >= 0)) throw bad('"lastSeq" must be a non-negative integer');
      const visitorId = optString(value, 'visitorId', 100);
      const token = optString(value, 'token', 4096);
      const conversationId = optString(value, 'conversationId', 100);
      const entry = entryOf(value.entry);
      return {
        type: 'hello',
        ...(visitorId ? { visitorId } : {}),
        ...(token ? { token } : {}),
        ...(entry ? { entry } : {}),
        ...(typeof lastSeq === 'number' ? { lastSeq } : {}),
        ...(conversationId ? { conversationId } : {}),
      };
    }
    case 'message': {
      const clientId = value.clientId;
      if (typeof clientId !== 'string' || !ID.test(clientId)) throw bad('"clientId" must be an id of 1-100 characters [A-Za-z0-9_.:-]');
      const text = optString(value, 'text', limits.maxTextLength);
      const parts = partsOf(value.parts, limits);
      return { type: 'message', clientId, ...(text !== undefined ? { text } : {}), ...(parts ? { parts } : {}) };
    }
    case 'typing':
      if (typeof value.on !== 'boolean') throw bad('"on" must be a boolean');
      return { type: 'typing', on: value.on };
    case 'action': {
      const clientId = value.clientId;
      if (typeof clientId !== 'string' || !ID.test(clientId)) throw bad('"clientId" must be an id of 1-100 characters [A-Za-z0-9_.:-]');
      const actionId = optString(value, 'actionId', 100);
      if (!actionId) throw bad('"actionId" is required');
      const rest: Record<string, string> = {};
      for (const key of ['value', 'label', 'token', 'cardMessageId'] as const) {
        const s = optString(value, key, key === 'token' ? 2000 : 500);
        if (s !== undefined) rest[key] = s;
      }
      return { type: 'action', clientId, actionId, ...rest };
    }
    case 'page': {
      const entry = entryOf(value.entry);
      if (!entry) throw bad('"entry" is required');
      return { type: 'page', entry };
    }
    case 'ping':
      return { type: 'ping' };
    default:
      throw bad(`Unknown frame type "${String(value.type)}"`);
  }
}
