import type { CompiledQuery } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Access } from '../../src/db/owner-scope.js';
import { openSqlite, readMigrations } from '../../src/db/sqlite.js';
import { sql } from 'kysely';
import { listEvents, sweepEvents, type EventFilters } from '../../src/events/store.js';

// SQLite only: the feed's statements, as the store sends them, through EXPLAIN QUERY PLAN.
const captured: CompiledQuery[] = [];
const db = openSqlite({ path: ':memory:', migrations: readMigrations(), onQuery: (q) => captured.push(q) });
const USER = '00000000-0000-4000-8000-000000000001';
const ID = '00000000-0000-4000-8000-0000000000a1';

/** The rows of `EXPLAIN <how>` for the first statement that `work` sends. */
async function explain<Row>(how: 'QUERY PLAN' | '', work: () => Promise<unknown>): Promise<Row[]> {
  captured.length = 0;
  await work();
  const [query] = captured;
  if (!query) throw new Error('no statement sent');
  return db.sqlite.prepare(`EXPLAIN ${how} ${query.sql}`).all(...(query.parameters as unknown[])) as Row[];
}

const planOf = async (work: () => Promise<unknown>) => (await explain<{ detail: string }>('QUERY PLAN', work)).map((r) => r.detail);

/** How the feed reads the events table (the plan's other lines are the owner and `types` subqueries), never sorting. */
async function feedPlan(work: () => Promise<unknown>): Promise<string[]> {
  const plan = await planOf(work);
  expect(plan.filter((l) => l.includes('TEMP B-TREE'))).toEqual([]);
  return plan.filter((l) => /^(SEARCH|SCAN) events\b/.test(l));
}

// One feed index (migration 0007): owner first, then id, carrying the type, goal and agent, so every
// filter of a scoped feed searches the owner's entries after the position, in id order.
const cases: [string, Access, EventFilters][] = [
  ['own feed', { userId: USER, all: false }, {}],
  ['own feed of a goal', { userId: USER, all: false }, { goalId: ID }],
  ['own feed of an agent', { userId: USER, all: false }, { agentId: ID }],
  ['own feed of some types', { userId: USER, all: false }, { types: ['goal.created'] }],
  ['own feed of a goal, an agent and some types', { userId: USER, all: false }, { goalId: ID, agentId: ID, types: ['goal.created'] }],
  ['admin feed of an owner', { userId: USER, all: true }, { ownerId: USER }],
  ['admin feed of an owner and a goal', { userId: USER, all: true }, { ownerId: USER, goalId: ID }],
];

describe('the feed query', () => {
  it.each(cases)('%s searches the feed index in id order after the position, never sorting', async (_name, access, filters) => {
    const plan = await feedPlan(() => listEvents(db, access, filters, 1000, 50));
    expect(plan).toEqual(['SEARCH events USING INDEX events_feed (owner_id=? AND id>?)']);
    const fromStart = await feedPlan(() => listEvents(db, access, filters, undefined, 50));
    expect(fromStart).toEqual(['SEARCH events USING INDEX events_feed (owner_id=?)']);
  });

  it.each([
    ['without filters', {}],
    ['of a goal', { goalId: ID }],
    ['of an agent', { agentId: ID }],
    ['of some types', { types: ['goal.created'] }],
  ] as [string, EventFilters][])('admin feed %s walks the table by id from the position', async (_name, filters) => {
    const plan = await feedPlan(() => listEvents(db, { userId: USER, all: true }, filters, 1000, 50));
    expect(plan).toEqual(['SEARCH events USING INTEGER PRIMARY KEY (rowid>?)']);
  });

  it.each([
    ['a goal', { goalId: ID }],
    ['an agent', { agentId: ID }],
  ] as [string, EventFilters][])('a feed of %s checks the filter on the index entry and reads a row only when it matches', async (_name, filters) => {
    // The program: SQLite defers the table seek (DeferredSeek) until a column the index lacks is read,
    // and the filter's comparison comes before any such read, so events of other goals or agents cost
    // index entries only.
    type Op = { opcode: string; p1: number; p4: unknown };
    const program = await explain<Op>('', () => listEvents(db, { userId: USER, all: false }, filters, 1000, 50));
    // An index cursor's OpenRead carries its key info (`k(…)`); the table's carries its column count.
    const table = program.find((op) => op.opcode === 'OpenRead' && !String(op.p4).startsWith('k('))?.p1;
    const deferred = program.findIndex((op) => op.opcode === 'DeferredSeek');
    const firstRowRead = program.findIndex((op) => op.opcode === 'Column' && op.p1 === table);
    expect(deferred).toBeGreaterThan(0);
    expect(firstRowRead).toBeGreaterThan(deferred);
    expect(program.slice(deferred, firstRowRead).map((op) => op.opcode)).toContain('Ne');
  });

  it('the retention sweep reads only the oldest rows, in rowid order up to its limit, and deletes by rowid', async () => {
    const plan = await planOf(() => sweepEvents(db, '2026-01-01T00:00:00.000Z', 500));
    // The subquery's SCAN follows the rowid order its ORDER BY asks for (no sort), so LIMIT stops it.
    expect(plan).toEqual(['SEARCH events USING INTEGER PRIMARY KEY (rowid=?)', 'LIST SUBQUERY 1', 'SCAN events']);
  });
});
