-- One feed index instead of three. Each index of the events table is one more page that every change
-- writes to the WAL (and later to the file): with three, storing an event cost `outcomes.record` and
-- `goals.create` about an eighth of their throughput. The feed is read owner first, in id order, after
-- a position; its goal, agent and type filters are now answered from this index's own entries, which
-- carry those columns, so a filtered read looks at the owner's index entries after the position and
-- reads only the rows it returns. Admin mode without `ownerId` walks the table in id order.
DROP INDEX IF EXISTS events_owner;
DROP INDEX IF EXISTS events_goal;
DROP INDEX IF EXISTS events_agent;
CREATE INDEX IF NOT EXISTS events_feed ON events (owner_id, id, type, goal_id, agent_id);
