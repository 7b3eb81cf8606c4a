import type { Principal } from '../auth/principal.js';
import { hasScope } from '../auth/scopes.js';
import type { Db } from '../db/types.js';
import type { LlmPort } from '../llm/port.js';
import type { Clock } from '../platform/clock.js';
import type { Ids } from '../platform/ids.js';
import type { Logger } from '../platform/logger.js';
import type { RateLimiter } from '../platform/rate-limit.js';
import { uuidSchema } from './common-schemas.js';
import type { ActionContext } from './context.js';
import type { ActionSpec, BudgetName } from './define-action.js';
import { envelopeSchema, type Envelope } from './envelope.js';
import { ApiError, rateLimited, validationError, type ErrorDetail } from './errors.js';
import { runIdempotent, type Outcome } from './idempotency.js';
import { actionNames, findResource, resourceNames } from './registry.js';
import { parseOrThrow, unstorableTextDetails } from './validation.js';

export interface DispatchDeps {
  db: Db;
  llm: LlmPort | null;
  clock: Clock;
  ids: Ids;
  logger: Logger;
  /** The limiters of `ActionSpec.budget`; a budget without one is unlimited. */
  budgets?: Partial<Record<BudgetName, RateLimiter>>;
}

export interface Call {
  principal: Principal;
  requestId: string;
  /** The Idempotency-Key header, already checked; honoured by actions marked `idempotent`. */
  idempotencyKey?: string | undefined;
}

export type Success = Outcome;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Envelope checks, in the contract's order: shape, resource, action, then the id rule. */
export function resolve(raw: unknown): { envelope: Envelope; spec: ActionSpec } {
  if (!isPlainObject(raw)) {
    throw validationError([{ path: '', message: 'Expected an envelope object (or an array of them for a batch).' }]);
  }
  const envelope = parseOrThrow(envelopeSchema, raw);

  const byAction = findResource(envelope.resource);
  if (!byAction) {
    throw validationError([
      { path: 'resource', message: `Unknown resource "${envelope.resource}". Valid: ${resourceNames().join(', ')}.` },
    ]);
  }
  const spec = byAction.get(envelope.action);
  if (!spec) {
    throw validationError([
      {
        path: 'action',
        message: `Unknown action "${envelope.action}" for ${envelope.resource}. Valid: ${actionNames(envelope.resource).join(', ')}.`,
      },
    ]);
  }
  if (spec.id === 'required') {
    if (envelope.id === undefined) throw validationError([{ path: 'id', message: 'Required.' }]);
    if (!uuidSchema.safeParse(envelope.id).success) throw validationError([{ path: 'id', message: 'Must be a valid UUID.' }]);
  } else if (envelope.id !== undefined) {
    throw validationError([{ path: 'id', message: `Not allowed for ${envelope.resource}.${envelope.action}.` }]);
  }
  return { envelope, spec };
}

export function authorize(spec: ActionSpec, envelope: Envelope, principal: Principal): void {
  if (!hasScope(principal.scopes, spec.scope)) {
    throw new ApiError('FORBIDDEN', `This credential lacks the ${spec.scope} scope.`);
  }
  if (envelope.admin === true && principal.role !== 'admin') {
    throw new ApiError('FORBIDDEN', 'Admin mode needs the admin role.');
  }
}

/** Folds alternate spellings (`agentId` for `agent_id`) into the canonical key. */
function applyAliases(data: Record<string, unknown>, aliases: Readonly<Record<string, string>>): Record<string, unknown> {
  const details: ErrorDetail[] = [];
  const out = { ...data };
  for (const [alias, canonical] of Object.entries(aliases)) {
    if (!Object.hasOwn(out, alias)) continue;
    if (Object.hasOwn(out, canonical) && out[canonical] !== out[alias]) {
      details.push({ path: `data.${alias}`, message: `Conflicts with data.${canonical}; give one of them.` });
    }
    out[canonical] = out[alias];
    delete out[alias];
  }
  if (details.length > 0) throw validationError(details);
  return out;
}

export function parseInput(spec: ActionSpec, data: unknown): unknown {
  const raw = data === undefined ? {} : data;
  const input = spec.aliases && isPlainObject(raw) ? applyAliases(raw, spec.aliases) : raw;
  const unstorable = unstorableTextDetails(input, ['data']);
  if (unstorable.length > 0) throw validationError(unstorable);
  return parseOrThrow(spec.input, input, ['data']);
}

export function contextFor(envelope: Envelope, call: Call, deps: DispatchDeps): ActionContext {
  const adminMode = envelope.admin === true;
  return {
    principal: call.principal,
    adminMode,
    access: { userId: call.principal.userId, all: adminMode },
    db: deps.db,
    llm: deps.llm,
    clock: deps.clock,
    ids: deps.ids,
    logger: deps.logger,
    requestId: call.requestId,
  };
}

/** One envelope → one result, or an ApiError. The HTTP layer turns either into a body. */
export async function dispatch(raw: unknown, call: Call, deps: DispatchDeps): Promise<Success> {
  const { envelope, spec } = resolve(raw);
  authorize(spec, envelope, call.principal);
  const data = parseInput(spec, envelope.data);
  // The budget is spent only by a real run: an idempotent replay costs nothing.
  const run = async (): Promise<Success> => {
    const spent = spec.budget && deps.budgets?.[spec.budget]?.take(call.principal.userId);
    if (spent && !spent.allowed) throw rateLimited(spent.resetSeconds);
    return { status: spec.successStatus ?? 200, data: await spec.run({ id: envelope.id, data }, contextFor(envelope, call, deps)) };
  };
  if (call.idempotencyKey === undefined || spec.idempotent !== true) return run();
  const { resource, action, id, admin = false } = envelope;
  const scope = { userId: call.principal.userId, key: call.idempotencyKey, requestId: call.requestId };
  return runIdempotent(deps, scope, { resource, action, id, data, admin }, run);
}
