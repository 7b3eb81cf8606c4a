import { isoNow } from '../platform/clock.js';
import { unreachable } from '../platform/unreachable.js';
import { deletedSchema, emptyInput } from '../rpc/common-schemas.js';
import { defineAction } from '../rpc/define-action.js';
import { ApiError, notFound } from '../rpc/errors.js';
import { deleteAgent } from './store.js';

export const agentsDelete = defineAction({
  resource: 'agents',
  action: 'delete',
  description: 'Deletes an agent and its attachment. An agent that still owns goals, or that outcomes name, cannot be deleted.',
  scope: 'agents:write',
  id: 'required',
  destructive: true,
  naturallyIdempotent: true,
  input: emptyInput,
  result: deletedSchema,
  async run({ id }, ctx) {
    const outcome = await deleteAgent(ctx.db, ctx.access, id, isoNow(ctx.clock));
    switch (outcome) {
      case 'deleted':
        return { id, deleted: true as const };
      case 'missing':
        throw notFound('Agent', id);
      case 'has-goals':
        throw new ApiError('CONFLICT', `Agent ${id} still owns goals; delete them or move them to another agent first.`);
      case 'has-outcomes':
        throw new ApiError('CONFLICT', `Outcomes still name agent ${id}; delete them (or their goals) first.`);
      default:
        return unreachable(outcome);
    }
  },
});
