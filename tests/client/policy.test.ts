import { describe, expect, it } from 'vitest';
import { ACTION_KINDS, actionKind } from '../../src/client/action-kinds.js';
import { backoffDelay, DEFAULT_RETRY, parseRetryAfter } from '../../src/client/retry.js';
import type { ActionSpec } from '../../src/rpc/define-action.js';
import { actions } from '../../src/rpc/registry.js';
import { actionKey } from '../support/samples.js';

describe("the client's table of action kinds", () => {
  it.each((actions as readonly ActionSpec[]).map((spec) => [actionKey(spec), spec] as const))(
    '%s: matches the registry (reads by scope, idempotent by the spec flag)',
    (key, spec) => {
      const expected = spec.scope.endsWith(':read') ? 'read' : spec.idempotent === true ? 'idempotent' : 'write';
      expect(ACTION_KINDS[key]).toBe(expected);
    },
  );

  it('treats an action it does not know as a plain write, never retried after it may have run', () => {
    expect(actionKind('goals', 'launch')).toBe('write');
    expect(actionKind('toString', '')).toBe('write');
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('reads delay-seconds and HTTP dates, and ignores what it cannot read', () => {
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('-1', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});

describe('backoffDelay', () => {
  it('doubles its ceiling per retry and never passes maxDelayMs', () => {
    const top = () => 0.999999;
    expect([0, 1, 2, 3].map((r) => backoffDelay(r, { ...DEFAULT_RETRY, baseDelayMs: 100 }, top))).toEqual([99, 199, 399, 799]);
    expect(backoffDelay(30, { ...DEFAULT_RETRY, maxDelayMs: 1_000 }, top)).toBe(999);
    expect(backoffDelay(2, DEFAULT_RETRY, () => 0)).toBe(0);
  });
});
