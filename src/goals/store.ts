import { expressionBuilder, sql, type Expression, type ExpressionBuilder, type Selectable, type SqlBool } from 'kysely';
import { afterCursor, nameContains, ownerColumns, runList, whereAll, withOwner, type CountArgs, type OwnerColumns, type PageArgs, type PageRequest } from '../db/listing.js';
import { ownedBy, ownerConditions, scoped, type Access, type OwnedTable } from '../db/owner-scope.js';
import { prepareQuery, type Params, type Shape } from '../db/prepared.js';
import type { Database, Db, GoalsTable } from '../db/types.js';
import { findAgentOwner } from '../agents/store.js';
import { changedRows, eventColumns, insertEvents, jsonKeysWhere } from '../events/store.js';
import type { Cursor } from '../rpc/pagination.js';
import type { Goal, GoalStatus, LeadField, Target } from './schemas.js';

type GoalRow = Selectable<GoalsTable> & Partial<OwnerColumns>;

const GOAL_COLUMNS = [
  'goals.id',
  'goals.owner_id',
  'goals.agent_id',
  'goals.name',
  'goals.description',
  'goals.status',
  'goals.priority',
  'goals.fields',
  'goals.channel_id',
  'goals.tags',
  'goals.timezone',
  'goals.targets',
  'goals.created_at',
  'goals.updated_at',
] as const;

/** The goal columns, plus the owner's when the caller is in admin mode. */
const selection = (access: { all: boolean }) => (access.all ? [...GOAL_COLUMNS, ...ownerColumns('goals')] : GOAL_COLUMNS);

