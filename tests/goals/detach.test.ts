import { describe, expect, it } from 'vitest';
import { createHarness, snapshot, type TestUser } from '../support/harness.js';
import { expectError, expectOk } from '../support/expect.js';

const h = await createHarness();

const detach = (user: TestUser, data: Record<string, unknown>) => user.invoke({ resource: 'goals', action: 'detach', data });

/** A user with an agent that has a goal attached. */
async function attached() {
  const user = await h.makeUser();
  const agent = await h.makeAgent(user);
  const goal = await h.makeGoal(user, { agent_id: agent.id });
  await h.ok(user, { resource: 'goals', action: 'attach', data: { goalId: goal.id, agentId: agent.id } });
  return { user, agent, goal };
}

const attachedGoal = async (user: TestUser, agentId: string) =>
  expectOk(await user.invoke({ resource: 'agents', action: 'get', id: agentId })).goal_id as string | null;

describe('goals.detach', () => {
  it("detaches the agent's goal without goalId and reports which goal it was", async () => {
    const { user, agent, goal } = await attached();
    expect(expectOk(await detach(user, { agentId: agent.id }))).toEqual({ agent_id: agent.id, goal_id: goal.id, detached: true });
    expect(await attachedGoal(user, agent.id)).toBeNull();
  });

  it('detaches when goalId names the attached goal (also as goal_id / agent_id)', async () => {
    const { user, agent, goal } = await attached();
    expect(expectOk(await detach(user, { agent_id: agent.id, goal_id: goal.id }))).toEqual({ agent_id: agent.id, goal_id: goal.id, detached: true });
    expect(await attachedGoal(user, agent.id)).toBeNull();
  });

  it('keeps the goal itself and its other attachments', async () => {
    const { user, agent, goal } = await attached();
    const other = await h.makeAgent(user);
    await h.ok(user, { resource: 'goals', action: 'attach', data: { goalId: goal.id, agentId: other.id } });
    await h.ok(user, { resource: 'goals', action: 'detach', data: { agentId: agent.id } });
    expect(expectOk(await user.invoke({ resource: 'goals', action: 'get', id: goal.id })).id).toBe(goal.id);
    expect(await attachedGoal(user, other.id)).toBe(goal.id);
  });

  it('returns 404 NOT_FOUND when goalId is not the attached goal, and keeps the attachment', async () => {
    const { user, agent, goal } = await attached();
    const otherGoal = await h.makeGoal(user, { agent_id: agent.id });
    const before = await snapshot(h);
    const error = expectError(await detach(user, { agentId: agent.id, goalId: otherGoal.id }), 404, 'NOT_FOUND');
    expect(error.message).toBe(`Goal ${otherGoal.id} is not attached to agent ${agent.id}.`);
    expect(await snapshot(h)).toEqual(before);
    expect(await attachedGoal(user, agent.id)).toBe(goal.id);
  });

  it('returns 404 NOT_FOUND when nothing is attached, also the second time', async () => {
    const { user, agent } = await attached();
    await h.ok(user, { resource: 'goals', action: 'detach', data: { agentId: agent.id } });
    const error = expectError(await detach(user, { agentId: agent.id }), 404, 'NOT_FOUND');
    expect(error.message).toBe(`No goal is attached to agent ${agent.id}.`);
    const bare = await h.makeAgent(user);
    expectError(await detach(user, { agentId: bare.id }), 404, 'NOT_FOUND');
  });

  it("returns 404 NOT_FOUND naming the agent for another owner's agent, like an unknown one, and keeps their attachment", async () => {
    const { user: owner, agent, goal } = await attached();
    const intruder = await h.makeUser();
    const before = await snapshot(h);
    const foreign = expectError(await detach(intruder, { agentId: agent.id }), 404, 'NOT_FOUND');
    expect(foreign.message).toBe(`Agent ${agent.id} was not found.`);
    const ghost = crypto.randomUUID();
    expect(expectError(await detach(intruder, { agentId: ghost }), 404, 'NOT_FOUND').message).toBe(`Agent ${ghost} was not found.`);
    expect(await snapshot(h)).toEqual(before);
    expect(await attachedGoal(owner, agent.id)).toBe(goal.id);
  });

  describe('returns 400 VALIDATION_ERROR, changing nothing,', () => {
    it('without agentId', async () => {
      const { user, goal } = await attached();
      const before = await snapshot(h);
      const error = expectError(await detach(user, { goalId: goal.id }), 400, 'VALIDATION_ERROR');
      expect(error.details).toEqual([{ path: 'data.agentId', message: 'Required.' }]);
      expect(await snapshot(h)).toEqual(before);
    });

    it('for a malformed goalId', async () => {
      const { user, agent } = await attached();
      const error = expectError(await detach(user, { agentId: agent.id, goalId: 'first' }), 400, 'VALIDATION_ERROR');
      expect(error.details).toEqual([{ path: 'data.goalId', message: 'Must be a valid UUID.' }]);
    });

    it('when agentId and agent_id disagree', async () => {
      const { user, agent } = await attached();
      const before = await snapshot(h);
      const error = expectError(await detach(user, { agentId: agent.id, agent_id: crypto.randomUUID() }), 400, 'VALIDATION_ERROR');
      expect(error.details).toEqual([{ path: 'data.agent_id', message: 'Conflicts with data.agentId; give one of them.' }]);
      expect(await snapshot(h)).toEqual(before);
    });
  });
});
