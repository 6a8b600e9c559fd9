import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local fake of the WeChat (api.weixin.qq.com) and WeCom (qyapi.weixin.qq.com) HTTP APIs, on
 * 127.0.0.1 with a random port. It speaks their JSON and error codes: access tokens that expire
 * (40001/40014/42001), the customer-service window (45015 outside 48 h, 45047 over 5 messages;
 * WeCom 95018), media upload (multipart `media`), template messages, user info with UnionID, and
 * the WeCom kf APIs (sync_msg paging with cursor and callback token, send_msg,
 * send_msg_on_event, service_state/trans). Time comes from `now()` so tests can move it.
 */
export interface FakeWechatOptions {
  now?: () => number;
  /** `expires_in` of issued tokens. Default 7200. */
  tokenTtlSec?: number;
}

interface Token {
  owner: string;
  expiresAt: number;
  revoked?: boolean;
}

interface Window {
  until: number;
  sent: number;
}

/** A stored request the fake accepted. */
export interface Recorded {
  owner: string;
  body: Record<string, unknown>;
}

export class FakeWechat {
  readonly #server: Server;
  readonly #now: () => number;
  readonly #ttl: number;
  url = '';
  /** AppID/CorpID → secret. */
  readonly credentials = new Map<string, string>();
  readonly tokens = new Map<string, Token>();
  tokenRequests = 0;
  readonly custom: Recorded[] = [];
  readonly templates: Recorded[] = [];
  readonly kfSent: Recorded[] = [];
  readonly kfOnEvent: Recorded[] = [];
  readonly stateChanges: Recorded[] = [];
  readonly media = new Map<string, { type: string; filename: string; contentType: string; size: number }>();
  /** OpenID → UnionID for `/cgi-bin/user/info`. */
  readonly unionIds = new Map<string, string>();
  /** `open_kfid` → every message sync_msg can return (the cursor is an index into it). */
  readonly kfMessages = new Map<string, unknown[]>();
  /** Callback tokens sync_msg accepts. */
  readonly callbackTokens = new Set<string>();
  /** Welcome codes send_msg_on_event accepts (once each). */
  readonly welcomeCodes = new Set<string>();
  /** sync_msg requests, for paging assertions. */
  readonly syncRequests: Array<Record<string, unknown>> = [];
  readonly files = new Map<string, { body: Buffer; contentType: string }>();
  readonly #windows = new Map<string, Window>();
  /** Errors to answer once for a path, before anything else. */
  readonly #injected: Array<{ path: string; errcode: number; errmsg: string }> = [];
  #seq = 0;

