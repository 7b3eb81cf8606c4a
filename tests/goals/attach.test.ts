import { describe, expect, it } from 'vitest';
import { createHarness, snapshot, type TestUser } from '../support/harness.js';
import { expectError, expectOk } from '../support/expect.js';

const h = await createHarness();

const attach = (user: TestUser, data: Record<string, unknown>) => user.invoke({ resource: 'goals', action: 'attach', data });
const attachedGoal = async (user: TestUser, agentId: string) =>
  expectOk(await user.invoke({ resource: 'agents', action: 'get', id: agentId })).goal_id as string | null;

describe('goals.attach', () => {
  it('attaches a goal to an agent with nothing attached, reporting replaced_goal_id null', async () => {
    const user = await h.makeUser();
    const agent = await h.makeAgent(user);
    const goal = await h.makeGoal(user, { agent_id: agent.id });
    const result = expectOk(await attach(user, { goalId: goal.id, agentId: agent.id }));
    expect(result).toEqual({ agent_id: agent.id, goal_id: goal.id, attached_at: expect.any(String), replaced_goal_id: null });
    expect(result.attached_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(await attachedGoal(user, agent.id)).toBe(goal.id);
  });

  it("replaces the agent's previous goal and reports it in replaced_goal_id", async () => {
    const user = await h.makeUser();
    const agent = await h.makeAgent(user);
    const [first, second] = [await h.makeGoal(user, { agent_id: agent.id }), await h.makeGoal(user, { agent_id: agent.id })];
    await h.ok(user, { resource: 'goals', action: 'attach', data: { goalId: first.id, agentId: agent.id } });

    const result = expectOk(await attach(user, { goalId: second.id, agentId: agent.id }));
    expect(result).toMatchObject({ agent_id: agent.id, goal_id: second.id, replaced_goal_id: first.id });
    expect(await attachedGoal(user, agent.id)).toBe(second.id);
    const rows = await h.db.kysely.selectFrom('attachments').select('goal_id').where('agent_id', '=', agent.id).execute();
    expect(rows).toEqual([{ goal_id: second.id }]);

    const back = expectOk(await attach(user, { goalId: first.id, agentId: agent.id }));
    expect(back.replaced_goal_id).toBe(second.id);
  });

  it('changes nothing when the goal is already attached, reporting replaced_goal_id null', async () => {
    const user = await h.makeUser();
    const agent = await h.makeAgent(user);
    const [previous, goal] = [await h.makeGoal(user, { agent_id: agent.id }), await h.makeGoal(user, { agent_id: agent.id })];
    await h.ok(user, { resource: 'goals', action: 'attach', data: { goalId: previous.id, agentId: agent.id } });
    const first = expectOk(await attach(user, { goalId: goal.id, agentId: agent.id }));
    expect(first.replaced_goal_id).toBe(previous.id);

    const before = await snapshot(h);
    const again = expectOk(await attach(user, { goalId: goal.id, agentId: agent.id }));
    expect(again).toEqual({ ...first, replaced_goal_id: null });
    expect(await snapshot(h)).toEqual(before);
  });

  it('attaches one goal to many agents', async () => {
    const user = await h.makeUser();
    const agents = [await h.makeAgent(user), await h.makeAgent(user), await h.makeAgent(user)];
    const goal = await h.makeGoal(user, { agent_id: agents[0]?.id });
    for (const agent of agents) {
      expect(expectOk(await attach(user, { goalId: goal.id, agentId: agent.id })).replaced_goal_id).toBeNull();
    }
    for (const agent of agents) expect(await attachedGoal(user, agent.id)).toBe(goal.id);
  });

  it('attaches draft and paused goals', async () => {
    const user = await h.makeUser();
    for (const status of ['draft', 'paused']) {
      const agent = await h.makeAgent(user);
      const goal = await h.makeGoal(user, { agent_id: agent.id, status });
      expect(expectOk(await attach(user, { goalId: goal.id, agentId: agent.id })).goal_id).toBe(goal.id);
    }
  });

  it('accepts goal_id and agent_id as aliases, and both spellings when they agree', async () => {
    const user = await h.makeUser();
    const agent = await h.makeAgent(user);
    const goal = await h.makeGoal(user, { agent_id: agent.id });
    expect(expectOk(await attach(user, { goal_id: goal.id, agent_id: agent.id })).goal_id).toBe(goal.id);
    expect(expectOk(await attach(user, { goalId: goal.id, goal_id: goal.id, agentId: agent.id })).goal_id).toBe(goal.id);
  });

  it('returns 409 CONFLICT when attaching an archived goal, keeping the previous attachment', async () => {
    const user = await h.makeUser();
    const agent = await h.makeAgent(user);
    const current = await h.makeGoal(user, { agent_id: agent.id });
    const archived = await h.makeGoal(user, { agent_id: agent.id, status: 'archived' });
    await h.ok(user, { resource: 'goals', action: 'attach', data: { goalId: current.id, agentId: agent.id } });

    const before = await snapshot(h);
    const error = expectError(await attach(user, { goalId: archived.id, agentId: agent.id }), 409, 'CONFLICT');
    expect(error).toMatchObject({ message: `Goal ${archived.id} is archived and cannot be attached.`, retryable: false });
    expect(await snapshot(h)).toEqual(before);
    expect(await attachedGoal(user, agent.id)).toBe(current.id);
  });

  describe('returns 404 NOT_FOUND, changing nothing,', () => {
    it('naming an unknown goal or agent', async () => {
      const user = await h.makeUser();
      const agent = await h.makeAgent(user);
      const goal = await h.makeGoal(user, { agent_id: agent.id });
      const ghost = crypto.randomUUID();
      const before = await snapshot(h);
      expect(expectError(await attach(user, { goalId: ghost, agentId: agent.id }), 404, 'NOT_FOUND').message).toBe(`Goal ${ghost} was not found.`);
      expect(expectError(await attach(user, { goalId: goal.id, agentId: ghost }), 404, 'NOT_FOUND').message).toBe(`Agent ${ghost} was not found.`);
      expect(await snapshot(h)).toEqual(before);
    });

    it("for another owner's goal or agent, as if it did not exist", async () => {
      const [user, other] = [await h.makeUser(), await h.makeUser()];
      const mine = await h.makeAgent(user);
      const myGoal = await h.makeGoal(user, { agent_id: mine.id });
      const theirs = await h.makeAgent(other);
      const theirGoal = await h.makeGoal(other, { agent_id: theirs.id });
      const before = await snapshot(h);
      expect(expectError(await attach(user, { goalId: theirGoal.id, agentId: mine.id }), 404, 'NOT_FOUND').message).toBe(
        `Goal ${theirGoal.id} was not found.`,
      );
      expect(expectError(await attach(user, { goalId: myGoal.id, agentId: theirs.id }), 404, 'NOT_FOUND').message).toBe(
        `Agent ${theirs.id} was not found.`,
      );
      expect(await snapshot(h)).toEqual(before);
    });
  });

  describe('returns 400 VALIDATION_ERROR', () => {
    it('without goalId or agentId', async () => {
      const user = await h.makeUser();
      const error = expectError(await attach(user, {}), 400, 'VALIDATION_ERROR');
      expect(error.details).toEqual([
        { path: 'data.goalId', message: 'Required.' },
        { path: 'data.agentId', message: 'Required.' },
      ]);
    });

    it('for malformed ids', async () => {
      const user = await h.makeUser();
      const error = expectError(await attach(user, { goalId: 'g1', agentId: 42 }), 400, 'VALIDATION_ERROR');
      expect(error.details?.map((d) => d.path)).toEqual(['data.goalId', 'data.agentId']);
    });

    it('when goalId and goal_id disagree, changing nothing', async () => {
      const user = await h.makeUser();
      const agent = await h.makeAgent(user);
      const [a, b] = [await h.makeGoal(user, { agent_id: agent.id }), await h.makeGoal(user, { agent_id: agent.id })];
      const before = await snapshot(h);
      const error = expectError(await attach(user, { goalId: a.id, goal_id: b.id, agentId: agent.id }), 400, 'VALIDATION_ERROR');
      expect(error.details).toEqual([{ path: 'data.goal_id', message: 'Conflicts with data.goalId; give one of them.' }]);
      expect(await snapshot(h)).toEqual(before);
    });
  });
});
