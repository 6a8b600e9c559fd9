import { getSignature, encrypt as wecomEncrypt } from '@wecom/crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { CORP_ID, OPEN_KFID, type Setup, allMessages, postWecom, setup, until } from './harness.js';

let s: Setup | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

const now = () => Math.floor(Date.now() / 1000);
const customer = (i: number, user = 'wmUser1', extra: Record<string, unknown> = {}) => ({
  msgid: `msg-${i}`,
  open_kfid: OPEN_KFID,
  external_userid: user,
  send_time: now(),
  origin: 3,
  msgtype: 'text',
  text: { content: `message ${i}` },
  ...extra,
});
const callback = (token: string) => ({ ToUserName: CORP_ID, CreateTime: now(), MsgType: 'event', Event: 'kf_msg_or_event', Token: token, OpenKfId: OPEN_KFID });

async function notify(st: Setup, token = 'CB_TOKEN') {
  st.fake.callbackTokens.add(token);
  const res = await postWecom(st, callback(token));
  expect(res.status).toBe(200);
  expect(await res.text()).toBe('success');
  await st.adapter.idle();
}

describe('WeCom kf inbound', () => {
  it('answers the URL check by decrypting echostr', async () => {
    s = await setup();
    const echostr = wecomEncrypt(s.kf.encodingAesKey, 'plain-echo-8815', CORP_ID);
    const q = new URLSearchParams({ msg_signature: getSignature('kf-token', '1700000000', 'n', echostr), timestamp: '1700000000', nonce: 'n', echostr });
    const res = await fetch(`${s.webhooks}/kf1?${q}`);
    expect(await res.text()).toBe('plain-echo-8815');
  });

  it('pulls with sync_msg and the callback token, pages while has_more, keeps the cursor per open_kfid and dedupes by msgid', async () => {
    s = await setup();
    s.fake.addKfMessages(OPEN_KFID, Array.from({ length: 1203 }, (_, i) => customer(i, `wmUser${i % 3}`)));
    await notify(s);
    expect(s.fake.syncRequests.map((r) => [r['cursor'], r['token'], r['limit']])).toEqual([
      [undefined, 'CB_TOKEN', 1000],
      ['C1000', 'CB_TOKEN', 1000],
    ]);
    expect((await allMessages(s.store)).length).toBe(1203);
    expect(await s.store.kvGet('wecom.cursor', `kf1:${OPEN_KFID}`)).toBe('C1203');
    // New messages: the next pull starts at the stored cursor.
    s.fake.addKfMessages(OPEN_KFID, [customer(5000)]);
    await notify(s, 'CB_TOKEN_2');
    expect(s.fake.syncRequests.at(-1)).toMatchObject({ cursor: 'C1203', token: 'CB_TOKEN_2' });
    expect((await allMessages(s.store)).length).toBe(1204);
    // A lost cursor re-pulls everything; msgid dedupe stores nothing twice.
    await s.store.kvDelete('wecom.cursor', `kf1:${OPEN_KFID}`);
    await notify(s, 'CB_TOKEN_3');
    expect((await allMessages(s.store)).length).toBe(1204);
  });

  it('answers enter_session with the welcome text through send_msg_on_event', async () => {
    s = await setup({ kf: { welcomeText: '您好，请问有什么可以帮您？' } });
    s.fake.welcomeCodes.add('WELCOME_1');
    s.fake.addKfMessages(OPEN_KFID, [
      { msgid: 'ev-1', open_kfid: OPEN_KFID, send_time: now(), origin: 4, msgtype: 'event', event: { event_type: 'enter_session', open_kfid: OPEN_KFID, external_userid: 'wmNew', scene: 'shop_page', scene_param: 'p%3D9', welcome_code: 'WELCOME_1' } },
    ]);
    await notify(s);
    await until(() => s!.fake.kfOnEvent.length > 0, 'the welcome message');
    expect(s.fake.kfOnEvent[0]!.body).toMatchObject({ code: 'WELCOME_1', msgtype: 'text', text: { content: '您好，请问有什么可以帮您？' } });
    const [event] = await allMessages(s.store);
    expect(event!.parts).toEqual([{ type: 'event', name: 'wecom.enter_session', data: { scene: 'shop_page', sceneParam: 'p%3D9' } }]);
  });

  it('marks a message failed on msg_send_fail and closes the conversation on session_status_change (ended)', async () => {
    s = await setup();
    s.fake.addKfMessages(OPEN_KFID, [customer(1, 'wmA')]);
    s.fake.userMessaged(CORP_ID, `${OPEN_KFID}:wmA`);
    await notify(s);
    const [inbound] = await allMessages(s.store);
    const sent = await s.app.send(inbound!.conversationId, 'on its way');
    const ok = await until(async () => {
      const m = await s!.store.getMessage(sent.id);
      return m?.status === 'sent' ? m : undefined;
    });
    s.fake.addKfMessages(OPEN_KFID, [
      { msgid: 'ev-fail', open_kfid: OPEN_KFID, send_time: now(), origin: 4, msgtype: 'event', event: { event_type: 'msg_send_fail', open_kfid: OPEN_KFID, external_userid: 'wmA', fail_msgid: ok.externalId, fail_type: 10 } },
      { msgid: 'ev-end', open_kfid: OPEN_KFID, send_time: now(), origin: 4, msgtype: 'event', event: { event_type: 'session_status_change', open_kfid: OPEN_KFID, external_userid: 'wmA', change_type: 3 } },
    ]);
    await notify(s, 'CB2');
    expect((await s.store.getMessage(sent.id))!.status).toBe('failed');
    expect((await s.app.conversations.get(inbound!.conversationId)).status).toBe('closed');
    // The close came from WeCom: it is not sent back as a state change.
    await s.adapter.idle();
    expect(s.fake.stateChanges.filter((c) => c.body['service_state'] === 4)).toEqual([]);
  });
});

