import { describe, expect, it } from 'vitest';
import { createHarness, snapshot, type TestUser } from '../support/harness.js';
import { expectError, expectOk } from '../support/expect.js';

const h = await createHarness();

const create = (user: TestUser, data: unknown) => user.invoke({ resource: 'goals', action: 'create', data });

const field = (key: string, extra: Record<string, unknown> = {}) => ({ key, label: `Label ${key}`, type: 'text', ...extra });

/** Sends a create that must fail with 400, checks that nothing changed, and returns the details. */
async function rejected(user: TestUser, data: unknown) {
  const before = await snapshot(h);
  const reply = await create(user, data);
  const error = expectError(reply, 400, 'VALIDATION_ERROR');
  expect(await snapshot(h)).toEqual(before);
  return error.details ?? [];
}

describe('goals.create', () => {
  it('returns 201 with the goal and the documented defaults', async () => {
    const user = await h.makeUser();
    const agent = await h.makeAgent(user);
    const goal = expectOk(await create(user, { agent_id: agent.id, name: 'Book a meeting' }), 201);
    expect(goal).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      agent_id: agent.id,
      name: 'Book a meeting',
      description: null,
      status: 'active',
      priority: null,
      fields: [],
      channel_id: null,
      tags: [],
      timezone: 'UTC',
      targets: [],
      created_at: goal.created_at,
      updated_at: goal.created_at,
    });
    expect(goal.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(goal).not.toHaveProperty('owner');
  });

  it('stores every given value and returns what get returns', async () => {
    const user = await h.makeUser();
    const agent = await h.makeAgent(user);
    const data = {
      agent_id: agent.id,
      name: 'Qualify the lead',
      description: 'The caller confirms budget and timing.',
      status: 'draft',
      priority: 7,
      fields: [
        { key: 'email', label: 'Email address', type: 'email', required: true, description: 'Ask last', options: null },
        { key: 'contact_time', label: 'Contact time', type: 'enum', options: ['morning', 'evening'] },
      ],
    };
    const goal = expectOk(await create(user, data), 201);
    expect(goal).toMatchObject({ ...data, fields: [data.fields[0], { ...data.fields[1], required: false, description: null }] });
    const fetched = expectOk(await user.invoke({ resource: 'goals', action: 'get', id: goal.id }));
    expect(fetched).toEqual(goal);
  });

  it('trims the name and rejects a name of only spaces', async () => {
    const user = await h.makeUser();
    const agent = await h.makeAgent(user);
    expect(expectOk(await create(user, { agent_id: agent.id, name: '  Book  ' }), 201).name).toBe('Book');
    expect(await rejected(user, { agent_id: agent.id, name: '   ' })).toEqual([{ path: 'data.name', message: 'Must be at least 1 character long.' }]);
  });

  it('accepts the agentId alias for agent_id', async () => {
    const user = await h.makeUser();
    const agent = await h.makeAgent(user);
    const goal = expectOk(await create(user, { agentId: agent.id, name: 'Aliased' }), 201);
    expect(goal.agent_id).toBe(agent.id);
  });

  it('accepts the boundaries: 200-char name, 5,000-char description, priority 0 and 100, 50 fields', async () => {
    const user = await h.makeUser();
    const agent = await h.makeAgent(user);
    const fields = Array.from({ length: 50 }, (_, i) => field(`f${i}`));
    const a = expectOk(await create(user, { agent_id: agent.id, name: 'n'.repeat(200), description: 'd'.repeat(5000), priority: 0, fields }), 201);
    expect(a.fields).toHaveLength(50);
    const b = expectOk(await create(user, { agent_id: agent.id, name: 'x', priority: 100 }), 201);
    expect(b.priority).toBe(100);
  });

  describe('returns 400 VALIDATION_ERROR, changing nothing,', () => {
    it('without agent_id or name', async () => {
      const user = await h.makeUser();
      expect(await rejected(user, {})).toEqual([
        { path: 'data.agent_id', message: 'Required.' },
        { path: 'data.name', message: 'Required.' },
      ]);
    });

    it('for values out of range: name 201 chars, description 5,001, priority 101, -1 and 1.5, unknown status', async () => {
      const user = await h.makeUser();
      const agent = await h.makeAgent(user);
      const cases: [Record<string, unknown>, string][] = [
        [{ name: 'n'.repeat(201) }, 'data.name'],
        [{ description: 'd'.repeat(5001) }, 'data.description'],
        [{ priority: 101 }, 'data.priority'],
        [{ priority: -1 }, 'data.priority'],
        [{ priority: 1.5 }, 'data.priority'],
        [{ priority: '3' }, 'data.priority'],
        [{ status: 'done' }, 'data.status'],
        [{ agent_id: 'agent-1' }, 'data.agent_id'],
        [{ fields: 'email' }, 'data.fields'],
      ];
      for (const [patch, path] of cases) {
        const details = await rejected(user, { agent_id: agent.id, name: 'Goal', ...patch });
        expect(details.map((d) => d.path), JSON.stringify(patch)).toEqual([path]);
      }
    });

    it('with a message of our own wording for an unknown status', async () => {
      const user = await h.makeUser();
      const agent = await h.makeAgent(user);
      expect(await rejected(user, { agent_id: agent.id, name: 'Goal', status: 'done' })).toEqual([
        { path: 'data.status', message: 'Must be one of: "draft", "active", "paused", "archived".' },
      ]);
    });

    it('for a field key that breaks ^[a-z][a-z0-9_]{0,63}$', async () => {
      const user = await h.makeUser();
      const agent = await h.makeAgent(user);
      for (const key of ['Email', '1st', '_x', 'has-dash', 'has space', '', `a${'b'.repeat(64)}`]) {
        const details = await rejected(user, { agent_id: agent.id, name: 'Goal', fields: [field('ok'), field(key)] });
        expect(details.map((d) => d.path), key).toEqual(['data.fields.1.key']);
      }
      const longest = `a${'b'.repeat(63)}`;
      expect(expectOk(await create(user, { agent_id: agent.id, name: 'Goal', fields: [field(longest)] }), 201).fields[0].key).toBe(longest);
    });

    it('for a repeated field key, at the path of the repeat', async () => {
      const user = await h.makeUser();
      const agent = await h.makeAgent(user);
      const details = await rejected(user, { agent_id: agent.id, name: 'Goal', fields: [field('email'), field('email')] });
      expect(details).toEqual([{ path: 'data.fields.1.key', message: 'Duplicate key "email".' }]);
    });

    it('for an enum field without options', async () => {
      const user = await h.makeUser();
      const agent = await h.makeAgent(user);
      for (const extra of [{}, { options: null }]) {
        const details = await rejected(user, { agent_id: agent.id, name: 'Goal', fields: [field('tier', { type: 'enum', ...extra })] });
        expect(details).toEqual([{ path: 'data.fields.0.options', message: 'Required for an enum field.' }]);
      }
      const empty = await rejected(user, { agent_id: agent.id, name: 'Goal', fields: [field('tier', { type: 'enum', options: [] })] });
      expect(empty.map((d) => d.path)).toEqual(['data.fields.0.options']);
    });

    it('for options on a field that is not an enum', async () => {
      const user = await h.makeUser();
      const agent = await h.makeAgent(user);
      const details = await rejected(user, { agent_id: agent.id, name: 'Goal', fields: [field('email', { type: 'email', options: ['a'] })] });
      expect(details).toEqual([{ path: 'data.fields.0.options', message: 'Only enum fields take options; use null.' }]);
    });

    it('for a repeated enum option, at the path of the repeat', async () => {
      const user = await h.makeUser();
      const agent = await h.makeAgent(user);
      const details = await rejected(user, {
        agent_id: agent.id,
        name: 'Goal',
        fields: [field('tier', { type: 'enum', options: ['gold', 'silver', 'gold'] })],
      });
      expect(details).toEqual([{ path: 'data.fields.0.options.2', message: 'Duplicate option "gold".' }]);
    });

    it('for more than 50 fields', async () => {
      const user = await h.makeUser();
      const agent = await h.makeAgent(user);
      const fields = Array.from({ length: 51 }, (_, i) => field(`f${i}`));
      expect(await rejected(user, { agent_id: agent.id, name: 'Goal', fields })).toEqual([
        { path: 'data.fields', message: 'Must have at most 50 items.' },
      ]);
    });

    it('for a bad field: unknown type, empty label, unknown key, description over 500', async () => {
      const user = await h.makeUser();
      const agent = await h.makeAgent(user);
      const details = await rejected(user, {
        agent_id: agent.id,
        name: 'Goal',
        fields: [field('a', { type: 'color' }), field('b', { label: '' }), field('c', { hint: 'x' }), field('d', { description: 'x'.repeat(501) })],
      });
      expect(details.map((d) => d.path)).toEqual(['data.fields.0.type', 'data.fields.1.label', 'data.fields.2.hint', 'data.fields.3.description']);
    });

    it('reporting one detail per problem', async () => {
      const user = await h.makeUser();
      const agent = await h.makeAgent(user);
      const details = await rejected(user, { agent_id: agent.id, name: '', priority: 500, status: 'nope' });
      expect(details.map((d) => d.path).sort()).toEqual(['data.name', 'data.priority', 'data.status']);
    });

    it('when agent_id and agentId disagree', async () => {
      const user = await h.makeUser();
      const [a, b] = [await h.makeAgent(user), await h.makeAgent(user)];
      expect(await rejected(user, { agent_id: a.id, agentId: b.id, name: 'Goal' })).toEqual([
        { path: 'data.agentId', message: 'Conflicts with data.agent_id; give one of them.' },
      ]);
    });
  });

  it("returns 404 NOT_FOUND naming the agent for an unknown or another owner's agent, and creates nothing", async () => {
    const user = await h.makeUser();
    const other = await h.makeUser();
    const foreign = await h.makeAgent(other);
    const ghost = crypto.randomUUID();
    for (const agentId of [foreign.id, ghost]) {
      const before = await snapshot(h);
      const error = expectError(await create(user, { agent_id: agentId, name: 'Goal' }), 404, 'NOT_FOUND');
      expect(error.message).toBe(`Agent ${agentId} was not found.`);
      expect(await snapshot(h)).toEqual(before);
    }
  });

  it("belongs to the caller and is invisible to other users", async () => {
    const user = await h.makeUser();
    const other = await h.makeUser();
    const goal = await h.makeGoal(user);
    const row = await h.db.kysely.selectFrom('goals').select('owner_id').where('id', '=', goal.id).executeTakeFirstOrThrow();
    expect(row.owner_id).toBe(user.id);
    expectError(await other.invoke({ resource: 'goals', action: 'get', id: goal.id }), 404, 'NOT_FOUND');
  });
});
