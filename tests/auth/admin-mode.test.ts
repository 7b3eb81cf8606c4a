import { describe, expect, it } from 'vitest';
import { createHarness, snapshot, type TestUser } from '../support/harness.js';
import { expectError, expectOk, ids, newestFirst } from '../support/expect.js';

const h = await createHarness();

const adminCall = (user: TestUser, envelope: Record<string, unknown>) => user.invoke({ ...envelope, admin: true });

/** Two ordinary users with an agent and a goal each, and an admin. */
async function world() {
  const tag = crypto.randomUUID().slice(0, 8);
  const alice = await h.makeUser({ email: `alice-${tag}@example.com`, name: 'Alice' });
  const bob = await h.makeUser({ email: `bob-${tag}@example.com`, name: 'Bob' });
  const admin = await h.makeUser({ admin: true, email: `root-${tag}@example.com`, name: 'Root' });
  const aliceAgent = await h.makeAgent(alice, { name: 'Alice agent' });
  const aliceGoal = await h.makeGoal(alice, { agent_id: aliceAgent.id });
  const bobAgent = await h.makeAgent(bob, { name: 'Bob agent' });
  const bobGoal = await h.makeGoal(bob, { agent_id: bobAgent.id });
  const owner = (u: TestUser, name: string) => ({ id: u.id, email: u.email, name });
  return { alice, bob, admin, aliceAgent, aliceGoal, bobAgent, bobGoal, aliceOwner: owner(alice, 'Alice'), bobOwner: owner(bob, 'Bob') };
}

