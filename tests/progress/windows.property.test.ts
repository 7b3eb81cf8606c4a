import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoWeekday, parseCalendarDate } from '../../src/progress/calendar.js';
import { roundHalfAwayFromZero } from '../../src/progress/status.js';
import { formatInZone, localDate, offsetMinutes } from '../../src/progress/time-zone.js';
import { previousWindows, windowContaining, type RecurringPeriod } from '../../src/progress/windows.js';

// Zones with DST, half- and quarter-hour offsets, midnight transitions (São Paulo, Santiago, Cairo,
// Beirut), a 30-minute DST (Lord Howe) and a skipped day (Apia, 2011-12-30).
const zones = [
  'UTC', 'Europe/Paris', 'Europe/London', 'America/New_York', 'America/St_Johns', 'Asia/Kolkata', 'Asia/Kathmandu',
  'Asia/Tehran', 'Australia/Lord_Howe', 'Pacific/Chatham', 'America/Sao_Paulo', 'America/Santiago', 'Africa/Cairo',
  'Asia/Beirut', 'Africa/Casablanca', 'Pacific/Apia',
];
const periods: RecurringPeriod[] = ['day', 'week', 'month', 'quarter', 'year'];

const instant = fc.integer({ min: Date.parse('1990-01-01T00:00:00Z'), max: Date.parse('2040-01-01T00:00:00Z') });
const zone = fc.constantFrom(...zones);
const period = fc.constantFrom(...periods);

/** Whether `date` is the first local day of a period (weeks start on Monday). */
function isPeriodStart(p: RecurringPeriod, date: string): boolean {
  const civil = parseCalendarDate(date);
  if (!civil) return false;
  switch (p) {
    case 'day':
      return true;
    case 'week':
      return isoWeekday(civil) === 1;
    case 'month':
      return civil.day === 1;
    case 'quarter':
      return civil.day === 1 && (civil.month - 1) % 3 === 0;
    case 'year':
      return civil.day === 1 && civil.month === 1;
  }
}

describe('windows (property)', () => {
  it('contain the instant they were asked for', () => {
    fc.assert(
      fc.property(instant, zone, period, (ms, tz, p) => {
        const w = windowContaining(p, ms, tz);
        expect(w.startMs).toBeLessThanOrEqual(ms);
        expect(ms).toBeLessThan(w.endMs);
      }),
    );
  });

  it('tile time: the previous window ends where the current one starts, and the next starts at its end', () => {
    fc.assert(
      fc.property(instant, zone, period, (ms, tz, p) => {
        const w = windowContaining(p, ms, tz);
        const [previous] = previousWindows(p, w, 1, tz);
        expect(previous?.endMs).toBe(w.startMs);
        expect(previous?.end).toBe(w.start);
        expect(windowContaining(p, w.endMs, tz).startMs).toBe(w.endMs);
      }),
    );
  });

  it('start at local midnight of a period start, or at the end of a DST gap that skipped it', () => {
    fc.assert(
      fc.property(instant, zone, period, (ms, tz, p) => {
        const w = windowContaining(p, ms, tz);
        expect(localDate(w.startMs - 1, tz)).not.toBe(localDate(w.startMs, tz));
        expect(isPeriodStart(p, localDate(w.startMs, tz))).toBe(true);
        const atMidnight = formatInZone(w.startMs, tz).includes('T00:00:00.000');
        const afterGap = offsetMinutes(w.startMs - 1, tz) < offsetMinutes(w.startMs, tz);
        expect(atMidnight || afterGap).toBe(true);
      }),
    );
  });

  it('write start and end as the exact instants', () => {
    fc.assert(
      fc.property(instant, zone, period, (ms, tz, p) => {
        const w = windowContaining(p, ms, tz);
        expect(Date.parse(w.start)).toBe(w.startMs);
        expect(Date.parse(w.end)).toBe(w.endMs);
      }),
    );
  });

  it('last between 23 and 25 real hours for a day', () => {
    fc.assert(
      fc.property(instant, zone, (ms, tz) => {
        const w = windowContaining('day', ms, tz);
        const hours = (w.endMs - w.startMs) / 3_600_000;
        expect(hours).toBeGreaterThanOrEqual(23);
        expect(hours).toBeLessThanOrEqual(25);
      }),
    );
  });
});

describe('roundHalfAwayFromZero (property)', () => {
  it('rounds every decimal ending in 5 away from zero', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 0, max: 4 }), fc.boolean(), (k, decimals, negative) => {
        const sign = negative ? '-' : '';
        const value = Number(`${sign}${k}.5e-${decimals}`);
        expect(roundHalfAwayFromZero(value, decimals)).toBe(Number(`${sign}${k + 1}e-${decimals}`));
      }),
    );
  });
});
