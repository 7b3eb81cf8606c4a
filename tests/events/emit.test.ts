import { beforeAll, describe, expect, it } from 'vitest';
import { expectError, expectOk } from '../support/expect.js';
import { createHarness, snapshot, type TestUser } from '../support/harness.js';
import { eventsAfter, mark } from './support.js';

const h = await createHarness();
let user: TestUser;

beforeAll(async () => {
  user = await h.makeUser();
});

/** Runs the request and returns the events it wrote. */
async function emitted(envelope: Record<string, unknown>, status = 200): Promise<{ data: any; events: Awaited<ReturnType<typeof eventsAfter>> }> {
  const before = await mark(user);
  const data = expectOk(await user.invoke(envelope), status);
  return { data, events: await eventsAfter(user, before) };
}

describe('goals', () => {
  it('goals.create writes one goal.created with the goal, its agent and the creation time', async () => {
    const agent = await h.makeAgent(user);
    const { data: goal, events } = await emitted({ resource: 'goals', action: 'create', data: { agent_id: agent.id, name: 'Book' } }, 201);
    expect(events).toEqual([
      { id: expect.stringMatching(/^[1-9][0-9]*$/), type: 'goal.created', goal_id: goal.id, agent_id: agent.id, outcome_id: null, data: {}, occurred_at: goal.created_at },
    ]);
  });

  it('goals.update writes goal.updated whose data.changed lists only the keys whose values changed', async () => {
    const goal = await h.makeGoal(user, { priority: 2, description: null });
    const { data: updated, events } = await emitted({
      resource: 'goals',
      action: 'update',
      id: goal.id,
      data: { name: 'Renamed', priority: 2, description: 'Now described', status: 'active' },
    });
    expect(events).toEqual([
      expect.objectContaining({ type: 'goal.updated', goal_id: goal.id, agent_id: goal.agent_id, data: { changed: ['name', 'description'] }, occurred_at: updated.updated_at }),
    ]);
  });

  it('goals.update to the same values writes no event and keeps updated_at', async () => {
    const goal = await h.makeGoal(user, { priority: 3 });
    const { data: same, events } = await emitted({ resource: 'goals', action: 'update', id: goal.id, data: { name: goal.name, priority: 3, fields: goal.fields } });
    expect(events).toEqual([]);
    expect(same.updated_at).toBe(goal.updated_at);
  });

  it('goals.update to another agent names the new agent', async () => {
    const goal = await h.makeGoal(user);
    const other = await h.makeAgent(user);
    const { events } = await emitted({ resource: 'goals', action: 'update', id: goal.id, data: { agent_id: other.id } });
    expect(events).toEqual([expect.objectContaining({ type: 'goal.updated', agent_id: other.id, data: { changed: ['agent_id'] } })]);
  });

  it('goals.delete writes one goal.deleted naming the detached agents, and no goal.detached', async () => {
    const goal = await h.makeGoal(user);
    const first = await h.makeAgent(user);
    const second = await h.makeAgent(user);
    for (const agent of [first, second]) await h.ok(user, { resource: 'goals', action: 'attach', data: { goalId: goal.id, agentId: agent.id } });
    const { events } = await emitted({ resource: 'goals', action: 'delete', id: goal.id });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'goal.deleted', goal_id: goal.id, agent_id: goal.agent_id, data: { outcomes_deleted: 0 } });
    expect([...(events[0]?.data.detached_agent_ids as string[])].sort()).toEqual([first.id, second.id].sort());
  });

  it('goals.attach writes goal.attached with the replaced goal, and nothing when the goal is already attached', async () => {
    const agent = await h.makeAgent(user);
    const a = await h.makeGoal(user, { agent_id: agent.id });
    const b = await h.makeGoal(user, { agent_id: agent.id });
    const attach = (goalId: string) => ({ resource: 'goals', action: 'attach', data: { goalId, agentId: agent.id } });
    const first = await emitted(attach(a.id));
    expect(first.events).toEqual([
      expect.objectContaining({ type: 'goal.attached', goal_id: a.id, agent_id: agent.id, data: { replaced_goal_id: null }, occurred_at: first.data.attached_at }),
    ]);
    expect((await emitted(attach(a.id))).events).toEqual([]);
    expect((await emitted(attach(b.id))).events).toEqual([
      expect.objectContaining({ type: 'goal.attached', goal_id: b.id, agent_id: agent.id, data: { replaced_goal_id: a.id } }),
    ]);
  });

  it('goals.detach writes goal.detached', async () => {
    const goal = await h.makeGoal(user);
    await h.ok(user, { resource: 'goals', action: 'attach', data: { goalId: goal.id, agentId: goal.agent_id } });
    const { events } = await emitted({ resource: 'goals', action: 'detach', data: { agentId: goal.agent_id } });
    expect(events).toEqual([expect.objectContaining({ type: 'goal.detached', goal_id: goal.id, agent_id: goal.agent_id, data: {} })]);
  });
});

