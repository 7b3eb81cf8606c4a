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

async function planOf(work: () => Promise<unknown>): Promise<string[]> {
  captured.length = 0;
  await work();
  const [query] = captured;
  if (!query) throw new Error('no statement sent');
  const rows = db.sqlite.prepare(`EXPLAIN QUERY PLAN ${query.sql}`).all(...(query.parameters as unknown[])) as { detail: string }[];
  return rows.map((r) => r.detail);
}

const cases: [string, Access, EventFilters, string][] = [
  ['own feed', { userId: USER, all: false }, {}, 'events_owner'],
  ['own feed of a goal', { userId: USER, all: false }, { goalId: ID }, 'events_'],
  ['own feed of an agent', { userId: USER, all: false }, { agentId: ID }, 'events_'],
  ['own feed of some types', { userId: USER, all: false }, { types: ['goal.created'] }, 'events_owner'],
  ['admin feed of a goal', { userId: USER, all: true }, { goalId: ID }, 'events_goal'],
  ['admin feed of an agent', { userId: USER, all: true }, { agentId: ID }, 'events_agent'],
  ['admin feed of an owner', { userId: USER, all: true }, { ownerId: USER }, 'events_owner'],
];

describe('the feed query', () => {
  it.each(cases)('%s searches an index in id order after the position, never sorting', async (_name, access, filters, index) => {
    for (const after of [undefined, 1000]) {
      const plan = await planOf(() => listEvents(db, access, filters, after, 50));
      expect(plan.filter((l) => l.includes('TEMP B-TREE'))).toEqual([]);
      expect(plan.find((l) => l.startsWith('SEARCH events USING') && l.includes(index))).toBeDefined();
    }
  });

  it('admin feed without filters walks the table by id from the position', async () => {
    const plan = await planOf(() => listEvents(db, { userId: USER, all: true }, {}, 1000, 50));
    expect(plan).toContainEqual(expect.stringMatching(/^SEARCH events USING INTEGER PRIMARY KEY \(rowid>\?\)/));
  });

  it('the retention sweep reads only the oldest rows, in rowid order up to its limit, and deletes by rowid', async () => {
    const plan = await planOf(() => sweepEvents(db, '2026-01-01T00:00:00.000Z', 500));
    // The subquery's SCAN follows the rowid order its ORDER BY asks for (no sort), so LIMIT stops it.
    expect(plan).toEqual(['SEARCH events USING INTEGER PRIMARY KEY (rowid=?)', 'LIST SUBQUERY 1', 'SCAN events']);
  });
});
