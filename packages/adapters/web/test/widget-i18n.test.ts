import { describe, expect, it } from 'vitest';
import { stringsFor } from '../src/widget/i18n.js';

describe('widget strings', () => {
  it('follows the browser language', () => {
    expect(stringsFor('zh-CN').queue(1)).toBe('您是下一位，客服马上接待您');
    expect(stringsFor('en-US').queue(1)).toBe('You are next in line');
  });

  it('shows the queue position with the estimated wait when the server has one', () => {
    expect(stringsFor('zh-CN').queue(3, 240)).toBe('正在排队，您前面还有 2 位，预计等待约 4 分钟');
    expect(stringsFor('en').queue(3, 240)).toBe('You are number 3 in line — about 4 min');
    expect(stringsFor('en').queue(2, 20)).toBe('You are number 2 in line — under a minute');
    expect(stringsFor('en').queue(2)).toBe('You are number 2 in line');
  });
});
