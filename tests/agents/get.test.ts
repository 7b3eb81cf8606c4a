import { describe, expect, it } from 'vitest';
import { createHarness } from '../support/harness.js';
import { expectError, expectOk } from '../support/expect.js';

const h = await createHarness();

describe('agents.get', () => {
  it('returns the agent with goal_id null when nothing is attached', async () => {
    const user = await h.makeUser();
    const agent = await h.makeAgent(user, { description: 'Books demos' });
    expect(expectOk(await user.invoke({ resource: 'agents', action: 'get', id: agent.id }))).toEqual({ ...agent, goal_id: null });
  });

  it('reflects the attachment in goal_id as it is made, replaced and removed', async () => {
    const user = await h.makeUser();
    const agent = await h.makeAgent(user);
    const [a, b] = [await h.makeGoal(user, { agent_id: agent.id }), await h.makeGoal(user, { agent_id: agent.id })];
    const goalId = async () => expectOk(await user.invoke({ resource: 'agents', action: 'get', id: agent.id })).goal_id;

    await h.ok(user, { resource: 'goals', action: 'attach', data: { goalId: a.id, agentId: agent.id } });
    expect(await goalId()).toBe(a.id);
    await h.ok(user, { resource: 'goals', action: 'attach', data: { goalId: b.id, agentId: agent.id } });
    expect(await goalId()).toBe(b.id);
    await h.ok(user, { resource: 'goals', action: 'detach', data: { agentId: agent.id } });
    expect(await goalId()).toBeNull();
  });

  it("shows a goal attached from another of the owner's agents", async () => {
    const user = await h.makeUser();
    const [home, borrower] = [await h.makeAgent(user), await h.makeAgent(user)];
    const goal = await h.makeGoal(user, { agent_id: home.id });
    await h.ok(user, { resource: 'goals', action: 'attach', data: { goalId: goal.id, agentId: borrower.id } });
    expect(expectOk(await user.invoke({ resource: 'agents', action: 'get', id: borrower.id })).goal_id).toBe(goal.id);
    expect(expectOk(await user.invoke({ resource: 'agents', action: 'get', id: home.id })).goal_id).toBeNull();
  });

  it("returns 404 NOT_FOUND naming the id for an unknown or another owner's agent", async () => {
    const [user, other] = [await h.makeUser(), await h.makeUser()];
    const foreign = await h.makeAgent(other);
    for (const id of [crypto.randomUUID(), foreign.id]) {
      const error = expectError(await user.invoke({ resource: 'agents', action: 'get', id }), 404, 'NOT_FOUND');
      expect(error.message).toBe(`Agent ${id} was not found.`);
    }
  });
});
