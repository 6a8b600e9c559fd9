import { describe, expect, it } from 'vitest';
import { type BusinessHours, describeHours, isOpen, localTime, validateBusinessHours } from '../src/index.js';

const hours: BusinessHours = {
  timeZone: 'Asia/Shanghai',
  weekly: { mon: [['09:00', '12:00'], ['13:00', '18:00']], tue: [['09:00', '18:00']], sat: [['10:00', '24:00']] },
  closedDates: ['2026-11-17'],
};

describe('business hours', () => {
  it('reads the local weekday and minute in the time zone', () => {
    // 2026-11-16 01:30 UTC is Monday 09:30 in Shanghai.
    expect(localTime(Date.UTC(2026, 10, 16, 1, 30), 'Asia/Shanghai')).toEqual({ day: 'mon', date: '2026-11-16', minute: 570 });
  });
  it('is open inside spans and closed in gaps, on closed dates and missing days', () => {
    expect(isOpen(hours, Date.UTC(2026, 10, 16, 1, 30))).toBe(true); // Mon 09:30
    expect(isOpen(hours, Date.UTC(2026, 10, 16, 4, 30))).toBe(false); // Mon 12:30 lunch
    expect(isOpen(hours, Date.UTC(2026, 10, 16, 10, 0))).toBe(false); // Mon 18:00 closes
    expect(isOpen(hours, Date.UTC(2026, 10, 17, 2, 0))).toBe(false); // Tue, a closed date
    expect(isOpen(hours, Date.UTC(2026, 10, 21, 15, 59))).toBe(true); // Sat 23:59
    expect(isOpen(hours, Date.UTC(2026, 10, 22, 2, 0))).toBe(false); // Sun
  });
  it('describes the schedule', () => {
    expect(describeHours({ timeZone: 'UTC', weekly: Object.fromEntries((['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const).map((d) => [d, [['09:00', '24:00']]])) }, 'en')).toBe('daily 09:00–24:00');
    expect(describeHours(hours, 'zh')).toBe('周一 09:00–12:00, 13:00–18:00；周二 09:00–18:00；周六 10:00–24:00');
  });
  it('rejects malformed schedules', () => {
    expect(() => validateBusinessHours({ timeZone: 'Nowhere/City', weekly: {} })).toThrowError(expect.objectContaining({ code: 'KEFU_BOT_INVALID_OPTIONS' }));
    expect(() => validateBusinessHours({ timeZone: 'UTC', weekly: { mon: [['9', '10:00']] } })).toThrowError(expect.objectContaining({ code: 'KEFU_BOT_INVALID_OPTIONS' }));
    expect(() => validateBusinessHours({ timeZone: 'UTC', weekly: { funday: [['09:00', '10:00']] } as never })).toThrowError(expect.objectContaining({ code: 'KEFU_BOT_INVALID_OPTIONS' }));
  });
});
