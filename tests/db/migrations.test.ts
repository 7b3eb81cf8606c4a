import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { hashKey } from '../../src/auth/api-keys.js';
import { SCOPES, decodeKeyScopes, grantedScopes, hasScope } from '../../src/auth/scopes.js';
import { parseConfig } from '../../src/config.js';
import { migrate, migrationStatus, schemaDrift, schemaObjects, sortMigrations } from '../../src/db/migrate.js';
import { openSqlite, readMigrations, type SqliteDb } from '../../src/db/sqlite.js';
import { listEvents } from '../../src/events/store.js';
import { tempDir } from '../support/server-process.js';

const exec = promisify(execFile);
/** Release 1's schema.sql (git show 7e67991:schema.sql), as text: the upgrade starts from real v1 SQL. */
const RELEASE_1_SCHEMA = readFileSync(new URL('../fixtures/release-1-schema.sql', import.meta.url), 'utf8');
const SCHEMA_SQL = readFileSync(new URL('../../schema.sql', import.meta.url), 'utf8');
const migrations = readMigrations();
const names = sortMigrations(migrations).map((m) => m.name);
const V1_SCOPES = ['goals:read', 'goals:write', 'agents:read', 'agents:write'];

const ALICE = '00000000-0000-4000-8000-000000000001';
const BOB = '00000000-0000-4000-8000-000000000002';
const AGENT = '00000000-0000-4000-8000-00000000000a';
const SPARE = '00000000-0000-4000-8000-00000000000b';
const GOAL = '00000000-0000-4000-8000-0000000000a1';
const T = '2026-11-01T10:00:00.000Z';
const secret = (c: string) => `gp_${c.repeat(43)}`;

/** v1 keys as release 1 made them: full keys with all four scopes (in any order), restricted ones. */
const KEYS = [
  { id: 'k-full', user: ALICE, key: secret('a'), scopes: V1_SCOPES },
  { id: 'k-reordered', user: BOB, key: secret('b'), scopes: [...V1_SCOPES].reverse() },
  { id: 'k-read', user: ALICE, key: secret('c'), scopes: ['goals:read'] },
  { id: 'k-three', user: ALICE, key: secret('d'), scopes: ['goals:read', 'goals:write', 'agents:read'] },
];