  private constructor(options: FakeWechatOptions) {
    this.#now = options.now ?? (() => Date.now());
    this.#ttl = options.tokenTtlSec ?? 7200;
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((error) => {
        res.statusCode = 500;
        res.end(String(error));
      });
    });
  }

  static async start(options: FakeWechatOptions = {}): Promise<FakeWechat> {
    const fake = new FakeWechat(options);
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.#server.address() as AddressInfo).port}`;
    return fake;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** The user wrote to the account: opens 48 h / 5 messages, as WeChat does. */
  userMessaged(owner: string, user: string): void {
    this.#windows.set(`${owner}:${user}`, { until: this.#now() + 48 * 3600_000, sent: 0 });
  }

  /** WeChat invalidates every token of an owner (a newer token was fetched elsewhere, or it expired early). */
  revokeTokens(owner: string): void {
    for (const t of this.tokens.values()) if (t.owner === owner) t.revoked = true;
  }

  /** Answers `errcode` once on the next request to `path`. */
  failNext(path: string, errcode: number, errmsg = 'injected'): void {
    this.#injected.push({ path, errcode, errmsg });
  }

  /** Adds messages for sync_msg on a kf account. */
  addKfMessages(openKfId: string, messages: unknown[]): void {
    this.kfMessages.set(openKfId, [...(this.kfMessages.get(openKfId) ?? []), ...messages]);
  }

  #json(res: ServerResponse, body: unknown): void {
    res.setHeader('content-type', 'application/json; encoding=utf-8');
    res.end(JSON.stringify(body));
  }

  #err(res: ServerResponse, errcode: number, errmsg: string): void {
    this.#json(res, { errcode, errmsg: `${errmsg} rid: fake-${++this.#seq}` });
  }

  /** Validates `access_token`; answers the owner or writes the WeChat error. */
  #auth(url: URL, res: ServerResponse): string | undefined {
    const token = url.searchParams.get('access_token');
    if (!token) return void this.#err(res, 41001, 'access_token missing');
    const t = this.tokens.get(token);
    if (!t) return void this.#err(res, 40014, 'invalid access_token');
    if (t.revoked) return void this.#err(res, 40001, 'invalid credential, access_token is invalid or not latest');
    if (t.expiresAt <= this.#now()) return void this.#err(res, 42001, 'access_token expired');
    return t.owner;
  }

  #issue(owner: string): { access_token: string; expires_in: number } {
    this.tokenRequests++;
    const token = `TOKEN_${owner}_${++this.#seq}`;
    this.tokens.set(token, { owner, expiresAt: this.#now() + this.#ttl * 1000 });
    return { access_token: token, expires_in: this.#ttl };
  }

  /** Checks and counts the window; answers the error code or 0. */
  #window(owner: string, user: string, outside: number, over: number): number {
    const w = this.#windows.get(`${owner}:${user}`);
    if (!w || w.until <= this.#now()) return outside;
    if (w.sent >= 5) return over;
    w.sent++;
    return 0;
  }

  async #body(req: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const path = url.pathname;
    const raw = await this.#body(req);
    if (path.startsWith('/files/')) {
      const file = this.files.get(path.slice('/files/'.length));
      if (!file) {
        res.statusCode = 404;
        return void res.end();
      }
      res.setHeader('content-type', file.contentType);
      res.setHeader('content-length', String(file.body.length));
      return void res.end(file.body);
    }
    const injected = this.#injected.findIndex((e) => e.path === path);
    if (injected >= 0) {
      const [e] = this.#injected.splice(injected, 1);
      return this.#err(res, e!.errcode, e!.errmsg);
    }
    if (path === '/cgi-bin/token') {
      const appid = url.searchParams.get('appid') ?? '';
      if (url.searchParams.get('grant_type') !== 'client_credential') return this.#err(res, 40002, 'invalid grant_type');
      if (!this.credentials.has(appid)) return this.#err(res, 40013, 'invalid appid');
      if (this.credentials.get(appid) !== url.searchParams.get('secret')) return this.#err(res, 40125, 'invalid appsecret');
      return this.#json(res, this.#issue(appid));
    }
    if (path === '/cgi-bin/gettoken') {
      const corpid = url.searchParams.get('corpid') ?? '';
      if (!this.credentials.has(corpid)) return this.#err(res, 40013, 'invalid corpid');
      if (this.credentials.get(corpid) !== url.searchParams.get('corpsecret')) return this.#err(res, 40001, 'invalid secret');
      return this.#json(res, { errcode: 0, errmsg: 'ok', ...this.#issue(corpid) });
    }
    const owner = this.#auth(url, res);
    if (!owner) return;
    if (path === '/cgi-bin/media/upload') {
      const type = url.searchParams.get('type') ?? '';
      const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': req.headers['content-type'] ?? '' } }).formData().catch(() => undefined);
      const file = form?.get('media');
      if (!file || typeof file === 'string') return this.#err(res, 41005, 'media data missing');
      if (!['image', 'voice', 'video', 'thumb', 'file'].includes(type)) return this.#err(res, 40004, 'invalid media type');
      const mediaId = `MEDIA_${++this.#seq}`;
      this.media.set(mediaId, { type, filename: file.name, contentType: file.type, size: file.size });
      const created_at = Math.floor(this.#now() / 1000);
      return this.#json(res, owner.startsWith('ww') ? { errcode: 0, errmsg: 'ok', type, media_id: mediaId, created_at: String(created_at) } : { type, media_id: mediaId, created_at });
    }
    if (path === '/cgi-bin/user/info') {
      const openid = url.searchParams.get('openid') ?? '';
      const unionid = this.unionIds.get(openid);
      return this.#json(res, { subscribe: 1, openid, language: 'zh_CN', ...(unionid ? { unionid } : {}) });
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    } catch {
      return this.#err(res, 47001, 'data format error');
    }
    switch (path) {
      case '/cgi-bin/message/custom/send': {
        const problem = checkCustom(body);
        if (problem) return this.#err(res, problem[0], problem[1]);
        const code = this.#window(owner, String(body['touser']), 45015, 45047);
        if (code === 45015) return this.#err(res, 45015, 'response out of time limit or subscription is canceled');
        if (code === 45047) return this.#err(res, 45047, 'out of response count limit');
        this.custom.push({ owner, body });
        return this.#json(res, { errcode: 0, errmsg: 'ok' });
      }
      case '/cgi-bin/message/template/send': {
        if (typeof body['touser'] !== 'string' || typeof body['template_id'] !== 'string' || typeof body['data'] !== 'object') return this.#err(res, 47001, 'data format error');
        this.templates.push({ owner, body });
        return this.#json(res, { errcode: 0, errmsg: 'ok', msgid: 200_000_000 + ++this.#seq });
      }
      case '/cgi-bin/kf/sync_msg': {
        this.syncRequests.push(body);
        const token = body['token'];
        if (token !== undefined && !this.callbackTokens.has(String(token))) return this.#err(res, 95007, 'invalid msg token');
        const all = this.kfMessages.get(String(body['open_kfid'] ?? '')) ?? [];
        const start = body['cursor'] ? Number(String(body['cursor']).replace(/^C/, '')) : 0;
        if (!Number.isInteger(start) || start < 0) return this.#err(res, 95008, 'invalid cursor');
        const limit = Math.min(1000, Math.max(1, Number(body['limit'] ?? 1000)));
        const page = all.slice(start, start + limit);
        const end = start + page.length;
        return this.#json(res, { errcode: 0, errmsg: 'ok', next_cursor: `C${end}`, has_more: end < all.length ? 1 : 0, msg_list: page });
      }
      case '/cgi-bin/kf/send_msg': {
        if (typeof body['touser'] !== 'string' || typeof body['open_kfid'] !== 'string' || typeof body['msgtype'] !== 'string') return this.#err(res, 47001, 'data format error');
        const code = this.#window(owner, `${body['open_kfid']}:${body['touser']}`, 95018, 95018);
        if (code) return this.#err(res, 95018, 'send msg count limit or not in session period');
        this.kfSent.push({ owner, body });
        return this.#json(res, { errcode: 0, errmsg: 'ok', msgid: String(body['msgid'] ?? `MSG${++this.#seq}`) });
      }
      case '/cgi-bin/kf/send_msg_on_event': {
        const code = String(body['code'] ?? '');
        if (!this.welcomeCodes.delete(code)) return this.#err(res, 95016, 'invalid code');
        this.kfOnEvent.push({ owner, body });
        return this.#json(res, { errcode: 0, errmsg: 'ok', msgid: String(body['msgid'] ?? `MSG${++this.#seq}`) });
      }
      case '/cgi-bin/kf/service_state/trans': {
        const state = body['service_state'];
        if (typeof state !== 'number' || state < 1 || state > 4) return this.#err(res, 40058, 'invalid service_state');
        if (state === 3 && !body['servicer_userid']) return this.#err(res, 95014, 'servicer_userid required');
        this.stateChanges.push({ owner, body });
        return this.#json(res, { errcode: 0, errmsg: 'ok', msg_code: `CODE${++this.#seq}` });
      }
      default:
        res.statusCode = 404;
        return this.#json(res, { errcode: 404, errmsg: 'not found' });
    }
  }
}

/** The shape checks of `/cgi-bin/message/custom/send` (WeChat answers 47001/45008 for these). */
function checkCustom(body: Record<string, unknown>): [number, string] | undefined {
  const t = body['msgtype'];
  const o = (k: string) => body[k] as Record<string, unknown> | undefined;
  if (typeof body['touser'] !== 'string') return [40003, 'invalid openid'];
  switch (t) {
    case 'text':
      return typeof o('text')?.['content'] === 'string' ? undefined : [47001, 'data format error'];
    case 'image':
      return typeof o('image')?.['media_id'] === 'string' ? undefined : [40007, 'invalid media_id'];
    case 'news': {
      const articles = o('news')?.['articles'];
      if (!Array.isArray(articles)) return [47001, 'data format error'];
      return articles.length === 1 ? undefined : [45008, 'article size out of limit'];
    }
    case 'msgmenu': {
      const list = o('msgmenu')?.['list'];
      return Array.isArray(list) && list.every((i) => typeof i?.id === 'string' && typeof i?.content === 'string') ? undefined : [47001, 'data format error'];
    }
    case 'miniprogrampage': {
      const mp = o('miniprogrampage');
      return mp && typeof mp['appid'] === 'string' && typeof mp['pagepath'] === 'string' && typeof mp['thumb_media_id'] === 'string' ? undefined : [47001, 'data format error'];
    }
    default:
      return [40008, 'invalid message type'];
  }
}
