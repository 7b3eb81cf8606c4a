import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { D1_MAX_PARAMETERS } from '../../src/db/d1.js';
import { createHarness } from '../support/harness.js';

// h.db here is the project's D1 dialect over the Worker's real D1 binding.
const h = await createHarness();

/** SELECT (? + ? + …) AS total, one parameter per value. */
const selectParams = (values: unknown[]) => sql`SELECT (${sql.join(values.map((v) => sql`${v}`), sql` + `)}) AS total`.compile(h.db.kysely);

describe('the D1 dialect', () => {
  it(`runs a statement with ${D1_MAX_PARAMETERS} bound parameters`, async () => {
    const values = Array.from({ length: D1_MAX_PARAMETERS }, (_, i) => i);
    const result = await h.db.kysely.executeQuery(selectParams(values));
    expect(result.rows).toEqual([{ total: (D1_MAX_PARAMETERS * (D1_MAX_PARAMETERS - 1)) / 2 }]);
  });

  it(`refuses ${D1_MAX_PARAMETERS + 1} parameters with a message that says D1's limit`, async () => {
    const values = Array.from({ length: D1_MAX_PARAMETERS + 1 }, (_, i) => i);
    await expect(h.db.kysely.executeQuery(selectParams(values))).rejects.toThrow('D1 allows at most 100 bound parameters per statement; this one has 101');
    await expect(h.db.atomic([selectParams(values)])).rejects.toThrow('at most 100 bound parameters');
  });

  it.each([
    ['a boolean', true],
    ['undefined', undefined],
    ['a bigint', 1n],
  ])('refuses %s as a parameter, naming what to store instead', async (_, value) => {
    await expect(h.db.kysely.executeQuery(selectParams(['ok', value]))).rejects.toThrow(/cannot bind parameter 2 .*0\/1.*ISO strings/);
  });

  it('reports affected rows of writes, as kysely results', async () => {
    const owner = await h.makeUser();
    await h.makeAgent(owner, { name: 'One' });
    await h.makeAgent(owner, { name: 'Two' });
    const result = await h.db.kysely.updateTable('agents').set({ description: 'x' }).where('owner_id', '=', owner.id).executeTakeFirst();
    expect(result.numUpdatedRows).toBe(2n);
    const none = await h.db.kysely.deleteFrom('agents').where('id', '=', crypto.randomUUID()).executeTakeFirst();
    expect(none.numDeletedRows).toBe(0n);
  });

  it('stores integers as INTEGER although D1 binds numbers as REAL', async () => {
    const owner = await h.makeUser();
    const goal = await h.makeGoal(owner, { priority: 7 });
    const row = await sql<{ kind: string; priority: number }>`SELECT typeof(priority) AS kind, priority FROM goals WHERE id = ${goal.id}`.execute(h.db.kysely);
    expect(row.rows[0]).toEqual({ kind: 'integer', priority: 7 });
  });

  it('refuses an interactive transaction and points to db.atomic', async () => {
    await expect(h.db.kysely.transaction().execute(async () => undefined)).rejects.toThrow('D1 has no interactive transactions: run the statements through db.atomic().');
  });
});
