import { expressionBuilder, sql, type CompiledQuery, type Expression, type Selectable, type SqlBool } from 'kysely';
import { ownerColumns, runList, whereAll, withOwner, type CountArgs, type OwnerColumns, type PageArgs, type PageRequest } from '../db/listing.js';
import { ownedBy, ownerConditions, scoped, type Access } from '../db/owner-scope.js';
import { prepareQuery, type Params, type Shape } from '../db/prepared.js';
import type { Database, Db, OutcomesTable } from '../db/types.js';
import { changedRows, eventColumns, insertEvents } from '../events/store.js';
import type { LeadField, Target } from '../goals/schemas.js';
import type { Cursor } from '../rpc/pagination.js';
import { windowChecks, type WindowCheck } from './achievements.js';
import type { Outcome, OutcomeSource } from './schemas.js';

type OutcomeRow = Selectable<OutcomesTable> & Partial<OwnerColumns>;

const OUTCOME_COLUMNS = [
  'outcomes.id',
  'outcomes.owner_id',
  'outcomes.goal_id',
  'outcomes.agent_id',
  'outcomes.conversation_id',
  'outcomes.channel_id',
  'outcomes.contact_id',
  'outcomes.achieved',
  'outcomes.field_values',
  'outcomes.missing_required',
  'outcomes.source',
  'outcomes.evaluation',
  'outcomes.notes',
  'outcomes.occurred_at',
  'outcomes.created_at',
  'outcomes.updated_at',
] as const;

const selection = (access: { all: boolean }) => (access.all ? [...OUTCOME_COLUMNS, ...ownerColumns('outcomes')] : OUTCOME_COLUMNS);

