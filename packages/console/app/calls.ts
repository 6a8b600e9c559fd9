/**
 * Live phone calls as the console shows them. `@kefu/adapter-phone` keeps the call on
 * `conversation.attributes.call` and emits `conversation.updated` on every change, so the banner
 * and the list rows follow the call through the agent socket. Pure functions: unit-tested.
 */
import type { MessageKey } from './i18n.js';
import type { Conversation } from './protocol.js';

/** The states the phone adapter reports. */
export type CallState = 'ringing' | 'in-progress' | 'queued' | 'voicemail' | 'completed';

/** The colour family of a call state (CSS `call-<tone>`). */
export type CallTone = 'ringing' | 'live' | 'hold' | 'voicemail' | 'ended';

/** The fields of `attributes.call` the console reads. */
export interface CallInfo {
  state: CallState;
  from?: string;
  to?: string;
  startedAt?: number;
  queuedAt?: number;
  queuePosition?: number;
  endedAt?: number;
  durationSec?: number;
  endStatus?: string;
  agentId?: string;
  recordingUrl?: string;
  transcriptionUrl?: string;
  transcriptionText?: string;
}

const STATES: readonly CallState[] = ['ringing', 'in-progress', 'queued', 'voicemail', 'completed'];

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
/** Only http(s) links are rendered: the attributes come from a webhook, not from us. */
const link = (v: unknown): string | undefined => (typeof v === 'string' && /^https?:\/\//i.test(v) ? v : undefined);

/** The call of a conversation, or undefined when it has none (or a shape the console does not know). */
export function callOf(conversation: Conversation | undefined): CallInfo | undefined {
  const raw = conversation?.attributes?.call;
  if (!raw || typeof raw !== 'object') return undefined;
  const c = raw as Record<string, unknown>;
  if (!STATES.includes(c.state as CallState)) return undefined;
  const out: CallInfo = { state: c.state as CallState };
  for (const k of ['from', 'to', 'endStatus', 'agentId', 'transcriptionText'] as const) {
    const v = str(c[k]);
    if (v !== undefined) out[k] = v;
  }
  for (const k of ['startedAt', 'queuedAt', 'queuePosition', 'endedAt', 'durationSec'] as const) {
    const v = num(c[k]);
    if (v !== undefined) out[k] = v;
  }
  for (const k of ['recordingUrl', 'transcriptionUrl'] as const) {
    const v = link(c[k]);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** Whether the call is still going on (the caller is on the line or leaving a message). */
export function isLive(call: CallInfo | undefined): boolean {
  return !!call && call.state !== 'completed';
}

/** How a call state looks: its label and its colour family. */
export function callLook(call: CallInfo): { label: MessageKey; tone: CallTone } {
  switch (call.state) {
    case 'ringing':
      return { label: 'call.ringing', tone: 'ringing' };
    case 'in-progress':
      return { label: 'call.inProgress', tone: 'live' };
    case 'queued':
      return { label: 'call.onHold', tone: 'hold' };
    case 'voicemail':
      return { label: 'call.voicemail', tone: 'voicemail' };
    case 'completed':
      // Twilio's final status tells a call nobody took from one that was answered.
      return { label: call.endStatus && call.endStatus !== 'completed' ? 'call.missed' : 'call.ended', tone: 'ended' };
  }
}

/**
 * The timer of the banner: the time on hold while queued, the call's length otherwise; for an
 * ended call its final duration (Twilio's `CallDuration` when known).
 */
export function callElapsedMs(call: CallInfo, now: number): number | undefined {
  if (call.state === 'completed') {
    if (call.durationSec !== undefined) return call.durationSec * 1000;
    return call.endedAt !== undefined && call.startedAt !== undefined ? Math.max(0, call.endedAt - call.startedAt) : undefined;
  }
  const from = call.state === 'queued' ? (call.queuedAt ?? call.startedAt) : call.startedAt;
  return from === undefined ? undefined : Math.max(0, now - from);
}

/** A call length as a phone shows it: `0:07`, `12:30`, `1:02:03`. */
export function formatCallDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}
