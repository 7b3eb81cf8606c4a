import { describe, expect, it } from 'vitest';
import { createHarness } from '../support/harness.js';
import { expectError, expectOk } from '../support/expect.js';
import { recorded } from './support.js';

const h = await createHarness();

describe('outcomes.get', () => {
  it('returns the outcome as recorded', async () => {
    const user = await h.makeUser();
    const goal = await h.makeGoal(user);
    const outcome = await recorded(user, { goal_id: goal.id, conversation_id: 'c1', achieved: false, notes: 'Called back later' });
    expect(expectOk(await user.invoke({ resource: 'outcomes', action: 'get', id: outcome.id }))).toEqual(outcome);
  });

  it("returns 404 NOT_FOUND for another owner's outcome with the body of a missing one", async () => {
    const owner = await h.makeUser();
    const intruder = await h.makeUser();
    const goal = await h.makeGoal(owner);
    const outcome = await recorded(owner, { goal_id: goal.id, conversation_id: 'c1', achieved: true });
    const foreign = expectError(await intruder.invoke({ resource: 'outcomes', action: 'get', id: outcome.id }), 404, 'NOT_FOUND');
    const ghost = crypto.randomUUID();
    const missing = expectError(await intruder.invoke({ resource: 'outcomes', action: 'get', id: ghost }), 404, 'NOT_FOUND');
    expect(foreign.message.replace(outcome.id, '<id>')).toBe(missing.message.replace(ghost, '<id>'));
  });

  it("returns another owner's outcome with its owner in admin mode", async () => {
    const owner = await h.makeUser();
    const admin = await h.makeUser({ admin: true });
    const goal = await h.makeGoal(owner);
    const outcome = await recorded(owner, { goal_id: goal.id, conversation_id: 'c1', achieved: true });
    const seen = expectOk(await admin.invoke({ resource: 'outcomes', action: 'get', id: outcome.id, admin: true }));
    expect(seen).toEqual({ ...outcome, owner: { id: owner.id, email: owner.email, name: expect.any(String) } });
  });
});
