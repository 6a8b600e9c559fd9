import type { InboundEnvelope, Part } from '@kefu/core';
import { field, type WechatXml } from './xml.js';

/** A menu choice the adapter sent, looked up when its click comes back. */
export interface MenuChoice {
  /** The Kefu message that carried the card. */
  messageId: string;
  actionId: string;
  label: string;
  value?: string;
}

/** What one inbound WeChat item becomes. */
export type InboundItem =
  | {
      kind: 'message';
      envelope: InboundEnvelope;
      /** The user's channel identity (OpenID / external_userid). */
      userId: string;
      /** A send window this item opens (ms since epoch, platform time). */
      opensWindow?: 'message' | 'event';
      at: number;
    }
  | { kind: 'template-report'; msgId: string; status: string }
  | { kind: 'ignore'; reason: string };

/** Resolves a menu id to the choice it stands for (undefined when unknown or expired). */
export type MenuLookup = (menuId: string) => Promise<MenuChoice | undefined>;

/** The URL given to media that must be fetched through the API with a token (`wechat-media://<account>/<media_id>`). */
export function mediaUrl(accountId: string, mediaId: string): string {
  return `wechat-media://${encodeURIComponent(accountId)}/${encodeURIComponent(mediaId)}`;
}

async function textOrChoice(text: string, menuId: string | undefined, lookup: MenuLookup): Promise<Part[]> {
  if (menuId) {
    const choice = await lookup(menuId);
    if (choice) {
      return [{ type: 'action', actionId: choice.actionId, label: choice.label, cardMessageId: choice.messageId, ...(choice.value !== undefined ? { value: choice.value } : {}) }];
    }
  }
  return [{ type: 'text', text }];
}

const num = (s: string | undefined): number | undefined => {
  if (s === undefined || s.trim() === '') return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
};

/**
 * Normalizes one decrypted Official Account message (text, image, voice with Recognition, video,
 * location, link, a menu click with `bizmsgmenuid`, and the events) into a Kefu envelope.
 * `TEMPLATESENDJOBFINISH` is a delivery report, not a message.
 */
export async function normalizeOfficial(
  account: { id: string; tenantId: string; channel: string },
  xml: WechatXml,
  lookup: MenuLookup,
): Promise<InboundItem> {
  const openid = field(xml, 'FromUserName');
  const msgType = field(xml, 'MsgType');
  const createTime = num(field(xml, 'CreateTime'));
  if (!openid || !msgType || createTime === undefined) return { kind: 'ignore', reason: 'missing FromUserName, MsgType or CreateTime' };
  const at = createTime * 1000;
  const base = {
    channel: account.channel,
    tenantId: account.tenantId,
    address: `${account.id}:${openid}`,
    sender: { externalId: openid },
    meta: { wechat: { accountId: account.id, product: 'official', msgType } },
    raw: xml,
  };
  const msgId = field(xml, 'MsgId');
  const message = (parts: Part[]): InboundItem => ({
    kind: 'message',
    userId: openid,
    at,
    opensWindow: 'message',
    envelope: { ...base, parts, ...(msgId ? { externalId: `${account.id}:${msgId}` } : { externalId: `${account.id}:m:${openid}:${createTime}` }) },
  });
  const mediaId = field(xml, 'MediaId');
  switch (msgType) {
    case 'text':
      return message(await textOrChoice(field(xml, 'Content') ?? '', field(xml, 'bizmsgmenuid'), lookup));
    case 'image':
      return message([{ type: 'image', url: field(xml, 'PicUrl') ?? mediaUrl(account.id, mediaId ?? ''), ...(mediaId ? { mediaId } : {}) }]);
    case 'voice': {
      const format = field(xml, 'Format');
      const recognition = field(xml, 'Recognition');
      return message([
        {
          type: 'audio',
          url: mediaUrl(account.id, mediaId ?? ''),
          ...(format ? { mimeType: `audio/${format.toLowerCase()}` } : {}),
          ...(recognition ? { transcript: recognition } : {}),
        },
      ]);
    }
    case 'video':
    case 'shortvideo':
      return message([{ type: 'file', url: mediaUrl(account.id, mediaId ?? ''), name: `${msgType}.mp4`, mimeType: 'video/mp4' }]);
    case 'location': {
      const latitude = num(field(xml, 'Location_X'));
      const longitude = num(field(xml, 'Location_Y'));
      const label = field(xml, 'Label');
      if (latitude === undefined || longitude === undefined) return message([{ type: 'text', text: label ?? '[location]' }]);
      return message([{ type: 'location', latitude, longitude, ...(label ? { label } : {}) }]);
    }
    case 'link': {
      const url = field(xml, 'Url');
      const description = field(xml, 'Description');
      return message([{ type: 'card', card: { kind: 'wechat.link', title: field(xml, 'Title') ?? '', ...(description ? { text: description } : {}), ...(url ? { url } : {}) } }]);
    }
    case 'event':
      return officialEvent(account, xml, base, openid, createTime);
    default:
      return message([{ type: 'text', text: `[${msgType}]` }]);
  }
}

