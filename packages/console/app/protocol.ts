/**
 * The wire shapes of the server surface the console speaks (REST under /api/v1 and the agent
 * WebSocket), as written in the API spec. Types only: nothing here reaches the bundle.
 */
import type { Agent, Contact, Conversation, Message, Part, Presence, RoutingDecision, Team } from '@kefu/core';

export type { Agent, Contact, Conversation, Message, Part, Presence, RoutingDecision, Team };

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

/** A contact audit entry (merge, split). */
export interface AuditEntry {
  at: number;
  action: 'merged' | 'merged-into' | 'split' | 'split-from' | 'updated';
  by?: string;
  details: Record<string, unknown>;
}

/** A product of the shop as the commerce routes list it (prices in fen). */
export interface ShopProduct {
  id: string;
  name: { zh: string; en: string };
  brand?: string;
  category?: string;
  price: number;
  imageUrl?: string;
  stock?: number;
}

/** An order of the shop. */
export interface ShopOrder {
  id: string;
  status: string;
  total: number;
  createdAt: number;
  items: Array<{ productId: string; name: { zh: string; en: string }; quantity: number; price: number }>;
  trackingNumber?: string;
}

/** A coupon of the shop; `issuableBy` is the lowest role allowed to issue it. */
export interface ShopCoupon {
  id: string;
  title: { zh: string; en: string };
  amount: number;
  minSpend?: number;
  status: string;
  issuableBy?: 'agent' | 'supervisor' | 'admin';
}

/** `GET /workspace/contacts/:id/360`. */
export interface Contact360 {
  contact: Contact;
  channels: string[];
  conversations: Array<{ conversation: Conversation; lastMessage?: Message }>;
  browsingTrail: Array<{ pageType?: string; url?: string; title?: string; productId?: string; at?: number }>;
  stage: string | null;
  commerceAvailable: boolean;
  commerce: { customer: { id: string; name?: string }; orders: ShopOrder[]; coupons: ShopCoupon[]; stats: { orderCount: number; spend: number; averageOrderValue: number }; stage: string } | null;
  commerceError?: string;
}

/** `GET /workspace/conversations/:id/routing`. */
export interface RoutingInfo {
  routing: Partial<RoutingDecision> | null;
  history: Array<Partial<RoutingDecision>>;
  handoff: { reason: string; intent?: string; summary?: string; at: number } | null;
  queuePosition: number | null;
  estimatedWaitSeconds: number | null;
}

/** `GET /workspace/supervisor`. */
export interface SupervisorView {
  at: number;
  queues: Array<{ key: string; longestWaitMs: number; items: Array<{ conversationId: string; contactId?: string; customer?: string | null; channel?: string; priority: number; waitMs: number; position: number | null; estimatedWaitSeconds: number | null; routing: RoutingDecision | null }> }>;
  agents: Array<{ id: string; name: string; presence: Presence; teams: string[]; load: number; capacity: number; conversations: Array<{ conversationId: string; customer?: string | null; channel: string; priority: number; routing: RoutingDecision | null }> }>;
  totals: { queued: number; online: number; load: number; capacity: number };
}

/** `GET /workspace/transfer-targets`. */
export interface TransferTargets {
  agents: Array<{ id: string; name: string; presence: Presence; load: number; capacity: number; free: number }>;
  teams: Array<{ id: string; name: string; members: number; online: number; free: number }>;
}
