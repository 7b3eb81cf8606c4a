import type { Principal } from '../auth/principal.js';
import type { Access } from '../db/owner-scope.js';
import type { Db } from '../db/types.js';
import type { LlmPort } from '../llm/port.js';
import type { Clock } from '../platform/clock.js';
import type { Ids } from '../platform/ids.js';
import type { Logger } from '../platform/logger.js';

/** Everything an action may use. Actions never see HTTP. */
export interface ActionContext {
  principal: Principal;
  /** Whose records this call may touch (`all` in admin mode); pass it to every store function. */
  access: Access;
  db: Db;
  llm: LlmPort | null;
  clock: Clock;
  ids: Ids;
  logger: Logger;
  requestId: string;
}
