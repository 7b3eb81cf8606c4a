import { describe, expect, it } from 'vitest';
import {
  formatInZone,
  isTimeZone,
  isUtcZone,
  localDate,
  offsetMinutes,
  startOfLocalDay,
} from '../../src/progress/time-zone.js';

const at = (iso: string) => Date.parse(iso);

describe('isTimeZone', () => {
  it.each(['UTC', 'Europe/Paris', 'Asia/Kolkata', 'America/New_York', 'Australia/Lord_Howe', 'Etc/GMT+5', 'US/Eastern'])(
    'accepts the IANA zone %s',
    (zone) => {
      expect(isTimeZone(zone)).toBe(true);
    },
  );

  it.each(['', 'Mars/Olympus', 'Europe/Pari', '+01:00', '-05:00', 'Europe/Paris ', '../etc', 'Factory'])('rejects %j', (zone) => {
    expect(isTimeZone(zone)).toBe(false);
  });
});

describe('offsetMinutes', () => {
  it('gives the zone offset east of UTC, in minutes, including half and quarter hours', () => {
    expect(offsetMinutes(at('2026-01-15T12:00:00Z'), 'UTC')).toBe(0);
    expect(offsetMinutes(at('2026-01-15T12:00:00Z'), 'Europe/Paris')).toBe(60);
    expect(offsetMinutes(at('2026-07-15T12:00:00Z'), 'Europe/Paris')).toBe(120);
    expect(offsetMinutes(at('2026-01-15T12:00:00Z'), 'America/New_York')).toBe(-300);
    expect(offsetMinutes(at('2026-07-15T12:00:00Z'), 'America/New_York')).toBe(-240);
    expect(offsetMinutes(at('2026-07-15T12:00:00Z'), 'Asia/Kolkata')).toBe(330);
    expect(offsetMinutes(at('2026-07-15T12:00:00Z'), 'Asia/Kathmandu')).toBe(345);
    expect(offsetMinutes(at('2026-07-15T12:00:00Z'), 'Australia/Lord_Howe')).toBe(630);
    expect(offsetMinutes(at('2026-01-15T12:00:00Z'), 'Australia/Lord_Howe')).toBe(660);
  });

  it('changes exactly at the DST transition instant, not a millisecond before', () => {
    const springForward = at('2026-03-29T01:00:00.000Z');
    expect(offsetMinutes(springForward - 1, 'Europe/Paris')).toBe(60);
    expect(offsetMinutes(springForward, 'Europe/Paris')).toBe(120);
    const fallBack = at('2026-10-25T01:00:00.000Z');
    expect(offsetMinutes(fallBack - 1, 'Europe/Paris')).toBe(120);
    expect(offsetMinutes(fallBack, 'Europe/Paris')).toBe(60);
  });

  it('throws RangeError for an unknown zone', () => {
    expect(() => offsetMinutes(0, 'Mars/Olympus')).toThrow(RangeError);
  });
});

