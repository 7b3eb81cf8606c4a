-- Goalpost schema: the whole current schema, for reading. The history that builds it is migrations/
-- (applied by the Node server at start-up and by `wrangler d1 migrations apply` on D1); a test
-- proves that this file and the migrations make the same tables, indexes and triggers.
-- Times are ISO 8601 UTC strings with milliseconds; booleans are 0/1; lists are JSON text.
-- No PRAGMAs here: D1 refuses them. The Node side sets them when it opens the file.

CREATE TABLE IF NOT EXISTS users (
  id TEXT PRIMARY KEY,
  email TEXT UNIQUE,
  name TEXT,
  is_admin INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
  created_at TEXT NOT NULL
) STRICT;

-- scopes is a JSON array of scope names, or ["*"] for an all-scopes key (made without --scopes),
-- which also holds every scope a later version adds; a restricted key never gains one.
CREATE TABLE IF NOT EXISTS api_keys (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  last_four TEXT NOT NULL,
  scopes TEXT NOT NULL CHECK (json_valid(scopes)),
  created_at TEXT NOT NULL,
  expires_at TEXT,
  revoked_at TEXT,
  last_used_at TEXT
) STRICT;

CREATE INDEX IF NOT EXISTS api_keys_user ON api_keys (user_id, created_at);

CREATE TABLE IF NOT EXISTS agents (
  id TEXT PRIMARY KEY,
  owner_id TEXT NOT NULL REFERENCES users (id),
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  description TEXT CHECK (description IS NULL OR length(description) <= 2000),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (id, owner_id)
) STRICT;

CREATE INDEX IF NOT EXISTS agents_owner_created ON agents (owner_id, created_at, id);
CREATE INDEX IF NOT EXISTS agents_created ON agents (created_at, id);

-- A goal belongs to its agent's owner; owner_id is kept on the row so every owner-scoped query
-- filters one indexed column, and the composite key makes the schema itself hold the two together.
-- Deleting an agent that still owns goals is refused (no cascade).
CREATE TABLE IF NOT EXISTS goals (
  id TEXT PRIMARY KEY,
  owner_id TEXT NOT NULL REFERENCES users (id),
  agent_id TEXT NOT NULL,
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  description TEXT CHECK (description IS NULL OR length(description) <= 5000),
  status TEXT NOT NULL CHECK (status IN ('draft', 'active', 'paused', 'archived')),
  priority INTEGER CHECK (priority IS NULL OR priority BETWEEN 0 AND 100),
  fields TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(fields) AND json_type(fields) = 'array'),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  channel_id TEXT CHECK (channel_id IS NULL OR length(channel_id) BETWEEN 1 AND 100),
  tags TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags) AND json_type(tags) = 'array'),
  timezone TEXT NOT NULL DEFAULT 'UTC',
  targets TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(targets) AND json_type(targets) = 'array'),
  FOREIGN KEY (agent_id, owner_id) REFERENCES agents (id, owner_id)
) STRICT;

CREATE INDEX IF NOT EXISTS goals_owner_created ON goals (owner_id, created_at, id);
CREATE INDEX IF NOT EXISTS goals_owner_status_created ON goals (owner_id, status, created_at, id);
CREATE INDEX IF NOT EXISTS goals_agent_created ON goals (agent_id, created_at, id);
CREATE INDEX IF NOT EXISTS goals_agent_status_created ON goals (agent_id, status, created_at, id);
CREATE INDEX IF NOT EXISTS goals_created ON goals (created_at, id);
CREATE INDEX IF NOT EXISTS goals_status_created ON goals (status, created_at, id);

-- An agent has at most one attached goal (agent_id is the key); a goal may serve many agents.
-- replaced_goal_id records what the latest attach replaced, so one upsert can report it.
CREATE TABLE IF NOT EXISTS attachments (
  agent_id TEXT PRIMARY KEY REFERENCES agents (id) ON DELETE CASCADE,
  goal_id TEXT NOT NULL REFERENCES goals (id) ON DELETE CASCADE,
  attached_at TEXT NOT NULL,
  replaced_goal_id TEXT
) STRICT;

CREATE INDEX IF NOT EXISTS attachments_goal ON attachments (goal_id);

