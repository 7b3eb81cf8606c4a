import { describe, expect, it } from 'vitest';
import { createHarness, snapshot } from '../support/harness.js';
import { expectError, expectOk } from '../support/expect.js';

const h = await createHarness();

describe('goals.delete', () => {
  it('returns { id, deleted: true } and the goal is gone', async () => {
    const user = await h.makeUser();
    const goal = await h.makeGoal(user);
    expect(expectOk(await user.invoke({ resource: 'goals', action: 'delete', id: goal.id }))).toEqual({ id: goal.id, deleted: true });
    expectError(await user.invoke({ resource: 'goals', action: 'get', id: goal.id }), 404, 'NOT_FOUND');
    const rows = await h.db.kysely.selectFrom('goals').select('id').where('id', '=', goal.id).execute();
    expect(rows).toEqual([]);
  });

  it('removes its attachments: every agent it was attached to shows goal_id null', async () => {
    const user = await h.makeUser();
    const [a, b] = [await h.makeAgent(user), await h.makeAgent(user)];
    const goal = await h.makeGoal(user, { agent_id: a.id });
    for (const agent of [a, b]) await h.ok(user, { resource: 'goals', action: 'attach', data: { goalId: goal.id, agentId: agent.id } });

    await h.ok(user, { resource: 'goals', action: 'delete', id: goal.id });

    for (const agent of [a, b]) {
      expect(expectOk(await user.invoke({ resource: 'agents', action: 'get', id: agent.id })).goal_id).toBeNull();
    }
    const left = await h.db.kysely.selectFrom('attachments').selectAll().where('goal_id', '=', goal.id).execute();
    expect(left).toEqual([]);
  });

  it("leaves the agent's attachment to another goal alone", async () => {
    const user = await h.makeUser();
    const agent = await h.makeAgent(user);
    const [kept, removed] = [await h.makeGoal(user, { agent_id: agent.id }), await h.makeGoal(user, { agent_id: agent.id })];
    await h.ok(user, { resource: 'goals', action: 'attach', data: { goalId: kept.id, agentId: agent.id } });
    await h.ok(user, { resource: 'goals', action: 'delete', id: removed.id });
    expect(expectOk(await user.invoke({ resource: 'agents', action: 'get', id: agent.id })).goal_id).toBe(kept.id);
  });

  it('returns 404 NOT_FOUND the second time, changing nothing', async () => {
    const user = await h.makeUser();
    const goal = await h.makeGoal(user);
    await h.ok(user, { resource: 'goals', action: 'delete', id: goal.id });
    const before = await snapshot(h);
    const error = expectError(await user.invoke({ resource: 'goals', action: 'delete', id: goal.id }), 404, 'NOT_FOUND');
    expect(error.message).toBe(`Goal ${goal.id} was not found.`);
    expect(await snapshot(h)).toEqual(before);
  });

  it("returns 404 NOT_FOUND for another owner's goal and keeps it", async () => {
    const [owner, other] = [await h.makeUser(), await h.makeUser()];
    const goal = await h.makeGoal(owner);
    const before = await snapshot(h);
    expectError(await other.invoke({ resource: 'goals', action: 'delete', id: goal.id }), 404, 'NOT_FOUND');
    expect(await snapshot(h)).toEqual(before);
    expect(expectOk(await owner.invoke({ resource: 'goals', action: 'get', id: goal.id })).id).toBe(goal.id);
  });

  it('returns 400 VALIDATION_ERROR for data with keys, and deletes nothing', async () => {
    const user = await h.makeUser();
    const goal = await h.makeGoal(user);
    const before = await snapshot(h);
    const error = expectError(await user.invoke({ resource: 'goals', action: 'delete', id: goal.id, data: { force: true } }), 400, 'VALIDATION_ERROR');
    expect(error.details).toEqual([{ path: 'data.force', message: 'Unknown key.' }]);
    expect(await snapshot(h)).toEqual(before);
  });
});
