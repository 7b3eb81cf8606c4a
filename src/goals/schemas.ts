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
  WINDOW_DATE_PATTERN,
  windowInstantSchema,
} from '../rpc/common-schemas.js';
import { pageInput, pageResultSchema } from '../rpc/pagination.js';
import { isTimeZone } from '../progress/time-zone.js';

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

export const MAX_TAGS = 20;
export const MAX_TARGETS = 10;
export const PERIODS = ['day', 'week', 'month', 'quarter', 'year', 'total'] as const;
export const TARGET_TYPES = ['count', 'rate'] as const;

/** An opaque id of the caller's own channel (a phone number, a chat widget…). */
export const channelIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._:@+-]{1,100}$/)
  .describe('An id of your own channel (a phone number, a widget…): 1–100 characters of A-Z a-z 0-9 . _ : @ + -.');

// Published lowercase: the schema then states uniqueness exactly (uppercase is also accepted and lowercased).
export const tagSchema = publishAs(z.string().min(1).max(50).toLowerCase().regex(/^[a-z0-9_:-]+$/), (s) => {
  s.pattern = '^[a-z0-9_:-]+$';
}).describe('1–50 characters of a-z 0-9 _ : - (uppercase letters are accepted and lowercased).');

const uniqueTags = (tags: readonly string[], ctx: z.RefinementCtx): void => {
  tags.forEach((tag, i) => {
    if (tags.indexOf(tag) !== i) ctx.addIssue({ code: 'custom', path: [i], message: `Duplicate tag "${tag}".` });
  });
};

export const tagsSchema = publishAs(z.array(tagSchema).max(MAX_TAGS).superRefine(uniqueTags), (s) => {
  s.uniqueItems = true;
})
  .describe(`Up to ${MAX_TAGS} unique tags.`);

// IANA names renamed since the ICU of some runtimes took its list: accepted everywhere, listed too.
const CURRENT_NAMES = ['Asia/Kolkata', 'Asia/Kathmandu', 'Asia/Ho_Chi_Minh', 'Asia/Yangon', 'Europe/Kyiv', 'America/Nuuk', 'Atlantic/Faroe', 'Pacific/Kanton', 'Pacific/Chuuk', 'Pacific/Pohnpei'];

/** The zone names the catalog lists: the runtime's canonical ones, UTC, and current spellings. */
const listedZones = (): string[] =>
  [...new Set(['UTC', ...Intl.supportedValuesOf('timeZone'), ...CURRENT_NAMES])].filter(isTimeZone).sort();

export const timeZoneSchema = publishAs(
  z.string().min(1).max(100).refine(isTimeZone, { message: 'Must be an IANA time zone name, such as Europe/Paris or UTC.' }),
  (s) => {
    s.enum = listedZones();
  },
).describe('An IANA time zone (Europe/Paris); the calendar periods of targets are computed in it. Other names the runtime knows (aliases) are accepted too.');

const WINDOW_DATE = new RegExp(`^${WINDOW_DATE_PATTERN}$`);

/** A target's start date or deadline: a real date in the years 1000–9997 (the pattern is exact: leap years included). */
export const calendarDateSchema = publishAs(
  z.string().refine((s) => WINDOW_DATE.test(s), { message: 'Must be a real calendar date YYYY-MM-DD in the years 1000–9997.' }),
  (s) => {
    s.type = 'string';
    s.format = 'date';
    s.pattern = `^${WINDOW_DATE_PATTERN}$`;
  },
);

/** A target as clients send it: the unused keys may be left out or sent as null. */
export const targetInputSchema = z
  .strictObject({
    id: z.uuid().optional().describe('Ignored: a replaced list of targets gets new ids. Accepted so a read goal can be sent back.'),
    period: z.enum(PERIODS).describe('day | week | month | quarter | year (calendar periods in the goal\'s time zone; weeks start on Monday) | total (start_date to deadline).'),
    target_type: z.enum(TARGET_TYPES).describe('count: achieved conversations ≥ target_count; rate: achieved ÷ conversations with a verdict, in percent, ≥ target_rate.'),
    target_count: z.int().min(1).max(1_000_000_000).nullable().optional().describe('For count targets: an integer ≥ 1; null otherwise.'),
    target_rate: z.number().min(0).max(100).nullable().optional().describe('For rate targets: a percentage 0–100; null otherwise.'),
    is_primary: z.boolean().optional().describe('At most one per goal; when none is marked the first target is primary.'),
    start_date: calendarDateSchema.nullable().optional().describe('Only for total targets: the first day (default the goal\'s creation day in its time zone).'),
    deadline: calendarDateSchema.nullable().optional().describe('Required for total targets (the last day, included); null otherwise.'),
  })
  .superRefine((t, ctx) => {
    const issue = (key: string, message: string) => ctx.addIssue({ code: 'custom', path: [key], message });
    if (t.target_type === 'count') {
      if (t.target_count === undefined || t.target_count === null) issue('target_count', 'Required for a count target.');
      if (t.target_rate !== undefined && t.target_rate !== null) issue('target_rate', 'Only rate targets take target_rate; use null.');
    } else {
      if (t.target_rate === undefined || t.target_rate === null) issue('target_rate', 'Required for a rate target.');
      if (t.target_count !== undefined && t.target_count !== null) issue('target_count', 'Only count targets take target_count; use null.');
    }
    if (t.period === 'total') {
      if (t.deadline === undefined || t.deadline === null) issue('deadline', 'Required for a total target.');
      else if (typeof t.start_date === 'string' && t.deadline < t.start_date) issue('deadline', 'Must not be before start_date.');
    } else {
      if (t.deadline !== undefined && t.deadline !== null) issue('deadline', 'Only total targets take a deadline; use null.');
      if (t.start_date !== undefined && t.start_date !== null) issue('start_date', 'Only total targets take a start_date; use null.');
    }
  })
  .describe(
    'A period target: how many, or what share of, conversations should achieve the goal. A total target\'s deadline is not before its start_date (the goal\'s creation day when not given).',
  );
