-- Scopes for outcomes and events join the four of release 1. A key stored as ["*"] holds every
-- scope, including scopes added later. Release 1 gave its default keys all four scopes: those keys
-- become all-scopes keys; a restricted key keeps exactly the scopes it had.
UPDATE api_keys
SET scopes = '["*"]'
WHERE json_type(scopes) = 'array'
  AND (
    SELECT count(DISTINCT value) FROM json_each(api_keys.scopes)
    WHERE value IN ('goals:read', 'goals:write', 'agents:read', 'agents:write')
  ) = 4;