/** A database file made by release 1's schema.sql, with data in every table. */
async function release1Database(schema = RELEASE_1_SCHEMA): Promise<string> {
  const path = join(tempDir(), 'v1.db');
  const v1 = new BetterSqlite3(path);
  v1.pragma('journal_mode = WAL');
  v1.pragma('foreign_keys = ON');
  v1.exec(schema);
  const users = v1.prepare('INSERT INTO users (id, email, name, is_admin, created_at) VALUES (?, ?, ?, ?, ?)');
  users.run(ALICE, 'alice@example.com', 'Alice', 1, T);
  users.run(BOB, 'bob@example.com', null, 0, T);
  const keys = v1.prepare(
    'INSERT INTO api_keys (id, user_id, hash, prefix, last_four, scopes, created_at, expires_at, revoked_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL)',
  );
  for (const k of KEYS) keys.run(k.id, k.user, await hashKey(k.key), k.key.slice(0, 8), k.key.slice(-4), JSON.stringify(k.scopes), T);
  const agents = v1.prepare('INSERT INTO agents (id, owner_id, name, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)');
  agents.run(AGENT, ALICE, 'Front desk', 'Answers the phone', T, T);
  agents.run(SPARE, ALICE, 'Spare', null, T, T);
  const fields = JSON.stringify([{ key: 'email', label: 'Email', type: 'email', required: true, description: null, options: null }]);
  v1.prepare(
    'INSERT INTO goals (id, owner_id, agent_id, name, description, status, priority, fields, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  ).run(GOAL, ALICE, AGENT, 'Book a meeting', null, 'active', 3, fields, T, T);
  v1.prepare('INSERT INTO attachments (agent_id, goal_id, attached_at, replaced_goal_id) VALUES (?, ?, ?, NULL)').run(AGENT, GOAL, T);
  v1.prepare(
    'INSERT INTO idempotency_keys (user_id, key, fingerprint, claim, response_status, response_body, created_at, locked_until, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  ).run(ALICE, 'retry-1', 'f'.repeat(64), 'c1', 201, '{"success":true}', T, T, '2026-11-02T10:00:00.000Z');
  v1.close();
  return path;
}

const TABLES = ['users', 'api_keys', 'agents', 'goals', 'attachments', 'idempotency_keys'] as const;
const rows = (sqlite: BetterSqlite3.Database) =>
  Object.fromEntries(TABLES.map((t) => [t, sqlite.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all() as Record<string, unknown>[]]));

/** The normalised schema objects a SQL script makes, on a scratch database. */
const schemaOf = (sql: string) => {
  const db = new BetterSqlite3(':memory:');
  db.exec(sql);
  const objects = schemaObjects(db);
  db.close();
  return objects;
};

/** schemaDrift with its scratch database closed after. */
const drift = (sqlite: BetterSqlite3.Database) => {
  const scratch = new BetterSqlite3(':memory:');
  const found = schemaDrift(sqlite, scratch, migrations);
  scratch.close();
  return found;
};

describe('migrations on a release-1 database', () => {
  it('adopts it: 0001 is recorded, the later ones applied, and every row is still there', async () => {
    const path = await release1Database();
    const v1 = new BetterSqlite3(path, { readonly: true });
    const before = rows(v1);
    v1.close();
    const db = openSqlite({ path, migrations });
    expect(db.migrated).toEqual(names);
    expect(migrationStatus(db.sqlite, migrations)).toMatchObject({ pending: [], adoptable: false });
    expect(migrationStatus(db.sqlite, migrations).applied.map((a) => a.name)).toEqual(names);
    const after = rows(db.sqlite);
    const withoutScopes = (r: Record<string, unknown>[]) => r.map(({ scopes: _s, ...rest }) => rest);
    // Columns added by later migrations (the goal keys of 0003) take their defaults on old rows.
    const added: Record<string, Record<string, unknown>> = { goals: { channel_id: null, tags: '[]', timezone: 'UTC', targets: '[]' } };
    for (const table of TABLES) {
      expect(after[table]?.length, table).toBeGreaterThan(0);
      expect(table === 'api_keys' ? withoutScopes(after[table] ?? []) : after[table], table).toEqual(
        (table === 'api_keys' ? withoutScopes(before[table] ?? []) : (before[table] ?? [])).map((row) => ({ ...row, ...added[table] })),
      );
    }
    await db.close();
  });

  it('turns full v1 keys into all-scopes keys and leaves restricted keys exactly as they were', async () => {
    const db = openSqlite({ path: await release1Database(), migrations });
    const stored = Object.fromEntries(
      (db.sqlite.prepare('SELECT id, scopes FROM api_keys').all() as { id: string; scopes: string }[]).map((r) => [r.id, r.scopes]),
    );
    expect(stored['k-full']).toBe('["*"]');
    expect(stored['k-reordered']).toBe('["*"]');
    expect(stored['k-read']).toBe('["goals:read"]');
    expect(stored['k-three']).toBe('["goals:read","goals:write","agents:read"]');

    const full = grantedScopes(decodeKeyScopes(stored['k-full'] ?? ''));
    expect(full).toEqual(SCOPES);
    for (const scope of ['outcomes:read', 'outcomes:write', 'events:read'] as const) {
      expect(hasScope(full, scope), scope).toBe(true);
      expect(hasScope(grantedScopes(decodeKeyScopes(stored['k-read'] ?? '')), scope), scope).toBe(false);
      expect(hasScope(grantedScopes(decodeKeyScopes(stored['k-three'] ?? '')), scope), scope).toBe(false);
    }
    await db.close();
  });

  it('serves the upgraded data: get, list and attach work, and a restricted key is still refused what it lacked', async () => {
    const db = openSqlite({ path: await release1Database(), migrations });
    const app = createApp({ db, config: parseConfig({ RATE_LIMIT_PER_MINUTE: '0' }) });
    const call = async (key: string, envelope: unknown) => {
      const res = await app.request('/invoke', {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(envelope),
      });
      return { status: res.status, body: (await res.json()) as { data?: any } };
    };
    const got = await call(secret('a'), { resource: 'goals', action: 'get', id: GOAL });
    expect(got.status).toBe(200);
    expect(got.body.data).toMatchObject({ id: GOAL, agent_id: AGENT, name: 'Book a meeting', priority: 3, fields: [{ key: 'email', required: true }] });
    const listed = await call(secret('c'), { resource: 'goals', action: 'list' });
    expect(listed.body.data).toMatchObject({ count: 1, items: [{ id: GOAL }] });
    const attached = await call(secret('a'), { resource: 'goals', action: 'attach', data: { goalId: GOAL, agentId: SPARE } });
    expect(attached.status).toBe(200);
    expect((await call(secret('a'), { resource: 'agents', action: 'get', id: AGENT })).body.data.goal_id).toBe(GOAL);
    expect((await call(secret('c'), { resource: 'agents', action: 'list' })).status).toBe(403);
    expect((await call(secret('d'), { resource: 'agents', action: 'create', data: { name: 'No' } })).status).toBe(403);
    expect((await call(secret('b'), { resource: 'agents', action: 'create', data: { name: 'Bob agent' } })).status).toBe(201);
    await db.close();
  });

  it('applies nothing the second time and changes no row or schema object', async () => {
    const path = await release1Database();
    const first = openSqlite({ path, migrations });
    const schema = schemaObjects(first.sqlite);
    const data = rows(first.sqlite);
    const recorded = first.sqlite.prepare('SELECT * FROM d1_migrations').all();
    await first.close();
    const second = openSqlite({ path, migrations });
    expect(second.migrated).toEqual([]);
    expect(migrate(second.sqlite, migrations)).toEqual([]);
    expect(schemaObjects(second.sqlite)).toEqual(schema);
    expect(rows(second.sqlite)).toEqual(data);
    expect(second.sqlite.prepare('SELECT * FROM d1_migrations').all()).toEqual(recorded);
    await second.close();
  });

  it('ends with the schema of schema.sql', async () => {
    const db = openSqlite({ path: await release1Database(), migrations });
    expect(schemaObjects(db.sqlite)).toEqual(schemaOf(SCHEMA_SQL));
    await db.close();
  });

  it('adopts a file older than release 1 (no owner triggers, no composite key): creates what is missing and reports the rest', async () => {
    const older = RELEASE_1_SCHEMA.replace(/,\s*FOREIGN KEY \(agent_id, owner_id\) REFERENCES agents \(id, owner_id\)/, '').replace(
      /CREATE TRIGGER[\s\S]*?END;/g,
      '',
    );
    expect(older).not.toContain('TRIGGER');
    const db = openSqlite({ path: await release1Database(older), migrations });
    const objects = schemaObjects(db.sqlite).map((o) => `${o.type} ${o.name}`);
    expect(objects).toContain('trigger attachments_same_owner_insert');
    expect(drift(db.sqlite)).toEqual(["table goals differs from the migrations' definition"]);
    await db.close();
  });
});

describe('migrations on a new database', () => {
  const opened: SqliteDb[] = [];
  const fresh = () => {
    const db = openSqlite({ path: ':memory:', migrations });
    opened.push(db);
    return db;
  };
  afterAll(async () => {
    await Promise.all(opened.map((db) => db.close()));
  });

  it('build the same tables, indexes and triggers as schema.sql', () => {
    const db = fresh();
    expect(schemaObjects(db.sqlite).length).toBeGreaterThan(10);
    expect(schemaObjects(db.sqlite)).toEqual(schemaOf(SCHEMA_SQL));
    expect(drift(db.sqlite)).toEqual([]);
  });

  it('fill outcome_minutes from the outcomes already there (0005), matching the hourly counters', () => {
    const before = openSqlite({ path: ':memory:', migrations: migrations.filter((m) => m.name < '0005') });
    opened.push(before);
    // Outcomes without their goal and agent rows: only the counters are under test here.
    before.sqlite.pragma('foreign_keys = OFF');
    const insert = before.sqlite.prepare(
      "INSERT INTO outcomes (id, owner_id, goal_id, agent_id, conversation_id, achieved, source, occurred_at, created_at, updated_at) VALUES (?, 'u', ?, 'a', ?, ?, 'api', ?, ?, ?)",
    );
    const rows: [string, number | null, string][] = [
      ['g1', 1, '2026-06-10T12:44:59.999Z'],
      ['g1', 0, '2026-06-10T12:44:00.000Z'],
      ['g1', 1, '2026-06-10T12:45:00.000Z'],
      ['g1', null, '2026-06-10T12:45:30.000Z'],
      ['g2', 1, '2026-06-10T12:44:10.000Z'],
    ];
    rows.forEach(([goal, achieved, at], i) => insert.run(`o${i}`, goal, `c${i}`, achieved, at, at, at));
    migrate(before.sqlite, migrations);
    expect(before.sqlite.prepare('SELECT goal_id, minute, conversations, achieved FROM outcome_minutes ORDER BY goal_id, minute').all()).toEqual([
      { goal_id: 'g1', minute: '2026-06-10T12:44', conversations: 2, achieved: 1 },
      { goal_id: 'g1', minute: '2026-06-10T12:45', conversations: 1, achieved: 1 },
      { goal_id: 'g2', minute: '2026-06-10T12:44', conversations: 1, achieved: 1 },
    ]);
    // And the triggers keep them from then on.
    before.sqlite.prepare("UPDATE outcomes SET achieved = 1 WHERE id = 'o3'").run();
    before.sqlite.prepare("DELETE FROM outcomes WHERE id = 'o0'").run();
    expect(before.sqlite.prepare("SELECT minute, conversations, achieved FROM outcome_minutes WHERE goal_id = 'g1' ORDER BY minute").all()).toEqual([
      { minute: '2026-06-10T12:44', conversations: 1, achieved: 0 },
      { minute: '2026-06-10T12:45', conversations: 2, achieved: 2 },
    ]);
  });

  it('fill target_achievements from the target.achieved events still kept (0006), and drop the index that read them', () => {
    const before = openSqlite({ path: ':memory:', migrations: migrations.filter((m) => m.name < '0006') });
    opened.push(before);
    // A goal row alone (no user or agent): only the achievements are under test here.
    before.sqlite.pragma('foreign_keys = OFF');
    before.sqlite
      .prepare("INSERT INTO goals (id, owner_id, agent_id, name, status, created_at, updated_at) VALUES ('g1', 'u', 'a', 'G', 'active', ?, ?)")
      .run('2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');
    const event = before.sqlite.prepare(
      "INSERT INTO events (type, owner_id, goal_id, agent_id, outcome_id, data, occurred_at) VALUES (?, 'u', ?, 'a', 'o', ?, ?)",
    );
    const achieved = (target: string, start: string, count: number) =>
      JSON.stringify({ target_id: target, window: { start, end: 'x' }, achieved: count, target_count: count });
    event.run('target.achieved', 'g1', achieved('t1', '2026-06-01T00:00:00.000+02:00', 3), '2026-06-03T10:00:00.000Z');
    event.run('target.achieved', 'g1', achieved('t1', '2026-07-01T00:00:00.000+02:00', 3), '2026-07-02T10:00:00.000Z');
    event.run('outcome.recorded', 'g1', '{"achieved":true,"replaced":false}', '2026-07-02T10:00:00.000Z');
    // The goal of this one is gone: its achievement has nothing to belong to.
    event.run('target.achieved', 'gone', achieved('t9', '2026-06-01T00:00:00.000Z', 1), '2026-06-05T10:00:00.000Z');
    migrate(before.sqlite, migrations);
    expect(before.sqlite.prepare('SELECT * FROM target_achievements ORDER BY window_start').all()).toEqual([
      { goal_id: 'g1', target_id: 't1', window_start: '2026-06-01T00:00:00.000+02:00', achieved: 3, achieved_at: '2026-06-03T10:00:00.000Z' },
      { goal_id: 'g1', target_id: 't1', window_start: '2026-07-01T00:00:00.000+02:00', achieved: 3, achieved_at: '2026-07-02T10:00:00.000Z' },
    ]);
    expect(before.sqlite.prepare("SELECT name FROM sqlite_master WHERE name = 'events_target_window'").all()).toEqual([]);
  });

  it('replace the three feed indexes with one (0007), keeping every event and the feed it answers', async () => {
    const before = openSqlite({ path: ':memory:', migrations: migrations.filter((m) => m.name < '0007') });
    opened.push(before);
    const event = before.sqlite.prepare(
      "INSERT INTO events (type, owner_id, goal_id, agent_id, outcome_id, data, occurred_at) VALUES (?, ?, ?, ?, NULL, '{}', '2026-06-01T00:00:00.000Z')",
    );
    for (let i = 0; i < 40; i++) event.run(i % 3 ? 'goal.updated' : 'goal.created', i % 2 ? 'u1' : 'u2', `g${i % 5}`, `a${i % 4}`);
    const rows = () => before.sqlite.prepare('SELECT * FROM events ORDER BY id').all();
    const feeds = async () =>
      Promise.all([
        listEvents(before, { userId: 'u1', all: false }, { goalId: 'g1' }, 3, 100),
        listEvents(before, { userId: 'u2', all: false }, { agentId: 'a2', types: ['goal.created'] }, undefined, 100),
        listEvents(before, { userId: 'u1', all: true }, { goalId: 'g3' }, undefined, 5),
      ]);
    const [rowsBefore, feedsBefore] = [rows(), await feeds()];
    expect(feedsBefore.map((page) => page.items.length)).toEqual([expect.any(Number), expect.any(Number), 5]);
    expect(feedsBefore[0]!.items.length).toBeGreaterThan(0);
    expect(feedsBefore[1]!.items.length).toBeGreaterThan(0);
    migrate(before.sqlite, migrations);
    expect(rows()).toEqual(rowsBefore);
    expect(await feeds()).toEqual(feedsBefore);
    const indexes = before.sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' ORDER BY name").all();
    expect(indexes).toEqual([{ name: 'events_feed' }]);
  });

  it('record every file in d1_migrations with the DDL wrangler uses', () => {
    const db = fresh();
    const ddl = db.sqlite.prepare("SELECT sql FROM sqlite_master WHERE name = 'd1_migrations'").get() as { sql: string };
    expect(ddl.sql).toBe('CREATE TABLE d1_migrations(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)');
    expect(db.sqlite.prepare('SELECT name FROM d1_migrations ORDER BY id').pluck().all()).toEqual(names);
  });

  it('leave neither the changes nor the row of a migration that fails', () => {
    const db = fresh();
    const bad = { name: '9999_bad.sql', sql: 'CREATE TABLE half_done (x TEXT);\nINSERT INTO no_such_table VALUES (1);' };
    expect(() => migrate(db.sqlite, [...migrations, bad])).toThrow(/no_such_table/);
    expect(db.sqlite.prepare("SELECT 1 FROM sqlite_master WHERE name = 'half_done'").get()).toBeUndefined();
    expect(migrationStatus(db.sqlite, [...migrations, bad]).pending).toEqual(['9999_bad.sql']);
  });

  it('refuse a database migrated by a newer version, naming the migrations this one does not know', () => {
    const db = fresh();
    db.sqlite.prepare('INSERT INTO d1_migrations (name) VALUES (?)').run('9000_from_the_future.sql');
    expect(migrationStatus(db.sqlite, migrations).unknown).toEqual(['9000_from_the_future.sql']);
    expect(() => migrate(db.sqlite, migrations)).toThrow('The database was migrated by a newer version (9000_from_the_future.sql unknown here)');
  });

  it('are applied in numeric order, and a file not named NNNN_name.sql is refused', () => {
    const sorted = sortMigrations([{ name: '0010_c.sql', sql: '' }, { name: '0002_b.sql', sql: '' }, { name: '0001_a.sql', sql: '' }]);
    expect(sorted.map((m) => m.name)).toEqual(['0001_a.sql', '0002_b.sql', '0010_c.sql']);
    expect(() => sortMigrations([{ name: 'initial.sql', sql: '' }])).toThrow(/NNNN_name/);
  });

  it('hold no BEGIN, COMMIT or SAVEPOINT (D1 refuses them) and zero-padded names', () => {
    for (const { name, sql } of migrations) {
      expect(name).toMatch(/^\d{4}_[a-z0-9_]+\.sql$/);
      expect(sql, name).not.toMatch(/^\s*(BEGIN\s*(TRANSACTION|IMMEDIATE|DEFERRED|EXCLUSIVE)?\s*;|COMMIT|ROLLBACK|END\s+TRANSACTION|SAVEPOINT|RELEASE)\b/im);
    }
  });
});

describe('migrating from several processes at once', () => {
  const race = async (path: string, processes: number) => {
    const at = String(Date.now() + 1500);
    const results = await Promise.all(
      Array.from({ length: processes }, () => exec(process.execPath, ['--import', 'tsx', 'tests/support/migrate-at.ts', path, at])),
    );
    return results.map((r) => JSON.parse(r.stdout.trim()) as string[]);
  };

  it('waits for another process that is writing the file it switches to WAL, where SQLite would fail at once', async () => {
    // A file still in rollback mode, as a release-1 or never-opened file is, and another process
    // in a write transaction on it: converting to WAL needs the file to itself, and SQLite answers
    // SQLITE_BUSY at once, without its busy handler (the conversion upgrades a read to a write).
    const path = join(tempDir(), 'busy.db');
    const init = new BetterSqlite3(path);
    init.exec('CREATE TABLE t (x)');
    init.close();
    const script = `const D = require('better-sqlite3'); const d = new D(${JSON.stringify(path)}); d.exec('BEGIN IMMEDIATE'); console.log('held'); setTimeout(() => { d.exec('COMMIT'); d.close(); }, 600);`;
    const holder = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((resolve) => holder.once('exit', resolve));
    await new Promise((resolve) => holder.stdout.once('data', resolve));

    const plain = new BetterSqlite3(path);
    plain.pragma('busy_timeout = 5000');
    expect(() => plain.pragma('journal_mode = WAL')).toThrow(/database is locked/);
    plain.close();

    const db = openSqlite({ path, migrations });
    expect(db.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.migrated).toEqual(names);
    await db.close();
    expect(await exited).toBe(0);
  });

  it.each([
    ['a new file', async () => join(tempDir(), 'new.db')],
    ['a release-1 file', () => release1Database()],
  ])('applies each migration once on %s', async (_label, make) => {
    const path = await make();
    const applied = await race(path, 3);
    expect(applied.flat().sort()).toEqual([...names].sort());
    const db = new BetterSqlite3(path, { readonly: true });
    expect(db.prepare('SELECT name FROM d1_migrations ORDER BY id').pluck().all()).toEqual(names);
    expect((db.prepare("SELECT scopes FROM api_keys WHERE scopes = '[\"*\"]'").all() as unknown[]).length).toBe(path.endsWith('v1.db') ? 2 : 0);
    db.close();
  }, 60_000);
});