describe('WeCom kf outbound', () => {
  async function conversation(st: Setup, user: string) {
    st.fake.addKfMessages(OPEN_KFID, [customer(Math.floor(Math.random() * 1e9), user)]);
    st.fake.userMessaged(CORP_ID, `${OPEN_KFID}:${user}`);
    await notify(st, `CB-${user}`);
    return (await allMessages(st.store)).find((m) => m.author.role === 'customer' && (m.raw as { external_userid: string }).external_userid === user)!.conversationId;
  }
  const settled = (st: Setup, id: string) =>
    until(async () => {
      const m = await st.store.getMessage(id);
      return m && m.status !== 'pending' ? m : undefined;
    });

  it('sends text, msgmenu (click and view) and maps 95018 to a closed window after five', async () => {
    s = await setup();
    const id = await conversation(s, 'wmB');
    const menu = await s.app.send(id, [{ type: 'card', card: { kind: 'choice', title: '请选择', actions: [{ id: 'refund', label: '退款', type: 'postback' }, { id: 'site', label: '官网', type: 'link', url: 'https://shop.example' }] } }]);
    expect((await settled(s, menu.id)).status).toBe('sent');
    const body = s.fake.kfSent[0]!.body as { touser: string; open_kfid: string; msgmenu: { list: Array<{ type: string; click?: { id: string; content: string }; view?: unknown }> } };
    expect(body).toMatchObject({ touser: 'wmB', open_kfid: OPEN_KFID, msgtype: 'msgmenu' });
    expect(body.msgmenu.list[1]).toEqual({ type: 'view', view: { url: 'https://shop.example', content: '官网' } });
    // The customer clicks: WeCom returns a text message with menu_id.
    const clickId = body.msgmenu.list[0]!.click!.id;
    s.fake.addKfMessages(OPEN_KFID, [customer(777, 'wmB', { text: { content: '退款', menu_id: clickId } })]);
    s.fake.userMessaged(CORP_ID, `${OPEN_KFID}:wmB`);
    await notify(s, 'CB-click');
    const click = (await allMessages(s.store)).find((m) => m.externalId === 'kf1:msg-777')!;
    expect(click.parts).toEqual([{ type: 'action', actionId: 'refund', label: '退款', cardMessageId: menu.id }]);
    for (let i = 0; i < 5; i++) expect((await settled(s, (await s.app.send(id, `t${i}`)).id)).status).toBe('sent');
    const sixth = await settled(s, (await s.app.send(id, 'one too many')).id);
    expect(sixth.status).toBe('failed');
    expect(sixth.error?.message).toContain('KEFU_WECHAT_WINDOW_CLOSED');
  });

  it('maps 95018 from WeCom to a closed window', async () => {
    s = await setup();
    const id = await conversation(s, 'wmC');
    s.fake.failNext('/cgi-bin/kf/send_msg', 95018, 'send msg count limit or not in session period');
    const m = await settled(s, (await s.app.send(id, 'late')).id);
    expect(m.status).toBe('failed');
    expect(m.error?.message).toContain('95018');
  });

  it('mirrors Kefu status onto service_state/trans (api mode: 1 while served, 4 on close; mirror mode with servicer)', async () => {
    s = await setup({ kf: { serviceStates: 'mirror' } });
    await s.app.agents.upsert({ id: 'agent-1', name: 'Li', role: 'agent', teams: [], skills: {}, languages: ['zh'], capacity: 5, attributes: { wecomUserId: 'lisi' } });
    const id = await conversation(s, 'wmD');
    await s.app.conversations.handoff(id, { reason: 'customer asked' });
    await s.app.conversations.accept(id, 'agent-1');
    await s.app.conversations.close(id);
    await s.adapter.idle();
    expect(s.fake.stateChanges.map((c) => [c.body['service_state'], c.body['servicer_userid']])).toEqual([
      [1, undefined],
      [2, undefined],
      [3, 'lisi'],
      [4, undefined],
    ]);
    expect(s.fake.stateChanges.every((c) => c.body['external_userid'] === 'wmD' && c.body['open_kfid'] === OPEN_KFID)).toBe(true);
  });
});
