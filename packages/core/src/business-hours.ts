/** Opening hours in a time zone, e.g. humans 7×17: every day 07:00–24:00 Asia/Shanghai. */
export interface BusinessHours {
  /** IANA time zone, e.g. `Asia/Shanghai`. */
  timeZone: string;
  /** Opening windows; `days` are ISO weekdays (1 = Monday … 7 = Sunday); `close` may be `24:00`. */
  hours: Array<{ days: number[]; open: string; close: string }>;
  /** Dates (`YYYY-MM-DD` in the time zone) when closed all day. */
  closedOn?: string[];
}

const WEEKDAY: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
const minutes = (hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};

/** The weekday, date and minute of the day of `time` in a time zone. */
export function localTime(time: number, timeZone: string): { weekday: number; date: string; minute: number } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date(time))
      .map((p) => [p.type, p.value]),
  );
  return { weekday: WEEKDAY[parts.weekday!] ?? 1, date: `${parts.year}-${parts.month}-${parts.day}`, minute: Number(parts.hour) * 60 + Number(parts.minute) };
}

/** True when `time` falls inside the opening hours. */
export function isOpen(hours: BusinessHours, time: number): boolean {
  const { weekday, date, minute } = localTime(time, hours.timeZone);
  if (hours.closedOn?.includes(date)) return false;
  return hours.hours.some((w) => w.days.includes(weekday) && minute >= minutes(w.open) && minute < minutes(w.close));
}
