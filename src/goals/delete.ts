import { isoNow } from '../platform/clock.js';
import { defineAction } from '../rpc/define-action.js';
import { deletedSchema, emptyInput } from '../rpc/common-schemas.js';
import { notFound } from '../rpc/errors.js';
import { deleteGoal } from './store.js';

export const goalsDelete = defineAction({
  resource: 'goals',
  action: 'delete',
  description: 'Deletes a goal and detaches it from every agent it was attached to.',
  scope: 'goals:write',
  id: 'required',
  destructive: true,
  naturallyIdempotent: true,
  input: emptyInput,
  result: deletedSchema,
  async run({ id }, ctx) {
    if ((await deleteGoal(ctx.db, ctx.access, id, isoNow(ctx.clock))) === 'missing') throw notFound('Goal', id);
    return { id, deleted: true as const };
  },
});
