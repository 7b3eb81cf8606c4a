/**
 * The floor: the least a server can do for the benchmark's requests. Bare Hono on
 * @hono/node-server, better-sqlite3 prepared statements with the SQL Goalpost sends, the API-key
 * lookup by SHA-256 hash, JSON in and out — and nothing else: no dispatch, no validation, no
 * query builder, no middleware. Only the actions the benchmark calls exist here.
 */
import { createHash, randomUUID } from 'node:crypto';
import { serve } from '@hono/node-server';
import BetterSqlite3 from 'better-sqlite3';
import { Hono } from 'hono';

const path = process.env.DATABASE_PATH ?? '';
const port = Number(process.env.PORT ?? '0');
if (!path) throw new Error('DATABASE_PATH is required');

const db = new BetterSqlite3(path);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('foreign_keys = ON');
db.pragma('busy_timeout = 5000');

type Row = Record<string, unknown>;

const GOAL = `"goals"."id", "goals"."owner_id", "goals"."agent_id", "goals"."name", "goals"."description", "goals"."status", "goals"."priority", "goals"."fields", "goals"."channel_id", "goals"."tags", "goals"."timezone", "goals"."targets", "goals"."created_at", "goals"."updated_at"`;
const OUTCOME = `"outcomes"."id", "outcomes"."owner_id", "outcomes"."goal_id", "outcomes"."agent_id", "outcomes"."conversation_id", "outcomes"."channel_id", "outcomes"."contact_id", "outcomes"."achieved", "outcomes"."field_values", "outcomes"."missing_required", "outcomes"."source", "outcomes"."evaluation", "outcomes"."notes", "outcomes"."occurred_at", "outcomes"."created_at", "outcomes"."updated_at"`;
const OWNER = `, (SELECT email FROM users WHERE users.id = "goals"."owner_id") as "owner_email", (SELECT name FROM users WHERE users.id = "goals"."owner_id") as "owner_name"`;
const cols = (admin: boolean) => (admin ? GOAL + OWNER : GOAL);

