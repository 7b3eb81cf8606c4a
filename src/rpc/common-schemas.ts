import * as z from 'zod';
import { isCalendarDate } from '../progress/calendar.js';

/** A record id in input: a UUID, compared case-insensitively (stored ids are lowercase). */
export const recordId = z.uuid().toLowerCase();

export const ownerSchema = z
  .object({
    id: z.string(),
    email: z.string().nullable(),
    name: z.string().nullable(),
  })
  .describe('The record owner; present only in admin mode.');

export type Owner = z.infer<typeof ownerSchema>;

export const timestampSchema = z.iso.datetime().describe('ISO 8601 UTC with milliseconds.');

export const deletedSchema = z.object({ id: z.uuid(), deleted: z.literal(true) });

/** Name-like text: trimmed, then 1–max characters. */
export const nameSchema = (max: number) => z.string().trim().min(1).max(max);

/**
 * An update's input: a non-empty subset of the given keys. The emptiness check runs only on
 * input with no other problem, so `{ owner_id: 1 }` is reported as an unknown key, not as empty.
 */
export const patchSchema = <S extends z.core.$ZodLooseShape>(shape: S) =>
  z
    .strictObject(shape)
    .partial()
    .refine((v) => Object.keys(v).length > 0, {
      message: 'Give at least one key to change.',
      when: (payload) => payload.issues.length === 0,
    })
    .meta({ minProperties: 1 }); // the refine, as JSON Schema says it in the catalog

/** The input of actions that take only an id: `data` may be left out or be `{}`. */
export const emptyInput = z.strictObject({});

// ISO 8601 date-time with a required offset (Z or ±hh:mm); seconds and fractions optional.
const DATETIME = /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/i;

/** An ISO 8601 instant with an offset, naming a real date and time. */
export function isIsoInstant(value: string): boolean {
  const m = DATETIME.exec(value);
  return m !== null && m[1] !== undefined && isCalendarDate(m[1]) && Number.isFinite(Date.parse(value));
}

/** Any ISO 8601 instant with an offset, normalised to UTC with milliseconds. */
export const instantSchema = z
  .string()
  .max(40)
  .refine(isIsoInstant, { message: 'Must be an ISO 8601 date-time with an offset (Z or ±hh:mm).' })
  .transform((value) => new Date(Date.parse(value)).toISOString())
  .meta({ format: 'date-time' });
