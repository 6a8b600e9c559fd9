import { afterEach, describe, expect, it } from 'vitest';
import { wechatSignature } from '../src/index.js';
import { OA_APP_ID, type Setup, allMessages, postOfficial, setup, textXml, until } from './harness.js';

let s: Setup | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

const inbound = async (st: Setup) => (await allMessages(st.store)).filter((m) => m.direction === 'inbound');

describe('Official Account inbound', () => {
  it('answers the URL check with echostr when the signature matches', async () => {
    s = await setup();
    const q = new URLSearchParams({ signature: wechatSignature('oa-token', '1700000000', 'n1'), timestamp: '1700000000', nonce: 'n1', echostr: 'echo-123' });
    const ok = await fetch(`${s.webhooks}/shop1?${q}`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('echo-123');
    q.set('signature', 'f'.repeat(40));
    const bad = await fetch(`${s.webhooks}/shop1?${q}`);
    expect(bad.status).toBe(401);
    expect((await bad.json()).error.code).toBe('KEFU_WECHAT_SIGNATURE_INVALID');
  });

  it('stores a plaintext text message with MsgId above 2^53 and text kept verbatim, answering success', async () => {
    s = await setup();
    const res = await postOfficial(s, textXml('openid-1', ' 0012 ', '23880212345678901234'));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('success');
    const [m] = await inbound(s);
    expect(m!.text).toBe(' 0012 ');
    expect(m!.externalId).toBe('shop1:23880212345678901234');
    const conversation = await s.app.conversations.get(m!.conversationId);
    expect(conversation.address).toBe('shop1:openid-1');
    const contact = await s.app.contacts.get(conversation.contactId);
    expect(contact.identities).toContainEqual({ channel: 'wechat', externalId: 'openid-1' });
  });

  it('decrypts a safe-mode message encrypted by an independent implementation (@wecom/crypto)', async () => {
    s = await setup();
    const res = await postOfficial(s, textXml('openid-2', '你好，我的订单呢？', '1001'), { encrypt: { key: s.oa.encodingAesKey!, receiverId: OA_APP_ID } });
    expect(res.status).toBe(200);
    expect((await inbound(s)).map((m) => m.text)).toEqual(['你好，我的订单呢？']);
  });

  it('adds the UnionID as a verified identifier so the same person is one contact across accounts', async () => {
    s = await setup();
    s.fake.unionIds.set('openid-u', 'union-42');
    await postOfficial(s, textXml('openid-u', 'hi', '2001'));
    const [m] = await inbound(s);
    const contact = await s.app.contacts.get(m!.author.id!);
    expect(contact.identifiers).toContainEqual({ kind: 'unionid', value: 'union-42' });
  });

  it('normalizes image, voice with Recognition, location, link and events', async () => {
    s = await setup();
    const t = Math.floor(Date.now() / 1000);
    const base = { ToUserName: 'gh_test', FromUserName: 'openid-3' };
    await postOfficial(s, { ...base, CreateTime: t, MsgType: 'image', PicUrl: 'http://mmbiz/pic.jpg', MediaId: 'media-1', MsgId: '3001' });
    await postOfficial(s, { ...base, CreateTime: t, MsgType: 'voice', MediaId: 'media-2', Format: 'amr', Recognition: '查一下物流', MsgId: '3002' });
    await postOfficial(s, { ...base, CreateTime: t, MsgType: 'location', Location_X: '23.134521', Location_Y: '113.358803', Scale: '20', Label: '广州', MsgId: '3003' });
    await postOfficial(s, { ...base, CreateTime: t, MsgType: 'link', Title: '商品', Description: '看这个', Url: 'https://shop.example/p/1', MsgId: '3004' });
    await postOfficial(s, { ...base, CreateTime: t, MsgType: 'event', Event: 'subscribe', EventKey: 'qrscene_123', Ticket: 'TICKET' });
    await postOfficial(s, { ...base, CreateTime: t, MsgType: 'event', Event: 'CLICK', EventKey: 'MENU_ORDERS' });
    await postOfficial(s, { ...base, CreateTime: t, MsgType: 'event', Event: 'unsubscribe' });
    const parts = (await inbound(s)).map((m) => m.parts[0]);
    expect(parts).toContainEqual({ type: 'image', url: 'http://mmbiz/pic.jpg', mediaId: 'media-1' });
    expect(parts).toContainEqual({ type: 'audio', url: 'wechat-media://shop1/media-2', mimeType: 'audio/amr', transcript: '查一下物流' });
    expect(parts).toContainEqual({ type: 'location', latitude: 23.134521, longitude: 113.358803, label: '广州' });
    expect(parts).toContainEqual({ type: 'card', card: { kind: 'wechat.link', title: '商品', text: '看这个', url: 'https://shop.example/p/1' } });
    expect(parts).toContainEqual({ type: 'event', name: 'wechat.subscribe', data: { scene: '123', ticket: 'TICKET' } });
    expect(parts).toContainEqual({ type: 'event', name: 'wechat.click', data: { key: 'MENU_ORDERS' } });
    expect(parts).toContainEqual({ type: 'event', name: 'wechat.unsubscribe', data: {} });
  });

  it('stores a retried message (same MsgId) and a retried event (same FromUserName + CreateTime) once', async () => {
    s = await setup();
    const t = Math.floor(Date.now() / 1000);
    for (let i = 0; i < 3; i++) {
      expect((await postOfficial(s, textXml('openid-4', 'again', '4001', t))).status).toBe(200);
      expect((await postOfficial(s, { ToUserName: 'gh', FromUserName: 'openid-4', CreateTime: t, MsgType: 'event', Event: 'SCAN', EventKey: '7' })).status).toBe(200);
    }
    await s.app.idle();
    expect((await inbound(s)).length).toBe(2);
  });
});

describe('Official Account outbound', () => {
  async function conversationOf(st: Setup, openid: string, msgId: string) {
    st.fake.userMessaged(OA_APP_ID, openid);
    await postOfficial(st, textXml(openid, 'hello', msgId));
    const [m] = (await inbound(st)).filter((x) => x.externalId === `shop1:${msgId}`);
    return m!.conversationId;
  }

  async function settled(st: Setup, id: string) {
    return until(async () => {
      const m = await st.store.getMessage(id);
      return m && m.status !== 'pending' ? m : undefined;
    }, 'the message to leave the outbox');
  }

  it('sends text through the customer-service API as the right JSON', async () => {
    s = await setup();
    const id = await conversationOf(s, 'openid-5', '5001');
    const sent = await s.app.send(id, '您的订单已发货', { author: { role: 'agent', id: 'a1' } });
    expect((await settled(s, sent.id)).status).toBe('sent');
    expect(s.fake.custom.map((r) => r.body)).toEqual([{ touser: 'openid-5', msgtype: 'text', text: { content: '您的订单已发货' } }]);
  });

  it('uploads an image as media once and sends it by media_id', async () => {
    s = await setup();
    s.fake.files.set('parcel.png', { body: Buffer.alloc(2048, 7), contentType: 'image/png' });
    const id = await conversationOf(s, 'openid-6', '6001');
    const url = `${s.fake.url}/files/parcel.png`;
    const a = await s.app.send(id, [{ type: 'image', url }]);
    await settled(s, a.id);
    const b = await s.app.send(id, [{ type: 'image', url }]);
    await settled(s, b.id);
    expect(s.fake.media.size).toBe(1);
    const [mediaId, media] = [...s.fake.media][0]!;
    expect(media).toMatchObject({ type: 'image', filename: 'parcel.png', contentType: 'image/png', size: 2048 });
    expect(s.fake.custom.map((r) => r.body)).toEqual([
      { touser: 'openid-6', msgtype: 'image', image: { media_id: mediaId } },
      { touser: 'openid-6', msgtype: 'image', image: { media_id: mediaId } },
    ]);
  });

  it('refuses an image over maxMediaBytes with a permanent failure and sends nothing', async () => {
    s = await setup({ adapter: { maxMediaBytes: 1000 } });
    s.fake.files.set('big.jpg', { body: Buffer.alloc(5000), contentType: 'image/jpeg' });
    const id = await conversationOf(s, 'openid-6b', '6101');
    const sent = await s.app.send(id, [{ type: 'image', url: `${s.fake.url}/files/big.jpg` }]);
    const m = await settled(s, sent.id);
    expect(m.status).toBe('failed');
    expect(m.error?.message).toMatch(/larger than 1000/);
    expect(s.fake.custom).toEqual([]);
  });

  it('renders cards: news for url/image, msgmenu for actions, miniprogrampage for data.miniprogram', async () => {
    s = await setup();
    s.fake.files.set('thumb.jpg', { body: Buffer.alloc(100, 1), contentType: 'image/jpeg' });
    const id = await conversationOf(s, 'openid-7', '7001');
    const news = await s.app.send(id, [{ type: 'card', card: { kind: 'product', title: '保温杯', text: '¥99', url: 'https://shop.example/p/9', imageUrl: 'https://cdn.example/9.jpg' } }]);
    await settled(s, news.id);
    const mp = await s.app.send(id, [
      { type: 'card', card: { kind: 'order', title: '订单 1001', imageUrl: `${s.fake.url}/files/thumb.jpg`, data: { miniprogram: { appid: 'wxmini', pagepath: 'pages/order?id=1001' } } } },
    ]);
    await settled(s, mp.id);
    const bodies = s.fake.custom.map((r) => r.body);
    expect(bodies[0]).toEqual({ touser: 'openid-7', msgtype: 'news', news: { articles: [{ title: '保温杯', description: '¥99', url: 'https://shop.example/p/9', picurl: 'https://cdn.example/9.jpg' }] } });
    expect(bodies[1]).toMatchObject({ msgtype: 'miniprogrampage', miniprogrampage: { title: '订单 1001', appid: 'wxmini', pagepath: 'pages/order?id=1001' } });
    expect(s.fake.media.has((bodies[1] as { miniprogrampage: { thumb_media_id: string } }).miniprogrampage.thumb_media_id)).toBe(true);
  });

  it('sends a msgmenu whose click comes back as an action tied to the card message', async () => {
    s = await setup();
    const id = await conversationOf(s, 'openid-8', '8001');
    const card = await s.app.send(id, [
      { type: 'card', card: { kind: 'survey', title: '您对本次服务满意吗？', actions: [{ id: 'good', label: '满意', type: 'reply', value: '5' }, { id: 'bad', label: '不满意', type: 'reply', value: '1' }, { id: 'faq', label: '帮助', type: 'link', url: 'https://shop.example/faq' }] } },
    ]);
    await settled(s, card.id);
    const body = s.fake.custom[0]!.body as { msgmenu: { head_content: string; list: Array<{ id: string; content: string }>; tail_content: string } };
    expect(body.msgmenu.head_content).toBe('您对本次服务满意吗？');
    expect(body.msgmenu.list.map((i) => i.content)).toEqual(['满意', '不满意']);
    expect(body.msgmenu.tail_content).toBe('<a href="https://shop.example/faq">帮助</a>');
    // WeChat posts the click back as a text message carrying bizmsgmenuid.
    const chosen = body.msgmenu.list[1]!;
    await postOfficial(s, { ...textXml('openid-8', '不满意', '8002'), bizmsgmenuid: chosen.id });
    const click = (await inbound(s)).find((m) => m.externalId === 'shop1:8002')!;
    expect(click.parts).toEqual([{ type: 'action', actionId: 'bad', label: '不满意', value: '1', cardMessageId: card.id }]);
  });
});
