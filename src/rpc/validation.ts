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
      // JSON's 1e999 parses to Infinity.
      if (typeof issue.input === 'number' && !Number.isFinite(issue.input)) return 'Must be a finite number.';
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

/** NUL and unpaired UTF-16 surrogates: SQLite's text functions stop at a NUL, and UTF-8 cannot hold a lone surrogate. */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

interface Visit {
  value: unknown;
  key: PropertyKey | null;
  parent: Visit | null;
}

const pathOf = (visit: Visit, prefix: readonly PropertyKey[]): string => {
  const keys: PropertyKey[] = [];
  for (let v: Visit | null = visit; v !== null && v.key !== null; v = v.parent) keys.push(v.key);
  return joinPath([...prefix, ...keys.reverse()]);
};

/**
 * One detail per string, value or key, that cannot be stored as sent. Iterative with parent links,
 * so a deeply nested body costs neither stack nor quadratic time.
 */
export function unstorableTextDetails(value: unknown, prefix: readonly PropertyKey[] = []): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  const stack: Visit[] = [{ value, key: null, parent: null }];
  for (let visit = stack.pop(); visit !== undefined; visit = stack.pop()) {
    const current = visit.value;
    if (typeof current === 'string') {
      if (UNSTORABLE.test(current)) {
        details.push({ path: pathOf(visit, prefix), message: 'Contains a NUL character or an unpaired surrogate, which cannot be stored as text.' });
      }
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i -= 1) stack.push({ value: current[i], key: i, parent: visit });
    } else if (typeof current === 'object' && current !== null) {
      for (const [key, child] of Object.entries(current).reverse()) {
        if (UNSTORABLE.test(key)) {
          details.push({ path: pathOf(visit, prefix), message: 'Has a key with a NUL character or an unpaired surrogate.' });
        } else {
          stack.push({ value: child, key, parent: visit });
        }
      }
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
