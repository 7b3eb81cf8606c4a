import {
  DummyDriver,
  Kysely,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryResult,
} from 'kysely';
import type { Logger } from '../platform/logger.js';
import { sqlTimings } from './query-log.js';
import type { Database, Db } from './types.js';

// Our own dialect rather than kysely-d1: with kysely 0.28 that package logs "outdated driver/plugin
// detected!" on every start, its introspector trips on D1's internal _cf_* tables, and all we need
// is prepare/bind/all plus batch() for `atomic` — about forty lines.

/** The part of the D1 binding used here; Cloudflare's and Miniflare's `D1Database` both fit it. */
export interface D1Binding {
  prepare(query: string): D1Statement;
  batch(statements: D1Statement[]): Promise<D1Outcome[]>;
}

export interface D1Statement {
  bind(...values: unknown[]): D1Statement;
  all(): Promise<D1Outcome>;
}

export interface D1Outcome {
  results?: unknown[];
  meta: { changes?: number; last_row_id?: number };
}

/** D1 refuses statements with more bound parameters than this (locally too). */
export const D1_MAX_PARAMETERS = 100;

/**
 * Checks parameters against what D1 accepts, failing with a message that names the problem instead
 * of D1's "too many SQL variables" or "D1_TYPE_ERROR". Booleans are refused (D1 would bind them as
 * 1/0, better-sqlite3 throws): both sides store 0/1, so a boolean here is a bug on both.
 */
function bindable(query: CompiledQuery): unknown[] {
  const params = query.parameters;
  if (params.length > D1_MAX_PARAMETERS) {
    throw new RangeError(`D1 allows at most ${D1_MAX_PARAMETERS} bound parameters per statement; this one has ${params.length}: ${query.sql.slice(0, 200)}`);
  }
  params.forEach((value, i) => {
    const ok = value === null || typeof value === 'string' || typeof value === 'number' || value instanceof ArrayBuffer || ArrayBuffer.isView(value);
    if (!ok) {
      throw new TypeError(`D1 cannot bind parameter ${i + 1} (${typeof value}): store booleans as 0/1, times as ISO strings, never undefined or bigint. In: ${query.sql.slice(0, 200)}`);
    }
  });
  return [...params];
}

const prepare = (d1: D1Binding, query: CompiledQuery): D1Statement => d1.prepare(query.sql).bind(...bindable(query));

function toQueryResult<R>(outcome: D1Outcome): QueryResult<R> {
  const changes = outcome.meta.changes ?? 0;
  const lastRowId = outcome.meta.last_row_id;
  return {
    rows: (outcome.results ?? []) as R[],
    numAffectedRows: BigInt(changes),
    ...(changes > 0 && lastRowId !== undefined ? { insertId: BigInt(lastRowId) } : {}),
  };
}

class D1Connection implements DatabaseConnection {
  constructor(private readonly d1: D1Binding) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return toQueryResult<R>(await prepare(this.d1, query).all());
  }

  async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    yield await this.executeQuery<R>(query);
  }
}

const noTransactions = (): never => {
  throw new Error('D1 has no interactive transactions: run the statements through db.atomic().');
};

class D1Driver implements Driver {
  private readonly connection: D1Connection;
  constructor(d1: D1Binding) {
    this.connection = new D1Connection(d1);
  }
  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    return this.connection;
  }
  beginTransaction = async (): Promise<void> => noTransactions();
  commitTransaction = async (): Promise<void> => noTransactions();
  rollbackTransaction = async (): Promise<void> => noTransactions();
  async releaseConnection(): Promise<void> {}
  async destroy(): Promise<void> {}
}

/** SQLite's adapter, compiler and introspector around a driver: D1's, or none to only compile. */
const sqliteDialect = (createDriver: () => Driver): Dialect => ({
  createAdapter: () => new SqliteAdapter(),
  createDriver,
  createIntrospector: (db) => new SqliteIntrospector(db),
  createQueryCompiler: () => new SqliteQueryCompiler(),
});

/** The `Db` over a D1 binding; `atomic` is one `batch()`, which D1 runs as a single transaction. */
export function createD1Db(d1: D1Binding, logger?: Logger): Db {
  const kysely = new Kysely<Database>({ dialect: sqliteDialect(() => new D1Driver(d1)), ...sqlTimings(logger) });
  return {
    kysely,
    atomic: async (queries) => {
      if (queries.length === 0) return [];
      const outcomes = await d1.batch(queries.map((q) => prepare(d1, q)));
      return outcomes.map((o) => toQueryResult<unknown>(o));
    },
    ping: async () => {
      await d1.prepare('SELECT 1').all();
    },
    // A binding belongs to the runtime: there is nothing to close.
    close: async () => {},
  };
}

/** A Kysely that compiles D1's SQL without any database behind it (running a query returns no rows). */
export const createSqlCompiler = (): Kysely<Database> => new Kysely<Database>({ dialect: sqliteDialect(() => new DummyDriver()) });
