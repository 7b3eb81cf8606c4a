import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { recordOutcome } from '../../src/outcomes/store.js';
import { expectOk } from '../support/expect.js';
import { createHarness } from '../support/harness.js';
import { newOutcome } from '../support/samples.js';

// The store, called as record and evaluate call it after their checks: here the goal was archived
// between the check and the write (evaluate leaves seconds for that while the model thinks).
const h = await createHarness();

it('a record refused by its own write (the goal archived meanwhile) writes no target.achieved, even for a target already met', async () => {
  const user = await h.makeUser();
  const goal = await h.makeGoal(user);
  const kept = expectOk(await user.invoke({ resource: 'outcomes', action: 'record', data: { goal_id: goal.id, conversation_id: 'c', achieved: true } }), 201);
  // A target added later, already met by that outcome, and never announced: no outcome came since.
  const targets = [{ period: 'year', target_type: 'count', target_count: 1 }];
  const updated = expectOk(await user.invoke({ resource: 'goals', action: 'update', id: goal.id, data: { targets, status: 'archived' } }));
  const now = h.clock.now().toISOString();
  const result = await recordOutcome(
    h.db,
    { userId: user.id, all: false },
    newOutcome({ goal_id: goal.id, conversation_id: 'c', occurred_at: kept.occurred_at }),
    now,
    updated,
  );
  expect(result).toEqual({ kind: 'goal-archived' });
  const written = await sql<{ type: string }>`SELECT type FROM events WHERE goal_id = ${goal.id} AND occurred_at = ${now}`.execute(h.db.kysely);
  expect(written.rows).toEqual([]);
  const achievements = await sql`SELECT * FROM target_achievements WHERE goal_id = ${goal.id}`.execute(h.db.kysely);
  expect(achievements.rows).toEqual([]);
});
