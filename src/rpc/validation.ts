import type { z } from 'zod';
import { type ErrorDetail, validationError, type ApiError } from './errors.js';

type Issue = z.core.$ZodIssue;

/** `['data', 'fields', 2, 'key']` → `data.fields.2.key` */
export const joinPath = (path: readonly PropertyKey[]): string => path.map(String).join('.');

const describeValue = (value: unknown): string => {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
};

const limit = (origin: string, n: number | bigint, min: boolean): string => {
  const bound = min ? 'at least' : 'at most';
  if (origin === 'string') return `Must be ${bound} ${n} character${n === 1 ? '' : 's'} long.`;
  if (origin === 'array') return `Must have ${bound} ${n} item${n === 1 ? '' : 's'}.`;
  return `Must be ${bound} ${n}.`;
};

/** Our own wording for every issue kind: callers never see the validator's default text. */
function issueMessage(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'Required.';
      if (issue.expected === 'int') return 'Must be an integer.';
      return `Expected ${issue.expected}, received ${describeValue(issue.input)}.`;
    case 'too_small':
      return limit(issue.origin, issue.minimum, true);
    case 'too_big':
      return limit(issue.origin, issue.maximum, false);
    case 'invalid_format':
      if (issue.format === 'regex') return `Must match ${issue.pattern ?? 'the expected pattern'}.`;
      return `Must be a valid ${issue.format === 'uuid' || issue.format === 'guid' ? 'UUID' : issue.format}.`;
    case 'invalid_value':
      return `Must be one of: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}.`;
    case 'unrecognized_keys':
      return 'Unknown key.';
    case 'invalid_union':
      return 'Does not match any allowed shape.';
    case 'not_multiple_of':
      return `Must be a multiple of ${issue.divisor}.`;
    case 'custom':
      return issue.message;
    default:
      return 'Invalid value.';
  }
}

/** One detail per problem; an unknown key is reported at its own path. */
export function zodDetails(error: z.ZodError, prefix: readonly PropertyKey[] = []): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const issue of error.issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) details.push({ path: joinPath([...path, key]), message: 'Unknown key.' });
    } else {
      details.push({ path: joinPath(path), message: issueMessage(issue) });
    }
  }
  return details;
}

export const zodValidationError = (error: z.ZodError, prefix: readonly PropertyKey[] = []): ApiError =>
  validationError(zodDetails(error, prefix));

/**
 * Parses caller input, or throws the VALIDATION_ERROR with our details. `reportInput` keeps the
 * offending value on each issue: without it zod 4 leaves `input` out and null reads as missing.
 */
export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, prefix: readonly PropertyKey[] = []): z.output<T> {
  const parsed = schema.safeParse(value, { reportInput: true });
  if (!parsed.success) throw zodValidationError(parsed.error, prefix);
  return parsed.data;
}
