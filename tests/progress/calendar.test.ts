import { describe, expect, it } from 'vitest';
import { addDays, addMonthsToFirst, isCalendarDate, isoWeekday, parseCalendarDate } from '../../src/progress/calendar.js';

describe('isCalendarDate', () => {
  it.each(['2026-12-01', '2024-02-29', '2000-02-29', '0001-01-01', '9999-12-31'])('accepts the real date %s', (date) => {
    expect(isCalendarDate(date)).toBe(true);
  });

  it.each(['2026-02-29', '1900-02-29', '2026-04-31', '2026-13-01', '2026-00-10', '0000-01-01', '2026-1-01', '2026-01-01T00:00', ' 2026-01-01', ''])(
    'rejects %j',
    (date) => {
      expect(isCalendarDate(date)).toBe(false);
    },
  );
});

describe('calendar arithmetic', () => {
  const d = (date: string) => {
    const parsed = parseCalendarDate(date);
    if (!parsed) throw new Error(`bad test date ${date}`);
    return parsed;
  };

  it('adds days across month, year and leap-day boundaries', () => {
    expect(addDays(d('2026-12-31'), 1)).toEqual(d('2027-01-01'));
    expect(addDays(d('2024-02-28'), 1)).toEqual(d('2024-02-29'));
    expect(addDays(d('2026-03-01'), -1)).toEqual(d('2026-02-28'));
    expect(addDays(d('0050-01-01'), -1)).toEqual(d('0049-12-31'));
  });

  it('moves to the first day of a month forwards and backwards across years', () => {
    expect(addMonthsToFirst(d('2026-11-15'), 3)).toEqual(d('2027-02-01'));
    expect(addMonthsToFirst(d('2026-01-31'), -1)).toEqual(d('2025-12-01'));
    expect(addMonthsToFirst(d('2026-01-01'), -12)).toEqual(d('2025-01-01'));
  });

  it('numbers weekdays from Monday 1 to Sunday 7', () => {
    expect(isoWeekday(d('2026-11-30'))).toBe(1);
    expect(isoWeekday(d('2026-12-06'))).toBe(7);
  });
});
