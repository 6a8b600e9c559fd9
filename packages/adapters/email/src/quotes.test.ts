import { describe, expect, it } from 'vitest';
import { detectAutomatic, isNoReplyAddress } from './automatic.js';
import { visibleReplyText } from './quotes.js';

describe('visibleReplyText', () => {
  it('strips English "On … wrote:" quotes and signatures', () => {
    expect(visibleReplyText('Yes please.\n\nOn Mon, Nov 10, 2026 at 9:00 AM Shop <s@shop.test> wrote:\n> Do you want a refund?\n')).toBe('Yes please.');
    expect(visibleReplyText('Ok\n\nSent from my iPhone')).toBe('Ok');
  });

  it('strips Chinese quote headers, wrapped or not', () => {
    expect(visibleReplyText('好的，谢谢！\n\n在 2026年11月10日 周一 09:00，商城客服 <s@shop.test> 写道：\n> 请问需要退款吗？')).toBe('好的，谢谢！');
    expect(visibleReplyText('收到\n在 2026年11月10日 09:00，商城客服 <s@shop.test>\n写道：\n> 原文')).toBe('收到');
    expect(visibleReplyText('已付款\n\n发自我的iPhone\n\n------------------ 原始邮件 ------------------\n发件人: "商城客服"<s@shop.test>;\n发送时间: 2026年11月10日\n主题: 订单')).toBe('已付款');
  });

  it('strips Outlook header blocks (English and Chinese)', () => {
    expect(visibleReplyText('Thanks\n\n-----Original Message-----\nFrom: Shop\nSent: Monday\nTo: me\n\nold text')).toBe('Thanks');
    expect(visibleReplyText('谢谢\n\n-----原始邮件-----\n发件人: 商城客服\n发送时间: 2026年11月10日\n收件人: 我\n\n旧内容')).toBe('谢谢');
    expect(visibleReplyText('See below\n________________________________\nFrom: Shop Support <s@shop.test>\nSent: Monday\n\nold')).toBe('See below');
    expect(visibleReplyText('Noted\n\nFrom: Shop Support <s@shop.test>\nDate: Monday\nSubject: x\n\nold')).toBe('Noted');
  });

  it('never answers an empty text when everything looks quoted', () => {
    expect(visibleReplyText('> only a quote')).toBe('> only a quote');
  });
});

describe('detectAutomatic', () => {
  const base = { headers: [], contentType: 'text/plain', envelopeFrom: 'a@b.test', from: 'a@b.test', subject: 'Hello' };
  it('knows each kind of automatic mail', () => {
    expect(detectAutomatic(base)).toBeUndefined();
    expect(detectAutomatic({ ...base, headers: [{ key: 'auto-submitted', value: 'no' }] })).toBeUndefined();
    expect(detectAutomatic({ ...base, headers: [{ key: 'auto-submitted', value: 'auto-replied' }] })).toBe('auto-reply');
    expect(detectAutomatic({ ...base, headers: [{ key: 'auto-submitted', value: 'auto-generated' }] })).toBe('bulk');
    expect(detectAutomatic({ ...base, contentType: 'multipart/report; report-type=delivery-status; boundary=x' })).toBe('bounce');
    expect(detectAutomatic({ ...base, contentType: 'multipart/report; report-type="disposition-notification"' })).toBe('receipt');
    expect(detectAutomatic({ ...base, headers: [{ key: 'precedence', value: 'junk' }] })).toBe('bulk');
    expect(detectAutomatic({ ...base, headers: [{ key: 'precedence', value: 'auto_reply' }] })).toBe('auto-reply');
    expect(detectAutomatic({ ...base, headers: [{ key: 'x-autorespond', value: 'yes' }] })).toBe('auto-reply');
    expect(detectAutomatic({ ...base, headers: [{ key: 'list-id', value: '<x.y>' }] })).toBe('list');
    expect(detectAutomatic({ ...base, envelopeFrom: '' })).toBe('auto-reply');
    expect(detectAutomatic({ ...base, from: 'noreply@shop.test' })).toBe('no-reply');
    expect(detectAutomatic({ ...base, from: 'MAILER-DAEMON@mx.test', envelopeFrom: '' })).toBe('bounce');
    expect(detectAutomatic({ ...base, subject: '自动回复: 订单问题' })).toBe('auto-reply');
    expect(detectAutomatic({ ...base, subject: 'Out of Office: order' })).toBe('auto-reply');
  });

  it('tells no-reply addresses from people', () => {
    expect(isNoReplyAddress('no-reply@x.test')).toBe(true);
    expect(isNoReplyAddress('donotreply@x.test')).toBe(true);
    expect(isNoReplyAddress('postmaster@x.test')).toBe(true);
    expect(isNoReplyAddress('noreen@x.test')).toBe(false);
  });
});
