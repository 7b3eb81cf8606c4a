/**
 * Calendar dates (`YYYY-MM-DD`, proleptic Gregorian, years 0001–9999) without a time or a zone.
 * Arithmetic goes through `Date.UTC`, which is exact for civil dates; nothing here depends on a
 * time zone, so target dates and window anchors stay plain strings until a zone turns them into instants.
 */

export interface CivilDate {
  year: number;
  month: number; // 1–12
  day: number; // 1–31
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** Parses a real calendar date (`2026-02-30` is not one); null when it is not. */
export function parseCalendarDate(date: string): CivilDate | null {
  const match = DATE.exec(date);
  if (!match) return null;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return { year, month, day };
}

export function isCalendarDate(date: string): boolean {
  return parseCalendarDate(date) !== null;
}

export function formatCalendarDate({ year, month, day }: CivilDate): string {
  return `${String(year).padStart(4, '0')}-${pad2(month)}-${pad2(day)}`;
}

export function daysInMonth(year: number, month: number): number {
  return new Date(utcMs(year, month + 1, 0)).getUTCDate();
}

/** The date `days` days after (or before, when negative) `date`. */
export function addDays(date: CivilDate, days: number): CivilDate {
  return fromUtcMs(utcMs(date.year, date.month, date.day) + days * DAY_MS);
}

/** The first day of the month `months` months after the month of `date`. */
export function addMonthsToFirst(date: CivilDate, months: number): CivilDate {
  const index = date.year * 12 + (date.month - 1) + months;
  return { year: Math.floor(index / 12), month: (index % 12) + 1, day: 1 };
}

/** ISO weekday: 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: CivilDate): number {
  const weekday = new Date(utcMs(date.year, date.month, date.day)).getUTCDay();
  return weekday === 0 ? 7 : weekday;
}

/** Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear does not. */
export function utcMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, ms);
  return d.getTime();
}

function fromUtcMs(ms: number): CivilDate {
  const d = new Date(ms);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

export function pad2(n: number): string {
  return String(n).padStart(2, '0');
}