-- Idempotency keys (Stripe semantics), one row per caller and key, kept 24 hours. A row whose
-- response_status is NULL is an attempt in flight; after locked_until a crashed attempt no longer
-- blocks its key. Only successes are stored: a failed attempt deletes its row.
CREATE TABLE IF NOT EXISTS idempotency_keys (
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  key TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
  fingerprint TEXT NOT NULL,
  claim TEXT NOT NULL,
  response_status INTEGER,
  response_body TEXT CHECK (response_body IS NULL OR json_valid(response_body)),
  created_at TEXT NOT NULL,
  locked_until TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  PRIMARY KEY (user_id, key)
) STRICT;

CREATE INDEX IF NOT EXISTS idempotency_keys_expires ON idempotency_keys (expires_at);

-- The attach statement only pairs a goal and an agent of one owner; these make that a guarantee.
CREATE TRIGGER IF NOT EXISTS attachments_same_owner_insert BEFORE INSERT ON attachments
WHEN (SELECT owner_id FROM goals WHERE id = NEW.goal_id) IS NOT (SELECT owner_id FROM agents WHERE id = NEW.agent_id)
BEGIN
  SELECT RAISE(ABORT, 'attachments: goal and agent belong to different owners');
END;

CREATE TRIGGER IF NOT EXISTS attachments_same_owner_update BEFORE UPDATE OF goal_id, agent_id ON attachments
WHEN (SELECT owner_id FROM goals WHERE id = NEW.goal_id) IS NOT (SELECT owner_id FROM agents WHERE id = NEW.agent_id)
BEGIN
  SELECT RAISE(ABORT, 'attachments: goal and agent belong to different owners');
END;

-- Targets and tags are JSON on the goal row (goal writes stay one statement); goal_tags mirrors the
-- tags, by triggers, for the indexed `tag` filter.
CREATE INDEX IF NOT EXISTS goals_owner_channel_created ON goals (owner_id, channel_id, created_at, id);
CREATE INDEX IF NOT EXISTS goals_channel_created ON goals (channel_id, created_at, id);
-- The parent key of outcomes' (goal_id, owner_id): an outcome and its goal share an owner.
CREATE UNIQUE INDEX IF NOT EXISTS goals_id_owner ON goals (id, owner_id);

CREATE TABLE IF NOT EXISTS goal_tags (
  goal_id TEXT NOT NULL REFERENCES goals (id) ON DELETE CASCADE,
  owner_id TEXT NOT NULL,
  tag TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (goal_id, tag)
) STRICT;

CREATE INDEX IF NOT EXISTS goal_tags_owner_tag_created ON goal_tags (owner_id, tag, created_at, goal_id);
CREATE INDEX IF NOT EXISTS goal_tags_tag_created ON goal_tags (tag, created_at, goal_id);

CREATE TRIGGER IF NOT EXISTS goal_tags_insert AFTER INSERT ON goals
BEGIN
  INSERT INTO goal_tags (goal_id, owner_id, tag, created_at)
  SELECT NEW.id, NEW.owner_id, tag.value, NEW.created_at FROM json_each(NEW.tags) AS tag;
END;

CREATE TRIGGER IF NOT EXISTS goal_tags_update AFTER UPDATE OF tags ON goals
BEGIN
  DELETE FROM goal_tags WHERE goal_id = NEW.id;
  INSERT INTO goal_tags (goal_id, owner_id, tag, created_at)
  SELECT NEW.id, NEW.owner_id, tag.value, NEW.created_at FROM json_each(NEW.tags) AS tag;
END;

-- One outcome per (goal, conversation). Its goal's deletion takes it along; its agent cannot be
-- deleted while it names it (no cascade). Both keys carry owner_id, so all three share an owner.
CREATE TABLE IF NOT EXISTS outcomes (
  id TEXT PRIMARY KEY,
  owner_id TEXT NOT NULL REFERENCES users (id),
  goal_id TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  conversation_id TEXT NOT NULL CHECK (length(conversation_id) BETWEEN 1 AND 200),
  channel_id TEXT CHECK (channel_id IS NULL OR length(channel_id) BETWEEN 1 AND 100),
  contact_id TEXT CHECK (contact_id IS NULL OR length(contact_id) BETWEEN 1 AND 200),
  achieved INTEGER CHECK (achieved IS NULL OR achieved IN (0, 1)),
  field_values TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(field_values) AND json_type(field_values) = 'object'),
  missing_required TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(missing_required) AND json_type(missing_required) = 'array'),
  source TEXT NOT NULL CHECK (source IN ('api', 'evaluation')),
  evaluation TEXT CHECK (evaluation IS NULL OR json_valid(evaluation)),
  notes TEXT CHECK (notes IS NULL OR length(notes) <= 2000),
  occurred_at TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (goal_id, conversation_id),
  FOREIGN KEY (goal_id, owner_id) REFERENCES goals (id, owner_id) ON DELETE CASCADE,
  FOREIGN KEY (agent_id, owner_id) REFERENCES agents (id, owner_id)
) STRICT;

