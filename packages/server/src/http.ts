import type { IncomingMessage, ServerResponse } from 'node:http';
import { KefuError } from '@kefu/core';
import { ServerErrorCodes } from './errors.js';

/** HTTP methods the router knows. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';

/**
 * Reads a request body into a Buffer, refusing more than `limit` bytes with
 * `KEFU_PAYLOAD_TOO_LARGE` (413). A declared Content-Length over the limit is refused before
 * anything is read, so a large upload costs nothing.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = () => new KefuError(ServerErrorCodes.PAYLOAD_TOO_LARGE, `The request body exceeds ${limit} bytes`, { details: { limit } });
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        // Keep draining (not destroying) so the 413 answer can still be written on this socket.
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (error) => {
      if (!failed) {
        failed = true;
        reject(error);
      }
    });
  });
}

/** Parses a JSON body; an empty body is `undefined`, a malformed one `KEFU_INVALID_INPUT`. */
export function parseJson(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new KefuError('KEFU_INVALID_INPUT', 'The request body is not valid JSON', { cause: error });
  }
}

/** Writes a JSON answer. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
  res.end(text);
}

/** A matched route: its handler and the path parameters. */
export interface RouteMatch<H> {
  handler: H;
  params: Record<string, string>;
}

interface CompiledRoute<H> {
  method: HttpMethod;
  pattern: string;
  segments: string[];
  handler: H;
}

/**
 * A small path router: literal segments, `:name` parameters and a trailing `*` (the rest of the
 * path, as `params['*']`). Literal segments win over parameters, so `/conversations/queue`-like
 * paths need no ordering care. About 60 lines instead of a framework: the server has ~30 routes
 * and wants Node's own request/response objects untouched (WebSocket upgrades, streaming webhooks).
 */
export class PathRouter<H> {
  readonly #routes: CompiledRoute<H>[] = [];

  add(method: HttpMethod, pattern: string, handler: H): void {
    this.#routes.push({ method, pattern, segments: split(pattern), handler });
  }

  /** The route for a method and path; `methodNotAllowed` when only other methods match the path. */
  match(method: string, path: string): RouteMatch<H> | { methodNotAllowed: true; allowed: string[] } | undefined {
    const parts = split(path);
    let best: { route: CompiledRoute<H>; params: Record<string, string>; score: number } | undefined;
    const allowed = new Set<string>();
    for (const route of this.#routes) {
      const result = matchSegments(route.segments, parts);
      if (!result) continue;
      const wanted = method === 'HEAD' && route.method === 'GET' ? 'HEAD' : route.method;
      if (wanted !== method) {
        allowed.add(route.method);
        continue;
      }
      if (!best || result.score > best.score) best = { route, params: result.params, score: result.score };
    }
    if (best) return { handler: best.route.handler, params: best.params };
    if (allowed.size > 0) return { methodNotAllowed: true, allowed: [...allowed] };
    return undefined;
  }
}

function split(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

function matchSegments(pattern: string[], parts: string[]): { params: Record<string, string>; score: number } | undefined {
  const params: Record<string, string> = {};
  let score = 0;
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    if (p === '*' && i === pattern.length - 1) {
      params['*'] = parts.slice(i).join('/');
      return { params, score };
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if (p.startsWith(':')) {
      let value: string;
      try {
        value = decodeURIComponent(part);
      } catch {
        return undefined;
      }
      params[p.slice(1)] = value;
      score += 1;
    } else if (p === part) score += 2;
    else return undefined;
  }
  return parts.length === pattern.length ? { params, score } : undefined;
}
