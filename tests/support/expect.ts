import { expect } from 'vitest';
import type { AnyBody, Reply } from './harness.js';

type ErrorOf = NonNullable<AnyBody['error']>;

/** Asserts a failure reply of this status and code, and returns its error for further checks. */
export function expectError(reply: Reply<AnyBody>, status: number, code: string): ErrorOf {
  expect({ status: reply.status, code: reply.body.error?.code }).toEqual({ status, code });
  expect(reply.body.success).toBe(false);
  const error = reply.body.error;
  if (!error) throw new Error('no error body');
  expect(error.request_id).toBe(reply.headers.get('x-request-id'));
  return error;
}

/** Asserts a success reply of this status and returns its data. */
export function expectOk<T = any>(reply: Reply<AnyBody>, status = 200): T {
  expect({ status: reply.status, body: reply.body.success ? 'success' : reply.body.error }).toEqual({ status, body: 'success' });
  return reply.body.data as T;
}

/**
 * The contract's order, computed independently of the clock: newest `created_at` first, then
 * the larger id. Lists are compared with this rather than with creation order, because records
 * made within one millisecond share a timestamp on a real clock.
 */
export function newestFirst<T extends { created_at: string; id: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) =>
    a.created_at === b.created_at ? (a.id < b.id ? 1 : a.id > b.id ? -1 : 0) : a.created_at < b.created_at ? 1 : -1,
  );
}

export const ids = (items: readonly { id: string }[]): string[] => items.map((i) => i.id);

/** Lets a real clock move past the last timestamp, so "later" is observable on any target. */
export const letTimePass = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 3));
