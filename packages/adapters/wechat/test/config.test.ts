import { describe, expect, it } from 'vitest';
import { WechatCipher, planCard, splitUtf8, wechatAccountsFromEnv } from '../src/index.js';
import { aesKey } from './harness.js';

describe('wechatAccountsFromEnv', () => {
  it('reads one Official Account and one WeCom kf app', () => {
    const key = aesKey();
    const accounts = wechatAccountsFromEnv({
      KEFU_WECHAT_APP_ID: 'wx1', KEFU_WECHAT_APP_SECRET: 's', KEFU_WECHAT_TOKEN: 't', KEFU_WECHAT_ENCODING_AES_KEY: key, KEFU_WECHAT_API_BASE_URL: 'http://127.0.0.1:9', KEFU_WECHAT_TEMPLATE_ID: 'TPL',
      KEFU_WECOM_CORP_ID: 'ww1', KEFU_WECOM_SECRET: 's2', KEFU_WECOM_TOKEN: 't2', KEFU_WECOM_ENCODING_AES_KEY: key, KEFU_WECOM_WELCOME_TEXT: '你好',
    });
    expect(accounts).toEqual([
      { kind: 'official', id: 'oa', appId: 'wx1', appSecret: 's', token: 't', encodingAesKey: key, apiBaseUrl: 'http://127.0.0.1:9', templateFallback: { templateId: 'TPL' } },
      { kind: 'wecom', id: 'kf', corpId: 'ww1', secret: 's2', token: 't2', encodingAesKey: key, welcomeText: '你好' },
    ]);
  });

  it('reads more accounts by id and names every missing variable', () => {
    expect(wechatAccountsFromEnv({})).toEqual([]);
    expect(wechatAccountsFromEnv({ KEFU_WECHAT_ACCOUNTS: 'shop-2', KEFU_WECHAT_SHOP_2_APP_ID: 'wx2', KEFU_WECHAT_SHOP_2_APP_SECRET: 's', KEFU_WECHAT_SHOP_2_TOKEN: 't' })[0]).toMatchObject({ id: 'shop-2', appId: 'wx2' });
    expect(() => wechatAccountsFromEnv({ KEFU_WECHAT_APP_ID: 'wx1' })).toThrow(/KEFU_WECHAT_APP_SECRET, KEFU_WECHAT_TOKEN/);
    expect(() => wechatAccountsFromEnv({ KEFU_WECOM_CORP_ID: 'ww', KEFU_WECOM_SECRET: 's', KEFU_WECOM_TOKEN: 't', KEFU_WECOM_ENCODING_AES_KEY: 'short' })).toThrow(/43 characters/);
  });
});

describe('helpers', () => {
  it('encrypts and decrypts, refusing another receiver', () => {
    const key = aesKey();
    const enc = new WechatCipher(key, 'wxA').encrypt('<xml>你好</xml>');
    expect(new WechatCipher(key, 'wxA').decrypt(enc)).toBe('<xml>你好</xml>');
    expect(() => new WechatCipher(key, 'wxB').decrypt(enc)).toThrow(expect.objectContaining({ code: 'KEFU_WECHAT_RECEIVER_MISMATCH' }));
  });

  it('splits long text on UTF-8 byte limits without breaking characters', () => {
    const parts = splitUtf8('订'.repeat(1000), 2000);
    expect(parts.map((p) => Buffer.byteLength(p))).toEqual([1998, 1002]);
    expect(parts.join('')).toBe('订'.repeat(1000));
  });

  it('plans a card with items as text (one article per news message)', () => {
    expect(planCard({ kind: 'list', title: 'Top', items: [{ kind: 'p', title: 'A', url: 'https://a' }] })).toMatchObject({ type: 'text' });
    expect(planCard({ kind: 'plain', title: 'Only text' })).toEqual({ type: 'text', text: 'Only text' });
  });
});
