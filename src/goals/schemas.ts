import * as z from 'zod';
import {
  type JsonSchema,
  nameSchema,
  ownerSchema,
  patchSchema,
  publishAs,
  recordId,
  timestampSchema,
  trimmedTextSchema,
} from '../rpc/common-schemas.js';
import { pageInput, pageResultSchema } from '../rpc/pagination.js';

export const GOAL_STATUSES = ['draft', 'active', 'paused', 'archived'] as const;
export const FIELD_TYPES = [
  'text',
  'email',
  'phone',
  'number',
  'integer',
  'boolean',
  'date',
  'datetime',
  'url',
  'enum',
] as const;
export const MAX_FIELDS = 50;

const fieldKey = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/)
  .describe('Machine name of the field: a lowercase letter, then up to 63 of a-z, 0-9, _. Unique in the goal.');
const fieldLabel = nameSchema(100).describe('What the agent calls the field, 1–100 characters (trimmed).');
const fieldType = z.enum(FIELD_TYPES).describe('How the value is validated and stored.');
const fieldDescription = z.string().max(500).nullable().describe('A hint for the agent, up to 500 characters.');
const fieldOptions = publishAs(z.array(trimmedTextSchema(100)).min(1).max(50), (s) => {
  s.uniqueItems = true;
})
  .nullable()
  .describe(
    'The allowed values (1–50 unique strings of 1–100 characters, compared after trimming): required for `enum`, null otherwise.',
  );

type FieldShape = { type: string; options: readonly string[] | null };

/** `options` belong to enums only, and must not repeat. */
function checkOptions(field: FieldShape, ctx: z.RefinementCtx): void {
  if (field.type === 'enum' && field.options === null) {
    ctx.addIssue({ code: 'custom', path: ['options'], message: 'Required for an enum field.' });
  }
  if (field.type !== 'enum' && field.options !== null) {
    ctx.addIssue({ code: 'custom', path: ['options'], message: 'Only enum fields take options; use null.' });
  }
  field.options?.forEach((option, i) => {
    if (field.options?.indexOf(option) !== i) {
      ctx.addIssue({ code: 'custom', path: ['options', i], message: `Duplicate option "${option}".` });
    }
  });
}

const leadFieldShape = {
  key: fieldKey,
  label: fieldLabel,
  type: fieldType,
  required: z.boolean().describe('Whether the agent must collect it.'),
  description: fieldDescription,
  options: fieldOptions,
};

/**
 * `checkOptions` as JSON Schema: one variant for `enum` (options required) and one for every other
 * type (options null). `anyOf`, not `oneOf`: the variants exclude each other by `type`, and more
 * consumers (LLM tool schemas among them) accept `anyOf`.
 */
function publishOptionsRule(generated: JsonSchema): void {
  const { properties, required, type: _object, additionalProperties: _closed, ...rest } = generated;
  if (typeof properties !== 'object' || properties === null) return;
  const props = properties as Record<string, JsonSchema>;
  const { anyOf, ...optionsMeta } = props.options ?? {};
  const list = Array.isArray(anyOf) ? (anyOf as JsonSchema[]).find((b) => b.type === 'array') : undefined;
  if (!list) throw new Error('lead field: options is not a nullable array');
  const { default: _default, ...optionsDoc } = optionsMeta;
  const requiredKeys = Array.isArray(required) ? (required as string[]) : [];
  const { enum: _types, ...typeDoc } = props.type ?? {};
  const variant = (type: JsonSchema, options: JsonSchema, extraRequired: string[]): JsonSchema => ({
    type: 'object',
    properties: { ...props, type: { ...typeDoc, ...type }, options },
    required: [...new Set([...requiredKeys, ...extraRequired])],
    additionalProperties: false,
  });
  for (const key of Object.keys(generated)) delete generated[key];
  Object.assign(generated, rest, {
    type: 'object',
    anyOf: [
      variant({ const: 'enum' }, { ...optionsDoc, ...list }, ['type', 'options']),
      variant({ enum: FIELD_TYPES.filter((t) => t !== 'enum') }, { ...optionsMeta, type: 'null' }, []),
    ],
  });
}

/** A lead-info field as stored and returned: every key present. */
export const leadFieldSchema = publishAs(
  z.strictObject(leadFieldShape).superRefine(checkOptions).describe('A lead-info field the agent should collect.'),
  publishOptionsRule,
);

/** A lead-info field as clients send it: `required`, `description` and `options` may be left out. */
export const leadFieldInputSchema = publishAs(
  z
    .strictObject({
      ...leadFieldShape,
      required: leadFieldShape.required.default(false),
      description: leadFieldShape.description.default(null),
      options: leadFieldShape.options.default(null),
    })
    .superRefine(checkOptions)
    .describe('A lead-info field the agent should collect.'),
  publishOptionsRule,
);

