import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import twilio from 'twilio';

export const ACCOUNT_SID = 'AC' + '0123456789abcdef'.repeat(2);
export const AUTH_TOKEN = 'test-auth-token-1234567890abcdef';
export const PUBLIC_URL = 'https://kefu.example.com';
/** Where the "proxy" forwards to: the adapter sees this host, Twilio signed the public one. */
export const INTERNAL_ORIGIN = 'http://10.1.2.3:3000';

/** One REST request the fake API received. */
export interface FakeRequest {
  method: string;
  path: string;
  params: URLSearchParams;
  auth: string | undefined;
}

/** A scripted failure of the next create calls. */
export interface FakeFailure {
  status: number;
  code: number;
  message: string;
}

const sid = (prefix: string) => prefix + randomBytes(16).toString('hex');

/**
 * A local stand-in for api.twilio.com speaking the 2010-04-01 REST API's wire format for the
 * calls the adapter makes: Messages.json, Calls.json and call updates, with Basic auth and
 * Twilio's JSON error bodies.
 */
export class FakeTwilioApi {
  readonly requests: FakeRequest[] = [];
  /** Numbers Twilio rejects with 21211. */
  readonly invalidNumbers = new Set<string>();
  /** Failures served to the next create requests, in order. */
  readonly failNext: FakeFailure[] = [];
  #server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      void this.#handle(req).then(({ status, body }) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    if (!this.#server) return;
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server!.close(() => resolve()));
    this.#server = undefined;
  }

  created(kind: 'Messages' | 'Calls'): FakeRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && r.path.endsWith(`/${kind}.json`));
  }

  async #handle(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://fake');
    const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const request: FakeRequest = { method: req.method ?? 'GET', path: url.pathname, params, auth: req.headers.authorization };
    this.requests.push(request);
    const expected = 'Basic ' + Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64');
    if (request.auth !== expected) return this.#error(401, 20003, 'Authenticate');
    const base = `/2010-04-01/Accounts/${ACCOUNT_SID}`;
    const create = url.pathname === `${base}/Messages.json` || url.pathname === `${base}/Calls.json`;
    if (create && req.method === 'POST') {
      const failure = this.failNext.shift();
      if (failure) return this.#error(failure.status, failure.code, failure.message);
      const to = params.get('To') ?? '';
      if (this.invalidNumbers.has(to)) return this.#error(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
      const isMessage = url.pathname.endsWith('/Messages.json');
      return {
        status: 201,
        body: {
          sid: sid(isMessage ? 'SM' : 'CA'),
          account_sid: ACCOUNT_SID,
          to,
          from: params.get('From'),
          status: 'queued',
          ...(isMessage ? { body: params.get('Body'), num_segments: '1', direction: 'outbound-api' } : { direction: 'outbound-api' }),
          date_created: new Date().toUTCString(),
          uri: `${url.pathname.replace('.json', '')}/x.json`,
        },
      };
    }
    const update = url.pathname.match(new RegExp(`^${base}/Calls/(CA[0-9a-f]{32})\\.json$`));
    if (update && req.method === 'POST') return { status: 200, body: { sid: update[1], account_sid: ACCOUNT_SID, status: 'in-progress' } };
    return this.#error(404, 20404, 'The requested resource was not found');
  }

  #error(status: number, code: number, message: string) {
    return { status, body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status } };
  }
}

/** How a webhook request is built: signed like Twilio, delivered through a "proxy". */
export interface PostOptions {
  /** Override the signature (forgeries). `null` sends none. */
  signature?: string | null;
  /** The URL Twilio signs; default the public URL itself. */
  signedUrl?: string;
  token?: string;
}

/**
 * Sends a webhook exactly as Twilio does: form-encoded POST to the public URL, signed with the
 * library's `getExpectedTwilioSignature` over that URL and the parameters. The adapter receives
 * it on an internal host, as behind a reverse proxy.
 */
export function twilioPost(handle: (r: Request) => Promise<Response>, publicUrl: string, params: Record<string, string>, options: PostOptions = {}): Promise<Response> {
  const signature = options.signature === undefined ? twilio.getExpectedTwilioSignature(options.token ?? AUTH_TOKEN, options.signedUrl ?? publicUrl, params) : options.signature;
  const u = new URL(publicUrl);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (signature !== null) headers['x-twilio-signature'] = signature;
  return handle(new Request(INTERNAL_ORIGIN + u.pathname + u.search, { method: 'POST', headers, body: new URLSearchParams(params).toString() }));
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseAttributeValue: false, parseTagValue: false, isArray: (name) => ['Say', 'Number', 'Play'].includes(name) });

/** A parsed TwiML document. Throws unless it is well-formed XML with a `<Response>` root. */
export function parseTwiml(xml: string): Record<string, any> {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`TwiML is not well-formed: ${JSON.stringify(valid)}`);
  const doc = parser.parse(xml) as Record<string, any>;
  if (!('Response' in doc)) throw new Error('TwiML has no <Response> root');
  return (doc.Response === '' ? {} : doc.Response) as Record<string, any>;
}

/** Every `<Say>` text of a node, in order. */
export function says(node: Record<string, any> | undefined): string[] {
  return ((node?.Say ?? []) as Array<string | { '#text': string }>).map((s) => (typeof s === 'string' ? s : s['#text']));
}
