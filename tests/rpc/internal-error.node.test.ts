import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/platform/logger.js';
import { createHarness, snapshot } from '../support/harness.js';
import { expectError, expectOk } from '../support/expect.js';

// Node only: the fault and the log capture are injected through the harness (wrapDb, deps.logger).
const DETAIL = 'SQLITE_IOERR: disk I/O error in /var/lib/goalpost/secret.db';

/** Makes the app's database throw on DELETE statements while armed; every other query runs for real. */
class FailingDeletes implements KyselyPlugin {
  armed = true;
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (this.armed && args.node.kind === 'DeleteQueryNode') throw new Error(DETAIL);
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

async function setup() {
  const fault = new FailingDeletes();
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('debug', (line) => lines.push(JSON.parse(line) as Record<string, unknown>));
  const h = await createHarness({ deps: { logger }, wrapDb: (db) => ({ ...db, kysely: db.kysely.withPlugin(fault) }) });
  const user = await h.makeUser();
  const goal = await h.makeGoal(user);
  return { h, fault, lines, user, goal };
}

describe('an unexpected fault', () => {
  it('returns 500 INTERNAL_ERROR with a generic message and no detail, changing nothing', async () => {
    const { h, user, goal } = await setup();
    const before = await snapshot(h);
    const reply = await user.invoke({ resource: 'goals', action: 'delete', id: goal.id });
    const error = expectError(reply, 500, 'INTERNAL_ERROR');
    expect(error).toEqual({ code: 'INTERNAL_ERROR', message: 'An unexpected error occurred.', retryable: true, request_id: error.request_id });
    expect(JSON.stringify(reply.body)).not.toMatch(/SQLITE|secret|disk/i);
    expect(await snapshot(h)).toEqual(before);
  });

  it('logs the detail once, at error level, under the request id of the response', async () => {
    const { lines, user, goal } = await setup();
    const reply = await user.invoke({ resource: 'goals', action: 'delete', id: goal.id }, { headers: { 'X-Request-Id': 'trace-500' } });
    expect(expectError(reply, 500, 'INTERNAL_ERROR').request_id).toBe('trace-500');
    const errors = lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ request_id: 'trace-500' });
    expect(JSON.stringify(errors[0])).toContain(DETAIL);
  });

  it('leaves the service working once the fault is gone', async () => {
    const { fault, user, goal } = await setup();
    expectError(await user.invoke({ resource: 'goals', action: 'delete', id: goal.id }), 500, 'INTERNAL_ERROR');
    expectOk(await user.invoke({ resource: 'goals', action: 'get', id: goal.id }));
    fault.armed = false;
    expect(expectOk(await user.invoke({ resource: 'goals', action: 'delete', id: goal.id }))).toEqual({ id: goal.id, deleted: true });
  });

  it('does not log expected errors (4xx) at error level', async () => {
    const { lines, user } = await setup();
    expectError(await user.invoke({ resource: 'goals', action: 'get', id: crypto.randomUUID() }), 404, 'NOT_FOUND');
    expectError(await user.invoke('{'), 400, 'VALIDATION_ERROR');
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
  });
});
