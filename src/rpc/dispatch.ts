import type { Principal } from '../auth/principal.js';
import { hasScope } from '../auth/scopes.js';
import type { LlmPort } from '../llm/port.js';
import { isPlainObject } from '../platform/objects.js';
import type { RateLimiter } from '../platform/rate-limit.js';
import { recordId } from './common-schemas.js';
import type { ActionContext, Services } from './context.js';
import { WithStatus, type ActionSpec } from './define-action.js';
import { envelopeSchema, type Envelope } from './envelope.js';
import { ApiError, rateLimited, validationError, type ErrorDetail } from './errors.js';
import { runIdempotent, type Outcome } from './idempotency.js';
import { actionNames, findResource, resourceNames } from './registry.js';
import { parseOrThrow, unstorableTextDetails, zodDetails } from './validation.js';

export interface Call {
  principal: Principal;
  requestId: string;
  /** The Idempotency-Key header, already checked; honoured by actions marked `idempotent`. */
  idempotencyKey?: string | undefined;
  /** Told the `resource.action` once the envelope names a registered action (for the access log). */
  onResolved?: (key: string) => void;
}

export type Success = Outcome;

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
    const id = recordId.safeParse(envelope.id);
    if (!id.success) throw validationError([{ path: 'id', message: 'Must be a valid UUID.' }]);
    return { envelope: { ...envelope, id: id.data }, spec };
  }
  if (envelope.id !== undefined) {
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

/**
 * Folds alternate spellings (`agentId` for `agent_id`) into the canonical key, remembering what
 * the caller sent so that error paths name the caller's own key.
 */
function applyAliases(data: Record<string, unknown>, aliases: Readonly<Record<string, string>>) {
  const conflicts: ErrorDetail[] = [];
  const sent = new Map<string, string>();
  const input = { ...data };
  for (const [alias, canonical] of Object.entries(aliases)) {
    if (!Object.hasOwn(input, alias)) continue;
    if (Object.hasOwn(input, canonical) && input[canonical] !== input[alias]) {
      conflicts.push({ path: `data.${alias}`, message: `Conflicts with data.${canonical}; give one of them.` });
    } else {
      sent.set(canonical, alias);
    }
    input[canonical] = input[alias];
    delete input[alias];
  }
  return { input, conflicts, sent };
}

/** `data.agent_id.x` → `data.agentId.x` when the caller spelled it `agentId`. */
const respell = (path: string, sent: ReadonlyMap<string, string>): string => {
  const [root, key, ...rest] = path.split('.');
  const alias = key === undefined ? undefined : sent.get(key);
  return alias === undefined ? path : [root, alias, ...rest].join('.');
};

/** Every problem with `data` at once: alias conflicts, admin-only keys and schema issues. */
export function parseInput(spec: ActionSpec, data: unknown, adminMode: boolean): unknown {
  const raw = data === undefined ? {} : data;
  const { input, conflicts, sent } =
    spec.aliases && isPlainObject(raw) ? applyAliases(raw, spec.aliases) : { input: raw, conflicts: [], sent: new Map<string, string>() };
  const details = [...conflicts, ...unstorableTextDetails(input, ['data']).map((d) => ({ ...d, path: respell(d.path, sent) }))];
  if (!adminMode && isPlainObject(input)) {
    for (const key of spec.adminOnly ?? []) {
      if (input[key] !== undefined) details.push({ path: `data.${sent.get(key) ?? key}`, message: 'Only available in admin mode.' });
    }
  }
  const parsed = spec.input.safeParse(input, { reportInput: true });
  if (!parsed.success) {
    details.push(...zodDetails(parsed.error, ['data']).map((d) => ({ ...d, path: respell(d.path, sent) })));
  }
  if (details.length > 0 || !parsed.success) throw validationError(details);
  return parsed.data;
}

/**
 * The LLM as an action with a budget sees it: each completion spends one unit first (429 when
 * none is left), so only a request that reaches the model pays, not one refused by a 404 or 409.
 */
function metered(llm: LlmPort, budget: RateLimiter, userId: string): LlmPort {
  return {
    model: llm.model,
    baseUrl: llm.baseUrl,
    completeJson(request) {
      const spent = budget.take(userId);
      return spent.allowed ? llm.completeJson(request) : Promise.reject(rateLimited(spent.resetSeconds));
    },
  };
}

export function contextFor(envelope: Envelope, call: Call, services: Services, budget?: RateLimiter): ActionContext {
  // Property by property: on Node 20, `{ ...services, principal }` takes V8's slow path (about 3 µs,
  // a sizeable share of a small request). The compiler names any service added and left out here.
  return {
    db: services.db,
    clock: services.clock,
    ids: services.ids,
    logger: services.logger,
    budgets: services.budgets,
    principal: call.principal,
    access: { userId: call.principal.userId, all: envelope.admin === true },
    llm: budget && services.llm ? metered(services.llm, budget, call.principal.userId) : services.llm,
    requestId: call.requestId,
  };
}

/** One envelope → one result, or an ApiError. The HTTP layer turns either into a body. */
export async function dispatch(raw: unknown, call: Call, services: Services): Promise<Success> {
  const { envelope, spec } = resolve(raw);
  call.onResolved?.(`${spec.resource}.${spec.action}`);
  // An exhausted budget answers 429 before 403 and 400 (the contract's order), but a request
  // refused for its scope or input spends none of it.
  const budget = spec.budget === undefined ? undefined : services.budgets[spec.budget];
  const before = budget?.peek(call.principal.userId);
  if (before && !before.allowed) throw rateLimited(before.resetSeconds);
  authorize(spec, envelope, call.principal);
  const data = parseInput(spec, envelope.data, envelope.admin === true);
  // The budget is spent by the model call itself: an idempotent replay never makes one.
  const run = async (): Promise<Success> => {
    const out = await spec.run({ id: envelope.id, data }, contextFor(envelope, call, services, budget));
    return out instanceof WithStatus ? { status: out.status, data: out.data } : { status: spec.successStatus ?? 200, data: out };
  };
  if (call.idempotencyKey === undefined || spec.idempotent !== true) return run();
  const { resource, action, id, admin = false } = envelope;
  const scope = { userId: call.principal.userId, key: call.idempotencyKey, requestId: call.requestId };
  return runIdempotent(services, scope, { resource, action, id, data, admin }, run);
}