export type LeadField = z.infer<typeof leadFieldSchema>;

const uniqueKeys = (fields: readonly { key: string }[], ctx: z.RefinementCtx): void => {
  const seen = new Set<string>();
  fields.forEach((field, i) => {
    if (seen.has(field.key)) ctx.addIssue({ code: 'custom', path: [i, 'key'], message: `Duplicate key "${field.key}".` });
    seen.add(field.key);
  });
};

export const fieldsSchema = z
  .array(leadFieldInputSchema)
  .max(MAX_FIELDS)
  .superRefine(uniqueKeys)
  .describe(
    `The lead-info fields, at most ${MAX_FIELDS}. Each field's \`key\` must be unique in the list: JSON Schema cannot say this, the server checks it.`,
  );

export const goalName = nameSchema(200).describe('What the agent should achieve, 1–200 characters (trimmed).');
export const goalDescription = z
  .string()
  .max(5000)
  .nullable()
  .describe('How to tell the goal is met, up to 5,000 characters, or null.');
export const goalStatus = z.enum(GOAL_STATUSES).describe('draft | active | paused | archived. Archived goals cannot be attached.');
export const goalPriority = z.int().min(0).max(100).nullable().describe('0–100 (higher is more important), or null.');
const agentRef = recordId.describe('The agent that owns the goal; the goal belongs to that agent\'s owner.');

export const goalSchema = z
  .object({
    id: z.uuid(),
    agent_id: z.uuid(),
    name: z.string(),
    description: z.string().nullable(),
    status: goalStatus,
    priority: z.int().nullable(),
    fields: z.array(leadFieldSchema),
    created_at: timestampSchema,
    updated_at: timestampSchema,
    owner: ownerSchema.optional(),
  })
  .describe('A goal: what an agent should achieve on a conversation and which lead-info fields it collects.');

export type Goal = z.infer<typeof goalSchema>;
export type GoalStatus = (typeof GOAL_STATUSES)[number];

export const createGoalInput = z.strictObject({
  agent_id: agentRef,
  name: goalName,
  description: goalDescription.default(null),
  status: goalStatus.default('active'),
  priority: goalPriority.default(null),
  fields: fieldsSchema.default([]),
});

export const updateGoalInput = patchSchema({
  name: goalName,
  description: goalDescription,
  status: goalStatus,
  priority: goalPriority,
  agent_id: agentRef,
  fields: fieldsSchema.describe('Replaces the whole list.'),
});

export const listGoalsInput = pageInput({
  agentId: recordId.optional().describe("Only this agent's goals."),
  status: goalStatus.optional().describe('Only goals with this status.'),
});

export const goalPageSchema = pageResultSchema(goalSchema);

export const attachInput = z.strictObject({
  goalId: recordId.describe('The goal to attach; not archived.'),
  agentId: recordId.describe('The agent; its previously attached goal, if any, is replaced.'),
});

export const attachmentSchema = z.object({
  agent_id: z.uuid(),
  goal_id: z.uuid(),
  attached_at: timestampSchema,
  replaced_goal_id: z.uuid().nullable().describe('The goal this attach replaced, or null.'),
});

export const detachInput = z.strictObject({
  agentId: recordId.describe('The agent to detach from.'),
  goalId: recordId.optional().describe('Detach only if this goal is the attached one.'),
});

export const detachResultSchema = z.object({
  agent_id: z.uuid(),
  goal_id: z.uuid(),
  detached: z.literal(true),
});

export const generateGoalInput = z.strictObject({
  description: nameSchema(2000).describe(
    'What the goal is about, in plain words, 1–2,000 characters (trimmed). It is read as a description only: instructions inside it are not followed.',
  ),
  agentId: recordId
    .optional()
    .describe("One of the caller's agents: the suggestion then carries it as `agent_id`. Checked before the model is called."),
});

/**
 * What the model is asked to write: create's input without `agent_id` and `status`, which the server
 * sets. Every key is required in the JSON Schema sent to the model (strict structured output).
 */
export const goalDraftSchema = createGoalInput.pick({ name: true, description: true, priority: true, fields: true });

export const goalSuggestionSchema = z
  .object({
    agent_id: z.uuid().optional().describe('The `agentId` of the request; absent when none was given.'),
    name: z.string(),
    description: z.string().nullable(),
    status: z.literal('draft').describe('Always draft: the caller decides when the goal goes live.'),
    priority: z.int().nullable(),
    fields: z.array(leadFieldSchema).describe('Every field with all its keys.'),
  })
  .describe("A goal ready for `create` as it is (add `agent_id` when the request named no agent). Nothing is saved.");

export type GoalSuggestion = z.infer<typeof goalSuggestionSchema>;

export const generateResultSchema = z.object({
  suggestion: goalSuggestionSchema,
  model: z.string().describe('The model that wrote the suggestion.'),
});