function toOutcome(row: OutcomeRow, access: Access): Outcome {
  const outcome: Outcome = {
    id: row.id,
    goal_id: row.goal_id,
    agent_id: row.agent_id,
    conversation_id: row.conversation_id,
    channel_id: row.channel_id,
    contact_id: row.contact_id,
    achieved: row.achieved === null ? null : row.achieved === 1,
    values: JSON.parse(row.field_values) as Record<string, unknown>,
    missing_required: JSON.parse(row.missing_required) as string[],
    source: row.source as OutcomeSource,
    evaluation: row.evaluation === null ? null : (JSON.parse(row.evaluation) as Record<string, unknown>),
    notes: row.notes,
    occurred_at: row.occurred_at,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
  return withOwner(outcome, row, access);
}

const outcomeById = prepareQuery<{ access: Access; id: string }>()((k, s, p) =>
  k.selectFrom('outcomes').select(selection(s.access)).where('outcomes.id', '=', p.id).where(ownedBy('outcomes', scoped(s, p))),
);

export async function findOutcome(db: Db, access: Access, id: string): Promise<Outcome | undefined> {
  const row = await outcomeById.first(db, { access, id });
  return row && toOutcome(row, access);
}

/** What a record needs to know about its goal (and the agent named, if any) before writing. */
export interface RecordTarget {
  owner_id: string;
  status: string;
  fields: LeadField[];
  /** The named agent's owner; null when the caller cannot see it; undefined when none was named. */
  agent_owner: string | null | undefined;
  /** For target.achieved: the windows of the count targets are computed in the goal's zone. */
  targets: Target[];
  timezone: string;
}

const recordTargetQuery = prepareQuery<{ access: Access; goalId: string; agentId: string | undefined }>()((k, s, p) =>
  k
    .selectFrom('goals')
    .select(['goals.owner_id', 'goals.status', 'goals.fields', 'goals.targets', 'goals.timezone'])
    .$if(s.agentId, (qb) =>
      qb.select((eb) =>
        eb
          .selectFrom('agents')
          .select('agents.owner_id')
          .where('agents.id', '=', p.agentId)
          .where(ownedBy('agents', scoped(s, p)))
          .as('agent_owner'),
      ),
    )
    .where('goals.id', '=', p.goalId)
    .where(ownedBy('goals', scoped(s, p))),
);

/** The goal an outcome is recorded for, as the caller sees it; undefined when it sees no such goal. */
export async function findRecordTarget(db: Db, access: Access, goalId: string, agentId: string | undefined): Promise<RecordTarget | undefined> {
  const row = await recordTargetQuery.first(db, { access, goalId, agentId });
  if (!row) return undefined;
  const agentOwner = 'agent_owner' in row ? (row.agent_owner as string | null) : undefined;
  return {
    owner_id: row.owner_id,
    status: row.status,
    fields: JSON.parse(row.fields) as LeadField[],
    agent_owner: agentOwner,
    targets: JSON.parse(row.targets) as Target[],
    timezone: row.timezone,
  };
}

/** Why a record can be refused; the store and the action share this diagnosis. */
export type RecordRefusal = { kind: 'goal-missing' } | { kind: 'goal-archived' } | { kind: 'agent-missing' } | { kind: 'agent-foreign' };

export function refusalOf(target: RecordTarget | undefined): RecordRefusal | undefined {
  if (!target) return { kind: 'goal-missing' };
  if (target.status === 'archived') return { kind: 'goal-archived' };
  if (target.agent_owner === null) return { kind: 'agent-missing' };
  if (target.agent_owner !== undefined && target.agent_owner !== target.owner_id) return { kind: 'agent-foreign' };
  return undefined;
}

export interface NewOutcome {
  id: string;
  goal_id: string;
  /** undefined: the goal's own agent. */
  agent_id: string | undefined;
  conversation_id: string;
  channel_id: string | null;
  contact_id: string | null;
  achieved: boolean | null;
  values: Record<string, unknown>;
  missing_required: string[];
  source: OutcomeSource;
  evaluation: Record<string, unknown> | null;
  notes: string | null;
  occurred_at: string;
}

type StoredOutcome = Omit<NewOutcome, 'achieved' | 'values' | 'missing_required' | 'evaluation'> & {
  achieved: number | null;
  field_values: string;
  missing_required: string;
  evaluation: string | null;
};

/**
 * Inserts, or wholly replaces the outcome of the same (goal, conversation), in one statement: only
 * for a goal the caller sees that is not archived, and an agent of the goal's owner. id and
 * created_at stay on a replace. The hourly counters move by triggers within the same statement.
 */
const outcomeUpsert = prepareQuery<{ access: Access; outcome: StoredOutcome; now: string }>()((k, s, { outcome: o, now, ...p }) =>
  k
    .insertInto('outcomes')
    .columns([
      'id',
      'owner_id',
      'goal_id',
      'agent_id',
      'conversation_id',
      'channel_id',
      'contact_id',
      'achieved',
      'field_values',
      'missing_required',
      'source',
      'evaluation',
      'notes',
      'occurred_at',
      'created_at',
      'updated_at',
    ])
    .expression((eb) =>
      eb
        .selectFrom('goals')
        .innerJoin('agents', (join) =>
          (s.outcome.agent_id ? join.on('agents.id', '=', o.agent_id) : join.onRef('agents.id', '=', 'goals.agent_id')).onRef(
            'agents.owner_id',
            '=',
            'goals.owner_id',
          ),
        )
        .select([
          eb.val(o.id).as('id'),
          'goals.owner_id',
          'goals.id as goal_id',
          'agents.id as agent_id',
          eb.val(o.conversation_id).as('conversation_id'),
          eb.val(o.channel_id).as('channel_id'),
          eb.val(o.contact_id).as('contact_id'),
          eb.val(o.achieved).as('achieved'),
          eb.val(o.field_values).as('field_values'),
          eb.val(o.missing_required).as('missing_required'),
          eb.val(o.source).as('source'),
          eb.val(o.evaluation).as('evaluation'),
          eb.val(o.notes).as('notes'),
          eb.val(o.occurred_at).as('occurred_at'),
          eb.val(now).as('created_at'),
          eb.val(now).as('updated_at'),
        ])
        .where('goals.id', '=', o.goal_id)
        .where(ownedBy('goals', scoped(s, p)))
        .where('goals.status', '<>', 'archived'),
    )
    .onConflict((oc) =>
      oc.columns(['goal_id', 'conversation_id']).doUpdateSet((eb) => ({
        agent_id: eb.ref('excluded.agent_id'),
        channel_id: eb.ref('excluded.channel_id'),
        contact_id: eb.ref('excluded.contact_id'),
        achieved: eb.ref('excluded.achieved'),
        field_values: eb.ref('excluded.field_values'),
        missing_required: eb.ref('excluded.missing_required'),
        source: eb.ref('excluded.source'),
        evaluation: eb.ref('excluded.evaluation'),
        notes: eb.ref('excluded.notes'),
        occurred_at: eb.ref('excluded.occurred_at'),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    )
    .returning(selection(s.access)),
);

/**
 * The outcome as the upsert binds it, written out: `{ ...o, field_values }` also carried `values`,
 * the caller's own object, into the prepared query's arguments, whose shape key then grew a template
 * per set of value keys (and a spread that adds keys is slow on Node 20).
 */
const stored = (o: NewOutcome): StoredOutcome => ({
  id: o.id,
  goal_id: o.goal_id,
  agent_id: o.agent_id,
  conversation_id: o.conversation_id,
  channel_id: o.channel_id,
  contact_id: o.contact_id,
  achieved: o.achieved === null ? null : o.achieved ? 1 : 0,
  field_values: JSON.stringify(o.values),
  missing_required: JSON.stringify(o.missing_required),
  source: o.source,
  evaluation: o.evaluation === null ? null : JSON.stringify(o.evaluation),
  notes: o.notes,
  occurred_at: o.occurred_at,
});

/** The upsert as a statement, for a batch that adds more (events) around it. */
export const recordStatement = (db: Db, access: Access, outcome: NewOutcome, now: string): CompiledQuery<OutcomeRow> =>
  outcomeUpsert.compile(db, { access, outcome: stored(outcome), now });

// After the upsert, from the row it wrote: a replace keeps the first id, so another id means "replaced".
const outcomeRecordedEvent = prepareQuery<{ goalId: string; conversationId: string; newId: string; now: string }>()((k, _s, p) =>
  insertEvents(
    k,
    k
      .selectFrom('outcomes')
      .select(
        eventColumns({
          type: 'outcome.recorded',
          owner_id: sql.ref('outcomes.owner_id'),
          goal_id: sql.ref('outcomes.goal_id'),
          agent_id: sql.ref('outcomes.agent_id'),
          outcome_id: sql.ref('outcomes.id'),
          data: sql<string>`json_object(
            'achieved', CASE outcomes.achieved WHEN 1 THEN json('true') WHEN 0 THEN json('false') END,
            'replaced', json(CASE WHEN outcomes.id = ${p.newId} THEN 'false' ELSE 'true' END)
          )`,
          occurred_at: p.now,
        }),
      )
      .where('outcomes.goal_id', '=', p.goalId)
      .where('outcomes.conversation_id', '=', p.conversationId)
      .where(changedRows),
  ),
);

type AchievedArgs = Omit<WindowCheck, 'targetCount'> & {
  targetCount: number;
  goalId: string;
  conversationId: string;
  now: string;
  /** The window's hours `[floor hour of from, floor hour of to)` and the edges to take off and add. */
  hourFrom: string;
  hourTo: string;
  head: EdgeParts;
  tail: EdgeParts;
};

const achievedMinutes = (p: Params<AchievedArgs>, e: Params<EdgeParts>) =>
  sql<number>`(SELECT coalesce(sum(m.achieved), 0) FROM outcome_minutes AS m WHERE m.goal_id = ${p.goalId}
    AND m.minute >= ${e.minuteFrom} AND m.minute < ${e.minuteTo})`;
const achievedRaw = (p: Params<AchievedArgs>, e: Params<EdgeParts>) =>
  sql<number>`(SELECT count(*) FROM outcomes AS counted WHERE counted.goal_id = ${p.goalId}
    AND counted.occurred_at >= ${e.rawFrom} AND counted.occurred_at < ${e.rawTo} AND counted.achieved = 1)`;

/**
 * Achieved outcomes of the goal in the window from the counters, as progress counts them: hours
 * [floor(from), floor(to)) − edge(from) + edge(to), each edge ≤ 59 minute rows and one partial minute.
 */
const achievedIn = (p: Params<AchievedArgs>) =>
  sql<number>`((SELECT coalesce(sum(h.achieved), 0) FROM outcome_hours AS h WHERE h.goal_id = ${p.goalId}
    AND h.hour >= ${p.hourFrom} AND h.hour < ${p.hourTo})
    - ${achievedMinutes(p, p.head)} - ${achievedRaw(p, p.head)} + ${achievedMinutes(p, p.tail)} + ${achievedRaw(p, p.tail)})`;

/**
 * After outcome.recorded, per count target whose window holds the outcome: the window's achievement,
 * once (its primary key), when this achieved outcome, written by this very batch, brings the window's
 * count to target_count. The row outlives the events' retention, so a long window is never announced twice.
 */
const targetAchievement = prepareQuery<AchievedArgs>()((k, _s, p) =>
  k
    .insertInto('target_achievements')
    .columns(['goal_id', 'target_id', 'window_start', 'achieved', 'achieved_at'])
    .expression(
      k
        .selectFrom('outcomes')
        .select([
          'outcomes.goal_id',
          sql<string>`${p.targetId}`.as('target_id'),
          sql<string>`${p.start}`.as('window_start'),
          achievedIn(p).as('achieved'),
          sql<string>`${p.now}`.as('achieved_at'),
        ])
        .where('outcomes.goal_id', '=', p.goalId)
        .where('outcomes.conversation_id', '=', p.conversationId)
        // Written by this batch: a refused upsert (the goal archived meanwhile) leaves the row as it was.
        .where('outcomes.updated_at', '=', p.now)
        .where('outcomes.achieved', '=', 1)
        .where('outcomes.occurred_at', '>=', p.from)
        .where('outcomes.occurred_at', '<', p.to)
        // A window reached already is not counted again (the insert would be dropped anyway): SQLite
        // tests the terms with subqueries last and in order, so this primary-key probe goes first.
        .where(({ not, exists }) =>
          not(
            exists(
              k
                .selectFrom('target_achievements as reached')
                .select(sql.lit(1).as('one'))
                .where('reached.goal_id', '=', p.goalId)
                .where('reached.target_id', '=', p.targetId)
                .where('reached.window_start', '=', p.start),
            ),
          ),
        )
        .where(sql<SqlBool>`${achievedIn(p)} >= ${p.targetCount}`),
    )
    .onConflict((oc) => oc.doNothing()),
);

// Right after its achievement: target.achieved, only when that row was new.
const targetAchievedEvent = prepareQuery<AchievedArgs>()((k, _s, p) =>
  insertEvents(
    k,
    k
      .selectFrom('target_achievements')
      .innerJoin('outcomes', (join) =>
        join.onRef('outcomes.goal_id', '=', 'target_achievements.goal_id').on('outcomes.conversation_id', '=', p.conversationId),
      )
      .select(
        eventColumns({
          type: 'target.achieved',
          owner_id: sql.ref('outcomes.owner_id'),
          goal_id: sql.ref('outcomes.goal_id'),
          agent_id: sql.ref('outcomes.agent_id'),
          outcome_id: sql.ref('outcomes.id'),
          // CAST: D1 binds numbers as REAL, which JSON would write as 5.0.
          data: sql<string>`json_object(
            'target_id', target_achievements.target_id,
            'window', json_object('start', target_achievements.window_start, 'end', ${p.end}),
            'achieved', target_achievements.achieved,
            'target_count', CAST(${p.targetCount} AS INTEGER)
          )`,
          occurred_at: p.now,
        }),
      )
      .where('target_achievements.goal_id', '=', p.goalId)
      .where('target_achievements.target_id', '=', p.targetId)
      .where('target_achievements.window_start', '=', p.start)
      .where(changedRows),
  ),
);

export type RecordResult = { kind: 'recorded'; outcome: Outcome; replaced: boolean } | RecordRefusal;

const hourKey = (ms: number): string => new Date(ms).toISOString().slice(0, 13);

function counterSpans(check: WindowCheck): Pick<AchievedArgs, 'hourFrom' | 'hourTo' | 'head' | 'tail'> {
  const from = Date.parse(check.from);
  const to = Date.parse(check.to);
  return { hourFrom: hourKey(from), hourTo: hourKey(to), head: edgeParts(from), tail: edgeParts(to) };
}

/**
 * Records the outcome with its outcome.recorded and any target.achieved in one batch; when nothing
 * was written, says why (read after the fact, as the rules can change meanwhile). `goal` is the
 * RecordTarget read before (its targets and zone give the windows).
 */
export async function recordOutcome(
  db: Db,
  access: Access,
  outcome: NewOutcome,
  now: string,
  goal: Pick<RecordTarget, 'targets' | 'timezone'>,
): Promise<RecordResult> {
  const at = { goalId: outcome.goal_id, conversationId: outcome.conversation_id, now };
  const checks = outcome.achieved === true ? windowChecks(goal.targets, outcome.occurred_at, goal.timezone) : [];
  const [result] = await db.atomic([
    recordStatement(db, access, outcome, now),
    outcomeRecordedEvent.compile(db, { ...at, newId: outcome.id }),
    ...checks.flatMap((check) => {
      const args = { ...check, ...at, ...counterSpans(check) };
      return [targetAchievement.compile(db, args), targetAchievedEvent.compile(db, args)];
    }),
  ]);
  const row = result?.rows[0] as OutcomeRow | undefined;
  if (row) return { kind: 'recorded', outcome: toOutcome(row, access), replaced: row.id !== outcome.id };
  const refusal = refusalOf(await findRecordTarget(db, access, outcome.goal_id, outcome.agent_id));
  // Every rule held when read again: the goal or agent changed in between and changed back; report the goal.
  return refusal ?? { kind: 'goal-archived' };
}

const outcomeDelete = prepareQuery<{ access: Access; id: string }>()((k, s, p) =>
  k.deleteFrom('outcomes').where('outcomes.id', '=', p.id).where(ownedBy('outcomes', scoped(s, p))).returning('outcomes.id'),
);

export const deleteStatement = (db: Db, access: Access, id: string): CompiledQuery<{ id: string }> => outcomeDelete.compile(db, { access, id });

// Before the delete, on the row it removes.
const outcomeDeletedEvent = prepareQuery<{ access: Access; id: string; now: string }>()((k, s, p) =>
  insertEvents(
    k,
    k
      .selectFrom('outcomes')
      .select(
        eventColumns({
          type: 'outcome.deleted',
          owner_id: sql.ref('outcomes.owner_id'),
          goal_id: sql.ref('outcomes.goal_id'),
          agent_id: sql.ref('outcomes.agent_id'),
          outcome_id: sql.ref('outcomes.id'),
          occurred_at: p.now,
        }),
      )
      .where('outcomes.id', '=', p.id)
      .where(ownedBy('outcomes', scoped(s, p))),
  ),
);

/** Deletes the outcome with its outcome.deleted; its counts leave the counters in the same statement (trigger). */
export async function deleteOutcome(db: Db, access: Access, id: string, now: string): Promise<{ kind: 'deleted' } | { kind: 'missing' }> {
  const [, result] = await db.atomic([outcomeDeletedEvent.compile(db, { access, id, now }), deleteStatement(db, access, id)]);
  return (result?.rows.length ?? 0) > 0 ? { kind: 'deleted' } : { kind: 'missing' };
}

export interface OutcomeFilters {
  goalId?: string | undefined;
  agentId?: string | undefined;
  contactId?: string | undefined;
  channelId?: string | undefined;
  conversationId?: string | undefined;
  /** true / false: that verdict; null: no verdict; undefined: either. */
  achieved?: boolean | null | undefined;
  from?: string | undefined;
  to?: string | undefined;
  ownerId?: string | undefined;
}

/** The filters as a prepared query takes them: the verdict as flags, which choose the SQL. */
type QueryFilters = Omit<OutcomeFilters, 'achieved'> & { achievedTrue: boolean; achievedFalse: boolean; noVerdict: boolean };

const queryFilters = ({ achieved, ...rest }: OutcomeFilters): QueryFilters => ({
  ...rest,
  achievedTrue: achieved === true,
  achievedFalse: achieved === false,
  noVerdict: achieved === null,
});

function filtersOf(s: Shape<CountArgs<QueryFilters>>, p: Params<CountArgs<QueryFilters>>): Expression<SqlBool>[] {
  const eb = expressionBuilder<Database, 'outcomes'>();
  const { filters: f } = s;
  return [
    ...ownerConditions('outcomes', scoped(s, p)),
    ...(f.ownerId ? [eb('outcomes.owner_id', '=', p.filters.ownerId)] : []),
    ...(f.goalId ? [eb('outcomes.goal_id', '=', p.filters.goalId)] : []),
    ...(f.agentId ? [eb('outcomes.agent_id', '=', p.filters.agentId)] : []),
    ...(f.contactId ? [eb('outcomes.contact_id', '=', p.filters.contactId)] : []),
    ...(f.channelId ? [eb('outcomes.channel_id', '=', p.filters.channelId)] : []),
    ...(f.conversationId ? [eb('outcomes.conversation_id', '=', p.filters.conversationId)] : []),
    ...(f.achievedTrue ? [sql<SqlBool>`outcomes.achieved = 1`] : []),
    ...(f.achievedFalse ? [sql<SqlBool>`outcomes.achieved = 0`] : []),
    ...(f.noVerdict ? [sql<SqlBool>`outcomes.achieved IS NULL`] : []),
    ...(f.from ? [eb('outcomes.occurred_at', '>=', p.filters.from)] : []),
    ...(f.to ? [eb('outcomes.occurred_at', '<', p.filters.to)] : []),
  ];
}

/** Rows strictly after the cursor in newest-first (occurred_at, id) order. */
const afterCursor = (cursor: Params<Cursor>): Expression<SqlBool> =>
  sql<SqlBool>`(outcomes.occurred_at, outcomes.id) < (${cursor.createdAt}, ${cursor.id})`;

const outcomePage = prepareQuery<PageArgs<QueryFilters>>()((k, s, p) =>
  k
    .selectFrom('outcomes')
    .select(selection(s.access))
    .$call(whereAll([...filtersOf(s, p), ...(s.cursor ? [afterCursor(p.cursor)] : [])]))
    .orderBy('outcomes.occurred_at', 'desc')
    .orderBy('outcomes.id', 'desc')
    .limit(p.take)
    .offset(p.skip),
);

const outcomeCount = prepareQuery<CountArgs<QueryFilters>>()((k, s, p) =>
  k
    .selectFrom('outcomes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .$call(whereAll(filtersOf(s, p))),
);

/** One page, newest occurred_at first, and the total that matches the filters. */
export async function listOutcomes(
  db: Db,
  access: Access,
  filters: OutcomeFilters,
  page: PageRequest,
): Promise<{ items: Outcome[]; count: number }> {
  return runList(db, { page: outcomePage, count: outcomeCount }, access, queryFilters(filters), page, toOutcome);
}

/** Verdict counts of a span of time. */
export interface Counts {
  conversations: number;
  achieved: number;
}

/** One goal's counters from hour `from` (inclusive) to `to` (exclusive), both `YYYY-MM-DDTHH`. */
export interface HourSpan {
  goalId: string;
  from: string;
  to: string;
}

export interface HourCount extends Counts {
  goal_id: string;
  hour: string;
}

/**
 * The hourly counters of several goals in one statement (the spans travel as one JSON parameter,
 * so any number of goals fits D1's 100-parameter limit). Each span is a primary-key range.
 */
export async function readHourCounts(db: Db, spans: readonly HourSpan[]): Promise<HourCount[]> {
  if (spans.length === 0) return [];
  const json = JSON.stringify(spans.map((s) => [s.goalId, s.from, s.to]));
  const { rows } = await sql<HourCount>`
    SELECT h.goal_id, h.hour, h.conversations, h.achieved
    FROM json_each(${json}) AS s
    JOIN outcome_hours AS h
      ON h.goal_id = json_extract(s.value, '$[0]')
     AND h.hour >= json_extract(s.value, '$[1]')
     AND h.hour < json_extract(s.value, '$[2]')
    ORDER BY s.key, h.hour`.execute(db.kysely);
  return rows;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/**
 * The part of an hour before an instant, `[floor hour, at)`, as the counters split it: whole
 * minutes `[minuteFrom, minuteTo)` (≤ 59 rows of outcome_minutes) and the outcomes of the partial
 * minute `[rawFrom, rawTo)` (read from the index).
 */
export interface EdgeParts {
  minuteFrom: string;
  minuteTo: string;
  rawFrom: string;
  rawTo: string;
}

export function edgeParts(atMs: number): EdgeParts {
  const minute = Math.floor(atMs / MINUTE_MS) * MINUTE_MS;
  const hour = Math.floor(atMs / HOUR_MS) * HOUR_MS;
  const minuteKey = (ms: number) => new Date(ms).toISOString().slice(0, 16);
  return { minuteFrom: minuteKey(hour), minuteTo: minuteKey(minute), rawFrom: new Date(minute).toISOString(), rawTo: new Date(atMs).toISOString() };
}

/** One goal's outcomes with a verdict in `[floor hour of at, at)`: the part of an hour that hourly counters cannot split. */
export interface EdgeSpan {
  goalId: string;
  atMs: number;
}

/**
 * Counts of each edge span in one statement: at most 59 minute counters by primary key plus the
 * outcomes of one partial minute from the (goal_id, occurred_at, id, achieved) index alone.
 */
export async function readEdgeCounts(db: Db, spans: readonly EdgeSpan[]): Promise<Counts[]> {
  if (spans.length === 0) return [];
  const json = JSON.stringify(
    spans.map((s) => {
      const e = edgeParts(s.atMs);
      return [s.goalId, e.minuteFrom, e.minuteTo, e.rawFrom, e.rawTo];
    }),
  );
  const { rows } = await sql<Counts & { i: number }>`
    SELECT i, sum(conversations) AS conversations, sum(achieved) AS achieved FROM (
      SELECT s.key AS i, m.conversations, m.achieved
      FROM json_each(${json}) AS s
      JOIN outcome_minutes AS m
        ON m.goal_id = json_extract(s.value, '$[0]')
       AND m.minute >= json_extract(s.value, '$[1]')
       AND m.minute < json_extract(s.value, '$[2]')
      UNION ALL
      SELECT s.key AS i, 1 AS conversations, o.achieved
      FROM json_each(${json}) AS s
      JOIN outcomes AS o INDEXED BY outcomes_goal_occurred
        ON o.goal_id = json_extract(s.value, '$[0]')
       AND o.occurred_at >= json_extract(s.value, '$[3]')
       AND o.occurred_at < json_extract(s.value, '$[4]')
       AND o.achieved IS NOT NULL
    )
    GROUP BY i`.execute(db.kysely);
  const out: Counts[] = spans.map(() => ({ conversations: 0, achieved: 0 }));
  for (const row of rows) out[Number(row.i)] = { conversations: Number(row.conversations), achieved: Number(row.achieved) };
  return out;
}
