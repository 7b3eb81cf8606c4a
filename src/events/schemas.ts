import * as z from 'zod';
import { ownerSchema, timestampSchema } from '../rpc/common-schemas.js';

/** Every change the API makes, by the name its event carries (DESIGN section 7). */
export const EVENT_TYPES = [
  'goal.created',
  'goal.updated',
  'goal.deleted',
  'goal.attached',
  'goal.detached',
  'agent.created',
  'agent.updated',
  'agent.deleted',
  'outcome.recorded',
  'outcome.deleted',
  'target.achieved',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export const eventTypeSchema = z.enum(EVENT_TYPES);

/** Ids are SQLite rowids: decimal, positive, and within what a JSON number holds exactly. */
export const eventIdSchema = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,15})$/, 'An event id: a decimal integer.')
  .refine((v) => Number.isSafeInteger(Number(v)), 'An event id: a decimal integer.')
  .describe('An event id (a decimal integer as a string).');

export const eventSchema = z
  .object({
    id: z.string().describe('Decimal integer, strictly increasing in the order the changes were committed.'),
    type: eventTypeSchema,
    goal_id: z.uuid().nullable(),
    agent_id: z.uuid().nullable(),
    outcome_id: z.uuid().nullable(),
    data: z.record(z.string(), z.unknown()).describe("The type's details, e.g. `changed` of goal.updated."),
    occurred_at: timestampSchema.describe('When the change was made.'),
    owner: ownerSchema.optional(),
  })
  .describe('One change, as the feed and the stream carry it.');

export type ApiEvent = z.infer<typeof eventSchema>;

export const listEventsInput = z.strictObject({
  after: eventIdSchema.optional().describe('Only events after this id (the `next_after` of the previous page, or a Last-Event-ID).'),
  types: z.array(eventTypeSchema).min(1).max(EVENT_TYPES.length).optional().describe('Only events of these types.'),
  goalId: z.uuid().toLowerCase().optional().describe("Only this goal's events."),
  agentId: z.uuid().toLowerCase().optional().describe("Only this agent's events."),
  limit: z.int().min(1).max(100).default(50).describe('Page size, 1–100.'),
  ownerId: z.string().min(1).max(255).optional().describe("Admin mode only: only this owner's events."),
});

export type ListEventsInput = z.output<typeof listEventsInput>;

export const eventFeedSchema = z.object({
  items: z.array(eventSchema).describe('Oldest first.'),
  has_more: z.boolean().describe('More events follow at once: ask again with `after` = `next_after`.'),
  next_after: z
    .string()
    .nullable()
    .describe('The last item\'s id, or the `after` sent when the page is empty (null when neither): pass it as `after` to keep following.'),
});
