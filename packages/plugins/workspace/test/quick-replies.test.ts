import { describe, expect, it } from 'vitest';
import { expandVariables, groupTags, isValidTag, queueKey, searchQuickReplies, tagKind, unknownVariables } from '../src/index.js';

describe('variables', () => {
  it.each([
    ['Hi {customer.name}', { contact: { name: 'Li', tier: 'vip' } }, 'Hi Li', []],
    ['{agent.name} here', { agent: { name: 'Ann' } }, 'Ann here', []],
    ['Order {order.id}', { conversation: { entry: { orderId: 'O9' }, attributes: {} } }, 'Order O9', []],
    ['Order {order.id}', { conversation: { attributes: { lastOrderEvent: { orderId: 'O7' } } } }, 'Order O7', []],
    ['Order {order.id}', {}, 'Order {order.id}', ['order.id']],
    ['{Customer.Name}!', { contact: { name: 'Li', tier: 'normal' } }, 'Li!', []],
    ['{shop.url} stays', {}, '{shop.url} stays', []],
  ] as const)('%s', (text, ctx, out, missing) => {
    expect(expandVariables(text, ctx as never)).toEqual({ text: out, missing });
  });
  it('finds unknown variables', () => {
    expect(unknownVariables('{customer.name} {custmer.name} {order.id}')).toEqual(['custmer.name']);
  });
});

describe('search', () => {
  const items = [
    { shortcut: 'ship', title: 'Shipping', text: '已发货', usage: 1 },
    { shortcut: 'refund', title: '退款', text: 'ship back first', usage: 9 },
    { shortcut: 'shop', title: 'Shop hours', text: '9-21', usage: 5 },
  ];
  it('ranks shortcut prefixes, then titles, then texts; usage breaks ties', () => {
    expect(searchQuickReplies(items, 'sh').map((r) => r.shortcut)).toEqual(['shop', 'ship', 'refund']);
    expect(searchQuickReplies(items, '退').map((r) => r.shortcut)).toEqual(['refund']);
    expect(searchQuickReplies(items, '').map((r) => r.shortcut)).toEqual(['refund', 'shop', 'ship']);
    expect(searchQuickReplies(items, 'zzz')).toEqual([]);
  });
});

describe('tags and queues', () => {
  it('tells tag kinds apart and validates them', () => {
    expect(['user:学生', 'biz:vip-care', 'merchant:黑五', 'brand:apple'].map(tagKind)).toEqual(['user', 'biz', 'merchant', 'other']);
    expect(groupTags(['brand:a', 'user:b'])).toEqual({ user: ['user:b'], biz: [], merchant: [], other: ['brand:a'] });
    expect(['user:ok', 'user:', 'user: x', 'x:y', `biz:${'a'.repeat(41)}`].map(isValidTag)).toEqual([true, false, false, false, false]);
  });
  it('names queues by target', () => {
    expect(queueKey({})).toBe('any');
    expect(queueKey({ teamId: 'pre', skills: ['vip', 'coupon'] })).toBe('team:pre skills:coupon+vip');
    expect(queueKey({ agentId: 'ann', teamId: 'x' })).toBe('agent:ann');
  });
});
