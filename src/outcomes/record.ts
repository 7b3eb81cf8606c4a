import { isoNow } from '../platform/clock.js';
import type { ActionContext } from '../rpc/context.js';
import { defineAction, WithStatus } from '../rpc/define-action.js';
import { ApiError, notFound, validationError } from '../rpc/errors.js';
import { MAX_FUTURE_MS, outcomeSchema, RECORD_ALIASES, recordOutcomeInput, type Outcome } from './schemas.js';
import { findRecordTarget, recordOutcome, refusalOf, type NewOutcome, type RecordRefusal, type RecordTarget } from './store.js';
import { checkValues } from './values.js';

/** The error of each refusal, shared by the check before the write and the diagnosis after it. */
export function refusalError(refusal: RecordRefusal, goalId: string, agentId: string | undefined): ApiError {
  switch (refusal.kind) {
    case 'goal-missing':
      return notFound('Goal', goalId);
    case 'goal-archived':
      return new ApiError('CONFLICT', `Goal ${goalId} is archived and takes no new outcomes.`);
    case 'agent-missing':
      return notFound('Agent', agentId ?? '');
    case 'agent-foreign':
      return new ApiError('CONFLICT', `Agent ${agentId ?? ''} belongs to another owner than goal ${goalId}.`);
  }
}

/** The instant an outcome happened: `occurred_at`, or now; more than 5 minutes ahead is a 400 (record and evaluate). */
export function occurredAtOrNow(occurredAt: string | undefined, now: string): string {
  if (occurredAt !== undefined && Date.parse(occurredAt) > Date.parse(now) + MAX_FUTURE_MS) {
    throw validationError([{ path: 'data.occurred_at', message: 'Must not be more than 5 minutes in the future.' }]);
  }
  return occurredAt ?? now;
}

/**
 * The one write of an outcome, for record and evaluate: an upsert of (goal, conversation) with its
 * events (the goal's targets and zone give the target.achieved windows), or the refusal as an error.
 */
export async function saveOutcome(
  ctx: ActionContext,
  outcome: NewOutcome,
  now: string,
  goal: Pick<RecordTarget, 'targets' | 'timezone'>,
): Promise<{ outcome: Outcome; replaced: boolean }> {
  const result = await recordOutcome(ctx.db, ctx.access, outcome, now, goal);
  if (result.kind !== 'recorded') throw refusalError(result, outcome.goal_id, outcome.agent_id);
  return result;
}

export const outcomesRecord = defineAction({
  resource: 'outcomes',
  action: 'record',
  description:
    'Records the outcome of one conversation for a goal: 201 when new, 200 when it replaced the outcome of the same (goal_id, conversation_id), which keeps its id and created_at. Values are checked against the goal\'s lead-info fields.',
  scope: 'outcomes:write',
  id: 'forbidden',
  destructive: false,
  naturallyIdempotent: true,
  input: recordOutcomeInput,
  result: outcomeSchema,
  aliases: RECORD_ALIASES,
  successStatus: 201,
  idempotent: true,
  async run({ data }, ctx) {
    const now = isoNow(ctx.clock);
    const occurredAt = occurredAtOrNow(data.occurred_at, now);
    const target = await findRecordTarget(ctx.db, ctx.access, data.goal_id, data.agent_id);
    if (!target) throw notFound('Goal', data.goal_id);
    // Values need the goal's fields, so they are checked once the goal is known (400 before 409).
    const { details, missing } = checkValues(target.fields, data.values);
    if (details.length > 0) throw validationError(details);
    const refusal = refusalOf(target);
    if (refusal) throw refusalError(refusal, data.goal_id, data.agent_id);

    const result = await saveOutcome(
      ctx,
      {
        id: ctx.ids.uuid(),
        goal_id: data.goal_id,
        agent_id: data.agent_id,
        conversation_id: data.conversation_id,
        channel_id: data.channel_id,
        contact_id: data.contact_id,
        achieved: data.achieved,
        values: data.values,
        missing_required: missing,
        source: 'api',
        evaluation: null,
        notes: data.notes,
        occurred_at: occurredAt,
      },
      now,
      target,
    );
    return new WithStatus(result.replaced ? 200 : 201, result.outcome);
  },
});