function officialEvent(
  account: { id: string },
  xml: WechatXml,
  base: Omit<InboundEnvelope, 'parts'>,
  openid: string,
  createTime: number,
): InboundItem {
  const event = field(xml, 'Event') ?? 'unknown';
  if (event === 'TEMPLATESENDJOBFINISH') {
    return { kind: 'template-report', msgId: field(xml, 'MsgID') ?? field(xml, 'MsgId') ?? '', status: field(xml, 'Status') ?? '' };
  }
  const key = field(xml, 'EventKey');
  const data: Record<string, unknown> = {};
  let opensWindow: 'event' | undefined;
  switch (event) {
    case 'subscribe':
      // Scanning a parametric QR code while not following gives `qrscene_<scene>`.
      if (key) data['scene'] = key.replace(/^qrscene_/, '');
      if (field(xml, 'Ticket')) data['ticket'] = field(xml, 'Ticket');
      opensWindow = 'event';
      break;
    case 'SCAN':
      if (key) data['scene'] = key;
      if (field(xml, 'Ticket')) data['ticket'] = field(xml, 'Ticket');
      opensWindow = 'event';
      break;
    case 'CLICK':
      if (key) data['key'] = key;
      opensWindow = 'event';
      break;
    case 'VIEW':
      if (key) data['url'] = key;
      break;
    case 'LOCATION':
      data['latitude'] = num(field(xml, 'Latitude'));
      data['longitude'] = num(field(xml, 'Longitude'));
      data['precision'] = num(field(xml, 'Precision'));
      break;
    case 'unsubscribe':
      break;
    default:
      for (const [k, v] of Object.entries(xml)) if (typeof v === 'string' && !['ToUserName', 'FromUserName', 'CreateTime', 'MsgType', 'Event'].includes(k)) data[k] = v;
  }
  return {
    kind: 'message',
    userId: openid,
    at: createTime * 1000,
    ...(opensWindow ? { opensWindow } : {}),
    envelope: {
      ...base,
      // Events have no MsgId: WeChat's retries are recognised by sender + CreateTime.
      externalId: `${account.id}:ev:${openid}:${createTime}:${event}`,
      parts: [{ type: 'event', name: `wechat.${event.toLowerCase()}`, data }],
    },
  };
}

/** One entry of a WeCom `sync_msg` answer's `msg_list`. */
export interface KfMessage {
  msgid: string;
  open_kfid: string;
  external_userid?: string;
  send_time: number;
  /** 3 customer, 4 system event, 5 servicer in the WeCom client. */
  origin: number;
  servicer_userid?: string;
  msgtype: string;
  text?: { content: string; menu_id?: string };
  image?: { media_id: string };
  voice?: { media_id: string };
  video?: { media_id: string };
  file?: { media_id: string };
  location?: { latitude: number; longitude: number; name?: string; address?: string };
  link?: { title?: string; desc?: string; url?: string; pic_url?: string };
  miniprogram?: { title?: string; appid: string; pagepath: string; thumb_media_id?: string };
  event?: {
    event_type: string;
    open_kfid?: string;
    external_userid?: string;
    scene?: string;
    scene_param?: string;
    welcome_code?: string;
    fail_msgid?: string;
    fail_type?: number;
    change_type?: number;
    old_servicer_userid?: string;
    new_servicer_userid?: string;
    msg_code?: string;
    [key: string]: unknown;
  };
}

