-- Release 1's schema (wrangler's D1 format: no BEGIN/COMMIT, no PRAGMAs).
-- Every statement is IF NOT EXISTS: adopting a release-1 database runs this file too, which creates
-- only what an older file lacks and changes no row.

CREATE TABLE IF NOT EXISTS users (
  id TEXT PRIMARY KEY,
  email TEXT UNIQUE,
  name TEXT,
  is_admin INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
  created_at TEXT NOT NULL
) STRICT;

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
