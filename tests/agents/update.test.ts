import { describe, expect, it } from 'vitest';
import { createHarness, snapshot, type TestUser } from '../support/harness.js';
import { expectError, expectOk, letTimePass } from '../support/expect.js';

const h = await createHarness();

const update = (user: TestUser, id: string, data?: unknown) =>
  user.invoke({ resource: 'agents', action: 'update', id, ...(data === undefined ? {} : { data }) });

describe('agents.update', () => {
  it('changes only the given keys, moves updated_at and keeps created_at', async () => {
    const user = await h.makeUser();
    const agent = await h.makeAgent(user, { name: 'Old', description: 'Keep me' });
    await letTimePass();
    const updated = expectOk(await update(user, agent.id, { name: '  New  ' }));
    expect(updated).toEqual({ ...agent, name: 'New', updated_at: updated.updated_at });
    expect(updated.updated_at > agent.updated_at).toBe(true);
    expect(expectOk(await user.invoke({ resource: 'agents', action: 'get', id: agent.id }))).toEqual(updated);
  });

  it('sets the description, and back to null', async () => {
    const user = await h.makeUser();
    const agent = await h.makeAgent(user);
    expect(expectOk(await update(user, agent.id, { description: 'Handles renewals' })).description).toBe('Handles renewals');
    expect(expectOk(await update(user, agent.id, { description: null })).description).toBeNull();
  });

  it('keeps the attached goal in goal_id', async () => {
    const user = await h.makeUser();
    const agent = await h.makeAgent(user);
    const goal = await h.makeGoal(user, { agent_id: agent.id });
    await h.ok(user, { resource: 'goals', action: 'attach', data: { goalId: goal.id, agentId: agent.id } });
    expect(expectOk(await update(user, agent.id, { name: 'Renamed' })).goal_id).toBe(goal.id);
  });

  describe('returns 400 VALIDATION_ERROR, changing nothing,', () => {
    const cases: [string, unknown, { path: string; message: string }[]][] = [
      ['for an empty data object', {}, [{ path: 'data', message: 'Give at least one key to change.' }]],
      ['without data', undefined, [{ path: 'data', message: 'Give at least one key to change.' }]],
      ['for a null name', { name: null }, [{ path: 'data.name', message: 'Expected string, received null.' }]],
      ['for a name of only spaces', { name: ' ' }, [{ path: 'data.name', message: 'Must be at least 1 character long.' }]],
      ['for a 2,001-character description', { description: 'd'.repeat(2001) }, [{ path: 'data.description', message: 'Must be at most 2000 characters long.' }]],
      ['for goal_id, which only attach and detach change', { goal_id: null }, [{ path: 'data.goal_id', message: 'Unknown key.' }]],
    ];
    it.each(cases)('%s', async (_name, data, details) => {
      const user = await h.makeUser();
      const agent = await h.makeAgent(user);
      const before = await snapshot(h);
      expect(expectError(await update(user, agent.id, data), 400, 'VALIDATION_ERROR').details).toEqual(details);
      expect(await snapshot(h)).toEqual(before);
    });
  });

  it("returns 404 NOT_FOUND for an unknown or another owner's agent, changing nothing", async () => {
    const [user, other] = [await h.makeUser(), await h.makeUser()];
    const foreign = await h.makeAgent(other);
    for (const id of [crypto.randomUUID(), foreign.id]) {
      const before = await snapshot(h);
      expect(expectError(await update(user, id, { name: 'Mine now' }), 404, 'NOT_FOUND').message).toBe(`Agent ${id} was not found.`);
      expect(await snapshot(h)).toEqual(before);
    }
  });
});
