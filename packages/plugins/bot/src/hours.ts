import { KefuError } from '@kefu/core';
import { BotErrorCodes } from './errors.js';

/** A weekday key. */
export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/** When humans are available, in a time zone. */
export interface BusinessHours {
  /** IANA time zone, e.g. `Asia/Shanghai`. */
  timeZone: string;
  /** Opening spans per weekday as `['09:00', '24:00']`; a missing day is closed. */
  weekly: Partial<Record<Weekday, Array<[string, string]>>>;
  /** Whole days closed (`YYYY-MM-DD` in the time zone), e.g. public holidays. */
  closedDates?: string[];
}

const DAYS: Record<string, Weekday> = { Mon: 'mon', Tue: 'tue', Wed: 'wed', Thu: 'thu', Fri: 'fri', Sat: 'sat', Sun: 'sun' };
const formatters = new Map<string, Intl.DateTimeFormat>();

function minutes(hhmm: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm);
  if (!m) throw new KefuError(BotErrorCodes.INVALID_OPTIONS, `Business hours must be HH:MM, got "${hhmm}"`);
  const value = Number(m[1]) * 60 + Number(m[2]);
  if (value > 24 * 60 || Number(m[2]) > 59) throw new KefuError(BotErrorCodes.INVALID_OPTIONS, `Business hours out of range: "${hhmm}"`);
  return value;
}

/** Throws `KEFU_BOT_INVALID_OPTIONS` when the schedule or time zone is malformed. */
export function validateBusinessHours(hours: BusinessHours): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: hours.timeZone });
  } catch (error) {
    throw new KefuError(BotErrorCodes.INVALID_OPTIONS, `Unknown time zone "${hours.timeZone}"`, { cause: error });
  }
  for (const [day, spans] of Object.entries(hours.weekly)) {
    if (!Object.values(DAYS).includes(day as Weekday)) throw new KefuError(BotErrorCodes.INVALID_OPTIONS, `Unknown weekday "${day}"`);
    for (const [from, to] of spans ?? []) if (minutes(from) >= minutes(to)) throw new KefuError(BotErrorCodes.INVALID_OPTIONS, `Empty span ${from}–${to} on ${day}`);
  }
}

/** The weekday, date and minute of the day of a time in a time zone. */
export function localTime(at: number, timeZone: string): { day: Weekday; date: string; minute: number } {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(at)).map((p) => [p.type, p.value]));
  return { day: DAYS[parts.weekday!]!, date: `${parts.year}-${parts.month}-${parts.day}`, minute: Number(parts.hour) * 60 + Number(parts.minute) };
}

/** True when `at` falls inside the opening hours. */
export function isOpen(hours: BusinessHours, at: number): boolean {
  const t = localTime(at, hours.timeZone);
  if (hours.closedDates?.includes(t.date)) return false;
  return (hours.weekly[t.day] ?? []).some(([from, to]) => t.minute >= minutes(from) && t.minute < minutes(to));
}

/** A short human description of the schedule ("每天 09:00–24:00" / "daily 09:00–24:00"). */
export function describeHours(hours: BusinessHours, locale: 'zh' | 'en'): string {
  const order: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
  const spans = order.map((d) => (hours.weekly[d] ?? []).map(([a, b]) => `${a}–${b}`).join(', '));
  if (spans.every((s) => s && s === spans[0])) return locale === 'en' ? `daily ${spans[0]}` : `每天 ${spans[0]}`;
  const zh: Record<Weekday, string> = { mon: '周一', tue: '周二', wed: '周三', thu: '周四', fri: '周五', sat: '周六', sun: '周日' };
  return order
    .filter((_, i) => spans[i])
    .map((d) => `${locale === 'en' ? d[0]!.toUpperCase() + d.slice(1) : zh[d]} ${spans[order.indexOf(d)]}`)
    .join(locale === 'en' ? '; ' : '；');
}
