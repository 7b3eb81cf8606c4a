import { describe, expect, it } from 'vitest';
import { createHarness, snapshot, type TestUser } from '../support/harness.js';
import { expectError, expectOk, letTimePass } from '../support/expect.js';

const h = await createHarness();

const update = (user: TestUser, id: string, data?: unknown) =>
  user.invoke({ resource: 'goals', action: 'update', id, ...(data === undefined ? {} : { data }) });

const email = { key: 'email', label: 'Email', type: 'email', required: true, description: null, options: null };
const phone = { key: 'phone', label: 'Phone', type: 'phone', required: false, description: null, options: null };

describe('goals.update', () => {
  it('changes only the given keys, moves updated_at and keeps created_at', async () => {
    const user = await h.makeUser();
    const goal = await h.makeGoal(user, { description: 'Keep me', priority: 5, fields: [email] });
    await letTimePass();
    const updated = expectOk(await update(user, goal.id, { status: 'paused' }));
    expect(updated).toEqual({ ...goal, status: 'paused', updated_at: updated.updated_at });
    expect(updated.created_at).toBe(goal.created_at);
    expect(updated.updated_at > goal.updated_at).toBe(true);
    expect(expectOk(await user.invoke({ resource: 'goals', action: 'get', id: goal.id }))).toEqual(updated);
  });

  it('changes every key at once', async () => {
    const user = await h.makeUser();
    const [a, b] = [await h.makeAgent(user), await h.makeAgent(user)];
    const goal = await h.makeGoal(user, { agent_id: a.id });
    const data = { name: 'Renamed', description: 'New text', status: 'draft', priority: 90, agent_id: b.id, fields: [phone] };
    expect(expectOk(await update(user, goal.id, data))).toMatchObject(data);
  });

  it('sets description and priority back to null', async () => {
    const user = await h.makeUser();
    const goal = await h.makeGoal(user, { description: 'Some', priority: 5 });
    expect(expectOk(await update(user, goal.id, { description: null, priority: null }))).toMatchObject({ description: null, priority: null });
  });

  it('replaces the fields list rather than merging it', async () => {
    const user = await h.makeUser();
    const goal = await h.makeGoal(user, { fields: [email, phone] });
    const onlyPhone = { ...phone, label: 'Mobile' };
    expect(expectOk(await update(user, goal.id, { fields: [onlyPhone] })).fields).toEqual([onlyPhone]);
    expect(expectOk(await update(user, goal.id, { fields: [] })).fields).toEqual([]);
  });

  it("moves the goal to another of the caller's agents (agent_id or agentId)", async () => {
    const user = await h.makeUser();
    const [a, b, c] = [await h.makeAgent(user), await h.makeAgent(user), await h.makeAgent(user)];
    const goal = await h.makeGoal(user, { agent_id: a.id });
    expect(expectOk(await update(user, goal.id, { agent_id: b.id })).agent_id).toBe(b.id);
    expect(expectOk(await update(user, goal.id, { agentId: c.id })).agent_id).toBe(c.id);
    const onC = expectOk(await user.invoke({ resource: 'goals', action: 'list', data: { agentId: c.id } }));
    expect(onC.items.map((g: { id: string }) => g.id)).toEqual([goal.id]);
  });

  it('keeps the goal attached where it was when it is archived', async () => {
    const user = await h.makeUser();
    const agent = await h.makeAgent(user);
    const goal = await h.makeGoal(user, { agent_id: agent.id });
    await h.ok(user, { resource: 'goals', action: 'attach', data: { goalId: goal.id, agentId: agent.id } });
    await h.ok(user, { resource: 'goals', action: 'update', id: goal.id, data: { status: 'archived' } });
    expect(expectOk(await user.invoke({ resource: 'agents', action: 'get', id: agent.id })).goal_id).toBe(goal.id);
  });

  describe('returns 400 VALIDATION_ERROR, changing nothing,', () => {
    it('for an empty data object or no data at all', async () => {
      const user = await h.makeUser();
      const goal = await h.makeGoal(user);
      const before = await snapshot(h);
      for (const data of [{}, undefined]) {
        const error = expectError(await update(user, goal.id, data), 400, 'VALIDATION_ERROR');
        expect(error.details).toEqual([{ path: 'data', message: 'Give at least one key to change.' }]);
      }
      expect(await snapshot(h)).toEqual(before);
    });

    it('for bad values, reporting each with its path', async () => {
      const user = await h.makeUser();
      const goal = await h.makeGoal(user);
      const before = await snapshot(h);
      const error = expectError(
        await update(user, goal.id, { name: ' ', status: 'gone', priority: 101, fields: [email, { ...phone, key: 'email' }] }),
        400,
        'VALIDATION_ERROR',
      );
      expect(error.details?.map((d) => d.path).sort()).toEqual(['data.fields.1.key', 'data.name', 'data.priority', 'data.status']);
      expect(await snapshot(h)).toEqual(before);
    });

    it('for fields that break the enum rules', async () => {
      const user = await h.makeUser();
      const goal = await h.makeGoal(user);
      const error = expectError(await update(user, goal.id, { fields: [{ key: 'tier', label: 'Tier', type: 'enum' }] }), 400, 'VALIDATION_ERROR');
      expect(error.details).toEqual([{ path: 'data.fields.0.options', message: 'Required for an enum field.' }]);
    });

    it('for null where null is not allowed (name, status, fields, agent_id)', async () => {
      const user = await h.makeUser();
      const goal = await h.makeGoal(user);
      for (const key of ['name', 'status', 'fields', 'agent_id']) {
        const error = expectError(await update(user, goal.id, { [key]: null }), 400, 'VALIDATION_ERROR');
        expect(error.details?.map((d) => d.path)).toEqual([`data.${key}`]);
      }
    });

    it('for an unknown key such as owner_id or created_at', async () => {
      const user = await h.makeUser();
      const goal = await h.makeGoal(user);
      for (const key of ['owner_id', 'created_at', 'id']) {
        const error = expectError(await update(user, goal.id, { [key]: 'x' }), 400, 'VALIDATION_ERROR');
        expect(error.details).toEqual([{ path: `data.${key}`, message: 'Unknown key.' }]);
      }
    });
  });

  it("returns 404 NOT_FOUND naming the agent when moving to another owner's or an unknown agent, changing nothing", async () => {
    const [user, other] = [await h.makeUser(), await h.makeUser()];
    const goal = await h.makeGoal(user);
    const foreign = await h.makeAgent(other);
    for (const agentId of [foreign.id, crypto.randomUUID()]) {
      const before = await snapshot(h);
      const error = expectError(await update(user, goal.id, { agent_id: agentId, name: 'Moved' }), 404, 'NOT_FOUND');
      expect(error.message).toBe(`Agent ${agentId} was not found.`);
      expect(await snapshot(h)).toEqual(before);
    }
  });

  it('returns 404 NOT_FOUND naming the goal for an unknown goal', async () => {
    const user = await h.makeUser();
    const id = crypto.randomUUID();
    const error = expectError(await update(user, id, { name: 'x' }), 404, 'NOT_FOUND');
    expect(error.message).toBe(`Goal ${id} was not found.`);
  });

  it("returns 404 NOT_FOUND for another owner's goal even when moving it to one of the caller's agents", async () => {
    const [owner, intruder] = [await h.makeUser(), await h.makeUser()];
    const goal = await h.makeGoal(owner);
    const mine = await h.makeAgent(intruder);
    const before = await snapshot(h);
    const error = expectError(await update(intruder, goal.id, { agent_id: mine.id }), 404, 'NOT_FOUND');
    expect(error.message).toBe(`Goal ${goal.id} was not found.`);
    expect(await snapshot(h)).toEqual(before);
  });
});
