import * as z from 'zod';
import { nameSchema, ownerSchema, patchSchema, timestampSchema } from '../rpc/common-schemas.js';
import { pageInput, pageResultSchema } from '../rpc/pagination.js';

const agentName = nameSchema(200).describe('The agent\'s name, 1–200 characters (trimmed).');
const agentDescription = z.string().max(2000).nullable().describe('Up to 2,000 characters, or null.');

export const agentSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.string().nullable(),
    goal_id: z.uuid().nullable().describe('The attached goal, or null.'),
    created_at: timestampSchema,
    updated_at: timestampSchema,
    owner: ownerSchema.optional(),
  })
  .describe('A voice or chat agent; goals belong to agents.');

export type Agent = z.infer<typeof agentSchema>;

export const createAgentInput = z.strictObject({
  name: agentName,
  description: agentDescription.default(null),
});

export const updateAgentInput = patchSchema({ name: agentName, description: agentDescription });

export const listAgentsInput = pageInput({});

export const agentPageSchema = pageResultSchema(agentSchema);
