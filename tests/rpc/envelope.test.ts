import { describe, expect, it } from 'vitest';
import { actionNames, resourceNames } from '../../src/rpc/registry.js';
import { createHarness, snapshot } from '../support/harness.js';
import { expectError, expectOk } from '../support/expect.js';

const h = await createHarness();
const user = await h.makeUser({ admin: true });
const agent = await h.makeAgent(user);
const goal = await h.makeGoal(user, { agent_id: agent.id });

/** Sends a raw body (a string is sent as is) and expects 400 with exactly these details. */
async function rejects(body: unknown, details: { path: string; message: string | RegExp }[]) {
  const before = await snapshot(h);
  const error = expectError(await user.invoke(body), 400, 'VALIDATION_ERROR');
  expect(error).toMatchObject({ message: 'The request is invalid.', retryable: false });
  expect(error.details).toEqual(details.map((d) => ({ path: d.path, message: d.message instanceof RegExp ? expect.stringMatching(d.message) : d.message })));
  expect(await snapshot(h)).toEqual(before);
}

describe('the request envelope', () => {
  it('returns 400 VALIDATION_ERROR for a body that is not JSON', async () => {
    for (const body of ['{"resource": "goals",', 'resource=goals', '', "{'resource':'goals'}"]) {
      await rejects(body, [{ path: '', message: 'The body is not valid JSON.' }]);
    }
  });

  it('returns 400 VALIDATION_ERROR for JSON that is not an object', async () => {
    for (const body of ['"goals.list"', '42', 'null', 'true']) {
      await rejects(body, [{ path: '', message: 'Expected an envelope object (or an array of them for a batch).' }]);
    }
  });

  it('returns 400 VALIDATION_ERROR naming each unknown top-level key', async () => {
    await rejects({ resource: 'goals', action: 'list', extra: 1, Admin: true }, [
      { path: 'extra', message: 'Unknown key.' },
      { path: 'Admin', message: 'Unknown key.' },
    ]);
  });

  it('returns 400 VALIDATION_ERROR for an own __proto__ key, at the top or in data', async () => {
    await rejects('{"resource":"goals","action":"list","__proto__":{"admin":true}}', [{ path: '__proto__', message: 'Unknown key.' }]);
    await rejects('{"resource":"agents","action":"create","data":{"name":"A","__proto__":{"x":1}}}', [{ path: 'data.__proto__', message: 'Unknown key.' }]);
  });

  it('returns 400 VALIDATION_ERROR when resource or action is missing or not a string', async () => {
    await rejects({}, [
      { path: 'resource', message: 'Required.' },
      { path: 'action', message: 'Required.' },
    ]);
    await rejects({ resource: 7, action: null }, [
      { path: 'resource', message: 'Expected string, received number.' },
      { path: 'action', message: 'Expected string, received null.' },
    ]);
  });

  it('returns 400 VALIDATION_ERROR for an unknown resource, listing the valid ones', async () => {
    const valid = resourceNames();
    expect(valid).toEqual(expect.arrayContaining(['goals', 'agents']));
    await rejects({ resource: 'users', action: 'list' }, [{ path: 'resource', message: `Unknown resource "users". Valid: ${valid.join(', ')}.` }]);
    await rejects({ resource: 'Goals', action: 'list' }, [{ path: 'resource', message: /^Unknown resource "Goals"/ }]);
  });

  it('returns 400 VALIDATION_ERROR for an unknown action, listing the valid ones of that resource', async () => {
    for (const resource of ['goals', 'agents']) {
      const valid = actionNames(resource);
      expect(valid).toEqual(expect.arrayContaining(['list', 'get', 'create', 'update', 'delete']));
      await rejects({ resource, action: 'purge' }, [{ path: 'action', message: `Unknown action "purge" for ${resource}. Valid: ${valid.join(', ')}.` }]);
    }
    await rejects({ resource: 'agents', action: 'attach', data: {} }, [{ path: 'action', message: /^Unknown action "attach" for agents/ }]);
  });

  it('returns 400 VALIDATION_ERROR for admin or id of the wrong type', async () => {
    await rejects({ resource: 'goals', action: 'list', admin: 'true' }, [{ path: 'admin', message: 'Expected boolean, received string.' }]);
    await rejects({ resource: 'goals', action: 'get', id: 5 }, [{ path: 'id', message: 'Expected string, received number.' }]);
  });

  it('returns 400 VALIDATION_ERROR when data is not an object', async () => {
    for (const data of [null, [], 'x', 5, true]) {
      await rejects({ resource: 'goals', action: 'list', data }, [{ path: 'data', message: /^Expected object, received / }]);
      await rejects({ resource: 'agents', action: 'create', data }, [{ path: 'data', message: /^Expected object, received / }]);
    }
  });

  it('words type errors by what was received, and a missing key as Required', async () => {
    await rejects({ resource: 'agents', action: 'create', data: { name: null } }, [{ path: 'data.name', message: 'Expected string, received null.' }]);
    await rejects({ resource: 'agents', action: 'create', data: { name: ['A'] } }, [{ path: 'data.name', message: 'Expected string, received array.' }]);
    await rejects({ resource: 'agents', action: 'create', data: {} }, [{ path: 'data.name', message: 'Required.' }]);
  });

  describe('aliases', () => {
    const otherId = crypto.randomUUID();
    const pairs: [string, Record<string, unknown>, Record<string, unknown>, string][] = [
      ['agentId / agent_id on goals.create', { resource: 'goals', action: 'create' }, { name: 'G', agent_id: agent.id, agentId: otherId }, 'data.agentId'],
      ['agent_id / agentId on goals.list', { resource: 'goals', action: 'list' }, { agentId: agent.id, agent_id: otherId }, 'data.agent_id'],
      ['agentId / agent_id on goals.update', { resource: 'goals', action: 'update', id: goal.id }, { agent_id: agent.id, agentId: otherId }, 'data.agentId'],
      ['goal_id / goalId on goals.attach', { resource: 'goals', action: 'attach' }, { agentId: agent.id, goalId: goal.id, goal_id: otherId }, 'data.goal_id'],
      ['agent_id / agentId on goals.detach', { resource: 'goals', action: 'detach' }, { agentId: agent.id, agent_id: otherId }, 'data.agent_id'],
      ['owner_id / ownerId on goals.list', { resource: 'goals', action: 'list', admin: true }, { ownerId: user.id, owner_id: otherId }, 'data.owner_id'],
      ['owner_id / ownerId on agents.list', { resource: 'agents', action: 'list', admin: true }, { ownerId: user.id, owner_id: otherId }, 'data.owner_id'],
    ];

    it.each(pairs)('returns 400 VALIDATION_ERROR when %s disagree', async (_name, envelope, data, path) => {
      const error = expectError(await user.invoke({ ...envelope, data }), 400, 'VALIDATION_ERROR');
      expect(error.details).toEqual([{ path, message: expect.stringMatching(/^Conflicts with data\.\w+; give one of them\.$/) }]);
    });

    it('accepts both spellings of ownerId in admin mode when they agree', async () => {
      const page = expectOk(await user.invoke({ resource: 'agents', action: 'list', admin: true, data: { ownerId: user.id, owner_id: user.id } }));
      expect(page.items.map((a: { id: string }) => a.id)).toEqual([agent.id]);
    });

    it('validates an aliased value like the canonical key, and reports it under the key the caller sent', async () => {
      const error = expectError(await user.invoke({ resource: 'goals', action: 'attach', data: { goal_id: 'nope', agentId: agent.id } }), 400, 'VALIDATION_ERROR');
      expect(error.details).toEqual([{ path: 'data.goal_id', message: 'Must be a valid UUID.' }]);
    });

    it('reports an alias conflict together with every other problem of data', async () => {
      const other = crypto.randomUUID();
      const reply = await user.invoke({ resource: 'goals', action: 'detach', data: { agentId: agent.id, agent_id: other, bogus: 1 } });
      const error = expectError(reply, 400, 'VALIDATION_ERROR');
      expect(error.details?.map((d) => d.path).sort()).toEqual(['data.agent_id', 'data.bogus']);
    });

    it('reports an admin-only key outside admin mode together with the other problems', async () => {
      const reply = await user.invoke({ resource: 'goals', action: 'list', data: { ownerId: 'someone', limit: 0 } });
      const error = expectError(reply, 400, 'VALIDATION_ERROR');
      expect(error.details).toEqual([
        { path: 'data.ownerId', message: 'Only available in admin mode.' },
        { path: 'data.limit', message: 'Must be at least 1.' },
      ]);
    });
  });
});

describe('record ids', () => {
  it('match case-insensitively, in the envelope id and in data', async () => {
    const owner = await h.makeUser();
    const agent = await h.makeAgent(owner);
    const goal = await h.makeGoal(owner, { agent_id: agent.id.toUpperCase() });
    expect(goal.agent_id).toBe(agent.id);

    const fetched = expectOk(await owner.invoke({ resource: 'goals', action: 'get', id: goal.id.toUpperCase() }));
    expect(fetched.id).toBe(goal.id);
    const attached = expectOk(
      await owner.invoke({ resource: 'goals', action: 'attach', data: { goalId: goal.id.toUpperCase(), agentId: agent.id.toUpperCase() } }),
    );
    expect(attached).toMatchObject({ goal_id: goal.id, agent_id: agent.id });
    const deleted = expectOk(await owner.invoke({ resource: 'goals', action: 'delete', id: goal.id.toUpperCase() }));
    expect(deleted).toEqual({ id: goal.id, deleted: true });
  });
});
