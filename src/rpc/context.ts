import type { Principal } from '../auth/principal.js';
import type { Access } from '../db/owner-scope.js';
import type { Db } from '../db/types.js';
import type { LlmPort } from '../llm/port.js';
import type { Clock } from '../platform/clock.js';
import type { Ids } from '../platform/ids.js';
import type { Logger } from '../platform/logger.js';
import type { RateLimiter } from '../platform/rate-limit.js';
import type { BudgetName } from './define-action.js';

/**
 * The one dependency bag of the core, built once by `createApp` (or a test) and shared by every
 * entry point: dispatch, idempotency and, through `ActionContext`, every action.
 */
export interface Services {
  db: Db;
  llm: LlmPort | null;
  clock: Clock;
  ids: Ids;
  logger: Logger;
  /** The limiters of `ActionSpec.budget`; a budget without one is unlimited. */
  budgets: Partial<Record<BudgetName, RateLimiter>>;
}

/** Everything an action may use: the services plus who is calling. Actions never see HTTP. */
export interface ActionContext extends Services {
  principal: Principal;
  /** Whose records this call may touch (`all` in admin mode); pass it to every store function. */
  access: Access;
  requestId: string;
}
