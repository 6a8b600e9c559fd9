import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Adapter } from '@kefu/core';
import { readBody } from './http.js';

/** An HTTP route an adapter serves itself (the web adapter's `/widget.js`). */
export interface AdapterHttpRoute {
  method: string;
  /** An absolute path; `:name` segments and a trailing `*` match like the server's own routes. */
  path: string;
  handler(request: Request): Promise<Response>;
}

/**
 * What the server looks for on an adapter beyond core's `Adapter`: WebSocket upgrades on
 * `/ws/<channel>` and extra HTTP routes. Both are optional.
 */
export interface ServerMountableAdapter extends Adapter {
  handleUpgrade?(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  httpRoutes?: AdapterHttpRoute[];
}

/**
 * Turns a Node request into a Fetch `Request`. The URL is built on `baseUrl` (the public URL),
 * because signatures of some channels (Twilio) cover the URL the provider called.
 */
export async function toFetchRequest(req: IncomingMessage, baseUrl: string, maxBodyBytes: number): Promise<Request> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  const method = req.method ?? 'GET';
  const body = method === 'GET' || method === 'HEAD' ? undefined : await readBody(req, maxBodyBytes);
  return new Request(new URL(req.url ?? '/', baseUrl), { method, headers, ...(body ? { body: new Uint8Array(body.buffer, body.byteOffset, body.length) as Uint8Array<ArrayBuffer> } : {}) });
}

/** Writes a Fetch `Response` to a Node response (keeping repeated `set-cookie`). */
export async function writeFetchResponse(response: Response, res: ServerResponse, head: boolean): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length) headers['set-cookie'] = cookies;
  const body = head || response.body === null ? undefined : Buffer.from(await response.arrayBuffer());
  if (body && !headers['content-length']) headers['content-length'] = String(body.length);
  res.writeHead(response.status, response.statusText, headers);
  res.end(body);
}
