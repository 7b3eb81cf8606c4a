import type { CompiledQuery } from 'kysely';
import { describe, expect, it } from 'vitest';
import { prepareQuery } from '../../src/db/prepared.js';
import { openSqlite, readMigrations } from '../../src/db/sqlite.js';

const sent: CompiledQuery[] = [];
const db = openSqlite({ path: ':memory:', migrations: readMigrations(), onQuery: (q) => sent.push(q) });
const other = openSqlite({ path: ':memory:', migrations: readMigrations() });

const addUser = prepareQuery((k, u: { id: string; email: string | null; admin: number }) =>
  k.insertInto('users').values({ id: u.id, email: u.email, name: null, is_admin: u.admin, created_at: '2026-01-01T00:00:00.000Z' }).returning(['id', 'email']),
);

let builds = 0;
const findUsers = prepareQuery((k, a: { email?: string | undefined; adminsOnly: boolean; take: number }) => {
  builds += 1;
  return k
    .selectFrom('users')
    .select(['id', 'email'])
    .$if(a.email !== undefined, (qb) => qb.where('email', '=', a.email ?? ''))
    .$if(a.adminsOnly, (qb) => qb.where('is_admin', '=', 1))
    .orderBy('id')
    .limit(a.take);
});

describe('prepareQuery', () => {
  it('builds a shape once and binds each call’s values into the same SQL', async () => {
    await addUser.run(db, { id: 'u1', email: 'a@example.com', admin: 0 });
    await addUser.run(db, { id: 'u2', email: 'b@example.com', admin: 1 });
    await addUser.run(db, { id: 'u3', email: null, admin: 1 });
    builds = 0;
    sent.length = 0;

    expect(await findUsers.all(db, { email: 'a@example.com', adminsOnly: false, take: 10 })).toEqual([{ id: 'u1', email: 'a@example.com' }]);
    expect(await findUsers.all(db, { email: 'b@example.com', adminsOnly: false, take: 10 })).toEqual([{ id: 'u2', email: 'b@example.com' }]);

    expect(builds).toBe(1);
    expect(sent.map((q) => q.sql)).toEqual([sent[0]?.sql, sent[0]?.sql]);
    expect(sent.map((q) => q.parameters)).toEqual([
      ['a@example.com', 10],
      ['b@example.com', 10],
    ]);
  });

  it('builds another shape when a flag or an absent value changes the SQL', async () => {
    sent.length = 0;
    expect(await findUsers.all(db, { adminsOnly: true, take: 10 })).toEqual([
      { id: 'u2', email: 'b@example.com' },
      { id: 'u3', email: null },
    ]);
    expect(await findUsers.all(db, { email: undefined, adminsOnly: false, take: 1 })).toEqual([{ id: 'u1', email: 'a@example.com' }]);
    expect(new Set(sent.map((q) => q.sql)).size).toBe(2);
    expect(sent[0]?.sql).not.toContain('"email" =');
    expect(sent[0]?.sql).toContain('"is_admin" =');
  });

  it('sends exactly the SQL and values of building the query directly', async () => {
    sent.length = 0;
    await findUsers.all(db, { email: 'a@example.com', adminsOnly: true, take: 5 });
    const direct = db.kysely
      .selectFrom('users')
      .select(['id', 'email'])
      .where('email', '=', 'a@example.com')
      .where('is_admin', '=', 1)
      .orderBy('id')
      .limit(5)
      .compile();
    expect({ sql: sent[0]?.sql, parameters: sent[0]?.parameters }).toEqual({ sql: direct.sql, parameters: direct.parameters });
  });

  it('binds null as a value, not as a shape', async () => {
    const first = addUser.compile(db, { id: 'x', email: null, admin: 0 });
    const second = addUser.compile(db, { id: 'y', email: 'y@example.com', admin: 0 });
    expect(first.sql).toBe(second.sql);
    expect(first.parameters).toContain(null);
    expect(second.parameters).toContain('y@example.com');
  });

  it('gives compiled statements that db.atomic runs', async () => {
    await db.atomic([addUser.compile(db, { id: 'u4', email: 'd@example.com', admin: 0 })]);
    expect(await findUsers.all(db, { email: 'd@example.com', adminsOnly: false, take: 1 })).toEqual([{ id: 'u4', email: 'd@example.com' }]);
  });

  it('keeps databases apart: the same prepared query runs on each with its own rows', async () => {
    await addUser.run(other, { id: 'o1', email: 'a@example.com', admin: 0 });
    expect(await findUsers.first(other, { email: 'a@example.com', adminsOnly: false, take: 1 })).toEqual({ id: 'o1', email: 'a@example.com' });
    expect(await findUsers.first(db, { email: 'a@example.com', adminsOnly: false, take: 1 })).toEqual({ id: 'u1', email: 'a@example.com' });
  });

  it('throws when the build computes with a bound value instead of passing it on', async () => {
    const wrong = prepareQuery((k, a: { take: number }) => k.selectFrom('users').select('id').limit(a.take + 1));
    await expect(wrong.all(db, { take: 1 })).rejects.toThrow(/Placeholder for take used in a computation/);
  });

  it('refuses an array argument, which has no single bound value', async () => {
    const listed = prepareQuery((k, a: { ids: string[] }) => k.selectFrom('users').select('id').where('id', 'in', a.ids));
    await expect(listed.all(db, { ids: ['u1'] })).rejects.toThrow(/must be a string, number, null, boolean, undefined or object/);
  });
});
