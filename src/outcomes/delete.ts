import { isoNow } from '../platform/clock.js';
import { deletedSchema, emptyInput } from '../rpc/common-schemas.js';
import { defineAction } from '../rpc/define-action.js';
import { notFound } from '../rpc/errors.js';
import { deleteOutcome } from './store.js';

export const outcomesDelete = defineAction({
  resource: 'outcomes',
  action: 'delete',
  description: "Deletes an outcome; it leaves its goal's progress at once.",
  scope: 'outcomes:write',
  id: 'required',
  destructive: true,
  naturallyIdempotent: true,
  input: emptyInput,
  result: deletedSchema,
  async run({ id }, ctx) {
    const result = await deleteOutcome(ctx.db, ctx.access, id, isoNow(ctx.clock));
    switch (result.kind) {
      case 'missing':
        throw notFound('Outcome', id);
      case 'deleted':
        return { id, deleted: true as const };
    }
  },
});
