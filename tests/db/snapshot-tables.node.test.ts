import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createHarness, snapshot } from '../support/harness.js';

// The "a 4xx changes nothing" checks compare snapshots of every table: one a migration adds without
// a place in the Database type (and so in the snapshot) would be left out of them silently.
describe('snapshot', () => {
  it('covers every table the migrations make', async () => {
    const h = await createHarness();
    const tables = Object.keys(await snapshot(h));
    expect(tables).toContain('events');
    expect(tables).not.toContain('idempotency_keys');
  });

  it('refuses a table that the Database type lacks', async () => {
    const h = await createHarness();
    await sql`CREATE TABLE extra_table (id TEXT)`.execute(h.db.kysely);
    await expect(snapshot(h)).rejects.toThrow(/Tables missing from Database .*: extra_table/);
  });
});