describe('formatInZone', () => {
  it('writes Z for UTC and its fixed aliases', () => {
    expect(formatInZone(at('2026-11-30T00:00:00.000Z'), 'UTC')).toBe('2026-11-30T00:00:00.000Z');
    expect(formatInZone(at('2026-11-30T00:00:00.000Z'), 'Etc/UTC')).toBe('2026-11-30T00:00:00.000Z');
    expect(formatInZone(at('2026-11-30T00:00:00.000Z'), 'GMT')).toBe('2026-11-30T00:00:00.000Z');
    expect(isUtcZone('utc')).toBe(true);
  });

  it('writes +00:00 for a zone that is only at offset zero for now (Europe/London in winter)', () => {
    expect(formatInZone(at('2026-11-30T00:00:00.000Z'), 'Europe/London')).toBe('2026-11-30T00:00:00.000+00:00');
    expect(formatInZone(at('2026-07-01T00:00:00.000Z'), 'Europe/London')).toBe('2026-07-01T01:00:00.000+01:00');
  });

  it('writes the local wall time with the offset in force, half hours and negative offsets included', () => {
    expect(formatInZone(at('2026-11-29T23:00:00.000Z'), 'Europe/Paris')).toBe('2026-11-30T00:00:00.000+01:00');
    expect(formatInZone(at('2026-11-29T18:30:00.000Z'), 'Asia/Kolkata')).toBe('2026-11-30T00:00:00.000+05:30');
    expect(formatInZone(at('2026-11-30T05:00:00.000Z'), 'America/New_York')).toBe('2026-11-30T00:00:00.000-05:00');
    expect(formatInZone(at('2026-01-15T12:00:00.000Z'), 'America/St_Johns')).toBe('2026-01-15T08:30:00.000-03:30');
    expect(formatInZone(at('2026-12-31T23:59:59.999Z'), 'Asia/Kolkata')).toBe('2027-01-01T05:29:59.999+05:30');
  });

  it('names the exact instant, whatever the zone', () => {
    for (const zone of ['UTC', 'Europe/Paris', 'Asia/Kolkata', 'America/New_York', 'Australia/Lord_Howe']) {
      const ms = at('2026-10-25T01:30:00.123Z');
      expect(Date.parse(formatInZone(ms, zone))).toBe(ms);
    }
  });

  it('writes both sides of the Paris fall-back hour with their own offsets', () => {
    expect(formatInZone(at('2026-10-25T00:30:00.000Z'), 'Europe/Paris')).toBe('2026-10-25T02:30:00.000+02:00');
    expect(formatInZone(at('2026-10-25T01:30:00.000Z'), 'Europe/Paris')).toBe('2026-10-25T02:30:00.000+01:00');
  });
});

describe('localDate', () => {
  it('gives the calendar date of the instant in the zone, which may differ from the UTC date', () => {
    const ms = at('2026-11-29T19:00:00.000Z');
    expect(localDate(ms, 'UTC')).toBe('2026-11-29');
    expect(localDate(ms, 'Asia/Kolkata')).toBe('2026-11-30');
    expect(localDate(at('2026-11-30T03:00:00.000Z'), 'America/New_York')).toBe('2026-11-29');
  });
});

describe('startOfLocalDay', () => {
  it('gives local midnight as an instant', () => {
    expect(startOfLocalDay('2026-11-30', 'UTC')).toBe(at('2026-11-30T00:00:00.000Z'));
    expect(startOfLocalDay('2026-11-30', 'Asia/Kolkata')).toBe(at('2026-11-29T18:30:00.000Z'));
    expect(startOfLocalDay('2026-11-30', 'America/New_York')).toBe(at('2026-11-30T05:00:00.000Z'));
  });

  it('uses the offset in force at midnight on the Paris DST days', () => {
    expect(startOfLocalDay('2026-03-29', 'Europe/Paris')).toBe(at('2026-03-28T23:00:00.000Z'));
    expect(startOfLocalDay('2026-03-30', 'Europe/Paris')).toBe(at('2026-03-29T22:00:00.000Z'));
    expect(startOfLocalDay('2026-10-25', 'Europe/Paris')).toBe(at('2026-10-24T22:00:00.000Z'));
    expect(startOfLocalDay('2026-10-26', 'Europe/Paris')).toBe(at('2026-10-25T23:00:00.000Z'));
  });

  it('gives the first instant of the day when DST skips midnight (São Paulo, 2018-11-04 starts at 01:00)', () => {
    const start = startOfLocalDay('2018-11-04', 'America/Sao_Paulo');
    expect(formatInZone(start, 'America/Sao_Paulo')).toBe('2018-11-04T01:00:00.000-02:00');
    expect(localDate(start - 1, 'America/Sao_Paulo')).toBe('2018-11-03');
  });

  it('gives the only midnight when the clock falls back from midnight to 23:00 the day before', () => {
    const start = startOfLocalDay('2018-02-18', 'America/Sao_Paulo');
    expect(formatInZone(start, 'America/Sao_Paulo')).toBe('2018-02-18T00:00:00.000-03:00');
    expect(localDate(start - 1, 'America/Sao_Paulo')).toBe('2018-02-17');
  });

  it('throws RangeError for a date that is not on the calendar', () => {
    expect(() => startOfLocalDay('2026-02-29', 'UTC')).toThrow(RangeError);
    expect(() => startOfLocalDay('2026-1-01', 'UTC')).toThrow(RangeError);
  });
});
