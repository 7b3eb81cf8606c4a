import type { CompiledQuery } from 'kysely';
import { describe, expect, it } from 'vitest';
import { prepareQuery } from '../../src/db/prepared.js';
import { openSqlite, readMigrations } from '../../src/db/sqlite.js';

const sent: CompiledQuery[] = [];
const db = openSqlite({ path: ':memory:', migrations: readMigrations(), onQuery: (q) => sent.push(q) });
const other = openSqlite({ path: ':memory:', migrations: readMigrations() });

const addUser = prepareQuery<{ id: string; email: string | null; admin: number }>()((k, _shape, u) =>
  k.insertInto('users').values({ id: u.id, email: u.email, name: null, is_admin: u.admin, created_at: '2026-01-01T00:00:00.000Z' }).returning(['id', 'email']),
);

let builds = 0;
const findUsers = prepareQuery<{ email?: string | undefined; adminsOnly: boolean; take: number }>()((k, shape, p) => {
  builds += 1;
  return k
    .selectFrom('users')
    .select(['id', 'email'])
    .$if(shape.email, (qb) => qb.where('email', '=', p.email))
    .$if(shape.adminsOnly, (qb) => qb.where('is_admin', '=', 1))
    .orderBy('id')
    .limit(p.take);
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

  it('refuses an array argument, which has no single bound value', async () => {
    const listed = prepareQuery<{ ids: string[] }>()((k) => k.selectFrom('users').select('id'));
    await expect(listed.all(db, { ids: ['u1'] })).rejects.toThrow(/must be a string, number, null, boolean, undefined or object/);
  });

  it('throws when a shape binds a value the call leaves out, instead of sending undefined', async () => {
    // The build ignores the shape and binds `email` anyway: a mistake the run refuses.
    const careless = prepareQuery<{ email?: string | undefined }>()((k, _shape, p) => k.selectFrom('users').select('id').where('email', '=', p.email));
    expect(await careless.all(db, { email: 'a@example.com' })).toEqual([{ id: 'u1' }]);
    await expect(careless.all(db, {})).rejects.toThrow(/email is absent, but this shape binds it/);
    await expect(careless.all(db, { email: undefined })).rejects.toThrow(/email is absent, but this shape binds it/);
  });

  it('gives the build the shape as real values and the values as placeholders', async () => {
    let seen: unknown;
    const probe = prepareQuery<{ q?: string | undefined; admin: boolean; cursor?: { id: string } | undefined }>()((k, shape) => {
      seen = shape;
      return k.selectFrom('users').select('id');
    });
    await probe.all(db, { q: '', admin: false, cursor: { id: 'x' } });
    // An empty string is present: presence, not the value's truthiness, is the shape.
    expect(seen).toEqual({ q: true, admin: false, cursor: { id: true } });
    await probe.all(db, { admin: true });
    expect(seen).toEqual({ admin: true });
  });
});

/**
 * Misuse of a placeholder is a compile error (`npx tsc` checks these lines; they never run).
 * Each @ts-expect-error fails the type check if the line below it ever compiles.
 */
export const misuses = [
  prepareQuery<{ take: number; q?: string | undefined }>()((k, _shape, p) => {
    // @ts-expect-error arithmetic on a placeholder
    const more = p.take + 1;
    // @ts-expect-error truthiness of a placeholder (TS2774): presence is read from the shape
    const filtered = p.q ? 'yes' : 'no';
    // @ts-expect-error a placeholder is not a string
    const text: string = p.q;
    // @ts-expect-error booleans are shape, not values
    void p.admin;
    return k.selectFrom('users').select('id').where('email', '=', `${String(more)}${filtered}${text}`);
  }),
];
