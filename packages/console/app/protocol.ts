/**
 * The wire shapes of the server surface the console speaks (REST under /api/v1 and the agent
 * WebSocket), as written in the API spec. Types only: nothing here reaches the bundle.
 */
import type { Agent, Contact, Conversation, Message, Part, Presence, Team } from '@kefu/core';

export type { Agent, Contact, Conversation, Message, Part, Presence, Team };

/** One row of `GET /conversations`. */
export interface ConversationItem {
  conversation: Conversation;
  contact?: Contact;
  lastMessage?: Message;
  queuePosition?: number;
}

/** An agent as `GET /agents` lists it: with the number of conversations assigned now. */
export type AgentWithLoad = Agent & { load: number };

/** `GET /contacts/:id`: the customer and every conversation they had. */
export interface ContactProfile {
  contact: Contact;
  conversations: Conversation[];
}

/** A realtime event as the agent socket sends it. */
export interface EventFrame {
  type: 'event';
  id: number;
  event: string;
  data: EventData;
}

/** The union of what event payloads may carry; each event fills some of it. */
export interface EventData {
  message?: Message;
  conversation?: Conversation;
  contact?: Contact;
  agent?: Agent;
  agentId?: string;
  conversationId?: string;
  role?: string;
  on?: boolean;
  note?: string;
}

/** Frames the server sends on the agent socket. */
export type ServerFrame =
  | EventFrame
  | { type: 'hello'; agent: Agent; lastEventId: number }
  | { type: 'resync'; lastEventId?: number }
  | { type: 'error'; code: string; message: string }
  | { type: 'pong' };

/** Frames the console sends on the agent socket. */
export type ClientFrame =
  | { type: 'resume'; lastEventId: number }
  | { type: 'typing'; conversationId: string; on: boolean }
  | { type: 'presence'; presence: Presence }
  | { type: 'ping' };
