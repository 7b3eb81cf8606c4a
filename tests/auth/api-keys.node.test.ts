import { describe, expect, it } from 'vitest';
import { createHarness } from '../support/harness.js';
import { expectError, expectOk } from '../support/expect.js';

// Node only: these steer the injected TestClock, which the Worker target does not have.
const h = await createHarness();

const listGoals = { resource: 'goals', action: 'list', data: {} };
const lastUsed = async (keyId: string) =>
  (await h.db.kysely.selectFrom('api_keys').select('last_used_at').where('id', '=', keyId).executeTakeFirstOrThrow()).last_used_at;

describe('API keys against the clock', () => {
  it('write last_used_at at most once a minute', async () => {
    const user = await h.makeUser();
    expectOk(await user.invoke(listGoals));
    const first = await lastUsed(user.keyId);
    expect(first).not.toBeNull();

    h.clock.advance(30_000);
    expectOk(await user.invoke(listGoals));
    expect(await lastUsed(user.keyId)).toBe(first);

    h.clock.advance(31_000);
    expectOk(await user.invoke(listGoals));
    const later = await lastUsed(user.keyId);
    expect(Date.parse(later ?? '') - Date.parse(first ?? '')).toBeGreaterThanOrEqual(60_000);
  });

  it('stop working at expires_at, with the 401 of any bad credential', async () => {
    const expiresAt = new Date(h.clock.now().getTime() + 60 * 60_000).toISOString();
    const user = await h.makeUser({ expiresAt });
    expectOk(await user.invoke(listGoals));
    h.clock.advance(60 * 60_000);
    const error = expectError(await user.invoke(listGoals), 401, 'UNAUTHORIZED');
    expect(error.message).toBe('Missing or invalid credentials.');
  });
});
