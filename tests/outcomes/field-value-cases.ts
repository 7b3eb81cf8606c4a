import type { LeadField } from '../../src/goals/schemas.js';

/** The options of the enum field the value cases are written for. */
export const ENUM_OPTIONS = ['morning', 'evening'];

/**
 * Good and bad values for every lead-info field type (enum ones against ENUM_OPTIONS), shared by the
 * unit test of checkFieldValue and the API test of outcomes.record, so both check the same values.
 */
export const FIELD_VALUE_CASES: Record<LeadField['type'], { good: unknown[]; bad: unknown[] }> = {
  text: { good: ['', 'hello', 'x'.repeat(2000)], bad: ['x'.repeat(2001), 5, true, {}, ['a']] },
  email: { good: ['ana@example.com', 'a.b+c@sub.example.org'], bad: ['ana', 'ana@', '@example.com', 'a b@example.com', 'ana@example', 5] },
  phone: { good: ['+33 1 23 45 67 89', '(555) 123-4567', '12345', '+1.555.123.4567'], bad: ['1234', '+33 abc', `+${'1'.repeat(31)}`, '++12345', 12345] },
  number: { good: [0, -1.5, 3.14, 1e300], bad: ['1', true, Number.POSITIVE_INFINITY, Number.NaN, [1]] },
  integer: { good: [0, -7, 42], bad: [1.5, '3', Number.MAX_SAFE_INTEGER + 2, true] },
  boolean: { good: [true, false], bad: ['true', 0, 1] },
  date: { good: ['2026-02-28', '2024-02-29', '0001-01-01'], bad: ['2026-02-29', '2026-13-01', '2026-1-01', '2026-01-01T00:00:00Z', 20260101] },
  datetime: {
    good: ['2026-03-29T01:30:00Z', '2026-03-29T01:30:00.123+05:30', '2026-03-29T01:30-08:00'],
    bad: ['2026-03-29T01:30:00', '2026-03-29', '2026-02-30T00:00:00Z', '2026-03-29T25:00:00Z', 'yesterday'],
  },
  url: { good: ['https://example.com/a?b=c', 'http://localhost:8080'], bad: ['ftp://example.com', 'example.com', 'javascript:alert(1)', 'https://', 7] },
  enum: { good: ['morning', 'evening'], bad: ['Morning', 'night', '', 1] },
};

/** A short test-name label for a value. */
export const label = (value: unknown): string | undefined => JSON.stringify(value)?.slice(0, 40);
