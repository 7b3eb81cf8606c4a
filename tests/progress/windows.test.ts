import { describe, expect, it } from 'vitest';
import {
  previousWindows,
  targetHistory,
  targetWindow,
  totalWindow,
  windowContaining,
  type Window,
} from '../../src/progress/windows.js';

const at = (iso: string) => Date.parse(iso);
const HOUR = 3_600_000;
const hours = (w: Window) => (w.endMs - w.startMs) / HOUR;
const span = (w: Window) => ({ start: w.start, end: w.end });

describe('windowContaining in UTC', () => {
  const ms = at('2026-12-01T10:20:30.400Z'); // a Tuesday

  it.each([
    ['day', '2026-12-01T00:00:00.000Z', '2026-12-02T00:00:00.000Z'],
    ['week', '2026-11-30T00:00:00.000Z', '2026-12-07T00:00:00.000Z'],
    ['month', '2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    ['quarter', '2026-10-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    ['year', '2026-01-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
  ] as const)('gives the %s from %s to %s', (period, start, end) => {
    const w = windowContaining(period, ms, 'UTC');
    expect(w).toEqual({ startMs: at(start), endMs: at(end), start, end });
  });
});

describe('windowContaining in Europe/Paris across the DST changes', () => {
  const zone = 'Europe/Paris';
  const springDay = at('2026-03-29T10:00:00Z');
  const fallDay = at('2026-10-25T10:00:00Z');

  it('makes 2026-03-29 a 23-hour day and 2026-10-25 a 25-hour day', () => {
    const spring = windowContaining('day', springDay, zone);
    expect(span(spring)).toEqual({ start: '2026-03-29T00:00:00.000+01:00', end: '2026-03-30T00:00:00.000+02:00' });
    expect(hours(spring)).toBe(23);
    const fall = windowContaining('day', fallDay, zone);
    expect(span(fall)).toEqual({ start: '2026-10-25T00:00:00.000+02:00', end: '2026-10-26T00:00:00.000+01:00' });
    expect(hours(fall)).toBe(25);
  });

  it('gives the weeks containing the changes 167 and 169 hours, Monday to Monday', () => {
    const spring = windowContaining('week', springDay, zone);
    expect(span(spring)).toEqual({ start: '2026-03-23T00:00:00.000+01:00', end: '2026-03-30T00:00:00.000+02:00' });
    expect(hours(spring)).toBe(167);
    const fall = windowContaining('week', fallDay, zone);
    expect(span(fall)).toEqual({ start: '2026-10-19T00:00:00.000+02:00', end: '2026-10-26T00:00:00.000+01:00' });
    expect(hours(fall)).toBe(169);
  });

  it('gives March 743 hours and October 745 hours', () => {
    const march = windowContaining('month', springDay, zone);
    expect(span(march)).toEqual({ start: '2026-03-01T00:00:00.000+01:00', end: '2026-04-01T00:00:00.000+02:00' });
    expect(hours(march)).toBe(31 * 24 - 1);
    const october = windowContaining('month', fallDay, zone);
    expect(span(october)).toEqual({ start: '2026-10-01T00:00:00.000+02:00', end: '2026-11-01T00:00:00.000+01:00' });
    expect(hours(october)).toBe(31 * 24 + 1);
  });

  it('puts both passes of the repeated 02:00–03:00 hour in the same day', () => {
    const first = windowContaining('day', at('2026-10-25T00:30:00Z'), zone);
    const second = windowContaining('day', at('2026-10-25T01:30:00Z'), zone);
    expect(second).toEqual(first);
  });
});

describe('windowContaining in other zones', () => {
  it('uses the New York offsets on its own DST days (2026-03-08 is 23 hours, 2026-11-01 is 25)', () => {
    const spring = windowContaining('day', at('2026-03-08T12:00:00Z'), 'America/New_York');
    expect(span(spring)).toEqual({ start: '2026-03-08T00:00:00.000-05:00', end: '2026-03-09T00:00:00.000-04:00' });
    expect(hours(spring)).toBe(23);
    const fall = windowContaining('day', at('2026-11-01T12:00:00Z'), 'America/New_York');
    expect(span(fall)).toEqual({ start: '2026-11-01T00:00:00.000-04:00', end: '2026-11-02T00:00:00.000-05:00' });
    expect(hours(fall)).toBe(25);
  });

  it('starts Asia/Kolkata windows at local midnight, 18:30 UTC the day before', () => {
    const ms = at('2026-12-01T10:00:00Z');
    expect(span(windowContaining('day', ms, 'Asia/Kolkata'))).toEqual({
      start: '2026-12-01T00:00:00.000+05:30',
      end: '2026-12-02T00:00:00.000+05:30',
    });
    expect(windowContaining('week', ms, 'Asia/Kolkata').startMs).toBe(at('2026-11-29T18:30:00Z'));
    expect(span(windowContaining('month', ms, 'Asia/Kolkata'))).toEqual({
      start: '2026-12-01T00:00:00.000+05:30',
      end: '2027-01-01T00:00:00.000+05:30',
    });
    expect(span(windowContaining('quarter', ms, 'Asia/Kolkata'))).toEqual({
      start: '2026-10-01T00:00:00.000+05:30',
      end: '2027-01-01T00:00:00.000+05:30',
    });
    expect(span(windowContaining('year', ms, 'Asia/Kolkata'))).toEqual({
      start: '2026-01-01T00:00:00.000+05:30',
      end: '2027-01-01T00:00:00.000+05:30',
    });
  });

  it('handles the 30-minute DST of Australia/Lord_Howe (24.5- and 23.5-hour days)', () => {
    const autumn = windowContaining('day', at('2026-04-05T03:00:00Z'), 'Australia/Lord_Howe');
    expect(span(autumn)).toEqual({ start: '2026-04-05T00:00:00.000+11:00', end: '2026-04-06T00:00:00.000+10:30' });
    expect(hours(autumn)).toBe(24.5);
    const spring = windowContaining('day', at('2026-10-04T03:00:00Z'), 'Australia/Lord_Howe');
    expect(span(spring)).toEqual({ start: '2026-10-04T00:00:00.000+10:30', end: '2026-10-05T00:00:00.000+11:00' });
    expect(hours(spring)).toBe(23.5);
  });

  it('starts the day at 01:00 when DST skips midnight (America/Sao_Paulo, 2018-11-04)', () => {
    const w = windowContaining('day', at('2018-11-04T12:00:00Z'), 'America/Sao_Paulo');
    expect(span(w)).toEqual({ start: '2018-11-04T01:00:00.000-02:00', end: '2018-11-05T00:00:00.000-02:00' });
    expect(hours(w)).toBe(23);
  });
});

describe('weeks start on Monday', () => {
  it('puts Sunday 23:30 in Kolkata in the week that began the Monday before', () => {
    const w = windowContaining('week', at('2026-11-29T18:00:00Z'), 'Asia/Kolkata'); // Sun 23:30 local
    expect(span(w)).toEqual({ start: '2026-11-23T00:00:00.000+05:30', end: '2026-11-30T00:00:00.000+05:30' });
  });

  it('puts Monday 00:30 in Kolkata, still Sunday in UTC, in the new week', () => {
    const w = windowContaining('week', at('2026-11-29T19:00:00Z'), 'Asia/Kolkata'); // Mon 00:30 local
    expect(span(w)).toEqual({ start: '2026-11-30T00:00:00.000+05:30', end: '2026-12-07T00:00:00.000+05:30' });
    expect(windowContaining('week', at('2026-11-29T19:00:00Z'), 'UTC').start).toBe('2026-11-23T00:00:00.000Z');
  });

  it('puts Sunday 22:00 in New York, already Monday in UTC, in the ending week', () => {
    const w = windowContaining('week', at('2026-11-30T03:00:00Z'), 'America/New_York'); // Sun 22:00 local
    expect(span(w)).toEqual({ start: '2026-11-23T00:00:00.000-05:00', end: '2026-11-30T00:00:00.000-05:00' });
  });

  it('keeps a week that spans a new year whole', () => {
    const w = windowContaining('week', at('2027-01-01T12:00:00Z'), 'UTC'); // a Friday
    expect(span(w)).toEqual({ start: '2026-12-28T00:00:00.000Z', end: '2027-01-04T00:00:00.000Z' });
  });
});

describe('quarter and year boundaries', () => {
  const zone = 'Europe/Paris';

  it.each([
    ['2026-01-01T00:00:00.000+01:00', '2026-04-01T00:00:00.000+02:00'],
    ['2026-04-01T00:00:00.000+02:00', '2026-07-01T00:00:00.000+02:00'],
    ['2026-07-01T00:00:00.000+02:00', '2026-10-01T00:00:00.000+02:00'],
    ['2026-10-01T00:00:00.000+02:00', '2027-01-01T00:00:00.000+01:00'],
  ])('makes the quarter from %s to %s', (start, end) => {
    expect(span(windowContaining('quarter', at(start), zone))).toEqual({ start, end });
    expect(span(windowContaining('quarter', at(end) - 1, zone))).toEqual({ start, end });
  });

  it('puts the local new year in the new year even when UTC is still in the old one', () => {
    const ms = at('2026-12-31T18:30:00.000Z'); // 2027-01-01 00:00 in Kolkata
    expect(windowContaining('year', ms, 'Asia/Kolkata').start).toBe('2027-01-01T00:00:00.000+05:30');
    expect(windowContaining('year', ms - 1, 'Asia/Kolkata').start).toBe('2026-01-01T00:00:00.000+05:30');
    expect(windowContaining('year', ms, 'UTC').start).toBe('2026-01-01T00:00:00.000Z');
  });
});

describe('window edges', () => {
  it.each(['day', 'week', 'month', 'quarter', 'year'] as const)(
    'puts one millisecond before a %s window in the previous window and its end in the next',
    (period) => {
      const zone = 'Europe/Paris';
      const w = windowContaining(period, at('2026-10-25T10:00:00Z'), zone);
      expect(windowContaining(period, w.startMs, zone)).toEqual(w);
      expect(windowContaining(period, w.endMs - 1, zone)).toEqual(w);
      const before = windowContaining(period, w.startMs - 1, zone);
      expect(before.endMs).toBe(w.startMs);
      const after = windowContaining(period, w.endMs, zone);
      expect(after.startMs).toBe(w.endMs);
      expect(after.start).toBe(w.end);
    },
  );
});

describe('previousWindows', () => {
  it('lists the windows before the current one, newest first, across the fall-back', () => {
    const zone = 'Europe/Paris';
    const current = windowContaining('week', at('2026-10-28T10:00:00Z'), zone);
    expect(current.start).toBe('2026-10-26T00:00:00.000+01:00');
    const previous = previousWindows('week', current, 3, zone);
    expect(previous.map(span)).toEqual([
      { start: '2026-10-19T00:00:00.000+02:00', end: '2026-10-26T00:00:00.000+01:00' },
      { start: '2026-10-12T00:00:00.000+02:00', end: '2026-10-19T00:00:00.000+02:00' },
      { start: '2026-10-05T00:00:00.000+02:00', end: '2026-10-12T00:00:00.000+02:00' },
    ]);
    expect(previous.map(hours)).toEqual([169, 168, 168]);
  });

  it('lists previous days across the spring-forward with their real lengths', () => {
    const zone = 'Europe/Paris';
    const current = windowContaining('day', at('2026-03-30T10:00:00Z'), zone);
    const previous = previousWindows('day', current, 2, zone);
    expect(previous.map((w) => w.start)).toEqual(['2026-03-29T00:00:00.000+01:00', '2026-03-28T00:00:00.000+01:00']);
    expect(previous.map(hours)).toEqual([23, 24]);
  });

  it('lists previous months and quarters across a year boundary', () => {
    const current = windowContaining('month', at('2026-02-10T00:00:00Z'), 'UTC');
    expect(previousWindows('month', current, 2, 'UTC').map((w) => w.start)).toEqual([
      '2026-01-01T00:00:00.000Z',
      '2025-12-01T00:00:00.000Z',
    ]);
    const quarter = windowContaining('quarter', at('2026-02-10T00:00:00Z'), 'UTC');
    expect(previousWindows('quarter', quarter, 1, 'UTC').map(span)).toEqual([
      { start: '2025-10-01T00:00:00.000Z', end: '2026-01-01T00:00:00.000Z' },
    ]);
  });

  it('skips a local day the zone never had (Pacific/Apia, 2011-12-30) instead of listing an empty window', () => {
    const zone = 'Pacific/Apia';
    const current = windowContaining('day', at('2011-12-30T12:00:00Z'), zone); // 2011-12-31 02:00 local
    expect(current.start).toBe('2011-12-31T00:00:00.000+14:00');
    const [previous] = previousWindows('day', current, 1, zone);
    expect(previous && span(previous)).toEqual({
      start: '2011-12-29T00:00:00.000-10:00',
      end: '2011-12-31T00:00:00.000+14:00',
    });
    expect(previous && hours(previous)).toBe(24);
  });

  it('returns no windows for a count of 0 and throws RangeError for a negative count', () => {
    const current = windowContaining('day', at('2026-03-30T10:00:00Z'), 'UTC');
    expect(previousWindows('day', current, 0, 'UTC')).toEqual([]);
    expect(() => previousWindows('day', current, -1, 'UTC')).toThrow(RangeError);
  });
});

describe('totalWindow', () => {
  it('runs from the local start of start_date to the local start of the day after the deadline', () => {
    expect(span(totalWindow('2026-03-01', '2026-03-31', 'Europe/Paris'))).toEqual({
      start: '2026-03-01T00:00:00.000+01:00',
      end: '2026-04-01T00:00:00.000+02:00',
    });
  });

  it('is one whole local day when the deadline is the start date', () => {
    const w = totalWindow('2026-10-25', '2026-10-25', 'Europe/Paris');
    expect(span(w)).toEqual({ start: '2026-10-25T00:00:00.000+02:00', end: '2026-10-26T00:00:00.000+01:00' });
    expect(hours(w)).toBe(25);
  });

  it('uses the zone offset at each end (Asia/Kolkata, UTC)', () => {
    const w = totalWindow('2026-01-01', '2026-12-31', 'Asia/Kolkata');
    expect(w.startMs).toBe(at('2025-12-31T18:30:00.000Z'));
    expect(w.endMs).toBe(at('2026-12-31T18:30:00.000Z'));
    expect(totalWindow('2026-01-01', '2026-12-31', 'UTC').end).toBe('2027-01-01T00:00:00.000Z');
  });

  it('throws RangeError for a deadline before the start date or a date not on the calendar', () => {
    expect(() => totalWindow('2026-03-02', '2026-03-01', 'UTC')).toThrow(RangeError);
    expect(() => totalWindow('2026-02-30', '2026-03-01', 'UTC')).toThrow(RangeError);
    expect(() => totalWindow('2026-03-01', '2026-13-01', 'UTC')).toThrow(RangeError);
  });
});

describe('targetWindow and targetHistory', () => {
  const asOf = at('2026-10-28T10:00:00Z');

  it('gives a recurring target the period containing as_of and its previous windows', () => {
    const target = { period: 'week' as const, start_date: null, deadline: null };
    const w = targetWindow(target, asOf, 'Europe/Paris');
    expect(w).toEqual(windowContaining('week', asOf, 'Europe/Paris'));
    expect(targetHistory(target, w, 2, 'Europe/Paris')).toEqual(previousWindows('week', w, 2, 'Europe/Paris'));
  });

  it('gives a total target its one window, whatever as_of, and no history', () => {
    const target = { period: 'total' as const, start_date: '2026-11-01', deadline: '2026-12-31' };
    const w = targetWindow(target, asOf, 'Europe/Paris');
    expect(span(w)).toEqual({ start: '2026-11-01T00:00:00.000+01:00', end: '2027-01-01T00:00:00.000+01:00' });
    expect(targetHistory(target, w, 5, 'Europe/Paris')).toEqual([]);
  });

  it('throws RangeError for a total target without its dates', () => {
    expect(() => targetWindow({ period: 'total', start_date: null, deadline: '2026-12-31' }, asOf, 'UTC')).toThrow(RangeError);
  });
});
