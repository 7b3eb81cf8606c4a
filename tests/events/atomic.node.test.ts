import type { CompiledQuery } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/types.js';
import { expectError } from '../support/expect.js';
import { createHarness, snapshot } from '../support/harness.js';

// Node only: one statement of a batch is broken on purpose through the harness's wrapDb.
type Breaker = (query: CompiledQuery) => boolean;
let breaks: Breaker = () => false;

/** The same statement against a table that does not exist: it fails when the batch runs it. */
const broken = (query: CompiledQuery): CompiledQuery => ({ ...query, sql: query.sql.replace(/^(insert into|update|delete from) "(\w+)"/, '$1 "$2_missing"') });

const h = await createHarness({
  wrapDb: (db): Db => ({ ...db, atomic: (queries) => db.atomic(queries.map((q) => (breaks(q) ? broken(q) : q))) }),
});

const intoEvents: Breaker = (q) => q.sql.startsWith('insert into "events"');
const notEvents: Breaker = (q) => !intoEvents(q);

describe('a change and its event are one batch', () => {
  it.each([
    ['the event insert fails', intoEvents],
    ['the change fails', notEvents],
  ])('writes neither when %s (500, nothing changed)', async (_case, breaker) => {
    const user = await h.makeUser();
    const agent = await h.makeAgent(user);
    const goal = await h.makeGoal(user, { agent_id: agent.id });
    const spare = await h.makeAgent(user);
    const holder = await h.makeAgent(user);
    await h.ok(user, { resource: 'goals', action: 'attach', data: { goalId: goal.id, agentId: holder.id } });
    const outcome = await h.ok<{ id: string }>(user, { resource: 'outcomes', action: 'record', data: { goal_id: goal.id, conversation_id: 'kept', achieved: true } });
    const before = await snapshot(h);
    breaks = breaker;
    try {
      const writes = [
        { resource: 'agents', action: 'create', data: { name: 'New' } },
        { resource: 'agents', action: 'update', id: agent.id, data: { name: 'Renamed' } },
        { resource: 'agents', action: 'delete', id: spare.id },
        { resource: 'goals', action: 'create', data: { agent_id: agent.id, name: 'New' } },
        { resource: 'goals', action: 'update', id: goal.id, data: { name: 'Renamed' } },
        { resource: 'goals', action: 'attach', data: { goalId: goal.id, agentId: agent.id } },
        { resource: 'goals', action: 'detach', data: { agentId: holder.id } },
        { resource: 'outcomes', action: 'record', data: { goal_id: goal.id, conversation_id: 'new', achieved: true } },
        { resource: 'outcomes', action: 'record', data: { goal_id: goal.id, conversation_id: 'kept', achieved: false } },
        { resource: 'outcomes', action: 'delete', id: outcome.id },
        { resource: 'goals', action: 'delete', id: goal.id },
      ];
      for (const envelope of writes) expectError(await user.invoke(envelope), 500, 'INTERNAL_ERROR');
    } finally {
      breaks = () => false;
    }
    expect(await snapshot(h)).toEqual(before);
  });
});
