import { defineAction } from '../rpc/define-action.js';
import { notFound } from '../rpc/errors.js';
import { emptyInput } from '../rpc/common-schemas.js';
import { goalSchema } from './schemas.js';
import { findGoal } from './store.js';

export const goalsGet = defineAction({
  resource: 'goals',
  action: 'get',
  description: 'Returns one goal.',
  scope: 'goals:read',
  id: 'required',
  destructive: false,
  naturallyIdempotent: true,
  input: emptyInput,
  result: goalSchema,
  async run({ id }, ctx) {
    const goal = await findGoal(ctx.db, ctx.access, id);
    if (!goal) throw notFound('Goal', id);
    return goal;
  },
});
