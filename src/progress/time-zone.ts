/**
 * Instants in an IANA time zone, from `Intl.DateTimeFormat` alone (Node 20 and workerd; no dependency).
 * Decisions:
 * - A zone is any name Intl accepts except offset strings (`+01:00`) and `Factory`, in any case, as
 *   Intl does (`europe/paris`): callers store the name as sent.
 * - `formatInZone` writes `Z` only for the fixed UTC/GMT zones (`UTC`, `Etc/UTC`, `GMT`…); a zone that is
 *   merely at offset 0 (Europe/London in winter) writes `+00:00`. Offsets are whole minutes there
 *   (pre-1900 local mean time is rounded), and the text always names the exact instant.
 * - `startOfLocalDay` is the first instant whose local date is that day: local midnight, the earlier one
 *   when midnight happens twice, or the end of the gap when a DST change skips it.
 * Unknown zones and invalid dates throw RangeError; validate input with `isTimeZone` first.
 */
import { formatCalendarDate, pad2, parseCalendarDate, utcMs } from './calendar.js';

const DAY_MS = 86_400_000;
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+\-/]*$/;

/** Zones whose offset is 0 at every instant, written with `Z` (compared case-insensitively, as Intl does). */
const UTC_ZONES = new Set(
  ['UTC', 'Etc/UTC', 'UCT', 'Etc/UCT', 'Universal', 'Etc/Universal', 'Zulu', 'Etc/Zulu', 'GMT', 'Etc/GMT', 'GMT0',
    'Etc/GMT0', 'GMT+0', 'Etc/GMT+0', 'GMT-0', 'Etc/GMT-0', 'Greenwich', 'Etc/Greenwich'].map((z) => z.toLowerCase()),
);

// Building a DateTimeFormat costs far more than using one. Bounded: Intl accepts any casing of a name.
const formatters = new Map<string, Intl.DateTimeFormat>();
const FORMATTERS_KEPT = 1024;

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    if (formatters.size >= FORMATTERS_KEPT) formatters.clear();
    formatters.set(timeZone, f);
  }
  return f;
}

export function isTimeZone(name: string): boolean {
  // `Factory` (tzdata's "no zone set yet") is accepted by workerd's ICU but not Node's: refuse it on both.
  if (!ZONE_NAME.test(name) || name.toLowerCase() === 'factory') return false;
  try {
    formatter(name);
    return true;
  } catch {
    return false;
  }
}

export function isUtcZone(timeZone: string): boolean {
  return UTC_ZONES.has(timeZone.toLowerCase());
}

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

// en-US with h23 formats as `12/2/2026, 00:35:43`; parsing that text is about twice as fast as
// formatToParts, which stays as the fallback should an ICU version write it differently.
const EN_US = /^(\d+)\/(\d+)\/(\d+),? (\d+):(\d+):(\d+)$/;

/** The local wall-clock fields of the second containing `ms`. */
function wallAt(ms: number, timeZone: string): Wall {
  if (!Number.isFinite(ms)) throw new RangeError(`Not an instant: ${ms}`);
  const f = formatter(timeZone);
  const m = EN_US.exec(f.format(ms));
  const wall: Wall = m
    ? { month: Number(m[1]), day: Number(m[2]), year: Number(m[3]), hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]) }
    : wallFromParts(f.formatToParts(ms));
  // Some ICU versions write midnight as hour 24 even with h23.
  if (wall.hour === 24) wall.hour = 0;
  return wall;
}

function wallFromParts(parts: Intl.DateTimeFormatPart[]): Wall {
  const wall: Wall = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of parts) {
    if (part.type in wall) wall[part.type as keyof Wall] = Number(part.value);
  }
  return wall;
}

/** The zone's offset at `ms` in milliseconds (local wall time minus UTC). */
export function offsetMs(ms: number, timeZone: string): number {
  const w = wallAt(ms, timeZone);
  const wholeSecond = ms - (((ms % 1000) + 1000) % 1000);
  return utcMs(w.year, w.month, w.day, w.hour, w.minute, w.second) - wholeSecond;
}

/** The zone's offset at `ms` in minutes (east of UTC positive; fractional only for pre-1900 local mean time). */
export function offsetMinutes(ms: number, timeZone: string): number {
  return offsetMs(ms, timeZone) / 60_000;
}

/** ISO 8601 with milliseconds and the zone's offset: `2026-11-30T00:00:00.000+01:00`, `…Z` for UTC zones. */
export function formatInZone(ms: number, timeZone: string): string {
  const minutes = Math.round(offsetMinutes(ms, timeZone));
  const local = new Date(ms + minutes * 60_000);
  const date = formatCalendarDate({ year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate() });
  const time = `${pad2(local.getUTCHours())}:${pad2(local.getUTCMinutes())}:${pad2(local.getUTCSeconds())}.${String(local.getUTCMilliseconds()).padStart(3, '0')}`;
  if (minutes === 0 && isUtcZone(timeZone)) return `${date}T${time}Z`;
  const abs = Math.abs(minutes);
  return `${date}T${time}${minutes < 0 ? '-' : '+'}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

/** The local calendar date (`YYYY-MM-DD`) of the instant in the zone. */
export function localDate(ms: number, timeZone: string): string {
  const w = wallAt(ms, timeZone);
  return formatCalendarDate({ year: w.year, month: w.month, day: w.day });
}

/** The first instant (ms) of a local calendar date in the zone; see the module note for DST. */
export function startOfLocalDay(date: string, timeZone: string): number {
  const civil = parseCalendarDate(date);
  if (!civil) throw new RangeError(`Not a calendar date: ${date}`);
  return firstInstantAtOrAfter(utcMs(civil.year, civil.month, civil.day), timeZone);
}

/**
 * The first instant whose local wall time is `wall` (written as if it were UTC) or, when a gap skips it,
 * the instant the gap ends. Offsets are within ±14 h, so every instant showing `wall` is within a day of it.
 */
function firstInstantAtOrAfter(wall: number, timeZone: string): number {
  const before = offsetMs(wall - DAY_MS, timeZone);
  const after = offsetMs(wall + DAY_MS, timeZone);
  if (before === after) return wall - before; // no transition nearby: the common case
  const candidates = [wall - before, wall - after].filter((t) => t + offsetMs(t, timeZone) === wall);
  if (candidates.length > 0) return Math.min(...candidates);
  // A gap: local time jumps over `wall` between these bounds; offsets change on whole seconds.
  let lo = Math.floor((wall - after) / 1000); // local time there is before `wall`
  let hi = Math.ceil((wall - before) / 1000); // and there after it
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (mid * 1000 + offsetMs(mid * 1000, timeZone) >= wall) hi = mid;
    else lo = mid;
  }
  return hi * 1000;
}
