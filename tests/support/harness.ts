import { createApp, type AppDeps } from '../../src/app.js';
import { issueKey } from '../../src/auth/issue-key.js';
import type { Scope } from '../../src/auth/scopes.js';
import type { Agent } from '../../src/agents/schemas.js';
import { parseConfig } from '../../src/config.js';
import { openSqlite, readSchemaSql } from '../../src/db/sqlite.js';
import type { Db } from '../../src/db/types.js';
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
  /** Config values; OPENAI_BASE_URL (e.g. a fake server's `url`) gives `generate` a real LLM client. */
  env?: Record<string, string>;
  deps?: Partial<AppDeps>;
  /** Wraps the database the app uses (factories and `snapshot` keep the real one): fault injection. */
  wrapDb?: (db: Db) => Db;
}

let emails = 0;

/** The real app on a fresh in-memory database: one per test file (or per test, when state matters). */
export async function createHarness(options: HarnessOptions = {}) {
  const db = openSqlite({ path: ':memory:', schemaSql: readSchemaSql() });
  const clock = new TestClock();
  const config = parseConfig({ RATE_LIMIT_PER_MINUTE: '0', GENERATE_PER_MINUTE: '0', ...options.env });
  const appDb = options.wrapDb ? options.wrapDb(db) : db;
  const app = createApp({ db: appDb, config, clock, ids: randomIds, llm: createLlm(config), ...options.deps });

  const request = (path: string, init?: RequestInit): Promise<Response> => Promise.resolve(app.request(path, init));

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

  return { app, db, clock, config, request, invoke, makeUser, makeAgent, makeGoal, ok };
}

export type Harness = Awaited<ReturnType<typeof createHarness>>;

/** Row counts of every table: a 4xx must leave them as they were. */
export async function snapshot(h: Harness): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of ['users', 'api_keys', 'agents', 'goals', 'attachments'] as const) {
    const rows = await h.db.kysely.selectFrom(table).selectAll().orderBy(table === 'attachments' ? 'agent_id' : 'id').execute();
    // last_used_at is bookkeeping of authentication, not a change made by the request.
    out[table] = rows.map((row) => ('last_used_at' in row ? { ...row, last_used_at: null } : row));
  }
  return out;
}