-- Newest occurred_at first, each list filter on its own index; (goal_id, occurred_at, id, achieved)
-- also answers progress's window edges without reading rows.
CREATE INDEX IF NOT EXISTS outcomes_owner_occurred ON outcomes (owner_id, occurred_at, id);
CREATE INDEX IF NOT EXISTS outcomes_occurred ON outcomes (occurred_at, id);
CREATE INDEX IF NOT EXISTS outcomes_goal_occurred ON outcomes (goal_id, occurred_at, id, achieved);
CREATE INDEX IF NOT EXISTS outcomes_agent_occurred ON outcomes (agent_id, occurred_at, id);
CREATE INDEX IF NOT EXISTS outcomes_contact_occurred ON outcomes (contact_id, occurred_at, id);
CREATE INDEX IF NOT EXISTS outcomes_channel_occurred ON outcomes (channel_id, occurred_at, id);
CREATE INDEX IF NOT EXISTS outcomes_conversation_occurred ON outcomes (conversation_id, occurred_at, id);

-- Outcomes with a verdict per goal and UTC hour ('YYYY-MM-DDTHH'): progress sums these instead of
-- reading outcomes. Triggers keep them in the outcome's own statement, so no write can forget them.
CREATE TABLE IF NOT EXISTS outcome_hours (
  goal_id TEXT NOT NULL REFERENCES goals (id) ON DELETE CASCADE,
  hour TEXT NOT NULL,
  conversations INTEGER NOT NULL CHECK (conversations >= 0),
  achieved INTEGER NOT NULL CHECK (achieved >= 0 AND achieved <= conversations),
  PRIMARY KEY (goal_id, hour)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER IF NOT EXISTS outcome_hours_insert AFTER INSERT ON outcomes
WHEN NEW.achieved IS NOT NULL
BEGIN
  INSERT INTO outcome_hours (goal_id, hour, conversations, achieved)
  VALUES (NEW.goal_id, substr(NEW.occurred_at, 1, 13), 1, NEW.achieved)
  ON CONFLICT (goal_id, hour) DO UPDATE SET
    conversations = conversations + 1,
    achieved = achieved + excluded.achieved;
END;

-- A replaced outcome moves its count from the old hour and verdict to the new ones.
CREATE TRIGGER IF NOT EXISTS outcome_hours_update AFTER UPDATE OF achieved, occurred_at ON outcomes
BEGIN
  UPDATE outcome_hours SET conversations = conversations - 1, achieved = achieved - OLD.achieved
  WHERE OLD.achieved IS NOT NULL AND goal_id = OLD.goal_id AND hour = substr(OLD.occurred_at, 1, 13);
  INSERT INTO outcome_hours (goal_id, hour, conversations, achieved)
  SELECT NEW.goal_id, substr(NEW.occurred_at, 1, 13), 1, NEW.achieved WHERE NEW.achieved IS NOT NULL
  ON CONFLICT (goal_id, hour) DO UPDATE SET
    conversations = conversations + 1,
    achieved = achieved + excluded.achieved;
END;

-- When the goal itself is being deleted its counters may already be gone: UPDATE, never insert.
CREATE TRIGGER IF NOT EXISTS outcome_hours_delete AFTER DELETE ON outcomes
WHEN OLD.achieved IS NOT NULL
BEGIN
  UPDATE outcome_hours SET conversations = conversations - 1, achieved = achieved - OLD.achieved
  WHERE goal_id = OLD.goal_id AND hour = substr(OLD.occurred_at, 1, 13);
END;

-- Release 2, section 7: every change as an event, in the change's own batch. Writes are serialised, so
-- ids grow in commit order; AUTOINCREMENT never reuses one after a sweep (Last-Event-ID stays valid).
-- No foreign keys: the events of a deleted goal or agent are kept until they expire.
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  type TEXT NOT NULL,
  owner_id TEXT NOT NULL,
  goal_id TEXT,
  agent_id TEXT,
  outcome_id TEXT,
  data TEXT NOT NULL CHECK (json_valid(data) AND json_type(data) = 'object'),
  occurred_at TEXT NOT NULL
) STRICT;

