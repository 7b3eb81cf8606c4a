import { describe, expect, it } from 'vitest';
import { createHarness } from '../support/harness.js';
import { expectError, expectOk } from '../support/expect.js';

const h = await createHarness();

describe('goals.get', () => {
  it('returns the goal as create returned it', async () => {
    const user = await h.makeUser();
    const goal = await h.makeGoal(user, {
      description: 'Ends with a booked slot.',
      priority: 4,
      fields: [{ key: 'phone', label: 'Phone', type: 'phone', required: true }],
    });
    expect(expectOk(await user.invoke({ resource: 'goals', action: 'get', id: goal.id }))).toEqual(goal);
  });

  it('accepts an empty data object', async () => {
    const user = await h.makeUser();
    const goal = await h.makeGoal(user);
    expect(expectOk(await user.invoke({ resource: 'goals', action: 'get', id: goal.id, data: {} })).id).toBe(goal.id);
  });

  it('returns 404 NOT_FOUND naming the id of an unknown goal', async () => {
    const user = await h.makeUser();
    const id = crypto.randomUUID();
    const error = expectError(await user.invoke({ resource: 'goals', action: 'get', id }), 404, 'NOT_FOUND');
    expect(error).toMatchObject({ message: `Goal ${id} was not found.`, retryable: false });
  });

  it('returns 404 NOT_FOUND for a deleted goal', async () => {
    const user = await h.makeUser();
    const goal = await h.makeGoal(user);
    await h.ok(user, { resource: 'goals', action: 'delete', id: goal.id });
    expectError(await user.invoke({ resource: 'goals', action: 'get', id: goal.id }), 404, 'NOT_FOUND');
  });

  it("returns 404 NOT_FOUND for another owner's goal, with the same message shape as a missing one", async () => {
    const [owner, other] = [await h.makeUser(), await h.makeUser()];
    const goal = await h.makeGoal(owner);
    const error = expectError(await other.invoke({ resource: 'goals', action: 'get', id: goal.id }), 404, 'NOT_FOUND');
    expect(error.message).toBe(`Goal ${goal.id} was not found.`);
  });

  it('returns 400 VALIDATION_ERROR for data that is not an object', async () => {
    const user = await h.makeUser();
    const goal = await h.makeGoal(user);
    for (const data of [null, [], 'x', 1]) {
      const error = expectError(await user.invoke({ resource: 'goals', action: 'get', id: goal.id, data }), 400, 'VALIDATION_ERROR');
      expect(error.details?.map((d) => d.path)).toEqual(['data']);
    }
  });
});
