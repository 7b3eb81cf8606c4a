import { describe, expect, it } from 'vitest';
import { expectOk } from '../support/expect.js';
import { CountStatements } from '../support/count-statements.js';
import { createHarness } from '../support/harness.js';

// Node only: round trips are counted through the harness's wrapDb: a statement by its result (prepared
// queries are compiled once, but every execution has a result), a batch (a change and its event) as one.

const counter = new CountStatements();
const h = await createHarness({
  wrapDb: (db) => ({
    ...db,
    kysely: db.kysely.withPlugin(counter),
    atomic: (queries) => {
      counter.count += 1;
      return db.atomic(queries);
    },
  }),
});

describe('writes that succeed', () => {
  it('attach, update with a new agent, and detach each take one round trip (a statement or one batch with the event): the reasons are read only on refusal', async () => {
    const user = await h.makeUser();
    const agent = await h.makeAgent(user);
    const other = await h.makeAgent(user);
    const goal = await h.makeGoal(user, { agent_id: agent.id });
    const measure = async (envelope: unknown) => {
      await user.invoke({ resource: 'agents', action: 'get', id: agent.id });
      counter.count = 0;
      expectOk(await user.invoke(envelope));
      return counter.count;
    };
    // The baseline is a one-statement read: whatever the request costs besides the action (the key lookup).
    const baseline = await measure({ resource: 'agents', action: 'get', id: agent.id });
    expect(baseline).toBeGreaterThan(0);
    expect(await measure({ resource: 'goals', action: 'attach', data: { goalId: goal.id, agentId: agent.id } })).toBe(baseline);
    expect(await measure({ resource: 'goals', action: 'update', id: goal.id, data: { agent_id: other.id } })).toBe(baseline);
    expect(await measure({ resource: 'goals', action: 'attach', data: { goalId: goal.id, agentId: other.id } })).toBe(baseline);
    expect(await measure({ resource: 'goals', action: 'detach', data: { agentId: other.id } })).toBe(baseline);
  });
});
