-- Release 2, section 5: goals grow a channel, tags, a timezone and targets; outcomes measure them.

-- Targets are read and replaced with their goal, never on their own: JSON on the goal row keeps
-- every goal write one statement. Tags are JSON too, mirrored into goal_tags (by triggers) for the
-- indexed `tag` filter.
ALTER TABLE goals ADD COLUMN channel_id TEXT CHECK (channel_id IS NULL OR length(channel_id) BETWEEN 1 AND 100);
ALTER TABLE goals ADD COLUMN tags TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags) AND json_type(tags) = 'array');
ALTER TABLE goals ADD COLUMN timezone TEXT NOT NULL DEFAULT 'UTC';
ALTER TABLE goals ADD COLUMN targets TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(targets) AND json_type(targets) = 'array');

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

INSERT INTO goal_tags (goal_id, owner_id, tag, created_at)
SELECT goals.id, goals.owner_id, tag.value, goals.created_at FROM goals, json_each(goals.tags) AS tag;

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
