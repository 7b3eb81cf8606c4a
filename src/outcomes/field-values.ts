import type { LeadField } from '../goals/schemas.js';
import { isCalendarDate } from '../progress/calendar.js';
import { isIsoInstant } from '../rpc/common-schemas.js';

export type FieldCheck = { ok: true; value: unknown } | { ok: false; message: string };

export const MAX_TEXT_VALUE = 2000;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^\+?[0-9 ().-]{5,30}$/;
function isHttpUrl(value: string): boolean {
  if (value.length > 2000) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

const fail = (message: string): FieldCheck => ({ ok: false, message });
const pass = (value: unknown): FieldCheck => ({ ok: true, value });

/**
 * Checks one collected value against its lead-info field. `null` always passes: it means "not
 * collected". A passing value is returned as sent (values are stored as the caller gave them).
 */
export function checkFieldValue(field: LeadField, value: unknown): FieldCheck {
  if (value === null) return pass(null);
  switch (field.type) {
    case 'text':
      if (typeof value !== 'string') return fail('Expected a string.');
      return value.length <= MAX_TEXT_VALUE ? pass(value) : fail(`At most ${MAX_TEXT_VALUE} characters.`);
    case 'email':
      return typeof value === 'string' && value.length <= 254 && EMAIL.test(value) ? pass(value) : fail('Expected an email address.');
    case 'phone':
      return typeof value === 'string' && PHONE.test(value) ? pass(value) : fail('Expected a phone number: digits, spaces, ( ) . - and an optional leading +, 5–30 characters.');
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? pass(value) : fail('Expected a finite number.');
    case 'integer':
      return typeof value === 'number' && Number.isSafeInteger(value) ? pass(value) : fail('Expected an integer.');
    case 'boolean':
      return typeof value === 'boolean' ? pass(value) : fail('Expected true or false.');
    case 'date':
      return typeof value === 'string' && isCalendarDate(value) ? pass(value) : fail('Expected a calendar date YYYY-MM-DD.');
    case 'datetime':
      return typeof value === 'string' && isIsoInstant(value) ? pass(value) : fail('Expected an ISO 8601 date-time with an offset (Z or ±hh:mm).');
    case 'url':
      return typeof value === 'string' && isHttpUrl(value) ? pass(value) : fail('Expected an http(s) URL.');
    case 'enum':
      return typeof value === 'string' && (field.options ?? []).includes(value)
        ? pass(value)
        : fail(`Expected one of: ${(field.options ?? []).join(', ')}.`);
    default: {
      const unknownType: never = field.type;
      return fail(`Unknown field type ${String(unknownType)}.`);
    }
  }
}
