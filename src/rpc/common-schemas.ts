import * as z from 'zod';

/** A JSON Schema object as the catalog publishes it. */
export type JsonSchema = Record<string, unknown>;

/**
 * Rules the server checks in code (refinements, trimming) written as JSON Schema, next to the zod
 * schema they belong to. Only the catalog reads them: the structured-output schema sent to the LLM
 * stays in the subset providers accept.
 */
const publishedRules = z.registry<{ publish: (generated: JsonSchema) => void }>();

/** Registers how `schema` is published beyond what zod writes itself; returns `schema`. */
export function publishAs<T extends z.ZodType>(schema: T, publish: (generated: JsonSchema) => void): T {
  publishedRules.add(schema, { publish });
  return schema;
}

/** The rule of `schema` or of the schema it was cloned from by `.describe()`/`.meta()`. */
export function publishedRule(schema: z.core.$ZodType): ((generated: JsonSchema) => void) | undefined {
  for (let s: z.core.$ZodType | undefined = schema; s !== undefined; s = s._zod.parent) {
    const rule = publishedRules.get(s);
    if (rule) return rule.publish;
  }
  return undefined;
}

/** JSON Schema for "all of these keys are present"; naming them in `properties` too keeps strict validators (ajv) content. */
export const allPresent = (...keys: string[]): JsonSchema => ({
  properties: Object.fromEntries(keys.map((k) => [k, true])),
  required: keys,
});

/** JSON Schema patterns (ECMA-262) for text rules the server enforces. NUL is unstorable in every string. */
export const TEXT_PATTERNS = {
  /** Any text without NUL. */
  noNul: '^[^\\u0000]*$',
  /** At least one non-whitespace character, no NUL: what is left after trimming is not empty. */
  hasText: '^\\s*[^\\u0000\\s][^\\u0000]*$',
  /** Non-empty, no leading or trailing whitespace, no NUL. */
  trimmed: '^[^\\u0000\\s](?:[^\\u0000]*[^\\u0000\\s])?$',
} as const;

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

/**
 * Name-like text: at most `max` characters as sent, with a non-whitespace character; stored trimmed.
 * The length is checked before trimming, so the published `maxLength` is exact.
 */
export const nameSchema = (max: number) =>
  publishAs(z.string().max(max).trim().min(1), (s) => {
    s.pattern = TEXT_PATTERNS.hasText;
  });

/**
 * Like `nameSchema`, but published without surrounding whitespace: for values compared after
 * trimming (enum options must be unique), where `uniqueItems` on padded text would not be exact.
 * The server still accepts and trims padded values.
 */
export const trimmedTextSchema = (max: number) =>
  publishAs(z.string().max(max).trim().min(1), (s) => {
    s.pattern = TEXT_PATTERNS.trimmed;
  });

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

// A real calendar date 0001-01-01 … 9999-12-31 (February 29 in leap years only), as a pattern
// without lookarounds so JSON Schema consumers and generators can use it as it is.
const YEAR = '(?:000[1-9]|00[1-9]\\d|0[1-9]\\d{2}|[1-9]\\d{3})';
const LEAP_YEAR = '(?:\\d{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)';
const MONTH_DAY = '(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|02-(?:0[1-9]|1\\d|2[0-8]))';
const dateOf = (year: string, leapYear: string) => `(?:${year}-${MONTH_DAY}|${leapYear}-02-29)`;
/** ISO 8601 date-time with a required offset (Z or ±hh:mm); seconds and up to 9 fraction digits optional. */
const instantOf = (date: string) =>
  `^${date}T(?:[01]\\d|2[0-3]):[0-5]\\d(?::[0-5]\\d(?:\\.\\d{1,9})?)?(?:Z|[+-](?:[01]\\d|2[0-3]):[0-5]\\d)$`;
const INSTANT_PATTERN = instantOf(dateOf(YEAR, LEAP_YEAR));

// Years 1000–9997 for what calendar windows are computed around (a target's dates, progress's `at`,
// an outcome's occurred_at): every window that contains them, 52 windows of history before them and
// a zone's offset of up to 14 h then stay inside the years 0001–9999 that dates are written in.
const WINDOW_YEAR = '(?:[1-8]\\d{3}|9[0-8]\\d{2}|99[0-8]\\d|999[0-7])';
const WINDOW_LEAP_YEAR = '(?:[1-9]\\d(?:0[48]|[2468][048]|[13579][26])|(?:1[26]|[2468][048]|[3579][26])00)';
export const WINDOW_DATE_PATTERN = dateOf(WINDOW_YEAR, WINDOW_LEAP_YEAR);
const WINDOW_INSTANT_PATTERN = instantOf(WINDOW_DATE_PATTERN);

/** Whether a text matches an instant pattern and names a real date and time. */
const instantTest = (pattern: string) => {
  const shape = new RegExp(pattern);
  return (value: string): boolean => shape.test(value) && Number.isFinite(Date.parse(value));
};

/** An ISO 8601 instant with an offset, naming a real date and time. */
export const isIsoInstant = instantTest(INSTANT_PATTERN);

/** ISO 8601 instants with an offset matching `pattern`, normalised to UTC with milliseconds. */
function instantMatching(pattern: string, message: string) {
  return publishAs(
    z
      .string()
      .max(40)
      .refine(instantTest(pattern), { message })
      .transform((value) => new Date(Date.parse(value)).toISOString()),
    (s) => {
      s.type = 'string';
      s.format = 'date-time';
      s.pattern = pattern;
      s.maxLength = 40;
    },
  );
}

/** Any ISO 8601 instant with an offset, normalised to UTC with milliseconds. */
export const instantSchema = instantMatching(INSTANT_PATTERN, 'Must be an ISO 8601 date-time with an offset (Z or ±hh:mm).');

/** An instant that calendar windows are computed around: as `instantSchema`, in the years 1000–9997. */
export const windowInstantSchema = instantMatching(
  WINDOW_INSTANT_PATTERN,
  'Must be an ISO 8601 date-time with an offset (Z or ±hh:mm), in the years 1000–9997.',
);