publishAs(targetInputSchema, publishTargetRules);

export type TargetInput = z.output<typeof targetInputSchema>;

/**
 * The target rules as JSON Schema: one variant per period kind and target type, each saying which
 * keys it needs and which must be null. deadline ≥ start_date is stated in prose.
 */
function publishTargetRules(generated: JsonSchema): void {
  const props = generated.properties as Record<string, JsonSchema> | undefined;
  if (!props) throw new Error('target: no properties');
  const asNull = (key: string): JsonSchema => ({ ...(props[key]?.description ? { description: props[key].description } : {}), type: 'null' });
  const nonNull = (key: string): JsonSchema => {
    const { anyOf, ...doc } = props[key] ?? {};
    const branch = Array.isArray(anyOf) ? (anyOf as JsonSchema[]).find((b) => b.type !== 'null') : undefined;
    return { ...doc, ...(branch ?? {}) };
  };
  const variant = (total: boolean, type: 'count' | 'rate'): JsonSchema => {
    const other = type === 'count' ? 'target_rate' : 'target_count';
    const own = type === 'count' ? 'target_count' : 'target_rate';
    return {
      type: 'object',
      properties: {
        ...props,
        period: total ? { ...props.period, enum: undefined, const: 'total' } : { ...props.period, enum: PERIODS.filter((p) => p !== 'total') },
        target_type: { ...props.target_type, enum: undefined, const: type },
        [own]: nonNull(own),
        [other]: asNull(other),
        ...(total ? { deadline: nonNull('deadline') } : { deadline: asNull('deadline'), start_date: asNull('start_date') }),
      },
      required: ['period', 'target_type', own, ...(total ? ['deadline'] : [])],
      additionalProperties: false,
    };
  };
  const { properties: _p, required: _r, additionalProperties: _a, type: _t, ...rest } = generated;
  for (const key of Object.keys(generated)) delete generated[key];
  Object.assign(generated, rest, {
    type: 'object',
    anyOf: [variant(false, 'count'), variant(false, 'rate'), variant(true, 'count'), variant(true, 'rate')],
  });
  // JSON.stringify drops the `undefined` enums; remove them here so the object is clean too.
  for (const v of generated.anyOf as JsonSchema[]) {
    for (const p of Object.values(v.properties as Record<string, JsonSchema>)) if (p.enum === undefined) delete p.enum;
  }
}

const onePrimary = (targets: readonly TargetInput[], ctx: z.RefinementCtx): void => {
  let seen = false;
  targets.forEach((t, i) => {
    if (t.is_primary !== true) return;
    if (seen) ctx.addIssue({ code: 'custom', path: [i, 'is_primary'], message: 'At most one target may be primary.' });
    seen = true;
  });
};

export const targetsInputSchema = z
  .array(targetInputSchema)
  .max(MAX_TARGETS)
  .superRefine(onePrimary)
  .describe(
    `Up to ${MAX_TARGETS} targets, kept in the order sent; [] clears them. On update the list is replaced (new ids). At most one has \`is_primary\` true.`,
  );

export const targetSchema = z
  .object({
    id: z.uuid(),
    period: z.enum(PERIODS),
    target_type: z.enum(TARGET_TYPES),
    target_count: z.int().nullable(),
    target_rate: z.number().nullable(),
    is_primary: z.boolean(),
    start_date: z.string().nullable().describe('For total targets the actual first day; null otherwise.'),
    deadline: z.string().nullable(),
  })
  .describe('A period target of the goal.');

export type Target = z.infer<typeof targetSchema>;

export const TARGET_STATUSES = ['achieved', 'missed', 'on_track', 'at_risk', 'behind', 'no_data'] as const;

