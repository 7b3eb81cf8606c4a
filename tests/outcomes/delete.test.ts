import { describe, expect, it } from 'vitest';
import { createHarness, snapshot } from '../support/harness.js';
import { expectError, expectOk } from '../support/expect.js';
import { recorded } from './support.js';

const h = await createHarness();

describe('outcomes.delete', () => {
  it('deletes the outcome: get is then 404 and its counts leave the hourly counters', async () => {
    const user = await h.makeUser();
    const goal = await h.makeGoal(user);
    const outcome = await recorded(user, { goal_id: goal.id, conversation_id: 'c1', achieved: true });
    await recorded(user, { goal_id: goal.id, conversation_id: 'c2', achieved: false });
    expect(expectOk(await user.invoke({ resource: 'outcomes', action: 'delete', id: outcome.id }))).toEqual({ id: outcome.id, deleted: true });
    expectError(await user.invoke({ resource: 'outcomes', action: 'get', id: outcome.id }), 404, 'NOT_FOUND');
    const hours = await h.db.kysely.selectFrom('outcome_hours').select(['conversations', 'achieved']).where('goal_id', '=', goal.id).execute();
    expect(hours).toEqual([{ conversations: 1, achieved: 0 }]);
  });

  it("returns 404 NOT_FOUND for another owner's outcome and deletes nothing", async () => {
    const owner = await h.makeUser();
    const intruder = await h.makeUser();
    const goal = await h.makeGoal(owner);
    const outcome = await recorded(owner, { goal_id: goal.id, conversation_id: 'c1', achieved: true });
    const before = await snapshot(h);
    expectError(await intruder.invoke({ resource: 'outcomes', action: 'delete', id: outcome.id }), 404, 'NOT_FOUND');
    expect(await snapshot(h)).toEqual(before);
  });

  it('returns 404 NOT_FOUND the second time', async () => {
    const user = await h.makeUser();
    const goal = await h.makeGoal(user);
    const outcome = await recorded(user, { goal_id: goal.id, conversation_id: 'c1', achieved: true });
    expectOk(await user.invoke({ resource: 'outcomes', action: 'delete', id: outcome.id }));
    expectError(await user.invoke({ resource: 'outcomes', action: 'delete', id: outcome.id }), 404, 'NOT_FOUND');
  });

  it('goes with its goal: deleting the goal deletes its outcomes and counters', async () => {
    const user = await h.makeUser();
    const goal = await h.makeGoal(user);
    const outcome = await recorded(user, { goal_id: goal.id, conversation_id: 'c1', achieved: true });
    expectOk(await user.invoke({ resource: 'goals', action: 'delete', id: goal.id }));
    expectError(await user.invoke({ resource: 'outcomes', action: 'get', id: outcome.id }), 404, 'NOT_FOUND');
    expect(await h.db.kysely.selectFrom('outcomes').select('id').where('goal_id', '=', goal.id).execute()).toEqual([]);
    expect(await h.db.kysely.selectFrom('outcome_hours').select('hour').where('goal_id', '=', goal.id).execute()).toEqual([]);
  });

  it('keeps an agent while outcomes name it: agents.delete is 409 CONFLICT until they are gone', async () => {
    const user = await h.makeUser();
    const home = await h.makeAgent(user);
    const caller = await h.makeAgent(user, { name: 'Caller' });
    const goal = await h.makeGoal(user, { agent_id: home.id });
    const outcome = await recorded(user, { goal_id: goal.id, conversation_id: 'c1', achieved: true, agent_id: caller.id });
    const before = await snapshot(h);
    const error = expectError(await user.invoke({ resource: 'agents', action: 'delete', id: caller.id }), 409, 'CONFLICT');
    expect(error.message).toMatch(/Outcomes/);
    expect(await snapshot(h)).toEqual(before);
    expectOk(await user.invoke({ resource: 'outcomes', action: 'delete', id: outcome.id }));
    expectOk(await user.invoke({ resource: 'agents', action: 'delete', id: caller.id }));
  });
});
