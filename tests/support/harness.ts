import { sql } from 'kysely';
import { createApp, type AppDeps } from '../../src/app.js';
import { issueKey } from '../../src/auth/issue-key.js';
import type { Scope } from '../../src/auth/scopes.js';
import type { Agent } from '../../src/agents/schemas.js';
import { parseConfig, type Config } from '../../src/config.js';
import { openSqlite, readMigrations } from '../../src/db/sqlite.js';
import type { Database, Db } from '../../src/db/types.js';
import { createLlm } from '../../src/llm/openai.js';
import type { Goal } from '../../src/goals/schemas.js';
import { randomIds } from '../../src/platform/ids.js';
import { TestClock } from './clock.js';

export interface InvokeOptions {
  /** Bearer token; null sends no Authorization header. Defaults to the user's key. */
  token?: string | null;
  headers?: Record<string, string>;
}

export interface Reply<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** A body of either kind, loosely typed for assertions. */
export interface AnyBody {
  success: boolean;
  data?: any;
  error?: { code: string; message: string; retryable: boolean; details?: { path: string; message: string }[]; request_id: string };
}

export interface TestUser {
  id: string;
  email: string;
  key: string;
  keyId: string;
  invoke(envelope: unknown, options?: InvokeOptions): Promise<Reply<AnyBody>>;
}

export interface HarnessOptions {
  /**
   * Environment variables; on the Worker they become its bindings (vars and secrets).
   * OPENAI_BASE_URL (e.g. a fake server's `url`) gives `generate` a real LLM client.
   */
  env?: Record<string, string>;
  /** In-process injection: Node target only (files named *.node.test.ts). */
  deps?: Partial<AppDeps>;
  /** Wraps the database the app uses (factories and `snapshot` keep the real one): fault injection, Node only. */
  wrapDb?: (db: Db) => Db;
}

/**
 * Which runtime the contract tests run against: the Node app on in-memory SQLite, or the bundled
 * Worker in workerd (Miniflare) on a fresh local D1. The vitest project sets GOALPOST_TARGET.
 */
export type Target = 'node' | 'worker';
export const target: Target = process.env.GOALPOST_TARGET === 'worker' ? 'worker' : 'node';

interface Backend {
  db: Db;
  request(path: string, init?: RequestInit): Promise<Response>;
}

/** The harness's defaults: rate limits off unless a test turns them on. */
const BASE_ENV = { RATE_LIMIT_PER_MINUTE: '0', GENERATE_PER_MINUTE: '0', EVALUATE_PER_MINUTE: '0' };

function nodeBackend(config: Config, clock: TestClock, options: HarnessOptions): Backend {
  const logger = options.deps?.logger;
  const db = openSqlite({ path: ':memory:', migrations: readMigrations(), logger });
  const appDb = options.wrapDb ? options.wrapDb(db) : db;
  const app = createApp({ db: appDb, config, clock, ids: randomIds, llm: createLlm(config, logger), ...options.deps });
  return { db, request: (path, init) => Promise.resolve(app.request(path, init)) };
}

async function workerBackend(clock: TestClock, options: HarnessOptions): Promise<Backend> {
  if (options.deps || options.wrapDb) {
    throw new Error('deps and wrapDb cannot be injected into the Worker: move this test to a *.node.test.ts file.');
  }
  const { startWorker } = await import('./miniflare.js');
  return startWorker({ bindings: { ...BASE_ENV, LOG_LEVEL: 'silent', ...options.env }, clock });
}

let emails = 0;

/**
 * The real service on a fresh database, one per test file (or per test, when state matters), on
 * the current target. The same API either way, so one test file proves the contract on both.
 */
