import { emptyInput } from '../rpc/common-schemas.js';
import { defineAction } from '../rpc/define-action.js';
import { notFound } from '../rpc/errors.js';
import { outcomeSchema } from './schemas.js';
import { findOutcome } from './store.js';

export const outcomesGet = defineAction({
  resource: 'outcomes',
  action: 'get',
  description: 'Returns one outcome.',
  scope: 'outcomes:read',
  id: 'required',
  destructive: false,
  naturallyIdempotent: true,
  input: emptyInput,
  result: outcomeSchema,
  async run({ id }, ctx) {
    const outcome = await findOutcome(ctx.db, ctx.access, id);
    if (!outcome) throw notFound('Outcome', id);
    return outcome;
  },
});
