import type { IncomingMessage } from 'node:http';
import type { Logger } from '@kefu/core';
import type { z } from 'zod';
import type { Principal, Role } from './auth.js';
import type { HttpMethod } from './http.js';

/** What a route handler gets. */
export interface RouteContext<P, Q, B> {
  /** The caller; set on every route but `auth: 'public'` ones. */
  principal: Principal;
  params: P;
  query: Q;
  body: B;
  req: IncomingMessage;
  log: Logger;
  /** Binds a conversation id to this request's log lines. */
  bindConversation(conversationId: string): void;
}

/**
 * One REST route with its zod schemas. The same definition validates requests, answers, and
 * becomes an operation of the OpenAPI document.
 */
export interface RouteDef<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType> {
  method: HttpMethod;
  /** Relative to `/api/v1`, with `:param` segments. */
  path: string;
  summary: string;
  tag: string;
  /** `public` needs no credentials; a role needs a token or API key of at least that role. */
  auth: 'public' | Role;
  params?: P;
  query?: Q;
  body?: B;
  /** The success answer's schema (documentation). */
  response: z.ZodType;
  /** Success status. Default 200. */
  status?: number;
  /** Error statuses this route may answer besides 400/401/403 (documentation). */
  errors?: number[];
  handler(ctx: RouteContext<z.output<P>, z.output<Q>, z.output<B>>): Promise<unknown>;
}

/** Declares a route with inferred handler types. */
export function route<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType>(def: RouteDef<P, Q, B>): RouteDef {
  return def as unknown as RouteDef;
}