const keyByHash = db.prepare(
  `select "api_keys"."id", "api_keys"."user_id", "api_keys"."scopes", "api_keys"."expires_at", "api_keys"."revoked_at", "api_keys"."last_used_at", "users"."is_admin" from "api_keys" inner join "users" on "users"."id" = "api_keys"."user_id" where "api_keys"."hash" = ?`,
);
const touchKey = db.prepare(`update "api_keys" set "last_used_at" = ? where "id" = ?`);
const goalById = [false, true].map((admin) =>
  db.prepare(`select ${cols(admin)} from "goals" where "goals"."id" = ? and ${admin ? '1 = 1' : '"goals"."owner_id" = ?'}`),
);
// Writes run to completion (all, not get): a statement left before SQLITE_DONE skips SQLite's
// WAL auto-checkpoint, which would let the WAL grow without bound.
const insertGoal = db.prepare(
  `insert into "goals" ("id", "owner_id", "agent_id", "name", "description", "status", "priority", "fields", "channel_id", "tags", "timezone", "targets", "created_at", "updated_at") select ? as "id", "agents"."owner_id", "agents"."id" as "agent_id", ? as "name", ? as "description", ? as "status", ? as "priority", ? as "fields", ? as "channel_id", ? as "tags", ? as "timezone", ? as "targets", ? as "created_at", ? as "updated_at" from "agents" where "agents"."id" = ? and "agents"."owner_id" = ? returning ${GOAL}`,
);
const attach = db.prepare(
  `insert into "attachments" ("agent_id", "goal_id", "attached_at", "replaced_goal_id") select "agents"."id", "goals"."id", ? as "attached_at", NULL as "replaced_goal_id" from "agents" inner join "goals" on "goals"."id" = ? and "goals"."owner_id" = "agents"."owner_id" and "goals"."status" <> ? where "agents"."id" = ? and "agents"."owner_id" = ? on conflict ("agent_id") do update set "goal_id" = "excluded"."goal_id", "attached_at" = "excluded"."attached_at", "replaced_goal_id" = attachments.goal_id where "attachments"."goal_id" <> "excluded"."goal_id" returning "agent_id", "goal_id", "attached_at", "replaced_goal_id"`,
);
const attachState = db.prepare(
  `select (select "goals"."owner_id" from "goals" where "goals"."id" = ? and "goals"."owner_id" = ?) as "goal_owner", (select "goals"."status" from "goals" where "goals"."id" = ? and "goals"."owner_id" = ?) as "goal_status", (select "agents"."owner_id" from "agents" where "agents"."id" = ? and "agents"."owner_id" = ?) as "agent_owner", (select "attachments"."attached_at" from "attachments" where "attachments"."agent_id" = ? and "attachments"."goal_id" = ?) as "attached_at"`,
);
const recordTarget = db.prepare(
  `select "goals"."owner_id", "goals"."status", "goals"."fields", "goals"."targets", "goals"."timezone" from "goals" where "goals"."id" = ? and "goals"."owner_id" = ?`,
);
const upsertOutcome = db.prepare(
  `insert into "outcomes" ("id", "owner_id", "goal_id", "agent_id", "conversation_id", "channel_id", "contact_id", "achieved", "field_values", "missing_required", "source", "evaluation", "notes", "occurred_at", "created_at", "updated_at") select ? as "id", "goals"."owner_id", "goals"."id" as "goal_id", "agents"."id" as "agent_id", ? as "conversation_id", ? as "channel_id", ? as "contact_id", ? as "achieved", ? as "field_values", ? as "missing_required", ? as "source", ? as "evaluation", ? as "notes", ? as "occurred_at", ? as "created_at", ? as "updated_at" from "goals" inner join "agents" on "agents"."id" = "goals"."agent_id" and "agents"."owner_id" = "goals"."owner_id" where "goals"."id" = ? and "goals"."owner_id" = ? and "goals"."status" <> ? on conflict ("goal_id", "conversation_id") do update set "agent_id" = "excluded"."agent_id", "channel_id" = "excluded"."channel_id", "contact_id" = "excluded"."contact_id", "achieved" = "excluded"."achieved", "field_values" = "excluded"."field_values", "missing_required" = "excluded"."missing_required", "source" = "excluded"."source", "evaluation" = "excluded"."evaluation", "notes" = "excluded"."notes", "occurred_at" = "excluded"."occurred_at", "updated_at" = "excluded"."updated_at" returning ${OUTCOME}`,
);
const outcomesByGoal = {
  page: db.prepare(
    `select ${OUTCOME} from "outcomes" where ("outcomes"."owner_id" = ? and "outcomes"."goal_id" = ?) order by "outcomes"."occurred_at" desc, "outcomes"."id" desc limit ? offset ?`,
  ),
  count: db.prepare(`select count(*) as "n" from "outcomes" where ("outcomes"."owner_id" = ? and "outcomes"."goal_id" = ?)`),
};
const EVENT = `insert into "events" ("type", "owner_id", "goal_id", "agent_id", "outcome_id", "data", "occurred_at")`;
const goalCreated = db.prepare(
  `${EVENT} select 'goal.created' as "type", "goals"."owner_id" as "owner_id", "goals"."id" as "goal_id", "goals"."agent_id" as "agent_id", NULL as "outcome_id", '{}' as "data", ? as "occurred_at" from "goals" where "goals"."id" = ? and changes() > 0`,
);
const goalAttached = db.prepare(
  `${EVENT} select 'goal.attached' as "type", "agents"."owner_id" as "owner_id", "attachments"."goal_id" as "goal_id", "attachments"."agent_id" as "agent_id", NULL as "outcome_id", json_object('replaced_goal_id', attachments.replaced_goal_id) as "data", ? as "occurred_at" from "attachments" inner join "agents" on "agents"."id" = "attachments"."agent_id" where "attachments"."agent_id" = ? and changes() > 0`,
);
// The bench's goals have no targets, so no record brings one to target.achieved (ours checks only count targets).
const outcomeRecorded = db.prepare(
  `${EVENT} select 'outcome.recorded' as "type", "outcomes"."owner_id" as "owner_id", "outcomes"."goal_id" as "goal_id", "outcomes"."agent_id" as "agent_id", "outcomes"."id" as "outcome_id", json_object(
            'achieved', CASE outcomes.achieved WHEN 1 THEN json('true') WHEN 0 THEN json('false') END,
            'replaced', json(CASE WHEN outcomes.id = ? THEN 'false' ELSE 'true' END)
          ) as "data", ? as "occurred_at" from "outcomes" where "outcomes"."goal_id" = ? and "outcomes"."conversation_id" = ? and changes() > 0`,
);
const sweepEvents = db.prepare(
  `delete from "events" where "events"."id" in (select "events"."id" from "events" order by "events"."id" asc limit ?) and "events"."occurred_at" < ?`,
);
let writes = 0;

