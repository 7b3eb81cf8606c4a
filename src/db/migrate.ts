import type BetterSqlite3 from 'better-sqlite3';

/** One file of migrations/: `NNNN_name.sql` in wrangler's D1 format. */
export interface Migration {
  /** The file name, as wrangler records it in d1_migrations. */
  name: string;
  sql: string;
}

export interface MigrationStatus {
  applied: { name: string; applied_at: string }[];
  pending: string[];
  /** Recorded as applied but not among the files: the file was migrated by a newer version. */
  unknown: string[];
  /** True when the file is a release-1 database that the next migrate will adopt. */
  adoptable: boolean;
}

/** The same DDL as wrangler and the vitest pool, so either side can continue what the other began. */
export const MIGRATIONS_TABLE_DDL =
  'CREATE TABLE IF NOT EXISTS d1_migrations(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)';

const FILE_NAME = /^(\d+)_[A-Za-z0-9_.-]+\.sql$/;

/** Numeric order, as `wrangler d1 migrations apply` uses; a name that is not `NNNN_name.sql` is refused. */
export function sortMigrations(migrations: readonly Migration[]): Migration[] {
  const numbered = migrations.map((m) => {
    const match = FILE_NAME.exec(m.name);
    if (!match?.[1]) throw new Error(`Migration file ${m.name} is not named NNNN_name.sql.`);
    return { m, n: Number(match[1]) };
  });
  return numbered.sort((a, b) => a.n - b.n || a.m.name.localeCompare(b.m.name)).map(({ m }) => m);
}

const tableExists = (sqlite: BetterSqlite3.Database, name: string): boolean =>
  sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;

const appliedRows = (sqlite: BetterSqlite3.Database) =>
  tableExists(sqlite, 'd1_migrations')
    ? (sqlite.prepare('SELECT name, applied_at FROM d1_migrations ORDER BY id').all() as { name: string; applied_at: string }[])
    : [];

/** A release-1 file: its tables exist but no migration was ever recorded. */
const isUnadoptedRelease1 = (sqlite: BetterSqlite3.Database): boolean =>
  tableExists(sqlite, 'users') && appliedRows(sqlite).length === 0;

/** What is applied and what is pending; reads only. */
export function migrationStatus(sqlite: BetterSqlite3.Database, migrations: readonly Migration[]): MigrationStatus {
  const applied = appliedRows(sqlite);
  const done = new Set(applied.map((a) => a.name));
  const known = new Set(migrations.map((m) => m.name));
  return {
    applied,
    pending: sortMigrations(migrations).map((m) => m.name).filter((n) => !done.has(n)),
    unknown: applied.map((a) => a.name).filter((n) => !known.has(n)),
    adoptable: isUnadoptedRelease1(sqlite),
  };
}

/**
 * Applies the pending migrations in numeric order, each file and its d1_migrations row in one
 * transaction taken with BEGIN IMMEDIATE: a second process waits for the write lock, then finds the
 * file recorded and skips it. A release-1 database (tables, no d1_migrations rows) is adopted first.
 * Returns the names applied by this call.
 */
export function migrate(sqlite: BetterSqlite3.Database, migrations: readonly Migration[]): string[] {
  const ordered = sortMigrations(migrations);
  const record = (name: string) => sqlite.prepare('INSERT INTO d1_migrations (name) VALUES (?)').run(name);
  const isApplied = (name: string) => sqlite.prepare('SELECT 1 FROM d1_migrations WHERE name = ?').get(name) !== undefined;
  const applied: string[] = [];

  sqlite
    .transaction(() => {
      const adopt = isUnadoptedRelease1(sqlite);
      sqlite.exec(MIGRATIONS_TABLE_DDL);
      // Release 1 built its tables from schema.sql, which is 0001 (all IF NOT EXISTS): running it
      // creates only what an older file lacks, then it is recorded like any applied file.
      const first = ordered[0];
      if (adopt && first) {
        sqlite.exec(first.sql);
        record(first.name);
        applied.push(first.name);
      }
    })
    .immediate();

  // Running older code on a newer schema would fail in ways far from the cause: refuse up front.
  const { unknown } = migrationStatus(sqlite, migrations);
  if (unknown.length > 0) {
    throw new Error(
      `The database was migrated by a newer version (${unknown.join(', ')} unknown here): run that version, or restore a backup made before it.`,
    );
  }

  for (const migration of ordered) {
    sqlite
      .transaction(() => {
        if (isApplied(migration.name)) return;
        sqlite.exec(migration.sql);
        record(migration.name);
        applied.push(migration.name);
      })
      .immediate();
  }
  return applied;
}

/** An object of the schema as sqlite_master has it, with comments and spacing normalised away. */
export interface SchemaObject {
  type: string;
  name: string;
  sql: string;
}

const normaliseSql = (sql: string): string =>
  sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/\s+/g, ' ')
    .replace(/\s*([(),])\s*/g, '$1')
    .trim();

/** Tables, indexes and triggers, without SQLite's and D1's own (sqlite_*, _cf_*, d1_migrations). */
export function schemaObjects(sqlite: BetterSqlite3.Database): SchemaObject[] {
  const rows = sqlite
    .prepare(
      `SELECT type, name, sql FROM sqlite_master
       WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name <> 'd1_migrations'
       ORDER BY type, name`,
    )
    .all() as SchemaObject[];
  return rows.map((r) => ({ type: r.type, name: r.name, sql: normaliseSql(r.sql) }));
}

/**
 * How the file's schema differs from what its applied migrations make (built in `scratch`, an empty
 * in-memory database): e.g. a file made before release 1 gained its composite foreign key. Empty when equal.
 */
export function schemaDrift(sqlite: BetterSqlite3.Database, scratch: BetterSqlite3.Database, migrations: readonly Migration[]): string[] {
  const done = new Set(appliedRows(sqlite).map((a) => a.name));
  for (const m of sortMigrations(migrations)) if (done.has(m.name)) scratch.exec(m.sql);
  const expected = new Map(schemaObjects(scratch).map((o) => [`${o.type} ${o.name}`, o.sql]));
  const actual = new Map(schemaObjects(sqlite).map((o) => [`${o.type} ${o.name}`, o.sql]));
  const drift: string[] = [];
  for (const [key, sql] of expected) {
    const found = actual.get(key);
    if (found === undefined) drift.push(`missing ${key}`);
    else if (found !== sql) drift.push(`${key} differs from the migrations' definition`);
  }
  for (const key of actual.keys()) if (!expected.has(key)) drift.push(`unexpected ${key}`);
  return drift;
}
