import { expressionBuilder, sql, type Expression, type ExpressionBuilder, type Selectable, type SqlBool } from 'kysely';
import { afterCursor, nameContains, ownerColumns, runList, toOwner, whereAll, type CountArgs, type OwnerColumns, type PageArgs, type PageRequest } from '../db/listing.js';
import { ownedBy, ownerConditions, type Access, type OwnedTable } from '../db/owner-scope.js';
import { prepareQuery } from '../db/prepared.js';
import type { Database, Db, GoalsTable } from '../db/types.js';
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
const selection = (access: Access) => (access.all ? [...GOAL_COLUMNS, ...ownerColumns('goals')] : GOAL_COLUMNS);

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
  return access.all ? { ...goal, owner: toOwner(row) } : goal;
}

const goalById = prepareQuery((k, { access, id }: { access: Access; id: string }) =>
  k.selectFrom('goals').select(selection(access)).where('goals.id', '=', id).where(ownedBy('goals', access)),
);

export async function findGoal(db: Db, access: Access, id: string): Promise<Goal | undefined> {
  const row = await goalById.first(db, { access, id });
  return row && toGoal(row, access);
}

const goalHeader = prepareQuery((k, { access, id }: { access: Access; id: string }) =>
  k.selectFrom('goals').select(['goals.owner_id', 'goals.status']).where('goals.id', '=', id).where(ownedBy('goals', access)),
);