/**
 * A write and its event in one transaction, as ours batches them; after every 100th, up to 500
 * events older than the 30 days of retention are swept, as ours does.
 */
function withEvent(write: BetterSqlite3.Statement, event: BetterSqlite3.Statement) {
  const both = db.transaction((writeParams: unknown[], eventParams: unknown[]) => {
    const rows = write.all(...writeParams) as Row[];
    event.run(...eventParams);
    return rows;
  });
  return (writeParams: unknown[], eventParams: unknown[]): Row[] => {
    const rows = both.immediate(writeParams, eventParams);
    writes += 1;
    if (writes % 100 === 0) sweepEvents.run(500, new Date(Date.now() - 30 * 86_400_000).toISOString());
    return rows;
  };
}
const createGoal = withEvent(insertGoal, goalCreated);
const attachGoal = withEvent(attach, goalAttached);
const recordOutcome = withEvent(upsertOutcome, outcomeRecorded);

/** One pair of statements (page, count) per combination of filters, prepared on first use. */
const listStatements = new Map<string, { page: BetterSqlite3.Statement; count: BetterSqlite3.Statement }>();
function listStatementsFor(admin: boolean, has: { owner: boolean; agent: boolean; status: boolean; cursor: boolean }) {
  const key = `${admin}${has.owner}${has.agent}${has.status}${has.cursor}`;
  let found = listStatements.get(key);
  if (!found) {
    const filters = admin ? [] : ['"goals"."owner_id" = ?'];
    if (has.owner) filters.push('"goals"."owner_id" = ?');
    if (has.agent) filters.push('"goals"."agent_id" = ?');
    if (has.status) filters.push('"goals"."status" = ?');
    const where = (list: string[]) => (list.length === 0 ? '' : list.length === 1 ? ` where ${list[0]}` : ` where (${list.join(' and ')})`);
    const page = has.cursor ? [...filters, '("goals"."created_at", "goals"."id") < (?, ?)'] : filters;
    found = {
      page: db.prepare(`select ${cols(admin)} from "goals"${where(page)} order by "goals"."created_at" desc, "goals"."id" desc limit ? offset ?`),
      count: db.prepare(`select count(*) as "n" from "goals"${where(filters)}`),
    };
    listStatements.set(key, found);
  }
  return found;
}

interface Principal {
  userId: string;
  admin: boolean;
  scopes: string[];
}

