import * as z from 'zod';
import { findAgent } from '../agents/store.js';
import type { Goal } from '../goals/schemas.js';
import { findGoal } from '../goals/store.js';
import { askModel, readAnswer, type AskWords } from '../llm/ask.js';
import { isoNow } from '../platform/clock.js';
import type { ActionContext } from '../rpc/context.js';
import { defineAction } from '../rpc/define-action.js';
import { ApiError, notFound } from '../rpc/errors.js';
import { instructionsFor, MAX_OUTPUT_TOKENS, TEMPERATURE, transcriptMessage } from './evaluate-prompt.js';
import { answerFormatFor, answerSchema, evaluateInput, evaluationSchema, type EvaluateInput } from './evaluation-schemas.js';
import { occurredAtOrNow, saveOutcome } from './record.js';
import { outcomeSchema, RECORD_ALIASES, type Outcome } from './schemas.js';
import { achievedOf, collectedValues, verifyAnswer, type Evaluation } from './verify.js';

const WORDS: AskWords = {
  action: 'evaluate',
  unusable: 'The AI model returned an unusable evaluation; try again.',
  refused: 'The AI model declined to evaluate this conversation.',
};

/**
 * The goal to judge against, and the agent that had the conversation when it was named (else the
 * goal's own agent records it); refused (404, 409) before any model call.
 */
async function goalToJudge(ctx: ActionContext, data: EvaluateInput): Promise<{ goal: Goal; agentId: string | undefined }> {
  let goalId = data.goal_id;
  let agentId: string | undefined;
  if (data.agent_id !== undefined) {
    const agent = await findAgent(ctx.db, ctx.access, data.agent_id);
    if (!agent) throw notFound('Agent', data.agent_id);
    if (agent.goal_id === null) {
      throw new ApiError('CONFLICT', `Agent ${agent.id} has no attached goal: attach one, or give goal_id.`);
    }
    goalId = agent.goal_id;
    agentId = agent.id;
  }
  if (goalId === undefined) throw new Error('evaluateInput guarantees goal_id or agent_id');
  const goal = await findGoal(ctx.db, ctx.access, goalId);
  if (!goal) throw notFound('Goal', goalId);
  if (goal.status === 'archived') throw new ApiError('CONFLICT', `Goal ${goal.id} is archived and takes no new outcomes.`);
  return { goal, agentId };
}

/** The checked result as the conversation's outcome: record's own write (one upsert), with source evaluation. */
async function recordEvaluation(
  ctx: ActionContext,
  data: EvaluateInput,
  target: { goal: Goal; agentId: string | undefined; occurredAt: string },
  evaluation: Evaluation,
): Promise<Outcome> {
  // The goal can be archived or deleted while the model thinks: then record's own errors.
  const { outcome } = await saveOutcome(
    ctx,
    {
      id: ctx.ids.uuid(),
      goal_id: target.goal.id,
      agent_id: target.agentId,
      conversation_id: data.conversation_id,
      channel_id: data.channel_id,
      contact_id: data.contact_id,
      achieved: achievedOf(evaluation.verdict),
      values: collectedValues(evaluation),
      missing_required: evaluation.missing_required,
      source: 'evaluation',
      evaluation: { ...evaluation },
      notes: null,
      occurred_at: target.occurredAt,
    },
    isoNow(ctx.clock),
    target.goal,
  );
  return outcome;
}

export const evaluateResultSchema = z.object({
  evaluation: evaluationSchema,
  outcome: outcomeSchema.nullable().describe('The recorded outcome (source "evaluation"), or null with record: false.'),
  model: z.string().describe('The model that judged the conversation.'),
});

export const outcomesEvaluate = defineAction({
  resource: 'outcomes',
  action: 'evaluate',
  description:
    "Asks the configured LLM whether a conversation achieved its goal and which of the goal's lead-info values it states, each with a verbatim quote; every quote is looked up in the transcript and every value checked against its field before anything is saved. With record (default true) the checked result becomes the conversation's outcome. The request is fully checked (400, 404, 409) before the LLM is called.",
  scope: 'outcomes:write',
  id: 'forbidden',
  input: evaluateInput,
  result: evaluateResultSchema,
  aliases: RECORD_ALIASES,
  // DESIGN 8: not destructive (it replaces one conversation's outcome as record does); each repeat asks the model again.
  destructive: false,
  naturallyIdempotent: false,
  idempotent: true,
  budget: 'evaluate',
  async run({ data }, ctx) {
    // 400 before 404/409, as the contract orders them, and all before the model: none costs a call.
    const occurredAt = occurredAtOrNow(data.occurred_at, isoNow(ctx.clock));
    // Every database read happens before the LLM call: nothing is held while it runs.
    const { goal, agentId } = await goalToJudge(ctx, data);
    const request = {
      instructions: instructionsFor(goal),
      input: transcriptMessage(data.transcript),
      schemaName: 'conversation_evaluation',
      schema: answerFormatFor(goal.fields),
      maxOutputTokens: MAX_OUTPUT_TOKENS,
      temperature: TEMPERATURE,
    };
    const answer = await askModel(ctx, request, WORDS);
    const evaluation = verifyAnswer(goal.fields, data.transcript, readAnswer(ctx, answerSchema, answer, WORDS));
    const outcome = data.record ? await recordEvaluation(ctx, data, { goal, agentId, occurredAt }, evaluation) : null;
    return { evaluation, outcome, model: answer.model };
  },
});
