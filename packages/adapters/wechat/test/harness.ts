import { randomBytes } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { type Clock, type KefuApp, type Message, type Store, createApp, createMemoryStore } from '@kefu/core';
import { encrypt as wecomEncrypt, getSignature } from '@wecom/crypto';
import { type OfficialAccountConfig, type WechatAdapter, type WechatAdapterOptions, type WecomKfAccountConfig, buildWechatXml, createWechatAdapter, wechatSignature } from '../src/index.js';
import { FakeWechat } from './fake-wechat.js';

export const aesKey = () => randomBytes(32).toString('base64').slice(0, 43);

export const OA_APP_ID = 'wx5823bf96d3bd56c7';
export const OA_SECRET = 'oa-secret';
export const CORP_ID = 'ww1234567890abcdef';
export const CORP_SECRET = 'kf-secret';
export const OPEN_KFID = 'wkAJ2GCAAAZSfhHCt7IFSvLKtMPxyJTw';

/** Mounts the adapter as the example server will: `/webhooks/wechat/<accountId>` on real HTTP. */
export async function serveWebhooks(adapter: WechatAdapter): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer(async (req, res) => {
    const url = `http://127.0.0.1${req.url}`;
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    const request = new Request(url, {
      method: req.method!,
      headers: Object.entries(req.headers).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v] as [string, string]] : [])),
      ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream, duplex: 'half' } : {}),
    } as RequestInit);
    const response = await adapter.handleWebhook(request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/wechat`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** One app + adapter + fake WeChat + HTTP mount, for a test. */
export interface Setup {
  app: KefuApp;
  store: Store;
  adapter: WechatAdapter;
  fake: FakeWechat;
  webhooks: string;
  oa: OfficialAccountConfig;
  kf: WecomKfAccountConfig;
  close(): Promise<void>;
}

export async function setup(
  options: { clock?: Clock; oa?: Partial<OfficialAccountConfig>; kf?: Partial<WecomKfAccountConfig>; adapter?: Partial<WechatAdapterOptions>; start?: boolean } = {},
): Promise<Setup> {
  const now = options.clock ? () => options.clock!.now() : () => Date.now();
  const fake = await FakeWechat.start({ now });
  fake.credentials.set(OA_APP_ID, OA_SECRET);
  fake.credentials.set(CORP_ID, CORP_SECRET);
  const oa: OfficialAccountConfig = { kind: 'official', id: 'shop1', appId: OA_APP_ID, appSecret: OA_SECRET, token: 'oa-token', encodingAesKey: aesKey(), mode: 'compatible', apiBaseUrl: fake.url, ...options.oa };
  const kf: WecomKfAccountConfig = { kind: 'wecom', id: 'kf1', corpId: CORP_ID, secret: CORP_SECRET, token: 'kf-token', encodingAesKey: aesKey(), apiBaseUrl: fake.url, ...options.kf };
  const store = createMemoryStore(options.clock ? { clock: options.clock } : {});
  const adapter = createWechatAdapter({ accounts: [oa, kf], ...options.adapter });
  const app = createApp({ store, ...(options.clock ? { clock: options.clock } : {}) });
  app.adapter(adapter);
  if (options.start !== false) await app.start();
  const http = await serveWebhooks(adapter);
  return {
    app,
    store,
    adapter,
    fake,
    webhooks: http.url,
    oa,
    kf,
    async close() {
      await app.close();
      await http.close();
      await fake.close();
    },
  };
}

export interface PostOptions {
  timestamp?: number;
  nonce?: string;
  /** Encrypt the message (safe/compatible mode) with this key and receiver id. */
  encrypt?: { key: string; receiverId: string };
  signature?: string;
  msgSignature?: string;
  /** Send this raw body instead of the built one. */
  rawBody?: string;
}

/** POSTs an Official Account message exactly as WeChat does (signed, optionally encrypted). */
export async function postOfficial(s: Setup, fields: Record<string, string | number> | string, opts: PostOptions = {}, clockNow = Date.now()): Promise<Response> {
  const timestamp = String(opts.timestamp ?? Math.floor(clockNow / 1000));
  const nonce = opts.nonce ?? String(Math.floor(Math.random() * 1e9));
  const xml = typeof fields === 'string' ? fields : buildWechatXml(fields);
  const q = new URLSearchParams({ signature: opts.signature ?? wechatSignature(s.oa.token, timestamp, nonce), timestamp, nonce, openid: 'x' });
  let body = xml;
  if (opts.encrypt) {
    const enc = wecomEncrypt(opts.encrypt.key, xml, opts.encrypt.receiverId);
    q.set('encrypt_type', 'aes');
    q.set('msg_signature', opts.msgSignature ?? getSignature(s.oa.token, timestamp, nonce, enc));
    body = `<xml><ToUserName><![CDATA[gh_test]]></ToUserName><Encrypt><![CDATA[${enc}]]></Encrypt></xml>`;
  }
  return fetch(`${s.webhooks}/${s.oa.id}?${q}`, { method: 'POST', body: opts.rawBody ?? body, headers: { 'content-type': 'text/xml' } });
}

/** POSTs a WeCom callback (always encrypted with the CorpID). */
export async function postWecom(s: Setup, fields: Record<string, string | number>, opts: PostOptions = {}, clockNow = Date.now()): Promise<Response> {
  const timestamp = String(opts.timestamp ?? Math.floor(clockNow / 1000));
  const nonce = opts.nonce ?? String(Math.floor(Math.random() * 1e9));
  const enc = wecomEncrypt(opts.encrypt?.key ?? s.kf.encodingAesKey, buildWechatXml(fields), opts.encrypt?.receiverId ?? s.kf.corpId);
  const q = new URLSearchParams({ msg_signature: opts.msgSignature ?? getSignature(s.kf.token, timestamp, nonce, enc), timestamp, nonce });
  const body = opts.rawBody ?? `<xml><ToUserName><![CDATA[${s.kf.corpId}]]></ToUserName><Encrypt><![CDATA[${enc}]]></Encrypt><AgentID><![CDATA[]]></AgentID></xml>`;
  return fetch(`${s.webhooks}/${s.kf.id}?${q}`, { method: 'POST', body });
}

/** Every message in the store (all conversations of the channel). */
export async function allMessages(store: Store, channel = 'wechat'): Promise<Message[]> {
  const out: Message[] = [];
  for (const c of await store.listConversations({ channel, limit: 10_000 })) out.push(...(await store.listMessages(c.id, { limit: 10_000 })));
  return out;
}

/** A text message from a user, as WeChat sends it. */
export function textXml(openid: string, content: string, msgId: string, createTime = Math.floor(Date.now() / 1000)): Record<string, string | number> {
  return { ToUserName: 'gh_test', FromUserName: openid, CreateTime: createTime, MsgType: 'text', Content: content, MsgId: msgId };
}

/** Polls until `probe` answers something (real-time waits for background work over real sockets). */
export async function until<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, what = 'condition', timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
