import { expressionBuilder, sql, type Expression, type Kysely, type Selectable, type SqlBool } from 'kysely';
import { ownerColumns, whereAll, withOwner, type OwnerColumns } from '../db/listing.js';
import { ownerConditions, scoped, type Access } from '../db/owner-scope.js';
import { prepareQuery, type Param } from '../db/prepared.js';
import type { Database, Db, EventsTable } from '../db/types.js';
import type { ApiEvent, EventType } from './schemas.js';

/*
 * Events are written by the stores of what changed, in the change's own `db.atomic` batch: those
 * stores build an INSERT … SELECT with `insertEvents` and `eventColumns`, reading the event's owner
 * and ids from the row being changed, so no change goes without its event and no event without it.
 */

type Value<T> = Expression<T> | Param<T>;

/** One event's values, as expressions over the row being changed (or bound values). */
export interface EventSelect {
  type: EventType;
  owner_id: Value<string>;
  goal_id?: Value<string | null>;
  agent_id?: Value<string | null>;
  outcome_id?: Value<string | null>;
  /** A JSON object (`json_object(…)`); `{}` when left out. */
  data?: Expression<string>;
  occurred_at: Value<string>;
}

const EVENT_COLUMNS = ['type', 'owner_id', 'goal_id', 'agent_id', 'outcome_id', 'data', 'occurred_at'] as const;

const orNull = <T>(value: Value<T> | undefined) => (value === undefined ? sql<T | null>`NULL` : sql<T | null>`${value}`);

/** The SELECT list of an event insert, in the columns' order. */
export const eventColumns = (e: EventSelect) => [
  sql.lit(e.type).as('type'),
  sql<string>`${e.owner_id}`.as('owner_id'),
  orNull(e.goal_id).as('goal_id'),
  orNull(e.agent_id).as('agent_id'),
  orNull(e.outcome_id).as('outcome_id'),
  sql<string>`${e.data ?? sql.lit('{}')}`.as('data'),
  sql<string>`${e.occurred_at}`.as('occurred_at'),
];

/** `INSERT INTO events … <source>`: the source selects `eventColumns`, one row per event. */
export const insertEvents = (k: Kysely<Database>, source: Expression<unknown>) =>
  k.insertInto('events').columns([...EVENT_COLUMNS]).expression(source);

/** True only right after a statement that changed rows: an event for a write that wrote nothing is never inserted. */
export const changedRows = sql<SqlBool>`changes() > 0`;

/** A JSON array of the keys (in `keys` order) whose condition holds, e.g. which columns an update changes. */
export const jsonKeysWhere = (keys: readonly (readonly [string, Expression<SqlBool>])[]): Expression<string> => {
  if (keys.length === 0) return sql<string>`json('[]')`;
  const parts = keys.map(([key, cond]) => sql`CASE WHEN ${cond} THEN ${sql.lit(`"${key}",`)} ELSE '' END`);
  return sql<string>`json('[' || rtrim(${sql.join(parts, sql` || `)}, ',') || ']')`;
};

type EventRow = Selectable<EventsTable> & Partial<OwnerColumns>;

const EVENT_SELECT = [
  'events.id',
  'events.type',
  'events.owner_id',
  'events.goal_id',
  'events.agent_id',
  'events.outcome_id',
  'events.data',
  'events.occurred_at',
] as const;

const selection = (access: { all: boolean }) => (access.all ? [...EVENT_SELECT, ...ownerColumns('events')] : EVENT_SELECT);

function toEvent(row: EventRow, access: Access): ApiEvent {
  const event: ApiEvent = {
    id: String(row.id),
    type: row.type as EventType,
    goal_id: row.goal_id,
    agent_id: row.agent_id,
    outcome_id: row.outcome_id,
    data: JSON.parse(row.data) as Record<string, unknown>,
    occurred_at: row.occurred_at,
  };
  return withOwner(event, row, access);
}

export interface EventFilters {
  types?: readonly EventType[] | undefined;
  goalId?: string | undefined;
  agentId?: string | undefined;
  ownerId?: string | undefined;
}

interface FeedArgs {
  access: Access;
  /** `types` as a JSON array: a prepared query binds no arrays, and one shape serves every list. */
  filters: { types?: string | undefined; goalId?: string | undefined; agentId?: string | undefined; ownerId?: string | undefined };
  after: number | undefined;
  take: number;
}

const feedPage = prepareQuery<FeedArgs>()((k, s, p) => {
  const eb = expressionBuilder<Database, 'events'>();
  const f = s.filters;
  return k
    .selectFrom('events')
    .select(selection(s.access))
    .$call(
      whereAll([
        ...ownerConditions('events', scoped(s, p)),
        ...(f.ownerId ? [eb('events.owner_id', '=', p.filters.ownerId)] : []),
        ...(f.goalId ? [eb('events.goal_id', '=', p.filters.goalId)] : []),
        ...(f.agentId ? [eb('events.agent_id', '=', p.filters.agentId)] : []),
        ...(f.types ? [sql<SqlBool>`events.type IN (SELECT value FROM json_each(${p.filters.types}))`] : []),
        ...(s.after ? [eb('events.id', '>', p.after)] : []),
      ]),
    )
    .orderBy('events.id', 'asc')
    .limit(p.take);
});

export interface FeedPage {
  items: ApiEvent[];
  has_more: boolean;
}

/** The events after `after` (oldest first) that the caller may see and the filters keep. */
export async function listEvents(db: Db, access: Access, filters: EventFilters, after: number | undefined, limit: number): Promise<FeedPage> {
  const { types, ...rest } = filters;
  const args = { access, filters: { ...rest, types: types === undefined ? undefined : JSON.stringify(types) }, after, take: limit + 1 };
  const rows = await feedPage.all(db, args);
  return { items: rows.slice(0, limit).map((row) => toEvent(row, access)), has_more: rows.length > limit };
}

const latestId = prepareQuery<Record<string, never>>()((k) => k.selectFrom('events').select((eb) => eb.fn.max('events.id').as('id')));

/** The newest event's id (0 when there is none): a stream that starts "from now" follows from here. */
export async function latestEventId(db: Db): Promise<number> {
  return Number((await latestId.first(db, {}))?.id ?? 0);
}

const sweep = prepareQuery<{ before: string; batch: number }>()((k, _s, p) =>
  k
    .deleteFrom('events')
    // Only the oldest rows are looked at, so a sweep with nothing to delete reads at most `batch` rows.
    .where('events.id', 'in', k.selectFrom('events').select('events.id').orderBy('events.id', 'asc').limit(p.batch))
    .where('events.occurred_at', '<', p.before),
);

/** Deletes up to `batch` of the oldest events that occurred before `before`; returns how many. */
export async function sweepEvents(db: Db, before: string, batch: number): Promise<number> {
  const result = await sweep.run(db, { before, batch });
  return Number(result.numAffectedRows ?? 0);
}
