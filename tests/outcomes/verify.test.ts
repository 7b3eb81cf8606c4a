import { describe, expect, it } from 'vitest';
import type { LeadField } from '../../src/goals/schemas.js';
import { achievedOf, collectedValues, normalizeText, quoteFound, verifyAnswer, type ModelAnswer, type Transcript } from '../../src/outcomes/verify.js';

const field = (key: string, type: LeadField['type'], extra: Partial<LeadField> = {}): LeadField => ({
  key,
  label: key,
  type,
  required: false,
  description: null,
  options: type === 'enum' ? ['morning', 'afternoon'] : null,
  ...extra,
});

const FIELDS: LeadField[] = [
  field('email', 'email', { required: true }),
  field('contact_time', 'enum', { required: true }),
  field('seats', 'integer'),
  field('notes', 'text'),
];

const TEXT = `Agent: Hello, this is Sam from Acme.
User: Hi! My email is   Ana@Example.com and mornings   work best.
User: We need 12 seats.`;

const answer = (values: ModelAnswer['values'], verdict: ModelAnswer['verdict'] = 'achieved'): ModelAnswer => ({
  verdict,
  rationale: 'The caller agreed to a meeting.',
  confidence: 0.9,
  values,
});

const verify = (values: ModelAnswer['values'], transcript: Transcript = TEXT) => verifyAnswer(FIELDS, transcript, answer(values));

describe('quote search', () => {
  it('ignores case and runs of whitespace on both sides, and the edges of the quote', () => {
    expect(normalizeText('  My EMAIL\n\tis  ')).toBe('my email is');
    expect(quoteFound(' my email IS ana@example.com\n', [normalizeText(TEXT)])).toBe(true);
  });

  it('never finds an empty or blank quote', () => {
    expect(quoteFound('', [normalizeText(TEXT)])).toBe(false);
    expect(quoteFound(' \n ', [normalizeText(TEXT)])).toBe(false);
  });

  it('matches composed and decomposed accents alike', () => {
    expect(quoteFound('Cafe\u0301 René', [normalizeText('Meet at the Café René')])).toBe(true);
  });
});

describe('verifyAnswer', () => {
  it('collects a value whose quote is in the transcript and that passes its field check', () => {
    const result = verify([{ key: 'email', value: 'Ana@Example.com', quote: 'My email is Ana@Example.com' }]);

    expect(result.fields.email).toEqual({ status: 'collected', value: 'Ana@Example.com', quote: 'My email is Ana@Example.com', reason: null });
  });

  it('accepts a quote that differs from the transcript only in case and spaces', () => {
    const result = verify([{ key: 'email', value: 'ana@example.com', quote: 'MY EMAIL IS ana@example.com AND  MORNINGS WORK BEST' }]);

    expect(result.fields.email?.status).toBe('collected');
  });

  it('rejects a value whose quote is not in the transcript, keeping the value and quote', () => {
    const result = verify([{ key: 'email', value: 'bob@example.com', quote: 'my email is bob@example.com' }]);

    expect(result.fields.email).toEqual({ status: 'rejected', value: 'bob@example.com', quote: 'my email is bob@example.com', reason: 'quote_not_found' });
  });

  it('rejects a value with an empty quote as quote_not_found', () => {
    expect(verify([{ key: 'seats', value: 12, quote: '' }]).fields.seats?.reason).toBe('quote_not_found');
  });

  it.each([
    ['email', 'ana at example', 'My email is'],
    ['seats', 12.5, 'We need 12 seats'],
    ['seats', '12', 'We need 12 seats'],
    ['contact_time', 'evening', 'mornings work best'],
    ['notes', true, 'We need 12 seats'],
  ] as const)('rejects %s = %j as invalid when its quote is found', (key, value, quote) => {
    expect(verify([{ key, value, quote }]).fields[key]).toEqual({ status: 'rejected', value, quote, reason: 'invalid' });
  });

  it('reports quote_not_found when the quote is missing and the value is also invalid', () => {
    expect(verify([{ key: 'seats', value: 'twelve', quote: 'twelve seats please' }]).fields.seats?.reason).toBe('quote_not_found');
  });

  it('replaces an enum value that matches an option case-insensitively by the option', () => {
    const result = verify([{ key: 'contact_time', value: 'MORNING', quote: 'mornings work best' }]);

    expect(result.fields.contact_time).toMatchObject({ status: 'collected', value: 'morning' });
  });

  it('drops keys that are not fields of the goal, including Object.prototype names', () => {
    const result = verify([
      { key: 'budget', value: 'large', quote: 'We need 12 seats' },
      { key: 'constructor', value: 'x', quote: 'We need 12 seats' },
    ]);

    expect(Object.keys(result.fields)).toEqual(['email', 'contact_time', 'seats', 'notes']);
  });

  it('keeps the first answer for a field given twice, even when a later one would pass', () => {
    const result = verify([
      { key: 'seats', value: 13, quote: 'we need 13 seats' },
      { key: 'seats', value: 12, quote: 'We need 12 seats' },
    ]);

    expect(result.fields.seats).toMatchObject({ status: 'rejected', value: 13, reason: 'quote_not_found' });
  });

  it('treats a null value as missing, whatever its quote', () => {
    const result = verify([{ key: 'seats', value: null, quote: 'We need 12 seats' }]);

    expect(result.fields.seats).toEqual({ status: 'missing', value: null, quote: null, reason: null });
  });

  it('lists every field of the goal in its order, and the required ones missing or rejected', () => {
    const result = verify([
      { key: 'seats', value: 12, quote: 'We need 12 seats' },
      { key: 'email', value: 'nobody@example.com', quote: 'nobody@example.com' },
    ]);

    expect(Object.keys(result.fields)).toEqual(['email', 'contact_time', 'seats', 'notes']);
    expect(result.fields.notes).toEqual({ status: 'missing', value: null, quote: null, reason: null });
    expect(result.missing_required).toEqual(['email', 'contact_time']);
  });

  it("searches each turn's text on its own: a quote across two turns or with a speaker label is not found", () => {
    const turns: Transcript = [
      { role: 'agent', text: 'How many seats do you need?' },
      { role: 'user', text: 'We need 12 seats.' },
    ];

    expect(verify([{ key: 'seats', value: 12, quote: 'we need 12 seats' }], turns).fields.seats?.status).toBe('collected');
    expect(verify([{ key: 'seats', value: 12, quote: 'need? We need 12' }], turns).fields.seats?.reason).toBe('quote_not_found');
    expect(verify([{ key: 'seats', value: 12, quote: 'user: We need 12 seats' }], turns).fields.seats?.reason).toBe('quote_not_found');
  });

  it('keeps the verdict, rationale and confidence as the model gave them', () => {
    const result = verifyAnswer(FIELDS, TEXT, answer([], 'not_achieved'));

    expect(result).toMatchObject({ verdict: 'not_achieved', rationale: 'The caller agreed to a meeting.', confidence: 0.9 });
  });
});

describe('what an outcome records', () => {
  it('keeps the collected values only', () => {
    const result = verify([
      { key: 'email', value: 'ana@example.com', quote: 'my email is ana@example.com' },
      { key: 'seats', value: 99, quote: 'We need 99 seats' },
    ]);

    expect(collectedValues(result)).toEqual({ email: 'ana@example.com' });
  });

  it('maps achieved to true, not_achieved to false and unknown to null', () => {
    expect([achievedOf('achieved'), achievedOf('not_achieved'), achievedOf('unknown')]).toEqual([true, false, null]);
  });
});
