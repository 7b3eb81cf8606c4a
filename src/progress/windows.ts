/**
 * Target windows: calendar periods in a goal's time zone, `[startMs, endMs)`.
 * Decisions:
 * - Every window runs from the first instant of its first local day to the first instant of the next
 *   window's first day (see `startOfLocalDay`), so windows tile time with no gap or overlap and a DST
 *   day lasts 23 or 25 hours. Weeks start on Monday; quarters on January, April, July and October 1.
 * - `windowContaining` picks the window by the instant's local date, then steps if that window does not
 *   hold the instant (a safeguard: local dates need not be monotonic), so the result always holds it.
 * - `previousWindows` steps by "the window holding the instant just before this one", so a local day a
 *   zone skipped entirely (Pacific/Apia, 2011-12-30) never appears as an empty window.
 * - `totalWindow` runs from the start of `startDate` to the start of the day after `deadline`.
 */
import {
  addDays,
  addMonthsToFirst,
  formatCalendarDate,
  isoWeekday,
  parseCalendarDate,
  type CivilDate,
} from './calendar.js';
import { formatInZone, localDate, startOfLocalDay } from './time-zone.js';

export type Period = 'day' | 'week' | 'month' | 'quarter' | 'year' | 'total';
export type RecurringPeriod = Exclude<Period, 'total'>;

/** `end` is exclusive; `start` and `end` are written with `formatInZone`. */
export interface Window {
  startMs: number;
  endMs: number;
  start: string;
  end: string;
}

/** The first local date of the period that contains `date`. */
function periodStart(period: RecurringPeriod, date: CivilDate): CivilDate {
  switch (period) {
    case 'day':
      return date;
    case 'week':
      return addDays(date, 1 - isoWeekday(date));
    case 'month':
      return { year: date.year, month: date.month, day: 1 };
    case 'quarter':
      return { year: date.year, month: date.month - ((date.month - 1) % 3), day: 1 };
    case 'year':
      return { year: date.year, month: 1, day: 1 };
  }
}

/** The first local date of the period after the one starting on `first` (`steps` periods on). */
function shiftPeriod(period: RecurringPeriod, first: CivilDate, steps: number): CivilDate {
  switch (period) {
    case 'day':
      return addDays(first, steps);
    case 'week':
      return addDays(first, 7 * steps);
    case 'month':
      return addMonthsToFirst(first, steps);
    case 'quarter':
      return addMonthsToFirst(first, 3 * steps);
    case 'year':
      return addMonthsToFirst(first, 12 * steps);
  }
}

interface DayStart {
  ms: number;
  text: string;
}

// Every goal in a list shares this week's edges: remembering them saves most Intl calls. Bounded, and
// exact either way.
const dayStarts = new Map<string, DayStart>();
const DAY_STARTS_KEPT = 4096;

function dayStart(date: CivilDate, timeZone: string): DayStart {
  const key = `${timeZone} ${formatCalendarDate(date)}`;
  let found = dayStarts.get(key);
  if (!found) {
    const ms = startOfLocalDay(formatCalendarDate(date), timeZone);
    found = { ms, text: formatInZone(ms, timeZone) };
    if (dayStarts.size >= DAY_STARTS_KEPT) dayStarts.clear();
    dayStarts.set(key, found);
  }
  return found;
}

function windowBetween(start: DayStart, end: DayStart): Window {
  return { startMs: start.ms, endMs: end.ms, start: start.text, end: end.text };
}

function windowFrom(period: RecurringPeriod, first: CivilDate, timeZone: string): Window {
  return windowBetween(dayStart(first, timeZone), dayStart(shiftPeriod(period, first, 1), timeZone));
}

/** The calendar period of `period` that contains the instant `ms` in the zone. */
export function windowContaining(period: RecurringPeriod, ms: number, timeZone: string): Window {
  const date = parseCalendarDate(localDate(ms, timeZone));
  if (!date) throw new RangeError(`Instant out of range: ${ms}`);
  let first = periodStart(period, date);
  let window = windowFrom(period, first, timeZone);
  // Local dates are not monotonic across some fall-backs; a step or two restores the invariant.
  for (let guard = 0; guard < 4 && (ms < window.startMs || ms >= window.endMs); guard++) {
    first = shiftPeriod(period, first, ms < window.startMs ? -1 : 1);
    window = windowFrom(period, first, timeZone);
  }
  return window;
}

/** The `count` windows before `current`, newest first; each ends where the next one starts. */
export function previousWindows(period: RecurringPeriod, current: Window, count: number, timeZone: string): Window[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`Not a window count: ${count}`);
  const windows: Window[] = [];
  let next = current;
  for (let i = 0; i < count; i++) {
    next = windowContaining(period, next.startMs - 1, timeZone);
    windows.push(next);
  }
  return windows;
}

/** The window of a `total` target: `startDate` through `deadline`, both local dates, deadline included. */
export function totalWindow(startDate: string, deadline: string, timeZone: string): Window {
  const first = parseCalendarDate(startDate);
  const last = parseCalendarDate(deadline);
  if (!first || !last) throw new RangeError(`Not calendar dates: ${startDate}, ${deadline}`);
  // Valid YYYY-MM-DD dates compare as strings.
  if (deadline < startDate) throw new RangeError(`Deadline ${deadline} is before start date ${startDate}`);
  return windowBetween(dayStart(first, timeZone), dayStart(addDays(last, 1), timeZone));
}

/** What a target says about its windows (the stored target row has these keys). */
export interface TargetPeriod {
  period: Period;
  start_date: string | null;
  deadline: string | null;
}

/** The window of a target as of an instant: the calendar period containing it, or the `total` window. */
export function targetWindow(target: TargetPeriod, asOfMs: number, timeZone: string): Window {
  if (target.period !== 'total') return windowContaining(target.period, asOfMs, timeZone);
  if (target.start_date === null || target.deadline === null) {
    throw new RangeError('A total target needs its start_date and deadline');
  }
  return totalWindow(target.start_date, target.deadline, timeZone);
}

/** The `count` windows before `current`, newest first; none for a `total` target, which has one window. */
export function targetHistory(target: TargetPeriod, current: Window, count: number, timeZone: string): Window[] {
  return target.period === 'total' ? [] : previousWindows(target.period, current, count, timeZone);
}
