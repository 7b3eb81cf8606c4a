import type { ColumnType, CompiledQuery, Generated, Kysely, QueryResult } from 'kysely';

/** A column with a default: optional on insert. */
type Defaulted<T> = ColumnType<T, T | undefined, T>;

export interface UsersTable {
  id: string;
  email: string | null;
  name: string | null;
  is_admin: number;
  created_at: string;
}

export interface ApiKeysTable {
  id: string;
  user_id: string;
  hash: string;
  prefix: string;
  last_four: string;
  scopes: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

export interface AgentsTable {
  id: string;
  owner_id: string;
  name: string;
  description: string | null;
  created_at: string;
  updated_at: string;
}

export interface GoalsTable {
  id: string;
  owner_id: string;
  agent_id: string;
  name: string;
  description: string | null;
  status: string;
  priority: number | null;
  fields: string;
  created_at: string;
  updated_at: string;
  channel_id: Defaulted<string | null>;
  /** JSON array of lowercase tags, mirrored into goal_tags by triggers. */
  tags: Defaulted<string>;
  timezone: Defaulted<string>;
  /** JSON array of targets as returned (ids included). */
  targets: Defaulted<string>;
}

export interface GoalTagsTable {
  goal_id: string;
  owner_id: string;
  tag: string;
  created_at: string;
}

export interface OutcomesTable {
  id: string;
  owner_id: string;
  goal_id: string;
  agent_id: string;
  conversation_id: string;
  channel_id: string | null;
  contact_id: string | null;
  /** 1, 0, or null for no verdict. */
  achieved: number | null;
  /** JSON object: the values as sent. */
  field_values: string;
  /** JSON array of field keys. */
  missing_required: string;
  source: string;
  evaluation: string | null;
  notes: string | null;
  occurred_at: string;
  created_at: string;
  updated_at: string;
}

/** Each count target's window that was reached, once: what makes target.achieved a once-per-window event. */
export interface TargetAchievementsTable {
  goal_id: string;
  target_id: string;
  /** The window's start as goals.progress shows it (with the zone's offset). */
  window_start: string;
  /** Achieved outcomes in the window when it was reached. */
  achieved: number;
  achieved_at: string;
}

/** Outcomes with a verdict per goal and UTC minute, kept by triggers on outcomes (progress's window edges). */
export interface OutcomeMinutesTable {
  goal_id: string;
  /** `YYYY-MM-DDTHH:MM` in UTC. */
  minute: string;
  conversations: number;
  achieved: number;
}

/** Outcomes with a verdict per goal and UTC hour, kept by triggers on outcomes. */
export interface OutcomeHoursTable {
  goal_id: string;
  /** `YYYY-MM-DDTHH` in UTC. */
  hour: string;
  conversations: number;
  achieved: number;
}

export interface AttachmentsTable {
  agent_id: string;
  goal_id: string;
  attached_at: string;
  replaced_goal_id: string | null;
}

export interface IdempotencyKeysTable {
  user_id: string;
  key: string;
  fingerprint: string;
  claim: string;
  response_status: number | null;
  response_body: string | null;
  created_at: string;
  locked_until: string;
  expires_at: string;
}

export interface EventsTable {
  id: Generated<number>;
  type: string;
  owner_id: string;
  goal_id: string | null;
  agent_id: string | null;
  outcome_id: string | null;
  /** A JSON object. */
  data: string;
  occurred_at: string;
}

export interface Database {
  users: UsersTable;
  api_keys: ApiKeysTable;
  agents: AgentsTable;
  goals: GoalsTable;
  attachments: AttachmentsTable;
  goal_tags: GoalTagsTable;
  outcomes: OutcomesTable;
  outcome_hours: OutcomeHoursTable;
  outcome_minutes: OutcomeMinutesTable;
  target_achievements: TargetAchievementsTable;
  idempotency_keys: IdempotencyKeysTable;
  events: EventsTable;
}

/**
 * The database as actions see it, identical on better-sqlite3 and D1.
 * There are no interactive transactions: a write is one statement, or several through `atomic`.
 */
export interface Db {
  readonly kysely: Kysely<Database>;
  /** Runs the statements as one all-or-nothing unit: a transaction on SQLite, `batch()` on D1. */
  atomic(queries: readonly CompiledQuery[]): Promise<QueryResult<unknown>[]>;
  /** A cheap round trip, for health checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
