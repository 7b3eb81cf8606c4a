-- target.achieved is written once per target and window. The "once" was read from the events table,
-- which retention sweeps after 30 days: in a longer window (month, quarter, year, total) the next
-- achieved outcome after the sweep wrote target.achieved again. Each achievement is now a row of its
-- own, kept as long as its goal; its event is written only when the row is new.
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

-- The achievements whose events are still there; those already swept cannot be known again.
INSERT INTO target_achievements (goal_id, target_id, window_start, achieved, achieved_at)
SELECT events.goal_id, json_extract(events.data, '$.target_id'), json_extract(events.data, '$.window.start'),
  json_extract(events.data, '$.achieved'), min(events.occurred_at)
FROM events INNER JOIN goals ON goals.id = events.goal_id
WHERE events.type = 'target.achieved'
GROUP BY events.goal_id, json_extract(events.data, '$.target_id'), json_extract(events.data, '$.window.start');

-- It answered "written already?" from the events; the primary key above does that now.
DROP INDEX IF EXISTS events_target_window;
