import { describe, expect, it } from 'vitest';
import { formatWait, pickLocale, translator } from '../app/i18n.js';

describe('i18n', () => {
  it.each([
    ['zh-CN', 'zh'],
    ['zh-TW', 'zh'],
    ['zh', 'zh'],
    ['ZH-hk', 'zh'],
    ['en-US', 'en'],
    ['fr', 'en'],
    ['zu', 'en'],
    ['', 'en'],
    [undefined, 'en'],
  ] as const)('browser language %s gets %s', (language, locale) => {
    expect(pickLocale(language)).toBe(locale);
  });

  it('translates and fills placeholders in both languages', () => {
    expect(translator('en')('list.unread', { n: 3 })).toBe('3 unread');
    expect(translator('zh')('list.unread', { n: 3 })).toBe('3 条未读');
    expect(translator('zh')('action.accept')).toBe('接入');
    expect(translator('en')('typing.customer', { name: 'Li' })).toBe('Li is typing…');
  });

  it('formats waits the way agents read them', () => {
    expect(formatWait(0)).toBe('0s');
    expect(formatWait(45_400)).toBe('45s');
    expect(formatWait(185_000)).toBe('3:05');
    expect(formatWait(3_900_000)).toBe('1h 05m');
    expect(formatWait(-5)).toBe('0s');
  });
});
