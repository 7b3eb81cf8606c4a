import type { Services } from '../rpc/context.js';
import { dispatch, type Call } from '../rpc/dispatch.js';
import { errorBody, toApiError } from '../rpc/errors.js';

/** Items run one after another, each validated and authorised on its own; not one transaction. */
export async function runBatch(items: readonly unknown[], call: Call, services: Services): Promise<unknown[]> {
  const results: unknown[] = [];
  // Each item resolves its own action; the access log names the request `batch`.
  const itemCall: Call = { principal: call.principal, requestId: call.requestId };
  for (const item of items) {
    try {
      const result = await dispatch(item, itemCall, services);
      results.push({ success: true, data: result.data });
    } catch (err) {
      const apiError = toApiError(err);
      if (apiError.code === 'INTERNAL_ERROR') services.logger.error('unhandled error in batch item', { request_id: call.requestId, err });
      results.push(errorBody(apiError, call.requestId));
    }
  }
  return results;
}