function authenticate(header: string | undefined): Principal | null {
  const token = header?.startsWith('Bearer ') ? header.slice(7) : '';
  if (!/^gp_[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const key = keyByHash.get(createHash('sha256').update(token).digest('hex')) as Row | undefined;
  if (!key || key.revoked_at !== null) return null;
  const now = Date.now();
  if (typeof key.expires_at === 'string' && Date.parse(key.expires_at) <= now) return null;
  if (typeof key.last_used_at !== 'string' || now - Date.parse(key.last_used_at) >= 60_000) {
    touchKey.run(new Date(now).toISOString(), key.id);
  }
  return { userId: String(key.user_id), admin: key.is_admin === 1, scopes: JSON.parse(String(key.scopes)) as string[] };
}

function toGoal(row: Row, admin: boolean) {
  const goal = {
    id: row.id,
    agent_id: row.agent_id,
    name: row.name,
    description: row.description,
    status: row.status,
    priority: row.priority,
    fields: JSON.parse(String(row.fields)) as unknown,
    channel_id: row.channel_id,
    tags: JSON.parse(String(row.tags)) as unknown,
    timezone: row.timezone,
    targets: JSON.parse(String(row.targets)) as unknown,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
  return admin ? { ...goal, owner: { id: row.owner_id, email: row.owner_email ?? null, name: row.owner_name ?? null } } : goal;
}

function toOutcome(row: Row) {
  return {
    id: row.id,
    goal_id: row.goal_id,
    agent_id: row.agent_id,
    conversation_id: row.conversation_id,
    channel_id: row.channel_id,
    contact_id: row.contact_id,
    achieved: row.achieved === null ? null : row.achieved === 1,
    values: JSON.parse(String(row.field_values)) as unknown,
    missing_required: JSON.parse(String(row.missing_required)) as unknown,
    source: row.source,
    evaluation: row.evaluation === null ? null : (JSON.parse(String(row.evaluation)) as unknown),
    notes: row.notes,
    occurred_at: row.occurred_at,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** The `[created_at, id]` of the last row (occurred_at for outcomes), as ours encodes a cursor. */
const cursorOf = (at: unknown, id: unknown) => Buffer.from(JSON.stringify([at, id])).toString('base64url');

interface Envelope {
  resource?: string;
  action?: string;
  id?: string;
  admin?: boolean;
  data?: Record<string, unknown>;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

const app = new Hono();

app.get('/health', (c) => c.json({ success: true, data: { status: 'ok' } }));

app.post('/invoke', async (c) => {
  const principal = authenticate(c.req.header('authorization'));
  if (!principal) return c.json({ success: false, error: { code: 'UNAUTHORIZED' } }, 401);
  const env = await c.req.json<Envelope>();
  const admin = env.admin === true;
  if (admin && !principal.admin) return c.json({ success: false, error: { code: 'FORBIDDEN' } }, 403);
  const data = env.data ?? {};
  const uid = principal.userId;
  const notFound = () => c.json({ success: false, error: { code: 'NOT_FOUND' } }, 404);
  const forbidden = () => c.json({ success: false, error: { code: 'FORBIDDEN' } }, 403);
  // `x:write` implies `x:read`; a key stored as ["*"] holds every scope.
  const can = (scope: string) => ['*', scope, scope.replace(/:read$/, ':write')].some((s) => principal.scopes.includes(s));

  switch (`${env.resource}.${env.action}`) {
    case 'goals.get': {
      if (!can('goals:read')) return forbidden();
      const stmt = goalById[admin ? 1 : 0];
      const row = (admin ? stmt?.get(env.id) : stmt?.get(env.id, uid)) as Row | undefined;
      return row ? c.json({ success: true, data: toGoal(row, admin) }) : notFound();
    }
    case 'goals.list': {
      if (!can('goals:read')) return forbidden();
      const owner = str(data.ownerId);
      const agent = str(data.agentId);
      const status = str(data.status);
      const cursorText = str(data.cursor);
      const limit = typeof data.limit === 'number' ? data.limit : 50;
      const offset = typeof data.offset === 'number' ? data.offset : 0;
      const cursor = cursorText ? (JSON.parse(Buffer.from(cursorText, 'base64url').toString()) as [string, string]) : null;
      const filterParams = [...(admin ? [] : [uid]), ...(owner ? [owner] : []), ...(agent ? [agent] : []), ...(status ? [status] : [])];
      const { page, count } = listStatementsFor(admin, { owner: !!owner, agent: !!agent, status: !!status, cursor: !!cursor });
      const rows = page.all(...filterParams, ...(cursor ?? []), limit + 1, offset) as Row[];
      const { n } = count.get(...filterParams) as { n: number };
      const items = rows.slice(0, limit).map((r) => toGoal(r, admin));
      const last = items.at(-1);
      const hasMore = rows.length > limit;
      return c.json({
        success: true,
        data: {
          items,
          count: n,
          has_more: hasMore,
          next_cursor: hasMore && last ? cursorOf(last.created_at, last.id) : null,
        },
      });
    }
    case 'goals.create': {
      if (!can('goals:write')) return forbidden();
      const id = randomUUID();
      const now = new Date().toISOString();
      const goalParams = [
        id,
        str(data.name)?.trim(),
        str(data.description) ?? null,
        str(data.status) ?? 'active',
        typeof data.priority === 'number' ? data.priority : null,
        JSON.stringify(data.fields ?? []),
        str(data.channel_id) ?? null,
        JSON.stringify(data.tags ?? []),
        str(data.timezone) ?? 'UTC',
        JSON.stringify(data.targets ?? []),
        now,
        now,
        str(data.agent_id),
        uid,
      ];
      const [row] = createGoal(goalParams, [now, id]);
      return row ? c.json({ success: true, data: toGoal(row, false) }, 201) : notFound();
    }
    case 'goals.attach': {
      if (!can('goals:write')) return forbidden();
      const goalId = str(data.goalId);
      const agentId = str(data.agentId);
      const now = new Date().toISOString();
      const [inserted] = attachGoal([now, goalId, 'archived', agentId, uid], [now, agentId]);
      if (inserted) return c.json({ success: true, data: inserted });
      const state = attachState.get(goalId, uid, goalId, uid, agentId, uid, agentId, goalId) as Row;
      if (state.goal_owner === null || state.agent_owner === null) return notFound();
      if (state.agent_owner !== state.goal_owner || state.goal_status === 'archived' || state.attached_at === null) {
        return c.json({ success: false, error: { code: 'CONFLICT' } }, 409);
      }
      return c.json({ success: true, data: { agent_id: agentId, goal_id: goalId, attached_at: state.attached_at, replaced_goal_id: null } });
    }
    case 'outcomes.record': {
      if (!can('outcomes:write')) return forbidden();
      const goalId = str(data.goal_id);
      const goal = recordTarget.get(goalId, uid) as Row | undefined;
      if (!goal) return notFound();
      if (goal.status === 'archived') return c.json({ success: false, error: { code: 'CONFLICT' } }, 409);
      const values = (data.values ?? {}) as Record<string, unknown>;
      const fields = JSON.parse(String(goal.fields)) as { key: string; required: boolean }[];
      const missing = fields.filter((f) => f.required && (values[f.key] ?? null) === null).map((f) => f.key);
      const id = randomUUID();
      const now = new Date().toISOString();
      const achieved = data.achieved === true ? 1 : data.achieved === false ? 0 : null;
      const conversationId = str(data.conversation_id);
      const outcomeParams = [
        id,
        conversationId,
        str(data.channel_id) ?? null,
        str(data.contact_id) ?? null,
        achieved,
        JSON.stringify(values),
        JSON.stringify(missing),
        'api',
        null,
        str(data.notes) ?? null,
        str(data.occurred_at) ?? now,
        now,
        now,
        goalId,
        uid,
        'archived',
      ];
      const [row] = recordOutcome(outcomeParams, [id, now, goalId, conversationId]);
      return row ? c.json({ success: true, data: toOutcome(row) }, row.id === id ? 201 : 200) : notFound();
    }
    case 'outcomes.list': {
      // Only the shape the benchmark sends: one goal's outcomes, first page, owner-scoped.
      if (!can('outcomes:read')) return forbidden();
      const goalId = str(data.goalId);
      const limit = typeof data.limit === 'number' ? data.limit : 50;
      const rows = outcomesByGoal.page.all(uid, goalId, limit + 1, 0) as Row[];
      const { n } = outcomesByGoal.count.get(uid, goalId) as { n: number };
      const items = rows.slice(0, limit).map(toOutcome);
      const last = items.at(-1);
      const hasMore = rows.length > limit;
      return c.json({
        success: true,
        data: { items, count: n, has_more: hasMore, next_cursor: hasMore && last ? cursorOf(last.occurred_at, last.id) : null },
      });
    }
  }
  return c.json({ success: false, error: { code: 'VALIDATION_ERROR' } }, 400);
});

const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
