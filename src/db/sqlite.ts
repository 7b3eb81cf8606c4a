import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, type CompiledQuery, type QueryResult } from 'kysely';
import type { Database, Db } from './types.js';

export interface SqliteOptions {
  /** A file path, or ':memory:' for tests. */
  path: string;
  /** The contents of schema.sql, applied on every open (it only creates what is missing). */
  schemaSql: string;
}

/** Opens (and when new, creates) the embedded database with the settings every connection needs. */
export function openSqlite({ path, schemaSql }: SqliteOptions): Db & { readonly sqlite: BetterSqlite3.Database } {
  const sqlite = new BetterSqlite3(path);
  if (path !== ':memory:') sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');

  // Every statement is IF NOT EXISTS: a file made by an older version gets the new tables and indexes.
  sqlite.exec(schemaSql);

  const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });

  // IMMEDIATE takes the write lock up front, so a second process waits (busy_timeout) instead of
  // failing with SQLITE_BUSY when a read inside the transaction later upgrades to a write.
  const runAll = sqlite.transaction((queries: readonly CompiledQuery[]) =>
    queries.map((q): QueryResult<unknown> => {
      const stmt = sqlite.prepare(q.sql);
      const params = q.parameters as unknown[];
      if (stmt.reader) return { rows: stmt.all(...params) };
      const info = stmt.run(...params);
      return { rows: [], numAffectedRows: BigInt(info.changes) };
    }),
  );

  return {
    sqlite,
    kysely,
    atomic: async (queries) => runAll.immediate(queries),
    ping: async () => {
      sqlite.prepare('SELECT 1').get();
    },
    close: async () => {
      await kysely.destroy();
    },
  };
}

/** schema.sql at the project root, from src/db or dist/db alike. */
export const readSchemaSql = (): string => readFileSync(new URL('../../schema.sql', import.meta.url), 'utf8');

/** Opens the database file with schema.sql, creating its folder when new. */
export function openDatabaseFile(path: string) {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  return openSqlite({ path, schemaSql: readSchemaSql() });
}