/** The goal's owner and status, for rules that need no more than that. */
export async function findGoalHeader(
  db: Db,
  access: Access,
  id: string,
): Promise<{ owner_id: string; status: string } | undefined> {
  return goalHeader.first(db, { access, id });
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
function filtersOf(access: Access, f: GoalFilters, ownerTable: OwnedTable = 'goals'): Expression<SqlBool>[] {
  const eb = expressionBuilder<Database, 'goals'>();
  return [
    ...ownerConditions(ownerTable, access),
    ...(f.ownerId !== undefined ? [sql<SqlBool>`${sql.ref(`${ownerTable}.owner_id`)} = ${f.ownerId}`] : []),
    ...(f.agentId !== undefined ? [eb('goals.agent_id', '=', f.agentId)] : []),
    ...(f.status !== undefined ? [eb('goals.status', '=', f.status)] : []),
    ...(f.channelId !== undefined ? [eb('goals.channel_id', '=', f.channelId)] : []),
    ...(f.q !== undefined ? [nameContains('goals', f.q)] : []),
  ];
}

const goalPage = prepareQuery((k, { access, filters, cursor, take, skip }: PageArgs<GoalFilters>) =>
  k
    .selectFrom('goals')
    .select(selection(access))
    .$call(whereAll([...filtersOf(access, filters), ...(cursor ? [afterCursor('goals', cursor)] : [])]))
    .orderBy('goals.created_at', 'desc')
    .orderBy('goals.id', 'desc')
    .limit(take)
    .offset(skip),
);

const goalCount = prepareQuery((k, { access, filters }: CountArgs<GoalFilters>) =>
  k
    .selectFrom('goals')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .$call(whereAll(filtersOf(access, filters))),
);

const afterTagCursor = (cursor: Cursor): Expression<SqlBool> =>
  sql<SqlBool>`(goal_tags.created_at, goal_tags.goal_id) < (${cursor.createdAt}, ${cursor.id})`;

const taggedPage = prepareQuery((k, { access, filters, cursor, take, skip }: PageArgs<GoalFilters>) =>
  k
    .selectFrom('goal_tags')
    .innerJoin('goals', 'goals.id', 'goal_tags.goal_id')
    .select(selection(access))
    .where('goal_tags.tag', '=', filters.tag ?? '')
    .$call(whereAll([...filtersOf(access, filters, 'goal_tags'), ...(cursor ? [afterTagCursor(cursor)] : [])]))
    .orderBy('goal_tags.created_at', 'desc')
    .orderBy('goal_tags.goal_id', 'desc')
    .limit(take)
    .offset(skip),
);

const taggedCount = prepareQuery((k, { access, filters }: CountArgs<GoalFilters>) =>
  k
    .selectFrom('goal_tags')
    .innerJoin('goals', 'goals.id', 'goal_tags.goal_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('goal_tags.tag', '=', filters.tag ?? '')
    .$call(whereAll(filtersOf(access, filters, 'goal_tags'))),
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

const asStored = <P extends Partial<NewGoal>>(goal: P) => {
  const { fields, tags, targets, ...rest } = goal;
  return {
    ...rest,
    ...(fields !== undefined ? { fields: JSON.stringify(fields) } : {}),
    ...(tags !== undefined ? { tags: JSON.stringify(tags) } : {}),
    ...(targets !== undefined ? { targets: JSON.stringify(targets) } : {}),
  };
};

const goalInsert = prepareQuery((k, { access, goal, now }: { access: Access; goal: GoalValues; now: string }) =>
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
        .where(ownedBy('agents', access)),
    )
    .returning(selection(access)),
);

/**
 * Inserts the goal under its agent's owner in one statement. Returns undefined when the agent is
 * not visible to the caller, so nothing is written for an unknown or foreign agent.
 */
export async function insertGoal(db: Db, access: Access, goal: NewGoal, now: string): Promise<Goal | undefined> {
  const stored = { ...goal, fields: JSON.stringify(goal.fields), tags: JSON.stringify(goal.tags), targets: JSON.stringify(goal.targets) };
  const row = await goalInsert.first(db, { access, goal: stored, now });
  return row && toGoal(row, access);
}

export type GoalPatch = Partial<Omit<NewGoal, 'id'>>;

interface UpdateArgs {
  access: Access;
  id: string;
  patch: Partial<GoalValues>;
  now: string;
}

const goalUpdate = prepareQuery((k, { access, id, patch, now }: UpdateArgs) =>
  k
    .updateTable('goals')
    .set({ ...patch, updated_at: now })
    .where('goals.id', '=', id)
    .where(ownedBy('goals', access))
    .$if(patch.agent_id !== undefined, (qb) =>
      qb.where((eb: ExpressionBuilder<Database, 'goals'>) =>
        eb.exists(
          eb
            .selectFrom('agents')
            .select(sql`1`.as('one'))
            .where('agents.id', '=', patch.agent_id ?? '')
            .whereRef('agents.owner_id', '=', 'goals.owner_id'),
        ),
      ),
    )
    .returning(selection(access)),
);

/**
 * Applies the patch in one statement. A new agent_id must belong to the goal's owner, checked in
 * the same statement; undefined means no visible goal matched (or the agent check failed).
 */
export async function updateGoal(
  db: Db,
  access: Access,
  id: string,
  patch: GoalPatch,
  now: string,
): Promise<Goal | undefined> {
  const row = await goalUpdate.first(db, { access, id, patch: asStored(patch), now });
  return row && toGoal(row, access);
}

const goalDelete = prepareQuery((k, { access, id }: { access: Access; id: string }) =>
  k.deleteFrom('goals').where('goals.id', '=', id).where(ownedBy('goals', access)).returning('goals.id'),
);

/** Deletes the goal; its attachments go with it (ON DELETE CASCADE). */
export async function deleteGoal(db: Db, access: Access, id: string): Promise<boolean> {
  return (await goalDelete.first(db, { access, id })) !== undefined;
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

const attachUpsert = prepareQuery((k, { access, agentId, goalId, now }: AttachArgs) =>
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
        .where(ownedBy('agents', access)),
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

/**
 * Attaches the goal to the agent in one statement: it inserts or replaces the agent's attachment
 * only when both are visible to the caller, share an owner and the goal is not archived.
 * Re-attaching the attached goal changes nothing. Undefined means nothing was written.
 */
export async function attachGoal(
  db: Db,
  access: Access,
  agentId: string,
  goalId: string,
  now: string,
): Promise<Attachment | undefined> {
  return attachUpsert.first(db, { access, agentId, goalId, now });
}

/** What decides an attach, read in one statement: null where the caller sees no such record. */
export interface AttachState {
  goal_owner: string | null;
  goal_status: string | null;
  agent_owner: string | null;
  /** Since when the goal is the agent's, if it already is. */
  attached_at: string | null;
}

const attachStateQuery = prepareQuery((k, { access, agentId, goalId }: Omit<AttachArgs, 'now'>) =>
  k.selectNoFrom((eb) => [
    eb.selectFrom('goals').select('goals.owner_id').where('goals.id', '=', goalId).where(ownedBy('goals', access)).as('goal_owner'),
    eb.selectFrom('goals').select('goals.status').where('goals.id', '=', goalId).where(ownedBy('goals', access)).as('goal_status'),
    eb.selectFrom('agents').select('agents.owner_id').where('agents.id', '=', agentId).where(ownedBy('agents', access)).as('agent_owner'),
    eb
      .selectFrom('attachments')
      .select('attachments.attached_at')
      .where('attachments.agent_id', '=', agentId)
      .where('attachments.goal_id', '=', goalId)
      .as('attached_at'),
  ]),
);

export async function attachState(db: Db, access: Access, agentId: string, goalId: string): Promise<AttachState> {
  const row = await attachStateQuery.first(db, { access, agentId, goalId });
  return row ?? { goal_owner: null, goal_status: null, agent_owner: null, attached_at: null };
}

const attachmentDelete = prepareQuery((k, { access, agentId, goalId }: { access: Access; agentId: string; goalId: string | undefined }) =>
  k
    .deleteFrom('attachments')
    .where('attachments.agent_id', '=', agentId)
    .$if(goalId !== undefined, (qb) => qb.where('attachments.goal_id', '=', goalId ?? ''))
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('agents')
          .select(sql`1`.as('one'))
          .whereRef('agents.id', '=', 'attachments.agent_id')
          .where(ownedBy('agents', access)),
      ),
    )
    .returning(['attachments.agent_id', 'attachments.goal_id']),
);

/** Removes the agent's attachment (only if it is `goalId`, when given); the removed pair or undefined. */
export async function detachGoal(
  db: Db,
  access: Access,
  agentId: string,
  goalId: string | undefined,
): Promise<{ agent_id: string; goal_id: string } | undefined> {
  return attachmentDelete.first(db, { access, agentId, goalId });
}
