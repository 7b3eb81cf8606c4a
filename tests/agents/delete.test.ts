import { describe, expect, it } from 'vitest';
import { createHarness, snapshot } from '../support/harness.js';
import { expectError, expectOk } from '../support/expect.js';

const h = await createHarness();

describe('agents.delete', () => {
  it('returns { id, deleted: true } and the agent is gone', async () => {
    const user = await h.makeUser();
    const agent = await h.makeAgent(user);
    expect(expectOk(await user.invoke({ resource: 'agents', action: 'delete', id: agent.id }))).toEqual({ id: agent.id, deleted: true });
    expectError(await user.invoke({ resource: 'agents', action: 'get', id: agent.id }), 404, 'NOT_FOUND');
  });

  it("removes the agent's attachment but keeps the attached goal", async () => {
    const user = await h.makeUser();
    const [home, borrower] = [await h.makeAgent(user), await h.makeAgent(user)];
    const goal = await h.makeGoal(user, { agent_id: home.id });
    await h.ok(user, { resource: 'goals', action: 'attach', data: { goalId: goal.id, agentId: borrower.id } });

    await h.ok(user, { resource: 'agents', action: 'delete', id: borrower.id });

    const rows = await h.db.kysely.selectFrom('attachments').selectAll().where('agent_id', '=', borrower.id).execute();
    expect(rows).toEqual([]);
    expect(expectOk(await user.invoke({ resource: 'goals', action: 'get', id: goal.id })).id).toBe(goal.id);
  });

  it('returns 409 CONFLICT for an agent that still owns goals, changing nothing', async () => {
    const user = await h.makeUser();
    const agent = await h.makeAgent(user);
    const goal = await h.makeGoal(user, { agent_id: agent.id, status: 'archived' });
    const before = await snapshot(h);
    const error = expectError(await user.invoke({ resource: 'agents', action: 'delete', id: agent.id }), 409, 'CONFLICT');
    expect(error).toMatchObject({ retryable: false, message: expect.stringContaining(agent.id) });
    expect(await snapshot(h)).toEqual(before);

    // Once its goal has gone, the agent can go too.
    await h.ok(user, { resource: 'goals', action: 'delete', id: goal.id });
    expect(expectOk(await user.invoke({ resource: 'agents', action: 'delete', id: agent.id })).deleted).toBe(true);
  });

  it('can be deleted once its goals have moved to another agent', async () => {
    const user = await h.makeUser();
    const [agent, heir] = [await h.makeAgent(user), await h.makeAgent(user)];
    const goal = await h.makeGoal(user, { agent_id: agent.id });
    await h.ok(user, { resource: 'goals', action: 'update', id: goal.id, data: { agent_id: heir.id } });
    expect(expectOk(await user.invoke({ resource: 'agents', action: 'delete', id: agent.id })).deleted).toBe(true);
  });

  it("returns 404 NOT_FOUND for an unknown, deleted or another owner's agent, changing nothing", async () => {
    const [user, other] = [await h.makeUser(), await h.makeUser()];
    const foreign = await h.makeAgent(other);
    const gone = await h.makeAgent(user);
    await h.ok(user, { resource: 'agents', action: 'delete', id: gone.id });
    for (const id of [crypto.randomUUID(), gone.id, foreign.id]) {
      const before = await snapshot(h);
      expect(expectError(await user.invoke({ resource: 'agents', action: 'delete', id }), 404, 'NOT_FOUND').message).toBe(`Agent ${id} was not found.`);
      expect(await snapshot(h)).toEqual(before);
    }
  });

  it("returns 404 NOT_FOUND, not 409, for another owner's agent that owns goals", async () => {
    const [user, other] = [await h.makeUser(), await h.makeUser()];
    const goal = await h.makeGoal(other);
    expectError(await user.invoke({ resource: 'agents', action: 'delete', id: goal.agent_id }), 404, 'NOT_FOUND');
  });
});
