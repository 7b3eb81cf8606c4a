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

INSERT INTO outcome_minutes (goal_id, minute, conversations, achieved)
SELECT goal_id, substr(occurred_at, 1, 16), count(*), sum(achieved) FROM outcomes
WHERE achieved IS NOT NULL GROUP BY goal_id, substr(occurred_at, 1, 16);

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