const windowSchema = z
  .object({
    start: z.string().describe('Inclusive, ISO 8601 with the zone\'s offset (Z for UTC).'),
    end: z.string().describe('Exclusive.'),
  })
  .describe('A calendar window in the goal\'s time zone.');

const measuredShape = {
  window: windowSchema,
  conversations: z.int().describe('Outcomes with a verdict in the window before as_of.'),
  achieved: z.int().describe('Of those, the ones that achieved the goal.'),
  rate: z.number().nullable().describe('achieved ÷ conversations × 100, one decimal; null with no conversations.'),
  expected: z.number().nullable().describe('Count targets: target_count × the elapsed share of the window, one decimal; null for rate targets.'),
  progress: z.number().nullable().describe('achieved ÷ target_count, or rate ÷ target_rate; four decimals; may exceed 1.'),
  status: z.enum(TARGET_STATUSES),
};

export const targetProgressSchema = z.object({
  target_id: z.uuid(),
  is_primary: z.boolean(),
  period: z.enum(PERIODS),
  target_type: z.enum(TARGET_TYPES),
  target_count: z.int().nullable(),
  target_rate: z.number().nullable(),
  ...measuredShape,
  history: z.array(z.object(measuredShape)).describe('Earlier windows, newest first; [] for total targets and when history is 0.'),
});

export const progressSchema = z
  .object({
    goal_id: z.uuid(),
    as_of: timestampSchema,
    timezone: z.string(),
    status: z.enum(TARGET_STATUSES).nullable().describe("The primary target's status; null without targets."),
    targets: z.array(targetProgressSchema),
  })
  .describe('How the goal is doing against each target, as of an instant.');

export type Progress = z.infer<typeof progressSchema>;

export const progressInput = z.strictObject({
  at: windowInstantSchema.optional().describe('The "as of" instant (any ISO 8601 instant with an offset, years 1000–9997); default now.'),
  history: z.int().min(0).max(52).default(0).describe('How many past windows of each recurring target to add (0–52).'),
});

export const includeSchema = z
  .array(z.enum(['progress']))
  .max(1)
  .optional()
  .describe('["progress"] adds `progress` (without history) to each goal.');

export const goalSchema = z
  .object({
    id: z.uuid(),
    agent_id: z.uuid(),
    name: z.string(),
    description: z.string().nullable(),
    status: goalStatus,
    priority: z.int().nullable(),
    fields: z.array(leadFieldSchema),
    channel_id: z.string().nullable().describe('Your channel id, or null for all channels.'),
    tags: z.array(z.string()),
    timezone: z.string(),
    targets: z.array(targetSchema),
    created_at: timestampSchema,
    updated_at: timestampSchema,
    owner: ownerSchema.optional(),
    progress: progressSchema.optional().describe('Only with include: ["progress"].'),
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
  channel_id: channelIdSchema.nullable().default(null),
  tags: tagsSchema.default([]),
  timezone: timeZoneSchema.default('UTC'),
  targets: targetsInputSchema.default([]),
});

export const updateGoalInput = patchSchema({
  name: goalName,
  description: goalDescription,
  status: goalStatus,
  priority: goalPriority,
  agent_id: agentRef,
  fields: fieldsSchema.describe('Replaces the whole list.'),
  channel_id: channelIdSchema.nullable(),
  tags: tagsSchema.describe('Replaces the whole list.'),
  timezone: timeZoneSchema,
  targets: targetsInputSchema,
});

export const getGoalInput = z.strictObject({ include: includeSchema });

export const listGoalsInput = pageInput({
  agentId: recordId.optional().describe("Only this agent's goals."),
  status: goalStatus.optional().describe('Only goals with this status.'),
  channelId: channelIdSchema.optional().describe('Only goals of this channel.'),
  tag: tagSchema.optional().describe('Only goals that have this tag.'),
  include: includeSchema,
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
export const goalDraftSchema = createGoalInput.pick({ name: true, description: true, priority: true, fields: true, tags: true });

export const goalSuggestionSchema = z
  .object({
    agent_id: z.uuid().optional().describe('The `agentId` of the request; absent when none was given.'),
    name: z.string(),
    description: z.string().nullable(),
    status: z.literal('draft').describe('Always draft: the caller decides when the goal goes live.'),
    priority: z.int().nullable(),
    fields: z.array(leadFieldSchema).describe('Every field with all its keys.'),
    tags: z.array(z.string()).describe('Suggested tags (no targets: those are the caller\'s to set).'),
  })
  .describe("A goal ready for `create` as it is (add `agent_id` when the request named no agent). Nothing is saved.");

export type GoalSuggestion = z.infer<typeof goalSuggestionSchema>;

export const generateResultSchema = z.object({
  suggestion: goalSuggestionSchema,
  model: z.string().describe('The model that wrote the suggestion.'),
});
