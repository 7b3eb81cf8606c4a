import { describe, expect, it } from 'vitest';
import { createHarness, snapshot, type TestUser } from '../support/harness.js';
import { expectError, expectOk } from '../support/expect.js';

const h = await createHarness();

const create = (user: TestUser, data?: unknown) => user.invoke({ resource: 'agents', action: 'create', ...(data === undefined ? {} : { data }) });

describe('agents.create', () => {
  it('returns 201 with the agent: description null and goal_id null by default', async () => {
    const user = await h.makeUser();
    const agent = expectOk(await create(user, { name: 'Inbound sales' }), 201);
    expect(agent).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'Inbound sales',
      description: null,
      goal_id: null,
      created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      updated_at: agent.created_at,
    });
    expect(expectOk(await user.invoke({ resource: 'agents', action: 'get', id: agent.id }))).toEqual(agent);
  });

  it('stores a description, trims the name and belongs to the caller', async () => {
    const user = await h.makeUser();
    const agent = expectOk(await create(user, { name: '  Support  ', description: 'Answers the phone.' }), 201);
    expect(agent).toMatchObject({ name: 'Support', description: 'Answers the phone.' });
    const row = await h.db.kysely.selectFrom('agents').select('owner_id').where('id', '=', agent.id).executeTakeFirstOrThrow();
    expect(row.owner_id).toBe(user.id);
  });

  it('accepts the boundaries: a 200-character name and a 2,000-character description', async () => {
    const user = await h.makeUser();
    const agent = expectOk(await create(user, { name: 'n'.repeat(200), description: 'd'.repeat(2000) }), 201);
    expect(agent.name).toHaveLength(200);
    expect(agent.description).toHaveLength(2000);
  });

  describe('returns 400 VALIDATION_ERROR, creating nothing,', () => {
    const cases: [string, unknown, string[]][] = [
      ['without data', undefined, ['data.name']],
      ['without a name', {}, ['data.name']],
      ['for a name of only spaces', { name: '   ' }, ['data.name']],
      ['for a 201-character name', { name: 'n'.repeat(201) }, ['data.name']],
      ['for a 2,001-character description', { name: 'A', description: 'd'.repeat(2001) }, ['data.description']],
      ['for a name that is not a string', { name: 7 }, ['data.name']],
      ['for a goal_id (attachments are made by goals.attach)', { name: 'A', goal_id: crypto.randomUUID() }, ['data.goal_id']],
      ['for data that is an array', [{ name: 'A' }], ['data']],
    ];
    it.each(cases)('%s', async (_name, data, paths) => {
      const user = await h.makeUser();
      const before = await snapshot(h);
      const error = expectError(await create(user, data), 400, 'VALIDATION_ERROR');
      expect(error.details?.map((d) => d.path)).toEqual(paths);
      expect(await snapshot(h)).toEqual(before);
    });
  });
});
