/**
 * Report periods in the configured time zone: a calendar month, an ISO week or a day, each with the
 * period it is compared against. Boundaries are local midnights converted to UTC instants, so a
 * month in Europe/Berlin starts at 22:00 or 23:00 UTC depending on daylight saving time.
 */
export type ReportType = 'monthly' | 'weekly' | 'daily';
export const REPORT_TYPES: readonly ReportType[] = ['monthly', 'weekly', 'daily'];

export interface Span {
  start: Date;
  end: Date;
}

export interface Period extends Span {
  type: ReportType;
  /** Stable id used in file names and the state file: 2026-10, 2026-W41, 2026-10-05. */
  key: string;
  /** Human label: "October 2026", "Week 41, 2026 (5–11 Oct)", "Monday 5 October 2026". */
  label: string;
  timeZone: string;
  /** Last month / last week / the same weekday one week earlier. */
  previous: Span;
  /** Local calendar days in the period (23- and 25-hour days count as one). */
  days: number;
}

interface LocalDate {
  y: number;
  m: number; // 1..12
  d: number;
}

const partsCache = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = partsCache.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partsCache.set(timeZone, f);
  }
  return f;
}

/** Wall-clock fields of an instant in a time zone. */
export function localParts(at: Date, timeZone: string): LocalDate & { h: number; min: number } {
  const p = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(at)
      .map((x) => [x.type, x.value]),
  );
  return { y: +p.year!, m: +p.month!, d: +p.day!, h: +p.hour!, min: +p.minute! };
}

