import type { CompiledQuery } from 'kysely';
import type { Access } from '../../src/db/owner-scope.js';
import { openSqlite, readMigrations } from '../../src/db/sqlite.js';

/** Fixed ids for query-plan tests: the plans depend on the SQL's shape, not on the rows. */
export const USER = '00000000-0000-4000-8000-000000000001';
export const OTHER = '00000000-0000-4000-8000-000000000002';
export const AGENT = '00000000-0000-4000-8000-00000000000a';
export const GOAL = '00000000-0000-4000-8000-0000000000b1';
export const own: Access = { userId: USER, all: false };
export const admin: Access = { userId: USER, all: true };
export const cursor = { createdAt: '2026-01-01T00:00:00.000Z', id: GOAL };

/** A migrated in-memory database that records the statements the real store functions send. */
export function planProbe() {
  const captured: CompiledQuery[] = [];
  const db = openSqlite({ path: ':memory:', migrations: readMigrations(), onQuery: (q) => captured.push(q) });

  /** Runs `work` and returns every statement it sent. */
  async function sqlOf(work: () => Promise<unknown>): Promise<CompiledQuery[]> {
    captured.length = 0;
    await work();
    return [...captured];
  }

  function planOf(query: CompiledQuery): string[] {
    const rows = db.sqlite.prepare(`EXPLAIN QUERY PLAN ${query.sql}`).all(...(query.parameters as unknown[])) as { detail: string }[];
    return rows.map((r) => r.detail);
  }

  return { db, sqlOf, planOf };
}

/** Every subset of the given filter values, as objects. */
export function subsets<T extends object>(options: T): Partial<T>[] {
  const entries = Object.entries(options);
  return Array.from({ length: 2 ** entries.length }, (_, mask) =>
    Object.fromEntries(entries.filter((_, i) => mask & (1 << i))) as Partial<T>,
  );
}
