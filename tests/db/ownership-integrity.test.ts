import { describe, expect, it } from 'vitest';
import { createHarness } from '../support/harness.js';

// Runs on both targets: the schema, not only the statements, keeps a goal with its agent's owner.
const h = await createHarness();
const alice = await h.makeUser();
const bob = await h.makeUser();
const aliceAgent = await h.makeAgent(alice);
const bobAgent = await h.makeAgent(bob);
const aliceGoal = await h.makeGoal(alice, { agent_id: aliceAgent.id });

const goalRow = (id: string, ownerId: string, agentId: string) => ({
  id,
  owner_id: ownerId,
  agent_id: agentId,
  name: 'Mismatched',
  description: null,
  status: 'active',
  priority: null,
  fields: '[]',
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
});

describe(`ownership integrity in the schema on ${h.target}`, () => {
  it("refuses a goal whose owner is not its agent's owner", async () => {
    const id = crypto.randomUUID();
    await expect(h.db.kysely.insertInto('goals').values(goalRow(id, alice.id, bobAgent.id)).execute()).rejects.toThrow();
    expect(await h.db.kysely.selectFrom('goals').select('id').where('id', '=', id).execute()).toEqual([]);
  });

  it("refuses moving a goal to another owner's agent", async () => {
    await expect(
      h.db.kysely.updateTable('goals').set({ agent_id: bobAgent.id }).where('id', '=', aliceGoal.id).execute(),
    ).rejects.toThrow();
    const row = await h.db.kysely.selectFrom('goals').select('agent_id').where('id', '=', aliceGoal.id).executeTakeFirst();
    expect(row?.agent_id).toBe(aliceAgent.id);
  });

  it('refuses an attachment of a goal and an agent of different owners, on insert and on update', async () => {
    const insert = h.db.kysely
      .insertInto('attachments')
      .values({ agent_id: bobAgent.id, goal_id: aliceGoal.id, attached_at: '2026-01-01T00:00:00.000Z', replaced_goal_id: null });
    await expect(insert.execute()).rejects.toThrow(/different owners/);

    await h.ok(alice, { resource: 'goals', action: 'attach', data: { goalId: aliceGoal.id, agentId: aliceAgent.id } });
    await expect(
      h.db.kysely.updateTable('attachments').set({ agent_id: bobAgent.id }).where('agent_id', '=', aliceAgent.id).execute(),
    ).rejects.toThrow(/different owners/);
    const rows = await h.db.kysely.selectFrom('attachments').select(['agent_id', 'goal_id']).execute();
    expect(rows).toEqual([{ agent_id: aliceAgent.id, goal_id: aliceGoal.id }]);
  });
});
