import { describe, expect, it } from 'vitest';
import { couponBlocked, filterQuickReplies, formatDuration, insertQuickReply, makeTag, mayEditTag, queueLabel, slashQuery, tagKindOf, tagLabel } from '../app/workspace.js';

describe('quick replies in the composer', () => {
  it.each([
    ['/', 1, ''],
    ['/shi', 4, 'shi'],
    ['hello /ref', 10, 'ref'],
    ['hello /ref more', 10, 'ref'],
  ] as const)('"%s" at %i searches "%s"', (text, caret, query) => {
    expect(slashQuery(text, caret)?.query).toBe(query);
  });
  it.each([['a/b'], ['hello'], ['/a b'], ['http://x']])('"%s" is not a search', (text) => {
    expect(slashQuery(text)).toBeUndefined();
  });
  it('replaces the /query word with the expanded text', () => {
    const text = 'Hi /sh thanks';
    const s = slashQuery(text, 6)!;
    expect(insertQuickReply(text, s.start, 6, '已发货')).toEqual({ text: 'Hi 已发货 thanks', caret: 6 });
  });
  it('ranks by shortcut prefix, then title, then text, then usage', () => {
    const items = [
      { id: '1', scope: 'team' as const, shortcut: 'ship', title: 'Shipping', text: '已发货', usage: 1 },
      { id: '2', scope: 'personal' as const, shortcut: 'refund', title: '退款', text: 'ship it back', usage: 9 },
      { id: '3', scope: 'team' as const, shortcut: 'shop', title: 'Hours', text: '9-21', usage: 5 },
    ];
    expect(filterQuickReplies(items, 'sh').map((r) => r.id)).toEqual(['3', '1', '2']);
    expect(filterQuickReplies(items, '').map((r) => r.id)).toEqual(['2', '3', '1']);
    expect(filterQuickReplies(items, '退').map((r) => r.id)).toEqual(['2']);
    expect(filterQuickReplies(items, 'nothing')).toEqual([]);
  });
});

describe('tags, coupons, supervision', () => {
  it('knows tag kinds and who may edit them', () => {
    expect(['user:学生', 'biz:投诉', 'merchant:黑五', 'brand:apple'].map(tagKindOf)).toEqual(['user', 'biz', 'merchant', 'other']);
    expect(tagLabel('user:学生')).toBe('学生');
    expect(tagLabel('brand:apple')).toBe('brand:apple');
    expect([makeTag('user', ' 学生 '), makeTag('biz', ''), makeTag('user', 'a,b'), makeTag('user', 'x'.repeat(41))]).toEqual(['user:学生', undefined, undefined, undefined]);
    expect([mayEditTag('agent', 'user'), mayEditTag('agent', 'merchant'), mayEditTag('supervisor', 'merchant'), mayEditTag('admin', 'other')]).toEqual([true, false, true, false]);
  });
  it('blocks coupons above the role', () => {
    expect(couponBlocked('agent', 'agent')).toBeUndefined();
    expect(couponBlocked('agent', undefined)).toBeUndefined();
    expect(couponBlocked('agent', 'supervisor')).toBe('role');
    expect(couponBlocked('supervisor', 'admin')).toBe('role');
    expect(couponBlocked('admin', 'admin')).toBeUndefined();
  });
  it('labels queues and durations', () => {
    expect(queueLabel('team:pre skills:coupon+vip')).toBe('pre · coupon + vip');
    expect(queueLabel('any')).toBe('*');
    expect(formatDuration(42, 'en')).toBe('42 s');
    expect(formatDuration(185, 'zh')).toBe('3 分钟');
    expect(formatDuration(3900, 'en')).toBe('1 h 5 min');
  });
});