export async function createHarness(options: HarnessOptions = {}) {
  const clock = new TestClock();
  const config = parseConfig({ ...BASE_ENV, ...options.env });
  const { db, request } = target === 'worker' ? await workerBackend(clock, options) : nodeBackend(config, clock, options);

  async function invoke(envelope: unknown, token: string | null, headers: Record<string, string> = {}): Promise<Reply<AnyBody>> {
    const res = await request('/invoke', {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        ...(token === null ? {} : { Authorization: `Bearer ${token}` }),
        ...headers,
      },
      body: typeof envelope === 'string' ? envelope : JSON.stringify(envelope),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as AnyBody };
  }

  async function makeUser(opts: { admin?: boolean; scopes?: Scope[]; email?: string; name?: string; expiresAt?: string } = {}): Promise<TestUser> {
    emails += 1;
    const email = opts.email ?? `user${emails}-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const issued = await issueKey(
      db,
      { email, name: opts.name ?? `User ${emails}`, admin: opts.admin ?? false, scopes: opts.scopes, expiresAt: opts.expiresAt ?? null },
      clock,
      randomIds,
    );
    return {
      id: issued.user_id,
      email,
      key: issued.key,
      keyId: issued.key_id,
      invoke: (envelope, o = {}) => invoke(envelope, o.token === undefined ? issued.key : o.token, o.headers),
    };
  }

  /** Succeeds or throws: factories are for setting up, not for testing. */
  async function ok<T>(user: TestUser, envelope: unknown): Promise<T> {
    const reply = await user.invoke(envelope);
    if (!reply.body.success) throw new Error(`setup call failed: ${JSON.stringify(reply.body)}`);
    return reply.body.data as T;
  }

  const makeAgent = (user: TestUser, data: { name?: string; description?: string | null } = {}) =>
    ok<Agent>(user, { resource: 'agents', action: 'create', data: { name: 'Sales agent', ...data } });

  async function makeGoal(user: TestUser, data: Record<string, unknown> = {}): Promise<Goal> {
    const agentId = data.agent_id ?? (await makeAgent(user)).id;
    return ok<Goal>(user, { resource: 'goals', action: 'create', data: { name: 'Book a meeting', ...data, agent_id: agentId } });
  }

  return { target, db, clock, config, request, invoke, makeUser, makeAgent, makeGoal, ok };
}

export type Harness = Awaited<ReturnType<typeof createHarness>>;

/**
 * Every table of the schema, with the order its rows are compared in; null for the idempotency
 * claims, which a refused request takes and frees (bookkeeping, not a change). Typed by `Database`,
 * so a table added to the types must be named here, and `snapshot` fails on one the migrations
 * made that the types lack.
 */
const SNAPSHOT_ORDER: Record<keyof Database, string | null> = {
  users: 'id',
  api_keys: 'id',
  agents: 'id',
  goals: 'id',
  attachments: 'agent_id',
  goal_tags: 'goal_id, tag',
  outcomes: 'id',
  outcome_hours: 'goal_id, hour',
  outcome_minutes: 'goal_id, minute',
  target_achievements: 'goal_id, target_id, window_start',
  idempotency_keys: null,
  events: 'id',
};

/** The rows of every table: a 4xx must leave them as they were. */
export async function snapshot(h: Harness): Promise<Record<string, unknown[]>> {
  // SQLite's own tables, D1's (_cf_…) and the migrations' record are not the schema's.
  const tables = await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table'
    AND substr(name, 1, 7) <> 'sqlite_' AND substr(name, 1, 4) <> '_cf_' AND name <> 'd1_migrations'`
    .execute(h.db.kysely)
    .then((r) => r.rows.map((row) => row.name));
  const unknown = tables.filter((name) => !Object.hasOwn(SNAPSHOT_ORDER, name));
  if (unknown.length > 0) throw new Error(`Tables missing from Database (src/db/types.ts) and SNAPSHOT_ORDER: ${unknown.join(', ')}`);
  const out: Record<string, unknown[]> = {};
  for (const [table, order] of Object.entries(SNAPSHOT_ORDER)) {
    if (order === null) continue;
    const rows = await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table)} ORDER BY ${sql.raw(order)}`.execute(h.db.kysely).then((r) => r.rows);
    // last_used_at is bookkeeping of authentication, not a change made by the request.
    out[table] = rows.map((row) => ('last_used_at' in row ? { ...row, last_used_at: null } : row));
  }
  return out;
}