describe('admin mode', () => {
  describe('without the admin role', () => {
    it('returns 403 FORBIDDEN for every kind of action, changing nothing', async () => {
      const { alice, aliceAgent, aliceGoal } = await world();
      const before = await snapshot(h);
      const envelopes = [
        { resource: 'goals', action: 'list', data: {} },
        { resource: 'goals', action: 'get', id: aliceGoal.id },
        { resource: 'goals', action: 'create', data: { agent_id: aliceAgent.id, name: 'G' } },
        { resource: 'goals', action: 'delete', id: aliceGoal.id },
        { resource: 'agents', action: 'update', id: aliceAgent.id, data: { name: 'X' } },
      ];
      for (const envelope of envelopes) {
        const error = expectError(await adminCall(alice, envelope), 403, 'FORBIDDEN');
        expect(error).toMatchObject({ message: 'Admin mode needs the admin role.', retryable: false });
      }
      expect(await snapshot(h)).toEqual(before);
    });

    it('is off with admin: false', async () => {
      const { alice, aliceGoal } = await world();
      const goal = expectOk(await alice.invoke({ resource: 'goals', action: 'get', id: aliceGoal.id, admin: false }));
      expect(goal).not.toHaveProperty('owner');
    });
  });

  describe('for an admin', () => {
    it("reads any owner's goal and agent, with owner { id, email, name }", async () => {
      const { admin, aliceGoal, aliceOwner, bobAgent, bobOwner } = await world();
      expect(expectOk(await adminCall(admin, { resource: 'goals', action: 'get', id: aliceGoal.id }))).toEqual({ ...aliceGoal, owner: aliceOwner });
      expect(expectOk(await adminCall(admin, { resource: 'agents', action: 'get', id: bobAgent.id }))).toEqual({ ...bobAgent, owner: bobOwner });
    });

    it('adds owner to every goal and agent of a list, across owners', async () => {
      const { admin, aliceGoal, bobGoal, aliceAgent, bobAgent } = await world();
      const goals = expectOk(await adminCall(admin, { resource: 'goals', action: 'list', data: { limit: 100 } }));
      const agents = expectOk(await adminCall(admin, { resource: 'agents', action: 'list', data: { limit: 100 } }));
      for (const item of [...goals.items, ...agents.items]) expect(item.owner).toEqual({ id: expect.any(String), email: expect.anything(), name: expect.anything() });
      expect(ids(goals.items)).toEqual(expect.arrayContaining([aliceGoal.id, bobGoal.id]));
      expect(ids(agents.items)).toEqual(expect.arrayContaining([aliceAgent.id, bobAgent.id]));
      expect(goals.items).toEqual(newestFirst(goals.items));
    });

    it("adds owner to what create and update return, and create uses the agent's owner", async () => {
      const { alice, admin, aliceAgent, aliceOwner } = await world();
      const goal = expectOk(await adminCall(admin, { resource: 'goals', action: 'create', data: { agent_id: aliceAgent.id, name: 'By admin' } }), 201);
      expect(goal.owner).toEqual(aliceOwner);
      expect(expectOk(await alice.invoke({ resource: 'goals', action: 'get', id: goal.id })).name).toBe('By admin');

      const updated = expectOk(await adminCall(admin, { resource: 'goals', action: 'update', id: goal.id, data: { status: 'paused' } }));
      expect(updated).toMatchObject({ status: 'paused', owner: aliceOwner });
      const agent = expectOk(await adminCall(admin, { resource: 'agents', action: 'update', id: aliceAgent.id, data: { name: 'Renamed by admin' } }));
      expect(agent.owner).toEqual(aliceOwner);
    });

    it('creates agents of its own', async () => {
      const { admin } = await world();
      const agent = expectOk(await adminCall(admin, { resource: 'agents', action: 'create', data: { name: 'Admin agent' } }), 201);
      expect(agent.owner.id).toBe(admin.id);
    });

    it('omits owner and sees only its own records when not in admin mode', async () => {
      const { admin, aliceGoal } = await world();
      const own = await h.makeGoal(admin);
      expect(expectOk(await admin.invoke({ resource: 'goals', action: 'get', id: own.id }))).not.toHaveProperty('owner');
      expectError(await admin.invoke({ resource: 'goals', action: 'get', id: aliceGoal.id }), 404, 'NOT_FOUND');
      const page = expectOk(await admin.invoke({ resource: 'goals', action: 'list', data: {} }));
      expect(ids(page.items)).toEqual([own.id]);
    });

    it('filters lists by ownerId (or owner_id), with count for that owner only', async () => {
      const { alice, admin, aliceAgent, aliceGoal, bobAgent } = await world();
      const second = await h.makeGoal(alice, { agent_id: aliceAgent.id });
      for (const key of ['ownerId', 'owner_id']) {
        const goals = expectOk(await adminCall(admin, { resource: 'goals', action: 'list', data: { [key]: alice.id } }));
        expect(ids(goals.items)).toEqual(ids(newestFirst([aliceGoal, second])));
        expect(goals.count).toBe(2);
        const agents = expectOk(await adminCall(admin, { resource: 'agents', action: 'list', data: { [key]: alice.id } }));
        expect(ids(agents.items)).toEqual([aliceAgent.id]);
        expect(agents.items.map((a: { id: string }) => a.id)).not.toContain(bobAgent.id);
      }
      const none = expectOk(await adminCall(admin, { resource: 'goals', action: 'list', data: { ownerId: crypto.randomUUID() } }));
      expect(none).toEqual({ items: [], count: 0, has_more: false, next_cursor: null });
    });

    it('returns 400 VALIDATION_ERROR for ownerId when not in admin mode', async () => {
      const { admin, alice } = await world();
      for (const resource of ['goals', 'agents']) {
        const error = expectError(await admin.invoke({ resource, action: 'list', data: { ownerId: alice.id } }), 400, 'VALIDATION_ERROR');
        expect(error.details).toEqual([{ path: 'data.ownerId', message: 'Only available in admin mode.' }]);
      }
    });

    it('attaches and detaches records of one other owner', async () => {
      const { alice, admin, aliceAgent, aliceGoal } = await world();
      const attached = expectOk(await adminCall(admin, { resource: 'goals', action: 'attach', data: { goalId: aliceGoal.id, agentId: aliceAgent.id } }));
      expect(attached).toMatchObject({ agent_id: aliceAgent.id, goal_id: aliceGoal.id, replaced_goal_id: null });
      expect(expectOk(await alice.invoke({ resource: 'agents', action: 'get', id: aliceAgent.id })).goal_id).toBe(aliceGoal.id);
      expectOk(await adminCall(admin, { resource: 'goals', action: 'detach', data: { agentId: aliceAgent.id } }));
      expect(expectOk(await alice.invoke({ resource: 'agents', action: 'get', id: aliceAgent.id })).goal_id).toBeNull();
    });

    it('returns 409 CONFLICT when attaching across owners, changing nothing', async () => {
      const { admin, aliceGoal, bobAgent, bobGoal } = await world();
      await h.ok(admin, { resource: 'goals', action: 'attach', data: { goalId: bobGoal.id, agentId: bobAgent.id }, admin: true });
      const before = await snapshot(h);
      const error = expectError(await adminCall(admin, { resource: 'goals', action: 'attach', data: { goalId: aliceGoal.id, agentId: bobAgent.id } }), 409, 'CONFLICT');
      expect(error.message).toBe(`Goal ${aliceGoal.id} and agent ${bobAgent.id} belong to different owners.`);
      expect(await snapshot(h)).toEqual(before);
    });

    it("returns 409 CONFLICT when moving a goal to another owner's agent, changing nothing", async () => {
      const { admin, aliceGoal, bobAgent } = await world();
      const before = await snapshot(h);
      expectError(await adminCall(admin, { resource: 'goals', action: 'update', id: aliceGoal.id, data: { agent_id: bobAgent.id } }), 409, 'CONFLICT');
      expect(await snapshot(h)).toEqual(before);
    });

    it("moves a goal to another agent of the goal's owner", async () => {
      const { alice, admin, aliceGoal } = await world();
      const other = await h.makeAgent(alice);
      const moved = expectOk(await adminCall(admin, { resource: 'goals', action: 'update', id: aliceGoal.id, data: { agent_id: other.id } }));
      expect(moved.agent_id).toBe(other.id);
    });

    it("deletes another owner's goal, and refuses (409) their agent that still owns goals", async () => {
      const { alice, admin, aliceGoal, bobAgent } = await world();
      expect(expectOk(await adminCall(admin, { resource: 'goals', action: 'delete', id: aliceGoal.id }))).toEqual({ id: aliceGoal.id, deleted: true });
      expectError(await alice.invoke({ resource: 'goals', action: 'get', id: aliceGoal.id }), 404, 'NOT_FOUND');
      expectError(await adminCall(admin, { resource: 'agents', action: 'delete', id: bobAgent.id }), 409, 'CONFLICT');
    });

    it('returns 404 NOT_FOUND for records that do not exist', async () => {
      const { admin } = await world();
      const id = crypto.randomUUID();
      expect(expectError(await adminCall(admin, { resource: 'goals', action: 'get', id }), 404, 'NOT_FOUND').message).toBe(`Goal ${id} was not found.`);
    });

    it('still needs the scope: a read-only admin key gets 403 FORBIDDEN for writes', async () => {
      const { aliceGoal } = await world();
      const reader = await h.makeUser({ admin: true, scopes: ['goals:read'] });
      expectOk(await adminCall(reader, { resource: 'goals', action: 'get', id: aliceGoal.id }));
      const error = expectError(await adminCall(reader, { resource: 'goals', action: 'delete', id: aliceGoal.id }), 403, 'FORBIDDEN');
      expect(error.message).toBe('This credential lacks the goals:write scope.');
    });
  });
});
