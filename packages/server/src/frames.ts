import type { Agent, KefuEvents, Presence } from '@kefu/core';
import type { PublicMessage } from './api.js';

/** The app events relayed to agent sockets (as `event` frames with the same name). */
export const agentSocketEvents = [
  'message.received',
  'message.created',
  'message.sent',
  'message.delivered',
  'message.failed',
  'conversation.opened',
  'conversation.queued',
  'conversation.assigned',
  'conversation.transferred',
  'conversation.closed',
  'conversation.reopened',
  'conversation.updated',
  'agent.presence_changed',
  'queue.changed',
] as const satisfies ReadonlyArray<keyof KefuEvents>;

/** A relayed app event name. */
export type AgentSocketAppEvent = (typeof agentSocketEvents)[number];

/** The `data` of each event frame: the app event's payload with `message.raw` dropped. */
export type AgentEventData = { [E in AgentSocketAppEvent]: { [K in keyof KefuEvents[E]]: K extends 'message' ? PublicMessage : KefuEvents[E][K] } } & {
  typing: { conversationId: string; role: 'customer'; on: boolean };
};

/** An agent socket event name. */
export type AgentEventName = keyof AgentEventData;

/** Server → agent: one event. `id` increases per server (and across restarts, being time-based). */
export type AgentEventFrame = { [E in AgentEventName]: { type: 'event'; id: number; event: E; data: AgentEventData[E] } }[AgentEventName];

/** Server → agent, first frame after connecting. `lastEventId` is the newest event id at that moment. */
export interface AgentHelloFrame {
  type: 'hello';
  agent: Agent;
  lastEventId: number;
}

/** Server → agent: the requested resume point is no longer buffered; refetch lists over REST. */
export interface AgentResyncFrame {
  type: 'resync';
  lastEventId: number;
}

/** Server → agent: a frame was refused. */
export interface AgentErrorFrame {
  type: 'error';
  code: string;
  message: string;
}

/** Every frame the server sends on the agent socket. */
export type AgentServerFrame = AgentHelloFrame | AgentEventFrame | AgentResyncFrame | AgentErrorFrame | { type: 'pong' };

/** Every frame an agent client may send. */
export type AgentClientFrame =
  | { type: 'resume'; lastEventId: number }
  | { type: 'typing'; conversationId: string; on: boolean }
  | { type: 'presence'; presence: Presence }
  | { type: 'ping' };

/** Close codes of the agent socket. */
export const AgentSocketCloseCodes = {
  /** The server is shutting down. */
  GOING_AWAY: 1001,
  /** A frame larger than the limit. */
  TOO_LARGE: 1009,
  /** Missing, bad, forged or expired token (also sent when the token expires while connected). */
  UNAUTHORIZED: 4401,
} as const;
