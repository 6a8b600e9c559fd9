import { afterEach, describe, expect, it } from 'vitest';
import { OA_APP_ID, type Setup, aesKey, allMessages, postOfficial, postWecom, setup, textXml } from './harness.js';

let s: Setup | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

async function refused(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect((await res.json()).error.code).toBe(code);
  await s!.app.idle();
  expect(await allMessages(s!.store)).toEqual([]);
  expect(await s!.store.listContacts('default')).toEqual([]);
}

const xxe = `<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><ToUserName>gh</ToUserName><FromUserName>evil</FromUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType>text</MsgType><Content>&xxe;</Content><MsgId>1</MsgId></xml>`;
const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><xml><ToUserName>gh</ToUserName><FromUserName>evil</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&lol3;</Content><MsgId>2</MsgId></xml>`;

describe('webhook security: each bad request is refused with a clear status and nothing is stored', () => {
  it('wrong signature (plaintext)', async () => {
    s = await setup();
    await refused(await postOfficial(s, textXml('u1', 'hi', '1'), { signature: '0'.repeat(40) }), 401, 'KEFU_WECHAT_SIGNATURE_INVALID');
  });

  it('wrong msg_signature (safe mode)', async () => {
    s = await setup();
    await refused(await postOfficial(s, textXml('u1', 'hi', '1'), { encrypt: { key: s.oa.encodingAesKey!, receiverId: OA_APP_ID }, msgSignature: 'a'.repeat(40) }), 401, 'KEFU_WECHAT_SIGNATURE_INVALID');
  });

  it('wrong msg_signature (WeCom)', async () => {
    s = await setup();
    await refused(await postWecom(s, { ToUserName: 'ww', MsgType: 'event', Event: 'kf_msg_or_event', Token: 't', OpenKfId: 'wk1' }, { msgSignature: 'b'.repeat(40) }), 401, 'KEFU_WECHAT_SIGNATURE_INVALID');
  });

  it('wrong AppID inside the ciphertext', async () => {
    s = await setup();
    await refused(await postOfficial(s, textXml('u1', 'hi', '1'), { encrypt: { key: s.oa.encodingAesKey!, receiverId: 'wx_someone_else' } }), 401, 'KEFU_WECHAT_RECEIVER_MISMATCH');
  });

  it('wrong CorpID inside the WeCom ciphertext', async () => {
    s = await setup();
    await refused(await postWecom(s, { ToUserName: 'ww', MsgType: 'event', Event: 'kf_msg_or_event', Token: 't', OpenKfId: 'wk1' }, { encrypt: { key: s.kf.encodingAesKey, receiverId: 'ww_other' } }), 401, 'KEFU_WECHAT_RECEIVER_MISMATCH');
  });

  it('ciphertext made with another EncodingAESKey', async () => {
    s = await setup();
    await refused(await postOfficial(s, textXml('u1', 'hi', '1'), { encrypt: { key: aesKey(), receiverId: OA_APP_ID } }), 400, 'KEFU_WECHAT_DECRYPT_FAILED');
  });

  it('timestamp outside the freshness window (a captured request replayed later)', async () => {
    s = await setup({ adapter: { timestampToleranceMs: 60_000 } });
    await refused(await postOfficial(s, textXml('u1', 'hi', '1'), { timestamp: Math.floor(Date.now() / 1000) - 120 }), 401, 'KEFU_WECHAT_TIMESTAMP_STALE');
  });

  it('malformed XML', async () => {
    s = await setup();
    await refused(await postOfficial(s, '<xml><ToUserName>gh</ToUserName><Content>unclosed</xml>'), 400, 'KEFU_WECHAT_XML_INVALID');
  });

  it('XML with an external entity (XXE)', async () => {
    s = await setup();
    await refused(await postOfficial(s, xxe), 400, 'KEFU_WECHAT_XML_FORBIDDEN');
  });

  it('XML with nested entity expansion (billion laughs), also inside a ciphertext', async () => {
    s = await setup();
    await refused(await postOfficial(s, laughs), 400, 'KEFU_WECHAT_XML_FORBIDDEN');
    await refused(await postOfficial(s, laughs, { encrypt: { key: s.oa.encodingAesKey!, receiverId: OA_APP_ID } }), 400, 'KEFU_WECHAT_XML_FORBIDDEN');
  });

  it('oversized body', async () => {
    s = await setup({ adapter: { maxBodyBytes: 4096 } });
    await refused(await postOfficial(s, textXml('u1', 'x'.repeat(10_000), '1')), 413, 'KEFU_WECHAT_BODY_TOO_LARGE');
  });

  it('plaintext message to a safe-mode account', async () => {
    s = await setup({ oa: { mode: 'safe' } });
    await refused(await postOfficial(s, textXml('u1', 'hi', '1')), 401, 'KEFU_WECHAT_SIGNATURE_INVALID');
  });

  it('unknown account path', async () => {
    s = await setup();
    const res = await fetch(`${s.webhooks}/nobody?signature=x&timestamp=1&nonce=1`, { method: 'POST', body: '<xml/>' });
    await refused(res, 404, 'KEFU_WECHAT_UNKNOWN_ACCOUNT');
  });

  it('a message addressed to another original id when originalId is set', async () => {
    s = await setup({ oa: { originalId: 'gh_mine' } });
    await refused(await postOfficial(s, textXml('u1', 'hi', '1')), 401, 'KEFU_WECHAT_RECEIVER_MISMATCH');
  });
});