/** The address of a WeCom kf conversation: one customer with one kf account. */
export function kfAddress(accountId: string, openKfId: string, externalUserId: string): string {
  return `${accountId}:${openKfId}:${externalUserId}`;
}

/** Normalizes a customer message (origin 3) or an `enter_session` event pulled with `sync_msg`. */
export async function normalizeKf(account: { id: string; tenantId: string; channel: string }, m: KfMessage, lookup: MenuLookup): Promise<InboundItem> {
  const user = m.external_userid ?? m.event?.external_userid;
  const kfid = m.open_kfid ?? m.event?.open_kfid;
  if (!user || !kfid || !m.msgid) return { kind: 'ignore', reason: 'missing external_userid, open_kfid or msgid' };
  const envelope = (parts: Part[], extra: Partial<InboundEnvelope> = {}): InboundEnvelope => ({
    channel: account.channel,
    tenantId: account.tenantId,
    address: kfAddress(account.id, kfid, user),
    externalId: `${account.id}:${m.msgid}`,
    sender: { externalId: user },
    parts,
    meta: { wechat: { accountId: account.id, product: 'wecom', openKfId: kfid, msgType: m.msgtype } },
    raw: m,
    ...extra,
  });
  const at = m.send_time * 1000;
  const message = (parts: Part[]): InboundItem => ({ kind: 'message', userId: user, at, opensWindow: 'message', envelope: envelope(parts) });
  if (m.msgtype === 'event' && m.event) {
    if (m.event.event_type !== 'enter_session') return { kind: 'ignore', reason: `event ${m.event.event_type}` };
    const data: Record<string, unknown> = {};
    if (m.event.scene) data['scene'] = m.event.scene;
    if (m.event.scene_param) data['sceneParam'] = m.event.scene_param;
    return { kind: 'message', userId: user, at, envelope: envelope([{ type: 'event', name: 'wecom.enter_session', data }]) };
  }
  switch (m.msgtype) {
    case 'text':
      return message(await textOrChoice(m.text?.content ?? '', m.text?.menu_id, lookup));
    case 'image':
      return message([{ type: 'image', url: mediaUrl(account.id, m.image?.media_id ?? ''), ...(m.image?.media_id ? { mediaId: m.image.media_id } : {}) }]);
    case 'voice':
      return message([{ type: 'audio', url: mediaUrl(account.id, m.voice?.media_id ?? ''), mimeType: 'audio/amr' }]);
    case 'video':
      return message([{ type: 'file', url: mediaUrl(account.id, m.video?.media_id ?? ''), name: 'video.mp4', mimeType: 'video/mp4' }]);
    case 'file':
      return message([{ type: 'file', url: mediaUrl(account.id, m.file?.media_id ?? ''), name: 'file' }]);
    case 'location': {
      const l = m.location;
      if (!l || typeof l.latitude !== 'number' || typeof l.longitude !== 'number') return message([{ type: 'text', text: '[location]' }]);
      const label = [l.name, l.address].filter(Boolean).join(' ');
      return message([{ type: 'location', latitude: l.latitude, longitude: l.longitude, ...(label ? { label } : {}) }]);
    }
    case 'link':
      return message([
        {
          type: 'card',
          card: { kind: 'wechat.link', title: m.link?.title ?? '', ...(m.link?.desc ? { text: m.link.desc } : {}), ...(m.link?.url ? { url: m.link.url } : {}), ...(m.link?.pic_url ? { imageUrl: m.link.pic_url } : {}) },
        },
      ]);
    case 'miniprogram':
      return message([
        { type: 'card', card: { kind: 'wechat.miniprogram', title: m.miniprogram?.title ?? '', data: { miniprogram: { appid: m.miniprogram?.appid, pagepath: m.miniprogram?.pagepath } } } },
      ]);
    default:
      return message([{ type: 'text', text: `[${m.msgtype}]` }]);
  }
}