function offsetMs(at: Date, timeZone: string): number {
  const p = localParts(at, timeZone);
  const asUtc = Date.UTC(p.y, p.m - 1, p.d, p.h, p.min, at.getUTCSeconds());
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

/** The instant of local midnight starting a calendar day in the time zone. */
export function localMidnight(date: LocalDate, timeZone: string): Date {
  const guess = Date.UTC(date.y, date.m - 1, date.d);
  let t = guess - offsetMs(new Date(guess), timeZone);
  // A second pass settles days where the offset changes between the guess and the answer.
  t = guess - offsetMs(new Date(t), timeZone);
  return new Date(t);
}

function addDays(date: LocalDate, n: number): LocalDate {
  const t = new Date(Date.UTC(date.y, date.m - 1, date.d + n));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

function addMonths(date: LocalDate, n: number): LocalDate {
  const t = new Date(Date.UTC(date.y, date.m - 1 + n, 1));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: 1 };
}

function daysBetween(a: LocalDate, b: LocalDate): number {
  return Math.round((Date.UTC(b.y, b.m - 1, b.d) - Date.UTC(a.y, a.m - 1, a.d)) / 86_400_000);
}

const pad = (n: number) => String(n).padStart(2, '0');
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** ISO week (Monday start) containing a local date. */
function isoWeekOf(date: LocalDate): { year: number; week: number; monday: LocalDate } {
  const t = new Date(Date.UTC(date.y, date.m - 1, date.d));
  const dow = (t.getUTCDay() + 6) % 7; // Monday 0
  const monday = addDays(date, -dow);
  const thursday = addDays(monday, 3);
  const jan1 = Date.UTC(thursday.y, 0, 1);
  const week = Math.floor((Date.UTC(thursday.y, thursday.m - 1, thursday.d) - jan1) / (7 * 86_400_000)) + 1;
  return { year: thursday.y, week, monday };
}

function span(from: LocalDate, to: LocalDate, timeZone: string): Span {
  return { start: localMidnight(from, timeZone), end: localMidnight(to, timeZone) };
}

export function monthlyPeriod(key: string, timeZone: string): Period {
  const m = /^(\d{4})-(\d{2})$/.exec(key);
  if (!m || +m[2]! < 1 || +m[2]! > 12) throw new Error(`monthly period must look like 2026-10, got "${key}"`);
  const first: LocalDate = { y: +m[1]!, m: +m[2]!, d: 1 };
  const next = addMonths(first, 1);
  const prev = addMonths(first, -1);
  return {
    type: 'monthly',
    key,
    label: `${MONTHS[first.m - 1]} ${first.y}`,
    timeZone,
    ...span(first, next, timeZone),
    previous: span(prev, first, timeZone),
    days: daysBetween(first, next),
  };
}

export function dailyPeriod(key: string, timeZone: string): Period {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(key);
  if (!m) throw new Error(`daily period must look like 2026-10-05, got "${key}"`);
  const day: LocalDate = { y: +m[1]!, m: +m[2]!, d: +m[3]! };
  const check = new Date(Date.UTC(day.y, day.m - 1, day.d));
  if (check.getUTCMonth() + 1 !== day.m) throw new Error(`no such date: "${key}"`);
  const weekday = WEEKDAYS[check.getUTCDay()];
  return {
    type: 'daily',
    key,
    label: `${weekday} ${day.d} ${MONTHS[day.m - 1]} ${day.y}`,
    timeZone,
    ...span(day, addDays(day, 1), timeZone),
    previous: span(addDays(day, -7), addDays(day, -6), timeZone),
    days: 1,
  };
}

export function weeklyPeriod(key: string, timeZone: string): Period {
  const m = /^(\d{4})-W(\d{2})$/.exec(key);
  if (!m) throw new Error(`weekly period must look like 2026-W41, got "${key}"`);
  const year = +m[1]!;
  const week = +m[2]!;
  // ISO week 1 holds 4 January.
  const w1 = isoWeekOf({ y: year, m: 1, d: 4 }).monday;
  const monday = addDays(w1, (week - 1) * 7);
  if (week < 1 || isoWeekOf(monday).year !== year) throw new Error(`no such ISO week: "${key}"`);
  const sunday = addDays(monday, 6);
  return {
    type: 'weekly',
    key,
    label: `Week ${week}, ${year} (${monday.d} ${MONTHS[monday.m - 1]!.slice(0, 3)} – ${sunday.d} ${MONTHS[sunday.m - 1]!.slice(0, 3)})`,
    timeZone,
    ...span(monday, addDays(monday, 7), timeZone),
    previous: span(addDays(monday, -7), monday, timeZone),
    days: 7,
  };
}

export function periodFor(type: ReportType, key: string, timeZone: string): Period {
  return type === 'monthly' ? monthlyPeriod(key, timeZone) : type === 'weekly' ? weeklyPeriod(key, timeZone) : dailyPeriod(key, timeZone);
}

/** The last complete period of a kind at an instant: last month, last ISO week, yesterday. */
export function lastCompletePeriod(type: ReportType, at: Date, timeZone: string): Period {
  const today = localParts(at, timeZone);
  if (type === 'monthly') {
    const prev = addMonths(today, -1);
    return monthlyPeriod(`${prev.y}-${pad(prev.m)}`, timeZone);
  }
  if (type === 'daily') {
    const y = addDays(today, -1);
    return dailyPeriod(`${y.y}-${pad(y.m)}-${pad(y.d)}`, timeZone);
  }
  const w = isoWeekOf(addDays(isoWeekOf(today).monday, -7));
  return weeklyPeriod(`${w.year}-W${pad(w.week)}`, timeZone);
}

/** Local calendar days of a span, as their start instants (for per-day coverage). */
export function localDayStarts(s: Span, timeZone: string): Date[] {
  const out: Date[] = [];
  let day: LocalDate = localParts(s.start, timeZone);
  for (let t = localMidnight(day, timeZone); t < s.end; day = addDays(day, 1), t = localMidnight(day, timeZone)) out.push(t);
  return out;
}

/** "2026-10-05 07:00 (Europe/Berlin)" */
export function formatLocal(at: Date, timeZone: string): string {
  const p = localParts(at, timeZone);
  return `${p.y}-${pad(p.m)}-${pad(p.d)} ${pad(p.h)}:${pad(p.min)} (${timeZone})`;
}
