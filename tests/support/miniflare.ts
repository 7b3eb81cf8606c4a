import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Miniflare } from 'miniflare';
import { inject } from 'vitest';
import { createD1Db, type D1Binding, type D1Outcome, type D1Statement } from '../../src/db/d1.js';
import { MIGRATIONS_TABLE_DDL, sortMigrations, type Migration } from '../../src/db/migrate.js';
import { readMigrations } from '../../src/db/sqlite.js';
import type { Db } from '../../src/db/types.js';
import type { TestClock } from './clock.js';
import { splitSql } from './split-sql.js';
import { CLOCK_HEADER, D1_BRIDGE_PATH, type BridgeRequest } from './worker-protocol.js';

const NULL_BODY = new Set([101, 204, 205, 304]);

/** compatibility_date, flags and the D1 id from wrangler.toml, so tests run what `wrangler deploy` runs. */
export function wranglerSettings() {
  const toml = readFileSync(new URL('../../wrangler.toml', import.meta.url), 'utf8');
  const value = (key: string) => new RegExp(`^${key}\\s*=\\s*(.+)$`, 'm').exec(toml)?.[1]?.trim();
  const date = value('compatibility_date');
  if (!date) throw new Error('wrangler.toml has no compatibility_date');
  const flags = value('compatibility_flags');
  return {
    compatibilityDate: JSON.parse(date) as string,
    compatibilityFlags: flags ? (JSON.parse(flags) as string[]) : [],
    databaseId: JSON.parse(value('database_id') ?? '"DB"') as string,
  };
}

export interface WorkerOptions {
  /** Vars and secrets, as wrangler would bind them. */
  bindings: Record<string, string>;
  clock: TestClock;
  /** Wrangler's `--persist-to` folder + `/v3/d1`: shares a local D1 with `wrangler d1 execute --local`. */
  d1Persist?: string;
  /**
   * Apply migrations/ first, as `wrangler d1 migrations apply` does (default true); the D1 is fresh
   * and in memory unless d1Persist is set.
   */
  applySchema?: boolean;
}

export interface RunningWorker {
  /** The project's D1 `Db`, over the Worker's own binding. */
  db: Db;
  /** That binding itself, for raw statements and batches (schema set-up). */
  d1: D1Binding;
  request(path: string, init?: RequestInit): Promise<Response>;
  dispose(): Promise<void>;
}

const running = new Set<Miniflare>();

/** Stops every Worker this test file started; registered by the worker project's setup file. */
export async function disposeWorkers(): Promise<void> {
  const all = [...running];
  running.clear();
  await Promise.all(all.map((mf) => mf.dispose()));
}

/**
 * fetch, sent once more when it fails before any answer on a reused keep-alive socket: workerd
 * resets a connection whose body it did not read (an early 413), and the next request that picks
 * that socket from the pool dies with ECONNRESET. Browsers retry such requests the same way.
 */
async function fetchOnFreshSocket(url: URL, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code;
    const replayable = init.body === undefined || init.body === null || typeof init.body === 'string';
    if (!replayable || (code !== 'ECONNRESET' && code !== 'UND_ERR_SOCKET')) throw err;
    return fetch(url, init);
  }
}

/** A D1 binding whose statements run inside the Worker (worker-entry.ts), on its real D1. */
function bridgedD1(origin: URL): D1Binding {
  async function send(body: BridgeRequest): Promise<D1Outcome[]> {
    const res = await fetchOnFreshSocket(new URL(D1_BRIDGE_PATH, origin), { method: 'POST', body: JSON.stringify(body) });
    const reply = (await res.json()) as { outcomes?: D1Outcome[]; error?: string };
    if (!reply.outcomes) throw new Error(reply.error ?? `D1 bridge answered ${res.status}`);
    return reply.outcomes;
  }
  type Bridged = D1Statement & { readonly sql: string; readonly params: unknown[] };
  const statement = (sql: string, params: unknown[]): Bridged => ({
    sql,
    params,
    bind: (...values) => statement(sql, values),
    all: async () => {
      const [outcome] = await send({ statements: [{ sql, params }], atomic: false });
      if (!outcome) throw new Error('D1 bridge returned no outcome');
      return outcome;
    },
  });
  return {
    prepare: (sql) => statement(sql, []),
    batch: (statements) =>
      send({
        statements: statements.map((s) => {
          const { sql, params } = s as Bridged;
          return { sql, params };
        }),
        atomic: true,
      }),
  };
}

/**
 * What `wrangler d1 migrations apply` does: each pending file and its d1_migrations row in one batch
 * (one implicit transaction), in numeric order. Returns the names applied.
 */
export async function applyD1Migrations(d1: D1Binding, migrations: readonly Migration[]): Promise<string[]> {
  await d1.prepare(MIGRATIONS_TABLE_DDL).all();
  const done = new Set(((await d1.prepare('SELECT name FROM d1_migrations').all()).results ?? []).map((r) => (r as { name: string }).name));
  const applied: string[] = [];
  for (const { name, sql } of sortMigrations(migrations)) {
    if (done.has(name)) continue;
    const record = d1.prepare('INSERT INTO d1_migrations (name) VALUES (?)').bind(name);
    await d1.batch([...splitSql(sql).map((s) => d1.prepare(s)), record]);
    applied.push(name);
  }
  return applied;
}

/** The bundled Worker in workerd (Miniflare) with its own D1, offline (`cf: false`). */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const bundle = inject('workerBundle');
  if (!bundle) throw new Error('No Worker bundle: run this file in the vitest "worker" project.');
  const settings = wranglerSettings();
  const mf = new Miniflare({
    modules: true,
    scriptPath: bundle.path,
    modulesRoot: dirname(bundle.path),
    compatibilityDate: settings.compatibilityDate,
    compatibilityFlags: settings.compatibilityFlags,
    d1Databases: { DB: settings.databaseId },
    ...(options.d1Persist ? { d1Persist: options.d1Persist } : {}),
    bindings: options.bindings,
    cf: false,
  });
  running.add(mf);
  // Plain HTTP to workerd's socket: a little faster than mf.dispatchFetch, and the real wire.
  const origin = await mf.ready;

  const d1 = bridgedD1(origin);
  if (options.applySchema ?? true) await applyD1Migrations(d1, readMigrations());

  const { clock } = options;
  async function request(path: string, init: RequestInit = {}): Promise<Response> {
    const sent = new Headers(init.headers);
    sent.set(CLOCK_HEADER, String(clock.peek()));
    const res = await fetchOnFreshSocket(new URL(path, origin), { ...init, headers: sent });
    clock.catchUp(Number(res.headers.get(CLOCK_HEADER)));
    const headers = new Headers(res.headers);
    headers.delete(CLOCK_HEADER);
    return new Response(NULL_BODY.has(res.status) ? null : res.body, { status: res.status, statusText: res.statusText, headers });
  }

  return {
    db: createD1Db(d1),
    d1,
    request,
    dispose: async () => {
      running.delete(mf);
      await mf.dispose();
    },
  };
}
