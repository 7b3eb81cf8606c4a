import * as z from 'zod';

/** The request envelope of POST /invoke. Unknown top-level keys are rejected. */
export const envelopeSchema = z
  .strictObject({
    resource: z.string().describe('The resource, e.g. "goals".'),
    action: z.string().describe('The action on the resource, e.g. "create".'),
    id: z.string().optional().describe('The record id (a UUID): required by get, update and delete, forbidden elsewhere.'),
    data: z.unknown().optional().describe("The action's input object."),
    admin: z.boolean().optional().describe('Admin mode: lifts owner filters and adds `owner`; needs the admin role.'),
  })
  .describe('One call: which action, on which record, with what input.');

export type Envelope = z.infer<typeof envelopeSchema>;

/** Most envelopes in one batch. */
export const MAX_BATCH = 25;
/** Most bytes in one request body, a batch included. */
export const BODY_LIMIT = 512 * 1024;
