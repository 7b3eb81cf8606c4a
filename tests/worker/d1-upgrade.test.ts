import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hashKey } from '../../src/auth/api-keys.js';
import { MIGRATIONS_TABLE_DDL } from '../../src/db/migrate.js';
import { readMigrations } from '../../src/db/sqlite.js';
import { TestClock } from '../support/clock.js';
import { applyD1Migrations, startWorker } from '../support/miniflare.js';
import { splitSql } from '../support/split-sql.js';

// A D1 database made by release 1 (`wrangler d1 execute --file schema.sql`), adopted as the README
// says: record 0001 in d1_migrations, then `wrangler d1 migrations apply` runs the rest.
const RELEASE_1_SCHEMA = readFileSync(new URL('../fixtures/release-1-schema.sql', import.meta.url), 'utf8');
const T = '2026-11-01T10:00:00.000Z';
const USER = '00000000-0000-4000-8000-000000000001';
const AGENT = '00000000-0000-4000-8000-00000000000a';
const GOAL = '00000000-0000-4000-8000-0000000000a1';
const FULL = `gp_${'f'.repeat(43)}`;
const READ = `gp_${'r'.repeat(43)}`;

describe('a release-1 D1 database', () => {
  it('is adopted with one INSERT into d1_migrations, then upgraded with nothing lost and keys keeping their access', async () => {
    const worker = await startWorker({ bindings: { RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'silent' }, clock: new TestClock(), applySchema: false });
    const { d1 } = worker;
    await d1.batch(splitSql(RELEASE_1_SCHEMA).map((s) => d1.prepare(s)));
    const key = async (id: string, secret: string, scopes: string[]) =>
      d1
        .prepare('INSERT INTO api_keys (id, user_id, hash, prefix, last_four, scopes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .bind(id, USER, await hashKey(secret), secret.slice(0, 8), secret.slice(-4), JSON.stringify(scopes), T);
    await d1.batch([
      d1.prepare('INSERT INTO users (id, email, name, is_admin, created_at) VALUES (?, ?, ?, 0, ?)').bind(USER, 'a@example.com', 'A', T),
      await key('k-full', FULL, ['goals:read', 'goals:write', 'agents:read', 'agents:write']),
      await key('k-read', READ, ['goals:read']),
      d1.prepare('INSERT INTO agents (id, owner_id, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)').bind(AGENT, USER, 'Desk', T, T),
      d1
        .prepare("INSERT INTO goals (id, owner_id, agent_id, name, status, fields, created_at, updated_at) VALUES (?, ?, ?, ?, 'active', '[]', ?, ?)")
        .bind(GOAL, USER, AGENT, 'Book', T, T),
    ]);

    // The README's adoption recipe, then what `wrangler d1 migrations apply` does.
    await d1.batch([d1.prepare(MIGRATIONS_TABLE_DDL), d1.prepare("INSERT INTO d1_migrations (name) VALUES ('0001_initial.sql')")]);
    const applied = await applyD1Migrations(d1, readMigrations());
    expect(applied).toEqual(readMigrations().map((m) => m.name).filter((n) => n !== '0001_initial.sql').sort());

    const scopes = (await d1.prepare('SELECT id, scopes FROM api_keys ORDER BY id').all()).results;
    expect(scopes).toEqual([
      { id: 'k-full', scopes: '["*"]' },
      { id: 'k-read', scopes: '["goals:read"]' },
    ]);
    const invoke = async (secret: string, envelope: unknown) =>
      (
        await worker.request('/invoke', {
          method: 'POST',
          headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json' },
          body: JSON.stringify(envelope),
        })
      ).status;
    expect(await invoke(FULL, { resource: 'goals', action: 'get', id: GOAL })).toBe(200);
    expect(await invoke(FULL, { resource: 'agents', action: 'create', data: { name: 'New' } })).toBe(201);
    expect(await invoke(READ, { resource: 'goals', action: 'list' })).toBe(200);
    expect(await invoke(READ, { resource: 'agents', action: 'list' })).toBe(403);
    expect(await applyD1Migrations(d1, readMigrations())).toEqual([]);
  });
});
