import { FakeClock } from '@kefu/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { OA_APP_ID, type Setup, allMessages, postOfficial, setup, textXml, until } from './harness.js';

let s: Setup | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

async function settled(st: Setup, id: string) {
  return until(async () => {
    const m = await st.store.getMessage(id);
    return m && m.status !== 'pending' ? m : undefined;
  }, 'the message to leave the outbox');
}

async function open(st: Setup, openid: string, msgId: string, clock?: FakeClock) {
  st.fake.userMessaged(OA_APP_ID, openid);
  const now = clock?.now() ?? Date.now();
  await postOfficial(st, textXml(openid, 'hi', msgId, Math.floor(now / 1000)), {}, now);
  const m = (await allMessages(st.store)).find((x) => x.externalId === `shop1:${msgId}`)!;
  return m.conversationId;
}

describe('the 48-hour / 5-message window', () => {
  it('sends five messages, then fails the sixth with KEFU_WECHAT_WINDOW_CLOSED without calling WeChat', async () => {
    s = await setup();
    const closed: unknown[] = [];
    s.app.on('wechat.window_closed', (e) => void closed.push(e));
    const id = await open(s, 'w1', '1');
    for (let i = 1; i <= 5; i++) expect((await settled(s, (await s.app.send(id, `reply ${i}`)).id)).status).toBe('sent');
    const sixth = await settled(s, (await s.app.send(id, 'reply 6')).id);
    expect(sixth.status).toBe('failed');
    expect(sixth.error?.message).toContain('KEFU_WECHAT_WINDOW_CLOSED');
    expect(sixth.attempts).toBe(1);
    expect(s.fake.custom.length).toBe(5);
    expect(closed).toHaveLength(1);
    // The user writes again: the window reopens.
    const again = await open(s, 'w1', '2');
    expect((await settled(s, (await s.app.send(again, 'welcome back')).id)).status).toBe('sent');
  });

  it('maps WeChat 45015 (out of time) and 45047 (over count) to a closed window', async () => {
    s = await setup();
    const id = await open(s, 'w2', '1');
    s.fake.failNext('/cgi-bin/message/custom/send', 45015, 'response out of time limit or subscription is canceled');
    const a = await settled(s, (await s.app.send(id, 'late')).id);
    expect(a.status).toBe('failed');
    expect(a.error?.message).toContain('45015');
    const id2 = await open(s, 'w3', '1b');
    s.fake.failNext('/cgi-bin/message/custom/send', 45047, 'out of response count limit');
    const b = await settled(s, (await s.app.send(id2, 'too many')).id);
    expect(b.status).toBe('failed');
    expect(b.error?.message).toContain('45047');
    // The window stays closed here too: the next send does not reach WeChat.
    const before = s.fake.custom.length;
    expect((await settled(s, (await s.app.send(id2, 'still?')).id)).status).toBe('failed');
    expect(s.fake.custom.length).toBe(before);
  });

  it('closes after 48 hours (fake clock) and falls back to a template message; its report marks it delivered', async () => {
    const clock = new FakeClock(Date.now());
    s = await setup({ clock, oa: { templateFallback: { templateId: 'TPL_1', url: 'https://shop.example/chat' } } });
    const id = await open(s, 'w4', '1', clock);
    await clock.advance(49 * 3600_000);
    const sent = await s.app.send(id, '您的退款已到账');
    const m = await until(async () => {
      const x = await s!.store.getMessage(sent.id);
      return x && x.status !== 'pending' ? x : undefined;
    });
    expect(m.status).toBe('sent');
    expect(s.fake.custom).toEqual([]);
    expect(s.fake.templates.map((t) => t.body)).toEqual([{ touser: 'w4', template_id: 'TPL_1', url: 'https://shop.example/chat', data: { content: { value: '您的退款已到账' } } }]);
    const msgid = m.externalId!.replace('template:', '');
    const t = Math.floor(clock.now() / 1000);
    await postOfficial(s, { ToUserName: 'gh', FromUserName: 'w4', CreateTime: t, MsgType: 'event', Event: 'TEMPLATESENDJOBFINISH', MsgID: msgid, Status: 'success' }, {}, clock.now());
    expect((await s.store.getMessage(sent.id))!.status).toBe('delivered');
  });
});

describe('access tokens', () => {
  it('keeps the token in the store, shares it between senders and refreshes it early when it nears expiry', async () => {
    const clock = new FakeClock(Date.now());
    s = await setup({ clock });
    const api = s.adapter.api('shop1');
    const [a, b, c] = await Promise.all([api.token(), api.token(), api.token()]);
    expect(new Set([a, b, c]).size).toBe(1);
    expect(s.fake.tokenRequests).toBe(1);
    expect(await s.store.kvGet('wechat.token', `official:${OA_APP_ID}:${(await import('node:crypto')).createHash('sha1').update('oa-secret').digest('hex').slice(0, 10)}`)).toMatchObject({ token: a });
    await clock.advance(7200_000 - 6 * 60_000);
    expect(await api.token()).toBe(a);
    await clock.advance(2 * 60_000); // within 5 minutes of expiry
    const fresh = await api.token();
    expect(fresh).not.toBe(a);
    expect(s.fake.tokenRequests).toBe(2);
  });

  it('refreshes once and retries once on 40001 / 40014 / 42001', async () => {
    const clock = new FakeClock(Date.now());
    s = await setup({ clock });
    const id = await open(s, 't1', '1', clock);
    s.fake.revokeTokens(OA_APP_ID); // 40001 for the stored token
    expect((await settled(s, (await s.app.send(id, 'one')).id)).status).toBe('sent');
    expect(s.fake.tokenRequests).toBe(2);
    s.fake.tokens.clear(); // 40014 invalid access_token
    expect((await settled(s, (await s.app.send(id, 'two')).id)).status).toBe('sent');
    expect(s.fake.tokenRequests).toBe(3);
    s.fake.failNext('/cgi-bin/message/custom/send', 42001, 'access_token expired');
    s.fake.failNext('/cgi-bin/message/custom/send', 42001, 'access_token expired');
    // Refreshed once, retried once: the second 42001 is not retried again in this attempt.
    const third = await s.app.send(id, 'three');
    await until(async () => ((await s!.store.getMessage(third.id))!.attempts >= 1 ? true : undefined));
    expect(s.fake.tokenRequests).toBe(4);
    expect(s.fake.custom.map((c) => (c.body as { text: { content: string } }).text.content)).toEqual(['one', 'two']);
  });

  it('reports a wrong secret as KEFU_WECHAT_TOKEN_FAILED', async () => {
    s = await setup({ oa: { appSecret: 'wrong' } });
    await expect(s.adapter.api('shop1').token()).rejects.toMatchObject({ code: 'KEFU_WECHAT_TOKEN_FAILED', details: { errcode: 40125 } });
  });
});
