/**
 * The widget WebSocket protocol (`/ws/web`): the frames both sides exchange, shared by the
 * gateway and the widget (the widget imports types only, so nothing here reaches its bundle).
 */
import type { EntryContext, Message, Part } from '@kefu/core';

/** Client → server: the first frame of every connection. */
export interface HelloFrame {
  type: 'hello';
  /** Must match the `visitor` query parameter when both are given. */
  visitorId?: string;
  /** A merchant-signed identity token, when the query carried none. */
  token?: string;
  /** Where the visitor is: sent on open, stored as the conversation's entry context. */
  entry?: EntryContext;
  /** Highest `seq` the widget has shown; the server replays every visible message after it. */
  lastSeq?: number;
  /**
   * The conversation `lastSeq` belongs to. Only a hint for resume: when it is not the visitor's
   * open conversation, `lastSeq` is ignored. It never selects which conversation is used.
   */
  conversationId?: string;
}

/** Client → server: a customer message. `clientId` is the dedupe key (a resend stores nothing). */
export interface MessageFrame {
  type: 'message';
  clientId: string;
  text?: string;
  /** Only `text` and `image` parts (images uploaded through `/widget/upload`). */
  parts?: Part[];
}

/** Client → server: the customer is (not) typing. */
export interface TypingFrame {
  type: 'typing';
  on: boolean;
}

/** Client → server: a card button was pressed. */
export interface ActionFrame {
  type: 'action';
  clientId: string;
  actionId: string;
  value?: string;
  label?: string;
  token?: string;
  cardMessageId?: string;
}

/** Client → server: the visitor moved to another page (browsing trail). */
export interface PageFrame {
  type: 'page';
  entry: EntryContext;
}

/** Client → server: keepalive at the application level (browsers cannot send WebSocket pings). */
export interface PingFrame {
  type: 'ping';
}

/** Every frame a widget may send. */
export type ClientFrame = HelloFrame | MessageFrame | TypingFrame | ActionFrame | PageFrame | PingFrame;

/** A message as the widget sees it: `raw` and internal metadata stripped. */
export type WidgetMessage = Omit<Message, 'raw' | 'meta' | 'attempts' | 'nextAttemptAt' | 'error'>;

/** Server → client frames. */
export type ServerFrame =
  | {
      type: 'welcome';
      visitorId: string;
      conversationId?: string;
      agentName?: string;
      /** True when the identity token was verified. */
      verified: boolean;
      /** Whether `POST /widget/upload` accepts images (addition to the spec). */
      uploads: boolean;
    }
  | { type: 'message'; message: WidgetMessage }
  | { type: 'ack'; clientId: string; id: string; seq: number; conversationId: string; duplicate?: boolean }
  | { type: 'typing'; on: boolean; name?: string }
  | { type: 'queue'; position: number; estimatedWaitSeconds?: number }
  | { type: 'agent'; name: string }
  /** The conversation was closed; the next message opens a new one (addition to the spec). */
  | { type: 'closed'; conversationId: string }
  | { type: 'error'; code: string; message: string; clientId?: string }
  | { type: 'pong' };

/** WebSocket close codes the gateway uses. */
export const CloseCodes = {
  /** Malformed frame (not JSON, unknown type, wrong shape) or a frame before `hello`. */
  MALFORMED: 4400,
  /** Bad, forged or expired identity token. */
  UNAUTHORIZED: 4401,
  /** Origin not allowed (only when refused after the upgrade; before it the answer is HTTP 403). */
  FORBIDDEN: 4403,
  /** The client reads too slowly (`bufferedAmount` over the limit). */
  TOO_SLOW: 4408,
  /** Frame larger than `maxPayload` (ws itself closes with 1009). */
  TOO_LARGE: 4413,
  /** Sustained flood beyond the rate limit. */
  RATE_LIMITED: 4429,
  /** The server is shutting down. */
  GOING_AWAY: 1001,
} as const;
