import { describe, expect, it } from 'vitest';
import { createHarness, snapshot } from '../support/harness.js';

// Runs on both targets: a transaction on better-sqlite3, one batch() on D1.
const h = await createHarness();

const user = (id: string, email: string) =>
  h.db.kysely.insertInto('users').values({ id, email, name: null, is_admin: 0, created_at: '2026-01-01T00:00:00.000Z' }).compile();

describe(`db.atomic on ${h.target}`, () => {
  it('applies every statement and returns one result per statement, in order', async () => {
    const [a, b] = [crypto.randomUUID(), crypto.randomUUID()];
    const results = await h.db.atomic([
      user(a, `${a}@example.com`),
      user(b, `${b}@example.com`),
      h.db.kysely.selectFrom('users').select('id').where('id', 'in', [a, b]).orderBy('email').compile(),
    ]);

    expect(results).toHaveLength(3);
    expect(results[0]?.numAffectedRows).toBe(1n);
    expect(results[2]?.rows).toHaveLength(2);
    const ids = await h.db.kysely.selectFrom('users').select('id').where('id', 'in', [a, b]).execute();
    expect(ids.map((r) => r.id).sort()).toEqual([a, b].sort());
  });

  it('leaves nothing behind when the second statement violates a constraint', async () => {
    const before = await snapshot(h);
    const fresh = crypto.randomUUID();
    const taken = crypto.randomUUID();
    await h.db.atomic([user(taken, `${taken}@example.com`)]);
    const beforeFailure = await snapshot(h);

    // The first insert is valid on its own; the second reuses a primary key.
    await expect(h.db.atomic([user(fresh, `${fresh}@example.com`), user(taken, 'other@example.com')])).rejects.toThrow(/UNIQUE|constraint/i);

    expect(await snapshot(h)).toEqual(beforeFailure);
    expect(await h.db.kysely.selectFrom('users').select('id').where('id', '=', fresh).executeTakeFirst()).toBeUndefined();
    expect(beforeFailure.users).toHaveLength((before.users?.length ?? 0) + 1);
  });

  it('rolls back an update that ran before a failing check constraint', async () => {
    const id = crypto.randomUUID();
    await h.db.atomic([user(id, `${id}@example.com`)]);
    const beforeFailure = await snapshot(h);

    await expect(
      h.db.atomic([
        h.db.kysely.updateTable('users').set({ name: 'Renamed' }).where('id', '=', id).compile(),
        h.db.kysely.updateTable('users').set({ is_admin: 7 }).where('id', '=', id).compile(),
      ]),
    ).rejects.toThrow(/CHECK/i);

    expect(await snapshot(h)).toEqual(beforeFailure);
  });

  it('accepts an empty list and changes nothing', async () => {
    const before = await snapshot(h);
    await expect(h.db.atomic([])).resolves.toEqual([]);
    expect(await snapshot(h)).toEqual(before);
  });
});