-- The feed reads owner first, oldest first after an id (migration 0007). One index, since each one is
-- a page more per write: the goal, agent and type filters are answered from its entries, which carry
-- those columns, and only the rows returned are read. Admin mode without ownerId walks the table by id.
CREATE INDEX IF NOT EXISTS events_feed ON events (owner_id, id, type, goal_id, agent_id);

-- Outcomes with a verdict per goal and UTC minute ('YYYY-MM-DDTHH:MM'): a window edge inside an hour
-- sums at most 59 of these plus one partial minute's outcomes, instead of the hour's outcomes.
-- Kept by triggers exactly like outcome_hours, in the outcome's own statement.
CREATE TABLE IF NOT EXISTS outcome_minutes (
  goal_id TEXT NOT NULL REFERENCES goals (id) ON DELETE CASCADE,
  minute TEXT NOT NULL,
  conversations INTEGER NOT NULL CHECK (conversations >= 0),
  achieved INTEGER NOT NULL CHECK (achieved >= 0 AND achieved <= conversations),
  PRIMARY KEY (goal_id, minute)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER IF NOT EXISTS outcome_minutes_insert AFTER INSERT ON outcomes
WHEN NEW.achieved IS NOT NULL
BEGIN
  INSERT INTO outcome_minutes (goal_id, minute, conversations, achieved)
  VALUES (NEW.goal_id, substr(NEW.occurred_at, 1, 16), 1, NEW.achieved)
  ON CONFLICT (goal_id, minute) DO UPDATE SET
    conversations = conversations + 1,
    achieved = achieved + excluded.achieved;
END;

CREATE TRIGGER IF NOT EXISTS outcome_minutes_update AFTER UPDATE OF achieved, occurred_at ON outcomes
BEGIN
  UPDATE outcome_minutes SET conversations = conversations - 1, achieved = achieved - OLD.achieved
  WHERE OLD.achieved IS NOT NULL AND goal_id = OLD.goal_id AND minute = substr(OLD.occurred_at, 1, 16);
  INSERT INTO outcome_minutes (goal_id, minute, conversations, achieved)
  SELECT NEW.goal_id, substr(NEW.occurred_at, 1, 16), 1, NEW.achieved WHERE NEW.achieved IS NOT NULL
  ON CONFLICT (goal_id, minute) DO UPDATE SET
    conversations = conversations + 1,
    achieved = achieved + excluded.achieved;
END;

-- When the goal itself is being deleted its counters may already be gone: UPDATE, never insert.
CREATE TRIGGER IF NOT EXISTS outcome_minutes_delete AFTER DELETE ON outcomes
WHEN OLD.achieved IS NOT NULL
BEGIN
  UPDATE outcome_minutes SET conversations = conversations - 1, achieved = achieved - OLD.achieved
  WHERE goal_id = OLD.goal_id AND minute = substr(OLD.occurred_at, 1, 16);
END;

-- target.achieved is written once per target and window: each achievement is a row, kept as long as
-- its goal (events expire after the retention period), and its event is written only when the row is new.
CREATE TABLE IF NOT EXISTS target_achievements (
  goal_id TEXT NOT NULL REFERENCES goals (id) ON DELETE CASCADE,
  target_id TEXT NOT NULL,
  -- The window's start as goals.progress shows it (the zone's offset), as in the event's data.
  window_start TEXT NOT NULL,
  -- Achieved outcomes in the window when it was reached (the event's data.achieved).
  achieved INTEGER NOT NULL CHECK (achieved >= 1),
  achieved_at TEXT NOT NULL,
  PRIMARY KEY (goal_id, target_id, window_start)
) STRICT, WITHOUT ROWID;