function toGoal(row: GoalRow, access: Access): Goal {
  const goal: Goal = {
    id: row.id,
    agent_id: row.agent_id,
    name: row.name,
    description: row.description,
    status: row.status as GoalStatus,
    priority: row.priority,
    fields: JSON.parse(row.fields) as LeadField[],
    channel_id: row.channel_id,
    tags: JSON.parse(row.tags) as string[],
    timezone: row.timezone,
    targets: JSON.parse(row.targets) as Target[],
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
  return withOwner(goal, row, access);
}

const goalById = prepareQuery<{ access: Access; id: string }>()((k, s, p) =>
  k.selectFrom('goals').select(selection(s.access)).where('goals.id', '=', p.id).where(ownedBy('goals', scoped(s, p))),
);

export async function findGoal(db: Db, access: Access, id: string): Promise<Goal | undefined> {
  const row = await goalById.first(db, { access, id });
  return row && toGoal(row, access);
}

export interface GoalFilters {
  agentId?: string | undefined;
  status?: GoalStatus | undefined;
  q?: string | undefined;
  ownerId?: string | undefined;
  channelId?: string | undefined;
  tag?: string | undefined;
}

/**
 * The filters on goals. With a `tag`, the list is driven by goal_tags (its owner, tag, created_at
 * index gives the order), so the owner conditions are put on that table.
 */
function filtersOf(s: Shape<CountArgs<GoalFilters>>, p: Params<CountArgs<GoalFilters>>, ownerTable: OwnedTable = 'goals'): Expression<SqlBool>[] {
  const eb = expressionBuilder<Database, 'goals'>();
  const { filters: f } = s;
  return [
    ...ownerConditions(ownerTable, scoped(s, p)),
    ...(f.ownerId ? [sql<SqlBool>`${sql.ref(`${ownerTable}.owner_id`)} = ${p.filters.ownerId}`] : []),
    ...(f.agentId ? [eb('goals.agent_id', '=', p.filters.agentId)] : []),
    ...(f.status ? [eb('goals.status', '=', p.filters.status)] : []),
    ...(f.channelId ? [eb('goals.channel_id', '=', p.filters.channelId)] : []),
    ...(f.q ? [nameContains('goals', p.filters.q)] : []),
  ];
}

const goalPage = prepareQuery<PageArgs<GoalFilters>>()((k, s, p) =>
  k
    .selectFrom('goals')
    .select(selection(s.access))
    .$call(whereAll([...filtersOf(s, p), ...(s.cursor ? [afterCursor('goals', p.cursor)] : [])]))
    .orderBy('goals.created_at', 'desc')
    .orderBy('goals.id', 'desc')
    .limit(p.take)
    .offset(p.skip),
);

const goalCount = prepareQuery<CountArgs<GoalFilters>>()((k, s, p) =>
  k
    .selectFrom('goals')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .$call(whereAll(filtersOf(s, p))),
);

const afterTagCursor = (cursor: Params<Cursor>): Expression<SqlBool> =>
  sql<SqlBool>`(goal_tags.created_at, goal_tags.goal_id) < (${cursor.createdAt}, ${cursor.id})`;

const taggedPage = prepareQuery<PageArgs<GoalFilters>>()((k, s, p) =>
  k
    .selectFrom('goal_tags')
    .innerJoin('goals', 'goals.id', 'goal_tags.goal_id')
    .select(selection(s.access))
    .where('goal_tags.tag', '=', p.filters.tag)
    .$call(whereAll([...filtersOf(s, p, 'goal_tags'), ...(s.cursor ? [afterTagCursor(p.cursor)] : [])]))
    .orderBy('goal_tags.created_at', 'desc')
    .orderBy('goal_tags.goal_id', 'desc')
    .limit(p.take)
    .offset(p.skip),
);

const taggedCount = prepareQuery<CountArgs<GoalFilters>>()((k, s, p) =>
  k
    .selectFrom('goal_tags')
    .innerJoin('goals', 'goals.id', 'goal_tags.goal_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('goal_tags.tag', '=', p.filters.tag)
    .$call(whereAll(filtersOf(s, p, 'goal_tags'))),
);

/** One page, newest first, and the total that matches the filters. */
export async function listGoals(
  db: Db,
  access: Access,
  filters: GoalFilters,
  page: PageRequest,
): Promise<{ items: Goal[]; count: number }> {
  const queries = filters.tag === undefined ? { page: goalPage, count: goalCount } : { page: taggedPage, count: taggedCount };
  return runList(db, queries, access, filters, page, toGoal);
}

export interface NewGoal {
  id: string;
  agent_id: string;
  name: string;
  description: string | null;
  status: GoalStatus;
  priority: number | null;
  fields: LeadField[];
  channel_id: string | null;
  tags: string[];
  timezone: string;
  targets: Target[];
}

type JsonKeys = 'fields' | 'tags' | 'targets';

/** A goal as stored: lists as JSON text. */
type GoalValues = Omit<NewGoal, JsonKeys> & { fields: string; tags: string; targets: string };

/** The lists of a goal (or of a patch) as JSON text; keys left out stay out. */
const asStored = <P extends Partial<NewGoal>>(goal: P) => {
  const { fields, tags, targets, ...rest } = goal;
  return {
    ...rest,
    ...(fields !== undefined ? { fields: JSON.stringify(fields) } : {}),
    ...(tags !== undefined ? { tags: JSON.stringify(tags) } : {}),
    ...(targets !== undefined ? { targets: JSON.stringify(targets) } : {}),
  };
};

const goalInsert = prepareQuery<{ access: Access; goal: GoalValues; now: string }>()((k, s, { goal, now, ...p }) =>
  k
    .insertInto('goals')
    .columns([
      'id',
      'owner_id',
      'agent_id',
      'name',
      'description',
      'status',
      'priority',
      'fields',
      'channel_id',
      'tags',
      'timezone',
      'targets',
      'created_at',
      'updated_at',
    ])
    .expression((eb) =>
      eb
        .selectFrom('agents')
        .select([
          eb.val(goal.id).as('id'),
          'agents.owner_id',
          'agents.id as agent_id',
          eb.val(goal.name).as('name'),
          eb.val(goal.description).as('description'),
          eb.val(goal.status).as('status'),
          eb.val(goal.priority).as('priority'),
          eb.val(goal.fields).as('fields'),
          eb.val(goal.channel_id).as('channel_id'),
          eb.val(goal.tags).as('tags'),
          eb.val(goal.timezone).as('timezone'),
          eb.val(goal.targets).as('targets'),
          eb.val(now).as('created_at'),
          eb.val(now).as('updated_at'),
        ])
        .where('agents.id', '=', goal.agent_id)
        .where(ownedBy('agents', scoped(s, p))),
    )
    .returning(selection(s.access)),
);

const goalCreatedEvent = prepareQuery<{ id: string; now: string }>()((k, _s, p) =>
  insertEvents(
    k,
    k
      .selectFrom('goals')
      .select(
        eventColumns({ type: 'goal.created', owner_id: sql.ref('goals.owner_id'), goal_id: sql.ref('goals.id'), agent_id: sql.ref('goals.agent_id'), occurred_at: p.now }),
      )
      .where('goals.id', '=', p.id)
      .where(changedRows),
  ),
);

export type InsertGoalResult = { kind: 'created'; goal: Goal } | { kind: 'missing-agent' };

/**
 * Inserts the goal under its agent's owner in one statement; nothing is written for an agent the
 * caller cannot see (unknown or another owner's), which is the only reason to write nothing.
 */
export async function insertGoal(db: Db, access: Access, goal: NewGoal, now: string): Promise<InsertGoalResult> {
  const stored = { ...goal, fields: JSON.stringify(goal.fields), tags: JSON.stringify(goal.tags), targets: JSON.stringify(goal.targets) };
  const [inserted] = await db.atomic([goalInsert.compile(db, { access, goal: stored, now }), goalCreatedEvent.compile(db, { id: goal.id, now })]);
  const row = inserted?.rows[0] as GoalRow | undefined;
  return row ? { kind: 'created', goal: toGoal(row, access) } : { kind: 'missing-agent' };
}

export type GoalPatch = Partial<Omit<NewGoal, 'id'>>;

interface UpdateArgs {
  access: Access;
  id: string;
  patch: Partial<GoalValues>;
  now: string;
}

/** The goal an update may change: the caller's, and given a new agent, only one of the goal's owner. */
function updatable(s: Shape<UpdateArgs>, p: Params<UpdateArgs>): Expression<SqlBool> {
  const eb = expressionBuilder<Database, 'goals'>();
  return eb.and([
    eb('goals.id', '=', p.id),
    ownedBy('goals', scoped(s, p)),
    ...(s.patch.agent_id
      ? [
          eb.exists(
            eb
              .selectFrom('agents')
              .select(sql`1`.as('one'))
              .where('agents.id', '=', p.patch.agent_id)
              .whereRef('agents.owner_id', '=', 'goals.owner_id'),
          ),
        ]
      : []),
  ]);
}

/** Each patched key with whether its stored value differs (IS NOT: NULL-safe); the keys are the wire's. */
const differences = (s: Shape<UpdateArgs>, p: Params<UpdateArgs>): [string, Expression<SqlBool>][] =>
  (Object.keys(s.patch) as (keyof GoalValues)[])
    .filter((key) => s.patch[key] === true)
    .map((key) => [key, sql<SqlBool>`${sql.ref(`goals.${key}`)} IS NOT ${p.patch[key]}`]);

const anyDiffers = (s: Shape<UpdateArgs>, p: Params<UpdateArgs>): Expression<SqlBool> =>
  expressionBuilder<Database, 'goals'>().or(differences(s, p).map(([, differs]) => differs));

// A patch to the same values keeps updated_at, so a repeat changes nothing (and emits nothing).
const goalUpdate = prepareQuery<UpdateArgs>()((k, s, p) =>
  k
    .updateTable('goals')
    .set({ ...p.patch, updated_at: sql<string>`CASE WHEN ${anyDiffers(s, p)} THEN ${p.now} ELSE goals.updated_at END` })
    .where(updatable(s, p))
    .returning(selection(s.access)),
);

// Runs before the update, on the same rows, to see the values it replaces.
const goalUpdatedEvent = prepareQuery<UpdateArgs>()((k, s, p) =>
  insertEvents(
    k,
    k
      .selectFrom('goals')
      .select(
        eventColumns({
          type: 'goal.updated',
          owner_id: sql.ref('goals.owner_id'),
          goal_id: sql.ref('goals.id'),
          agent_id: s.patch.agent_id ? p.patch.agent_id : sql.ref('goals.agent_id'),
          data: sql<string>`json_object('changed', ${jsonKeysWhere(differences(s, p))})`,
          occurred_at: p.now,
        }),
      )
      .where(updatable(s, p))
      .where(anyDiffers(s, p)),
  ),
);

const updateStateQuery = prepareQuery<{ access: Access; id: string; agentId: string }>()((k, s, p) =>
  k.selectNoFrom((eb) => [
    eb.selectFrom('goals').select('goals.owner_id').where('goals.id', '=', p.id).where(ownedBy('goals', scoped(s, p))).as('goal_owner'),
    eb.selectFrom('agents').select('agents.owner_id').where('agents.id', '=', p.agentId).where(ownedBy('agents', scoped(s, p))).as('agent_owner'),
  ]),
);

/** In the contract's order: the agent named in the patch, then the goal, then the owner rule. */
export type UpdateGoalResult =
  | { kind: 'updated'; goal: Goal }
  | { kind: 'missing-agent'; agentId: string }
  | { kind: 'missing-goal' }
  | { kind: 'agent-of-other-owner'; agentId: string };

/**
 * Applies the patch in one statement, which also checks that a new agent_id belongs to the goal's
 * owner, batched after its goal.updated event (none when no value changes). Only when it writes
 * nothing are the reasons read (one more statement).
 */
export async function updateGoal(db: Db, access: Access, id: string, patch: GoalPatch, now: string): Promise<UpdateGoalResult> {
  const args = { access, id, patch: asStored(patch), now };
  const [, updated] = await db.atomic([goalUpdatedEvent.compile(db, args), goalUpdate.compile(db, args)]);
  const row = updated?.rows[0] as GoalRow | undefined;
  if (row) return { kind: 'updated', goal: toGoal(row, access) };
  const agentId = patch.agent_id;
  // Without a new agent the goal alone can be missing; the agent lookup then finds nothing by design.
  const state = await updateStateQuery.first(db, { access, id, agentId: agentId ?? id });
  if (agentId !== undefined && !state?.agent_owner) return { kind: 'missing-agent', agentId };
  if (!state?.goal_owner || agentId === undefined) return { kind: 'missing-goal' };
  // Only admin mode can see an agent of another owner; a goal never changes owner.
  return { kind: 'agent-of-other-owner', agentId };
}

const goalDelete = prepareQuery<{ access: Access; id: string }>()((k, s, p) =>
  k.deleteFrom('goals').where('goals.id', '=', p.id).where(ownedBy('goals', scoped(s, p))).returning('goals.id'),
);

// Before the delete, while the attachments it takes along are still there to be named.
const goalDeletedEvent = prepareQuery<{ access: Access; id: string; now: string }>()((k, s, p) =>
  insertEvents(
    k,
    k
      .selectFrom('goals')
      .select(
        eventColumns({
          type: 'goal.deleted',
          owner_id: sql.ref('goals.owner_id'),
          goal_id: sql.ref('goals.id'),
          agent_id: sql.ref('goals.agent_id'),
          data: sql<string>`json_object(
            'outcomes_deleted', (SELECT count(*) FROM outcomes WHERE outcomes.goal_id = goals.id),
            'detached_agent_ids', json((SELECT json_group_array(attachments.agent_id) FROM attachments WHERE attachments.goal_id = goals.id))
          )`,
          occurred_at: p.now,
        }),
      )
      .where('goals.id', '=', p.id)
      .where(ownedBy('goals', scoped(s, p))),
  ),
);

/** Deletes the goal and writes one goal.deleted; its attachments, outcomes and counters go with it (ON DELETE CASCADE). */
export async function deleteGoal(db: Db, access: Access, id: string, now: string): Promise<'deleted' | 'missing'> {
  const [, deleted] = await db.atomic([goalDeletedEvent.compile(db, { access, id, now }), goalDelete.compile(db, { access, id })]);
  return (deleted?.rows.length ?? 0) > 0 ? 'deleted' : 'missing';
}

export interface Attachment {
  agent_id: string;
  goal_id: string;
  attached_at: string;
  replaced_goal_id: string | null;
}

interface AttachArgs {
  access: Access;
  agentId: string;
  goalId: string;
  now: string;
}

const attachUpsert = prepareQuery<AttachArgs>()((k, s, { agentId, goalId, now, ...p }) =>
  k
    .insertInto('attachments')
    .columns(['agent_id', 'goal_id', 'attached_at', 'replaced_goal_id'])
    .expression((eb) =>
      eb
        .selectFrom('agents')
        .innerJoin('goals', (join) =>
          join
            .on('goals.id', '=', goalId)
            .onRef('goals.owner_id', '=', 'agents.owner_id')
            .on('goals.status', '<>', 'archived'),
        )
        .select(['agents.id', 'goals.id', eb.val(now).as('attached_at'), sql<null>`NULL`.as('replaced_goal_id')])
        .where('agents.id', '=', agentId)
        .where(ownedBy('agents', scoped(s, p))),
    )
    .onConflict((oc) =>
      oc
        .column('agent_id')
        .doUpdateSet({
          goal_id: (eb) => eb.ref('excluded.goal_id'),
          attached_at: (eb) => eb.ref('excluded.attached_at'),
          // On the right-hand side a bare column is the row's value before the update.
          replaced_goal_id: sql<string>`attachments.goal_id`,
        })
        .where('attachments.goal_id', '<>', (eb) => eb.ref('excluded.goal_id')),
    )
    .returning(['agent_id', 'goal_id', 'attached_at', 'replaced_goal_id']),
);

/** In the order the errors are reported; `attached` also covers re-attaching the attached goal. */
// After the upsert: a re-attach of the attached goal changes no row, so it emits nothing.
const goalAttachedEvent = prepareQuery<{ agentId: string; now: string }>()((k, _s, p) =>
  insertEvents(
    k,
    k
      .selectFrom('attachments')
      .innerJoin('agents', 'agents.id', 'attachments.agent_id')
      .select(
        eventColumns({
          type: 'goal.attached',
          owner_id: sql.ref('agents.owner_id'),
          goal_id: sql.ref('attachments.goal_id'),
          agent_id: sql.ref('attachments.agent_id'),
          data: sql<string>`json_object('replaced_goal_id', attachments.replaced_goal_id)`,
          occurred_at: p.now,
        }),
      )
      .where('attachments.agent_id', '=', p.agentId)
      .where(changedRows),
  ),
);

export type AttachResult =
  | { kind: 'attached'; attachment: Attachment }
  | { kind: 'missing-goal' }
  | { kind: 'missing-agent' }
  | { kind: 'different-owners' }
  | { kind: 'archived' }
  /** The goal changed between the write and the reading of the reasons. */
  | { kind: 'raced' };

/**
 * Attaches the goal to the agent in one statement: it inserts or replaces the agent's attachment
 * only when both are visible to the caller, share an owner and the goal is not archived; its
 * goal.attached event is in the same batch. Only when it writes nothing are the reasons read, so
 * the common case is one round trip on D1.
 */
export async function attachGoal(db: Db, access: Access, agentId: string, goalId: string, now: string): Promise<AttachResult> {
  const [upserted] = await db.atomic([
    attachUpsert.compile(db, { access, agentId, goalId, now }),
    goalAttachedEvent.compile(db, { agentId, now }),
  ]);
  const attachment = upserted?.rows[0] as Attachment | undefined;
  if (attachment) return { kind: 'attached', attachment };
  const state = await attachState(db, access, agentId, goalId);
  if (state.goal_owner === null) return { kind: 'missing-goal' };
  if (state.agent_owner === null) return { kind: 'missing-agent' };
  if (state.agent_owner !== state.goal_owner) return { kind: 'different-owners' };
  if (state.goal_status === 'archived') return { kind: 'archived' };
  if (state.attached_at !== null) {
    return { kind: 'attached', attachment: { agent_id: agentId, goal_id: goalId, attached_at: state.attached_at, replaced_goal_id: null } };
  }
  return { kind: 'raced' };
}

/** What decides an attach, read in one statement: null where the caller sees no such record. */
export interface AttachState {
  goal_owner: string | null;
  goal_status: string | null;
  agent_owner: string | null;
  /** Since when the goal is the agent's, if it already is. */
  attached_at: string | null;
}

const attachStateQuery = prepareQuery<Omit<AttachArgs, 'now'>>()((k, s, { agentId, goalId, ...p }) => {
  const access = scoped(s, p);
  return k.selectNoFrom((eb) => [
    eb.selectFrom('goals').select('goals.owner_id').where('goals.id', '=', goalId).where(ownedBy('goals', access)).as('goal_owner'),
    eb.selectFrom('goals').select('goals.status').where('goals.id', '=', goalId).where(ownedBy('goals', access)).as('goal_status'),
    eb.selectFrom('agents').select('agents.owner_id').where('agents.id', '=', agentId).where(ownedBy('agents', access)).as('agent_owner'),
    eb
      .selectFrom('attachments')
      .select('attachments.attached_at')
      .where('attachments.agent_id', '=', agentId)
      .where('attachments.goal_id', '=', goalId)
      .as('attached_at'),
  ]);
});

export async function attachState(db: Db, access: Access, agentId: string, goalId: string): Promise<AttachState> {
  const row = await attachStateQuery.first(db, { access, agentId, goalId });
  return row ?? { goal_owner: null, goal_status: null, agent_owner: null, attached_at: null };
}

type DetachArgs = { access: Access; agentId: string; goalId: string | undefined };

/** The attachment a detach removes: the agent's, if the caller sees the agent (and it is `goalId`, when given). */
function detachable(s: Shape<DetachArgs>, p: Params<DetachArgs>): Expression<SqlBool> {
  const eb = expressionBuilder<Database, 'attachments'>();
  return eb.and([
    eb('attachments.agent_id', '=', p.agentId),
    ...(s.goalId ? [eb('attachments.goal_id', '=', p.goalId)] : []),
    eb.exists(
      eb
        .selectFrom('agents')
        .select(sql`1`.as('one'))
        .whereRef('agents.id', '=', 'attachments.agent_id')
        .where(ownedBy('agents', scoped(s, p))),
    ),
  ]);
}

const attachmentDelete = prepareQuery<DetachArgs>()((k, s, p) =>
  k.deleteFrom('attachments').where(detachable(s, p)).returning(['attachments.agent_id', 'attachments.goal_id']),
);

const goalDetachedEvent = prepareQuery<DetachArgs & { now: string }>()((k, s, p) =>
  insertEvents(
    k,
    k
      .selectFrom('attachments')
      .innerJoin('agents', 'agents.id', 'attachments.agent_id')
      .select(
        eventColumns({
          type: 'goal.detached',
          owner_id: sql.ref('agents.owner_id'),
          goal_id: sql.ref('attachments.goal_id'),
          agent_id: sql.ref('attachments.agent_id'),
          occurred_at: p.now,
        }),
      )
      .where(detachable(s, p)),
  ),
);

export type DetachResult =
  | { kind: 'detached'; agent_id: string; goal_id: string }
  | { kind: 'missing-agent' }
  /** No goal, or not `goalId`, is attached to the agent. */
  | { kind: 'not-attached' };

/** Removes the agent's attachment (only if it is `goalId`, when given) with its goal.detached; on nothing removed, why. */
export async function detachGoal(db: Db, access: Access, agentId: string, goalId: string | undefined, now: string): Promise<DetachResult> {
  const args = { access, agentId, goalId };
  const [, deleted] = await db.atomic([goalDetachedEvent.compile(db, { ...args, now }), attachmentDelete.compile(db, args)]);
  const removed = deleted?.rows[0] as { agent_id: string; goal_id: string } | undefined;
  if (removed) return { kind: 'detached', ...removed };
  return (await findAgentOwner(db, access, agentId)) === undefined ? { kind: 'missing-agent' } : { kind: 'not-attached' };
}