describe('agents', () => {
  it('agents.create, update and delete write agent.created, agent.updated (changed keys) and agent.deleted (the detached goal)', async () => {
    const created = await emitted({ resource: 'agents', action: 'create', data: { name: 'Desk', description: null } }, 201);
    const agent = created.data;
    expect(created.events).toEqual([
      { id: expect.any(String), type: 'agent.created', goal_id: null, agent_id: agent.id, outcome_id: null, data: {}, occurred_at: agent.created_at },
    ]);

    const updated = await emitted({ resource: 'agents', action: 'update', id: agent.id, data: { name: 'Desk', description: 'Front' } });
    expect(updated.events).toEqual([expect.objectContaining({ type: 'agent.updated', agent_id: agent.id, data: { changed: ['description'] } })]);
    expect((await emitted({ resource: 'agents', action: 'update', id: agent.id, data: { name: 'Desk' } })).events).toEqual([]);

    const goal = await h.makeGoal(user);
    await h.ok(user, { resource: 'goals', action: 'attach', data: { goalId: goal.id, agentId: agent.id } });
    const deleted = await emitted({ resource: 'agents', action: 'delete', id: agent.id });
    expect(deleted.events).toEqual([expect.objectContaining({ type: 'agent.deleted', agent_id: agent.id, goal_id: null, data: { detached_goal_id: goal.id } })]);
  });
});

describe('event ids and refusals', () => {
  it('gives decimal ids that grow with every change, in the order the changes were made', async () => {
    const before = await mark(user);
    const agent = await h.makeAgent(user);
    const goal = await h.makeGoal(user, { agent_id: agent.id });
    await h.ok(user, { resource: 'goals', action: 'attach', data: { goalId: goal.id, agentId: agent.id } });
    const events = await eventsAfter(user, before);
    expect(events.map((e) => e.type)).toEqual(['agent.created', 'goal.created', 'goal.attached']);
    const ids = events.map((e) => Number(e.id));
    expect(ids.every((id, i) => i === 0 || id > (ids[i - 1] ?? 0))).toBe(true);
  });

  it('writes no event for a refused write (404, 409, 400)', async () => {
    const goal = await h.makeGoal(user);
    const before = await snapshot(h);
    expectError(await user.invoke({ resource: 'goals', action: 'update', id: crypto.randomUUID(), data: { name: 'x' } }), 404, 'NOT_FOUND');
    expectError(await user.invoke({ resource: 'agents', action: 'delete', id: goal.agent_id }), 409, 'CONFLICT');
    expectError(await user.invoke({ resource: 'goals', action: 'update', id: goal.id, data: { status: 'nope' } }), 400, 'VALIDATION_ERROR');
    expectError(await user.invoke({ resource: 'goals', action: 'detach', data: { agentId: goal.agent_id } }), 404, 'NOT_FOUND');
    expect(await snapshot(h)).toEqual(before);
  });
});
