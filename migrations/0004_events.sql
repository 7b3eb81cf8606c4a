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

-- The feed reads oldest first after an id; each filter on its own index, owner first when scoped.
CREATE INDEX IF NOT EXISTS events_owner ON events (owner_id, id);
CREATE INDEX IF NOT EXISTS events_goal ON events (goal_id, id);
CREATE INDEX IF NOT EXISTS events_agent ON events (agent_id, id);
-- target.achieved is written once per target and window: this finds an earlier one without a scan.
CREATE INDEX IF NOT EXISTS events_target_window ON events (goal_id, json_extract(data, '$.target_id'), json_extract(data, '$.window.start'))
WHERE type = 'target.achieved';
