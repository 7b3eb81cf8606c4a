import { describe, expect, it } from 'vitest';
import type { LeadField } from '../../src/goals/schemas.js';
import { checkFieldValue } from '../../src/outcomes/field-values.js';
import { FIELD_TYPES } from '../../src/goals/schemas.js';
import { ENUM_OPTIONS, FIELD_VALUE_CASES as cases, label } from './field-value-cases.js';

const field = (type: LeadField['type'], options: string[] | null = null): LeadField => ({
  key: 'f',
  label: 'F',
  type,
  required: false,
  description: null,
  options,
});

describe('checkFieldValue', () => {
  it('has cases for every field type', () => {
    expect(Object.keys(cases).sort()).toEqual([...FIELD_TYPES].sort());
  });

  describe.each(FIELD_TYPES.map((t) => [t] as const))('%s', (type) => {
    const f = field(type, type === 'enum' ? ENUM_OPTIONS : null);

    it.each(cases[type].good.map((v) => [label(v), v]))('accepts %s and returns it as sent', (_label, value) => {
      expect(checkFieldValue(f, value)).toEqual({ ok: true, value });
    });

    it.each(cases[type].bad.map((v) => [label(v), v]))('refuses %s with a message', (_label, value) => {
      const result = checkFieldValue(f, value);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.message).toMatch(/^[A-Z]/);
    });

    it('accepts null: not collected', () => {
      expect(checkFieldValue(f, null)).toEqual({ ok: true, value: null });
    });
  });
});
