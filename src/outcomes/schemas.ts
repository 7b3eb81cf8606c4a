import * as z from 'zod';
import { channelIdSchema } from '../goals/schemas.js';
import { instantSchema, ownerSchema, recordId, timestampSchema, windowInstantSchema } from '../rpc/common-schemas.js';
import { pagedInput, pageResultSchema } from '../rpc/pagination.js';

export const OUTCOME_SOURCES = ['api', 'evaluation'] as const;
export type OutcomeSource = (typeof OUTCOME_SOURCES)[number];

/** How far ahead of the server's clock an `occurred_at` may be (clock skew between systems). */
export const MAX_FUTURE_MS = 5 * 60_000;

export const conversationIdSchema = z
  .string()
  .min(1)
  .max(200)
  .describe("Your id of the conversation, 1–200 characters; one outcome per goal and conversation.");

export const contactIdSchema = z.string().min(1).max(200).describe('Your id of the person talked to, 1–200 characters.');

export const valuesSchema = z
  .record(z.string(), z.unknown())
  .describe("Collected lead-info values keyed by the goal's field keys, each checked against its field's type; null = not collected.");

export const outcomeSchema = z
  .object({
    id: z.uuid(),
    goal_id: z.uuid(),
    agent_id: z.uuid(),
    conversation_id: z.string(),
    channel_id: z.string().nullable(),
    contact_id: z.string().nullable(),
    achieved: z.boolean().nullable().describe('true, false, or null when there is no verdict (then it does not count in progress).'),
    values: z.record(z.string(), z.unknown()).describe('The values as sent.'),
    missing_required: z.array(z.string()).describe('The required fields with no value when the outcome was recorded.'),
    source: z.enum(OUTCOME_SOURCES).describe('api (recorded by a caller) or evaluation (by outcomes.evaluate).'),
    evaluation: z.record(z.string(), z.unknown()).nullable().describe('The evaluation that produced the outcome, or null.'),
    notes: z.string().nullable(),
    occurred_at: timestampSchema.describe('When the conversation happened, UTC with milliseconds.'),
    created_at: timestampSchema,
    updated_at: timestampSchema,
    owner: ownerSchema.optional(),
  })
  .describe('The result of one conversation for one goal: achieved or not, and the lead-info values collected.');

export type Outcome = z.infer<typeof outcomeSchema>;

export const recordOutcomeInput = z.strictObject({
  goal_id: recordId.describe('The goal the conversation pursued; not archived.'),
  conversation_id: conversationIdSchema,
  achieved: z.boolean().nullable().describe('Required: true, false, or null for no verdict.'),
  values: valuesSchema.default({}),
  agent_id: recordId.optional().describe("The agent that had the conversation: default the goal's agent; must be an agent of the goal's owner."),
  channel_id: channelIdSchema.nullable().default(null),
  contact_id: contactIdSchema.nullable().default(null),
  occurred_at: windowInstantSchema.optional().describe('When it happened (default now; from the year 1000); at most 5 minutes in the future.'),
  notes: z.string().max(2000).nullable().default(null).describe('Up to 2,000 characters.'),
});

export const listOutcomesInput = pagedInput({
    goalId: recordId.optional().describe("Only this goal's outcomes."),
    agentId: recordId.optional().describe("Only this agent's outcomes."),
    contactId: contactIdSchema.optional().describe('Only outcomes with this contact.'),
    channelId: channelIdSchema.optional().describe('Only outcomes on this channel.'),
    conversationId: conversationIdSchema.optional().describe('Only outcomes of this conversation.'),
    achieved: z.boolean().nullable().optional().describe('true, false, or null for outcomes with no verdict.'),
    from: instantSchema.optional().describe('occurred_at at or after this instant.'),
    to: instantSchema.optional().describe('occurred_at before this instant.'),
});

export const outcomePageSchema = pageResultSchema(outcomeSchema);

/** Snake and camel spellings of record's keys. */
export const RECORD_ALIASES = {
  goalId: 'goal_id',
  conversationId: 'conversation_id',
  agentId: 'agent_id',
  channelId: 'channel_id',
  contactId: 'contact_id',
  occurredAt: 'occurred_at',
} as const;
