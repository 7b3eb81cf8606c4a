import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  SqliteDialect,
  type DatabaseConnection,
  type Driver,
  type LogEvent,
  type QueryResult,
} from 'kysely';
import { setBounded } from '../platform/bounded-map.js';
import type { Logger } from '../platform/logger.js';
import { migrate, type Migration } from './migrate.js';
import { sqlTimings } from './query-log.js';
import type { Database, Db } from './types.js';

/** Distinct statement texts kept prepared; the API sends a few dozen shapes, so this is never reached in use. */
const STATEMENT_CACHE_SIZE = 500;
/** How long a connection waits for another process's lock before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

/**
 * Puts the file in WAL mode (a property of the file, so a no-op once any process did it). Converting
 * reads the header, then upgrades to a write, and SQLite refuses that upgrade at once, without the
 * busy handler, while another process holds the write lock: when processes open a new file at once,
 * the losers get SQLITE_BUSY at once. They retry, within the busy timeout, until the winner is done
 * and the pragma finds the file in WAL already.
 */
function switchToWal(sqlite: BetterSqlite3.Database): void {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let attempt = 1; ; attempt++) {
    try {
      sqlite.pragma('journal_mode = WAL');
      return;
    } catch (err) {
      const busy = err instanceof BetterSqlite3.SqliteError && err.code.startsWith('SQLITE_BUSY');
      if (!busy || Date.now() >= deadline) throw err;
      // Synchronous like the rest of opening: a few ms, growing, so racers do not retry in step.
      Atomics.wait(pause, 0, 0, Math.min(100, attempt * 5 + Math.random() * 10));
    }
  }
}

/**
 * Prepared statements by SQL text, so each query shape is parsed and planned once rather than on every
 * call (kysely's own driver prepares per query). Oldest first out when full.
 */
function statementCache(sqlite: BetterSqlite3.Database): (sql: string) => BetterSqlite3.Statement {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return (sql) => {
    let stmt = cache.get(sql);
    if (stmt) return stmt;
    stmt = sqlite.prepare(sql);
    setBounded(cache, sql, stmt, STATEMENT_CACHE_SIZE);
    return stmt;
  };
}

function run(stmt: BetterSqlite3.Statement, parameters: readonly unknown[]): QueryResult<unknown> {
  if (stmt.reader) return { rows: stmt.all(parameters) };
  const { changes, lastInsertRowid } = stmt.run(parameters);
  return { rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid) };
}

/** kysely's SQLite driver with the statement cache: one connection, handed out one user at a time. */
class CachingSqliteDriver implements Driver {
  readonly #connection: DatabaseConnection;
  #held: Promise<void> | null = null;
  #release: (() => void) | null = null;

  constructor(
    private readonly sqlite: BetterSqlite3.Database,
    prepare: (sql: string) => BetterSqlite3.Statement,
  ) {
    this.#connection = {
      executeQuery: async <R>(q: CompiledQuery) => run(prepare(q.sql), q.parameters) as QueryResult<R>,
      // A streamed statement stays busy between rows, so it gets its own, uncached one.
      async *streamQuery<R>(q: CompiledQuery) {
        for (const row of sqlite.prepare(q.sql).iterate(q.parameters)) yield { rows: [row as R] };
      },
    };
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    while (this.#held) await this.#held;
    this.#held = new Promise((resolve) => {
      this.#release = resolve;
    });
    return this.#connection;
  }

  async releaseConnection(): Promise<void> {
    const release = this.#release;
    this.#held = null;
    this.#release = null;
    release?.();
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async destroy(): Promise<void> {
    this.sqlite.close();
  }
}

class CachingSqliteDialect extends SqliteDialect {
  constructor(
    sqlite: BetterSqlite3.Database,
    private readonly driver: Driver,
  ) {
    super({ database: sqlite });
  }

  override createDriver(): Driver {
    return this.driver;
  }
}

export interface SqliteOptions {
  /** A file path, or ':memory:' for tests. */
  path: string;
  /** Applied at open when pending (see migrate.ts); omitted, the file is opened as it is. */
  migrations?: readonly Migration[];
  /** Fails instead of creating a new, empty file (for commands that only read or copy one). */
  mustExist?: boolean;
  /** Sees every statement sent, e.g. to EXPLAIN it in tests or log it while debugging. */
  onQuery?: (query: CompiledQuery) => void;
  /** At `debug`, each statement's SQL and duration is logged. */
  logger?: Logger | undefined;
}

export type SqliteDb = Db & {
  readonly sqlite: BetterSqlite3.Database;
  /** The migrations this open applied (none when the file was current). */
  readonly migrated: readonly string[];
};

/** Opens (and when new, creates) the embedded database with the settings every connection needs. */
export function openSqlite({ path, migrations, mustExist = false, onQuery, logger }: SqliteOptions): SqliteDb {
  const sqlite = new BetterSqlite3(path, { fileMustExist: mustExist });
  sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  if (path !== ':memory:') switchToWal(sqlite);
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');

  const migrated = migrations ? migrate(sqlite, migrations) : [];

  const prepare = statementCache(sqlite);
  const kysely = new Kysely<Database>({
    dialect: new CachingSqliteDialect(sqlite, new CachingSqliteDriver(sqlite, prepare)),
    ...(onQuery ? { log: (event: LogEvent) => onQuery(event.query) } : sqlTimings(logger)),
  });

  // IMMEDIATE takes the write lock up front, so a second process waits (busy_timeout) instead of
  // failing with SQLITE_BUSY when a read inside the transaction later upgrades to a write.
  const runAll = sqlite.transaction((queries: readonly CompiledQuery[]) =>
    queries.map((q): QueryResult<unknown> => {
      onQuery?.(q);
      return run(prepare(q.sql), q.parameters);
    }),
  );

  return {
    sqlite,
    migrated,
    kysely,
    atomic: async (queries) => runAll.immediate(queries),
    ping: async () => {
      prepare('SELECT 1').get();
    },
    close: async () => {
      await kysely.destroy();
    },
  };
}

/** migrations/ at the package root, from src/db (tsx, tests) or dist/db (a build) alike. */
const MIGRATIONS_DIR = new URL('../../migrations/', import.meta.url);

let cachedMigrations: readonly Migration[] | undefined;

/** Every migration file, read once per process (the files ship with the package). */
export function readMigrations(): readonly Migration[] {
  cachedMigrations ??= readdirSync(MIGRATIONS_DIR)
    .filter((name) => name.endsWith('.sql'))
    .map((name) => ({ name, sql: readFileSync(new URL(name, MIGRATIONS_DIR), 'utf8') }));
  return cachedMigrations;
}

export const databaseExists = (path: string): boolean => path === ':memory:' || existsSync(path);

/** Opens the database file, creating it and its folder when new, and applies pending migrations. */
export function openDatabaseFile(path: string, logger?: Logger): SqliteDb {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  return openSqlite({ path, migrations: readMigrations(), logger });
}
